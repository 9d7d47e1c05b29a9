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

from . import scoring
from .registers import KEYED_REGISTERS, PROFILE, REGISTERS, TABLES
from .schema import Kind, Problem, Register, is_blank

SCHEMA_VERSION = 1


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class Assessment:
    """Everything one assessment file holds."""

    profile: dict[str, Any] = field(default_factory=PROFILE.blank)
    registers: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in TABLES}
    )
    counters: dict[str, int] = field(default_factory=dict)
    scope: dict[str, Any] = field(default_factory=lambda: {"addendum": "", "edited": False})
    meta: dict[str, Any] = field(default_factory=dict)
    risk_method: dict[str, Any] = field(default_factory=scoring.default_method)
    """The client's risk method (Step 3); every risk is scored with it."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Tables this version does not know, kept untouched so nothing is lost."""
    load_problems: list[Problem] = field(default_factory=list, compare=False)
    """What the shape check found when the file was read (values set aside, repaired text)."""

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


def natural_key(record_id: str) -> tuple[tuple[int, Any], ...]:
    """Sort IDs as people read them: SYS-2 before SYS-10, A.5.9 before A.5.10."""
    parts = re.split(r"(\d+)", record_id or "")
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in parts if p != "")


@dataclass
class Context:
    """What cross-register and catalog checks need: the assessment and, when loaded, the catalogs."""

    assessment: Assessment
    catalogs: Any = None

    @property
    def method(self) -> dict[str, Any]:
        return self.assessment.risk_method


CATALOG_REFS = {"threats": "AI threat", "iso27001": "ISO 27001 Annex A control",
                "iso42001": "ISO 42001 Annex A control",
                "soa": "control in this Statement of Applicability",
                "roles": "role of the training catalog"}


def ref_options(ref: str, assessment: Assessment, catalogs: Any = None) -> dict[str, str] | None:
    """The IDs a reference field may hold, with a label each; None when the catalog isn't loaded."""
    if ref == "soa":
        if catalogs is None:
            return None
        from .soa import controls_in_scope  # the SoA needs the catalogs and this module

        return {c["id"]: f"{c['id']} {c['title']}" for c in controls_in_scope(assessment, catalogs)}
    if ref == "roles":
        if catalogs is None:
            return None
        return {k: str(v.get("title", k)) for k, v in catalogs.roles.items()}
    if ref in REGISTERS:
        register = REGISTERS[ref]
        return {str(r.get("id")): f"{r.get('id')} {r.get(register.title_field) or ''}".strip()
                for r in sorted(assessment.records(ref), key=lambda r: natural_key(str(r.get("id"))))}
    if catalogs is None:
        return None
    source = {"threats": catalogs.threats, "iso27001": catalogs.iso27001,
              "iso42001": catalogs.iso42001}.get(ref)
    if source is None:
        return None
    return {k: f"{k} {v.get('title', '')}".strip() for k, v in source.items()}


def field_options(register: Register, assessment: Assessment, catalogs: Any = None) -> dict[str, list[tuple[Any, str]]]:
    """For each reference or scale field of a register: the (value, label) pairs a form offers."""
    out: dict[str, list[tuple[Any, str]]] = {}
    for f in register.fields:
        if f.kind in (Kind.REF, Kind.REFS):
            options = ref_options(f.ref, assessment, catalogs) or {}
            out[f.key] = list(options.items())
        elif f.kind is Kind.SCALE:
            labels = assessment.risk_method.get(f.scale) or []
            out[f.key] = [(i, f"{i} {label}") for i, label in enumerate(labels, start=1)]
    return out


def check_context(register: Register, record: dict[str, Any], ctx: Context) -> list[Problem]:
    """Checks that need the assessment or catalogs: references, rating scales, cross-field rules."""
    rid = str(record.get("id") or "")
    problems: list[Problem] = []
    n = scoring.size(ctx.method)
    for f in register.fields:
        value = record.get(f.key)
        if f.derived or is_blank(value):
            continue
        if f.kind in (Kind.REF, Kind.REFS):
            options = ref_options(f.ref, ctx.assessment, ctx.catalogs)
            if options is None:
                continue
            values = value if isinstance(value, list) else [value]
            unknown = [v for v in values if v not in options]
            if unknown:
                what = CATALOG_REFS.get(f.ref) or REGISTERS[f.ref].item
                problems.append(Problem(register.title, rid, f.key,
                                        f"{f.label}: {', '.join(unknown)} is not a known {what}."))
        elif f.kind is Kind.SCALE and isinstance(value, int) and value > n:
            problems.append(Problem(register.title, rid, f.key,
                                    f"{f.label} must be from 1 to {n} (the risk method is {n}×{n})."))
    for rule in register.rules:
        for key, message in rule(record, ctx):
            problems.append(Problem(register.title, rid, key, message))
    return problems


def record_problems(register: Register, record: dict[str, Any], ctx: Context) -> list[Problem]:
    """Every problem of one stored record."""
    return register.validate(record) + check_context(register, record, ctx)


def _prepare(register: Register, values: dict[str, Any], ctx: Context | None = None,
             strict: bool = True) -> tuple[dict[str, Any], list[Problem]]:
    record, problems = register.coerce(values)
    if not problems:
        problems = register.validate(record)
    if ctx is not None:
        if register.derive is not None:
            register.derive(record, ctx)
        if not problems:
            problems = check_context(register, record, ctx)
    if problems and strict:
        raise RecordError(problems)
    return record, problems


def add_record(assessment: Assessment, register: Register, values: dict[str, Any],
               catalogs: Any = None, *, strict: bool = True) -> dict[str, Any]:
    """Validate and add a record; returns it with its new ID. Raises RecordError.

    ``strict=False`` keeps a record that still has problems (suggestions a person completes
    later); validation goes on reporting them.
    """
    ctx = Context(assessment, catalogs)
    record, _ = _prepare(register, {k: v for k, v in values.items() if k != "id"}, ctx, strict)
    record = {"id": next_id(assessment, register), **record}
    assessment.records(register).append(record)
    touch(assessment)
    return record


def update_record(
    assessment: Assessment, register: Register, record_id: str, values: dict[str, Any],
    catalogs: Any = None,
) -> dict[str, Any]:
    """Validate and replace the fields of an existing record. Raises RecordError or KeyError."""
    existing = assessment.find(register, record_id)
    if existing is None:
        raise KeyError(f"{register.item} {record_id} does not exist")
    record, _ = _prepare(register, {**values, "id": record_id}, Context(assessment, catalogs))
    existing.clear()
    existing.update({"id": record_id, **{k: v for k, v in record.items() if k != "id"}})
    touch(assessment)
    return existing


def references_to(assessment: Assessment, register: Register, record_id: str) -> list[tuple[Register, dict[str, Any], str]]:
    """(register, record, field key) for every reference field that names ``record_id``."""
    found = []
    for other in (*REGISTERS.values(), *KEYED_REGISTERS.values()):
        for f in other.fields:
            if f.kind in (Kind.REF, Kind.REFS) and f.ref == register.name:
                for r in assessment.records(other):
                    value = r.get(f.key)
                    if value == record_id or (isinstance(value, list) and record_id in value):
                        found.append((other, r, f.key))
    return found


def _forget_soa_key(assessment: Assessment, key: str) -> None:
    """A custom control leaves the SoA: drop its stored row and every SoA reference to it."""
    soa_rows = assessment.records("soa")
    soa_rows[:] = [r for r in soa_rows if r.get("id") != key]
    for other in REGISTERS.values():
        for f in other.fields:
            if f.kind is Kind.REFS and f.ref == "soa":
                for r in assessment.records(other):
                    if key in (r.get(f.key) or []):
                        r[f.key] = [v for v in r[f.key] if v != key]


def delete_record(assessment: Assessment, register: Register, record_id: str) -> dict[str, Any]:
    """Remove a record and every reference to it; its ID is never issued again."""
    records = assessment.records(register)
    for i, record in enumerate(records):
        if record.get("id") == record_id:
            for _, other, key in references_to(assessment, register, record_id):
                value = other.get(key)
                other[key] = [v for v in value if v != record_id] if isinstance(value, list) else None
            if register.name == "custom_controls":
                _forget_soa_key(assessment, record_id)
            touch(assessment)
            return records.pop(i)
    raise KeyError(f"{register.item} {record_id} does not exist")


def set_risk_method(assessment: Assessment, method: dict[str, Any]) -> tuple[int, int]:
    """Adopt a new risk method and re-score every risk.

    Ratings on a scale of another size are mapped onto the new one, keeping both ends.
    Returns (risks whose inherent or residual level changed, ratings mapped to the new scale).
    Raises ValueError naming what is wrong with the method.
    """
    problems = scoring.validate_method(method)
    if problems:
        raise ValueError(" ".join(problems))
    old_size, new_size = scoring.size(assessment.risk_method), scoring.size(method)
    changed = rescaled = 0
    for risk in assessment.records("risks"):
        before = (risk.get("inherent_level"), risk.get("residual_level"))
        for key in ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"):
            value = risk.get(key)
            new = scoring.rescale(value, old_size, new_size)
            if new != value:
                risk[key] = new
                rescaled += 1
        scoring.derive(risk, method)
        if (risk.get("inherent_level"), risk.get("residual_level")) != before:
            changed += 1
    assessment.risk_method = copy.deepcopy(method)
    touch(assessment)
    return changed, rescaled


def update_profile(assessment: Assessment, values: dict[str, Any]) -> dict[str, Any]:
    record, _ = _prepare(PROFILE, values)
    assessment.profile = record
    touch(assessment)
    return record


def update_profile_draft(assessment: Assessment, values: dict[str, Any]) -> list[Problem]:
    """Keep the profile as typed, even while incomplete, and return its problems.

    A workshop fills the profile bit by bit; nothing typed is thrown away. A value that does
    not parse (a malformed date) is kept as typed and reported by validation.
    """
    record, problems = _prepare(PROFILE, values, strict=False)
    assessment.profile = record
    touch(assessment)
    return problems


def touch(assessment: Assessment) -> None:
    assessment.meta["modified"] = now_iso()


def validate_assessment(assessment: Assessment, catalogs: Any = None) -> list[Problem]:
    """Every problem in the assessment: profile, risk method, each register, IDs, references."""
    ctx = Context(assessment, catalogs)
    problems = list(assessment.load_problems)
    quarantined = assessment.extra.get("quarantine")
    if isinstance(quarantined, dict) and quarantined and not assessment.load_problems:
        problems.append(Problem("Quarantine", "", "quarantine",
                                f"{len(quarantined)} value(s) set aside when the file was read "
                                "earlier are kept in its 'quarantine' table; re-enter what is "
                                "needed, then remove that table."))
    problems += list(PROFILE.validate(assessment.profile))
    problems += [Problem("Risk method", "", "risk_method", p)
                 for p in scoring.validate_method(assessment.risk_method)]
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
            problems.extend(record_problems(register, record, ctx))
    if catalogs is not None:
        from .soa import soa_problems

        problems.extend(soa_problems(assessment, catalogs))
    return problems
