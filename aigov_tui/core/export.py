"""Export an assessment to one workbook in the layouts auditors already use.

The sheets are declared in ``sheets`` and ``sheets_*`` (one module per step); this module
writes the declared sheets of a workbook through the one writer (``xlsx.WorkbookWriter``),
after a Cover that lists them, and saves the file atomically. The names below are kept for
modules that build on the export (e.g. a vendors sheet) and for the tests.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from pathlib import Path
from typing import Any

from . import soa
from .model import Assessment
from .registers import AUDITS, DOCUMENTS
from .sheets_all import EXTRA_SHEETS, add_sheets, all_sheets, register_sheets  # noqa: F401
from .sheets import (FULL, LEVEL_KEYS, RISK_PARTS, SCORE_KEYS, SOA_ONLY,  # noqa: F401
                     WORKBOOK_FORMAT_VERSION, Build, Sheet, by_id,
                     declared_columns, derived_column, field_column, level_highlights,
                     ref_ids, register_columns, register_rows, row_fingerprint, scale_prompt,
                     score_highlights)
from .sheets_controls import (APPLICABLE_HIGHLIGHTS, CLAUSE_HIGHLIGHTS,  # noqa: F401
                              CLAUSES_SHEET, EVIDENCE_SHEET, FLAG_HIGHLIGHTS, FRAMEWORK_NAMES,
                              GAP_COLUMNS, GAPS_SHEET, MAPPING_COLUMNS, MAPPING_SHEET,
                              SOA_SHEET, STATUS_HIGHLIGHTS, STEP4_SHEETS, clause_columns,
                              evidence_columns, evidence_rows, mapping_rows, soa_columns,
                              soa_summary)
from .sheets_programme import (AUDITS_SHEET, CHECKLIST_SHEET, DOCUMENTS_SHEET,  # noqa: F401
                               FINDINGS_SHEET, PROGRAMME_SHEETS, RECORDS_SHEET,
                               SURVEILLANCE_COLUMNS, SURVEILLANCE_SHEET, TRAINING_SHEET,
                               audit_columns, audit_rows, checklist_columns, checklist_rows,
                               document_columns, finding_columns, role_titles,
                               training_plan_columns, training_record_columns,
                               training_record_rows)
from .sheets_risks import (HEATMAP_SHEET, RISK_METHOD_SHEET, add_heatmap,  # noqa: F401
                           add_risk_method, axis_labels, band_colour, heat_counts)
from .sheets_scope import scope_pairs  # noqa: F401
from .xlsx import LISTS_SHEET, Column, DocumentControl, WorkbookWriter  # noqa: F401
from . import programme

ONLY_CHOICES = ("soa",)
"""Parts of the assessment that can be exported as a workbook of their own."""

_by_id = by_id
_ref_ids = ref_ids


class ExportError(Exception):
    """An export that could not be written; the message says where and why."""


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


def left_out_values(assessment: Assessment) -> str:
    """What the Cover says when values of the file are not in the workbook: those that failed
    the shape check at this load, or wait in the ``quarantine`` table from an earlier one
    ('' when there are none), so a reader knows the workbook is not the whole file."""
    quarantined = assessment.extra.get("quarantine")
    count = max(len(assessment.load_problems),
                len(quarantined) if isinstance(quarantined, dict) else 0)
    if not count:
        return ""
    return (f"{count} value(s) of the assessment file failed its shape check and are set aside "
            "in its 'quarantine' table, not in this workbook; 'aigov validate' lists them.")


def programme_summary(assessment: Assessment, today: _dt.date) -> list[tuple[str, str]]:
    """What the Cover says about Steps 5–7, in counts on ``today``."""
    docs = assessment.records(DOCUMENTS)
    signed = sum(1 for d in docs if d.get("status") in ("Approved", "Published"))
    records = programme.assignment_rows(assessment, today)
    findings = programme.finding_rows(assessment, today)
    return [
        ("Documents", f"{len(docs)} in the register, {signed} approved or published "
                      f"(see {DOCUMENTS_SHEET})"),
        ("Training", f"{sum(r['state'] == 'Done' for r in records)} of {len(records)} records "
                     f"done, {sum(r['state'] == 'Overdue' for r in records)} overdue "
                     f"(see {RECORDS_SHEET})"),
        ("Internal audit", f"{len(assessment.records(AUDITS))} audits, {len(findings)} findings: "
                           f"{sum(f.get('status') != 'Closed' for f in findings)} open, "
                           f"{sum(bool(f['overdue']) for f in findings)} overdue "
                           f"(see {FINDINGS_SHEET})"),
    ]


LISTS_ABOUT = "Hidden: the values offered by the drop-downs of the register sheets."


def cover_contents(workbook: str = FULL) -> tuple[tuple[str, str], ...]:
    """(sheet, what it holds) for the Cover, from the declarations."""
    lists = (LISTS_ABOUT if workbook == FULL else
             "Hidden: the values offered by the drop-downs of the sheets.")
    return (*((s.name, s.about) for s in all_sheets(workbook)), (LISTS_SHEET, lists))


SHEETS = cover_contents(FULL)
SOA_ONLY_SHEETS = cover_contents(SOA_ONLY)
"""The stand-alone SoA workbook (``only="soa"``); evidence is named by ID in the SoA."""


@functools.lru_cache(maxsize=1)
def _bundled_catalogs() -> Any:
    from .catalogs import load_catalogs

    return load_catalogs()


def write_sheet(writer: WorkbookWriter, sheet: Sheet, build: Build) -> None:
    """Write one declared sheet: a free-form one writes itself; a table gets its columns and
    rows, and a register table the row fingerprints the importer reads back."""
    if sheet.write is not None:
        sheet.write(writer, build)
        return
    assert sheet.columns is not None and sheet.rows is not None, sheet.name
    columns = list(sheet.columns(build))
    rows = list(sheet.rows(build))
    ws = writer.add_table(sheet.name, columns, rows, freeze=sheet.freeze,
                          open_rows=len(rows) if sheet.below else None, layout=sheet.layout,
                          fingerprint=sheet.register is not None)
    if sheet.below is not None:
        sheet.below(writer, ws, build, rows)


def build_workbook(assessment: Assessment, today: _dt.date, catalogs: Any = None,
                   evidence_base: Path | None = None, only: str | None = None) -> WorkbookWriter:
    if only not in (None, *ONLY_CHOICES):
        raise ExportError(f"Unknown export {only!r}: choose one of {', '.join(ONLY_CHOICES)}.")
    # without catalogs, the bundled ones serve the whole workbook (the SoA sheets cannot do
    # without them, and reference columns such as the threat get their drop-downs)
    if catalogs is None:
        catalogs = _bundled_catalogs()
    build = Build(assessment, catalogs, today, evidence_base)
    rows = build.once("soa_rows", lambda: soa.soa_rows(assessment, catalogs))
    gaps = build.once("gaps", lambda: soa.gaps(assessment, catalogs, today))
    version = str(assessment.meta.get("document_version") or "0.1")
    workbook = SOA_ONLY if only == "soa" else FULL
    title = ("Statement of Applicability" if only == "soa"
             else "AI extension of the ISMS: assessment workbook")
    control = document_control(assessment, today, title)
    control.extra = [("SoA version", version), *soa_summary(rows, gaps)]
    if workbook == FULL:
        control.extra += programme_summary(assessment, today)
    left_out = left_out_values(assessment)
    if left_out:
        control.extra.append(("Left out", left_out))
    writer = WorkbookWriter(control)
    writer.add_cover(cover_contents(workbook))
    for sheet in all_sheets(workbook):
        write_sheet(writer, sheet, build)
    return writer


def export_workbook(assessment: Assessment, out_dir: Path | str,
                    today: _dt.date | None = None, catalogs: Any = None,
                    evidence_base: Path | None = None, only: str | None = None) -> Path:
    """Write the assessment workbook into ``out_dir`` and return its path.

    ``catalogs`` defaults to the bundled ones (the SoA sheets need them). ``evidence_base`` is
    the folder relative evidence paths are resolved against (None: the current folder).
    ``only="soa"`` writes the stand-alone Statement of Applicability workbook instead
    (``<org>-soa-<date>.xlsx``: Cover, SoA, Mandatory Clauses, Control Mapping, Gaps).
    """
    if only not in (None, *ONLY_CHOICES):
        raise ExportError(f"Unknown export {only!r}: choose one of {', '.join(ONLY_CHOICES)}.")
    today = today or _dt.date.today()
    out = Path(out_dir).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"Cannot create the export folder {out}: {exc.strerror}.") from None
    if not out.is_dir():
        raise ExportError(f"{out} is not a folder.")
    path = out / workbook_name(assessment, today, only)
    try:
        return build_workbook(assessment, today, catalogs, evidence_base, only).save(path)
    except PermissionError:
        raise ExportError(f"Cannot write {path}: permission denied (is it open in Excel?).") from None
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}.") from None
