"""Every record's validation problems, kept up to date for each change instead of recomputed.

The stepper, the tables' ``!`` marks and the problem list all ask "which records have
problems?" after every keypress. Recomputing that for a whole ISMS register (thousands of
risks) on each edit is what made the app slow at a real client's size. :class:`ProblemIndex`
reads the assessment's :class:`~aigov_tui.core.model.ChangeLog` and re-checks only:

* the records that changed;
* every record of a register whose inputs changed as a whole: the IDs of a register it refers
  to (a reference can become valid or dangling), the risk method (rating scales), the SoA
  (for audit independence), or everything when an edit did not say what it changed.

``ProblemIndex(a, cats).refresh()`` after any sequence of edits holds exactly what a fresh
index holds; the tests check that with random edits.
"""

from __future__ import annotations

from typing import Any

from .model import Assessment, Context, record_problems
from .registers import REGISTERS
from .schema import Kind, Problem, Register


def _dependencies(register: Register) -> tuple[tuple[str, ...], bool, bool, bool]:
    """(tables whose ID sets it checks, uses the risk method, uses the SoA's control list,
    its rules read the SoA's applicability and owners)."""
    ids: list[str] = []
    method = soa_keys = soa_owners = False
    for f in register.fields:
        if f.kind in (Kind.REF, Kind.REFS) and not f.derived:
            if f.ref in REGISTERS:
                ids.append(f.ref)
            elif f.ref == "soa":
                soa_keys = True
        if f.kind is Kind.SCALE:
            method = True
    if register.name == "risks":
        method = True
    if register.name == "audits":  # independence: the SoA's owners and derived applicability
        soa_keys = soa_owners = True
    return tuple(dict.fromkeys(ids)), method, soa_keys, soa_owners


DEPENDENCIES = {name: _dependencies(r) for name, r in REGISTERS.items()}


class ProblemIndex:
    """Problems of every record of every register with issued IDs, by table and ID."""

    DEPENDENCIES = DEPENDENCIES

    def __init__(self, assessment: Assessment, catalogs: Any = None) -> None:
        self.assessment = assessment
        self.catalogs = catalogs
        self.rev: int | None = None
        self._problems: dict[str, dict[str, list[Problem]]] = {}
        self._stamps: dict[str, Any] = {}
        self.ready = False
        """True once a first full check has run (the app runs it in a worker after opening)."""

    # -- reading ---------------------------------------------------------------------------------
    def problems(self, table: str, record_id: str) -> list[Problem]:
        self.refresh()
        return list(self._problems.get(table, {}).get(record_id, ()))

    def count(self, table: str, record_id: str) -> int:
        self.refresh()
        return len(self._problems.get(table, {}).get(record_id, ()))

    def counts(self, table: str) -> dict[str, int]:
        """ID -> number of problems, for the records that have any."""
        self.refresh()
        return {rid: len(p) for rid, p in self._problems.get(table, {}).items()}

    def has_problems(self, table: str) -> bool:
        self.refresh()
        return bool(self._problems.get(table))

    def all_problems(self) -> list[Problem]:
        self.refresh()
        return [p for table in REGISTERS for ps in self._problems.get(table, {}).values() for p in ps]

    # -- keeping up --------------------------------------------------------------------------------
    def _stamp(self, name: str) -> Any:
        a, log = self.assessment, self.assessment.changes
        ids, method, soa_keys, soa_owners = DEPENDENCIES[name]
        return (
            id(self.catalogs),
            tuple((log.ids_version(t), len(a.records(t))) for t in ids),
            repr(a.risk_method) if method else None,
            (repr(a.profile.get("frameworks")), log.ids_version("custom_controls"),
             len(a.records("custom_controls"))) if soa_keys else None,
            self._soa_view() if soa_owners else None,
        )

    def _soa_view(self) -> Any:
        """What audit independence reads of the SoA: each row's applicability, AI relevance and
        owner (kept up to date row by row, so a risk edit costs little)."""
        if self.catalogs is None:
            return None
        from .soa import _soa_rows

        return tuple((r["id"], r.get("applicable"), r.get("ai_relevance"), r.get("owner"))
                     for r in _soa_rows(self.assessment, self.catalogs))

    def refresh(self) -> dict[str, set[str] | None]:
        """Catch up with the edits made since the last call. Returns, per table, the IDs whose
        problems may have changed (None: the whole table was checked again)."""
        a = self.assessment
        log = a.changes
        start = log.rev  # edits made while this runs (from another thread) are caught up next time
        if self.rev == start:
            return {}
        changes = None if self.rev is None else log.since(self.rev)
        ctx = Context(a, self.catalogs)
        touched: dict[str, set[str] | None] = {}
        for name, register in REGISTERS.items():
            stamp = self._stamp(name)
            whole = (changes is None or stamp != self._stamps.get(name)
                     or (name in changes and changes[name] is None))
            self._stamps[name] = stamp
            if whole:
                found: dict[str, list[Problem]] = {}
                for record in a.records(name):
                    ps = record_problems(register, record, ctx)
                    if ps:
                        found.setdefault(str(record.get("id")), []).extend(ps)
                self._problems[name] = found
                touched[name] = None
            elif name in changes:
                ids = changes[name] or set()
                table = self._problems.setdefault(name, {})
                index = a.by_id(name)
                for rid in ids:
                    record = index.get(rid)
                    ps = record_problems(register, record, ctx) if record is not None else []
                    if ps:
                        table[rid] = ps
                    else:
                        table.pop(rid, None)
                touched[name] = set(ids)
        self.rev = start
        self.ready = True
        return touched
