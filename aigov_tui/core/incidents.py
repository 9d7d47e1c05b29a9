"""AI incidents: timeline, closing rules and notification obligations with deadlines.

ISO/IEC 27001 A.5.24-A.5.28 and A.6.8, ISO/IEC 42001 A.8.4, EU AI Act Art. 73. Which
obligations an incident starts comes from the catalog's notification regimes (GDPR Art. 33 and
34, NIS2 Art. 23, DORA Art. 19 with Commission Delegated Regulation (EU) 2025/301 Art. 5, EU AI
Act Art. 73 and 26(5)), read against the organisation profile, the affected AI systems and the
incident's answers. Each obligation is a record of the ``notifications`` register: the core
adds the ones that apply; a person adds others or waives one, with a reason, and records when
each was met and the notification's reference. Deadlines and states are computed for a clock
passed in (``now``), so tests fix it.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from .model import Assessment, add_record, delete_record, natural_key, touch
from . import registers as _registers
from .registers import AI_SYSTEMS, INCIDENTS, NOTIFICATIONS, TIMELINE
from .schema import is_blank

DT_FORMAT = "%Y-%m-%d %H:%M"
DUE_SOON = _dt.timedelta(hours=72)
"""An open obligation whose deadline is this close is 'due soon' (the dashboard's window)."""
STATES = ("pending", "due soon", "met", "missed", "waived")
OPEN_STATES = ("pending", "due soon", "missed")


# --- date and time ---------------------------------------------------------------------------------
def parse_dt(value: Any) -> _dt.datetime | None:
    """'2026-11-30 14:05' (or with a T) -> datetime; None when empty or malformed."""
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    text = str(value or "").strip().replace("T", " ")
    if not text:
        return None
    try:
        return _dt.datetime.strptime(text[:16], DT_FORMAT) if len(text) >= 16 else None
    except ValueError:
        return None


def fmt_dt(value: _dt.datetime | None) -> str:
    return value.strftime(DT_FORMAT) if value else ""


def add_months(moment: _dt.datetime, months: int) -> _dt.datetime:
    """The same day and time ``months`` later; the month's last day when that day does not exist
    (31 January + 1 month = 28 or 29 February), as Regulation (EEC, Euratom) No 1182/71 Art. 3
    counts periods in months."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def datetime_problems(record: dict[str, Any], keys: Iterable[str],
                      required: Iterable[str] = ()) -> list[tuple[str, str]]:
    from .registers import REGISTERS

    out = []
    for key in keys:
        value = record.get(key)
        if is_blank(value):
            continue
        if parse_dt(value) is None or len(str(value).strip()) != 16:
            label = next((f.label for r in REGISTERS.values() for f in r.fields if f.key == key), key)
            out.append((key, f"{label} must be a date and time written YYYY-MM-DD HH:MM, "
                             f"e.g. 2026-11-30 14:05 (got '{value}')."))
    return out


def aware_at(incident: dict[str, Any]) -> _dt.datetime | None:
    """When the legal clocks start: awareness, or detection when awareness is not recorded."""
    return parse_dt(incident.get("aware_at")) or parse_dt(incident.get("detected_at"))


# --- which regimes apply ------------------------------------------------------------------------------
def _sector_match(profile: dict[str, Any], words: Iterable[str]) -> bool:
    sector = str(profile.get("sector") or "").casefold()
    return bool(sector) and any(w.casefold() in sector for w in words)


@dataclass(frozen=True)
class Facts:
    """What applicability reads besides the incident itself."""

    dora_sector: bool
    nis2_sector: bool
    ai_act_roles: frozenset[str]
    """'Provider' / 'Deployer' for the affected AI systems that are high-risk under the AI Act."""


def facts(assessment: Assessment, catalogs: Any, incident: dict[str, Any],
          systems: dict[str, dict[str, Any]] | None = None) -> Facts:
    if systems is None:
        systems = {str(s.get("id")): s for s in assessment.records(AI_SYSTEMS)}
    roles: set[str] = set()
    for sid in incident.get("ai_systems") or []:
        system = systems.get(sid)
        if system and system.get("eu_ai_act") == "High":
            role = system.get("role")
            roles.update(("Provider", "Deployer") if role == "Both" else (role,) if role else ())
    sectors = getattr(catalogs, "regime_sectors", {}) or {}
    return Facts(_sector_match(assessment.profile, sectors.get("dora", ())),
                 _sector_match(assessment.profile, sectors.get("nis2", ())), frozenset(roles))


def regime_applies(regime: dict[str, Any], incident: dict[str, Any], f: Facts) -> bool:
    for key, wanted in (regime.get("applies") or {}).items():
        if key == "dora_sector":
            ok = f.dora_sector is bool(wanted)
        elif key == "nis2_sector":
            ok = f.nis2_sector is bool(wanted)
        elif key == "ai_act_role":
            ok = wanted in f.ai_act_roles
        elif wanted == "any":
            ok = str(incident.get(key) or "").startswith("Yes")
        else:
            ok = incident.get(key) == wanted
        if not ok:
            return False
    return True


def applicable_regimes(assessment: Assessment, catalogs: Any, incident: dict[str, Any],
                       systems: dict[str, dict[str, Any]] | None = None) -> list[str]:
    f = facts(assessment, catalogs, incident, systems)
    return [rid for rid, regime in catalogs.notification_regimes.items()
            if regime_applies(regime, incident, f)]


def sync_notifications(assessment: Assessment, catalogs: Any, incident_id: str) -> tuple[list[str], list[str]]:
    """Add an obligation for each regime that now applies to the incident; remove computed ones
    that no longer apply and were never met. Added and waived ones are the user's and stay.
    Returns (added IDs, removed IDs)."""
    incident = assessment.find(INCIDENTS, incident_id)
    if incident is None:
        raise KeyError(f"AI incident {incident_id} does not exist")
    wanted = applicable_regimes(assessment, catalogs, incident)
    mine = [n for n in assessment.records(NOTIFICATIONS) if n.get("incident") == incident_id]
    have = {str(n.get("regime")) for n in mine}
    added = [add_record(assessment, NOTIFICATIONS, {"incident": incident_id, "regime": rid,
                                                    "basis": "Applies"}, catalogs)["id"]
             for rid in wanted if rid not in have]
    removed = []
    for n in mine:
        if n.get("basis") == "Applies" and n.get("regime") not in wanted and is_blank(n.get("met_at")):
            delete_record(assessment, NOTIFICATIONS, str(n["id"]))
            removed.append(str(n["id"]))
    return added, removed


# --- deadlines and states -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Obligation:
    record: dict[str, Any]
    regime: dict[str, Any]
    deadline: _dt.datetime | None
    state: str
    late: bool = False
    waiting_for: str = ""
    """The obligation whose 'met at' starts this clock, while it is not met."""

    @property
    def id(self) -> str:
        return str(self.record.get("id"))

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    def deadline_text(self) -> str:
        if self.deadline is not None:
            return fmt_dt(self.deadline)
        if self.waiting_for:
            period = self.regime.get("period")
            unit = {"hours": "h", "days": "days", "months": "month" if period == 1 else "months"}.get(
                str(self.regime.get("clock")), "")
            return f"{period} {unit} after {self.waiting_for} is met"
        if self.regime.get("clock") == "undue_delay":
            return "without undue delay"
        return "time unknown"

    def state_text(self) -> str:
        if self.state == "met" and self.late:
            return "met (late)"
        return self.state


def _offset(regime: dict[str, Any], start: _dt.datetime) -> _dt.datetime | None:
    clock, period = regime.get("clock"), int(regime.get("period") or 0)
    if clock == "hours":
        return start + _dt.timedelta(hours=period)
    if clock == "days":
        return start + _dt.timedelta(days=period)
    if clock == "months":
        return add_months(start, period)
    return None


def deadline_of(regime: dict[str, Any], incident: dict[str, Any],
                met_by_regime: dict[str, _dt.datetime | None]) -> tuple[_dt.datetime | None, str]:
    """(deadline, id of the obligation it waits for) for one regime of one incident."""
    aware = aware_at(incident)
    anchor = str(regime.get("anchor") or "aware")
    if aware is None:
        return None, ""
    if anchor == "aware":
        return _offset(regime, aware), ""
    if anchor == "dora_initial":
        # 2025/301 Art. 5(1)(a): 4 h after classification, no later than 24 h after awareness;
        # Art. 5(2): classified more than 24 h after awareness -> 4 h after classification.
        outer = aware + _dt.timedelta(hours=24)
        classified = parse_dt(incident.get("classified_at"))
        if classified is None:
            return outer, ""
        four = _offset(regime, classified)
        assert four is not None
        return (four if classified > outer else min(four, outer)), ""
    met = met_by_regime.get(anchor)
    if met is None:
        return None, anchor
    return _offset(regime, met), ""


def obligation_state(record: dict[str, Any], regime: dict[str, Any], deadline: _dt.datetime | None,
                     waiting_for: str, now: _dt.datetime) -> tuple[str, bool]:
    if record.get("basis") == "Waived":
        return "waived", False
    met = parse_dt(record.get("met_at"))
    if met is not None:
        return "met", bool(deadline and met > deadline)
    if deadline is None:
        if waiting_for:
            return "pending", False
        return ("due soon", False) if regime.get("clock") == "undue_delay" else ("pending", False)
    if now > deadline:
        return "missed", False
    if deadline - now <= DUE_SOON:
        return "due soon", False
    return "pending", False


def obligations(assessment: Assessment, catalogs: Any, now: _dt.datetime,
                incident_id: str | None = None) -> list[Obligation]:
    """Every obligation (of one incident, or all) with deadline and state at ``now``; one pass."""
    incidents = {str(i.get("id")): i for i in assessment.records(INCIDENTS)}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n in assessment.records(NOTIFICATIONS):
        if incident_id is None or n.get("incident") == incident_id:
            grouped[str(n.get("incident"))].append(n)
    regimes = catalogs.notification_regimes if catalogs is not None else {}
    out = []
    for iid, records in grouped.items():
        incident = incidents.get(iid, {})
        met = {str(n.get("regime")): parse_dt(n.get("met_at")) for n in records
               if n.get("basis") != "Waived"}
        for n in records:
            regime = regimes.get(str(n.get("regime")), {"title": str(n.get("regime")), "clock": ""})
            deadline, waiting = deadline_of(regime, incident, met)
            state, late = obligation_state(n, regime, deadline, waiting, now)
            out.append(Obligation(n, regime, deadline, state, late, waiting))
    out.sort(key=lambda o: (natural_key(str(o.record.get("incident"))), o.deadline or _dt.datetime.max,
                            natural_key(o.id)))
    return out


def notification_rows(assessment: Assessment, catalogs: Any, now: _dt.datetime) -> list[dict[str, Any]]:
    return [{**o.record, "deadline": o.deadline_text(), "state": o.state_text()}
            for o in obligations(assessment, catalogs, now)]


def obligation_summary(items: list[Obligation]) -> str:
    if not items:
        return "none"
    counts: dict[str, int] = defaultdict(int)
    for o in items:
        counts[o.state] += 1
    order = ("missed", "due soon", "pending", "met", "waived")
    return ", ".join(f"{counts[s]} {s}" for s in order if counts[s])


def incident_rows(assessment: Assessment, catalogs: Any, now: _dt.datetime) -> list[dict[str, Any]]:
    per: dict[str, list[Obligation]] = defaultdict(list)
    for o in obligations(assessment, catalogs, now):
        per[str(o.record.get("incident"))].append(o)
    return [{**i, "obligations": obligation_summary(per.get(str(i.get("id")), []))}
            for i in assessment.records(INCIDENTS)]


def timeline_rows(assessment: Assessment, incident_id: str | None = None) -> list[dict[str, Any]]:
    rows = [t for t in assessment.records(TIMELINE)
            if incident_id is None or t.get("incident") == incident_id]
    return sorted(rows, key=lambda t: (natural_key(str(t.get("incident"))), str(t.get("at") or "")))


def add_timeline(assessment: Assessment, incident_id: str, at: _dt.datetime, entry: str,
                 by: str = "", catalogs: Any = None) -> dict[str, Any]:
    return add_record(assessment, TIMELINE, {"incident": incident_id, "at": fmt_dt(at),
                                             "entry": entry, "by": by}, catalogs)


def note_status_change(assessment: Assessment, incident_id: str, before: str | None,
                       after: str | None, now: _dt.datetime) -> dict[str, Any] | None:
    """Record a status change in the incident's timeline (the lifecycle's audit trail)."""
    if not after or before == after:
        return None
    return add_timeline(assessment, incident_id, now,
                        f"Status {before or 'unset'} → {after}" if before else f"Logged as {after}")


def mark_met(assessment: Assessment, notification_id: str, met_at: _dt.datetime, reference: str) -> dict[str, Any]:
    """Record that an obligation was met, when and under which reference."""
    record = assessment.find(NOTIFICATIONS, notification_id)
    if record is None:
        raise KeyError(f"notification obligation {notification_id} does not exist")
    if not reference.strip():
        raise ValueError("Give the notification's reference (case number or message ID).")
    record["met_at"] = fmt_dt(met_at)
    record["reference"] = reference.strip()
    touch(assessment, NOTIFICATIONS.name, notification_id)
    return record


# --- validation rules -----------------------------------------------------------------------------
def _open_by_incident(ctx: Any) -> dict[str, list[str]]:
    """Incident ID -> IDs of its obligations neither met nor waived; built once per context."""
    cached = ctx.__dict__.get("_open_obligations")
    if cached is None:
        cached = defaultdict(list)
        for n in ctx.assessment.records(NOTIFICATIONS):
            if n.get("basis") != "Waived" and is_blank(n.get("met_at")):
                cached[str(n.get("incident"))].append(f"{n.get('id')} {n.get('regime')}")
        ctx.__dict__["_open_obligations"] = cached
    return cached


def incident_rules(record: dict[str, Any], ctx: Any) -> list[tuple[str, str]]:
    out = datetime_problems(record, ("detected_at", "aware_at", "classified_at", "closed_at"))
    detected, aware = parse_dt(record.get("detected_at")), parse_dt(record.get("aware_at"))
    if detected and aware and aware < detected:
        out.append(("aware_at", "Became aware at is before Detected at; awareness cannot come "
                                "before detection."))
    closed = parse_dt(record.get("closed_at"))
    if detected and closed and closed < detected:
        out.append(("closed_at", "Closed at is before Detected at."))
    if record.get("status") == "Closed" and record.get("id"):
        still_open = _open_by_incident(ctx).get(str(record["id"]), [])
        if still_open:
            out.append(("status", f"Closed with open notification obligations ({', '.join(still_open)}): "
                                  "record when each was met, or waive it with a reason."))
    return out


def notification_rules(record: dict[str, Any], ctx: Any) -> list[tuple[str, str]]:
    out = datetime_problems(record, ("met_at",))
    if not is_blank(record.get("met_at")) and is_blank(record.get("reference")):
        out.append(("reference", "Notification reference is required once the obligation is met "
                                 "(the authority's case number or your message ID)."))
    return out


def _timeline_rules(record: dict[str, Any], ctx: Any) -> list[tuple[str, str]]:
    return datetime_problems(record, ("at",), required=("at",))


_registers.RULE_HOOKS.update(incident_rules=incident_rules, notification_rules=notification_rules,
                             timeline_rules=_timeline_rules)
