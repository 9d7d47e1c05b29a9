"""The Step 2 and Step 3 sheets of the assessment workbook, reloaded with openpyxl.

AI Assets, Risk Method, Risk Register and Heatmap: headers from the register declarations,
rows, drop-downs fed from the Lists sheet (choices and 1..N ratings from the risk method),
conditional formatting of levels and scores per band, the method written out as data, heatmap
counts, and formula injection through a risk title.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from aigov_tui.core import scoring
from aigov_tui.core.catalogs import load_catalogs
from aigov_tui.core.demo import build_scope_demo
from aigov_tui.core.export import SHEETS, export_workbook, register_columns
from aigov_tui.core.model import Assessment, add_record, set_plan_approval, set_risk_method
from aigov_tui.core.registers import ASSETS, RISKS
from aigov_tui.core.xlsx import (
    FORMULA_TRIGGERS,
    PALETTE,
    VALIDATION_ROWS,
    Column,
    DocumentControl,
    Highlight,
    WorkbookWriter,
)

TODAY = dt.date(2026, 11, 30)
SHEET_ORDER = ["Cover", "Scope", "AI Systems", "AI Assets", "Risk Method", "Risk Register",
               "Heatmap", "SoA", "Mandatory Clauses", "Control Mapping", "Evidence Register",
               "Gaps", "Document Register", "Training Plan", "Training Records",
               "Audit Programme", "Audit Checklist", "Findings & CAPA", "Surveillance Plan",
               "Lists"]
_LIST_REF = re.compile(r"^(?:'Lists'|Lists)!\$([A-Z]+)\$2:\$\1\$(\d+)$")


# -- helpers ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs()


def asset(**overrides) -> dict:
    values = {"name": "Test asset", "type": "Model", "ai_systems": ["SYS-001"],
              "owner": "Head of Data Science", "classification": "Confidential",
              "confidentiality": 4, "integrity": 4, "availability": 3, "personal_data": "Yes"}
    values.update(overrides)
    return values


def risk(**overrides) -> dict:
    """A valid risk (Modify with a planned control); tests override what they care about."""
    values = {"title": "Test risk", "scenario": "An attacker does something to an AI asset.",
              "category": "Inference security", "threat": "LLM01", "risk_owner": "CISO",
              "inherent_likelihood": 3, "inherent_impact": 3, "treatment": "Modify",
              "planned_27001": ["A.8.24"]}
    values.update(overrides)
    return values


def export(assessment: Assessment, out: Path) -> tuple[Path, openpyxl.Workbook]:
    path = export_workbook(assessment, out, today=TODAY)
    return path, openpyxl.load_workbook(path)


def header_index(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value is not None}


def row_of(ws, record_id: str) -> int:
    for cell in ws["A"]:
        if cell.value == record_id:
            return cell.row
    raise AssertionError(f"no row {record_id!r} in {ws.title}")


def find(ws, text: str, col: int | None = None):
    """The first cell holding exactly ``text`` (optionally in one column)."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text and (col is None or cell.column == col):
                return cell
    raise AssertionError(f"no cell {text!r} in {ws.title}")


def block_below(ws, title: str) -> list[list[object]]:
    """The rows of the small table under a block title (header row first), up to a blank row."""
    top = find(ws, title, col=1).row + 1
    rows = []
    r = top
    while ws.cell(r, 1).value is not None:
        width = 1
        while ws.cell(top, width + 1).value is not None:
            width += 1
        rows.append([ws.cell(r, j).value for j in range(1, width + 1)])
        r += 1
    return rows


def read_grid(ws, corner_row: int, corner_col: int) -> dict[tuple[int, int], openpyxl.cell.Cell]:
    """(likelihood, impact) -> cell; the numbers come from the axis labels ('5 Almost certain')."""
    impacts = {}
    j = corner_col + 1
    while ws.cell(corner_row, j).value is not None:
        impacts[j] = int(str(ws.cell(corner_row, j).value).split(" ", 1)[0])
        j += 1
    cells = {}
    for r in range(corner_row + 1, corner_row + 1 + len(impacts)):  # the matrix is square
        likelihood = int(str(ws.cell(r, corner_col).value).split(" ", 1)[0])
        for j, impact in impacts.items():
            cells[(likelihood, impact)] = ws.cell(r, j)
    assert ws.cell(corner_row + 1 + len(impacts), corner_col + 1).value is None  # nothing more
    return cells


def grid_under(ws, title: str) -> dict[tuple[int, int], openpyxl.cell.Cell]:
    cell = find(ws, title)
    corner = ws.cell(cell.row + 1, cell.column)
    assert corner.value == "Likelihood \\ Impact"
    return read_grid(ws, corner.row, corner.column)


def fill_rgb(cell) -> str:
    return str(cell.fill.fgColor.rgb)[-6:]


def validations_by_column(ws) -> dict[str, list]:
    out: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            letter = str(rng).split(":")[0].rstrip("0123456789")
            out.setdefault(letter, []).append(dv)
    return out


def list_values(wb, dv) -> tuple:
    m = _LIST_REF.match(dv.formula1)
    assert m, dv.formula1
    col, last = m.group(1), int(m.group(2))
    lists = wb["Lists"]
    assert lists[f"{col}{last + 1}"].value is None  # the range holds the whole list, no more
    return tuple(lists[f"{col}{r}"].value for r in range(2, last + 1))


def rules_by_column(ws) -> dict[str, list]:
    out: dict[str, list] = {}
    for cf in ws.conditional_formatting:
        for rng in cf.sqref.ranges:
            letter = str(rng).split(":")[0].rstrip("0123456789")
            out.setdefault(letter, []).extend(cf.rules)
            assert str(rng) == f"{letter}2:{letter}{VALIDATION_ROWS + 1}", str(rng)
    return out


def four_by_four(catalogs) -> dict:
    return scoring.preset(catalogs.risk_methods["simple_4x4"])


@pytest.fixture
def assessed(catalogs) -> Assessment:
    """The demo with assets and risks covering every case the sheets show."""
    a = build_scope_demo(TODAY)
    ast1 = add_record(a, ASSETS, asset(name="Fraud model v7", ai_systems=["SYS-001"]), catalogs)
    ast2 = add_record(a, ASSETS, asset(name="Support assistant endpoint",
                                       type="Inference endpoint or API",
                                       ai_systems=["SYS-002", "SYS-003"]), catalogs)
    add_record(a, ASSETS, asset(name="Help-centre vector store", type="Feature or vector store",
                                ai_systems=[], classification="Internal", personal_data="No"),
               catalogs)
    # Critical inherent, treated down to Medium (at the threshold: no sign-off needed)
    add_record(a, RISKS, risk(title="Prompt injection in the support assistant",
                              assets=[ast2["id"]], ai_systems=["SYS-002"],
                              impact_dimensions=["Confidentiality", "Privacy"],
                              inherent_likelihood=4, inherent_impact=4,
                              residual_likelihood=2, residual_impact=3,
                              planned_42001=["A.6.2.4"]), catalogs)
    # same inherent cell, residual still High: the risk owner has accepted it
    add_record(a, RISKS, risk(title="Model extraction through the scoring API", threat="ML05",
                              category="Model protection", assets=[ast1["id"]],
                              inherent_likelihood=4, inherent_impact=4,
                              residual_likelihood=3, residual_impact=4,
                              accepted_by="Head of Financial Crime", accepted_on="2026-11-20"),
               catalogs)
    # retained: acceptance always required
    add_record(a, RISKS, risk(title="Vendor model drift", category="Supply chain",
                              inherent_likelihood=2, inherent_impact=2, treatment="Retain",
                              planned_27001=[], accepted_by="VP Engineering",
                              accepted_on="2026-11-21"), catalogs)
    # no residual rating yet
    add_record(a, RISKS, risk(title="Poisoned fine-tuning data", category="Training data security",
                              threat="ML02", inherent_likelihood=5, inherent_impact=5,
                              accepted_by="CISO", accepted_on="2026-11-22"), catalogs)
    return a


@pytest.fixture
def book(assessed, tmp_path):
    _, wb = export(assessed, tmp_path)
    return assessed, wb


# -- sheet set and cover ------------------------------------------------------------------
def test_sheets_are_built_in_order_with_the_lists_sheet_hidden_last(book):
    _, wb = book
    assert wb.sheetnames == SHEET_ORDER
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "hidden"] == ["Lists"]


def test_cover_describes_every_sheet(book):
    _, wb = book
    listed = {row[0].value: row[1].value for row in wb["Cover"].iter_rows(min_col=1, max_col=2)
              if row[0].value}
    for name in SHEET_ORDER[1:]:
        assert listed.get(name), name
    assert [name for name, _ in SHEETS] == SHEET_ORDER[1:]


def test_every_new_sheet_prints_with_the_workbook_conventions(book):
    _, wb = book
    for name in ("AI Assets", "Risk Method", "Risk Register", "Heatmap"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape", name
        assert ws.oddHeader.left.text == "Confidential", name
        assert ws.oddFooter.right.text == "Page &P of &N", name
    for name in ("AI Assets", "Risk Register"):
        assert wb[name].print_title_rows.replace("$", "") == "1:1"


# -- AI Assets ----------------------------------------------------------------------------------
def test_asset_headers_come_from_the_declaration(book):
    _, wb = book
    ws = wb["AI Assets"]
    expected = [c.header for c in register_columns(ASSETS)]
    assert expected == ["Asset ID"] + [f.export_header for f in ASSETS.export_fields]
    assert [c.value for c in ws[1]] == expected
    assert ws.max_column == len(expected)
    assert ws.freeze_panes == "B2"


def test_one_asset_row_per_asset_in_id_order_with_refs_as_comma_separated_ids(book):
    a, wb = book
    ws = wb["AI Assets"]
    ids = [row[0].value for row in ws.iter_rows(min_row=2)]
    assert ids == [r["id"] for r in a.records(ASSETS)]
    assert len(ids) == 3
    cols = header_index(ws)
    r = row_of(ws, ids[1])
    assert ws.cell(r, cols["AI systems"]).value == "SYS-002, SYS-003"
    assert ws.cell(r, cols["Asset type"]).value == "Inference endpoint or API"
    assert ws.cell(r, cols["Confidentiality"]).value == 4
    assert ws.cell(row_of(ws, ids[2]), cols["AI systems"]).value is None  # no link: empty cell


def test_asset_choice_columns_have_drop_downs_with_their_values(book):
    _, wb = book
    ws = wb["AI Assets"]
    by_col = validations_by_column(ws)
    for j, col in enumerate(register_columns(ASSETS), start=1):
        letter = get_column_letter(j)
        if col.kind == "choice":
            (dv,) = by_col[letter]
            assert list_values(wb, dv) == col.choices, col.header
        else:
            assert letter not in by_col, col.header


# -- Risk Register ------------------------------------------------------------------------------
def test_risk_headers_come_from_the_declaration(book):
    _, wb = book
    ws = wb["Risk Register"]
    expected = [c.header for c in register_columns(RISKS)]
    assert expected == ["Risk ID"] + [f.export_header for f in RISKS.export_fields]
    assert [c.value for c in ws[1]] == expected
    assert ws.freeze_panes == "C2"  # ID and title stay visible


def test_inherent_and_residual_columns_sit_side_by_side(book):
    _, wb = book
    cols = header_index(wb["Risk Register"])
    run = ["Inherent likelihood", "Inherent impact", "Inherent score", "Inherent level",
           "Residual likelihood", "Residual impact", "Residual score", "Residual level"]
    positions = [cols[h] for h in run]
    assert positions == list(range(positions[0], positions[0] + len(run)))


def test_one_risk_row_per_risk_with_scores_levels_and_refs(book):
    a, wb = book
    ws = wb["Risk Register"]
    assert [row[0].value for row in ws.iter_rows(min_row=2)] == [r["id"] for r in a.records(RISKS)]
    cols = header_index(ws)
    first = a.records(RISKS)[0]
    r = row_of(ws, first["id"])
    assert ws.cell(r, cols["Inherent likelihood"]).value == 4
    assert ws.cell(r, cols["Inherent score"]).value == 16
    assert ws.cell(r, cols["Inherent level"]).value == "Critical"  # the text, not colour alone
    assert ws.cell(r, cols["Residual score"]).value == 6
    assert ws.cell(r, cols["Residual level"]).value == "Medium"
    assert ws.cell(r, cols["Affected assets"]).value == first["assets"][0]
    assert ws.cell(r, cols["Planned ISO 27001 controls"]).value == "A.8.24"
    assert ws.cell(r, cols["Impact dimensions"]).value == "Confidentiality; Privacy"
    assert ws.cell(r, cols["Threat"]).value == "LLM01"
    unrated = a.records(RISKS)[3]
    r = row_of(ws, unrated["id"])
    assert ws.cell(r, cols["Residual score"]).value is None
    assert ws.cell(r, cols["Residual level"]).value is None
    assert ws.cell(row_of(ws, a.records(RISKS)[1]["id"]), cols["Accepted on"]).value \
        == dt.datetime(2026, 11, 20)


def test_every_row_says_how_its_residual_risk_is_accepted(assessed, tmp_path):
    # ISO 27001 6.1.3 f: individual acceptance above the threshold or for Retain; every other
    # residual risk with the treatment plan's approval, recorded once and named on each row
    _, wb = export(assessed, tmp_path / "before")
    ws = wb["Risk Register"]
    cols = header_index(ws)
    col = cols["Residual risk acceptance"]
    assert col == cols["Accepted on"] + 1
    risks = assessed.records(RISKS)
    said = {r["id"]: ws.cell(row_of(ws, r["id"]), col).value for r in risks}
    assert said[risks[0]["id"]] == "Accepted with the treatment plan, which is not yet approved"
    assert said[risks[1]["id"]] == "Individually accepted by Head of Financial Crime on 2026-11-20"
    assert said[risks[2]["id"]] == "Individually accepted by VP Engineering on 2026-11-21"
    assert said[risks[3]["id"]] == "Individually accepted by CISO on 2026-11-22"
    facts = {row[0].value: row[1].value for row in wb["Risk Method"].iter_rows(max_col=2)}
    assert facts["Treatment plan approved by (risk owner)"] == "Not yet approved"
    assert "6.1.3 f" in facts["Acceptance rule"] and "treatment plan" in facts["Acceptance rule"]

    assert set_plan_approval(assessed, "Dana Reyes", "2026-11-25") == {}
    _, wb = export(assessed, tmp_path / "after")
    ws = wb["Risk Register"]
    assert ws.cell(row_of(ws, risks[0]["id"]), col).value == (
        "Accepted with the treatment plan approved by Dana Reyes on 2026-11-25")
    assert ws.cell(row_of(ws, risks[1]["id"]), col).value.startswith("Individually accepted")
    facts = {row[0].value: row[1].value for row in wb["Risk Method"].iter_rows(max_col=2)}
    assert facts["Treatment plan approved by (risk owner)"] == "Dana Reyes"
    assert facts["Treatment plan approved on"] == "2026-11-25"


def test_acceptance_is_worked_out_at_export_even_for_rows_saved_without_it(assessed, tmp_path):
    set_plan_approval(assessed, "Dana Reyes", "2026-11-25")
    first = assessed.records(RISKS)[0]
    first.pop("acceptance")  # a file saved before the column existed
    _, wb = export(assessed, tmp_path)
    ws = wb["Risk Register"]
    assert ws.cell(row_of(ws, first["id"]), header_index(ws)["Residual risk acceptance"]).value \
        == "Accepted with the treatment plan approved by Dana Reyes on 2026-11-25"


def _check_risk_validations(wb, n: int) -> None:
    ws = wb["Risk Register"]
    by_col = validations_by_column(ws)
    seen = set()
    fields = [None] + RISKS.export_fields  # the ID column, then the declaration's order
    for j, (col, field) in enumerate(zip(register_columns(RISKS), fields), start=1):
        letter = get_column_letter(j)
        if field is None:
            assert letter not in by_col
            continue
        assert col.header == field.export_header
        if field.kind.value == "choice":
            (dv,) = by_col[letter]
            assert list_values(wb, dv) == field.choices, col.header
            seen.add(col.header)
        elif field.kind.value == "scale":
            (dv,) = by_col[letter]
            assert dv.type == "list" and dv.showErrorMessage
            assert f"{letter}{VALIDATION_ROWS + 1}" in dv.sqref and f"{letter}1" not in dv.sqref
            values = list_values(wb, dv)
            assert values == tuple(range(1, n + 1)), col.header  # numbers, not text
            assert dv.prompt.startswith("1 "), col.header  # says what each rating means
            seen.add(col.header)
        elif field.kind.value == "ref":
            # without catalogs passed in, the bundled ones give the threat its drop-down
            (dv,) = by_col[letter]
            assert set(list_values(wb, dv)) == set(load_catalogs().threats), col.header
            seen.add(col.header)
        else:
            assert letter not in by_col, col.header
    assert seen == {"AI risk category", "Treatment option", "Treatment status", "Threat",
                    "Inherent likelihood", "Inherent impact",
                    "Residual likelihood", "Residual impact"}


def test_choice_and_rating_columns_have_drop_downs_5x5(book):
    _, wb = book
    _check_risk_validations(wb, 5)


def test_rating_drop_downs_follow_a_4x4_method(assessed, catalogs, tmp_path):
    set_risk_method(assessed, four_by_four(catalogs))
    _, wb = export(assessed, tmp_path)
    _check_risk_validations(wb, 4)
    prompt = validations_by_column(wb["Risk Register"])[
        get_column_letter(header_index(wb["Risk Register"])["Inherent likelihood"])][0].prompt
    assert prompt == "1 Unlikely, 2 Possible, 3 Likely, 4 Almost certain"


def _check_conditional_formatting(wb, method: dict) -> None:
    ws = wb["Risk Register"]
    cols = header_index(ws)
    rules = rules_by_column(ws)
    bands = method["bands"]
    for header in ("Inherent level", "Residual level"):
        found = rules[get_column_letter(cols[header])]
        assert len(found) == len(bands), header
        for rule, band in zip(found, bands):
            assert (rule.type, rule.operator) == ("cellIs", "equal")
            assert rule.formula == [f'"{band["level"]}"']
            assert str(rule.dxf.fill.fgColor.rgb)[-6:] == PALETTE[band["colour"]][0]
            assert str(rule.dxf.font.color.rgb)[-6:] == PALETTE[band["colour"]][1]
    for header in ("Inherent score", "Residual score"):
        found = rules[get_column_letter(cols[header])]
        assert [(r.operator, r.formula) for r in found] == [
            ("between", [str(b["min"]), str(b["max"])]) for b in bands]
    # nothing else is coloured conditionally
    assert set(rules) == {get_column_letter(cols[h]) for h in (
        "Inherent level", "Residual level", "Inherent score", "Residual score")}


def test_level_and_score_columns_are_coloured_per_band(book):
    a, wb = book
    _check_conditional_formatting(wb, a.risk_method)


def test_conditional_formatting_follows_a_4x4_method(assessed, catalogs, tmp_path):
    set_risk_method(assessed, four_by_four(catalogs))
    _, wb = export(assessed, tmp_path)
    _check_conditional_formatting(wb, assessed.risk_method)


# -- Risk Method --------------------------------------------------------------------------------
def _check_method_sheet(wb, method: dict) -> None:
    ws = wb["Risk Method"]
    facts = {}
    r = find(ws, "Item", col=1).row + 1
    while ws.cell(r, 1).value is not None:
        facts[ws.cell(r, 1).value] = ws.cell(r, 2).value
        r += 1
    n = len(method["likelihood"])
    assert facts["Method ID"] == method["id"]
    assert facts["Matrix size"] == f"{n}×{n}"
    assert facts["Acceptance threshold"] == method["acceptance_threshold"]
    assert method["acceptance_threshold"] in facts["Acceptance rule"]

    assert block_below(ws, "Likelihood scale") == [["Value", "Label"]] + [
        [i, label] for i, label in enumerate(method["likelihood"], start=1)]
    assert block_below(ws, "Impact scale") == [["Value", "Label"]] + [
        [i, label] for i, label in enumerate(method["impact"], start=1)]
    bands = block_below(ws, "Level bands")
    assert bands[0] == ["Level", "From score", "To score", "Colour",
                        "Above threshold: individual acceptance needed"]
    threshold = [b["level"] for b in method["bands"]].index(method["acceptance_threshold"])
    assert bands[1:] == [[b["level"], b["min"], b["max"], b["colour"],
                          "Yes" if i > threshold else "No"]
                         for i, b in enumerate(method["bands"])]
    title = find(ws, "Level bands", col=1)
    for i, b in enumerate(method["bands"]):
        assert fill_rgb(ws.cell(title.row + 2 + i, 1)) == PALETTE[b["colour"]][0]

    corner = find(ws, "Likelihood \\ Impact")
    grid = read_grid(ws, corner.row, corner.column)
    assert len(grid) == n * n
    # highest likelihood at the top, impact 1..n across; labels from the method
    assert ws.cell(corner.row + 1, corner.column).value == f"{n} {method['likelihood'][-1]}"
    assert ws.cell(corner.row, corner.column + 1).value == f"1 {method['impact'][0]}"
    for (li, im), cell in grid.items():
        s = li * im
        assert cell.value == f"{s} {scoring.level(method, li, im)}"
        assert fill_rgb(cell) == PALETTE[scoring.band(method, s)["colour"]][0]


def test_risk_method_sheet_holds_the_method_as_data(book):
    a, wb = book
    _check_method_sheet(wb, a.risk_method)


@pytest.mark.parametrize("method_id", ["simple_4x4", "simple_3x3"])
def test_risk_method_sheet_follows_a_changed_method(method_id, assessed, catalogs, tmp_path):
    method = scoring.preset(catalogs.risk_methods[method_id])
    set_risk_method(assessed, method)
    _, wb = export(assessed, tmp_path)
    _check_method_sheet(wb, method)


def test_edited_labels_and_colours_reach_the_method_sheet(assessed, tmp_path):
    method = scoring.default_method()
    method["likelihood"][0] = "Very rare"
    method["bands"][3]["colour"] = "purple"
    method["acceptance_threshold"] = "High"
    set_risk_method(assessed, method)
    _, wb = export(assessed, tmp_path)
    _check_method_sheet(wb, method)
    _check_conditional_formatting(wb, method)


# -- Heatmap -------------------------------------------------------------------------------------
def _check_heatmap(wb, a: Assessment) -> None:
    ws = wb["Heatmap"]
    method = a.risk_method
    n = scoring.size(method)
    risks = a.records(RISKS)
    for part in ("inherent", "residual"):
        expected = Counter((r[f"{part}_likelihood"], r[f"{part}_impact"]) for r in risks
                           if r.get(f"{part}_likelihood") is not None)
        grid = grid_under(ws, f"{part.capitalize()} risk")
        assert len(grid) == n * n, part
        counts = {k: c.value for k, c in grid.items() if c.value}
        assert counts == dict(expected), part
        for (li, im), cell in grid.items():
            assert cell.value in (None, expected.get((li, im))), (part, li, im)
            assert fill_rgb(cell) == PALETTE[scoring.band(method, li * im)["colour"]][0]
    # the IDs behind each non-empty cell
    ids = block_below(ws, "Cell → risk IDs")
    assert ids[0] == ["Assessment", "Likelihood", "Impact", "Level", "Risks", "Risk IDs"]
    listed = {(row[0], int(row[1].split()[0]), int(row[2].split()[0])): row[5].split(", ")
              for row in ids[1:]}
    for part in ("inherent", "residual"):
        for r in risks:
            key = (part.capitalize(), r.get(f"{part}_likelihood"), r.get(f"{part}_impact"))
            if key[1] is not None:
                assert r["id"] in listed[key]
    assert sum(len(v) for v in listed.values()) == sum(
        1 for part in ("inherent", "residual") for r in risks if r.get(f"{part}_likelihood"))


def test_heatmap_counts_risks_per_cell_inherent_and_residual(book):
    a, wb = book
    _check_heatmap(wb, a)
    ws = wb["Heatmap"]
    assert grid_under(ws, "Inherent risk")[(4, 4)].value == 2
    assert grid_under(ws, "Residual risk")[(4, 4)].value is None
    # the risk without a residual rating is said, not silently dropped
    notes = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert "Risks counted: 4." in notes  # inherent
    assert "Risks counted: 2; without a residual rating: 2." in notes


def test_heatmap_follows_a_4x4_method(assessed, catalogs, tmp_path):
    set_risk_method(assessed, four_by_four(catalogs))
    _, wb = export(assessed, tmp_path)
    _check_heatmap(wb, assessed)
    ws = wb["Heatmap"]
    corner = find(ws, "Residual risk")
    assert ws.cell(corner.row + 2, corner.column).value == "4 Almost certain"


def test_grids_sit_side_by_side(book):
    _, wb = book
    ws = wb["Heatmap"]
    inherent, residual = find(ws, "Inherent risk"), find(ws, "Residual risk")
    assert inherent.row == residual.row
    assert residual.column > inherent.column + 5  # past the five impact columns


def test_empty_assessment_exports_the_risk_sheets(tmp_path):
    _, wb = export(Assessment.new("Empty Ltd"), tmp_path)
    assert wb.sheetnames == SHEET_ORDER
    assert wb["Risk Register"].max_row <= 2
    assert [c.value for c in wb["Risk Register"][1]] == [c.header for c in register_columns(RISKS)]
    grid = grid_under(wb["Heatmap"], "Inherent risk")
    assert len(grid) == 25 and all(c.value is None for c in grid.values())
    find(wb["Heatmap"], "No risk is rated yet.")


# -- injection -----------------------------------------------------------------------------------
PAYLOADS = ['=HYPERLINK("http://evil","x")', "=1+1", "+1+1", "-2+3", "@SUM(A1)",
            "=cmd|' /C calc'!A0", "#N/A"]


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_injection_in_a_risk_and_an_asset_comes_back_as_text(payload, assessed, catalogs, tmp_path):
    r = add_record(assessed, RISKS, risk(title=payload, scenario=payload, risk_owner=payload),
                   catalogs)
    a = add_record(assessed, ASSETS, asset(name=payload, notes=payload), catalogs)
    _, wb = export(assessed, tmp_path)
    checks = (("Risk Register", r, ("Risk title", "Risk scenario", "Risk owner")),
              ("AI Assets", a, ("Name", "Notes")))
    for sheet, record, headers in checks:
        ws = wb[sheet]
        cols = header_index(ws)
        for header in headers:
            cell = ws.cell(row_of(ws, record["id"]), cols[header])
            assert cell.data_type == "s", (sheet, header)
            assert cell.value == payload, (sheet, header)
            assert cell.quotePrefix is payload.startswith(FORMULA_TRIGGERS)
    assert not [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows()
                for c in row if c.data_type in ("f", "e")]


def test_hostile_method_labels_stay_text(assessed, tmp_path):
    method = scoring.default_method()
    method["likelihood"][4] = "=1+1"
    method["bands"][2]["level"] = 'Hi "gh"'
    method["acceptance_threshold"] = 'Hi "gh"'
    set_risk_method(assessed, method)
    _, wb = export(assessed, tmp_path)
    assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type in ("f", "e")]
    ws = wb["Risk Method"]
    label = find(ws, "=1+1")
    assert label.data_type == "s" and label.quotePrefix
    rules = rules_by_column(wb["Risk Register"])
    col = get_column_letter(header_index(wb["Risk Register"])["Inherent level"])
    assert '"Hi ""gh"""' in [rule.formula[0] for rule in rules[col]]  # quotes doubled


# -- the framework pieces on their own ----------------------------------------------------------
def _control() -> DocumentControl:
    return DocumentControl(title="T", organisation="Acme", version="1", date=TODAY, owner="CISO",
                           classification="Internal", frameworks=["ISO/IEC 27001:2022"])


def test_refs_columns_join_with_commas_and_multichoice_with_semicolons(tmp_path):
    writer = WorkbookWriter(_control())
    writer.add_table("Data", [Column("Refs", lambda r: r["a"], kind="refs"),
                              Column("Picks", lambda r: r["b"], kind="multichoice")],
                     [{"a": ["AST-001", "AST-002"], "b": ["C", "I"]}])
    wb = openpyxl.load_workbook(writer.save(tmp_path / "refs.xlsx"))
    assert wb["Data"]["A2"].value == "AST-001, AST-002"
    assert wb["Data"]["B2"].value == "C; I"


def test_integer_lists_share_one_range_and_stay_numbers(tmp_path):
    writer = WorkbookWriter(_control())
    cols = [Column(h, lambda r: r["v"], kind="integer", choices=(1, 2, 3), list_name="Rating")
            for h in ("A rating", "B rating")]
    writer.add_table("Data", cols, [{"v": 2}])
    wb = openpyxl.load_workbook(writer.save(tmp_path / "ints.xlsx"))
    dvs = wb["Data"].data_validations.dataValidation
    assert len(dvs) == 2 and dvs[0].formula1 == dvs[1].formula1
    assert list_values(wb, dvs[0]) == (1, 2, 3)
    assert wb["Lists"]["A2"].data_type == "n"
    assert wb["Data"]["A2"].value == 2 and wb["Data"]["A2"].data_type == "n"


def test_highlight_needs_a_value_or_a_range():
    with pytest.raises(ValueError):
        Highlight("red").rule()
    assert Highlight("red", low=1, high=4).rule().formula == ["1", "4"]


def test_incomplete_and_off_matrix_risks_are_exported_and_said_on_the_heatmap(assessed, catalogs,
                                                                            tmp_path):
    # suggestions a person completes later are kept with their problems (strict=False)
    draft = add_record(assessed, RISKS, {"title": "Suggested: model theft"}, catalogs, strict=False)
    odd = add_record(assessed, RISKS, risk(title="Rated on an old scale", inherent_likelihood=7,
                                           inherent_impact=2), catalogs, strict=False)
    _, wb = export(assessed, tmp_path)
    ws = wb["Risk Register"]
    cols = header_index(ws)
    assert ws.cell(row_of(ws, draft["id"]), cols["Inherent level"]).value is None
    assert ws.cell(row_of(ws, odd["id"]), cols["Inherent score"]).value == 14
    notes = [str(c.value) for row in wb["Heatmap"].iter_rows() for c in row if c.value]
    assert ("Risks counted: 4; without an inherent rating: 1; rated outside this 5×5 matrix: 1."
            in notes)


def test_threat_column_has_a_drop_down_of_catalog_ids(tmp_path):
    """With the catalogs, the single-reference threat column offers the catalog's IDs."""
    import datetime as dt

    from openpyxl import load_workbook

    from aigov_tui.core.catalogs import load_catalogs
    from aigov_tui.core.demo import build_scope_demo
    from aigov_tui.core.export import export_workbook

    cats = load_catalogs()
    path = export_workbook(build_scope_demo(), tmp_path, today=dt.date(2026, 11, 30), catalogs=cats)
    wb = load_workbook(path)
    ws = wb["Risk Register"]
    headers = [c.value for c in ws[1]]
    letter = ws.cell(1, headers.index("Threat") + 1).column_letter
    dv = next(v for v in ws.data_validations.dataValidation if f"{letter}2" in str(v.sqref))
    ref = dv.formula1.split("!")[1].replace("$", "")
    col = "".join(ch for ch in ref.split(":")[0] if ch.isalpha())
    values = [c.value for c in wb["Lists"][col][1:] if c.value]
    assert set(values) == set(cats.threats)
