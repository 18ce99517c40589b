"""What 'done' means for a newcomer, in a real browser (Debian's Chromium driven by Playwright):
open the API docs, log in as the demo manager of one site, fetch the standard and their site, and be
refused the site next door."""

import os
import shutil

import pytest

from consistency.demo import seed_standard
from sites.demo import seed_network

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM) and os.environ.get("CI") != "true",
                       reason="Debian's chromium is not installed"),
]


@pytest.fixture
def demo():
    """The demo network and standard (seed_demo without the history, which this path does not need). Seeded
    before the browser starts: inside Playwright's event loop the ORM would open a connection of its own
    (Django's connections are per context there), which nothing closes."""
    seed_network(password="demo")
    seed_standard()


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures are
    # finished before it starts, and the live server answers from its own thread.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        page = browser.new_page()
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def try_operation(page, operation_id: str, params: dict | None = None) -> int:
    block = page.locator(f"#operations-{operation_id.split('_')[0]}-{operation_id}")
    block.locator(".opblock-summary").first.click()
    block.get_by_role("button", name="Try it out").click()
    for name, value in (params or {}).items():
        block.locator(f'tr[data-param-name="{name}"] input').fill(value)
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=15000)
    return int(status.inner_text().strip().split()[0])


def test_newcomer_uses_the_api_docs_as_a_manager(demo, live_server, browser_page):
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/?next=/api/docs/")
    page.fill("input[name=username]", "manager.akl-01")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/api/docs/")
    page.locator("#operations-standard-standard_current_retrieve").wait_for(timeout=15000)

    assert try_operation(page, "standard_current_retrieve") == 200
    assert "restroom_cleanliness" in page.locator("#operations-standard-standard_current_retrieve").inner_text()
    assert try_operation(page, "sites_retrieve", {"code": "AKL-01"}) == 200
    page.locator("#operations-sites-sites_retrieve").get_by_role("button", name="Clear").click()
    assert try_operation_again(page, "sites_retrieve", {"code": "AKL-02"}) == 404


def test_a_visitor_follows_the_landing_pages_link_to_their_sites_through_the_login(demo, live_server, browser_page):
    # The link led a visitor who had not logged in to the API's 401, with no way to log in from there.
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Your sites").click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", "manager.akl-01")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/api/v1/sites/")
    text = page.locator("body").inner_text()
    assert "AKL-01" in text and "AKL-02" not in text


def try_operation_again(page, operation_id: str, params: dict) -> int:
    """Run an already-opened operation again with other parameters."""
    block = page.locator(f"#operations-{operation_id.split('_')[0]}-{operation_id}")
    for name, value in params.items():
        block.locator(f'tr[data-param-name="{name}"] input').fill(value)
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=15000)
    return int(status.inner_text().strip().split()[0])
