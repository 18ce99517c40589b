"""The audit trail's periodic job (scheduled in backend/schedules.py)."""

from celery import shared_task

from .monitor import check_chain


@shared_task(name="audit.verify_chain")
def verify_chain() -> dict:
    """Verify the whole chain, keep the outcome (shown on /app/audit/), tell head office if it is broken."""
    outcome = check_chain()
    return {"intact": outcome.intact, "entries": outcome.entries, "broken_seq": outcome.broken_seq}
