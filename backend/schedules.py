"""Every periodic job, in one place (read by backend.celery)."""

CELERY_BEAT_SCHEDULE: dict = {}
