"""The Step 5–7 sheets of the assessment workbook, reloaded with openpyxl.

Document Register, Training Plan, Training Records, Audit Programme, Audit Checklist,
Findings & CAPA and Surveillance Plan: sheet order, headers from the register declarations,
rows, time-based flags computed with the export date, drop-downs fed from the Lists sheet,
conditional colours, the surveillance calendar and formula injection through user text.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from aigov_tui.cli import main
from aigov_tui.core import programme, soa
from aigov_tui.core.export import (
    PROGRAMME_SHEETS,
    SHEETS,
    SURVEILLANCE_SHEET,
    export_workbook,
    register_columns,
)
from aigov_tui.core.model import add_record, update_record
from aigov_tui.core.registers import (
    ASSIGNMENT_RESULTS,
    ASSIGNMENTS,
    AUDIT_STATUS,
    AUDITS,
    CHECK_RESULTS,
    CHECKLIST,
    DOC_STATUS,
    DOCUMENTS,
    EVIDENCE,
    FINDING_GRADES,
    FINDING_STATUS,
    FINDINGS,
    FREQUENCIES,
    TRAINING,
)
from aigov_tui.core.store import Store
from aigov_tui.core.xlsx import FORMULA_TRIGGERS, PALETTE, VALIDATION_ROWS

from .conftest import build_programme_demo, catalogs

TODAY = dt.date(2026, 11, 30)
STEP4_AND_BEFORE = ["Cover", "Scope", "AI Systems", "AI Assets", "Risk Method", "Risk Register",
                    "Heatmap", "SoA", "Mandatory Clauses", "Control Mapping",
                    "Evidence Register", "Gaps"]
PROGRAMME = ["Document Register", "Training Plan", "Training Records", "Audit Programme",
             "Audit Checklist", "Findings & CAPA", "Surveillance Plan"]
_LIST_REF = re.compile(r"^(?:'Lists'|Lists)!\$([A-Z]+)\$2:\$\1\$(\d+)$")


# -- helpers ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    return build_programme_demo()


def export(assessment, out: Path, today: dt.date = TODAY, **kw) -> openpyxl.Workbook:
    path = export_workbook(assessment, out, today=today, catalogs=kw.pop("catalogs", catalogs()),
                           **kw)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def wb(demo, tmp_path_factory):
    return export(demo, tmp_path_factory.mktemp("programme"))


def headers(ws) -> list:
    return [c.value for c in ws[1]]


def col_of(ws, header: str) -> int:
    return headers(ws).index(header) + 1


def table_rows(ws) -> list[dict]:
    """The table's rows (header -> value), down to the first empty ID cell."""
    names = headers(ws)
    out = []
    for row in ws.iter_rows(min_row=2):
        if row[0].value is None:
            break
        out.append({h: c.value for h, c in zip(names, row)})
    return out


def row_by_id(ws, record_id: str) -> dict:
    for r in table_rows(ws):
        if r[headers(ws)[0]] == record_id:
            return r
    raise AssertionError(f"no row {record_id!r} in {ws.title}")


def cell_by_id(ws, record_id: str, header: str):
    for row in ws.iter_rows(min_row=2):
        if row[0].value == record_id:
            return row[col_of(ws, header) - 1]
    raise AssertionError(f"no row {record_id!r} in {ws.title}")


def drop_down(wb, ws, header: str):
    """The validation of a column and the values it offers from the Lists sheet."""
    letter = get_column_letter(col_of(ws, header))
    found = [dv for dv in ws.data_validations.dataValidation
             if any(str(rng).startswith(f"{letter}2:") for rng in dv.sqref.ranges)]
    assert len(found) == 1, (ws.title, header)
    dv = found[0]
    m = _LIST_REF.match(dv.formula1)
    assert m, dv.formula1
    col, last = m.group(1), int(m.group(2))
    lists = wb["Lists"]
    assert lists[f"{col}{last + 1}"].value is None  # the range holds the whole list, no more
    return dv, tuple(lists[f"{col}{r}"].value for r in range(2, last + 1))


def rule_colours(ws, header: str) -> dict[str, str]:
    """Conditional fills of a column: the compared text -> the fill's RGB."""
    letter = get_column_letter(col_of(ws, header))
    out = {}
    for cf in ws.conditional_formatting:
        if not any(str(rng).startswith(f"{letter}2:") for rng in cf.sqref.ranges):
            continue
        for rule in cf.rules:
            if rule.operator == "equal":
                out[rule.formula[0].strip('"')] = str(rule.dxf.fill.fgColor.rgb)[-6:]
    return out


def rgb(name: str) -> str:
    return PALETTE[name][0]


def find(ws, text: str):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell
    raise AssertionError(f"no cell {text!r} in {ws.title}")


def block_below(ws, title: str) -> list[list]:
    """The rows of a small block under a title (header row first), up to a blank row."""
    top = find(ws, title).row + 1
    width = 1
    while ws.cell(top, width + 1).value is not None:
        width += 1
    rows, r = [], top
    while ws.cell(r, 1).value is not None:
        rows.append([ws.cell(r, j).value for j in range(1, width + 1)])
        r += 1
    return rows


# -- sheet set and cover --------------------------------------------------------------------------
def test_programme_sheets_follow_step_4_and_precede_the_hidden_lists(wb):
    assert wb.sheetnames == STEP4_AND_BEFORE + PROGRAMME + ["Lists"]
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "hidden"] == ["Lists"]
    assert [name for name, _ in PROGRAMME_SHEETS] == PROGRAMME
    assert [name for name, _ in SHEETS] == STEP4_AND_BEFORE[1:] + PROGRAMME + ["Lists"]


def test_cover_lists_and_summarises_the_programme_sheets(wb):
    cover = {row[0].value: row[1].value for row in wb["Cover"].iter_rows(min_col=1, max_col=2)
             if row[0].value}
    for name in PROGRAMME:
        assert cover.get(name), name
    assert cover["Documents"].startswith("23 in the register, 0 approved or published")
    assert cover["Training"].startswith("0 of 3 records done, 2 overdue")
    assert cover["Internal audit"].startswith("1 audits, 1 findings: 1 open, 1 overdue")


def test_soa_only_workbook_is_unchanged(demo, tmp_path):
    path = export_workbook(demo, tmp_path, today=TODAY, catalogs=catalogs(), only="soa")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Cover", "SoA", "Mandatory Clauses", "Control Mapping", "Gaps",
                               "Lists"]
    labels = {row[0].value for row in book["Cover"].iter_rows(min_col=1, max_col=1)}
    assert not labels & {"Documents", "Training", "Internal audit", *PROGRAMME}


def test_programme_sheets_follow_the_workbook_conventions(wb):
    for name in PROGRAMME:
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape", name
        assert ws.print_title_rows == "$1:$1", name
        assert ws.oddHeader.left.text == "Confidential", name
        assert ws.freeze_panes in ("A2", "B2", "C2"), name
        n = len(table_rows(ws))
        last = get_column_letter(len(headers(ws)))
        assert ws.auto_filter.ref == f"A1:{last}{max(n + 1, 2)}", name  # the table only


# -- headers from the declarations ----------------------------------------------------------------
def declared(register) -> list[str]:
    return [register.id_header] + [f.export_header for f in register.export_fields]


@pytest.mark.parametrize("sheet, register, extra", [
    ("Document Register", DOCUMENTS, []),
    ("Training Plan", TRAINING, []),
    ("Audit Programme", AUDITS, ["Independence conflicts", "Checklist (audited/total)",
                                 "Findings (open/total)"]),
    ("Audit Checklist", CHECKLIST, ["Findings raised"]),
    ("Findings & CAPA", FINDINGS, []),
])
def test_register_sheet_headers_come_from_the_declaration(wb, sheet, register, extra):
    assert [c.header for c in register_columns(register)] == declared(register)
    assert headers(wb[sheet]) == declared(register) + extra
    assert register.sheet == sheet


def test_training_records_show_names_next_to_ids(wb):
    ws = wb["Training Records"]
    got = headers(ws)
    assert [h for h in got if h in declared(ASSIGNMENTS)] == declared(ASSIGNMENTS)
    person, module = got.index("Person"), got.index("Module")
    assert got[person + 1:person + 4] == ["Person name", "Role", "Team"]
    assert got[module + 1] == "Module title"
    r = row_by_id(ws, "ASG-001")
    assert (r["Person"], r["Person name"], r["Team"]) == ("PER-001", "Ann Lee", "SOC")
    assert r["Role"] == catalogs().roles["security_analyst"]["title"]
    assert (r["Module"], r["Module title"]) == ("TRN-001",
                                                "AI threat landscape for security analysts")
    assert r["Due"] == dt.datetime(2026, 11, 1)


def test_document_register_shows_the_derived_ai_progress(demo, wb):
    ws = wb["Document Register"]
    first = min(demo.records(DOCUMENTS), key=lambda d: d["id"])
    done, total = programme.checklist_progress(first["ai_changes"])
    assert row_by_id(ws, first["id"])["AI changes done"] == f"{done}/{total}"
    assert row_by_id(ws, first["id"])["What must change for AI"] == first["ai_changes"]


def test_training_plan_names_audience_roles_and_the_evaluation(wb):
    ws = wb["Training Plan"]
    r = row_by_id(ws, "TRN-001")
    titles = catalogs().roles
    assert r["Audience (roles)"] == ", ".join(titles[k]["title"]
                                              for k in ("security_analyst", "soc_analyst"))
    assert r["Frequency"] == "Annual" and r["Hours"] == 3
    for h in ("Effectiveness evaluation method", "Evaluated on", "Evaluation result",
              "Evaluation notes"):
        assert h in headers(ws)


# -- rows -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("sheet, register", [
    ("Document Register", DOCUMENTS), ("Training Plan", TRAINING),
    ("Training Records", ASSIGNMENTS), ("Audit Programme", AUDITS),
    ("Audit Checklist", CHECKLIST), ("Findings & CAPA", FINDINGS),
])
def test_one_row_per_record(demo, wb, sheet, register):
    ids = [r[headers(wb[sheet])[0]] for r in table_rows(wb[sheet])]
    assert sorted(ids) == sorted(r["id"] for r in demo.records(register))
    expected = {"Document Register": 23, "Training Plan": 13, "Training Records": 3,
                "Audit Programme": 1, "Audit Checklist": len(demo.records(CHECKLIST)),
                "Findings & CAPA": 1}[sheet]
    assert len(ids) == expected


def test_checklist_rows_carry_the_results_and_findings_raised(demo, wb):
    ws = wb["Audit Checklist"]
    items = sorted(demo.records(CHECKLIST), key=lambda c: c["id"])
    assert len(items) >= 2
    first = row_by_id(ws, items[0]["id"])
    assert first["Result"] == "Minor nonconformity"
    assert first["Objective evidence seen"] == "Supplier contracts have no AI terms"
    assert first["Findings raised"] == "F-001"
    assert row_by_id(ws, items[1]["id"])["Result"] == "Not audited"


def test_audit_programme_shows_progress_and_the_independence_check(demo, wb, tmp_path):
    r = row_by_id(wb["Audit Programme"], "AUD-001")
    assert r["Lead auditor"] == "Dana Reyes" and r["Status"] == "Planned"
    assert r["Planned start"] == dt.datetime(2027, 1, 10)
    assert r["Independence conflicts"] is None
    assert r["Checklist (audited/total)"] == f"1/{len(demo.records(CHECKLIST))}"
    assert r["Findings (open/total)"] == "1/1"
    # the lead auditor later becomes the owner of a control in the audit's scope
    a = build_programme_demo()
    soa.update_row(a, catalogs(), "A.5.19", {"applicable": "Yes", "owner": "Dana Reyes",
                                             "justification_inclusion": "AI suppliers."})
    conflict = row_by_id(export(a, tmp_path)["Audit Programme"], "AUD-001")
    assert "Dana Reyes owns A.5.19" in conflict["Independence conflicts"]


# -- time-based flags use the export date ---------------------------------------------------------
def test_overdue_training_record_and_finding_on_the_export_date(wb):
    records = wb["Training Records"]
    states = {r["Record ID"]: r["State"] for r in table_rows(records)}
    assert states == {"ASG-001": "Overdue", "ASG-002": "Overdue", "ASG-003": "Due"}
    finding = row_by_id(wb["Findings & CAPA"], "F-001")
    assert finding["Due date"] == dt.datetime(2026, 11, 15)
    assert finding["Overdue"] == "Overdue"


def test_flags_follow_the_export_date_not_the_clock(demo, tmp_path):
    early = export(demo, tmp_path, today=dt.date(2026, 10, 1))
    assert {r["State"] for r in table_rows(early["Training Records"])} == {"Due"}
    assert row_by_id(early["Findings & CAPA"], "F-001")["Overdue"] is None


def test_done_and_closed_are_never_overdue(tmp_path):
    a = build_programme_demo()
    cats = catalogs()
    update_record(a, ASSIGNMENTS, "ASG-001", {**a.find(ASSIGNMENTS, "ASG-001"),
                                              "completed": "2026-11-20", "result": "Passed"}, cats)
    update_record(a, FINDINGS, "F-001", {**a.find(FINDINGS, "F-001"), "status": "Closed",
                                         "closed_on": "2026-11-25", "correction": "Fixed.",
                                         "root_cause": "No AI terms.", "corrective_action": "Template.",
                                         "effectiveness_on": "2026-11-24",
                                         "effectiveness_result": "Effective"}, cats)
    book = export(a, tmp_path)
    assert row_by_id(book["Training Records"], "ASG-001")["State"] == "Done"
    assert row_by_id(book["Findings & CAPA"], "F-001")["Overdue"] is None


def test_completion_rates_below_the_training_table(wb):
    ws = wb["Training Records"]
    by_module = block_below(ws, "By module")
    assert by_module[0] == ["Module", "Assigned", "Done", "Overdue", "Done %", "Module title"]
    assert by_module[1][:5] == ["TRN-001", 2, 0, 2, 0]
    assert by_module[2][:5] == ["TRN-003", 1, 0, 0, 0]
    by_team = block_below(ws, "By team")
    assert by_team[1:] == [["ML platform", 1, 0, 0, 0], ["SOC", 2, 0, 2, 0]]
    people = block_below(ws, "People")
    assert [p[:6] for p in people[1:]] == [["PER-001", "Ann Lee", "SOC", 1, 0, 1],
                                           ["PER-002", "Sam Ortiz", "SOC", 1, 0, 1],
                                           ["PER-003", "Bob Kim", "ML platform", 1, 0, 0]]
    # the blocks sit below the table, outside its filter and its drop-downs
    assert find(ws, "By module").row > len(table_rows(ws)) + 2
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.max_row <= len(table_rows(ws)) + 1


def test_completion_counts_follow_a_completed_record(tmp_path):
    a = build_programme_demo()
    update_record(a, ASSIGNMENTS, "ASG-001", {**a.find(ASSIGNMENTS, "ASG-001"),
                                              "completed": "2026-11-20", "result": "Passed"},
                  catalogs())
    ws = export(a, tmp_path)["Training Records"]
    assert block_below(ws, "By module")[1][:5] == ["TRN-001", 2, 1, 1, 50]
    assert block_below(ws, "People")[1][3:6] == [1, 1, 0]


# -- drop-downs and colours -----------------------------------------------------------------------
@pytest.mark.parametrize("sheet, header, values", [
    ("Document Register", "Status", DOC_STATUS),
    ("Training Plan", "Frequency", FREQUENCIES),
    ("Training Plan", "Evaluation result", TRAINING.field("evaluation_result").choices),
    ("Training Records", "Result", ASSIGNMENT_RESULTS),
    ("Audit Programme", "Status", AUDIT_STATUS),
    ("Audit Checklist", "Result", CHECK_RESULTS),
    ("Findings & CAPA", "Grade", FINDING_GRADES),
    ("Findings & CAPA", "Status", FINDING_STATUS),
])
def test_enumerated_columns_have_drop_downs_from_lists(wb, sheet, header, values):
    ws = wb[sheet]
    dv, offered = drop_down(wb, ws, header)
    assert offered == values
    assert dv.type == "list" and dv.showErrorMessage and not dv.showDropDown
    letter = get_column_letter(col_of(ws, header))
    if sheet != "Training Records":  # rows a user adds get the drop-down too
        assert str(dv.sqref) == f"{letter}2:{letter}{VALIDATION_ROWS + 1}"


def test_reference_columns_offer_the_ids_they_may_hold(demo, wb):
    _, people = drop_down(wb, wb["Training Records"], "Person")
    assert people == ("PER-001", "PER-002", "PER-003")
    _, modules = drop_down(wb, wb["Training Records"], "Module")
    assert len(modules) == 13 and modules[0] == "TRN-001"
    _, audits = drop_down(wb, wb["Findings & CAPA"], "Audit")
    assert audits == ("AUD-001",)


def test_checklist_results_are_coloured_per_result(wb):
    colours = rule_colours(wb["Audit Checklist"], "Result")
    assert set(colours) == set(CHECK_RESULTS)
    assert colours["Conforming"] == rgb("green")
    assert colours["Major nonconformity"] == rgb("red")
    assert colours["Minor nonconformity"] == rgb("orange")
    assert len(set(colours.values())) == len(CHECK_RESULTS)


def test_findings_grade_status_and_overdue_are_coloured(wb):
    ws = wb["Findings & CAPA"]
    grades = rule_colours(ws, "Grade")
    assert set(grades) == set(FINDING_GRADES)
    assert grades["Major nonconformity"] == rgb("red")
    assert rule_colours(ws, "Overdue") == {"Overdue": rgb("red")}
    assert set(rule_colours(ws, "Status")) == set(FINDING_STATUS)
    assert cell_by_id(ws, "F-001", "Overdue").value == "Overdue"  # the text, not colour alone


def test_training_state_and_document_status_are_coloured(wb):
    assert rule_colours(wb["Training Records"], "State") == {
        "Done": rgb("green"), "Due": rgb("yellow"), "Overdue": rgb("red")}
    assert set(rule_colours(wb["Document Register"], "Status")) == set(DOC_STATUS)


# -- surveillance plan ----------------------------------------------------------------------------
def test_surveillance_plan_rows_equal_the_calendar(demo, wb):
    ws = wb[SURVEILLANCE_SHEET]
    assert headers(ws) == ["Date", "Kind", "Event", "State", "Notes"]
    events = programme.surveillance_plan(demo, TODAY)
    assert len(events) >= 3
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    # dates are real date cells (shown yyyy-mm-dd), the rest text
    assert got == [[dt.datetime.fromisoformat(e["date"]), e["kind"], e["event"], e["state"], e["notes"]]
                   for e in events]
    assert {ws.cell(r, 1).number_format for r in range(2, len(events) + 2)} == {"yyyy-mm-dd"}
    assert any(e["kind"] == "Internal" and e["event"].startswith("AUD-001") for e in events)


# -- injection ------------------------------------------------------------------------------------
PAYLOADS = ['=HYPERLINK("http://evil","x")', "=1+1", "+1+1", "-2+3", "@SUM(A1)",
            "=cmd|' /C calc'!A0", "#N/A"]


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_injection_in_a_finding_and_a_document_comes_back_as_text(payload, tmp_path):
    a = build_programme_demo()
    cats = catalogs()
    update_record(a, FINDINGS, "F-001", {**a.find(FINDINGS, "F-001"), "statement": payload,
                                         "root_cause": payload}, cats)
    update_record(a, DOCUMENTS, "DOC-001", {**a.find(DOCUMENTS, "DOC-001"), "title": payload},
                  cats)
    book = export(a, tmp_path)
    checks = (("Findings & CAPA", "F-001", ("Nonconformity statement", "Root cause")),
              ("Document Register", "DOC-001", ("Title",)))
    for sheet, record_id, names in checks:
        for header in names:
            cell = cell_by_id(book[sheet], record_id, header)
            assert cell.data_type == "s", (sheet, header)
            assert cell.value == payload, (sheet, header)
            assert cell.quotePrefix is payload.startswith(FORMULA_TRIGGERS)
    assert not [f"{ws.title}!{c.coordinate}" for ws in book.worksheets for row in ws.iter_rows()
                for c in row if c.data_type in ("f", "e")]


# -- without catalogs, and from the command line -------------------------------------------------
def test_without_catalogs_the_bundled_ones_serve_the_whole_workbook(demo, tmp_path):
    book = export(demo, tmp_path, catalogs=None)
    r = row_by_id(book["Training Records"], "ASG-001")
    assert r["Role"] == catalogs().roles["security_analyst"]["title"]
    _, threats = drop_down(book, book["Risk Register"], "Threat")
    assert set(threats) == set(catalogs().threats)


def test_cli_export_resolves_evidence_against_the_assessment_folder(workdir, capsys):
    folder = workdir / "isms"
    (folder / "evidence").mkdir(parents=True)
    (folder / "evidence" / "log.txt").write_text("log\n", encoding="utf-8")
    a = build_programme_demo()
    ev = add_record(a, EVIDENCE, {"title": "Log", "type": "Log", "location": "evidence/log.txt"},
                    catalogs())
    Store.create(folder / "a.aigov.json", a).close()
    assert main(["export", str(folder / "a.aigov.json"), "--out", str(workdir / "out")]) == 0
    path = Path(capsys.readouterr().out.strip().splitlines()[-1])
    book = openpyxl.load_workbook(path)
    assert row_by_id(book["Evidence Register"], ev["id"])["Flags"] is None
