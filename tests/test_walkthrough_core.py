"""Defects found on the issue #12 walk-through, core side: each test failed before its fix."""

from __future__ import annotations

import datetime as dt

import pytest

from aigov_tui.core import programme, soa
from aigov_tui.core.model import RecordError, add_record, update_record, validate_assessment
from aigov_tui.core.registers import EVIDENCE, FINDINGS, PEOPLE
from tests.conftest import TODAY


def add_evidence(a, cats, **values) -> dict:
    record = {"title": "Access review Q3", "type": "Record", "location": "https://wiki.example/ar-q3"}
    record.update(values)
    return add_record(a, EVIDENCE, record, cats)


# --- evidence linked from the evidence register counts in the SoA ---------------------------------
def test_evidence_linked_from_the_register_shows_in_the_soa_and_closes_the_gap(a, cats) -> None:
    soa.update_row(a, cats, "A.5.15", {"status": "Implemented"})
    assert "Implemented without evidence" in {g.kind for g in soa.gaps(a, cats) if g.ref == "A.5.15"}
    ev = add_evidence(a, cats, controls=["A.5.15"])
    row = soa.row(a, cats, "A.5.15")
    assert row["evidence_refs"] == [ev["id"]]
    assert not [g for g in soa.gaps(a, cats) if g.ref == "A.5.15"]


def test_evidence_linked_from_the_soa_shows_in_the_evidence_register(a, cats) -> None:
    ev = add_evidence(a, cats)
    soa.update_row(a, cats, "A.5.15", {"evidence_refs": [ev["id"]]})
    assert a.find(EVIDENCE, ev["id"])["controls"] == ["A.5.15"]
    # unlinking on either side unlinks it on both: the link is stored once
    soa.update_row(a, cats, "A.5.15", {"evidence_refs": []})
    assert a.find(EVIDENCE, ev["id"])["controls"] == []
    assert soa.row(a, cats, "A.5.15")["evidence_refs"] == []
    update_record(a, EVIDENCE, ev["id"], {**a.find(EVIDENCE, ev["id"]), "controls": ["A.5.15", "A.8.24"]}, cats)
    update_record(a, EVIDENCE, ev["id"], {**a.find(EVIDENCE, ev["id"]), "controls": ["A.8.24"]}, cats)
    assert soa.row(a, cats, "A.5.15")["evidence_refs"] == []
    assert soa.row(a, cats, "A.8.24")["evidence_refs"] == [ev["id"]]


def test_other_soa_edits_leave_the_evidence_links_alone(a, cats) -> None:
    ev = add_evidence(a, cats, controls=["A.5.15"])
    soa.update_row(a, cats, "A.5.15", {"owner": "CISO"})
    soa.bulk_decide(a, cats, ["A.5.15", "A.5.16"], "Yes", "Needed for access to models.", "Planned")
    assert a.find(EVIDENCE, ev["id"])["controls"] == ["A.5.15"]
    assert soa.row(a, cats, "A.5.16")["evidence_refs"] == []


# --- an excluded control cannot stay Implemented unnoticed -----------------------------------------
def test_excluded_but_implemented_is_a_problem_and_a_gap(a, cats) -> None:
    soa.update_row(a, cats, "A.7.4", {"applicable": "Yes", "justification_inclusion": "Offices.",
                                      "status": "Implemented"})
    with pytest.raises(RecordError) as exc:
        soa.update_row(a, cats, "A.7.4", {"applicable": "No", "justification_exclusion": "Cloud only."})
    assert {p.field for p in exc.value.problems} == {"status"}
    assert "excluded" in str(exc.value) and "Implemented" in str(exc.value)
    # a file written by hand or an older version: validation and the gap list both say it
    from aigov_tui.core.model import touch
    a.find("soa", "A.7.4").update(applicable="No", justification_exclusion="Cloud only.")
    touch(a)  # as if loaded from that file
    assert any(p.record_id == "A.7.4" and p.field == "status" for p in validate_assessment(a, cats))
    assert "Excluded but implemented" in {g.kind for g in soa.gaps(a, cats) if g.ref == "A.7.4"}


# --- "All staff" means everyone -------------------------------------------------------------------
def test_assigning_an_all_staff_module_assigns_everyone(a, cats) -> None:
    people = [add_record(a, PEOPLE, {"name": n, "role": r, "team": "Ops"}, cats)["id"]
              for n, r in (("Ann", "security_analyst"), ("Bob", "ml_engineer"), ("Cy", "all_staff"))]
    programme.prefill_training(a, cats)
    module = next(m["id"] for m in a.records("training") if m.get("audience") == ["all_staff"])
    added = programme.assign(a, cats, module, "2027-01-31")
    assert sorted(a.find("assignments", x)["person"] for x in added) == people
    assert programme.audience_people(a, ["all_staff"]) == people


# --- a nonconformity closes only with its corrective action and effectiveness check ---------------
def finding(**values) -> dict:
    base = {"audit": "AUD-001", "grade": "Minor nonconformity", "requirement": "A.5.19",
            "statement": "No AI terms in supplier contracts.", "objective_evidence": "Contract C-7.",
            "status": "Closed", "closed_on": "2026-11-20"}
    base.update(values)
    return base


CAPA = {"correction": "Addendum signed.", "root_cause": "Template predates AI use.",
        "corrective_action": "Template updated.", "effectiveness_by": "Internal audit",
        "effectiveness_on": "2026-11-19", "effectiveness_result": "Effective"}


def with_audit(a, cats):
    from aigov_tui.core.registers import AUDITS
    add_record(a, AUDITS, {"title": "AI audit", "lead": "Dana", "start": "2026-10-01",
                           "status": "In progress"}, cats)


def test_a_nonconformity_cannot_close_without_capa(a, cats) -> None:
    with_audit(a, cats)
    with pytest.raises(RecordError) as exc:
        add_record(a, FINDINGS, finding(), cats)
    assert {p.field for p in exc.value.problems} == {
        "correction", "root_cause", "corrective_action", "effectiveness_on", "effectiveness_result"}
    assert "10.2" in str(exc.value)
    with pytest.raises(RecordError) as exc:
        add_record(a, FINDINGS, finding(**{**CAPA, "effectiveness_result": "Not effective"}), cats)
    assert {p.field for p in exc.value.problems} == {"effectiveness_result"}
    assert add_record(a, FINDINGS, finding(**CAPA), cats)["status"] == "Closed"


def test_observations_and_opportunities_close_without_capa(a, cats) -> None:
    with_audit(a, cats)
    for grade in ("Observation", "Opportunity for improvement"):
        assert add_record(a, FINDINGS, finding(grade=grade), cats)["status"] == "Closed"


# --- past surveillance audits say done or overdue --------------------------------------------------
def test_past_surveillance_audits_are_done_or_overdue(a, cats) -> None:
    from aigov_tui.core.model import Assessment

    a = Assessment.new("Org")
    a.profile.update(certification_status="Certified", certificate_issued="2024-05-14",
                     certificate_expiry="2027-05-13")
    states = lambda: [(e["event"].split(" by ")[0], e["state"])  # noqa: E731
                      for e in programme.surveillance_plan(a, TODAY)]
    # nothing recorded: both surveillance audits (May 2025, May 2026) are overdue
    assert states() == [("Surveillance audit 1", "Overdue"), ("Surveillance audit 2", "Overdue"),
                        ("Recertification audit", "Planned")]
    a.profile["last_external_audit"] = "2025-05-20"
    assert states()[:2] == [("Surveillance audit 1", "Done"), ("Surveillance audit 2", "Overdue")]
    a.profile["last_external_audit"] = "2026-04-30"  # a little before the anniversary counts
    assert states()[:2] == [("Surveillance audit 1", "Done"), ("Surveillance audit 2", "Done")]
    from aigov_tui.core.open_items import open_items
    a.profile["last_external_audit"] = "2025-05-20"
    assert [i.kind for i in open_items(a, None, TODAY) if i.kind == "Audit"] == ["Audit"]


def test_internal_audits_in_the_calendar_have_a_state(a, cats) -> None:
    from aigov_tui.core.registers import AUDITS
    for title, start, status in (("Old", "2026-03-01", "Closed"), ("Late", "2026-10-01", "Planned"),
                                 ("Next", "2027-02-01", "Planned")):
        add_record(a, AUDITS, {"title": title, "lead": "Dana", "start": start, "status": status}, cats)
    states = {e["event"].split(" ", 1)[1]: e["state"] for e in programme.surveillance_plan(a, TODAY)
              if e["kind"] == "Internal"}
    assert states == {"Old": "Done", "Late": "Overdue", "Next": "Planned"}
