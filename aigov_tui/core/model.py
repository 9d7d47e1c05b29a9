"""The assessment: organisation profile, every register, ID counters and metadata.

All edits go through the functions here, so the TUI and the CLI change an assessment the
same way and get the same validation.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from . import scoring
from .registers import CUSTOM_CONTROLS, KEYED_REGISTERS, OWNED, PROFILE, REGISTERS, TABLES
from .controls import build_controls
from .schema import Kind, Problem, Register, is_blank, natural_key

SCHEMA_VERSION = 1

ASSESSMENT_CHECKS: list[Any] = []
"""Whole-assessment checks that need the catalogs, ``check(assessment, catalogs) -> [Problem]``.
Domain modules above the model add theirs when imported (``aigov_tui.core`` imports them all),
so the model never imports them back."""


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


ALL = "*"
"""A change whose extent is not known: every table counts as changed."""


class ChangeLog:
    """What changed in an assessment, and when, so that derived state is refreshed for the change
    rather than rebuilt from the whole file.

    Every edit goes through :func:`touch`, which records the table and record it changed (or
    that everything may have changed, when the caller does not say). Consumers (the save's
    per-record text, the problem index, memoised views such as the SoA) remember the revision
    they last saw and ask :meth:`since` what changed after it.
    """

    KEEP = 50_000

    def __init__(self) -> None:
        self.rev = 0
        self.all_rev = 0
        self.table_rev: dict[str, int] = {}
        self.ids_rev: dict[str, int] = {}
        self.log: deque[tuple[int, str, str | None]] = deque(maxlen=self.KEEP)
        self.memo: dict[Any, tuple[Any, Any]] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> "ChangeLog":
        fresh = ChangeLog()
        fresh.rev = fresh.all_rev = self.rev + 1
        return fresh

    def mark(self, table: str, record_id: str | None = None, *, ids: bool = False) -> None:
        """``table`` changed: one record of it (``record_id``) or all of it (None); ``ids``
        when records were added or removed (references to the table must be checked again)."""
        if table == ALL:
            self.mark_all()
            return
        self.rev += 1
        self.table_rev[table] = self.rev
        if ids or record_id is None:
            self.ids_rev[table] = self.rev
        self.log.append((self.rev, table, record_id))

    def mark_all(self) -> None:
        self.rev += 1
        self.all_rev = self.rev
        self.log.append((self.rev, ALL, None))

    def version(self, table: str) -> int:
        return max(self.table_rev.get(table, 0), self.all_rev)

    def ids_version(self, table: str) -> int:
        return max(self.ids_rev.get(table, 0), self.all_rev)

    def since(self, rev: int) -> dict[str, set[str] | None] | None:
        """Tables changed after ``rev``: table -> IDs of the records changed (None: the whole
        table). None when everything may have changed (or the log no longer reaches back)."""
        if rev < self.all_rev or (self.log and self.log[0][0] > rev + 1 and rev < self.rev):
            return None
        out: dict[str, set[str] | None] = {}
        for r, table, rid in reversed(self.log):
            if r <= rev:
                break
            if rid is None:
                out[table] = None
            elif table not in out:
                out[table] = {rid}
            elif out[table] is not None:
                out[table].add(rid)  # type: ignore[union-attr]
        return out


def memo(assessment: "Assessment", key: Any, tables: tuple[str, ...], build: Callable[[], Any]) -> Any:
    """``build()``, computed again only when one of ``tables`` changed since the last call."""
    log = assessment.changes
    stamp = tuple(_stamp(assessment, log, t) for t in tables)
    hit = log.memo.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = build()
    log.memo[key] = (stamp, value)
    return value


_SINGLE = {"profile", "risk_method", "scope"}


def _stamp(assessment: "Assessment", log: ChangeLog, table: str) -> Any:
    if table in _SINGLE:  # small: compared by value, so a direct edit is seen too
        return repr(getattr(assessment, table))
    return log.version(table), len(assessment.registers.get(table) or ())


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
    changes: ChangeLog = field(default_factory=ChangeLog, compare=False, repr=False)
    """What changed since the file was opened (see :class:`ChangeLog`)."""
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
        name = register if isinstance(register, str) else register.name
        record = self.by_id(name).get(record_id)
        if record is not None and record.get("id") == record_id:
            return record
        for record in self.records(name):  # an index gone stale through a direct edit
            if record.get("id") == record_id:
                return record
        return None

    def by_id(self, name: str) -> dict[str, dict[str, Any]]:
        """ID -> record of one table (the first record when a damaged file repeats an ID)."""
        log = self.changes
        stamp = (log.ids_version(name), len(self.records(name)))
        hit = log.memo.get(("by_id", name))
        if hit is not None and hit[0] == stamp:
            return hit[1]
        out: dict[str, dict[str, Any]] = {}
        for r in self.records(name):
            out.setdefault(str(r.get("id")), r)
        log.memo[("by_id", name)] = (stamp, out)
        return out

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
    log = assessment.changes
    seen = log.memo.get(("max_id", register.name))
    if seen is not None and seen[0] == log.ids_version(register.name):
        used_max = seen[1]
    else:
        used_max = max((id_number(r.get("id", ""), prefix) for r in assessment.records(register)),
                       default=0)
    n = max(assessment.counters.get(prefix, 0), used_max) + 1
    assessment.counters[prefix] = n
    return f"{prefix}-{n:03d}"


def _issued(assessment: Assessment, register: Register, record_id: str) -> None:
    """After adding ``record_id``: remember the table's highest ID without scanning it again."""
    log = assessment.changes
    log.memo[("max_id", register.name)] = (log.ids_version(register.name),
                                          assessment.counters.get(register.id_prefix, 0))


def id_number(record_id: str, prefix: str) -> int:
    m = re.fullmatch(rf"{re.escape(prefix)}-(\d+)", str(record_id or ""))
    return int(m.group(1)) if m else 0


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
                "roles": "role of the training catalog",
                "vendor_questions": "question of the vendor questionnaire",
                "vendor_answer_scale": "answer of the questionnaire's scale",
                "vendor_certifications": "certification of the vendor questionnaire",
                "incident_types": "AI incident type",
                "notification_regimes": "notification obligation of the incident-type catalog"}


def scope_controls(assessment: Assessment, catalogs: Any) -> list[dict[str, Any]]:
    """Every control the SoA covers (core.controls), memoised until the profile or the custom
    controls change; callers must not modify the rows."""
    return memo(assessment, ("controls_in_scope", id(catalogs)), ("profile", CUSTOM_CONTROLS.name),
                lambda: build_controls(assessment, catalogs))


def ref_options(ref: str, assessment: Assessment, catalogs: Any = None) -> dict[str, str] | None:
    """The IDs a reference field may hold, with a label each; None when the catalog isn't loaded.

    Memoised until the tables it comes from change: callers must not modify the result.
    """
    if ref in REGISTERS:
        register = REGISTERS[ref]

        def build() -> dict[str, str]:
            return {str(r.get("id")): f"{r.get('id')} {r.get(register.title_field) or ''}".strip()
                    for r in sorted(assessment.records(ref), key=lambda r: natural_key(str(r.get("id"))))}
        return memo(assessment, ("ref_options", ref), (ref,), build)
    if catalogs is None:
        return None
    if ref == "soa":
        def build_soa() -> dict[str, str]:
            return {c["id"]: f"{c['id']} {c['title']}" for c in scope_controls(assessment, catalogs)}
        return _catalog_memo(assessment, catalogs, "soa", ("profile", "custom_controls"), build_soa)
    if ref == "roles":
        return _catalog_memo(assessment, catalogs, "roles", (), lambda: {
            k: str(v.get("title", k)) for k, v in catalogs.roles.items()})
    source = {"threats": catalogs.threats, "iso27001": catalogs.iso27001,
              "iso42001": catalogs.iso42001}.get(ref)
    if source is None:
        from .catalog_refs import catalog_ref_options  # vendor and incident catalogs

        return catalog_ref_options(ref, catalogs)
    if source is None:
        return None
    return _catalog_memo(assessment, catalogs, ref, (), lambda: {
        k: f"{k} {v.get('title', '')}".strip() for k, v in source.items()})


def _catalog_memo(assessment: Assessment, catalogs: Any, ref: str, tables: tuple[str, ...],
                  build: Callable[[], dict[str, str]]) -> dict[str, str]:
    held = memo(assessment, ("ref_options", ref, id(catalogs)), tables, lambda: (catalogs, build()))
    if held[0] is not catalogs:  # pragma: no cover - another catalog object at the same address
        assessment.changes.memo.pop(("ref_options", ref, id(catalogs)), None)
        return _catalog_memo(assessment, catalogs, ref, tables, build)
    return held[1]


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
               catalogs: Any = None, *, strict: bool = True, ctx: Context | None = None) -> dict[str, Any]:
    """Validate and add a record; returns it with its new ID. Raises RecordError.

    ``strict=False`` keeps a record that still has problems (suggestions a person completes
    later); validation goes on reporting them.
    """
    ctx = ctx or Context(assessment, catalogs)
    record, _ = _prepare(register, {k: v for k, v in values.items() if k != "id"}, ctx, strict)
    record = {"id": next_id(assessment, register), **record}
    assessment.records(register).append(record)
    touch(assessment, register.name, record["id"], ids=True)
    _issued(assessment, register, record["id"])
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
    touch(assessment, register.name, record_id)
    return existing


def references_to(assessment: Assessment, register: Register, record_id: str) -> list[tuple[Register, dict[str, Any], str]]:
    """(register, record, field key) for every reference field that names ``record_id``."""
    found = []
    for other in (*REGISTERS.values(), *KEYED_REGISTERS.values()):
        for f in other.fields:
            if f.kind in (Kind.REF, Kind.REFS) and f.ref == register.name and not f.derived:
                for r in assessment.records(other):
                    value = r.get(f.key)
                    if value == record_id or (isinstance(value, list) and record_id in value):
                        found.append((other, r, f.key))
    return found


def _forget_soa_key(assessment: Assessment, key: str) -> None:
    """A custom control leaves the SoA: drop its stored row and every SoA reference to it."""
    soa_rows = assessment.records("soa")
    soa_rows[:] = [r for r in soa_rows if r.get("id") != key]
    touch(assessment, "soa", None)
    for other in REGISTERS.values():
        for f in other.fields:
            if f.kind is Kind.REFS and f.ref == "soa":
                for r in assessment.records(other):
                    if key in (r.get(f.key) or []):
                        r[f.key] = [v for v in r[f.key] if v != key]
                        touch(assessment, other.name, str(r.get("id")))


def delete_record(assessment: Assessment, register: Register, record_id: str) -> dict[str, Any]:
    """Remove a record and every reference to it; its ID is never issued again."""
    records = assessment.records(register)
    for i, record in enumerate(records):
        if record.get("id") == record_id:
            for table, key in OWNED.get(register.name, ()):  # a vendor's answers, an incident's timeline
                owned = assessment.records(table)
                kept = [r for r in owned if r.get(key) != record_id]
                if len(kept) != len(owned):
                    owned[:] = kept
                    touch(assessment, table, ids=True)
            for other_register, other, key in references_to(assessment, register, record_id):
                value = other.get(key)
                other[key] = [v for v in value if v != record_id] if isinstance(value, list) else None
                touch(assessment, other_register.name, str(other.get("id")))
            if register.name == "custom_controls":
                _forget_soa_key(assessment, record_id)
            removed = records.pop(i)
            touch(assessment, register.name, record_id, ids=True)
            return removed
    raise KeyError(f"{register.item} {record_id} does not exist")


def method_change_preview(assessment: Assessment, method: dict[str, Any]) -> list[dict[str, Any]]:
    """What adopting ``method`` would do, before it is done: one entry per risk whose inherent or
    residual level changes, with its ratings and levels before and after."""
    old = assessment.risk_method
    maps = {axis: scoring.scale_map(old.get(axis) or [], method.get(axis) or [])
            for axis in ("likelihood", "impact")}
    out = []
    for risk in assessment.records("risks"):
        after = scoring.remap_risk(risk, old, method, maps)
        before_levels = (risk.get("inherent_level"), risk.get("residual_level"))
        after_levels = (after.get("inherent_level"), after.get("residual_level"))
        if before_levels != after_levels:
            out.append({"id": risk.get("id"), "title": risk.get("title") or "",
                        "before": before_levels, "after": after_levels,
                        "ratings_before": tuple(risk.get(k) for k, _ in scoring.RATING_AXES),
                        "ratings_after": tuple(after.get(k) for k, _ in scoring.RATING_AXES)})
    return out


def set_risk_method(assessment: Assessment, method: dict[str, Any]) -> tuple[int, int]:
    """Adopt a new risk method and re-score every risk.

    Ratings move to the step of the new scale with the same meaning: the same label where the
    new scale has it, otherwise the same relative position (see :func:`scoring.scale_map`).
    Returns (risks whose inherent or residual level changed, ratings mapped to another step).
    Raises ValueError naming what is wrong with the method.
    """
    problems = scoring.validate_method(method)
    if problems:
        raise ValueError(" ".join(problems))
    old = assessment.risk_method
    maps = {axis: scoring.scale_map(old.get(axis) or [], method.get(axis) or [])
            for axis in ("likelihood", "impact")}
    changed = rescaled = 0
    for risk in assessment.records("risks"):
        before = (risk.get("inherent_level"), risk.get("residual_level"))
        after = scoring.remap_risk(risk, old, method, maps)
        rescaled += sum(after.get(k) != risk.get(k) for k, _ in scoring.RATING_AXES)
        risk.update(after)
        if (risk.get("inherent_level"), risk.get("residual_level")) != before:
            changed += 1
    assessment.risk_method = copy.deepcopy(method)
    touch(assessment, "risk_method")
    touch(assessment, "risks", None)
    return changed, rescaled


def set_plan_approval(assessment: Assessment, approved_by: str, approved_on: str) -> dict[str, str]:
    """Record (or, with both empty, withdraw) the risk owner's approval of the treatment plan,
    which accepts every residual risk at or below the acceptance threshold (ISO/IEC 27001
    6.1.3 f). Returns {field: message}; nothing is changed when there is a problem."""
    values, errors = scoring.plan_approval_from_text(approved_by, approved_on)
    if errors:
        return errors
    method = assessment.risk_method
    if all(not values[k] for k in scoring.PLAN_APPROVAL_KEYS):
        for k in scoring.PLAN_APPROVAL_KEYS:
            method.pop(k, None)
    else:
        method.update(values)
    for risk in assessment.records("risks"):  # each row names how it is accepted
        scoring.derive(risk, method)
    touch(assessment)
    return {}


def update_profile(assessment: Assessment, values: dict[str, Any]) -> dict[str, Any]:
    record, _ = _prepare(PROFILE, values)
    assessment.profile = record
    touch(assessment, "profile")
    return record


def update_profile_draft(assessment: Assessment, values: dict[str, Any]) -> list[Problem]:
    """Keep the profile as typed, even while incomplete, and return its problems.

    A workshop fills the profile bit by bit; nothing typed is thrown away. A value that does
    not parse (a malformed date) is kept as typed and reported by validation.
    """
    record, problems = _prepare(PROFILE, values, strict=False)
    assessment.profile = record
    touch(assessment, "profile")
    return problems


def touch(assessment: Assessment, table: str = ALL, record_id: str | None = None, *,
          ids: bool = False) -> None:
    """Record that ``table`` changed (one record of it, or all when ``record_id`` is None).

    Called by every edit. Without a table, everything counts as changed: correct, but the
    next refresh and save then cost as much as opening the file.
    """
    assessment.meta["modified"] = now_iso()
    assessment.changes.mark(table, record_id, ids=ids)


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
    _, approval = scoring.plan_approval_from_text(*scoring.plan_approval(assessment.risk_method))
    problems += [Problem("Risk method", "", key, message) for key, message in approval.items()]
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
        for check in ASSESSMENT_CHECKS:  # e.g. the SoA's stored decisions (core.soa adds it)
            problems.extend(check(assessment, catalogs))
    return problems
