"""The controls a Statement of Applicability covers: ISO 27001 Annex A, ISO 42001 Annex A when
that standard is in scope, and the custom AI controls. Plain functions of the catalogs and the
assessment, below the model so reference checks can use them without importing the SoA."""

from __future__ import annotations

from typing import Any

from .registers import CUSTOM_CONTROLS
from .schema import natural_key

FW_27001 = "ISO/IEC 27001:2022"
FW_42001 = "ISO/IEC 42001:2023"
FW_CUSTOM = "Custom AI control"
PREFIX_42001 = "42001:"
SHORT = {FW_27001: "27001", FW_42001: "42001", FW_CUSTOM: "Custom"}


def key_42001(control_id: str) -> str:
    return f"{PREFIX_42001}{control_id}"


def framework_of(key: str) -> str:
    if key.startswith(PREFIX_42001):
        return FW_42001
    if key.startswith(f"{CUSTOM_CONTROLS.id_prefix}-"):
        return FW_CUSTOM
    return FW_27001


def includes_42001(assessment: Any) -> bool:
    return FW_42001 in (assessment.profile.get("frameworks") or [])


def entry_27001(cid: str, c: dict[str, Any]) -> dict[str, Any]:
    return {"id": cid, "framework": FW_27001, "title": c.get("title", ""),
            "theme": c.get("theme", ""), "ai_relevance": c.get("ai_relevance", ""),
            "guidance": c.get("ai_guidance", "")}


def entry_42001(catalogs: Any, cid: str, c: dict[str, Any]) -> dict[str, Any]:
    objective = catalogs.objectives.get("iso42001_2023", {}).get(c.get("objective", ""), {})
    return {"id": key_42001(cid), "framework": FW_42001, "title": c.get("title", ""),
            "theme": objective.get("title", c.get("objective", "")),
            "ai_relevance": c.get("ai_relevance", "high"),
            "guidance": c.get("ai_guidance") or c.get("guidance", "")}


def entry_custom(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(c["id"]), "framework": FW_CUSTOM, "title": c.get("title", ""),
            "theme": "AI", "ai_relevance": "high", "guidance": c.get("objective", "")}


def build_controls(assessment: Any, catalogs: Any) -> list[dict[str, Any]]:
    """Every control the SoA covers, in the order an auditor reads them (a fresh list; the
    model memoises it as ``scope_controls``)."""
    out = [entry_27001(cid, c) for cid, c in catalogs.iso27001.items()]
    if includes_42001(assessment):
        out += [entry_42001(catalogs, cid, c) for cid, c in catalogs.iso42001.items()]
    out += [entry_custom(c) for c in sorted(assessment.records(CUSTOM_CONTROLS),
                                             key=lambda r: natural_key(str(r.get("id"))))]
    return out
