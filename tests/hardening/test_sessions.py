"""A page session idle longer than SESSION_IDLE_MINUTES is ended (backend.middleware.IdleSessionTimeout): the
next page goes to the login page saying why, and back once signed in; activity keeps it; API tokens are
unaffected; an API call with an ended session is answered as one without sign-in."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from django.contrib.auth import get_user_model

from backend.middleware import IdleSessionTimeout
from sites import tokens
from tests.browser import browser_available
from tests.conftest import client_for
from tests.pages import conftest as pages
from tests.pages.conftest import screenshot

KEY = IdleSessionTimeout.KEY
open_as = pages.open_as  # the pages' fixture: signed in through the login page


def _idle_for(client, seconds: float) -> None:
    session = client.session
    session[KEY] = time.time() - seconds
    session.save()


@pytest.mark.django_db
def test_an_idle_session_goes_to_the_login_page_and_back(network, standard, client, settings):
    settings.SESSION_IDLE_MINUTES = 30
    client.force_login(network.head_office)
    assert client.get("/app/standard/").status_code == 200  # the first request starts the clock
    _idle_for(client, 29 * 60)
    assert client.get("/app/standard/").status_code == 200  # within the period: still signed in, clock restarted
    assert client.session[KEY] > time.time() - 5
    _idle_for(client, 31 * 60)
    response = client.get("/app/standard/?tab=diff")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/app/standard/%3Ftab%3Ddiff"
    login = client.get(response["Location"])
    assert "signed out after 30 minutes without activity" in login.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/app/standard/").status_code == 302  # signed out for good, not only redirected once


@pytest.mark.django_db
def test_an_idle_htmx_request_is_sent_to_the_login_page_whole(network, client, settings):
    client.force_login(network.head_office)
    client.get("/app/")
    _idle_for(client, settings.SESSION_IDLE_MINUTES * 60 + 1)
    response = client.get("/app/sites/A1/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/accounts/login/?next=/app/sites/A1/")


@pytest.mark.django_db
def test_the_api_with_an_ended_session_is_unauthenticated_and_tokens_are_not_touched(network, client, settings):
    client.force_login(network.manager_a)
    assert client.get("/api/v1/me/").status_code == 200
    _idle_for(client, settings.SESSION_IDLE_MINUTES * 60 + 1)
    refused = client.get("/api/v1/me/")
    assert refused.status_code in (401, 403) and refused["Content-Type"] == "application/json"
    # A phone's token has no session: however long since its last request, it is answered.
    assert client_for(network.manager_a).get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
def test_a_zero_period_never_ends_a_session(network, standard, client, settings):
    settings.SESSION_IDLE_MINUTES = 0
    client.force_login(network.head_office)
    client.get("/app/")
    _idle_for(client, 10 * 24 * 3600)
    assert client.get("/app/standard/").status_code == 200


@pytest.mark.django_db(transaction=True)
@browser_available
def test_in_the_browser_activity_keeps_the_session_and_a_pause_ends_it(demo_franchise, settings, open_as,
                                                                       live_server):
    settings.SESSION_IDLE_MINUTES = 0.1  # six seconds
    token = tokens.token_issue(user=get_user_model().objects.get(username="manager.akl-01"), device_name="phone")[1]
    page = open_as("head.office", "/app/sites/AKL-01/")
    assert page.url.endswith("/app/sites/AKL-01/")
    for _ in range(8):  # eight seconds of activity, a request a second: longer than the period, never idle
        time.sleep(1)
        page.reload()
        assert page.url.endswith("/app/sites/AKL-01/"), page.url
    time.sleep(7)
    page.goto(f"{live_server.url}/app/standard/")
    assert "/accounts/login/?next=/app/standard/" in page.url
    assert page.get_by_text("signed out after 0.1 minutes without activity").is_visible()
    screenshot(page, "idle-session-signed-out")
    page.get_by_label("Username").fill("head.office")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/app/standard/"
    # The phone's token, unused all along, still works.
    request = urllib.request.Request(f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert json.load(answer)["username"] == "manager.akl-01"
