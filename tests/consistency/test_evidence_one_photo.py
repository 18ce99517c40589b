"""One photo is one piece of evidence: the same bytes given for another criterion of the same site's day are
refused (409 ``already_attached``, naming the criterion they already prove), by either way in and at every
step where the bytes are known; a near-identical picture for another criterion of the day is flagged
``reused`` where head office and the compliance pack read it.

Found by a new user: one photo of the counter was accepted for the uniform, the invoices, the windows and the
reception of one check, all verified, and the day's score rose with each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from consistency.models import CheckResult, DailyCheck, Evidence, SitePhotoDay

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo, post_form, reencode, sha

pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day")

DAY = dt.date(2026, 3, 10)
needs_s3 = pytest.mark.skipif(settings.STORAGE_BACKEND != "s3",
                              reason="direct uploads need an S3 endpoint (scripts/test.sh starts one)")


@pytest.fixture
def check(network, db):
    """A check whose restroom and greeting both need a photo, both met: each passes once its photo is in."""
    from tests.factories import published_version, small_standard_doc

    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"][1]["photos_required"] = 1  # phone_greeting needs a photo too
    return make_check(network.a1, published_version(doc), network.manager_a, date=DAY)


def upload(client, check, data, criterion):
    return client.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion=criterion),
                       format="multipart")


def ask(client, check, data, criterion):
    return client.post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": criterion, "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)},
        format="json")


def passed(check, key) -> bool:
    return CheckResult.objects.get(daily_check=check, criterion__key=key).passed


def test_multipart_the_same_photo_for_another_criterion_is_refused_naming_the_one_it_proves(network, check):
    client = client_for(network.manager_a)
    data = photo(seed=301)
    first = upload(client, check, data, "restroom_clean")
    assert first.status_code == 201
    score = DailyCheck.objects.get(pk=check.pk).score

    second = upload(client, check, data, "phone_greeting")
    assert second.status_code == 409, second.json()
    body = second.json()
    assert body["code"] == "already_attached" and body["field"] == "file"
    assert "'restroom_clean'" in body["message"] and first.json()["id"] in body["message"]
    assert Evidence.objects.filter(sha256=sha(data)).count() == 1
    assert passed(check, "restroom_clean") and not passed(check, "phone_greeting")
    assert DailyCheck.objects.get(pk=check.pk).score == score  # the day's score did not rise with it


def test_multipart_retry_for_the_same_criterion_is_still_a_replay(network, check):
    client = client_for(network.manager_a)
    data = photo(seed=302)
    first = upload(client, check, data, "restroom_clean")
    again = upload(client, check, data, "restroom_clean")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_the_same_photo_for_another_criterion_of_the_amended_check_is_refused(network, check):
    # The day's photos count for its amendment: the same bytes there, for another criterion, are no new proof.
    from consistency.services.checks import CheckInput, ResultInput, check_submit

    client = client_for(network.manager_a)
    data = photo(seed=303)
    assert upload(client, check, data, "restroom_clean").status_code == 201
    values = {"phone_rings": 2, "phone_greeting": True, "restroom_clean": 5, "delivery_on_time_pct": 97}
    amended = check_submit(site=check.site, user=network.manager_a,
                           now=dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC),
                           payload=CheckInput(date=DAY, amends=check.pk, reason="typo",
                                              results=[ResultInput(k, v) for k, v in values.items()])).check
    refused = upload(client, amended, data, "phone_greeting")
    assert refused.status_code == 409 and refused.json()["code"] == "already_attached"
    assert "'restroom_clean'" in refused.json()["message"]


def test_the_same_photo_at_another_day_is_not_refused(network, check):
    # Another day's or site's copy is flagged reused (test_evidence_trust.py), not refused: the rule is per day.
    client = client_for(network.manager_a)
    data = photo(seed=304)
    assert upload(client, check, data, "restroom_clean").status_code == 201
    next_day = make_check(network.a1, check.version, network.manager_a, date=DAY + dt.timedelta(days=1))
    later = upload(client, next_day, data, "phone_greeting")
    assert later.status_code == 201 and later.json()["reused"] is True


@needs_s3
def test_direct_request_for_another_criterion_is_refused_once_the_sha256_is_known(network, check):
    client = client_for(network.manager_a)
    data = photo(seed=305)
    assert upload(client, check, data, "restroom_clean").status_code == 201
    refused = ask(client, check, data, "phone_greeting")
    assert refused.status_code == 409 and refused.json()["code"] == "already_attached"
    assert refused.json()["field"] == "sha256" and "'restroom_clean'" in refused.json()["message"]
    assert not Evidence.objects.filter(criterion__key="phone_greeting").exists()


@needs_s3
def test_direct_confirmation_of_the_same_bytes_for_another_criterion_is_refused(network, check):
    # Both asked for before either was confirmed (the sha256 was new then): the second confirmation refuses it.
    from django.core.files.storage import default_storage

    client = client_for(network.manager_a)
    data = photo(seed=306)
    bodies = [ask(client, check, data, key).json() for key in ("restroom_clean", "phone_greeting")]
    for body in bodies:
        assert post_form(body["upload"]["url"], body["upload"]["fields"], data) == 204
    assert client.post(f"/api/v1/evidence/{bodies[0]['id']}/confirm/").status_code == 200
    refused = client.post(f"/api/v1/evidence/{bodies[1]['id']}/confirm/")
    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "already_attached" and "'restroom_clean'" in refused.json()["message"]
    second = Evidence.objects.get(public_id=bodies[1]["id"])
    assert second.status == "rejected" and "restroom_clean" in second.reject_reason
    assert not default_storage.exists(second.key)  # no orphan original
    assert passed(check, "restroom_clean") and not passed(check, "phone_greeting")
    # The verdict is final: confirming again answers it.
    again = client.post(f"/api/v1/evidence/{bodies[1]['id']}/confirm/")
    assert again.status_code == 409 and again.json()["code"] == "evidence_rejected"


def test_a_near_identical_photo_for_another_criterion_is_flagged(network, check):
    """Other bytes (re-encoded, resized), the same picture: verified, but flagged reused, pointing at the first,
    and counted among the site's day's reused photos that the variance answer and the pack show."""
    client = client_for(network.manager_a)
    data = photo(seed=307)
    first = upload(client, check, data, "restroom_clean").json()
    near = upload(client, check, reencode(data), "phone_greeting")
    assert near.status_code == 201, near.json()
    assert near.json()["reused"] is True and near.json()["reused_from"]["id"] == first["id"]
    assert first["reused"] is False
    day = SitePhotoDay.objects.get(site=check.site, day=DAY)
    assert (day.verified, day.reused, day.suspect) == (2, 1, 1)


def test_a_different_photo_for_another_criterion_is_not_flagged(network, check):
    client = client_for(network.manager_a)
    assert upload(client, check, photo(seed=308), "restroom_clean").status_code == 201
    other = upload(client, check, photo(seed=309), "phone_greeting")
    assert other.status_code == 201 and other.json()["reused"] is False
    assert passed(check, "phone_greeting")
