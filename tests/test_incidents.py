"""AI incident core: which notification regimes apply, every deadline on a fixed clock (with the
edges: exactly 72 hours, a month end, a waived regime), states, and the closing rules."""

from __future__ import annotations

import datetime as dt

import pytest

from aigov_tui.core import incidents
from aigov_tui.core.incidents import add_months, obligations, parse_dt, sync_notifications
from aigov_tui.core.model import Assessment, RecordError, add_record, update_record, validate_assessment
from aigov_tui.core.registers import AI_SYSTEMS, INCIDENTS, NOTIFICATIONS, TIMELINE

DETECTED = "2026-11-28 09:00"
T0 = dt.datetime(2026, 11, 28, 9, 0)


def org(sector: str = "Financial services (card payments)") -> Assessment:
    a = Assessment.new("Org")
    a.profile["sector"] = sector
    return a


def system(a: Assessment, cats, role="Provider", eu_ai_act="High") -> str:
    return add_record(a, AI_SYSTEMS, {
        "name": "Credit scorer", "purpose": "Scores loans", "business_owner": "CRO", "role": role,
        "provenance": "Built in-house", "lifecycle": "Monitoring", "deployment": "Internal",
        "personal_data": "Yes", "eu_ai_act": eu_ai_act, "in_scope": "Yes"}, cats)["id"]


def incident(a: Assessment, cats, **values) -> dict:
    base = {"title": "Prompt injection leaked customer data", "description": "…",
            "detected_at": DETECTED, "severity": "High", "status": "New", "personal_data": "No"}
    record = add_record(a, INCIDENTS, {**base, **values}, cats)
    sync_notifications(a, cats, record["id"])
    return record


def by_regime(a: Assessment, cats, now: dt.datetime, iid: str | None = None) -> dict[str, incidents.Obligation]:
    return {o.record["regime"]: o for o in obligations(a, cats, now, iid)}


def test_personal_data_at_a_financial_entity_starts_gdpr_nis2_and_dora(cats):
    a = org()
    inc = incident(a, cats, personal_data="Yes", gdpr_role="Controller", high_risk_to_people="Yes",
                   nis2_significant="Yes", dora_major="Yes")
    got = by_regime(a, cats, T0)
    assert set(got) == {"GDPR-33-1", "GDPR-34", "NIS2-23-4a", "NIS2-23-4b", "NIS2-23-4d",
                        "DORA-19-INITIAL", "DORA-19-INTERMEDIATE", "DORA-19-FINAL"}
    assert got["GDPR-33-1"].deadline == T0 + dt.timedelta(hours=72)
    assert got["NIS2-23-4a"].deadline == T0 + dt.timedelta(hours=24)
    assert got["NIS2-23-4b"].deadline == T0 + dt.timedelta(hours=72)
    assert got["DORA-19-INITIAL"].deadline == T0 + dt.timedelta(hours=24)  # not yet classified
    assert got["GDPR-34"].deadline is None and got["GDPR-34"].state == "due soon"  # without undue delay
    # dependent clocks wait for the report they follow
    assert got["NIS2-23-4d"].deadline is None and got["NIS2-23-4d"].waiting_for == "NIS2-23-4b"
    assert got["DORA-19-FINAL"].deadline_text() == "1 month after DORA-19-INTERMEDIATE is met"
    assert all(n["incident"] == inc["id"] for n in a.records(NOTIFICATIONS))


def test_nothing_applies_without_the_triggers(cats):
    a = org(sector="Retail")
    incident(a, cats, personal_data="No", nis2_significant="Yes", dora_major="Yes")
    assert by_regime(a, cats, T0) == {}  # retail is neither a NIS2 sector here nor a DORA one


def test_processor_informs_the_controller_instead(cats):
    a = org(sector="Retail")
    incident(a, cats, personal_data="Yes", gdpr_role="Processor", high_risk_to_people="Yes")
    assert set(by_regime(a, cats, T0)) == {"GDPR-33-2"}


def test_awareness_time_starts_the_clock_when_given(cats):
    a = org()
    incident(a, cats, personal_data="Yes", gdpr_role="Controller", aware_at="2026-11-28 15:30")
    assert by_regime(a, cats, T0)["GDPR-33-1"].deadline == dt.datetime(2026, 12, 1, 15, 30)


def test_exactly_72_hours_is_on_time_and_a_minute_later_is_missed(cats):
    a = org()
    incident(a, cats, personal_data="Yes", gdpr_role="Controller")
    deadline = T0 + dt.timedelta(hours=72)
    assert by_regime(a, cats, deadline)["GDPR-33-1"].state == "due soon"
    assert by_regime(a, cats, deadline + dt.timedelta(minutes=1))["GDPR-33-1"].state == "missed"
    assert by_regime(a, cats, deadline - dt.timedelta(hours=72, minutes=1))["GDPR-33-1"].state == "pending"
    n = next(n for n in a.records(NOTIFICATIONS) if n["regime"] == "GDPR-33-1")
    incidents.mark_met(a, n["id"], deadline, "ICO case 123")
    o = by_regime(a, cats, deadline + dt.timedelta(days=3))["GDPR-33-1"]
    assert (o.state, o.late) == ("met", False)
    incidents.mark_met(a, n["id"], deadline + dt.timedelta(minutes=1), "ICO case 123")
    o = by_regime(a, cats, deadline + dt.timedelta(days=3))["GDPR-33-1"]
    assert (o.state, o.late, o.state_text()) == ("met", True, "met (late)")


def test_dora_initial_is_four_hours_after_classification_within_24_hours_of_awareness(cats):
    a = org()
    inc = incident(a, cats, dora_major="Yes", classified_at="2026-11-28 10:30")
    assert by_regime(a, cats, T0)["DORA-19-INITIAL"].deadline == dt.datetime(2026, 11, 28, 14, 30)
    # classified 22 h after awareness: the 24-hour outer limit binds
    update_record(a, INCIDENTS, inc["id"], {**inc, "classified_at": "2026-11-29 07:00"}, cats)
    assert by_regime(a, cats, T0)["DORA-19-INITIAL"].deadline == dt.datetime(2026, 11, 29, 9, 0)
    # classified more than 24 h after awareness: 4 hours from classification (2025/301 Art. 5(2))
    update_record(a, INCIDENTS, inc["id"], {**inc, "classified_at": "2026-11-30 12:00"}, cats)
    assert by_regime(a, cats, T0)["DORA-19-INITIAL"].deadline == dt.datetime(2026, 11, 30, 16, 0)


def test_dora_chain_intermediate_72h_after_initial_and_final_one_month_after_intermediate(cats):
    a = org()
    incident(a, cats, dora_major="Yes", classified_at="2026-11-28 10:00")
    n = {x["regime"]: x for x in a.records(NOTIFICATIONS)}
    incidents.mark_met(a, n["DORA-19-INITIAL"]["id"], dt.datetime(2026, 11, 28, 13, 0), "FCA-1")
    got = by_regime(a, cats, T0)
    assert got["DORA-19-INTERMEDIATE"].deadline == dt.datetime(2026, 12, 1, 13, 0)
    incidents.mark_met(a, n["DORA-19-INTERMEDIATE"]["id"], dt.datetime(2026, 12, 31, 18, 0), "FCA-2")
    # a month after 31 December is 31 January
    assert by_regime(a, cats, T0)["DORA-19-FINAL"].deadline == dt.datetime(2027, 1, 31, 18, 0)


def test_a_deadline_crossing_a_month_end(cats):
    a = org()
    incident(a, cats, personal_data="Yes", gdpr_role="Controller", nis2_significant="Yes",
             detected_at="2027-01-30 22:15")
    got = by_regime(a, cats, T0)
    assert got["GDPR-33-1"].deadline == dt.datetime(2027, 2, 2, 22, 15)
    n = next(x for x in a.records(NOTIFICATIONS) if x["regime"] == "NIS2-23-4b")
    incidents.mark_met(a, n["id"], dt.datetime(2027, 1, 31, 9, 0), "CSIRT-77")
    # one month after 31 January is the last day of February
    assert by_regime(a, cats, T0)["NIS2-23-4d"].deadline == dt.datetime(2027, 2, 28, 9, 0)


@pytest.mark.parametrize("start,months,end", [
    ("2027-01-31 09:00", 1, "2027-02-28 09:00"), ("2028-01-31 09:00", 1, "2028-02-29 09:00"),
    ("2026-12-15 23:59", 1, "2027-01-15 23:59"), ("2026-03-31 00:00", 1, "2026-04-30 00:00"),
])
def test_add_months(start, months, end):
    assert add_months(parse_dt(start), months) == parse_dt(end)


def test_eu_ai_act_clocks_by_role_and_kind(cats):
    a = org(sector="Health")
    provider = system(a, cats, role="Provider")
    incident(a, cats, ai_systems=[provider], serious_incident="Yes")
    incident(a, cats, ai_systems=[provider], serious_incident="Yes, a person died")
    third = incident(a, cats, ai_systems=[provider],
                     serious_incident="Yes, widespread infringement or critical infrastructure disruption")
    per = {}
    for o in obligations(a, cats, T0):
        per.setdefault(o.record["incident"], {})[o.record["regime"]] = o.deadline
    assert list(per.values()) == [{"AIA-73-GENERAL": T0 + dt.timedelta(days=15)},
                                  {"AIA-73-DEATH": T0 + dt.timedelta(days=10)},
                                  {"AIA-73-WIDESPREAD": T0 + dt.timedelta(days=2)}]
    assert third["id"] in per
    deployer = system(a, cats, role="Deployer")
    incident(a, cats, ai_systems=[deployer], serious_incident="Yes, a person died")
    assert "AIA-26-5" in {o.record["regime"] for o in obligations(a, cats, T0)}
    minimal = system(a, cats, role="Provider", eu_ai_act="Minimal")
    quiet = incident(a, cats, ai_systems=[minimal], serious_incident="Yes")
    assert by_regime(a, cats, T0, quiet["id"]) == {}


def test_waived_regime_is_waived_and_needs_a_reason(cats):
    a = org()
    inc = incident(a, cats, personal_data="Yes", gdpr_role="Controller")
    n = next(x for x in a.records(NOTIFICATIONS) if x["regime"] == "GDPR-33-1")
    with pytest.raises(RecordError) as exc:
        update_record(a, NOTIFICATIONS, n["id"], {**n, "basis": "Waived"}, cats)
    assert "reason" in {p.field for p in exc.value.problems}
    update_record(a, NOTIFICATIONS, n["id"], {**n, "basis": "Waived",
                                              "reason": "Encrypted laptop; unlikely to result in a risk"}, cats)
    late = T0 + dt.timedelta(days=10)
    assert by_regime(a, cats, late)["GDPR-33-1"].state == "waived"
    # a re-sync keeps the waiver
    sync_notifications(a, cats, inc["id"])
    assert [x["basis"] for x in a.records(NOTIFICATIONS)] == ["Waived"]


def test_added_obligation_and_sync_removes_unmet_ones_that_no_longer_apply(cats):
    a = org()
    inc = incident(a, cats, personal_data="Yes", gdpr_role="Controller", nis2_significant="Yes")
    add_record(a, NOTIFICATIONS, {"incident": inc["id"], "regime": "AIA-26-5", "basis": "Added",
                                  "reason": "Contract requires it"}, cats)
    n4a = next(x for x in a.records(NOTIFICATIONS) if x["regime"] == "NIS2-23-4a")
    incidents.mark_met(a, n4a["id"], T0 + dt.timedelta(hours=2), "CSIRT-1")
    update_record(a, INCIDENTS, inc["id"], {**inc, "nis2_significant": "No"}, cats)
    sync_notifications(a, cats, inc["id"])
    assert sorted(x["regime"] for x in a.records(NOTIFICATIONS)) == ["AIA-26-5", "GDPR-33-1", "NIS2-23-4a"]


def test_met_needs_a_reference_and_times_are_checked(cats):
    a = org()
    inc = incident(a, cats, personal_data="Yes", gdpr_role="Controller")
    n = a.records(NOTIFICATIONS)[0]
    with pytest.raises(RecordError) as exc:
        update_record(a, NOTIFICATIONS, n["id"], {**n, "met_at": "2026-11-29 10:00"}, cats)
    assert "reference" in {p.field for p in exc.value.problems}
    with pytest.raises(RecordError) as exc:
        update_record(a, NOTIFICATIONS, n["id"], {**n, "met_at": "29/11/2026", "reference": "x"}, cats)
    assert "YYYY-MM-DD HH:MM" in exc.value.problems[0].message
    with pytest.raises(RecordError) as exc:
        update_record(a, INCIDENTS, inc["id"], {**inc, "aware_at": "2026-11-27 09:00"}, cats)
    assert "before Detected at" in exc.value.problems[0].message
    with pytest.raises(ValueError):
        incidents.mark_met(a, n["id"], T0, " ")


def test_closing_needs_root_cause_lessons_and_no_open_obligation(cats):
    a = org()
    inc = incident(a, cats, personal_data="Yes", gdpr_role="Controller")
    closed = {**inc, "status": "Closed", "closed_at": "2026-12-05 10:00"}
    with pytest.raises(RecordError) as exc:
        update_record(a, INCIDENTS, inc["id"], closed, cats)
    assert {"root_cause", "lessons"} <= {p.field for p in exc.value.problems}
    closed.update(root_cause="Retrieval ignored access rights", lessons="Filter by ACL before ranking")
    with pytest.raises(RecordError) as exc:
        update_record(a, INCIDENTS, inc["id"], closed, cats)
    assert "open notification obligations" in exc.value.problems[0].message
    n = a.records(NOTIFICATIONS)[0]
    incidents.mark_met(a, n["id"], T0 + dt.timedelta(hours=30), "ICO-9")
    update_record(a, INCIDENTS, inc["id"], closed, cats)
    assert a.find(INCIDENTS, inc["id"])["status"] == "Closed"
    # an obligation added after closing makes the closed incident a problem again
    add_record(a, NOTIFICATIONS, {"incident": inc["id"], "regime": "GDPR-34", "basis": "Added",
                                  "reason": "Risk re-assessed as high"}, cats)
    assert any("open notification obligations" in p.message for p in validate_assessment(a, cats))


def test_status_changes_are_written_to_the_timeline(cats):
    a = org()
    inc = incident(a, cats)
    incidents.note_status_change(a, inc["id"], None, "New", T0)
    incidents.note_status_change(a, inc["id"], "New", "Triaged", T0 + dt.timedelta(hours=1))
    assert incidents.note_status_change(a, inc["id"], "Triaged", "Triaged", T0) is None
    rows = incidents.timeline_rows(a, inc["id"])
    assert [r["entry"] for r in rows] == ["Logged as New", "Status New → Triaged"]
    assert rows[1]["at"] == "2026-11-28 10:00"
    with pytest.raises(RecordError):
        add_record(a, TIMELINE, {"incident": inc["id"], "at": "yesterday", "entry": "x"}, cats)


def test_incident_rows_summarise_obligations(cats):
    a = org()
    incident(a, cats, personal_data="Yes", gdpr_role="Controller", nis2_significant="Yes")
    row = incidents.incident_rows(a, cats, T0 + dt.timedelta(hours=30))[0]
    assert row["obligations"] == "1 missed, 2 due soon, 1 pending"
