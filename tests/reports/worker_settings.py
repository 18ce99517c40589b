"""Settings for the Celery worker processes the report tests start: the test settings plus short
report time limits (so a killed worker's claim goes stale in seconds) and an optional pause after the
claim (so a test can kill the worker mid-render). Values come from the test through the environment."""

from backend.settings.test import *  # noqa: F403
from backend.settings.test import env

REPORT_TIME_LIMIT = env.int("TEST_REPORT_TIME_LIMIT", default=20)
REPORT_SOFT_TIME_LIMIT = REPORT_TIME_LIMIT - 2
REPORT_STALE_AFTER = env.int("TEST_REPORT_STALE_AFTER", default=REPORT_TIME_LIMIT + 2)
REPORT_TEST_RENDER_PAUSE = env.float("TEST_REPORT_RENDER_PAUSE", default=0.0)
