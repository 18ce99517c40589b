"""Handing notices and webhook deliveries to the workers: the one place that queues a send.

Tasks are sent by name (as reports/dispatch.py does), so the services that publish never import the tasks.
If the broker is unreachable the rows stay pending and the sweep (``notify.requeue_unsent``,
backend/schedules.py) queues them again; the claim in the task keeps a notice from being sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from backend.celery import app

log = logging.getLogger(__name__)

SEND_TASK = "notify.send_notices"
DELIVER_TASK = "notify.deliver_webhook"
DIGEST_TASK = "notify.send_digest"
CHUNK = 100


def enqueue_notices(notice_ids: Sequence[int], *, countdown: float | None = None) -> None:
    """``countdown``: seconds to wait first (a retry's backoff)."""
    try:
        for start in range(0, len(notice_ids), CHUNK):
            app.send_task(SEND_TASK, args=[list(notice_ids[start:start + CHUNK])], countdown=countdown)
    except Exception:  # noqa: BLE001 - any broker failure: the sweep retries
        log.exception("could not queue %d notices; the sweep will retry", len(notice_ids))


def enqueue_deliveries(delivery_ids: Sequence[int], *, countdown: float | None = None) -> None:
    try:
        for delivery_id in delivery_ids:
            app.send_task(DELIVER_TASK, args=[delivery_id], countdown=countdown)
    except Exception:  # noqa: BLE001
        log.exception("could not queue %d webhook deliveries; the sweep will retry", len(delivery_ids))


def enqueue_digests(digests: Sequence[tuple[int, dt.datetime]], *, countdown: float | None = None) -> None:
    """One task per person's digest: (recipient id, the claim's token time)."""
    try:
        for recipient_id, token in digests:
            app.send_task(DIGEST_TASK, args=[recipient_id, token.isoformat()], countdown=countdown)
    except Exception:  # noqa: BLE001
        log.exception("could not queue %d digests; the sweep will retry", len(digests))
