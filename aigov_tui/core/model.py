"""The assessment: organisation profile, every register, ID counters and metadata.

All edits go through the functions here, so the TUI and the CLI change an assessment the
same way and get the same validation.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from .registers import ID_PREFIXES, PROFILE, REGISTERS
from .schema import Problem, Register

SCHEMA_VERSION = 1


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class Assessment:
    """Everything one assessment file holds."""

    profile: dict[str, Any] = field(default_factory=PROFILE.blank)
    registers: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in ID_PREFIXES}
    )
    counters: dict[str, int] = field(default_factory=dict)
    scope: dict[str, Any] = field(default_factory=lambda: {"addendum": "", "edited": False})
    meta: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Tables this version does not know, kept untouched so nothing is lost."""

    @classmethod
    def new(cls, organisation: str = "") -> "Assessment":
        a = cls()
        a.profile["organisation"] = organisation.strip()
        a.profile["classification"] = "Confidential"
        a.meta = {
            "schema_version": SCHEMA_VERSION,
            "assessment_id": str(uuid.uuid4()),
            "document_version": "0.1",
            "created": now_iso(),
            "modified": now_iso(),
        }
        return a

    @property
    def organisation(self) -> str:
        return str(self.profile.get("organisation") or "")

    def records(self, register: str | Register) -> list[dict[str, Any]]:
        name = register if isinstance(register, str) else register.name
        return self.registers.setdefault(name, [])

    def find(self, register: str | Register, record_id: str) -> dict[str, Any] | None:
        for record in self.records(register):
            if record.get("id") == record_id:
                return record
        return None

    def copy(self) -> "Assessment":
        return copy.deepcopy(self)


class RecordError(ValueError):
    """An edit that cannot be made; carries the problems to show next to the fields."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def next_id(assessment: Assessment, register: Register) -> str:
    """Issue the next ID of a register; IDs are never reused after a delete."""
    prefix = register.id_prefix
    used = [id_number(r.get("id", ""), prefix) for r in assessment.records(register)]
    n = max([assessment.counters.get(prefix, 0), *used]) + 1
    assessment.counters[prefix] = n
    return f"{prefix}-{n:03d}"


def id_number(record_id: str, prefix: str) -> int:
    m = re.fullmatch(rf"{re.escape(prefix)}-(\d+)", str(record_id or ""))
    return int(m.group(1)) if m else 0


def natural_key(record_id: str) -> tuple[str, int]:
    m = re.fullmatch(r"(.*?)(\d+)", record_id or "")
    return (m.group(1), int(m.group(2))) if m else (record_id or "", 0)


def _prepare(register: Register, values: dict[str, Any]) -> dict[str, Any]:
    record, parse_problems = register.coerce(values)
    problems = parse_problems or register.validate(record)
    if problems:
        raise RecordError(problems)
    return record


def add_record(assessment: Assessment, register: Register, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and add a record; returns it with its new ID. Raises RecordError."""
    record = _prepare(register, {k: v for k, v in values.items() if k != "id"})
    record = {"id": next_id(assessment, register), **record}
    assessment.records(register).append(record)
    touch(assessment)
    return record


def update_record(
    assessment: Assessment, register: Register, record_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Validate and replace the fields of an existing record. Raises RecordError or KeyError."""
    existing = assessment.find(register, record_id)
    if existing is None:
        raise KeyError(f"{register.item} {record_id} does not exist")
    record = _prepare(register, {**values, "id": record_id})
    existing.clear()
    existing.update({"id": record_id, **{k: v for k, v in record.items() if k != "id"}})
    touch(assessment)
    return existing


def delete_record(assessment: Assessment, register: Register, record_id: str) -> dict[str, Any]:
    records = assessment.records(register)
    for i, record in enumerate(records):
        if record.get("id") == record_id:
            touch(assessment)
            return records.pop(i)
    raise KeyError(f"{register.item} {record_id} does not exist")


def update_profile(assessment: Assessment, values: dict[str, Any]) -> dict[str, Any]:
    record = _prepare(PROFILE, values)
    assessment.profile = record
    touch(assessment)
    return record


def update_profile_draft(assessment: Assessment, values: dict[str, Any]) -> list[Problem]:
    """Keep the profile as typed, even while incomplete, and return its problems.

    A workshop fills the profile bit by bit; nothing typed is thrown away. A value that does
    not parse (a malformed date) is kept as typed and reported by validation.
    """
    record, parse_problems = PROFILE.coerce(values)
    assessment.profile = record
    touch(assessment)
    return parse_problems or PROFILE.validate(record)


def touch(assessment: Assessment) -> None:
    assessment.meta["modified"] = now_iso()


def validate_assessment(assessment: Assessment) -> list[Problem]:
    """Every problem in the assessment: profile, each declared register, duplicate IDs."""
    problems = list(PROFILE.validate(assessment.profile))
    for name, register in REGISTERS.items():
        seen: set[str] = set()
        for record in assessment.records(name):
            rid = str(record.get("id") or "")
            if not re.fullmatch(rf"{register.id_prefix}-\d{{3,}}", rid):
                problems.append(Problem(register.title, rid, "id",
                                        f"'{rid}' is not an ID like {register.id_prefix}-001."))
            elif rid in seen:
                problems.append(Problem(register.title, rid, "id", f"{rid} is used twice."))
            seen.add(rid)
            problems.extend(register.validate(record))
    return problems
