"""Reminders by each site's own cutoff, in its own time zone, to its managers; and missed days to the region's
contact, by the one rule of a missed day."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts import rules
from alerts.services import sweep
from consistency.selectors.missed import missed_days
from notify.models import Notice

from .conftest import at, store_check, told

pytestmark = pytest.mark.django_db
D = dt.date
# 10:00 UTC on 10 March 2026: 23:00 on the 10th in Auckland (NZDT, +13), 03:00 on the 10th in Los Angeles (PDT,
# -7): Auckland is long past its cutoff, Los Angeles has not begun its day's work.
AKL_LATE = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
# 18:00 UTC on 10 March: 11:00 in Los Angeles (past 10:00), 07:00 on the 11th in Auckland (before it).
LAX_LATE = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)


def reminders(now):
    return {(o.key, tuple(o.recipients)) for o in rules.due(now=now, rules=[rules.REMINDERS])}


def test_the_same_utc_instant_reminds_auckland_and_not_los_angeles_then_the_reverse(zones):
    akl_managers = tuple(sorted([zones.manager_akl.pk, zones.manager_akl_2.pk]))
    assert reminders(AKL_LATE) == {("AKL:2026-03-10", akl_managers)}
    assert reminders(LAX_LATE) == {("LAX:2026-03-10", (zones.manager_lax.pk,))}
    # Published: each site's managers, nobody else, and each once.
    sweep(now=AKL_LATE, only=[rules.REMINDERS])
    sweep(now=LAX_LATE, only=[rules.REMINDERS])
    assert told("check.reminder") == {("check.reminder", "AKL:2026-03-10", "manager.akl"),
                                      ("check.reminder", "AKL:2026-03-10", "manager.akl.2"),
                                      ("check.reminder", "LAX:2026-03-10", "manager.lax")}
    notice = Notice.objects.get(recipient=zones.manager_lax)
    assert notice.data == {"site": "LAX", "site_name": "Los Angeles", "date": "2026-03-10", "cutoff": "10:00",
                           "timezone": "America/Los_Angeles"}
    assert notice.link == "/app/today/?site=LAX" and notice.site_id == zones.lax.pk
    assert notice.status == Notice.Status.PENDING


def test_each_site_has_its_own_cutoff(zones):
    zones.lax.check_cutoff = dt.time(12, 0)
    zones.lax.save()
    day = D(2026, 3, 10)
    assert reminders(at(zones.lax, day, 11, 59)) == set()
    assert {key for key, _ in reminders(at(zones.lax, day, 12, 0))} == {"LAX:2026-03-10"}
    # The cutoff is local: 12:00 in Los Angeles is 19:00 UTC that day (PDT).
    assert at(zones.lax, day, 12, 0) == dt.datetime(2026, 3, 10, 19, 0, tzinfo=dt.UTC)
    assert {key for key, _ in reminders(at(zones.akl, day, 9, 59)) if key.startswith("AKL")} == set()
    assert {key for key, _ in reminders(at(zones.akl, day, 10, 0)) if key.startswith("AKL")} == {"AKL:2026-03-10"}


def test_a_sites_own_check_stops_the_reminder_and_a_departments_does_not(zones):
    from consistency.models import DailyCheck, Department, SubmittedBy

    day = D(2026, 3, 10)
    store_check(zones.akl, zones.manager_akl, day)
    assert reminders(AKL_LATE) == set()
    # A department's check of LAX's day (accounting's) adds results; the manager's own check is still owed. The
    # small standard has no department part, so a check written by the service is made a department's here.
    accounting, _ = Department.objects.get_or_create(
        key="accounting", defaults={"name": "Accounting", "submitted_by": SubmittedBy.DEPARTMENT})
    check = store_check(zones.lax, zones.manager_lax, D(2026, 3, 9)).check
    DailyCheck.objects.filter(pk=check.pk).update(date=day, department=accounting)
    assert {key for key, _ in reminders(LAX_LATE)} == {"LAX:2026-03-10"}


def test_closed_and_not_yet_open_sites_are_not_reminded(zones):
    zones.akl.active = False
    zones.akl.save()
    zones.lax.opened_on = D(2026, 3, 11)
    zones.lax.save()
    assert reminders(AKL_LATE) == set() and reminders(LAX_LATE) == set()
    assert reminders(at(zones.lax, D(2026, 3, 11), 10)) == {("LAX:2026-03-11", (zones.manager_lax.pk,))}


def test_running_the_sweep_twice_stores_nothing_new(zones):
    first = sweep(now=AKL_LATE)
    assert first.notices > 0
    count = Notice.objects.count()
    again = sweep(now=AKL_LATE)
    assert again.found == first.found and again.notices == 0 and again.deliveries == 0
    assert Notice.objects.count() == count


# --- missed days ----------------------------------------------------------------------------------

def test_a_missed_day_tells_the_regions_contact_once_the_local_day_is_over(zones):
    store_check(zones.akl, zones.manager_akl, D(2026, 3, 8))
    store_check(zones.lax, zones.manager_lax, D(2026, 3, 8))
    # 10:00 UTC on the 10th: both sites' local yesterday is the 9th, and neither checked it.
    sweep(now=AKL_LATE, only=[rules.MISSED])
    assert told("check.missed") == {
        ("check.missed", "AKL:2026-03-09", "contact.nz"),  # the region's contact
        # The US region has no contact: every head-office user, the NZ contact (head office) included.
        ("check.missed", "LAX:2026-03-09", "hq.1"), ("check.missed", "LAX:2026-03-09", "hq.2"),
        ("check.missed", "LAX:2026-03-09", "contact.nz")}
    notice = Notice.objects.get(key="AKL:2026-03-09")
    assert notice.data == {"site": "AKL", "site_name": "Auckland", "region": "New Zealand", "date": "2026-03-09",
                           "late_until": "2026-03-16"}
    assert notice.link == "/app/sites/AKL/"


def test_the_missed_day_alert_follows_the_missed_days_rule(zones):
    """Every site-day the alerts call missed is one the missed-days list (the API's) calls missed, across
    midnights on both sides of the date line, inactive and unopened sites, checked and unchecked days."""
    store_check(zones.akl, zones.manager_akl, D(2026, 3, 9))
    store_check(zones.lax, zones.manager_lax, D(2026, 3, 11))
    seen = set()
    for hour in range(0, 24 * 4, 3):
        now = dt.datetime(2026, 3, 9, tzinfo=dt.UTC) + dt.timedelta(hours=hour)
        alerted = {o.key for o in rules.due(now=now, rules=[rules.MISSED])}
        listed = missed_days(user=zones.head_office, date_from=D(2026, 3, 1), date_to=now.date(),
                             now=now)[:1000]
        yesterday = {code: (now.astimezone(site.tz).date() - dt.timedelta(days=1))
                     for code, site in (("AKL", zones.akl), ("LAX", zones.lax))}
        assert alerted == {f"{m.site}:{m.date}" for m in listed if m.date == yesterday[m.site]}, now
        seen |= alerted
    # Both sites missed days, and the checked days (AKL's 9th, LAX's 11th) never were.
    assert {"AKL:2026-03-10", "LAX:2026-03-09", "LAX:2026-03-10"} <= seen
    assert "AKL:2026-03-09" not in seen and "LAX:2026-03-11" not in seen


def test_a_missed_day_falls_back_to_head_office_when_the_contact_has_left(zones):
    zones.contact_nz.is_active = False
    zones.contact_nz.save()
    recipients = {o.key: set(o.recipients) for o in rules.due(now=AKL_LATE, rules=[rules.MISSED])}
    assert recipients["AKL:2026-03-09"] == {zones.head_office.pk, zones.head_office_2.pk}
