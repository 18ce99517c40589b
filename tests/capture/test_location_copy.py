"""Readers other than head office and auditors get a photo without where it was taken: the original's link opens
a copy without its GPS (nor XMP, IPTC, C2PA or trailer), the same pixels, made once on the first such opening; head
office and auditors get the original bytes. Every role, inside and outside the photo's site."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import urllib.request

import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from PIL import ExifTags, Image

from consistency import storage
from consistency.models import Evidence
from consistency.services import evidence_files, images, photo_location

from ..conftest import client_for
from ..consistency.evidence_factories import make_check, multipart
from .photos import c2pa_signed, jpeg, scene

DAY = dt.date(2026, 3, 10)
LINK = re.compile(r"http://testserver(/api/v1/evidence/files/[^/]+/)")
WELLINGTON = (-41.2865, 174.7762)
XMP = (b"\xff\xe1" + (29 + 2 + 120).to_bytes(2, "big") + b"http://ns.adobe.com/xap/1.0/\x00"
       + b"<x:xmpmeta><exif:GPSLatitude>41,17.19S</exif:GPSLatitude></x:xmpmeta>".ljust(120))

pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day")


def with_xmp_and_trailer(data: bytes) -> bytes:
    """A phone's JPEG: an XMP packet with the position after SOI, a motion photo's bytes after EOI."""
    return data[:2] + XMP + data[2:] + b"ftypmp42 video of the moment, with its own location"


def sent_photo() -> bytes:
    return with_xmp_and_trailer(c2pa_signed(jpeg(scene(20), captured="2026:03:10 08:15:00", offset="+13:00",
                                                 gps=WELLINGTON, software="iOS 17.4", orientation=6)))


@pytest.fixture
def uploaded(network, standard, local_storage) -> tuple[dict, bytes]:
    check = make_check(network.a1, standard, network.manager_a, date=DAY)
    data = sent_photo()
    response = client_for(network.manager_a).post(f"/api/v1/checks/{check.pk}/evidence/",
                                                  multipart(data, criterion="restroom_clean"), format="multipart")
    assert response.status_code == 201, response.json()
    return response.json(), data


def opened(user, evidence_id: str) -> tuple[int, bytes]:
    """(status of the evidence's answer to ``user``, the bytes its original's link opens)."""
    shown = client_for(user).get(f"/api/v1/evidence/{evidence_id}/")
    if shown.status_code != 200:
        return shown.status_code, b""
    response = Client().get(LINK.fullmatch(shown.json()["url"]).group(1))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="{evidence_id}.jpg"'
    return 200, b"".join(response.streaming_content)


def assert_without_location(data: bytes, original: bytes) -> None:
    im = Image.open(io.BytesIO(data))
    exif = im.getexif()
    assert ExifTags.IFD.GPSInfo not in exif and not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert b"GPSLatitude" not in data and b"c2pa" not in data and b"ftypmp42" not in data
    # What says how to show it and when it was taken stays; the pixels are the very same.
    assert exif[ExifTags.Base.Orientation] == 6 and exif[ExifTags.Base.Software] == "iOS 17.4"
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == "2026:03:10 08:15:00"
    before = Image.open(io.BytesIO(original))
    assert np.array_equal(np.asarray(im.convert("RGB")), np.asarray(before.convert("RGB")))
    # Still a photo the product accepts, of course.
    assert images.inspect_photo(io.BytesIO(data), declared_type="image/jpeg").gps is None


def test_the_photo_sent_carries_its_location(uploaded):
    _, data = uploaded
    assert images.inspect_photo(io.BytesIO(data), declared_type="image/jpeg").gps is not None
    assert b"GPSLatitude" in data and b"c2pa" in data and b"ftypmp42" in data


@pytest.mark.parametrize("who", ["head_office", "auditor"])
def test_head_office_and_auditors_open_the_original_bytes(network, uploaded, who):
    body, data = uploaded
    status, got = opened(getattr(network, who), body["id"])
    assert status == 200 and hashlib.sha256(got).hexdigest() == body["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("who", ["manager_a", "accountant"])
def test_other_readers_open_a_copy_without_location(network, uploaded, who):
    body, data = uploaded
    status, got = opened(getattr(network, who), body["id"])
    assert status == 200 and got != data
    assert_without_location(got, data)
    # The original is untouched: head office still opens the bytes verified.
    _, original = opened(network.head_office, body["id"])
    assert hashlib.sha256(original).hexdigest() == body["sha256"]


@pytest.mark.parametrize("who", ["manager_b", "auditor_b1", "shopper"])
def test_people_outside_the_photos_site_get_neither(network, uploaded, who):
    body, _ = uploaded
    person = getattr(network, who)
    assert opened(person, body["id"])[0] == 404
    # A link made out for them anyway (a bug, a link passed on) opens nothing: their access is checked again.
    link = evidence_files.photo_link(Evidence.objects.get(public_id=body["id"]), "original", reader=person)
    assert Client().get(link).status_code == 404
    assert not storage.exists(evidence_files.location_free_key(Evidence.objects.get(public_id=body["id"])))


def test_the_copy_is_made_once(network, uploaded, storage_writes):
    body, _ = uploaded
    evidence = Evidence.objects.get(public_id=body["id"])
    first = opened(network.manager_a, body["id"])[1]
    assert storage_writes == [evidence_files.location_free_key(evidence)]
    again = opened(network.accountant, body["id"])[1]
    assert again == first and len(storage_writes) == 1


def test_a_png_loses_its_gps_and_text_and_keeps_its_pixels():
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "S", (41.0, 17.0, 11.4)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (174.0, 46.0, 34.3)
    exif[ExifTags.Base.Orientation] = 3
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta><exif:GPSLatitude>41,17S</exif:GPSLatitude></x:xmpmeta>")
    out = io.BytesIO()
    scene(21, size=(320, 240)).save(out, "PNG", exif=exif.tobytes(), pnginfo=text)
    data = out.getvalue()
    assert images.inspect_photo(io.BytesIO(data), declared_type="image/png").gps is not None

    stripped, content_type = photo_location.without_location(data, "image/png")
    assert content_type == "image/png"
    im = Image.open(io.BytesIO(stripped))
    im.load()  # every chunk's CRC checked
    assert not im.getexif().get_ifd(ExifTags.IFD.GPSInfo) and im.getexif()[ExifTags.Base.Orientation] == 3
    assert b"GPSLatitude" not in stripped
    assert np.array_equal(np.asarray(im), np.asarray(Image.open(io.BytesIO(data))))


@pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="the S3 path: a redirect to a presigned GET")
def test_on_s3_the_manager_is_redirected_to_the_copy(network, standard):
    check = make_check(network.a1, standard, network.manager_a, date=DAY)
    data = sent_photo()
    body = client_for(network.manager_a).post(f"/api/v1/checks/{check.pk}/evidence/",
                                              multipart(data, criterion="restroom_clean"), format="multipart").json()
    for who, stripped in [(network.manager_a, True), (network.head_office, False)]:
        url = client_for(who).get(f"/api/v1/evidence/{body['id']}/").json()["url"]
        redirect = Client().get(LINK.fullmatch(url).group(1))
        assert redirect.status_code == 302
        with urllib.request.urlopen(redirect["Location"], timeout=30) as response:
            got = response.read()
        if stripped:
            assert_without_location(got, data)
        else:
            assert got == data
