"""Pilot tests of Step 4: the SoA, bulk decisions, the mapping in context, custom controls, evidence."""

from __future__ import annotations

import hashlib
from pathlib import Path

from aigov_tui.screens.step4_controls import ControlsScreen
from aigov_tui.widgets.dialogs import ProblemsDialog, PromptDialog, RecordDialog
from aigov_tui.widgets.register_view import RegisterView

from .conftest import test_app
from .tui_helpers import choose, settle, stored, stored_records, type_text

SIZE = (80, 24)


async def _open_step4(pilot) -> ControlsScreen:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot, 3)
    assert isinstance(pilot.app.screen, ControlsScreen)
    return pilot.app.screen


async def test_decide_a_control_by_keys(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await _open_step4(pilot)
        await pilot.press("e")                          # A.5.1, the first row
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        await choose(pilot, "Yes")                      # applicable
        await pilot.press("tab", "tab")                 # past the reasons
        await type_text(pilot, "Policy set")            # justification for inclusion
        await pilot.press("tab", "tab")                 # past exclusion justification
        await choose(pilot, "Plan")                     # status: Planned
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, ControlsScreen)
    row = next(r for r in stored_records(risk_file, "soa") if r["id"] == "A.5.1")
    assert (row["applicable"], row["justification_inclusion"], row["status"]) == ("Yes", "Policy set", "Planned")


async def test_excluding_without_a_justification_is_refused(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await _open_step4(pilot)
        await pilot.press("e")
        await settle(pilot)
        await choose(pilot, "No")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        assert "Justification for exclusion is required when Applicable is No" in str(
            app.screen.query_one("#error-justification_exclusion").render())
    assert stored_records(risk_file, "soa") == []


async def test_risk_linked_controls_are_applicable_with_their_risks(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_step4(pilot)
        view = screen.query_one("#soa", RegisterView)
        row = next(r for r in view.table.records if r["id"] == "A.5.15")
        assert row["applicable"] == "Yes" and row["linked_risks"] == ["R-005"]
        assert row["reasons"][0] == "Risk treatment"


async def test_bulk_mark_physical_controls_not_applicable(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_step4(pilot)
        screen.query_one("#f-theme").value = "Physical"
        await settle(pilot)
        assert len(screen.query_one("#soa", RegisterView).shown_ids()) == 14
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        await type_text(pilot, "No")
        await pilot.press("tab")
        await type_text(pilot, "Cloud only")
        await pilot.press("enter")
        await settle(pilot, 3)
    rows = stored_records(risk_file, "soa")
    assert len(rows) == 14
    assert all(r["id"].startswith("A.7.") and r["applicable"] == "No"
               and r["justification_exclusion"] == "Cloud only" for r in rows)


async def test_mapping_in_context_for_a_27001_control(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await _open_step4(pilot)
        await pilot.press("slash")
        await type_text(pilot, "A.5.19")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ProblemsDialog)
        text = "\n".join(app.screen.lines)
        assert "42001:A.10.3 Suppliers" in text and "threat: ML06" in text


async def test_custom_ai_control_becomes_an_soa_row(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_step4(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "Human oversight")
        await pilot.press("tab")
        await type_text(pilot, "Reviewers check")
        await pilot.press("tab")
        await type_text(pilot, "A.8.16")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        keys = [r["id"] for r in screen.query_one("#soa", RegisterView).table.records]
        assert keys[-1] == "AIC-001"
    assert stored_records(risk_file, "custom_controls")[0]["mapped_27001"] == ["A.8.16"]


async def test_evidence_file_is_hashed_and_a_change_is_flagged(risk_file: Path, workdir: Path) -> None:
    doc = workdir / "policy.txt"
    doc.write_text("AI policy v1", encoding="utf-8")
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_step4(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "AI policy")
        await pilot.press("tab")
        await choose(pilot, "Pol")
        await pilot.press("tab")
        await type_text(pilot, "policy.txt")
        await pilot.press("tab", "tab")                 # collected by, then collected on
        await pilot.press("tab", "tab")                 # valid until
        await type_text(pilot, "A.5.1")
        await pilot.press("ctrl+s")
        await settle(pilot, 4)
        ev = stored_records(risk_file, "evidence")[0]
        assert ev["sha256"] == hashlib.sha256(b"AI policy v1").hexdigest()
        assert ev["size"] == len(b"AI policy v1")
        doc.write_text("AI policy v2, edited", encoding="utf-8")
        await pilot.press("h")
        await settle(pilot, 3)
        assert "EV-001: file changed" in str(screen.query_one("#evidence-flags").render())
    assert stored(risk_file)["evidence"]["1"]["controls"] == ["A.5.1"]
