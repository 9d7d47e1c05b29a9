"""The Step 4 sheets of the workbook and the stand-alone SoA workbook, reloaded with openpyxl.

SoA (one row per control: 93 + 38 when ISO 42001 is in scope + custom, headers from the
declaration with separate inclusion and exclusion justifications, the framework named per
row, drop-downs and colours on applicability and status, risk-derived rows), Mandatory
Clauses, Control Mapping, Evidence Register with its flags, Gaps, the Cover's SoA version,
``aigov export FILE --only soa`` and formula injection through a justification.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from aigov_tui.cli import main
from aigov_tui.core import soa
from aigov_tui.core.export import (
    ExportError,
    export_workbook,
    mapping_rows,
    register_columns,
    workbook_name,
)
from aigov_tui.core.model import Assessment, add_record
from aigov_tui.core.registers import (
    CLAUSE_STATUS,
    CLAUSES,
    CUSTOM_CONTROLS,
    EVIDENCE,
    SOA,
    SOA_APPLICABLE,
    SOA_STATUS,
)
from aigov_tui.core.xlsx import FORMULA_TRIGGERS, VALIDATION_ROWS

from .conftest import TODAY, build_risk_demo, catalogs

SOA_ONLY = ["Cover", "SoA", "Mandatory Clauses", "Control Mapping", "Gaps", "Lists"]
_LIST_REF = re.compile(r"^(?:'Lists'|Lists)!\$([A-Z]+)\$2:\$\1\$(\d+)$")
PAYLOADS = ['=HYPERLINK("http://evil","x")', "=1+1", "+1+1", "-2+3", "@SUM(A1)",
            "=cmd|' /C calc'!A0", "#N/A"]


# -- helpers ------------------------------------------------------------------------------
def export(assessment: Assessment, out: Path, **kwargs) -> tuple[Path, openpyxl.Workbook]:
    path = export_workbook(assessment, out, today=TODAY, catalogs=catalogs(), **kwargs)
    return path, openpyxl.load_workbook(path)


def header_index(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value is not None}


def data_rows(ws) -> list[dict[str, object]]:
    """Each row below the header as header -> value."""
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, row)) for row in ws.iter_rows(min_row=2, values_only=True)
            if any(v is not None for v in row)]


def row_by_id(ws, record_id: str) -> dict[str, object]:
    for r in data_rows(ws):
        if r[ws.cell(1, 1).value] == record_id:
            return r
    raise AssertionError(f"no row {record_id!r} in {ws.title}")


def cell_of(ws, record_id: str, header: str):
    for cell in ws["A"]:
        if cell.value == record_id:
            return ws.cell(cell.row, header_index(ws)[header])
    raise AssertionError(f"no row {record_id!r} in {ws.title}")


def validation_values(wb, ws, header: str) -> tuple:
    letter = openpyxl.utils.get_column_letter(header_index(ws)[header])
    covering = [dv for dv in ws.data_validations.dataValidation if f"{letter}2" in dv.sqref]
    assert len(covering) == 1, header
    dv = covering[0]
    assert dv.type == "list" and dv.showErrorMessage
    assert f"{letter}{VALIDATION_ROWS + 1}" in dv.sqref and f"{letter}1" not in dv.sqref
    m = _LIST_REF.match(dv.formula1)
    assert m, dv.formula1
    col, last = m.group(1), int(m.group(2))
    lists = wb["Lists"]
    assert lists[f"{col}{last + 1}"].value is None
    return tuple(lists[f"{col}{r}"].value for r in range(2, last + 1))


def highlighted_values(ws, header: str) -> set[str]:
    letter = openpyxl.utils.get_column_letter(header_index(ws)[header])
    out = set()
    for cf in ws.conditional_formatting:
        if any(str(rng).startswith(f"{letter}2:") for rng in cf.sqref.ranges):
            out.update(rule.formula[0].strip('"') for rule in cf.rules)
    return out


def custom_control(a: Assessment, **overrides) -> dict:
    values = {"title": "Human approval of agent actions",
              "objective": "A person approves every payment an AI agent proposes.",
              "mapped_27001": ["A.8.16", "A.5.15"], "source": "EU AI Act Art. 14"}
    values.update(overrides)
    return add_record(a, CUSTOM_CONTROLS, values, catalogs())


def without_42001(a: Assessment) -> None:
    a.profile["frameworks"] = ["ISO/IEC 27001:2022"]


@pytest.fixture
def assessed() -> Assessment:
    """The risk demo (ISO 42001 in scope) with one custom AI control."""
    a = build_risk_demo()
    assert soa.includes_42001(a)
    custom_control(a)
    return a


@pytest.fixture
def book(assessed, tmp_path):
    _, wb = export(assessed, tmp_path)
    return assessed, wb


# -- SoA: rows and columns --------------------------------------------------------------------
def test_soa_has_one_row_per_control_27001_42001_and_custom(book):
    a, wb = book
    rows = data_rows(wb["SoA"])
    customs = a.records(CUSTOM_CONTROLS)
    assert len(customs) == 1
    assert len(rows) == 93 + 38 + 1
    ids = [r["Control ID"] for r in rows]
    assert ids == [r["id"] for r in soa.soa_rows(a, catalogs())]
    assert len(set(ids)) == len(ids)
    assert ids[:93] == list(catalogs().iso27001)
    assert ids[93:131] == [soa.key_42001(c) for c in catalogs().iso42001]
    assert ids[131] == customs[0]["id"]


def test_soa_without_42001_has_the_93_annex_a_controls_and_custom_ones(assessed, tmp_path):
    without_42001(assessed)
    _, wb = export(assessed, tmp_path)
    ids = [r["Control ID"] for r in data_rows(wb["SoA"])]
    assert len(ids) == 93 + 1
    assert not [i for i in ids if i.startswith(soa.PREFIX_42001)]
    assessed.records(CUSTOM_CONTROLS).clear()
    _, wb = export(assessed, tmp_path)
    assert len(data_rows(wb["SoA"])) == 93


def test_soa_headers_come_from_the_declaration_with_separate_justifications(book):
    _, wb = book
    headers = [c.value for c in wb["SoA"][1]]
    assert headers == [c.header for c in register_columns(SOA)]
    assert headers == ["Control ID"] + [f.export_header for f in SOA.export_fields]
    for required in ("Framework", "Control title", "Applicable", "Reasons for inclusion",
                     "Justification for inclusion", "Justification for exclusion",
                     "Implementation status", "Evidence", "Linked risks"):
        assert required in headers, required
    assert headers.index("Justification for inclusion") != headers.index("Justification for exclusion")


def test_every_row_names_its_framework_in_full(book):
    a, wb = book
    frameworks = {r["Control ID"]: r["Framework"] for r in data_rows(wb["SoA"])}
    assert frameworks["A.5.1"] == "ISO/IEC 27001:2022"
    assert frameworks[soa.key_42001("A.6.2.4")] == "ISO/IEC 42001:2023"
    assert frameworks[a.records(CUSTOM_CONTROLS)[0]["id"]] == "Custom AI control"
    assert set(frameworks.values()) == {"ISO/IEC 27001:2022", "ISO/IEC 42001:2023",
                                        "Custom AI control"}


def test_soa_layout_freezes_id_and_title_and_filters(book):
    _, wb = book
    ws = wb["SoA"]
    cols = header_index(ws)
    frozen_col = openpyxl.utils.cell.column_index_from_string(ws.freeze_panes.rstrip("0123456789"))
    assert frozen_col > cols["Control title"] and frozen_col > cols["Control ID"]
    assert ws.freeze_panes.endswith("2")
    assert ws.auto_filter.ref.startswith("A1:")
    assert ws.print_title_rows.replace("$", "") == "1:1"
    assert ws.page_setup.orientation == "landscape"


def test_drop_downs_on_applicable_and_status_reference_lists_with_declared_values(book):
    _, wb = book
    ws = wb["SoA"]
    assert validation_values(wb, ws, "Applicable") == SOA_APPLICABLE
    assert validation_values(wb, ws, "Implementation status") == SOA_STATUS
    assert highlighted_values(ws, "Applicable") == set(SOA_APPLICABLE)
    assert highlighted_values(ws, "Implementation status") == set(SOA_STATUS)


def test_a_control_named_by_a_risk_is_applicable_for_risk_treatment_with_its_risks(book):
    a, wb = book
    links = soa.risk_links(a)
    assert links, "the risk demo names planned controls"
    ws = wb["SoA"]
    for key in ("A.8.16", soa.key_42001("A.6.2.4")):
        risks = links[key]
        r = row_by_id(ws, key)
        assert r["Applicable"] == "Yes", key
        assert "Risk treatment" in str(r["Reasons for inclusion"]).split("; "), key
        assert r["Linked risks"] == ", ".join(risks), key
        assert all(rid in str(r["Justification for inclusion"]) for rid in risks), key
    # a control no risk names stays undecided
    unnamed = next(k for k in catalogs().iso27001 if k not in links)
    assert row_by_id(ws, unnamed)["Applicable"] == "Undecided"
    assert row_by_id(ws, unnamed)["Linked risks"] is None


def test_user_decisions_reach_the_soa(assessed, tmp_path):
    cats = catalogs()
    ev = add_record(assessed, EVIDENCE, {"title": "Badge system export", "type": "Record",
                                         "location": "https://intranet/badges"}, cats)
    from aigov_tui.core.registers import DOCUMENTS

    doc = add_record(assessed, DOCUMENTS, {"title": "Information security policy", "owner": "CISO",
                                           "status": "Drafting"}, cats)
    soa.update_row(assessed, cats, "A.7.1", {"applicable": "No",
                                             "justification_exclusion": "Cloud-only AI estate."})
    soa.update_row(assessed, cats, "A.5.1", {
        "applicable": "Yes", "reasons": ["Legal or regulatory", "Contractual"],
        "justification_inclusion": "Required by the ISMS.", "status": "Implemented",
        "how": "Policy set v3", "owner": "CISO", "target_date": "2027-03-31",
        "policy_refs": [doc["id"]], "evidence_refs": [ev["id"]]})
    _, wb = export(assessed, tmp_path)
    ws = wb["SoA"]
    excluded = row_by_id(ws, "A.7.1")
    assert (excluded["Applicable"], excluded["Justification for exclusion"]) == (
        "No", "Cloud-only AI estate.")
    assert excluded["Justification for inclusion"] is None
    r = row_by_id(ws, "A.5.1")
    assert r["Reasons for inclusion"] == "Legal or regulatory; Contractual"
    assert r["Implementation status"] == "Implemented"
    assert r["Control owner"] == "CISO"
    assert r["Evidence"] == ev["id"]
    assert r["Policy and procedure references"] == doc["id"]
    assert r["Target date"] == dt.datetime(2027, 3, 31)
    assert cell_of(ws, "A.5.1", "Target date").number_format == "yyyy-mm-dd"
    assert r["How it is extended to AI"]  # prefilled from the catalog's AI guidance


# -- Cover ----------------------------------------------------------------------------------------
def test_cover_carries_the_soa_version_and_lists_the_step4_sheets(assessed, tmp_path):
    assessed.meta["document_version"] = "1.2"
    _, wb = export(assessed, tmp_path)
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(min_col=1, max_col=2, values_only=True)
             if r[0]}
    assert cover["Version"] == "1.2"
    assert cover["SoA version"] == "1.2"
    assert cover["Controls in the SoA"].startswith(f"{93 + 38 + 1}: ")
    for name in ("SoA", "Mandatory Clauses", "Control Mapping", "Evidence Register", "Gaps"):
        assert cover.get(name), name
    assert {p.name: p.value for p in wb.custom_doc_props}["Version"] == "1.2"


# -- Mandatory clauses -----------------------------------------------------------------------------
def test_mandatory_clauses_has_the_30_clauses_with_status(assessed, tmp_path):
    cats = catalogs()
    soa.update_clause(assessed, cats, "6.1.3", {"status": "Addressed", "owner": "CISO",
                                                "references": "SoA v1.2"})
    _, wb = export(assessed, tmp_path)
    ws = wb["Mandatory Clauses"]
    assert [c.value for c in ws[1]] == [c.header for c in register_columns(CLAUSES)]
    rows = data_rows(ws)
    assert len(rows) == 30
    assert [r["Clause"] for r in rows] == list(cats.clauses)
    assert rows[0]["Clause"] == "4.1" and rows[-1]["Clause"] == "10.2"
    r = row_by_id(ws, "6.1.3")
    assert (r["Status"], r["Owner"], r["Documents and evidence"]) == ("Addressed", "CISO",
                                                                      "SoA v1.2")
    assert row_by_id(ws, "4.1")["Status"] == "Not addressed"
    assert all(r["What changes for AI"] for r in rows)
    assert validation_values(wb, ws, "Status") == CLAUSE_STATUS


# -- Control mapping ------------------------------------------------------------------------------
@pytest.mark.parametrize("in_scope", [True, False], ids=["42001 in scope", "42001 not in scope"])
def test_control_mapping_covers_every_42001_control(in_scope, assessed, tmp_path):
    if not in_scope:
        without_42001(assessed)
    _, wb = export(assessed, tmp_path)
    rows = data_rows(wb["Control Mapping"])
    keys = {soa.key_42001(c) for c in catalogs().iso42001}
    first = "AI control (ISO 42001 or custom)"
    assert keys <= {r[first] for r in rows}
    assert len(keys) == 38
    pairs = sum(len(m.get("maps_to") or []) + ("none" in m) for m in catalogs().mappings)
    assert len([r for r in rows if r[first] in keys]) == pairs
    own = {r["AI control in this SoA"] for r in rows if r[first] in keys}
    if in_scope:
        assert all(s.startswith("Applicable: ") for s in own)
    else:
        assert all(s.startswith("Not in scope") for s in own)


def test_none_rows_say_new_ai_control_with_the_reason(book):
    _, wb = book
    rows = data_rows(wb["Control Mapping"])
    nones = [m for m in catalogs().mappings if "none" in m]
    assert nones, "the catalog has 42001 controls without a 27001 counterpart"
    for m in nones:
        (r,) = [r for r in rows if r["AI control (ISO 42001 or custom)"] == soa.key_42001(m["control"])
                and r["Relationship"] == "None"]
        assert r["Rationale"].startswith("New AI control: ")
        assert " ".join(m["none"].split()) in r["Rationale"]
        assert r["ISO 27001 title"] == "No ISO 27001 counterpart"


def test_mapping_rows_carry_the_27001_soa_state(book):
    a, wb = book
    rows = data_rows(wb["Control Mapping"])
    soa_state = {r["id"]: r for r in soa.soa_rows(a, catalogs())}
    checked = 0
    for r in rows:
        target = r["ISO 27001 control or clause"]
        assert r["Relationship"] in ("Equivalent", "Partial", "Supports", "None", "Builds on")
        if target in soa_state:
            assert r["ISO 27001 applicable (SoA)"] == soa_state[target]["applicable"]
            assert r["ISO 27001 status (SoA or clause)"] == soa_state[target]["status"]
            assert r["ISO 27001 title"] == soa_state[target]["title"]
            checked += 1
        elif target in catalogs().clauses:
            assert r["ISO 27001 applicable (SoA)"] == "Mandatory clause"
            assert r["ISO 27001 status (SoA or clause)"] == "Not addressed"
    assert checked
    # the custom control shows what it builds on
    custom = a.records(CUSTOM_CONTROLS)[0]
    built_on = [r["ISO 27001 control or clause"] for r in rows
                if r["AI control (ISO 42001 or custom)"] == custom["id"]]
    assert built_on == custom["mapped_27001"]
    assert len(rows) == len(mapping_rows(a, catalogs()))


# -- Evidence register ---------------------------------------------------------------------------
def test_evidence_register_flags_expired_and_changed_items(assessed, tmp_path):
    cats = catalogs()
    out = tmp_path / "out"
    expired = add_record(assessed, EVIDENCE, {
        "title": "Pen test of the support assistant", "type": "Test report",
        "location": "https://reports.example/pt-2025", "valid_until": "2026-11-29",
        "controls": ["A.8.29"], "risks": ["R-001"]}, cats)
    current = add_record(assessed, EVIDENCE, {
        "title": "Certificate", "type": "Certificate", "location": "https://example/cert",
        "valid_until": TODAY.isoformat()}, cats)
    doc = tmp_path / "ai-policy.txt"
    doc.write_text("AI policy v1\n", encoding="utf-8")
    changed = add_record(assessed, EVIDENCE, {"title": "AI policy", "type": "Policy",
                                              "location": str(doc)}, cats)
    assert soa.record_hash(assessed, changed["id"]) == ""
    recorded = assessed.find(EVIDENCE, changed["id"])["sha256"]
    doc.write_text("AI policy v2, edited after it was collected\n", encoding="utf-8")
    missing = add_record(assessed, EVIDENCE, {"title": "Gone", "type": "Log",
                                              "location": str(tmp_path / "gone.log")}, cats)

    _, wb = export(assessed, out)
    ws = wb["Evidence Register"]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header for c in register_columns(EVIDENCE)] + ["Flags"]
    assert len(data_rows(ws)) == 4
    assert row_by_id(ws, expired["id"])["Flags"] == "expired on 2026-11-29"
    assert row_by_id(ws, current["id"])["Flags"] is None  # valid until today: not expired
    assert row_by_id(ws, changed["id"])["Flags"] == "file changed since it was recorded"
    assert row_by_id(ws, changed["id"])["SHA-256"] == recorded
    assert row_by_id(ws, missing["id"])["Flags"] == "file missing"
    assert row_by_id(ws, expired["id"])["Controls"] == "A.8.29"
    assert validation_values(wb, ws, "Type") == EVIDENCE.field("type").choices
    assert highlighted_values(ws, "Flags")  # flagged rows are coloured too


def test_relative_evidence_paths_resolve_against_evidence_base(assessed, tmp_path, monkeypatch):
    cats = catalogs()
    folder = tmp_path / "isms"
    (folder / "evidence").mkdir(parents=True)
    (folder / "evidence" / "log.txt").write_text("log\n", encoding="utf-8")
    ev = add_record(assessed, EVIDENCE, {"title": "Log", "type": "Log",
                                         "location": "evidence/log.txt"}, cats)
    assert soa.record_hash(assessed, ev["id"], base=folder) == ""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    _, wb = export(assessed, tmp_path / "out", evidence_base=folder)
    assert row_by_id(wb["Evidence Register"], ev["id"])["Flags"] is None
    _, wb = export(assessed, tmp_path / "out")  # default: the current folder
    assert row_by_id(wb["Evidence Register"], ev["id"])["Flags"] == "file missing"


# -- Gaps -----------------------------------------------------------------------------------------
def test_gaps_sheet_lists_what_gaps_returns(assessed, tmp_path):
    cats = catalogs()
    soa.update_row(assessed, cats, "A.7.1", {"applicable": "No",
                                             "justification_exclusion": "Cloud only."})
    soa.update_row(assessed, cats, "A.5.1", {"applicable": "Yes", "status": "Implemented",
                                             "justification_inclusion": "Policy."})
    _, wb = export(assessed, tmp_path)
    ws = wb["Gaps"]
    assert [c.value for c in ws[1]] == ["Gap type", "Reference", "What to fix"]
    expected = [(g.kind, g.ref, g.message) for g in soa.gaps(assessed, cats, TODAY)]
    got = [tuple(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert got == expected
    assert ("Implemented without evidence", "A.5.1") in {(k, r) for k, r, _ in got}
    assert "A.7.1" not in {r for _, r, _ in got}


# -- stand-alone SoA workbook ----------------------------------------------------------------------
def test_only_soa_writes_the_stand_alone_workbook(assessed, tmp_path):
    assessed.meta["document_version"] = "2.0"
    path, wb = export(assessed, tmp_path, only="soa")
    assert path.name == workbook_name(assessed, TODAY, "soa")
    assert path.name == "fernhill-payments-ltd-soa-2026-11-30.xlsx"
    assert wb.sheetnames == SOA_ONLY
    assert wb["Lists"].sheet_state == "hidden"
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(min_col=1, max_col=2, values_only=True)
             if r[0]}
    assert wb["Cover"]["A1"].value == "Statement of Applicability"
    assert cover["Document"] == "Statement of Applicability"
    assert cover["Version"] == "2.0" and cover["SoA version"] == "2.0"
    for name in SOA_ONLY[1:]:
        assert cover.get(name), name
    assert len(data_rows(wb["SoA"])) == 93 + 38 + 1
    assert validation_values(wb, wb["SoA"], "Applicable") == SOA_APPLICABLE


def test_export_without_catalogs_loads_the_bundled_ones(assessed, tmp_path):
    path = export_workbook(assessed, tmp_path, today=TODAY)
    wb = openpyxl.load_workbook(path)
    assert len(data_rows(wb["SoA"])) == 93 + 38 + 1


def test_unknown_only_value_is_an_export_error(assessed, tmp_path):
    with pytest.raises(ExportError, match="soa"):
        export_workbook(assessed, tmp_path, today=TODAY, only="risks")
    assert not list(tmp_path.iterdir())


def test_cli_only_soa_prints_the_path_of_the_stand_alone_workbook(risk_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", str(risk_file), "--out", str(out), "--only", "soa"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.parent == out and printed.is_file()
    assert re.fullmatch(r"fernhill-payments-ltd-soa-\d{4}-\d{2}-\d{2}\.xlsx", printed.name)
    assert openpyxl.load_workbook(printed).sheetnames == SOA_ONLY


def test_cli_rejects_an_unknown_only_value(risk_file, tmp_path, capsys):
    assert main(["export", str(risk_file), "--out", str(tmp_path), "--only", "risks"]) == 2
    err = capsys.readouterr().err
    assert "--only" in err and "invalid choice" in err and "soa" in err
    assert not list(tmp_path.glob("*.xlsx"))


# -- injection ------------------------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
@pytest.mark.parametrize("only", [None, "soa"], ids=["full", "soa only"])
def test_injection_in_a_justification_comes_back_as_text(payload, only, assessed, tmp_path):
    cats = catalogs()
    included = soa.update_row(assessed, cats, "A.5.1", {
        "applicable": "Yes", "justification_inclusion": payload, "how": payload,
        "owner": payload})
    excluded = soa.update_row(assessed, cats, "A.7.1", {
        "applicable": "No", "justification_exclusion": payload})
    custom = custom_control(assessed, title=payload, objective=payload)
    _, wb = export(assessed, tmp_path, only=only)
    ws = wb["SoA"]
    checks = [("A.5.1", "Justification for inclusion", included["justification_inclusion"]),
              ("A.5.1", "How it is implemented", included["how"]),
              ("A.5.1", "Control owner", included["owner"]),
              ("A.7.1", "Justification for exclusion", excluded["justification_exclusion"]),
              (custom["id"], "Control title", custom["title"])]
    for key, header, expected in checks:
        cell = cell_of(ws, key, header)
        assert cell.data_type == "s", (key, header)
        assert cell.value == expected, (key, header)
        assert cell.quotePrefix is expected.startswith(FORMULA_TRIGGERS), (key, header)
    assert not [f"{w.title}!{c.coordinate}" for w in wb.worksheets for row in w.iter_rows()
                for c in row if c.data_type in ("f", "e")]


def test_long_text_rows_are_given_the_height_they_need(book):
    _, wb = book
    ws = wb["SoA"]
    row = next(c.row for c in ws["A"] if c.value == "A.5.1")
    text = ws.cell(row, header_index(ws)["How it is extended to AI"]).value
    assert len(text) > 300
    height = ws.row_dimensions[row].height
    assert height and 15 * 4 <= height <= 409
    # a row of short text keeps the default height
    gaps = wb["Gaps"]
    assert all(gaps.row_dimensions[r].height is None for r in range(2, gaps.max_row + 1))
