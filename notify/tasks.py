"""Celery tasks: thin. They take ids and call the services (notify/services/).

Every task is safe to run twice: each claims its rows with a conditional UPDATE before it sends, so a second
run (a redelivered message, the sweep's requeue, a retry arriving after the first succeeded) finds nothing to
do. Retries are planned by the services (they queue the task again with a countdown), not by Celery's
``retry``: the attempts are counted in the rows, where the sweep and the pages read them.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from .dispatch import DELIVER_TASK, DIGEST_TASK, SEND_TASK
from .services import delivery, sending, sweep


@shared_task(name=SEND_TASK, acks_late=True, reject_on_worker_lost=True)
def send_notices(notice_ids: list[int]) -> dict:
    outcome = sending.send_notices(notice_ids)
    return {"sent": len(outcome.sent), "skipped": len(outcome.skipped), "failed": len(outcome.failed),
            "retrying": len(outcome.retrying)}


@shared_task(name=DIGEST_TASK, acks_late=True, reject_on_worker_lost=True)
def send_digest(recipient_id: int, token: str) -> str:
    return sending.send_digest(recipient_id, dt.datetime.fromisoformat(token))


@shared_task(name="notify.gather_digests")
def gather_digests() -> int:
    return len(sending.gather_digests())


@shared_task(name=DELIVER_TASK, acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(delivery_id: int) -> str:
    return str(delivery.deliver(delivery_id))


@shared_task(name="notify.requeue_unsent")
def requeue_unsent() -> dict:
    swept = sweep.requeue_unsent()
    return {"notices": len(swept.notices), "taken_over": swept.taken_over, "digests": swept.digests,
            "deliveries": len(swept.deliveries)}
