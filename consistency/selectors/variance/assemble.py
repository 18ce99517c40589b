"""Turn the engine's arrays into the answer's dataclasses (types.py).

This is the one loop over every site x criterion; it only copies numbers already computed. Criterion
rates with the same counts share one (immutable) Rate: daily counts repeat a lot across sites.
"""

from __future__ import annotations

import datetime as dt

from sites.models import Site

from .grid import Grid, Layout
from .types import CriterionVariance, Rate, SiteVariance, Spread, TouchPointVariance, VarianceReport


def assemble(layout: Layout, site_list: list[Site], g: Grid | None, *, date_from: dt.date, date_to: dt.date,
             versions: list[int]) -> VarianceReport:
    if g is None:
        return VarianceReport(date_from=date_from, date_to=date_to, versions=versions, network_score=0.0,
                              network_score_interval=(0.0, 1.0), consistency_index=100.0, sites=[],
                              touch_point_spread=[], criterion_spread=[], drivers=[])
    codes = [s.code for s in site_list]
    return VarianceReport(
        date_from=date_from, date_to=date_to, versions=versions, network_score=g.network_score,
        network_score_interval=g.network_interval, consistency_index=g.consistency_index,
        sites=_sites(layout, site_list, g), drivers=[codes[i] for i in g.drivers],
        touch_point_spread=_spreads(g.tps, layout.touch_points, layout.touch_point_names, codes),
        criterion_spread=_spreads(g.criteria, layout.keys, layout.keys, codes),
    )


def _spreads(sp, keys: list[str], names: list[str], codes: list[str]) -> list[Spread]:
    net, sigma, lo, hi = sp.network_rate.tolist(), sp.sigma.tolist(), sp.min_rate.tolist(), sp.max_rate.tolist()
    return [Spread(key=keys[c], name=names[c], network_rate=net[c], stddev=sigma[c], min_rate=lo[c],
                   max_rate=hi[c], drivers=[codes[i] for i in sp.drivers[c]])
            for c in range(len(keys)) if sp.shown[c]]


def _sites(layout: Layout, site_list: list[Site], g: Grid) -> list[SiteVariance]:
    keys, key_tp = layout.keys, layout.key_touch_point
    K = range(len(keys))
    shown, passed, expected, rate, low, high = (a.tolist() for a in (g.shown, g.passed, g.expected, g.rate,
                                                                      g.low, g.high))
    obs, mean, sd, flag = g.observations.tolist(), g.mean.tolist(), g.sd.tolist(), g.flag.tolist()
    prev_rate, prev_exp = g.prev_rate.tolist(), g.prev_expected.tolist()
    tp = _touch_points(layout, g)
    site_cols = [a.tolist() for a in (g.score, g.score_low, g.score_high, g.prev_score, g.prev_wexpected,
                                      g.site_wexpected, g.expected_days, g.checked, g.late, g.site_flag)]
    rates: dict[tuple, Rate] = {}
    out = []
    for i, site in enumerate(site_list):
        sh, p_i, e_i, r_i, lo_i, hi_i = shown[i], passed[i], expected[i], rate[i], low[i], high[i]
        o_i, m_i, sd_i, f_i, pr_i, pe_i = obs[i], mean[i], sd[i], flag[i], prev_rate[i], prev_exp[i]
        criteria = []
        for k in K:
            if not sh[k]:
                continue
            e = e_i[k]
            key = (p_i[k], e)
            r = rates.get(key)
            if r is None:
                r = rates[key] = Rate(passed=p_i[k], expected=e, rate=r_i[k], low=lo_i[k], high=hi_i[k])
            previous = pr_i[k] if pe_i[k] else None
            observed = o_i[k] > 0
            criteria.append(CriterionVariance(
                keys[k], key_tp[k], r, m_i[k] if observed else None, o_i[k], previous,
                None if previous is None or not e else r.rate - previous,
                sd_i[k] if observed else None, f_i[k]))
        score, s_low, s_high, prev_score, prev_wexp, wexp, days, checked, late, site_flag = (c[i] for c in site_cols)
        previous = prev_score if prev_wexp else None
        out.append(SiteVariance(
            code=site.code, name=site.name, region=site.region.code, score=score, score_interval=(s_low, s_high),
            previous_score=previous, trend=None if previous is None or not wexp else score - previous,
            expected_days=days, checked_days=checked, missed_days=max(days - checked, 0), late_checks=late,
            flagged=site_flag, touch_points=tp[i], criteria=criteria,
        ))
    return out


def _touch_points(layout: Layout, g: Grid) -> list[list[TouchPointVariance]]:
    cols = [a.tolist() for a in (g.tp_shown, g.tp_wpassed, g.tp_wexpected, g.tp_rate, g.tp_low, g.tp_high,
                                 g.tp_mean, g.tp_observations, g.tp_prev_rate, g.tp_prev_wexpected, g.tp_flag)]
    out = []
    T = range(len(layout.touch_points))
    for i in range(g.days.shape[0]):
        shown, wp, we, rate, low, high, mean, obs, prev, prev_we, flag = (c[i] for c in cols)
        row = []
        for t in T:
            if not shown[t]:
                continue
            previous = prev[t] if prev_we[t] else None
            row.append(TouchPointVariance(
                key=layout.touch_points[t], name=layout.touch_point_names[t],
                pass_rate=Rate(passed=wp[t], expected=we[t], rate=rate[t], low=low[t], high=high[t]),
                mean_deviation=mean[t] if obs[t] else None, observations=obs[t], previous_rate=previous,
                trend=None if previous is None or not we[t] else rate[t] - previous, flagged=flag[t]))
        out.append(row)
    return out
