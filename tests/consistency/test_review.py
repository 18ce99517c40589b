"""Photo review: head office or an auditor rejects a verified photo (the criterion it supported fails again, a
retake is asked for by a deadline, the managers are told) or clears a flagged one; a retake is taken past the
late window until its deadline; overdue retakes reach the region's contact. Every role, inside and outside its
scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consistency.models import CheckResult, DailyCheck, Evidence, PhotoReview, RetakeRequest, SitePhotoDay
from consistency.services.checks import local_today
from consistency.services.evidence import retakes
from notify.models import Notice
from tests.factories import UserFactory

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo

DAY = dt.date(2026, 3, 10)
PERIOD = {"from": "2026-03-10", "to": "2026-03-10"}

pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day", "local_storage")


def upload(check, data: bytes, *, criterion="restroom_clean", user=None):
    user = user or check.submitted_by
    return client_for(user).post(f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion=criterion),
                                 format="multipart")


def review(user, evidence_id, decision="reject", reason="Blurred: the basins cannot be seen."):
    return client_for(user).post(f"/api/v1/evidence/{evidence_id}/review/", {"decision": decision, "reason": reason},
                                 format="json")


def restroom(check) -> CheckResult:
    current = DailyCheck.objects.get(site=check.site, date=check.date, is_current=True)
    return CheckResult.objects.get(daily_check=current, criterion__key="restroom_clean")


def a1_variance(user):
    body = client_for(user).get("/api/v1/sites/A1/variance/", PERIOD).json()["sites"][0]
    return next(c for c in body["criteria"] if c["key"] == "restroom_clean"), body["photos"], body["score"]


@pytest.fixture
def shot(network, standard):
    """A1's check of DAY with its restroom photo verified: the criterion passes."""
    check = make_check(network.a1, standard, network.manager_a, date=DAY)
    response = upload(check, photo(seed=11, captured="2026:03:10 08:00:00"))
    assert response.status_code == 201, response.json()
    assert restroom(check).passed
    return check, response.json()["id"]


def test_a_rejected_photo_makes_its_criterion_fail_and_opens_a_retake(network, shot):
    check, evidence_id = shot
    before, photos, score = a1_variance(network.head_office)
    assert before["pass_rate"]["rate"] == 1.0 and photos["verified"] == 1

    response = review(network.head_office, evidence_id)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "rejected" and body["reject_reason"].startswith("Rejected on review: Blurred")
    assert body["url"]  # the history keeps the photo: it still opens
    [shown] = body["reviews"]
    assert (shown["decision"], shown["decided_by"], shown["reason"]) == ("reject", "head.office",
                                                                         "Blurred: the basins cannot be seen.")

    # The criterion fails again, by the one rule; the check's score and the variance follow.
    assert not restroom(check).passed
    assert DailyCheck.objects.get(pk=check.pk).score < 1
    after, photos, score_after = a1_variance(network.head_office)
    assert after["pass_rate"]["rate"] == 0.0 and after["observations"] == 1
    assert score_after < score
    assert photos == {"verified": 0, "reused": 0, "stale": 0, "suspect": 0}
    assert SitePhotoDay.objects.get(site=network.a1, day=DAY).verified == 0

    # A retake is asked for, due RETAKE_DUE_HOURS (48) later.
    retake = RetakeRequest.objects.get()
    assert retake.rejected.public_id.hex == evidence_id.replace("-", "")
    assert abs(retake.due_at - (timezone.now() + dt.timedelta(hours=48))) < dt.timedelta(minutes=1)
    assert shown["retake"] == retake.pk

    # The manager is told (the notice is stored; notify sends it), keyed by the photo.
    notice = Notice.objects.get(event="photo.rejected")
    assert (notice.recipient, notice.key) == (network.manager_a, evidence_id)
    assert notice.data["reason"] == "Blurred: the basins cannot be seen." and notice.data["site"] == "A1"
    assert notice.link == "/app/today/?site=A1"

    # The evidence detail shows it; the site's retakes list it, open.
    detail = client_for(network.manager_a).get(f"/api/v1/evidence/{evidence_id}/").json()
    assert detail["reviews"][0]["decision"] == "reject" and detail["trusted"] is False
    listed = client_for(network.manager_a).get("/api/v1/sites/A1/retakes/", {"status": "open"}).json()["results"]
    assert [(r["criterion"], r["status"], r["day"], r["current_check"]) for r in listed] == [
        ("restroom_clean", "open", "2026-03-10", check.pk)]
    assert client_for(network.manager_a).get("/api/v1/sites/A1/retakes/", {"status": "overdue"}).json()["count"] == 0


def test_a_retake_past_the_window_but_within_the_deadline_passes_again(network, shot, settings):
    check, evidence_id = shot
    assert review(network.auditor, evidence_id).status_code == 201
    settings.LATE_CHECK_WINDOW_DAYS = 7  # DAY is long closed to new photos now

    # Another criterion's photo is still refused: only the retake is open.
    refused = upload(check, photo(seed=12), criterion="phone_greeting")
    assert refused.status_code == 409 and refused.json()["code"] == "check_closed"
    # The very photo rejected is no retake.
    again = upload(check, photo(seed=11, captured="2026:03:10 08:00:00"))
    assert again.status_code == 409 and again.json()["code"] == "rejected_on_review"

    response = upload(check, photo(seed=13, captured="2026:03:10 09:00:00"))
    assert response.status_code == 201, response.json()
    assert restroom(check).passed
    retake = RetakeRequest.objects.get()
    assert retake.retake.public_id.hex == response.json()["id"].replace("-", "") and retake.fulfilled_at
    criterion, photos, _ = a1_variance(network.head_office)
    assert criterion["pass_rate"]["rate"] == 1.0 and photos["verified"] == 1
    fulfilled = client_for(network.manager_a).get("/api/v1/sites/A1/retakes/").json()["results"]
    assert [(r["status"], r["retake"]) for r in fulfilled] == [("fulfilled", response.json()["id"])]

    # Answered: the day is closed again.
    closed = upload(check, photo(seed=14))
    assert closed.status_code == 409 and closed.json()["code"] == "check_closed"


def test_past_its_deadline_a_retake_is_refused_as_the_window_says(network, shot, settings):
    check, evidence_id = shot
    assert review(network.head_office, evidence_id).status_code == 201
    settings.LATE_CHECK_WINDOW_DAYS = 7
    RetakeRequest.objects.update(due_at=timezone.now() - dt.timedelta(minutes=1))
    response = upload(check, photo(seed=13))
    assert response.status_code == 409 and response.json()["code"] == "check_closed"
    assert not restroom(check).passed
    listed = client_for(network.head_office).get("/api/v1/sites/A1/retakes/", {"status": "overdue"}).json()
    assert listed["count"] == 1


def test_a_retake_within_the_window_also_fulfils_the_request(network, shot):
    check, evidence_id = shot
    assert review(network.head_office, evidence_id).status_code == 201
    assert upload(check, photo(seed=21)).status_code == 201
    assert restroom(check).passed and RetakeRequest.objects.get().fulfilled_at is not None


def test_only_a_verified_photo_of_a_check_is_rejected(network, shot):
    check, evidence_id = shot
    assert review(network.head_office, evidence_id).status_code == 201
    twice = review(network.head_office, evidence_id)
    assert twice.status_code == 409 and twice.json()["code"] == "not_verified" and twice.json()["field"] == "id"
    assert PhotoReview.objects.count() == 1 and RetakeRequest.objects.count() == 1
    # A photo refused when it was checked (never verified) is no more rejectable.
    refused = Evidence.objects.create(daily_check=check, criterion=restroom(check).criterion, site=network.a1,
                                      uploaded_by=network.manager_a, key="sites/A1/x.jpg", day=DAY,
                                      declared_content_type="image/jpeg", declared_size=10, declared_sha256="0" * 64,
                                      status=Evidence.Status.REJECTED, reject_reason="Not an image.")
    response = review(network.head_office, refused.public_id)
    assert response.status_code == 409 and response.json()["code"] == "not_verified"
    pending = Evidence.objects.create(daily_check=check, criterion=restroom(check).criterion, site=network.a1,
                                      uploaded_by=network.manager_a, key="sites/A1/y.jpg", day=DAY,
                                      declared_content_type="image/jpeg", declared_size=10, declared_sha256="1" * 64)
    assert review(network.head_office, pending.public_id).status_code == 409


def test_bad_input_names_its_field_and_saves_nothing(network, shot):
    _, evidence_id = shot
    for body, field in (({"decision": "reject", "reason": "  "}, "reason"), ({"decision": "reject"}, "reason"),
                        ({"decision": "burn", "reason": "x"}, "decision"),
                        ({"decision": "reject", "reason": "x" * 501}, "reason"),
                        ({"decision": "reject", "reason": "x", "reasn": "typo"}, "reasn")):
        response = client_for(network.head_office).post(f"/api/v1/evidence/{evidence_id}/review/", body,
                                                         format="json")
        assert response.status_code == 400 and response.json()["field"] == field, (body, response.json())
    assert not PhotoReview.objects.exists() and Evidence.objects.get().status == "verified"


def test_a_flagged_photo_is_cleared_and_no_longer_suspect(network, shot):
    check, evidence_id = shot
    # A photo captured a month before its day: flagged stale.
    stale = upload(check, photo(seed=31, captured="2026:02:01 08:00:00"), criterion="phone_greeting").json()
    assert stale["stale_capture"] is True
    _, photos, _ = a1_variance(network.head_office)
    assert photos == {"verified": 2, "reused": 0, "stale": 1, "suspect": 1}

    not_flagged = review(network.head_office, evidence_id, decision="clear", reason="Looks fine")
    assert not_flagged.status_code == 409 and not_flagged.json()["code"] == "not_flagged"

    response = review(network.auditor, stale["id"], decision="clear", reason="The camera's clock was wrong.")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["trusted"] is True and body["status"] == "verified" and body["stale_capture"] is True
    assert body["reviews"][0]["reason"] == "The camera's clock was wrong."
    _, photos, _ = a1_variance(network.head_office)
    assert photos == {"verified": 2, "reused": 0, "stale": 1, "suspect": 0}
    notice = Notice.objects.get(event="photo.cleared")
    assert (notice.recipient, notice.key) == (network.manager_a, stale["id"])
    again = review(network.head_office, stale["id"], decision="clear", reason="again")
    assert again.status_code == 409 and again.json()["code"] == "already_cleared"

    # Rejected later after all: it leaves every count, and is not taken out of "suspect" twice.
    assert review(network.head_office, stale["id"]).status_code == 201
    _, photos, _ = a1_variance(network.head_office)
    assert photos == {"verified": 1, "reused": 0, "stale": 0, "suspect": 0}


# persona -> answer to a review of a photo of A1
REVIEWERS = {"head_office": 201, "auditor": 201, "auditor_b1": 404, "manager_a": 403, "manager_b": 404,
             "shopper": 404, "accountant": 403}


@pytest.mark.parametrize("decision", ["reject", "clear"])
def test_who_may_review(network, shot, decision):
    check, _ = shot
    for n, (persona, expected) in enumerate(REVIEWERS.items()):
        # A fresh photo of A1 for each: stale (captured in January) for a clearing.
        data = photo(seed=400 + n, size=(160, 120), captured="2026:01:01 08:00:00" if decision == "clear" else None)
        evidence_id = upload(check, data, criterion="phone_greeting").json()["id"]
        before = PhotoReview.objects.count()
        response = review(getattr(network, persona), evidence_id, decision=decision)
        assert response.status_code == expected, (persona, response.json())
        assert PhotoReview.objects.count() == before + (expected == 201)
        if expected != 201:
            assert response.json()["field"] == "id"


READERS = {"head_office": 200, "auditor": 200, "manager_a": 200, "accountant": 200, "auditor_b1": 404,
           "manager_b": 404, "shopper": 404}


def test_who_reads_a_sites_retakes(network, shot):
    _, evidence_id = shot
    assert review(network.head_office, evidence_id).status_code == 201
    for persona, expected in READERS.items():
        response = client_for(getattr(network, persona)).get("/api/v1/sites/A1/retakes/")
        assert response.status_code == expected, persona
        if expected == 200:
            assert response.json()["count"] == 1
        else:
            assert response.json()["field"] == "code"
    bad = client_for(network.head_office).get("/api/v1/sites/A1/retakes/", {"status": "late"})
    assert bad.status_code == 400 and bad.json()["field"] == "status"


def test_the_retakes_list_takes_the_same_queries_for_one_or_many(network, standard):
    client = client_for(network.head_office)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/sites/A1/retakes/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    for n, day in enumerate((DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2))):
        check = make_check(network.a1, standard, network.manager_a, date=day)
        evidence_id = upload(check, photo(seed=50 + n)).json()["id"]
        assert review(network.head_office, evidence_id).status_code == 201
        if n == 0:
            one = count()
    many = count()
    assert one[1] == 1 and many[1] == 3 and one[0] == many[0]
    # the token, the user's role, the site, the count, the page
    assert many[0] <= 6


def test_overdue_retakes_reach_the_region_contact_once(network, standard):
    contact = UserFactory(username="contact.a")
    network.region_a.contact = contact
    network.region_a.save()
    for site, user, seed in ((network.a1, network.manager_a, 61), (network.b1, network.manager_b, 62)):
        check = make_check(site, standard, user, date=DAY)
        evidence_id = upload(check, photo(seed=seed)).json()["id"]
        assert review(network.head_office, evidence_id).status_code == 201
    assert retakes.notify_overdue() == 0  # none due yet
    RetakeRequest.objects.update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert retakes.notify_overdue() == 2
    assert retakes.notify_overdue() == 0  # claimed: told once
    told = sorted((n.recipient.username, n.data["site"]) for n in Notice.objects.filter(event="photo.retake_overdue"))
    # A1's region has a contact; B1's has none: head office is told.
    assert told == [("contact.a", "A1"), ("head.office", "B1")]
    assert all(r.overdue_notified_at for r in RetakeRequest.objects.all())


def test_the_rejected_day_is_the_sites_local_day(network, standard, settings):
    """A retake of today's check: the window is open anyway, and the request is listed by the check's local day."""
    today = local_today(network.a1)
    check = make_check(network.a1, standard, network.manager_a, date=today)
    evidence_id = upload(check, photo(seed=71)).json()["id"]
    assert review(network.head_office, evidence_id).status_code == 201
    [listed] = client_for(network.manager_a).get("/api/v1/sites/A1/retakes/").json()["results"]
    assert listed["day"] == today.isoformat()
