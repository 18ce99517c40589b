"""The beat's scheduled orders, around a broker outage: ordering twice (a retried or redelivered tick) gives one run
per period, two ticks at once give one run, and a tick lost while the broker was down is made up by the next
hourly one, which orders the latest period due - never the current, unfinished one."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from reports.models import ReportRun
from reports.services import (
    last_monthly_due,
    last_weekly_due,
    report_order,
    scheduled_monthly_packs,
    scheduled_weekly_variance,
)

UTC = dt.UTC


@pytest.mark.parametrize(("now", "monday"), [
    (dt.datetime(2026, 11, 30, 4, 59, tzinfo=UTC), dt.date(2026, 11, 23)),  # Monday before 05:00: last week's due
    (dt.datetime(2026, 11, 30, 5, 0, tzinfo=UTC), dt.date(2026, 11, 30)),  # the tick itself
    (dt.datetime(2026, 12, 3, 17, 0, tzinfo=UTC), dt.date(2026, 11, 30)),  # Thursday: made up if Monday's was lost
    (dt.datetime(2026, 12, 6, 23, 59, tzinfo=UTC), dt.date(2026, 11, 30)),  # Sunday night: still that one
])
def test_the_weekly_order_due(now, monday):
    assert last_weekly_due(now) == monday


@pytest.mark.parametrize(("now", "first"), [
    (dt.datetime(2026, 12, 1, 5, 29, tzinfo=UTC), dt.date(2026, 11, 1)),
    (dt.datetime(2026, 12, 1, 5, 30, tzinfo=UTC), dt.date(2026, 12, 1)),
    (dt.datetime(2026, 12, 17, 0, 0, tzinfo=UTC), dt.date(2026, 12, 1)),
    (dt.datetime(2027, 1, 1, 0, 0, tzinfo=UTC), dt.date(2026, 12, 1)),
])
def test_the_monthly_order_due(now, first):
    assert last_monthly_due(now) == first


def test_ordering_twice_gives_one_run_per_period(network, standard):
    weekly = scheduled_weekly_variance(today=dt.date(2026, 11, 30))
    assert scheduled_weekly_variance(today=dt.date(2026, 12, 3)) == weekly  # a later tick in the same week
    assert (weekly.period_from, weekly.period_to, weekly.schedule_key) == (
        dt.date(2026, 11, 23), dt.date(2026, 11, 29), "weekly-variance:2026-11-23")
    assert scheduled_weekly_variance(today=dt.date(2026, 12, 7)) != weekly  # the next week's is its own
    assert scheduled_monthly_packs(today=dt.date(2026, 12, 1)) == 3
    assert scheduled_monthly_packs(today=dt.date(2026, 12, 15)) == 0
    assert ReportRun.objects.filter(kind="compliance_pack").count() == 3
    # A person's order of the same period is theirs: neither taken for the schedule's nor refused because of it.
    mine = report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 11, 23),
                        date_to=dt.date(2026, 11, 29))
    assert mine != weekly and mine.schedule_key is None
    assert scheduled_weekly_variance(today=dt.date(2026, 11, 30)) == weekly


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_give_one_run(network, standard):
    barrier, runs, errors = threading.Barrier(2), [], []

    def tick():
        try:
            barrier.wait(timeout=10)
            runs.append(scheduled_weekly_variance(today=dt.date(2026, 11, 30)).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == [] and len(runs) == 2 and runs[0] == runs[1]
    assert ReportRun.objects.filter(schedule_key="weekly-variance:2026-11-23").count() == 1
