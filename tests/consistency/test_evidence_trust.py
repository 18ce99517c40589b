"""The trust flags: a photo reused from another day or site, and a capture time far from the check's day."""

from __future__ import annotations

import datetime as dt

import pytest

from consistency.models import Evidence
from consistency.services import evidence_trust as trust

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo, reencode, sha

# Dated 2026-03-10, long past: the window that closes a day to new photos is stretched back to it.
pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day")


def upload(user, check, data) -> dict:
    response = client_for(user).post(f"/api/v1/checks/{check.pk}/evidence/",
                                     multipart(data, criterion="restroom_clean"), format="multipart")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def days(network, standard):
    """Three consecutive checks at A1 and one at A2."""
    a1 = [make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, d)) for d in (10, 11, 12)]
    a2 = make_check(network.a2, standard, network.head_office, date=dt.date(2026, 3, 10))
    return a1, a2


def test_the_same_photo_every_morning_is_flagged(network, days):
    (monday, tuesday, wednesday), _ = days
    data = photo(seed=1)
    first = upload(network.manager_a, monday, data)
    second = upload(network.manager_a, tuesday, data)
    third = upload(network.manager_a, wednesday, data)
    assert first["reused"] is False
    assert second["reused"] and second["reused_from"]["id"] == first["id"]
    assert third["reused"] and third["reused_from"]["id"] == first["id"]  # points at the original


def test_the_copy_carries_the_flag_when_the_original_is_verified_after_it(network, days):
    # Monday's photo reaches the server on Wednesday (a late check, or a confirmation retried once the phone
    # had a line), after the same picture was given for Tuesday. The flag went on Monday's: the honest photo
    # was "reused", Tuesday's copy was clean, and the pack called Tuesday's the earlier one.
    (monday, tuesday, wednesday), _ = days
    data = photo(seed=6)
    tuesdays = upload(network.manager_a, tuesday, data)
    assert tuesdays["reused"] is False  # nothing to compare with yet
    mondays = upload(network.manager_a, monday, data)
    assert mondays["reused"] is False
    tuesday_now = Evidence.objects.get(public_id=tuesdays["id"])
    assert str(tuesday_now.reused_from.public_id) == mondays["id"]
    wednesdays = upload(network.manager_a, wednesday, data)
    assert wednesdays["reused_from"]["id"] == mondays["id"]  # the original, not Tuesday's copy
    auditor = client_for(network.auditor).get(f"/api/v1/evidence/{tuesdays['id']}/").json()
    assert auditor["reused"] and auditor["reused_from"]["id"] == mondays["id"]
    # The variance answer's per-day counts followed: the flag moved to Tuesday's photo.
    from consistency.models import SitePhotoDay

    counts = {row.day.day: (row.verified, row.reused, row.suspect) for row in SitePhotoDay.objects.filter(site=network.a1)}
    assert counts == {10: (1, 0, 0), 11: (1, 1, 1), 12: (1, 1, 1)}


def test_the_same_photo_twice_on_one_check_is_one_photo_and_not_reuse(network, days):
    (monday, *_), _ = days
    data = photo(seed=2)
    assert upload(network.manager_a, monday, data)["reused"] is False
    again = client_for(network.manager_a).post(f"/api/v1/checks/{monday.pk}/evidence/",
                                               multipart(data, criterion="restroom_clean"), format="multipart")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"  # a retry
    assert again.json()["reused"] is False
    assert Evidence.objects.filter(daily_check=monday).count() == 1


def test_the_same_photo_at_another_site_on_the_same_day_is_flagged(network, days):
    (monday, *_), a2_monday = days
    data = photo(seed=3)
    first = upload(network.manager_a, monday, data)
    other = upload(network.head_office, a2_monday, data)
    assert other["reused"] and other["reused_from"]["id"] == first["id"]


def test_a_recompressed_copy_is_caught_by_its_perceptual_hash(network, days):
    (monday, tuesday, _), _ = days
    original = photo(seed=4, size=(1200, 900))
    copy = reencode(original, scale=0.5, quality=60)
    assert copy != original
    first = upload(network.manager_a, monday, original)
    second = upload(network.manager_a, tuesday, copy)
    assert second["sha256"] != first["sha256"]
    assert trust.hamming(first["phash"], second["phash"]) <= trust.REUSE_MAX_DISTANCE
    assert second["reused"] and second["reused_from"]["id"] == first["id"]


def test_different_photos_are_not_flagged(network, days):
    (monday, tuesday, wednesday), _ = days
    hashes = []
    for check, seed in ((monday, 10), (tuesday, 11), (wednesday, 12)):
        body = upload(network.manager_a, check, photo(seed=seed))
        assert body["reused"] is False
        hashes.append(body["phash"])
    assert min(trust.hamming(a, b) for a in hashes for b in hashes if a != b) > trust.REUSE_MAX_DISTANCE


def test_unrelated_blank_pictures_are_not_flagged_as_copies_of_each_other(network, days):
    # Every single-colour picture had the perceptual hash 8000000000000000: a grey wall on Monday and a dark
    # frame on Tuesday were "the same photo". Their bytes still count.
    import io

    from PIL import Image

    def blank(colour, size) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", size, colour).save(out, "JPEG")
        return out.getvalue()

    (monday, tuesday, wednesday), _ = days
    grey = upload(network.manager_a, monday, blank((128, 128, 128), (640, 480)))
    dark = upload(network.manager_a, tuesday, blank((20, 20, 30), (800, 600)))
    assert grey["phash"] == dark["phash"] == "" and dark["reused"] is False
    assert upload(network.manager_a, wednesday, blank((128, 128, 128), (640, 480)))["reused"]  # the very bytes


def test_rejected_and_pending_photos_are_not_reuse_sources(network, days):
    (monday, tuesday, _), _ = days
    data = photo(seed=5)
    criterion = monday.results.get(criterion__key="restroom_clean").criterion
    common = dict(daily_check=monday, criterion=criterion, site=network.a1, uploaded_by=network.manager_a,
                  declared_content_type="image/jpeg", declared_size=len(data), declared_sha256=sha(data),
                  day=monday.date)
    Evidence.objects.create(key="sites/A1/rejected.jpg", status="rejected", sha256=sha(data), **common)
    Evidence.objects.create(key="sites/A1/pending.jpg", status="pending", **common)
    assert upload(network.manager_a, tuesday, data)["reused"] is False


def test_phash_bands_find_every_hash_within_the_threshold():
    base = "a9ad23d09c5171de"
    value = int(base, 16)
    for bits in [(0,), (1, 17, 33), (15, 31, 47), (60, 61, 62)]:
        other = value
        for b in bits:
            other ^= 1 << b
        near = f"{other:016x}"
        assert trust.hamming(base, near) == len(bits)
        shared = [a == b for a, b in zip(trust.phash_bands(base), trust.phash_bands(near), strict=True)]
        assert any(shared)  # pigeonhole: <= 3 flipped bits leave one of four 16-bit bands untouched


@pytest.mark.parametrize("captured, offset, stale", [
    ("2026:03:10 08:15:00", "+13:00", False),   # on the morning of the day, Auckland
    ("2026:03:09 21:00:00", "+13:00", False),   # the evening before
    ("2026:03:03 08:15:00", "+13:00", True),    # a week old
    ("2026:03:12 09:00:00", "+13:00", True),    # two days later (a late check with a fresh photo)
    ("2026:03:10 08:15:00", None, False),       # no offset: read in the site's time zone
])
def test_capture_time_far_from_the_day_is_flagged(network, standard, captured, offset, stale):
    check = make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))
    body = upload(network.manager_a, check, photo(seed=40, captured=captured, offset=offset))
    assert body["stale_capture"] is stale
    assert body["captured_at"] is not None


def test_capture_time_without_offset_is_read_in_the_site_time_zone(network, standard):
    """00:30 on the 12th, New York time, is 36.5 h after noon on the 10th there: stale. The same wall time
    written with Auckland's offset is 06:30 on the 11th in New York: not stale."""
    check = make_check(network.b1, standard, network.manager_b, date=dt.date(2026, 3, 10))
    local = upload(network.manager_b, check, photo(seed=41, captured="2026:03:12 00:30:00"))
    assert local["captured_at"] == "2026-03-12T04:30:00Z" and local["stale_capture"] is True
    auckland = upload(network.manager_b, check, photo(seed=42, captured="2026:03:12 00:30:00", offset="+13:00"))
    assert auckland["captured_at"] == "2026-03-11T11:30:00Z" and auckland["stale_capture"] is False


def test_no_capture_time_is_not_stale_but_shown_as_unknown(network, standard):
    check = make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))
    body = upload(network.manager_a, check, photo(seed=43))
    assert body["captured_at"] is None and body["stale_capture"] is False
