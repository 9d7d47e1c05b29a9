"""The seven wizard steps of the brief's implementation approach, and their completion."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from enum import Enum

from typing import TYPE_CHECKING

from .model import Assessment
from .registers import AI_SYSTEMS, ASSETS, EVIDENCE, PROFILE, RISKS

if TYPE_CHECKING:
    from .index import ProblemIndex


class Status(str, Enum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    COMPLETE = "complete"


@dataclass(frozen=True)
class Step:
    number: int
    short: str
    title: str
    purpose: str


STEPS: tuple[Step, ...] = (
    Step(1, "Scope", "ISMS scope and how AI systems fit",
         "Review the current ISMS scope, record the organisation's AI systems and decide which "
         "of them the ISMS covers."),
    Step(2, "Assets", "AI assets",
         "Identify the AI-specific assets: models, training and evaluation data, pipelines, "
         "inference endpoints, prompts, vector stores and agent tools."),
    Step(3, "Risks", "AI risk assessment",
         "Assess AI risks with the ISMS's own risk method, so they sit beside every other "
         "information-security risk."),
    Step(4, "Controls", "Extend controls and the Statement of Applicability",
         "Extend Annex A controls to AI, add AI controls from ISO/IEC 42001, and record the "
         "Statement of Applicability with its evidence."),
    Step(5, "Docs", "Documentation updates",
         "Update the ISMS documents (policies, procedures, records) so they cover AI systems."),
    Step(6, "Training", "Training on AI threats",
         "Train security staff on AI-specific threats and controls, and evaluate that the "
         "training worked."),
    Step(7, "Audit", "Internal audit and surveillance",
         "Bring AI systems into the internal audit programme and the certification body's "
         "surveillance cycle."),
)


def step(number: int) -> Step:
    return STEPS[number - 1]


def step_status(assessment: Assessment, number: int, catalogs: object = None,
                today: "_dt.date | None" = None, index: "ProblemIndex | None" = None) -> Status:
    """Complete when the step's registers have no problems and its own rule holds.

    ``index`` (kept by the app across edits) answers "does this register have problems?"
    without checking every record again; without one, a fresh index checks them all.
    """
    if index is None:
        from .index import ProblemIndex

        index = ProblemIndex(assessment, catalogs)
    if number == 1:
        systems = assessment.records(AI_SYSTEMS)
        profile_ok = not PROFILE.validate(assessment.profile)
        systems_ok = bool(systems) and not any(AI_SYSTEMS.validate(r) for r in systems)
        addendum = bool(str(assessment.scope.get("addendum") or "").strip())
        if profile_ok and systems_ok and addendum:
            return Status.COMPLETE
        started = systems or addendum or any(
            assessment.profile.get(k) for k in ("sector", "isms_scope", "certification_status"))
        return Status.IN_PROGRESS if started else Status.NOT_STARTED
    if number == 2:
        assets = assessment.records(ASSETS)
        if not assets:
            return Status.NOT_STARTED
        covered = {s for a in assets for s in (a.get("ai_systems") if isinstance(a.get("ai_systems"), list) else [])}
        in_scope = [s["id"] for s in assessment.records(AI_SYSTEMS) if s.get("in_scope") in ("Yes", "Partial")]
        ok = not index.has_problems(ASSETS.name)
        return Status.COMPLETE if ok and all(s in covered for s in in_scope) else Status.IN_PROGRESS
    if number == 3:
        risks = assessment.records(RISKS)
        if not risks:
            return Status.NOT_STARTED
        return Status.IN_PROGRESS if index.has_problems(RISKS.name) else Status.COMPLETE
    if number == 4:
        from .soa import gaps  # needs the catalogs

        started = any(assessment.records(n) for n in ("soa", "custom_controls", "evidence", "clauses"))
        if catalogs is None:
            return Status.IN_PROGRESS if started else Status.NOT_STARTED
        evidence_ok = not index.has_problems(EVIDENCE.name)
        if evidence_ok and not gaps(assessment, catalogs):
            return Status.COMPLETE
        return Status.IN_PROGRESS if started or assessment.records(RISKS) else Status.NOT_STARTED
    if number in (5, 6, 7):
        return _programme_status(assessment, number, catalogs, today, index)
    return Status.NOT_STARTED  # pragma: no cover


def _programme_status(assessment: Assessment, number: int, catalogs: object,
                      today: "_dt.date | None", index: "ProblemIndex") -> Status:
    from . import programme
    from .registers import ASSIGNMENTS, AUDITS, CHECKLIST, DOCUMENTS, FINDINGS, TRAINING

    names = {5: (DOCUMENTS,), 6: (TRAINING, ASSIGNMENTS), 7: (AUDITS, CHECKLIST, FINDINGS)}[number]
    if not any(assessment.records(r) for r in names):
        return Status.NOT_STARTED
    if any(index.has_problems(r.name) for r in names):
        return Status.IN_PROGRESS
    today = today or _dt.date.today()
    if number == 5:
        done = all(d.get("status") in ("Approved", "Published")
                   and _checklist_done(programme.checklist_progress(d.get("ai_changes")))
                   for d in assessment.records(DOCUMENTS))
    elif number == 6:
        modules = assessment.records(TRAINING)
        done = (bool(assessment.records(ASSIGNMENTS))
                and all(m.get("evaluation_result") for m in modules)
                and not any(programme.assignment_state(a, today) == "Overdue"
                            for a in assessment.records(ASSIGNMENTS)))
    else:
        done = (any(a.get("status") == "Closed" for a in assessment.records(AUDITS))
                and all(f.get("status") == "Closed" for f in assessment.records(FINDINGS)))
    return Status.COMPLETE if done else Status.IN_PROGRESS


def _checklist_done(progress: tuple[int, int]) -> bool:
    return progress[0] == progress[1]


def all_statuses(assessment: Assessment, catalogs: object = None, today: "_dt.date | None" = None,
                 index: "ProblemIndex | None" = None) -> tuple[Status, ...]:
    """Every step's status, sharing one problem index."""
    if index is None:
        from .index import ProblemIndex

        index = ProblemIndex(assessment, catalogs)
    return tuple(step_status(assessment, s.number, catalogs, today, index) for s in STEPS)
