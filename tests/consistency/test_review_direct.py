"""A retake sent straight to S3 (ask, upload, confirm) past the late window: asked while the retake was open, it is
judged when its confirmation arrives, and it fulfils the request; asked once the deadline passed, it is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from consistency.models import CheckResult, RetakeRequest
from consistency.services.checks import local_today

from ..conftest import client_for
from .evidence_factories import make_check, photo, post_form, sha

pytestmark = pytest.mark.skipif(settings.STORAGE_BACKEND != "s3",
                                reason="direct uploads need an S3 endpoint (scripts/test.sh starts one)")


def ask(client, check, data: bytes):
    return client.post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": "restroom_clean", "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)},
        format="json")


def send(client, check, data: bytes):
    asked = ask(client, check, data)
    assert asked.status_code == 201, asked.json()
    body = asked.json()
    assert post_form(body["upload"]["url"], body["upload"]["fields"], data) in (200, 201, 204)
    return client.post(f"/api/v1/evidence/{body['id']}/confirm/")


def test_a_direct_retake_past_the_window_counts_until_its_deadline(network, standard, settings):
    settings.LATE_CHECK_WINDOW_DAYS = 7
    day = local_today(network.a1) - dt.timedelta(days=5)
    check = make_check(network.a1, standard, network.manager_a, date=day)
    manager = client_for(network.manager_a)
    first = send(manager, check, photo(seed=1))
    assert first.status_code == 200 and first.json()["status"] == "verified"
    assert client_for(network.head_office).post(f"/api/v1/evidence/{first.json()['id']}/review/",
                                                {"decision": "reject", "reason": "Blurred"},
                                                format="json").status_code == 201
    settings.LATE_CHECK_WINDOW_DAYS = 3  # the day is closed to new photos now

    retake = send(manager, check, photo(seed=2))
    assert retake.status_code == 200, retake.json()
    assert retake.json()["status"] == "verified"
    assert CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed
    assert RetakeRequest.objects.get().retake.public_id.hex == retake.json()["id"].replace("-", "")

    # A second rejection, and its deadline passes: no upload is handed out any more.
    assert client_for(network.head_office).post(f"/api/v1/evidence/{retake.json()['id']}/review/",
                                                {"decision": "reject", "reason": "Still blurred"},
                                                format="json").status_code == 201
    RetakeRequest.objects.filter(fulfilled_at__isnull=True).update(due_at=timezone.now() - dt.timedelta(seconds=1))
    late = ask(manager, check, photo(seed=3))
    assert late.status_code == 409 and late.json()["code"] == "check_closed"
