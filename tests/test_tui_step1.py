"""Pilot tests: drive Step 1 with keys and check what reached the assessment file."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from aigov_tui.widgets.virtual_table import VirtualTable

from aigov_tui.screens.step1_scope import ScopeScreen
from aigov_tui.widgets.dialogs import ConfirmDialog, RecordDialog

from .conftest import test_app
from .tui_helpers import choose, settle, stored, stored_records, type_text

SIZE = (80, 24)


async def _fill_new_system(pilot, name: str, in_scope: str = "Yes") -> None:
    """Fill the New AI system form field by field with the keyboard only."""
    await type_text(pilot, name)
    await pilot.press("tab")
    await type_text(pilot, "Ranks")         # intended purpose
    await pilot.press("tab")
    await type_text(pilot, "Ops")           # business owner
    await pilot.press("tab")
    await choose(pilot, "Dep")              # role: Deployer
    await pilot.press("tab")
    await choose(pilot, "Thi")              # provenance: Third-party API or SaaS
    await pilot.press("tab")                # model provider is optional
    await pilot.press("tab")
    await choose(pilot, "Dep")              # lifecycle: Deployment
    await pilot.press("tab")
    await choose(pilot, "In")               # deployment: Internal
    await pilot.press("tab")
    await choose(pilot, "N")                # personal data: No
    await pilot.press("tab")
    await choose(pilot, "Li")               # EU AI Act class: Limited
    await pilot.press("tab")
    await choose(pilot, in_scope)


async def test_add_ai_system_by_keys_is_stored(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ScopeScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        await _fill_new_system(pilot, "Triage")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, ScopeScreen)
    systems = stored_records(demo_file, "ai_systems")
    added = systems[-1]
    assert added["id"] == "SYS-006"
    assert added["name"] == "Triage"
    assert added["role"] == "Deployer"
    assert added["provenance"] == "Third-party API or SaaS"
    assert added["eu_ai_act"] == "Limited"
    assert added["in_scope"] == "Yes"
    # the untouched addendum draft is redrafted to name the new system
    assert "SYS-006 Triage" in stored(demo_file)["scope"]["1"]["addendum"]


async def test_missing_fields_keep_the_form_open_and_save_nothing(demo_file: Path) -> None:
    before = demo_file.read_bytes()
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        error = app.screen.query_one("#error-name")
        assert "Name is required." in str(error.render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ScopeScreen)
    assert len(stored_records(demo_file, "ai_systems")) == 5
    assert demo_file.read_bytes() == before


async def test_partial_scope_needs_a_justification(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await _fill_new_system(pilot, "Voice bot", in_scope="Partial")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        message = str(app.screen.query_one("#error-scope_justification").render())
        assert "required when In ISMS scope is No or Partial" in message
        # the focus went to the first field with a problem
        assert app.focused is app.screen.query_one("#field-scope_justification")
        await type_text(pilot, "Logs only")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, ScopeScreen)
    added = stored_records(demo_file, "ai_systems")[-1]
    assert added["scope_justification"] == "Logs only"


async def test_edit_ai_system_by_keys(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")          # SYS-002
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, RecordDialog)
        await pilot.press("end")
        await type_text(pilot, " v2")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
        assert isinstance(app.screen, ScopeScreen)
    systems = {r["id"]: r for r in stored_records(demo_file, "ai_systems")}
    assert systems["SYS-002"]["name"] == "Customer support assistant v2"
    assert len(systems) == 5


async def test_delete_asks_first_and_never_reuses_the_id(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+end")      # SYS-005, the last row
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")             # cancelled: nothing happens
        await settle(pilot)
        assert len(stored_records(demo_file, "ai_systems")) == 5
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, 3)
        ids = [r["id"] for r in stored_records(demo_file, "ai_systems")]
        assert ids == ["SYS-001", "SYS-002", "SYS-003", "SYS-004"]
        await pilot.press("a")
        await settle(pilot)
        await _fill_new_system(pilot, "New")
        await pilot.press("ctrl+s")
        await settle(pilot, 3)
    ids = [r["id"] for r in stored_records(demo_file, "ai_systems")]
    assert ids[-1] == "SYS-006"
    assert "SYS-005" not in ids


async def test_search_and_sort_the_table(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#systems #table", VirtualTable)
        await pilot.press("slash")
        await type_text(pilot, "credit")
        await settle(pilot)
        assert table.row_count == 1
        assert table.get_row_at(0)[1] == "SYS-003"
        await pilot.press("enter")          # back to the table
        app.screen.query_one("#systems #search").value = ""
        await settle(pilot)
        assert table.row_count == 5
        await pilot.press("s")              # sort by Name
        await settle(pilot)
        names = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert names == sorted(names, key=str.casefold)
        await pilot.press("S")              # reversed
        await settle(pilot)
        names_rev = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert names_rev == list(reversed(names))


async def test_profile_is_saved_as_you_type(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        app.screen.query_one("#field-sector").focus()
        await pilot.press("end")
        await type_text(pilot, ", insurance")
        await pilot.pause(1.0)             # the typing timer fires, then the save worker
        await settle(pilot)
        assert app.save_state == "saved 14:05:00"
    profile = stored(demo_file)["profile"]["1"]
    assert profile["sector"].endswith(", insurance")


async def test_bad_date_in_profile_is_flagged_and_kept(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        app.screen.query_one("#field-certificate_expiry").focus()
        await pilot.press("ctrl+u")
        await type_text(pilot, "31/12/2027")
        await settle(pilot)
        message = str(app.screen.query_one("#error-certificate_expiry").render())
        assert "YYYY-MM-DD" in message
        await pilot.press("ctrl+q")         # quitting saves what is pending
        await settle(pilot)
    assert stored(demo_file)["profile"]["1"]["certificate_expiry"] == "31/12/2027"


async def test_addendum_edits_are_kept_and_redraft_asks_first(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        area = app.screen.query_one("#addendum", TextArea)
        assert "SYS-001 Fraud scoring model" in area.text
        area.move_cursor(area.document.end)
        await type_text(pilot, "Signed off by the CISO.")
        await pilot.pause(1.0)
        await settle(pilot)
        scope = stored(demo_file)["scope"]["1"]
        assert scope["edited"] is True
        assert scope["addendum"].rstrip().endswith("Signed off by the CISO.")
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot, 3)
    scope = stored(demo_file)["scope"]["1"]
    assert scope["edited"] is False
    assert "Signed off by the CISO." not in scope["addendum"]
