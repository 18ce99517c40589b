"""Direct uploads to S3: the presigned POST, the phone's upload over HTTP, and a confirmation that
trusts nothing the phone said. Runs against the S3 endpoint scripts/test.sh starts (moto's server),
which - like some S3-compatible stores - does not enforce POST policies: so every refusal below is the
confirmation's own."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from consistency.models import CheckResult, DailyCheck, Evidence

from ..conftest import client_for
from .checks_support import wait_until_blocked
from .evidence_factories import (
    bomb_jpeg,
    bomb_png,
    decode_policy,
    make_check,
    photo,
    post_form,
    sha,
    with_comment,
)

pytestmark = [pytest.mark.skipif(settings.STORAGE_BACKEND != "s3",
                                 reason="direct uploads need an S3 endpoint (scripts/test.sh starts one)"),
              # Dated 2026-03-10, long past: the window that closes a day to new photos is stretched back to it.
              pytest.mark.usefixtures("window_reaches_the_photo_test_day")]


@pytest.fixture
def check(network, standard):
    return make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))


def ask(client, check, data: bytes, *, content_type="image/jpeg", size=None, digest=None, criterion="restroom_clean"):
    return client.post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": criterion, "content_type": content_type,
        "size": len(data) if size is None else size, "sha256": digest or sha(data),
    }, format="json")


def s3_client():
    return default_storage.connection.meta.client


def test_presigned_post_pins_key_type_size_and_expiry(network, check):
    data = photo(seed=1)
    response = ask(client_for(network.manager_a), check, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    evidence = Evidence.objects.get(public_id=body["id"])
    assert evidence.status == "pending" and body["status"] == "pending"
    assert re.fullmatch(rf"sites/A1/checks/{check.pk}/{body['id']}\.jpg", evidence.key)

    upload = body["upload"]
    assert upload["method"] == "POST"
    assert upload["url"].startswith(settings.AWS_S3_ENDPOINT_URL)
    fields = upload["fields"]
    # The phone's upload has a key of its own; the original's key is written by the server only.
    assert fields["key"] == f"uploads/{evidence.key}"
    assert fields["Content-Type"] == "image/jpeg"
    policy = decode_policy(fields)
    conditions = policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in conditions
    assert {"key": f"uploads/{evidence.key}"} in conditions
    assert {"bucket": settings.AWS_STORAGE_BUCKET_NAME} in conditions
    size_range = [c for c in conditions if isinstance(c, list) and c[0] == "content-length-range"]
    assert size_range == [["content-length-range", len(data), len(data)]]
    assert len(data) <= settings.MAX_PHOTO_BYTES
    expires = dt.datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    now = dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=1) < expires - now <= dt.timedelta(minutes=10)


def test_upload_then_confirm_verifies_and_rejudges_the_result(network, check):
    result = CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean")
    assert result.met and not result.passed  # the photo is still owed
    score_before = DailyCheck.objects.get(pk=check.pk).score
    assert score_before < 1

    data = photo(seed=2, size=(1600, 1200), captured="2026:03:10 08:15:00", offset="+13:00")
    client = client_for(network.manager_a)
    body = ask(client, check, data).json()
    assert post_form(body["upload"]["url"], body["upload"]["fields"], data) in (200, 201, 204)

    response = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert response.status_code == 200, response.json()
    out = response.json()
    assert out["status"] == "verified"
    assert out["size"] == len(data) and out["sha256"] == sha(data)
    assert (out["width"], out["height"]) == (1600, 1200)
    assert out["captured_at"] == "2026-03-09T19:15:00Z"  # 08:15 at +13:00
    assert re.fullmatch(r"[0-9a-f]{16}", out["phash"])
    assert out["reused"] is False and out["stale_capture"] is False
    assert out["url"] and out["thumbnail_url"]

    # The report copy was made once, here: a small upright JPEG next to the original.
    evidence = Evidence.objects.get(public_id=out["id"])
    thumb = s3_client().get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=evidence.thumbnail_key)
    assert thumb["ContentType"] == "image/jpeg"
    im = Image.open(io.BytesIO(thumb["Body"].read()))
    assert im.format == "JPEG" and max(im.size) == 800

    result.refresh_from_db()
    assert result.passed
    assert DailyCheck.objects.get(pk=check.pk).score == 1.0

    # A retried confirmation answers the same verdict without reading the object again.
    again = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert again.status_code == 200 and again.json()["verified_at"] == out["verified_at"]


def test_a_second_upload_with_the_same_form_cannot_replace_the_verified_original(network, check):
    """The form stays valid for minutes after the confirmation, and an S3 POST cannot be made conditional: the
    phone uploads to a key of its own, and the original is the server's copy of the bytes it verified."""
    client = client_for(network.manager_a)
    data = photo(seed=5)
    body = ask(client, check, data).json()
    evidence = Evidence.objects.get(public_id=body["id"])
    assert body["upload"]["fields"]["key"] != evidence.key
    assert post_form(body["upload"]["url"], body["upload"]["fields"], data) in (200, 201, 204)
    out = client.post(f"/api/v1/evidence/{body['id']}/confirm/").json()
    assert out["status"] == "verified"
    evidence.refresh_from_db()
    thumbnail = s3_client().get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME,
                                       Key=evidence.thumbnail_key)["Body"].read()

    other = photo(seed=6)
    assert other != data
    assert post_form(body["upload"]["url"], body["upload"]["fields"], other) in (200, 201, 204)

    stored = s3_client().get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=evidence.key)["Body"].read()
    assert sha(stored) == evidence.sha256 == sha(data)
    again = s3_client().get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=evidence.thumbnail_key)
    assert again["Body"].read() == thumbnail
    # What the auditor's link serves is the verified photo.
    import urllib.request

    shown = client.get(f"/api/v1/evidence/{body['id']}/").json()
    opened = client.get(shown["url"])  # the API's link: access checked again, then a redirect to S3
    assert opened.status_code == 302
    with urllib.request.urlopen(opened["Location"], timeout=30) as response:
        assert sha(response.read()) == sha(data)
    # A confirmation after that answers the verdict already reached.
    assert client.post(f"/api/v1/evidence/{body['id']}/confirm/").json()["sha256"] == sha(data)


def test_an_upload_gone_while_it_was_checked_is_a_conflict_and_stays_pending(network, check, monkeypatch):
    """Between reading the upload and keeping it, the phone's form may write it again (AWS S3 and MinIO then
    refuse the copy: its source is no longer the version read) or it may vanish (here, where moto enforces
    no copy condition): either way nothing is kept, and a confirmation after a fresh upload succeeds."""
    from consistency.services import images

    client = client_for(network.manager_a)
    data = photo(seed=7)
    body = ask(client, check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    evidence = Evidence.objects.get(public_id=body["id"])
    real_inspect = images.inspect_photo

    def inspect_while_the_upload_goes(*args, **kwargs):
        s3_client().delete_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=body["upload"]["fields"]["key"])
        return real_inspect(*args, **kwargs)

    monkeypatch.setattr(images, "inspect_photo", inspect_while_the_upload_goes)
    response = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert response.status_code == 409 and response.json()["code"] == "upload_changed"
    evidence.refresh_from_db()
    assert evidence.status == "pending" and not evidence.sha256
    assert "Contents" not in s3_client().list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME,
                                                         Prefix=evidence.key)

    monkeypatch.setattr(images, "inspect_photo", real_inspect)
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    assert client.post(f"/api/v1/evidence/{body['id']}/confirm/").json()["status"] == "verified"


def test_photos_never_confirmed_are_settled_by_the_server(network, check, django_capture_on_commit_callbacks):
    """A day after the request, the scheduled task verifies a photo that arrived without its confirmation
    (the phone lost the line) and refuses one that never arrived; a recent request is left to the phone."""
    from django.utils import timezone

    from consistency.tasks import settle_unconfirmed_photos

    client = client_for(network.manager_a)
    arrived, never, recent = (photo(seed=s) for s in (31, 32, 34))
    body = {name: ask(client, check, data).json() for name, data in
            (("arrived", arrived), ("never", never), ("recent", recent))}
    for name, data in (("arrived", arrived), ("recent", recent)):
        post_form(body[name]["upload"]["url"], body[name]["upload"]["fields"], data)
    day_old = timezone.now() - dt.timedelta(hours=25)
    Evidence.objects.filter(public_id__in=[body["arrived"]["id"], body["never"]["id"]]).update(created_at=day_old)
    assert not CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed

    with django_capture_on_commit_callbacks(execute=True):
        assert settle_unconfirmed_photos() == {"verified": 1, "rejected": 0, "never_uploaded": 1, "left_pending": 0,
                                               "failed": 0}

    settled = {name: Evidence.objects.get(public_id=body[name]["id"]) for name in ("arrived", "never", "recent")}
    assert settled["arrived"].status == "verified" and settled["arrived"].sha256 == sha(arrived)
    assert CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed
    assert settled["never"].status == "rejected"
    assert settled["never"].reject_reason == ("No photo was uploaded within 24 hours of the request; ask for a "
                                              "new upload.")
    assert settled["recent"].status == "pending"
    # The phone that comes back late hears the verdicts.
    assert client.post(f"/api/v1/evidence/{body['arrived']['id']}/confirm/").json()["status"] == "verified"
    late = client.post(f"/api/v1/evidence/{body['never']['id']}/confirm/")
    assert late.status_code == 409 and late.json()["code"] == "evidence_rejected"
    # And a second run finds nothing more to do.
    assert settle_unconfirmed_photos() == {"verified": 0, "rejected": 0, "never_uploaded": 0, "left_pending": 0,
                                           "failed": 0}


def test_a_photo_that_arrived_unconfirmed_and_is_no_photo_is_refused_when_settled(network, check):
    from consistency.services.evidence import settle_unconfirmed

    client = client_for(network.manager_a)
    declared = photo(seed=35)
    body = ask(client, check, declared).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], b"<html>not a photo</html>")
    assert settle_unconfirmed(older_than=dt.timedelta(0)) == {"verified": 0, "rejected": 1, "never_uploaded": 0,
                                                              "left_pending": 0, "failed": 0}
    evidence = Evidence.objects.get(public_id=body["id"])
    assert evidence.status == "rejected" and "bytes, not the" in evidence.reject_reason


def test_one_photo_that_breaks_the_settling_does_not_stop_the_others(network, check, monkeypatch):
    from consistency.services import evidence as services
    from consistency.services.evidence import settling

    client = client_for(network.manager_a)
    first, second = (photo(seed=s) for s in (36, 37))
    bodies = [ask(client, check, data).json() for data in (first, second)]
    for body, data in zip(bodies, (first, second), strict=True):
        post_form(body["upload"]["url"], body["upload"]["fields"], data)
    Evidence.objects.filter(public_id=bodies[0]["id"]).update(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    Evidence.objects.filter(public_id=bodies[1]["id"]).update(created_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    confirm = services.evidence_confirm

    def breaks_on_the_oldest(*, evidence):
        if str(evidence.public_id) == bodies[0]["id"]:
            raise RuntimeError("something nobody foresaw")
        return confirm(evidence=evidence)

    monkeypatch.setattr(settling, "evidence_confirm", breaks_on_the_oldest)
    assert services.settle_unconfirmed() == {"verified": 1, "rejected": 0, "never_uploaded": 0, "left_pending": 0,
                                             "failed": 1}
    assert Evidence.objects.get(public_id=bodies[0]["id"]).status == "pending"  # tried again next hour
    assert Evidence.objects.get(public_id=bodies[1]["id"]).status == "verified"


@pytest.mark.parametrize(("captured", "offset"), [("0001:01:01 00:00:00", "+13:00"), ("0001:01:01 05:00:00", None),
                                                  ("9999:12:31 23:00:00", "-05:00")])
def test_a_camera_clock_at_year_1_or_9999_is_no_capture_time(network, check, captured, offset):
    # Moved to UTC, such a time leaves the calendar: confirming was a 500, and the photo stayed pending.
    data = photo(seed=38, captured=captured, offset=offset)
    client = client_for(network.manager_a)
    body = ask(client, check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    confirmed = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "verified"
    assert Evidence.objects.get(public_id=body["id"]).captured_at is None


def test_confirm_before_upload_is_a_conflict_and_stays_pending(network, check):
    client = client_for(network.manager_a)
    body = ask(client, check, photo(seed=3)).json()
    response = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_uploaded"
    assert Evidence.objects.get(public_id=body["id"]).status == "pending"


@pytest.mark.parametrize("where", ["elsewhere", "the original's key"])
def test_upload_to_another_key_does_not_count(network, check, where, django_capture_on_commit_callbacks):
    """moto stores a re-keyed upload; the evidence's upload key is still empty, so nothing is confirmed.
    Even one posted straight to the original's key is not the original: that is the server's copy of what
    it verified, written on confirmation."""
    client = client_for(network.manager_a)
    data = photo(seed=4)
    body = ask(client, check, data).json()
    evidence = Evidence.objects.get(public_id=body["id"])
    key = f"sites/A1/checks/{check.pk}/elsewhere.jpg" if where == "elsewhere" else evidence.key
    post_form(body["upload"]["url"], {**body["upload"]["fields"], "key": key}, data)
    response = client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    assert response.status_code == 409 and response.json()["code"] == "not_uploaded"

    decoy = photo(seed=44)
    post_form(body["upload"]["url"], {**body["upload"]["fields"], "key": evidence.key}, decoy)
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/evidence/{body['id']}/confirm/").json()["status"] == "verified"
    stored = s3_client().get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=evidence.key)["Body"].read()
    assert stored == data
    # The upload itself is removed once its bytes are on record.
    assert "Contents" not in s3_client().list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME,
                                                         Prefix=f"uploads/{evidence.key}")


def _refused(client, evidence_id) -> dict:
    response = client.post(f"/api/v1/evidence/{evidence_id}/confirm/")
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["code"] == "photo_rejected" and body["field"] == "file"
    evidence = Evidence.objects.get(public_id=evidence_id)
    assert evidence.status == "rejected" and evidence.reject_reason == body["message"]
    # The result is not passed on a refused photo, and a second confirmation keeps the verdict.
    again = client.post(f"/api/v1/evidence/{evidence_id}/confirm/")
    assert again.status_code == 409 and again.json()["code"] == "evidence_rejected"
    return body


def _declare_and_upload(client, check, declared: bytes, uploaded: bytes, *, declared_type="image/jpeg",
                        form_type=None):
    body = ask(client, check, declared, content_type=declared_type).json()
    fields = dict(body["upload"]["fields"])
    if form_type:
        fields["Content-Type"] = form_type
    post_form(body["upload"]["url"], fields, uploaded, content_type=fields["Content-Type"])
    return body["id"]


def test_oversized_object_is_refused_on_confirmation(network, check, settings):
    settings.MAX_PHOTO_BYTES = 60_000
    client = client_for(network.manager_a)
    declared = photo(seed=5, size=(200, 150))
    big = declared + b"\x00" * 70_000  # a harmless trailer that pushes it over the limit
    evidence_id = _declare_and_upload(client, check, declared, big)
    assert "at most 60,000" in _refused(client, evidence_id)["message"]


def test_object_of_another_size_than_declared_is_refused(network, check):
    client = client_for(network.manager_a)
    declared = photo(seed=6)
    evidence_id = _declare_and_upload(client, check, declared, photo(seed=7))
    assert "declared" in _refused(client, evidence_id)["message"]


def test_object_stored_with_another_content_type_is_refused(network, check):
    client = client_for(network.manager_a)
    data = photo(seed=8)
    evidence_id = _declare_and_upload(client, check, data, data, form_type="text/html")
    assert "text/html" in _refused(client, evidence_id)["message"]


def test_png_declared_as_jpeg_is_refused(network, check):
    client = client_for(network.manager_a)
    png = photo(seed=9, fmt="PNG")
    body = ask(client, check, png, content_type="image/jpeg").json()
    post_form(body["upload"]["url"], body["upload"]["fields"], png)
    assert "PNG image but image/jpeg was declared" in _refused(client, body["id"])["message"]


def test_hash_mismatch_is_refused(network, check):
    client = client_for(network.manager_a)
    data = photo(seed=10)
    tampered = bytearray(data)
    tampered[-10] ^= 0xFF  # same size, other bytes
    body = ask(client, check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], bytes(tampered))
    assert "SHA-256" in _refused(client, body["id"])["message"]


BAD_FILES = {
    "text renamed .jpg": (b"Meeting notes: the restroom was fine today.\n" * 40, "not a JPEG, PNG or HEIC image"),
    "html before the JPEG": (b"<html><script>alert(1)</script></html>" + photo(seed=11), "not a JPEG, PNG or HEIC"),
    "html after the JPEG end": (photo(seed=12) + b"<html><body><script>alert(document.cookie)</script>",
                                "polyglot"),
    "script in a JPEG comment": (with_comment(photo(seed=13), b"<script src=//evil.example/x.js></script>"),
                                 "polyglot"),
    "50,000 x 50,000 JPEG header": (bomb_jpeg(), "pixels"),
    "truncated JPEG": (photo(seed=14)[:3000], "truncated"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_files_that_are_not_honest_photos_are_refused(network, check, case):
    data, reason = BAD_FILES[case]
    client = client_for(network.manager_a)
    body = ask(client, check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    assert reason in _refused(client, body["id"])["message"]
    assert not CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed


def test_png_bomb_header_is_refused(network, check):
    client = client_for(network.manager_a)
    data = bomb_png()
    body = ask(client, check, data, content_type="image/png").json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data, content_type="image/png")
    assert "pixels" in _refused(client, body["id"])["message"]


def test_pixel_limit_from_settings_applies_before_decoding(network, check, settings):
    settings.MAX_PHOTO_PIXELS = 100 * 100
    client = client_for(network.manager_a)
    data = photo(seed=15, size=(200, 100))
    body = ask(client, check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    assert "200 x 100 pixels, over the limit of 10,000" in _refused(client, body["id"])["message"]


def test_retried_request_for_the_same_photo_reuses_the_pending_evidence(network, check):
    client = client_for(network.manager_a)
    data = photo(seed=16)
    first, second = ask(client, check, data).json(), ask(client, check, data).json()
    assert first["id"] == second["id"]
    assert Evidence.objects.filter(daily_check=check).count() == 1
    post_form(second["upload"]["url"], second["upload"]["fields"], data)
    assert client.post(f"/api/v1/evidence/{first['id']}/confirm/").status_code == 200
    third = ask(client, check, data)
    assert third.status_code == 409 and third.json()["code"] == "already_attached"


@pytest.mark.django_db(transaction=True)
def test_a_retry_sent_while_the_first_request_still_runs_reuses_its_evidence(network, standard, monkeypatch):
    """The phone gave up waiting and asked again while the server was still answering the first request: one
    photo, one evidence (a second, never uploaded, would stay pending and take a place among the photos)."""
    import threading

    from consistency.services.evidence import requests

    check = make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))
    data = photo(seed=17)
    paused, release = threading.Event(), threading.Event()
    real_check_room = requests.check_room

    def slow_check_room(*args, **kwargs):
        if threading.current_thread().name == "first":
            paused.set()
            assert release.wait(30)
        return real_check_room(*args, **kwargs)

    monkeypatch.setattr(requests, "check_room", slow_check_room)
    answers = {}

    def request(name):
        from django.db import connection

        try:
            answers[name] = ask(client_for(network.manager_a), check, data).json()
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

    assert answers["first"]["id"] == answers["retry"]["id"], answers
    assert Evidence.objects.filter(daily_check=check).count() == 1


def test_confirming_a_large_photo_holds_the_python_heap_flat(network, check):
    """A ~3 MB photo: the confirmation never holds it in one buffer (streamed in 64 KB pieces), so the
    Python heap peak stays well under the photo's size. bench/evidence measures it at 5 and 10 MB."""
    import tracemalloc

    client = client_for(network.manager_a)
    # A small photo first, so first-use imports (the perceptual hash's FFT) are not counted.
    warm = photo(seed=30)
    warm_body = ask(client, check, warm).json()
    post_form(warm_body["upload"]["url"], warm_body["upload"]["fields"], warm)
    assert client.post(f"/api/v1/evidence/{warm_body['id']}/confirm/").status_code == 200

    im = Image.merge("RGB", [Image.effect_noise((2000, 1500), 80) for _ in range(3)])
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92)
    data = out.getvalue()
    assert len(data) > 2_500_000
    body = ask(client, check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    evidence = Evidence.objects.get(public_id=body["id"])
    del data, out, im

    from consistency.services import evidence as services

    tracemalloc.start()
    try:
        confirmed = services.evidence_confirm(evidence=evidence)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert confirmed.status == "verified"
    assert peak < 1_500_000, f"confirmation held {peak:,} bytes of Python heap"


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_reach_one_verdict(network, standard):
    """Both answer 'verified'; the evidence is recorded once and the result re-judged once."""
    import threading

    from django.db import connection as main_connection

    from consistency.services import evidence as services

    check = make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))
    data = photo(seed=40)
    body = ask(client_for(network.manager_a), check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm():
        from django.db import connection

        try:
            evidence = Evidence.objects.get(public_id=body["id"])
            barrier.wait()
            outcomes.append(services.evidence_confirm(evidence=evidence).status)
        except Exception as error:  # noqa: BLE001 - reported below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["verified", "verified"]
    evidence = Evidence.objects.get(public_id=body["id"])
    assert evidence.status == "verified" and evidence.thumbnail_key
    assert CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed
    assert main_connection.is_usable()


def _amend(check, user, *, reason="The delivery figure was mistyped."):
    """Amend ``check`` through the service, as the phone would on the day (the date is in the past here)."""
    from consistency.services.checks import CheckInput, ResultInput, check_submit

    values = {"phone_rings": 2, "phone_greeting": True, "restroom_clean": 5, "delivery_on_time_pct": 97}
    on_the_day = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)  # 14:00 in Auckland (A1)
    return check_submit(site=check.site, user=user, now=on_the_day, payload=CheckInput(
        date=check.date, results=[ResultInput(k, v) for k, v in values.items()], amends=check.pk, reason=reason))


def _upload(client, check, data: bytes) -> str:
    body = ask(client, check, data).json()
    assert post_form(body["upload"]["url"], body["upload"]["fields"], data) in (200, 201, 204)
    return body["id"]


def test_an_amendment_keeps_the_photos_already_verified_for_the_day(network, check):
    client = client_for(network.manager_a)
    evidence_id = _upload(client, check, photo(seed=21))
    assert client.post(f"/api/v1/evidence/{evidence_id}/confirm/").json()["status"] == "verified"
    assert DailyCheck.objects.get(pk=check.pk).score == 1.0

    amended = _amend(check, network.manager_a)
    restroom = next(r for r in amended.results if r.spec.key == "restroom_clean")
    assert restroom.met and restroom.passed  # no need to photograph the restroom again
    assert amended.check.score == 1.0
    stored = CheckResult.objects.get(daily_check=amended.check, criterion__key="restroom_clean")
    assert stored.passed
    # The photo stays where it was given: the superseded check still shows it, for the auditors.
    assert Evidence.objects.get(public_id=evidence_id).daily_check_id == check.pk
    # And the amendment's detail shows the photo its result passed on, naming the check it was given for.
    auditor = client_for(network.auditor)
    listed = auditor.get(f"/api/v1/checks/{amended.check.pk}/").json()["evidence"]
    assert [(e["id"], e["check"], e["criterion"], e["status"]) for e in listed] == [
        (evidence_id, check.pk, "restroom_clean", "verified")]
    history = auditor.get(f"/api/v1/checks/{check.pk}/").json()["evidence"]
    assert [e["id"] for e in history] == [evidence_id]


def test_a_photo_confirmed_after_its_check_was_amended_counts_for_the_amendment(network, check):
    client = client_for(network.manager_a)
    evidence_id = _upload(client, check, photo(seed=22))
    amended = _amend(check, network.manager_a)  # amended while the photo was still on its way
    assert not CheckResult.objects.get(daily_check=amended.check, criterion__key="restroom_clean").passed

    response = client.post(f"/api/v1/evidence/{evidence_id}/confirm/")
    assert response.status_code == 200 and response.json()["status"] == "verified"
    assert CheckResult.objects.get(daily_check=amended.check, criterion__key="restroom_clean").passed
    assert DailyCheck.objects.get(pk=amended.check.pk).score == 1.0
    # The superseded check is history: it is not re-judged.
    old = DailyCheck.objects.get(pk=check.pk)
    assert not old.is_current and old.score < 1.0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["confirmation", "amendment"])
def test_a_photo_confirmed_while_its_check_is_being_amended_counts_for_the_amendment(network, standard, first,
                                                                                     monkeypatch):
    """The two reach the database at the same moment: whichever commits first, the amendment ends up
    passed on the photographed criterion. ``first`` holds its transaction open (paused just before its
    commit) until the other is waiting on a lock, as a slow request would."""
    import threading

    from django.db import connection as main_connection

    from consistency.services import evidence as services
    from consistency.services import rollup

    check = make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))
    evidence_id = _upload(client_for(network.manager_a), check, photo(seed=23))
    # Both end their transaction by telling the rollup: the one that goes first pauses there.
    paused, release = threading.Event(), threading.Event()
    real_results_changed = rollup.results_changed

    def results_changed(**kwargs):
        if threading.current_thread().name == first:
            paused.set()
            assert release.wait(30)
        return real_results_changed(**kwargs)

    monkeypatch.setattr(rollup, "results_changed", results_changed)
    outcome = {}

    def run(name):
        from django.db import connection

        try:
            if name == "amendment":
                outcome[name] = _amend(check, network.manager_a).check.pk
            else:
                outcome[name] = services.evidence_confirm(evidence=Evidence.objects.get(public_id=evidence_id)).status
        except Exception as error:  # noqa: BLE001 - reported below
            outcome[name] = repr(error)
        finally:
            connection.close()

    second = "amendment" if first == "confirmation" else "confirmation"
    threads = {name: threading.Thread(target=run, args=(name,), name=name) for name in (first, second)}
    threads[first].start()
    assert paused.wait(30)
    threads[second].start()
    wait_until_blocked(threads[second])
    release.set()
    for thread in threads.values():
        thread.join(30)

    assert outcome["confirmation"] == "verified", outcome
    amended = DailyCheck.objects.get(pk=outcome["amendment"])
    assert amended.is_current and amended.amends_id == check.pk
    assert CheckResult.objects.get(daily_check=amended, criterion__key="restroom_clean").passed
    assert amended.score == 1.0
    assert main_connection.is_usable()


@pytest.fixture
def two_photo_check(network, db):
    from tests.factories import published_version, small_standard_doc

    doc = small_standard_doc()
    doc["touch_points"][1]["criteria"][0]["photos_required"] = 2  # restroom_clean needs two photos
    return make_check(network.a1, published_version(doc), network.manager_a, date=dt.date(2026, 3, 10))


def _restroom_now(check) -> CheckResult:
    return CheckResult.objects.get(daily_check__site=check.site, daily_check__date=check.date,
                                   daily_check__is_current=True, criterion__key="restroom_clean")


def test_a_photo_asked_for_directly_and_also_sent_as_multipart_counts_once(network, two_photo_check):
    # A bad line: the phone asks for a direct upload, gives up, sends the same photo as multipart, and then the
    # direct upload it had started gets through and is confirmed. Both were verified: one photo passed a
    # criterion that needs two.
    from .evidence_factories import multipart

    data = photo(seed=201)
    client = client_for(network.manager_a)
    asked = ask(client, two_photo_check, data).json()
    sent = client.post(f"/api/v1/checks/{two_photo_check.pk}/evidence/",
                       multipart(data, criterion="restroom_clean"), format="multipart")
    assert sent.status_code == 201
    post_form(asked["upload"]["url"], asked["upload"]["fields"], data)
    confirmed = client.post(f"/api/v1/evidence/{asked['id']}/confirm/")
    assert confirmed.status_code == 409 and f"evidence {sent.json()['id']}" in confirmed.json()["message"]
    assert confirmed.json()["code"] == "already_attached"
    assert Evidence.objects.get(public_id=asked["id"]).status == "rejected"
    assert Evidence.objects.filter(status="verified", sha256=sha(data)).count() == 1
    assert not _restroom_now(two_photo_check).passed
    assert not default_storage.exists(Evidence.objects.get(public_id=asked["id"]).key)  # no orphan original


def test_the_same_photo_given_again_for_an_amendment_counts_once(network, two_photo_check):
    # The amendment counts the day's photos, those given for the check it replaces included.
    from consistency.services.checks import CheckInput, ResultInput, check_submit

    data = photo(seed=202)
    client = client_for(network.manager_a)
    body = ask(client, two_photo_check, data).json()
    post_form(body["upload"]["url"], body["upload"]["fields"], data)
    assert client.post(f"/api/v1/evidence/{body['id']}/confirm/").status_code == 200
    values = {"phone_rings": 2, "phone_greeting": True, "restroom_clean": 5, "delivery_on_time_pct": 97}
    amended = check_submit(site=two_photo_check.site, user=network.manager_a,
                           now=dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC),  # 14:00 that day in Auckland
                           payload=CheckInput(date=two_photo_check.date, amends=two_photo_check.pk, reason="typo",
                                              results=[ResultInput(k, v) for k, v in values.items()])).check
    again = ask(client, amended, data)
    assert again.status_code == 409 and again.json()["code"] == "already_attached"
    assert not _restroom_now(amended).passed
