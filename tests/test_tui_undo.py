"""Pilot: ctrl+z undoes the last change (bulk SoA decision, risk method, delete, rating) and says so."""

from __future__ import annotations

from pathlib import Path

from aigov_tui.screens.step3_risks import RisksScreen
from aigov_tui.screens.step4_controls import ControlsScreen
from aigov_tui.widgets.dialogs import PromptDialog
from aigov_tui.widgets.register_view import RegisterView

from .conftest import test_app
from .tui_helpers import choose, settle, stored, stored_records, type_text

SIZE = (80, 24)


def _listen(app) -> list[str]:
    said: list[str] = []
    real = app.notify
    app.notify = lambda message, **kw: (said.append(str(message)), real(message, **kw))  # type: ignore[method-assign]
    return said


async def test_undo_a_bulk_soa_decision(risk_file: Path) -> None:
    app = test_app(risk_file)
    said = _listen(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot, 3)
        screen = app.screen
        assert isinstance(screen, ControlsScreen)
        screen.query_one("#f-theme").value = "Physical"
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        await type_text(pilot, "No")
        await pilot.press("tab")
        await type_text(pilot, "Cloud only")
        await pilot.press("enter")
        await settle(pilot, 3)
        assert len(stored_records(risk_file, "soa")) == 14
        await pilot.press("ctrl+z")
        await settle(pilot, 3)
        view = screen.query_one("#soa", RegisterView)
        assert {r["applicable"] for r in view.table.records} == {"Undecided"}
    assert stored_records(risk_file, "soa") == []
    assert any(m.startswith("Undone: bulk decision on 14 SoA rows") for m in said)


async def test_undo_a_risk_method_change(risk_file: Path) -> None:
    before = stored(risk_file)
    app = test_app(risk_file)
    said = _listen(app)
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
        await pilot.press("y")                  # confirm the preview of level changes
        await settle(pilot, 3)
        assert len(stored(risk_file)["risk_method"]["1"]["likelihood"]) == 3
        app.screen.query_one("#risks #table").focus()
        await pilot.press("ctrl+z")
        await settle(pilot, 3)
        assert app.screen.query_one("#method-likelihood").value.startswith("Rare")
    after = stored(risk_file)
    assert after["risk_method"] == before["risk_method"]
    assert after["risks"] == before["risks"]
    assert any(m.startswith("Undone: risk method change to 3×3") for m in said)


async def test_undo_a_delete_brings_back_the_record_and_its_links(risk_file: Path) -> None:
    before = stored_records(risk_file, "risks")
    app = test_app(risk_file)
    said = _listen(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("d")                  # AST-001, named by risks
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, 3)
        assert "AST-001" not in {a["id"] for a in stored_records(risk_file, "assets")}
        assert all("AST-001" not in r["assets"] for r in stored_records(risk_file, "risks"))
        await pilot.press("ctrl+z")
        await settle(pilot, 3)
        assert app.screen.query_one("#assets").table.selected_id is not None
    assert stored_records(risk_file, "assets")[0]["id"] == "AST-001"
    assert stored_records(risk_file, "risks") == before
    assert any(m.startswith("Undone: delete of AST-001") for m in said)


async def test_undo_ratings_one_pair_at_a_time_then_nothing_left(risk_file: Path) -> None:
    before = {r["id"]: r for r in stored_records(risk_file, "risks")}
    app = test_app(risk_file)
    said = _listen(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, RisksScreen)
        rid = app.screen.query_one("#risks").table.selected_id
        await pilot.press("t", "5", "5", "4", "4", "escape")
        await settle(pilot, 3)
        assert stored_records(risk_file, "risks")[0]["residual_level"] == "Critical"
        await pilot.press("ctrl+z")
        await settle(pilot, 3)
        r = {x["id"]: x for x in stored_records(risk_file, "risks")}[rid]
        assert r["residual_likelihood"] == before[rid]["residual_likelihood"]
        assert r["inherent_level"] == "Critical"
        await pilot.press("ctrl+z")
        await settle(pilot, 3)
        await pilot.press("ctrl+z")
        await settle(pilot)
    assert {r["id"]: r for r in stored_records(risk_file, "risks")} == before
    assert any(m.startswith(f"Undone: rating of {rid} (residual 4×4)") for m in said)
    assert said[-1] == "Nothing to undo."


async def test_undo_is_refused_read_only(risk_file: Path) -> None:
    holder = test_app(risk_file)
    async with holder.run_test(size=SIZE) as p1:
        await settle(p1)
        app = test_app(risk_file)
        said = _listen(app)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+z")
            await settle(pilot)
        assert any("nothing can be changed" in m for m in said)
