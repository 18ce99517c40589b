"""Settings for the workers the notification tests start: the report tests' worker settings, plus the test's own
queue as the worker's default queue. A worker that queues work itself (a webhook's retry, a notice's) must queue
it where it consumes (``-Q``): on Celery's default queue no worker of the test would ever take it."""

from tests.reports.worker_settings import *  # noqa: F403
from tests.reports.worker_settings import env

CELERY_TASK_DEFAULT_QUEUE = env.str("TEST_CELERY_QUEUE")
