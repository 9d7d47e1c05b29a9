"""Defects found on the issue #12 walk-through, TUI side: Pilot tests that drive the screens by
keys and check the stored file. Each failed before its fix."""

from __future__ import annotations

from pathlib import Path

from aigov_tui.widgets.dialogs import ListConfirmDialog

from .conftest import test_app
from .tui_helpers import choose, settle, stored, stored_records

SIZE = (80, 24)


async def test_a_risk_method_change_is_previewed_and_confirmed(risk_file: Path) -> None:
    before = stored_records(risk_file, "risks")
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        app.screen.query_one("#method-preset").focus()
        await choose(pilot, "3×3")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ListConfirmDialog)
        shown = "\n".join(dialog.lines)
        assert dialog.lines and all(line.split()[0].startswith("R-") for line in dialog.lines)
        assert "→" in shown
        await pilot.press("n")                      # cancel: nothing changes
        await settle(pilot, 3)
        assert len(stored(risk_file)["risk_method"]["1"]["likelihood"]) == 5
        assert stored_records(risk_file, "risks") == before
        await pilot.press("ctrl+s")
        await settle(pilot)
        lines = list(app.screen.lines)
        await pilot.press("y")
        await settle(pilot, 3)
    after = {r["id"]: r for r in stored_records(risk_file, "risks")}
    assert len(stored(risk_file)["risk_method"]["1"]["likelihood"]) == 3
    changed = {r["id"] for r in before
               if (r["inherent_level"], r["residual_level"])
               != (after[r["id"]]["inherent_level"], after[r["id"]]["residual_level"])}
    assert {line.split()[0].rstrip(":") for line in lines} == changed


def _cells(view) -> list[list[str]]:
    t = view.table.table
    return [[str(c) for c in t.get_row_at(i)] for i in range(t.row_count)]


async def test_all_staff_assignment_ticks_everyone_and_tables_show_role_titles(programme_file: Path) -> None:
    from textual.widgets import SelectionList

    from aigov_tui.widgets.dialogs import PickDialog
    from aigov_tui.widgets.register_view import RegisterView

    app = test_app(programme_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        modules = app.screen.query_one("#modules", RegisterView)
        text = "\n".join(" ".join(row) for row in _cells(modules))
        assert "all_staff" not in text and "ml_engineer" not in text
        assert "All staff" in text and "ML engineer" in text
        people = app.screen.query_one("#people", RegisterView)
        assert "ml_engineer" not in "\n".join(" ".join(row) for row in _cells(people))
        ids = modules.shown_ids()
        all_staff = next(m["id"] for m in app.session.assessment.records("training")
                         if m.get("audience") == ["all_staff"])
        for _ in range(ids.index(all_staff)):
            await pilot.press("down")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        picked = app.screen.query_one(SelectionList)
        assert len(picked.selected) == 3                # everyone: "All staff" means all
        assert "ml_engineer" not in str(picked.get_option_at_index(2).prompt)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("enter")                      # due date as offered
        await settle(pilot, 3)
    mine = [r for r in stored_records(programme_file, "assignments") if r["module"] == all_staff]
    assert sorted(r["person"] for r in mine) == ["PER-001", "PER-002", "PER-003"]
