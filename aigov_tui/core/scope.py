"""Step 1's generated draft of the scope-statement addendum."""

from __future__ import annotations

import datetime as _dt

from .model import Assessment, natural_key, touch
from .registers import AI_SYSTEMS


def _first_sentence(text: str) -> str:
    text = " ".join(str(text or "").split())
    for end in (". ", "; "):
        if end in text:
            text = text.split(end, 1)[0]
    return text.rstrip(".")


def _line(record: dict) -> str:
    details = [record.get("provenance"), str(record.get("deployment") or "").lower() or None]
    owner = record.get("business_owner")
    if owner:
        details.append(f"owner {owner}")
    detail = "; ".join(d for d in details if d)
    purpose = _first_sentence(record.get("purpose", ""))
    text = f"{record.get('id', '')} {record.get('name', '')}".strip()
    if purpose:
        text += f": {purpose}"
    return f"- {text} ({detail})." if detail else f"- {text}."


def draft_addendum(assessment: Assessment, today: _dt.date | None = None) -> str:
    """A draft addendum that names the AI systems brought into the ISMS scope."""
    today = today or _dt.date.today()
    org = assessment.organisation or "The organisation"
    systems = sorted(assessment.records(AI_SYSTEMS), key=lambda r: natural_key(str(r.get("id", ""))))
    inside = [r for r in systems if r.get("in_scope") == "Yes"]
    partial = [r for r in systems if r.get("in_scope") == "Partial"]
    outside = [r for r in systems if r.get("in_scope") == "No"]
    lines = [f"Scope addendum: AI systems (draft of {today.isoformat()})", ""]
    if inside or partial:
        lines.append(
            f"The information security management system of {org} is extended to the AI systems "
            "listed below, together with their models, training and evaluation data, training and "
            "deployment pipelines, inference interfaces, prompts and the third-party AI services "
            "they depend on."
        )
        lines.append("")
    else:
        lines += ["No AI system has been brought into the ISMS scope yet.", ""]
    if inside:
        lines.append("In scope:")
        lines += [_line(r) for r in inside]
        lines.append("")
    if partial:
        lines.append("Partly in scope:")
        for r in partial:
            lines.append(_line(r))
            if r.get("scope_justification"):
                lines.append(f"  In scope: {' '.join(str(r['scope_justification']).split())}")
        lines.append("")
    if outside:
        lines.append("Excluded, with the reason:")
        for r in outside:
            reason = " ".join(str(r.get("scope_justification") or "reason to be recorded").split())
            lines.append(f"- {r.get('id', '')} {r.get('name', '')}: {reason}")
        lines.append("")
    third_party = [r for r in inside + partial if r.get("provenance") != "Built in-house"]
    if third_party:
        names = ", ".join(f"{r.get('id', '')} {r.get('name', '')}" for r in third_party)
        lines.append(
            f"Models and AI services obtained from third parties ({names}) are managed as supplier "
            "relationships under the ISMS's supplier controls; the suppliers' own operations are "
            "outside the scope."
        )
        lines.append("")
    frameworks = [f for f in assessment.profile.get("frameworks") or [] if f != "ISO/IEC 27001:2022"]
    if frameworks:
        lines.append(f"The extension also takes account of: {', '.join(frameworks)}.")
        lines.append("")
    lines.append("This addendum is read together with the current ISMS scope statement.")
    return "\n".join(lines).rstrip() + "\n"


def set_addendum(assessment: Assessment, text: str, *, edited: bool) -> None:
    from .schema import clean_text

    assessment.scope["addendum"] = clean_text(text)
    assessment.scope["edited"] = bool(edited)
    touch(assessment, "scope")
