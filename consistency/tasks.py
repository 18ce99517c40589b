"""Periodic housekeeping for daily checks (thin tasks over services; scheduled in backend/schedules.py)."""

from celery import shared_task

from .services.evidence import retakes, settle_unconfirmed
from .services.idempotency import idempotency_purge


@shared_task(name="consistency.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Key records past their retention (never sooner than 24 hours)."""
    return idempotency_purge()


@shared_task(name="consistency.settle_unconfirmed_photos")
def settle_unconfirmed_photos() -> dict:
    """Verify the photos that arrived but were never confirmed; refuse the requests never uploaded."""
    return settle_unconfirmed()


@shared_task(name="consistency.notify_overdue_retakes")
def notify_overdue_retakes() -> int:
    """Tell the region's contact of each retake past its deadline, once (the claim makes a second run a no-op)."""
    return retakes.notify_overdue()
