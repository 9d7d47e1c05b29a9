"""The risk method an assessment uses, and scoring with it.

A method is plain data kept in the assessment so it can match the client's ISMS: the matrix
size (3×3, 4×4 or 5×5), likelihood and impact labels, level bands (score ranges with a
colour) and the acceptance threshold (the highest level a risk owner may accept without a
recorded sign-off). Score = likelihood × impact; the level is the band the score falls in.
"""

from __future__ import annotations

import copy
from typing import Any

SIZES = (3, 4, 5)
MAX_LABEL = 80
"""Longest likelihood, impact or level label."""
COLOURS = ("green", "yellow", "orange", "red", "purple", "blue", "grey")

DEFAULT_METHOD: dict[str, Any] = {
    "id": "iso27005_5x5",
    "title": "5×5 likelihood × impact (default)",
    "likelihood": ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"],
    "impact": ["Negligible", "Minor", "Moderate", "Major", "Severe"],
    "bands": [
        {"level": "Low", "min": 1, "max": 4, "colour": "green"},
        {"level": "Medium", "min": 5, "max": 9, "colour": "yellow"},
        {"level": "High", "min": 10, "max": 14, "colour": "orange"},
        {"level": "Critical", "min": 15, "max": 25, "colour": "red"},
    ],
    "acceptance_threshold": "Medium",
}

TREATMENTS = ("Modify", "Retain", "Avoid", "Share")
TREATMENT_ALIASES = {"mitigate": "Modify", "reduce": "Modify", "treat": "Modify",
                     "accept": "Retain", "tolerate": "Retain", "transfer": "Share",
                     "terminate": "Avoid"}


def default_method() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_METHOD)


def size(method: dict[str, Any]) -> int:
    return len(method.get("likelihood") or [])


def levels(method: dict[str, Any]) -> list[str]:
    return [b["level"] for b in method.get("bands") or []]


def score(likelihood: Any, impact: Any) -> int | None:
    if not isinstance(likelihood, int) or not isinstance(impact, int):
        return None
    if isinstance(likelihood, bool) or isinstance(impact, bool):
        return None
    return likelihood * impact


def band(method: dict[str, Any], value: int | None) -> dict[str, Any] | None:
    if value is None:
        return None
    for b in method.get("bands") or []:
        if b["min"] <= value <= b["max"]:
            return b
    return None


def level(method: dict[str, Any], likelihood: Any, impact: Any) -> str | None:
    b = band(method, score(likelihood, impact))
    return b["level"] if b else None


def level_rank(method: dict[str, Any], name: str | None) -> int:
    """0 for the lowest band; -1 for an unknown or missing level."""
    try:
        return levels(method).index(name) if name else -1
    except ValueError:
        return -1


def above_threshold(method: dict[str, Any], name: str | None) -> bool:
    return level_rank(method, name) > level_rank(method, method.get("acceptance_threshold"))


def acceptance_required(method: dict[str, Any], record: dict[str, Any]) -> bool:
    """The risk owner's acceptance is needed when the option is Retain, or when the level that
    remains (residual if assessed, otherwise inherent) is above the acceptance threshold."""
    if record.get("treatment") == "Retain":
        return True
    remaining = record.get("residual_level") or record.get("inherent_level")
    return above_threshold(method, remaining)


def derive(record: dict[str, Any], method: dict[str, Any]) -> None:
    """Fill inherent and residual score and level from the ratings."""
    for prefix in ("inherent", "residual"):
        s = score(record.get(f"{prefix}_likelihood"), record.get(f"{prefix}_impact"))
        b = band(method, s)
        record[f"{prefix}_score"] = s
        record[f"{prefix}_level"] = b["level"] if b else None


def rescale(value: Any, old: int, new: int) -> Any:
    """Map a rating from a scale of ``old`` steps to ``new`` steps, keeping both ends."""
    if not isinstance(value, int) or isinstance(value, bool) or old == new or old < 2:
        return value
    value = max(1, min(old, value))
    return int((value - 1) * (new - 1) / (old - 1) + 1.5)


def validate_method(method: dict[str, Any]) -> list[str]:
    """Problems with a method, worded for the person editing it."""
    problems: list[str] = []
    lik, imp = method.get("likelihood") or [], method.get("impact") or []
    n = len(lik)
    if n not in SIZES:
        problems.append(f"The matrix must be 3×3, 4×4 or 5×5; it has {n} likelihood labels.")
    if len(imp) != n:
        problems.append(f"There are {n} likelihood labels but {len(imp)} impact labels; they must match.")
    for axis, labels in (("Likelihood", lik), ("Impact", imp)):
        for i, label in enumerate(labels, start=1):
            if not str(label).strip():
                problems.append(f"{axis} label {i} is empty.")
            elif len(str(label)) > MAX_LABEL:
                problems.append(f"{axis} label {i} is {len(str(label))} characters long; the "
                                f"limit is {MAX_LABEL}.")
        if len({str(x).strip().casefold() for x in labels}) != len(labels):
            problems.append(f"{axis} labels must all be different.")
    bands = method.get("bands") or []
    if not bands:
        problems.append("At least one level band is needed.")
    top = n * len(imp) if n and len(imp) == n else 0
    expected = 1
    names: set[str] = set()
    for i, b in enumerate(bands, start=1):
        name = str(b.get("level") or "").strip()
        if not name:
            problems.append(f"Band {i} has no level name.")
        elif len(name) > MAX_LABEL:
            problems.append(f"Band {i}'s level name is {len(name)} characters long; the limit "
                            f"is {MAX_LABEL}.")
            name = name[:MAX_LABEL]
        elif name.casefold() in names:
            problems.append(f"Level '{name}' is used by two bands.")
        names.add(name.casefold())
        lo, hi = b.get("min"), b.get("max")
        if not isinstance(lo, int) or not isinstance(hi, int) or lo > hi:
            problems.append(f"Band {i} ({name or '?'}) needs whole numbers with from ≤ to.")
            continue
        if lo != expected:
            problems.append(f"Band {i} ({name}) starts at {lo}; the bands must cover every score "
                            f"without gaps or overlaps, so it should start at {expected}.")
        expected = hi + 1
        if b.get("colour") not in COLOURS:
            problems.append(f"Band {i} ({name}) has colour '{b.get('colour')}'; use one of "
                            f"{', '.join(COLOURS)}.")
    if top and bands and expected != top + 1:
        problems.append(f"The bands end at {expected - 1}; the highest score is {top}.")
    if method.get("acceptance_threshold") not in [b.get("level") for b in bands]:
        problems.append("The acceptance threshold must be one of the levels.")
    return problems


def preset(method_entry: dict[str, Any]) -> dict[str, Any]:
    """A method from a risk-methods catalog entry, as stored in an assessment."""
    keys = ("id", "title", "likelihood", "impact", "bands", "acceptance_threshold")
    return copy.deepcopy({k: method_entry[k] for k in keys if k in method_entry})


def bands_text(method: dict[str, Any]) -> str:
    """Bands as one line a person can edit: ``Low 1-4 green; Medium 5-9 yellow; …``."""
    return "; ".join(f"{b['level']} {b['min']}-{b['max']} {b['colour']}" for b in method.get("bands") or [])


def method_from_text(likelihood: str, impact: str, bands: str, threshold: str,
                     base: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Build a method from the editor's text fields. Returns (method, {field: message})."""
    import re

    from .schema import clean_text

    errors: dict[str, str] = {}
    likelihood, impact, bands, threshold = (clean_text(t) for t in (likelihood, impact, bands,
                                                                    threshold))
    lik = [p.strip() for p in likelihood.split(",") if p.strip()]
    imp = [p.strip() for p in impact.split(",") if p.strip()]
    parsed = []
    for i, part in enumerate([p.strip() for p in bands.split(";") if p.strip()], start=1):
        m = re.fullmatch(r"(.+?)\s+(\d+)\s*[-–]\s*(\d+)\s+(\w+)", part)
        if not m:
            errors["bands"] = (f"Band {i} ('{part}') should read like 'High 10-14 orange': "
                               "level, from-to, colour.")
            break
        parsed.append({"level": m.group(1).strip(), "min": int(m.group(2)), "max": int(m.group(3)),
                       "colour": m.group(4).lower()})
    method = {**(base or {}), "likelihood": lik, "impact": imp, "bands": parsed,
              "acceptance_threshold": threshold.strip()}
    method["id"] = "custom" if base is None or method != base else base.get("id", "custom")
    method["title"] = f"{len(lik)}×{len(imp)} likelihood × impact"
    if not errors:
        for message in validate_method(method):
            key = ("likelihood" if "likelihood" in message.lower() and "label" in message.lower()
                   else "impact" if "impact label" in message.lower()
                   else "threshold" if "threshold" in message.lower() else "bands")
            errors.setdefault(key, message)
    return method, errors
