"""A real gunicorn server (``backend.wsgi``, as production runs it) on the test run's database, for what only the
web process does (a statement time limit) and what only real HTTP carries (a chunked body)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.worker import _database_url

ROOT = Path(__file__).resolve().parents[2]


class Gunicorn:
    def __init__(self, log: Path, **env):
        # Bound here to a free port (port 0) and handed over: no window in which another process takes the port.
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.set_inheritable(True)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        environment = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "backend.settings.test",
                       **{name: str(value) for name, value in env.items()}}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "backend.wsgi:application", "--bind", f"fd://{self.sock.fileno()}",
             "--workers", "1", "--timeout", "60"],
            cwd=ROOT, env=environment, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
            pass_fds=[self.sock.fileno()])
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log.read_text(errors='replace')}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=5).close()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after 60 s:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.sock.close()


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
    server = Gunicorn(folder / "gunicorn.log", REQUEST_STATEMENT_TIMEOUT_MS=STATEMENT_LIMIT_MS,
                      MAX_PHOTO_BYTES=PHOTO_LIMIT, TMPDIR=folder / "tmp")
    server.spool = folder / "tmp"
    yield server
    server.stop()


@pytest.fixture
def server(web_server, transactional_db):
    return web_server
