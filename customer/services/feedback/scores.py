"""What a score means, on every scale: one place, read by the write path and by the perception engine.

A customer's score is kept as given (on its scale) and as ``normalized`` (0..1, comparable across scales):
0-10 -> score / 10, 1-5 -> (score - 1) / 4. A response is "satisfied" from a normalized 0.75: 8, 9 or 10 of
0-10 (7.5 too, where a tool sends halves) and 4 or 5 of 1-5, the top box surveys call satisfied.
"""

from __future__ import annotations

from customer.models import FeedbackScale

# The one threshold: FeedbackDay.satisfied counts responses at or above it (the write path's SQL is given this
# constant as a parameter), and the perception engine reads the same name.
SATISFIED_AT = 0.75

# Each scale's lowest and highest score, both included.
SCALES: dict[str, tuple[float, float]] = {
    FeedbackScale.ZERO_TO_TEN.value: (0.0, 10.0),
    FeedbackScale.ONE_TO_FIVE.value: (1.0, 5.0),
}


def in_scale(score: float, scale: str) -> bool:
    low, high = SCALES[scale]
    return low <= score <= high


def normalized(score: float, scale: str) -> float:
    """``score`` on ``scale`` as 0..1 (0-10: s/10; 1-5: (s-1)/4). The caller has checked it is on its scale."""
    low, high = SCALES[scale]
    return (score - low) / (high - low)


def satisfied(value: float) -> bool:
    """Whether a normalized score counts as a satisfied customer."""
    return value >= SATISFIED_AT
