"""Step 3 core: the risk method, scoring and bands for every matrix size, re-scoring when the
method changes, the acceptance rule and the other risk-register rules, references."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aigov_tui.core import scoring
from aigov_tui.core.catalogs import load_catalogs
from aigov_tui.core.demo import build_scope_demo
from aigov_tui.core.model import (
    Assessment,
    RecordError,
    add_record,
    delete_record,
    set_plan_approval,
    set_risk_method,
    update_record,
    validate_assessment,
)
from aigov_tui.core.registers import AI_SYSTEMS, ASSETS, RISKS
from aigov_tui.core.store import Store

CATS = load_catalogs()


def method(method_id: str) -> dict:
    return scoring.preset(CATS.risk_methods[method_id])


M5, M4, M3 = "iso27005_5x5", "simple_4x4", "simple_3x3"

# The matrices written out by hand (L = row, I = column), as an auditor would read them.
GRIDS = {
    M5: [
        "L L L L M",
        "L L M M H",
        "L M M H C",
        "L M H C C",
        "M H C C C",
    ],
    M4: [
        "L L L M",
        "L M M H",
        "L M H C",
        "M H C C",
    ],
    M3: [
        "L L M",
        "L M H",
        "M H H",
    ],
}
LEVEL = {"L": "Low", "M": "Medium", "H": "High", "C": "Critical"}


# -- scoring and bands for every matrix size -----------------------------------------------------
def test_the_catalog_offers_the_three_matrix_sizes():
    assert {k: scoring.size(method(k)) for k in (M5, M4, M3)} == {M5: 5, M4: 4, M3: 3}


@pytest.mark.parametrize("method_id", [M5, M4, M3])
def test_every_cell_scores_likelihood_times_impact_with_its_band_level(method_id: str):
    m = method(method_id)
    grid = [row.split() for row in GRIDS[method_id]]
    n = len(grid)
    assert scoring.size(m) == n and len(m["impact"]) == n
    for lik in range(1, n + 1):
        for imp in range(1, n + 1):
            s = scoring.score(lik, imp)
            assert s == lik * imp
            expected = LEVEL[grid[lik - 1][imp - 1]]
            assert scoring.level(m, lik, imp) == expected, (method_id, lik, imp)
            b = scoring.band(m, s)
            assert b is not None and b["level"] == expected and b["min"] <= s <= b["max"]


@pytest.mark.parametrize("method_id", [M5, M4, M3])
def test_bands_cover_every_score_exactly_once(method_id: str):
    m = method(method_id)
    n = scoring.size(m)
    covered: list[int] = []
    for b in m["bands"]:
        covered.extend(range(b["min"], b["max"] + 1))
    assert sorted(covered) == list(range(1, n * n + 1))
    assert len(covered) == len(set(covered)), "two bands overlap"
    assert scoring.validate_method(m) == []
    assert m["acceptance_threshold"] in scoring.levels(m)
    assert all(b["colour"] in scoring.COLOURS for b in m["bands"])


@pytest.mark.parametrize("method_id", [M5, M4, M3])
def test_scores_outside_the_matrix_have_no_level(method_id: str):
    m = method(method_id)
    n = scoring.size(m)
    assert scoring.band(m, 0) is None
    assert scoring.band(m, n * n + 1) is None
    assert scoring.level(m, n + 1, n) is None  # a rating off the scale gives no level


def test_default_method_is_the_catalogs_5x5_preset():
    assert scoring.DEFAULT_METHOD == method(M5)
    assert scoring.default_method() == method(M5)
    assert Assessment.new().risk_method == method(M5)


def test_default_method_is_a_copy_each_time():
    m = scoring.default_method()
    m["bands"][0]["max"] = 99
    m["likelihood"].append("Certain")
    assert scoring.DEFAULT_METHOD["bands"][0]["max"] == 4
    assert len(scoring.DEFAULT_METHOD["likelihood"]) == 5


def test_default_method_matches_the_brief():
    m = scoring.DEFAULT_METHOD
    assert m["likelihood"] == ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
    assert m["impact"] == ["Negligible", "Minor", "Moderate", "Major", "Severe"]
    assert [(b["level"], b["min"], b["max"]) for b in m["bands"]] == [
        ("Low", 1, 4), ("Medium", 5, 9), ("High", 10, 14), ("Critical", 15, 25)]
    assert m["acceptance_threshold"] == "Medium"


@pytest.mark.parametrize("value, expected", [
    (1, "Low"), (4, "Low"), (5, "Medium"), (9, "Medium"), (10, "High"), (14, "High"),
    (15, "Critical"), (25, "Critical"),
])
def test_5x5_band_boundaries(value: int, expected: str):
    assert scoring.band(scoring.DEFAULT_METHOD, value)["level"] == expected


@pytest.mark.parametrize("lik, imp", [(None, 3), (3, None), (True, 3), (3, False), ("3", 3), (2.0, 3)])
def test_score_needs_two_whole_number_ratings(lik, imp):
    assert scoring.score(lik, imp) is None
    assert scoring.level(scoring.DEFAULT_METHOD, lik, imp) is None


def test_derive_fills_inherent_and_residual_and_clears_unrated():
    record = {"inherent_likelihood": 4, "inherent_impact": 4, "residual_likelihood": 2,
              "residual_impact": None, "residual_score": 99, "residual_level": "Critical"}
    scoring.derive(record, scoring.DEFAULT_METHOD)
    assert (record["inherent_score"], record["inherent_level"]) == (16, "Critical")
    assert (record["residual_score"], record["residual_level"]) == (None, None)


def test_level_rank_and_threshold():
    m = scoring.DEFAULT_METHOD
    assert [scoring.level_rank(m, x) for x in ("Low", "Medium", "High", "Critical")] == [0, 1, 2, 3]
    assert scoring.level_rank(m, "Severe") == -1 and scoring.level_rank(m, None) == -1
    assert [scoring.above_threshold(m, x) for x in ("Low", "Medium", "High", "Critical", None)] == [
        False, False, True, True, False]


# -- validate_method ---------------------------------------------------------------------------
def five(**changes) -> dict:
    m = scoring.default_method()
    m.update(changes)
    return m


def bands5(*edits: tuple[int, str, object]) -> list[dict]:
    bands = copy.deepcopy(scoring.DEFAULT_METHOD["bands"])
    for index, key, value in edits:
        bands[index][key] = value
    return bands


@pytest.mark.parametrize("method_id", [M5, M4, M3])
def test_presets_are_valid(method_id: str):
    assert scoring.validate_method(method(method_id)) == []


@pytest.mark.parametrize("changed, wanted", [
    # a gap: nothing covers 5
    (five(bands=bands5((1, "min", 6))), ["Band 2 (Medium) starts at 6", "should start at 5"]),
    # an overlap: 4 is both Low and Medium
    (five(bands=bands5((1, "min", 4))), ["Band 2 (Medium) starts at 4", "should start at 5"]),
    # the last band stops short of the highest score
    (five(bands=bands5((3, "max", 20))), ["The bands end at 20", "the highest score is 25"]),
    # ... or runs past it
    (five(bands=bands5((3, "max", 30))), ["The bands end at 30", "the highest score is 25"]),
    (five(impact=["Minor", "Moderate", "Major", "Severe"]),
     ["5 likelihood labels but 4 impact labels"]),
    (five(likelihood=["Rare", "Unlikely", "  ", "Likely", "Almost certain"]),
     ["Likelihood label 3 is empty"]),
    (five(impact=["Negligible", "negligible ", "Moderate", "Major", "Severe"]),
     ["Impact labels must all be different"]),
    (five(bands=bands5((2, "colour", "pink"))), ["Band 3 (High) has colour 'pink'"]),
    (five(acceptance_threshold="Severe"), ["acceptance threshold must be one of the levels"]),
    (five(bands=bands5((1, "min", 9), (1, "max", 5))), ["Band 2 (Medium) needs whole numbers"]),
    (five(bands=bands5((2, "level", "medium"))), ["Level 'medium' is used by two bands"]),
    (five(bands=bands5((0, "level", ""))), ["Band 1 has no level name"]),
    (five(bands=[]), ["At least one level band is needed"]),
])
def test_validate_method_names_each_problem(changed: dict, wanted: list[str]):
    problems = scoring.validate_method(changed)
    assert problems, "the problem was not found"
    assert any(all(w in p for w in wanted) for p in problems), problems


@pytest.mark.parametrize("changed", [
    five(bands=bands5((1, "min", 6))),
    five(bands=bands5((3, "max", 20))),
    five(impact=["Minor", "Moderate", "Major", "Severe"]),
    five(bands=bands5((2, "colour", "pink"))),
    five(acceptance_threshold="Severe"),
])
def test_a_single_mistake_gives_a_single_message(changed: dict):
    assert len(scoring.validate_method(changed)) == 1


def test_a_6x6_matrix_is_refused_even_with_consistent_bands():
    labels = [f"L{i}" for i in range(1, 7)]
    m = {"likelihood": labels, "impact": labels, "acceptance_threshold": "Low",
         "bands": [{"level": "Low", "min": 1, "max": 18, "colour": "green"},
                   {"level": "High", "min": 19, "max": 36, "colour": "red"}]}
    problems = scoring.validate_method(m)
    assert len(problems) == 1
    assert "3×3, 4×4 or 5×5" in problems[0] and "6 likelihood labels" in problems[0]


def test_a_2x2_matrix_is_refused():
    m = {"likelihood": ["Low", "High"], "impact": ["Low", "High"], "acceptance_threshold": "Low",
         "bands": [{"level": "Low", "min": 1, "max": 4, "colour": "green"}]}
    assert any("2 likelihood labels" in p for p in scoring.validate_method(m))


def test_a_3x3_edit_with_5x5_bands_is_refused():
    m = method(M3)
    m["bands"] = copy.deepcopy(scoring.DEFAULT_METHOD["bands"])
    m["acceptance_threshold"] = "Medium"
    assert scoring.validate_method(m) == ["The bands end at 25; the highest score is 9."]


# -- mapping a rating to another scale, by meaning -----------------------------------------------
PROPORTIONAL = {
    (5, 4): [1, 2, 3, 3, 4],
    (5, 3): [1, 1, 2, 3, 3],
    (4, 5): [1, 2, 4, 5],
    (4, 3): [1, 2, 2, 3],
    (3, 5): [1, 3, 5],
    (3, 4): [1, 3, 4],
}


@pytest.mark.parametrize("old, new", sorted(PROPORTIONAL))
def test_proportional_table(old: int, new: int):
    assert [scoring.proportional(v, old, new) for v in range(1, old + 1)] == PROPORTIONAL[(old, new)]


@given(st.sampled_from(scoring.SIZES), st.sampled_from(scoring.SIZES))
def test_proportional_keeps_both_ends_and_order(old: int, new: int):
    mapped = [scoring.proportional(v, old, new) for v in range(1, old + 1)]
    assert mapped[0] == 1 and mapped[-1] == new
    assert mapped == sorted(mapped)
    assert [scoring.proportional(v, old, old) for v in range(1, old + 1)] == list(range(1, old + 1))


def test_a_label_both_scales_have_keeps_its_meaning():
    # the walk-through's case: "Unlikely × Minor" on the 5×5 must not become "Possible × Moderate"
    m5, m4 = method(M5), method(M4)
    assert scoring.scale_map(m5["likelihood"], m4["likelihood"]) == [1, 1, 2, 3, 4]
    assert scoring.scale_map(m4["likelihood"], m5["likelihood"]) == [2, 3, 4, 5]
    assert scoring.scale_map(m5["impact"], m4["impact"]) == [1, 1, 2, 3, 4]
    # no shared labels: the relative position decides
    assert scoring.scale_map(m5["likelihood"], method(M3)["likelihood"]) == [1, 1, 2, 3, 3]


def test_labels_in_another_order_fall_back_to_positions():
    assert scoring.scale_map(["A", "B", "C"], ["C", "B", "A", "D"]) == [1, 3, 4]


def test_map_rating_leaves_blanks_and_clamps():
    mapping = [1, 1, 2, 3, 3]
    assert scoring.map_rating(None, mapping) is None
    assert scoring.map_rating("x", mapping) == "x"
    assert scoring.map_rating(True, mapping) is True
    assert scoring.map_rating(7, mapping) == 3 and scoring.map_rating(0, mapping) == 1


# -- risks -----------------------------------------------------------------------------------
def risk(**overrides) -> dict:
    values = {
        "title": "Prompt injection in the support assistant",
        "scenario": "A customer's message makes the assistant reveal another customer's data.",
        "category": "Inference security",
        "risk_owner": "Director of Customer Operations",
        "inherent_likelihood": 2,
        "inherent_impact": 2,
        "treatment": "Modify",
        "planned_27001": ["A.8.24"],
    }
    values.update(overrides)
    return values


def problems_of(values: dict, *, method_id: str = M5, catalogs=None,
                assessment: Assessment | None = None) -> dict[str, str]:
    """{field: message} for a risk added to an assessment (empty when it was accepted)."""
    a = assessment or Assessment.new("Acme")
    a.risk_method = method(method_id)
    try:
        add_record(a, RISKS, values, catalogs)
    except RecordError as exc:
        return {p.field: p.message for p in exc.problems}
    return {}


def test_a_risk_is_scored_when_added_and_updated():
    a = Assessment.new("Acme")
    r = add_record(a, RISKS, risk(inherent_likelihood=4, inherent_impact=3,
                                  residual_likelihood=2, residual_impact="2 Minor"))
    assert (r["inherent_score"], r["inherent_level"]) == (12, "High")
    assert (r["residual_score"], r["residual_level"]) == (4, "Low")
    update_record(a, RISKS, r["id"], {**r, "inherent_likelihood": 5, "residual_likelihood": 3})
    stored = a.find(RISKS, r["id"])
    assert (stored["inherent_score"], stored["inherent_level"]) == (15, "Critical")
    assert (stored["residual_score"], stored["residual_level"]) == (6, "Medium")


def test_typed_scores_and_levels_are_ignored():
    a = Assessment.new("Acme")
    r = add_record(a, RISKS, risk(inherent_score=25, inherent_level="Critical"))
    assert (r["inherent_score"], r["inherent_level"]) == (4, "Low")


def test_a_risk_with_required_fields_is_accepted():
    assert problems_of(risk()) == {}


# -- the acceptance rule ---------------------------------------------------------------------
@pytest.mark.parametrize("lik, imp", [(1, 1), (2, 2), (1, 5), (3, 3)])
def test_no_acceptance_needed_at_or_below_the_threshold(lik: int, imp: int):
    # 5×5: up to 9 is Medium, the threshold
    assert problems_of(risk(inherent_likelihood=lik, inherent_impact=imp)) == {}


@pytest.mark.parametrize("lik, imp", [(2, 5), (5, 5), (3, 4)])
def test_acceptance_needed_above_the_threshold(lik: int, imp: int):
    found = problems_of(risk(inherent_likelihood=lik, inherent_impact=imp))
    assert set(found) == {"accepted_by", "accepted_on"}
    for key, label in (("accepted_by", "Accepted by"), ("accepted_on", "Accepted on")):
        assert found[key].startswith(f"{label} is required")
        assert "above the acceptance threshold (Medium)" in found[key]


@pytest.mark.parametrize("lik, imp", [(1, 1), (2, 5), (5, 5)])
def test_retain_always_needs_acceptance_whatever_the_level(lik: int, imp: int):
    found = problems_of(risk(treatment="Retain", planned_27001=[],
                             inherent_likelihood=lik, inherent_impact=imp))
    assert set(found) == {"accepted_by", "accepted_on"}
    assert all("treatment option is Retain" in m for m in found.values())


def test_retain_with_acceptance_is_fine():
    assert problems_of(risk(treatment="Retain", inherent_likelihood=5, inherent_impact=5,
                            accepted_by="J. Smith", accepted_on="2026-11-30")) == {}


def test_acceptance_needs_both_name_and_date():
    found = problems_of(risk(inherent_likelihood=5, inherent_impact=5, accepted_by="J. Smith"))
    assert set(found) == {"accepted_on"}


def test_residual_level_decides_when_it_is_rated():
    # Critical inherent brought down to Low: no acceptance needed
    assert problems_of(risk(inherent_likelihood=5, inherent_impact=5,
                            residual_likelihood=2, residual_impact=2)) == {}
    # Low inherent but residual rated High (e.g. a control failed): acceptance needed
    found = problems_of(risk(inherent_likelihood=1, inherent_impact=1,
                             residual_likelihood=2, residual_impact=5))
    assert set(found) == {"accepted_by", "accepted_on"}


def test_residual_at_the_threshold_needs_no_acceptance():
    assert problems_of(risk(inherent_likelihood=5, inherent_impact=5,
                            residual_likelihood=3, residual_impact=3)) == {}


# -- ISO 27001 6.1.3 f: every residual risk is accepted, individually or with the plan ------
def test_below_the_threshold_residual_risk_is_accepted_with_the_treatment_plan():
    a = Assessment.new("Acme")
    low = add_record(a, RISKS, risk(inherent_likelihood=2, inherent_impact=2))
    high = add_record(a, RISKS, risk(inherent_likelihood=5, inherent_impact=5,
                                     accepted_by="J. Smith", accepted_on="2026-11-30"))
    kept = add_record(a, RISKS, risk(treatment="Retain", planned_27001=[], accepted_by="K. Lo",
                                     accepted_on="2026-11-29"))
    assert low["acceptance"] == "Accepted with the treatment plan, which is not yet approved"
    assert high["acceptance"] == "Individually accepted by J. Smith on 2026-11-30"
    assert kept["acceptance"] == "Individually accepted by K. Lo on 2026-11-29"
    assert set_plan_approval(a, "  Dana   Reyes ", "2026-12-01") == {}
    assert scoring.plan_approval(a.risk_method) == ("Dana Reyes", "2026-12-01")
    # recorded once, and every risk at or below the threshold names it; the others keep theirs
    assert a.find(RISKS, low["id"])["acceptance"] == (
        "Accepted with the treatment plan approved by Dana Reyes on 2026-12-01")
    assert a.find(RISKS, high["id"])["acceptance"].startswith("Individually accepted by J. Smith")
    assert a.find(RISKS, kept["id"])["acceptance"].startswith("Individually accepted by K. Lo")


def test_the_plan_approval_does_not_replace_an_individual_acceptance_above_the_threshold():
    a = Assessment.new("Acme")
    set_plan_approval(a, "Dana Reyes", "2026-12-01")
    found = problems_of(risk(inherent_likelihood=5, inherent_impact=5), assessment=a)
    assert set(found) == {"accepted_by", "accepted_on"}


@pytest.mark.parametrize("by, on, bad", [
    ("Dana Reyes", "", {"plan_approved_on"}),
    ("", "2026-12-01", {"plan_approved_by"}),
    ("Dana Reyes", "1/12/2026", {"plan_approved_on"}),
    ("Dana Reyes", "2026-02-30", {"plan_approved_on"}),
])
def test_a_bad_plan_approval_is_explained_and_not_recorded(by: str, on: str, bad: set):
    a = Assessment.new("Acme")
    set_plan_approval(a, "Ann Lee", "2026-11-01")
    before = copy.deepcopy(a.risk_method)
    errors = set_plan_approval(a, by, on)
    assert set(errors) == bad
    assert all(("Approved on" in m or "Approved by" in m) for m in errors.values())
    assert a.risk_method == before


def test_clearing_both_fields_withdraws_the_plan_approval_and_the_rows_say_so():
    a = Assessment.new("Acme")
    r = add_record(a, RISKS, risk())
    set_plan_approval(a, "Ann Lee", "2026-11-01")
    assert set_plan_approval(a, " ", "") == {}
    assert scoring.plan_approval(a.risk_method) == ("", "")
    assert "plan_approved_by" not in a.risk_method
    assert a.find(RISKS, r["id"])["acceptance"].endswith("not yet approved")


def test_the_plan_approval_survives_a_method_change_and_a_reload(tmp_path: Path):
    a = Assessment.new("Acme")
    add_record(a, RISKS, risk())
    set_plan_approval(a, "Ann Lee", "2026-11-01")
    m, errors = scoring.method_from_text("Unlikely, Possible, Likely, Almost certain",
                                         "Minor, Moderate, Major, Severe",
                                         scoring.bands_text(method(M4)), "Medium",
                                         base=a.risk_method)
    assert errors == {}
    set_risk_method(a, m)
    assert scoring.plan_approval(a.risk_method) == ("Ann Lee", "2026-11-01")
    path = tmp_path / "a.aigov.json"
    Store.create(path, a).close()
    with Store.open(path) as store:
        again = store.load()
    assert scoring.plan_approval(again.risk_method) == ("Ann Lee", "2026-11-01")


def test_a_hand_edited_bad_approval_date_is_reported_by_validation():
    a = Assessment.new("Acme")
    a.risk_method["plan_approved_by"] = "Ann Lee"
    a.risk_method["plan_approved_on"] = "soon"
    found = [p for p in validate_assessment(a) if p.field == "plan_approved_on"]
    assert found and "not a date" in found[0].message


def test_threshold_follows_the_method():
    # the 3×3 preset's threshold is Low: a Medium risk (score 3) now needs acceptance
    found = problems_of(risk(inherent_likelihood=1, inherent_impact=3), method_id=M3)
    assert set(found) == {"accepted_by", "accepted_on"}
    assert "acceptance threshold (Low)" in found["accepted_by"]
    assert problems_of(risk(inherent_likelihood=1, inherent_impact=2), method_id=M3) == {}


def test_acceptance_required_function():
    m = scoring.DEFAULT_METHOD
    assert scoring.acceptance_required(m, {"treatment": "Retain", "inherent_level": "Low"})
    assert not scoring.acceptance_required(m, {"treatment": "Modify", "inherent_level": "Medium"})
    assert scoring.acceptance_required(m, {"treatment": "Modify", "inherent_level": "High"})
    assert not scoring.acceptance_required(
        m, {"treatment": "Modify", "inherent_level": "Critical", "residual_level": "Medium"})
    assert scoring.acceptance_required(
        m, {"treatment": "Avoid", "inherent_level": "Low", "residual_level": "High"})
    assert not scoring.acceptance_required(m, {"treatment": "Modify"})


# -- other risk rules ------------------------------------------------------------------------
def test_modify_needs_a_planned_control():
    found = problems_of(risk(planned_27001=[]))
    assert set(found) == {"planned_27001"}
    assert "Modify needs at least one planned control" in found["planned_27001"]
    assert problems_of(risk(planned_27001=[], planned_42001=["A.6.2.4"])) == {}
    assert problems_of(risk(treatment="Avoid", planned_27001=[])) == {}


@pytest.mark.parametrize("given, missing", [
    ({"residual_likelihood": 2}, "residual_impact"),
    ({"residual_impact": 2}, "residual_likelihood"),
])
def test_residual_likelihood_and_impact_go_together(given: dict, missing: str):
    found = problems_of(risk(**given))
    assert set(found) == {missing}
    assert "Residual likelihood and impact are rated together" in found[missing]


@pytest.mark.parametrize("method_id, n", [(M3, 3), (M4, 4)])
def test_a_rating_above_the_method_size_names_the_range(method_id: str, n: int):
    found = problems_of(risk(inherent_likelihood=n + 1, residual_likelihood=1,
                             residual_impact=n + 1, inherent_impact=1, accepted_by="J. Smith",
                             accepted_on="2026-11-30"), method_id=method_id)
    assert set(found) == {"inherent_likelihood", "residual_impact"}
    assert found["inherent_likelihood"] == (
        f"Inherent likelihood must be from 1 to {n} (the risk method is {n}×{n}).")
    assert f"from 1 to {n}" in found["residual_impact"]
    assert problems_of(risk(inherent_likelihood=n, inherent_impact=1,
                            accepted_by="J. Smith", accepted_on="2026-11-30"),
                       method_id=method_id) == {}


def test_a_rating_below_one_is_refused():
    found = problems_of(risk(inherent_likelihood=0))
    assert "inherent_likelihood" in found and "from 1" in found["inherent_likelihood"]


def test_required_risk_fields_are_named():
    found = problems_of({})
    for key in ("title", "scenario", "category", "risk_owner", "inherent_likelihood",
                "inherent_impact", "treatment"):
        assert key in found, key


# -- references --------------------------------------------------------------------------------
def asset(**overrides) -> dict:
    values = {"name": "Support assistant fine-tuned model", "type": "Model",
              "owner": "Head of ML", "classification": "Confidential", "personal_data": "No"}
    values.update(overrides)
    return values


def demo_with_asset() -> Assessment:
    a = build_scope_demo()
    add_record(a, ASSETS, asset(ai_systems=["SYS-002"]), CATS)
    return a


UNKNOWN = [
    ("assets", ["AST-999"], "Affected assets: AST-999 is not a known AI asset."),
    ("ai_systems", ["SYS-999"], "Affected AI systems: SYS-999 is not a known AI system."),
    ("threat", "ZZ01", "Threat: ZZ01 is not a known AI threat."),
    ("planned_27001", ["A.8.24", "A.9.9"],
     "Planned ISO 27001 controls: A.9.9 is not a known ISO 27001 Annex A control."),
    ("planned_42001", ["A.99"],
     "Planned ISO 42001 controls: A.99 is not a known ISO 42001 Annex A control."),
]


@pytest.mark.parametrize("key, value, message", UNKNOWN)
def test_unknown_references_are_named_when_catalogs_are_given(key: str, value, message: str):
    a = demo_with_asset()
    with pytest.raises(RecordError) as info:
        add_record(a, RISKS, risk(**{key: value}), CATS)
    assert [(p.field, p.message) for p in info.value.problems] == [(key, message)]
    assert a.records(RISKS) == []


@pytest.mark.parametrize("key, value, message", UNKNOWN[2:])
def test_catalog_references_are_not_checked_without_catalogs(key: str, value, message: str):
    a = demo_with_asset()
    r = add_record(a, RISKS, risk(**{key: value}))
    assert r[key] == value


@pytest.mark.parametrize("key, value, message", UNKNOWN[:2])
def test_register_references_are_checked_without_catalogs(key: str, value, message: str):
    a = demo_with_asset()
    with pytest.raises(RecordError) as info:
        add_record(a, RISKS, risk(**{key: value}))
    assert [(p.field, p.message) for p in info.value.problems] == [(key, message)]


def test_known_references_are_accepted_with_catalogs():
    a = demo_with_asset()
    r = add_record(a, RISKS, risk(assets=["AST-001"], ai_systems=["SYS-002"], threat="LLM01",
                                  planned_27001=["A.8.24", "A.5.15"], planned_42001=["A.6.2.4"]),
                   CATS)
    assert r["assets"] == ["AST-001"] and r["threat"] == "LLM01"


def test_asset_refers_to_known_ai_systems_only():
    a = build_scope_demo()
    with pytest.raises(RecordError) as info:
        add_record(a, ASSETS, asset(ai_systems=["SYS-001", "SYS-042"]))
    assert [p.message for p in info.value.problems] == [
        "AI systems: SYS-042 is not a known AI system."]


def test_validate_assessment_reports_a_dangling_reference_in_a_hand_edited_file():
    a = demo_with_asset()
    add_record(a, RISKS, risk(assets=["AST-001"], threat="LLM01"), CATS)
    a.records(RISKS)[0]["assets"] = ["AST-001", "AST-404"]
    a.records(RISKS)[0]["threat"] = "XX99"
    found = {(p.field, p.message) for p in validate_assessment(a, CATS) if p.register == "Risks"}
    assert ("assets", "Affected assets: AST-404 is not a known AI asset.") in found
    assert ("threat", "Threat: XX99 is not a known AI threat.") in found
    without = {p.field for p in validate_assessment(a) if p.register == "Risks"}
    assert without == {"assets"}


# -- deleting assets ---------------------------------------------------------------------------
def test_deleting_an_asset_removes_it_from_risks_and_its_id_is_not_reused():
    a = build_scope_demo()
    first = add_record(a, ASSETS, asset(name="Model A"))
    second = add_record(a, ASSETS, asset(name="Model B"))
    r1 = add_record(a, RISKS, risk(assets=[first["id"], second["id"]]))
    r2 = add_record(a, RISKS, risk(assets=[first["id"]]))
    delete_record(a, ASSETS, first["id"])
    assert a.find(ASSETS, first["id"]) is None
    assert a.find(RISKS, r1["id"])["assets"] == [second["id"]]
    assert a.find(RISKS, r2["id"])["assets"] == []
    assert len(a.records(RISKS)) == 2  # the risks stay; only the reference goes
    third = add_record(a, ASSETS, asset(name="Model C"))
    assert (first["id"], second["id"], third["id"]) == ("AST-001", "AST-002", "AST-003")
    delete_record(a, ASSETS, third["id"])
    delete_record(a, ASSETS, second["id"])
    assert add_record(a, ASSETS, asset(name="Model D"))["id"] == "AST-004"
    assert not [p for p in validate_assessment(a, CATS) if p.field == "assets"]


def test_deleting_an_ai_system_removes_it_from_assets_and_risks():
    a = build_scope_demo()
    x = add_record(a, ASSETS, asset(ai_systems=["SYS-001", "SYS-002"]))
    r = add_record(a, RISKS, risk(ai_systems=["SYS-002"], assets=[x["id"]]))
    delete_record(a, AI_SYSTEMS, "SYS-002")
    assert a.find(ASSETS, x["id"])["ai_systems"] == ["SYS-001"]
    assert a.find(RISKS, r["id"])["ai_systems"] == []


# -- re-scoring when the method changes ---------------------------------------------------------
# (inherent L, I, residual L, I) under 5×5
KNOWN = {
    "R-001": (5, 5, 1, 1),   # Critical -> Low
    "R-002": (3, 3, None, None),  # Medium
    "R-003": (2, 2, None, None),  # Low
    "R-004": (4, 3, 2, 3),   # High -> Medium
}


def rated() -> Assessment:
    a = Assessment.new("Acme")
    for rid, (il, ii, rl, ri) in KNOWN.items():
        r = add_record(a, RISKS, risk(inherent_likelihood=il, inherent_impact=ii,
                                      residual_likelihood=rl, residual_impact=ri))
        assert r["id"] == rid
    return a


def ratings(a: Assessment) -> dict[str, tuple]:
    return {r["id"]: (r["inherent_likelihood"], r["inherent_impact"],
                      r["residual_likelihood"], r["residual_impact"]) for r in a.records(RISKS)}


def levels(a: Assessment) -> dict[str, tuple]:
    return {r["id"]: (r["inherent_level"], r["residual_level"]) for r in a.records(RISKS)}


def scores(a: Assessment) -> dict[str, tuple]:
    return {r["id"]: (r["inherent_score"], r["residual_score"]) for r in a.records(RISKS)}


def test_known_risks_start_with_5x5_levels():
    a = rated()
    assert levels(a) == {"R-001": ("Critical", "Low"), "R-002": ("Medium", None),
                         "R-003": ("Low", None), "R-004": ("High", "Medium")}


def test_rescore_5x5_to_4x4():
    a = rated()
    # labels the 4×4 shares keep their meaning: Unlikely × Minor stays Unlikely × Minor (Low)
    assert set_risk_method(a, method(M4)) == (1, 10)  # R-004 changes level
    assert ratings(a) == {"R-001": (4, 4, 1, 1), "R-002": (2, 2, None, None),
                          "R-003": (1, 1, None, None), "R-004": (3, 2, 1, 2)}
    assert scores(a) == {"R-001": (16, 1), "R-002": (4, None), "R-003": (1, None), "R-004": (6, 2)}
    assert levels(a) == {"R-001": ("Critical", "Low"), "R-002": ("Medium", None),
                         "R-003": ("Low", None), "R-004": ("Medium", "Low")}
    assert a.risk_method == method(M4)


def test_the_preview_lists_every_risk_whose_level_changes_and_changes_nothing():
    from aigov_tui.core.model import method_change_preview

    a = rated()
    before = copy.deepcopy(a.registers)
    preview = method_change_preview(a, method(M4))
    assert a.registers == before and a.risk_method == method(M5)
    assert [(p["id"], p["before"], p["after"]) for p in preview] == [
        ("R-004", ("High", "Medium"), ("Medium", "Low"))]
    assert preview[0]["ratings_after"] == (3, 2, 1, 2)
    set_risk_method(a, method(M4))
    assert levels(a)["R-004"] == preview[0]["after"]


def test_rescore_5x5_to_3x3():
    a = rated()
    assert set_risk_method(a, method(M3)) == (2, 10)  # R-001 (Critical is gone) and R-004
    assert ratings(a) == {"R-001": (3, 3, 1, 1), "R-002": (2, 2, None, None),
                          "R-003": (1, 1, None, None), "R-004": (3, 2, 1, 2)}
    assert levels(a) == {"R-001": ("High", "Low"), "R-002": ("Medium", None),
                         "R-003": ("Low", None), "R-004": ("High", "Low")}


def test_rescore_4x4_to_3x3_and_back_to_5x5():
    a = rated()
    set_risk_method(a, method(M4))
    assert set_risk_method(a, method(M3)) == (1, 3)
    assert ratings(a) == {"R-001": (3, 3, 1, 1), "R-002": (2, 2, None, None),
                          "R-003": (1, 1, None, None), "R-004": (2, 2, 1, 2)}
    assert levels(a) == {"R-001": ("High", "Low"), "R-002": ("Medium", None),
                         "R-003": ("Low", None), "R-004": ("Medium", "Low")}
    assert set_risk_method(a, method(M5)) == (1, 7)  # only R-001 (High -> Critical)
    assert ratings(a) == {"R-001": (5, 5, 1, 1), "R-002": (3, 3, None, None),
                          "R-003": (1, 1, None, None), "R-004": (3, 3, 1, 3)}
    assert levels(a) == {"R-001": ("Critical", "Low"), "R-002": ("Medium", None),
                         "R-003": ("Low", None), "R-004": ("Medium", "Low")}
    assert a.risk_method == scoring.DEFAULT_METHOD


def test_rescore_5x5_to_4x4_and_back():
    a = rated()
    set_risk_method(a, method(M4))
    assert set_risk_method(a, method(M5)) == (1, 12)
    # every label the 4×4 kept comes back with its meaning; only Rare (which the 4×4 has not)
    # returns as the nearest, Unlikely
    assert ratings(a) == {"R-001": (5, 5, 2, 2), "R-002": (3, 3, None, None),
                          "R-003": (2, 2, None, None), "R-004": (4, 3, 2, 3)}
    assert levels(a) == {"R-001": ("Critical", "Low"), "R-002": ("Medium", None),
                         "R-003": ("Low", None), "R-004": ("High", "Medium")}


def test_same_size_new_bands_rescores_without_rescaling():
    a = rated()
    stricter = scoring.default_method()
    stricter["bands"] = [
        {"level": "Low", "min": 1, "max": 3, "colour": "green"},
        {"level": "Medium", "min": 4, "max": 8, "colour": "yellow"},
        {"level": "High", "min": 9, "max": 25, "colour": "red"},
    ]
    assert set_risk_method(a, stricter) == (3, 0)
    assert ratings(a) == {rid: v for rid, v in KNOWN.items()}
    assert levels(a) == {"R-001": ("High", "Low"), "R-002": ("High", None),
                         "R-003": ("Medium", None), "R-004": ("High", "Medium")}


def test_setting_the_same_method_changes_nothing():
    a = rated()
    before = copy.deepcopy(a.registers)
    assert set_risk_method(a, method(M5)) == (0, 0)
    assert a.registers == before


def test_risks_without_ratings_are_rescored_without_error():
    a = Assessment.new("Acme")
    add_record(a, RISKS, risk(inherent_likelihood=None, inherent_impact=None), strict=False)
    assert set_risk_method(a, method(M3)) == (0, 0)
    assert levels(a) == {"R-001": (None, None)}


@pytest.mark.parametrize("bad, wanted", [
    ({**method(M4), "impact": ["Minor", "Major"]}, "4 likelihood labels but 2 impact labels"),
    ({**method(M4), "acceptance_threshold": "Extreme"}, "acceptance threshold"),
    ({**method(M3), "bands": bands5()}, "The bands end at 25; the highest score is 9."),
])
def test_an_invalid_method_is_refused_and_changes_nothing(bad: dict, wanted: str):
    a = rated()
    before_records, before_method = copy.deepcopy(a.registers), copy.deepcopy(a.risk_method)
    before_modified = a.meta["modified"]
    with pytest.raises(ValueError) as info:
        set_risk_method(a, bad)
    assert wanted in str(info.value)
    assert a.registers == before_records
    assert a.risk_method == before_method
    assert a.meta["modified"] == before_modified


def test_the_stored_method_is_a_copy():
    a = rated()
    m = method(M4)
    set_risk_method(a, m)
    m["bands"][0]["max"] = 99
    m["likelihood"][0] = "Changed"
    assert a.risk_method == method(M4)


def test_rescoring_brings_up_acceptance_problems_under_a_stricter_threshold():
    a = rated()
    assert not [p for p in validate_assessment(a) if p.register == "Risks"]
    set_risk_method(a, method(M3))  # threshold Low
    needs = {p.record_id for p in validate_assessment(a) if p.field == "accepted_by"}
    # remaining levels: R-001 Low, R-002 Medium, R-003 Low, R-004 Low
    assert needs == {"R-002"}


def test_method_and_rescored_risks_survive_save_and_load(tmp_path: Path):
    a = rated()
    set_risk_method(a, method(M4))
    path = tmp_path / "acme.aigov.json"
    Store.create(path, a).close()
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["risk_method"]["1"]["id"] == M4
    with Store.open(path) as store:
        loaded = store.load()
    assert loaded.risk_method == method(M4)
    assert ratings(loaded) == ratings(a) and levels(loaded) == levels(a)
    assert validate_assessment(loaded) == validate_assessment(a)
    # the loaded assessment re-scores from its stored 4×4 method
    assert set_risk_method(loaded, method(M5)) == (1, 12)


def test_an_edited_method_survives_save_and_load(tmp_path: Path):
    a = rated()
    custom = method(M3)
    custom["likelihood"] = ["Seldom", "Sometimes", "Often"]
    custom["bands"][2]["colour"] = "purple"
    custom["acceptance_threshold"] = "Medium"
    set_risk_method(a, custom)
    path = tmp_path / "custom.aigov.json"
    with Store.create(path, a) as store:
        a.records(RISKS)[0]["title"] = "changed after save"
        store.save(a)
    with Store.open(path) as store:
        loaded = store.load()
    assert loaded.risk_method == custom
    assert loaded.records(RISKS)[0]["title"] == "changed after save"
    assert scoring.validate_method(loaded.risk_method) == []


def test_treatment_aliases_from_spreadsheets_are_understood():
    from aigov_tui.core.registers import RISKS
    from aigov_tui.core.schema import parse_value

    f = RISKS.field("treatment")
    assert parse_value(f, "Mitigate") == ("Modify", "")
    assert parse_value(f, "accept") == ("Retain", "")
    assert parse_value(f, "Transfer") == ("Share", "")
    assert parse_value(f, "retain") == ("Retain", "")


def test_method_from_text_builds_a_valid_method_or_says_what_is_wrong():
    from aigov_tui.core import scoring

    method, errors = scoring.method_from_text(
        "Low, Medium, High", "Low, Medium, High", "Low 1-2 green; Medium 3-4 yellow; High 5-9 red", "Low")
    assert errors == {}
    assert scoring.size(method) == 3 and method["acceptance_threshold"] == "Low"
    assert scoring.bands_text(method) == "Low 1-2 green; Medium 3-4 yellow; High 5-9 red"

    _, errors = scoring.method_from_text("A, B, C", "A, B, C", "Low 1 to 2 green", "Low")
    assert "should read like 'High 10-14 orange'" in errors["bands"]
    _, errors = scoring.method_from_text("A, B, C", "A, B", "Low 1-9 green", "Low")
    assert "impact labels" in errors["likelihood"] or "impact labels" in errors.get("impact", "")
    _, errors = scoring.method_from_text("A, B, C", "A, B, C", "Low 1-9 green", "Severe")
    assert "threshold" in errors["threshold"]
