"""Browsable views over the loaded catalogs, with cross-references in both directions.

Plain Python: the catalog browser screen shows what these functions return, and tests check
them directly. For any ISO 27001 control you get the ISO 42001 controls and threats that map
to it, and for those, the way back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .catalogs import Catalogs


@dataclass(frozen=True)
class Column:
    title: str
    get: Callable[[dict[str, Any]], str]
    width: int


@dataclass(frozen=True)
class View:
    key: str
    title: str
    columns: tuple[Column, ...]
    entries: tuple[dict[str, Any], ...]

    def find(self, entry_id: str) -> dict[str, Any] | None:
        for e in self.entries:
            if e["id"] == entry_id:
                return e
        return None


@dataclass(frozen=True)
class Link:
    """A related entry: which view and entry, how it relates, and why."""

    view: str
    entry_id: str
    label: str
    note: str = ""


def _join(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values if v)


def _refs(e: dict[str, Any]) -> str:
    parts = list(e.get("controls_27001") or []) + [f"42001 {c}" for c in e.get("controls_42001") or []]
    return _join(parts)


def _vendor_questions(cats: Catalogs) -> list[dict[str, Any]]:
    out = []
    for s in cats.vendor_questionnaire.get("sections") or []:
        for q in s.get("questions") or []:
            out.append({**q, "section": s.get("title", ""), "section_id": s.get("id", "")})
    return out


def build_views(cats: Catalogs) -> list[View]:
    """Every browsable catalog, in the order a consultant would look for them."""
    mapped = {m["control"]: m for m in cats.mappings}

    def mapping_summary(e: dict[str, Any]) -> str:
        m = mapped.get(e["id"])
        if m is None:
            return ""
        if "none" in m:
            return "new AI control"
        return _join(t["id"] for t in m.get("maps_to") or [])

    views = [
        View("iso27001", "ISO/IEC 27001:2022 Annex A", (
            Column("ID", lambda e: e["id"], 7),
            Column("Title", lambda e: e.get("title", ""), 34),
            Column("Theme", lambda e: e.get("theme", ""), 13),
            Column("AI", lambda e: e.get("ai_relevance", ""), 6),
        ), tuple(cats.iso27001.values())),
        View("clauses", "ISO/IEC 27001:2022 clauses 4–10", (
            Column("Clause", lambda e: e["id"], 7),
            Column("Title", lambda e: e.get("title", ""), 50),
        ), tuple(cats.clauses.values())),
        View("iso42001", "ISO/IEC 42001:2023 Annex A", (
            Column("ID", lambda e: e["id"], 8),
            Column("Title", lambda e: e.get("title", ""), 36),
            Column("Builds on 27001", mapping_summary, 24),
        ), tuple(cats.iso42001.values())),
        View("threats", "AI threats (OWASP ML, LLM and Agentic Top 10, MITRE ATLAS)", (
            Column("ID", lambda e: e["id"], 14),
            Column("Title", lambda e: e.get("title", ""), 34),
            Column("Category", lambda e: e.get("category", "").replace("_", " "), 22),
        ), tuple(cats.threats.values())),
        View("documents", "ISMS documents to update for AI", (
            Column("ID", lambda e: e["id"], 7),
            Column("Title", lambda e: e.get("title", ""), 40),
            Column("References", _refs, 24),
        ), tuple(cats.documents.values())),
        View("training", "AI security training modules", (
            Column("ID", lambda e: e["id"], 6),
            Column("Title", lambda e: e.get("title", ""), 40),
            Column("Audience", lambda e: _join(e.get("audience") or []), 24),
        ), tuple(cats.training_modules.values())),
        View("checklist", "Internal-audit questions", (
            Column("ID", lambda e: e["id"], 7),
            Column("Controls", _refs, 18),
            Column("Question", lambda e: e.get("question", ""), 60),
        ), tuple(cats.checklist.values())),
        View("vendor", "AI vendor questionnaire", (
            Column("ID", lambda e: e["id"], 7),
            Column("Section", lambda e: e.get("section", ""), 22),
            Column("Question", lambda e: e.get("text", ""), 60),
        ), tuple(_vendor_questions(cats))),
        View("incidents", "AI incident types", (
            Column("ID", lambda e: e["id"], 7),
            Column("Title", lambda e: e.get("title", ""), 40),
            Column("Category", lambda e: e.get("category", "").replace("_", " "), 22),
        ), tuple(cats.incident_types.values())),
        View("risk_methods", "Risk methods", (
            Column("ID", lambda e: e["id"], 14),
            Column("Title", lambda e: e.get("title", ""), 40),
            Column("Size", lambda e: f"{len(e.get('likelihood') or [])}×{len(e.get('impact') or [])}", 6),
        ), tuple(cats.risk_methods.values())),
    ]
    for set_id, controls in cats.control_sets.items():
        if set_id in ("iso27001_2022", "iso42001_2023"):
            continue
        name = next((f.name for f in cats.files if f.id == set_id), set_id)
        views.append(View(f"controls:{set_id}", name, (
            Column("ID", lambda e: e["id"], 10),
            Column("Title", lambda e: e.get("title", ""), 40),
            Column("AI", lambda e: e.get("ai_relevance", ""), 6),
        ), tuple(controls.values())))
    return [v for v in views if v.entries]


def search(view: View, needle: str) -> list[dict[str, Any]]:
    """Entries whose visible columns or text fields contain every word of ``needle``."""
    words = needle.casefold().split()
    if not words:
        return list(view.entries)
    out = []
    for e in view.entries:
        hay = " ".join([*(c.get(e) for c in view.columns),
                        *(str(v) for k, v in e.items() if isinstance(v, str))]).casefold()
        if all(w in hay for w in words):
            out.append(e)
    return out


def _view_of_27001(cats: Catalogs, ref: str) -> str:
    return "iso27001" if ref in cats.iso27001 else "clauses"


def _title(cats: Catalogs, view: str, entry_id: str) -> str:
    source = {"iso27001": cats.iso27001, "clauses": cats.clauses, "iso42001": cats.iso42001,
              "threats": cats.threats}.get(view, {})
    e = source.get(entry_id)
    return f"{entry_id} {e.get('title', '')}".strip() if e else entry_id


def related(cats: Catalogs, view: str, entry_id: str) -> list[Link]:
    """Entries linked to this one, in both directions across catalogs."""
    links: list[Link] = []
    if view in ("iso27001", "clauses"):
        for m in cats.mappings:
            for t in m.get("maps_to") or []:
                if t["id"] == entry_id:
                    links.append(Link("iso42001", m["control"],
                                      f"42001 {_title(cats, 'iso42001', m['control'])}",
                                      f"{t['relationship']}: {t['rationale']}"))
        key = "controls_27001"
    elif view == "iso42001":
        m = next((m for m in cats.mappings if m["control"] == entry_id), None)
        for t in (m or {}).get("maps_to") or []:
            target_view = _view_of_27001(cats, t["id"])
            links.append(Link(target_view, t["id"], f"27001 {_title(cats, target_view, t['id'])}",
                              f"{t['relationship']}: {t['rationale']}"))
        key = "controls_42001"
    else:
        key = ""
    if key:
        for vkey, source, noun in (("threats", cats.threats, "threat"),
                                   ("checklist", cats.checklist, "audit question"),
                                   ("documents", cats.documents, "document"),
                                   ("training", cats.training_modules, "training"),
                                   ("incidents", cats.incident_types, "incident type")):
            for e in source.values():
                if entry_id in (e.get(key) or []):
                    label = e.get("title") or e.get("question", "")
                    links.append(Link(vkey, e["id"], f"{noun} {e['id']} {label}"))
        for q in _vendor_questions(cats):
            if entry_id in (q.get(key) or []):
                links.append(Link("vendor", q["id"], f"vendor question {q['id']} {q.get('text', '')}"))
        return links
    entry = _entry(cats, view, entry_id) or {}
    for ref in entry.get("controls_27001") or []:
        v = _view_of_27001(cats, ref)
        links.append(Link(v, ref, f"27001 {_title(cats, v, ref)}"))
    for ref in entry.get("controls_42001") or []:
        links.append(Link("iso42001", ref, f"42001 {_title(cats, 'iso42001', ref)}"))
    return links


def views_of(cats: Catalogs) -> list[View]:
    """The views of a loaded Catalogs, built once (catalogs are read-only after loading)."""
    cached = cats.__dict__.get("_views")
    if cached is None:
        cached = build_views(cats)
        cats.__dict__["_views"] = cached
    return cached


def _entry(cats: Catalogs, view: str, entry_id: str) -> dict[str, Any] | None:
    for v in views_of(cats):
        if v.key == view:
            return v.find(entry_id)
    return None


_SKIP = {"id", "controls_27001", "controls_42001", "questions", "section_id"}
_LABELS = {
    "ai_relevance": "AI relevance", "ai_guidance": "How it extends to AI", "ai_note": "What changes for AI",
    "ai_changes": "What to add for AI", "asset_types": "AI asset types", "impact": "Impact",
    "evidence_expected": "Evidence expected", "duration_hours": "Hours",
}


def details(cats: Catalogs, view: str, entry_id: str) -> list[tuple[str, str]]:
    """The entry's own fields as (label, text), for the detail pane."""
    entry = _entry(cats, view, entry_id)
    if entry is None:
        return []
    out: list[tuple[str, str]] = []
    for key, value in entry.items():
        if key in _SKIP or value in (None, "", []):
            continue
        label = _LABELS.get(key, key.replace("_", " ").capitalize())
        if isinstance(value, list):
            if value and isinstance(value[0], dict):
                text = "\n".join("; ".join(f"{k}: {v}" for k, v in item.items()) for item in value)
            else:
                text = ("\n".join(f"• {v}" for v in value) if key in ("ai_changes", "sources")
                        else _join(value))
        else:
            text = " ".join(str(value).split())
        out.append((label, text))
    if view == "threats":
        root = cats.root_category(str(entry.get("category") or ""))
        if root and root != entry.get("category"):
            out.append(("Rolls up to", f"{root.replace('_', ' ')} (one of the brief's five)"))
    if view == "iso42001":
        m = next((m for m in cats.mappings if m["control"] == entry_id), None)
        if m is not None and "none" in m:
            out.append(("No ISO 27001 counterpart", " ".join(str(m["none"]).split())))
    return out
