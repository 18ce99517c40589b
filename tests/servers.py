"""The one way a test starts and stops a server process of the project's: gunicorn (``backend.wsgi``) or a Celery
worker, as production runs them, in a process of its own.

- Started in a session of its own (``start_new_session``): stopping it stops the whole process group (gunicorn's
  arbiter and workers, Celery's main process and its pool), so nothing outlives the test.
- Its output goes to a log file (``.log``) that the test may read; a server that exits before it is ready, or is
  not ready in time, fails the test with the log's last lines rather than a bare timeout.
- Ready means it answers: gunicorn an HTTP request to ``/health/live`` (answered whatever the database, the Host
  or the settings), a Celery worker its " ready." line.

``test_database_url()`` is the run's DATABASE_URL naming pytest-django's test database: a process started on it
reads what a ``transactional_db`` test committed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from backend.stack import free_port

__all__ = ["CeleryWorker", "Gunicorn", "ServerProcess", "ServerFailed", "free_port", "on_test_database", "test_database_url"]

ROOT = Path(__file__).resolve().parents[1]


class ServerFailed(RuntimeError):
    """A server process exited before it was ready, or was not ready in time; the message ends with its log."""


def test_database_url() -> str:
    """The run's DATABASE_URL naming pytest-django's test database instead: same server, user and socket or port
    (the embedded PostgreSQL's socket rides in the URL's query), whichever the run is on."""
    from django.conf import settings
    from django.db import connection

    return urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}").geturl()


test_database_url.__test__ = False  # a helper, not a test (its name starts with "test")


def on_test_database(**extra) -> dict:
    """The environment of a web process on the test database with the test settings, and ``extra``."""
    return {"DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "backend.settings.test", **extra}


class ServerProcess:
    """``argv`` started now in a session of its own, with ``os.environ`` and ``env`` (values made strings), its
    output in ``log``. ``wait_ready()`` waits until ``ready()`` says so; ``stop()`` ends it gracefully, ``kill()``
    at once. Subclasses say what ready is."""

    what = "server"

    def __init__(self, argv: list[str], *, log: Path, env: dict | None = None, pass_fds: Iterable[int] = ()):
        self.log = Path(log)
        self._out = self.log.open("wb")
        full = {**os.environ, **{name: str(value) for name, value in (env or {}).items()}}
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=full, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True, pass_fds=tuple(pass_fds))

    # -- readiness --------------------------------------------------------------------------------------------

    def ready(self) -> bool:
        raise NotImplementedError

    def wait_ready(self, timeout: float = 60):
        """Return this server once it is ready; if it exits first or is still not ready after ``timeout`` seconds,
        stop it and raise ServerFailed with the tail of its log."""
        deadline = time.monotonic() + timeout
        while True:
            if self.exited():
                self.stop()
                raise ServerFailed(f"{self.what} exited ({self.proc.returncode}) before it was ready; "
                                   f"{self.log}:\n{self.tail()}")
            if self.ready():
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise ServerFailed(f"{self.what} not ready after {timeout} s; {self.log}:\n{self.tail()}")
            time.sleep(0.2)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    # -- stopping ---------------------------------------------------------------------------------------------

    def exited(self) -> bool:
        """The group's leader has exited. Not reaped here (WNOWAIT): while it stays a zombie its process group id
        cannot be taken by another process, so ``stop()`` can still signal what is left of the group."""
        if self.proc.returncode is not None:
            return True
        return os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def _signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            pass

    def _wait_exit(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.exited():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self, grace: float = 20) -> None:
        """SIGTERM to the whole group (a warm shutdown); SIGKILL to the group after ``grace`` seconds, and to
        whatever of it the leader left behind; then reap the leader. Safe to call twice."""
        if self.proc.returncode is None:
            if not self.exited():
                self._signal_group(signal.SIGTERM)
                self._wait_exit(grace)
            self._signal_group(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._out.close()

    def kill(self) -> None:
        """SIGKILL the whole group at once: nothing gets to clean up, finish its task or acknowledge it."""
        if self.proc.returncode is None:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._out.close()


class Gunicorn(ServerProcess):
    """``gunicorn <app> [options]`` (sync workers unless the options say otherwise) on 127.0.0.1:``port``.

    ``bind``: ``"port"`` binds ``--bind 127.0.0.1:<port>`` (a free port unless given); ``"handover"`` binds the
    socket here and hands it over (``--bind fd://N``: no moment in which another process can take the port);
    ``"config"`` leaves the binding to the options (``--config infra/gunicorn.conf.py`` reads PORT from ``env``).
    """

    what = "gunicorn"

    def __init__(self, log: Path, *options: str, env: dict | None = None, app: str = "backend.wsgi:application",
                 bind: str = "port", port: int | None = None):
        self.sock = None
        pass_fds: tuple[int, ...] = ()
        if bind == "handover":
            self.sock = socket.socket()
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(64)
            self.sock.set_inheritable(True)
            self.port = self.sock.getsockname()[1]
            options = ("--bind", f"fd://{self.sock.fileno()}", *options)
            pass_fds = (self.sock.fileno(),)
        elif bind == "port":
            self.port = port or free_port()
            options = ("--bind", f"127.0.0.1:{self.port}", *options)
        elif bind == "config":
            if port is None:
                raise ValueError("bind='config' needs the port the configuration binds")
            self.port = port
        else:
            raise ValueError(f"bind is 'port', 'handover' or 'config', not {bind!r}")
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__([sys.executable, "-m", "gunicorn", app, *options], log=log, env=env, pass_fds=pass_fds)

    def ready(self) -> bool:
        try:
            urllib.request.urlopen(self.url + "/health/live", timeout=5).close()
        except urllib.error.HTTPError:
            return True  # an answer, whatever it says: the server is up
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False
        return True

    def stop(self, grace: float = 20) -> None:
        super().stop(grace)
        if self.sock is not None:
            self.sock.close()

    def kill(self) -> None:
        super().kill()
        if self.sock is not None:
            self.sock.close()


class CeleryWorker(ServerProcess):
    """``celery -A backend worker --pool prefork -c 1`` taking ``queue`` under the node name ``name``, without
    gossip, mingle or heartbeat (a test's worker talks to no other)."""

    what = "Celery worker"

    def __init__(self, log: Path, *, queue: str, name: str, env: dict | None = None):
        super().__init__(
            [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool", "prefork", "-c", "1", "-Q", queue,
             "-n", name, "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            log=log, env=env)

    def ready(self) -> bool:
        return " ready." in self.log.read_text(errors="replace")
