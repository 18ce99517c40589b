"""The browser tests' shared parts: Debian's Chromium driven by Playwright (no browser download), the demo
franchise it signs in to, and the server it reads from.

Order matters: fixtures that write to the database (the demo franchise, people) must be requested before
``browser``: inside Playwright's event loop the ORM would open a connection of its own that nothing closes.

Most browser tests use pytest-django's ``live_server``, which makes them transactional: the database is
emptied after each test, so each builds what it shows. A module whose tests only read (they sign in and look)
can build its data once instead: its module-scoped fixture writes under ``read_only_server`` (a live server of
the module's own; the database is emptied once, after the module), and its tests ask for ``app_server``
overridden to that server, and for no database fixture of pytest-django's.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.core.management import call_command

from consistency.demo import seed_standard
from sites.demo import seed_network

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "demo"

browser_available = pytest.mark.skipif(not shutil.which(CHROMIUM) and os.environ.get("CI") != "true",
                                       reason="Debian's chromium is not installed")


def seed_demo_franchise() -> dict:
    """The demo network (28 sites in 4 regions; head.office, auditor, manager.<code>; password "demo") and its
    published standard, without history. Tests add the history they need (consistency.demo_history)."""
    return {"network": seed_network(password=DEMO_PASSWORD), "version": seed_standard()}


@pytest.fixture
def demo_franchise(transactional_db):
    return seed_demo_franchise()


@pytest.fixture
def app_server(live_server):
    """The server the browser opens (``open_as``): pytest-django's live server, unless a module overrides it."""
    return live_server


@pytest.fixture(scope="module")
def read_only_server(django_db_setup, django_db_blocker):
    """For a module whose tests only read: the database open to the module (what its module-scoped fixtures
    write is committed at once, and read by the server's thread), a live server of the module's own, and at
    the end the database emptied as a transactional test empties it, for the tests that come next."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()  # ALLOWED_HOSTS, as pytest-django's live_server does
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", verbosity=0, interactive=False)


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
