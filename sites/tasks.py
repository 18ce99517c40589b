"""Sign-in housekeeping, run by Celery beat (backend/schedules.py). Thin: the rule is in sites/tokens.py."""

from celery import shared_task

from .tokens import tokens_purge_expired


@shared_task(name="sites.purge_expired_tokens")
def purge_expired_tokens() -> int:
    """Delete the device tokens that expired (TOKEN_IDLE_DAYS unused); safe to run twice."""
    return tokens_purge_expired()
