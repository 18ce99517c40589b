"""A real Celery worker process for the tests about background work (reports, the pages that order them): on the
test run's broker and database, on a queue of the test session's own."""

from __future__ import annotations

import time
import uuid

import pytest

from backend.celery import app as celery_app

from .servers import CeleryWorker, test_database_url

Worker = CeleryWorker  # the name the fixtures' users know it by


@pytest.fixture(scope="session")
def report_queue():
    """A queue of our own, so parallel test runs on one broker never take each other's tasks."""
    name = f"touchpoint-test-{uuid.uuid4().hex[:12]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    yield name
    celery_app.conf.task_default_queue = previous


@pytest.fixture
def start_worker(transactional_db, report_queue, tmp_path):
    """``start_worker(name="w1", **env)``: ``python -m celery -A backend worker --pool prefork -c 1`` (tests/servers.py)
    on the test broker, the test database (pytest-django's renamed one) and the test storage, on the session's
    queue; returned once it is ready, stopped (its whole process group) after the test."""
    started: list[CeleryWorker] = []

    def start(name: str = "w1", **env) -> CeleryWorker:
        worker = CeleryWorker(tmp_path / f"worker-{name}.log", queue=report_queue, name=f"{name}-{uuid.uuid4().hex[:6]}@%h",
                              env={"DATABASE_URL": test_database_url(),
                                   "DJANGO_SETTINGS_MODULE": "tests.reports.worker_settings", **env})
        started.append(worker)
        return worker.wait_ready()

    yield start
    for worker in started:
        worker.stop(grace=15)


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s: {message}")
