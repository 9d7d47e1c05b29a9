"""Pilot tests of the app shell: home screen, new assessment, steps, help, read-only, export."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from aigov_tui.core.store import Store
from aigov_tui.screens.step4_controls import ControlsScreen
from aigov_tui.screens.help import HelpScreen, help_rows
from aigov_tui.screens.home import HomeScreen
from aigov_tui.screens.step1_scope import ScopeScreen
from aigov_tui.screens.step2_assets import AssetsScreen
from aigov_tui.screens.step7_audit import AuditScreen
from aigov_tui.widgets.dialogs import PromptDialog, RecordDialog
from aigov_tui.widgets.stepper import Stepper

from .conftest import test_app
from .tui_helpers import settle, stored, type_text

SIZE = (80, 24)


async def test_new_assessment_from_the_home_screen(workdir: Path) -> None:
    app = test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        await pilot.press("enter")                 # nothing typed: the form says what is missing
        await settle(pilot)
        assert "Organisation is required." in str(app.screen.query_one("#prompt-error-organisation").render())
        await type_text(pilot, "Acme Bank")
        await pilot.press("tab")
        await type_text(pilot, "acme")
        await pilot.press("enter")
        await settle(pilot, 3)
        assert isinstance(app.screen, ScopeScreen)
        assert app.session is not None and app.session.path.name == "acme.aigov.json"
    data = stored(workdir / "acme.aigov.json")
    assert data["profile"]["1"]["organisation"] == "Acme Bank"
    assert data["meta"]["1"]["schema_version"] == 1
    assert (workdir / "acme.aigov.json").stat().st_mode & 0o777 == 0o600


async def test_new_assessment_refuses_an_existing_file(demo_file: Path) -> None:
    app = test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "Acme")
        await pilot.press("tab")
        await type_text(pilot, "demo")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        assert "already exists" in str(app.screen.query_one("#prompt-error-path").render())


async def test_open_a_file_and_reopen_from_recent(demo_file: Path) -> None:
    app = test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await type_text(pilot, "missing.aigov.json")
        await pilot.press("enter")
        await settle(pilot)
        assert "does not exist" in str(app.screen.query_one("#prompt-error-path").render())
        app.screen.query_one("#prompt-path").value = str(demo_file)
        await pilot.press("enter")
        await settle(pilot, 3)
        assert isinstance(app.screen, ScopeScreen)
        await pilot.press("ctrl+o")                 # home: closes the file, releases the lock
        await settle(pilot, 3)
        assert isinstance(app.screen, HomeScreen)
        assert app.session is None
        assert not Path(str(demo_file) + ".lock").exists()
        menu = app.screen.query_one("#home-menu")
        recent = [menu.get_option_at_index(i).id for i in range(menu.option_count)]
        assert f"recent:{demo_file.resolve()}" in recent


async def test_open_the_demo_from_home(workdir: Path, isolated_home: Path) -> None:
    app = test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot, 3)
        assert isinstance(app.screen, ScopeScreen)
        assert app.session is not None
        assert app.session.assessment.organisation == "Fernhill Payments Ltd"
        assert app.session.path == isolated_home / "data" / "demo.aigov.json"


async def test_step_navigation_keys_and_stepper(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert isinstance(app.screen, AssetsScreen)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, ControlsScreen)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert app.screen.query_one(Stepper).current == 7
        await pilot.press("right_square_bracket")   # already last: stays
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.screen.NUMBER == 6
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ScopeScreen)
        statuses = app.screen.query_one(Stepper).statuses
        assert statuses[0].value == "complete"
        assert [s.value for s in statuses[1:]] == ["not started"] * 6


async def test_help_lists_every_key(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = help_rows()
        text = " ".join(f"{keys} {what}" for _, keys, what in rows)
        for needle in ("ctrl+q", "ctrl+r", "Add a record", "Go to step 4", "Validate and save"):
            assert needle in text, needle
        # every binding of the app and the shared widgets is listed
        from aigov_tui.app import AigovApp
        from aigov_tui.widgets.record_table import RecordTable
        described = {what for _, _, what in rows}
        for binding in [*AigovApp.BINDINGS, *RecordTable.BINDINGS]:
            assert (binding.tooltip or binding.description) in described
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ScopeScreen)


async def test_command_palette_offers_every_step_and_action(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for n in range(1, 8):
            assert any(t.startswith(f"Go to step {n}:") for t in titles)
        for action in ("Add AI system", "Redraft scope addendum", "Export workbook",
                       "Validate assessment", "Save now", "Home", "Quit", "Help: keys"):
            assert action in titles, action


async def test_second_writer_opens_read_only_with_a_banner(demo_file: Path) -> None:
    holder = Store.open(demo_file)            # another aigov has the file
    try:
        before = demo_file.read_bytes()
        app = test_app(demo_file)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.session is not None and app.session.read_only
            assert app.header_info()[2] is True
            header = str(app.screen.query_one("#app-header").render())
            assert "READ-ONLY" in header
            await pilot.press("a")                # refused, no form opens
            await settle(pilot)
            assert isinstance(app.screen, ScopeScreen)
            await pilot.press("enter")            # records can still be viewed
            await settle(pilot)
            assert isinstance(app.screen, RecordDialog) and app.screen.read_only
            await pilot.press("escape")
            await pilot.press("ctrl+q")
            await settle(pilot)
        assert demo_file.read_bytes() == before
    finally:
        holder.close()


async def test_quit_releases_the_lock(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert Path(str(demo_file) + ".lock").exists()
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert not Path(str(demo_file) + ".lock").exists()
    Store.open(demo_file).close()             # free for the next writer


async def test_export_from_the_workbench(demo_file: Path, workdir: Path) -> None:
    out = workdir / "out"
    app = test_app(demo_file, export_dir=out)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot, 3)
    files = list(out.glob("*.xlsx"))
    assert [f.name for f in files] == ["fernhill-payments-ltd-ai-isms-2026-11-30.xlsx"]
    wb = load_workbook(files[0])
    assert wb["AI Systems"].max_row == 6


async def test_corrupt_file_is_reported_and_left_alone(workdir: Path) -> None:
    bad = workdir / "bad.aigov.json"
    bad.write_text('{"meta": {"1": {"schema_version": 1}}, "ai_systems": [', encoding="utf-8")
    before = bad.read_bytes()
    app = test_app(bad)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 3)
        assert isinstance(app.screen, HomeScreen)
        assert app.session is None
    assert bad.read_bytes() == before
