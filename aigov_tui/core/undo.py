"""Undo for the last changes: a journal of what each change touched, as it was before.

Each entry keeps the before-state of only the records and parts of the assessment a change
touched (a risk, the SoA rows of a bulk decision, the risk method and the ratings it
re-mapped, a deleted record and the records that named it), never a copy of the whole
document. Undoing an entry puts those back; whoever calls it then saves through the normal
path. IDs issued by an undone add are not issued again (the counters are left alone).

Use::

    entry = journal.begin("Deleted R-003")
    entry.keep_record(assessment, "risks", "R-003")
    ...make the change...
    journal.commit(entry)        # or journal.cancel(entry) when the change failed
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterable

from .model import Assessment, references_to, touch
from .registers import KEYED_REGISTERS, REGISTERS
from .schema import Kind, Register

DEPTH = 50
PARTS = ("profile", "scope", "risk_method")
"""Parts of an assessment kept whole (each is small)."""


@dataclass
class _Kept:
    table: str
    record_id: str
    index: int | None
    """Where the record was in its table; None when it did not exist before the change."""
    record: dict[str, Any] | None


@dataclass
class Entry:
    label: str
    records: list[_Kept] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)
    _seen: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def keep_record(self, assessment: Assessment, table: str, record_id: str) -> None:
        """Remember one record as it is now (or that it does not exist yet)."""
        if (table, record_id) in self._seen:
            return
        self._seen.add((table, record_id))
        for i, r in enumerate(assessment.records(table)):
            if r.get("id") == record_id:
                self.records.append(_Kept(table, record_id, i, copy.deepcopy(r)))
                return
        self.records.append(_Kept(table, record_id, None, None))

    def keep_records(self, assessment: Assessment, table: str, record_ids: Iterable[str]) -> None:
        """Remember several records of one table; looks each up once through an index."""
        wanted = [rid for rid in record_ids if (table, rid) not in self._seen]
        if not wanted:
            return
        wanted_set = set(wanted)
        where = {str(r.get("id")): (i, r) for i, r in enumerate(assessment.records(table))
                 if r.get("id") in wanted_set}
        for rid in wanted:
            self._seen.add((table, rid))
            i, r = where.get(rid, (None, None))
            self.records.append(_Kept(table, rid, i, copy.deepcopy(r) if r is not None else None))

    def keep_added(self, table: str, record_id: str) -> None:
        """A record the change added (so undo removes it)."""
        if (table, record_id) not in self._seen:
            self._seen.add((table, record_id))
            self.records.append(_Kept(table, record_id, None, None))

    def keep_part(self, assessment: Assessment, part: str) -> None:
        if part not in PARTS:
            raise ValueError(f"unknown part {part!r}; one of {', '.join(PARTS)}")
        if part not in self.parts:
            self.parts[part] = copy.deepcopy(getattr(assessment, part))

    @property
    def empty(self) -> bool:
        return not self.records and not self.parts


class UndoJournal:
    """The last ``depth`` changes, newest last."""

    def __init__(self, depth: int = DEPTH) -> None:
        self.depth = depth
        self._entries: list[Entry] = []
        self._open: list[Entry] = []

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def last_label(self) -> str | None:
        return self._entries[-1].label if self._entries else None

    def begin(self, label: str) -> Entry:
        entry = Entry(label)
        self._open.append(entry)
        return entry

    def commit(self, entry: Entry, label: str | None = None) -> None:
        """The change went through: keep the entry (oldest dropped past the depth)."""
        if entry in self._open:
            self._open.remove(entry)
        if label:
            entry.label = label
        if entry.empty:
            return
        self._entries.append(entry)
        del self._entries[:-self.depth]

    def cancel(self, entry: Entry) -> None:
        """The change failed or was abandoned: forget the entry."""
        if entry in self._open:
            self._open.remove(entry)

    def clear(self) -> None:
        self._entries.clear()
        self._open.clear()

    def undo(self, assessment: Assessment) -> Entry | None:
        """Put back what the newest change touched; returns it, or None when nothing is left."""
        if not self._entries:
            return None
        entry = self._entries.pop()
        for part, value in entry.parts.items():
            setattr(assessment, part, copy.deepcopy(value))
        by_table: dict[str, list[_Kept]] = {}
        for kept in entry.records:
            by_table.setdefault(kept.table, []).append(kept)
        for table, kept_list in by_table.items():
            records = assessment.records(table)
            ids = {rid for rid in (k.record_id for k in kept_list)}
            position = {str(r.get("id")): i for i, r in enumerate(records) if r.get("id") in ids}
            # replace records that are still there in place; remove those added since
            gone: set[int] = set()
            missing: list[_Kept] = []
            for k in kept_list:
                i = position.get(k.record_id)
                if k.record is None:
                    if i is not None:
                        gone.add(i)
                elif i is not None:
                    records[i].clear()  # in place: whoever holds the record sees it restored
                    records[i].update(copy.deepcopy(k.record))
                else:
                    missing.append(k)
            if gone:
                records[:] = [r for i, r in enumerate(records) if i not in gone]
            # records deleted by the change go back where they were
            for k in sorted(missing, key=lambda k: k.index or 0):
                records.insert(min(k.index or 0, len(records)), copy.deepcopy(k.record))
        if entry.parts:
            touch(assessment)  # the method or profile: everything may read it
        else:
            for k in entry.records:
                # a record put back or taken away changes the table's IDs too
                touch(assessment, k.table, k.record_id, ids=k.record is None or k.index is not None)
        return entry


# --- what common changes touch -------------------------------------------------------------------
def keep_for_delete(entry: Entry, assessment: Assessment, register: Register, record_id: str) -> None:
    """A delete touches the record and every record that names it (and, for a custom control,
    its SoA row and the records naming that row)."""
    entry.keep_record(assessment, register.name, record_id)
    for other, r, _ in references_to(assessment, register, record_id):
        entry.keep_record(assessment, other.name, str(r.get("id")))
    if register.name == "custom_controls":
        entry.keep_record(assessment, "soa", record_id)
        for other in (*REGISTERS.values(), *KEYED_REGISTERS.values()):
            for f in other.fields:
                if f.kind is Kind.REFS and f.ref == "soa":
                    for r in assessment.records(other):
                        if record_id in (r.get(f.key) or []):
                            entry.keep_record(assessment, other.name, str(r.get("id")))


def keep_for_method(entry: Entry, assessment: Assessment) -> None:
    """A risk-method change touches the method and every risk (ratings re-mapped, re-scored)."""
    entry.keep_part(assessment, "risk_method")
    entry.keep_records(assessment, "risks", [str(r.get("id")) for r in assessment.records("risks")])
