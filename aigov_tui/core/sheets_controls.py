"""Step 4: the Statement of Applicability, the mandatory clauses, the control mapping, the
evidence register and the gaps an auditor would query."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from . import soa
from .model import Assessment
from .registers import CLAUSES, EVIDENCE, SOA, SOA_APPLICABLE, SOA_STATUS
from .sheets import (FULL, SOA_ONLY, Build, Layout, Sheet, declared_columns, derived_column,
                     field_highlights, register_columns, register_rows)
from .xlsx import Column, Highlight

SOA_SHEET = SOA.sheet
CLAUSES_SHEET = CLAUSES.sheet
MAPPING_SHEET = "Control Mapping"
EVIDENCE_SHEET = EVIDENCE.sheet
GAPS_SHEET = "Gaps"

FRAMEWORK_NAMES = {short: full for full, short in soa.SHORT.items()}
"""The SoA's short framework codes ('27001', '42001', 'Custom') -> the names an auditor reads."""

APPLICABLE_HIGHLIGHTS = field_highlights(SOA.field("applicable"))
STATUS_HIGHLIGHTS = field_highlights(SOA.field("status"))
CLAUSE_HIGHLIGHTS = field_highlights(CLAUSES.field("status"))
FLAG_HIGHLIGHTS = (Highlight("orange", not_blank=True),)


def soa_columns() -> list[Column]:
    """The SoA sheet's columns from the SOA declaration: the framework written out in full on
    every row, drop-downs and (declared) colours on applicability and implementation status."""
    return declared_columns(SOA, tweaks={
        "framework": {"width": 20, "get": lambda r: FRAMEWORK_NAMES.get(
            str(r.get("framework") or ""), r.get("framework"))},
        "ai_relevance": {"get": lambda r: str(r.get("ai_relevance") or "").capitalize()},
        "applicable": {"prompt": "Yes: the control is needed (give the justification for "
                                 "inclusion). No: excluded (give the justification for "
                                 "exclusion). Undecided: not decided yet."},
    })


def clause_columns() -> list[Column]:
    return declared_columns(CLAUSES)


MAPPING_COLUMNS = [
    Column("AI control (ISO 42001 or custom)", lambda r: r["control"], 16),
    Column("AI control title", lambda r: r["control_title"], 32),
    Column("Relationship", lambda r: r["relationship"], 14),
    Column("ISO 27001 control or clause", lambda r: r["target"], 14),
    Column("ISO 27001 title", lambda r: r["target_title"], 32),
    Column("Rationale", lambda r: r["rationale"], 60),
    Column("ISO 27001 applicable (SoA)", lambda r: r["target_applicable"], 14,
           highlights=APPLICABLE_HIGHLIGHTS),
    Column("ISO 27001 status (SoA or clause)", lambda r: r["target_status"], 20,
           highlights=STATUS_HIGHLIGHTS + CLAUSE_HIGHLIGHTS),
    Column("AI control in this SoA", lambda r: r["own_state"], 24),
]
RELATIONSHIPS = {"equivalent": "Equivalent", "partial": "Partial", "supports": "Supports",
                 "none": "None"}


def mapping_rows(assessment: Assessment, catalogs: Any,
                 rows: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One row per mapping pair of every ISO 42001 control (in scope or not), then of every
    custom AI control, with the current SoA state of the ISO 27001 side. A 42001 control with
    no ISO 27001 counterpart gets one row saying it is a new AI control, and why."""
    by_id = {r["id"]: r for r in (rows if rows is not None else soa.soa_rows(assessment, catalogs))}
    clauses = {c["id"]: c for c in soa.clause_rows(assessment, catalogs)}
    mappings = {m["control"]: m for m in catalogs.mappings}

    def own_state(key: str) -> str:
        r = by_id.get(key)
        if r is None:
            return f"Not in scope ({soa.FW_42001} is not among the frameworks)"
        return f"Applicable: {r['applicable']}" + (f"; {r['status']}" if r.get("status") else "")

    def target(tid: str) -> dict[str, Any]:
        if tid in by_id:
            r = by_id[tid]
            return {"target": tid, "target_title": r.get("title", ""),
                    "target_applicable": r.get("applicable"), "target_status": r.get("status")}
        if tid in clauses:
            c = clauses[tid]
            return {"target": tid, "target_title": f"Clause {tid}: {c.get('title', '')}",
                    "target_applicable": "Mandatory clause", "target_status": c.get("status")}
        title = (catalogs.iso27001.get(tid) or catalogs.clauses.get(tid) or {}).get("title", "")
        return {"target": tid, "target_title": title, "target_applicable": "",
                "target_status": ""}

    out: list[dict[str, Any]] = []
    for cid, c in catalogs.iso42001.items():
        key = soa.key_42001(cid)
        base = {"control": key, "control_title": c.get("title", ""), "own_state": own_state(key)}
        m = mappings.get(cid) or {}
        for t in m.get("maps_to") or []:
            rel = str(t.get("relationship") or "")
            out.append({**base, "relationship": RELATIONSHIPS.get(rel, rel),
                        "rationale": " ".join(str(t.get("rationale") or "").split()),
                        **target(str(t.get("id")))})
        if "none" in m or not m.get("maps_to"):
            reason = " ".join(str(m.get("none") or "").split()) or "No mapping in the catalog."
            out.append({**base, "relationship": RELATIONSHIPS["none"], "target": "—",
                        "target_title": "No ISO 27001 counterpart",
                        "rationale": f"New AI control: {reason}",
                        "target_applicable": "", "target_status": ""})
    for key, r in by_id.items():
        if soa.framework_of(key) != soa.FW_CUSTOM:
            continue
        custom = assessment.find(soa.CUSTOM_CONTROLS, key) or {}
        base = {"control": key, "control_title": r.get("title", ""), "own_state": own_state(key)}
        mapped = list(custom.get("mapped_27001") or [])
        for tid in mapped:
            source = f" (source: {custom['source']})" if custom.get("source") else ""
            out.append({**base, "relationship": "Builds on",
                        "rationale": f"Custom AI control{source}: "
                                     f"{' '.join(str(custom.get('objective') or '').split())}",
                        **target(str(tid))})
        if not mapped:
            out.append({**base, "relationship": RELATIONSHIPS["none"], "target": "—",
                        "target_title": "No ISO 27001 counterpart",
                        "rationale": "New AI control: "
                                     f"{' '.join(str(custom.get('objective') or '').split())}",
                        "target_applicable": "", "target_status": ""})
    return out


def evidence_columns() -> list[Column]:
    return register_columns(EVIDENCE) + [
        derived_column("Flags", "_flags", 30, highlights=FLAG_HIGHLIGHTS)]


def evidence_rows(assessment: Assessment, today: _dt.date,
                  base: Path | None = None) -> list[dict[str, Any]]:
    """The evidence register with what is wrong with each item: expired, file missing or
    changed since its hash was recorded (relative paths are resolved against ``base``)."""
    flags = soa.evidence_flags(assessment, today, base=base)
    return [{**r, "_flags": flags.get(str(r.get("id")), [])}
            for r in register_rows(assessment, EVIDENCE)]


GAP_COLUMNS = [
    Column("Gap type", lambda g: g.kind, 30),
    Column("Reference", lambda g: g.ref, 16),
    Column("What to fix", lambda g: g.message, 90),
]


def soa_summary(rows: list[dict[str, Any]], gaps: list[Any]) -> list[tuple[str, str]]:
    """What the Cover says about the SoA: what it covers, decisions and gaps, in counts."""
    per_fw = {fw: sum(1 for r in rows if r.get("framework") == short)
              for short, fw in FRAMEWORK_NAMES.items()}
    covered = [f"{per_fw[soa.FW_27001]} {soa.FW_27001} Annex A"]
    if per_fw[soa.FW_42001]:
        covered.append(f"{per_fw[soa.FW_42001]} {soa.FW_42001} Annex A")
    covered.append(f"{per_fw[soa.FW_CUSTOM]} custom AI")
    decided = {v: sum(1 for r in rows if r.get("applicable") == v) for v in SOA_APPLICABLE}
    statuses = [f"{sum(1 for r in rows if r.get('status') == s)} {s.lower()}"
                for s in reversed(SOA_STATUS)]
    unset = sum(1 for r in rows if r.get("status") not in SOA_STATUS)
    if unset:
        statuses.append(f"{unset} without a status")
    return [
        ("Controls in the SoA", f"{len(rows)}: " + ", ".join(covered)),
        ("Applicability", f"{decided.get('Yes', 0)} applicable, {decided.get('No', 0)} excluded, "
                          f"{decided.get('Undecided', 0)} undecided"),
        ("Implementation", ", ".join(statuses)),
        ("Open gaps", f"{len(gaps)} (see {GAPS_SHEET})"),
    ]


def soa_rows(build: Build) -> list[dict[str, Any]]:
    return build.once("soa_rows", lambda: soa.soa_rows(build.assessment, build.catalogs))


def gap_rows(build: Build) -> list[Any]:
    return build.once("gaps", lambda: soa.gaps(build.assessment, build.catalogs, build.today))


BOTH = (FULL, SOA_ONLY)
SHEETS = (
    Sheet(SOA_SHEET, 'Statement of Applicability (6.1.3 d): one row per ISO/IEC 27001:2022 Annex A control, per ISO/IEC 42001:2023 Annex A control when that standard is in scope, and per custom AI control, with the framework named on every row; applicability, reasons and separate justifications for inclusion and exclusion, implementation status, how each control is implemented and extended to AI, owner, target date, policies, evidence and the risks that rely on it (Step 4).',
          register=SOA, columns=lambda b: soa_columns(), rows=soa_rows, freeze="D2",
          layout=Layout(core=10), workbooks=BOTH),
    Sheet(CLAUSES_SHEET, 'ISO/IEC 27001 clauses 4 to 10 (mandatory, never excluded): status, what changes for AI, documents and evidence, owner (Step 4).',
          register=CLAUSES, columns=lambda b: clause_columns(),
          rows=lambda b: soa.clause_rows(b.assessment, b.catalogs), freeze="C2", workbooks=BOTH),
    Sheet(MAPPING_SHEET, 'Each ISO/IEC 42001 Annex A control (in scope or not) and each custom AI control against the ISO/IEC 27001 controls and clauses it builds on: relationship, rationale and the current SoA state; controls with no counterpart are marked as new AI controls with the reason (Step 4).',
          columns=lambda b: MAPPING_COLUMNS,
          rows=lambda b: mapping_rows(b.assessment, b.catalogs, soa_rows(b)), freeze="C2",
          workbooks=BOTH),
    Sheet(EVIDENCE_SHEET, 'Evidence register: type, location, SHA-256 and size of local files, collection and validity dates, linked controls and risks, and flags for expired evidence and missing or changed files (Step 4).',
          register=EVIDENCE, columns=lambda b: evidence_columns(),
          rows=lambda b: evidence_rows(b.assessment, b.today, b.evidence_base), freeze="C2",
          layout=Layout(core=6)),
    Sheet(GAPS_SHEET, 'What an auditor would query: controls without a decision or a justification, implemented controls without evidence, risks without a control, and controls excluded while a risk relies on them (Step 4).',
          columns=lambda b: GAP_COLUMNS, rows=gap_rows, freeze="A2", workbooks=BOTH),
)
STEP4_SHEETS = tuple((s.name, s.about) for s in SHEETS)
