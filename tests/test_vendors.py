"""AI vendor core: weighted scores with missing answers, ratings from the catalog bands, flags on
a fixed date, and the likelihood suggestion for linked supply-chain risks (never applied silently)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings, strategies as st

from aigov_tui.core import vendors
from aigov_tui.core.catalog_refs import questionnaire_index
from aigov_tui.core.model import (
    Assessment, Context, RecordError, add_record, record_problems, update_record, validate_assessment,
)
from aigov_tui.core.registers import RISKS, VENDOR_ACTIONS, VENDOR_ANSWERS, VENDOR_CERTS, VENDORS

TODAY = dt.date(2026, 11, 30)


def new_vendor(a: Assessment, cats, **values) -> dict:
    base = {"name": "Acme AI", "service": "Hosted LLM API", "criticality": "High",
            "personal_data": "No", "owner": "CISO"}
    return add_record(a, VENDORS, {**base, **values}, cats)


def answer_all(a: Assessment, cats, vid: str, value: str) -> None:
    vendors.start_assessment(a, cats, vid)
    for r in a.records(VENDOR_ANSWERS):
        if r["vendor"] == vid:
            update_record(a, VENDOR_ANSWERS, r["id"], {**r, "answer": value,
                                                       "comment": "seen" if value == "NA" else ""}, cats)


def answers_of(a: Assessment, vid: str) -> list[dict]:
    return [r for r in a.records(VENDOR_ANSWERS) if r["vendor"] == vid]


def test_unanswered_questions_are_counted_not_scored_as_zero(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats)["id"]
    vendors.start_assessment(a, cats, vid)
    s = vendors.score(answers_of(a, vid), cats)
    assert s.percent is None and not s.assessed and s.unanswered == s.questions == len(questionnaire_index(cats))
    # answer one question fully: the score is 100 % of what was answered, flagged provisional
    first = answers_of(a, vid)[0]
    update_record(a, VENDOR_ANSWERS, first["id"], {**first, "answer": "4"}, cats)
    s = vendors.score(answers_of(a, vid), cats)
    assert s.percent == 100.0 and s.provisional and s.unanswered == s.questions - 1
    assert s.rating == "Low risk" and "provisional" in s.summary()


def test_weighted_section_and_overall_scores(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats)["id"]
    vendors.start_assessment(a, cats, vid)
    index = questionnaire_index(cats)
    # VS-2 has weights 5,4,3,2,2 (catalog 1.1 took one point each from VQ-2.4 and VQ-2.5);
    # answer VQ-2.1 (w5) with 4 and VQ-2.2 (w4) with 0
    for r in answers_of(a, vid):
        if r["question"] == "VQ-2.1":
            update_record(a, VENDOR_ANSWERS, r["id"], {**r, "answer": "4"}, cats)
        elif r["question"] == "VQ-2.2":
            update_record(a, VENDOR_ANSWERS, r["id"], {**r, "answer": "0"}, cats)
    s = vendors.score(answers_of(a, vid), cats)
    vs2 = next(x for x in s.sections if x.id == "VS-2")
    assert (vs2.answered, vs2.unanswered) == (2, 3)
    assert vs2.percent == round(100 * 5 / 9, 1)  # 5 of 9 weighted points
    assert s.percent == vs2.percent  # nothing else answered
    assert index["VQ-2.1"][1]["weight"] == 5 and index["VQ-2.2"][1]["weight"] == 4
    assert s.rating == "High risk"  # 55.6 % falls in the 40-60 band


def test_not_applicable_removes_the_weight_from_both_sides(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats)["id"]
    answer_all(a, cats, vid, "2")
    assert vendors.score(answers_of(a, vid), cats).percent == 50.0
    r = next(r for r in answers_of(a, vid) if r["question"] == "VQ-1.1")
    update_record(a, VENDOR_ANSWERS, r["id"], {**r, "answer": "NA", "comment": "no cert scope"}, cats)
    s = vendors.score(answers_of(a, vid), cats)
    assert s.percent == 50.0 and s.unanswered == 0 and not s.provisional


def test_na_needs_a_reason_and_answers_must_come_from_the_scale(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats)["id"]
    with pytest.raises(RecordError) as exc:
        add_record(a, VENDOR_ANSWERS, {"vendor": vid, "question": "VQ-1.1", "answer": "NA"}, cats)
    assert "comment" in {p.field for p in exc.value.problems}
    with pytest.raises(RecordError) as exc:
        add_record(a, VENDOR_ANSWERS, {"vendor": vid, "question": "VQ-1.1", "answer": "7"}, cats)
    assert any("not a known answer" in p.message for p in exc.value.problems)


# --- catalog 1.1: GPAI provider duties (VS-9) and agent tool servers (VS-10) -------------------------
GPAI_QUESTIONS = {"VQ-9.1": "a", "VQ-9.2": "b", "VQ-9.3": "c", "VQ-9.4": "d"}
TOOL_QUESTIONS = ("VQ-10.1", "VQ-10.2", "VQ-10.3", "VQ-10.4", "VQ-10.5")


def set_answers(a: Assessment, cats, vid: str, values: dict[str, str]) -> None:
    for r in answers_of(a, vid):
        if r["question"] in values:
            v = values[r["question"]]
            update_record(a, VENDOR_ANSWERS, r["id"], {**r, "answer": v,
                                                       "comment": "not offered" if v == "NA" else ""}, cats)


def test_the_new_questions_are_in_start_assessment_and_scored(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats)["id"]
    vendors.start_assessment(a, cats, vid)
    asked = {r["question"] for r in answers_of(a, vid)}
    assert set(GPAI_QUESTIONS) | set(TOOL_QUESTIONS) <= asked
    # VS-9 alone: four questions of weight 2; 4, 4, 2 and 0 give 10 of 16 points
    set_answers(a, cats, vid, {"VQ-9.1": "4", "VQ-9.2": "4", "VQ-9.3": "2", "VQ-9.4": "0"})
    s = vendors.score(answers_of(a, vid), cats)
    vs9 = next(x for x in s.sections if x.id == "VS-9")
    assert (vs9.answered, vs9.possible, vs9.achieved) == (4, 8.0, 5.0)
    assert s.percent == vs9.percent == 62.5 and s.rating == "Medium risk"
    # VS-10 weighs 2, 2, 2, 1, 1: sandboxing (w1) at 0 costs half as much as auth (w2) at 0
    set_answers(a, cats, vid, {q: "4" for q in TOOL_QUESTIONS} | {"VQ-10.4": "0"})
    vs10 = next(x for x in vendors.score(answers_of(a, vid), cats).sections if x.id == "VS-10")
    assert vs10.percent == round(100 * 7 / 8, 1)
    set_answers(a, cats, vid, {"VQ-10.4": "4", "VQ-10.1": "0"})
    vs10 = next(x for x in vendors.score(answers_of(a, vid), cats).sections if x.id == "VS-10")
    assert vs10.percent == round(100 * 6 / 8, 1)
    rows = {r["question"]: r for r in vendors.answer_rows(a, cats, vid)}
    assert rows["VQ-10.1"]["score"] == "0" and rows["VQ-10.2"]["weight"] == "2"
    assert rows["VQ-9.3"]["section"].startswith("General-purpose AI model provider duties")


def test_a_vendor_the_new_sections_do_not_apply_to_is_scored_on_the_rest_alone(cats):
    """N/A for VS-9 and VS-10 (no GPAI model, no tools) leaves the score of the rest as it was."""
    a = Assessment.new("Org")
    vid = new_vendor(a, cats)["id"]
    vendors.start_assessment(a, cats, vid)
    index = questionnaire_index(cats)
    old = {q: ("4" if i % 3 == 0 else "1") for i, q in enumerate(index)
           if not q.startswith(("VQ-9.", "VQ-10."))}
    set_answers(a, cats, vid, old)
    before = vendors.score(answers_of(a, vid), cats)
    assert before.provisional and before.unanswered == len(GPAI_QUESTIONS) + len(TOOL_QUESTIONS)
    set_answers(a, cats, vid, {q: "NA" for q in [*GPAI_QUESTIONS, *TOOL_QUESTIONS]})
    after = vendors.score(answers_of(a, vid), cats)
    assert after.percent == before.percent and not after.provisional
    assert {s.id: s.possible for s in after.sections}["VS-9"] == 0.0


def test_gpai_questions_cite_each_point_of_art_53_1(cats):
    index = questionnaire_index(cats)
    section = index["VQ-9.1"][0]
    assert section["id"] == "VS-9" and "Art. 53" in section["title"]
    assert [q["id"] for q in section["questions"]] == list(GPAI_QUESTIONS)
    for qid, point in GPAI_QUESTIONS.items():
        q = index[qid][1]
        assert f"Regulation (EU) 2024/1689 Art. 53(1)({point})" in " ".join(q["sources"]), qid
        assert q["evidence"] and (q["controls_27001"] or q["controls_42001"]), qid
    text = {qid: " ".join(index[qid][1]["text"].split()) for qid in GPAI_QUESTIONS}
    assert "Annex XI" in text["VQ-9.1"] and "Annex XII" in text["VQ-9.2"]
    assert "text and data mining" in text["VQ-9.3"] and "A.5.32" in index["VQ-9.3"][1]["controls_27001"]
    assert "summary" in text["VQ-9.4"] and "template" in text["VQ-9.4"]
    # the open-source exemption covers points (a) and (b) only (Art. 53(2))
    for qid in ("VQ-9.1", "VQ-9.2"):
        assert any("Art. 53(2)" in s for s in index[qid][1]["sources"]), qid
    for qid in ("VQ-9.3", "VQ-9.4"):
        assert "open-source models too" in text[qid], qid


TOOL_TOPICS = {"VQ-10.1": ("authenticate", "token"), "VQ-10.2": ("scope", "confirm"),
               "VQ-10.3": ("rug pull", "in advance"), "VQ-10.4": ("sandbox", "escape"),
               "VQ-10.5": ("log every tool invocation",)}


def test_agent_tool_server_questions_cover_their_topics_with_sources(cats):
    index = questionnaire_index(cats)
    section = index["VQ-10.1"][0]
    assert section["id"] == "VS-10" and "MCP" in section["title"]
    assert [q["id"] for q in section["questions"]] == list(TOOL_QUESTIONS)
    for qid, words in TOOL_TOPICS.items():
        q = index[qid][1]
        text = " ".join(q["text"].split())
        assert all(w in text for w in words), qid
        sources = q["sources"]
        assert any(s.startswith("OWASP Top 10 for Agentic Applications for 2026, ASI") for s in sources), qid
        assert q["controls_27001"] and q["evidence"], qid
    # every ASI ID cited is a threat the catalog ships, and so is every ATLAS technique
    cited = " ".join(s for qid in TOOL_QUESTIONS for s in index[qid][1]["sources"])
    for tid in re.findall(r"ASI\d\d|AML\.T\d{4}(?:\.\d{3})?", cited):
        assert tid in cats.threats, tid
        if tid.startswith("AML"):
            assert cats.threats[tid]["title"] in cited, tid
    assert any("MCP specification" in s for qid in TOOL_QUESTIONS for s in index[qid][1]["sources"])
    assert "A.8.15" in index["VQ-10.5"][1]["controls_27001"]


# catalog 1.0 section weights; 1.1 adds VS-9 and VS-10 at 8 each and takes 2 from every old one
WEIGHTS_1_0 = {"VS-1": 12, "VS-2": 18, "VS-3": 15, "VS-4": 10, "VS-5": 12, "VS-6": 12, "VS-7": 11,
               "VS-8": 10}


def test_new_sections_took_their_weight_evenly_from_the_old_ones(cats):
    vq = cats.vendor_questionnaire
    weights = {s["id"]: s["weight"] for s in vq["sections"]}
    assert vq["sections"][-2]["id"] == "VS-9" and vq["sections"][-1]["id"] == "VS-10"
    assert weights["VS-9"] == weights["VS-10"] == 8
    assert {k: weights[k] for k in WEIGHTS_1_0} == {k: w - 2 for k, w in WEIGHTS_1_0.items()}
    # two points each is also the old weights scaled to the 84 left, rounded to whole points
    assert all(abs(weights[k] - w * 0.84) < 1 for k, w in WEIGHTS_1_0.items())
    assert all(q["weight"] >= 1 for s in vq["sections"] for q in s["questions"])


@pytest.mark.parametrize("value,rating", [("4", "Low risk"), ("3", "Medium risk"), ("2", "High risk"),
                                          ("1", "Critical risk"), ("0", "Critical risk")])
def test_ratings_come_from_the_catalog_bands(cats, value, rating):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats)["id"]
    answer_all(a, cats, vid, value)
    assert vendors.score(answers_of(a, vid), cats).rating == rating


def test_band_edges(cats):
    assert vendors.rating_for(80.0, cats) == "Low risk"
    assert vendors.rating_for(79.9, cats) == "Medium risk"
    assert vendors.rating_for(40.0, cats) == "High risk"
    assert vendors.rating_for(0.0, cats) == "Critical risk"
    assert vendors.rating_for(None, cats) == ""


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(["VQ-1.1", "VQ-2.1", "VQ-3.3", "VQ-5.2", "VQ-8.4", "VQ-7.1"])),
                       st.sampled_from(["0", "1", "2", "3", "4", "NA", ""])))
def test_score_is_bounded_and_ignores_unanswered(answers):
    from tests.conftest import catalogs

    cats = catalogs()
    records = [{"question": q, "answer": v or None} for q, v in answers.items()]
    s = vendors.score(records, cats)
    answered = sum(1 for v in answers.values() if v)
    assert s.answered == answered
    scored = [v for v in answers.values() if v and v != "NA"]
    if scored:
        assert 0.0 <= s.percent <= 100.0
    else:
        assert s.percent is None and s.rating == ""


# --- flags ------------------------------------------------------------------------------------------
def flags_of(a: Assessment, cats, today=TODAY) -> dict[str, set[str]]:
    return {v.vendor["id"]: {f.kind for f in v.flags} for v in vendors.vendor_views(a, cats, today)}


def test_certificate_expired_and_expiring_within_60_days(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats, criticality="Low")["id"]
    cert = add_record(a, VENDOR_CERTS, {"vendor": vid, "certification": "iso27001",
                                        "expiry": (TODAY + dt.timedelta(days=60)).isoformat()}, cats)
    assert flags_of(a, cats)[vid] == {"cert_expiring"}
    update_record(a, VENDOR_CERTS, cert["id"], {**cert, "expiry": (TODAY + dt.timedelta(days=61)).isoformat()}, cats)
    assert flags_of(a, cats)[vid] == set()
    update_record(a, VENDOR_CERTS, cert["id"], {**cert, "expiry": TODAY.isoformat()}, cats)
    assert flags_of(a, cats)[vid] == {"cert_expiring"}  # expires today: still valid today
    update_record(a, VENDOR_CERTS, cert["id"], {**cert, "expiry": (TODAY - dt.timedelta(days=1)).isoformat()}, cats)
    assert flags_of(a, cats)[vid] == {"cert_expired"}
    assert vendors.cert_rows(a, TODAY)[0]["state"] == "Expired"


def test_review_past_due(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats, criticality="Low", next_review=TODAY.isoformat())["id"]
    assert flags_of(a, cats)[vid] == set()
    assert flags_of(a, cats, TODAY + dt.timedelta(days=1))[vid] == {"review_overdue"}


def test_high_criticality_vendor_without_assessment(cats):
    a = Assessment.new("Org")
    high = new_vendor(a, cats, criticality="High")["id"]
    crit = new_vendor(a, cats, name="B", criticality="Critical")["id"]
    medium = new_vendor(a, cats, name="C", criticality="Medium")["id"]
    f = flags_of(a, cats)
    assert "unassessed_critical" in f[high] and "unassessed_critical" in f[crit]
    assert "unassessed_critical" not in f[medium]
    vendors.start_assessment(a, cats, high)  # questions added but none answered: still unassessed
    assert "unassessed_critical" in flags_of(a, cats)[high]
    r = answers_of(a, high)[0]
    update_record(a, VENDOR_ANSWERS, r["id"], {**r, "answer": "3"}, cats)
    assert "unassessed_critical" not in flags_of(a, cats)[high]


def test_personal_data_without_dpa(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats, criticality="Low", personal_data="Yes", dpa="No")["id"]
    assert flags_of(a, cats)[vid] == {"no_dpa"}
    v = a.find(VENDORS, vid)
    update_record(a, VENDORS, vid, {**v, "dpa": "Yes"}, cats)
    assert flags_of(a, cats)[vid] == set()
    update_record(a, VENDORS, vid, {**v, "personal_data": "No", "dpa": "n.a."}, cats)
    assert flags_of(a, cats)[vid] == set()


def test_overdue_actions(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats)["id"]
    add_record(a, VENDOR_ACTIONS, {"vendor": vid, "action": "Get SOC 2 bridge letter", "owner": "CISO",
                                   "due": "2026-11-29", "status": "Open"}, cats)
    add_record(a, VENDOR_ACTIONS, {"vendor": vid, "action": "Sign DPA", "owner": "DPO",
                                   "due": "2026-11-29", "status": "Done"}, cats)
    assert [r["overdue"] for r in vendors.action_rows(a, TODAY)] == ["Yes", ""]


# --- likelihood suggestion --------------------------------------------------------------------------
def test_poor_rating_suggests_raising_linked_supply_chain_risks_only(a, cats):
    supply = next(r for r in a.records(RISKS) if r.get("category") == "Supply chain")
    other = next(r for r in a.records(RISKS) if r.get("category") != "Supply chain")
    vid = new_vendor(a, cats, risks=[supply["id"], other["id"]])["id"]
    before = {r["id"]: dict(r) for r in a.records(RISKS)}
    answer_all(a, cats, vid, "1")  # Critical risk -> +2
    suggestions = vendors.likelihood_suggestions(a, cats, vid)
    assert [s.risk_id for s in suggestions] == [supply["id"]]
    s = suggestions[0]
    assert s.suggested == min(5, s.current + 2)
    assert {r["id"]: r for r in a.records(RISKS)} == before  # nothing changed yet
    assert vendors.apply_likelihood_suggestions(a, suggestions) == [supply["id"]]
    risk = a.find(RISKS, supply["id"])
    assert risk[s.field] == s.suggested
    assert risk[s.field.replace("likelihood", "score")] == s.suggested * risk[s.field.replace("likelihood", "impact")]


def test_good_rating_suggests_nothing(a, cats):
    supply = next(r for r in a.records(RISKS) if r.get("category") == "Supply chain")
    vid = new_vendor(a, cats, risks=[supply["id"]])["id"]
    answer_all(a, cats, vid, "4")
    assert vendors.likelihood_suggestions(a, cats, vid) == []


def test_vendor_rows_and_validation(cats):
    a = Assessment.new("Org")
    vid = new_vendor(a, cats, personal_data="Yes", dpa="No")["id"]
    row = vendors.vendor_rows(a, cats, TODAY)[0]
    assert row["rating"] == "Not assessed" and row["flags"] == "not assessed; no DPA"
    with pytest.raises(RecordError):
        add_record(a, VENDOR_CERTS, {"vendor": vid, "certification": "iso9999", "expiry": "2027-01-01"}, cats)
    with pytest.raises(RecordError) as exc:
        add_record(a, VENDOR_CERTS, {"vendor": vid, "certification": "other", "expiry": "2027-01-01"}, cats)
    assert "other_name" in {p.field for p in exc.value.problems}
    assert not [p for p in validate_assessment(a, cats) if p.register == VENDORS.title]
    assert record_problems(VENDORS, a.find(VENDORS, vid), Context(a, cats)) == []
