"""A real gunicorn server (``backend.wsgi``, as production runs it) on the test run's database, for what only the
web process does (a statement time limit) and what only real HTTP carries (a chunked body)."""

from __future__ import annotations

import pytest

from tests.servers import Gunicorn, on_test_database

# What the tests of the web process need of it, set in its environment: statements cut after 2 s, photos of
# 200 kB at most. The spool folder is its TMPDIR, where a body that outgrows memory would be written.
STATEMENT_LIMIT_MS = 2000
PHOTO_LIMIT = 200_000


@pytest.fixture(scope="session")
def web_server(django_db_setup, tmp_path_factory):
    """One gunicorn for the session (each xdist worker has its own), on the test database: the tests that use it
    ask for ``transactional_db`` so that what they write is committed where the server reads."""
    folder = tmp_path_factory.mktemp("gunicorn")
    (folder / "tmp").mkdir()
    # The socket is bound here and handed over (no moment in which another process could take the port).
    server = Gunicorn(folder / "gunicorn.log", "--workers", "1", "--timeout", "60", bind="handover",
                      env=on_test_database(REQUEST_STATEMENT_TIMEOUT_MS=STATEMENT_LIMIT_MS, MAX_PHOTO_BYTES=PHOTO_LIMIT,
                                           TMPDIR=folder / "tmp")).wait_ready()
    server.spool = folder / "tmp"
    yield server
    server.stop()


@pytest.fixture
def server(web_server, transactional_db):
    return web_server
