"""Reuse detection through the real API: every kind of the labelled set (``consistency.reuse_set``), the first photo
given for one site and day, the second for another site or day, each uploaded to S3 with the presigned POST form
and confirmed, as a phone does. The later photo is flagged - reused, how, how strongly, and which photo it repeats
- or, for the kinds that are not reuse, not. Also: the flag when the original is verified after its copy, who
sees which photo was repeated, and what a confirmation costs in queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from consistency import reuse_set
from consistency.models import Evidence, PhotoKey
from consistency.services import reuse
from tests.consistency.conftest import window_reaches_the_photo_test_day  # noqa: F401 (a fixture)

from ..conftest import client_for
from ..consistency.evidence_factories import make_check, photo, post_form, sha

pytestmark = [pytest.mark.skipif(settings.STORAGE_BACKEND != "s3",
                                 reason="direct uploads need an S3 endpoint (scripts/test.sh starts one)"),
              pytest.mark.usefixtures("window_reaches_the_photo_test_day")]

MONDAY, TUESDAY = dt.date(2026, 3, 10), dt.date(2026, 3, 11)
# What the flag calls each kind of the set: a resized copy is a re-encoding of the picture at another size.
FLAGGED_AS = {"re-encoded": "re-encoded", "resized": "re-encoded", "cropped": "cropped", "rotated": "rotated",
              "mirrored": "mirrored", "adjusted": "adjusted", "screenshot": "screenshot"}


def give(user, check, data: bytes, *, criterion: str = "restroom_clean") -> dict:
    """Ask for an upload form, upload the bytes to S3 over HTTP, confirm: the confirmation's answer."""
    client = client_for(user)
    asked = client.post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": criterion, "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)}, format="json")
    assert asked.status_code == 201, asked.json()
    upload = asked.json()["upload"]
    assert post_form(upload["url"], upload["fields"], data) in (200, 201, 204)
    confirmed = client.post(f"/api/v1/evidence/{asked.json()['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "verified"
    return confirmed.json()


def assert_flagged(body: dict, *, kind: str, original: dict) -> None:
    assert body["reused"] is True
    assert body["reuse_kind"] == kind
    assert 0 < body["reuse_score"] <= 1
    assert body["reuse_detail"]
    assert body["reused_from"]["id"] == original["id"]


def assert_clean(body: dict) -> None:
    assert body["reused"] is False and body["reused_from"] is None
    assert (body["reuse_kind"], body["reuse_score"], body["reuse_detail"]) == ("", None, "")


@pytest.mark.parametrize("kind", reuse_set.REUSE_KINDS)
def test_each_kind_of_reuse_is_flagged_on_the_later_photo(network, standard, kind):
    pair = reuse_set.example(kind)
    assert pair.reuse
    # Half the kinds given again at the same site another day, half at another site the same day.
    another_site = reuse_set.REUSE_KINDS.index(kind) % 2 == 1
    first_check = make_check(network.a1, standard, network.head_office, date=MONDAY)
    second_check = make_check(network.a2 if another_site else network.a1, standard, network.head_office,
                              date=MONDAY if another_site else TUESDAY)
    first = give(network.head_office, first_check, pair.first)
    assert_clean(first)
    second = give(network.head_office, second_check, pair.second)
    assert_flagged(second, kind=FLAGGED_AS[kind], original=first)
    # The check's answer says the same.
    shown = client_for(network.head_office).get(f"/api/v1/checks/{second_check.pk}/").json()["evidence"]
    assert [(e["id"], e["reused"], e["reuse_kind"], e["reuse_score"], e["reuse_detail"]) for e in shown] == [
        (second["id"], True, second["reuse_kind"], second["reuse_score"], second["reuse_detail"])]
    # The earlier photo stays clean, and both are found by their keys from now on.
    assert_clean(client_for(network.head_office).get(f"/api/v1/evidence/{first['id']}/").json())
    assert PhotoKey.objects.filter(evidence__public_id__in=[first["id"], second["id"]]).values(
        "evidence").distinct().count() == 2


@pytest.mark.parametrize("kind", reuse_set.NOT_REUSE_KINDS)
def test_what_is_not_reuse_is_not_flagged(network, standard, kind):
    pair = reuse_set.example(kind)
    assert not pair.reuse
    first_check = make_check(network.a1, standard, network.head_office, date=MONDAY)
    # A re-shot of the same room is the same site another day; the same fit-out is another site.
    second_check = (make_check(network.a1, standard, network.head_office, date=TUESDAY) if kind == "reshot"
                    else make_check(network.a2, standard, network.head_office, date=MONDAY))
    assert_clean(give(network.head_office, first_check, pair.first))
    assert_clean(give(network.head_office, second_check, pair.second))


def turned(data: bytes) -> bytes:
    """The photo turned a quarter, as a person turns an old photo to give it again: every method catches that."""
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).rotate(90, expand=True).save(out, "JPEG", quality=88)
    return out.getvalue()


def test_the_copy_verified_before_its_original_is_flagged_with_how(network, standard):
    # Tuesday's turned copy is confirmed first; Monday's original arrives later (the phone had no line). The flag
    # goes on Tuesday's, pointing at Monday's, and says how Tuesday's repeats it.
    original_bytes = photo(seed=70, size=(1600, 1200))
    monday = make_check(network.a1, standard, network.manager_a, date=MONDAY)
    tuesday = make_check(network.a1, standard, network.manager_a, date=TUESDAY)
    copy = give(network.manager_a, tuesday, turned(original_bytes))
    assert_clean(copy)
    original = give(network.manager_a, monday, original_bytes)
    assert_clean(original)
    now = client_for(network.auditor).get(f"/api/v1/evidence/{copy['id']}/").json()
    assert_flagged(now, kind="rotated", original=original)
    stored = Evidence.objects.get(public_id=copy["id"])
    assert (stored.reuse_kind, stored.reuse_score, stored.reuse_detail) == (
        now["reuse_kind"], now["reuse_score"], now["reuse_detail"])
    # A third copy, on Wednesday, points at Monday's too (the earliest), and Tuesday's flag stays as written.
    wednesday = make_check(network.a1, standard, network.manager_a, date=TUESDAY + dt.timedelta(days=1))
    third = give(network.manager_a, wednesday, original_bytes)
    assert_flagged(third, kind="identical", original=original)
    assert third["reuse_score"] == 1.0
    assert Evidence.objects.get(public_id=copy["id"]).reused_from.public_id == stored.reused_from.public_id


def test_the_flag_names_the_earlier_photo_only_to_readers_of_its_site(network, standard):
    # B1's photo, turned, given again at A1: A1's manager and region A's auditor see the flag and how it matched,
    # not B1's photo; head office reads both sites and sees which photo it repeats.
    data = photo(seed=75, size=(1600, 1200))
    b1 = make_check(network.b1, standard, network.manager_b, date=MONDAY)
    a1 = make_check(network.a1, standard, network.manager_a, date=TUESDAY)
    first = give(network.manager_b, b1, data)
    second = give(network.manager_a, a1, turned(data))
    assert second["reused"] is True and second["reused_from"] is None and second["reuse_kind"] == "rotated"
    for reader in (network.manager_a, network.auditor):
        seen = client_for(reader).get(f"/api/v1/evidence/{second['id']}/").json()
        assert (seen["reused"], seen["reused_from"], seen["reuse_kind"]) == (True, None, "rotated")
    head_office = client_for(network.head_office).get(f"/api/v1/evidence/{second['id']}/").json()
    assert_flagged(head_office, kind="rotated", original=first)
    assert client_for(network.manager_b).get(f"/api/v1/evidence/{second['id']}/").status_code == 404


def _confirmation_queries(user, check, data: bytes) -> tuple[dict, list[str]]:
    client = client_for(user)
    asked = client.post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": "restroom_clean", "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)},
        format="json").json()
    assert post_form(asked["upload"]["url"], asked["upload"]["fields"], data) in (200, 201, 204)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(f"/api/v1/evidence/{asked['id']}/confirm/")
    assert response.status_code == 200, response.json()
    return response.json(), [q["sql"] for q in ctx.captured_queries]


def test_a_confirmation_searches_for_reuse_with_one_query_and_stores_its_keys_with_one(network, standard):
    monday = make_check(network.a1, standard, network.manager_a, date=MONDAY)
    tuesday = make_check(network.a1, standard, network.manager_a, date=TUESDAY)
    data = photo(seed=71, size=(1600, 1200))
    first, fresh = _confirmation_queries(network.manager_a, monday, data)
    assert first["reused"] is False
    searches = [q for q in fresh if "touchpoint_photokey_hits" in q]  # the keys' index lookup (consistency 0019)
    inserts = [q for q in fresh if q.startswith('INSERT INTO "consistency_photokey"')]
    assert len(searches) == 1 and len(inserts) == 1, "\n".join(fresh)
    assert "e.sha256 =" in searches[0]  # both paths, one statement
    # Token, profile, the photo, the site in the reader's scope: 4; SAVEPOINT 1; the photo locked with its site and
    # check, the site's lock, the same bytes counted already: 3; the reuse search 1 (two before PhotoKey: the
    # bytes, then the phash bands), the save 1, its keys 1; the day's photo totals 2, a waiting retake 1; the
    # result re-judged and the check's score 7; the rollup 1, RELEASE 1; the answer's photo 1 = 24, whatever is on
    # record.
    assert len(fresh) == 24, "\n".join(fresh)

    # The same photo, turned, given for Tuesday: flagged, for the same queries (the earlier photo's report copy is
    # read from S3, not from the database) and one more to answer: the sites the reader may read, to name the
    # earlier photo or not.
    second, copy = _confirmation_queries(network.manager_a, tuesday, turned(data))
    assert second["reused"] is True and second["reuse_kind"] == "rotated"
    assert len([q for q in copy if "touchpoint_photokey_hits" in q]) == 1
    assert len(copy) == len(fresh) + 1, "\n".join(copy)


def test_the_search_stays_within_max_candidates(network, standard):
    # More near copies on record than MAX_CANDIDATES: the search answers the nearest MAX_CANDIDATES, not all.
    from consistency.services import evidence_trust as trust
    from consistency.services import images

    data = photo(seed=72, size=(800, 600))
    facts = images.inspect_photo(io.BytesIO(data), declared_type="image/jpeg")
    made = []
    for n in range(reuse.MAX_CANDIDATES + 5):
        day_check = make_check(network.a2, standard, network.head_office, date=MONDAY - dt.timedelta(days=n + 1))
        evidence = Evidence.objects.create(
            daily_check=day_check, criterion=day_check.results.get(criterion__key="restroom_clean").criterion,
            site=network.a2, uploaded_by=network.head_office, key=f"sites/A2/near-{n}.jpg",
            declared_content_type="image/jpeg", declared_size=1, declared_sha256=f"{n:064x}", sha256=f"{n:064x}",
            status="verified", day=day_check.date)
        PhotoKey.objects.bulk_create(trust.photo_keys(evidence, facts.fingerprint))
        made.append(evidence)
    probe = Evidence(site=network.a1, day=MONDAY, criterion=made[0].criterion, sha256=sha(data))
    found = trust.candidates(probe, facts.fingerprint)
    assert len(found) == reuse.MAX_CANDIDATES
    assert {f.distance for f in found} == {0}
    assert [f.photo.pk for f in found] == sorted(e.pk for e in made)[:reuse.MAX_CANDIDATES]
    # The demo seeding's index in memory answers the same photos, at the same distances.
    in_memory = trust.PhotoIndex.of_verified().candidates(probe, facts.fingerprint)
    assert [(f.photo.pk, f.distance) for f in in_memory] == [(f.photo.pk, f.distance) for f in found]
