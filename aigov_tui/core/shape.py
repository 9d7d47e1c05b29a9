"""Shape checks of an assessment document as it is read, before any other code sees it.

A file from someone else may hold anything JSON can: a number where text belongs, a list
where a rating belongs, two records with one ID, odd record keys, text with lone surrogates
(valid JSON, but not encodable as UTF-8, so every later save would fail). :func:`shape_document`
checks every record against its register declaration and returns a document in which every
declared value has the type its field expects. Nothing is thrown away: a value or record that
cannot be used is moved, with the reason, to the ``quarantine`` table of the document (kept in
the file on the next save) and reported as a :class:`~aigov_tui.core.schema.Problem` naming
its table, ID and field. Model, scoring, SoA and export code therefore only ever see
well-typed values.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from .registers import KEYED_REGISTERS, PROFILE, REGISTERS, TABLES
from .schema import Field, Kind, Problem, Register

QUARANTINE = "quarantine"
"""Table holding values and records set aside at load (with table, id, field and reason)."""

MIN_LEVELS, MAX_LEVELS = 3, 10
"""Sane limits of a risk method's likelihood and impact scales (refused outside them)."""
MAX_LABEL = 80
MAX_BANDS = 10
MAX_KEY_LENGTH = 64
"""Longest key of a keyed register row (a catalog control or clause ID)."""

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DOC_KEY = re.compile(r"[1-9][0-9]{0,9}")
_KEYED_ID_BAD = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def repair_text(value: str) -> tuple[str, bool]:
    """Replace lone surrogates (which UTF-8 cannot encode) with U+FFFD. Returns (text, changed)."""
    if _SURROGATE.search(value) is None:
        return value, False
    return _SURROGATE.sub("\ufffd", value), True


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def expected_type(f: Field, value: Any) -> str:
    """'' when ``value`` has the type field ``f`` holds (None always does), else what it should be."""
    if value is None:
        return ""
    if f.kind in (Kind.MULTICHOICE, Kind.REFS):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ""
        return "a list of texts" if f.kind is Kind.MULTICHOICE else "a list of IDs"
    if f.kind in (Kind.INTEGER, Kind.SCALE):
        if _is_int(value) and -10 ** 15 < value < 10 ** 15:
            return ""
        return "a whole number"
    if f.kind is Kind.REF:
        return "" if isinstance(value, str) else "an ID (text)"
    if f.kind is Kind.DATE:
        return "" if isinstance(value, str) else "a date written YYYY-MM-DD"
    return "" if isinstance(value, str) else "text"


class _Shaper:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.quarantine: list[dict[str, Any]] = []

    def report(self, table: str, rid: str, field: str, message: str) -> None:
        self.problems.append(Problem(table, rid, field, message))

    def set_aside(self, table: str, rid: str, field: str, reason: str, value: Any) -> None:
        self.quarantine.append({"table": table, "id": rid, "field": field, "reason": reason,
                                "value": value})

    # text ---------------------------------------------------------------------------------
    def repair_strings(self, obj: Any, table: str) -> Any:
        """Repair lone surrogates in every string (keys too) of a table, iteratively; each
        repair is reported once per record and field (``table RECORD-ID: Field ...``)."""
        declared = {**REGISTERS, **KEYED_REGISTERS, "profile": PROFILE}.get(table)
        title = declared.title if declared is not None else table
        found: dict[tuple[str, str], None] = {}

        def where(path: tuple[Any, ...]) -> tuple[str, str]:
            rid = ""
            if len(path) >= 1 and isinstance(obj, dict):
                record = obj.get(path[0])
                if isinstance(record, dict) and isinstance(record.get("id"), str):
                    rid = repair_text(record["id"])[0]
            return rid, str(path[1]) if len(path) >= 2 else ""

        def fix(s: str, path: tuple[Any, ...]) -> str:
            text, changed = repair_text(s)
            if changed:
                found.setdefault(where(path), None)
            return text

        root: list[Any] = [obj]
        stack: list[tuple[Any, Any, tuple[Any, ...]]] = [(root, 0, ())]
        while stack:
            parent, key, path = stack.pop()
            value = parent[key]
            if isinstance(value, str):
                parent[key] = fix(value, path)
            elif isinstance(value, list):
                stack.extend((value, i, path) for i in range(len(value)))
            elif isinstance(value, dict):
                if any(isinstance(k, str) and _SURROGATE.search(k) for k in value):
                    fixed = {fix(k, path) if isinstance(k, str) else k: v for k, v in value.items()}
                    value.clear()
                    value.update(fixed)
                stack.extend((value, k, (*path, k)) for k in list(value))
        for rid, key in found:
            label = key
            if declared is not None and key in declared._index:
                label = declared.field(key).label
            self.report(title, rid, key, f"{label or 'a value'} held characters that cannot be "
                                         "saved (lone surrogates); they were replaced with �.")
        return root[0]

    # tables -------------------------------------------------------------------------------
    def rows(self, table: str, rows: Any) -> list[tuple[str, Any]]:
        """(doc key, record) pairs of a TinyDB table in key order; odd keys are reported."""
        if not isinstance(rows, dict):
            self.report(table, "", "", f"table '{table}' is {_type_name(rows)}, not a table of "
                                       "records; it was set aside.")
            self.set_aside(table, "", "", "not a table", rows)
            return []
        good: list[tuple[int, str, Any]] = []
        odd: list[tuple[str, Any]] = []
        for key, record in rows.items():
            if isinstance(key, str) and _DOC_KEY.fullmatch(key):
                good.append((int(key), key, record))
            else:
                shown = key if len(str(key)) <= 20 else f"{str(key)[:20]}…"
                self.report(table, "", "", f"record key '{shown}' is not a plain number; the "
                                           "record is kept and renumbered when saved.")
                odd.append((key, record))
        good.sort(key=lambda t: t[0])
        return [(k, r) for _, k, r in good] + odd

    def single(self, table: str, doc: dict[str, Any]) -> dict[str, Any]:
        rows = self.rows(table, doc.get(table, {}))
        for _, record in rows:
            if isinstance(record, dict):
                return dict(record)
            self.report(table, "", "", f"table '{table}' holds {_type_name(record)} instead of "
                                       "a record; it was set aside.")
            self.set_aside(table, "", "", "not a record", record)
            return {}
        return {}

    def fields(self, register: Register, table: str, rid: str, record: dict[str, Any]) -> None:
        for f in register.fields:
            value = record.get(f.key)
            wanted = expected_type(f, value)
            if wanted:
                self.report(register.title, rid, f.key,
                            f"{f.label} should be {wanted} but is {_type_name(value)}; the value "
                            f"was set aside in the '{QUARANTINE}' table.")
                self.set_aside(table, rid, f.key, f"expected {wanted}", value)
                record[f.key] = f.empty_value()

    def register(self, name: str, register: Register, rows: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        id_re = (re.compile(rf"{re.escape(register.id_prefix)}-[0-9]{{3,9}}")
                 if not register.keyed else None)
        for _, record in self.rows(name, rows):
            if not isinstance(record, dict):
                self.report(register.title, "", "", f"a record is {_type_name(record)}, not an "
                                                    f"object; it was set aside in '{QUARANTINE}'.")
                self.set_aside(name, "", "", "not a record", record)
                continue
            rid = record.get("id")
            shown = str(rid)[:40] if rid is not None else ""
            reason = ""
            if not isinstance(rid, str) or not rid:
                reason = f"its ID is {_type_name(rid) if rid is not None else 'missing'}"
            elif id_re is not None and not id_re.fullmatch(rid):
                reason = f"its ID '{shown}' is not like {register.id_prefix}-001"
            elif id_re is None and (len(rid) > MAX_KEY_LENGTH or _KEYED_ID_BAD.search(rid)):
                reason = f"its key '{shown}' is not a control or clause ID"
            elif rid in seen:
                reason = f"its ID {rid} is used by an earlier record"
            if reason:
                self.report(register.title, shown, "id", f"record set aside in '{QUARANTINE}': "
                                                         f"{reason}.")
                self.set_aside(name, shown, "", reason, record)
                continue
            seen.add(rid)
            record = dict(record)
            self.fields(register, name, rid, record)
            out.append(record)
        return out


def check_method(method: Any) -> list[str]:
    """Hard limits of a stored risk method (types, 3-10 levels, labels up to 80 characters).

    A method breaking these is not used at all; :func:`scoring.validate_method` reports the
    softer problems of a method that is within them.
    """
    if not isinstance(method, dict):
        return [f"the risk method is {_type_name(method)}, not an object"]
    problems = []
    for axis in ("likelihood", "impact"):
        labels = method.get(axis)
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            problems.append(f"{axis} labels must be a list of texts")
        elif not MIN_LEVELS <= len(labels) <= MAX_LEVELS:
            problems.append(f"{axis} has {len(labels)} levels; a risk method has "
                            f"{MIN_LEVELS} to {MAX_LEVELS}")
        elif any(len(x) > MAX_LABEL for x in labels):
            problems.append(f"a {axis} label is longer than {MAX_LABEL} characters")
    bands = method.get("bands")
    if not isinstance(bands, list) or not bands or len(bands) > MAX_BANDS:
        problems.append(f"bands must be a list of 1 to {MAX_BANDS} level bands")
    else:
        for i, b in enumerate(bands, start=1):
            if (not isinstance(b, dict) or not isinstance(b.get("level"), str)
                    or len(b["level"]) > MAX_LABEL
                    or not _is_int(b.get("min")) or not _is_int(b.get("max"))
                    or not 0 <= b["min"] <= 10 ** 4 or not 0 <= b["max"] <= 10 ** 4
                    or not isinstance(b.get("colour"), str) or len(b["colour"]) > MAX_LABEL):
                problems.append(f"band {i} needs a level name (up to {MAX_LABEL} characters), "
                                "whole-number min and max, and a colour")
                break
    for key in ("acceptance_threshold", "id", "title"):
        value = method.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            problems.append(f"{key} must be a short text")
    return problems


def _scalars(sh: _Shaper, table: str, record: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in record.items():
        if value is None or isinstance(value, (str, int, float, bool)):
            out[key] = value
        else:
            sh.report(table, "", key, f"{key} should be a single value but is {_type_name(value)}; "
                                      f"it was set aside in '{QUARANTINE}'.")
            sh.set_aside(table, "", key, "not a single value", value)
    return out


def shape_document(doc: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """A copy of a (migrated) assessment document whose values all have their declared types,
    and the problems found. Raises nothing for any JSON object; the ``meta`` table is checked
    by the caller (it decides whether the file is an assessment at all)."""
    sh = _Shaper()
    doc = copy.deepcopy(doc)
    out: dict[str, Any] = {}
    for name in list(doc):
        if not isinstance(name, str):
            continue
        table = sh.repair_strings(doc[name], name)
        fixed_name, changed = repair_text(name)
        if changed:
            sh.report(fixed_name, "", "", "the table name held characters that cannot be saved; "
                                          "they were replaced with �.")
        doc[name] = table
        if fixed_name != name:
            doc[fixed_name] = doc.pop(name)

    def one(record: dict[str, Any]) -> dict[str, Any]:
        return {"1": record}

    out["meta"] = one(_scalars(sh, "meta", sh.single("meta", doc)))
    profile = sh.single("profile", doc)
    sh.fields(PROFILE, "profile", "", profile)
    out["profile"] = one(profile)
    scope = sh.single("scope", doc)
    if not isinstance(scope.get("addendum", ""), str):
        sh.report("scope", "", "addendum", "the scope addendum should be text; it was set aside.")
        sh.set_aside("scope", "", "addendum", "expected text", scope["addendum"])
        scope["addendum"] = ""
    if not isinstance(scope.get("edited", False), bool):
        scope["edited"] = bool(scope.get("edited"))
    out["scope"] = one(scope)
    counters = {}
    for key, value in sh.single("counters", doc).items():
        if _is_int(value) and 0 <= value < 10 ** 9:
            counters[key] = value
        else:
            sh.report("counters", "", str(key)[:20], f"ID counter {str(key)[:20]} is not a whole "
                                                    "number from 0; it is recounted from the records.")
    out["counters"] = one(counters)
    if "risk_method" in doc:
        method = sh.single("risk_method", doc)
        problems = check_method(method) if method else []
        if problems:
            sh.report("Risk method", "", "risk_method",
                      f"the stored risk method cannot be used ({'; '.join(problems)}); the default "
                      f"5×5 method is used instead and the stored one kept in '{QUARANTINE}'.")
            sh.set_aside("risk_method", "", "", "; ".join(problems), method)
            method = {}
        if method:
            out["risk_method"] = one(method)
    declared = {**REGISTERS, **KEYED_REGISTERS}
    for name, rows in doc.items():
        if name in out or name in ("meta", "profile", "scope", "counters", "risk_method"):
            continue
        if name in TABLES and name in declared:
            out[name] = {str(i): r for i, r in
                         enumerate(sh.register(name, declared[name], rows), start=1)}
        elif name in TABLES:
            out[name] = {str(i): r for i, (_, r) in enumerate(sh.rows(name, rows), start=1)
                         if isinstance(r, dict)}
        else:
            out[name] = rows
    if sh.quarantine:
        table = out.get(QUARANTINE)
        if not isinstance(table, dict):
            table = {} if table is None else {"1": {"table": QUARANTINE, "reason": "earlier content",
                                                    "value": table}}
        n = max((int(k) for k in table if isinstance(k, str) and _DOC_KEY.fullmatch(k)), default=0)
        for i, item in enumerate(sh.quarantine, start=n + 1):
            table[str(i)] = item
        out[QUARANTINE] = table
    return out, sh.problems
