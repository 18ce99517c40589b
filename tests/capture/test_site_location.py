"""A site's optional location, entered by head office in the admin: latitude -90..90, longitude -180..180, both or
neither; a refusal names its field and saves nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from sites.models import Site


def form(site: Site, **location) -> dict:
    return {"code": site.code, "name": site.name, "region": site.region_id, "timezone": site.timezone,
            "check_cutoff": "10:00", "active": "on", "opened_on": site.opened_on.isoformat(),
            "latitude": "", "longitude": "", **location}


@pytest.fixture
def head_office_admin(network) -> Client:
    person = network.head_office
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    person.user_permissions.add(*Permission.objects.filter(content_type__app_label="sites",
                                                           codename__in=["change_site", "view_site"]))
    browser = Client()
    browser.force_login(person)
    return browser


def test_head_office_sets_and_clears_a_sites_location(network, head_office_admin):
    url = f"/admin/sites/site/{network.a1.pk}/change/"
    page = head_office_admin.get(url)
    assert page.status_code == 200 and 'name="latitude"' in page.content.decode()
    response = head_office_admin.post(url, form(network.a1, latitude="-36.8485", longitude="174.7633"))
    assert response.status_code == 302, response.content.decode()[:2000]
    network.a1.refresh_from_db()
    assert (network.a1.latitude, network.a1.longitude) == (-36.8485, 174.7633)
    assert head_office_admin.post(url, form(network.a1)).status_code == 302  # neither: no location
    network.a1.refresh_from_db()
    assert network.a1.latitude is None and network.a1.longitude is None


@pytest.mark.parametrize(("location", "field", "words"), [
    ({"latitude": "91", "longitude": "10"}, "latitude", "less than or equal to 90"),
    ({"latitude": "-90.5", "longitude": "10"}, "latitude", "greater than or equal to -90"),
    ({"latitude": "10", "longitude": "180.01"}, "longitude", "less than or equal to 180"),
    ({"latitude": "10", "longitude": "-181"}, "longitude", "greater than or equal to -180"),
    ({"latitude": "-36.8", "longitude": ""}, "longitude", "the longitude is missing"),
    ({"latitude": "", "longitude": "174.7"}, "latitude", "the latitude is missing"),
    ({"latitude": "nan", "longitude": "174.7"}, "latitude", "Enter a number"),
])
def test_a_wrong_location_is_refused_naming_its_field(network, head_office_admin, location, field, words):
    response = head_office_admin.post(f"/admin/sites/site/{network.a1.pk}/change/", form(network.a1, **location))
    assert response.status_code == 200  # the form again, with its error
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field] and words in " ".join(errors[field])
    network.a1.refresh_from_db()
    assert network.a1.latitude is None and network.a1.longitude is None  # nothing half-saved


@pytest.mark.parametrize("who", ["manager_a", "auditor", "shopper", "accountant"])
def test_no_one_else_edits_it(network, who):
    browser = Client()
    browser.force_login(getattr(network, who))
    response = browser.post(f"/admin/sites/site/{network.a1.pk}/change/",
                            form(network.a1, latitude="1", longitude="1"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    network.a1.refresh_from_db()
    assert network.a1.latitude is None
