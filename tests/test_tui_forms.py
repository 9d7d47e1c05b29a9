"""Pilot: jumping to a form field (alt+letter, ctrl+f) and the focused field always in view."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aigov_tui.core.registers import AI_SYSTEMS, PROFILE, REGISTERS
from aigov_tui.widgets.dialogs import FieldFinder, RecordDialog
from aigov_tui.widgets.record_form import RecordForm, accelerators

from .conftest import test_app
from .tui_helpers import choose, settle, stored_records, type_text

SIZE = (80, 24)


def _in_view(form: RecordForm, key: str) -> bool:
    """The focused field's label and input are inside the form's visible area."""
    scroll = form.query_one("#form-scroll")
    row = form.query_one(f"#row-{key}")
    top = row.virtual_region.y
    widget = form.query_one(f"#field-{key}")
    bottom = widget.virtual_region.bottom
    return scroll.scroll_offset.y <= top and bottom <= scroll.scroll_offset.y + scroll.size.height


# -- accelerators (plain function) ---------------------------------------------------------------
@pytest.mark.parametrize("register", list(REGISTERS.values()) + [PROFILE], ids=lambda r: r.name)
def test_accelerator_letters_are_unique_and_in_the_label(register):
    acc = accelerators([(f.key, f.label) for f in register.input_fields])
    letters = [letter for letter, _ in acc.values()]
    assert len(letters) == len(set(letters))
    for f in register.input_fields:
        if f.key in acc:
            letter, i = acc[f.key]
            assert f.label[i].lower() == letter
    # every field gets one while letters last
    assert len(acc) >= min(len(register.input_fields), 20)


@given(st.lists(st.text(alphabet="abcdefg hij", min_size=1, max_size=12), max_size=15))
def test_accelerators_never_reuse_a_letter(labels):
    acc = accelerators([(str(i), label) for i, label in enumerate(labels)])
    letters = [letter for letter, _ in acc.values()]
    assert len(letters) == len(set(letters))
    assert all(labels[int(k)][i].lower() == letter for k, (letter, i) in acc.items())


# -- Pilot -----------------------------------------------------------------------------------------
async def _new_ai_system(pilot) -> RecordForm:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RecordDialog)
    return pilot.app.screen.query_one(RecordForm)


async def test_tab_through_the_ai_system_form_keeps_every_field_in_view(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        form = await _new_ai_system(pilot)
        seen = []
        for _ in AI_SYSTEMS.input_fields:
            key = form._field_key(app.focused)
            assert key is not None
            await settle(pilot, 1)
            assert _in_view(form, key), f"{key} is off-screen at 80×24"
            seen.append(key)
            await pilot.press("tab")
        assert "deployment" in seen


async def test_alt_letter_jumps_to_deployment_and_saves_it(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        form = await _new_ai_system(pilot)
        letter, i = form.accelerators["deployment"]
        await type_text(pilot, "Claims bot")           # into Name, which has focus
        await pilot.press(f"alt+{letter}")
        await settle(pilot, 1)
        assert app.focused is form.query_one("#field-deployment")
        assert _in_view(form, "deployment")
        await choose(pilot, "Cust")
        # the typed name kept no stray letter from the accelerator
        assert form.values()["name"] == "Claims bot"
        assert form.values()["deployment"] == "Customer-facing"
        label = form.query_one("#row-deployment .field-label").render()
        assert any("underline" in str(span.style) for span in label.spans)


async def test_ctrl_f_finds_a_field_by_name(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        form = await _new_ai_system(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot, 1)
        assert isinstance(app.screen, FieldFinder)
        await type_text(pilot, "scope just")
        await pilot.press("enter")
        await settle(pilot, 1)
        assert isinstance(app.screen, RecordDialog)
        assert app.focused is form.query_one("#field-scope_justification")
        assert _in_view(form, "scope_justification")
        await pilot.press("ctrl+f")
        await settle(pilot, 1)
        await type_text(pilot, "no such field")
        await pilot.press("enter")                      # nothing matches: stays open
        await settle(pilot, 1)
        assert isinstance(app.screen, FieldFinder)
        await pilot.press("escape")
        await settle(pilot, 1)
        assert app.focused is form.query_one("#field-scope_justification")


async def test_the_frameworks_tick_list_cursor_stays_in_view(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")                         # Organisation tab: focus in the form
        await settle(pilot)
        form = app.screen.query_one("#profile-form", RecordForm)
        assert form.query_one("#form-scroll") is app.focused
        letter, _ = form.accelerators["frameworks"]
        await pilot.press(f"alt+{letter}")
        await settle(pilot, 1)
        ticks = form.query_one("#field-frameworks")
        assert app.focused is ticks
        for _ in range(len(PROFILE.field("frameworks").choices)):
            await pilot.press("down")
            await settle(pilot, 1)
            assert _in_view(form, "frameworks")
        await pilot.press("space")
        await settle(pilot, 3)
    assert stored_records(demo_file, "profile")[0]["frameworks"] != []


async def test_tick_lists_say_ticked_or_not_in_text(demo_file: Path) -> None:
    app = test_app(demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("g")                          # which AI systems? nothing ticked yet
        await settle(pilot)
        ticks = app.screen.query_one("#pick-list")
        first = ticks.render_line(0).text
        assert first.startswith("[ ] SYS-001")
        await pilot.press("space")
        await settle(pilot, 1)
        assert ticks.render_line(0).text.startswith("[x] SYS-001")
        assert ticks.render_line(1).text.startswith("[ ] ")
