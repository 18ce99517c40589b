"""Demo photos: every check that owes a photo gets one, verified through the service; one site reuses the
same photo every morning and is flagged; a second run adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from consistency import demo_photos
from consistency.models import CheckResult, DailyCheck, Evidence

from .evidence_factories import make_check


@pytest.fixture
def history(network, standard, monkeypatch):
    monkeypatch.setattr(demo_photos, "REUSING_SITE", "A2")
    monkeypatch.setattr(demo_photos, "REUSED_CRITERION", "restroom_clean")
    checks = []
    for site, user in ((network.a1, network.manager_a), (network.a2, network.head_office)):
        for day in range(10, 14):
            date = dt.date(2026, 3, day)
            performed = dt.datetime.combine(date, dt.time(7, 40), tzinfo=site.tz)
            checks.append(make_check(site, standard, user, date=date, performed_at=performed))
    # A failed restroom check owes no photo: it has failed already.
    checks.append(make_check(network.b1, standard, network.manager_b, date=dt.date(2026, 3, 10),
                             values={"restroom_clean": 2}))
    return checks


def test_demo_photos_make_owed_criteria_pass_and_show_the_flags(history):
    summary = demo_photos.seed_demo_photos()
    assert summary == {"photos": 8, "reused": 4}
    assert Evidence.objects.filter(status="verified").count() == 8
    owed = CheckResult.objects.filter(criterion__key="restroom_clean", met=True)
    assert owed.count() == 8 and all(owed.values_list("passed", flat=True))
    assert not Evidence.objects.filter(site__code="B1").exists()

    a1 = Evidence.objects.filter(site__code="A1").order_by("day")
    assert len({e.phash for e in a1}) == 4  # different every day
    assert not any(e.reused_from_id or e.stale_capture for e in a1)
    assert all(e.captured_at is not None for e in a1)

    a2 = list(Evidence.objects.filter(site__code="A2").order_by("day"))
    assert len({e.sha256 for e in a2}) == 1  # the same photo every morning
    assert a2[0].reused_from_id is None and not a2[0].stale_capture
    assert all(e.reused_from_id == a2[0].pk for e in a2[1:])
    assert [e.stale_capture for e in a2] == [False, False, True, True]  # captured on the first day


def test_demo_photos_are_safe_to_run_twice(history):
    demo_photos.seed_demo_photos()
    assert demo_photos.seed_demo_photos() == {"photos": 0, "reused": 0}
    assert Evidence.objects.count() == 8


def test_every_check_gets_its_photos_however_old(network, standard):
    # The demo used to give photos to its last 7 days only: every older day failed every photo criterion.
    days = [dt.date(2026, 1, 5) + dt.timedelta(days=d) for d in (0, 20, 40, 59)]
    checks = [make_check(network.a1, standard, network.manager_a, date=day,
                         performed_at=dt.datetime.combine(day, dt.time(7, 40), tzinfo=network.a1.tz))
              for day in days]
    assert demo_photos.seed_demo_photos()["photos"] == 4
    for check in checks:
        assert Evidence.objects.filter(daily_check=check, status="verified").count() == 1
        assert CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed


def test_photos_are_taken_during_the_check_and_uploaded_one_by_one_after_it(network, standard, db):
    from tests.factories import published_version, small_standard_doc

    doc = small_standard_doc()
    for touch_point in doc["touch_points"]:
        for criterion in touch_point["criteria"]:
            criterion["photos_required"] = 1  # four photos a check
    version = published_version(doc)
    site = network.a1
    checks = []
    for day in (dt.date(2026, 3, 10), dt.date(2026, 3, 11)):
        performed = dt.datetime.combine(day, dt.time(7, 35), tzinfo=site.tz)
        check = make_check(site, version, network.manager_a, date=day, performed_at=performed)
        DailyCheck.objects.filter(pk=check.pk).update(received_at=performed + dt.timedelta(minutes=25))
        checks.append(DailyCheck.objects.get(pk=check.pk))
    demo_photos.seed_demo_photos()
    for check in checks:
        photos = list(Evidence.objects.filter(daily_check=check).order_by("created_at"))
        assert len(photos) == 4
        captured = [e.captured_at for e in photos]
        uploaded = [e.created_at for e in photos]
        assert all(check.performed_at <= t <= check.received_at for t in captured)  # during the check
        assert len(set(captured)) == 4 and len(set(uploaded)) == 4  # not all at once
        assert all(check.received_at < t < check.received_at + dt.timedelta(minutes=10) for t in uploaded)
        assert all(e.verified_at > e.created_at for e in photos)
        assert not any(e.stale_capture or e.reused_from_id for e in photos)


def test_the_flags_the_seeding_sets_are_those_the_database_rule_finds(history):
    # The seeding finds copies in memory (evidence_trust.PhotoIndex); the rule the API applies looks in the
    # database, through the keys the seeding stored (PhotoKey). On the demo's photos they agree, photo by photo,
    # flag and how.
    import io

    from consistency import storage
    from consistency.models import PhotoKey
    from consistency.services import evidence_trust as trust
    from consistency.services import images

    demo_photos.seed_demo_photos()
    photos = list(Evidence.objects.order_by("id"))
    assert any(e.reused_from_id for e in photos)
    for evidence in photos:
        facts = images.inspect_photo(io.BytesIO(storage.read_bytes(evidence.key, max_bytes=10**6)),
                                     declared_type="image/jpeg")
        stored = list(PhotoKey.objects.filter(evidence=evidence).order_by("view").values_list("hash", flat=True))
        assert [bytes(h) for h in stored] == list(facts.fingerprint.keys)
        links = trust.reuse_links(evidence, fingerprint=facts.fingerprint, thumbnail=facts.thumbnail)
        assert (links.original.pk if links.original else None) == evidence.reused_from_id
        assert (links.how.kind if links.how else "") == evidence.reuse_kind
        assert links.copies == []
    assert {e.reuse_kind for e in photos if e.reused_from_id} == {"identical"}
