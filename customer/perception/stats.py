"""The perception gap's statistics. docs/perception-gap.md writes each formula out with a worked example;
change them together.

- A rate (self-checks, audits, satisfied customers): successes / n with the Wilson 95% score interval of
  consistency/variance/stats.py (the variance engine's, reused: one formula for a rate everywhere).
- A gap between two independent rates p1 - p2: Newcombe's hybrid score interval (method 10 of Newcombe
  1998), built from each side's Wilson interval (l1, u1) and (l2, u2):
      low  = (p1 - p2) - sqrt((p1 - l1)² + (u2 - p2)²)
      high = (p1 - p2) + sqrt((u1 - p1)² + (p2 - l2)²)
  A gap is ``supported`` when that interval excludes 0 AND each side has at least MIN_OBSERVATIONS.
- A mean normalized customer score: m = S/n, s² = (SS - S²/n) / (n - 1), interval m ± z·s/sqrt(n), clipped
  to [0, 1]; with n = 1 the spread is unknown and the interval is the whole [0, 1].
- A correlation across sites: Pearson's r; Fisher's z = atanh(r), se = 1/sqrt(k - 3) over k sites,
  interval tanh(z ± 1.96 se). Asked only of sites with at least MIN_OBSERVATIONS on both sides; below
  MIN_CORRELATION_SITES such sites the verdict is "too_thin".

Every interval treats each result (or response) as an independent observation. Results within one check
(a site's day) or one audit are not independent (the same person, the same morning), so the true
uncertainty is wider than shown: the minimums below are set with that in mind.
"""

from __future__ import annotations

import math

from consistency.variance import stats as variance_stats

from .types import CustomerScore, Gap, Rate

Z = variance_stats.Z
# A side of a gap needs this many observations before the gap may be called supported: the variance engine's
# rule for flagging a site (PRODUCT.md: "do not flag a site on a handful of observations"), one number for both.
MIN_OBSERVATIONS = variance_stats.MIN_FLAG_OBSERVATIONS
# Sites with enough data on both sides needed before a correlation is given a verdict: with 10 sites Fisher's
# interval is tanh(z ± 0.74), already wide; fewer and any r is compatible with no link at all.
MIN_CORRELATION_SITES = 10

POSITIVE, NEGATIVE, NO_CLEAR_LINK, TOO_THIN = "positive", "negative", "no_clear_link", "too_thin"


def rate(successes: int | float, n: int | float) -> Rate:
    successes, n = int(round(successes)), int(round(n))
    if n <= 0:
        return Rate(successes=0, n=0, rate=None, low=None, high=None)
    p = successes / n
    low, high = variance_stats.wilson(p, n)
    return Rate(successes=successes, n=n, rate=p, low=low, high=high)


def newcombe(a: Rate, b: Rate) -> Gap:
    """a.rate - b.rate with Newcombe's hybrid score interval; no value where either side has no data."""
    if a.rate is None or b.rate is None:
        return Gap(value=None, low=None, high=None, supported=False)
    d = a.rate - b.rate
    low = d - math.sqrt((a.rate - a.low) ** 2 + (b.high - b.rate) ** 2)
    high = d + math.sqrt((a.high - a.rate) ** 2 + (b.rate - b.low) ** 2)
    enough = a.n >= MIN_OBSERVATIONS and b.n >= MIN_OBSERVATIONS
    return Gap(value=d, low=low, high=high, supported=enough and (low > 0 or high < 0))


def customer_score(responses: int | float, satisfied: int | float, total: float, sq_total: float) -> CustomerScore:
    """The satisfied share (a Rate) and the mean normalized score with its normal interval."""
    n = int(round(responses))
    share = rate(satisfied, n)
    if n <= 0:
        return CustomerScore(satisfied=share, mean=None, mean_low=None, mean_high=None)
    mean = total / n
    if n == 1:
        return CustomerScore(satisfied=share, mean=mean, mean_low=0.0, mean_high=1.0)
    variance = max(sq_total - total * total / n, 0.0) / (n - 1)
    half = Z * math.sqrt(variance / n)
    return CustomerScore(satisfied=share, mean=mean, mean_low=max(0.0, mean - half), mean_high=min(1.0, mean + half))


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r; None when either side does not vary (every site has the same rate)."""
    k = len(xs)
    if k < 2:
        return None
    mx, my = sum(xs) / k, sum(ys) / k
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def fisher(r: float, k: int) -> tuple[float, float]:
    """Fisher's z 95% interval for r over k sites (k > 3). |r| = 1 has no spread to speak of: [r, r]."""
    if abs(r) >= 1.0:
        return r, r
    z, se = math.atanh(r), 1.0 / math.sqrt(k - 3)
    return math.tanh(z - Z * se), math.tanh(z + Z * se)


def verdict(low: float, high: float) -> str:
    if low > 0:
        return POSITIVE
    if high < 0:
        return NEGATIVE
    return NO_CLEAR_LINK
