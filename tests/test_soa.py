"""Step 4 core: Statement of Applicability rows and derivation, validation, bulk actions, gaps,
the mapping in context, mandatory clauses and the evidence register."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from aigov_tui.core import soa
from aigov_tui.core.model import (
    Assessment, RecordError, add_record, delete_record, update_record, validate_assessment,
)
from aigov_tui.core.registers import CLAUSES, CUSTOM_CONTROLS, EVIDENCE, RISKS, SOA
from tests.conftest import TODAY, build_risk_demo

FW27 = "ISO/IEC 27001:2022"
FW42 = "ISO/IEC 42001:2023"
CLOUD_ONLY = "Cloud-only AI estate: all AI infrastructure is hosted by AWS (see supplier assurance)."


# --- fixtures and helpers ----------------------------------------------------------------------


def rows_by_id(a: Assessment, cats) -> dict[str, dict]:
    return {r["id"]: r for r in soa.soa_rows(a, cats)}


def add_risk(a: Assessment, cats, strict: bool = True, **values) -> dict:
    record = {"title": "Model supplier changes the model without notice",
              "scenario": "The AI API provider silently swaps the model behind the support assistant.",
              "category": "Supply chain", "risk_owner": "CISO", "inherent_likelihood": 2,
              "inherent_impact": 2, "treatment": "Modify", "planned_27001": ["A.5.23"]}
    record.update(values)
    return add_record(a, RISKS, record, cats, strict=strict)


def add_custom(a: Assessment, cats, title: str = "Human oversight of agent actions",
               mapped: list[str] | None = None) -> dict:
    return add_record(a, CUSTOM_CONTROLS, {
        "title": title,
        "objective": "A person approves every irreversible action an AI agent proposes.",
        "mapped_27001": mapped if mapped is not None else ["A.8.16", "A.5.1"],
        "source": "EU AI Act Art. 14",
    }, cats)


def add_evidence(a: Assessment, cats, location: str = "https://wiki.example/isms/ai-policy",
                 **values) -> dict:
    record = {"title": "AI acceptable use policy v1.2", "type": "Policy", "location": location}
    record.update(values)
    return add_record(a, EVIDENCE, record, cats)


def gap_kinds(a: Assessment, cats, ref: str) -> set[str]:
    return {g.kind for g in soa.gaps(a, cats) if g.ref == ref}


def stored(a: Assessment, key: str) -> dict | None:
    return a.find(SOA, key)


def fields_of(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


# --- 1. rows -----------------------------------------------------------------------------------
def test_rows_without_42001_are_the_93_annex_a_controls(cats) -> None:
    a = Assessment.new("Cloud Co")
    a.profile["frameworks"] = [FW27, "EU AI Act"]
    rows = soa.soa_rows(a, cats)
    assert len(rows) == 93
    assert [r["id"] for r in rows] == list(cats.iso27001)
    assert {r["framework"] for r in rows} == {"27001"}
    assert "A.5.15" in {r["id"] for r in rows}
    assert not any(r["id"].startswith("42001:") for r in rows)


def test_rows_with_42001_add_its_38_controls_with_prefixed_keys(a, cats) -> None:
    assert FW42 in a.profile["frameworks"]
    rows = soa.soa_rows(a, cats)
    assert len(rows) == 131
    by_fw: dict[str, list[str]] = {}
    for r in rows:
        by_fw.setdefault(r["framework"], []).append(r["id"])
    assert len(by_fw["27001"]) == 93 and len(by_fw["42001"]) == 38
    assert by_fw["42001"] == [f"42001:{cid}" for cid in cats.iso42001]
    assert [r["id"] for r in rows][:93] == list(cats.iso27001)  # 27001 first, as an auditor reads
    r = soa.row(a, cats, "42001:A.6.2.4")
    assert r["title"] == cats.iso42001["A.6.2.4"]["title"]
    objective = cats.iso42001["A.6.2.4"]["objective"]
    assert r["theme"] == cats.objectives["iso42001_2023"][objective]["title"]
    # the 42001 ID is only reachable through its prefix: A.6.2.4 is no 27001 control
    with pytest.raises(KeyError):
        soa.row(a, cats, "A.6.2.4")


def test_dropping_42001_from_the_profile_drops_its_rows(a, cats) -> None:
    a.profile["frameworks"] = [FW27]
    assert len(soa.soa_rows(a, cats)) == 93
    with pytest.raises(KeyError):
        soa.row(a, cats, "42001:A.6.2.4")


def test_each_custom_control_adds_one_row(a, cats) -> None:
    first = add_custom(a, cats)
    assert first["id"] == "AIC-001"
    assert len(soa.soa_rows(a, cats)) == 132
    add_custom(a, cats, "Model card for every production model", ["A.5.37"])
    rows = soa.soa_rows(a, cats)
    assert len(rows) == 133
    assert [r["id"] for r in rows[-2:]] == ["AIC-001", "AIC-002"]
    r = soa.row(a, cats, "AIC-001")
    assert r["framework"] == "Custom"
    assert r["title"] == "Human oversight of agent actions"
    assert r["applicable"] == "Undecided"
    # without 42001 a custom control still has its row
    a.profile["frameworks"] = [FW27]
    assert len(soa.soa_rows(a, cats)) == 95


def test_framework_short_codes(a, cats) -> None:
    add_custom(a, cats)
    rows = rows_by_id(a, cats)
    assert rows["A.5.15"]["framework"] == "27001"
    assert rows["42001:A.6.2.4"]["framework"] == "42001"
    assert rows["AIC-001"]["framework"] == "Custom"
    assert soa.framework_of("A.5.15") == soa.FW_27001
    assert soa.framework_of("42001:A.6.2.4") == soa.FW_42001
    assert soa.framework_of("AIC-001") == soa.FW_CUSTOM


def test_ai_extension_is_prefilled_from_the_catalog_until_the_user_writes_it(a, cats) -> None:
    add_custom(a, cats)
    rows = rows_by_id(a, cats)
    guidance = " ".join(cats.iso27001["A.5.15"]["ai_guidance"].split())
    assert guidance and rows["A.5.15"]["ai_extension"] == guidance
    assert rows["42001:A.2.2"]["ai_extension"] == " ".join(cats.iso42001["A.2.2"]["ai_guidance"].split())
    assert rows["AIC-001"]["ai_extension"].startswith("A person approves every irreversible action")
    assert rows["A.7.1"]["ai_extension"] != rows["A.5.15"]["ai_extension"]

    mine = "Access to the model registry is granted through the ML-Platform-Admins group only."
    soa.update_row(a, cats, "A.5.15", {"ai_extension": mine})
    assert soa.row(a, cats, "A.5.15")["ai_extension"] == mine
    assert stored(a, "A.5.15")["ai_extension"] == mine
    # other rows keep their prefill
    assert soa.row(a, cats, "A.5.16")["ai_extension"] == " ".join(cats.iso27001["A.5.16"]["ai_guidance"].split())


# --- 2. derivation from risks ------------------------------------------------------------------
def test_a_27001_control_planned_by_a_risk_is_applicable_with_risk_treatment(a, cats) -> None:
    r = soa.row(a, cats, "A.5.15")  # R-005 plans A.5.15
    assert r["applicable"] == "Yes"
    assert r["reasons"][0] == "Risk treatment"
    assert r["linked_risks"] == ["R-005"]
    assert "R-005" in r["justification_inclusion"]
    assert a.records(SOA) == []  # derived, nothing typed or stored

    several = soa.row(a, cats, "A.8.16")
    # A.8.16 is planned where monitoring is the answer (catalog 1.1 no longer adds it by default)
    assert several["linked_risks"] == ["R-003", "R-004", "R-005", "R-008"]
    assert all(rid in several["justification_inclusion"] for rid in several["linked_risks"])

    # a control nobody names stays undecided
    r = soa.row(a, cats, "A.5.23")
    assert r["applicable"] == "Undecided" and r["linked_risks"] == [] and r["reasons"] == []
    assert r["justification_inclusion"] == ""


def test_a_new_risk_makes_its_planned_control_applicable(a, cats) -> None:
    assert soa.row(a, cats, "A.5.23")["applicable"] == "Undecided"
    risk = add_risk(a, cats, planned_27001=["A.5.23"])
    r = soa.row(a, cats, "A.5.23")
    assert r["applicable"] == "Yes"
    assert r["reasons"] == ["Risk treatment"]
    assert r["linked_risks"] == [risk["id"]] == ["R-009"]
    assert r["justification_inclusion"] == "Selected to treat R-009."


def test_a_42001_control_planned_by_a_risk_uses_the_prefixed_key(a, cats) -> None:
    links = soa.risk_links(a)
    assert links["42001:A.6.2.4"] == ["R-001", "R-003", "R-004", "R-007"]
    assert "A.6.2.4" not in links
    risk = add_risk(a, cats, planned_27001=[], planned_42001=["A.9.3"])
    r = soa.row(a, cats, "42001:A.9.3")
    assert r["applicable"] == "Yes"
    assert r["reasons"][0] == "Risk treatment"
    assert r["linked_risks"] == [risk["id"]]
    assert risk["id"] in r["justification_inclusion"]


def test_user_reasons_follow_risk_treatment(a, cats) -> None:
    soa.update_row(a, cats, "A.5.15", {"reasons": ["Legal or regulatory"]})
    assert soa.row(a, cats, "A.5.15")["reasons"] == ["Risk treatment", "Legal or regulatory"]


def test_an_explicit_no_is_kept_and_is_a_gap(a, cats) -> None:
    soa.update_row(a, cats, "A.5.15", {"applicable": "No", "justification_exclusion": CLOUD_ONLY})
    r = soa.row(a, cats, "A.5.15")
    assert r["applicable"] == "No"
    assert r["linked_risks"] == ["R-005"]
    assert r["justification_inclusion"] == ""  # no derived inclusion text for an excluded control
    relied = [g for g in soa.gaps(a, cats) if g.ref == "A.5.15"]
    assert [g.kind for g in relied] == ["Excluded but relied on by a risk"]
    assert "R-005" in relied[0].message


def test_deleting_the_last_risk_reverts_the_control_and_says_so(a, cats) -> None:
    before = soa.risk_links(a)
    delete_record(a, RISKS, "R-005")
    after = soa.risk_links(a)
    # R-005 alone named these; A.8.16 and 42001:A.6.2.6 are still named by others
    assert soa.unlinked(before, after) == ["A.5.15", "A.5.32", "A.8.24", "42001:A.6.2.5"]
    r = soa.row(a, cats, "A.5.15")
    assert r["applicable"] == "Undecided"
    assert r["reasons"] == [] and r["linked_risks"] == [] and r["justification_inclusion"] == ""
    assert soa.row(a, cats, "A.8.16")["linked_risks"] == ["R-003", "R-004", "R-008"]
    assert "Undecided" in gap_kinds(a, cats, "A.5.15")


def test_editing_the_control_away_from_a_risk_reverts_it(a, cats) -> None:
    risk = add_risk(a, cats, planned_27001=["A.5.23", "A.5.22"])
    before = soa.risk_links(a)
    values = {k: v for k, v in risk.items() if k != "id"}
    update_record(a, RISKS, risk["id"], {**values, "planned_27001": ["A.5.22"]}, cats)
    after = soa.risk_links(a)
    assert soa.unlinked(before, after) == ["A.5.23"]
    assert soa.row(a, cats, "A.5.23")["applicable"] == "Undecided"
    assert soa.row(a, cats, "A.5.22")["applicable"] == "Yes"
    assert soa.unlinked(after, after) == []


def test_editing_other_fields_of_a_derived_row_does_not_store_the_derivation(a, cats) -> None:
    soa.update_row(a, cats, "A.5.15", {"owner": "Head of IT", "status": "Planned"})
    kept = stored(a, "A.5.15")
    assert kept["owner"] == "Head of IT"
    assert kept["applicable"] in (None, "", "Undecided")
    assert "Risk treatment" not in kept["reasons"]
    assert "R-005" not in kept["justification_inclusion"]
    assert soa.row(a, cats, "A.5.15")["applicable"] == "Yes"  # still derived while R-005 names it
    delete_record(a, RISKS, "R-005")
    r = soa.row(a, cats, "A.5.15")
    assert r["applicable"] == "Undecided"  # never decided by the user
    assert r["justification_inclusion"] == ""  # no stale "Selected to treat R-005."
    assert r["reasons"] == []
    assert r["owner"] == "Head of IT" and r["status"] == "Planned"


def test_a_user_decision_survives_the_risk_going_away(a, cats) -> None:
    soa.update_row(a, cats, "A.5.15", {"applicable": "Yes",
                                       "justification_inclusion": "Required by the access policy."})
    delete_record(a, RISKS, "R-005")
    r = soa.row(a, cats, "A.5.15")
    assert r["applicable"] == "Yes"
    assert r["justification_inclusion"] == "Required by the access policy."
    assert r["reasons"] == []


def test_risk_treatment_is_never_stored_as_a_user_reason(a, cats) -> None:
    # on a linked row, even when the user passes it back
    soa.update_row(a, cats, "A.5.15", {"reasons": ["Risk treatment", "Contractual"]})
    assert stored(a, "A.5.15")["reasons"] == ["Contractual"]
    assert soa.row(a, cats, "A.5.15")["reasons"] == ["Risk treatment", "Contractual"]
    # on a row no risk names
    soa.update_row(a, cats, "A.5.23", {"applicable": "Yes", "reasons": ["Risk treatment"],
                                       "justification_inclusion": "Cloud services carry the AI APIs."})
    assert stored(a, "A.5.23")["reasons"] == []
    # and never kept after the risk goes away
    delete_record(a, RISKS, "R-005")
    assert soa.row(a, cats, "A.5.15")["reasons"] == ["Contractual"]
    assert all("Risk treatment" not in (r.get("reasons") or []) for r in a.records(SOA))


# --- 3. update_row validation ------------------------------------------------------------------
def test_applicable_yes_needs_a_justification_unless_derived(a, cats) -> None:
    with pytest.raises(RecordError) as exc:
        soa.update_row(a, cats, "A.5.23", {"applicable": "Yes"})
    problems = fields_of(exc)
    assert list(problems) == ["justification_inclusion"]
    assert "Justification for inclusion" in problems["justification_inclusion"]
    assert stored(a, "A.5.23") is None
    # derived: R-005 is the justification
    r = soa.update_row(a, cats, "A.5.15", {"applicable": "Yes"})
    assert r["applicable"] == "Yes" and "R-005" in r["justification_inclusion"]
    assert stored(a, "A.5.15")["applicable"] == "Yes"


def test_applicable_no_needs_a_justification_for_exclusion(a, cats) -> None:
    for key in ("A.7.1", "A.5.15"):  # a free row and one a risk relies on
        with pytest.raises(RecordError) as exc:
            soa.update_row(a, cats, key, {"applicable": "No"})
        problems = fields_of(exc)
        assert list(problems) == ["justification_exclusion"]
        assert "Justification for exclusion" in problems["justification_exclusion"]
        assert stored(a, key) is None
    r = soa.update_row(a, cats, "A.7.1", {"applicable": "No", "justification_exclusion": CLOUD_ONLY})
    assert r["applicable"] == "No" and r["justification_exclusion"] == CLOUD_ONLY


def test_unknown_evidence_is_rejected_naming_it(a, cats) -> None:
    ev = add_evidence(a, cats)
    with pytest.raises(RecordError) as exc:
        soa.update_row(a, cats, "A.5.15", {"evidence_refs": [ev["id"], "EV-404", "EV-405"]})
    problems = fields_of(exc)
    assert list(problems) == ["evidence_refs"]
    assert "EV-404" in problems["evidence_refs"] and "EV-405" in problems["evidence_refs"]
    assert ev["id"] not in problems["evidence_refs"]
    assert stored(a, "A.5.15") is None
    r = soa.update_row(a, cats, "A.5.15", {"evidence_refs": ev["id"]})  # typed as text
    assert r["evidence_refs"] == [ev["id"]]


def test_unknown_choices_are_rejected(a, cats) -> None:
    with pytest.raises(RecordError) as exc:
        soa.update_row(a, cats, "A.5.15", {"status": "Done"})
    assert "status" in fields_of(exc)
    with pytest.raises(RecordError) as exc:
        soa.update_row(a, cats, "A.5.15", {"applicable": "Maybe"})
    assert "applicable" in fields_of(exc)
    assert a.records(SOA) == []


def test_unknown_key_raises_key_error(a, cats) -> None:
    for key in ("A.9.9", "AIC-001", "42001:A.99"):
        with pytest.raises(KeyError):
            soa.update_row(a, cats, key, {"owner": "CISO"})
    a.profile["frameworks"] = [FW27]
    with pytest.raises(KeyError):
        soa.update_row(a, cats, "42001:A.6.2.4", {"owner": "CISO"})
    assert a.records(SOA) == []


def test_update_row_ignores_an_id_in_the_values(a, cats) -> None:
    soa.update_row(a, cats, "A.5.1", {"id": "A.5.2", "applicable": "Yes",
                                      "justification_inclusion": "The AI policy sits under A.5.1."})
    assert stored(a, "A.5.1") is not None and stored(a, "A.5.2") is None
    # a second update replaces the stored row rather than adding one
    soa.update_row(a, cats, "A.5.1", {"owner": "CISO"})
    assert [r["id"] for r in a.records(SOA)] == ["A.5.1"]
    assert soa.row(a, cats, "A.5.1")["justification_inclusion"] == "The AI policy sits under A.5.1."


# --- 4. bulk actions ---------------------------------------------------------------------------
def physical_keys(a: Assessment, cats) -> list[str]:
    return [r["id"] for r in soa.soa_rows(a, cats) if r["theme"] == "Physical"]


def test_bulk_mark_physical_controls_not_applicable(a, cats) -> None:
    keys = physical_keys(a, cats)
    assert len(keys) == 14 and all(k.startswith("A.7.") for k in keys)
    done, problems = soa.bulk_update(a, cats, keys, {"applicable": "No",
                                                     "justification_exclusion": CLOUD_ONLY})
    assert done == keys and problems == []
    rows = rows_by_id(a, cats)
    assert all(rows[k]["applicable"] == "No" and rows[k]["justification_exclusion"] == CLOUD_ONLY
               for k in keys)
    assert sorted(r["id"] for r in a.records(SOA)) == sorted(keys)
    assert rows["A.8.1"]["applicable"] == "Undecided"  # other themes untouched
    assert not any(gap_kinds(a, cats, k) for k in keys)


def test_bulk_no_without_justification_changes_nothing(a, cats) -> None:
    keys = physical_keys(a, cats)
    done, problems = soa.bulk_update(a, cats, keys, {"applicable": "No"})
    assert done == []
    assert len(problems) == 14
    assert {p.record_id for p in problems} == set(keys)
    assert {p.field for p in problems} == {"justification_exclusion"}
    assert a.records(SOA) == []


def test_bulk_reports_only_the_rows_that_fail(a, cats) -> None:
    soa.update_row(a, cats, "A.7.1", {"justification_exclusion": "Only cloud hosting."})
    keys = physical_keys(a, cats)
    done, problems = soa.bulk_update(a, cats, keys, {"applicable": "No"})
    assert done == ["A.7.1"]  # the only one that already had an exclusion justification
    assert len(problems) == 13 and "A.7.1" not in {p.record_id for p in problems}


def test_bulk_sets_rows_relied_on_by_risks_and_they_become_gaps(a, cats) -> None:
    risk = add_risk(a, cats, planned_27001=["A.7.4"])
    keys = physical_keys(a, cats)
    done, problems = soa.bulk_update(a, cats, keys, {"applicable": "No",
                                                     "justification_exclusion": CLOUD_ONLY})
    assert done == keys and problems == []
    r = soa.row(a, cats, "A.7.4")
    assert r["applicable"] == "No" and r["linked_risks"] == [risk["id"]]
    relied = [g.ref for g in soa.gaps(a, cats) if g.kind == "Excluded but relied on by a risk"]
    assert relied == ["A.7.4"]


# --- 5. gaps -----------------------------------------------------------------------------------
def test_gap_undecided(a, cats) -> None:
    assert gap_kinds(a, cats, "A.5.1") == {"Undecided"}
    assert gap_kinds(a, cats, "A.5.15") == set()  # derived Yes
    undecided = [g for g in soa.gaps(a, cats) if g.kind == "Undecided"]
    assert len(undecided) == 131 - len(soa.risk_links(a))
    soa.update_row(a, cats, "A.5.1", {"applicable": "Yes", "justification_inclusion": "AI policy."})
    assert gap_kinds(a, cats, "A.5.1") == set()


def test_gap_applicable_without_justification(a, cats) -> None:
    # a Yes justified only by R-005 loses its justification when R-005 goes
    soa.update_row(a, cats, "A.5.15", {"applicable": "Yes"})
    assert gap_kinds(a, cats, "A.5.15") == set()
    delete_record(a, RISKS, "R-005")
    assert gap_kinds(a, cats, "A.5.15") == {"Applicable without justification"}
    # a row written directly (an imported file) shows the same gap
    a.records(SOA).append({"id": "A.5.2", "applicable": "Yes"})
    gap = next(g for g in soa.gaps(a, cats) if g.ref == "A.5.2")
    assert gap.kind == "Applicable without justification" and "A.5.2" in gap.message
    soa.update_row(a, cats, "A.5.15", {"justification_inclusion": "Access policy requires it."})
    assert gap_kinds(a, cats, "A.5.15") == set()


def test_gap_excluded_without_justification(a, cats) -> None:
    a.records(SOA).append({"id": "A.7.2", "applicable": "No"})
    assert gap_kinds(a, cats, "A.7.2") == {"Excluded without justification"}
    soa.update_row(a, cats, "A.7.2", {"justification_exclusion": CLOUD_ONLY})
    assert gap_kinds(a, cats, "A.7.2") == set()


def test_gap_implemented_without_evidence(a, cats) -> None:
    soa.update_row(a, cats, "A.5.15", {"status": "Implemented"})
    gap = [g for g in soa.gaps(a, cats) if g.ref == "A.5.15"]
    assert [g.kind for g in gap] == ["Implemented without evidence"]
    soa.update_row(a, cats, "A.5.15", {"status": "Partially implemented"})
    assert gap_kinds(a, cats, "A.5.15") == set()
    ev = add_evidence(a, cats)
    soa.update_row(a, cats, "A.5.15", {"status": "Implemented", "evidence_refs": [ev["id"]]})
    assert gap_kinds(a, cats, "A.5.15") == set()


def test_gap_risk_without_a_control(a, cats) -> None:
    assert not [g for g in soa.gaps(a, cats) if g.kind == "Risk without a control"]
    risk = add_risk(a, cats, strict=False, planned_27001=[], planned_42001=[])
    gap = [g for g in soa.gaps(a, cats) if g.kind == "Risk without a control"]
    assert [g.ref for g in gap] == [risk["id"]]
    assert "Modify" in gap[0].message
    risk["planned_42001"] = ["A.10.3"]
    assert not [g for g in soa.gaps(a, cats) if g.kind == "Risk without a control"]


def test_only_modify_and_share_need_a_control(a, cats) -> None:
    shared = add_risk(a, cats, strict=False, treatment="Share", planned_27001=[])
    avoided = add_risk(a, cats, strict=False, treatment="Avoid", planned_27001=[])
    refs = [g.ref for g in soa.gaps(a, cats) if g.kind == "Risk without a control"]
    assert refs == [shared["id"]] and avoided["id"] not in refs


def test_gap_excluded_but_relied_on_goes_when_included(a, cats) -> None:
    soa.update_row(a, cats, "A.5.15", {"applicable": "No", "justification_exclusion": CLOUD_ONLY})
    assert gap_kinds(a, cats, "A.5.15") == {"Excluded but relied on by a risk"}
    soa.update_row(a, cats, "A.5.15", {"applicable": "Yes"})
    assert gap_kinds(a, cats, "A.5.15") == set()
    # or when the risk stops relying on it
    soa.update_row(a, cats, "A.5.15", {"applicable": "No"})
    delete_record(a, RISKS, "R-005")
    assert gap_kinds(a, cats, "A.5.15") == set()


def test_every_gap_kind_is_reported_with_a_message(a, cats) -> None:
    add_risk(a, cats, strict=False, planned_27001=[])
    a.records(SOA).extend([{"id": "A.5.2", "applicable": "Yes"}, {"id": "A.7.2", "applicable": "No"},
                           {"id": "A.5.15", "applicable": "No"},
                           {"id": "A.7.3", "applicable": "No", "justification_exclusion": "x",
                            "status": "Implemented"}])
    soa.update_row(a, cats, "A.5.1", {"applicable": "Yes", "justification_inclusion": "AI policy.",
                                      "status": "Implemented"})
    found = soa.gaps(a, cats)
    assert {g.kind for g in found} == set(soa.GAP_KINDS)
    assert all(g.ref and g.ref in g.message for g in found)


# --- 6. the mapping in context -----------------------------------------------------------------
def test_mapping_of_a_27001_control_lists_42001_controls_with_their_state(a, cats) -> None:
    found = {m["ref"]: m for m in soa.mapping_in_context(a, cats, "A.5.19")}
    m = found["42001:A.10.3"]
    assert m["title"] == cats.iso42001["A.10.3"]["title"]
    assert m["relationship"] == "partial"
    assert "model provenance" in m["note"]
    assert m["state"] == "Yes"  # plan it
    assert "42001:A.10.2" in found and found["42001:A.10.2"]["state"] == "Undecided"

    soa.update_row(a, cats, "42001:A.10.3", {"status": "Planned"})
    m = {m["ref"]: m for m in soa.mapping_in_context(a, cats, "A.5.19")}["42001:A.10.3"]
    assert m["state"] == "Yes, Planned"
    soa.update_row(a, cats, "42001:A.10.3", {"applicable": "No", "justification_exclusion": CLOUD_ONLY,
                                             "status": None})
    m = {m["ref"]: m for m in soa.mapping_in_context(a, cats, "A.5.19")}["42001:A.10.3"]
    assert m["state"] == "No"


def test_mapping_of_a_27001_control_lists_the_threats_naming_it(a, cats) -> None:
    threats = [m for m in soa.mapping_in_context(a, cats, "A.5.19") if m["relationship"] == "threat"]
    expected = [tid for tid, t in cats.threats.items() if "A.5.19" in (t.get("controls_27001") or [])]
    assert "ML06" in expected
    assert [m["ref"] for m in threats] == expected
    assert threats[0]["title"] == cats.threats[expected[0]]["title"]
    # a control no threat names lists none
    assert not [m for m in soa.mapping_in_context(a, cats, "A.7.1") if m["relationship"] == "threat"]


def test_mapping_without_42001_in_scope_says_not_in_scope(a, cats) -> None:
    a.profile["frameworks"] = [FW27]
    m = {m["ref"]: m for m in soa.mapping_in_context(a, cats, "A.5.19")}["42001:A.10.3"]
    assert m["state"] == "not in scope"


def test_mapping_of_a_42001_control_lists_what_it_builds_on(a, cats) -> None:
    found = soa.mapping_in_context(a, cats, "42001:A.3.2")
    assert [m["ref"] for m in found] == ["A.5.2", "5.3", "A.5.3"]
    by_ref = {m["ref"]: m for m in found}
    # A.5.2 is the 27001 control here, not 42001's A.5.2
    assert by_ref["A.5.2"]["title"] == cats.iso27001["A.5.2"]["title"]
    assert by_ref["A.5.2"]["state"] == "Undecided"
    assert by_ref["5.3"]["title"] == cats.clauses["5.3"]["title"]
    assert by_ref["5.3"]["state"] == "clause"
    soa.update_row(a, cats, "A.5.2", {"applicable": "Yes", "justification_inclusion": "Roles.",
                                      "status": "Implemented"})
    by_ref = {m["ref"]: m for m in soa.mapping_in_context(a, cats, "42001:A.3.2")}
    assert by_ref["A.5.2"]["state"] == "Yes, Implemented"


def test_mapping_of_a_42001_control_without_counterpart(a, cats) -> None:
    found = soa.mapping_in_context(a, cats, "42001:A.5.5")
    assert len(found) == 1
    assert found[0]["relationship"] == "new"
    assert found[0]["title"] == "No ISO 27001 counterpart"
    assert "society" in found[0]["note"]
    assert all(m["relationship"] != "new" for m in soa.mapping_in_context(a, cats, "42001:A.10.3"))


def test_mapping_of_a_custom_control_lists_its_27001_controls(a, cats) -> None:
    add_custom(a, cats, mapped=["A.8.16", "A.5.1"])
    found = soa.mapping_in_context(a, cats, "AIC-001")
    assert [m["ref"] for m in found] == ["A.8.16", "A.5.1"]
    assert {m["relationship"] for m in found} == {"builds on"}
    assert found[0]["title"] == cats.iso27001["A.8.16"]["title"]
    assert found[0]["state"] == "Yes"  # planned by several risks
    assert found[1]["state"] == "Undecided"


# --- 7. mandatory clauses ----------------------------------------------------------------------
def test_clause_rows_default(a, cats) -> None:
    rows = soa.clause_rows(a, cats)
    assert len(rows) == 30
    assert [r["id"] for r in rows] == list(cats.clauses)
    assert rows[0]["id"] == "4.1" and rows[-1]["id"] == "10.2"
    assert {r["status"] for r in rows} == {"Not addressed"}
    r41 = rows[0]
    assert r41["title"] == cats.clauses["4.1"]["title"]
    assert r41["ai_update"] == " ".join(cats.clauses["4.1"]["ai_note"].split())
    assert "AI" in r41["ai_update"]
    assert a.records(CLAUSES) == []


def test_update_clause_stores_and_shows(a, cats) -> None:
    soa.update_clause(a, cats, "6.1.2", {"status": "Partially addressed", "owner": "CISO",
                                         "references": "ISMS-PROC-03",
                                         "ai_update": "Risk assessment procedure now covers AI threats."})
    kept = a.find(CLAUSES, "6.1.2")
    assert kept["status"] == "Partially addressed" and kept["owner"] == "CISO"
    r = {r["id"]: r for r in soa.clause_rows(a, cats)}
    assert r["6.1.2"]["status"] == "Partially addressed"
    assert r["6.1.2"]["ai_update"] == "Risk assessment procedure now covers AI threats."
    assert r["6.1.1"]["status"] == "Not addressed"
    soa.update_clause(a, cats, "6.1.2", {"status": "addressed"})  # any case
    assert a.find(CLAUSES, "6.1.2")["status"] == "Addressed"
    assert len(a.records(CLAUSES)) == 1


def test_update_clause_validates(a, cats) -> None:
    with pytest.raises(RecordError) as exc:
        soa.update_clause(a, cats, "4.1", {"status": "Done"})
    assert "status" in fields_of(exc)
    assert "Done" in fields_of(exc)["status"]
    assert a.records(CLAUSES) == []
    with pytest.raises(KeyError):
        soa.update_clause(a, cats, "11.1", {"status": "Addressed"})
    with pytest.raises(KeyError):
        soa.update_clause(a, cats, "A.5.1", {"status": "Addressed"})


# --- 8. evidence -------------------------------------------------------------------------------
def test_hash_file_gives_sha256_and_size(tmp_path: Path) -> None:
    data = b"Access control policy v3\n" * 1000 + b"\x00\xff"
    f = tmp_path / "policy.pdf"
    f.write_bytes(data)
    digest, size = soa.hash_file(str(f))
    assert digest == hashlib.sha256(data).hexdigest()
    assert size == len(data) == f.stat().st_size
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert soa.hash_file(str(empty)) == (hashlib.sha256(b"").hexdigest(), 0)


def test_hash_file_resolves_relative_locations_against_base(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "log.txt").write_bytes(b"model registry access log")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert soa.hash_file("evidence/log.txt", base=tmp_path) == (
        hashlib.sha256(b"model registry access log").hexdigest(), 25)
    with pytest.raises(OSError):
        soa.hash_file("evidence/log.txt")  # relative to the current folder, where it is not


def test_hash_file_rejects_folders_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(OSError) as exc:
        soa.hash_file(str(tmp_path))
    assert "folder" in str(exc.value)
    with pytest.raises(OSError):
        soa.hash_file(str(tmp_path / "missing.pdf"))
    with pytest.raises(OSError):
        soa.hash_file("missing.pdf", base=tmp_path)


def test_record_hash_for_a_local_file_and_a_url(a, cats, tmp_path: Path) -> None:
    f = tmp_path / "pentest.pdf"
    f.write_bytes(b"penetration test report")
    ev = add_evidence(a, cats, location=str(f), type="Test report")
    assert ev.get("sha256") is None
    assert soa.record_hash(a, ev["id"]) == ""
    assert ev["sha256"] == hashlib.sha256(b"penetration test report").hexdigest()
    assert ev["size"] == len(b"penetration test report")

    ev["location"] = "https://sharepoint.example/isms/pentest.pdf"
    assert soa.record_hash(a, ev["id"]) == ""
    assert ev["sha256"] is None and ev["size"] is None

    rel = add_evidence(a, cats, location="pentest.pdf")
    assert soa.record_hash(a, rel["id"], base=tmp_path) == ""
    assert rel["sha256"] == hashlib.sha256(b"penetration test report").hexdigest()


def test_record_hash_reports_a_missing_file(a, cats, tmp_path: Path) -> None:
    ev = add_evidence(a, cats, location=str(tmp_path / "gone.pdf"))
    message = soa.record_hash(a, ev["id"])
    assert message.startswith(f"{ev['id']}: ")
    assert ev.get("sha256") is None
    with pytest.raises(KeyError):
        soa.record_hash(a, "EV-404")


def test_evidence_flags(a, cats, tmp_path: Path) -> None:
    fresh_file = tmp_path / "fresh.txt"
    fresh_file.write_text("training data access review, Q3")
    changed_file = tmp_path / "changed.txt"
    changed_file.write_text("firewall rules v1")
    fresh = add_evidence(a, cats, location=str(fresh_file), valid_until="2027-06-30")
    soa.record_hash(a, fresh["id"])
    changed = add_evidence(a, cats, location="changed.txt")
    soa.record_hash(a, changed["id"], base=tmp_path)
    changed_file.write_text("firewall rules v2")
    expired = add_evidence(a, cats, valid_until="2026-11-29")  # a URL: no file checks
    missing = add_evidence(a, cats, location=str(tmp_path / "missing.pdf"))
    today_is_last_day = add_evidence(a, cats, valid_until=TODAY.isoformat())

    flags = soa.evidence_flags(a, TODAY, base=tmp_path)
    assert flags == {
        changed["id"]: ["file changed since it was recorded"],
        expired["id"]: ["expired on 2026-11-29"],
        missing["id"]: ["file missing"],
    }
    assert fresh["id"] not in flags and today_is_last_day["id"] not in flags

    # the same date a day later expires the last-day item; without file checks only dates count
    later = soa.evidence_flags(a, TODAY + dt.timedelta(days=1), base=tmp_path, check_files=False)
    assert later == {expired["id"]: ["expired on 2026-11-29"],
                     today_is_last_day["id"]: [f"expired on {TODAY.isoformat()}"]}

    # re-hashing accepts the change
    soa.record_hash(a, changed["id"], base=tmp_path)
    assert changed["id"] not in soa.evidence_flags(a, TODAY, base=tmp_path)


def test_evidence_can_carry_several_flags(a, cats, tmp_path: Path) -> None:
    ev = add_evidence(a, cats, location=str(tmp_path / "old.pdf"), valid_until="2025-01-01")
    assert soa.evidence_flags(a, TODAY)[ev["id"]] == ["expired on 2025-01-01", "file missing"]


def test_evidence_controls_must_be_soa_controls(a, cats) -> None:
    with pytest.raises(RecordError) as exc:
        add_evidence(a, cats, controls=["A.8.24", "A.9.9"])
    problems = fields_of(exc)
    assert list(problems) == ["controls"]
    assert "A.9.9" in problems["controls"] and "A.8.24" not in problems["controls"]
    assert a.records(EVIDENCE) == []

    ev = add_evidence(a, cats, controls=["A.8.24", "42001:A.6.2.4"], risks=["R-005"])
    assert ev["controls"] == ["A.8.24", "42001:A.6.2.4"]

    with pytest.raises(RecordError):
        add_evidence(a, cats, controls=["AIC-001"])
    add_custom(a, cats)
    assert add_evidence(a, cats, controls=["AIC-001"])["controls"] == ["AIC-001"]


def test_evidence_for_42001_controls_needs_42001_in_scope(a, cats) -> None:
    a.profile["frameworks"] = [FW27]
    with pytest.raises(RecordError) as exc:
        add_evidence(a, cats, controls=["42001:A.6.2.4"])
    assert "42001:A.6.2.4" in fields_of(exc)["controls"]


def test_deleting_evidence_removes_it_from_soa_rows(a, cats) -> None:
    keep = add_evidence(a, cats, title="Kept")
    gone = add_evidence(a, cats, title="Gone")
    soa.update_row(a, cats, "A.5.15", {"evidence_refs": [keep["id"], gone["id"]]})
    delete_record(a, EVIDENCE, gone["id"])
    assert soa.row(a, cats, "A.5.15")["evidence_refs"] == [keep["id"]]
    assert not [p for p in validate_assessment(a, cats) if p.register == SOA.title]


# --- 9. validate_assessment --------------------------------------------------------------------
def soa_problems_of(a: Assessment, cats) -> list:
    return [p for p in validate_assessment(a, cats) if p.register == SOA.title]


def test_validate_assessment_accepts_rows_stored_through_update_row(a, cats) -> None:
    ev = add_evidence(a, cats)
    soa.update_row(a, cats, "A.5.15", {"applicable": "Yes", "status": "Implemented",
                                       "evidence_refs": [ev["id"]]})
    soa.update_row(a, cats, "A.7.1", {"applicable": "No", "justification_exclusion": CLOUD_ONLY})
    assert soa_problems_of(a, cats) == []


def test_validate_assessment_reports_an_invalid_stored_row(a, cats) -> None:
    a.records(SOA).append({"id": "A.7.1", "applicable": "No"})
    problems = soa_problems_of(a, cats)
    assert [(p.record_id, p.field) for p in problems] == [("A.7.1", "justification_exclusion")]
    assert "Justification for exclusion" in problems[0].message
    # without the catalogs the SoA cannot be checked, and nothing crashes
    assert not [p for p in validate_assessment(a) if p.register == SOA.title]


def test_validate_assessment_reports_unknown_evidence_in_a_stored_row(a, cats) -> None:
    a.records(SOA).append({"id": "A.5.15", "evidence_refs": ["EV-404"]})
    problems = soa_problems_of(a, cats)
    assert [(p.record_id, p.field) for p in problems] == [("A.5.15", "evidence_refs")]
    assert "EV-404" in problems[0].message


def test_validate_assessment_reports_a_stored_row_out_of_scope(a, cats) -> None:
    soa.update_row(a, cats, "42001:A.6.2.4", {"owner": "Head of ML"})
    assert soa_problems_of(a, cats) == []
    a.profile["frameworks"] = [FW27]
    a.records(SOA).append({"id": "A.9.9", "applicable": "Yes", "justification_inclusion": "x"})
    problems = soa_problems_of(a, cats)
    assert {(p.record_id, p.field) for p in problems} == {("42001:A.6.2.4", "id"), ("A.9.9", "id")}
    assert all("not a control in this Statement of Applicability" in p.message for p in problems)


def test_follow_ups_excluded_rows_clause_merge_and_custom_control_delete():
    """An excluded row shows no inclusion reason; clause updates merge; a deleted custom
    control leaves no SoA row or evidence reference behind."""
    from aigov_tui.core.model import add_record as _add, delete_record as _delete
    from aigov_tui.core.registers import CUSTOM_CONTROLS as _CC, EVIDENCE as _EV, SOA as _SOA
    from aigov_tui.core import soa as _soa
    from tests.conftest import catalogs as _cats

    cats = _cats()
    a = build_risk_demo()
    linked = next(k for k in _soa.risk_links(a) if not k.startswith("42001:"))
    _soa.update_row(a, cats, linked, {"applicable": "No", "justification_exclusion": "Out of scope"})
    row = _soa.row(a, cats, linked)
    assert "Risk treatment" not in (row["reasons"] or [])

    _soa.update_clause(a, cats, "6.1.2", {"status": "Addressed"})
    _soa.update_clause(a, cats, "6.1.2", {"owner": "CISO"})
    stored = a.find("clauses", "6.1.2")
    assert (stored["status"], stored["owner"]) == ("Addressed", "CISO")

    custom = _add(a, _CC, {"title": "Human oversight", "objective": "Review outputs"}, cats)
    _soa.update_row(a, cats, custom["id"], {"applicable": "Yes", "justification_inclusion": "EU AI Act"})
    ev = _add(a, _EV, {"title": "Runbook", "type": "Procedure", "location": "https://x",
                       "controls": [custom["id"], "A.5.1"]}, cats)
    _delete(a, _CC, custom["id"])
    assert a.find(_SOA, custom["id"]) is None
    assert a.find(_EV, ev["id"])["controls"] == ["A.5.1"]


def test_unknown_document_reference_in_the_soa_is_rejected():
    import pytest as _pytest

    from aigov_tui.core import soa as _soa
    from aigov_tui.core.model import RecordError as _RecordError
    from tests.conftest import catalogs as _cats

    a = build_risk_demo()
    with _pytest.raises(_RecordError) as err:
        _soa.update_row(a, _cats(), "A.5.1", {"applicable": "Yes", "justification_inclusion": "x",
                                               "policy_refs": ["DOC-099"]})
    assert "DOC-099" in str(err.value)


def test_bulk_decide_routes_the_justification_by_decision(a, cats):
    from aigov_tui.core import soa as _soa

    physical = [k for k, c in cats.iso27001.items() if c.get("theme") == "Physical"]
    done, problems = _soa.bulk_decide(a, cats, physical, "No", "Cloud only")
    assert len(done) == 14 and not problems
    assert all(_soa.row(a, cats, k)["justification_exclusion"] == "Cloud only" for k in physical)
    done, _ = _soa.bulk_decide(a, cats, ["A.5.1"], "Yes", "Policy set", "Planned")
    r = _soa.row(a, cats, "A.5.1")
    assert (r["justification_inclusion"], r["status"]) == ("Policy set", "Planned")
    done, _ = _soa.bulk_decide(a, cats, ["A.5.1"], status="Implemented")
    assert _soa.row(a, cats, "A.5.1")["justification_inclusion"] == "Policy set"
