"""Alert fixtures: two sites on opposite sides of the date line (Auckland, Los Angeles), their managers, head
office, a region contact for New Zealand and none for the US (its alerts go to all of head office).

Time is frozen by passing ``now=`` to the functions under test, never by patching the clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import pytest

from consistency.services.checks import CheckInput, ResultInput, check_submit
from notify.models import Notice
from sites.models import Role
from tests.factories import RegionFactory, SiteFactory, person

UTC = dt.UTC
OPENED = dt.date(2026, 3, 1)
# Values for the small test standard (tests/factories.py) that meet every target.
GOOD = {"phone_rings": 2, "phone_greeting": True, "restroom_clean": 5, "delivery_on_time_pct": 97.5}


@dataclass
class Zones:
    nz: object
    us: object
    akl: object  # Pacific/Auckland, region nz (contact: contact_nz)
    lax: object  # America/Los_Angeles, region us (no contact)
    manager_akl: object
    manager_akl_2: object
    manager_lax: object
    head_office: object
    head_office_2: object
    contact_nz: object
    auditor: object


@pytest.fixture
def zones(db, standard) -> Zones:
    nz = RegionFactory(code="nz", name="New Zealand")
    us = RegionFactory(code="us", name="United States")
    akl = SiteFactory(code="AKL", name="Auckland", region=nz, timezone="Pacific/Auckland", opened_on=OPENED)
    lax = SiteFactory(code="LAX", name="Los Angeles", region=us, timezone="America/Los_Angeles", opened_on=OPENED)
    contact = person("contact.nz", Role.HEAD_OFFICE)
    nz.contact = contact
    nz.save()
    return Zones(nz=nz, us=us, akl=akl, lax=lax,
                 manager_akl=person("manager.akl", Role.MANAGER, sites=[akl]),
                 manager_akl_2=person("manager.akl.2", Role.MANAGER, sites=[akl]),
                 manager_lax=person("manager.lax", Role.MANAGER, sites=[lax]),
                 head_office=person("hq.1", Role.HEAD_OFFICE),
                 head_office_2=person("hq.2", Role.HEAD_OFFICE),
                 contact_nz=contact,
                 auditor=person("auditor.nz", Role.AUDITOR, regions=[nz]))


def at(site, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """The UTC instant of ``day`` ``hour``:``minute`` on the site's wall clock."""
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(site.timezone))
    return local.astimezone(UTC)


def store_check(site, user, day: dt.date, *, now: dt.datetime | None = None, values: dict | None = None):
    """A check of ``day`` through the submission service, as it arrives at ``now`` (default 09:00 that local day)."""
    now = now or at(site, day, 9)
    payload = CheckInput(date=day, results=[ResultInput(k, v) for k, v in {**GOOD, **(values or {})}.items()],
                         performed_at=now)
    return check_submit(site=site, user=user, payload=payload, now=now)


def told(event: str | None = None) -> set[tuple[str, str, str]]:
    """(event, key, recipient username) of every notice stored."""
    qs = Notice.objects.all() if event is None else Notice.objects.filter(event=event)
    return set(qs.values_list("event", "key", "recipient__username"))
