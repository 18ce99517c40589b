"""Properties of scoring, for any input Hypothesis finds: the score of a check (consistency.services.scoring),
the variance engine's rates, intervals, spread and consistency index (consistency.variance: stats, grid), and the
running totals the engine reads against a count from the raw results. The oracles here are deliberately naive
(a sum over Python lists); the code under test is the project's own."""

from __future__ import annotations

import datetime as dt
import math
import os
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from consistency.services import scoring
from consistency.variance import grid, stats

# ``make fuzz`` runs them with ten times as many examples.
FACTOR = int(os.environ.get("PROPERTY_EXAMPLES_FACTOR", "1"))

# --- the score of one result and of a check ----------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@st.composite
def criteria(draw):
    kind = draw(st.sampled_from(["boolean", "score", "number"]))
    if kind == "boolean":
        return SimpleNamespace(kind=kind, target=1.0, comparison="gte", tolerance=0.0), st.sampled_from([0.0, 1.0])
    if kind == "score":
        return (SimpleNamespace(kind=kind, target=float(draw(st.integers(2, 5))), comparison="gte", tolerance=0.0),
                st.integers(1, 5).map(float))
    return (SimpleNamespace(kind=kind, target=draw(finite), comparison=draw(st.sampled_from(["lte", "gte"])),
                            tolerance=draw(st.floats(0, 1e4))), finite)


@settings(max_examples=100 * FACTOR)
@given(st.data())
def test_a_result_is_met_exactly_when_its_deviation_is_zero_and_deviation_grows_with_the_shortfall(data):
    criterion, values = data.draw(criteria())
    a, b = data.draw(values), data.draw(values)
    met_a, dev_a = scoring.judge(criterion, a)
    met_b, dev_b = scoring.judge(criterion, b)
    assert dev_a >= 0 and math.isfinite(dev_a)
    assert met_a == (dev_a == 0)
    # Monotone: a value further from the target in the wrong direction never deviates less.
    better_is_higher = criterion.kind in ("boolean", "score") or criterion.comparison == "gte"
    worse, better = (min(a, b), max(a, b)) if better_is_higher else (max(a, b), min(a, b))
    assert scoring.judge(criterion, worse)[1] >= scoring.judge(criterion, better)[1]
    if criterion.kind == "score" and not met_a:
        assert dev_a <= 1  # the worst score against its target


results = st.lists(st.tuples(st.floats(0.01, 10), st.booleans()), min_size=1, max_size=40)


@settings(max_examples=100 * FACTOR)
@given(results, st.randoms(use_true_random=False))
def test_a_checks_score_is_the_weighted_share_of_passes_in_any_order(items, rng):
    score = scoring.check_score(items)
    assert 0 <= score <= 1
    oracle = sum(w for w, ok in items if ok) / sum(w for w, _ in items)
    assert score == pytest.approx(oracle)
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert scoring.check_score(shuffled) == pytest.approx(score)
    if all(ok for _, ok in items):
        assert score == pytest.approx(1)


@settings(max_examples=100 * FACTOR)
@given(results, st.data())
def test_a_checks_score_never_falls_when_a_result_turns_to_pass(items, data):
    i = data.draw(st.integers(0, len(items) - 1))
    turned = [*items[:i], (items[i][0], True), *items[i + 1:]]
    assert scoring.check_score(turned) >= scoring.check_score(items) - 1e-12


# --- intervals -----------------------------------------------------------------------------------

rates_and_counts = st.integers(1, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=100 * FACTOR)
@given(rates_and_counts)
def test_the_interval_contains_its_rate_and_the_array_copy_agrees(passed_n):
    passed, n = passed_n
    rate = passed / n
    low, high = stats.wilson(rate, n)
    assert 0 <= low <= rate <= high <= 1
    # grid.wilson is the engine's vectorised copy of the one formula: the two agree on every input.
    a_low, a_high = grid.wilson(np.array([rate]), np.array([float(n)]))
    assert (a_low[0], a_high[0]) == pytest.approx((low, high), abs=1e-12)


@settings(max_examples=100 * FACTOR)
@given(st.floats(0, 1), st.integers(1, 50_000), st.integers(1, 50_000))
def test_the_interval_shrinks_as_observations_grow(rate, n, more):
    low, high = stats.wilson(rate, n)
    low2, high2 = stats.wilson(rate, n + more)
    assert high2 - low2 <= high - low + 1e-12


def test_no_observation_is_the_whole_interval():
    assert stats.wilson(0.3, 0) == (0.0, 1.0)


# --- the engine's grid: a network of sites x criteria ---------------------------------------------

@st.composite
def networks(draw):
    sites, keys = draw(st.integers(1, 8)), draw(st.integers(1, 6))
    weights = np.array([draw(st.floats(0.5, 5)) for _ in range(keys)])
    days = np.array([[draw(st.integers(0, 31)), draw(st.integers(0, 31))] for _ in range(sites)], dtype=np.int64)
    passed = np.array([[draw(st.integers(0, int(days[s, 0]))) for _ in range(keys)] for s in range(sites)],
                      dtype=np.int64)
    prev_passed = np.array([[draw(st.integers(0, int(days[s, 1]))) for _ in range(keys)] for s in range(sites)],
                           dtype=np.int64)
    return weights, days, passed, prev_passed


def _layout(weights: np.ndarray) -> grid.Layout:
    keys = [f"k{i}" for i in range(len(weights))]
    touch_points = ["a", "b"]
    tp_of = np.zeros((len(keys), 2))
    for i in range(len(keys)):
        tp_of[i, i % 2] = 1
    return grid.Layout(segments=[None, None], current=[0], keys=keys, prompts=keys,
                       key_touch_point=[touch_points[i % 2] for i in range(len(keys))],
                       weights=np.vstack([weights, weights]), touch_points=touch_points,
                       touch_point_names=touch_points, tp_of=tp_of)


def _computed(weights, days, passed, prev_passed, not_applicable=None) -> grid.Grid:
    layout = _layout(weights)
    g = grid.Grid.empty(len(days), layout)
    g.days[:] = days
    g.passed[:] = passed
    g.observations[:] = passed  # what was observed and passed; the rest failed or was never sent
    g.prev_passed[:] = prev_passed
    g.weighted_passed[:] = passed * weights
    g.prev_weighted_passed[:] = prev_passed * weights
    g.not_applicable = not_applicable
    grid.compute(g, layout)
    return g


def _oracle_score(weights, expected_days, passed, skip=()):
    wp = sum(weights[k] * passed[k] for k in range(len(weights)) if k not in skip)
    we = sum(weights[k] * expected_days for k in range(len(weights)) if k not in skip)
    return wp / we if we else 0.0


@settings(max_examples=150 * FACTOR)
@given(networks())
def test_rates_lie_in_their_intervals_and_the_network_score_is_the_weighted_share(net):
    weights, days, passed, prev_passed = net
    g = _computed(*net)
    for rate, low, high in ((g.rate, g.low, g.high), (g.score, g.score_low, g.score_high),
                            (g.touch_points.rate, g.touch_points.low, g.touch_points.high)):
        assert np.all((0 <= low) & (low <= rate + 1e-12) & (rate <= high + 1e-12) & (high <= 1))
    for s in range(len(days)):
        assert g.score[s] == pytest.approx(_oracle_score(weights, days[s, 0], passed[s]))
    total_we = sum(weights[k] * days[s, 0] for s in range(len(days)) for k in range(len(weights)))
    total_wp = sum(weights[k] * passed[s, k] for s in range(len(days)) for k in range(len(weights)))
    assert g.network_score == pytest.approx(total_wp / total_we if total_we else 0.0)
    assert 0 <= g.consistency_index <= 100 + 1e-9


@settings(max_examples=100 * FACTOR)
@given(networks(), st.randoms(use_true_random=False))
def test_the_order_of_sites_changes_nothing(net, rng):
    weights, days, passed, prev_passed = net
    order = list(range(len(days)))
    rng.shuffle(order)
    g, h = _computed(*net), _computed(weights, days[order], passed[order], prev_passed[order])
    assert h.score == pytest.approx(g.score[order])
    assert h.network_score == pytest.approx(g.network_score)
    assert h.consistency_index == pytest.approx(g.consistency_index)
    assert h.criteria.sigma == pytest.approx(g.criteria.sigma)


@settings(max_examples=100 * FACTOR)
@given(networks(), st.data())
def test_a_site_never_scores_lower_for_one_more_pass(net, data):
    weights, days, passed, prev_passed = net
    s = data.draw(st.integers(0, len(days) - 1))
    k = data.draw(st.integers(0, len(weights) - 1))
    assume(passed[s, k] < days[s, 0])
    more = passed.copy()
    more[s, k] += 1
    before, after = _computed(*net), _computed(weights, days, more, prev_passed)
    assert after.score[s] > before.score[s]
    assert after.rate[s, k] > before.rate[s, k]
    assert after.network_score >= before.network_score


@settings(max_examples=100 * FACTOR)
@given(networks(), st.data())
def test_a_criterion_not_applicable_all_period_leaves_the_rest_of_the_score_as_it_was(net, data):
    weights, days, passed, prev_passed = net
    assume(len(weights) > 1)
    s = data.draw(st.integers(0, len(days) - 1))
    k = data.draw(st.integers(0, len(weights) - 1))
    passed = passed.copy()
    passed[s, k] = 0  # no result counts on a day it is not applicable
    marks = np.zeros((2, len(days), len(weights)), dtype=np.int64)
    marks[0, s, k] = days[s, 0]
    g = _computed(weights, days, passed, prev_passed, not_applicable=marks)
    assert g.score[s] == pytest.approx(_oracle_score(weights, days[s, 0], passed[s], skip={k}))
    assert g.expected[s, k] == 0 and not g.shown[s, k]
    assert not g.flag[s, k]


# --- the running totals against the raw results ---------------------------------------------------

D = dt.date


@pytest.mark.django_db
@settings(max_examples=6 * FACTOR, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(st.tuples(st.sampled_from(["A1", "B1"]), st.integers(0, 9),
                                  st.fixed_dictionaries({}, optional={
                                      "phone_rings": st.integers(1, 8), "phone_greeting": st.integers(0, 1),
                                      "restroom_clean": st.integers(1, 5),
                                      "delivery_on_time_pct": st.integers(60, 100)}),
                                  st.booleans()),
                        max_size=14))
def test_the_engines_totals_equal_a_count_from_the_raw_results(network, standard, history):
    from django.db import transaction

    from consistency.variance import variance_report
    from sites.models import Site
    from tests.consistency.test_variance_random import brute_force
    from tests.consistency.variance_data import check

    with transaction.atomic():  # each example leaves nothing behind for the next
        current = {}
        for code, offset, values, amend in history:
            site, day = getattr(network, code.lower()), D(2026, 3, 2) + dt.timedelta(days=offset)
            previous = current.get((code, day))
            if previous is not None and not amend:
                continue  # one current check a day; an amendment replaces it
            current[(code, day)] = check(site, day, values, user=network.manager_a, amends=previous)
        date_from, date_to = D(2026, 3, 1), D(2026, 3, 12)
        report = variance_report(date_from=date_from, date_to=date_to, sites=Site.objects.all())
        for sv in report.sites:
            expected = brute_force(Site.objects.get(code=sv.code), date_from, date_to, dt.date.max)
            got = {c.key: c for c in sv.criteria}
            for key, (p, e, n, total) in expected.items():
                c = got[key]
                assert (c.pass_rate.passed, c.pass_rate.expected, c.observations) == (p, e, n), (sv.code, key)
                if n:
                    assert c.mean_deviation == pytest.approx(total / n, abs=1e-12)
        transaction.set_rollback(True)
