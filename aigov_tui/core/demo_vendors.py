"""Demo AI vendors and incidents for the fictional Fernhill Payments Ltd.

Dates are relative to the demo's ``today`` so the flags and clocks always show something: one
vendor's ISO 27001 certificate expires within 60 days, a critical labelling vendor has no
assessment and no DPA, and an open incident with personal data runs GDPR, NIS2 and DORA clocks.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from . import incidents, vendors
from .model import Assessment, add_record, update_record
from .registers import (
    INCIDENTS, NOTIFICATIONS, VENDOR_ACTIONS, VENDOR_ANSWERS, VENDOR_CERTS, VENDORS,
)

# answers for the assessed vendor: question -> (value, comment); the rest stay unanswered
NORTHWIND_ANSWERS = {
    "VQ-1.1": ("4", "Certificate seen; scope names the inference platform."),
    "VQ-1.2": ("2", "Aligned with ISO 42001, certification planned for 2027."),
    "VQ-1.3": ("3", ""), "VQ-1.4": ("4", "SOC 2 Type II report for the last 12 months."),
    "VQ-1.5": ("3", ""),
    "VQ-2.1": ("4", "Contract clause 7.2: no training on customer data."),
    "VQ-2.2": ("2", "30-day abuse-monitoring logs; zero retention only on request."),
    "VQ-2.3": ("3", ""), "VQ-2.4": ("2", "Access logged, no customer-side view of the log."),
    "VQ-3.1": ("3", ""), "VQ-3.2": ("2", ""), "VQ-3.5": ("3", ""),
    "VQ-4.1": ("4", ""), "VQ-4.2": ("3", ""), "VQ-4.3": ("2", ""),
    "VQ-4.4": ("NA", "No agent features used: plain completion API."),
    "VQ-5.1": ("3", "48-hour notification commitment in the DPA."),
    "VQ-6.1": ("4", ""), "VQ-7.1": ("3", "EU region pinned."), "VQ-7.2": ("4", "DPA signed with SCCs."),
}


def _dt_text(moment: _dt.datetime) -> str:
    return incidents.fmt_dt(moment)


def add_demo_vendors_and_incidents(assessment: Assessment, today: _dt.date | None = None,
                                   catalogs: Any = None) -> None:
    """Add three vendors (assessed, unassessed critical, compute) and two incidents."""
    if catalogs is None:
        from .catalogs import load_catalogs

        catalogs = load_catalogs()
    today = today or _dt.date.today()
    day = _dt.timedelta(days=1)
    systems = {s.get("name"): s["id"] for s in assessment.records("ai_systems")}
    support = [sid for name, sid in systems.items() if "support" in str(name).lower()]

    northwind = add_record(assessment, VENDORS, {
        "name": "Northwind Model Cloud", "service": "Hosted LLM inference API for the support assistant",
        "supplies": ["AI APIs or SaaS", "Models"], "criticality": "High",
        "data_classification": "Confidential", "personal_data": "Yes", "contract_ref": "MSA-2025-114",
        "contract_date": (today - 400 * day).isoformat(), "dpa": "Yes", "ai_systems": support,
        "owner": "Head of Procurement", "next_review": (today + 120 * day).isoformat(),
        "notes": "Fictional vendor.",
    }, catalogs)["id"]
    labelworks = add_record(assessment, VENDORS, {
        "name": "LabelWorks BPO", "service": "Annotation of disputed transactions for fraud-model training",
        "supplies": ["Labelling or annotation"], "criticality": "Critical",
        "data_classification": "Restricted", "personal_data": "Yes", "dpa": "No", "ai_systems": [
            sid for name, sid in systems.items() if "fraud" in str(name).lower()],
        "owner": "Head of Financial Crime", "next_review": (today - 10 * day).isoformat(),
        "notes": "Fictional vendor; onboarded before the AI vendor process existed.",
    }, catalogs)["id"]
    gpu = add_record(assessment, VENDORS, {
        "name": "GPU Forge", "service": "Reserved GPU capacity for fine-tuning",
        "supplies": ["Infrastructure or compute"], "criticality": "Medium",
        "data_classification": "Confidential", "personal_data": "No", "dpa": "n.a.",
        "owner": "ML Platform Lead", "next_review": (today + 200 * day).isoformat(),
    }, catalogs)["id"]

    vendors.start_assessment(assessment, catalogs, northwind)
    for answer in assessment.records(VENDOR_ANSWERS):
        if answer["vendor"] == northwind and answer["question"] in NORTHWIND_ANSWERS:
            value, comment = NORTHWIND_ANSWERS[answer["question"]]
            update_record(assessment, VENDOR_ANSWERS, answer["id"],
                          {**answer, "answer": value, "comment": comment}, catalogs)
    vendors.start_assessment(assessment, catalogs, gpu)
    for answer in assessment.records(VENDOR_ANSWERS):
        if answer["vendor"] == gpu:
            update_record(assessment, VENDOR_ANSWERS, answer["id"], {**answer, "answer": "3"}, catalogs)

    add_record(assessment, VENDOR_CERTS, {
        "vendor": northwind, "certification": "iso27001", "issued": (today - 1050 * day).isoformat(),
        "expiry": (today + 40 * day).isoformat(), "scope": "Yes"}, catalogs)
    add_record(assessment, VENDOR_CERTS, {
        "vendor": northwind, "certification": "soc2_type2", "issued": (today - 90 * day).isoformat(),
        "expiry": (today + 275 * day).isoformat(), "scope": "Yes"}, catalogs)
    add_record(assessment, VENDOR_CERTS, {
        "vendor": gpu, "certification": "iso27001", "issued": (today - 300 * day).isoformat(),
        "expiry": (today + 795 * day).isoformat(), "scope": "Yes"}, catalogs)
    add_record(assessment, VENDOR_ACTIONS, {
        "vendor": northwind, "action": "Obtain the renewed ISO 27001 certificate and its scope statement",
        "owner": "Head of Procurement", "due": (today + 30 * day).isoformat(), "status": "Open"}, catalogs)
    add_record(assessment, VENDOR_ACTIONS, {
        "vendor": labelworks, "action": "Sign a GDPR Art. 28 data-processing agreement",
        "owner": "DPO", "due": (today - 5 * day).isoformat(), "status": "In progress"}, catalogs)

    # an open incident with personal data at a financial entity: GDPR, NIS2 and DORA clocks
    start = _dt.datetime.combine(today - day, _dt.time(9, 30))
    open_incident = add_record(assessment, INCIDENTS, {
        "title": "Support assistant disclosed another customer's card details",
        "description": "A crafted chat message made the support assistant retrieve and repeat the last "
                       "four digits and billing address of another customer (prompt injection "
                       "against retrieval).",
        "detected_at": _dt_text(start), "aware_at": _dt_text(start + _dt.timedelta(minutes=45)),
        "reported_by": "Customer operations", "type": "AIT-03", "ai_systems": support,
        "severity": "High", "status": "Contained", "isms_ref": "SEC-INC-2026-041",
        "personal_data": "Yes", "gdpr_role": "Controller", "high_risk_to_people": "No",
        "nis2_significant": "Yes", "dora_major": "Yes",
        "classified_at": _dt_text(start + _dt.timedelta(hours=2)),
        "serious_incident": "No",
    }, catalogs)["id"]
    incidents.sync_notifications(assessment, catalogs, open_incident)
    for entry, hours in (("Logged as New", 0), ("Retrieval switched to the customer's own records only", 3),
                         ("Status New → Contained", 5)):
        incidents.add_timeline(assessment, open_incident, start + _dt.timedelta(hours=hours), entry,
                               "SOC on call", catalogs)
    met = {"NIS2-23-4a": (5, "CSIRT-EW-2291"), "DORA-19-INITIAL": (4, "FCA-MIR-0193")}
    for n in assessment.records(NOTIFICATIONS):
        if n["incident"] == open_incident and n["regime"] in met:
            hours, ref = met[n["regime"]]
            incidents.mark_met(assessment, n["id"], start + _dt.timedelta(hours=hours), ref)

    # a closed incident whose obligation was met on time
    old = _dt.datetime.combine(today - 70 * day, _dt.time(16, 10))
    closed = add_record(assessment, INCIDENTS, {
        "title": "Fraud model drift after a payment-scheme change",
        "description": "Detection rate fell for two days after a card-scheme message format change.",
        "detected_at": _dt_text(old), "reported_by": "Fraud analytics", "type": "AIT-01",
        "ai_systems": [sid for name, sid in systems.items() if "fraud" in str(name).lower()],
        "severity": "Medium", "status": "Recovered", "personal_data": "No",
        "root_cause": "Feature pipeline dropped a field renamed by the scheme.",
        "lessons": "Schema checks on upstream feeds; drift alert on detection rate.",
    }, catalogs)["id"]
    incidents.sync_notifications(assessment, catalogs, closed)
    incidents.add_timeline(assessment, closed, old, "Drift alert raised by the model monitor", "ML ops",
                           catalogs)
    record = assessment.find(INCIDENTS, closed)
    assert record is not None
    update_record(assessment, INCIDENTS, closed, {**record, "status": "Closed",
                                                 "closed_at": _dt_text(old + 6 * day)}, catalogs)
