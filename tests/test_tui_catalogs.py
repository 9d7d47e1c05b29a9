"""Pilot tests of the catalog browser: reachable from every screen, searchable, links and back."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from aigov_tui.screens.catalogs import CatalogScreen
from aigov_tui.screens.home import HomeScreen
from aigov_tui.screens.step1_scope import ScopeScreen

from .conftest import test_app
from .tui_helpers import settle, type_text

SIZE = (80, 24)


def _selected(screen: CatalogScreen) -> str:
    table = screen.query_one("#cat-table", DataTable)
    key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    return str(key.value)


async def test_browse_search_follow_a_link_and_come_back(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatalogScreen)
        assert screen.view_key == "iso27001"
        await pilot.press("slash")
        await type_text(pilot, "A.5.19")
        await pilot.press("enter")                  # back to the table
        await settle(pilot)
        assert _selected(screen) == "A.5.19"
        assert "A.5.19 Information security in supplier relationships" in str(
            screen.query_one("#cat-detail-text").render())
        await pilot.press("l")                      # to the related entries
        await settle(pilot)
        related = screen.query_one("#cat-related")
        first = related.get_option_at_index(0).id or ""
        assert "iso42001|" in first
        await pilot.press("enter")                  # follow the first link: a 42001 control
        await settle(pilot)
        assert screen.view_key == "iso42001"
        assert _selected(screen) == first.split("|")[1]
        await pilot.press("b")                      # and back
        await settle(pilot)
        assert screen.view_key == "iso27001"
        assert _selected(screen) == "A.5.19"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ScopeScreen)


async def test_choose_another_catalog_by_keys(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("c")
        await pilot.press("enter")
        await type_text(pilot, "AI threats")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatalogScreen)
        assert screen.view_key == "threats"
        assert screen.query_one("#cat-table", DataTable).row_count == len(app.catalogs.threats)


async def test_catalogs_open_from_the_home_screen(workdir: Path) -> None:
    app = test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
