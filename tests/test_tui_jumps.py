"""The problem list (f8) and the gap list (v) lead to the records they name; f8 lists SoA gaps."""

from __future__ import annotations

from pathlib import Path

from aigov_tui.core.jumps import gap_entries, problem_entries
from aigov_tui.screens.step3_risks import RisksScreen
from aigov_tui.screens.step4_controls import ControlsScreen
from aigov_tui.widgets.dialogs import JumpDialog
from aigov_tui.widgets.register_view import RegisterView

from .conftest import TODAY, test_app
from .tui_helpers import settle

SIZE = (80, 24)


def test_problem_entries_name_their_step_register_and_record(a, cats):
    jumps = problem_entries(a, cats, TODAY)
    risk = [j for j in jumps if j.register == "risks" and not j.text.startswith("SoA gap")]
    assert risk and all(j.step == 3 and j.record_id.startswith("R-") for j in risk)
    gaps = [j for j in jumps if j.text.startswith("SoA gap")]
    assert len(gaps) == len(gap_entries(a, cats, TODAY)) > 0
    assert {j.register for j in gaps} <= {"soa", "risks"}
    assert all(j.step in (3, 4) for j in gaps)


async def test_f8_goes_to_the_risk_a_problem_names(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)                                   # Step 1
        jumps = problem_entries(app.session.assessment, app.catalogs, TODAY)
        index = next(i for i, j in enumerate(jumps) if j.register == "risks")
        target = jumps[index].record_id
        assert any(j.text.startswith("SoA gap") for j in jumps)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, JumpDialog)
        assert "SoA gap" in app.screen.title_text
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot, 3)
        assert isinstance(app.screen, RisksScreen)
        view = app.screen.query_one("#risks", RegisterView)
        assert view.table.selected_id == target
        assert app.focused is view.table.table


async def test_gap_list_goes_to_the_soa_row_even_when_filtered_out(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot, 3)
        screen = app.screen
        assert isinstance(screen, ControlsScreen)
        screen.query_one("#f-framework").value = "42001"      # hides every 27001 row
        await settle(pilot)
        jumps = gap_entries(app.session.assessment, app.catalogs, TODAY)
        index = next(i for i, j in enumerate(jumps) if j.register == "soa" and j.record_id.startswith("A.8"))
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, JumpDialog)
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot, 3)
        assert app.screen is screen
        view = screen.query_one("#soa", RegisterView)
        assert view.table.selected_id == jumps[index].record_id
        assert str(screen.query_one("#f-framework").value) == ""


async def test_a_gap_about_a_risk_goes_to_step_3(risk_file: Path) -> None:
    from aigov_tui.core.registers import RISKS
    from aigov_tui.core.store import Store
    from .conftest import build_risk_demo

    a = build_risk_demo()
    a.records(RISKS)[3].update(planned_27001=[], planned_42001=[])
    Store.create(Path("gap.aigov.json"), a).close()
    app = test_app(Path("gap.aigov.json"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot, 3)
        jumps = gap_entries(app.session.assessment, app.catalogs, TODAY)
        index = next(i for i, j in enumerate(jumps) if j.register == "risks")
        await pilot.press("v")
        await settle(pilot)
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot, 3)
        assert isinstance(app.screen, RisksScreen)
        assert app.screen.query_one("#risks", RegisterView).table.selected_id == a.records(RISKS)[3]["id"]
