"""Pilot: rating risks from the register without opening the form (Step 3, key t)."""

from __future__ import annotations

from pathlib import Path

from aigov_tui.core import scoring
from aigov_tui.core.model import set_risk_method
from aigov_tui.core.store import Store
from aigov_tui.screens.step3_risks import RisksScreen
from aigov_tui.widgets.rating_strip import RatingStrip

from .conftest import build_risk_demo, catalogs, test_app
from .tui_helpers import settle, stored_records

SIZE = (80, 24)


def _by_id(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in stored_records(path, "risks")}


async def _open_step3(pilot) -> None:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RisksScreen)


async def test_rate_ten_risks_in_41_keys(workdir: Path) -> None:
    a = build_risk_demo()
    from aigov_tui.core.model import add_record
    from aigov_tui.core.registers import RISKS

    base = dict(a.records(RISKS)[0])
    for n in range(2):
        add_record(a, RISKS, {**base, "title": f"Extra {n}"}, catalogs(), strict=False)
    path = Path("ten.aigov.json")
    Store.create(path, a).close()
    ids = [r["id"] for r in a.records(RISKS)]
    assert len(ids) == 10
    app = test_app(path)
    keys = 0
    async with app.run_test(size=SIZE) as pilot:
        await _open_step3(pilot)
        await pilot.press("t")
        keys += 1
        for i in range(10):
            digits = [str(1 + (i % 5)), str(1 + ((i + 2) % 5)), "1", "1"]
            await pilot.press(*digits)
            keys += len(digits)
        await settle(pilot, 3)
        strip = app.screen.query_one(RatingStrip)
        assert strip.record_id == ids[-1]          # stays on the last row, says so
        assert "last row" in strip.message
    assert keys == 41
    risks = _by_id(path)
    for i, rid in enumerate(ids):
        r = risks[rid]
        li, im = 1 + (i % 5), 1 + ((i + 2) % 5)
        assert (r["inherent_likelihood"], r["inherent_impact"]) == (li, im)
        assert r["inherent_score"] == li * im
        assert r["inherent_level"] == scoring.level(scoring.default_method(), li, im)
        assert (r["residual_likelihood"], r["residual_impact"], r["residual_level"]) == (1, 1, "Low")


async def test_rating_updates_the_table_at_once_and_moves_on(risk_file: Path) -> None:
    app = test_app(risk_file)
    async with app.run_test(size=SIZE) as pilot:
        await _open_step3(pilot)
        table = app.screen.query_one("#risks #table")
        first = app.screen.query_one("#risks").table.selected_id
        await pilot.press("t", "5", "5")
        await settle(pilot)
        row = table.get_row_at(table.get_row_index(first))
        assert "Critical" in [str(c) for c in row]
        strip = app.screen.query_one(RatingStrip)
        assert strip.record_id == first and strip.pos == 2
        assert "5×5 = 25 Critical" in strip.message
        await pilot.press("enter")                  # keep residual as it is, next risk
        await settle(pilot)
        second = app.screen.query_one("#risks").table.selected_id
        assert second != first and strip.record_id == second
        await pilot.press("space", "2")             # keep likelihood, impact 2
        await pilot.press("escape")
        await settle(pilot, 3)
        assert app.focused is table
    before = {r["id"]: r for r in stored_records(risk_file, "risks")}
    assert before[first]["inherent_level"] == "Critical"
    assert before[second]["inherent_impact"] == 2


async def test_rating_respects_a_3x3_method(workdir: Path) -> None:
    a = build_risk_demo()
    set_risk_method(a, scoring.preset(catalogs().risk_methods["simple_3x3"]))
    path = Path("three.aigov.json")
    Store.create(path, a).close()
    first = a.records("risks")[0]
    app = test_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_step3(pilot)
        rid = app.screen.query_one("#risks").table.selected_id
        await pilot.press("t", "4")
        strip = app.screen.query_one(RatingStrip)
        assert "rate from 1 to 3" in strip.message and strip.pos == 0
        await pilot.press("3", "3")
        await settle(pilot, 3)
    r = _by_id(path)[rid]
    assert (r["inherent_likelihood"], r["inherent_impact"], r["inherent_score"]) == (3, 3, 9)
    assert first["id"] in _by_id(path)


async def test_rating_is_refused_read_only(risk_file: Path) -> None:
    holder = test_app(risk_file)
    async with holder.run_test(size=SIZE) as p1:
        await settle(p1)
        app = test_app(risk_file)
        async with app.run_test(size=SIZE) as pilot:
            await _open_step3(pilot)
            assert app.session.read_only
            await pilot.press("t")
            await settle(pilot)
            assert not app.screen.query_one(RatingStrip).active
            assert app.focused is app.screen.query_one("#risks #table")
