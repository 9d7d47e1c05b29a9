"""Suggestions: the usual assets of an AI system by provenance, and risks from the threat catalog
for chosen assets."""

from __future__ import annotations

import pytest

from aigov_tui.core.catalogs import load_catalogs
from aigov_tui.core.demo import build_scope_demo
from aigov_tui.core.model import (
    Assessment,
    RecordError,
    add_record,
    update_record,
    validate_assessment,
)
from aigov_tui.core.registers import AI_SYSTEMS, ASSET_TYPES, ASSETS, RISK_CATEGORIES, RISKS
from aigov_tui.core.suggest import suggest_assets, suggest_risks

CATS = load_catalogs()

# The demo's AI systems (aigov_tui.core.demo.DEMO_SYSTEMS)
FRAUD, SUPPORT, CREDIT, CODE, MARKETING = "SYS-001", "SYS-002", "SYS-003", "SYS-004", "SYS-005"

IN_HOUSE_TYPES = {"Model", "Training dataset", "Evaluation dataset", "Training pipeline",
                  "Inference endpoint or API", "Compute"}

# Written out here rather than imported, so a change to the register's mapping is noticed.
TYPE_KEY = {
    "Model": "model", "Training dataset": "training_data", "Evaluation dataset": "evaluation_data",
    "Inference endpoint or API": "inference_api", "Training pipeline": "training_pipeline",
    "Feature or vector store": "vector_store", "Prompt or system prompt": "prompt",
    "Agent tool": "agent_tool", "Third-party AI service": "ai_service", "Compute": "compute",
}
CATEGORY = {
    "training_data_security": "Training data security", "model_protection": "Model protection",
    "adversarial_robustness": "Adversarial robustness", "inference_security": "Inference security",
    "supply_chain": "Supply chain", "excessive_agency": "Excessive agency",
    "output_integrity": "Output integrity", "unbounded_consumption": "Unbounded consumption",
}
IMPACT = {"C": "Confidentiality", "I": "Integrity", "A": "Availability", "safety": "Safety",
          "privacy": "Privacy"}


def types(suggestions: list[dict]) -> list[str]:
    return [s["type"] for s in suggestions]


def by_type(suggestions: list[dict]) -> dict[str, dict]:
    return {s["type"]: s for s in suggestions}


def system(**overrides) -> dict:
    values = {
        "name": "Demand forecaster",
        "purpose": "Forecasts weekly demand for the warehouses.",
        "business_owner": "Head of Supply",
        "role": "Deployer",
        "provenance": "Built in-house",
        "lifecycle": "Development",
        "deployment": "Internal",
        "personal_data": "No",
        "eu_ai_act": "Minimal",
        "in_scope": "Yes",
    }
    values.update(overrides)
    return values


# -- suggest_assets ------------------------------------------------------------------------------
def test_the_demo_has_every_provenance():
    a = build_scope_demo()
    assert {s["id"]: s["provenance"] for s in a.records(AI_SYSTEMS)} == {
        FRAUD: "Built in-house", SUPPORT: "Fine-tuned third-party model", CREDIT: "Built in-house",
        CODE: "Third-party API or SaaS", MARKETING: "Third-party API or SaaS"}


@pytest.mark.parametrize("system_id", [FRAUD, CREDIT])
def test_built_in_house_brings_the_whole_ml_stack(system_id: str):
    a = build_scope_demo()
    found = suggest_assets(a, system_id)
    assert set(types(found)) == IN_HOUSE_TYPES
    assert len(found) == len(IN_HOUSE_TYPES)  # one each, nothing else
    assert not any(s["type"] == "Third-party AI service" for s in found)
    assert all(s["supplier"] == "" for s in found)


def test_fine_tuned_brings_base_model_fine_tuning_data_and_the_fine_tuned_artefact():
    a = build_scope_demo()
    found = by_type(suggest_assets(a, SUPPORT))
    base = found["Third-party AI service"]
    assert "base model" in base["name"]
    assert base["supplier"] == a.find(AI_SYSTEMS, SUPPORT)["model_provider"]
    assert "fine-tuning data" in found["Training dataset"]["name"]
    assert "fine-tuned model" in found["Model"]["name"]
    assert "Inference endpoint or API" in found
    assert found["Training dataset"]["personal_data"] == "Yes"  # the system processes personal data
    assert found["Model"]["personal_data"] == "No"
    assert "Agent tool" not in found  # it hands over to a human agent; it has no tools


@pytest.mark.parametrize("system_id", [CODE, MARKETING])
def test_third_party_api_brings_the_provider_service(system_id: str):
    a = build_scope_demo()
    found = by_type(suggest_assets(a, system_id))
    service = found["Third-party AI service"]
    assert "provider service" in service["name"]
    assert service["supplier"] == a.find(AI_SYSTEMS, system_id)["model_provider"]
    # the organisation trains nothing itself
    assert not {"Model", "Training dataset", "Training pipeline", "Compute"} & set(found)
    assert "Feature or vector store" not in found


def test_a_purpose_mentioning_retrieval_adds_a_vector_store():
    a = build_scope_demo()
    assert "retrieval" in a.find(AI_SYSTEMS, SUPPORT)["purpose"]
    store = by_type(suggest_assets(a, SUPPORT))["Feature or vector store"]
    assert "vector store" in store["name"]
    assert store["personal_data"] == "Yes"
    for other in (FRAUD, CREDIT, CODE, MARKETING):
        assert "Feature or vector store" not in types(suggest_assets(a, other)), other


def test_editing_the_purpose_to_mention_retrieval_adds_the_vector_store():
    a = Assessment.new("Acme")
    s = add_record(a, AI_SYSTEMS, system())
    assert "Feature or vector store" not in types(suggest_assets(a, s["id"]))
    update_record(a, AI_SYSTEMS, s["id"], system(
        purpose="Answers staff questions by retrieval over the policy library."))
    assert "Feature or vector store" in types(suggest_assets(a, s["id"]))


@pytest.mark.parametrize("purpose", [
    "Estimates average storage needs for the warehouses.",     # 'rag' inside words
    "Forecasts a drag coefficient for the fleet.",
    "Scores card transactions for fraud before release.",      # 'actions' inside 'transactions'
    "Flags anomalies in payment transactions.",
    "Answers questions and hands over to an agent on request.",  # a human agent
])
def test_keywords_inside_other_words_add_nothing(purpose: str):
    a = Assessment.new("Acme")
    s = add_record(a, AI_SYSTEMS, system(purpose=purpose))
    assert set(types(suggest_assets(a, s["id"]))) == IN_HOUSE_TYPES


@pytest.mark.parametrize("purpose, extra", [
    ("A RAG assistant over the internal wiki.", "Feature or vector store"),
    ("Searches embeddings of contracts.", "Feature or vector store"),
    ("An AI agent that books meetings.", "Agent tool"),
    ("Makes tool calls to refund orders.", "Agent tool"),
    ("An agentic workflow that triages tickets.", "Agent tool"),
    ("Uses plugins to file tickets.", "Agent tool"),
])
def test_whole_words_still_add_the_matching_asset(purpose: str, extra: str):
    a = Assessment.new("Acme")
    s = add_record(a, AI_SYSTEMS, system(purpose=purpose))
    assert extra in types(suggest_assets(a, s["id"]))


@pytest.mark.parametrize("system_id", [FRAUD, SUPPORT, CREDIT, CODE, MARKETING])
def test_every_suggestion_is_a_valid_asset(system_id: str):
    a = build_scope_demo()
    found = suggest_assets(a, system_id)
    assert found
    assert all(s["type"] in ASSET_TYPES for s in found)
    assert len({s["name"] for s in found}) == len(found)
    system_name = a.find(AI_SYSTEMS, system_id)["name"]
    for s in found:
        assert s["ai_systems"] == [system_id]
        assert s["name"].startswith(system_name)
        assert s["owner"] == a.find(AI_SYSTEMS, system_id)["business_owner"]
        added = add_record(a, ASSETS, s, CATS)  # raises RecordError if not valid
        assert added["type"] == s["type"]
    assert not [p for p in validate_assessment(a, CATS) if p.register == "AI assets"]


@pytest.mark.parametrize("system_id", [FRAUD, SUPPORT, CODE])
def test_suggestions_already_in_the_register_are_not_suggested_again(system_id: str):
    a = build_scope_demo()
    first = suggest_assets(a, system_id)
    add_record(a, ASSETS, first[0])
    again = suggest_assets(a, system_id)
    assert again == first[1:]
    for s in again:
        add_record(a, ASSETS, s)
    assert suggest_assets(a, system_id) == []


def test_an_existing_asset_is_recognised_whatever_its_case():
    a = build_scope_demo()
    first = suggest_assets(a, FRAUD)[0]
    add_record(a, ASSETS, {**first, "name": first["name"].upper()})
    assert first["name"] not in [s["name"] for s in suggest_assets(a, FRAUD)]


def test_an_asset_of_another_system_does_not_hide_a_suggestion():
    a = build_scope_demo()
    first = suggest_assets(a, FRAUD)[0]
    add_record(a, ASSETS, {**first, "ai_systems": [CREDIT]})
    assert first in suggest_assets(a, FRAUD)


def test_suggesting_for_an_unknown_system_raises_keyerror():
    a = build_scope_demo()
    with pytest.raises(KeyError):
        suggest_assets(a, "SYS-999")


def test_suggest_assets_changes_nothing():
    a = build_scope_demo()
    before = a.copy()
    suggest_assets(a, SUPPORT)
    assert a.registers == before.registers and a.counters == before.counters


# -- suggest_risks -------------------------------------------------------------------------------
def with_assets(system_id: str = SUPPORT) -> tuple[Assessment, list[dict]]:
    a = build_scope_demo()
    added = [add_record(a, ASSETS, s, CATS) for s in suggest_assets(a, system_id)]
    return a, added


def expected_threats(assets: list[dict]) -> dict[str, list[str]]:
    """threat ID -> IDs of the chosen assets whose type the threat targets."""
    out: dict[str, list[str]] = {}
    for threat_id, threat in CATS.threats.items():
        hit = [x["id"] for x in assets if TYPE_KEY[x["type"]] in threat["asset_types"]]
        if hit:
            out[threat_id] = hit
    return out


def test_one_risk_per_threat_targeting_a_chosen_asset():
    a, added = with_assets()
    model = next(x for x in added if x["type"] == "Model")
    found = suggest_risks(a, CATS, [model["id"]])
    expected = expected_threats([model])
    assert len(expected) > 10  # the catalog has many threats against models
    assert [r["threat"] for r in found] == list(expected)
    assert all(r["assets"] == [model["id"]] for r in found)
    assert all(r["ai_systems"] == [SUPPORT] for r in found)


def test_a_threat_shared_by_several_assets_gives_one_risk_naming_all():
    a, added = with_assets()
    chosen = [x for x in added if x["type"] in ("Model", "Inference endpoint or API",
                                               "Training dataset")]
    found = suggest_risks(a, CATS, [x["id"] for x in chosen])
    expected = expected_threats(chosen)
    assert {r["threat"]: r["assets"] for r in found} == expected
    assert len(found) == len({r["threat"] for r in found})
    shared = [r for r in found if len(r["assets"]) > 1]
    assert shared, "some threat should target both the model and its endpoint"
    # the title names the threat and the AI system; the scenario names every asset
    assert all(r["title"].endswith(": Customer support assistant") for r in shared)
    for r in shared:
        for asset_id in r["assets"]:
            assert asset_id in r["scenario"]


def test_suggested_risks_carry_the_threats_controls_category_and_impacts():
    a, added = with_assets()
    found = suggest_risks(a, CATS, [x["id"] for x in added])
    assert found
    for r in found:
        threat = CATS.threats[r["threat"]]
        assert r["planned_27001"] == threat["controls_27001"]
        assert r["planned_42001"] == threat.get("controls_42001", [])
        assert r["category"] == CATEGORY[threat["category"]]
        assert r["category"] in RISK_CATEGORIES
        assert r["impact_dimensions"] == [IMPACT[k] for k in threat["impact"]]
        assert r["treatment"] == "Modify"
        assert r["title"].startswith(threat["title"])
    # every category the catalog uses maps to a register category of its own
    assert {CATEGORY[t["category"]] for t in CATS.threats.values()} <= set(RISK_CATEGORIES)


def test_every_threat_is_reachable_from_some_asset_type():
    a = build_scope_demo()
    added = [add_record(a, ASSETS, {"name": f"Asset {t}", "type": t, "owner": "CISO",
                                    "classification": "Internal", "personal_data": "No"})
             for t in ASSET_TYPES]
    found = suggest_risks(a, CATS, [x["id"] for x in added])
    assert {r["threat"] for r in found} == set(CATS.threats)


def test_suggested_risks_can_be_added_and_their_gaps_are_reported():
    a, added = with_assets()
    found = suggest_risks(a, CATS, [x["id"] for x in added])
    risks = [add_record(a, RISKS, r, CATS, strict=False) for r in found]
    assert len(a.records(RISKS)) == len(found)
    problems = [p for p in validate_assessment(a, CATS) if p.register == "Risks"]
    by_risk: dict[str, set[str]] = {}
    for p in problems:
        by_risk.setdefault(p.record_id, set()).add(p.field)
    # each draft lacks exactly what the workshop must supply: an owner and inherent ratings
    assert by_risk == {r["id"]: {"risk_owner", "inherent_likelihood", "inherent_impact"}
                       for r in risks}
    assert all(r["inherent_level"] is None for r in risks)
    # a draft cannot be added strictly: it is not silently complete
    with pytest.raises(RecordError):
        add_record(a, RISKS, found[0], CATS)


def test_completing_a_suggested_risk_clears_its_problems():
    a, added = with_assets()
    draft = suggest_risks(a, CATS, [added[0]["id"]])[0]
    r = add_record(a, RISKS, draft, CATS, strict=False)
    update_record(a, RISKS, r["id"], {**r, "risk_owner": "CISO", "inherent_likelihood": 2,
                                      "inherent_impact": 3}, CATS)
    assert not [p for p in validate_assessment(a, CATS) if p.register == "Risks"]
    assert a.find(RISKS, r["id"])["inherent_level"] == "Medium"


def test_a_threat_already_recorded_against_the_same_assets_is_not_suggested_again():
    a, added = with_assets()
    model = next(x for x in added if x["type"] == "Model")
    first = suggest_risks(a, CATS, [model["id"]])
    add_record(a, RISKS, first[0], CATS, strict=False)
    again = suggest_risks(a, CATS, [model["id"]])
    assert again == first[1:]
    for r in again:
        add_record(a, RISKS, r, CATS, strict=False)
    assert suggest_risks(a, CATS, [model["id"]]) == []


def test_a_threat_recorded_against_other_assets_is_still_suggested():
    a, added = with_assets()
    model = next(x for x in added if x["type"] == "Model")
    endpoint = next(x for x in added if x["type"] == "Inference endpoint or API")
    for r in suggest_risks(a, CATS, [model["id"]]):
        add_record(a, RISKS, r, CATS, strict=False)
    # threats against the endpoint alone are new, including those also recorded for the model
    found = suggest_risks(a, CATS, [endpoint["id"]])
    assert [r["threat"] for r in found] == list(expected_threats([endpoint]))


def test_no_assets_no_suggestions():
    a, _ = with_assets()
    assert suggest_risks(a, CATS, []) == []
    assert suggest_risks(a, CATS, ["AST-999"]) == []


def test_suggest_risks_changes_nothing():
    a, added = with_assets()
    before = a.copy()
    suggest_risks(a, CATS, [x["id"] for x in added])
    assert a.registers == before.registers and a.counters == before.counters
