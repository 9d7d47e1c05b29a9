"""Reference options into the vendor-questionnaire and incident-type catalogs.

Registers refer to catalog entries by ID (a question VQ-2.1, an answer value 3, a certification
iso27001, an incident type AIT-03, a notification obligation GDPR-33-1). These lists are built
once per loaded catalogs and cached, so checking many records costs no rebuild per record.
"""

from __future__ import annotations

from typing import Any

CATALOG_REFS = ("vendor_questions", "vendor_answer_scale", "vendor_certifications",
                "incident_types", "notification_regimes")


def questionnaire_index(catalogs: Any) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Question ID -> (section, question), in catalog order; cached on the catalogs."""
    cache = _cache(catalogs)
    if "questions" not in cache:
        q = catalogs.vendor_questionnaire or {}
        cache["questions"] = {str(question["id"]): (section, question)
                              for section in q.get("sections") or []
                              for question in section.get("questions") or []}
    return cache["questions"]


def answer_scale(catalogs: Any) -> dict[str, dict[str, Any]]:
    """Answer value as text ('0' … '4', 'NA') -> its scale entry."""
    cache = _cache(catalogs)
    if "scale" not in cache:
        q = catalogs.vendor_questionnaire or {}
        scale = {str(s["value"]): s for s in q.get("answer_scale") or []}
        na = q.get("not_applicable")
        if isinstance(na, dict) and "value" in na:
            scale[str(na["value"])] = {**na, "not_applicable": True}
        cache["scale"] = scale
    return cache["scale"]


def catalog_ref_options(ref: str, catalogs: Any) -> dict[str, str] | None:
    """The IDs a reference into these catalogs may hold, with labels; None for other refs."""
    if ref not in CATALOG_REFS:
        return None
    cache = _cache(catalogs)
    key = f"options:{ref}"
    if key not in cache:
        q = catalogs.vendor_questionnaire or {}
        if ref == "vendor_questions":
            options = {qid: f"{qid} {' '.join(str(question['text']).split())[:70]}"
                       for qid, (_, question) in questionnaire_index(catalogs).items()}
        elif ref == "vendor_answer_scale":
            options = {v: f"{v} {s.get('label', '')}".strip() for v, s in answer_scale(catalogs).items()}
        elif ref == "vendor_certifications":
            options = {str(c["id"]): str(c.get("title", c["id"])) for c in q.get("certifications") or []}
        elif ref == "incident_types":
            options = {k: f"{k} {v.get('title', '')}".strip() for k, v in catalogs.incident_types.items()}
        else:
            options = {k: f"{k} {v.get('regime', '')}: {' '.join(str(v.get('title', '')).split())}"
                       for k, v in catalogs.notification_regimes.items()}
        cache[key] = options
    return cache[key]


def _cache(catalogs: Any) -> dict[str, Any]:
    cache = catalogs.__dict__.get("_ref_cache")
    if cache is None:
        cache = {}
        catalogs.__dict__["_ref_cache"] = cache
    return cache
