"""Browser fixtures for the pages: Debian's Chromium driven by Playwright (no browser download), the live
server, signing in through the login page, axe-core on a page, and the screenshots kept in docs/screenshots/.

Order matters: fixtures that write to the database (the demo franchise, people) must be requested before
``browser``: inside Playwright's event loop the ORM would open a connection of its own that nothing closes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..browser import DEMO_PASSWORD
from ..worker import Worker, report_queue, start_worker, wait_for  # noqa: F401  (fixtures and helpers)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def open_as(browser, app_server):
    """``open_as(username, path, viewport=LAPTOP)``: a fresh browser context signed in through the login page
    as ``username``, on ``path``. ``username=None``: not signed in."""

    def open_as(username: str | None, path: str = "/", *, viewport: dict = LAPTOP, **context_options):
        context = browser.new_context(viewport=viewport, **context_options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        if username is not None:
            page.goto(f"{app_server.url}/accounts/login/?next={path}")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
        else:
            page.goto(f"{app_server.url}{path}")
        return page

    return open_as


def check_axe(page, *, impacts=("serious", "critical")) -> None:
    """axe-core (bundled with axe-playwright-python, no download) on the page as it is: no violation of the
    given impacts. The message lists each rule, its help and the first offending nodes."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in impacts]
    assert not bad, f"axe-core on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}: " + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                                                                  else str(n["target"]) for n in v["nodes"][:3])
        for v in bad)


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """The page as a PNG under docs/screenshots/ (shown in the README): made by the tests, so it stays true."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
