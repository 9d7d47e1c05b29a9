"""Steps 5–7: document updates, training on AI threats, internal audit and surveillance.

Plain functions over the assessment; the screens call them, and so can a script or a test.
Anything that depends on the date takes ``today`` so results are reproducible.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from . import registers
from .model import Assessment, add_record
from .registers import (
    ASSIGNMENTS, AUDITS, CHECKLIST, DOCUMENTS, FINDINGS, PEOPLE, TRAINING,
)

FREQUENCY_NAMES = {"once": "Once", "annual": "Annual", "biannual": "Twice a year",
                   "on change": "On change"}


# --- Step 5: documents ----------------------------------------------------------------------------
def checklist_text(items: list[str]) -> str:
    """A catalog's 'what to add for AI' as an editable checklist, one ``[ ]`` line per item."""
    return "\n".join(f"[ ] {' '.join(str(i).split())}" for i in items)


def checklist_progress(text: str | None) -> tuple[int, int]:
    """(done, total) of a checklist: lines starting with [x] are done."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    items = [line for line in lines if re.match(r"^\[[ xX]\]", line)] or lines
    done = sum(1 for line in items if line[:3].lower() == "[x]")
    return done, len(items)


def prefill_documents(assessment: Assessment, catalogs: Any, owner: str = "") -> list[str]:
    """Add every catalog document not yet in the register; returns the new IDs."""
    have = {d.get("catalog_ref") for d in assessment.records(DOCUMENTS)}
    added = []
    for did, d in catalogs.documents.items():
        if did in have:
            continue
        refs = list(d.get("controls_27001") or []) + [f"42001 {c}" for c in d.get("controls_42001") or []]
        record = add_record(assessment, DOCUMENTS, {
            "title": d.get("title", did), "reference": ", ".join(refs), "catalog_ref": did,
            "owner": owner, "ai_changes": checklist_text(d.get("ai_changes") or []),
            "status": "Not started",
        }, catalogs, strict=False)
        added.append(record["id"])
    return added


def document_rows(assessment: Assessment) -> list[dict[str, Any]]:
    rows = []
    for d in assessment.records(DOCUMENTS):
        done, total = checklist_progress(d.get("ai_changes"))
        rows.append({**d, "ai_progress": f"{done}/{total}" if total else ""})
    return rows


# --- Step 6: training ------------------------------------------------------------------------------
def prefill_training(assessment: Assessment, catalogs: Any) -> list[str]:
    """Add the catalog's training modules not yet in the register; returns the new IDs."""
    have = {m.get("catalog_ref") for m in assessment.records(TRAINING)}
    added = []
    for mid, m in catalogs.training_modules.items():
        if mid in have:
            continue
        refs = list(m.get("controls_27001") or []) + [f"42001 {c}" for c in m.get("controls_42001") or []]
        record = add_record(assessment, TRAINING, {
            "title": m.get("title", mid), "audience": list(m.get("audience") or []),
            "topics": "\n".join(f"- {t}" for t in m.get("topics") or []), "catalog_ref": mid,
            "duration_hours": m.get("duration_hours"),
            "frequency": FREQUENCY_NAMES.get(str(m.get("frequency", "")).lower(), "Annual"),
            "controls": ", ".join(refs),
        }, catalogs, strict=False)
        added.append(record["id"])
    return added


def _open_assignment(assessment: Assessment, person: str, module: str) -> bool:
    return any(a.get("person") == person and a.get("module") == module and not a.get("completed")
               for a in assessment.records(ASSIGNMENTS))


ALL_STAFF = "all_staff"
"""The training catalog's role that every person belongs to, whatever their own role."""


def audience_people(assessment: Assessment, roles: list[str] | None) -> list[str]:
    """IDs of the people a module with audience ``roles`` is for: everyone for "All staff"."""
    wanted = set(roles or [])
    return [p["id"] for p in assessment.records(PEOPLE)
            if ALL_STAFF in wanted or p.get("role") in wanted]


def assign(assessment: Assessment, catalogs: Any, module: str, due: str, *,
           roles: list[str] | None = None, people: list[str] | None = None) -> list[str]:
    """Assign a module to everyone with one of ``roles`` and to the named ``people``; with
    neither, to everyone in the module's audience. Someone who already has it open is skipped.
    Returns the new IDs."""
    mod = assessment.find(TRAINING, module)
    if mod is None:
        raise KeyError(f"{module} is not a training module")
    if roles is None and people is None:
        roles = list(mod.get("audience") or [])
    by_role = set(audience_people(assessment, roles))
    wanted_people = set(people or [])
    chosen = [p["id"] for p in assessment.records(PEOPLE) if p["id"] in by_role or p["id"] in wanted_people]
    added = []
    for pid in chosen:
        if _open_assignment(assessment, pid, module):
            continue
        added.append(add_record(assessment, ASSIGNMENTS, {"person": pid, "module": module, "due": due},
                                catalogs)["id"])
    return added


def assignment_state(record: dict[str, Any], today: _dt.date) -> str:
    if record.get("completed"):
        return "Done"
    try:
        if record.get("due") and _dt.date.fromisoformat(str(record["due"])) < today:
            return "Overdue"
    except ValueError:
        pass
    return "Due"


def assignment_rows(assessment: Assessment, today: _dt.date) -> list[dict[str, Any]]:
    return [{**a, "state": assignment_state(a, today)} for a in assessment.records(ASSIGNMENTS)]


def completion_rates(assessment: Assessment, today: _dt.date) -> dict[str, dict[str, tuple[int, int, int]]]:
    """By module and by team: (done, total, overdue)."""
    people = {p["id"]: p for p in assessment.records(PEOPLE)}
    out: dict[str, dict[str, tuple[int, int, int]]] = {"module": {}, "team": {}}
    for a in assessment.records(ASSIGNMENTS):
        state = assignment_state(a, today)
        team = str(people.get(a.get("person"), {}).get("team") or "(no team)")
        for kind, key in (("module", str(a.get("module"))), ("team", team)):
            done, total, overdue = out[kind].get(key, (0, 0, 0))
            out[kind][key] = (done + (state == "Done"), total + 1, overdue + (state == "Overdue"))
    return out


# --- Step 7: audits ----------------------------------------------------------------------------------
def _names(text: Any) -> set[str]:
    return {n.strip().casefold() for n in re.split(r"[,;\n]", str(text or "")) if n.strip()}


def audit_controls(assessment: Assessment, catalogs: Any, audit: dict[str, Any]) -> list[str]:
    """The controls an audit samples: its scope, or every applicable AI-relevant control."""
    if audit.get("scope_controls"):
        return list(audit["scope_controls"])
    from .soa import _soa_rows

    return [r["id"] for r in _soa_rows(assessment, catalogs)
            if r["applicable"] == "Yes" and r.get("ai_relevance") in ("high", "medium")]


def independence_problems(assessment: Assessment, catalogs: Any, audit: dict[str, Any]) -> list[str]:
    """An auditor must not audit a control they own (ISO 27001 9.2.2: objectivity)."""
    if catalogs is None:
        return []
    from .soa import _soa_rows

    auditors = _names(audit.get("lead")) | _names(audit.get("team"))
    if not auditors:
        return []
    scope = set(audit_controls(assessment, catalogs, audit))
    out = []
    for r in _soa_rows(assessment, catalogs):
        owner = str(r.get("owner") or "").strip()
        if r["id"] in scope and _names(owner) & auditors:
            out.append(f"{owner} owns {r['id']} and audits it: choose another auditor for that "
                       "control or take it out of scope (objectivity, ISO 27001 9.2.2).")
    return out


def generate_checklist(assessment: Assessment, catalogs: Any, audit_id: str) -> list[str]:
    """Checklist items for an audit from the catalog's questions on the controls in scope (and a
    general question where the catalog has none). Existing items are not duplicated."""
    audit = assessment.find(AUDITS, audit_id)
    if audit is None:
        raise KeyError(f"{audit_id} is not an audit")
    have = {(c.get("control"), c.get("question")) for c in assessment.records(CHECKLIST)
            if c.get("audit") == audit_id}
    from .soa import controls_in_scope

    wanted: list[tuple[str, str, str]] = []
    titles = {c["id"]: c["title"] for c in controls_in_scope(assessment, catalogs)}
    for key in audit_controls(assessment, catalogs, audit):
        plain = key.split(":", 1)[1] if key.startswith("42001:") else key
        field = "controls_42001" if key.startswith("42001:") else "controls_27001"
        questions = [q for q in catalogs.checklist.values() if plain in (q.get(field) or [])]
        if not questions:
            name = f"{key} {titles.get(key) or ''}".strip()
            wanted.append((key, f"How is {name} applied to the AI systems in scope, and what "
                                "shows it operates?", "Procedure, records of operation, a sample."))
        for q in questions:
            wanted.append((key, " ".join(str(q["question"]).split()),
                           " ".join(str(q.get("evidence_expected", "")).split())))
    for clause in [c.strip() for c in str(audit.get("scope_clauses") or "").split(",") if c.strip()]:
        for q in catalogs.checklist.values():
            if clause in (q.get("controls_27001") or []):
                wanted.append((clause, " ".join(str(q["question"]).split()),
                               " ".join(str(q.get("evidence_expected", "")).split())))
    added = []
    for key, question, evidence in wanted:
        if (key, question) in have:
            continue
        have.add((key, question))
        added.append(add_record(assessment, CHECKLIST, {
            "audit": audit_id, "control": key, "question": question,
            "evidence_expected": evidence, "result": "Not audited"}, catalogs)["id"])
    return added


GRADE_OF_RESULT = {
    "Major nonconformity": "Major nonconformity", "Minor nonconformity": "Minor nonconformity",
    "Observation": "Observation", "Opportunity for improvement": "Opportunity for improvement",
}


def finding_from_item(assessment: Assessment, item_id: str) -> dict[str, Any]:
    """Values for a new finding raised from a checklist item (the user completes them)."""
    item = assessment.find(CHECKLIST, item_id)
    if item is None:
        raise KeyError(f"{item_id} is not a checklist item")
    grade = GRADE_OF_RESULT.get(str(item.get("result")))
    if grade is None:
        raise ValueError(f"{item_id} is {item.get('result')}: only nonconformities, observations "
                         "and opportunities for improvement become findings.")
    return {"audit": item.get("audit"), "item": item_id, "grade": grade,
            "requirement": item.get("control"), "objective_evidence": item.get("evidence_seen") or "",
            "statement": "", "status": "Open"}


def finding_overdue(record: dict[str, Any], today: _dt.date) -> bool:
    if record.get("status") == "Closed" or not record.get("due"):
        return False
    try:
        return _dt.date.fromisoformat(str(record["due"])) < today
    except ValueError:
        return False


def finding_rows(assessment: Assessment, today: _dt.date) -> list[dict[str, Any]]:
    return [{**f, "overdue": "Overdue" if finding_overdue(f, today) else ""}
            for f in assessment.records(FINDINGS)]


def _add_months(day: _dt.date, months: int) -> _dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return _dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


DONE_WINDOW_DAYS = 90
"""A certification-body audit held up to this many days before its due date counts for it."""


def surveillance_plan(assessment: Assessment, today: _dt.date | None = None) -> list[dict[str, str]]:
    """Certification-body surveillance and recertification from Step 1's certificate dates,
    with the planned internal audits, in date order. Each event has a state on ``today``:
    Done, Overdue, In progress or Planned. An external audit is done when Step 1's last
    certification-body audit is on or after it (or up to 90 days before it)."""
    today = today or _dt.date.today()
    events: list[dict[str, str]] = []
    p = assessment.profile
    try:
        issued = _dt.date.fromisoformat(str(p.get("certificate_issued") or ""))
    except ValueError:
        issued = None
    try:
        expiry = _dt.date.fromisoformat(str(p.get("certificate_expiry") or ""))
    except ValueError:
        expiry = None
    try:
        last = _dt.date.fromisoformat(str(p.get("last_external_audit") or ""))
    except ValueError:
        last = None
    body = str(p.get("certification_body") or "the certification body")

    def external_state(day: _dt.date) -> str:
        if last is not None and last >= day - _dt.timedelta(days=DONE_WINDOW_DAYS):
            return "Done"
        return "Overdue" if day < today else "Planned"

    if issued:
        for n in (1, 2):
            day = _add_months(issued, 12 * n)
            events.append({"date": day.isoformat(), "kind": "External",
                           "event": f"Surveillance audit {n} by {body}", "state": external_state(day),
                           "notes": "Due within 12 months of the previous audit; include the AI systems in scope."})
    if expiry or issued:
        end = expiry or _add_months(issued, 36)  # type: ignore[arg-type]
        day = _add_months(end, -3)
        events.append({"date": day.isoformat(), "kind": "External",
                       "event": f"Recertification audit by {body}", "state": external_state(day),
                       "notes": f"Before the certificate expires on {end.isoformat()}."})
    for a in sorted(assessment.records(AUDITS), key=lambda r: str(r.get("start") or "")):
        if a.get("start"):
            status = str(a.get("status") or "")
            try:
                late = _dt.date.fromisoformat(str(a["start"])) < today
            except ValueError:
                late = False
            state = ("Done" if status in ("Reported", "Closed") else "In progress"
                     if status == "In progress" else "Overdue" if late else "Planned")
            events.append({"date": str(a["start"]), "kind": "Internal",
                           "event": f"{a['id']} {a.get('title', '')}", "state": state,
                           "notes": f"Lead {a.get('lead', '')}; {status}"})
    return sorted(events, key=lambda e: e["date"])


registers.RULE_HOOKS["audit_independence"] = (
    lambda record, ctx: independence_problems(ctx.assessment, ctx.catalogs, record))
