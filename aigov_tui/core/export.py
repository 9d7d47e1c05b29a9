"""Export an assessment to one workbook in the layouts auditors already use."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl.styles import Alignment

from . import programme, scoring, soa
from .model import Assessment, natural_key, ref_options
from .registers import (AI_SYSTEMS, ASSETS, ASSIGNMENTS, AUDIT_STATUS, AUDITS, CHECK_RESULTS,
                        CHECKLIST, CLAUSE_STATUS, CLAUSES, DOC_STATUS, DOCUMENTS, EVIDENCE,
                        FINDING_GRADES, FINDING_STATUS, FINDINGS, PEOPLE, PROFILE, RISKS, SOA,
                        SOA_APPLICABLE, SOA_STATUS, TRAINING)
from .schema import Field, Kind, Register
from .xlsx import Column, DocumentControl, Highlight, WorkbookWriter, paint, set_text

WORKBOOK_FORMAT_VERSION = "1"
ONLY_CHOICES = ("soa",)
"""Parts of the assessment that can be exported as a workbook of their own."""


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


# -- Step 4: Statement of Applicability, clauses, mapping, evidence, gaps ---------------------
SOA_SHEET = SOA.sheet
CLAUSES_SHEET = CLAUSES.sheet
MAPPING_SHEET = "Control Mapping"
EVIDENCE_SHEET = EVIDENCE.sheet
GAPS_SHEET = "Gaps"

FRAMEWORK_NAMES = {short: full for full, short in soa.SHORT.items()}
"""The SoA's short framework codes ('27001', '42001', 'Custom') -> the names an auditor reads."""

APPLICABLE_HIGHLIGHTS = tuple(Highlight(c, equals=v) for v, c in
                              zip(SOA_APPLICABLE, ("green", "grey", "yellow")))
STATUS_HIGHLIGHTS = tuple(Highlight(c, equals=v) for v, c in
                          zip(SOA_STATUS, ("red", "orange", "yellow", "green")))
CLAUSE_HIGHLIGHTS = tuple(Highlight(c, equals=v) for v, c in
                          zip(CLAUSE_STATUS, ("red", "yellow", "green")))
FLAG_HIGHLIGHTS = (Highlight("orange", not_blank=True),)


def _with(column: Column, **changes: Any) -> Column:
    return dataclasses.replace(column, **changes)


def soa_columns() -> list[Column]:
    """The SoA sheet's columns from the SOA declaration: the framework written out in full on
    every row, drop-downs and colours on applicability and implementation status."""
    return declared_columns(SOA, tweaks={
        "framework": {"width": 20, "get": lambda r: FRAMEWORK_NAMES.get(
            str(r.get("framework") or ""), r.get("framework"))},
        "ai_relevance": {"get": lambda r: str(r.get("ai_relevance") or "").capitalize()},
        "applicable": {"highlights": APPLICABLE_HIGHLIGHTS,
                       "prompt": "Yes: the control is needed (give the justification for "
                                 "inclusion). No: excluded (give the justification for "
                                 "exclusion). Undecided: not decided yet."},
        "status": {"highlights": STATUS_HIGHLIGHTS},
    })


def clause_columns() -> list[Column]:
    return declared_columns(CLAUSES, highlights={"status": CLAUSE_HIGHLIGHTS})


MAPPING_COLUMNS = [
    Column("AI control (ISO 42001 or custom)", lambda r: r["control"], 16),
    Column("AI control title", lambda r: r["control_title"], 32),
    Column("Relationship", lambda r: r["relationship"], 14),
    Column("ISO 27001 control or clause", lambda r: r["target"], 14),
    Column("ISO 27001 title", lambda r: r["target_title"], 32),
    Column("Rationale", lambda r: r["rationale"], 60),
    Column("ISO 27001 applicable (SoA)", lambda r: r["target_applicable"], 14,
           highlights=APPLICABLE_HIGHLIGHTS),
    Column("ISO 27001 status (SoA or clause)", lambda r: r["target_status"], 20,
           highlights=STATUS_HIGHLIGHTS + CLAUSE_HIGHLIGHTS),
    Column("AI control in this SoA", lambda r: r["own_state"], 24),
]
RELATIONSHIPS = {"equivalent": "Equivalent", "partial": "Partial", "supports": "Supports",
                 "none": "None"}


def mapping_rows(assessment: Assessment, catalogs: Any,
                 rows: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One row per mapping pair of every ISO 42001 control (in scope or not), then of every
    custom AI control, with the current SoA state of the ISO 27001 side. A 42001 control with
    no ISO 27001 counterpart gets one row saying it is a new AI control, and why."""
    by_id = {r["id"]: r for r in (rows if rows is not None else soa.soa_rows(assessment, catalogs))}
    clauses = {c["id"]: c for c in soa.clause_rows(assessment, catalogs)}
    mappings = {m["control"]: m for m in catalogs.mappings}

    def own_state(key: str) -> str:
        r = by_id.get(key)
        if r is None:
            return f"Not in scope ({soa.FW_42001} is not among the frameworks)"
        return f"Applicable: {r['applicable']}" + (f"; {r['status']}" if r.get("status") else "")

    def target(tid: str) -> dict[str, Any]:
        if tid in by_id:
            r = by_id[tid]
            return {"target": tid, "target_title": r.get("title", ""),
                    "target_applicable": r.get("applicable"), "target_status": r.get("status")}
        if tid in clauses:
            c = clauses[tid]
            return {"target": tid, "target_title": f"Clause {tid}: {c.get('title', '')}",
                    "target_applicable": "Mandatory clause", "target_status": c.get("status")}
        title = (catalogs.iso27001.get(tid) or catalogs.clauses.get(tid) or {}).get("title", "")
        return {"target": tid, "target_title": title, "target_applicable": "",
                "target_status": ""}

    out: list[dict[str, Any]] = []
    for cid, c in catalogs.iso42001.items():
        key = soa.key_42001(cid)
        base = {"control": key, "control_title": c.get("title", ""), "own_state": own_state(key)}
        m = mappings.get(cid) or {}
        for t in m.get("maps_to") or []:
            rel = str(t.get("relationship") or "")
            out.append({**base, "relationship": RELATIONSHIPS.get(rel, rel),
                        "rationale": " ".join(str(t.get("rationale") or "").split()),
                        **target(str(t.get("id")))})
        if "none" in m or not m.get("maps_to"):
            reason = " ".join(str(m.get("none") or "").split()) or "No mapping in the catalog."
            out.append({**base, "relationship": RELATIONSHIPS["none"], "target": "—",
                        "target_title": "No ISO 27001 counterpart",
                        "rationale": f"New AI control: {reason}",
                        "target_applicable": "", "target_status": ""})
    for key, r in by_id.items():
        if soa.framework_of(key) != soa.FW_CUSTOM:
            continue
        custom = assessment.find(soa.CUSTOM_CONTROLS, key) or {}
        base = {"control": key, "control_title": r.get("title", ""), "own_state": own_state(key)}
        mapped = list(custom.get("mapped_27001") or [])
        for tid in mapped:
            source = f" (source: {custom['source']})" if custom.get("source") else ""
            out.append({**base, "relationship": "Builds on",
                        "rationale": f"Custom AI control{source}: "
                                     f"{' '.join(str(custom.get('objective') or '').split())}",
                        **target(str(tid))})
        if not mapped:
            out.append({**base, "relationship": RELATIONSHIPS["none"], "target": "—",
                        "target_title": "No ISO 27001 counterpart",
                        "rationale": "New AI control: "
                                     f"{' '.join(str(custom.get('objective') or '').split())}",
                        "target_applicable": "", "target_status": ""})
    return out


def evidence_columns() -> list[Column]:
    return register_columns(EVIDENCE) + [
        Column("Flags", lambda r: "; ".join(r.get("_flags") or []), 30,
               highlights=FLAG_HIGHLIGHTS)]


def evidence_rows(assessment: Assessment, today: _dt.date,
                  base: Path | None = None) -> list[dict[str, Any]]:
    """The evidence register with what is wrong with each item: expired, file missing or
    changed since its hash was recorded (relative paths are resolved against ``base``)."""
    flags = soa.evidence_flags(assessment, today, base=base)
    return [{**r, "_flags": flags.get(str(r.get("id")), [])}
            for r in register_rows(assessment, EVIDENCE)]


GAP_COLUMNS = [
    Column("Gap type", lambda g: g.kind, 30),
    Column("Reference", lambda g: g.ref, 16),
    Column("What to fix", lambda g: g.message, 90),
]


def soa_summary(rows: list[dict[str, Any]], gaps: list[Any]) -> list[tuple[str, str]]:
    """What the Cover says about the SoA: what it covers, decisions and gaps, in counts."""
    per_fw = {fw: sum(1 for r in rows if r.get("framework") == short)
              for short, fw in FRAMEWORK_NAMES.items()}
    covered = [f"{per_fw[soa.FW_27001]} {soa.FW_27001} Annex A"]
    if per_fw[soa.FW_42001]:
        covered.append(f"{per_fw[soa.FW_42001]} {soa.FW_42001} Annex A")
    covered.append(f"{per_fw[soa.FW_CUSTOM]} custom AI")
    decided = {v: sum(1 for r in rows if r.get("applicable") == v) for v in SOA_APPLICABLE}
    statuses = [f"{sum(1 for r in rows if r.get('status') == s)} {s.lower()}"
                for s in reversed(SOA_STATUS)]
    unset = sum(1 for r in rows if r.get("status") not in SOA_STATUS)
    if unset:
        statuses.append(f"{unset} without a status")
    return [
        ("Controls in the SoA", f"{len(rows)}: " + ", ".join(covered)),
        ("Applicability", f"{decided.get('Yes', 0)} applicable, {decided.get('No', 0)} excluded, "
                          f"{decided.get('Undecided', 0)} undecided"),
        ("Implementation", ", ".join(statuses)),
        ("Open gaps", f"{len(gaps)} (see {GAPS_SHEET})"),
    ]


def add_soa_sheets(writer: WorkbookWriter, assessment: Assessment, catalogs: Any,
                   rows: list[dict[str, Any]], gaps: list[Any], today: _dt.date,
                   evidence_base: Path | None, with_evidence: bool) -> None:
    writer.add_table(SOA_SHEET, soa_columns(), rows, freeze="D2", fit_rows=True)
    writer.add_table(CLAUSES_SHEET, clause_columns(), soa.clause_rows(assessment, catalogs),
                     freeze="C2", fit_rows=True)
    writer.add_table(MAPPING_SHEET, MAPPING_COLUMNS, mapping_rows(assessment, catalogs, rows),
                     freeze="C2", fit_rows=True)
    if with_evidence:
        writer.add_table(EVIDENCE_SHEET, evidence_columns(),
                         evidence_rows(assessment, today, evidence_base), freeze="C2",
                         fit_rows=True)
    writer.add_table(GAPS_SHEET, GAP_COLUMNS, gaps, freeze="A2", fit_rows=True)


STEP4_SHEETS = (
    (SOA_SHEET, "Statement of Applicability (6.1.3 d): one row per ISO/IEC 27001:2022 Annex A "
                "control, per ISO/IEC 42001:2023 Annex A control when that standard is in scope, "
                "and per custom AI control, with the framework named on every row; applicability, "
                "reasons and separate justifications for inclusion and exclusion, implementation "
                "status, how each control is implemented and extended to AI, owner, target date, "
                "policies, evidence and the risks that rely on it (Step 4)."),
    (CLAUSES_SHEET, "ISO/IEC 27001 clauses 4 to 10 (mandatory, never excluded): status, what "
                    "changes for AI, documents and evidence, owner (Step 4)."),
    (MAPPING_SHEET, "Each ISO/IEC 42001 Annex A control (in scope or not) and each custom AI "
                    "control against the ISO/IEC 27001 controls and clauses it builds on: "
                    "relationship, rationale and the current SoA state; controls with no "
                    "counterpart are marked as new AI controls with the reason (Step 4)."),
    (EVIDENCE_SHEET, "Evidence register: type, location, SHA-256 and size of local files, "
                     "collection and validity dates, linked controls and risks, and flags for "
                     "expired evidence and missing or changed files (Step 4)."),
    (GAPS_SHEET, "What an auditor would query: controls without a decision or a justification, "
                 "implemented controls without evidence, risks without a control, and controls "
                 "excluded while a risk relies on them (Step 4)."),
)
_STEP4 = dict(STEP4_SHEETS)

# -- Steps 5–7: documents, training, internal audit and surveillance ---------------------------
DOCUMENTS_SHEET = DOCUMENTS.sheet
TRAINING_SHEET = TRAINING.sheet
RECORDS_SHEET = ASSIGNMENTS.sheet
AUDITS_SHEET = AUDITS.sheet
CHECKLIST_SHEET = CHECKLIST.sheet
FINDINGS_SHEET = FINDINGS.sheet
SURVEILLANCE_SHEET = "Surveillance Plan"


def _highlights(values: Iterable[str], colour_names: Iterable[str]) -> tuple[Highlight, ...]:
    return tuple(Highlight(c, equals=v) for v, c in zip(values, colour_names))


DOC_STATUS_HIGHLIGHTS = _highlights(DOC_STATUS, ("red", "orange", "yellow", "green", "green"))
EVALUATION_HIGHLIGHTS = _highlights(TRAINING.field("evaluation_result").choices,
                                    ("green", "yellow", "red"))
STATE_HIGHLIGHTS = _highlights(("Done", "Due", "Overdue"), ("green", "yellow", "red"))
AUDIT_STATUS_HIGHLIGHTS = _highlights(AUDIT_STATUS, ("grey", "yellow", "blue", "green"))
RESULT_HIGHLIGHTS = _highlights(CHECK_RESULTS, ("green", "red", "orange", "yellow", "blue", "grey"))
GRADE_HIGHLIGHTS = _highlights(FINDING_GRADES, ("red", "orange", "yellow", "blue"))
FINDING_STATUS_HIGHLIGHTS = _highlights(FINDING_STATUS, ("orange", "yellow", "blue", "green"))
EFFECTIVENESS_HIGHLIGHTS = _highlights(FINDINGS.field("effectiveness_result").choices,
                                       ("green", "red"))
OVERDUE_HIGHLIGHTS = (Highlight("red", equals="Overdue"),)
CONFLICT_HIGHLIGHTS = (Highlight("orange", not_blank=True),)


def declared_columns(register: Register, ref_ids: dict[str, list[str]] | None = None, *,
                     highlights: dict[str, tuple[Highlight, ...]] | None = None,
                     gets: dict[str, Any] | None = None,
                     tweaks: dict[str, dict[str, Any]] | None = None,
                     after: dict[str, list[Column]] | None = None) -> list[Column]:
    """:func:`register_columns` with colours on some fields (by key), another way of showing
    some values (``gets``), any other column setting (``tweaks``: key -> Column fields) and
    extra derived columns right after a field (``after``)."""
    keys = ([] if register.singleton else ["id"]) + [f.key for f in register.export_fields]
    out = []
    for key, col in zip(keys, register_columns(register, ref_ids=ref_ids)):
        if highlights and key in highlights:
            col = _with(col, highlights=highlights[key])
        if gets and key in gets:
            col = _with(col, get=gets[key])
        if tweaks and key in tweaks:
            col = _with(col, **tweaks[key])
        out.append(col)
        out.extend((after or {}).get(key, ()))
    return out


def _by_id(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: natural_key(str(r.get("id", ""))))


def role_titles(catalogs: Any) -> dict[str, str]:
    """Role key (``security_analyst``) -> the title an auditor reads."""
    roles = getattr(catalogs, "roles", None) or {}
    return {str(k): str((v or {}).get("title") or k) for k, v in roles.items()}


def document_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    return declared_columns(DOCUMENTS, ref_ids, highlights={"status": DOC_STATUS_HIGHLIGHTS})


def training_plan_columns(catalogs: Any) -> list[Column]:
    titles = role_titles(catalogs)
    return declared_columns(
        TRAINING, highlights={"evaluation_result": EVALUATION_HIGHLIGHTS},
        gets={"audience": lambda r: [titles.get(str(k), str(k)) for k in r.get("audience") or []]})


def training_record_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    """The ASSIGNMENTS declaration, with the person's name, role and team after the person ID
    and the module title after the module ID."""
    return declared_columns(
        ASSIGNMENTS, ref_ids, highlights={"state": STATE_HIGHLIGHTS},
        after={"person": [Column("Person name", lambda r: r.get("_name"), 22),
                          Column("Role", lambda r: r.get("_role"), 24),
                          Column("Team", lambda r: r.get("_team"), 16)],
               "module": [Column("Module title", lambda r: r.get("_module_title"), 36)]})


def training_record_rows(assessment: Assessment, catalogs: Any,
                         today: _dt.date) -> list[dict[str, Any]]:
    """The training records with their state on ``today`` (Done, Due, Overdue) and the names
    behind the person and module IDs."""
    people = {p["id"]: p for p in assessment.records(PEOPLE)}
    modules = {m["id"]: m for m in assessment.records(TRAINING)}
    titles = role_titles(catalogs)
    out = []
    for a in _by_id(programme.assignment_rows(assessment, today)):
        person = people.get(a.get("person")) or {}
        role = str(person.get("role") or "")
        out.append({**a, "_name": person.get("name"), "_role": titles.get(role, role),
                    "_team": person.get("team"),
                    "_module_title": (modules.get(a.get("module")) or {}).get("title")})
    return out


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def add_training_records(writer: WorkbookWriter, assessment: Assessment, catalogs: Any,
                         today: _dt.date, ref_ids: dict[str, list[str]]) -> None:
    """One row per person and module, then (below the table, outside its filter) completion
    by module and by team and everyone in the people register with their counts."""
    rows = training_record_rows(assessment, catalogs, today)
    ws = writer.add_table(RECORDS_SHEET, training_record_columns(ref_ids), rows, freeze="B2",
                          fit_rows=True, open_rows=len(rows))
    rates = programme.completion_rates(assessment, today)
    modules = {m["id"]: m for m in assessment.records(TRAINING)}
    r = max(len(rows) + 1, 2) + 3

    def overdue_red(column: int, block: list[Sequence[Any]]) -> Any:
        return lambda i, j: "red" if j == column and block[i][j] else None

    r = writer.write_title(ws, r, 1, f"Completion on {today.isoformat()}")
    r = writer.write_note(ws, r, 1, "Done % = completed records / assigned records; overdue = "
                                    "not completed and past the due date.")
    r = writer.write_title(ws, r + 1, 1, "By module")
    block = [(mid, total, done, overdue, _percent(done, total),
              (modules.get(mid) or {}).get("title") or "")
             for mid, (done, total, overdue) in sorted(rates["module"].items(),
                                                       key=lambda kv: natural_key(kv[0]))]
    if block:
        top = r
        r = writer.write_block(ws, r, 1, ("Module", "Assigned", "Done", "Overdue", "Done %",
                                          "Module title"), block, colour=overdue_red(3, block))
        for i in range(len(block)):  # the title runs over the empty cells to its right
            ws.cell(top + 1 + i, 6).alignment = Alignment(vertical="top")
    else:
        r = writer.write_note(ws, r, 1, "No training is assigned yet.")
    r = writer.write_title(ws, r + 1, 1, "By team")
    block = [(team, total, done, overdue, _percent(done, total))
             for team, (done, total, overdue) in sorted(rates["team"].items())]
    if block:
        r = writer.write_block(ws, r, 1, ("Team", "Assigned", "Done", "Overdue", "Done %"),
                               block, colour=overdue_red(3, block))
    else:
        r = writer.write_note(ws, r, 1, "No training is assigned yet.")

    r = writer.write_title(ws, r + 1, 1, "People")
    titles = role_titles(catalogs)
    block = []
    for p in _by_id(assessment.records(PEOPLE)):
        mine = [a for a in rows if a.get("person") == p["id"]]
        role = str(p.get("role") or "")
        block.append((p["id"], p.get("name") or "", p.get("team") or "", len(mine),
                      sum(a["state"] == "Done" for a in mine),
                      sum(a["state"] == "Overdue" for a in mine), titles.get(role, role)))
    if block:
        top = r
        writer.write_block(ws, r, 1, ("Person", "Person name", "Team", "Records", "Done",
                                      "Overdue", "Role"), block, colour=overdue_red(5, block))
        for i in range(len(block)):
            ws.cell(top + 1 + i, 7).alignment = Alignment(vertical="top")
    else:
        writer.write_note(ws, r, 1, "No people are registered yet.")


def audit_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    return declared_columns(AUDITS, ref_ids, highlights={"status": AUDIT_STATUS_HIGHLIGHTS}) + [
        Column("Independence conflicts", lambda r: r.get("_conflicts"), 40,
               highlights=CONFLICT_HIGHLIGHTS),
        Column("Checklist (audited/total)", lambda r: r.get("_audited"), 14),
        Column("Findings (open/total)", lambda r: r.get("_findings"), 14),
    ]


def audit_rows(assessment: Assessment, catalogs: Any) -> list[dict[str, Any]]:
    """The audits with the independence check (an auditor does not audit a control they own),
    checklist progress (audited/total) and open findings (open/total)."""
    items, findings = assessment.records(CHECKLIST), assessment.records(FINDINGS)
    out = []
    for a in _by_id(assessment.records(AUDITS)):
        mine = [c for c in items if c.get("audit") == a["id"]]
        audited = sum(1 for c in mine if c.get("result") not in (None, "", "Not audited"))
        raised = [f for f in findings if f.get("audit") == a["id"]]
        still_open = sum(1 for f in raised if f.get("status") != "Closed")
        out.append({**a, "_conflicts": "\n".join(
                        programme.independence_problems(assessment, catalogs, a)),
                    "_audited": f"{audited}/{len(mine)}" if mine else "",
                    "_findings": f"{still_open}/{len(raised)}" if raised else ""})
    return out


def checklist_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    return declared_columns(CHECKLIST, ref_ids, highlights={"result": RESULT_HIGHLIGHTS}) + [
        Column("Findings raised", lambda r: r.get("_findings"), 14, "refs")]


def checklist_rows(assessment: Assessment) -> list[dict[str, Any]]:
    findings = _by_id(assessment.records(FINDINGS))
    return [{**c, "_findings": [f["id"] for f in findings if f.get("item") == c["id"]]}
            for c in _by_id(assessment.records(CHECKLIST))]


def finding_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    return declared_columns(FINDINGS, ref_ids, highlights={
        "grade": GRADE_HIGHLIGHTS, "status": FINDING_STATUS_HIGHLIGHTS,
        "effectiveness_result": EFFECTIVENESS_HIGHLIGHTS, "overdue": OVERDUE_HIGHLIGHTS})


SURVEILLANCE_COLUMNS = [
    Column("Date", lambda e: e.get("date"), 12, "date"),
    Column("Kind", lambda e: e.get("kind"), 10,
           highlights=_highlights(("External", "Internal"), ("blue", "grey"))),
    Column("Event", lambda e: e.get("event"), 50),
    Column("State", lambda e: e.get("state"), 12,
           highlights=_highlights(("Done", "In progress", "Planned", "Overdue"),
                                  ("green", "yellow", "grey", "red"))),
    Column("Notes", lambda e: e.get("notes"), 70),
]


def add_programme_sheets(writer: WorkbookWriter, assessment: Assessment, catalogs: Any,
                         today: _dt.date) -> None:
    """Steps 5–7: document register, training plan and records, audit programme, checklist,
    findings and corrective actions, surveillance plan. Time-based flags use ``today``."""
    def refs(register: Register) -> dict[str, list[str]]:
        return _ref_ids(register, assessment, catalogs)

    writer.add_table(DOCUMENTS_SHEET, document_columns(refs(DOCUMENTS)),
                     _by_id(programme.document_rows(assessment)), freeze="C2", fit_rows=True)
    writer.add_table(TRAINING_SHEET, training_plan_columns(catalogs),
                     _by_id(assessment.records(TRAINING)), freeze="C2", fit_rows=True)
    add_training_records(writer, assessment, catalogs, today, refs(ASSIGNMENTS))
    writer.add_table(AUDITS_SHEET, audit_columns(refs(AUDITS)), audit_rows(assessment, catalogs),
                     freeze="C2", fit_rows=True)
    writer.add_table(CHECKLIST_SHEET, checklist_columns(refs(CHECKLIST)),
                     checklist_rows(assessment), freeze="B2", fit_rows=True)
    writer.add_table(FINDINGS_SHEET, finding_columns(refs(FINDINGS)),
                     _by_id(programme.finding_rows(assessment, today)), freeze="B2",
                     fit_rows=True)
    writer.add_table(SURVEILLANCE_SHEET, SURVEILLANCE_COLUMNS,
                     programme.surveillance_plan(assessment, today), freeze="A2", fit_rows=True)


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


PROGRAMME_SHEETS = (
    (DOCUMENTS_SHEET, "Document register (7.5): every ISMS document with its clause or control "
                      "reference, owner, version, what must change for AI and how many of those "
                      "changes are done, status, next review, approval and linked evidence "
                      "(Step 5)."),
    (TRAINING_SHEET, "Training modules (7.2, 7.3, A.6.3): audience roles, topics, hours, "
                     "frequency, linked controls and the evaluation of each module's "
                     "effectiveness (Step 6)."),
    (RECORDS_SHEET, "Training records: per person and module the due and completion dates, "
                    "result, evidence and state on the export date (Done, Due, Overdue), with "
                    "the person's name, role and team; below the table, completion by module "
                    "and by team and the people register with their counts (Step 6)."),
    (AUDITS_SHEET, "Internal audit programme (9.2): scope (AI systems, controls, clauses), "
                   "criteria, lead auditor and team, planned dates, status, the independence "
                   "check, checklist progress and open findings (Step 7)."),
    (CHECKLIST_SHEET, "Audit checklist: per control or clause the audit question, evidence "
                      "expected, result, objective evidence seen, notes and the findings raised "
                      "(Step 7)."),
    (FINDINGS_SHEET, "Nonconformities and corrective actions (10.2): grade, requirement, "
                     "statement, objective evidence, correction, root cause, corrective action, "
                     "owner, due date, status, effectiveness check, closure, and actions overdue "
                     "on the export date (Step 7)."),
    (SURVEILLANCE_SHEET, "Certification-body surveillance and recertification audits from the "
                         "certificate dates (Step 1), with the planned internal audits, in date "
                         "order (Step 7)."),
)


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
    *STEP4_SHEETS,
    *PROGRAMME_SHEETS,
    (LISTS_SHEET, "Hidden: the values offered by the drop-downs of the register sheets."),
)

SOA_ONLY_SHEETS = (
    *((name, _STEP4[name]) for name in (SOA_SHEET, CLAUSES_SHEET, MAPPING_SHEET, GAPS_SHEET)),
    (LISTS_SHEET, "Hidden: the values offered by the drop-downs of the sheets."),
)
"""The stand-alone SoA workbook (``only="soa"``); evidence is named by ID in the SoA."""


@functools.lru_cache(maxsize=1)
def _bundled_catalogs() -> Any:
    from .catalogs import load_catalogs

    return load_catalogs()


def build_workbook(assessment: Assessment, today: _dt.date, catalogs: Any = None,
                   evidence_base: Path | None = None, only: str | None = None) -> WorkbookWriter:
    if only not in (None, *ONLY_CHOICES):
        raise ExportError(f"Unknown export {only!r}: choose one of {', '.join(ONLY_CHOICES)}.")
    # without catalogs, the bundled ones serve the whole workbook (the SoA sheets cannot do
    # without them, and reference columns such as the threat get their drop-downs)
    if catalogs is None:
        catalogs = _bundled_catalogs()
    rows = soa.soa_rows(assessment, catalogs)
    gaps = soa.gaps(assessment, catalogs, today)
    version = str(assessment.meta.get("document_version") or "0.1")
    title = ("Statement of Applicability" if only == "soa"
             else "AI extension of the ISMS: assessment workbook")
    control = document_control(assessment, today, title)
    control.extra = [("SoA version", version), *soa_summary(rows, gaps)]
    if only != "soa":
        control.extra += programme_summary(assessment, today)
    writer = WorkbookWriter(control)
    if only == "soa":
        writer.add_cover(SOA_ONLY_SHEETS)
        add_soa_sheets(writer, assessment, catalogs, rows, gaps, today, evidence_base,
                       with_evidence=False)
        return writer
    method = assessment.risk_method
    writer.add_cover(SHEETS)
    writer.add_pairs("Scope", scope_pairs(assessment))
    writer.add_table(AI_SYSTEMS.sheet, register_columns(AI_SYSTEMS),
                     register_rows(assessment, AI_SYSTEMS))
    writer.add_table(ASSETS.sheet, register_columns(ASSETS), register_rows(assessment, ASSETS))
    add_risk_method(writer, method)
    writer.add_table(RISKS.sheet,
                     register_columns(RISKS, method, _ref_ids(RISKS, assessment, catalogs)),
                     register_rows(assessment, RISKS), freeze="C2")
    add_heatmap(writer, assessment)
    add_soa_sheets(writer, assessment, catalogs, rows, gaps, today, evidence_base,
                   with_evidence=True)
    add_programme_sheets(writer, assessment, catalogs, today)
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
