"""What 'done' means for a newcomer, in a real browser (Debian's Chromium driven by Playwright):
open the API docs, log in as the demo manager of one site, fetch the standard and their site, and be
refused the site next door."""

import pytest

from .browser import browser_available

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]


@pytest.fixture
def browser_page(browser):
    return browser.new_page()


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


def test_newcomer_uses_the_api_docs_as_a_manager(demo_franchise, live_server, browser_page):
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


def test_a_visitor_follows_the_landing_pages_link_to_their_sites_through_the_login(demo_franchise, live_server, browser_page):
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
