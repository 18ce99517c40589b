"""An address that leads nowhere: the API answers with its JSON error, the pages with a page."""

import pytest
from rest_framework.test import APIClient

from consistency.models import StandardVersion
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


WRITES = ["post", "put", "patch", "delete", "options"]


def browser_of(user) -> APIClient:
    """A browser signed in with a session, whose writes Django and DRF check for the CSRF token."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def app_of(user) -> APIClient:
    """A phone: a token, no cookies; CSRF checks enforced as a real server does (the test client skips them)."""
    client = client_for(user)
    client.handler.enforce_csrf_checks = True
    return client


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json", response.content[:300]
    body = response.json()
    assert body["code"] == code and body["errors"][0]["code"] == code and body["message"], body
    return body


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/", "/api/v1/sites/A%001/", "/api/v1/new%0Aline/"])
def test_a_write_to_an_api_address_that_leads_nowhere_is_a_json_404_for_apps_and_browsers(network, method, path):
    # A POST without a CSRF cookie was Django's HTML 403 "CSRF verification failed" page: the catch-all view was
    # the only view under /api/ that Django's CSRF check guarded.
    for client in (app_of(network.manager_a), browser_of(network.manager_a), APIClient(enforce_csrf_checks=True)):
        response = getattr(client, method)(path, {"x": 1}, format="json")
        assert "/api/docs/" in assert_json_error(response, 404, "not_found")["message"]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", WRITES)
def test_a_write_to_an_api_address_without_its_slash_names_the_address_to_send_it_to(network, settings, method, debug):
    # APPEND_SLASH answered a write with a redirect that loses its body (and, under DEBUG, with a RuntimeError
    # page: a 500 in HTML).
    settings.DEBUG = debug
    client = app_of(network.head_office)
    client.raise_request_exception = False
    response = getattr(client, method)("/api/v1/standard/versions", {}, format="json")
    body = assert_json_error(response, 404, "not_found")
    assert f"send this {method.upper()} to /api/v1/standard/versions/" in body["message"]
    assert not StandardVersion.objects.exists()


def test_a_read_of_an_api_address_without_its_slash_is_redirected_to_it(network, standard):
    response = client_for(network.manager_a).get("/api/v1/standard/current?date=2026-02-01")
    assert response.status_code == 301 and response["Location"] == "/api/v1/standard/current/?date=2026-02-01"


def test_a_browsers_session_write_without_its_csrf_token_is_a_json_403_that_names_csrf(network, standard):
    client = browser_of(network.head_office)
    body = assert_json_error(client.post("/api/v1/standard/versions/", {}, format="json"), 403, "csrf_failed")
    assert body["message"].startswith("CSRF Failed: ") and "X-CSRFToken" in body["message"]
    assert not StandardVersion.objects.filter(number=2).exists()
    # With the token from its cookie, the same write goes through.
    client.get("/accounts/login/")  # a page that sets the cookie
    token = client.cookies["csrftoken"].value
    assert client.post("/api/v1/standard/versions/", {}, format="json", HTTP_X_CSRFTOKEN=token).status_code == 201


def test_a_method_an_api_address_does_not_take_is_a_json_405(network):
    response = app_of(network.head_office).delete("/api/v1/sites/")
    assert_json_error(response, 405, "method_not_allowed")


def test_django_checks_no_view_under_api_for_csrf_itself():
    # Django's CSRF failure is its HTML 403 page. DRF's views are exempt from it (DRF checks a session's writes
    # itself and answers in JSON): so must be any other view under /api/.
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.callback

    api = [(route, view) for route, view in walk(get_resolver().url_patterns) if "api" in route.split("/")[0]]
    assert len(api) > 20
    assert [route for route, view in api if not getattr(view, "csrf_exempt", False)] == []


def test_a_host_the_server_does_not_answer_for_is_a_json_400_under_api_and_a_page_elsewhere(network):
    client = client_for(network.manager_a)
    client.raise_request_exception = False
    assert_json_error(client.get("/api/v1/sites/", HTTP_HOST="elsewhere.example"), 400, "bad_request")
    page = client.get("/", HTTP_HOST="elsewhere.example")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_an_error_no_view_caught_is_a_json_500_under_api_and_a_page_elsewhere(network, standard, monkeypatch):
    from backend import views
    from consistency.api import standard_views

    def fail(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(standard_views.selectors, "version_current", fail)
    client = client_for(network.manager_a)
    client.raise_request_exception = False
    body = assert_json_error(client.get("/api/v1/standard/current/"), 500, "server_error")
    assert "a bug" not in body["message"]
    monkeypatch.setattr(views, "render", fail)
    page = client.get("/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_a_pages_session_write_without_its_csrf_token_keeps_djangos_page(network):
    # Outside /api/ a browser gets pages: the login form's CSRF failure stays Django's HTML 403.
    response = browser_of(network.manager_a).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")


def test_a_format_the_api_does_not_answer_in_is_a_400_naming_it_not_a_404(network, standard):
    # DRF answered ?format=xml with 404 "Not found.", as if the address did not exist.
    client = client_for(network.manager_a)
    body = assert_json_error(client.get("/api/v1/standard/current/?format=xml"), 400, "invalid")
    assert body["field"] == "format" and body["message"] == (
        "format: 'xml' is not a format this address answers in; use json or api, or leave it out.")
    assert client.get("/api/v1/standard/current/?format=json").status_code == 200
    # A real 404 of the same view stays one.
    assert_json_error(client.get("/api/v1/standard/current/?format=json&date=2020-01-01"), 404, "not_found")
