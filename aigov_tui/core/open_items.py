"""What needs attention on a given day, beside validation problems: overdue actions, evidence
and certificates that run out, SoA gaps, surveillance audits overdue.

Validation says what is wrong with the records; these are true records of work still open.
``aigov validate`` prints both, and the demo leaves a few of each on purpose.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import programme
from .model import Assessment, natural_key
from .registers import ASSIGNMENTS, EVIDENCE, FINDINGS, RISKS

EXPIRY_WARNING_DAYS = 30
"""Evidence that runs out within this many days is listed."""
CERTIFICATE_WARNING_DAYS = 90
"""The ISMS certificate is listed this many days before it expires (time to recertify)."""


UNDECIDED_SHOWN = 8
"""Undecided controls are listed on one line, naming at most this many."""


@dataclass(frozen=True)
class OpenItem:
    kind: str
    ref: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}: {self.message}"


def _date(value: Any) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def open_items(assessment: Assessment, catalogs: Any, today: _dt.date,
               evidence_base: Path | None = None) -> list[OpenItem]:
    """Every open item on ``today``; evidence files are checked when ``evidence_base`` is given."""
    out: list[OpenItem] = []
    expiry = _date(assessment.profile.get("certificate_expiry"))
    if expiry is not None and assessment.profile.get("certification_status") == "Certified":
        left = (expiry - today).days
        if left < 0:
            out.append(OpenItem("Certificate", "ISMS", f"the ISO/IEC 27001 certificate expired on {expiry}."))
        elif left <= CERTIFICATE_WARNING_DAYS:
            out.append(OpenItem("Certificate", "ISMS", f"the ISO/IEC 27001 certificate expires on {expiry} "
                                                       f"(in {_days(left)})."))
    for event in programme.surveillance_plan(assessment, today):
        if event.get("state") == "Overdue":
            out.append(OpenItem("Audit", event["date"], f"{event['event']} was due and is not recorded "
                                                        "as done (Step 1, last certification-body audit)."))
    for f in sorted(assessment.records(FINDINGS), key=lambda r: natural_key(str(r.get("id")))):
        if programme.finding_overdue(f, today):
            out.append(OpenItem("Overdue action", str(f["id"]),
                                f"{f.get('grade')} on {f.get('requirement')} was due on {f.get('due')} "
                                f"({f.get('status')}; owner {f.get('owner') or 'not named'})."))
    for r in sorted(assessment.records(RISKS), key=lambda r: natural_key(str(r.get("id")))):
        due = _date(r.get("due_date"))
        if due and due < today and r.get("treatment_status") != "Done" and r.get("treatment") in ("Modify", "Share", "Avoid"):
            out.append(OpenItem("Overdue action", str(r["id"]),
                                f"the risk treatment was due on {due} ({r.get('treatment_status') or 'no status'})."))
    late = [a for a in assessment.records(ASSIGNMENTS) if programme.assignment_state(a, today) == "Overdue"]
    for a in sorted(late, key=lambda r: natural_key(str(r.get("id")))):
        out.append(OpenItem("Overdue training", str(a["id"]),
                            f"{a.get('person')} has not completed {a.get('module')}, due on {a.get('due')}."))
    from .soa import evidence_flags, gaps

    flags = evidence_flags(assessment, today, evidence_base, check_files=evidence_base is not None)
    for ev in sorted(assessment.records(EVIDENCE), key=lambda r: natural_key(str(r.get("id")))):
        eid = str(ev.get("id"))
        until = _date(ev.get("valid_until"))
        wrong = list(flags.get(eid, []))
        if until and today <= until and (until - today).days <= EXPIRY_WARNING_DAYS:
            wrong.append(f"expires on {until} (in {_days((until - today).days)})")
        if wrong:
            out.append(OpenItem("Evidence", eid, f"{ev.get('title')}: {'; '.join(wrong)}."))
    if catalogs is not None:
        found = gaps(assessment, catalogs, today)
        out += [OpenItem("SoA gap", g.ref, g.message) for g in found if g.kind != "Undecided"]
        undecided = [g.ref for g in found if g.kind == "Undecided"]
        if undecided:  # one line: a new assessment has every control undecided
            shown = ", ".join(undecided[:UNDECIDED_SHOWN]) + (", …" if len(undecided) > UNDECIDED_SHOWN else "")
            out.append(OpenItem("SoA gap", "Undecided",
                                f"{len(undecided)} control{'s have' if len(undecided) != 1 else ' has'} "
                                f"no applicability decision yet: {shown}."))
    return out
