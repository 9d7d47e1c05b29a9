"""The readiness dashboard: how ready an assessment is and where the holes are.

Every figure carries a :class:`Link` (the screen, tab and register view that show the records
behind it) and the IDs of those records, so the TUI opens the step filtered to exactly them.
Each register is read once; nothing scans a register per record.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import incidents as inc
from . import scoring, vendors
from .model import Assessment
from .programme import assignment_state, checklist_progress, finding_overdue
from .registers import (
    AI_SYSTEMS, ASSETS, ASSIGNMENTS, AUDITS, DOCUMENTS, EVIDENCE, FINDINGS, INCIDENTS, PROFILE, RISKS,
    TRAINING,
)
from .steps import STEPS, Status, step_status

WINDOW_DAYS = 60
"""Evidence and certificates expiring within this many days are shown."""
NOTIFY_WINDOW = _dt.timedelta(hours=72)

SECTIONS = ("Steps", "Risks", "Statement of Applicability", "Audit and training",
            "Expiring", "Incidents and vendors")


@dataclass(frozen=True)
class Link:
    """Where a figure's records are: a wizard step (1-7) or a workbench screen, a tab, a view."""

    screen: str
    """'step', 'vendors' or 'incidents'"""
    step: int = 0
    tab: str = ""
    view: str = ""
    """The id of the RegisterView to filter (empty: open the screen unfiltered)."""


@dataclass(frozen=True)
class Figure:
    key: str
    section: str
    label: str
    value: str
    alert: bool = False
    """A hole to follow up (shown as a red figure)."""
    link: Link | None = None
    ids: tuple[str, ...] = ()
    """The records behind the figure; the link filters its view to these."""
    filter_label: str = ""

    @property
    def filtered(self) -> bool:
        return bool(self.link and self.link.view)


@dataclass
class Dashboard:
    computed: _dt.datetime
    figures: list[Figure] = field(default_factory=list)

    def section(self, name: str) -> list[Figure]:
        return [f for f in self.figures if f.section == name]

    def get(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def _date(value: Any) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def compute(assessment: Assessment, catalogs: Any, now: _dt.datetime) -> Dashboard:
    """Every figure of the dashboard at ``now`` (its date is 'today' for dates)."""
    today = now.date()
    d = Dashboard(now)
    add = d.figures.append

    def fig(key: str, section: str, label: str, ids: list[str], link: Link, *, alert_when_any: bool = True,
            value: str | None = None, filter_label: str = "") -> None:
        add(Figure(key, section, label, str(len(ids)) if value is None else value,
                   alert=alert_when_any and bool(ids), link=link, ids=tuple(ids),
                   filter_label=filter_label or label))

    # --- one pass per register ------------------------------------------------------------------
    systems = assessment.records(AI_SYSTEMS)
    assets = assessment.records(ASSETS)
    risks = assessment.records(RISKS)
    method = assessment.risk_method
    from .soa import gaps, soa_rows

    soa = soa_rows(assessment, catalogs) if catalogs is not None else []
    gap_list = gaps(assessment, catalogs, today) if catalogs is not None else []

    # --- the seven steps -----------------------------------------------------------------------------
    missing: dict[int, list[str]] = {n: [] for n in range(1, 8)}
    profile_problems = PROFILE.validate(assessment.profile)
    if profile_problems:
        missing[1].append(_plural(len(profile_problems), "profile field") + " to fix")
    if not systems:
        missing[1].append("no AI systems")
    bad_systems = [s for s in systems if AI_SYSTEMS.validate(s)]
    if bad_systems:
        missing[1].append(_plural(len(bad_systems), "AI system") + " incomplete")
    if not str(assessment.scope.get("addendum") or "").strip():
        missing[1].append("no scope addendum")
    covered = {sid for a in assets for sid in (a.get("ai_systems") or [])}
    uncovered = [s["id"] for s in systems if s.get("in_scope") in ("Yes", "Partial") and s["id"] not in covered]
    if uncovered:
        missing[2].append(_plural(len(uncovered), "in-scope system") + " without assets")
    bad_assets = [a for a in assets if ASSETS.validate(a)]
    if bad_assets:
        missing[2].append(_plural(len(bad_assets), "asset") + " incomplete")
    unrated = [str(r["id"]) for r in risks
               if r.get("inherent_likelihood") is None or r.get("inherent_impact") is None]
    if unrated:
        missing[3].append(_plural(len(unrated), "risk") + " not rated")
    unaccepted = [str(r["id"]) for r in risks if scoring.acceptance_required(method, r)
                  and not (r.get("accepted_by") and r.get("accepted_on"))]
    if unaccepted:
        missing[3].append(_plural(len(unaccepted), "risk") + " awaiting acceptance")
    undecided = [r["id"] for r in soa if r.get("applicable") == "Undecided"]
    if undecided:
        missing[4].append(_plural(len(undecided), "SoA row") + " undecided")
    other_gaps = [g for g in gap_list if g.kind != "Undecided"]
    if other_gaps:
        missing[4].append(_plural(len(other_gaps), "other gap"))
    documents = assessment.records(DOCUMENTS)
    not_approved = [str(x["id"]) for x in documents if x.get("status") not in ("Approved", "Published")]
    if not_approved:
        missing[5].append(_plural(len(not_approved), "document") + " not approved")
    open_changes = sum(t - dn for dn, t in (checklist_progress(x.get("ai_changes")) for x in documents))
    if open_changes:
        missing[5].append(_plural(open_changes, "AI change") + " open")
    if not documents:
        missing[5].append("no documents")
    modules = assessment.records(TRAINING)
    unevaluated = [m for m in modules if not m.get("evaluation_result")]
    if not modules:
        missing[6].append("no training modules")
    if unevaluated:
        missing[6].append(_plural(len(unevaluated), "module") + " not evaluated")
    overdue_training = [str(x["id"]) for x in assessment.records(ASSIGNMENTS)
                        if assignment_state(x, today) == "Overdue"]
    if overdue_training:
        missing[6].append(_plural(len(overdue_training), "training record") + " overdue")
    findings = assessment.records(FINDINGS)
    open_findings = [str(f["id"]) for f in findings if f.get("status") != "Closed"]
    overdue_findings = [str(f["id"]) for f in findings if finding_overdue(f, today)]
    if not any(a.get("status") == "Closed" for a in assessment.records(AUDITS)):
        missing[7].append("no audit closed")
    if open_findings:
        missing[7].append(_plural(len(open_findings), "finding") + " open")

    step_links = {1: Link("step", 1), 2: Link("step", 2), 3: Link("step", 3, "tab-register", "risks"),
                  4: Link("step", 4, "tab-soa", "soa"), 5: Link("step", 5, "", "documents"),
                  6: Link("step", 6, "tab-records", "records"), 7: Link("step", 7, "tab-findings", "findings")}
    step_ids = {3: unrated or unaccepted, 4: undecided, 5: not_approved, 6: overdue_training,
                7: open_findings}
    for s in STEPS:
        status = step_status(assessment, s.number, catalogs, today)
        mark = {Status.COMPLETE: "✓ complete", Status.IN_PROGRESS: "• in progress",
                Status.NOT_STARTED: "○ not started"}[status]
        text = "; ".join(missing[s.number]) if status is not Status.COMPLETE else ""
        ids = tuple(step_ids.get(s.number, []))
        link = step_links[s.number] if ids else Link("step", s.number)
        add(Figure(f"step{s.number}", "Steps", f"{s.number} {s.short}",
                   f"{mark}" + (f": {text}" if text else ""),
                   alert=status is not Status.COMPLETE and bool(missing[s.number]), link=link, ids=ids,
                   filter_label=text))

    # --- risks ------------------------------------------------------------------------------------------
    risk_link = Link("step", 3, "tab-register", "risks")
    levels = scoring.levels(method)
    for kind in ("inherent", "residual"):
        by_level: dict[str, list[str]] = {lv: [] for lv in levels}
        unscored = []
        for r in risks:
            lv = r.get(f"{kind}_level")
            rated = r.get(f"{kind}_likelihood") is not None and r.get(f"{kind}_impact") is not None
            (by_level[lv] if rated and lv in by_level else unscored).append(str(r["id"]))
        for lv in levels:
            fig(f"risk_{kind}_{lv}", "Risks", f"{kind.capitalize()} {lv}", by_level[lv], risk_link,
                alert_when_any=False, filter_label=f"{kind} level {lv}")
        fig(f"risk_{kind}_none", "Risks", f"{kind.capitalize()} not rated", unscored, risk_link,
            alert_when_any=(kind == "inherent"), filter_label=f"{kind} not rated")
    fig("risk_unaccepted", "Risks", "Above threshold, not accepted", unaccepted, risk_link,
        filter_label="acceptance missing")

    # --- SoA ----------------------------------------------------------------------------------------------
    soa_link = Link("step", 4, "tab-soa", "soa")
    decisions = Counter(str(r.get("applicable")) for r in soa)
    for decision in ("Yes", "No", "Undecided"):
        fig(f"soa_{decision.lower()}", "Statement of Applicability",
            {"Yes": "Applicable", "No": "Not applicable", "Undecided": "Undecided"}[decision],
            [r["id"] for r in soa if r.get("applicable") == decision], soa_link,
            alert_when_any=(decision == "Undecided"))
    applicable = [r for r in soa if r.get("applicable") == "Yes"]
    for status in ("Implemented", "Partially implemented", "Planned", "Not implemented"):
        fig(f"soa_status_{status}", "Statement of Applicability", status,
            [r["id"] for r in applicable if (r.get("status") or "Not implemented") == status], soa_link,
            alert_when_any=False, filter_label=f"applicable, {status.lower()}")
    implemented = [r for r in soa if r.get("status") == "Implemented"]
    without = [r["id"] for r in implemented if not r.get("evidence_refs")]
    coverage = (f"{len(implemented) - len(without)}/{len(implemented)}"
                + (f" ({round(100 * (len(implemented) - len(without)) / len(implemented))} %)" if implemented else ""))
    add(Figure("soa_evidence", "Statement of Applicability", "Implemented with evidence", coverage,
               alert=bool(without), link=soa_link, ids=tuple(without),
               filter_label="implemented without evidence"))

    # --- audit and training ---------------------------------------------------------------------------------
    findings_link = Link("step", 7, "tab-findings", "findings")
    fig("findings_open", "Audit and training", "Open findings", open_findings, findings_link)
    fig("findings_overdue", "Audit and training", "Overdue corrective actions", overdue_findings,
        findings_link)
    fig("training_overdue", "Audit and training", "Overdue training", overdue_training,
        Link("step", 6, "tab-records", "records"))

    # --- expiring ------------------------------------------------------------------------------------------
    soon = today + _dt.timedelta(days=WINDOW_DAYS)
    ev_expired, ev_soon = [], []
    for e in assessment.records(EVIDENCE):
        until = _date(e.get("valid_until"))
        if until is None:
            continue
        if until < today:
            ev_expired.append(str(e["id"]))
        elif until <= soon:
            ev_soon.append(str(e["id"]))
    ev_link = Link("step", 4, "tab-evidence", "evidence")
    fig("evidence_expired", "Expiring", "Evidence expired", ev_expired, ev_link)
    fig("evidence_expiring", "Expiring", f"Evidence expiring in {WINDOW_DAYS} days", ev_soon, ev_link)
    certs = vendors.cert_rows(assessment, today)
    cert_link = Link("vendors", 0, "tab-certs", "certs")
    fig("certs_expired", "Expiring", "Vendor certificates expired",
        [str(c["id"]) for c in certs if c["state"] == "Expired"], cert_link)
    fig("certs_expiring", "Expiring", f"Vendor certificates expiring in {WINDOW_DAYS} days",
        [str(c["id"]) for c in certs if c["state"] == "Expiring"], cert_link)

    # --- incidents and vendors --------------------------------------------------------------------------------
    open_incidents = [str(i["id"]) for i in assessment.records(INCIDENTS) if i.get("status") != "Closed"]
    fig("incidents_open", "Incidents and vendors", "Open incidents", open_incidents,
        Link("incidents", 0, "tab-incidents", "incidents"))
    obligations = inc.obligations(assessment, catalogs, now) if catalogs is not None else []
    due = [o.id for o in obligations if o.open and o.state != "missed"
           and (o.state == "due soon" or (o.deadline is not None and o.deadline - now <= NOTIFY_WINDOW))]
    missed = [o.id for o in obligations if o.state == "missed"]
    ntf_link = Link("incidents", 0, "tab-notifications", "notifications")
    fig("notifications_due", "Incidents and vendors", "Notifications due within 72 h", due, ntf_link)
    fig("notifications_missed", "Incidents and vendors", "Notifications missed", missed, ntf_link)
    views = vendors.vendor_views(assessment, catalogs, today) if catalogs is not None else []
    vendor_link = Link("vendors", 0, "tab-vendors", "vendors")
    fig("vendors_flagged", "Incidents and vendors", "Vendors with flags",
        [str(v.vendor["id"]) for v in views if v.flags], vendor_link)
    fig("vendors_poor", "Incidents and vendors", "Vendors rated high or critical risk",
        [str(v.vendor["id"]) for v in views if v.score.rating in ("High risk", "Critical risk")],
        vendor_link)
    return d


def rows(d: Dashboard) -> list[tuple[str, str, str, str]]:
    """(section, figure, value, where) rows for the export sheet."""
    out = []
    for f in d.figures:
        where = ""
        if f.link is not None:
            where = (f"Step {f.link.step}" if f.link.screen == "step" else
                     {"vendors": "Vendors", "incidents": "Incidents"}[f.link.screen])
            if f.ids:
                where += f": {', '.join(f.ids[:20])}" + (" …" if len(f.ids) > 20 else "")
        out.append((f.section, f.label, f.value, where))
    return out
