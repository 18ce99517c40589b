"""The demo history: realistic, different sites, stored through the submission service, safe twice."""

import pytest
from django.utils import timezone

from consistency.demo import seed_standard
from consistency.demo_history import seed_history
from consistency.models import CheckResult, CorrectiveAction, DailyCheck
from sites.demo import seed_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    seed_network(password="pw")
    return seed_standard()


def early_morning_utc():
    """05:00 UTC of the latest day it has passed: before MAN-02's late checks (08:xx London time) arrive,
    so what has arrived does not depend on when the suite runs."""
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    at = now.replace(hour=5, minute=0, second=0, microsecond=0)
    return at if at <= now else at - dt.timedelta(days=1)


def test_history_has_the_sites_that_differ(demo):
    summary = seed_history(days=20, now=early_morning_utc())
    assert summary["sites"] == 28 and summary["checks"] > 300
    # The sites' own checks (accounting's are beside them: tests/consistency/test_departments_demo.py).
    checks = DailyCheck.objects.filter(is_current=True, department__isnull=True)
    per_site = {code: checks.filter(site__code=code).count() for code in ("AKL-01", "BOS-02", "MAN-02")}
    assert per_site["AKL-01"] == 20
    assert per_site["BOS-02"] < 18                       # skips days
    assert per_site["MAN-02"] == 18                      # its last two days have not arrived yet
    assert not checks.filter(site__code="AKL-01", late=True).exists()
    assert checks.filter(site__code="MAN-02").exclude(late=True).count() == 0
    # WLG-01 amends now and then; the superseded check stays in history.
    assert summary["amendments"] == 2
    assert DailyCheck.objects.filter(site__code="WLG-01", is_current=False).count() == 2

    def restroom_pass(code):
        results = CheckResult.objects.filter(site__code=code, is_current=True,
                                             criterion__key="restroom_odour")
        return results.filter(met=True).count() / results.count()

    assert restroom_pass("MEL-02") < restroom_pass("AKL-01")
    assert CorrectiveAction.objects.filter(site__code="MEL-02", criterion__key="restroom_cleanliness").exists()
    late = CheckResult.objects.filter(site__code="LAX-01", is_current=True, criterion__key="delivery_late_minutes")
    assert late.filter(met=False).count() > late.count() / 3


def test_history_is_safe_to_run_twice(demo):
    now = timezone.now()  # one clock for both runs: between them a midnight may begin a new day at some site
    seed_history(days=10, now=now)
    before = (DailyCheck.objects.count(), CheckResult.objects.count(), CorrectiveAction.objects.count())
    again = seed_history(days=10, now=now)
    assert again["checks"] == 0 and again["amendments"] == 0
    assert (DailyCheck.objects.count(), CheckResult.objects.count(), CorrectiveAction.objects.count()) == before


def test_corrective_actions_look_like_a_real_franchise(demo):
    """Most actions resolved, each in its time and with the photos its criterion needs; a few past due and still
    open. The demo used to leave hundreds overdue, some from months before."""
    import datetime as dt

    from consistency.demo_history import resolve_demo_actions
    from consistency.demo_photos import seed_demo_photos
    from consistency.models import Evidence

    now = early_morning_utc()
    seed_history(days=45, now=now, site_codes=["MEL-02", "CHC-01", "SEA-01"])  # weak on restrooms: many actions
    seed_demo_photos()
    summary = resolve_demo_actions(now=now)
    actions = CorrectiveAction.objects.select_related("site", "criterion")
    total = actions.count()
    assert total > 40
    resolved = actions.filter(status="resolved")
    assert summary["resolved"] == resolved.count() > 0.8 * total
    still_open = actions.filter(status="open")
    overdue = [a for a in still_open if a.due_on < now.astimezone(a.site.tz).date()]
    assert 0 < len(overdue) <= 0.08 * total
    # Recent ones, being chased: none left overdue for months.
    assert all(a.due_on >= now.astimezone(a.site.tz).date() - dt.timedelta(days=14) for a in overdue)
    assert still_open.count() > len(overdue)  # and some open within their days
    for action in resolved:
        assert action.opened_at < action.resolved_at < now and action.resolution_note
        photos = Evidence.objects.filter(action=action, status="verified")
        assert photos.count() >= action.criterion.photos_required
        for photo in photos:
            assert photo.created_at < action.resolved_at
            assert photo.captured_at < photo.created_at
    late = [a for a in resolved if a.resolved_at.astimezone(a.site.tz).date() > a.due_on]
    assert 0 < len(late) < 0.3 * resolved.count()
    assert resolve_demo_actions(now=now) == {"resolved": 0, "photos": 0}  # safe to run twice
