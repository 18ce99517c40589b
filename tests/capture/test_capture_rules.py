"""The capture checks' rules on their own: each function with its edges (the API tests run them end to end)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import ExifTags, Image

from consistency.services import capture, images

from .photos import blurred, c2pa_signed, dark, jpeg, scene


@pytest.mark.parametrize(("software", "editor"), [
    ("Adobe Photoshop Lightroom Classic 13.1 (Windows)", True), ("Adobe Photoshop 25.0", True),
    ("GIMP 2.10.36", True), ("Snapseed", True), ("PicsArt", True), ("Pixelmator Pro 3.5", True),
    ("Affinity Photo 2", True), ("VSCO", True), ("Canva", True), ("Facetune2", True), ("edited", True),
    ("iOS 17.4", False), ("17.4.1", False), ("HDR+ 1.0.540104024zd", False), ("G998BXXU5CWA1", False),
    ("MediaTek Camera Application", False), ("Android", False), ("", False), (None, False)])
def test_editing_software_names_an_editor_not_a_phone(software, editor):
    assert capture.editing_software(software) == ((software or "").strip() if editor else "")


def test_the_capture_after_the_upload_allows_a_phones_clock_drift(settings):
    settings.PHOTO_CLOCK_TOLERANCE_MINUTES = 10
    asked = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
    assert not capture.captured_after_upload(asked + dt.timedelta(minutes=10), asked)
    assert capture.captured_after_upload(asked + dt.timedelta(minutes=10, seconds=1), asked)
    assert not capture.captured_after_upload(asked - dt.timedelta(days=3), asked)
    assert not capture.captured_after_upload(None, asked)


def test_distances_are_great_circle_metres(settings):
    auckland, wellington = (-36.8485, 174.7633), (-41.2865, 174.7762)
    assert capture.distance_m(auckland, wellington) == pytest.approx(493_300, rel=0.003)
    assert capture.distance_m((0.0, 179.9995), (0.0, -179.9995)) == pytest.approx(111.2, rel=0.01)  # the date line
    settings.PHOTO_MAX_DISTANCE_M = 1000
    assert not capture.far_from_site(1000) and capture.far_from_site(1001) and not capture.far_from_site(None)


@pytest.mark.parametrize(("latitude", "longitude", "valid"), [
    (-36.8, 174.7, True), (90, 180, True), (0, 0, True), (90.1, 0, False), (0, -180.1, False),
    (float("nan"), 1, False), (float("inf"), 1, False), ("x", 1, False), (None, 1, False)])
def test_a_position_is_on_the_globe(latitude, longitude, valid):
    assert (capture.valid_position(latitude, longitude) is not None) is valid


def test_gps_is_read_with_its_hemispheres():
    for position in [(-41.2865, 174.7762), (40.7128, -74.0060), (51.5, -0.1276)]:
        facts = images.inspect_photo(io.BytesIO(jpeg(scene(1, size=(400, 300)), gps=position)),
                                     declared_type="image/jpeg")
        assert facts.gps == pytest.approx(position, abs=1e-4)


def test_a_gps_block_without_a_position_is_no_position():
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSVersionID] = b"\x02\x02\x00\x00"
    out = io.BytesIO()
    scene(2, size=(400, 300)).save(out, "JPEG", exif=exif.tobytes())
    assert images.inspect_photo(io.BytesIO(out.getvalue()), declared_type="image/jpeg").gps is None


def test_the_measures_do_not_depend_on_the_photos_resolution():
    # The same scene from a 12 MP and a 2 MP camera: the report copy and its 512 px grey copy make them alike.
    big = images.inspect_photo(io.BytesIO(jpeg(scene(3, size=(4000, 3000)))), declared_type="image/jpeg")
    small = images.inspect_photo(io.BytesIO(jpeg(scene(3, size=(4000, 3000)).resize((1600, 1200)))),
                                 declared_type="image/jpeg")
    assert small.sharpness == pytest.approx(big.sharpness, rel=0.25)
    assert small.brightness == pytest.approx(big.brightness, abs=2)


def test_quality_thresholds(settings):
    settings.PHOTO_BLUR_VARIANCE, settings.PHOTO_DARK_LUMINANCE = 10, 35
    assert capture.quality_issue(9.99, 120) == "blurred" and capture.quality_issue(10, 120) == ""
    assert capture.quality_issue(200, 34.9) == "dark" and capture.quality_issue(200, 35) == ""
    assert capture.quality_issue(2, 10) == "dark"  # dark first: light is the remedy
    assert capture.quality_issue(None, None) == ""
    sharp = images.inspect_photo(io.BytesIO(jpeg(scene(4))), declared_type="image/jpeg")
    shaken = images.inspect_photo(io.BytesIO(jpeg(blurred(scene(4), 5))), declared_type="image/jpeg")
    night = images.inspect_photo(io.BytesIO(jpeg(dark(scene(4)))), declared_type="image/jpeg")
    assert capture.quality_issue(sharp.sharpness, sharp.brightness) == ""
    assert capture.quality_issue(shaken.sharpness, shaken.brightness) == "blurred"
    assert capture.quality_issue(night.sharpness, night.brightness) == "dark"


def test_a_damaged_manifest_is_recorded_unreadable_and_does_not_refuse_the_photo():
    signed = bytearray(c2pa_signed(jpeg(scene(5, size=(400, 300)))))
    start = signed.index(b"c2pa")
    signed[start + 200:start + 260] = b"\x00" * 60  # inside the manifest store
    found = capture.read_credentials(io.BytesIO(bytes(signed)), "image/jpeg")
    assert found["state"] == "Unreadable" and found["valid"] is False
    assert found["validation_errors"] == ["manifest.unreadable"]
    # A JPEG with no manifest at all has none to read.
    assert capture.read_credentials(io.BytesIO(jpeg(scene(5, size=(400, 300)))), "image/jpeg") is None
