"""Where each person lands, and what a page answers outside their scope (Django's test client; no browser)."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_stranger_is_sent_to_the_login_page(network):
    for path in ("/app/", "/app/sites/A1/", "/app/standard/", "/app/reports/", "/app/today/"):
        answer = Client().get(path)
        assert answer.status_code == 302 and answer["Location"].startswith(f"/accounts/login/?next={path}"), path


def test_the_landing_page_sends_each_role_to_its_page(network):
    assert signed_in(network.head_office).get("/")["Location"] == "/app/"
    assert signed_in(network.auditor).get("/")["Location"] == "/app/"
    assert signed_in(network.manager_a).get("/")["Location"] == "/app/today/"
    nobody = UserFactory(username="no.role")
    answer = signed_in(nobody).get("/")
    assert answer.status_code == 200  # the landing page: nowhere to send them yet


def test_a_manager_opening_the_network_lands_on_their_site(network):
    assert signed_in(network.manager_a).get("/app/")["Location"] == "/app/sites/A1/"


def test_a_site_outside_ones_scope_is_a_404_page(network):
    for user, code in ((network.manager_a, "A2"), (network.manager_a, "B1"), (network.auditor, "B1"),
                       (network.auditor_b1, "A1")):
        answer = signed_in(user).get(f"/app/sites/{code}/")
        assert answer.status_code == 404, (user.username, code)
        assert b"<title>Not found" in answer.content and code.encode() in answer.content
    for user, code in ((network.manager_a, "A1"), (network.auditor, "A2"), (network.auditor_b1, "B1"),
                       (network.head_office, "B1")):
        assert signed_in(user).get(f"/app/sites/{code}/").status_code == 200, (user.username, code)


def test_todays_checklist_is_a_managers_page(network):
    for user in (network.head_office, network.auditor):
        assert signed_in(user).get("/app/today/").status_code == 403


def test_a_stranger_polling_with_htmx_is_sent_to_the_login_page_as_a_whole_page(network):
    # A plain redirect would put the login form inside the polled card.
    answer = Client().get("/app/reports/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/app/reports/?run=1")
    assert answer.status_code == 204
    assert answer["HX-Redirect"] == "/accounts/login/?next=%2Fapp%2Freports%2F%3Frun%3D1"


def test_a_page_opened_without_a_period_shows_the_default_it_uses(network):
    from pages.period import DEFAULT_PRESET

    for path in ("/app/", "/app/sites/A1/"):
        html = signed_in(network.head_office).get(path).content.decode()
        assert f'<option value="{DEFAULT_PRESET}" selected>' in html, path


def test_a_site_outside_ones_scope_is_the_404_page_under_debug_too(network, settings):
    # make run serves with DEBUG on, where Django answers a raised Http404 with its technical page.
    settings.DEBUG = True
    answer = signed_in(network.manager_a).get("/app/sites/A2/")
    assert answer.status_code == 404 and b"<title>Not found" in answer.content
    assert b"URLconf" not in answer.content
