"""Core: rating a risk without its form, and the undo journal."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aigov_tui.core import scoring, soa
from aigov_tui.core.model import (
    RecordError, add_record, delete_record, set_risk_method, update_record,
)
from aigov_tui.core.rating import rate_risk, rating_text
from aigov_tui.core.registers import ASSETS, CUSTOM_CONTROLS, RISKS
from aigov_tui.core.undo import UndoJournal, keep_for_delete, keep_for_method

from .conftest import catalogs


# -- rating ------------------------------------------------------------------------------------
def test_rate_sets_both_and_derives_score_and_level(a, cats):
    rid = a.records(RISKS)[0]["id"]
    record, _ = rate_risk(a, rid, "inherent", 4, 4, cats)
    assert (record["inherent_likelihood"], record["inherent_impact"]) == (4, 4)
    assert record["inherent_score"] == 16
    assert record["inherent_level"] == "Critical"
    assert a.find(RISKS, rid) is record
    assert rating_text(a, record, "inherent") == "4×4 = 16 Critical"


def test_rate_residual_keeps_inherent(a, cats):
    r = a.records(RISKS)[2]
    before = (r["inherent_likelihood"], r["inherent_impact"])
    rate_risk(a, r["id"], "residual", 1, 1, cats)
    assert (r["inherent_likelihood"], r["inherent_impact"]) == before
    assert (r["residual_score"], r["residual_level"]) == (1, "Low")


@pytest.mark.parametrize("method_id, n", [("simple_3x3", 3), ("simple_4x4", 4), ("iso27005_5x5", 5)])
def test_rate_refuses_values_outside_the_method_scale(a, cats, method_id, n):
    set_risk_method(a, scoring.preset(cats.risk_methods[method_id]))
    r = a.records(RISKS)[0]
    before = copy.deepcopy(r)
    with pytest.raises(RecordError) as exc:
        rate_risk(a, r["id"], "inherent", n + 1, 1, cats)
    assert f"from 1 to {n}" in str(exc.value)
    assert exc.value.problems[0].field == "inherent_likelihood"
    assert r == before
    rate_risk(a, r["id"], "inherent", n, n, cats)
    assert r["inherent_score"] == n * n


def test_rate_keeps_a_draft_that_still_misses_its_owner(a, cats):
    draft = add_record(a, RISKS, {"title": "Draft", "scenario": "s", "category": a.records(RISKS)[0]["category"],
                                  "treatment": "Modify"}, cats, strict=False)
    record, problems = rate_risk(a, draft["id"], "inherent", 2, 2, cats)
    assert record["inherent_level"] == "Low"
    assert any(p.field == "risk_owner" for p in problems)


def test_rate_unknown_risk(a, cats):
    with pytest.raises(KeyError):
        rate_risk(a, "R-999", "inherent", 1, 1, cats)


@settings(max_examples=30, deadline=None)
@given(li=st.integers(-2, 7), im=st.integers(-2, 7))
def test_rate_agrees_with_the_form(li, im):
    """The strip and the form accept and refuse the same ratings and store the same record."""
    from .conftest import build_risk_demo

    cats = catalogs()
    a1 = build_risk_demo()
    r = a1.records(RISKS)[0]
    r.update(accepted_by="CISO", accepted_on="2026-11-30")  # complete, so the form may save it
    a2 = a1.copy()
    rid = r["id"]
    try:
        rate_risk(a1, rid, "inherent", li, im, cats)
        strip_ok = True
    except RecordError:
        strip_ok = False
    try:
        update_record(a2, RISKS, rid, {**a2.find(RISKS, rid), "inherent_likelihood": li,
                                       "inherent_impact": im}, cats)
        form_ok = True
    except RecordError:
        form_ok = False
    assert strip_ok == form_ok == (1 <= li <= 5 and 1 <= im <= 5)
    if strip_ok:
        assert a1.find(RISKS, rid) == a2.find(RISKS, rid)


# -- undo ----------------------------------------------------------------------------------------
def test_undo_an_edit_restores_the_record(a, cats):
    j = UndoJournal()
    r = a.records(RISKS)[1]
    before = copy.deepcopy(r)
    e = j.begin("Rated")
    e.keep_record(a, "risks", r["id"])
    rate_risk(a, r["id"], "inherent", 5, 5, cats)
    j.commit(e)
    assert j.undo(a).label == "Rated"
    assert a.find(RISKS, r["id"]) == before
    assert j.undo(a) is None


def test_undo_a_delete_puts_back_the_record_and_its_references(a, cats):
    j = UndoJournal()
    before = copy.deepcopy(a.registers)
    asset = a.records(ASSETS)[0]["id"]
    naming = [r["id"] for r in a.records(RISKS) if asset in (r.get("assets") or [])]
    assert naming, "the fixture has risks naming the first asset"
    e = j.begin(f"Deleted {asset}")
    keep_for_delete(e, a, ASSETS, asset)
    delete_record(a, ASSETS, asset)
    j.commit(e)
    assert all(asset not in (r.get("assets") or []) for r in a.records(RISKS))
    j.undo(a)
    assert a.registers == before
    # the journal kept only what the delete touched
    assert {(k.table, k.record_id) for k in e.records} == {("assets", asset)} | {("risks", x) for x in naming}


def test_undo_a_delete_of_a_custom_control_puts_back_its_soa_row(a, cats):
    j = UndoJournal()
    c = add_record(a, CUSTOM_CONTROLS, {"title": "Human oversight", "objective": "o"}, cats)
    soa.update_row(a, cats, c["id"], {"applicable": "Yes", "justification_inclusion": "needed"})
    before = copy.deepcopy(a.registers)
    e = j.begin("del")
    keep_for_delete(e, a, CUSTOM_CONTROLS, c["id"])
    delete_record(a, CUSTOM_CONTROLS, c["id"])
    j.commit(e)
    assert soa.stored_row(a, c["id"]) is None
    j.undo(a)
    assert a.registers == before


def test_undo_an_add_removes_it_but_the_id_is_not_reused(a, cats):
    j = UndoJournal()
    e = j.begin("add")
    new = add_record(a, RISKS, {**a.records(RISKS)[0], "title": "New"}, cats, strict=False)
    e.keep_added("risks", new["id"])
    j.commit(e)
    j.undo(a)
    assert a.find(RISKS, new["id"]) is None
    again = add_record(a, RISKS, {**a.records(RISKS)[0], "title": "Again"}, cats, strict=False)
    assert again["id"] != new["id"]


def test_undo_a_bulk_soa_decision(a, cats):
    j = UndoJournal()
    before = copy.deepcopy(a.records("soa"))
    keys = ["A.7.1", "A.7.2", "A.7.3"]
    e = j.begin("bulk")
    e.keep_records(a, "soa", keys)
    done, _ = soa.bulk_decide(a, cats, keys, "No", "Cloud only, no premises", "")
    j.commit(e)
    assert done == keys
    assert all(soa.row(a, cats, k)["applicable"] == "No" for k in keys)
    j.undo(a)
    assert a.records("soa") == before
    assert all(soa.row(a, cats, k)["applicable"] == "Undecided" for k in keys)


def test_undo_a_risk_method_change(a, cats):
    j = UndoJournal()
    method, risks = copy.deepcopy(a.risk_method), copy.deepcopy(a.records(RISKS))
    e = j.begin("method")
    keep_for_method(e, a)
    set_risk_method(a, scoring.preset(cats.risk_methods["simple_3x3"]))
    j.commit(e)
    assert scoring.size(a.risk_method) == 3
    j.undo(a)
    assert a.risk_method == method
    assert a.records(RISKS) == risks


def test_undo_in_order_and_bounded_depth(a, cats):
    j = UndoJournal(depth=3)
    r = a.records(RISKS)[0]
    values = []
    for n in range(1, 6):
        values.append((r["inherent_likelihood"], r["inherent_impact"]))
        e = j.begin(f"step {n}")
        e.keep_record(a, "risks", r["id"])
        rate_risk(a, r["id"], "inherent", n, n, cats)
        j.commit(e)
    assert len(j) == 3
    labels = [j.undo(a).label for _ in range(3)]
    assert labels == ["step 5", "step 4", "step 3"]
    assert (r["inherent_likelihood"], r["inherent_impact"]) == values[2]
    assert j.undo(a) is None


def test_cancelled_and_empty_entries_are_not_kept(a):
    j = UndoJournal()
    e = j.begin("failed")
    e.keep_record(a, "risks", a.records(RISKS)[0]["id"])
    j.cancel(e)
    j.commit(j.begin("nothing touched"))
    assert len(j) == 0
