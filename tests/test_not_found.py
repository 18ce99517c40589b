"""An address that leads nowhere: the API answers with its JSON error, the pages with a page."""

import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["sites/A%001/", "sites/A%001/checks/", "sites/A%001/missed/",
                                  "sites/A%001/actions/", "sites/A%001/variance/", "sites/A1%20/checks/",
                                  "no-such-thing/"])
def test_an_api_address_that_leads_nowhere_is_a_json_404(network, path):
    # A site code is a slug in every URL: one no site can have (a NUL byte, which PostgreSQL refused in the
    # query: a 500 before; a space) is no address at all.
    client = client_for(network.manager_a)
    for response in (client.get(f"/api/v1/{path}"), client.post(f"/api/v1/{path}", {}, format="json")):
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == "not_found" and "/api/docs/" in body["message"]


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/evidence/not-a-uuid/", "/api/v1/nope"])
def test_under_debug_too_an_api_address_that_leads_nowhere_is_a_json_404(network, settings, path):
    # ``make run`` serves with DEBUG on, where Django answers a 404 with its HTML debug page.
    settings.DEBUG = True
    response = client_for(network.manager_a).get(path, follow=True)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_a_page_address_that_leads_nowhere_is_a_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/sites/", "/api/v1/actions/", "/api/v1/missed/?from=2026-11-01&to=2026-11-02"])
@pytest.mark.parametrize("region", ["a%00b", "a b"])
def test_a_region_filter_that_no_region_code_could_match_is_a_400(network, path, region):
    # A NUL byte in it went to PostgreSQL, which refused it: a 500.
    sep = "&" if "?" in path else "?"
    response = client_for(network.head_office).get(f"{path}{sep}region={region}")
    assert response.status_code == 400 and response.json()["field"] == "region"


@pytest.mark.parametrize("path", ["/api/v1/sites/", "/api/v1/actions/", "/api/v1/missed/?from=2026-11-01&to=2026-11-02"])
def test_a_region_one_cannot_see_is_a_400_like_an_unknown_one(network, path):
    # A mistyped region answered an empty list, as if the region had nothing to show; the variance and the
    # report orders already answered 400. For a manager, a region of others' sites answers the same, so that
    # region codes cannot be probed.
    sep = "&" if "?" in path else "?"
    for user, region in ((network.head_office, "zz"), (network.manager_a, "zz"), (network.manager_a, "region-b")):
        response = client_for(user).get(f"{path}{sep}region={region}")
        assert response.status_code == 400, (user, region)
        assert response.json() == {"code": "invalid", "field": "region", "errors": [
            {"code": "invalid", "field": "region", "message": f"No region {region!r} among the sites you can see."}],
            "message": f"No region {region!r} among the sites you can see."}
    assert client_for(network.manager_a).get(f"{path}{sep}region=region-a").status_code == 200
