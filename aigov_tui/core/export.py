"""Export an assessment to one workbook in the layouts auditors already use."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any, Iterable

from openpyxl.styles import Alignment

from . import scoring
from .model import Assessment, natural_key, ref_options
from .registers import AI_SYSTEMS, ASSETS, PROFILE, RISKS
from .schema import Field, Kind, Register
from .xlsx import Column, DocumentControl, Highlight, WorkbookWriter, paint, set_text

WORKBOOK_FORMAT_VERSION = "1"


class ExportError(Exception):
    """An export that could not be written; the message says where and why."""


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


def field_column(f: Field, method: dict[str, Any] | None = None,
                 ref_ids: dict[str, list[str]] | None = None) -> Column:
    """The sheet column of one field. With the assessment's risk method, rating columns get a
    1..N drop-down and score and level columns get the band colours."""
    kind = {Kind.DATE: "date", Kind.INTEGER: "integer", Kind.SCALE: "integer",
            Kind.CHOICE: "choice", Kind.MULTICHOICE: "multichoice",
            Kind.REFS: "refs"}.get(f.kind, "text")
    column = Column(f.export_header, lambda r, k=f.key: r.get(k), f.width, kind, f.choices)
    if f.kind is Kind.REF and ref_ids and ref_ids.get(f.key):
        # a single reference (e.g. the threat) gets a drop-down of the IDs it may hold
        return Column(column.header, column.get, column.width, "choice", tuple(ref_ids[f.key]),
                      list_name=f.label)
    if method is None:
        return column
    if f.kind is Kind.SCALE and f.scale in ("likelihood", "impact"):
        labels = list(method.get(f.scale) or [])
        return Column(column.header, column.get, column.width, kind,
                      tuple(range(1, len(labels) + 1)), list_name=f.scale.capitalize(),
                      prompt=scale_prompt(labels))
    if f.derived and f.key in LEVEL_KEYS:
        return Column(column.header, column.get, column.width, kind,
                      highlights=level_highlights(method))
    if f.derived and f.key in SCORE_KEYS:
        return Column(column.header, column.get, column.width, kind,
                      highlights=score_highlights(method))
    return column


def register_columns(register: Register, method: dict[str, Any] | None = None,
                     ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    """A register's sheet columns, straight from its declaration: ID first, then each field
    in the register's export order. Pass the assessment's risk method for the risk register's
    rating drop-downs and level colours, and ``ref_ids`` (field key -> allowed IDs) for
    drop-downs on single references such as the threat."""
    cols = [] if register.singleton else [Column(register.id_header, lambda r: r.get("id"), 12)]
    return cols + [field_column(f, method, ref_ids) for f in register.export_fields]


def _ref_ids(register: Register, assessment: Assessment, catalogs: Any) -> dict[str, list[str]]:
    out = {}
    for f in register.fields:
        if f.kind is Kind.REF:
            options = ref_options(f.ref, assessment, catalogs)
            if options:
                out[f.key] = list(options)
    return out


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


# -- risk method and heatmap --------------------------------------------------------------------
RISK_METHOD_SHEET = "Risk Method"
HEATMAP_SHEET = "Heatmap"
LISTS_SHEET = "Lists"


def axis_labels(method: dict[str, Any], axis: str) -> list[str]:
    """'1 Rare', '2 Unlikely', ... for a matrix axis."""
    return [f"{i} {label}" for i, label in enumerate(method.get(axis) or [], start=1)]


def band_colour(method: dict[str, Any], likelihood: int, impact: int) -> str | None:
    b = scoring.band(method, scoring.score(likelihood, impact))
    return b.get("colour") if b else None


def _threshold_text(method: dict[str, Any]) -> str:
    threshold = method.get("acceptance_threshold") or "(not set)"
    return (f"A risk whose remaining level (residual, or inherent until the residual risk is "
            f"rated) is above {threshold}, or whose treatment option is Retain, needs the risk "
            f"owner's recorded acceptance (name and date).")


def add_risk_method(writer: WorkbookWriter, method: dict[str, Any]) -> None:
    """The method as data: scales, bands, threshold and the matrix, so the workbook explains
    how every score and level in it was reached."""
    n = scoring.size(method)
    lik, imp = list(method.get("likelihood") or []), list(method.get("impact") or [])
    bands = list(method.get("bands") or [])
    ws = writer.add_sheet(RISK_METHOD_SHEET, widths=(26, 18, 18, 18, 18, 18, 18))
    r = writer.write_title(ws, 1, 1, "Risk method", size=14)
    r = writer.write_note(ws, r, 1, "How every score and level in this workbook is reached; "
                                    "the Risk Register and Heatmap use exactly this method.")
    r = writer.write_block(ws, r + 1, 1, ("Item", "Value"), [
        ("Method", method.get("title") or ""),
        ("Method ID", method.get("id") or ""),
        ("Matrix size", f"{n}×{len(imp)}"),
        ("Score", f"Likelihood × impact, from 1 to {n * len(imp)}" if n else ""),
        ("Level", "The band the score falls in (see Level bands)"),
        ("Acceptance threshold", method.get("acceptance_threshold") or ""),
        ("Acceptance rule", _threshold_text(method)),
    ])
    for row in range(r - 7, r):  # long values run over the empty cells to their right
        ws.cell(row, 2).alignment = Alignment(vertical="top")

    r = writer.write_title(ws, r + 1, 1, "Likelihood scale")
    r = writer.write_block(ws, r, 1, ("Value", "Label"),
                           [(i, label) for i, label in enumerate(lik, start=1)])
    r = writer.write_title(ws, r + 1, 1, "Impact scale")
    r = writer.write_block(ws, r, 1, ("Value", "Label"),
                           [(i, label) for i, label in enumerate(imp, start=1)])

    r = writer.write_title(ws, r + 1, 1, "Level bands")
    rows = [(b.get("level"), b.get("min"), b.get("max"), b.get("colour"),
             "Yes" if scoring.above_threshold(method, b.get("level")) else "No")
            for b in bands]
    r = writer.write_block(ws, r, 1, ("Level", "From score", "To score", "Colour",
                                      "Above threshold: risk owner's sign-off needed"), rows,
                           colour=lambda i, j: bands[i].get("colour") if j == 0 else None)

    r = writer.write_title(ws, r + 1, 1, "Risk matrix (score and level)")
    r = writer.write_note(ws, r, 1, "Likelihood down the side (highest at the top), impact "
                                    "across; each cell holds score and level.")
    order = list(range(n, 0, -1))
    cells = [[f"{scoring.score(li, im)} {scoring.level(method, li, im) or ''}".strip()
              for im in range(1, len(imp) + 1)] for li in order]
    likelihoods = axis_labels(method, "likelihood")
    writer.write_grid(ws, r, 1, "Likelihood \\ Impact", [likelihoods[li - 1] for li in order],
                      axis_labels(method, "impact"), cells,
                      colour=lambda i, j: band_colour(method, order[i], j + 1))


def heat_counts(risks: list[dict[str, Any]], method: dict[str, Any], part: str
                ) -> tuple[dict[tuple[int, int], list[str]], int, int]:
    """Risk IDs per (likelihood, impact) cell for ``inherent`` or ``residual`` ratings, and the
    numbers of risks not rated and rated outside the matrix."""
    n_l, n_i = scoring.size(method), len(method.get("impact") or [])
    cells: dict[tuple[int, int], list[str]] = {}
    unrated = outside = 0
    for risk in risks:
        li, im = risk.get(f"{part}_likelihood"), risk.get(f"{part}_impact")
        if scoring.score(li, im) is None:
            unrated += 1
        elif 1 <= li <= n_l and 1 <= im <= n_i:
            cells.setdefault((li, im), []).append(str(risk.get("id") or ""))
        else:
            outside += 1
    return cells, unrated, outside


def add_heatmap(writer: WorkbookWriter, assessment: Assessment) -> None:
    """Inherent and residual grids side by side: the number of risks per cell, in band colours,
    then the risk IDs behind every non-empty cell."""
    method = assessment.risk_method
    risks = register_rows(assessment, RISKS)
    n_l, n_i = scoring.size(method), len(method.get("impact") or [])
    order = list(range(n_l, 0, -1))
    width = n_i + 1
    ws = writer.add_sheet(HEATMAP_SHEET, widths=[22] + [17] * (n_i + 1) + [22] + [17] * n_i)
    r = writer.write_title(ws, 1, 1, "Risk heatmap: number of risks per cell", size=14)
    r = writer.write_note(ws, r, 1, f"Risks in the register: {len(risks)}. Likelihood down the "
                                    f"side (highest at the top), impact across; colours are the "
                                    f"level bands of the risk method (see {RISK_METHOD_SHEET}).")
    top = r + 1
    bottom = top
    for k, part in enumerate(RISK_PARTS):
        left = 1 + k * (width + 1)
        cells, unrated, outside = heat_counts(risks, method, part)
        writer.write_title(ws, top, left, f"{part.capitalize()} risk")
        values = [[len(cells.get((li, im), [])) or None for im in range(1, n_i + 1)]
                  for li in order]
        row = writer.write_grid(ws, top + 1, left, "Likelihood \\ Impact",
                                [axis_labels(method, "likelihood")[li - 1] for li in order],
                                axis_labels(method, "impact"), values,
                                colour=lambda i, j: band_colour(method, order[i], j + 1))
        note = f"Risks counted: {sum(len(v) for v in cells.values())}"
        if unrated:
            article = "an" if part[0] in "aeiou" else "a"
            note += f"; without {article} {part} rating: {unrated}"
        if outside:
            note += f"; rated outside this {n_l}×{n_i} matrix: {outside}"
        row = writer.write_note(ws, row, left, note + ".")
        bottom = max(bottom, row)

    bands = list(method.get("bands") or [])
    r = writer.write_title(ws, bottom + 1, 1, "Levels")
    for j, b in enumerate(bands):
        cell = ws.cell(r, 1 + j)
        set_text(cell, f"{b.get('level')} {b.get('min')}–{b.get('max')}")
        paint(cell, b.get("colour"), bold=True)
    r += 2

    r = writer.write_title(ws, r, 1, "Cell → risk IDs")
    rows, colours_ = [], []
    for part in RISK_PARTS:
        cells, _, _ = heat_counts(risks, method, part)
        for li in order:
            for im in range(n_i, 0, -1):
                ids = cells.get((li, im))
                if ids:
                    rows.append((part.capitalize(), axis_labels(method, "likelihood")[li - 1],
                                 axis_labels(method, "impact")[im - 1],
                                 scoring.level(method, li, im) or "", len(ids), ", ".join(ids)))
                    colours_.append(band_colour(method, li, im))
    if rows:
        writer.write_block(ws, r, 1, ("Assessment", "Likelihood", "Impact", "Level", "Risks",
                                      "Risk IDs"), rows,
                           colour=lambda i, j: colours_[i] if j == 3 else None)
        for i in range(len(rows)):  # a long ID list runs over the empty cells to its right
            ws.cell(r + 1 + i, 6).alignment = Alignment(vertical="top")
    else:
        writer.write_note(ws, r, 1, "No risk is rated yet.")


SHEETS = (
    ("Scope", "Organisation profile, current ISMS scope and the AI scope addendum (Step 1)."),
    ("AI Systems", "Register of AI systems with role, provenance, EU AI Act class and scope decision."),
    (ASSETS.sheet, "Inventory of AI assets (A.5.9): type, linked AI systems, owner and custodian, "
                   "hosting, supplier, classification and C/I/A ratings (Step 2)."),
    (RISK_METHOD_SHEET, "The risk method as data: likelihood and impact scales, level bands and "
                        "colours, the acceptance threshold and the resulting matrix (Step 3)."),
    (RISKS.sheet, "AI risk register: scenario, threat, affected assets and systems, inherent and "
                  "residual likelihood, impact, score and level side by side, treatment, planned "
                  "ISO 27001 and ISO 42001 controls, and the risk owner's acceptance (Step 3)."),
    (HEATMAP_SHEET, "Number of risks per likelihood × impact cell, inherent and residual side by "
                    "side, and the risk IDs behind each cell (Step 3)."),
    (LISTS_SHEET, "Hidden: the values offered by the drop-downs of the register sheets."),
)


def build_workbook(assessment: Assessment, today: _dt.date, catalogs: Any = None) -> WorkbookWriter:
    writer = WorkbookWriter(document_control(
        assessment, today, "AI extension of the ISMS: assessment workbook"))
    method = assessment.risk_method
    writer.add_cover(SHEETS)
    writer.add_pairs("Scope", scope_pairs(assessment))
    writer.add_table(AI_SYSTEMS.sheet, register_columns(AI_SYSTEMS),
                     register_rows(assessment, AI_SYSTEMS))
    writer.add_table(ASSETS.sheet, register_columns(ASSETS), register_rows(assessment, ASSETS))
    add_risk_method(writer, method)
    writer.add_table(RISKS.sheet, register_columns(RISKS, method, _ref_ids(RISKS, assessment, catalogs)),
                     register_rows(assessment, RISKS),
                     freeze="C2")
    add_heatmap(writer, assessment)
    return writer


def export_workbook(assessment: Assessment, out_dir: Path | str,
                    today: _dt.date | None = None, catalogs: Any = None) -> Path:
    """Write the assessment workbook into ``out_dir`` and return its path.

    With the catalogs, reference columns such as the risk's threat get drop-downs of their IDs.
    """
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
        return build_workbook(assessment, today, catalogs).save(path)
    except PermissionError:
        raise ExportError(f"Cannot write {path}: permission denied (is it open in Excel?).") from None
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}.") from None
