"""The overview's figures as they are written: the network's score, interval, consistency index and trend,
the criteria with the most spread, the sites below the network. Formatting only (format.py)."""

from __future__ import annotations

from ..format import direction, index, index_points, interval, number, pct, points, spread
from ..names import StandardNames
from .network import NetworkOverview

ARROWS = {"up": "▲", "down": "▼", "same": "="}


def network_figures(o: NetworkOverview) -> dict:
    r, t = o.report, o.trend
    expected = any(s.score is not None for s in r.sites)
    score_way, index_way = direction(t.score_change), direction(None if t.index_change is None
                                                                      else t.index_change / 100)
    return {
        "score": pct(r.network_score if expected else None),
        "interval": interval(r.network_score_interval) if expected else "\u2013",
        "index": index(r.consistency_index if expected else None),
        "previous_score": pct(t.score), "previous_index": index(t.consistency_index),
        "score_change": points(t.score_change), "score_way": score_way, "score_arrow": ARROWS.get(score_way, ""),
        "index_change": index_points(t.index_change), "index_way": index_way,
        "index_arrow": ARROWS.get(index_way, ""),
    }


def spread_rows(o: NetworkOverview, names: StandardNames | None = None) -> list[dict]:
    names = names or StandardNames()
    return [{"key": s.key, "name": names.criterion(s.key, s.name), "network": pct(s.network_rate), "spread": spread(s.stddev),
             "range": f"{number(s.min_rate)}\u2013{pct(s.max_rate)}", "drivers": s.drivers} for s in o.spread]


def below_rows(o: NetworkOverview) -> list[dict]:
    return [{"code": s.code, "score": pct(s.score), "interval": interval(s.score_interval)} for s in o.below]
