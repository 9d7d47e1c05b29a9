"""Step 4: the Statement of Applicability, custom AI controls, mandatory clauses and evidence.

The SoA has one row per ISO 27001 Annex A control, per ISO 42001 Annex A control when ISO
42001 is in scope, and per custom AI control. What the user decides is stored per control
key (``A.5.15``, ``42001:A.6.2.4``, ``AIC-001``); what follows from other records is derived
each time, never typed twice:

* a control named as a planned control by a risk is applicable, with "Risk treatment" among
  its reasons and those risk IDs shown (unless the user recorded "No", which is then a gap);
* the catalog's AI guidance prefills "how it is extended to AI".
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from . import safefile

from .model import Assessment, Context, RecordError, check_context, memo, natural_key, record_problems, touch
from .registers import CLAUSES, CUSTOM_CONTROLS, EVIDENCE, RISKS, SOA
from .schema import Problem
from .controls import (FW_27001, FW_42001, FW_CUSTOM, PREFIX_42001, SHORT,  # noqa: F401
                       entry_27001 as _entry_27001, entry_42001 as _entry_42001,
                       entry_custom as _entry_custom, framework_of, includes_42001, key_42001)
from . import model as _model


def controls_in_scope(assessment: Assessment, catalogs: Any) -> list[dict[str, Any]]:
    """Every control the SoA covers, in the order an auditor reads them."""
    return [dict(c) for c in _controls_in_scope(assessment, catalogs)]


def _controls_in_scope(assessment: Assessment, catalogs: Any) -> list[dict[str, Any]]:
    """Memoised; callers must not modify the rows."""
    return _model.scope_controls(assessment, catalogs)


def control_entry(assessment: Assessment, catalogs: Any, key: str) -> dict[str, Any] | None:
    """The one control ``key`` names, if the SoA covers it (without listing them all)."""
    framework = framework_of(key)
    if framework == FW_27001:
        c = catalogs.iso27001.get(key)
        return _entry_27001(key, c) if c is not None else None
    if framework == FW_42001:
        c = catalogs.iso42001.get(key[len(PREFIX_42001):])
        return _entry_42001(catalogs, key[len(PREFIX_42001):], c) if c is not None and includes_42001(assessment) else None
    custom = assessment.find(CUSTOM_CONTROLS, key)
    return _entry_custom(custom) if custom is not None else None


def risk_links(assessment: Assessment) -> dict[str, list[str]]:
    """SoA key -> the risks naming it as a planned control."""
    return {k: list(v) for k, v in _risk_links(assessment).items()}


def _risk_links(assessment: Assessment) -> dict[str, list[str]]:
    """SoA key -> sorted risk IDs, kept up to date risk by risk; callers must not modify it."""
    log = assessment.changes
    state = log.memo.get("risk_links")
    if state is not None:
        rev, per_risk, links, count = state
        changes = log.since(rev)
        risks = None if changes is None else changes.get(RISKS.name, set())
        # a risk list whose length changed without the log saying so was edited directly
        if risks is not None and (risks or count == len(assessment.records(RISKS))):
            if risks:
                index = assessment.by_id(RISKS.name)
                dirty: set[str] = set()
                for rid in risks:
                    old = per_risk.pop(rid, ())
                    record = index.get(rid)
                    new = _planned_keys(record) if record is not None else ()
                    if new:
                        per_risk[rid] = new
                    for key in set(old) ^ set(new):
                        dirty.add(key)
                        members = set(links.get(key, ()))
                        if key in new:
                            members.add(rid)
                        else:
                            members.discard(rid)
                        if members:
                            links[key] = sorted(members, key=natural_key)
                        else:
                            links.pop(key, None)
            log.memo["risk_links"] = (log.rev, per_risk, links, len(assessment.records(RISKS)))
            return links
    per_risk = {}
    for r in assessment.records(RISKS):
        keys = _planned_keys(r)
        if keys:
            per_risk[str(r.get("id"))] = keys
    links = _build_links(per_risk)
    log.memo["risk_links"] = (log.rev, per_risk, links, len(assessment.records(RISKS)))
    return links


def _planned_keys(record: dict[str, Any]) -> tuple[str, ...]:
    keys = [str(k) for k in _as_list(record.get("planned_27001"))]
    keys += [key_42001(str(c)) for c in _as_list(record.get("planned_42001"))]
    return tuple(dict.fromkeys(keys))


def _build_links(per_risk: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    links: dict[str, set[str]] = {}
    for rid, keys in per_risk.items():
        for key in keys:
            links.setdefault(key, set()).add(rid)
    return {k: sorted(v, key=natural_key) for k, v in links.items()}


def evidence_links(assessment: Assessment) -> dict[str, list[str]]:
    """SoA key -> the evidence items whose Controls field names it (built once per call)."""
    links: dict[str, list[str]] = {}
    for ev in assessment.records(EVIDENCE):
        for key in ev.get("controls") or []:
            links.setdefault(str(key), []).append(str(ev.get("id")))
    return links


def _sync_evidence(assessment: Assessment, key: str, before: list[str], after: list[str]) -> list[str]:
    """A link made or removed from the SoA side is stored on the evidence item's Controls field,
    so the evidence register and the SoA show the same link. Returns IDs not in the register."""
    unknown = []
    for eid in after:
        ev = assessment.find(EVIDENCE, eid)
        if ev is None:
            unknown.append(eid)
        elif key not in (ev.get("controls") or []):
            ev["controls"] = [*(ev.get("controls") or []), key]
            touch(assessment, EVIDENCE.name, eid)
    for eid in before:
        ev = assessment.find(EVIDENCE, eid)
        if eid not in after and ev is not None and key in (ev.get("controls") or []):
            ev["controls"] = [c for c in ev["controls"] if c != key]
            touch(assessment, EVIDENCE.name, eid)
    return unknown


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def stored_row(assessment: Assessment, key: str) -> dict[str, Any] | None:
    return assessment.find(SOA, key)


def soa_rows(assessment: Assessment, catalogs: Any) -> list[dict[str, Any]]:
    """The full SoA: stored decisions merged with what is derived from catalogs and risks."""
    return [dict(r) for r in _soa_rows(assessment, catalogs)]


def _soa_rows(assessment: Assessment, catalogs: Any) -> list[dict[str, Any]]:
    """Memoised until the SoA, a risk, a custom control or the profile changes; read-only."""
    return memo(assessment, ("soa_rows", id(catalogs)),
                (SOA.name, RISKS.name, CUSTOM_CONTROLS.name, EVIDENCE.name, "profile"),
                lambda: _build_rows(assessment, catalogs))


def _build_rows(assessment: Assessment, catalogs: Any) -> list[dict[str, Any]]:
    links = _risk_links(assessment)
    evidence = evidence_links(assessment)
    stored_rows = assessment.by_id(SOA.name)
    rows = []
    for c in _controls_in_scope(assessment, catalogs):
        stored = stored_rows.get(c["id"]) or {}
        row = {f.key: stored.get(f.key, f.empty_value()) for f in SOA.input_fields}
        row.update(id=c["id"], framework=SHORT[c["framework"]], title=c["title"], theme=c["theme"],
                   ai_relevance=c["ai_relevance"], linked_risks=list(links.get(c["id"], [])))
        from_register = evidence.get(c["id"], [])
        if from_register:  # evidence linked from the evidence register counts here too
            own = list(row.get("evidence_refs") or [])
            row["evidence_refs"] = sorted({*own, *from_register}, key=natural_key)
        if not row.get("ai_extension"):
            row["ai_extension"] = " ".join(str(c["guidance"] or "").split())
        linked = row["linked_risks"]
        if linked:
            if row.get("applicable") in (None, "", "Undecided"):
                row["applicable"] = "Yes"
            reasons = list(row.get("reasons") or [])
            if "Risk treatment" not in reasons and row["applicable"] == "Yes":
                row["reasons"] = ["Risk treatment", *reasons]
            if row["applicable"] == "Yes" and not row.get("justification_inclusion"):
                row["justification_inclusion"] = derived_justification(linked)
        elif not row.get("applicable"):
            row["applicable"] = "Undecided"
        rows.append(row)
    return rows


def derived_justification(linked: list[str]) -> str:
    return f"Selected to treat {', '.join(linked)}." if linked else ""


def row(assessment: Assessment, catalogs: Any, key: str) -> dict[str, Any]:
    for r in _soa_rows(assessment, catalogs):
        if r["id"] == key:
            return dict(r)
    raise KeyError(f"{key} is not a control in this Statement of Applicability")


def update_row(assessment: Assessment, catalogs: Any, key: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and store the user's decisions for one control. Raises RecordError."""
    if key not in {c["id"] for c in _controls_in_scope(assessment, catalogs)}:
        raise KeyError(f"{key} is not a control in this Statement of Applicability")
    current = row(assessment, catalogs, key)
    merged = {**current, **{k: v for k, v in values.items() if k != "id"}}
    record, problems = SOA.coerce({**merged, "id": key})
    if record.get("applicable") == "Yes" and not record.get("justification_inclusion"):
        # a risk relying on it justifies it, also when the user turns a "No" back into "Yes"
        record["justification_inclusion"] = derived_justification(current["linked_risks"])
    if not problems:
        problems = SOA.validate(record) + check_context(SOA, record, Context(assessment, catalogs))
    if problems:
        raise RecordError(problems)
    stored = {"id": key, **{f.key: record.get(f.key) for f in SOA.input_fields}}
    existing = stored_row(assessment, key)
    # the evidence link lives on the evidence item (its Controls field): one link, both sides
    if "evidence_refs" in values:
        stored["evidence_refs"] = _sync_evidence(assessment, key, list(current.get("evidence_refs") or []),
                                                 list(record.get("evidence_refs") or []))
    else:
        stored["evidence_refs"] = list((existing or {}).get("evidence_refs") or [])
    # what is derived from risks is shown, not stored: a risk that goes away takes "Risk
    # treatment", the derived "Yes" and the derived justification with it
    stored["reasons"] = [r for r in stored.get("reasons") or [] if r != "Risk treatment"]
    if "applicable" not in values and (existing or {}).get("applicable") in (None, "", "Undecided"):
        stored["applicable"] = (existing or {}).get("applicable")
    if current["linked_risks"] and stored.get("justification_inclusion") == derived_justification(current["linked_risks"]):
        stored["justification_inclusion"] = ""
    if existing is None:
        assessment.records(SOA).append(stored)
    else:
        existing.clear()
        existing.update(stored)
    touch(assessment, SOA.name, key, ids=existing is None)
    return row(assessment, catalogs, key)


def bulk_update(assessment: Assessment, catalogs: Any, keys: Iterable[str],
                values: dict[str, Any]) -> tuple[list[str], list[Problem]]:
    """Apply the same decision to several controls (e.g. physical controls not applicable for a
    cloud-only AI estate). Rows that would become invalid are left unchanged and reported."""
    done, problems = [], []
    for key in keys:
        try:
            update_row(assessment, catalogs, key, values)
            done.append(key)
        except RecordError as exc:
            problems.extend(exc.problems)
    return done, problems


def bulk_decide(assessment: Assessment, catalogs: Any, keys: Iterable[str], applicable: str = "",
                justification: str = "", status: str = "") -> tuple[list[str], list[Problem]]:
    """One decision for several rows: the justification goes to inclusion for Yes and to
    exclusion for No; blank values leave the rows' own values alone."""
    update: dict[str, Any] = {}
    if applicable:
        update["applicable"] = applicable
        if justification:
            key = "justification_exclusion" if applicable == "No" else "justification_inclusion"
            update[key] = justification
    if status:
        update["status"] = status
    return bulk_update(assessment, catalogs, keys, update)


# --- gaps ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gap:
    kind: str
    ref: str
    message: str


GAP_KINDS = (
    "Applicable without justification",
    "Excluded without justification",
    "Implemented without evidence",
    "Risk without a control",
    "Excluded but relied on by a risk",
    "Undecided",
    "Excluded but implemented",
)


def gaps(assessment: Assessment, catalogs: Any, today: _dt.date | None = None) -> list[Gap]:
    """What an auditor would query, one line each."""
    out: list[Gap] = []
    for r in _soa_rows(assessment, catalogs):
        key = r["id"]
        if r["applicable"] == "Yes" and not r.get("justification_inclusion"):
            out.append(Gap(GAP_KINDS[0], key, f"{key} is applicable but has no justification for inclusion."))
        if r["applicable"] == "No" and not r.get("justification_exclusion"):
            out.append(Gap(GAP_KINDS[1], key, f"{key} is excluded but has no justification for exclusion."))
        if r.get("status") == "Implemented" and not r.get("evidence_refs"):
            out.append(Gap(GAP_KINDS[2], key, f"{key} is marked implemented but no evidence is linked."))
        if r["applicable"] == "No" and r["linked_risks"]:
            out.append(Gap(GAP_KINDS[4], key, f"{key} is marked not applicable, but "
                                              f"{', '.join(r['linked_risks'])} rely on it."))
        if r["applicable"] == "Undecided":
            out.append(Gap(GAP_KINDS[5], key, f"{key} has no applicability decision yet."))
        if r["applicable"] == "No" and r.get("status") not in (None, "", "Not implemented"):
            out.append(Gap(GAP_KINDS[6], key, f"{key} is excluded but its status is {r['status']}."))
    unplanned = [risk for risk in assessment.records(RISKS)
                 if risk.get("treatment") in ("Modify", "Share")
                 and not (risk.get("planned_27001") or risk.get("planned_42001"))]
    for risk in sorted(unplanned, key=lambda x: natural_key(str(x.get("id")))):
        out.append(Gap(GAP_KINDS[3], str(risk.get("id")),
                       f"{risk.get('id')} ({risk.get('treatment')}) names no control."))
    return out


def unlinked(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """Controls that a change left with no risk naming them (to tell the user)."""
    return sorted((k for k in before if k not in after), key=natural_key)


# --- the mapping in context ----------------------------------------------------------------------
def mapping_in_context(assessment: Assessment, catalogs: Any, key: str) -> list[dict[str, str]]:
    """For a 27001 control: the 42001 controls and threats that map to it, with their current
    SoA state. For a 42001 control: the 27001 controls and clauses it builds on."""
    rows = {r["id"]: r for r in soa_rows(assessment, catalogs)}

    def state(k: str) -> str:
        r = rows.get(k)
        if r is None:
            return "not in scope"
        return f"{r['applicable']}" + (f", {r['status']}" if r.get("status") else "")

    out: list[dict[str, str]] = []
    if framework_of(key) == FW_27001:
        for m in catalogs.mappings:
            for t in m.get("maps_to") or []:
                if t["id"] == key:
                    k = key_42001(m["control"])
                    out.append({"ref": k, "title": catalogs.iso42001.get(m["control"], {}).get("title", ""),
                                "relationship": t["relationship"], "note": t["rationale"], "state": state(k)})
        for tid, t in catalogs.threats.items():
            if key in (t.get("controls_27001") or []):
                out.append({"ref": tid, "title": t.get("title", ""), "relationship": "threat",
                            "note": t.get("category", "").replace("_", " "), "state": ""})
    elif framework_of(key) == FW_42001:
        cid = key[len(PREFIX_42001):]
        m = next((m for m in catalogs.mappings if m["control"] == cid), None)
        for t in (m or {}).get("maps_to") or []:
            title = (catalogs.iso27001.get(t["id"]) or catalogs.clauses.get(t["id"]) or {}).get("title", "")
            out.append({"ref": t["id"], "title": title, "relationship": t["relationship"],
                        "note": t["rationale"], "state": state(t["id"]) if t["id"] in rows else "clause"})
        if m is not None and "none" in m:
            out.append({"ref": "—", "title": "No ISO 27001 counterpart", "relationship": "new",
                        "note": " ".join(str(m["none"]).split()), "state": ""})
    else:
        custom = assessment.find(CUSTOM_CONTROLS, key) or {}
        for cid in custom.get("mapped_27001") or []:
            out.append({"ref": cid, "title": catalogs.iso27001.get(cid, {}).get("title", ""),
                        "relationship": "builds on", "note": "", "state": state(cid)})
    return out


# --- mandatory clauses ---------------------------------------------------------------------------
def clause_rows(assessment: Assessment, catalogs: Any) -> list[dict[str, Any]]:
    rows = []
    for cid, c in catalogs.clauses.items():
        stored = assessment.find(CLAUSES, cid) or {}
        r = {f.key: stored.get(f.key, f.empty_value()) for f in CLAUSES.input_fields}
        r.update(id=cid, title=c.get("title", ""))
        if not r.get("ai_update"):
            r["ai_update"] = " ".join(str(c.get("ai_note") or "").split())
        if not r.get("status"):
            r["status"] = "Not addressed"
        rows.append(r)
    return rows


def update_clause(assessment: Assessment, catalogs: Any, cid: str, values: dict[str, Any]) -> dict[str, Any]:
    if cid not in catalogs.clauses:
        raise KeyError(f"{cid} is not an ISO 27001 clause")
    existing = assessment.find(CLAUSES, cid) or {}
    merged = {**{k: v for k, v in existing.items() if k != "id"},
              **{k: v for k, v in values.items() if k != "id"}}
    record, problems = CLAUSES.coerce({**merged, "id": cid})
    problems = problems or CLAUSES.validate(record)
    if problems:
        raise RecordError(problems)
    stored = {"id": cid, **{f.key: record.get(f.key) for f in CLAUSES.input_fields}}
    existing = assessment.find(CLAUSES, cid)  # type: ignore[assignment]
    if existing is None:
        assessment.records(CLAUSES).append(stored)
    else:
        existing.clear()
        existing.update(stored)
    touch(assessment, CLAUSES.name, cid, ids=existing is None)
    return stored


# --- evidence ------------------------------------------------------------------------------------
HASH_LIMIT = safefile.HASH_MAX_BYTES
EXPORT_HASH_BUDGET = 60.0
"""Seconds all evidence re-hashing of one export or check may take together."""


def is_url(location: str) -> bool:
    return location.strip().lower().startswith(("http://", "https://", "sharepoint:", "file://"))


def _evidence_path(location: str, base: Path | None) -> Path:
    path = Path(location).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return path


def hash_file(location: str, base: Path | None = None, *,
              cancelled: Callable[[], bool] | None = None,
              budget: float | None = safefile.HASH_TIME_BUDGET) -> tuple[str, int]:
    """SHA-256 and size of a local evidence file: regular files only, size-capped, bounded in
    time and cancellable. Raises OSError naming the problem."""
    return safefile.hash_file(_evidence_path(location, base), max_bytes=HASH_LIMIT,
                              budget=budget, cancelled=cancelled)


def record_hash(assessment: Assessment, evidence_id: str, base: Path | None = None, *,
                cancelled: Callable[[], bool] | None = None) -> str:
    """Hash a local evidence file into its record. Returns '' or a message saying why not."""
    ev = assessment.find(EVIDENCE, evidence_id)
    if ev is None:
        raise KeyError(f"{evidence_id} is not in the evidence register")
    location = str(ev.get("location") or "")
    if not location or is_url(location):
        ev["sha256"], ev["size"] = None, None
        touch(assessment, EVIDENCE.name, evidence_id)
        return ""
    try:
        digest, size = hash_file(location, base, cancelled=cancelled)
    except OSError as exc:
        return f"{evidence_id}: {safefile.describe_os_error(exc)}"
    ev["sha256"], ev["size"] = digest, size
    touch(assessment, EVIDENCE.name, evidence_id)
    return ""


def evidence_flags(assessment: Assessment, today: _dt.date, base: Path | None = None,
                   check_files: bool = True, *, cancelled: Callable[[], bool] | None = None,
                   budget: float = EXPORT_HASH_BUDGET,
                   clock: Callable[[], float] = time.monotonic) -> dict[str, list[str]]:
    """Evidence ID -> what is wrong: expired, file missing, file changed since it was hashed.

    Re-hashing is bounded: each file by the size cap and the per-file budget, all files
    together by ``budget`` seconds; files left over are flagged "not checked" rather than
    waited for, and special files (FIFOs, devices) are flagged without being read.
    """
    flags: dict[str, list[str]] = {}
    deadline = clock() + budget
    for ev in assessment.records(EVIDENCE):
        eid, out = str(ev.get("id")), []
        until = ev.get("valid_until")
        try:
            if until and _dt.date.fromisoformat(str(until)) < today:
                out.append(f"expired on {until}")
        except ValueError:
            pass
        location = str(ev.get("location") or "")
        if check_files and location and not is_url(location):
            path = _evidence_path(location, base)
            try:
                safefile.check_regular(path)
            except FileNotFoundError:
                out.append("file missing")
            except safefile.NotRegularFile:
                out.append("not a regular file")
            except OSError:
                out.append("file unreadable")
            else:
                if ev.get("sha256"):
                    left = deadline - clock()
                    if left <= 0 or (cancelled is not None and cancelled()):
                        out.append("not checked (time limit)")
                    else:
                        try:
                            digest, _ = hash_file(str(path), cancelled=cancelled,
                                                  budget=min(left, safefile.HASH_TIME_BUDGET))
                        except safefile.HashAborted:
                            out.append("not checked (too large or too slow)")
                        except OSError:
                            out.append("file unreadable")
                        else:
                            if digest != ev["sha256"]:
                                out.append("file changed since it was recorded")
        if out:
            flags[eid] = out
    return flags


def soa_problems(assessment: Assessment, catalogs: Any) -> list[Problem]:
    """Validation of the stored SoA decisions and clause rows (for validate_assessment)."""
    ctx = Context(assessment, catalogs)
    rows = {r["id"]: r for r in soa_rows(assessment, catalogs)}
    problems = []
    for stored in assessment.records(SOA):
        key = str(stored.get("id"))
        if key not in rows:
            problems.append(Problem(SOA.title, key, "id", f"{key} is not a control in this Statement of Applicability."))
            continue
        problems.extend(record_problems(SOA, rows[key], ctx))
    for stored in assessment.records(CLAUSES):
        cid = str(stored.get("id"))
        if cid not in catalogs.clauses:
            problems.append(Problem(CLAUSES.title, cid, "id", f"{cid} is not an ISO 27001 clause."))
            continue
        problems.extend(CLAUSES.validate(stored))
    return problems


_model.ASSESSMENT_CHECKS.append(soa_problems)
