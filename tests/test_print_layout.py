"""The demo workbook printed by LibreOffice (headless, to PDF), read back page by page.

Skips with a reason when LibreOffice or poppler's pdftotext is not installed (``.ci/run``
installs both when it can). What it checks is what an auditor sees on paper: each wide
register's core columns on its first page with the header row, the ID column repeated on
every page of the sheet, the page header naming the organisation and the classification, and
the whole workbook in a bounded number of pages.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from aigov_tui.core.demo import write_demo
from aigov_tui.core.export import export_workbook
from aigov_tui.core.registers import AI_SYSTEMS, RISKS, SOA
from aigov_tui.core.store import load_read_only

from .conftest import TODAY, catalogs

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and pdftotext are needed; install libreoffice-calc-nogui "
           "and poppler-utils")

PAGE = re.compile(r"^\s*(?P<sheet>\S.*?)\s{2,}Page (?P<n>\d+) of (?P<of>\d+)\s*$", re.M)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    d = tmp_path_factory.mktemp("print")
    write_demo(d / "demo.aigov.json", TODAY, catalogs())
    book = export_workbook(load_read_only(d / "demo.aigov.json"), d, TODAY, catalogs(),
                           evidence_base=d)
    profile = d / "lo-profile"  # its own profile: no clash with another soffice running
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(d), str(book)],
                   check=True, capture_output=True, timeout=300)
    pdf = book.with_suffix(".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=120).stdout
    pages: dict[str, list[str]] = {}
    for page in text.split("\f"):
        found = PAGE.search(page)
        if found:
            pages.setdefault(found["sheet"], []).append(page)
    return book, pages


def words(header: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z0-9.]+", header) if len(w) > 2]


def test_wide_registers_print_core_columns_first_and_the_id_column_on_every_page(printed) -> None:
    book, pages = printed
    wb = openpyxl.load_workbook(book)
    split = [ws for ws in wb.worksheets if ws.sheet_state == "visible" and ws.col_breaks.brk]
    assert {SOA.sheet, RISKS.sheet, AI_SYSTEMS.sheet} <= {ws.title for ws in split}
    for ws in split:
        sheet = ws.title
        at = ws.col_breaks.brk[0].id
        core = [ws.cell(1, j).value for j in range(1, at + 1)]
        details = [ws.cell(1, j).value for j in range(at + 1, ws.max_column + 1)]
        sheet_pages = pages[sheet]
        assert len(sheet_pages) >= 2, sheet
        first = " ".join(sheet_pages[0].split())
        for header in core:                    # every core column on the first page...
            assert all(w in first for w in words(header)), (sheet, header)
        later = " ".join(" ".join(p.split()) for p in sheet_pages[1:])
        for header in details:                 # ...and every detail column on a later one
            assert all(w in later for w in words(header)), (sheet, header)
        id_header = str(ws.cell(1, 1).value)
        for n, page in enumerate(sheet_pages, 1):
            assert id_header in page, f"{sheet} page {n} lacks the repeated {id_header!r} column"
        # the ID column repeats beside the details: the first row's ID is on a details page too
        first_id = str(ws.cell(2, 1).value)
        assert sum(first_id in p for p in sheet_pages) >= 2, (sheet, first_id)


def test_every_page_header_names_the_organisation_and_the_classification(printed) -> None:
    _, pages = printed
    assert pages, "no page carries a 'Page n of m' footer"
    for sheet, sheet_pages in pages.items():
        for n, page in enumerate(sheet_pages, 1):
            assert "Fernhill Payments Ltd" in page and "Confidential" in page, (sheet, n)


def test_the_demo_workbook_prints_in_a_bounded_number_of_pages(printed) -> None:
    book, pages = printed
    total = sum(len(p) for p in pages.values())
    # Measured 87 pages (SoA 38, Risk Register 6) once core and detail columns were split at
    # a readable scale; 173 before. A layout that spills columns onto extra pages goes far over.
    assert total <= 110, {s: len(p) for s, p in pages.items()}
    visible = [ws.title for ws in openpyxl.load_workbook(book).worksheets
               if ws.sheet_state == "visible"]
    assert set(pages) == set(visible)      # every visible sheet printed, no hidden one
