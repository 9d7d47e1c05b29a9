"""A realistic demo assessment for a fictional organisation (Fernhill Payments Ltd).

The company is carried through all seven steps as a real engagement would leave it part-way,
every record made through the same core functions the screens call, and every date counted
from ``today`` so the demo never goes stale. A few items are left open on purpose so the
problem list, the gap list and ``aigov validate`` have something true to show; they are listed
in :data:`DELIBERATE` and a test holds the demo to exactly that list.
"""

from __future__ import annotations

import datetime as _dt

import shutil
from pathlib import Path
from typing import Any

from . import programme, soa
from .model import Assessment, add_record, update_profile, update_record
from .paths import bundled_data_dir
from .registers import (
    AI_SYSTEMS, ASSETS, ASSIGNMENTS, AUDITS, CHECKLIST, CUSTOM_CONTROLS, DOCUMENTS, EVIDENCE, FINDINGS,
    PEOPLE, RISKS, TRAINING,
)
from .demo_vendors import add_demo_vendors_and_incidents
from .scope import draft_addendum, set_addendum
from .suggest import suggest_assets, suggest_risks

DEMO_PROFILE = {
    "organisation": "Fernhill Payments Ltd",
    "sector": "Financial services (card payments and SME lending)",
    "isms_scope": (
        "The ISMS covers the provision of card-payment processing and SME lending services from "
        "the London and Leeds offices and the company's AWS eu-west-2 production environment, "
        "including the supporting people, processes and technology."
    ),
    "certification_status": "Certified",
    "certification_body": "Example Certification Ltd (fictional)",
    "isms_owner": "Chief Information Security Officer",
    "classification": "Confidential",
    "frameworks": ["ISO/IEC 27001:2022", "ISO/IEC 42001:2023", "EU AI Act"],
}

DEMO_SYSTEMS = [
    {
        "name": "Fraud scoring model",
        "purpose": "Scores every card transaction for fraud in real time; analysts review "
                   "transactions above the threshold before funds are released.",
        "business_owner": "Head of Financial Crime",
        "role": "Both",
        "provenance": "Built in-house",
        "model_provider": "In-house gradient-boosted trees, v7",
        "lifecycle": "Monitoring",
        "deployment": "Internal",
        "personal_data": "Yes",
        "eu_ai_act": "Minimal",
        "in_scope": "Yes",
    },
    {
        "name": "Customer support assistant",
        "purpose": "Answers customers' questions in the web chat from the help-centre articles "
                   "(retrieval-augmented generation) and hands over to an agent on request.",
        "business_owner": "Director of Customer Operations",
        "role": "Both",
        "provenance": "Fine-tuned third-party model",
        "model_provider": "Open-weight 7B model fine-tuned in-house, served on AWS",
        "lifecycle": "Deployment",
        "deployment": "Customer-facing",
        "personal_data": "Yes",
        "eu_ai_act": "Limited",
        "in_scope": "Yes",
    },
    {
        "name": "Credit limit recommender",
        "purpose": "Recommends credit limits for SME lending applications; an underwriter makes "
                   "the decision.",
        "business_owner": "Chief Credit Officer",
        "role": "Provider",
        "provenance": "Built in-house",
        "model_provider": "In-house logistic regression and gradient boosting ensemble",
        "lifecycle": "Validation",
        "deployment": "Internal",
        "personal_data": "Yes",
        "eu_ai_act": "High",
        "in_scope": "Yes",
    },
    {
        "name": "Engineering code assistant",
        "purpose": "Suggests code and tests inside engineers' editors.",
        "business_owner": "VP Engineering",
        "role": "Deployer",
        "provenance": "Third-party API or SaaS",
        "model_provider": "Commercial coding-assistant SaaS (business tier)",
        "lifecycle": "Deployment",
        "deployment": "Internal",
        "personal_data": "No",
        "eu_ai_act": "Minimal",
        "in_scope": "Partial",
        "scope_justification": "Its use by engineering, the configuration of the business tenant "
                               "and the source code and prompts sent to it are in scope; the "
                               "vendor's models and hosting are managed as a supplier.",
    },
    {
        "name": "Marketing copy generator (pilot)",
        "purpose": "Drafts marketing e-mail copy from public product information.",
        "business_owner": "Head of Marketing",
        "role": "Deployer",
        "provenance": "Third-party API or SaaS",
        "model_provider": "General-purpose LLM API",
        "lifecycle": "Problem definition",
        "deployment": "Internal",
        "personal_data": "No",
        "eu_ai_act": "Not assessed",
        "in_scope": "No",
        "scope_justification": "A sandbox pilot that uses public product information only and no "
                               "production data; to be assessed before any live use (review due "
                               "March 2027).",
    },
]



DEMO_EVIDENCE_DIR = "demo-evidence"
"""Folder, next to the demo file, of the demo's evidence files (shipped in ``data/``)."""

DELIBERATE = {
    "unrated_risk": "A risk suggested from the threat catalog in the workshop, not yet rated.",
    "overdue_action": "A minor nonconformity whose corrective action is past its due date.",
    "expiring_certificate": "The cloud provider's ISO/IEC 27001 certificate runs out in three weeks.",
    "implemented_without_evidence": "42001:A.6.2.8 is marked implemented with no evidence linked.",
    "undecided": "Four ISO 42001 controls still to decide.",
}
"""The open items the demo leaves on purpose (see the test of the demo)."""


def _day(today: _dt.date, days: int) -> str:
    return (today + _dt.timedelta(days=days)).isoformat()


def _certificate(today: _dt.date) -> dict[str, str]:
    """A certificate issued about two and a half years ago: both surveillance audits are behind
    it and the recertification audit is a few months ahead."""
    issued = today - _dt.timedelta(days=930)
    expiry = programme._add_months(issued, 36) - _dt.timedelta(days=1)
    last = programme._add_months(issued, 24) + _dt.timedelta(days=2)
    return {"certificate_issued": issued.isoformat(), "certificate_expiry": expiry.isoformat(),
            "last_external_audit": last.isoformat()}


def build_scope_demo(today: _dt.date | None = None) -> Assessment:
    """Step 1 only: the profile, the AI systems register and the drafted scope addendum."""
    today = today or _dt.date.today()
    assessment = Assessment.new()
    update_profile(assessment, {**DEMO_PROFILE, **_certificate(today)})
    for values in DEMO_SYSTEMS:
        add_record(assessment, AI_SYSTEMS, values)
    set_addendum(assessment, draft_addendum(assessment, today), edited=False)
    add_demo_vendors_and_incidents(assessment, today)
    return assessment


# --- Step 2: assets ---------------------------------------------------------------------------------
CUSTODIANS = {"SYS-001": "ML platform team", "SYS-002": "Conversational AI team",
              "SYS-003": "Credit analytics team", "SYS-004": "Developer experience team"}
HOSTING = {"SYS-001": "AWS eu-west-2, account ml-prod", "SYS-002": "AWS eu-west-2, account ml-prod",
           "SYS-003": "AWS eu-west-2, account ml-train", "SYS-004": "Vendor EU region (SaaS)"}
CIA = {"Model": (4, 5, 4), "Training dataset": (5, 5, 3), "Evaluation dataset": (4, 4, 2),
       "Training pipeline": (3, 5, 3), "Inference endpoint or API": (3, 5, 5), "Compute": (2, 3, 4),
       "Third-party AI service": (3, 4, 4), "Prompt or system prompt": (3, 4, 3),
       "Feature or vector store": (4, 4, 4)}


def _assets(a: Assessment, cats: Any) -> dict[tuple[str, str], str]:
    """The usual assets of every in-scope system (as ``g`` suggests them), completed."""
    ids: dict[tuple[str, str], str] = {}
    for system in a.records(AI_SYSTEMS):
        sid = system["id"]
        if system.get("in_scope") not in ("Yes", "Partial"):
            continue
        for values in suggest_assets(a, sid):
            c, i, av = CIA.get(values["type"], (3, 3, 3))
            values.update(custodian=CUSTODIANS[sid], location=HOSTING[sid], confidentiality=c,
                          integrity=i, availability=av)
            if values["type"] == "Model":
                values["version"] = "v7" if sid == "SYS-001" else "v2"
            record = add_record(a, ASSETS, values, cats)
            ids[(sid, values["type"])] = record["id"]
    return ids


# --- Step 3: risks -------------------------------------------------------------------------------
# (title, category, threat, [(system, asset type)], owner, inherent L I, residual L I, option,
#  27001 controls, 42001 controls, treatment status, days to due)
RISK_ROWS: list[tuple[Any, ...]] = [
    ("Poisoned transaction feed corrupts fraud training data", "Training data security", "ML02",
     [("SYS-001", "Training dataset"), ("SYS-001", "Training pipeline")], "Head of Financial Crime",
     (3, 5), (2, 4), "Modify", ["A.8.3", "A.8.32"], ["A.7.4", "A.7.5"], "In progress", 45),
    ("Analyst feedback loop skews the fraud model", "Training data security", "ML08",
     [("SYS-001", "Model")], "Head of Financial Crime",
     (3, 4), (2, 3), "Modify", ["A.8.16"], ["A.7.4"], "Done", 0),
    ("Tampered help-centre articles poison the assistant's retrieval index", "Training data security",
     "AML.T0070", [("SYS-002", "Feature or vector store")], "Director of Customer Operations",
     (3, 3), (2, 3), "Modify", ["A.8.3"], ["A.7.5"], "In progress", 60),
    ("Theft of the fraud model weights from the model registry", "Model protection", "ML05",
     [("SYS-001", "Model")], "Head of Financial Crime",
     (2, 5), (1, 5), "Modify", ["A.5.15", "A.8.24"], ["A.6.2.5"], "Done", 0),
    ("Credit model extracted through repeated scoring requests", "Model protection", "AML.T0024.002",
     [("SYS-003", "Inference endpoint or API")], "Chief Credit Officer",
     (2, 4), (2, 2), "Modify", ["A.8.16"], [], "Not started", 120),
    ("Code assistant API keys leaked in a public repository", "Model protection", "AML.T0055",
     [("SYS-004", "Inference endpoint or API")], "VP Engineering",
     (3, 3), (2, 2), "Modify", ["A.5.17"], [], "Done", 0),
    ("Crafted transactions evade fraud scoring", "Adversarial robustness", "AML.T0015",
     [("SYS-001", "Model"), ("SYS-001", "Inference endpoint or API")], "Head of Financial Crime",
     (4, 4), (3, 3), "Modify", ["A.8.29"], ["A.6.2.4"], "In progress", 30),
    ("Prompt injection in the support chat", "Adversarial robustness", "LLM01",
     [("SYS-002", "Prompt or system prompt"), ("SYS-002", "Inference endpoint or API")],
     "Director of Customer Operations",
     (4, 3), (3, 2), "Modify", ["A.8.26", "A.8.28"], ["A.6.2.4"], "In progress", 21),
    ("Jailbreak makes the assistant give harmful or off-brand answers", "Adversarial robustness",
     "AML.T0054", [("SYS-002", "Model")], "Director of Customer Operations",
     (3, 3), (2, 2), "Modify", ["A.8.29"], ["A.9.4"], "Done", 0),
    ("Manipulated application data steers credit limit recommendations", "Adversarial robustness",
     "ML01", [("SYS-003", "Model")], "Chief Credit Officer",
     (2, 4), (2, 3), "Modify", ["A.8.25"], ["A.6.2.4"], "Not started", 150),
    ("Support assistant discloses another customer's personal data", "Inference security", "LLM02",
     [("SYS-002", "Training dataset"), ("SYS-002", "Feature or vector store")],
     "Director of Customer Operations",
     (3, 5), (2, 4), "Modify", ["A.5.34", "A.8.11", "A.8.12"], ["A.7.2"], "In progress", 40),
    ("System prompt of the support assistant revealed", "Inference security", "LLM07",
     [("SYS-002", "Prompt or system prompt")], "Director of Customer Operations",
     (4, 2), None, "Retain", [], [], "", None),
    ("Membership inference reveals applicants in the credit training data", "Inference security",
     "ML04", [("SYS-003", "Training dataset")], "Chief Credit Officer",
     (2, 4), (1, 4), "Modify", ["A.8.11"], ["A.7.2"], "Not started", 90),
    ("Fraud model inverted to reconstruct cardholder patterns", "Inference security", "ML03",
     [("SYS-001", "Model")], "Head of Financial Crime",
     (1, 4), None, "Retain", [], [], "", None),
    ("Poisoned open-weight base model from a public hub", "Supply chain", "AML.T0058",
     [("SYS-002", "Third-party AI service")], "Director of Customer Operations",
     (2, 5), (1, 4), "Modify", ["A.5.21", "A.8.19"], ["A.10.3"], "Done", 0),
    ("Code assistant vendor keeps or trains on our source code", "Supply chain", "LLM03",
     [("SYS-004", "Third-party AI service")], "VP Engineering",
     (3, 4), (2, 3), "Share", ["A.5.20"], ["A.10.3"], "In progress", 35),
    ("Malicious Python package in the ML training pipeline", "Supply chain", "ML06",
     [("SYS-001", "Training pipeline"), ("SYS-003", "Training pipeline")], "Head of ML Platform",
     (3, 4), (2, 3), "Modify", ["A.8.8", "A.8.19"], ["A.4.4"], "In progress", 50),
    ("Runaway inference cost or denial of service of the support assistant", "Unbounded consumption",
     "LLM10", [("SYS-002", "Inference endpoint or API")], "Director of Customer Operations",
     (3, 3), (2, 2), "Modify", ["A.8.6"], ["A.4.5"], "Done", 0),
    ("Assistant invents a refund or fee policy", "Output integrity", "LLM09",
     [("SYS-002", "Model")], "Director of Customer Operations",
     (4, 3), (2, 3), "Modify", ["A.6.3"], ["A.9.4"], "In progress", 25),
]


def _risks(a: Assessment, cats: Any, assets: dict[tuple[str, str], str], today: _dt.date) -> None:
    for (title, category, threat, hit, owner, inherent, residual, option, c27, c42, status,
         due) in RISK_ROWS:
        t = cats.threats[threat]
        ids = [assets[h] for h in hit]
        values: dict[str, Any] = {
            "title": title, "category": category, "threat": threat, "assets": ids,
            "ai_systems": sorted({h[0] for h in hit}),
            "scenario": f"{' '.join(str(t.get('description', '')).split())} Affects {', '.join(ids)}.",
            "vulnerability": "", "risk_owner": owner,
            "inherent_likelihood": inherent[0], "inherent_impact": inherent[1],
            "treatment": option, "planned_27001": c27, "planned_42001": c42,
            "last_review": _day(today, -20), "next_review": _day(today, 160),
        }
        if residual:
            values.update(residual_likelihood=residual[0], residual_impact=residual[1])
        if option == "Retain":
            values.update(accepted_by=owner, accepted_on=_day(today, -18),
                          existing_controls="Monitoring and access control already in place; the "
                                            "owner accepts the remaining risk until the next review.")
        else:
            values.update(treatment_plan=f"Apply {', '.join([*c27, *c42])} to {', '.join(ids)}.",
                          action_owner=owner, treatment_status=status)
            if due is not None:
                values["due_date"] = _day(today, due if status != "Done" else -30)
        add_record(a, RISKS, values, cats)
    # suggested in the workshop, not yet rated: the one risk left with problems on purpose
    vector = assets[("SYS-002", "Feature or vector store")]
    draft = next(r for r in suggest_risks(a, cats, [vector]) if r["threat"] == "LLM08")
    add_record(a, RISKS, {**draft, "risk_owner": "Director of Customer Operations"}, cats, strict=False)


# --- Step 4: controls, SoA, evidence ---------------------------------------------------------------
CUSTOM = [
    {"title": "Underwriter review of every credit limit recommendation",
     "objective": "A credit underwriter decides every limit; the recommendation and the reason for "
                  "any override are recorded, so the high-risk system stays under human oversight.",
     "mapped_27001": ["A.5.2", "A.8.15"], "source": "EU AI Act Art. 14 (human oversight)"},
    {"title": "Prompt-injection test suite before each assistant release",
     "objective": "A release of the support assistant ships only after the injection and "
                  "jailbreak test suite passes.",
     "mapped_27001": ["A.8.29"], "source": "Internal; OWASP LLM Top 10 (LLM01)"},
    {"title": "Customers are told they are chatting with an AI",
     "objective": "The web chat says at the start of every conversation that the assistant is an "
                  "AI system and offers a human agent.",
     "mapped_27001": ["A.5.31"], "source": "EU AI Act Art. 50(1) (transparency)"},
]

# (title, type, file, valid for days, controls or a framework prefix to cover)
EVIDENCE_ROWS = [
    ("Information security policy set v4.2", "Policy", "isms-policy-set.txt", 300, "A.5."),
    ("People security records, sample of 25", "Record", "people-security-records.txt", 200, "A.6."),
    ("Office physical security review", "Record", "office-physical-review.txt", 250, "A.7."),
    ("AWS production security baseline", "Configuration", "aws-security-baseline.txt", 150, "A.8."),
    ("Fraud model card v7 and validation report", "Test report", "fraud-model-card-v7.txt", 180,
     ["42001:A.6.2.4", "42001:A.6.2.7", "42001:A.7.4", "42001:A.7.5"]),
    ("Support assistant red-team report", "Test report", "assistant-red-team-report.txt", 120,
     ["A.8.29", "AIC-002"]),
    ("AI policy v1.0 (approved)", "Policy", "ai-policy-v1.txt", 330,
     ["42001:A.2.2", "42001:A.2.3", "42001:A.3.2"]),
    ("Cloud provider ISO/IEC 27001 certificate", "Certificate", "cloud-provider-iso27001-certificate.txt",
     21, ["A.5.23"]),
    ("Code assistant supplier due diligence", "Record", "code-assistant-due-diligence.txt", 340,
     ["42001:A.10.3"]),
]

EXCLUDED = {
    "A.8.30": "No development is outsourced: every AI system and application is built by Fernhill "
              "staff; third-party models are managed as suppliers (A.5.19-A.5.23).",
    "42001:A.10.4": "Fernhill provides no AI system or component to customers for their own use; "
                    "what customers are told about the support assistant is covered by AIC-003.",
}
UNDECIDED = ("42001:A.5.5", "42001:A.8.3", "42001:A.8.5", "42001:A.9.3")
NO_EVIDENCE_YET = "42001:A.6.2.8"
OWNERS = {"A.5": "CISO", "A.6": "Head of People", "A.7": "Facilities Manager", "A.8": "Head of Platform",
          "42001": "Head of AI Governance", "AIC": "Head of AI Governance"}


def _owner(key: str) -> str:
    if key.startswith(("42001:", "AIC-")):
        return OWNERS["42001"]
    return OWNERS.get(key[:3], "CISO")


def _controls(a: Assessment, cats: Any, today: _dt.date) -> None:
    for values in CUSTOM:
        add_record(a, CUSTOM_CONTROLS, values, cats)
    rows = soa.soa_rows(a, cats)
    keys = [r["id"] for r in rows]
    linked = {r["id"] for r in rows if r["linked_risks"]}
    base = bundled_data_dir()
    evidence_of: dict[str, str] = {}
    for title, kind, name, days, covers in EVIDENCE_ROWS:
        controls = ([k for k in keys if k.startswith(covers) and k not in EXCLUDED]
                    if isinstance(covers, str) else list(covers))
        ev = add_record(a, EVIDENCE, {
            "title": title, "type": kind, "location": f"{DEMO_EVIDENCE_DIR}/{name}",
            "collected_by": "ISMS coordinator", "collected_on": _day(today, -30),
            "valid_until": _day(today, days), "controls": controls}, cats)
        soa.record_hash(a, ev["id"], base)
        for k in controls:
            evidence_of.setdefault(k, ev["id"])
    fw27 = [k for k in keys if soa.framework_of(k) == soa.FW_27001]
    ai = [k for k in keys if soa.framework_of(k) != soa.FW_27001]
    # the certified ISMS: every ISO 27001 control in place before the AI extension
    by_owner: dict[str, list[str]] = {}
    for key in fw27:
        if key not in EXCLUDED and key not in linked:
            by_owner.setdefault(_owner(key), []).append(key)
    for owner, group in by_owner.items():
        soa.bulk_update(a, cats, group, {
            "applicable": "Yes", "status": "Implemented", "owner": owner,
            "justification_inclusion": "Part of the certified ISMS; applies to the AI systems as to "
                                       "every other system."})
    for key in fw27:
        if key in linked:
            soa.update_row(a, cats, key, {"status": "Partially implemented", "owner": _owner(key),
                                          "target_date": _day(today, 75),
                                          "how": "In place for the ISMS; being extended to the AI "
                                                 "systems by the risk treatment plan."})
    # the AI extension: ISO 42001 and the custom controls, part-way
    statuses = ("Implemented", "Partially implemented", "Planned")
    for i, key in enumerate(k for k in ai if k not in EXCLUDED and k not in UNDECIDED):
        status = "Implemented" if key in evidence_of or key == NO_EVIDENCE_YET else statuses[1 + i % 2]
        values: dict[str, Any] = {"status": status, "owner": _owner(key)}
        if key not in linked:
            values.update(applicable="Yes", reasons=["Business requirement or best practice"],
                          justification_inclusion="Adopted with ISO/IEC 42001 to govern the AI systems "
                                                  "in scope.")
            if key.startswith("AIC-"):
                values["reasons"] = ["Legal or regulatory"] if "EU AI Act" in str(
                    (a.find(CUSTOM_CONTROLS, key) or {}).get("source")) else ["Risk treatment"]
                values["justification_inclusion"] = "Custom AI control; see its source."
        if status != "Implemented":
            values["target_date"] = _day(today, 60 + 15 * (i % 5))
        soa.update_row(a, cats, key, values)
    for key, why in EXCLUDED.items():
        soa.update_row(a, cats, key, {"applicable": "No", "justification_exclusion": why,
                                      "status": None})
    for cid, status in (("4.3", "Addressed"), ("6.1.2", "Addressed"), ("6.1.3", "Partially addressed"),
                        ("7.2", "Partially addressed"), ("9.2", "Partially addressed")):
        if cid in cats.clauses:
            soa.update_clause(a, cats, cid, {"status": status, "owner": "CISO",
                                             "references": "DOC-001, DOC-004" if cid.startswith("6")
                                             else "DOC-001"})


# --- Step 5: documents -----------------------------------------------------------------------------
def _tick(text: str, done: int) -> str:
    lines = text.splitlines()
    return "\n".join(("[x]" + line[3:]) if i < done and line.startswith("[ ]") else line
                     for i, line in enumerate(lines))


def _documents(a: Assessment, cats: Any, today: _dt.date) -> None:
    programme.prefill_documents(a, cats, "CISO")
    plan = {"ISD-01": ("Approved", 99, "3.1"), "ISD-02": ("Approved", 99, "4.2"),
            "ISD-03": ("Approved", 99, "1.0"), "ISD-04": ("In review", 2, "2.3"),
            "ISD-05": ("Drafting", 1, "2.0"), "ISD-06": ("Drafting", 1, "5.0"),
            "ISD-09": ("In review", 1, "3.4"), "ISD-11": ("Drafting", 1, "2.1"),
            "ISD-12": ("Drafting", 0, "1.8"), "ISD-14": ("In review", 2, "2.6")}
    by_ref = {d.get("catalog_ref"): d for d in a.records(DOCUMENTS)}
    for ref, (status, done, version) in plan.items():
        doc = by_ref.get(ref)
        if doc is None:
            continue
        values = {**doc, "status": status, "version": version,
                  "ai_changes": _tick(str(doc.get("ai_changes") or ""), done),
                  "next_review": _day(today, 200)}
        if status == "Approved":
            values.update(approved_by="Board Risk Committee", approved_on=_day(today, -40))
        if ref == "ISD-03":
            values["evidence"] = [e["id"] for e in a.records(EVIDENCE) if e["title"].startswith("AI policy")]
        update_record(a, DOCUMENTS, doc["id"], values, cats)


# --- Step 6: training ------------------------------------------------------------------------------
DEMO_PEOPLE = [
    ("Amira Okafor", "security_analyst", "Security operations"),
    ("Ben Hartley", "soc_analyst", "Security operations"),
    ("Chloe Dubois", "ml_engineer", "ML platform"),
    ("Dev Patel", "data_scientist", "Financial crime analytics"),
    ("Elena Rossi", "developer", "Customer channels"),
    ("Farid Haddad", "risk_owner", "Customer operations"),
    ("Grace Liu", "internal_auditor", "Internal audit"),
    ("Hugo Brennan", "procurement", "Procurement"),
    ("Isla McKenzie", "executive", "Executive"),
    ("Jonas Weber", "all_staff", "Customer operations"),
]


def _training(a: Assessment, cats: Any, today: _dt.date) -> None:
    programme.prefill_training(a, cats)
    for name, role, team in DEMO_PEOPLE:
        add_record(a, PEOPLE, {"name": name, "role": role, "team": team,
                               "email": f"{name.split()[0].lower()}@fernhill.example"}, cats)
    by_ref = {m.get("catalog_ref"): m["id"] for m in a.records(TRAINING)}
    plan = (("TM-07", -40, 6), ("TM-01", -20, 1), ("TM-02", 25, 1), ("TM-05", 30, 0), ("TM-06", 45, 0))
    for ref, due, done in plan:
        if ref not in by_ref:
            continue
        added = programme.assign(a, cats, by_ref[ref], _day(today, due))
        for rid in added[:done]:
            rec = a.find(ASSIGNMENTS, rid)
            update_record(a, ASSIGNMENTS, rid, {**rec, "completed": _day(today, min(due, 0) - 3),
                                                "result": "Passed"}, cats)
        for rid in added[done:]:
            if due < 0:   # an overdue record would be an open item: this one was excused
                rec = a.find(ASSIGNMENTS, rid)
                update_record(a, ASSIGNMENTS, rid, {**rec, "completed": _day(today, -2),
                                                    "result": "Attended"}, cats)
    for ref, result in (("TM-07", "Effective"), ("TM-01", "Partly effective")):
        module = a.find(TRAINING, by_ref.get(ref, ""))
        if module is not None:
            update_record(a, TRAINING, module["id"], {
                **module, "evaluation_method": "Quiz after the module and a follow-up test a month "
                                               "later", "evaluated_on": _day(today, -5),
                "evaluation_result": result}, cats)


# --- Step 7: internal audit ------------------------------------------------------------------------
def _audit(a: Assessment, cats: Any, today: _dt.date) -> None:
    audit = add_record(a, AUDITS, {
        "title": "Internal audit of the AI systems (fraud scoring, support assistant)",
        "scope_systems": ["SYS-001", "SYS-002"],
        "scope_controls": ["A.5.19", "A.5.23", "A.8.24", "A.8.29", "42001:A.6.2.4", "42001:A.7.4",
                           "42001:A.10.3"],
        "scope_clauses": "6.1.2, 9.2",
        "criteria": "ISO/IEC 27001:2022, ISO/IEC 42001:2023, the AI policy v1.0",
        "lead": "Grace Liu", "team": "Omar Said (external auditor)",
        "start": _day(today, -24), "end": _day(today, 10), "status": "In progress"}, cats)
    add_record(a, AUDITS, {
        "title": "Follow-up audit: credit limit recommender before go-live",
        "scope_systems": ["SYS-003"], "criteria": "ISO/IEC 42001:2023; EU AI Act Art. 9-15 "
                                                 "(high-risk requirements)",
        "lead": "Grace Liu", "start": _day(today, 70), "end": _day(today, 75), "status": "Planned"}, cats)
    items = programme.generate_checklist(a, cats, audit["id"])
    results = ["Conforming", "Minor nonconformity", "Observation", "Conforming",
               "Opportunity for improvement", "Minor nonconformity", "Conforming"]
    seen = ["Sampled three records; all complete.", "Two AI suppliers onboarded without the AI "
            "due-diligence questions.", "Model registry keys rotate yearly, not quarterly as planned.",
            "Red-team report and retest seen.", "Validation reports could share one template.",
            "The credit model's drift review was skipped in two of the last six months.",
            "Data quality checks run on every training job; logs seen."]
    graded = {}
    for item_id, result, evidence in zip(items, results, seen):
        item = a.find(CHECKLIST, item_id)
        update_record(a, CHECKLIST, item_id, {**item, "result": result, "evidence_seen": evidence}, cats)
        graded[result] = graded.get(result, []) + [item_id]
    plans = [
        # the overdue corrective action, left open on purpose
        (graded["Minor nonconformity"][0], {
            "statement": "AI suppliers are onboarded without the AI due-diligence questions the "
                         "supplier security policy requires.",
            "correction": "Due diligence completed for both suppliers.",
            "root_cause": "The procurement workflow predates the AI questions.",
            "corrective_action": "Add the AI questions to the procurement workflow.",
            "owner": "Head of Procurement", "due": _day(today, -9), "status": "Action in progress"}),
        (graded["Minor nonconformity"][1], {
            "statement": "The monthly drift review of the models was not done in two months.",
            "correction": "Reviews for the missed months done.",
            "root_cause": "The review had no back-up owner during leave.",
            "corrective_action": "Back-up owner named; review scheduled in the ML calendar.",
            "owner": "Head of ML Platform", "due": _day(today, 30),
            "status": "Awaiting effectiveness check"}),
        (graded["Observation"][0], {
            "statement": "Key rotation for the model registry is slower than planned.",
            "owner": "Head of Platform", "due": _day(today, -3), "status": "Closed",
            "closed_on": _day(today, -4)}),
        (graded["Opportunity for improvement"][0], {
            "statement": "Model validation reports could use one shared template.",
            "owner": "Head of AI Governance", "due": _day(today, 60), "status": "Open"}),
    ]
    for item_id, values in plans:
        add_record(a, FINDINGS, {**programme.finding_from_item(a, item_id), **values}, cats)


def build_demo(today: _dt.date | None = None, catalogs: Any = None) -> Assessment:
    """The demo engagement: all seven steps, part-way, with a few open items on purpose."""
    from .catalogs import load_catalogs

    today = today or _dt.date.today()
    cats = catalogs if catalogs is not None else load_catalogs()
    a = build_scope_demo(today)
    assets = _assets(a, cats)
    _risks(a, cats, assets, today)
    _controls(a, cats, today)
    _documents(a, cats, today)
    _training(a, cats, today)
    _audit(a, cats, today)
    # --- vendors and incidents ---------------------------------------------------------------
    add_demo_vendors_and_incidents(a, today, cats)
    return a


def copy_demo_evidence(folder: Path) -> Path:
    """Put the demo's evidence files next to a demo file; files already there are left alone."""
    source = bundled_data_dir() / DEMO_EVIDENCE_DIR
    target = Path(folder) / DEMO_EVIDENCE_DIR
    target.mkdir(exist_ok=True)
    for f in sorted(source.iterdir()):
        if f.is_file() and not (target / f.name).exists():
            shutil.copyfile(f, target / f.name)
    return target


def write_demo(path: str | Path, today: _dt.date | None = None, catalogs: Any = None, *,
               overwrite: bool = False) -> Path:
    """Write the demo assessment to ``path`` with its evidence files beside it."""
    from .store import Store

    path = Path(path).expanduser()
    assessment = build_demo(today, catalogs)
    Store.create(path, assessment, overwrite=overwrite).close()  # refuses a missing folder
    copy_demo_evidence(path.parent)
    return path
