"""The pages' frame in a real browser: signing in lands each role on its page, the login page passes axe-core."""

import pytest

from ..browser import browser_available
from .conftest import check_axe

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]


def test_signing_in_lands_each_role_on_its_page(demo_franchise, open_as, live_server):
    page = open_as(None, "/accounts/login/")
    check_axe(page)
    page = open_as("head.office", "/")
    assert page.url == f"{live_server.url}/app/"
    page = open_as("manager.akl-01", "/")
    assert page.url == f"{live_server.url}/app/today/"
    page.goto(f"{live_server.url}/app/sites/AKL-02/")
    assert page.title().startswith("Not found")
    check_axe(page)
