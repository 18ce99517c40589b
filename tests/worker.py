"""A real Celery worker process for the tests about background work (reports, the pages that order them): on the
test run's broker and database, on a queue of the test session's own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from backend.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def report_queue():
    """A queue of our own, so parallel test runs on one broker never take each other's tasks."""
    name = f"touchpoint-test-{uuid.uuid4().hex[:12]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    yield name
    celery_app.conf.task_default_queue = previous


def _database_url() -> str:
    """The run's DATABASE_URL naming pytest-django's test database instead: same server, user and socket
    or port (the embedded PostgreSQL's socket rides in the URL's query), whichever the run is on."""
    return urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}").geturl()


class Worker:
    def __init__(self, proc: subprocess.Popen, log: Path):
        self.proc, self.log = proc, log

    def kill(self) -> None:
        """SIGKILL the worker and its pool child at once: nothing gets to clean up or ack."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def start_worker(transactional_db, report_queue, tmp_path):
    """Start ``python -m celery -A backend worker --pool prefork -c 1`` on the test broker, the test
    database (pytest-django's renamed one) and the test storage; wait until it is ready."""
    started: list[Worker] = []

    def start(name: str = "w1", **env) -> Worker:
        log = tmp_path / f"worker-{name}.log"
        full = {**os.environ, "DATABASE_URL": _database_url(),
                "DJANGO_SETTINGS_MODULE": "tests.reports.worker_settings",
                **{k: str(v) for k, v in env.items()}}
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool", "prefork", "-c", "1",
             "-Q", report_queue, "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=full, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        worker = Worker(proc, log)
        started.append(worker)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace")
            if " ready." in text:
                return worker
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{text}")
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after 60 s:\n{log.read_text(errors='replace')}")

    yield start
    for worker in started:
        worker.stop()


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s: {message}")
