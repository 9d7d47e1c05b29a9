"""Pilot: tables use the width they have, and the selected row's full name is shown under them."""

from __future__ import annotations

from pathlib import Path

from aigov_tui.widgets.register_view import RegisterView

from .conftest import catalogs, test_app
from .tui_helpers import settle


async def test_soa_titles_get_the_free_width_at_120_columns(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot, 3)
        view = app.screen.query_one("#soa", RegisterView)
        table = view.table.table
        title = table.columns[next(k for k in table.columns if k.value == "title")]
        assert title.width >= 36
        used = sum(c.width + 1 for c in table.columns.values())
        # nothing left idle beyond the column gaps the width budget reserves
        assert used >= table.size.width - len(table.columns) - 4
        await pilot.press("down")
        await settle(pilot, 1)
        detail = str(view.table.query_one("#table-detail").render())
        full = catalogs().iso27001["A.5.2"]["title"]
        assert detail == f"A.5.2 · {full}"


async def test_the_selected_risk_s_full_title_at_80_columns(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        view = app.screen.query_one("#risks", RegisterView)
        for _ in range(3):
            await pilot.press("down")
        await settle(pilot, 1)
        rid = view.table.selected_id
        record = app.session.assessment.find("risks", rid)
        table = view.table.table
        cell = str(table.get_row_at(table.get_row_index(rid))[2])
        title_width = table.columns[next(k for k in table.columns if k.value == "title")].width
        assert len(record["title"]) > title_width            # cut in the table …
        detail = str(view.table.query_one("#table-detail").render())
        assert detail == f"{rid} · {record['title']}"         # … and whole under it
        assert cell == record["title"]
