"""How one result is judged (consistency/services/scoring.py) and the statistics the variance report
is built on (consistency/variance/stats.py), with numbers worked out by hand."""

import math
from types import SimpleNamespace

import pytest

from consistency.services.scoring import check_score, judge, passed
from consistency.variance import stats


def crit(kind, target=1.0, comparison="", tolerance=0.0):
    return SimpleNamespace(kind=kind, target=target, comparison=comparison, tolerance=tolerance)


@pytest.mark.parametrize("value, expected", [(1, (True, 0.0)), (0, (False, 1.0))])
def test_boolean_is_met_by_yes(value, expected):
    assert judge(crit("boolean"), value) == expected


@pytest.mark.parametrize("value, expected", [
    (5, (True, 0.0)), (4, (True, 0.0)),
    (3, (False, 1 / 3)),   # (4 - 3) / (4 - 1)
    (1, (False, 1.0)),     # the worst score against a target of 4
])
def test_score_target_is_a_minimum(value, expected):
    met, deviation = judge(crit("score", 4), value)
    assert (met, deviation) == (expected[0], pytest.approx(expected[1]))


@pytest.mark.parametrize("value, expected", [
    (3, (True, 0.0)), (2, (True, 0.0)),
    (4, (False, 1 / 3)),   # excess 1 over a target of 3
    (6, (False, 1.0)),
])
def test_number_at_most_target(value, expected):
    met, deviation = judge(crit("number", 3, "lte"), value)
    assert (met, deviation) == (expected[0], pytest.approx(expected[1]))


@pytest.mark.parametrize("value, expected", [
    (95, (True, 0.0)), (93, (True, 0.0)),      # inside the tolerance band of 2
    (92, (False, 1 / 95)),                      # (95 - 92 - 2) / 95
    (90, (False, 3 / 95)),
])
def test_number_at_least_target_with_tolerance(value, expected):
    met, deviation = judge(crit("number", 95, "gte", 2), value)
    assert (met, deviation) == (expected[0], pytest.approx(expected[1]))


def test_small_targets_are_scaled_by_at_least_one():
    # target 0.5 minutes, tolerance 0: scale max(0.5, 0, 1) = 1, so 2.5 minutes deviates by 2
    assert judge(crit("number", 0.5, "lte"), 2.5) == (False, pytest.approx(2.0))


def test_photos_required_before_a_pass():
    assert passed(met=True, photos_required=1, photos_verified=0) is False
    assert passed(met=True, photos_required=1, photos_verified=1) is True
    assert passed(met=False, photos_required=0, photos_verified=3) is False


def test_check_score_is_the_weighted_share_passed():
    assert check_score([(2, True), (1, False), (3, True), (1, False)]) == pytest.approx(5 / 7)
    assert check_score([]) == 0.0


def test_wilson_interval_by_hand():
    # 8 of 10: centre = (0.8 + 1.96²/20) / (1 + 1.96²/10); half = 1.96/(1 + 1.96²/10) * sqrt(0.016 + 1.96²/400)
    z = 1.959963984540054
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z / (1 + z * z / 10) * math.sqrt(0.8 * 0.2 / 10 + z * z / 400)
    assert stats.wilson(0.8, 10) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert stats.wilson(0.8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)  # published tables
    assert stats.wilson(0.0, 10)[0] == 0.0 and stats.wilson(1.0, 10)[1] == 1.0
    assert stats.wilson(0.0, 0) == (0.0, 1.0)  # nothing observed: nothing known


def test_wilson_narrows_with_more_observations():
    few, many = stats.wilson(0.5, 10), stats.wilson(0.5, 1000)
    assert many[1] - many[0] < few[1] - few[0]


def test_flag_needs_enough_observations_and_an_interval_excluding_the_network():
    low, high = stats.wilson(0.2, 100)
    assert stats.flagged(low=low, high=high, network_rate=0.6, n=100) is True
    assert stats.flagged(low=low, high=high, network_rate=0.25, n=100) is False  # inside the interval
    low, high = stats.wilson(0.0, 5)
    assert stats.flagged(low=low, high=high, network_rate=0.9, n=5) is False  # a handful of observations


def test_consistency_index():
    assert stats.consistency_index([]) == 100.0
    assert stats.consistency_index([0.0, 0.0]) == 100.0
    assert stats.consistency_index([0.5]) == 0.0
    assert stats.consistency_index([0.1, 0.3]) == pytest.approx(60.0)  # 100 * (1 - 0.2 / 0.5)
