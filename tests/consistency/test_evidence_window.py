"""A day's check takes new photos for LATE_CHECK_WINDOW_DAYS after the day, counted in the site's local days,
as late checks do: after that, a photo verified for it would rewrite a past period's score under reports
already rendered. A photo asked for in time is judged when its confirmation arrives, even after the window
closed; a corrective action's photos are not limited by the window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from consistency.models import CheckResult, CorrectiveAction, Criterion, DailyCheck, Evidence
from consistency.services import evidence as services
from consistency.services.checks import local_today

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo, post_form, sha

WINDOW = 7

needs_s3 = pytest.mark.skipif(settings.STORAGE_BACKEND != "s3",
                              reason="direct uploads need an S3 endpoint (scripts/test.sh starts one)")


@pytest.fixture(autouse=True)
def window(settings):
    settings.LATE_CHECK_WINDOW_DAYS = WINDOW


def days_ago(site, n: int) -> dt.date:
    return local_today(site) - dt.timedelta(days=n)


def restroom(check) -> CheckResult:
    return CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean")


def send(client, check, data: bytes):
    return client.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion="restroom_clean"),
                       format="multipart")


def ask(client, check, data: bytes):
    return client.post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": "restroom_clean", "content_type": "image/jpeg", "size": len(data), "sha256": sha(data),
    }, format="json")


def assert_closed(response, day: dt.date) -> None:
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "check_closed" and body["field"] == "check"
    assert body["message"].startswith(f"check: the check of {day} is closed to new evidence")
    assert f"LATE_CHECK_WINDOW_DAYS ({settings.LATE_CHECK_WINDOW_DAYS}) days after its day" in body["message"]


def test_a_photo_for_a_check_past_the_window_is_refused_and_changes_no_score(network, standard, storage_writes):
    """The walkthrough: a 50-day-old check whose photo criterion was met but unpassed."""
    day = days_ago(network.a1, 50)
    check = make_check(network.a1, standard, network.manager_a, date=day)
    score = check.score
    assert not restroom(check).passed

    response = send(client_for(network.manager_a), check, photo(seed=1))
    assert_closed(response, day)
    assert not Evidence.objects.exists()
    assert storage_writes == []
    assert not restroom(check).passed
    assert DailyCheck.objects.get(pk=check.pk).score == score


@needs_s3
def test_no_upload_is_handed_out_for_a_check_past_the_window(network, standard):
    day = days_ago(network.a1, WINDOW + 1)
    check = make_check(network.a1, standard, network.manager_a, date=day)
    assert_closed(ask(client_for(network.manager_a), check, photo(seed=2)), day)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(("age", "status"), [(0, 201), (WINDOW, 201), (WINDOW + 1, 409)])
def test_the_window_counts_days_at_the_site(network, standard, storage_writes, age, status):
    check = make_check(network.a1, standard, network.manager_a, date=days_ago(network.a1, age))
    response = send(client_for(network.manager_a), check, photo(seed=3))
    assert response.status_code == status, response.json()
    assert restroom(check).passed is (status == 201)
    assert len(storage_writes) == (2 if status == 201 else 0)  # the original and its report copy


def test_the_window_is_counted_in_each_site_s_own_days(network, standard):
    # 12:00 UTC on 24 November is already the 25th in Auckland (A1) but still the 24th in New York (B1).
    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    day = dt.date(2026, 11, 24) - dt.timedelta(days=WINDOW)
    in_auckland = make_check(network.a1, standard, network.manager_a, date=day)
    in_new_york = make_check(network.b1, standard, network.manager_b, date=day)
    assert services.target_for_check(in_new_york, now=now).closed is None
    closed = services.target_for_check(in_auckland, now=now).closed
    assert closed.code == "check_closed" and "at site A1 it is now 2026-11-25" in closed.message


@needs_s3
def test_a_photo_asked_for_in_time_counts_when_confirmed_after_the_window_closed(network, standard, settings):
    """The phone asked on the last day (declaring the photo's SHA-256: those bytes existed in time), then
    lost the line until the window had closed: its confirmation is judged, and the photo counts."""
    check = make_check(network.a1, standard, network.manager_a, date=days_ago(network.a1, 6))
    client = client_for(network.manager_a)
    data = photo(seed=4)
    body = ask(client, check, data).json()
    assert post_form(body["upload"]["url"], body["upload"]["fields"], data) in (200, 201, 204)
    # As if the window were 5 days and the photo asked for 3 days ago: on the day's 3rd day after (open),
    # confirmed on its 6th (closed).
    settings.LATE_CHECK_WINDOW_DAYS = 5
    Evidence.objects.filter(public_id=body["id"]).update(created_at=timezone.now() - dt.timedelta(days=3))
    assert send(client, check, photo(seed=5)).json()["code"] == "check_closed"  # closed to new photos

    confirmed = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "verified"
    assert restroom(check).passed


@needs_s3
def test_the_server_settles_a_photo_asked_for_in_time_after_the_window_closed(network, standard, settings):
    from consistency.tasks import settle_unconfirmed_photos

    check = make_check(network.a1, standard, network.manager_a, date=days_ago(network.a1, WINDOW))
    data = photo(seed=6)
    body = ask(client_for(network.manager_a), check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    # Never confirmed; the server settles it a day later, when (with a window of 6 days) the day has closed.
    settings.LATE_CHECK_WINDOW_DAYS = WINDOW - 1
    Evidence.objects.filter(public_id=body["id"]).update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert settle_unconfirmed_photos()["verified"] == 1
    assert Evidence.objects.get(public_id=body["id"]).status == "verified"
    assert restroom(check).passed


@needs_s3
def test_a_request_made_after_the_day_closed_is_refused_on_confirmation(network, standard, settings):
    """Such a request can no longer be made; one recorded before the rule is refused, with its reason."""
    check = make_check(network.a1, standard, network.manager_a, date=days_ago(network.a1, 6))
    client = client_for(network.manager_a)
    data = photo(seed=7)
    body = ask(client, check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    settings.LATE_CHECK_WINDOW_DAYS = 2  # as if it had been asked for on the day's 6th day after, with 2 days

    refused = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert refused.status_code == 409 and refused.json()["code"] == "check_closed", refused.json()
    assert refused.json()["field"] == "id"
    evidence = Evidence.objects.get(public_id=body["id"])
    assert evidence.status == "rejected" and "closed to new evidence" in evidence.reject_reason
    assert not restroom(check).passed
    again = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert again.status_code == 409 and again.json()["code"] == "evidence_rejected"


def test_a_corrective_action_takes_photos_whatever_the_age_of_its_check(network, standard):
    """Resolving a failure is not a change to the failed day's numbers: its photos are not limited."""
    day = days_ago(network.a1, 50)
    check = make_check(network.a1, standard, network.manager_a, date=day, values={"restroom_clean": 1})
    action = CorrectiveAction.objects.create(
        site=network.a1, daily_check=check, criterion=Criterion.objects.get(version=standard, key="restroom_clean"),
        opened_at=timezone.now() - dt.timedelta(days=50), due_on=day + dt.timedelta(days=3))
    response = client_for(network.manager_a).post(f"/api/v1/actions/{action.pk}/evidence/",
                                                  multipart(photo(seed=8)), format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "verified"


@pytest.mark.parametrize(("who", "status"), [("manager_b", 404), ("auditor", 403)])
def test_a_closed_check_outside_one_s_scope_is_still_refused_by_scope(network, standard, who, status):
    check = make_check(network.a1, standard, network.manager_a, date=days_ago(network.a1, 50))
    response = send(client_for(getattr(network, who)), check, photo(seed=9))
    assert response.status_code == status


@needs_s3
def test_a_request_retried_after_the_window_closed_gets_its_form_again(network, standard, settings):
    """The phone asked in time and lost the answer with the form in it: asking again for the same photo gets the
    same evidence and a fresh form, while a new photo is refused."""
    check = make_check(network.a1, standard, network.manager_a, date=days_ago(network.a1, 6))
    client = client_for(network.manager_a)
    data = photo(seed=10)
    first = ask(client, check, data).json()
    settings.LATE_CHECK_WINDOW_DAYS = 5
    Evidence.objects.filter(public_id=first["id"]).update(created_at=timezone.now() - dt.timedelta(days=3))

    again = ask(client, check, data)
    assert again.status_code == 201 and again.json()["id"] == first["id"] and again.json()["upload"]["url"]
    assert_closed(ask(client, check, photo(seed=11)), check.date)
    post_form(again.json()["upload"]["url"], again.json()["upload"]["fields"], data)
    assert client.post(f"/api/v1/evidence/{first['id']}/confirm/").json()["status"] == "verified"
