"""Corrective actions near or past their due day, by the site's local today: due soon to the managers, overdue
to the region's contact, escalated (ACTION_ESCALATE_DAYS late) to every head-office user and the contact; and
the overdue the alerts see is the one the API shows (status_shown, overdue_q)."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts import rules
from alerts.services import sweep
from consistency.models import CorrectiveAction
from consistency.selectors.actions import action_list
from consistency.services.actions import status_shown
from notify.models import Notice

from .conftest import at, store_check, told

pytestmark = pytest.mark.django_db
D = dt.date
FAIL = {"phone_greeting": False}  # critical, not met: opens an action due CORRECTIVE_ACTION_DUE_DAYS (3) later


def levels(now) -> dict[str, str]:
    return {o.key: o.event for o in rules.due(now=now, rules=[rules.ACTIONS])}


def test_an_action_climbs_from_due_soon_to_overdue_to_escalated_by_the_sites_local_day(zones, settings):
    assert (settings.ACTION_DUE_SOON_DAYS, settings.ACTION_ESCALATE_DAYS, settings.CORRECTIVE_ACTION_DUE_DAYS) == (1, 3, 3)
    action = store_check(zones.akl, zones.manager_akl, D(2026, 3, 2), values=FAIL).actions[0]
    assert action.due_on == D(2026, 3, 5)
    key = str(action.pk)
    expected = {2: None, 3: None, 4: "action.due_soon", 5: "action.due_soon", 6: "action.overdue",
                7: "action.overdue", 8: "action.escalated", 12: "action.escalated"}
    for day, event in expected.items():
        # Just after midnight and just before it, on the site's clock.
        for hour, minute in ((0, 1), (23, 59)):
            assert levels(at(zones.akl, D(2026, 3, day), hour, minute)).get(key) == event, (day, hour)
    # A resolved action is nobody's business any more.
    CorrectiveAction.objects.filter(pk=action.pk).update(status="resolved")
    assert levels(at(zones.akl, D(2026, 3, 9), 12)) == {}


def test_each_level_tells_its_people_once(zones):
    action = store_check(zones.akl, zones.manager_akl, D(2026, 3, 2), values=FAIL).actions[0]
    lax_action = store_check(zones.lax, zones.manager_lax, D(2026, 3, 2), values=FAIL).actions[0]
    for day in (4, 6, 8):
        for _ in range(2):  # twice: nothing new the second time
            sweep(now=at(zones.akl, D(2026, 3, day), 12), only=[rules.ACTIONS])
            sweep(now=at(zones.lax, D(2026, 3, day), 12), only=[rules.ACTIONS])
    a, b = str(action.pk), str(lax_action.pk)
    assert told("action.due_soon") == {("action.due_soon", a, "manager.akl"), ("action.due_soon", a, "manager.akl.2"),
                                       ("action.due_soon", b, "manager.lax")}
    head_office = {"hq.1", "hq.2", "contact.nz"}  # the contact is head office too
    assert told("action.overdue") == {("action.overdue", a, "contact.nz"),
                                      *(("action.overdue", b, who) for who in head_office)}  # no US contact
    assert told("action.escalated") == {*(("action.escalated", a, who) for who in head_office),
                                        *(("action.escalated", b, who) for who in head_office)}
    notice = Notice.objects.filter(event="action.escalated", key=a).first()
    assert notice.data["criterion"] == "phone_greeting" and notice.data["prompt"] == "Brand greeting"
    assert notice.data["due_on"] == "2026-03-05" and notice.data["days_overdue"] == 3
    assert notice.data["opened_on"] == "2026-03-02" and notice.link == "/app/sites/AKL/"
    assert Notice.objects.filter(event__startswith="action.").count() == 3 + 4 + 6


def test_an_action_first_seen_late_is_told_at_the_level_it_reached(zones):
    action = store_check(zones.lax, zones.manager_lax, D(2026, 3, 2), values=FAIL).actions[0]
    sweep(now=at(zones.lax, D(2026, 3, 20), 12), only=[rules.ACTIONS])
    assert {event for event, key, _ in told() if key == str(action.pk)} == {"action.escalated"}


def test_the_alerts_overdue_is_the_apis_overdue_in_every_time_zone(zones):
    from tests.factories import SiteFactory

    london = SiteFactory(code="LON", region=zones.nz, timezone="Europe/London", opened_on=D(2026, 3, 1))
    kiritimati = SiteFactory(code="CXI", region=zones.us, timezone="Pacific/Kiritimati", opened_on=D(2026, 3, 1))
    for site, user in ((zones.akl, zones.manager_akl), (zones.lax, zones.manager_lax), (london, zones.head_office),
                       (kiritimati, zones.head_office)):
        for day in (2, 3, 4):
            store_check(site, user, D(2026, 3, day), values=FAIL)
    actions = list(CorrectiveAction.objects.select_related("site"))
    assert len(actions) == 12
    seen = set()
    for hour in range(0, 24 * 6):
        now = dt.datetime(2026, 3, 5, tzinfo=dt.UTC) + dt.timedelta(hours=hour)
        alerted = {int(key) for key, event in levels(now).items() if event in ("action.overdue", "action.escalated")}
        api = set(action_list(user=zones.head_office, status="overdue", now=now).values_list("pk", flat=True))
        shown = {a.pk for a in actions if status_shown(a, now=now) == "overdue"}
        assert alerted == api == shown, now
        seen.add(len(alerted))
    assert seen >= {0, 12} and len(seen) > 4  # from none overdue to all, through the zones' midnights
