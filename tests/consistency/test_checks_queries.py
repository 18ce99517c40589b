"""Pinned query counts: a submission costs the same whatever the number of criteria, and lists do not N+1."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consistency.selectors import checks as check_selectors
from tests.conftest import client_for
from tests.factories import published_version

from .checks_support import check_body, local_today, submit

pytestmark = pytest.mark.django_db

KINDS = [
    ({"kind": "number", "unit": "min", "comparison": "lte", "target": 10, "tolerance": 1}, 8),
    ({"kind": "boolean"}, True),
    ({"kind": "score", "target": 4}, 5),
    ({"kind": "number", "unit": "%", "comparison": "gte", "target": 90, "tolerance": 2}, 50),  # fails
]


def wide_standard(n: int) -> tuple[dict, dict]:
    """A standard of n criteria over 4 touch points, and values for each (every 4th fails, some critical)."""
    touch_points, values = [], {}
    for t in range(4):
        criteria = []
        for i in range(t, n, 4):
            spec, value = KINDS[i % 4]
            key = f"c{i:03d}"
            criteria.append({"key": key, "prompt": key, "weight": 1 + i % 3, "critical": i % 8 == 3, **spec})
            values[key] = value
        touch_points.append({"key": f"tp{t}", "name": f"TP {t}", "criteria": criteria})
    doc = {"standard": {"slug": "brand", "name": "Brand"}, "notes": "", "touch_points": touch_points}
    return doc, values


def body_for(site, values, day):
    body = check_body(site, day=day)
    body["results"] = [{"criterion": k, "value": v, "note": "ok"} for k, v in values.items()]
    return body


def count_submission(network, n: int, *, days_back: int = 0) -> tuple[int, int, list[str]]:
    doc, values = wide_standard(n)
    published_version(doc)
    check_selectors._CACHE.clear()
    client = client_for(network.manager_a)
    today = local_today(network.a1) - dt.timedelta(days=days_back)
    with CaptureQueriesContext(connection) as cold:
        response = submit(client, "A1", body_for(network.a1, values, today - dt.timedelta(days=1)),
                          **{"Idempotency-Key": f"cold-{n}"})
    assert response.status_code == 201, response.content
    assert len(response.json()["results"]) == n
    assert len(response.json()["actions"]) == (n + 4) // 8  # i % 8 == 3 is critical and failing
    with CaptureQueriesContext(connection) as warm:
        response = submit(client, "A1", body_for(network.a1, values, today), **{"Idempotency-Key": f"warm-{n}"})
    assert response.status_code == 201
    return len(cold), len(warm), [q["sql"] for q in warm.captured_queries]


def test_a_submission_costs_the_same_queries_for_4_and_40_criteria(network):
    from consistency.models import CheckResult, CorrectiveAction, DailyCheck, SiteRollup, StandardVersion

    from .test_variance_rollup import assert_rollup_matches_raw

    cold4, warm4, _ = count_submission(network, 4)
    # Each day after the site's last one: its variance totals were appended by the statement that wrote it.
    assert_rollup_matches_raw(network.a1)
    # Make room for the wide version: a new version may not take effect on days that already have checks.
    CorrectiveAction.objects.all().delete()
    CheckResult.objects.all().delete()
    DailyCheck.objects.all().delete()
    SiteRollup.objects.all().delete()
    StandardVersion.objects.all().update(status="retired")
    cold40, warm40, sql = count_submission(network, 40)
    assert (cold4, warm4) == (cold40, warm40), "\n".join(sql)
    assert_rollup_matches_raw(network.a1)
    # DRF's token authentication 1; the site this user may write: the profile 1 and the site 1; the
    # Idempotency-Key's claim 1 (committed before the work: in production one autocommitted statement); then
    # one transaction: the site's lock with the version in force 1, one INSERT ... WITH for the check, all its
    # results, its actions and the variance totals of the day 1, the key's stored response 1 = 7, plus
    # SAVEPOINT/RELEASE because the test itself runs inside a transaction (in production: BEGIN/COMMIT) = 9.
    # This check fails critical criteria, so the region's contact is told in the same transaction
    # (alerts.critical): who is told 1, publish's notices 1 and webhook deliveries 1 (no savepoint of its own)
    # = 12. A check with no critical failure costs none of the three (tests/alerts/test_critical.py).
    assert warm40 == 12, "\n".join(sql)
    # Cold: the version's criteria are read once, then cached for the process.
    assert cold40 == warm40 + 1


def test_an_amendment_costs_a_fixed_number_of_queries(network, standard):
    client = client_for(network.manager_a)
    today = local_today(network.a1)
    first = submit(client, "A1", check_body(network.a1, day=today, values={"phone_greeting": False})).json()
    with CaptureQueriesContext(connection) as ctx:
        amended = submit(client, "A1", check_body(network.a1, day=today, amends=first["id"], reason="misread"))
    assert amended.status_code == 201, amended.content
    # Token 1, profile 1, site 1; the site's lock with the version in force 1, the amended check and its
    # actions locked 2, the day's verified photos 1, the one write 1; the day's totals rebuilt by the rollup (it
    # tries to append 1, then the timeline 1, the day's base 1, results 1, check 1, delete 1, insert 1) = 15
    # (without a key: no claim nor stored response), plus SAVEPOINT/RELEASE (the test runs inside a transaction),
    # plus the audit entry's 3 (audit.services.record: the lock, the head, the insert).
    assert len(ctx) == 20, "\n".join(q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("amendment", [False, True])
def test_the_write_statement_fits_the_drivers_statement_cache(amendment):
    # psycopg converts a statement's %(name)s placeholders once and caches the result, but only for statements
    # up to MAX_CACHED_STATEMENT_LENGTH; a longer one is parsed again on every submission (0.1 ms of CPU,
    # ~2% of a submission: bench/RESULTS-submit.md). A new column may push it over: then shorten it, or
    # accept the cost knowingly and change this test.
    from psycopg import _queries

    from consistency.services import check_write

    sql = check_write._amendment_sql() if amendment else check_write._new_check_sql()[0]
    assert len(sql) <= _queries.MAX_CACHED_STATEMENT_LENGTH


def test_listing_checks_is_a_fixed_number_of_queries(network, standard):
    client = client_for(network.manager_a)
    today = local_today(network.a1)

    head_office = client_for(network.head_office)  # signing in is not the listing's cost

    def listing_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = head_office.get("/api/v1/sites/A1/checks/?history=true")
        assert response.status_code == 200
        return len(ctx)

    submit(client, "A1", check_body(network.a1, day=today))
    one = listing_queries()
    for days in range(1, 6):
        submit(client, "A1", check_body(network.a1, day=today - dt.timedelta(days=days)))
    assert listing_queries() == one == 5


def test_check_detail_is_a_fixed_number_of_queries(network, standard):
    created = submit(client_for(network.manager_a), "A1", check_body(network.a1)).json()
    auditor = client_for(network.auditor)
    with CaptureQueriesContext(connection) as ctx:
        response = auditor.get(f"/api/v1/checks/{created['id']}/")
    assert response.status_code == 200 and len(response.json()["results"]) == 4
    assert len(ctx) == 6, "\n".join(q["sql"] for q in ctx.captured_queries)  # token, role, check, results,
    # evidence, actions
