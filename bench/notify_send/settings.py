"""The bench's settings: make run's (local), with mail over SMTP to the bench's sink and the bench's own queue as
the default queue (a retry the worker queues itself lands where the worker takes work)."""

from backend.settings.local import *  # noqa: F403
from backend.settings.local import env

CELERY_TASK_DEFAULT_QUEUE = env.str("BENCH_QUEUE", default="touchpoint-bench-notify")
