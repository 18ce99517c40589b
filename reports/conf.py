"""Report-run limits, read from Django settings once (the settings module reads the environment).

The time limits must stay below the broker's visibility timeout: otherwise Redis would hand a render
that is still running to a second worker. A ``running`` claim older than the hard limit cannot belong
to a live render (Celery has killed it by then), so it is taken over as stale.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TIME_LIMIT: int = int(getattr(settings, "REPORT_TIME_LIMIT", 900))  # hard, seconds
SOFT_TIME_LIMIT: int = int(getattr(settings, "REPORT_SOFT_TIME_LIMIT", max(1, TIME_LIMIT - max(1, TIME_LIMIT // 10))))
# A claim older than this is stale: the hard limit plus a margin for the worker to be reaped.
STALE_AFTER: int = int(getattr(settings, "REPORT_STALE_AFTER", TIME_LIMIT + 30))
MAX_ATTEMPTS: int = int(getattr(settings, "REPORT_MAX_ATTEMPTS", 3))
# Longest period a report may cover.
MAX_PERIOD_DAYS: int = int(getattr(settings, "REPORT_MAX_PERIOD_DAYS", 366))
# Largest PDF the verify endpoint accepts.
MAX_VERIFY_BYTES: int = int(getattr(settings, "REPORT_MAX_VERIFY_BYTES", 200 * 1024 * 1024))
# Test-only: seconds a render pauses after its claim, so a test can kill the worker mid-render.
TEST_RENDER_PAUSE: float = float(getattr(settings, "REPORT_TEST_RENDER_PAUSE", 0))
# Threads that fetch evidence thumbnails from storage while a compliance pack is rendered.
THUMBNAIL_FETCH_THREADS: int = int(getattr(settings, "REPORT_THUMBNAIL_FETCH_THREADS", 8))

_visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}).get("visibility_timeout")
if _visibility is not None and TIME_LIMIT >= int(_visibility):
    raise ImproperlyConfigured(
        f"REPORT_TIME_LIMIT ({TIME_LIMIT}s) must be below the broker visibility timeout ({_visibility}s), "
        "or a running render would be redelivered to a second worker.")
if SOFT_TIME_LIMIT >= TIME_LIMIT:
    raise ImproperlyConfigured("REPORT_SOFT_TIME_LIMIT must be below REPORT_TIME_LIMIT.")
