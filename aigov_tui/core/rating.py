"""Rating a risk without its form: set inherent or residual likelihood and impact at once.

A workshop rates risk after risk; the rating strip in Step 3 calls :func:`rate_risk`, which
goes through the same coercion, derivation and checks as the risk form (``model._prepare``).
Problems with the ratings themselves (outside the method's scale, a residual pair given
half) refuse the rating; other problems of the record (a draft without an owner, an
acceptance now needed) are kept and reported, as for a suggested draft.
"""

from __future__ import annotations

from typing import Any

from . import scoring
from .model import Assessment, Context, RecordError, _prepare, touch
from .registers import RISKS
from .schema import Problem

RATING_KEYS = {
    "inherent": ("inherent_likelihood", "inherent_impact"),
    "residual": ("residual_likelihood", "residual_impact"),
}


def rate_risk(assessment: Assessment, risk_id: str, kind: str, likelihood: int, impact: int,
              catalogs: Any = None) -> tuple[dict[str, Any], list[Problem]]:
    """Set ``kind`` ('inherent' or 'residual') likelihood and impact of one risk.

    Returns the updated record and the problems it still has (not about the rating).
    Raises RecordError when the rating itself is wrong, KeyError for an unknown risk; the
    stored record is then unchanged.
    """
    if kind not in RATING_KEYS:
        raise ValueError(f"kind must be 'inherent' or 'residual', not {kind!r}")
    existing = assessment.find(RISKS, risk_id)
    if existing is None:
        raise KeyError(f"risk {risk_id} does not exist")
    n = scoring.size(assessment.risk_method)
    lkey, ikey = RATING_KEYS[kind]
    for key, value in ((lkey, likelihood), (ikey, impact)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= n:
            label = RISKS.field(key).label
            raise RecordError([Problem(RISKS.title, risk_id, key,
                                       f"{label} must be from 1 to {n} (the risk method is {n}×{n}).")])
    values = {**existing, lkey: likelihood, ikey: impact}
    record, problems = _prepare(RISKS, values, Context(assessment, catalogs), strict=False)
    rating = {*RATING_KEYS["inherent"], *RATING_KEYS["residual"]}
    bad = [p for p in problems if p.field in rating]
    if bad:
        raise RecordError(bad)
    existing.clear()
    existing.update({"id": risk_id, **{k: v for k, v in record.items() if k != "id"}})
    touch(assessment, RISKS.name, risk_id)
    return existing, problems


def rating_text(assessment: Assessment, record: dict[str, Any], kind: str) -> str:
    """``3×4 = 12 High`` or ``not rated``, for the strip and messages."""
    lkey, ikey = RATING_KEYS[kind]
    li, im = record.get(lkey), record.get(ikey)
    if li is None or im is None:
        return "not rated"
    s = scoring.score(li, im)
    lv = scoring.level(assessment.risk_method, li, im)
    return f"{li}×{im} = {s} {lv or ''}".strip()
