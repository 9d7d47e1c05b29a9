"""Assessments of a chosen size, built through the core functions: for the benchmark and tests.

A real client brings its whole ISMS register: thousands of risks, assets and evidence items.
:func:`build_scaled` fills every register with valid, cross-referenced records at a multiple
of a reference size (1× = 50 AI systems, 2,000 assets, 5,000 risks, 2,000 evidence items, 300
documents, 200 audits with about 830 checklist items and 300 findings), so the figures the
benchmark prints mean the same thing from run to run.
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Any

from . import soa
from .demo import DEMO_PROFILE, DEMO_SYSTEMS, build_scope_demo
from .model import Assessment, Context, add_record, update_profile
from .registers import (
    AI_SYSTEMS, ASSETS, ASSIGNMENTS, AUDITS, CHECKLIST, DOCUMENTS, EVIDENCE, FINDINGS, PEOPLE,
    RISKS, TRAINING,
)
from .schema import Field, Kind, Register

REFERENCE_SIZE = {
    "ai_systems": 50, "assets": 2000, "risks": 5000, "evidence": 2000, "documents": 300,
    "training": 20, "people": 200, "assignments": 400, "audits": 200, "checklist": 830,
    "findings": 300,
}


def _value(f: Field, i: int, rnd: random.Random, ids: dict[str, list[str]], ctx: Context,
           today: _dt.date) -> Any:
    if f.kind is Kind.CHOICE:
        return f.choices[i % len(f.choices)] if f.choices else None
    if f.kind is Kind.MULTICHOICE:
        return sorted({*f.always, f.choices[i % len(f.choices)]}) if f.choices else list(f.always)
    if f.kind is Kind.DATE:
        return (today - _dt.timedelta(days=rnd.randint(0, 300))).isoformat()
    if f.kind is Kind.INTEGER:
        lo = f.minimum if f.minimum is not None else 0
        hi = f.maximum if f.maximum is not None else lo + 10
        return rnd.randint(lo, hi)
    if f.kind is Kind.SCALE:
        return rnd.randint(1, len(ctx.method.get(f.scale) or [1, 2, 3]))
    if f.kind in (Kind.REF, Kind.REFS):
        pool = ids.get(f.ref) or []
        if not pool:
            return [] if f.kind is Kind.REFS else None
        if f.kind is Kind.REF:
            return pool[i % len(pool)]
        return sorted(set(rnd.sample(pool, min(len(pool), rnd.randint(1, 3)))))
    text = f"{f.label} {i + 1}"
    if f.kind is Kind.LONGTEXT:
        text = f"{f.label} of record {i + 1}: " + " ".join(rnd.choice(_WORDS) for _ in range(18))
    return text[: f.limit]


_WORDS = ("model", "data", "pipeline", "prompt", "vendor", "access", "drift", "poisoning",
          "review", "monitoring", "endpoint", "retention", "bias", "evaluation", "logging")


def _fill(assessment: Assessment, register: Register, count: int, catalogs: Any,
          rnd: random.Random, ids: dict[str, list[str]], today: _dt.date,
          fixed: dict[str, Any] | None = None) -> list[str]:
    ctx = Context(assessment, catalogs)
    out = []
    for i in range(count):
        values = {f.key: _value(f, i, rnd, ids, ctx, today)
                  for f in register.input_fields if not f.derived}
        values.update(fixed or {})
        fix = _FIXES.get(register.name)
        if fix:
            fix(values, i, rnd, ids)
        out.append(add_record(assessment, register, values, catalogs, strict=False, ctx=ctx)["id"])
    ids[register.name] = out
    return out


def _fix_risk(values: dict[str, Any], i: int, rnd: random.Random, ids: dict[str, list[str]]) -> None:
    values["treatment"] = "Modify"
    values["planned_42001"] = []
    values["residual_likelihood"] = max(1, values["inherent_likelihood"] - 1)
    values["residual_impact"] = values["inherent_impact"]
    values["accepted_by"] = "CISO"
    values["accepted_on"] = values.get("accepted_on") or "2026-01-15"


def _fix_checklist(values: dict[str, Any], i: int, rnd: random.Random, ids: dict[str, list[str]]) -> None:
    values["control"] = rnd.choice(("A.5.1", "A.8.24", "6.1.2", "A.5.19"))


def _fix_audit(values: dict[str, Any], i: int, rnd: random.Random, ids: dict[str, list[str]]) -> None:
    values["lead"] = f"Auditor {i % 7}"
    values["team"] = ""
    values["status"] = "Planned"


def _fix_finding(values: dict[str, Any], i: int, rnd: random.Random, ids: dict[str, list[str]]) -> None:
    values["status"] = "Open"


_FIXES = {"risks": _fix_risk, "checklist": _fix_checklist, "audits": _fix_audit,
          "findings": _fix_finding}


def build_scaled(scale: float, catalogs: Any, *, seed: int = 7,
                 today: _dt.date | None = None) -> Assessment:
    """An assessment at ``scale`` × :data:`REFERENCE_SIZE`, every register filled."""
    today = today or _dt.date.today()
    rnd = random.Random(seed)
    a = Assessment.new(DEMO_PROFILE["organisation"])
    update_profile(a, build_scope_demo(today).profile)
    n = {k: max(1, round(v * scale)) for k, v in REFERENCE_SIZE.items()}
    ids: dict[str, list[str]] = {}
    ctx = Context(a, catalogs)
    systems = []
    for i in range(n["ai_systems"]):
        s = dict(DEMO_SYSTEMS[i % len(DEMO_SYSTEMS)], name=f"AI system {i + 1}")
        systems.append(add_record(a, AI_SYSTEMS, s, catalogs, ctx=ctx)["id"])
    ids["ai_systems"] = systems
    ids["threats"] = sorted(catalogs.threats)
    ids["iso27001"] = sorted(catalogs.iso27001)
    ids["iso42001"] = sorted(catalogs.iso42001)
    ids["roles"] = sorted(catalogs.roles)
    for register in (ASSETS, RISKS):
        _fill(a, register, n[register.name], catalogs, rnd, ids, today)
    ids["soa"] = [c["id"] for c in soa.controls_in_scope(a, catalogs)]
    for register in (EVIDENCE, DOCUMENTS, TRAINING, PEOPLE, ASSIGNMENTS, AUDITS, CHECKLIST, FINDINGS):
        _fill(a, register, n[register.name], catalogs, rnd, ids, today)
    keys = ids["soa"]
    for i, key in enumerate(keys):
        soa.update_row(a, catalogs, key, {
            "applicable": "Yes" if i % 9 else "No",
            "justification_exclusion": "" if i % 9 else "No such activity in scope.",
            "justification_inclusion": "Selected to treat AI risks." if i % 9 else "",
            "status": ("Not implemented" if i % 9 == 0 else "Implemented" if i % 3 == 0 else "Planned"),
            "owner": f"Owner {i % 11}",
            "evidence_refs": ids["evidence"][i % len(ids["evidence"]):][:1] if i % 3 == 0 else [],
        })
    return a
