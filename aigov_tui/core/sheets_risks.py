"""Step 3: the risk method as data, the risk register and the heatmap."""

from __future__ import annotations

import dataclasses
from typing import Any

from openpyxl.styles import Alignment

from . import scoring
from .model import Assessment
from .registers import RISKS
from .sheets import (LEVEL_KEYS, RISK_PARTS, SCORE_KEYS, Build, Layout, Sheet,  # noqa: F401
                     level_highlights, register_columns, register_rows, scale_prompt,
                     score_highlights)
from .xlsx import WorkbookWriter, paint, set_text

RISK_METHOD_SHEET = "Risk Method"
HEATMAP_SHEET = "Heatmap"


def axis_labels(method: dict[str, Any], axis: str) -> list[str]:
    """'1 Rare', '2 Unlikely', ... for a matrix axis."""
    return [f"{i} {label}" for i, label in enumerate(method.get(axis) or [], start=1)]


def band_colour(method: dict[str, Any], likelihood: int, impact: int) -> str | None:
    b = scoring.band(method, scoring.score(likelihood, impact))
    return b.get("colour") if b else None


def _threshold_text(method: dict[str, Any]) -> str:
    threshold = method.get("acceptance_threshold") or "(not set)"
    return (f"ISO/IEC 27001 6.1.3 f: the risk owners approve the treatment plan and accept every "
            f"residual risk. A risk whose remaining level (residual, or inherent until the "
            f"residual risk is rated) is above {threshold}, or whose treatment option is Retain, "
            f"needs the risk owner's individual acceptance (name and date on the risk). Every "
            f"other residual risk is accepted by the risk owner's approval of the treatment "
            f"plan, recorded once below and named on each row of the {RISKS.sheet}.")


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
        ("Treatment plan approved by (risk owner)", scoring.plan_approval(method)[0] or "Not yet approved"),
        ("Treatment plan approved on", scoring.plan_approval(method)[1] or ""),
    ])
    for row in range(r - 9, r):  # long values run over the empty cells to their right
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
                                      "Above threshold: individual acceptance needed"), rows,
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


def risk_register_columns(method: dict[str, Any], ref_ids: dict[str, list[str]] | None = None
                          ) -> list:
    """The Risk Register's declared columns; how each residual risk is accepted (individually,
    or with the treatment plan's approval) is worked out from the method at export time, so the
    sheet is right even for risks saved before the plan was approved."""
    cols = register_columns(RISKS, method, ref_ids)
    keys = ["id"] + [f.key for f in RISKS.export_fields]
    return [dataclasses.replace(col, get=lambda r: scoring.acceptance_text(method, r))
            if key == "acceptance" else col for key, col in zip(keys, cols)]


def risk_columns(build: Build) -> list:
    return risk_register_columns(build.method, build.ref_ids(RISKS))


SHEETS = (
    Sheet(RISK_METHOD_SHEET, "The risk method as data: likelihood and impact scales, level bands "
                             "and colours, the acceptance threshold and the resulting matrix "
                             "(Step 3).", write=lambda w, b: add_risk_method(w, b.method)),
    Sheet(RISKS.sheet, "AI risk register: scenario, threat, affected assets and systems, inherent "
                       "and residual likelihood, impact, score and level side by side, treatment, "
                       "planned ISO 27001 and ISO 42001 controls, and how each residual risk is "
                       "accepted: individually above the threshold, otherwise with the treatment "
                       "plan's approval (Step 3).",
          register=RISKS, columns=risk_columns, rows=lambda b: register_rows(b.assessment, RISKS),
          freeze="C2", layout=Layout(core=1 + 17)),
    Sheet(HEATMAP_SHEET, "Number of risks per likelihood × impact cell, inherent and residual side "
                         "by side, and the risk IDs behind each cell (Step 3).",
          write=lambda w, b: add_heatmap(w, b.assessment)),
)
