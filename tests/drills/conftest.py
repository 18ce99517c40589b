"""Fault drills (``make drills``; the suite runs the same drills at a reduced size).

``DRILLS_SIZE``: ``small`` (the default, the suite's) or ``full`` (``make drills``): how many submissions,
photos, notices and runs each drill puts through its fault. ``drill_record`` is how a drill says what it tried,
what was acknowledged, stored, lost and doubled; with ``DRILLS_REPORT_DIR`` set each record is written there as
JSON, and ``python -m tests.drills.report`` turns them into docs/drills.md.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import pytest

from ..notify.conftest import people  # noqa: F401  (fixture: the network's people with addresses)
from ..reports.conftest import history, storage_keys  # noqa: F401  (fixtures: a site's week, stored keys)
from ..worker import report_queue, wait_for  # noqa: F401  (fixtures and helpers)
from ..worker import start_worker as _start_worker  # noqa: F401  (fixture, wrapped below)

SIZE = os.environ.get("DRILLS_SIZE", "small")
if SIZE not in ("small", "full"):
    raise pytest.UsageError(f"DRILLS_SIZE is 'small' or 'full', not {SIZE!r}")


def sized(small: int, full: int) -> int:
    """The drill's count at this run's size."""
    return full if SIZE == "full" else small


def pytest_configure(config):
    config.addinivalue_line("markers", "drills: a fault drill (tests/drills/, make drills)")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.drills)


@pytest.fixture
def start_worker(_start_worker, report_queue):  # noqa: F811
    """tests/worker.py's worker with the notification tests' settings (short report limits, and what the worker
    queues itself - a retry, a notice - goes to the queue it takes)."""

    def start(name: str = "w1", **env):
        return _start_worker(name, DJANGO_SETTINGS_MODULE="tests.notify.worker_settings",
                             TEST_CELERY_QUEUE=report_queue, **env)

    return start


@contextmanager
def broker(url: str):
    """This process's Celery app producing to ``url`` (a drill's private Redis) instead of the run's broker."""
    from backend.celery import app

    def switch(to: str | None) -> str | None:
        # broker_write_url: Celery reads broker_url from the CELERY_BROKER_URL environment variable first.
        was = app.conf.get("broker_write_url")
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        # kombu keeps producer pools by connection, process-wide: forget them all, or the next send on the run's
        # broker finds the pool closed above ("Acquire on closed pool").
        kombu.pools.reset()
        app.conf.broker_write_url = to
        return was

    previous = switch(url)
    try:
        yield
    finally:
        switch(previous)


@pytest.fixture
def drill_dir():
    """A scratch folder of the drill's own for data that must outlive a kill (PostgreSQL's, Redis's): not under
    pytest's tmp_path, whose old folders another pytest run on this machine may remove (it keeps three)."""
    folder = Path(tempfile.mkdtemp(prefix="touchpoint-drill-"))
    folder.chmod(0o755)  # the embedded PostgreSQL runs as a user of its own (backend/embedded_db.py)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def drill_record(request):
    """``drill_record(drill=..., fault=..., tried=n, acknowledged=n, stored=n, lost=n, doubled=n, note=...)``:
    one row of the drills' report. The drill asserts its own outcome; this only writes it down."""

    def record(**row) -> dict:
        row = {"test": request.node.nodeid, "size": SIZE, **row}
        folder = os.environ.get("DRILLS_REPORT_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / f"{uuid.uuid4().hex}.json").write_text(json.dumps(row, default=str))
        return row

    return record
