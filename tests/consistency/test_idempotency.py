"""Idempotency-Key: replay, conflicting replay, concurrency, scope per user, retention."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from consistency.models import CheckResult, DailyCheck, IdempotencyRecord
from consistency.services import idempotency
from tests.conftest import client_for

from .checks_support import check_body, local_today, submit

pytestmark = pytest.mark.django_db


def test_a_replay_returns_the_identical_response_and_stores_nothing_new(network, standard):
    client = client_for(network.manager_a)
    body = check_body(network.a1)
    first = submit(client, "A1", body, **{"Idempotency-Key": "morning-1"})
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    replay = submit(client, "A1", body, **{"Idempotency-Key": "morning-1"})
    assert replay.status_code == 201
    assert replay.content == first.content
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert DailyCheck.objects.count() == 1 and CheckResult.objects.count() == 4
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_key_with_a_different_body_is_a_422(network, standard):
    client = client_for(network.manager_a)
    body = check_body(network.a1)
    assert submit(client, "A1", body, **{"Idempotency-Key": "k"}).status_code == 201
    changed = {**body, "results": [{**r, "note": "changed"} for r in body["results"]]}
    response = submit(client, "A1", changed, **{"Idempotency-Key": "k"})
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key" and response.json()["code"] == "idempotency_mismatch"
    assert DailyCheck.objects.count() == 1


def test_a_replay_is_answered_from_the_key_whatever_the_rules_say_now(network, standard, settings):
    # A check at the edge of the late window; its 201 is lost and the phone retries after the day has left
    # the window (here: the window shrinks). The retry gets the stored 201, not a 400 "too late"; the same key
    # with another body, which the rules would refuse too, is a 422 for the key.
    client = client_for(network.manager_a)
    body = check_body(network.a1, day=local_today(network.a1) - dt.timedelta(days=7))
    first = submit(client, "A1", body, **{"Idempotency-Key": "late-1"})
    assert first.status_code == 201
    settings.LATE_CHECK_WINDOW_DAYS = 1
    replay = submit(client, "A1", body, **{"Idempotency-Key": "late-1"})
    assert replay.status_code == 201 and replay.content == first.content
    changed = {**body, "results": [{**r, "note": "changed"} for r in body["results"]]}
    assert submit(client, "A1", changed, **{"Idempotency-Key": "late-1"}).status_code == 422
    assert DailyCheck.objects.count() == 1


def test_the_same_key_on_another_site_is_a_422(network, standard, db):
    client = client_for(network.head_office)
    assert submit(client, "A1", check_body(network.a1), **{"Idempotency-Key": "k"}).status_code == 201
    assert submit(client, "A2", check_body(network.a2), **{"Idempotency-Key": "k"}).status_code == 422


def test_keys_are_scoped_to_the_user(network, standard):
    # The same key from two people is two different requests.
    a = submit(client_for(network.manager_a), "A1", check_body(network.a1), **{"Idempotency-Key": "shared"})
    b = submit(client_for(network.manager_b), "B1", check_body(network.b1), **{"Idempotency-Key": "shared"})
    assert a.status_code == b.status_code == 201
    assert DailyCheck.objects.count() == 2


def test_a_refused_request_releases_its_key_so_the_corrected_retry_runs(network, standard):
    client = client_for(network.manager_a)
    bad = check_body(network.a1, values={"restroom_clean": 6})
    assert submit(client, "A1", bad, **{"Idempotency-Key": "fix-me"}).status_code == 400
    good = check_body(network.a1)
    assert submit(client, "A1", good, **{"Idempotency-Key": "fix-me"}).status_code == 201


def test_a_replay_after_a_409_for_the_day_is_not_stored(network, standard):
    client = client_for(network.manager_a)
    assert submit(client, "A1", check_body(network.a1)).status_code == 201
    body = check_body(network.a1)
    assert submit(client, "A1", body, **{"Idempotency-Key": "second"}).status_code == 409
    assert not IdempotencyRecord.objects.filter(key="second").exists()


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "tab\there"])
def test_a_malformed_key_is_a_400(network, standard, key):
    response = submit(client_for(network.manager_a), "A1", check_body(network.a1), **{"Idempotency-Key": key})
    if key == "":
        # An empty header is no header at all for the test client; it simply runs.
        assert response.status_code in (201, 400)
        return
    assert response.status_code == 400 and response.json()["field"] == "Idempotency-Key"
    assert not DailyCheck.objects.exists()


def test_purge_keeps_at_least_a_day(network, standard):
    client = client_for(network.manager_a)
    submit(client, "A1", check_body(network.a1), **{"Idempotency-Key": "old"})
    record = IdempotencyRecord.objects.get()
    now = timezone.now()
    # Asked to keep only an hour, it still keeps 24 hours.
    assert idempotency.idempotency_purge(now=now + dt.timedelta(hours=23), keep_hours=1) == 0
    assert idempotency.idempotency_purge(now=now + dt.timedelta(hours=47)) == 0
    assert idempotency.idempotency_purge(now=now + dt.timedelta(hours=49)) == 1
    assert not IdempotencyRecord.objects.filter(pk=record.pk).exists()


def test_an_abandoned_claim_is_taken_over_and_a_live_one_is_not(network, standard):
    from backend.errors import Conflict

    fp = idempotency.fingerprint(method="POST", path="/api/v1/sites/A1/checks/", body=b"{}")
    # A claim left by a process that died before finishing (no response, over a minute old):
    stale = IdempotencyRecord.objects.create(user=network.manager_a, key="dead", request_fingerprint=fp)
    IdempotencyRecord.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    fresh = IdempotencyRecord.objects.create(user=network.manager_a, key="busy", request_fingerprint=fp)
    ran = []
    result = idempotency.idempotent(user=network.manager_a, key="dead", request_fingerprint=fp,
                                    run=lambda: (ran.append(1) or (201, b"{}")))
    assert result.status == 201 and ran == [1]
    with pytest.raises(Conflict):
        idempotency.idempotent(user=network.manager_a, key="busy", request_fingerprint=fp, run=lambda: (201, b"{}"))
    assert IdempotencyRecord.objects.get(pk=fresh.pk).completed_at is None


def _concurrently(n: int, work) -> list:
    """Run ``work(i)`` in n threads released at the same instant; each thread has its own connection."""
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def runner(i):
        try:
            barrier.wait()
            out[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_store_one_check(network, standard, monkeypatch):
    from consistency.services import check_plan

    real = check_plan.judge_results

    def slow(**kwargs):  # hold the first request inside its transaction, its key claimed, while the others arrive
        time.sleep(0.5)
        return real(**kwargs)

    monkeypatch.setattr(check_plan, "judge_results", slow)
    body = check_body(network.a1)
    user = network.manager_a
    responses = _concurrently(20, lambda i: submit(client_for(user), "A1", body, **{"Idempotency-Key": "storm"}))
    # One ran; every other got a 409 while it ran, or its stored answer once it had finished (a replay).
    created = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers]
    replays = [r for r in responses if r.status_code == 201 and r.headers.get("Idempotent-Replayed") == "true"]
    conflicts = [r.json() for r in responses if r.status_code == 409]
    assert len(created) == 1 and len(created) + len(replays) + len(conflicts) == 20, [r.status_code for r in responses]
    assert len(conflicts) >= 10  # the work took 0.5 s: most arrived while it ran
    assert {c["code"] for c in conflicts} == {"idempotency_in_progress"}
    assert all(r.content == created[0].content for r in replays)
    assert DailyCheck.objects.count() == 1 and CheckResult.objects.count() == 4
    assert IdempotencyRecord.objects.get().completed_at is not None
    # Once it finished, the same request replays the stored answer.
    replay = submit(client_for(user), "A1", body, **{"Idempotency-Key": "storm"})
    assert replay.status_code == 201 and replay.content == created[0].content


@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_for_one_day_without_keys_store_one(network, standard):
    user = network.manager_a
    responses = _concurrently(8, lambda i: submit(client_for(user), "A1", check_body(network.a1)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, statuses
    assert DailyCheck.objects.count() == 1 and CheckResult.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_phone_uploading_a_week_of_checks_at_once_counts_every_day(network, standard):
    """An offline phone back on the network sends its queued days in parallel: every check is stored and
    the site's variance totals equal the raw results (each writer reads the head after the site lock)."""
    from .test_variance_rollup import assert_rollup_matches_raw

    user, today = network.manager_a, local_today(network.a1)
    days = [today - dt.timedelta(days=i) for i in range(6, -1, -1)]
    responses = _concurrently(len(days), lambda i: submit(client_for(user), "A1",
                                                          check_body(network.a1, day=days[i])))
    assert sorted(r.status_code for r in responses) == [201] * len(days), [r.content[:200] for r in responses]
    assert DailyCheck.objects.filter(site=network.a1).count() == len(days)
    assert_rollup_matches_raw(network.a1)
