"""The assessment workbook, reloaded with openpyxl as an auditor's tools would read it.

Covers the export framework of the foundation issue: file name, sheet set, the Cover and the
workbook properties, register layout and print settings, drop-downs fed from the hidden Lists
sheet, date cells, the text neutraliser (formula injection, control characters, truncation),
sheet titles, and errors and atomicity of the save.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from aigov_tui.core import xlsx
from aigov_tui.core.demo import build_scope_demo
from aigov_tui.core.export import ExportError, export_workbook, register_columns, workbook_name
from aigov_tui.core.model import Assessment, add_record, update_profile_draft
from aigov_tui.core.registers import AI_SYSTEMS
from aigov_tui.core.xlsx import (
    A3_WIDTH,
    EXCEL_CELL_LIMIT,
    FORMULA_TRIGGERS,
    READABLE_SCALE,
    TRUNCATION_MARKER,
    VALIDATION_ROWS,
    Column,
    DocumentControl,
    WorkbookWriter,
    neutralise,
    safe_sheet_title,
)

TODAY = dt.date(2026, 11, 30)

PAYLOADS = [
    '=HYPERLINK("http://evil","x")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    "#N/A",
]


# -- helpers ------------------------------------------------------------------------------
def system(**overrides) -> dict:
    """A valid AI system; tests override the fields they care about."""
    values = {
        "name": "Test system",
        "purpose": "A system used by the export tests.",
        "business_owner": "Head of Testing",
        "role": "Deployer",
        "provenance": "Third-party API or SaaS",
        "lifecycle": "Deployment",
        "deployment": "Internal",
        "personal_data": "No",
        "eu_ai_act": "Minimal",
        "in_scope": "Yes",
    }
    values.update(overrides)
    return values


def export(assessment: Assessment, out: Path) -> tuple[Path, openpyxl.Workbook]:
    path = export_workbook(assessment, out, today=TODAY)
    return path, openpyxl.load_workbook(path)


def pairs(ws) -> dict[str, object]:
    """Column A label -> column B cell, for the Cover and Scope sheets."""
    return {row[0].value: row[1] for row in ws.iter_rows(min_col=1, max_col=2) if row[0].value}


def column_of(ws, header: str) -> int:
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise AssertionError(f"no column {header!r} in {ws.title}")


def row_of(ws, record_id: str) -> int:
    for cell in ws["A"]:
        if cell.value == record_id:
            return cell.row
    raise AssertionError(f"no row {record_id!r} in {ws.title}")


def control(**overrides) -> DocumentControl:
    values = dict(title="Test workbook", organisation="Acme", version="1.0", date=TODAY,
                  owner="CISO", classification="Internal", frameworks=["ISO/IEC 27001:2022"])
    values.update(overrides)
    return DocumentControl(**values)


def write_one(tmp_path: Path, value, kind: str = "text", title: str = "Data") -> openpyxl.cell.Cell:
    """Write one synthetic value through WorkbookWriter and return the reloaded cell."""
    writer = WorkbookWriter(control())
    writer.add_table(title, [Column("Value", lambda r: r["v"], kind=kind)], [{"v": value}])
    path = writer.save(tmp_path / "one.xlsx")
    wb = openpyxl.load_workbook(path)
    return wb[safe_sheet_title(title)]["A2"]


@pytest.fixture
def demo() -> Assessment:
    return build_scope_demo(TODAY)


@pytest.fixture
def demo_book(demo, tmp_path):
    path, wb = export(demo, tmp_path)
    return demo, path, wb


# -- file name and sheet set -------------------------------------------------------------------
def test_workbook_is_named_from_organisation_and_date(demo_book, tmp_path):
    demo, path, _ = demo_book
    assert path == tmp_path / "fernhill-payments-ltd-ai-isms-2026-11-30.xlsx"
    assert path.name == workbook_name(demo, TODAY)
    assert path.is_file()


def test_workbook_name_is_a_safe_slug_even_for_hostile_organisation_names():
    a = Assessment.new('=HYPERLINK("../../etc/x")')
    name = workbook_name(a, TODAY)
    assert re.fullmatch(r"[a-z0-9-]+-ai-isms-2026-11-30\.xlsx", name), name
    assert workbook_name(Assessment.new(""), TODAY) == "assessment-ai-isms-2026-11-30.xlsx"


def test_sheets_are_in_step_order_with_a_hidden_lists_sheet_last(demo_book):
    _, _, wb = demo_book
    visible = ["Cover", "Scope", "AI Systems", "AI Assets", "Risk Method", "Risk Register",
               "Heatmap", "SoA", "Mandatory Clauses", "Control Mapping", "Evidence Register",
               "Gaps", "Document Register", "Training Plan", "Training Records",
               "Audit Programme", "Audit Checklist", "Findings & CAPA", "Surveillance Plan"]
    assert wb.sheetnames == visible + ["Lists"]
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert states == {**{name: "visible" for name in visible}, "Lists": "hidden"}


# -- Cover and properties ------------------------------------------------------------------------
def test_cover_holds_the_document_control(demo_book):
    demo, _, wb = demo_book
    ws = wb["Cover"]
    title = "AI extension of the ISMS: assessment workbook"
    assert ws["A1"].value == title
    cover = pairs(ws)
    assert cover["Document"].value == title
    assert cover["Organisation"].value == "Fernhill Payments Ltd"
    assert cover["Version"].value == "0.1"
    assert cover["Date"].value == dt.datetime(2026, 11, 30)
    assert cover["Owner"].value == "Chief Information Security Officer"
    assert cover["Classification"].value == "Confidential"
    assert cover["Frameworks"].value == "ISO/IEC 27001:2022; ISO/IEC 42001:2023; EU AI Act"
    assert cover["Assessment ID"].value == demo.meta["assessment_id"]
    assert cover["Workbook format"].value == "aigov-tui workbook v1"
    # the Cover lists the other sheets
    assert cover["Scope"].value and cover["AI Systems"].value


def test_workbook_properties_and_custom_properties(demo_book):
    demo, _, wb = demo_book
    assert wb.properties.title == "AI extension of the ISMS: assessment workbook"
    assert wb.properties.creator == "aigov-tui"
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["Classification"] == "Confidential"
    assert props["Organisation"] == "Fernhill Payments Ltd"
    assert props["Version"] == "0.1"
    assert props["AigovFormatVersion"] == "1"
    assert props["AssessmentId"] == demo.meta["assessment_id"]


def test_every_sheet_prints_classification_and_organisation_in_its_header(demo_book):
    _, _, wb = demo_book
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue  # the Lists sheet is never printed
        assert ws.oddHeader.left.text == "Confidential", ws.title
        assert ws.oddHeader.right.text == "Fernhill Payments Ltd", ws.title
        assert ws.oddFooter.right.text == "Page &P of &N", ws.title


def test_ampersand_in_organisation_is_escaped_in_page_header(demo, tmp_path):
    profile = dict(demo.profile, organisation="Smith & Jones")
    assert update_profile_draft(demo, profile) == []
    _, wb = export(demo, tmp_path)
    # '&' starts a header code in Excel; '&&' prints one ampersand
    assert wb["AI Systems"].oddHeader.right.text == "Smith && Jones"
    assert pairs(wb["Cover"])["Organisation"].value == "Smith & Jones"


# -- AI Systems register ----------------------------------------------------------------------
def test_ai_systems_headers_come_from_the_register_declaration(demo_book):
    _, _, wb = demo_book
    ws = wb["AI Systems"]
    expected = [c.header for c in register_columns(AI_SYSTEMS)]
    assert expected[0] == "AI System ID"
    assert [c.value for c in ws[1]] == expected
    assert ws.max_column == len(expected)


def test_ai_systems_has_one_row_per_system_in_id_order(demo, tmp_path):
    # store the records out of order, and with IDs either side of 999 to check the numeric
    # order (as text, SYS-1000 would sort before SYS-999)
    records = demo.records(AI_SYSTEMS)
    demo.counters["SYS"] = 998
    add_record(demo, AI_SYSTEMS, system(name="Nine hundred and ninety-ninth"))
    add_record(demo, AI_SYSTEMS, system(name="Thousandth"))
    records.reverse()
    assert [r["id"] for r in records][:2] == ["SYS-1000", "SYS-999"]
    _, wb = export(demo, tmp_path)
    ws = wb["AI Systems"]
    ids = [row[0].value for row in ws.iter_rows(min_row=2)]
    assert ids == ["SYS-001", "SYS-002", "SYS-003", "SYS-004", "SYS-005", "SYS-999", "SYS-1000"]
    # every cell of a row comes from that record
    by_id = {r["id"]: r for r in records}
    columns = register_columns(AI_SYSTEMS)
    for row in ws.iter_rows(min_row=2):
        record = by_id[row[0].value]
        for col, cell in zip(columns, row):
            assert cell.value == (col.get(record) or None), (record["id"], col.header)


def test_ai_systems_layout_and_print_settings(demo_book):
    _, _, wb = demo_book
    ws = wb["AI Systems"]
    last = get_column_letter(len(register_columns(AI_SYSTEMS)))
    assert ws.freeze_panes == "B2"  # header row and the ID column stay visible
    assert ws.auto_filter.ref == f"A1:{last}6"  # header plus the five demo systems
    assert ws.print_title_rows.replace("$", "") == "1:1"
    assert ws.page_setup.orientation == "landscape"
    # too wide for one readable page: the eight core columns print on the first page at a
    # readable scale, the rest on the next with the ID column repeated
    assert ws.sheet_properties.pageSetUpPr.fitToPage is False
    assert int(ws.page_setup.scale) >= READABLE_SCALE
    widths = [ws.column_dimensions[get_column_letter(j)].width for j in range(1, ws.max_column + 1)]
    assert sum(widths[:8]) * int(ws.page_setup.scale) / 100 <= A3_WIDTH
    assert [b.id for b in ws.col_breaks.brk] == [8]
    assert ws.print_title_cols.replace("$", "") == "A:A"
    # header styling and wrapping of the data
    assert ws["A1"].font.b is True
    assert ws["C2"].alignment.wrap_text is True
    assert ws.column_dimensions["C"].width == AI_SYSTEMS.field("purpose").width


def test_scope_sheet_follows_the_same_conventions(demo_book):
    _, _, wb = demo_book
    ws = wb["Scope"]
    assert [c.value for c in ws[1]] == ["Field", "Value"]
    assert ws.freeze_panes == "A2"
    min_col, min_row, max_col, max_row = range_boundaries(ws.auto_filter.ref)
    assert (min_col, min_row, max_col, max_row) == (1, 1, 2, ws.max_row)
    assert ws.print_title_rows.replace("$", "") == "1:1"
    assert ws.page_setup.orientation == "landscape"
    scope = pairs(ws)
    assert scope["AI systems in scope"].value == "SYS-001, SYS-002, SYS-003"
    assert scope["AI systems partly in scope"].value == "SYS-004"
    assert scope["AI systems excluded"].value == "SYS-005"
    assert scope["Scope addendum (AI systems)"].value


def test_autofilter_covers_the_header_of_an_empty_register(tmp_path):
    a = Assessment.new("Empty Ltd")
    _, wb = export(a, tmp_path)
    ws = wb["AI Systems"]
    assert ws.max_row <= 2
    min_col, min_row, max_col, _ = range_boundaries(ws.auto_filter.ref)
    assert (min_col, min_row, max_col) == (1, 1, len(register_columns(AI_SYSTEMS)))


# -- drop-downs ---------------------------------------------------------------------------------
_LIST_REF = re.compile(r"^(?:'Lists'|Lists)!\$([A-Z]+)\$2:\$\1\$(\d+)$")


def test_every_choice_column_has_a_drop_down_fed_from_the_lists_sheet(demo_book):
    _, _, wb = demo_book
    ws, lists = wb["AI Systems"], wb["Lists"]
    validations = list(ws.data_validations.dataValidation)
    choice_cols = [(j, c) for j, c in enumerate(register_columns(AI_SYSTEMS), start=1)
                   if c.kind == "choice"]
    assert len(choice_cols) == 7  # role, provenance, lifecycle, deployment, personal data, EU AI Act, scope
    assert len(validations) == len(choice_cols)
    for j, col in choice_cols:
        letter = get_column_letter(j)
        covering = [dv for dv in validations if f"{letter}2" in dv.sqref]
        assert len(covering) == 1, col.header
        dv = covering[0]
        assert dv.type == "list"
        assert f"{letter}{VALIDATION_ROWS + 1}" in dv.sqref  # rows a user adds get it too
        assert f"{letter}1" not in dv.sqref  # not on the header
        assert dv.showErrorMessage
        m = _LIST_REF.match(dv.formula1)
        assert m, dv.formula1
        list_col, last_row = m.group(1), int(m.group(2))
        values = [lists[f"{list_col}{r}"].value for r in range(2, last_row + 1)]
        assert tuple(values) == col.choices, col.header
        assert lists[f"{list_col}{last_row + 1}"].value is None
        assert lists[f"{list_col}1"].value == col.header


def test_non_choice_columns_have_no_drop_down(demo_book):
    _, _, wb = demo_book
    ws = wb["AI Systems"]
    covered = {str(rng).split(":")[0].rstrip("0123456789")
               for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges}
    for j, col in enumerate(register_columns(AI_SYSTEMS), start=1):
        assert (get_column_letter(j) in covered) == (col.kind == "choice"), col.header


def test_two_lists_with_the_same_name_but_different_choices_do_not_share_a_range(tmp_path):
    writer = WorkbookWriter(control())
    writer.add_table("One", [Column("Status", lambda r: r["s"], kind="choice", choices=("A", "B"))],
                     [{"s": "A"}])
    writer.add_table("Two", [Column("Status", lambda r: r["s"], kind="choice",
                                    choices=("X", "Y", "Z"))], [{"s": "X"}])
    wb = openpyxl.load_workbook(writer.save(tmp_path / "lists.xlsx"))
    for sheet, expected in (("One", ("A", "B")), ("Two", ("X", "Y", "Z"))):
        (dv,) = wb[sheet].data_validations.dataValidation
        m = _LIST_REF.match(dv.formula1)
        assert m, dv.formula1
        col, last = m.group(1), int(m.group(2))
        assert tuple(wb["Lists"][f"{col}{r}"].value for r in range(2, last + 1)) == expected


# -- dates ----------------------------------------------------------------------------------------
def test_dates_are_real_date_cells_with_iso_format(demo_book):
    _, _, wb = demo_book
    cover_date = pairs(wb["Cover"])["Date"]
    assert cover_date.data_type == "d"
    assert cover_date.value == dt.datetime(2026, 11, 30)
    assert cover_date.number_format == "yyyy-mm-dd"
    scope = pairs(wb["Scope"])
    for label, day in (("Certificate issued", dt.datetime(2024, 5, 14)),
                       ("Certificate expiry", dt.datetime(2027, 5, 13))):
        cell = scope[label]
        assert cell.data_type == "d", label
        assert cell.value == day, label
        assert cell.number_format == "yyyy-mm-dd", label


def test_a_malformed_draft_date_is_kept_as_typed_text(demo, tmp_path):
    profile = dict(demo.profile, certificate_expiry="31/12/2027")
    problems = update_profile_draft(demo, profile)
    assert any(p.field == "certificate_expiry" for p in problems)
    _, wb = export(demo, tmp_path)
    cell = pairs(wb["Scope"])["Certificate expiry"]
    assert cell.data_type == "s"
    assert cell.value == "31/12/2027"


def test_date_column_writes_iso_strings_as_dates(tmp_path):
    cell = write_one(tmp_path, "2027-03-31", kind="date")
    assert cell.data_type == "d"
    assert cell.value == dt.datetime(2027, 3, 31)
    assert cell.number_format == "yyyy-mm-dd"
    # what is not a date stays visible as text
    cell = write_one(tmp_path, "=TODAY()", kind="date")
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", "=TODAY()", True)


# -- formula injection ---------------------------------------------------------------------------
def _cells_in(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def _assert_text(cell, expected: str) -> None:
    where = f"{cell.parent.title}!{cell.coordinate}"
    assert cell.data_type == "s", where
    assert cell.value == expected, where
    # the apostrophe marker round-trips as the cell style's quotePrefix
    assert cell.quotePrefix is expected.startswith(FORMULA_TRIGGERS), where


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_injection_payloads_come_back_as_text(payload, demo, tmp_path):
    profile = dict(demo.profile, organisation=payload)
    assert update_profile_draft(demo, profile) == []
    record = add_record(demo, AI_SYSTEMS, system(name=payload, purpose=payload))
    # The model keeps what it stores as typed, but line ends are normalised (CR -> LF) and
    # one-line fields are trimmed, so '\t=1+1' is stored as '=1+1' in the name and kept with
    # its tab in the (multi-line) purpose; '\r=1+1' is stored as '=1+1' in both.
    stored_name, stored_purpose = record["name"], record["purpose"]
    assert stored_name == payload.strip()
    assert stored_purpose == payload.replace("\r", "\n").strip("\n ")
    path, wb = export(demo, tmp_path)

    ws = wb["AI Systems"]
    row = row_of(ws, record["id"])
    _assert_text(ws.cell(row, column_of(ws, "Name")), stored_name)
    _assert_text(ws.cell(row, column_of(ws, "Intended purpose")), stored_purpose)
    _assert_text(pairs(wb["Cover"])["Organisation"], demo.organisation)
    _assert_text(pairs(wb["Scope"])["Organisation"], demo.organisation)
    assert {p.name: p.value for p in wb.custom_doc_props}["Organisation"] == demo.organisation

    # nothing anywhere in the workbook is a formula or an error value
    assert not [c.coordinate for c in _cells_in(wb) if c.data_type in ("f", "e")]
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name).decode("utf-8")
                assert not re.search(r"<f[ >]", xml), name
                assert 't="e"' not in xml, name


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_injection_payloads_written_directly_keep_their_text(payload, tmp_path):
    """Straight through the writer, without the model's trimming."""
    cell = write_one(tmp_path, payload)
    # A lone CR is read back from XML as LF, so the neutraliser turns it into LF itself;
    # a leading tab is kept. Either way the text starts with a trigger and gets the marker.
    expected = payload.replace("\r", "\n")
    assert neutralise(payload) == expected
    _assert_text(cell, expected)


@pytest.mark.parametrize("payload", ["=1+1", "+1", "-1", "@A1", "\tx", "\nx", "#REF!", "plain"])
def test_set_text_stores_text_and_marks_triggers(payload):
    ws = openpyxl.Workbook().active
    xlsx.set_text(ws["A1"], payload)
    assert ws["A1"].data_type == "s"
    assert ws["A1"].value == payload
    assert ws["A1"].quotePrefix is payload.startswith(FORMULA_TRIGGERS)


def test_injection_in_document_control_and_choice_lists_is_neutralised(tmp_path):
    writer = WorkbookWriter(control(title="=1+1", organisation="@SUM(A1)", owner="-2+3",
                                    classification="+1", frameworks=["=X()"]))
    writer.add_cover([("=evil()", "+evil")])
    writer.add_table("=Sheet", [Column("=Status", lambda r: r["s"], kind="choice",
                                       choices=("=A()", "+B"))], [{"s": "=A()"}])
    wb = openpyxl.load_workbook(writer.save(tmp_path / "dc.xlsx"))
    assert not [c.coordinate for c in _cells_in(wb) if c.data_type == "f"]
    cover = pairs(wb["Cover"])
    _assert_text(wb["Cover"]["A1"], "=1+1")
    _assert_text(cover["Organisation"], "@SUM(A1)")
    _assert_text(cover["Owner"], "-2+3")
    _assert_text(cover["=evil()"], "+evil")
    _assert_text(wb["=Sheet"]["A1"], "=Status")
    _assert_text(wb["Lists"]["A2"], "=A()")
    _assert_text(wb["Lists"]["A3"], "+B")


# -- control characters and length -------------------------------------------------------------
def test_neutralise_removes_control_characters_and_keeps_line_breaks():
    assert neutralise("a\x00b\x07c\x1bd\x7fe") == "abcde"
    assert neutralise("line 1\nline 2\ttabbed") == "line 1\nline 2\ttabbed"
    assert neutralise("windows\r\nline") == "windows\nline"
    assert neutralise("old mac\rline") == "old mac\nline"
    assert neutralise(None) == ""
    assert neutralise(42) == "42"
    # characters XML 1.0 cannot hold at all would make the workbook unreadable
    assert neutralise("a\ufffeb\uffffc\ud800d") == "abcd"
    assert neutralise("emoji \U0001F600 and accents é ok") == "emoji \U0001F600 and accents é ok"


def test_control_characters_are_removed_in_a_sheet(tmp_path):
    cell = write_one(tmp_path, "a\x00b\x07c\x1bd\r\ne\tf")
    assert cell.data_type == "s"
    assert cell.value == "abcd\ne\tf"


def test_xml_illegal_characters_from_an_assessment_do_not_break_the_workbook(demo, tmp_path):
    # The model's own cleaning keeps these; the export must not write a corrupt file.
    record = add_record(demo, AI_SYSTEMS, system(name="Model\uffff X\ufffe", purpose="p\ud800q"))
    path, wb = export(demo, tmp_path)  # openpyxl refuses to load a workbook holding them
    ws = wb["AI Systems"]
    row = row_of(ws, record["id"])
    assert ws.cell(row, column_of(ws, "Name")).value == "Model X"
    # a lone surrogate is repaired at input (U+FFFD), so the file can always be saved
    assert ws.cell(row, column_of(ws, "Intended purpose")).value == "p\ufffdq"


def test_neutralise_cuts_long_text_with_a_visible_marker():
    assert EXCEL_CELL_LIMIT == 32767
    exact = "x" * EXCEL_CELL_LIMIT
    assert neutralise(exact) == exact  # at the limit: untouched
    long = "y" * (EXCEL_CELL_LIMIT + 1)
    cut = neutralise(long)
    assert len(cut) == EXCEL_CELL_LIMIT
    assert cut.endswith(TRUNCATION_MARKER)
    assert cut == "y" * (EXCEL_CELL_LIMIT - len(TRUNCATION_MARKER)) + TRUNCATION_MARKER
    assert "truncated" in TRUNCATION_MARKER
    # control characters are removed before measuring: this fits once they are gone
    assert neutralise("z" * EXCEL_CELL_LIMIT + "\x00" * 10) == "z" * EXCEL_CELL_LIMIT


def test_long_text_is_cut_in_a_sheet_not_silently(tmp_path):
    text = "".join(f"{i:05d} " for i in range(10000))  # 60,000 characters
    cell = write_one(tmp_path, text)
    assert len(cell.value) == EXCEL_CELL_LIMIT
    assert cell.value.endswith(TRUNCATION_MARKER)
    assert text.startswith(cell.value[: -len(TRUNCATION_MARKER)])


# -- sheet titles --------------------------------------------------------------------------------
@pytest.mark.parametrize("title", [
    "Risks [draft]", "a:b*c?d/e\\f", "x" * 40, "'quoted'", "", "[]:*?/\\",
    "a" * 30 + "'b", "Control\x07s",
])
def test_safe_sheet_title(title):
    safe = safe_sheet_title(title)
    assert safe
    assert len(safe) <= 31
    assert not re.search(r"[\[\]:*?/\\]", safe)
    assert not re.search(r"[\x00-\x1f]", safe)
    assert not safe.startswith("'") and not safe.endswith("'")  # Excel refuses those


def test_safe_sheet_title_values():
    assert safe_sheet_title("Risks [draft]") == "Risks -draft-"
    assert safe_sheet_title("AI Systems") == "AI Systems"
    assert safe_sheet_title("x" * 40) == "x" * 31
    assert safe_sheet_title("'quoted'") == "quoted"
    assert safe_sheet_title("") == "Sheet"


def test_a_hostile_sheet_title_gives_a_loadable_sheet(tmp_path):
    title = "Q3/Q4 [AI]: risks? *all* \\ " + "z" * 20
    writer = WorkbookWriter(control())
    ws = writer.add_table(title, [Column("A", lambda r: r["a"])], [{"a": 1}])
    assert ws.title == safe_sheet_title(title)
    wb = openpyxl.load_workbook(writer.save(tmp_path / "titles.xlsx"))
    assert safe_sheet_title(title) in wb.sheetnames
    assert len(ws.title) == 31


# -- errors and atomic save ---------------------------------------------------------------------
def test_export_folder_that_cannot_be_created_raises_export_error(demo, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    target = blocker / "exports"
    with pytest.raises(ExportError) as info:
        export_workbook(demo, target, today=TODAY)
    message = str(info.value)
    assert "Cannot create the export folder" in message
    assert str(target) in message
    assert not target.exists()


def test_export_to_a_path_that_is_a_file_raises_export_error(demo, tmp_path):
    blocker = tmp_path / "exports"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="exports"):
        export_workbook(demo, blocker, today=TODAY)
    assert blocker.read_text() == "x"


def test_export_creates_missing_folders(demo, tmp_path):
    out = tmp_path / "a" / "b" / "exports"
    path = export_workbook(demo, out, today=TODAY)
    assert path.parent == out and path.is_file()


def test_successful_export_leaves_no_temporary_files(demo, tmp_path):
    first = export_workbook(demo, tmp_path, today=TODAY)
    second = export_workbook(demo, tmp_path, today=TODAY)  # overwrites in place
    assert first == second
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]
    openpyxl.load_workbook(second)


def test_failed_save_keeps_the_previous_workbook_and_no_temp_file(demo, tmp_path, monkeypatch):
    path = export_workbook(demo, tmp_path, today=TODAY)
    before = path.read_bytes()

    def torn_write(fd, data):
        os.write(fd, b"PK half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx, "_write_all", torn_write)
    with pytest.raises(ExportError) as info:
        export_workbook(demo, tmp_path, today=TODAY)
    assert "No space left on device" in str(info.value)
    assert path.name in str(info.value)
    assert path.read_bytes() == before  # the reader never sees half a workbook
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_every_split_sheet_prints_its_core_columns_on_one_readable_page(demo_book):
    """Checked on the file, without LibreOffice (tests/test_print_layout.py prints it): a
    sheet too wide for one page has its core columns fit one A3 page at its scale, and its
    ID column repeats beside the detail columns; no header word is broken across lines."""
    from aigov_tui.core.xlsx import header_width

    _, _, wb = demo_book
    split = 0
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.max_row < 1:
            continue
        widths = [ws.column_dimensions[get_column_letter(j)].width or 13
                  for j in range(1, ws.max_column + 1)]
        for j, width in enumerate(widths, 1):
            header = ws.cell(1, j).value
            if ws.title not in ("Cover", "Scope") and isinstance(header, str):
                assert width >= header_width(header), (ws.title, header, width)
        if not ws.col_breaks.brk:
            continue
        split += 1
        scale = int(ws.page_setup.scale)
        at = ws.col_breaks.brk[0].id
        assert scale >= READABLE_SCALE, ws.title
        assert sum(widths[:at]) * scale / 100 <= A3_WIDTH, (ws.title, sum(widths[:at]), scale)
        # the details may need more than one page across; the ID column repeats on each
        assert ws.print_title_cols.replace("$", "") == "A:A", ws.title
    assert split >= 3  # at least AI Systems, Risk Register and SoA are split
