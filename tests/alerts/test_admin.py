"""Head office sets each site's check cutoff and each region's contact in the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from sites.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(zones):
    zones.head_office.is_staff = zones.head_office.is_superuser = True
    zones.head_office.save()
    client = Client()
    client.force_login(zones.head_office)
    return client


def test_a_regions_contact_is_chosen_among_head_office(zones, admin_client_for):
    page = admin_client_for.get(f"/admin/sites/region/{zones.us.pk}/change/").content.decode()
    options = {u.username: f'value="{u.pk}"' in page for u in (zones.head_office, zones.head_office_2,
                                                                 zones.contact_nz, zones.manager_lax, zones.auditor)}
    assert options == {"hq.1": True, "hq.2": True, "contact.nz": True, "manager.lax": False, "auditor.nz": False}
    response = admin_client_for.post(f"/admin/sites/region/{zones.us.pk}/change/",
                                     {"code": "us", "name": "United States", "contact": zones.head_office_2.pk})
    assert response.status_code == 302
    zones.us.refresh_from_db()
    assert zones.us.contact == zones.head_office_2
    refused = admin_client_for.post(f"/admin/sites/region/{zones.us.pk}/change/",
                                    {"code": "us", "name": "United States", "contact": zones.manager_lax.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()


def test_a_sites_cutoff_is_set_in_the_admin(zones, admin_client_for):
    url = f"/admin/sites/site/{zones.lax.pk}/change/"
    assert 'name="check_cutoff"' in admin_client_for.get(url).content.decode()
    response = admin_client_for.post(url, {"code": "LAX", "name": "Los Angeles", "region": zones.us.pk,
                                           "timezone": "America/Los_Angeles", "check_cutoff": "11:30",
                                           "active": "on", "opened_on": "2026-03-01"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Site.objects.get(pk=zones.lax.pk).check_cutoff == dt.time(11, 30)
