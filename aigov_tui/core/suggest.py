"""Suggestions a person accepts, edits or drops: the usual assets of an AI system, and the
risks the threat catalog suggests for chosen assets."""

from __future__ import annotations

import re
from typing import Any

from .model import Assessment, natural_key
from .registers import (
    AI_SYSTEMS, ASSET_TYPE_KEYS, ASSET_TYPES, ASSETS, CATEGORY_KEYS, IMPACT_DIMENSIONS, IMPACT_KEYS,
    RISK_CATEGORIES,
)

# (asset type, name pattern) by provenance; {name} is the AI system's name.
_BY_PROVENANCE: dict[str, list[tuple[str, str]]] = {
    "Built in-house": [
        ("Model", "{name}: model artefact and weights"),
        ("Training dataset", "{name}: training data"),
        ("Evaluation dataset", "{name}: evaluation and test data"),
        ("Training pipeline", "{name}: training and deployment pipeline"),
        ("Inference endpoint or API", "{name}: inference endpoint"),
        ("Compute", "{name}: training and serving compute"),
    ],
    "Fine-tuned third-party model": [
        ("Third-party AI service", "{name}: base model (from its provider)"),
        ("Training dataset", "{name}: fine-tuning data"),
        ("Evaluation dataset", "{name}: evaluation and test data"),
        ("Model", "{name}: fine-tuned model artefact and weights"),
        ("Training pipeline", "{name}: fine-tuning pipeline"),
        ("Inference endpoint or API", "{name}: inference endpoint"),
        ("Prompt or system prompt", "{name}: system prompt and templates"),
    ],
    "Third-party API or SaaS": [
        ("Third-party AI service", "{name}: provider service and account"),
        ("Inference endpoint or API", "{name}: API integration and keys"),
        ("Prompt or system prompt", "{name}: prompts and configuration"),
    ],
}
_RAG_WORDS = ("retrieval", "rag", "knowledge base", "help-centre", "help center", "documents",
              "embedding", "vector")
_AGENT_WORDS = ("ai agent", "agentic", "tool use", "tool calls", "plugin", "function call")


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` has a word starting with one of ``words`` ('tools' yes, 'storage' for
    'rag' or 'transactions' for 'actions' no)."""
    return any(re.search(rf"\b{re.escape(w)}", text) for w in words)


def suggest_assets(assessment: Assessment, system_id: str) -> list[dict[str, Any]]:
    """The assets an AI system of this provenance usually brings, as draft asset records.

    Assets the register already links to the system with the same type and name are left out.
    """
    system = assessment.find(AI_SYSTEMS, system_id)
    if system is None:
        raise KeyError(f"AI system {system_id} does not exist")
    name = str(system.get("name") or system_id)
    plan = list(_BY_PROVENANCE.get(str(system.get("provenance")), _BY_PROVENANCE["Built in-house"]))
    text = f"{system.get('purpose', '')} {system.get('model_provider', '')}".casefold()
    if _mentions(text, _RAG_WORDS):
        plan.append(("Feature or vector store", "{name}: retrieval index (vector store)"))
    if _mentions(text, _AGENT_WORDS):
        plan.append(("Agent tool", "{name}: agent tools and their permissions"))
    existing = {(a.get("type"), str(a.get("name", "")).casefold())
                for a in assessment.records(ASSETS) if system_id in (a.get("ai_systems") or [])}
    personal = system.get("personal_data") or "No"
    out = []
    for asset_type, pattern in plan:
        asset_name = pattern.format(name=name)
        if (asset_type, asset_name.casefold()) in existing:
            continue
        data_like = asset_type in ("Training dataset", "Evaluation dataset", "Feature or vector store")
        out.append({
            "name": asset_name,
            "type": asset_type,
            "ai_systems": [system_id],
            "owner": system.get("business_owner") or "",
            "supplier": "" if system.get("provenance") == "Built in-house" or asset_type not in (
                "Third-party AI service",) else str(system.get("model_provider") or ""),
            "classification": "Confidential",
            "personal_data": personal if data_like else "No",
        })
    return out


def asset_type_key(display: str) -> str:
    return dict(zip(ASSET_TYPES, ASSET_TYPE_KEYS)).get(display, "")


def category_name(key: str) -> str:
    # an unknown key (a user catalog's own category) stays visible, and validation names it
    return dict(zip(CATEGORY_KEYS, RISK_CATEGORIES)).get(key, key.replace("_", " ").capitalize())


def suggest_risks(assessment: Assessment, catalogs: Any, asset_ids: list[str]) -> list[dict[str, Any]]:
    """For chosen assets, one draft risk per threat in the catalog that targets their asset types.

    A threat that several chosen assets share gives one risk naming all of them. Threats the
    register already records against the same assets are left out. Ratings and owners are left
    for the workshop to fill in.
    """
    assets = [a for a in assessment.records(ASSETS) if a.get("id") in asset_ids]
    existing = {(r.get("threat"), tuple(sorted(r.get("assets") or []))) for r in assessment.records("risks")}
    by_threat: dict[str, list[dict[str, Any]]] = {}
    for asset in sorted(assets, key=lambda a: natural_key(str(a.get("id")))):
        key = asset_type_key(str(asset.get("type")))
        for threat in catalogs.threats.values():
            if key and key in (threat.get("asset_types") or []):
                by_threat.setdefault(threat["id"], []).append(asset)
    out = []
    impacts = dict(zip(IMPACT_KEYS, IMPACT_DIMENSIONS))
    for threat_id, hit in by_threat.items():
        threat = catalogs.threats[threat_id]
        ids = sorted({a["id"] for a in hit}, key=natural_key)
        if (threat_id, tuple(sorted(ids))) in existing:
            continue
        systems = sorted({s for a in hit for s in (a.get("ai_systems") or [])}, key=natural_key)
        names = ", ".join(f"{a['id']} {a.get('name', '')}" for a in hit)
        system_names = [str((assessment.find(AI_SYSTEMS, sid) or {}).get("name") or sid) for sid in systems]
        target = ", ".join(system_names) or str(hit[0].get("name", ""))
        out.append({
            "title": f"{threat['title']}: {target}",
            "scenario": f"{' '.join(str(threat.get('description', '')).split())} Affects {names}.",
            "category": category_name(str(threat.get("category"))),
            "threat": threat_id,
            "assets": ids,
            "ai_systems": systems,
            "impact_dimensions": [impacts[k] for k in threat.get("impact") or [] if k in impacts],
            "treatment": "Modify",
            "planned_27001": list(threat.get("controls_27001") or []),
            "planned_42001": list(threat.get("controls_42001") or []),
        })
    return out
