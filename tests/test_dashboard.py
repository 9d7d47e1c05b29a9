"""Readiness dashboard core: each figure's value, whether it is a hole, and the link and record IDs
that take a person to the records behind it. Fixed clock throughout."""

from __future__ import annotations

import datetime as dt

from aigov_tui.core import dashboard, incidents
from aigov_tui.core.demo import build_scope_demo
from aigov_tui.core.model import add_record, update_record
from aigov_tui.core.registers import (
    ASSIGNMENTS, EVIDENCE, FINDINGS, INCIDENTS, NOTIFICATIONS, RISKS, VENDOR_CERTS,
)

TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 14, 5)


def test_the_demo_dashboard_points_at_its_holes(cats):
    a = build_scope_demo(TODAY)
    d = dashboard.compute(a, cats, NOW)
    assert [f.key for f in d.section("Steps")] == [f"step{n}" for n in range(1, 8)]
    assert d.get("step1").value == "✓ complete" and not d.get("step1").alert
    step4 = d.get("step4")
    assert step4.alert and "131 SoA rows undecided" in step4.value
    assert step4.link == dashboard.Link("step", 4, "tab-soa", "soa") and len(step4.ids) == 131
    assert "4 in-scope systems without assets" in d.get("step2").value
    # the Northwind ISO 27001 certificate expires in 40 days
    certs = d.get("certs_expiring")
    expiring = [c["id"] for c in a.records(VENDOR_CERTS) if c["expiry"] == "2027-01-09"]
    assert certs.ids == tuple(expiring) and certs.alert
    assert certs.link == dashboard.Link("vendors", 0, "tab-certs", "certs")
    assert d.get("vendors_flagged").ids == ("V-001", "V-002")  # cert expiring; critical, no DPA
    assert d.get("incidents_open").ids == ("INC-001",)
    due = d.get("notifications_due")
    regimes = {n["id"]: n["regime"] for n in a.records(NOTIFICATIONS)}
    assert sorted(regimes[i] for i in due.ids) == ["DORA-19-INTERMEDIATE", "GDPR-33-1", "NIS2-23-4b"]
    assert due.link.view == "notifications" and not d.get("notifications_missed").ids


def test_missed_notifications_and_a_closed_incident(cats):
    a = build_scope_demo(TODAY)
    later = NOW + dt.timedelta(days=3)
    d = dashboard.compute(a, cats, later)
    regimes = {n["id"]: n["regime"] for n in a.records(NOTIFICATIONS)}
    assert sorted(regimes[i] for i in d.get("notifications_missed").ids) == [
        "DORA-19-INTERMEDIATE", "GDPR-33-1", "NIS2-23-4b"]
    for n in a.records(NOTIFICATIONS):
        if not n.get("met_at"):
            update_record(a, NOTIFICATIONS, n["id"], {**n, "basis": "Waived", "reason": "test"}, cats)
    d = dashboard.compute(a, cats, later)
    assert not d.get("notifications_missed").ids and not d.get("notifications_due").ids


def test_risk_figures_by_level_unrated_and_unaccepted(a, cats):
    risks = a.records(RISKS)
    first = risks[0]
    first["inherent_likelihood"] = None
    d = dashboard.compute(a, cats, NOW)
    assert d.get("risk_inherent_none").ids == (first["id"],) and d.get("risk_inherent_none").alert
    assert "1 risk not rated" in d.get("step3").value
    assert d.get("step3").link.view == "risks"
    levels = [f for f in d.section("Risks") if f.key.startswith("risk_inherent_") and f.key != "risk_inherent_none"]
    assert sum(len(f.ids) for f in levels) == len(risks) - 1
    for f in levels:
        assert all(a.find(RISKS, rid)["inherent_level"] == f.key.split("_")[-1] for rid in f.ids)
    need = [r["id"] for r in risks if r.get("inherent_level") in ("High", "Critical")
            and r.get("residual_level") is None and not r.get("accepted_by")]
    assert set(need) <= set(d.get("risk_unaccepted").ids)


def test_evidence_findings_and_training_figures(cats):
    from tests.conftest import build_programme_demo

    a = build_programme_demo()
    soon = add_record(a, EVIDENCE, {"title": "Pen test", "type": "Test report", "location": "https://x",
                                    "valid_until": (TODAY + dt.timedelta(days=60)).isoformat()}, cats)["id"]
    gone = add_record(a, EVIDENCE, {"title": "Old cert", "type": "Certificate", "location": "https://y",
                                    "valid_until": (TODAY - dt.timedelta(days=1)).isoformat()}, cats)["id"]
    add_record(a, EVIDENCE, {"title": "Later", "type": "Record", "location": "https://z",
                             "valid_until": (TODAY + dt.timedelta(days=61)).isoformat()}, cats)
    d = dashboard.compute(a, cats, NOW)
    assert d.get("evidence_expiring").ids == (soon,) and d.get("evidence_expired").ids == (gone,)
    assert d.get("evidence_expired").link.tab == "tab-evidence"
    open_findings = tuple(f["id"] for f in a.records(FINDINGS) if f.get("status") != "Closed")
    assert d.get("findings_open").ids == open_findings
    overdue = tuple(x["id"] for x in a.records(ASSIGNMENTS)
                    if not x.get("completed") and x.get("due") and x["due"] < TODAY.isoformat())
    assert d.get("training_overdue").ids == overdue


def test_soa_evidence_coverage(cats):
    from aigov_tui.core import soa

    a = build_scope_demo(TODAY)
    ev = add_record(a, EVIDENCE, {"title": "Policy", "type": "Policy", "location": "https://p"}, cats)["id"]
    soa.update_row(a, cats, "A.5.1", {"applicable": "Yes", "reasons": ["Business requirement or best practice"],
                                      "justification_inclusion": "Policy", "status": "Implemented",
                                      "evidence_refs": [ev]})
    soa.update_row(a, cats, "A.5.2", {"applicable": "Yes", "reasons": ["Business requirement or best practice"],
                                      "justification_inclusion": "Roles", "status": "Implemented"})
    d = dashboard.compute(a, cats, NOW)
    f = d.get("soa_evidence")
    assert f.value == "1/2 (50 %)" and f.ids == ("A.5.2",) and f.alert
    assert d.get("soa_status_Implemented").ids == ("A.5.1", "A.5.2")


def test_export_rows_carry_every_figure(cats):
    a = build_scope_demo(TODAY)
    d = dashboard.compute(a, cats, NOW)
    rows = dashboard.rows(d)
    assert len(rows) == len(d.figures)
    assert ("Expiring", "Vendor certificates expiring in 60 days", "1", "Vendors: VC-001") in rows
    assert incidents.DUE_SOON == dashboard.NOTIFY_WINDOW
    assert a.find(INCIDENTS, "INC-002")["status"] == "Closed"
