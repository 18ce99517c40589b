"""The statistics of the variance engine. The report's appendix explains these; change them together.

- Wilson 95% score interval for a rate p over n observations (z = 1.959964):
      centre = (p + z²/2n) / (1 + z²/n),  half = z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²)
  For a weighted rate (a site's score, a touch point) p is the weighted share and n the unweighted
  number of expected observations behind it. With n = 0 the interval is the whole [0, 1].
- Spread of sites on one criterion or touch point: the weighted standard deviation of the per-site
  rates around the network's pooled rate, each site weighted by how much it was expected to report:
      sigma = sqrt( sum_s w_s (r_s - r)^2 / sum_s w_s ),   r = sum_s w_s r_s / sum_s w_s
  A site's contribution to that spread is w_s (r_s - r)^2 / sum w (its share of sigma²).
- Consistency index = 100 * (1 - mean over criteria of sigma / 0.5). 0.5 is the largest sigma rates in
  [0, 1] can have (half the weight at 0, half at 1), so the index runs from 0 (the network is split
  into sites that always pass and sites that never do) to 100 (every site has the same rate).
- A site (or one of its criteria or touch points) differs from the network only when the network's rate
  lies outside its Wilson interval AND at least MIN_FLAG_OBSERVATIONS observations were expected of it:
  "below" when the network's rate is above the interval, "above" when it is below it. ``flagged`` (what
  head office acts on) is "below" only: a site better than the network needs no attention.
"""

from __future__ import annotations

import math

Z = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
Z2 = Z * Z
MIN_FLAG_OBSERVATIONS = 30
MAX_SIGMA = 0.5


def wilson(rate: float, n: float) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 1.0
    denom = 1.0 + Z2 / n
    centre = (rate + Z2 / (2.0 * n)) / denom
    half = Z / denom * math.sqrt(max(rate * (1.0 - rate), 0.0) / n + Z2 / (4.0 * n * n))
    # At 0 and 1 the bound is exactly the rate; say so rather than leave a rounding error of 1e-16.
    low = 0.0 if rate <= 0.0 else max(0.0, centre - half)
    high = 1.0 if rate >= 1.0 else min(1.0, centre + half)
    return low, high


BELOW, ABOVE = "below", "above"


def flag(*, low: float, high: float, network_rate: float, n: float) -> str | None:
    """"below" or "above" the network, or None (in line with it, or too few observations to say)."""
    if n < MIN_FLAG_OBSERVATIONS:
        return None
    if network_rate > high:
        return BELOW
    if network_rate < low:
        return ABOVE
    return None


def flagged(*, low: float, high: float, network_rate: float, n: float) -> bool:
    """Needs attention: below the network, on enough observations to say so."""
    return flag(low=low, high=high, network_rate=network_rate, n=n) == BELOW


def consistency_index(sigmas: list[float]) -> float:
    if not sigmas:
        return 100.0
    return 100.0 * (1.0 - (sum(sigmas) / len(sigmas)) / MAX_SIGMA)
