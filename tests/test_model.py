"""The domain model: IDs, record validation, the profile, whole-assessment checks, Step 1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aigov_tui.core.demo import DEMO_SYSTEMS, build_scope_demo
from aigov_tui.core.model import (
    Assessment,
    RecordError,
    add_record,
    delete_record,
    next_id,
    update_profile,
    update_profile_draft,
    update_record,
    validate_assessment,
)
from aigov_tui.core.registers import AI_SYSTEMS, PROFILE
from aigov_tui.core.scope import draft_addendum, set_addendum
from aigov_tui.core.steps import Status, step_status
from aigov_tui.core.store import Store, from_document, load_read_only, to_document


def system(**overrides) -> dict:
    values = {
        "name": "Fraud scoring model",
        "purpose": "Scores card transactions for fraud.",
        "business_owner": "Head of Financial Crime",
        "role": "Deployer",
        "provenance": "Built in-house",
        "lifecycle": "Monitoring",
        "deployment": "Internal",
        "personal_data": "Yes",
        "eu_ai_act": "Minimal",
        "in_scope": "Yes",
    }
    values.update(overrides)
    return values


def profile(**overrides) -> dict:
    values = {
        "organisation": "Acme Ltd",
        "isms_scope": "Payments platform and its supporting processes.",
        "certification_status": "Not certified",
    }
    values.update(overrides)
    return values


def messages(exc: RecordError) -> list[str]:
    return [p.message for p in exc.problems]


# -- IDs --------------------------------------------------------------------------------------------
def test_ids_are_issued_in_order():
    a = Assessment.new("Acme")
    ids = [add_record(a, AI_SYSTEMS, system(name=f"S{i}"))["id"] for i in range(1, 4)]
    assert ids == ["SYS-001", "SYS-002", "SYS-003"]
    assert a.counters == {"SYS": 3}
    assert [r["name"] for r in a.records(AI_SYSTEMS)] == ["S1", "S2", "S3"]


def test_ids_are_never_reused_after_delete():
    a = Assessment.new("Acme")
    for i in range(3):
        add_record(a, AI_SYSTEMS, system(name=f"S{i}"))
    removed = delete_record(a, AI_SYSTEMS, "SYS-002")
    assert removed["name"] == "S1"
    assert add_record(a, AI_SYSTEMS, system())["id"] == "SYS-004"
    # deleting the highest ID must not hand it out again either
    delete_record(a, AI_SYSTEMS, "SYS-004")
    assert add_record(a, AI_SYSTEMS, system())["id"] == "SYS-005"
    assert [r["id"] for r in a.records(AI_SYSTEMS)] == ["SYS-001", "SYS-003", "SYS-005"]


def test_id_counters_survive_save_and_load(tmp_path: Path):
    a = Assessment.new("Acme")
    for i in range(3):
        add_record(a, AI_SYSTEMS, system(name=f"S{i}"))
    delete_record(a, AI_SYSTEMS, "SYS-003")  # only the counter remembers 3 now
    path = tmp_path / "ids.aigov.json"
    Store.create(path, a).close()
    loaded = load_read_only(path)
    assert loaded.counters == {"SYS": 3}
    assert add_record(loaded, AI_SYSTEMS, system())["id"] == "SYS-004"


def test_next_id_goes_past_hand_edited_ids_and_odd_ids():
    a = Assessment.new("Acme")
    a.counters["SYS"] = 2
    a.records(AI_SYSTEMS).extend([{"id": "SYS-010"}, {"id": "not-an-id"}, {"id": 7}, {}])
    assert next_id(a, AI_SYSTEMS) == "SYS-011"
    assert a.counters["SYS"] == 11


def test_add_record_ignores_a_supplied_id_and_undeclared_keys():
    a = Assessment.new("Acme")
    record = add_record(a, AI_SYSTEMS, system(id="SYS-999", evil="x"))
    assert record["id"] == "SYS-001"
    assert "evil" not in record
    assert set(record) == {"id", *AI_SYSTEMS.keys}


def test_delete_and_update_of_unknown_id_raise_keyerror():
    a = Assessment.new("Acme")
    with pytest.raises(KeyError, match="SYS-001"):
        delete_record(a, AI_SYSTEMS, "SYS-001")
    with pytest.raises(KeyError, match="SYS-001"):
        update_record(a, AI_SYSTEMS, "SYS-001", system())


# -- record validation -------------------------------------------------------------------------------
def test_missing_required_fields_are_named_by_label():
    a = Assessment.new("Acme")
    with pytest.raises(RecordError) as exc:
        add_record(a, AI_SYSTEMS, system(name="", business_owner="   ", role=None))
    found = messages(exc.value)
    assert "Name is required." in found
    assert "Business owner is required." in found
    assert "Organisation's role is required." in found
    assert {p.field for p in exc.value.problems} == {"name", "business_owner", "role"}
    assert a.records(AI_SYSTEMS) == [] and "SYS" not in a.counters  # nothing added, no ID spent


def test_empty_form_reports_every_required_field():
    with pytest.raises(RecordError) as exc:
        add_record(Assessment.new("Acme"), AI_SYSTEMS, {})
    required = {f.key for f in AI_SYSTEMS.fields if f.required}
    assert {p.field for p in exc.value.problems} == required


@pytest.mark.parametrize("in_scope", ["No", "Partial"])
def test_scope_justification_required_unless_in_scope(in_scope: str):
    a = Assessment.new("Acme")
    with pytest.raises(RecordError) as exc:
        add_record(a, AI_SYSTEMS, system(in_scope=in_scope))
    assert messages(exc.value) == [
        "Scope justification is required when In ISMS scope is No or Partial."]
    record = add_record(a, AI_SYSTEMS, system(in_scope=in_scope, scope_justification="Pilot only."))
    assert record["scope_justification"] == "Pilot only."


def test_scope_justification_not_required_when_in_scope():
    record = add_record(Assessment.new("Acme"), AI_SYSTEMS, system(in_scope="Yes"))
    assert record["in_scope"] == "Yes" and record["scope_justification"] == ""


def test_choices_match_case_insensitively():
    record = add_record(Assessment.new("Acme"), AI_SYSTEMS, system(
        in_scope="yes", personal_data="NO", role=" deployer ", eu_ai_act="not ASSESSED",
        provenance="third-party api or saas"))
    assert record["in_scope"] == "Yes"
    assert record["personal_data"] == "No"
    assert record["role"] == "Deployer"
    assert record["eu_ai_act"] == "Not assessed"
    assert record["provenance"] == "Third-party API or SaaS"


def test_unknown_choice_is_rejected_listing_allowed_values():
    with pytest.raises(RecordError) as exc:
        add_record(Assessment.new("Acme"), AI_SYSTEMS, system(eu_ai_act="Very high"))
    assert messages(exc.value) == [
        "EU AI Act risk class: 'Very high' is not one of Prohibited, High, Limited, Minimal, "
        "Not assessed."]


def test_control_characters_are_stripped():
    record = add_record(Assessment.new("Acme"), AI_SYSTEMS, system(
        name="Fraud\x00 scoring\x07 model\x1b", purpose="Line one\r\nLine\x0c two\rthree\x7f"))
    assert record["name"] == "Fraud scoring model"
    assert record["purpose"] == "Line one\nLine two\nthree"


def test_over_long_text_is_rejected_naming_the_limit():
    with pytest.raises(RecordError) as exc:
        add_record(Assessment.new("Acme"), AI_SYSTEMS, system(name="x" * 201))
    assert messages(exc.value) == ["Name is 201 characters long; the limit is 200."]
    assert add_record(Assessment.new("Acme"), AI_SYSTEMS, system(name="x" * 200))["name"] == "x" * 200
    with pytest.raises(RecordError, match="the limit is 4000"):
        add_record(Assessment.new("Acme"), AI_SYSTEMS, system(purpose="p" * 4001))


def test_update_record_validates_and_keeps_the_id():
    a = Assessment.new("Acme")
    add_record(a, AI_SYSTEMS, system())
    with pytest.raises(RecordError):
        update_record(a, AI_SYSTEMS, "SYS-001", system(in_scope="No"))
    assert a.find(AI_SYSTEMS, "SYS-001")["in_scope"] == "Yes"  # unchanged after a refused edit
    updated = update_record(a, AI_SYSTEMS, "SYS-001", system(id="SYS-777", name="Renamed"))
    assert updated["id"] == "SYS-001" and updated["name"] == "Renamed"
    assert a.find(AI_SYSTEMS, "SYS-777") is None
    assert len(a.records(AI_SYSTEMS)) == 1


# -- the profile ---------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, message", [
    ("2027-02-30", "Certificate expiry: 2027-02-30 is not a real date."),
    ("31/12/2027", "Certificate expiry: must be a date written YYYY-MM-DD, e.g. 2027-03-31."),
    ("2027-3-31", "Certificate expiry: must be a date written YYYY-MM-DD, e.g. 2027-03-31."),
])
def test_malformed_dates_are_rejected(bad: str, message: str):
    a = Assessment.new("Acme")
    with pytest.raises(RecordError) as exc:
        update_profile(a, profile(certificate_expiry=bad))
    assert messages(exc.value) == [message]
    assert a.profile["organisation"] == "Acme"  # refused: the profile is unchanged


def test_valid_dates_are_accepted():
    a = Assessment.new("Acme")
    record = update_profile(a, profile(certificate_expiry="2027-03-31",
                                       certificate_issued=dt.date(2024, 4, 1)))
    assert record["certificate_expiry"] == "2027-03-31"
    assert record["certificate_issued"] == "2024-04-01"
    assert a.profile["organisation"] == "Acme Ltd"


def test_certified_requires_body_and_dates():
    with pytest.raises(RecordError) as exc:
        update_profile(Assessment.new("Acme"), profile(certification_status="certified"))
    assert {p.field: p.message for p in exc.value.problems} == {
        "certification_body": "Certification body is required when Certification status is Certified.",
        "certificate_issued": "Certificate issued is required when Certification status is Certified.",
        "certificate_expiry": "Certificate expiry is required when Certification status is Certified.",
    }
    record = update_profile(Assessment.new("Acme"), profile(
        certification_status="Certified", certification_body="Example Cert Ltd",
        certificate_issued="2024-05-14", certificate_expiry="2027-05-13"))
    assert record["certification_status"] == "Certified"
    # not certified: none of them needed
    assert update_profile(Assessment.new("Acme"), profile(certification_status="In progress"))


@pytest.mark.parametrize("given", [None, "", [], ["EU AI Act"], "eu ai act; NIST AI RMF 1.0"])
def test_frameworks_always_contain_iso_27001(given):
    record = update_profile(Assessment.new("Acme"), profile(frameworks=given))
    assert record["frameworks"][0] == "ISO/IEC 27001:2022"
    assert record["frameworks"].count("ISO/IEC 27001:2022") == 1


def test_frameworks_are_normalised_and_unknown_ones_rejected():
    record = update_profile(Assessment.new("Acme"),
                            profile(frameworks="eu ai act; NIST AI RMF 1.0"))
    assert record["frameworks"] == ["ISO/IEC 27001:2022", "EU AI Act", "NIST AI RMF 1.0"]
    with pytest.raises(RecordError, match="'SOC 2' is not one of"):
        update_profile(Assessment.new("Acme"), profile(frameworks=["SOC 2"]))


def test_hand_edited_profile_without_iso_27001_is_a_problem():
    a = build_scope_demo()
    a.profile["frameworks"] = ["EU AI Act"]
    assert "Frameworks in scope: ISO/IEC 27001:2022 is always in scope." in [
        p.message for p in validate_assessment(a)]


def test_update_profile_draft_keeps_incomplete_values():
    a = Assessment.new("Acme")
    problems = update_profile_draft(a, {"organisation": "Half-done Ltd", "sector": "Health"})
    assert a.profile["organisation"] == "Half-done Ltd"
    assert a.profile["sector"] == "Health"
    assert {p.field for p in problems} == {"isms_scope", "certification_status"}
    assert "Current ISMS scope statement is required." in [p.message for p in problems]


def test_update_profile_draft_keeps_a_malformed_date_as_typed():
    a = Assessment.new("Acme")
    problems = update_profile_draft(a, profile(certificate_expiry="31/12/2027"))
    assert a.profile["certificate_expiry"] == "31/12/2027"
    assert [p.field for p in problems] == ["certificate_expiry"]
    # the kept value is still reported when the whole assessment is validated
    assert any(p.field == "certificate_expiry" for p in validate_assessment(a))


def test_update_profile_draft_returns_nothing_when_complete():
    a = Assessment.new("Acme")
    assert update_profile_draft(a, profile()) == []
    assert a.profile["frameworks"] == ["ISO/IEC 27001:2022"]


# -- whole assessment ------------------------------------------------------------------------------
def test_demo_has_no_problems():
    demo = build_scope_demo()
    assert validate_assessment(demo) == []
    assert len(demo.records(AI_SYSTEMS)) == len(DEMO_SYSTEMS) == 5
    assert demo.counters["SYS"] == 5  # plus the demo vendors and incidents (core/demo_vendors.py)


def test_validate_finds_duplicate_and_malformed_ids_in_a_hand_edited_file():
    doc = to_document(build_scope_demo())
    doc["ai_systems"]["2"]["id"] = "SYS-001"
    doc["ai_systems"]["3"]["id"] = "sys-3"
    doc["ai_systems"]["4"]["id"] = ""
    del doc["ai_systems"]["5"]["business_owner"]
    a = from_document(doc, Path("hand-edited.aigov.json"))
    found = [str(p) for p in validate_assessment(a)]
    assert "AI systems SYS-001: SYS-001 is used twice." in found
    assert "AI systems sys-3: 'sys-3' is not an ID like SYS-001." in found
    assert "AI systems: '' is not an ID like SYS-001." in found
    assert "AI systems SYS-005: Business owner is required." in found
    assert len([f for f in found if f.startswith("AI systems")]) == 4
    # the demo vendor and incident that named SYS-002 now point at a missing system
    assert sorted(f for f in found if not f.startswith("AI systems")) == [
        "AI incidents INC-001: Affected AI systems: SYS-002 is not a known AI system.",
        "AI vendors V-001: Linked AI systems: SYS-002 is not a known AI system."]


def test_validate_checks_values_of_a_hand_edited_file():
    a = build_scope_demo()
    a.records(AI_SYSTEMS)[0]["in_scope"] = "Maybe"
    a.records(AI_SYSTEMS)[1]["name"] = 42
    a.profile["certificate_expiry"] = "2027-02-30"
    found = [str(p) for p in validate_assessment(a)]
    assert "AI systems SYS-001: In ISMS scope: 'Maybe' is not one of Yes, No, Partial." in found
    assert "AI systems SYS-002: Name must be text." in found
    assert "Organisation profile: Certificate expiry: 2027-02-30 is not a real date." in found


# -- Step 1 ------------------------------------------------------------------------------------------
def test_step_one_status():
    assert step_status(build_scope_demo(), 1) is Status.COMPLETE
    empty = Assessment.new("Acme")
    assert step_status(empty, 1) is Status.NOT_STARTED
    update_profile_draft(empty, {"organisation": "Acme", "sector": "Health"})
    assert step_status(empty, 1) is Status.IN_PROGRESS
    demo = build_scope_demo()
    set_addendum(demo, "   ", edited=True)
    assert step_status(demo, 1) is Status.IN_PROGRESS
    assert step_status(build_scope_demo(), 5) is Status.NOT_STARTED


def test_steps_two_and_three_status():
    from tests.conftest import build_risk_demo, catalogs

    demo = build_scope_demo()
    assert step_status(demo, 2) is Status.NOT_STARTED
    assert step_status(demo, 3) is Status.NOT_STARTED
    rich = build_risk_demo()
    # assets exist but the in-scope SYS-003 and SYS-004 have none yet
    assert step_status(rich, 2, catalogs()) is Status.IN_PROGRESS
    # the suggested risks are rated but some still lack the owner's acceptance
    assert step_status(rich, 3, catalogs()) is Status.IN_PROGRESS


def test_step_one_incomplete_while_a_system_has_problems():
    demo = build_scope_demo()
    demo.records(AI_SYSTEMS)[0]["business_owner"] = ""
    assert step_status(demo, 1) is Status.IN_PROGRESS


def _section(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = lines.index("", start)
    return lines[start:end]


def test_draft_addendum_names_systems_by_scope_decision():
    a = Assessment.new("Acme Ltd")
    add_record(a, AI_SYSTEMS, system(name="Fraud model", purpose="Scores fraud. More detail."))
    add_record(a, AI_SYSTEMS, system(name="Code assistant", in_scope="Partial",
                                     provenance="Third-party API or SaaS",
                                     scope_justification="Only its use by engineering."))
    add_record(a, AI_SYSTEMS, system(name="Copy pilot", in_scope="No",
                                     scope_justification="Sandbox pilot with public data only."))
    text = draft_addendum(a, dt.date(2026, 11, 30))

    assert text.startswith("Scope addendum: AI systems (draft of 2026-11-30)")
    assert "information security management system of Acme Ltd is extended" in text
    inside = _section(text, "In scope:")
    assert len(inside) == 1 and inside[0].startswith("- SYS-001 Fraud model: Scores fraud (")
    partial = _section(text, "Partly in scope:")
    assert partial[0].startswith("- SYS-002 Code assistant")
    assert partial[1] == "  In scope: Only its use by engineering."
    excluded = _section(text, "Excluded, with the reason:")
    assert excluded == ["- SYS-003 Copy pilot: Sandbox pilot with public data only."]
    assert "SYS-003" not in "\n".join(inside + partial)
    assert "third parties (SYS-002 Code assistant)" in text


def test_draft_addendum_without_systems_in_scope():
    a = Assessment.new("Acme Ltd")
    add_record(a, AI_SYSTEMS, system(name="Copy pilot", in_scope="No", scope_justification="Pilot."))
    text = draft_addendum(a, dt.date(2026, 1, 2))
    assert "No AI system has been brought into the ISMS scope yet." in text
    assert "In scope:" not in text
    assert "- SYS-001 Copy pilot: Pilot." in text


def test_demo_addendum_matches_its_systems():
    demo = build_scope_demo(dt.date(2026, 11, 30))
    text = demo.scope["addendum"]
    assert demo.scope["edited"] is False
    assert [line[2:9] for line in _section(text, "In scope:")] == ["SYS-001", "SYS-002", "SYS-003"]
    assert _section(text, "Excluded, with the reason:")[0].startswith(
        "- SYS-005 Marketing copy generator (pilot): A sandbox pilot")
    assert "The extension also takes account of: ISO/IEC 42001:2023, EU AI Act." in text


def test_set_addendum_cleans_text_and_marks_edit():
    a = Assessment.new("Acme")
    set_addendum(a, "Edited\r\nby hand\x00", edited=True)
    assert a.scope == {"addendum": "Edited\nby hand", "edited": True}


def test_profile_register_declares_iso_27001_as_always():
    assert PROFILE.field("frameworks").always == ("ISO/IEC 27001:2022",)
    assert Assessment.new("Acme").profile["frameworks"] == ["ISO/IEC 27001:2022"]
