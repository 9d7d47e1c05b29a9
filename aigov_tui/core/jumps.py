"""Lists whose entries lead to the record they name: the problem list (f8) and the gap list.

Each entry says what is wrong in one line and where to go: the register and record ID,
and the wizard step that shows that register. Plain Python; the TUI does the going.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from .model import Assessment, validate_assessment
from .registers import KEYED_REGISTERS, PROFILE, REGISTERS, RISKS, SOA

REGISTER_STEP: dict[str, int] = {
    "profile": 1, "ai_systems": 1, "assets": 2, "risks": 3, "risk_method": 3,
    "soa": 4, "custom_controls": 4, "clauses": 4, "evidence": 4, "documents": 5,
    "training": 6, "people": 6, "assignments": 6, "audits": 7, "checklist": 7, "findings": 7,
}
"""Which step shows a register (or the profile, or the risk method)."""

_BY_TITLE = {r.title: r.name for r in (*REGISTERS.values(), *KEYED_REGISTERS.values(), PROFILE)}
_BY_TITLE["Risk method"] = "risk_method"


@dataclass(frozen=True)
class Jump:
    text: str
    register: str
    """Register name (``risks``, ``soa`` …), ``profile`` or ``risk_method``; '' when nowhere."""
    record_id: str

    @property
    def step(self) -> int:
        return REGISTER_STEP.get(self.register, 0)


def gap_entries(assessment: Assessment, catalogs: Any, today: _dt.date | None = None) -> list[Jump]:
    """The SoA gap list, each entry leading to its SoA row (or to the risk that names no control)."""
    from . import soa

    out = []
    for g in soa.gaps(assessment, catalogs, today):
        register = RISKS.name if g.kind == soa.GAP_KINDS[3] else SOA.name
        out.append(Jump(f"{g.kind}: {g.message}", register, g.ref))
    return out


def problem_entries(assessment: Assessment, catalogs: Any = None,
                    today: _dt.date | None = None) -> list[Jump]:
    """Every validation problem, then (with the catalogs) every SoA gap."""
    out = [Jump(str(p), _BY_TITLE.get(p.register, ""), p.record_id)
           for p in validate_assessment(assessment, catalogs)]
    if catalogs is not None:
        out += [Jump(f"SoA gap · {j.text}", j.register, j.record_id)
                for j in gap_entries(assessment, catalogs, today)]
    return out
