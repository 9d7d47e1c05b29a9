"""Steps 5 to 7: the document register, the training plan and records, the audit programme,
the audit checklist, findings and corrective actions, and the surveillance plan."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Sequence

from openpyxl.styles import Alignment

from . import programme
from .model import Assessment, natural_key  # noqa: F401
from .registers import (ASSIGNMENTS, AUDITS, CHECKLIST, DOCUMENTS, FINDINGS, PEOPLE, TRAINING)
from .sheets import Build, Layout, Sheet, by_id, declared_columns, derived_column
from .xlsx import Column, Highlight, WorkbookWriter

DOCUMENTS_SHEET = DOCUMENTS.sheet
TRAINING_SHEET = TRAINING.sheet
RECORDS_SHEET = ASSIGNMENTS.sheet
AUDITS_SHEET = AUDITS.sheet
CHECKLIST_SHEET = CHECKLIST.sheet
FINDINGS_SHEET = FINDINGS.sheet
SURVEILLANCE_SHEET = "Surveillance Plan"


def _highlights(values: Iterable[str], colour_names: Iterable[str]) -> tuple[Highlight, ...]:
    return tuple(Highlight(c, equals=v) for v, c in zip(values, colour_names))


CONFLICT_HIGHLIGHTS = (Highlight("orange", not_blank=True),)


_by_id = by_id


def role_titles(catalogs: Any) -> dict[str, str]:
    """Role key (``security_analyst``) -> the title an auditor reads."""
    roles = getattr(catalogs, "roles", None) or {}
    return {str(k): str((v or {}).get("title") or k) for k, v in roles.items()}


def document_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    return declared_columns(DOCUMENTS, ref_ids)


def training_plan_columns(catalogs: Any) -> list[Column]:
    """The audience is shown as role titles and read back as role keys."""
    titles = role_titles(catalogs)
    keys = {title.casefold(): key for key, title in titles.items()}

    def parse(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        names = [n.strip() for n in value.replace(";", ",").split(",") if n.strip()]
        return [keys.get(n.casefold(), n) for n in names]

    return declared_columns(
        TRAINING, tweaks={"audience": {
            "get": lambda r: [titles.get(str(k), str(k)) for k in r.get("audience") or []],
            "parse": parse}})


def training_record_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    """The ASSIGNMENTS declaration, with the person's name, role and team after the person ID
    and the module title after the module ID."""
    return declared_columns(
        ASSIGNMENTS, ref_ids,
        after={"person": [derived_column("Person name", "_name", 22),
                          derived_column("Role", "_role", 24),
                          derived_column("Team", "_team", 16)],
               "module": [derived_column("Module title", "_module_title", 36)]})


def training_record_rows(assessment: Assessment, catalogs: Any,
                         today: _dt.date) -> list[dict[str, Any]]:
    """The training records with their state on ``today`` (Done, Due, Overdue) and the names
    behind the person and module IDs."""
    people = {p["id"]: p for p in assessment.records(PEOPLE)}
    modules = {m["id"]: m for m in assessment.records(TRAINING)}
    titles = role_titles(catalogs)
    out = []
    for a in _by_id(programme.assignment_rows(assessment, today)):
        person = people.get(a.get("person")) or {}
        role = str(person.get("role") or "")
        out.append({**a, "_name": person.get("name"), "_role": titles.get(role, role),
                    "_team": person.get("team"),
                    "_module_title": (modules.get(a.get("module")) or {}).get("title")})
    return out


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def training_summary(writer: WorkbookWriter, ws: Any, build: Build,
                     rows: list[dict[str, Any]]) -> None:
    """Below the training records (outside their filter): completion by module and by team
    and everyone in the people register with their counts."""
    assessment, catalogs, today = build.assessment, build.catalogs, build.today
    rates = programme.completion_rates(assessment, today)
    modules = {m["id"]: m for m in assessment.records(TRAINING)}
    r = max(len(rows) + 1, 2) + 3

    def overdue_red(column: int, block: list[Sequence[Any]]) -> Any:
        return lambda i, j: "red" if j == column and block[i][j] else None

    r = writer.write_title(ws, r, 1, f"Completion on {today.isoformat()}")
    r = writer.write_note(ws, r, 1, "Done % = completed records / assigned records; overdue = "
                                    "not completed and past the due date.")
    r = writer.write_title(ws, r + 1, 1, "By module")
    block = [(mid, total, done, overdue, _percent(done, total),
              (modules.get(mid) or {}).get("title") or "")
             for mid, (done, total, overdue) in sorted(rates["module"].items(),
                                                       key=lambda kv: natural_key(kv[0]))]
    if block:
        top = r
        r = writer.write_block(ws, r, 1, ("Module", "Assigned", "Done", "Overdue", "Done %",
                                          "Module title"), block, colour=overdue_red(3, block))
        for i in range(len(block)):  # the title runs over the empty cells to its right
            ws.cell(top + 1 + i, 6).alignment = Alignment(vertical="top")
    else:
        r = writer.write_note(ws, r, 1, "No training is assigned yet.")
    r = writer.write_title(ws, r + 1, 1, "By team")
    block = [(team, total, done, overdue, _percent(done, total))
             for team, (done, total, overdue) in sorted(rates["team"].items())]
    if block:
        r = writer.write_block(ws, r, 1, ("Team", "Assigned", "Done", "Overdue", "Done %"),
                               block, colour=overdue_red(3, block))
    else:
        r = writer.write_note(ws, r, 1, "No training is assigned yet.")

    r = writer.write_title(ws, r + 1, 1, "People")
    titles = role_titles(catalogs)
    block = []
    for p in _by_id(assessment.records(PEOPLE)):
        mine = [a for a in rows if a.get("person") == p["id"]]
        role = str(p.get("role") or "")
        block.append((p["id"], p.get("name") or "", p.get("team") or "", len(mine),
                      sum(a["state"] == "Done" for a in mine),
                      sum(a["state"] == "Overdue" for a in mine), titles.get(role, role)))
    if block:
        top = r
        writer.write_block(ws, r, 1, ("Person", "Person name", "Team", "Records", "Done",
                                      "Overdue", "Role"), block, colour=overdue_red(5, block))
        for i in range(len(block)):
            ws.cell(top + 1 + i, 7).alignment = Alignment(vertical="top")
    else:
        writer.write_note(ws, r, 1, "No people are registered yet.")


def audit_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    return declared_columns(AUDITS, ref_ids) + [
        derived_column("Independence conflicts", "_conflicts", 40, highlights=CONFLICT_HIGHLIGHTS),
        derived_column("Checklist (audited/total)", "_audited", 14),
        derived_column("Findings (open/total)", "_findings", 14),
    ]


def audit_rows(assessment: Assessment, catalogs: Any) -> list[dict[str, Any]]:
    """The audits with the independence check (an auditor does not audit a control they own),
    checklist progress (audited/total) and open findings (open/total)."""
    items, findings = assessment.records(CHECKLIST), assessment.records(FINDINGS)
    out = []
    for a in _by_id(assessment.records(AUDITS)):
        mine = [c for c in items if c.get("audit") == a["id"]]
        audited = sum(1 for c in mine if c.get("result") not in (None, "", "Not audited"))
        raised = [f for f in findings if f.get("audit") == a["id"]]
        still_open = sum(1 for f in raised if f.get("status") != "Closed")
        out.append({**a, "_conflicts": "\n".join(
                        programme.independence_problems(assessment, catalogs, a)),
                    "_audited": f"{audited}/{len(mine)}" if mine else "",
                    "_findings": f"{still_open}/{len(raised)}" if raised else ""})
    return out


def checklist_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    return declared_columns(CHECKLIST, ref_ids) + [
        derived_column("Findings raised", "_findings", 14, "refs")]


def checklist_rows(assessment: Assessment) -> list[dict[str, Any]]:
    findings = _by_id(assessment.records(FINDINGS))
    return [{**c, "_findings": [f["id"] for f in findings if f.get("item") == c["id"]]}
            for c in _by_id(assessment.records(CHECKLIST))]


def finding_columns(ref_ids: dict[str, list[str]] | None = None) -> list[Column]:
    return declared_columns(FINDINGS, ref_ids)


SURVEILLANCE_COLUMNS = [
    Column("Date", lambda e: e.get("date"), 12, "date"),
    Column("Kind", lambda e: e.get("kind"), 10,
           highlights=_highlights(("External", "Internal"), ("blue", "grey"))),
    Column("Event", lambda e: e.get("event"), 50),
    Column("State", lambda e: e.get("state"), 12,
           highlights=_highlights(("Done", "In progress", "Planned", "Overdue"),
                                  ("green", "yellow", "grey", "red"))),
    Column("Notes", lambda e: e.get("notes"), 70),
]


def programme_summary(assessment: Assessment, today: _dt.date) -> list[tuple[str, str]]:
    """What the Cover says about Steps 5–7, in counts on ``today``."""
    docs = assessment.records(DOCUMENTS)
    signed = sum(1 for d in docs if d.get("status") in ("Approved", "Published"))
    records = programme.assignment_rows(assessment, today)
    findings = programme.finding_rows(assessment, today)
    return [
        ("Documents", f"{len(docs)} in the register, {signed} approved or published "
                      f"(see {DOCUMENTS_SHEET})"),
        ("Training", f"{sum(r['state'] == 'Done' for r in records)} of {len(records)} records "
                     f"done, {sum(r['state'] == 'Overdue' for r in records)} overdue "
                     f"(see {RECORDS_SHEET})"),
        ("Internal audit", f"{len(assessment.records(AUDITS))} audits, {len(findings)} findings: "
                           f"{sum(f.get('status') != 'Closed' for f in findings)} open, "
                           f"{sum(bool(f['overdue']) for f in findings)} overdue "
                           f"(see {FINDINGS_SHEET})"),
    ]


SHEETS = (
    Sheet(DOCUMENTS_SHEET, 'Document register (7.5): every ISMS document with its clause or control reference, owner, version, what must change for AI and how many of those changes are done, status, next review, approval and linked evidence (Step 5).',
          register=DOCUMENTS, columns=lambda b: document_columns(b.ref_ids(DOCUMENTS)),
          rows=lambda b: _by_id(programme.document_rows(b.assessment)), freeze="C2",
          layout=Layout(core=9)),
    Sheet(TRAINING_SHEET, "Training modules (7.2, 7.3, A.6.3): audience roles, topics, hours, frequency, linked controls and the evaluation of each module's effectiveness (Step 6).",
          register=TRAINING, columns=lambda b: training_plan_columns(b.catalogs),
          rows=lambda b: _by_id(b.assessment.records(TRAINING)), freeze="C2"),
    Sheet(RECORDS_SHEET, "Training records: per person and module the due and completion dates, result, evidence and state on the export date (Done, Due, Overdue), with the person's name, role and team; below the table, completion by module and by team and the people register with their counts (Step 6).",
          register=ASSIGNMENTS, columns=lambda b: training_record_columns(b.ref_ids(ASSIGNMENTS)),
          rows=lambda b: training_record_rows(b.assessment, b.catalogs, b.today),
          below=training_summary),
    Sheet(AUDITS_SHEET, 'Internal audit programme (9.2): scope (AI systems, controls, clauses), criteria, lead auditor and team, planned dates, status, the independence check, checklist progress and open findings (Step 7).',
          register=AUDITS, columns=lambda b: audit_columns(b.ref_ids(AUDITS)),
          rows=lambda b: audit_rows(b.assessment, b.catalogs), freeze="C2"),
    Sheet(CHECKLIST_SHEET, 'Audit checklist: per control or clause the audit question, evidence expected, result, objective evidence seen, notes and the findings raised (Step 7).',
          register=CHECKLIST, columns=lambda b: checklist_columns(b.ref_ids(CHECKLIST)),
          rows=lambda b: checklist_rows(b.assessment)),
    Sheet(FINDINGS_SHEET, 'Nonconformities and corrective actions (10.2): grade, requirement, statement, objective evidence, correction, root cause, corrective action, owner, due date, status, effectiveness check, closure, and actions overdue on the export date (Step 7).',
          register=FINDINGS, columns=lambda b: finding_columns(b.ref_ids(FINDINGS)),
          rows=lambda b: _by_id(programme.finding_rows(b.assessment, b.today)),
          layout=Layout(core=13)),
    Sheet(SURVEILLANCE_SHEET, 'Certification-body surveillance and recertification audits from the certificate dates (Step 1), with the planned internal audits, in date order (Step 7).',
          columns=lambda b: SURVEILLANCE_COLUMNS,
          rows=lambda b: programme.surveillance_plan(b.assessment, b.today), freeze="A2"),
)
PROGRAMME_SHEETS = tuple((s.name, s.about) for s in SHEETS)
