"""Celery tasks: thin. They take ids and call services (reports/runner.py, reports/services.py).

acks_late + reject_on_worker_lost (settings): a worker that dies mid-render leaves the message to be
delivered again; the claim in runner.claim makes the second delivery harmless. The time limits are read
from settings when the worker imports this module; reports/checks.py holds them below the broker's
visibility timeout.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import runner, services
from .dispatch import RENDER_TASK


@shared_task(bind=True, name=RENDER_TASK, acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT, time_limit=settings.REPORT_TIME_LIMIT,
             max_retries=settings.REPORT_MAX_ATTEMPTS)
def render_report(self, run_id: int) -> str:
    worker = f"{self.request.hostname or 'local'}/{self.request.id or '-'}"
    try:
        return runner.run_report(run_id=run_id, worker=worker)
    except runner.TransientStorageError as exc:
        raise self.retry(exc=exc, countdown=runner.backoff_seconds(self.request.retries)) from exc


@shared_task(name="reports.requeue_lost_runs")
def requeue_lost_runs() -> int:
    return len(runner.requeue_lost())


@shared_task(name="reports.order_weekly_variance")
def order_weekly_variance() -> str:
    return str(services.scheduled_weekly_variance().public_id)


@shared_task(name="reports.order_monthly_packs")
def order_monthly_packs() -> int:
    return services.scheduled_monthly_packs()
