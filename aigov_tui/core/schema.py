"""Register declarations: one description per register drives form, table, validation and sheets.

A :class:`Register` lists its :class:`Field` s. Everything that shows, checks, exports or
imports a register reads this declaration; nothing else spells out a register's columns.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, Mapping


class Kind(str, Enum):
    """What a field holds; decides the form widget, the cell type and the parser."""

    TEXT = "text"
    LONGTEXT = "longtext"
    CHOICE = "choice"
    MULTICHOICE = "multichoice"
    DATE = "date"
    INTEGER = "integer"
    SCALE = "scale"
    """A rating on one axis of the assessment's risk method (1..N)."""
    REF = "ref"
    """The ID of one entry of another register or catalog."""
    REFS = "refs"
    """IDs of entries of another register or catalog."""


@dataclass(frozen=True)
class RequiredWhen:
    """A field is required when another field holds one of ``values``."""

    field: str
    values: tuple[str, ...]

    def holds(self, record: Mapping[str, Any]) -> bool:
        value = record.get(self.field)
        if isinstance(value, list):
            return any(v in self.values for v in value)
        return value in self.values


@dataclass(frozen=True)
class Field:
    """One field of a register."""

    key: str
    label: str
    kind: Kind = Kind.TEXT
    choices: tuple[str, ...] = ()
    required: bool = False
    required_when: RequiredWhen | None = None
    header: str = ""
    width: int = 18
    in_table: bool = True
    table_width: int = 0
    table_label: str = ""
    """A shorter column title for narrow tables (defaults to the label)."""
    table_rank: int = 50
    """When the table is too narrow for every column, lower ranks are kept first."""
    help: str = ""
    max_length: int = 0
    minimum: int | None = None
    maximum: int | None = None
    always: tuple[str, ...] = ()
    """For multi-choice fields: values that are always selected (e.g. ISO 27001)."""
    aliases: tuple[tuple[str, str], ...] = ()
    """Other words people use for a choice, e.g. ("mitigate", "Modify"); accepted on input."""
    ref: str = ""
    """For REF/REFS: a register name (``assets``) or a catalog (``threats``, ``iso27001``, ``iso42001``)."""
    scale: str = ""
    """For SCALE: ``likelihood`` or ``impact``."""
    derived: bool = False
    """Computed by the core (e.g. a risk score): shown and exported, never typed or imported."""
    colours: tuple[tuple[str, str], ...] = ()
    """(value, colour name) pairs: how a value is highlighted wherever it is shown (the workbook's
    conditional fills, the TUI). Colour names are those of ``xlsx.PALETTE``."""

    def colour_of(self, value: Any) -> str | None:
        """The declared colour of a value, or None."""
        for v, colour in self.colours:
            if v == value:
                return colour
        return None

    @property
    def export_header(self) -> str:
        return self.header or self.label

    @property
    def limit(self) -> int:
        if self.max_length:
            return self.max_length
        return 4000 if self.kind is Kind.LONGTEXT else 200

    def is_required(self, record: Mapping[str, Any]) -> bool:
        if self.required:
            return True
        return bool(self.required_when and self.required_when.holds(record))

    def requirement_text(self, register: "Register") -> str:
        """Human wording of when this field is required."""
        if self.required:
            return f"{self.label} is required."
        if self.required_when:
            other = register.field(self.required_when.field)
            values = " or ".join(self.required_when.values)
            return f"{self.label} is required when {other.label} is {values}."
        return ""

    def empty_value(self) -> Any:
        if self.kind is Kind.MULTICHOICE:
            return list(self.always)
        if self.kind is Kind.REFS:
            return []
        if self.kind in (Kind.DATE, Kind.INTEGER, Kind.CHOICE, Kind.SCALE, Kind.REF) or self.derived:
            return None
        return ""


@dataclass(frozen=True)
class Problem:
    """A validation problem a user can act on: where, which field, what is wrong."""

    register: str
    record_id: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.register} {self.record_id}".strip()
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Register:
    """The single declaration of a register."""

    name: str
    """Table name in the assessment file."""
    title: str
    """Plural title shown to users, e.g. 'AI systems'."""
    item: str
    """Singular noun, e.g. 'AI system'."""
    id_prefix: str
    sheet: str
    fields: tuple[Field, ...]
    singleton: bool = False
    """A singleton register holds one record without an ID (e.g. the organisation profile)."""
    keyed: bool = False
    """A keyed register holds one record per catalog entry, its ID being that entry's key
    (the SoA: one row per control; mandatory clauses: one row per clause)."""
    rules: tuple[Any, ...] = ()
    """Cross-field rules needing the assessment: ``rule(record, context) -> [(field, message)]``."""
    derive: Any = None
    """``derive(record, context)`` fills the derived fields (scores, levels) before saving."""
    export_order: tuple[str, ...] = ()
    """Column order of the export sheet when it differs from the form's (keys; the rest follow)."""
    id_header: str = "ID"
    title_field: str = "name"
    _index: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for f in self.fields:
            self._index[f.key] = f
        for f in self.fields:
            if f.required_when and f.required_when.field not in self._index:
                raise ValueError(f"{self.name}.{f.key}: required_when names unknown field")

    def field(self, key: str) -> Field:
        return self._index[key]

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    @property
    def export_fields(self) -> list[Field]:
        if not self.export_order:
            return list(self.fields)
        first = [self.field(k) for k in self.export_order]
        return first + [f for f in self.fields if f.key not in self.export_order]

    @property
    def input_fields(self) -> list[Field]:
        """Fields a person types (everything but derived ones)."""
        return [f for f in self.fields if not f.derived]

    @property
    def table_fields(self) -> list[Field]:
        return [f for f in self.fields if f.in_table]

    def blank(self) -> dict[str, Any]:
        return {f.key: f.empty_value() for f in self.fields}

    # -- parsing -----------------------------------------------------------------------
    def coerce(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        """Turn raw values (form strings, spreadsheet cells) into typed values.

        Returns the coerced record (only declared keys, plus ``id``) and the problems met
        while parsing; a value that cannot be parsed is kept as given so nothing is lost.
        """
        record: dict[str, Any] = {}
        problems: list[Problem] = []
        rid = str(values.get("id") or "")
        if not self.singleton and rid:
            record["id"] = rid
        for f in self.fields:
            raw = values.get(f.key, f.empty_value())
            if f.derived:
                record[f.key] = raw
                continue
            value, message = parse_value(f, raw)
            record[f.key] = value
            if message:
                problems.append(Problem(self.title, rid, f.key, f"{f.label}: {message}"))
        return record, problems

    # -- validation --------------------------------------------------------------------
    def validate(self, record: Mapping[str, Any]) -> list[Problem]:
        """Check a record against the declaration; messages name the field and the rule."""
        rid = "" if self.singleton else str(record.get("id") or "")
        problems: list[Problem] = []
        for f in self.fields:
            if f.derived:
                continue
            message = check_value(self, f, record.get(f.key), record)
            if message:
                problems.append(Problem(self.title, rid, f.key, message))
        return problems


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def colour_map(values: Iterable[str], colour_names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """Pair each value with a colour, in order: ``colours=colour_map(CHOICES, ("red", ...))``."""
    return tuple(zip(values, colour_names))


def clean_text(value: str) -> str:
    """Normalise line ends and drop control characters that no form or sheet can hold.

    Lone surrogates (which UTF-8 cannot encode, so the file could not be saved) become U+FFFD.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATE_RE.sub("\ufffd", _CONTROL_RE.sub("", value))


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def parse_value(f: Field, raw: Any) -> tuple[Any, str]:
    """Parse one raw value for a field. Returns (value, error message or '')."""
    if raw is None:
        return f.empty_value(), ""
    if f.kind is Kind.MULTICHOICE:
        if isinstance(raw, str):
            items = [p.strip() for p in re.split(r"[;\n]", raw) if p.strip()]
        elif isinstance(raw, Iterable):
            items = [clean_text(str(p)).strip() for p in raw if str(p).strip()]
        else:
            return [str(raw)], ""
        out = list(f.always)
        for item in items:
            match = _match_choice(f, item)
            value = match or item
            if value not in out:
                out.append(value)
        return out, ""
    if f.kind is Kind.DATE:
        if isinstance(raw, _dt.datetime):
            return raw.date().isoformat(), ""
        if isinstance(raw, _dt.date):
            return raw.isoformat(), ""
        text = clean_text(str(raw)).strip()
        if not text:
            return None, ""
        if not _DATE_RE.match(text):
            return text, "must be a date written YYYY-MM-DD, e.g. 2027-03-31."
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            return text, f"{text} is not a real date."
        return text, ""
    if f.kind is Kind.REFS:
        if isinstance(raw, str):
            items = [p for p in re.split(r"[,;\s]+", clean_text(raw)) if p]
        elif isinstance(raw, Iterable):
            items = [clean_text(str(p)).strip() for p in raw if str(p).strip()]
        else:
            items = [str(raw)]
        out: list[str] = []
        for item in items:
            if item not in out:
                out.append(item)
        return out, ""
    if f.kind is Kind.REF:
        text = clean_text(str(raw)).strip()
        return (text or None), ""
    if f.kind in (Kind.INTEGER, Kind.SCALE):
        if isinstance(raw, str) and f.kind is Kind.SCALE:
            raw = raw.strip().split(" ", 1)[0]  # "3 Possible" from a spreadsheet drop-down
        if isinstance(raw, bool):
            return raw, "must be a whole number."
        if isinstance(raw, int):
            return raw, ""
        if isinstance(raw, float) and raw.is_integer():
            return int(raw), ""
        text = clean_text(str(raw)).strip()
        if not text:
            return None, ""
        try:
            return int(text), ""
        except ValueError:
            return text, "must be a whole number."
    text = clean_text(str(raw))
    if f.kind is Kind.CHOICE:
        text = text.strip()
        if not text:
            return None, ""
        return _match_choice(f, text) or text, ""
    return text.strip() if f.kind is Kind.TEXT else text.strip("\n "), ""


def _match_choice(f: Field, text: str) -> str | None:
    """Accept a choice case-insensitively (spreadsheets come back in any case)."""
    folded = text.strip().casefold()
    for choice in f.choices:
        if choice.casefold() == folded:
            return choice
    for alias, choice in f.aliases:
        if alias.casefold() == folded:
            return choice
    return None


def check_value(register: Register, f: Field, value: Any, record: Mapping[str, Any]) -> str:
    """The message for one field of a record, or '' when it is fine."""
    if is_blank(value):
        return f.requirement_text(register) if f.is_required(record) else ""
    if f.kind is Kind.CHOICE:
        if value not in f.choices:
            return f"{f.label}: '{value}' is not one of {', '.join(f.choices)}."
    elif f.kind is Kind.MULTICHOICE:
        if not isinstance(value, list):
            return f"{f.label}: expected a list of choices."
        unknown = [v for v in value if v not in f.choices]
        if unknown:
            return f"{f.label}: '{unknown[0]}' is not one of {', '.join(f.choices)}."
        missing = [v for v in f.always if v not in value]
        if missing:
            return f"{f.label}: {missing[0]} is always in scope."
    elif f.kind is Kind.DATE:
        if not isinstance(value, str) or not _DATE_RE.match(value):
            return f"{f.label} must be a date written YYYY-MM-DD, e.g. 2027-03-31."
        try:
            _dt.date.fromisoformat(value)
        except ValueError:
            return f"{f.label}: {value} is not a real date."
    elif f.kind in (Kind.REF,):
        if not isinstance(value, str):
            return f"{f.label} must be an ID."
    elif f.kind is Kind.REFS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"{f.label} must be a list of IDs."
    elif f.kind is Kind.SCALE:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"{f.label} must be a rating from 1 upwards."
    elif f.kind is Kind.INTEGER:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{f.label} must be a whole number."
        if f.minimum is not None and value < f.minimum:
            return f"{f.label} must be at least {f.minimum}."
        if f.maximum is not None and value > f.maximum:
            return f"{f.label} must be at most {f.maximum}."
    else:
        if not isinstance(value, str):
            return f"{f.label} must be text."
        if len(value) > f.limit:
            return f"{f.label} is {len(value)} characters long; the limit is {f.limit}."
    return ""


def display(f: Field, value: Any) -> str:
    """A one-line rendering of a value for tables and summaries."""
    if is_blank(value):
        return ""
    if isinstance(value, list):
        return (", " if f.kind is Kind.REFS else "; ").join(str(v) for v in value)
    return str(value)


@functools.lru_cache(maxsize=65536)
def natural_key(record_id: str) -> tuple[tuple[int, Any], ...]:
    """Sort IDs as people read them: SYS-2 before SYS-10, A.5.9 before A.5.10."""
    parts = re.split(r"(\d+)", record_id or "")
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in parts if p != "")
