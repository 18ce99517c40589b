"""variance_report(detail="touch_points"), the network overview's answer: on a random history, equal to the full
answer but for the per-site criterion lists, in the same number of queries; and the engine's reading of the
running totals' arrays (totals.py)."""

import dataclasses
import datetime as dt
import random
import struct

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consistency.variance import variance_report
from consistency.variance.totals import parse_text_array, unpack_array
from sites.models import Site
from tests.factories import SiteFactory

from .variance_data import ALL_PASS_V1, ALL_PASS_V2, check, photo, second_version

D = dt.date


def random_history(network, rng) -> None:
    """Missed days, late checks, amendments, a version change, photos, a site opened mid-period, one inactive."""
    second_version(D(2026, 3, 12))
    late_opener = SiteFactory(code="LATE", region=network.region_a, opened_on=D(2026, 3, 8))
    closed = SiteFactory(code="SHUT", region=network.region_b)
    for site in [network.a1, network.a2, network.b1, late_opener, closed]:
        for i in range(24):
            day = D(2026, 2, 25) + dt.timedelta(days=i)
            if day < site.opened_on or rng.random() < 0.25:
                continue
            base = ALL_PASS_V1 if day < D(2026, 3, 12) else ALL_PASS_V2
            values = {k: (v if rng.random() < 0.7 else {"phone_rings": 6, "restroom_clean": 2}.get(k, 0))
                      for k, v in base.items() if rng.random() < 0.95}
            first = check(site, day, values, user=network.manager_a, late=rng.random() < 0.2)
            if rng.random() < 0.15:
                check(site, day, {**values, "phone_greeting": 1 - values.get("phone_greeting", 1)},
                      user=network.manager_a, amends=first)
            elif rng.random() < 0.2:
                photo(first, stale=rng.random() < 0.5)
    Site.objects.filter(pk=closed.pk).update(active=False)


@pytest.mark.parametrize("seed", [3, 4])
def test_the_overviews_answer_is_the_full_one_without_criterion_lists(network, standard, seed):
    rng = random.Random(seed)
    random_history(network, rng)
    periods = [(D(2026, 3, 5), D(2026, 3, 18)), (D(2026, 2, 25), D(2026, 3, 20)), (D(2026, 3, 12), D(2026, 3, 12))]
    for date_from, date_to in periods:
        for sites in (Site.objects.all(), Site.objects.filter(region=network.region_a)):
            full = variance_report(date_from=date_from, date_to=date_to, sites=sites)
            with CaptureQueriesContext(connection) as lean_queries:
                lean = variance_report(date_from=date_from, date_to=date_to, sites=sites, detail="touch_points")
            assert full.detail == "criteria" and lean.detail == "touch_points"
            assert any(s.criteria for s in full.sites) and all(s.criteria == [] for s in lean.sites)
            assert lean == dataclasses.replace(full, detail="touch_points", sites=[
                dataclasses.replace(s, criteria=[]) for s in full.sites])
            assert lean.criterion_spread and lean.criterion_spread == full.criterion_spread
            with CaptureQueriesContext(connection) as full_queries:
                variance_report(date_from=date_from, date_to=date_to, sites=sites)
            assert len(lean_queries.captured_queries) == len(full_queries.captured_queries)


@pytest.mark.parametrize("seed", [5, 6])
def test_a_sites_page_answer_keeps_the_criteria_of_the_sites_asked_for_only(network, standard, seed):
    rng = random.Random(seed)
    random_history(network, rng)
    for date_from, date_to in [(D(2026, 3, 5), D(2026, 3, 18)), (D(2026, 2, 25), D(2026, 3, 20))]:
        full = variance_report(date_from=date_from, date_to=date_to, sites=Site.objects.all())
        for asked in ({"A2"}, {"A1", "LATE"}, {"NOT-A-SITE"}):
            some = variance_report(date_from=date_from, date_to=date_to, sites=Site.objects.all(),
                                   detail="touch_points", criteria_for=asked)
            assert some == dataclasses.replace(full, detail="touch_points", sites=[
                s if s.code in asked else dataclasses.replace(s, criteria=[]) for s in full.sites])
            assert all(s.criteria for s in some.sites if s.code in asked)


@pytest.mark.parametrize("seed", [7, 8])
def test_the_previous_periods_network_figures_are_those_of_a_report_on_it(network, standard, seed):
    # The network's trend comes from the period's own read: it must equal a report asked for the previous period.
    rng = random.Random(seed)
    random_history(network, rng)
    for date_from, date_to in [(D(2026, 3, 10), D(2026, 3, 20)), (D(2026, 3, 6), D(2026, 3, 11)),
                               (D(2026, 3, 12), D(2026, 3, 12)), (D(2026, 2, 20), D(2026, 2, 26))]:
        for sites in (Site.objects.all(), Site.objects.filter(region=network.region_b)):
            report = variance_report(date_from=date_from, date_to=date_to, sites=sites, detail="touch_points")
            prev_from, prev_to = report.previous_period
            assert (prev_to - prev_from) == (date_to - date_from) and prev_to == date_from - dt.timedelta(days=1)
            previous = variance_report(date_from=prev_from, date_to=prev_to, sites=sites)
            if not any(s.score is not None for s in previous.sites):
                assert report.previous_network_score is None and report.previous_consistency_index is None
                continue
            assert report.previous_network_score == pytest.approx(previous.network_score, abs=1e-12)
            assert report.previous_consistency_index == pytest.approx(previous.consistency_index, abs=1e-9)


def test_criteria_for_goes_with_the_touch_points_detail(network, standard):
    with pytest.raises(ValueError, match="criteria_for"):
        variance_report(date_from=D(2026, 3, 1), date_to=D(2026, 3, 2), sites=Site.objects.all(), criteria_for={"A1"})


def test_an_unknown_detail_is_refused(network, standard):
    with pytest.raises(ValueError, match="detail"):
        variance_report(date_from=D(2026, 3, 1), date_to=D(2026, 3, 2), sites=Site.objects.all(), detail="sites")


def test_no_sites_answers_an_empty_report_of_the_detail_asked(network, standard):
    report = variance_report(date_from=D(2026, 3, 1), date_to=D(2026, 3, 2), sites=Site.objects.none(),
                             detail="touch_points")
    assert report.sites == [] and report.detail == "touch_points"


def test_text_arrays_are_read_as_postgresql_writes_them(db):
    assert parse_text_array("{}") == []
    assert parse_text_array("{tp0_c0,tp0_c1}") == ["tp0_c0", "tp0_c1"]
    assert parse_text_array('{a,"NULL","b c","q\\"x",d}') == ["a", "NULL", "b c", 'q"x', "d"]
    with connection.cursor() as cursor:  # what the database sends for keys that need quoting
        keys = ["null", "a b", 'q"', "back\\slash", "x,y", "{z}", "plain-key_9"]
        cursor.execute("SELECT %s::text[]::text", [keys])
        assert parse_text_array(cursor.fetchone()[0]) == keys


def test_binary_arrays_are_read_as_numbers(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_send(ARRAY[1, -2, 2147483647]::integer[]), "
                       "array_send(ARRAY[0.1, -1e300, 3]::double precision[]), array_send('{}'::integer[])")
        ints, floats, empty = (bytes(b) for b in cursor.fetchone())
    assert unpack_array([ints, ints], 3, ">i4").tolist() == [[1, -2, 2147483647]] * 2
    assert unpack_array([floats], 3, ">f8").tolist() == [[0.1, -1e300, 3.0]]
    assert unpack_array([empty], 0, ">i4").shape == (1, 0)
    with pytest.raises(ValueError):  # a list of another length than the keys'
        unpack_array([ints], 2, ">i4")
    with_null = struct.pack(">iiiii", 1, 1, 23, 1, 1) + struct.pack(">ii", 4, 5)  # its header says it has NULLs
    with pytest.raises(ValueError):
        unpack_array([with_null], 1, ">i4")


def test_the_collector_is_paused_while_the_answer_is_made_and_restored_after():
    import gc

    from consistency.variance.assemble import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested (or another thread): one pause
            assert not gc.isenabled()
        assert not gc.isenabled()  # until the last one leaves
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()  # someone paused it already: it stays so
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
