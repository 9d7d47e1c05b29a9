"""Sheet declarations: what each sheet of the workbook shows, read by the exporter and the importer.

A :class:`Sheet` names the register (or view) behind it, its columns (from the register's field
declarations, plus derived columns marked read-only), its rows, where it freezes and how it
prints. The exporter writes every declared sheet through one writer (``xlsx.WorkbookWriter``);
the importer (``workbook_import``) reads the same declarations backwards, so a column is never
exported without being importable or knowingly read-only.

Colours come from the fields themselves (``Field.colours``); only the risk levels take theirs
from the assessment's risk method.

A module that adds sheets (e.g. vendors) declares ``Sheet`` objects and passes them to
``sheets_all.add_sheets``; they are written after the built-in ones, listed on the Cover, and their
register sheets are importable like the others.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .model import Assessment, ref_options
from .schema import Field, Kind, Register, natural_key
from .xlsx import FIELD_HASH, Column, Highlight, Layout, WorkbookWriter, canonical, field_hash

WORKBOOK_FORMAT_VERSION = "1"

FULL = "full"
SOA_ONLY = "soa"


@dataclass
class Build:
    """What building the sheets needs, computed once per workbook."""

    assessment: Assessment
    catalogs: Any
    today: _dt.date
    evidence_base: Path | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> dict[str, Any]:
        return self.assessment.risk_method

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value computed once per build (e.g. the SoA rows several sheets need)."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def ref_ids(self, register: Register) -> dict[str, list[str]]:
        return self.once(f"refs:{register.name}", lambda: ref_ids(register, self.assessment,
                                                                   self.catalogs))


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook."""

    name: str
    about: str
    """What the Cover says the sheet holds."""
    register: Register | None = None
    """The register whose records are the rows: the sheet can be read back (import)."""
    columns: Callable[[Build], Sequence[Column]] | None = None
    rows: Callable[[Build], Iterable[dict[str, Any]]] | None = None
    write: Callable[[WorkbookWriter, Build], Any] | None = None
    """A free-form sheet (blocks and grids) writes itself instead of columns and rows."""
    below: Callable[[WorkbookWriter, Any, Build, list[dict[str, Any]]], Any] | None = None
    """Blocks written under the table (outside its filter); drop-downs stop at the last row."""
    freeze: str = "B2"
    layout: Layout = Layout()
    workbooks: tuple[str, ...] = (FULL,)
    """Which workbooks hold the sheet: the full one and/or the stand-alone SoA."""

    @property
    def table(self) -> bool:
        return self.columns is not None


# -- columns from declarations ------------------------------------------------------------------
RISK_PARTS = ("inherent", "residual")
"""The two assessments of a risk; ``scoring.derive`` fills ``<part>_score`` and ``<part>_level``."""
LEVEL_KEYS = tuple(f"{p}_level" for p in RISK_PARTS)
SCORE_KEYS = tuple(f"{p}_score" for p in RISK_PARTS)


def scale_prompt(labels: list[Any]) -> str:
    """What each rating means, for the drop-down's input message."""
    return ", ".join(f"{i} {label}" for i, label in enumerate(labels, start=1))


def level_highlights(method: dict[str, Any]) -> tuple[Highlight, ...]:
    """One conditional fill per level band: the level text gets its band's colour."""
    return tuple(Highlight(str(b.get("colour") or ""), equals=str(b.get("level") or ""))
                 for b in method.get("bands") or [] if b.get("level"))


def score_highlights(method: dict[str, Any]) -> tuple[Highlight, ...]:
    """One conditional fill per level band: scores in the band's range get its colour."""
    return tuple(Highlight(str(b.get("colour") or ""), low=b["min"], high=b["max"])
                 for b in method.get("bands") or []
                 if isinstance(b.get("min"), int) and isinstance(b.get("max"), int))


def field_highlights(f: Field) -> tuple[Highlight, ...]:
    """The field's declared colours as conditional fills."""
    return tuple(Highlight(colour, equals=value) for value, colour in f.colours)


def field_column(f: Field, method: dict[str, Any] | None = None,
                 ref_ids: dict[str, list[str]] | None = None) -> Column:
    """The sheet column of one field, with the field's colours. With the assessment's risk
    method, rating columns get a 1..N drop-down and score and level columns the band colours."""
    kind = {Kind.DATE: "date", Kind.INTEGER: "integer", Kind.SCALE: "integer",
            Kind.CHOICE: "choice", Kind.MULTICHOICE: "multichoice",
            Kind.REFS: "refs"}.get(f.kind, "text")
    column = Column(f.export_header, lambda r, k=f.key: r.get(k), f.width, kind, f.choices,
                    highlights=field_highlights(f), key=f.key, read_only=f.derived)
    if f.kind is Kind.REF and ref_ids and ref_ids.get(f.key):
        # a single reference (e.g. the threat) gets a drop-down of the IDs it may hold
        return dataclasses.replace(column, kind="choice", choices=tuple(ref_ids[f.key]),
                                   list_name=f.label)
    if method is None:
        return column
    if f.kind is Kind.SCALE and f.scale in ("likelihood", "impact"):
        labels = list(method.get(f.scale) or [])
        return dataclasses.replace(column, choices=tuple(range(1, len(labels) + 1)),
                                   list_name=f.scale.capitalize(), prompt=scale_prompt(labels))
    if f.derived and f.key in LEVEL_KEYS:
        return dataclasses.replace(column, highlights=level_highlights(method))
    if f.derived and f.key in SCORE_KEYS:
        return dataclasses.replace(column, highlights=score_highlights(method))
    return column


def id_column(register: Register, width: int = 12) -> Column:
    return Column(register.id_header, lambda r: r.get("id"), width, key="id")


def register_columns(register: Register, method: dict[str, Any] | None = None,
                     ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    """A register's sheet columns, straight from its declaration: ID first, then each field
    in the register's export order. Pass the assessment's risk method for the risk register's
    rating drop-downs and level colours, and ``ref_ids`` (field key -> allowed IDs) for
    drop-downs on single references such as the threat."""
    cols = [] if register.singleton else [id_column(register)]
    return cols + [field_column(f, method, ref_ids) for f in register.export_fields]


def derived_column(header: str, key: str, width: int = 18, kind: str = "text",
                   highlights: tuple[Highlight, ...] = ()) -> Column:
    """A column the sheet computes (not a field of the register): read-only on import."""
    return Column(header, lambda r, k=key: r.get(k), width, kind, highlights=highlights,
                  key=key, read_only=True)


def declared_columns(register: Register, ref_ids: dict[str, list[str]] | None = None, *,
                     highlights: dict[str, tuple[Highlight, ...]] | None = None,
                     gets: dict[str, Any] | None = None,
                     tweaks: dict[str, dict[str, Any]] | None = None,
                     after: dict[str, list[Column]] | None = None,
                     method: dict[str, Any] | None = None) -> list[Column]:
    """:func:`register_columns` with other colours on some fields (by key), another way of
    showing some values (``gets``), any other column setting (``tweaks``: key -> Column
    fields) and extra derived columns right after a field (``after``)."""
    out = []
    for col in register_columns(register, method=method, ref_ids=ref_ids):
        key = col.key
        if highlights and key in highlights:
            col = dataclasses.replace(col, highlights=highlights[key])
        if gets and key in gets:
            col = dataclasses.replace(col, get=gets[key])
        if tweaks and key in tweaks:
            col = dataclasses.replace(col, **tweaks[key])
        out.append(col)
        out.extend((after or {}).get(key, ()))
    return out


def ref_ids(register: Register, assessment: Assessment, catalogs: Any) -> dict[str, list[str]]:
    """Field key -> the IDs a single reference of the register may hold (for drop-downs)."""
    out = {}
    for f in register.fields:
        if f.kind is Kind.REF:
            options = ref_options(f.ref, assessment, catalogs)
            if options:
                out[f.key] = list(options)
    return out


def by_id(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: natural_key(str(r.get("id", ""))))


def register_rows(assessment: Assessment, register: Register) -> list[dict[str, Any]]:
    return by_id(assessment.records(register))


# -- fingerprints ---------------------------------------------------------------------------
def row_fingerprint(columns: Sequence[Column], row: dict[str, Any]) -> str:
    """One short hash per column of what the cell holds, in its canonical form: the same the
    writer records (``WorkbookWriter.add_table``) and the importer computes from a cell, so
    the importer can tell field by field what changed since the export."""
    return "".join(field_hash(canonical(col.get(row), col.kind)) for col in columns)


def split_fingerprint(fp: str) -> list[str]:
    return [fp[i:i + FIELD_HASH] for i in range(0, len(fp), FIELD_HASH)]
