"""A check and its amendment racing on PostgreSQL: whatever the order, one current check per day, nothing
half-saved, and the variance totals equal to the raw results."""

import time

import pytest

from consistency.models import CheckResult, CorrectiveAction, DailyCheck
from tests.conftest import client_for

from .checks_support import check_body, submit
from .test_idempotency import _concurrently
from .test_variance_rollup import assert_rollup_matches_raw

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_plans(monkeypatch):
    """Every plan holds its site's lock for a moment, so that the racers overlap."""
    from consistency.services import check_plan

    real = check_plan.judge_results

    def slow(**kwargs):
        time.sleep(0.2)
        return real(**kwargs)

    monkeypatch.setattr(check_plan, "judge_results", slow)


def test_an_amendment_racing_a_second_new_check_of_the_day(network, standard, slow_plans):
    # Two phones at one site: one corrects the morning's check, the other (not knowing of it) sends the day's
    # check again. The amendment wins whatever the order; the second new check is told to amend.
    client = client_for(network.manager_a)
    first = submit(client, "A1", check_body(network.a1, values={"phone_greeting": False})).json()
    bodies = [check_body(network.a1, amends=first["id"], reason="greeting was given"), check_body(network.a1)]
    responses = _concurrently(2, lambda i: submit(client_for(network.manager_a), "A1", bodies[i]))
    amended, again = responses
    assert amended.status_code == 201, amended.content
    assert again.status_code == 409 and again.json()["code"] == "check_exists", again.content
    assert DailyCheck.objects.filter(is_current=True).get().pk == amended.json()["id"]
    assert CheckResult.objects.filter(is_current=True).count() == 4 and CheckResult.objects.count() == 8
    assert CorrectiveAction.objects.get().status == "resolved"
    assert_rollup_matches_raw(network.a1)


def test_two_amendments_of_one_check_racing(network, standard, slow_plans):
    client = client_for(network.manager_a)
    first = submit(client, "A1", check_body(network.a1, values={"phone_greeting": False})).json()
    bodies = [check_body(network.a1, values={"phone_greeting": False, "phone_rings": 1}, amends=first["id"],
                         reason=f"recount {i}") for i in range(2)]
    responses = _concurrently(2, lambda i: submit(client_for(network.manager_a), "A1", bodies[i]))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409], [r.content for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 201)
    loser = next(r.json() for r in responses if r.status_code == 409)
    assert loser["code"] == "already_amended"
    assert DailyCheck.objects.count() == 2 and DailyCheck.objects.filter(is_current=True).get().pk == winner["id"]
    # The still-failing greeting's action moved once, to the winner.
    assert CorrectiveAction.objects.get().daily_check_id == winner["id"]
    assert_rollup_matches_raw(network.a1)


def test_a_check_and_the_amendment_of_the_day_before_racing(network, standard, slow_plans):
    # An offline phone back on the network sends today's check and a correction of yesterday's at once: both
    # are stored, and the site's totals (yesterday's rebuilt, today's appended) equal the raw results.
    from .checks_support import local_today

    today = local_today(network.a1)
    yesterday = today.fromordinal(today.toordinal() - 1)
    client = client_for(network.manager_a)
    first = submit(client, "A1", check_body(network.a1, day=yesterday, values={"phone_greeting": False})).json()
    bodies = [check_body(network.a1, day=today),
              check_body(network.a1, day=yesterday, amends=first["id"], reason="greeting was given")]
    responses = _concurrently(2, lambda i: submit(client_for(network.manager_a), "A1", bodies[i]))
    assert [r.status_code for r in responses] == [201, 201], [r.content for r in responses]
    assert DailyCheck.objects.filter(is_current=True).count() == 2
    assert_rollup_matches_raw(network.a1)
