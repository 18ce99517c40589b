"""The browser tests' shared parts: Debian's Chromium driven by Playwright (no browser download) and the demo
franchise it signs in to.

Order matters: fixtures that write to the database (the demo franchise, people) must be requested before
``browser``: inside Playwright's event loop the ORM would open a connection of its own that nothing closes.
"""

from __future__ import annotations

import os
import shutil

import pytest

from consistency.demo import seed_standard
from sites.demo import seed_network

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "demo"

browser_available = pytest.mark.skipif(not shutil.which(CHROMIUM) and os.environ.get("CI") != "true",
                                       reason="Debian's chromium is not installed")


@pytest.fixture
def demo_franchise(transactional_db):
    """The demo network (28 sites in 4 regions; head.office, auditor, manager.<code>; password "demo") and its
    published standard, without history. Tests add the history they need (consistency.demo_history)."""
    network = seed_network(password=DEMO_PASSWORD)
    version = seed_standard()
    return {"network": network, "version": version}


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server answers from its own thread.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"])
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
