"""How one result is judged against its criterion. The formulas here are the ones the variance report's
appendix explains; change them together.

- boolean: met when yes. deviation 0 when met, 1 when not.
- score (1..5, target is a minimum): met when value >= target.
  deviation = (target - value) / (target - 1)   -> 0..1 (1 = the worst score against that target)
- number with comparison ``lte`` / ``gte`` and a tolerance band:
  excess = value - target (lte) or target - value (gte); met when excess <= tolerance.
  deviation = (excess - tolerance) / max(|target|, tolerance, 1)   -> 0 when met, growing with the
  shortfall beyond the band, relative to the size of the target.
"""

from __future__ import annotations

from typing import Protocol


class Judgeable(Protocol):
    kind: str
    target: float
    comparison: str
    tolerance: float


def judge(criterion: Judgeable, value: float) -> tuple[bool, float]:
    """(met, deviation) for a value already validated for the criterion's kind."""
    kind = criterion.kind
    target = criterion.target
    if kind == "boolean":
        met = value >= 1
        return met, 0.0 if met else 1.0
    if kind == "score":
        met = value >= target
        if met:
            return True, 0.0
        return False, (target - value) / (target - 1)  # target > value >= 1, so target > 1
    excess = value - target if criterion.comparison == "lte" else target - value
    if excess <= criterion.tolerance:
        return True, 0.0
    scale = max(abs(target), criterion.tolerance, 1.0)
    return False, (excess - criterion.tolerance) / scale


def passed(*, met: bool, photos_required: int, photos_verified: int) -> bool:
    """A criterion that requires photos is not passed until that many of its photos are verified."""
    return met and photos_verified >= photos_required


def check_score(results: list[tuple[float, bool]]) -> float:
    """Weighted share of passed criteria: [(weight, passed), ...] -> 0..1."""
    total = sum(w for w, _ in results)
    return sum(w for w, ok in results if ok) / total if total else 0.0
