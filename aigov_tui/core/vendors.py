"""AI vendor assessment: questionnaire scores and ratings, flags, and risk suggestions.

ISO/IEC 27001 A.5.19-A.5.23 and ISO/IEC 42001 A.10.2-A.10.3. A vendor answers the catalog's
questionnaire; each answered question scores ``value / top of scale x weight``; N/A removes the
question's weight from both sides; an unanswered question is left out and counted, never
scored as zero. The overall score (0-100 %) maps to a rating through the catalog's bands.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from .catalog_refs import answer_scale, questionnaire_index
from .model import Assessment, add_record, natural_key, touch
from .registers import RISKS, VENDOR_ANSWERS, VENDOR_CERTS, VENDORS
from .schema import is_blank
from . import scoring

EXPIRY_WARNING_DAYS = 60
SUPPLY_CHAIN = "Supply chain"


@dataclass
class SectionScore:
    id: str
    title: str
    weight: float
    questions: int
    answered: int
    not_applicable: int
    achieved: float
    possible: float

    @property
    def unanswered(self) -> int:
        return self.questions - self.answered

    @property
    def percent(self) -> float | None:
        """Score of the answered questions, 0-100; None when nothing scoreable is answered."""
        return round(100 * self.achieved / self.possible, 1) if self.possible else None


@dataclass
class VendorScore:
    sections: list[SectionScore] = field(default_factory=list)
    rating: str = ""
    unanswered_ids: list[str] = field(default_factory=list)

    @property
    def questions(self) -> int:
        return sum(s.questions for s in self.sections)

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.sections)

    @property
    def unanswered(self) -> int:
        return self.questions - self.answered

    @property
    def percent(self) -> float | None:
        achieved = sum(s.achieved for s in self.sections)
        possible = sum(s.possible for s in self.sections)
        return round(100 * achieved / possible, 1) if possible else None

    @property
    def provisional(self) -> bool:
        return self.unanswered > 0

    @property
    def assessed(self) -> bool:
        return self.answered > 0

    def summary(self) -> str:
        """e.g. '72.5 % Medium risk' or '64.0 % High risk (provisional, 5 of 37 unanswered)'."""
        if self.percent is None:
            return f"not assessed ({self.questions} questions unanswered)" if not self.answered \
                else "no scoreable answer (all N/A)"
        text = f"{self.percent:.1f} % {self.rating}"
        if self.provisional:
            text += f" (provisional, {self.unanswered} of {self.questions} unanswered)"
        return text


def top_value(catalogs: Any) -> float:
    values = [s["value"] for s in (catalogs.vendor_questionnaire or {}).get("answer_scale") or []
              if isinstance(s.get("value"), (int, float))]
    return float(max(values)) if values else 1.0


def rating_for(percent: float | None, catalogs: Any) -> str:
    """The catalog band a score falls in ('' when there is no score)."""
    if percent is None:
        return ""
    bands = sorted((catalogs.vendor_questionnaire or {}).get("rating_bands") or [],
                   key=lambda b: -float(b["min"]))
    for band in bands:
        if percent >= float(band["min"]):
            return str(band["rating"])
    return str(bands[-1]["rating"]) if bands else ""


def score(answers: Iterable[dict[str, Any]], catalogs: Any) -> VendorScore:
    """Score one vendor's answers (records of the vendor_answers register) against the catalog."""
    scale = answer_scale(catalogs)
    top = top_value(catalogs)
    given = {str(a.get("question")): a.get("answer") for a in answers}
    result = VendorScore()
    for section in (catalogs.vendor_questionnaire or {}).get("sections") or []:
        s = SectionScore(str(section["id"]), str(section["title"]), float(section.get("weight", 0)),
                         0, 0, 0, 0.0, 0.0)
        for question in section.get("questions") or []:
            qid = str(question["id"])
            s.questions += 1
            value = given.get(qid)
            entry = scale.get(str(value)) if not is_blank(value) else None
            if entry is None:
                result.unanswered_ids.append(qid)
                continue
            s.answered += 1
            if entry.get("not_applicable"):
                s.not_applicable += 1
                continue
            weight = float(question.get("weight", 0))
            s.possible += weight
            s.achieved += weight * float(entry["value"]) / top
        result.sections.append(s)
    result.rating = rating_for(result.percent, catalogs)
    return result


def question_score(answer: Any, weight: float, catalogs: Any) -> float | None:
    """Points of one answer (None when unanswered or N/A)."""
    entry = answer_scale(catalogs).get(str(answer)) if not is_blank(answer) else None
    if entry is None or entry.get("not_applicable"):
        return None
    return round(weight * float(entry["value"]) / top_value(catalogs), 2)


# --- indexes built once per call ----------------------------------------------------------------
def by_vendor(records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        out[str(r.get("vendor") or "")].append(r)
    return out


def _date(value: Any) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def cert_state(cert: dict[str, Any], today: _dt.date) -> str:
    """Expired, Expiring (within 60 days), Current, or '' without an expiry date."""
    expiry = _date(cert.get("expiry"))
    if expiry is None:
        return ""
    if expiry < today:
        return "Expired"
    if (expiry - today).days <= EXPIRY_WARNING_DAYS:
        return "Expiring"
    return "Current"


def cert_name(cert: dict[str, Any], catalogs: Any) -> str:
    if cert.get("certification") == "other" and cert.get("other_name"):
        return str(cert["other_name"])
    for c in (catalogs.vendor_questionnaire or {}).get("certifications") or [] if catalogs else []:
        if c["id"] == cert.get("certification"):
            return str(c["title"])
    return str(cert.get("certification") or "")


@dataclass(frozen=True)
class Flag:
    kind: str
    """cert_expired, cert_expiring, review_overdue, unassessed_critical, no_dpa"""
    vendor: str
    message: str


def vendor_flags(vendor: dict[str, Any], certs: list[dict[str, Any]], vscore: VendorScore,
                 today: _dt.date, catalogs: Any = None) -> list[Flag]:
    vid = str(vendor.get("id"))
    flags: list[Flag] = []
    for cert in certs:
        state = cert_state(cert, today)
        name = cert_name(cert, catalogs)
        if state == "Expired":
            flags.append(Flag("cert_expired", vid, f"{name} expired on {cert['expiry']}"))
        elif state == "Expiring":
            days = (_date(cert["expiry"]) - today).days  # type: ignore[operator]
            flags.append(Flag("cert_expiring", vid, f"{name} expires in {days} days ({cert['expiry']})"))
    review = _date(vendor.get("next_review"))
    if review is not None and review < today:
        flags.append(Flag("review_overdue", vid, f"review was due on {vendor['next_review']}"))
    if vendor.get("criticality") in ("High", "Critical") and not vscore.assessed:
        flags.append(Flag("unassessed_critical", vid,
                          f"{vendor.get('criticality')} criticality and no assessment"))
    if vendor.get("personal_data") == "Yes" and vendor.get("dpa") != "Yes":
        flags.append(Flag("no_dpa", vid, "receives personal data without a data-processing agreement"))
    return flags


FLAG_WORDS = {"cert_expired": "cert expired", "cert_expiring": "cert expiring",
              "review_overdue": "review overdue", "unassessed_critical": "not assessed",
              "no_dpa": "no DPA"}


@dataclass
class VendorView:
    vendor: dict[str, Any]
    score: VendorScore
    flags: list[Flag]
    certs: list[dict[str, Any]]


def vendor_views(assessment: Assessment, catalogs: Any, today: _dt.date) -> list[VendorView]:
    """Every vendor with its score and flags, built in one pass over each register."""
    answers = by_vendor(assessment.records(VENDOR_ANSWERS))
    certs = by_vendor(assessment.records(VENDOR_CERTS))
    out = []
    for v in assessment.records(VENDORS):
        vid = str(v.get("id"))
        vs = score(answers.get(vid, []), catalogs)
        out.append(VendorView(v, vs, vendor_flags(v, certs.get(vid, []), vs, today, catalogs),
                              certs.get(vid, [])))
    return out


def vendor_rows(assessment: Assessment, catalogs: Any, today: _dt.date) -> list[dict[str, Any]]:
    """Vendor records with score, rating and flags filled in, for tables and the sheet."""
    rows = []
    for view in vendor_views(assessment, catalogs, today):
        pct = view.score.percent
        rating = view.score.rating + (" (prov.)" if view.score.provisional and pct is not None else "")
        rows.append({**view.vendor,
                     "score": "" if pct is None else f"{pct:.0f}",
                     "rating": rating if pct is not None else "Not assessed",
                     "flags": "; ".join(FLAG_WORDS[f.kind] for f in view.flags)})
    return rows


def cert_rows(assessment: Assessment, today: _dt.date) -> list[dict[str, Any]]:
    return [{**c, "state": cert_state(c, today)} for c in assessment.records(VENDOR_CERTS)]


def action_rows(assessment: Assessment, today: _dt.date) -> list[dict[str, Any]]:
    from .registers import VENDOR_ACTIONS

    rows = []
    for a in assessment.records(VENDOR_ACTIONS):
        due = _date(a.get("due"))
        overdue = due is not None and due < today and a.get("status") != "Done"
        rows.append({**a, "overdue": "Yes" if overdue else ""})
    return rows


def answer_rows(assessment: Assessment, catalogs: Any, vendor_id: str | None = None) -> list[dict[str, Any]]:
    """Answer records (of one vendor, or all) with question text, weight and score, in catalog order."""
    index = questionnaire_index(catalogs)
    order = {qid: i for i, qid in enumerate(index)}
    rows = []
    for a in assessment.records(VENDOR_ANSWERS):
        if vendor_id is not None and a.get("vendor") != vendor_id:
            continue
        section, question = index.get(str(a.get("question")), ({}, {}))
        weight = float(question.get("weight", 0)) if question else 0.0
        pts = question_score(a.get("answer"), weight, catalogs)
        rows.append({**a, "text": " ".join(str(question.get("text", "")).split()),
                     "section": section.get("title", ""), "weight": f"{weight:g}",
                     "score": "unanswered" if is_blank(a.get("answer")) else
                              ("N/A" if pts is None else f"{pts:g}")})
    rows.sort(key=lambda r: (natural_key(str(r.get("vendor"))),
                             order.get(str(r.get("question")), 10**6)))
    return rows


def start_assessment(assessment: Assessment, catalogs: Any, vendor_id: str) -> list[str]:
    """Add an (unanswered) answer record for every catalog question the vendor has none for."""
    if assessment.find(VENDORS, vendor_id) is None:
        raise KeyError(f"AI vendor {vendor_id} does not exist")
    have = {str(a.get("question")) for a in assessment.records(VENDOR_ANSWERS)
            if a.get("vendor") == vendor_id}
    added = []
    for qid in questionnaire_index(catalogs):
        if qid not in have:
            added.append(add_record(assessment, VENDOR_ANSWERS,
                                    {"vendor": vendor_id, "question": qid}, catalogs)["id"])
    return added


# --- suggestion: raise the likelihood of linked supply-chain risks ----------------------------------
@dataclass(frozen=True)
class LikelihoodSuggestion:
    risk_id: str
    title: str
    field: str
    current: int
    suggested: int

    def describe(self) -> str:
        what = "inherent" if self.field.startswith("inherent") else "residual"
        return f"{self.risk_id} {self.title}: {what} likelihood {self.current} → {self.suggested}"


def likelihood_suggestions(assessment: Assessment, catalogs: Any, vendor_id: str,
                           vscore: VendorScore | None = None) -> list[LikelihoodSuggestion]:
    """Which linked supply-chain risks a poor rating suggests re-rating, and by how much.

    Nothing is changed here: :func:`apply_likelihood_suggestions` applies the ones a person
    accepts. The residual likelihood is raised when it is rated, else the inherent one.
    """
    vendor = assessment.find(VENDORS, vendor_id)
    if vendor is None:
        return []
    if vscore is None:
        vscore = score([a for a in assessment.records(VENDOR_ANSWERS) if a.get("vendor") == vendor_id],
                       catalogs)
    uplift = int(((catalogs.vendor_questionnaire or {}).get("likelihood_uplift") or {}).get(vscore.rating, 0))
    if not uplift:
        return []
    top = scoring.size(assessment.risk_method)
    linked = set(vendor.get("risks") or [])
    out = []
    for risk in assessment.records(RISKS):
        if risk.get("id") not in linked or risk.get("category") != SUPPLY_CHAIN:
            continue
        key = "residual_likelihood" if risk.get("residual_likelihood") else "inherent_likelihood"
        current = risk.get(key)
        if not isinstance(current, int):
            continue
        new = min(top, current + uplift)
        if new > current:
            out.append(LikelihoodSuggestion(str(risk["id"]), str(risk.get("title", "")), key, current, new))
    return out


def apply_likelihood_suggestions(assessment: Assessment, suggestions: Iterable[LikelihoodSuggestion]) -> list[str]:
    """Apply accepted suggestions: set each likelihood and re-score the risk. Returns risk IDs."""
    changed = []
    for s in suggestions:
        risk = assessment.find(RISKS, s.risk_id)
        if risk is None or risk.get(s.field) != s.current:
            continue  # changed since the suggestion was made; leave it alone
        risk[s.field] = s.suggested
        scoring.derive(risk, assessment.risk_method)
        changed.append(s.risk_id)
    for rid in changed:
        touch(assessment, RISKS.name, rid)
    return changed
