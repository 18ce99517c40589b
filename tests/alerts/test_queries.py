"""The sweep's cost in statements does not grow with the network: the same few for 3 sites and for 30."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.services import sweep
from sites.models import Role
from tests.factories import SiteFactory, person

from .conftest import OPENED, store_check

pytestmark = pytest.mark.django_db
D = dt.date
ZONES = ["Pacific/Auckland", "America/Los_Angeles", "Europe/London"]


def grow(zones, n: int) -> None:
    """Sites up to ``n`` (AKL and LAX first), each with a manager and a failing check on 2 March (an action)."""
    from sites.models import Site

    have = Site.objects.count()
    for i in range(have, n):
        region = zones.nz if i % 2 else zones.us
        site = SiteFactory(code=f"S{i:03d}", region=region, timezone=ZONES[i % 3], opened_on=OPENED)
        person(f"manager.s{i:03d}", Role.MANAGER, sites=[site])
    for site in Site.objects.exclude(checks__date=D(2026, 3, 2)):
        user = site.profiles.first().user
        store_check(site, user, D(2026, 3, 2), values={"phone_greeting": False})


def swept(now):
    with CaptureQueriesContext(connection) as ctx:
        result = sweep(now=now)
    return result, [q["sql"] for q in ctx.captured_queries]


def test_a_sweep_is_the_same_few_statements_for_3_and_30_sites(zones):
    grow(zones, 3)
    few, few_sql = swept(dt.datetime(2026, 3, 6, 22, tzinfo=dt.UTC))
    grow(zones, 30)
    many, many_sql = swept(dt.datetime(2026, 3, 9, 22, tzinfo=dt.UTC))
    # One SELECT finds every reminder, missed day and action level; publish stores notices and webhook deliveries
    # in one statement each = 3 (publish takes no savepoint of its own; the sweep's own transaction is the test's).
    assert len(few_sql) == len(many_sql) == 3, "\n".join(many_sql)
    assert sum(few.found.values()) >= 3 * 2 and sum(many.found.values()) >= 30 * 2  # a missed day and an action each
    assert many.notices > few.notices
