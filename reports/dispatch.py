"""Handing a report run to the workers: the one place that queues a render.

The task is sent by its name, so that what orders a run (reports/services.py, the requeue sweep in
reports/runner.py) never imports the Celery tasks, which themselves call those modules: imports run one way,
views -> services -> dispatch, and tasks -> runner -> dispatch.
"""

from __future__ import annotations

import logging

from backend.celery import app

log = logging.getLogger(__name__)

RENDER_TASK = "reports.render_report"


def enqueue(run_id: int) -> None:
    """Queue the run's render. If the broker is unreachable the run stays queued and the requeue sweep
    (backend/schedules.py) hands it over later; the claim keeps a run from being rendered twice."""
    try:
        app.send_task(RENDER_TASK, args=[run_id])
    except Exception:  # noqa: BLE001 - any broker failure: the sweep retries
        log.exception("could not queue report run %s; the requeue sweep will retry", run_id)
