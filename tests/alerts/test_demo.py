"""The demo network is ready for alerts: every person has an address, every region a contact, and its sites lie in
several time zones, so one sweep reminds some sites and not others."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth import get_user_model

from alerts import rules
from sites.demo import seed_network
from sites.models import Region, Site

pytestmark = pytest.mark.django_db


def test_the_demo_network_has_addresses_contacts_and_time_zones():
    seed_network(password="demo-pass")
    seed_network(password="demo-pass")  # safe to run twice
    assert not get_user_model().objects.filter(email="").exists()
    assert set(Region.objects.values_list("contact__username", flat=True)) == {"head.office"}
    zones = set(Site.objects.values_list("timezone", flat=True))
    assert {"Pacific/Auckland", "America/Los_Angeles", "Europe/London"} <= zones
    # 21:30 UTC: the evening in London and the afternoon in Los Angeles (past the cutoff), the early morning of the
    # next day in Sydney (not yet).
    now = dt.datetime.combine(dt.date.today(), dt.time(21, 30), tzinfo=dt.UTC)
    reminded = {o.data["site"] for o in rules.due(now=now, rules=[rules.REMINDERS])}
    expected = {s.code for s in Site.objects.all()
                if now.astimezone(zoneinfo.ZoneInfo(s.timezone)).time() >= s.check_cutoff}
    assert reminded == expected and reminded and set(Site.objects.values_list("code", flat=True)) - reminded
