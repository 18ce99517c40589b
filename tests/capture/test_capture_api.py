"""Capture checks through the real API: a photo asked for, posted to the presigned S3 form, and confirmed; the
confirmation's answer carries every flag the inspection found (a blurred or dark photo with what to tell the
manager, so that they retake it on site), the check's answer too."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.conf import settings
from django.utils import timezone

from consistency.models import CheckResult, Evidence

from ..conftest import client_for
from ..consistency.evidence_factories import make_check, multipart, post_form, sha
from .photos import blurred, c2pa_signed, dark, jpeg, scene, tampered_after_signing

DAY = dt.date(2026, 3, 10)
AUCKLAND = (-36.8485, 174.7633)
WELLINGTON = (-41.2865, 174.7762)  # about 493 km south
NEAR = (-36.8467, 174.7650)  # about 250 m away

pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day")
s3_only = pytest.mark.skipif(settings.STORAGE_BACKEND != "s3",
                             reason="direct uploads need an S3 endpoint (scripts/test.sh starts one)")


@pytest.fixture
def check(network, standard):
    return make_check(network.a1, standard, network.manager_a, date=DAY)


def send(user, check, data: bytes, *, criterion="restroom_clean", **headers) -> dict:
    """Ask for an upload, post the photo to the storage's form, confirm: the confirmation's answer."""
    client = client_for(user)
    asked = client.post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": criterion, "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)}, format="json")
    assert asked.status_code == 201, asked.json()
    body = asked.json()
    assert post_form(body["upload"]["url"], body["upload"]["fields"], data) in (200, 201, 204)
    confirmed = client.post(f"/api/v1/evidence/{body['id']}/confirm/", **headers)
    assert confirmed.status_code == 200, confirmed.json()
    return confirmed.json()


@s3_only
def test_a_sharp_well_lit_photo_carries_no_capture_flag(network, check):
    out = send(network.manager_a, check, jpeg(scene(1), captured="2026:03:10 08:15:00", offset="+13:00"))
    assert out["status"] == "verified"
    assert out["flags"] == [] and out["quality_issue"] == "" and out["capture_warning"] is None
    assert out["sharpness"] > settings.PHOTO_BLUR_VARIANCE and out["brightness"] > settings.PHOTO_DARK_LUMINANCE
    assert out["edited_with"] == "" and out["captured_after_upload"] is False
    assert out["far_from_site"] is False and out["gps"] is None and out["gps_distance_m"] is None
    assert out["content_credentials"] is None  # no C2PA: not refused, nothing to read


@s3_only
@pytest.mark.parametrize(("make", "issue", "words"), [(blurred, "blurred", "too blurred"), (dark, "dark", "too dark")])
def test_a_blurred_or_dark_photo_is_flagged_at_confirmation_and_still_counts(network, check, make, issue, words):
    out = send(network.manager_a, check, jpeg(make(scene(2))))
    assert out["status"] == "verified"
    assert out["quality_issue"] == issue and issue in out["flags"]
    assert words in out["capture_warning"] and "take it again while you are on site" in out["capture_warning"]
    # Verified: it still counts (the criterion passes), and it waits for a review that may reject it.
    assert CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed
    # The check's answer says so too (the phone's page reads it after a reload).
    photos = client_for(network.manager_a).get(f"/api/v1/checks/{check.pk}/").json()["evidence"]
    assert [(p["quality_issue"], p["capture_warning"] is not None, issue in p["flags"]) for p in photos] == [
        (issue, True, True)]


@s3_only
def test_the_retake_message_is_in_the_managers_language(network, check):
    out = send(network.manager_a, check, jpeg(dark(scene(3))), HTTP_ACCEPT_LANGUAGE="fr")
    assert out["capture_warning"].startswith("Cette photo est trop sombre")


@s3_only
@pytest.mark.parametrize(("software", "edited"), [
    ("Adobe Photoshop 25.0 (Macintosh)", True), ("Snapseed 2.0", True), ("GIMP 2.10.36", True),
    ("Picsart", True), ("Edited with Canva", True),
    ("iOS 17.4", False), ("HDR+ 1.0.540104024zd", False), ("G998BXXU5CWA1", False)])
def test_editing_software_in_the_exif_is_flagged_not_the_phones_firmware(network, check, software, edited):
    out = send(network.manager_a, check, jpeg(scene(4), software=software))
    assert out["edited_with"] == (software if edited else "")
    assert ("edited" in out["flags"]) is edited


@s3_only
@pytest.mark.parametrize(("minutes", "flagged"), [(120, True), (15, True), (5, False), (-30, False)])
def test_a_capture_time_after_the_upload_is_flagged(network, check, minutes, flagged):
    # The phone's clock may run a few minutes fast (PHOTO_CLOCK_TOLERANCE_MINUTES): 5 minutes is not flagged.
    taken = timezone.now().astimezone(zoneinfo.ZoneInfo("Pacific/Auckland")) + dt.timedelta(minutes=minutes)
    offset = taken.utcoffset()
    text = f"+{offset.seconds // 3600:02d}:{offset.seconds % 3600 // 60:02d}"
    out = send(network.manager_a, check, jpeg(scene(5), captured=taken.strftime("%Y:%m:%d %H:%M:%S"), offset=text))
    assert out["captured_after_upload"] is flagged
    assert ("captured_after_upload" in out["flags"]) is flagged


@s3_only
def test_a_photo_with_gps_far_from_its_site_is_flagged(network, check):
    network.a1.latitude, network.a1.longitude = AUCKLAND
    network.a1.save()
    out = send(network.manager_a, check, jpeg(scene(6), gps=WELLINGTON))
    assert out["far_from_site"] is True and "far_from_site" in out["flags"]
    assert 490_000 < out["gps_distance_m"] < 496_000
    evidence = Evidence.objects.get(public_id=out["id"])
    assert evidence.gps_latitude == pytest.approx(WELLINGTON[0], abs=1e-4)
    assert evidence.gps_longitude == pytest.approx(WELLINGTON[1], abs=1e-4)


@s3_only
def test_a_photo_with_gps_near_its_site_is_not_flagged(network, check):
    network.a1.latitude, network.a1.longitude = AUCKLAND
    network.a1.save()
    out = send(network.manager_a, check, jpeg(scene(7), gps=NEAR))
    assert out["far_from_site"] is False and out["flags"] == []
    assert 150 < out["gps_distance_m"] < 350


@s3_only
def test_a_site_without_a_location_measures_no_distance(network, check):
    assert network.a1.latitude is None
    out = send(network.manager_a, check, jpeg(scene(8), gps=WELLINGTON))
    assert out["gps_distance_m"] is None and out["far_from_site"] is False
    assert Evidence.objects.get(public_id=out["id"]).gps_latitude == pytest.approx(WELLINGTON[0], abs=1e-4)


@s3_only
def test_the_gps_position_is_shown_to_head_office_and_auditors_only(network, check):
    out = send(network.manager_a, check, jpeg(scene(9), gps=WELLINGTON))
    assert out["gps"] is None  # to the manager who sent it
    for reader, shown in [(network.head_office, True), (network.auditor, True), (network.manager_a, False),
                          (network.accountant, False)]:
        response = client_for(reader).get(f"/api/v1/evidence/{out['id']}/")
        assert response.status_code == 200, (reader, response.json())
        gps = response.json()["gps"]
        assert (gps is not None) is shown, reader
        if shown:
            assert gps["latitude"] == pytest.approx(WELLINGTON[0], abs=1e-4)
    for outsider in (network.manager_b, network.auditor_b1):
        assert client_for(outsider).get(f"/api/v1/evidence/{out['id']}/").status_code == 404


@s3_only
def test_c2pa_content_credentials_are_read_and_a_tampered_photo_does_not_validate(network, check):
    signed = c2pa_signed(jpeg(scene(10), captured="2026:03:10 08:15:00", offset="+13:00"))
    out = send(network.manager_a, check, signed)
    credentials = out["content_credentials"]
    assert credentials["signer"] == "Test Camera" and credentials["issuer"] == "Test Camera Co"
    assert credentials["claim_generator"].startswith("TestCam 2.1")
    assert credentials["valid"] is True and credentials["trusted"] is False  # our own root is on no trust list
    assert "c2pa.created" in credentials["actions"]
    assert out["flags"] == []

    broken = send(network.manager_a, check, tampered_after_signing(c2pa_signed(jpeg(scene(11)))),
                  criterion="phone_greeting")
    assert broken["status"] == "verified"  # never refused for its credentials
    assert broken["content_credentials"]["valid"] is False
    assert "assertion.dataHash.mismatch" in broken["content_credentials"]["validation_errors"]
    assert "credentials_invalid" in broken["flags"]


def test_the_multipart_upload_flags_the_same(network, check, local_storage):
    # Where no S3 is configured the photo goes through the API: the same inspection, the same flags; the upload
    # is asked for and made at once, so a capture time an hour ahead is after it.
    taken = timezone.now().astimezone(zoneinfo.ZoneInfo("Pacific/Auckland")) + dt.timedelta(hours=1)
    data = jpeg(blurred(scene(12)), captured=taken.strftime("%Y:%m:%d %H:%M:%S"), offset=taken.strftime("%z")[:3]
                + ":" + taken.strftime("%z")[3:], software="Lightroom Mobile 9.2")
    response = client_for(network.manager_a).post(f"/api/v1/checks/{check.pk}/evidence/",
                                                  multipart(data, criterion="restroom_clean"), format="multipart")
    assert response.status_code == 201, response.json()
    out = response.json()
    assert set(out["flags"]) == {"blurred", "edited", "captured_after_upload", "stale"}
    assert out["capture_warning"] and out["edited_with"] == "Lightroom Mobile 9.2"
