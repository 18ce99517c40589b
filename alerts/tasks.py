"""Celery tasks: thin. The rules live in alerts/rules.py, alerts/digest.py; the schedule in backend/schedules.py.
Running any of them twice tells nobody twice (the keys of the occurrences)."""

from __future__ import annotations

from celery import shared_task

from . import digest, services


@shared_task(name="alerts.sweep")
def sweep() -> dict:
    """Reminders, missed days and corrective actions near or past their due day, for every site."""
    swept = services.sweep()
    return {"found": swept.found, "notices": swept.notices, "deliveries": swept.deliveries}


@shared_task(name="alerts.weekly_digest")
def weekly_digest() -> int:
    published = digest.weekly_digest()
    return len(published.notices) + published.held
