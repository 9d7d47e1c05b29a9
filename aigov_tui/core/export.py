"""Export an assessment to one workbook in the layouts auditors already use."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any, Iterable

from .model import Assessment, natural_key
from .registers import AI_SYSTEMS, PROFILE
from .schema import Field, Kind, Register
from .xlsx import Column, DocumentControl, WorkbookWriter

WORKBOOK_FORMAT_VERSION = "1"


class ExportError(Exception):
    """An export that could not be written; the message says where and why."""


def field_column(f: Field) -> Column:
    kind = {Kind.DATE: "date", Kind.INTEGER: "integer", Kind.CHOICE: "choice",
            Kind.MULTICHOICE: "multichoice"}.get(f.kind, "text")
    return Column(f.export_header, lambda r, k=f.key: r.get(k), f.width, kind, f.choices)


def register_columns(register: Register) -> list[Column]:
    """A register's sheet columns, straight from its declaration: ID first, then each field."""
    cols = [] if register.singleton else [Column(register.id_header, lambda r: r.get("id"), 12)]
    return cols + [field_column(f) for f in register.export_fields]


def register_rows(assessment: Assessment, register: Register) -> list[dict[str, Any]]:
    return sorted(assessment.records(register), key=lambda r: natural_key(str(r.get("id", ""))))


def slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s[:60] or "assessment"


def workbook_name(assessment: Assessment, today: _dt.date, only: str | None = None) -> str:
    kind = f"{only}" if only else "ai-isms"
    return f"{slug(assessment.organisation)}-{kind}-{today.isoformat()}.xlsx"


def document_control(assessment: Assessment, today: _dt.date, title: str) -> DocumentControl:
    p = assessment.profile
    return DocumentControl(
        title=title,
        organisation=assessment.organisation or "(organisation not set)",
        version=str(assessment.meta.get("document_version") or "0.1"),
        date=today,
        owner=str(p.get("isms_owner") or ""),
        classification=str(p.get("classification") or "Confidential"),
        frameworks=list(p.get("frameworks") or ["ISO/IEC 27001:2022"]),
        assessment_id=str(assessment.meta.get("assessment_id") or ""),
        format_version=WORKBOOK_FORMAT_VERSION,
    )


def scope_pairs(assessment: Assessment) -> Iterable[tuple[str, Any]]:
    for f in PROFILE.fields:
        value = assessment.profile.get(f.key)
        if f.kind is Kind.DATE and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:  # a real date cell, as on the Cover; a malformed draft date stays text
                value = _dt.date.fromisoformat(value)
            except ValueError:
                pass
        yield f.export_header, value
    yield "AI systems in scope", ", ".join(
        str(r.get("id", "")) for r in register_rows(assessment, AI_SYSTEMS) if r.get("in_scope") == "Yes")
    yield "AI systems partly in scope", ", ".join(
        str(r.get("id", "")) for r in register_rows(assessment, AI_SYSTEMS) if r.get("in_scope") == "Partial")
    yield "AI systems excluded", ", ".join(
        str(r.get("id", "")) for r in register_rows(assessment, AI_SYSTEMS) if r.get("in_scope") == "No")
    yield "Scope addendum (AI systems)", assessment.scope.get("addendum")


SHEETS = (
    ("Scope", "Organisation profile, current ISMS scope and the AI scope addendum (Step 1)."),
    ("AI Systems", "Register of AI systems with role, provenance, EU AI Act class and scope decision."),
)


def build_workbook(assessment: Assessment, today: _dt.date) -> WorkbookWriter:
    writer = WorkbookWriter(document_control(
        assessment, today, "AI extension of the ISMS: assessment workbook"))
    writer.add_cover(SHEETS)
    writer.add_pairs("Scope", scope_pairs(assessment))
    writer.add_table(AI_SYSTEMS.sheet, register_columns(AI_SYSTEMS),
                     register_rows(assessment, AI_SYSTEMS))
    return writer


def export_workbook(assessment: Assessment, out_dir: Path | str,
                    today: _dt.date | None = None) -> Path:
    """Write the assessment workbook into ``out_dir`` and return its path."""
    today = today or _dt.date.today()
    out = Path(out_dir).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"Cannot create the export folder {out}: {exc.strerror}.") from None
    if not out.is_dir():
        raise ExportError(f"{out} is not a folder.")
    path = out / workbook_name(assessment, today)
    try:
        return build_workbook(assessment, today).save(path)
    except PermissionError:
        raise ExportError(f"Cannot write {path}: permission denied (is it open in Excel?).") from None
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}.") from None
