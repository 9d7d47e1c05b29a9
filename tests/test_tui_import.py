"""The import screen: f9, the path, the diff row by row, then one atomic save."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from aigov_tui.core.export import export_workbook
from aigov_tui.core.store import Store
from aigov_tui.screens.import_diff import ImportScreen

from .conftest import TODAY, catalogs, test_app
from .tui_helpers import settle, stored_records

SIZE = (120, 40)


def _book(path: Path, folder: Path) -> Path:
    with Store.open(path, read_only=True) as store:
        a = store.load()
    book = export_workbook(a, folder, today=TODAY, catalogs=catalogs())
    wb = openpyxl.load_workbook(book)
    ws = wb["AI Systems"]
    owner = [c.column for c in ws[1] if c.value == "Business owner"][0]
    ws.cell(2, owner).value = "Head of Fraud Ops"  # SYS-001
    ws.cell(3, owner).value = "Head of Support"  # SYS-002
    wb.save(book)
    return book


async def _open_diff(pilot, book: Path) -> None:
    await pilot.press("f9")
    await settle(pilot)
    field = pilot.app.screen.query_one("#prompt-path")
    field.value = str(book)
    await pilot.press("enter")
    await settle(pilot, 3)
    assert isinstance(pilot.app.screen, ImportScreen)


async def test_import_screen_applies_accepted_rows_and_leaves_rejected_ones(demo_file: Path,
                                                                            tmp_path: Path):
    book = _book(demo_file, tmp_path)
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open_diff(pilot, book)
        screen = pilot.app.screen
        assert [r.record_id for r in screen.diff.rows] == ["SYS-001", "SYS-002"]
        await pilot.press("down", "space")  # reject the second row (SYS-002)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ImportScreen)
    systems = {r["id"]: r for r in stored_records(demo_file, "ai_systems")}
    assert systems["SYS-001"]["business_owner"] == "Head of Fraud Ops"
    assert systems["SYS-002"]["business_owner"] != "Head of Support"
    assert Path(str(demo_file) + ".bak").exists()


async def test_escape_on_the_import_screen_changes_nothing(demo_file: Path, tmp_path: Path):
    book = _book(demo_file, tmp_path)
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = [r["business_owner"] for r in stored_records(demo_file, "ai_systems")]
        await _open_diff(pilot, book)
        await pilot.press("escape")
        await settle(pilot)
        assert [r["business_owner"] for r in stored_records(demo_file, "ai_systems")] == before
