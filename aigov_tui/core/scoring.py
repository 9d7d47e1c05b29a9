"""The risk method an assessment uses, and scoring with it.

A method is plain data kept in the assessment so it can match the client's ISMS: the matrix
size (3×3, 4×4 or 5×5), likelihood and impact labels, level bands (score ranges with a
colour) and the acceptance threshold. Score = likelihood × impact; the level is the band the
score falls in.

Acceptance follows ISO/IEC 27001 6.1.3 f: the risk owners approve the treatment plan and accept
every residual risk. Above the threshold (or when the option is Retain) each risk needs its own
named acceptance (``accepted_by`` / ``accepted_on`` on the risk); at or below it, the residual
risk is accepted by the risk owner's approval of the treatment plan, recorded once in the
method (``plan_approved_by`` / ``plan_approved_on``).
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
    """An individual, named acceptance by the risk owner is needed when the option is Retain, or
    when the level that remains (residual if assessed, otherwise inherent) is above the
    acceptance threshold. Every other residual risk is accepted with the treatment plan's
    approval (ISO/IEC 27001 6.1.3 f), see :func:`acceptance_text`."""
    if record.get("treatment") == "Retain":
        return True
    remaining = record.get("residual_level") or record.get("inherent_level")
    return above_threshold(method, remaining)


PLAN_APPROVAL_KEYS = ("plan_approved_by", "plan_approved_on")
"""Where the method keeps the risk owner's approval of the treatment plan (who, when)."""


def plan_approval(method: dict[str, Any]) -> tuple[str, str]:
    """(who, when) the treatment plan was approved; empty strings while it is not."""
    return (str(method.get("plan_approved_by") or "").strip(),
            str(method.get("plan_approved_on") or "").strip())


def acceptance_text(method: dict[str, Any], record: dict[str, Any]) -> str:
    """How this risk's residual risk is accepted, for the Risk Register sheet and the screen.

    Above the threshold (or Retain): the risk's own named acceptance, or that it is missing.
    At or below it: by the treatment plan's approval (who, when), or that the plan is not yet
    approved."""
    if acceptance_required(method, record):
        by, on = str(record.get("accepted_by") or "").strip(), str(record.get("accepted_on") or "").strip()
        if by and on:
            return f"Individually accepted by {by} on {on}"
        return "Individual acceptance required, not yet recorded"
    by, on = plan_approval(method)
    if by and on:
        return f"Accepted with the treatment plan approved by {by} on {on}"
    return "Accepted with the treatment plan, which is not yet approved"


def plan_approval_from_text(approved_by: str, approved_on: str) -> tuple[dict[str, str], dict[str, str]]:
    """The treatment-plan approval as typed: ({key: value}, {key: message}). Both or neither
    (clearing both withdraws the approval); the date is YYYY-MM-DD and a real date."""
    import datetime as _dt

    by, on = " ".join(approved_by.split()), approved_on.strip()
    errors: dict[str, str] = {}
    if on:
        try:
            _dt.date.fromisoformat(on)
            if len(on) != 10:
                raise ValueError
        except ValueError:
            errors["plan_approved_on"] = (f"Approved on '{on}' is not a date: write it as "
                                          "YYYY-MM-DD, e.g. 2026-11-30.")
    if by and not on:
        errors.setdefault("plan_approved_on", "Approved on is required with the approver's name.")
    if on and not by:
        errors["plan_approved_by"] = "Approved by is required with the date: the risk owner's name."
    if len(by) > 120:
        errors["plan_approved_by"] = "Approved by is longer than 120 characters."
    return {"plan_approved_by": by, "plan_approved_on": on}, errors


def derive(record: dict[str, Any], method: dict[str, Any]) -> None:
    """Fill inherent and residual score and level from the ratings, and how the residual risk
    is accepted (:func:`acceptance_text`)."""
    for prefix in ("inherent", "residual"):
        s = score(record.get(f"{prefix}_likelihood"), record.get(f"{prefix}_impact"))
        b = band(method, s)
        record[f"{prefix}_score"] = s
        record[f"{prefix}_level"] = b["level"] if b else None
    record["acceptance"] = acceptance_text(method, record)


def proportional(value: int, old: int, new: int) -> int:
    """The step of a scale of ``new`` steps at the same relative position as ``value`` on a scale
    of ``old`` steps (the middle of its cell), so "low" stays low and "high" stays high."""
    value = max(1, min(old, value))
    return min(new, int((value - 0.5) * new / old) + 1)


def scale_map(old_labels: list[str], new_labels: list[str]) -> list[int]:
    """For each step of the old scale, the step of the new one with the same meaning.

    A label the new scale also has keeps its meaning ("Unlikely" stays "Unlikely"); any other
    step goes to the same relative position on the new scale. If matching labels would put the
    steps out of order, positions alone decide."""
    old, new = len(old_labels), len(new_labels)
    if not old or not new:
        return []
    by_position = [proportional(v, old, new) for v in range(1, old + 1)]
    names = {str(label).strip().casefold(): i for i, label in enumerate(new_labels, start=1)}
    by_label = [names.get(str(label).strip().casefold(), by_position[i])
                for i, label in enumerate(old_labels)]
    return by_label if by_label == sorted(by_label) else by_position


def map_rating(value: Any, mapping: list[int]) -> Any:
    """A rating moved with :func:`scale_map`; blanks and non-numbers stay as they are."""
    if not isinstance(value, int) or isinstance(value, bool) or not mapping:
        return value
    return mapping[max(1, min(len(mapping), value)) - 1]


RATING_AXES = (("inherent_likelihood", "likelihood"), ("inherent_impact", "impact"),
               ("residual_likelihood", "likelihood"), ("residual_impact", "impact"))


def remap_risk(risk: dict[str, Any], old: dict[str, Any], new: dict[str, Any],
               maps: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """A copy of ``risk`` with its ratings moved to method ``new`` and re-scored."""
    maps = maps or {axis: scale_map(old.get(axis) or [], new.get(axis) or []) for axis in ("likelihood", "impact")}
    out = dict(risk)
    for key, axis in RATING_AXES:
        out[key] = map_rating(risk.get(key), maps[axis])
    derive(out, new)
    return out


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
