"""Control catalogs and reference data, loaded from YAML and validated at start-up.

Bundled catalogs live in ``data/catalogs/``; a user may add a folder of their own in the same
format (see docs/catalog-format.md). Every error names the file and the entry. A broken
bundled catalog stops the program (it is a bug in the release); a broken user catalog is
reported and skipped, and the bundled ones still load.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from . import safefile
from .paths import bundled_catalog_dir

try:  # the C loader is several times faster where PyYAML was built with it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class _NoAliasLoader(yaml.SafeLoader):
    """The loader for user catalogs: YAML aliases (``*name``) are refused.

    An alias lets a few lines expand to gigabytes (a "billion laughs" bomb); our catalogs
    never need one, so a user catalog using them is reported and skipped.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in user catalogs", event.start_mark)
        return super().compose_node(parent, index)

KINDS = (
    "controls", "mapping", "threats", "documents", "training",
    "vendor_questionnaire", "audit_checklist", "incident_types", "risk_method",
)
THEMES = ("Organizational", "People", "Physical", "Technological")
RELEVANCE = ("high", "medium", "low", "none")
RELATIONSHIPS = ("equivalent", "partial", "supports")
ASSET_TYPES = (
    "model", "training_data", "evaluation_data", "inference_api", "training_pipeline",
    "vector_store", "prompt", "agent_tool", "ai_service", "compute",
)
CATEGORIES = (
    "training_data_security", "model_protection", "adversarial_robustness",
    "inference_security", "supply_chain",
)
IMPACTS = ("C", "I", "A", "safety", "privacy")
ISO27001 = "iso27001_2022"
ISO42001 = "iso42001_2023"
MAX_FILE_BYTES = 5 * 1024 * 1024


class CatalogError(ValueError):
    """A catalog problem: which file, which entry, what is wrong."""

    def __init__(self, file: str, entry: str, message: str):
        self.file, self.entry, self.message = file, entry, message
        where = f"{file}: {entry}" if entry else file
        super().__init__(f"{where}: {message}")


@dataclass
class CatalogFile:
    path: Path
    id: str
    name: str
    kind: str
    version: str
    sources: list[str]
    licence: str
    data: dict[str, Any]
    bundled: bool

    @property
    def filename(self) -> str:
        return self.path.name


@dataclass
class Catalogs:
    """Everything the catalogs hold, merged and cross-checked."""

    files: list[CatalogFile] = field(default_factory=list)
    control_sets: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Catalog id -> control id -> control entry."""
    objectives: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    clauses: dict[str, dict[str, Any]] = field(default_factory=dict)
    """ISO 27001 clause id -> entry."""
    mappings: list[dict[str, Any]] = field(default_factory=list)
    threats: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Extra threat categories (beyond the brief's five) -> entry with its ``parent``."""
    editions: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Source editions of the threat IDs (version, date, status)."""
    crosswalks: dict[str, dict[str, Any]] = field(default_factory=dict)
    tactics: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    training_modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    vendor_questionnaire: dict[str, Any] = field(default_factory=dict)
    checklist: dict[str, dict[str, Any]] = field(default_factory=dict)
    incident_types: dict[str, dict[str, Any]] = field(default_factory=dict)
    notification_regimes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Incident notification obligations (GDPR, NIS2, DORA, EU AI Act), by id."""
    regime_sectors: dict[str, list[str]] = field(default_factory=dict)
    """'dora' / 'nis2' -> sector words that make the organisation subject to it."""
    risk_methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Messages about user catalogs that were reported and skipped."""

    @property
    def iso27001(self) -> dict[str, dict[str, Any]]:
        return self.control_sets.get(ISO27001, {})

    @property
    def iso42001(self) -> dict[str, dict[str, Any]]:
        return self.control_sets.get(ISO42001, {})

    def root_category(self, key: str) -> str:
        """The brief's category a threat category rolls up to ('' if unknown)."""
        if key in CATEGORIES:
            return key
        parent = (self.categories.get(key) or {}).get("parent")
        return parent if parent in CATEGORIES else ""

    def known_27001(self, ref: str) -> bool:
        return ref in self.iso27001 or ref in self.clauses


# -- reading ------------------------------------------------------------------------------
def read_yaml(path: Path, bundled: bool = True) -> Any:
    """Parse a catalog file: regular files only, at most MAX_FILE_BYTES; user catalogs
    (``bundled=False``) may not use YAML aliases."""
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CatalogError(name, "", f"cannot be read: {safefile.describe_os_error(exc)}") from None
    if size > MAX_FILE_BYTES:
        raise CatalogError(name, "", f"is {size} bytes; catalogs are limited to {MAX_FILE_BYTES}")
    try:
        text = safefile.read_bytes_limited(path, MAX_FILE_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise CatalogError(name, "", "is not UTF-8 text") from None
    except safefile.NotRegularFile as exc:
        raise CatalogError(name, "", f"is not a regular file ({exc})") from None
    except ValueError:
        raise CatalogError(name, "", f"is larger than the limit of {MAX_FILE_BYTES} bytes") from None
    except OSError as exc:
        raise CatalogError(name, "", f"cannot be read: {safefile.describe_os_error(exc)}") from None
    try:
        return yaml.load(text, Loader=_Loader if bundled else _NoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError(name, where, f"is not valid YAML ({problem})") from None


class _Checker:
    """Small helpers that raise CatalogError naming file and entry."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, entry: str, message: str) -> None:
        raise CatalogError(self.file, entry, message)

    def text(self, obj: dict[str, Any], key: str, entry: str, required: bool = True) -> str:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(entry, f"'{key}' is missing or empty")
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail(entry, f"'{key}' must be text, not {type(value).__name__}")
        return value.strip()

    def choice(self, obj: dict[str, Any], key: str, entry: str, allowed: Iterable[str],
               required: bool = True) -> str:
        value = self.text(obj, key, entry, required)
        allowed = tuple(allowed)
        if value and value not in allowed:
            self.fail(entry, f"'{key}' is '{value}'; expected one of {', '.join(allowed)}")
        return value

    def items(self, obj: dict[str, Any], key: str, entry: str, required: bool = True) -> list[Any]:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(entry, f"'{key}' is missing")
            return []
        if not isinstance(value, list):
            self.fail(entry, f"'{key}' must be a list")
        return value

    def strings(self, obj: dict[str, Any], key: str, entry: str, allowed: Iterable[str] | None = None,
                required: bool = False) -> list[str]:
        values = self.items(obj, key, entry, required)
        out = []
        allowed_t = tuple(allowed) if allowed is not None else None
        for v in values:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                v = str(v)
            if not isinstance(v, str) or not v.strip():
                self.fail(entry, f"'{key}' must be a list of text")
            if allowed_t is not None and v not in allowed_t:
                self.fail(entry, f"'{key}' has '{v}'; expected one of {', '.join(allowed_t)}")
            out.append(v.strip())
        if required and not out:
            self.fail(entry, f"'{key}' must not be empty")
        return out

    def entries(self, data: dict[str, Any], key: str, required: bool = True) -> list[tuple[str, dict[str, Any]]]:
        """The list under ``key`` as (label, entry) pairs with unique ids."""
        values = self.items(data, key, "", required)
        seen: set[str] = set()
        out = []
        for i, item in enumerate(values):
            label = f"{key}[{i}]"
            if not isinstance(item, dict):
                self.fail(label, "must be a mapping of fields")
            ident = self.text(item, "id", label)
            label = f"{key}[{i}] ({ident})"
            if ident in seen:
                self.fail(label, f"duplicate id '{ident}'")
            seen.add(ident)
            item["id"] = ident
            out.append((label, item))
        return out


_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_file(path: Path, bundled: bool) -> CatalogFile:
    """Read and check one catalog file on its own (cross-references come later)."""
    data = read_yaml(path, bundled)
    c = _Checker(path.name)
    if not isinstance(data, dict):
        c.fail("", "must be a mapping with a 'catalog:' header")
    header = data.get("catalog")
    if not isinstance(header, dict):
        c.fail("catalog", "the 'catalog:' header is missing")
    cid = c.text(header, "id", "catalog")
    if not _ID_RE.match(cid):
        c.fail("catalog", f"id '{cid}' must be lower case letters, digits and underscores")
    kind = c.choice(header, "kind", "catalog", KINDS)
    cf = CatalogFile(
        path=path, id=cid, name=c.text(header, "name", "catalog"), kind=kind,
        version=c.text(header, "version", "catalog"),
        sources=c.strings(header, "sources", "catalog", required=True),
        licence=c.text(header, "licence", "catalog"), data=data, bundled=bundled,
    )
    _CHECKS[kind](c, data)
    return cf


def _check_refs_shape(c: _Checker, item: dict[str, Any], label: str) -> None:
    c.strings(item, "controls_27001", label)
    c.strings(item, "controls_42001", label)


def _check_controls(c: _Checker, data: dict[str, Any]) -> None:
    objective_entries = c.entries(data, "objectives", False)
    objectives = [o["id"] for _, o in objective_entries]
    for label, o in objective_entries:
        c.text(o, "title", label)
    for label, ctl in c.entries(data, "controls"):
        c.text(ctl, "title", label)
        c.choice(ctl, "theme", label, THEMES, required=False)
        if objectives or "objective" in ctl:
            c.choice(ctl, "objective", label, objectives or (), required=bool(objectives))
        relevance = c.choice(ctl, "ai_relevance", label, RELEVANCE, required=False)
        if relevance in ("high", "medium"):
            c.text(ctl, "ai_guidance", label)
        else:
            c.text(ctl, "ai_guidance", label, required=False)
        c.text(ctl, "guidance", label, required=False)
    for label, cl in c.entries(data, "clauses", False):
        c.text(cl, "title", label)


def _check_mapping(c: _Checker, data: dict[str, Any]) -> None:
    for label, note in c.entries(data, "notes", False):
        c.text(note, "title", label)
        c.text(note, "text", label)
    values = c.items(data, "mappings", "")
    seen: set[str] = set()
    for i, m in enumerate(values):
        label = f"mappings[{i}]"
        if not isinstance(m, dict):
            c.fail(label, "must be a mapping of fields")
        control = c.text(m, "control", label)
        label = f"mappings[{i}] ({control})"
        if control in seen:
            c.fail(label, f"'{control}' is mapped twice")
        seen.add(control)
        has_none = "none" in m
        targets = c.items(m, "maps_to", label, required=False)
        if has_none and targets:
            c.fail(label, "has both 'maps_to' and 'none'")
        if has_none:
            c.text(m, "none", label)
            continue
        if not targets:
            c.fail(label, "needs 'maps_to' targets or 'none' with a reason")
        for j, t in enumerate(targets):
            tl = f"{label} maps_to[{j}]"
            if not isinstance(t, dict):
                c.fail(tl, "must be a mapping with id, relationship and rationale")
            t["id"] = c.text(t, "id", tl)
            c.choice(t, "relationship", tl, RELATIONSHIPS)
            c.text(t, "rationale", tl)


EDITION_STATUS = ("published", "draft", "superseded")
_EDITION_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _edition_date_ok(text: str) -> bool:
    import datetime as _dt

    if not _EDITION_DATE.match(text):
        return False
    parts = [int(p) for p in text.split("-")] + [1, 1]
    try:
        _dt.date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def _check_threats(c: _Checker, data: dict[str, Any]) -> None:
    extra = [o["id"] for _, o in c.entries(data, "categories", False)]
    for label, cat in c.entries(data, "categories", False):
        c.text(cat, "title", label)
        # every extra category rolls up to one of the brief's five
        c.choice(cat, "parent", label, CATEGORIES)
        c.text(cat, "parent_rationale", label, required=False)
    tactics = [t["id"] for _, t in c.entries(data, "tactics", False)]
    editions = {}
    for label, e in c.entries(data, "editions", False):
        c.text(e, "name", label)
        c.text(e, "version", label)
        date = c.text(e, "date", label)
        if not _edition_date_ok(date):
            c.fail(label, f"'date' is '{date}'; write a real date as YYYY, YYYY-MM or YYYY-MM-DD "
                          "(in quotes)")
        c.choice(e, "status", label, EDITION_STATUS)
        editions[c.text(e, "framework", label)] = e["id"]
    by_edition: dict[str, set[str]] = {}
    for label, t in c.entries(data, "threats"):
        c.text(t, "title", label)
        framework = c.text(t, "framework", label)
        if editions and framework not in editions:
            c.fail(label, f"framework '{framework}' is not one of the editions listed under "
                          f"'editions' ({', '.join(editions)})")
        by_edition.setdefault(editions.get(framework, ""), set()).add(t["id"])
        c.text(t, "description", label)
        c.choice(t, "category", label, (*CATEGORIES, *extra))
        c.strings(t, "asset_types", label, ASSET_TYPES, required=True)
        c.strings(t, "impact", label, IMPACTS, required=True)
        c.strings(t, "tactics", label, tactics)
        _check_refs_shape(c, t, label)
    for label, x in c.entries(data, "crosswalks", False):
        c.text(x, "title", label)
        ends = [c.choice(x, end, label, list(editions.values())) for end in ("from", "to")]
        for j, pair in enumerate(c.items(x, "pairs", label)):
            pl = f"{label} pairs[{j}]"
            if not isinstance(pair, dict):
                c.fail(pl, "must have 'from', 'to' and 'note'")
            c.text(pair, "note", pl)
            sides = (("from", [c.text(pair, "from", pl)]), ("to", c.strings(pair, "to", pl)))
            for (side, refs), edition in zip(sides, ends):
                shipped = by_edition.get(edition)
                for ref in refs:
                    if shipped and ref not in shipped:
                        c.fail(pl, f"'{side}' names '{ref}', which is not a threat of edition "
                                   f"'{edition}' in this catalogue")


def _check_documents(c: _Checker, data: dict[str, Any]) -> None:
    for label, d in c.entries(data, "documents"):
        c.text(d, "title", label)
        c.strings(d, "ai_changes", label, required=True)
        _check_refs_shape(c, d, label)


def _check_training(c: _Checker, data: dict[str, Any]) -> None:
    for label, r in c.entries(data, "roles", False):
        c.text(r, "title", label)
    for label, m in c.entries(data, "modules"):
        c.text(m, "title", label)
        c.strings(m, "audience", label, required=True)  # roles are checked once merged
        c.strings(m, "topics", label, required=True)
        _check_refs_shape(c, m, label)


def _check_vendor(c: _Checker, data: dict[str, Any]) -> None:
    scale = c.items(data, "answer_scale", "")
    for i, s in enumerate(scale):
        if not isinstance(s, dict) or "value" not in s or "label" not in s:
            c.fail(f"answer_scale[{i}]", "needs 'value' and 'label'")
    for label, cert in c.entries(data, "certifications", False):
        c.text(cert, "title", label)
    total = 0.0
    for label, s in c.entries(data, "sections"):
        c.text(s, "title", label)
        weight = s.get("weight")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
            c.fail(label, "'weight' must be a number of zero or more")
        total += weight
        for ql, q in c.entries(s, "questions"):
            c.text(q, "text", f"{label} {ql}")
            c.strings(q, "sources", f"{label} {ql}")  # optional: the law or guidance it rests on
            _check_refs_shape(c, q, f"{label} {ql}")
    if abs(total - 100) > 0.01:
        c.fail("sections", f"section weights add up to {total:g}, not 100")
    for i, band in enumerate(data.get("rating_bands") or []):
        if (not isinstance(band, dict) or not isinstance(band.get("min"), (int, float))
                or not str(band.get("rating") or "").strip()):
            c.fail(f"rating_bands[{i}]", "needs a number 'min' (0-100) and a 'rating'")


def _check_checklist(c: _Checker, data: dict[str, Any]) -> None:
    for label, q in c.entries(data, "questions"):
        c.text(q, "question", label)
        c.text(q, "evidence_expected", label)
        _check_refs_shape(c, q, label)
        if not q.get("controls_27001") and not q.get("controls_42001"):
            c.fail(label, "names no control in controls_27001 or controls_42001")


def _check_incidents(c: _Checker, data: dict[str, Any]) -> None:
    for label, t in c.entries(data, "incident_types"):
        c.text(t, "title", label)
        c.text(t, "description", label)
        c.text(t, "category", label)
        _check_refs_shape(c, t, label)
    for label, s in c.entries(data, "severities", False):
        c.text(s, "title", label)
    for label, r in c.entries(data, "notification_regimes", False):
        for key in ("regime", "title", "source", "recipient"):
            c.text(r, key, label)
        c.choice(r, "clock", label, ("hours", "days", "months", "undue_delay"))
        if r["clock"] != "undue_delay" and (not isinstance(r.get("period"), int) or r["period"] < 1):
            c.fail(label, "'period' must be a whole number of 1 or more")
        if not isinstance(r.get("applies"), dict):
            c.fail(label, "'applies' must map conditions to values")


def _check_risk_method(c: _Checker, data: dict[str, Any]) -> None:
    for label, m in c.entries(data, "methods"):
        c.text(m, "title", label)
        lik = c.strings(m, "likelihood", label, required=True)
        imp = c.strings(m, "impact", label, required=True)
        if len(lik) != len(imp) or len(lik) not in (3, 4, 5):
            c.fail(label, "likelihood and impact need the same number of labels: 3, 4 or 5")
        bands = c.items(m, "bands", label)
        top = len(lik) * len(imp)
        expected = 1
        levels = []
        for j, b in enumerate(bands):
            bl = f"{label} bands[{j}]"
            if not isinstance(b, dict):
                c.fail(bl, "must have level, min, max and colour")
            levels.append(c.text(b, "level", bl))
            c.text(b, "colour", bl)
            lo, hi = b.get("min"), b.get("max")
            if not isinstance(lo, int) or not isinstance(hi, int) or lo > hi:
                c.fail(bl, "'min' and 'max' must be whole numbers with min <= max")
            if lo != expected:
                c.fail(bl, f"starts at {lo}; the bands must cover 1..{top} without gaps, so expected {expected}")
            expected = hi + 1
        if expected != top + 1:
            c.fail(label, f"the bands end at {expected - 1}; they must reach {top}")
        c.choice(m, "acceptance_threshold", label, levels)


_CHECKS = {
    "controls": _check_controls, "mapping": _check_mapping, "threats": _check_threats,
    "documents": _check_documents, "training": _check_training,
    "vendor_questionnaire": _check_vendor, "audit_checklist": _check_checklist,
    "incident_types": _check_incidents, "risk_method": _check_risk_method,
}


# -- merging and cross-references ------------------------------------------------------------
def _merge(cats: Catalogs, cf: CatalogFile) -> None:
    """Add one checked file to the merged catalogs; raises CatalogError on a clash."""
    d, c = cf.data, _Checker(cf.filename)

    def put(target: dict[str, Any], entries: list[Any], key: str) -> None:
        for i, e in enumerate(entries):
            if e["id"] in target:
                c.fail(f"{key}[{i}] ({e['id']})", f"id '{e['id']}' is already defined by another catalog")
        for e in entries:
            target[e["id"]] = e

    if cf.kind == "controls":
        if cf.id in cats.control_sets:
            c.fail("catalog", f"a controls catalog with id '{cf.id}' is already loaded")
        cats.control_sets[cf.id] = {e["id"]: e for e in d["controls"]}
        cats.objectives[cf.id] = {e["id"]: e for e in d.get("objectives") or []}
        if cf.id == ISO27001:
            cats.clauses.update({e["id"]: e for e in d.get("clauses") or []})
    elif cf.kind == "mapping":
        known = {m["control"] for m in cats.mappings}
        for i, m in enumerate(d["mappings"]):
            if m["control"] in known:
                c.fail(f"mappings[{i}] ({m['control']})", "is already mapped by another catalog")
        cats.mappings.extend(d["mappings"])
    elif cf.kind == "threats":
        put(cats.categories, d.get("categories") or [], "categories")
        put(cats.editions, d.get("editions") or [], "editions")
        put(cats.crosswalks, d.get("crosswalks") or [], "crosswalks")
        put(cats.tactics, d.get("tactics") or [], "tactics")
        put(cats.threats, d["threats"], "threats")
    elif cf.kind == "documents":
        put(cats.documents, d["documents"], "documents")
    elif cf.kind == "training":
        put(cats.roles, d.get("roles") or [], "roles")
        put(cats.training_modules, d["modules"], "modules")
    elif cf.kind == "vendor_questionnaire":
        if cats.vendor_questionnaire:
            c.fail("catalog", "a vendor questionnaire is already loaded")
        cats.vendor_questionnaire = d
    elif cf.kind == "audit_checklist":
        put(cats.checklist, d["questions"], "questions")
    elif cf.kind == "incident_types":
        put(cats.incident_types, d["incident_types"], "incident_types")
        put(cats.notification_regimes, d.get("notification_regimes") or [], "notification_regimes")
        for key, words in (d.get("regime_sectors") or {}).items():
            cats.regime_sectors = {**cats.regime_sectors,
                                   key: [*cats.regime_sectors.get(key, []), *words]}
    elif cf.kind == "risk_method":
        put(cats.risk_methods, d["methods"], "methods")


def _refs(cf: CatalogFile) -> Iterable[tuple[str, dict[str, Any]]]:
    """(label, entry) for every entry of a file that may carry control references."""
    d = cf.data
    keys = {"threats": ["threats"], "documents": ["documents"], "training": ["modules"],
            "audit_checklist": ["questions"], "incident_types": ["incident_types"]}.get(cf.kind, [])
    for key in keys:
        for i, e in enumerate(d.get(key) or []):
            yield f"{key}[{i}] ({e['id']})", e
    if cf.kind == "vendor_questionnaire":
        for s in d["sections"]:
            for i, q in enumerate(s["questions"]):
                yield f"sections ({s['id']}) questions[{i}] ({q['id']})", q


def check_references(cats: Catalogs, cf: CatalogFile) -> None:
    """Every control, objective or category a file names must exist."""
    c = _Checker(cf.filename)
    for label, e in _refs(cf):
        for ref in e.get("controls_27001") or []:
            if not cats.known_27001(ref):
                c.fail(label, f"controls_27001 names unknown ISO 27001 control or clause '{ref}'")
        for ref in e.get("controls_42001") or []:
            if ref not in cats.iso42001:
                c.fail(label, f"controls_42001 names unknown ISO 42001 control '{ref}'")
    if cf.kind == "mapping":
        for i, m in enumerate(cf.data["mappings"]):
            label = f"mappings[{i}] ({m['control']})"
            if m["control"] not in cats.iso42001:
                c.fail(label, f"'{m['control']}' is not an ISO 42001 control")
            for t in m.get("maps_to") or []:
                if not cats.known_27001(t["id"]):
                    c.fail(label, f"maps to unknown ISO 27001 control or clause '{t['id']}'")
    if cf.kind == "training":
        for i, m in enumerate(cf.data["modules"]):
            for role in m.get("audience") or []:
                if role not in cats.roles:
                    c.fail(f"modules[{i}] ({m['id']})", f"audience names unknown role '{role}'")
    if cf.kind == "incident_types":
        for i, t in enumerate(cf.data["incident_types"]):
            cat = t["category"]
            if cat not in CATEGORIES and cat not in cats.categories:
                c.fail(f"incident_types[{i}] ({t['id']})", f"category '{cat}' is not a known threat category")


def _merge_checked(cats: Catalogs, cf: CatalogFile) -> None:
    """Merge a user file only if it merges and its references resolve; else leave cats as it was."""
    import copy

    trial = copy.copy(cats)
    for name in ("control_sets", "objectives", "clauses", "threats", "categories", "editions",
                 "crosswalks", "tactics",
                 "documents", "training_modules", "roles", "checklist", "incident_types",
                 "notification_regimes",
                 "risk_methods"):
        setattr(trial, name, dict(getattr(cats, name)))
    trial.mappings = list(cats.mappings)
    _merge(trial, cf)
    check_references(trial, cf)
    cats.__dict__.update(trial.__dict__)


def catalog_paths(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_catalogs(user_dir: str | Path | None = None, bundled_dir: Path | None = None) -> Catalogs:
    """Load the bundled catalogs (errors raise CatalogError) and then a user folder (errors skip)."""
    bundled_dir = bundled_dir or bundled_catalog_dir()
    cats = Catalogs()
    files = [parse_file(p, bundled=True) for p in catalog_paths(bundled_dir)]
    # controls first, so that every other file's references can be checked against them
    files.sort(key=lambda f: (f.kind != "controls", f.kind != "threats", f.filename))
    for cf in files:
        _merge(cats, cf)
        cats.files.append(cf)
    if ISO27001 not in cats.control_sets:
        raise CatalogError(str(bundled_dir), "", "the bundled ISO 27001 catalog is missing")
    for cf in files:
        check_references(cats, cf)
    if user_dir is not None:
        folder = Path(user_dir).expanduser()
        if not folder.is_dir():
            cats.skipped.append(f"{folder}: catalog folder does not exist; using the bundled catalogs only")
            return cats
        user_files = []
        try:
            listed = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
        except OSError as exc:
            cats.skipped.append(f"{folder}: cannot be listed ({safefile.describe_os_error(exc)}); "
                                "using the bundled catalogs only")
            return cats
        for p in listed:
            try:
                mode = p.stat().st_mode
            except OSError as exc:
                cats.skipped.append(f"{p.name}: cannot be read ({safefile.describe_os_error(exc)}) "
                                    "(skipped)")
                continue
            if not stat.S_ISREG(mode):
                cats.skipped.append(f"{p.name}: is {safefile.kind_of(mode)}, not a catalog file "
                                    "(skipped)")
                continue
        for p in [p for p in listed if p.is_file()]:
            try:
                user_files.append(parse_file(p, bundled=False))
            except CatalogError as exc:
                cats.skipped.append(f"{exc} (skipped)")
        user_files.sort(key=lambda f: (f.kind != "controls", f.kind != "threats", f.filename))
        for cf in user_files:
            try:
                _merge_checked(cats, cf)
            except CatalogError as exc:
                cats.skipped.append(f"{exc} (skipped)")
                continue
            cats.files.append(cf)
    return cats
