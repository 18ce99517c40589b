"""The deployment tests' parts: the real worker of tests/worker.py on the notification tests' settings (the test's
queue is the worker's default queue, so what a task queues is taken too), free ports."""

from __future__ import annotations

import pytest

from ..servers import free_port  # noqa: F401  (this folder's tests import it from here)
from ..worker import report_queue  # noqa: F401  (fixture)
from ..worker import start_worker as _start_worker  # noqa: F401  (fixture, used by start_worker below)


@pytest.fixture
def start_worker(_start_worker, report_queue):  # noqa: F811
    def start(name: str = "w1", **env):
        return _start_worker(name, DJANGO_SETTINGS_MODULE="tests.notify.worker_settings",
                             TEST_CELERY_QUEUE=report_queue, **env)

    return start


