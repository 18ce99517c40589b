"""A real Celery worker process renders reports end to end, on the test run's broker (Redis under
CI=true, the filesystem broker on a laptop), database and storage; and a worker killed with SIGKILL
mid-render leaves a run that another worker completes exactly once."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.core.files.storage import default_storage

from reports import runner
from reports.dispatch import enqueue
from reports.models import ReportRun
from reports.services import report_order

from .conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _status(run_id: int) -> ReportRun:
    return ReportRun.objects.get(pk=run_id)


def test_a_worker_renders_a_compliance_pack_end_to_end(start_worker, history, network, api):
    start_worker("e2e")
    response = api(network.auditor).post("/api/v1/reports/", {
        "kind": "compliance_pack", "from": "2026-03-01", "to": "2026-03-07", "sites": ["A1"]}, format="json")
    assert response.status_code == 202, response.json()
    run_id = ReportRun.objects.get(public_id=response.json()["id"]).id
    run = wait_for(lambda: (r := _status(run_id)).status in ("done", "failed") and r, timeout=90,
                   message="the worker did not finish the run")
    assert run.status == "done", run.error
    assert run.attempts == 1 and run.progress == 100
    with default_storage.open(run.pdf_key, "rb") as fh:
        pdf = fh.read()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == run.pdf_sha256
    status = api(network.auditor).get(f"/api/v1/reports/{run.public_id}/").json()
    assert status["status"] == "done" and status["progress"] == 100 and status["links"]["download"]


def test_a_worker_renders_a_variance_report_from_the_engine(start_worker, history, network, api):
    start_worker("variance")
    response = api(network.head_office).post("/api/v1/reports/", {
        "kind": "variance", "from": "2026-03-01", "to": "2026-03-07"}, format="json")
    assert response.status_code == 202, response.json()
    run_id = ReportRun.objects.get(public_id=response.json()["id"]).id
    run = wait_for(lambda: (r := _status(run_id)).status in ("done", "failed") and r, timeout=90,
                   message="the worker did not finish the variance run")
    assert run.status == "done", run.error
    with default_storage.open(run.pdf_key, "rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == run.pdf_sha256


def test_a_worker_killed_mid_render_leaves_a_run_another_worker_completes_once(
        start_worker, history, network, storage_keys, settings):
    limits = {"TEST_REPORT_TIME_LIMIT": 6, "TEST_REPORT_STALE_AFTER": 8}
    doomed = start_worker("doomed", TEST_REPORT_RENDER_PAUSE=60, **limits)
    run = report_order(user=network.head_office, kind="compliance_pack", date_from=history["from"],
                       date_to=history["to"], sites=["A1"])  # queued on commit (this test commits)
    wait_for(lambda: (r := _status(run.id)).status == "running" and r.progress > 0, timeout=60,
             message="the first worker never claimed the run")
    assert "doomed" in _status(run.id).claimed_by
    doomed.kill()  # SIGKILL, mid-render: no ack, no clean-up, the claim is left behind
    claimed = _status(run.id)
    assert claimed.status == "running" and claimed.attempts == 1

    start_worker("rescuer", **limits)
    # The claim is stale once older than the hard time limit; the requeue sweep (beat, every minute)
    # hands the run out again. The test process uses the workers' limit for the sweep.
    settings.REPORT_STALE_AFTER = limits["TEST_REPORT_STALE_AFTER"]
    time.sleep(limits["TEST_REPORT_STALE_AFTER"] + 0.5)
    assert run.id in runner.requeue_lost()
    done = wait_for(lambda: (r := _status(run.id)).status in ("done", "failed") and r, timeout=90,
                    message="the second worker did not complete the run")
    assert done.status == "done", done.error
    assert done.attempts == 2
    assert "rescuer" in done.claimed_by
    prefix = f"reports/compliance_pack/{run.public_id}/"
    assert storage_keys(prefix) == [done.pdf_key]  # the PDF was written once

    # Delivered again (a broker redelivery, another sweep): nothing is rendered a second time.
    enqueue(run.id)
    time.sleep(3)
    again = _status(run.id)
    assert (again.status, again.attempts, again.finished_at, again.pdf_key) == \
           ("done", 2, done.finished_at, done.pdf_key)
    assert storage_keys(prefix) == [done.pdf_key]
