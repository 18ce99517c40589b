"""A phone on a bad line sends a multipart photo again because it never heard the answer: the retry gets the
evidence the first attempt made (200, the same body, ``Idempotent-Replayed: true``) and stores nothing new.
The same bytes anywhere else keep their refusals: one photo counts once per site and day."""

from __future__ import annotations

import datetime as dt

import pytest

from consistency.models import CheckResult, CorrectiveAction, Criterion, DailyCheck, Evidence
from consistency.services.checks import local_today
from consistency.services.evidence import duplicates, uploads

from ..conftest import client_for
from .checks_support import wait_until_blocked
from .evidence_factories import make_check, multipart, photo

LINKS = ("url", "thumbnail_url")  # short-lived links, signed anew on every answer


@pytest.fixture
def check(network, standard):
    return make_check(network.a1, standard, network.manager_a, date=local_today(network.a1) - dt.timedelta(days=1))


def send(client, path: str, data: bytes, criterion: str | None = "restroom_clean", **headers):
    fields = {"criterion": criterion} if criterion else {}
    return client.post(path, multipart(data, **fields), format="multipart", headers=headers)


def without_links(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in LINKS}


def test_a_retried_upload_answers_the_evidence_it_made(network, check, storage_writes):
    """Without an Idempotency-Key: the service knows the bytes, and answers with the evidence (200, links signed
    anew). With a key, the stored answer is replayed instead (test_evidence_idempotency.py)."""
    headers = {}
    client = client_for(network.manager_a)
    path = f"/api/v1/checks/{check.pk}/evidence/"
    data = photo(seed=1)
    first = send(client, path, data, **headers)
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first.headers
    passed_at = DailyCheck.objects.get(pk=check.pk).score
    written = list(storage_writes)

    again = send(client, path, data, **headers)
    assert again.status_code == 200, again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert without_links(again.json()) == without_links(first.json())
    assert again.json()["status"] == "verified" and again.json()["upload"] is None
    assert Evidence.objects.count() == 1
    assert storage_writes == written  # nothing stored for the retry
    assert CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed
    assert DailyCheck.objects.get(pk=check.pk).score == passed_at
    # The retry's answer names the photo stored, as the first did.
    assert client.get(f"/api/v1/evidence/{again.json()['id']}/").json()["sha256"] == first.json()["sha256"]


def test_a_retry_that_overtook_its_first_attempt_keeps_the_first(network, check, monkeypatch, storage_writes):
    """The phone gave up waiting and sent again while the first upload was being stored: the one that records
    first is kept, the other answers it and removes the copy it stored."""
    from consistency import storage

    client = client_for(network.manager_a)
    path = f"/api/v1/checks/{check.pk}/evidence/"
    data = photo(seed=2)
    first = send(client, path, data).json()
    real = duplicates.same_photo_here
    looks = []

    def not_yet_recorded(*args):  # the first attempt records between the retry's first look and its lock
        looks.append(args)
        return None if len(looks) == 1 else real(*args)

    monkeypatch.setattr(duplicates, "same_photo_here", not_yet_recorded)
    deleted, delete = [], storage.delete
    monkeypatch.setattr(storage, "delete", lambda key: deleted.append(key) or delete(key))
    again = send(client, path, data)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first["id"] and len(looks) == 2
    assert Evidence.objects.count() == 1
    assert len(storage_writes) == 4 and sorted(deleted) == sorted(storage_writes[2:])


def test_a_retry_is_answered_after_its_check_closed_or_was_amended(network, check, settings):
    """The first attempt got through just before the window closed (or the check was amended); the retry
    comes after: it is the same photo, not a new one, and hears that it counted."""
    client = client_for(network.manager_a)
    path = f"/api/v1/checks/{check.pk}/evidence/"
    data = photo(seed=3)
    first = send(client, path, data).json()

    settings.LATE_CHECK_WINDOW_DAYS = 0
    closed = send(client, path, data)
    assert closed.status_code == 200 and closed.json()["id"] == first["id"]
    assert send(client, path, photo(seed=4)).json()["code"] == "check_closed"  # a new photo is refused

    settings.LATE_CHECK_WINDOW_DAYS = 7
    DailyCheck.objects.filter(pk=check.pk).update(is_current=False)
    amended = send(client, path, data)
    assert amended.status_code == 200 and amended.json()["id"] == first["id"]
    assert send(client, path, photo(seed=4)).json()["code"] == "check_superseded"
    assert Evidence.objects.count() == 1


def test_the_same_bytes_for_another_check_of_the_day_are_still_refused(network, check):
    """An amendment counts the photos of the check it replaces: the same photo given again for it is no new
    evidence (409 already_attached), and no retry either (it was never given for the amendment)."""
    from consistency.services.checks import CheckInput, ResultInput, check_submit

    client = client_for(network.manager_a)
    data = photo(seed=5)
    first = send(client, f"/api/v1/checks/{check.pk}/evidence/", data).json()
    values = {"phone_rings": 2, "phone_greeting": True, "restroom_clean": 5, "delivery_on_time_pct": 97}
    amendment = check_submit(site=check.site, user=network.manager_a, payload=CheckInput(
        date=check.date, amends=check.pk, reason="typo", results=[ResultInput(k, v) for k, v in values.items()])).check
    again = send(client, f"/api/v1/checks/{amendment.pk}/evidence/", data)
    assert again.status_code == 409 and again.json()["code"] == "already_attached"
    assert again.json()["field"] == "file" and first["id"] in again.json()["message"]
    assert Evidence.objects.count() == 1


def test_the_same_bytes_for_another_criterion_are_not_a_retry(network, check):
    client = client_for(network.manager_a)
    path = f"/api/v1/checks/{check.pk}/evidence/"
    data = photo(seed=6)
    first = send(client, path, data).json()
    other = send(client, path, data, criterion="phone_greeting")
    # No retry, and no new evidence either: one photo proves one criterion (test_evidence_one_photo.py).
    assert other.status_code == 409 and "Idempotent-Replayed" not in other.headers
    assert other.json()["code"] == "already_attached" and first["id"] in other.json()["message"]


@pytest.fixture
def action(network, check):
    criterion = Criterion.objects.get(version=check.version, key="restroom_clean")
    return CorrectiveAction.objects.create(site=network.a1, daily_check=check, criterion=criterion,
                                           opened_at=check.received_at, due_on=check.date + dt.timedelta(days=3))


def test_a_retried_upload_for_an_action_answers_its_evidence_even_once_resolved(network, action):
    client = client_for(network.manager_a)
    path = f"/api/v1/actions/{action.pk}/evidence/"
    data = photo(seed=7)
    first = send(client, path, data, criterion=None)
    assert first.status_code == 201, first.json()
    action.status = "resolved"
    action.save(update_fields=["status"])
    again = send(client, path, data, criterion=None)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert without_links(again.json()) == without_links(first.json())
    assert send(client, path, photo(seed=8), criterion=None).json()["code"] == "action_resolved"


@pytest.mark.parametrize(("who", "status"), [("manager_b", 404), ("auditor_b1", 404), ("auditor", 403)])
def test_a_retry_keeps_the_access_rules(network, check, who, status):
    data = photo(seed=9)
    path = f"/api/v1/checks/{check.pk}/evidence/"
    assert send(client_for(network.manager_a), path, data).status_code == 201
    response = send(client_for(getattr(network, who)), path, data)
    assert response.status_code == status
    assert "sha256" not in response.json()  # nothing of the photo leaks into the refusal


@pytest.mark.django_db(transaction=True)
def test_a_retry_sent_while_the_first_upload_still_runs_answers_it(network, standard, monkeypatch):
    """The phone gave up waiting and sent the photo again while the server was still recording the first: the
    retry waits for the site's lock, then answers the first's evidence; one photo, one evidence, one file."""
    import threading

    check = make_check(network.a1, standard, network.manager_a, date=local_today(network.a1) - dt.timedelta(days=1))
    data = photo(seed=10)
    paused, release = threading.Event(), threading.Event()
    real_record = uploads.record_verified

    def slow_record(*args, **kwargs):
        if threading.current_thread().name == "first":
            paused.set()
            assert release.wait(30)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(uploads, "record_verified", slow_record)
    answers = {}

    def request(name):
        from django.db import connection

        try:
            response = send(client_for(network.manager_a), f"/api/v1/checks/{check.pk}/evidence/", data)
            answers[name] = (response.status_code, response.json().get("id"),
                             response.headers.get("Idempotent-Replayed"))
        finally:
            connection.close()

    first = threading.Thread(target=request, args=("first",), name="first")
    first.start()
    assert paused.wait(30)
    retry = threading.Thread(target=request, args=("retry",), name="retry")
    retry.start()
    wait_until_blocked(retry)
    release.set()
    first.join(30)
    retry.join(30)

    assert answers["first"][0] == 201 and answers["retry"] == (200, answers["first"][1], "true"), answers
    assert Evidence.objects.count() == 1
