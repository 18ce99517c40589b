"""A HEIC photo through the real API: asked for, posted to S3 with the presigned form (moto's server over HTTP,
scripts/test.sh), confirmed, and its JPEG report copy right side up; the original served as the HEIC it is. Files
that only claim to be HEIC are refused at confirmation with a 422 naming the field, and on the multipart path
(local storage) too. Each role inside and outside the site's scope."""

from __future__ import annotations

import datetime as dt
import io
import re
import urllib.request

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from consistency.models import CheckResult, Evidence

from ..conftest import client_for
from ..consistency.evidence_factories import make_check, multipart, photo, post_form, sha
from .heic_factories import heic, html_named_heic, inside_mdat, with_brands, with_ispe

pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day")
on_s3 = pytest.mark.skipif(settings.STORAGE_BACKEND != "s3",
                           reason="direct uploads need an S3 endpoint (scripts/test.sh starts one)")


@pytest.fixture
def check(network, standard):
    return make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))


def ask(client, check, data: bytes, content_type="image/heic"):
    return client.post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": "restroom_clean", "content_type": content_type, "size": len(data), "sha256": sha(data),
    }, format="json")


def send(client, check, data: bytes, content_type="image/heic", filename="IMG_0001.HEIC"):
    """Ask, post the bytes to the presigned form as a phone does, confirm: the confirmation's answer."""
    asked = ask(client, check, data, content_type)
    assert asked.status_code == 201, asked.json()
    body = asked.json()
    assert post_form(body["upload"]["url"], body["upload"]["fields"], data, filename=filename,
                     content_type=content_type) in (200, 201, 204)
    return client.post(f"/api/v1/evidence/{body['id']}/confirm/")


def red_is_top_right(jpeg: bytes) -> bool:
    im = Image.open(io.BytesIO(jpeg)).convert("RGB")
    r, g, b = im.getpixel((im.width - 4, 3))
    r2, g2, b2 = im.getpixel((3, 3))
    return r > 200 and g < 60 and b < 60 and not (r2 > 200 and g2 < 60 and b2 < 60)


@on_s3
def test_a_heic_from_an_iphone_is_verified_through_the_presigned_upload(network, check):
    # A portrait photo as an iPhone stores it: the pixels sideways, a 90-degree transform and the EXIF tag; tiled.
    data = heic(seed=1, size=(1600, 1200), orientation=6, tile=512, captured="2026:03:10 08:15:00", offset="+13:00")
    client = client_for(network.manager_a)
    asked = ask(client, check, data).json()
    evidence = Evidence.objects.get(public_id=asked["id"])
    assert re.fullmatch(rf"sites/A1/checks/{check.pk}/{asked['id']}\.heic", evidence.key)  # its own extension
    assert asked["upload"]["fields"]["Content-Type"] == "image/heic"
    assert post_form(asked["upload"]["url"], asked["upload"]["fields"], data, filename="IMG_0001.HEIC",
                     content_type="image/heic") in (200, 201, 204)

    response = client.post(f"/api/v1/evidence/{asked['id']}/confirm/")
    assert response.status_code == 200, response.json()
    out = response.json()
    assert out["status"] == "verified" and out["content_type"] == "image/heic"
    assert (out["width"], out["height"]) == (1200, 1600)  # upright
    assert out["captured_at"] == "2026-03-09T19:15:00Z" and out["stale_capture"] is False
    assert re.fullmatch(r"[0-9a-f]{16}", out["phash"])
    assert CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed

    # The report copy: a JPEG, right side up (turned once, not twice), no metadata.
    evidence.refresh_from_db()
    s3 = default_storage.connection.meta.client
    thumb = s3.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=evidence.thumbnail_key)
    copy = thumb["Body"].read()
    assert thumb["ContentType"] == "image/jpeg"
    im = Image.open(io.BytesIO(copy))
    assert im.format == "JPEG" and im.size == (600, 800) and not im.getexif()
    assert red_is_top_right(copy)

    # The original is served to head office as what it is, byte for byte; to the manager, as a copy without its
    # location (a JPEG: consistency.services.photo_location), upright; the report copy as a JPEG.
    head_office_url = client_for(network.head_office).get(f"/api/v1/evidence/{asked['id']}/").json()["url"]
    opened = Client().get(head_office_url)
    assert opened.status_code == 302
    with urllib.request.urlopen(opened["Location"], timeout=30) as got:
        assert got.headers["Content-Type"] == "image/heic" and got.read() == data
    opened = Client().get(out["url"])
    with urllib.request.urlopen(opened["Location"], timeout=30) as got:
        assert got.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(got.read())).size == (1200, 1600)
    opened = Client().get(out["thumbnail_url"])
    with urllib.request.urlopen(opened["Location"], timeout=30) as got:
        assert got.headers["Content-Type"] == "image/jpeg" and got.read() == copy


@on_s3
def test_a_heif_branded_photo_is_verified_too(network, check):
    data = with_brands(heic(seed=2, captured="2026:03:10 09:00:00"), b"mif1", b"mif1", b"miaf", b"MiHB")
    response = send(client_for(network.manager_a), check, data, content_type="image/heif", filename="photo.heif")
    assert response.status_code == 200, response.json()
    assert response.json()["content_type"] == "image/heif"
    assert Evidence.objects.get(public_id=response.json()["id"]).key.endswith(".heif")


def refused(response) -> dict:
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["code"] == "photo_rejected" and body["field"] == "file"
    evidence = Evidence.objects.get(public_id=re.search(r"/evidence/([0-9a-f-]+)/confirm/",
                                                        response.request["PATH_INFO"]).group(1))
    assert evidence.status == "rejected" and evidence.reject_reason == body["message"]
    assert not evidence.thumbnail_key and not default_storage.exists(evidence.key)  # nothing half-saved
    return body


BAD = {
    "HTML named .heic": (html_named_heic, "image/heic", "not a JPEG, PNG or HEIC image"),
    "HTML in the EXIF": (lambda: heic(seed=3, description="<script>alert(1)</script>"), "image/heic", "polyglot"),
    "HTML inside mdat": (lambda: inside_mdat(heic(seed=3), b"<html><body>hi</body></html>"), "image/heic",
                         "polyglot"),
    "HTML after the last box": (lambda: heic(seed=3) + b"<html><script>alert(1)</script></html>", "image/heic",
                                "polyglot"),
    "truncated HEIC": (lambda: heic(seed=3, size=(800, 600))[:2500], "image/heic", "truncated"),
    "50,000 x 50,000 HEIC header": (lambda: with_ispe(heic(seed=3, size=(64, 64)), 50_000, 50_000), "image/heic",
                                    "50000 x 50000 pixels, over the limit"),
    "a JPEG declared HEIC": (lambda: photo(seed=3), "image/heic", "a JPEG image but image/heic was declared"),
    "a HEIC declared JPEG": (lambda: heic(seed=3), "image/jpeg", "a HEIC image but image/jpeg was declared"),
}


@on_s3
@pytest.mark.parametrize("case", list(BAD))
def test_files_that_only_claim_to_be_heic_are_refused_at_confirmation(network, check, case):
    make, content_type, reason = BAD[case]
    body = refused(send(client_for(network.manager_a), check, make(), content_type=content_type))
    assert reason in body["message"]
    assert not CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed


@on_s3
def test_the_heic_pixel_limit_applies_on_confirmation(network, check, settings):
    settings.MAX_HEIC_PIXELS = 100 * 100
    body = refused(send(client_for(network.manager_a), check, heic(seed=4, size=(200, 100))))
    assert "200 x 100 pixels, over the limit of 10,000 pixels for a HEIC" in body["message"]


@on_s3
@pytest.mark.parametrize("who, status", [("manager_a", 201), ("head_office", 201), ("manager_b", 404),
                                         ("auditor_b1", 404), ("auditor", 403), ("shopper", 404)])
def test_who_may_ask_to_upload_a_heic(network, check, who, status):
    assert ask(client_for(getattr(network, who)), check, heic(seed=5)).status_code == status


def test_the_schema_lists_heic_among_the_upload_types(network):
    schema = client_for(network.head_office).get("/api/schema/?format=json").json()
    schemas = schema["components"]["schemas"]
    field = schemas["EvidenceRequestRequest"]["properties"]["content_type"]
    enum = schemas[field["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert set(enum) == {"image/jpeg", "image/png", "image/heic", "image/heif"}
    served = schema["paths"]["/api/v1/evidence/files/{token}/"]["get"]["responses"]["200"]["content"]
    assert {"image/heic", "image/heif", "image/jpeg"} <= set(served)


# --- multipart, where no S3 is configured ---------------------------------------------------------------------

def upload(client, check, data: bytes, *, name="IMG_0002.HEIC", content_type="image/heic"):
    return client.post(f"/api/v1/checks/{check.pk}/evidence/",
                       multipart(data, name=name, content_type=content_type, criterion="restroom_clean"),
                       format="multipart")


def test_a_heic_sent_as_multipart_is_verified_and_stored_as_sent(network, check, local_storage):
    data = heic(seed=6, size=(1000, 800), orientation=6, captured="2026:03:10 07:00:00")
    response = upload(client_for(network.manager_a), check, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "verified" and body["content_type"] == "image/heic"
    evidence = Evidence.objects.get(public_id=body["id"])
    assert evidence.key.endswith(".heic") and (local_storage / evidence.key).read_bytes() == data
    copy = (local_storage / evidence.thumbnail_key).read_bytes()
    assert Image.open(io.BytesIO(copy)).size == (640, 800) and red_is_top_right(copy)
    original = Client().get(body["url"])  # the manager's: a copy without its location, as a JPEG
    assert original["Content-Type"] == "image/jpeg" and original["X-Content-Type-Options"] == "nosniff"
    head_office_url = client_for(network.head_office).get(f"/api/v1/evidence/{body['id']}/").json()["url"]
    original = Client().get(head_office_url)  # head office's: the HEIC as sent
    assert original["Content-Type"] == "image/heic" and original["X-Content-Type-Options"] == "nosniff"
    assert b"".join(original.streaming_content if original.streaming else [original.content]) == data


def test_a_heic_from_a_browser_that_knows_no_type_for_it_is_taken_by_its_name(network, check, local_storage):
    response = upload(client_for(network.manager_a), check, heic(seed=7), content_type="application/octet-stream")
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "image/heic"


@pytest.mark.parametrize("data, reason", [
    (html_named_heic(), "not a JPEG, PNG or HEIC image"),
    (heic(seed=8) + b"<html><script>alert(1)</script></html>", "polyglot"),
    (heic(seed=8, size=(800, 600))[:3000], "truncated"),
])
def test_a_file_that_is_not_an_honest_heic_is_refused_as_multipart_and_nothing_is_stored(network, check,
                                                                                          local_storage, data, reason):
    response = upload(client_for(network.manager_a), check, data)
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == "file" and reason in response.json()["message"]
    assert not Evidence.objects.exists() and not any(p.is_file() for p in local_storage.rglob("*"))


def test_a_type_that_is_not_a_photo_is_refused_naming_what_is_accepted(network, check, local_storage):
    response = upload(client_for(network.manager_a), check, heic(seed=9), content_type="image/avif", name="x.avif")
    assert response.status_code == 400, response.json()
    assert response.json() == {**response.json(), "field": "file", "message": (
        "file: send a JPEG, PNG or HEIC photo (image/jpeg, image/png, image/heic or image/heif), not image/avif.")}
