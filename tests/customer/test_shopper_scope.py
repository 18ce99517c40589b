"""A mystery shopper sees the code and name of the sites they visit, and nothing of any site's own data: its checks,
their photos, its missed days, its actions, its variance, its reports. Every such endpoint, tried on the site they
are assigned to (A1) and on one they are not (B1)."""

from __future__ import annotations

import datetime as dt

import pytest

from consistency.models import CorrectiveAction, Evidence
from tests.conftest import client_for
from tests.consistency.checks_support import check_body, local_today, submit
from tests.consistency.evidence_factories import multipart, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_data(network, standard, local_storage):
    """A check of A1 with a critical failure (an open action) and a photo, and a check of B1."""
    manager = client_for(network.manager_a)
    check = submit(manager, "A1", check_body(network.a1, values={"phone_greeting": False})).json()
    upload = manager.post(f"/api/v1/checks/{check['id']}/evidence/", multipart(photo(seed=41), criterion="restroom_clean"),
                          format="multipart")
    assert upload.status_code == 201, upload.json()
    other = submit(client_for(network.manager_b), "B1", check_body(network.b1)).json()
    return {"check": check["id"], "other": other["id"], "action": CorrectiveAction.objects.get().pk,
            "photo": str(Evidence.objects.get().public_id)}


def test_the_shopper_sees_the_sites_they_visit_listed_and_no_other(network, standard):
    shopper = client_for(network.shopper)
    assert [s["code"] for s in shopper.get("/api/v1/sites/").json()["results"]] == ["A1"]
    me = shopper.get("/api/v1/me/").json()
    assert (me["role"], me["sites"], me["writable_sites"]) == ("mystery_shopper", ["A1"], [])
    assert shopper.get("/api/v1/sites/A1/").json()["name"] == network.a1.name
    assert shopper.get("/api/v1/sites/A2/").status_code == 404
    assert shopper.get("/api/v1/sites/B1/").status_code == 404
    assert [s["code"] for s in shopper.get("/api/v1/sites/?region=region-a").json()["results"]] == ["A1"]
    assert shopper.get("/api/v1/sites/?region=region-b").status_code == 400
    # What the audit form needs: the standard in force.
    assert shopper.get("/api/v1/standard/current/").status_code == 200


@pytest.mark.parametrize("persona, codes", [
    ("manager_a", ["A1"]), ("head_office", ["A1", "A2", "B1"]), ("auditor", ["A1", "A2"]), ("auditor_b1", ["B1"]),
    ("accountant", ["A1", "A2"]),
])
def test_the_others_see_the_sites_they_read(network, persona, codes):
    client = client_for(getattr(network, persona))
    assert [s["code"] for s in client.get("/api/v1/sites/").json()["results"]] == codes
    assert client.get("/api/v1/me/").json()["sites"] == codes


def _period(network) -> str:
    today = local_today(network.a1)
    return f"from={today - dt.timedelta(days=3)}&to={today}"


@pytest.mark.parametrize("code", ["A1", "B1"])
def test_no_endpoint_of_a_sites_own_data_answers_the_shopper(network, site_data, code):
    shopper = client_for(network.shopper)
    check = site_data["check"] if code == "A1" else site_data["other"]
    period = _period(network)
    reads = [
        f"/api/v1/sites/{code}/checks/", f"/api/v1/checks/{check}/", f"/api/v1/checks/{check}/evidence/",
        f"/api/v1/sites/{code}/missed/?{period}", f"/api/v1/sites/{code}/actions/?status=all",
        f"/api/v1/sites/{code}/variance/?{period}",
    ]
    for url in reads:
        response = shopper.get(url)
        assert response.status_code == 404, (url, response.status_code)
    writes = [
        (f"/api/v1/sites/{code}/checks/", check_body(getattr(network, code.lower()))),
        (f"/api/v1/checks/{check}/evidence/", {"criterion": "restroom_clean", "content_type": "image/jpeg",
                                               "size": 10, "sha256": "a" * 64}),
        (f"/api/v1/actions/{site_data['action']}/resolve/", {"note": "fixed"}),
        ("/api/v1/reports/", {"kind": "compliance_pack", "from": str(local_today(network.a1)),
                              "to": str(local_today(network.a1)), "sites": [code]}),
        ("/api/v1/reports/", {"kind": "variance", "from": str(local_today(network.a1)),
                              "to": str(local_today(network.a1))}),
    ]
    for url, body in writes:
        response = shopper.post(url, body, format="json")
        assert response.status_code in (400, 403, 404), (url, response.status_code, response.json())
        assert response.status_code != 400 or response.json()["field"] in ("sites", "region"), response.json()
    assert shopper.get(f"/api/v1/evidence/{site_data['photo']}/").status_code == 404
    assert shopper.post(f"/api/v1/evidence/{site_data['photo']}/confirm/").status_code == 404


@pytest.mark.parametrize("path", [
    "/api/v1/missed/?{period}", "/api/v1/actions/?status=all", "/api/v1/reports/",
    "/api/v1/variance/?{period}", "/api/v1/audits/",
])
def test_the_network_wide_lists_show_the_shopper_no_sites_data(network, site_data, path):
    shopper = client_for(network.shopper)
    url = path.format(period=_period(network))
    response = shopper.get(url)
    assert response.status_code in (200, 403, 404), (url, response.status_code)
    if response.status_code == 200:
        body = response.json()
        rows = body.get("results", body.get("sites", body)) if isinstance(body, dict) else body
        assert not rows, (url, body)
        assert "A1" not in str(body) and "B1" not in str(body), (url, body)


def test_the_sites_own_data_still_answers_its_readers(network, site_data):
    """The other side of the same rule: what the shopper is refused, the site's manager reads."""
    manager = client_for(network.manager_a)
    for url in ["/api/v1/sites/A1/checks/", f"/api/v1/checks/{site_data['check']}/",
                f"/api/v1/checks/{site_data['check']}/evidence/", "/api/v1/sites/A1/actions/",
                f"/api/v1/sites/A1/missed/?{_period(network)}", f"/api/v1/sites/A1/variance/?{_period(network)}"]:
        assert manager.get(url).status_code == 200, url


@pytest.mark.parametrize("url", ["/app/", "/app/sites/A1/", "/app/sites/B1/", "/app/today/", "/app/reports/"])
def test_no_page_of_site_data_shows_the_shopper_a_site(network, site_data, client, url):
    client.force_login(network.shopper)
    response = client.get(url)
    assert response.status_code in (200, 302, 403, 404), response.status_code
    if response.status_code == 200:
        page = response.content.decode()
        assert network.a1.name not in page and network.b1.name not in page, url
