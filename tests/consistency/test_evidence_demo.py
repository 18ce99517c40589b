"""Demo photos: every check that owes a photo gets one, verified through the service; one site reuses the
same photo every morning and is flagged; a second run adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from consistency import demo_photos
from consistency.models import CheckResult, Evidence

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
