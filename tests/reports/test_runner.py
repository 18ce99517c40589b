"""Claims, attempts, retries and the requeue sweep (reports/runner.py), without a worker process."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import EndpointConnectionError
from django.conf import settings
from django.utils import timezone

from reports import runner
from reports.models import ReportRun
from reports.services import report_order
from reports.tasks import render_report

from .samples import tiny_pdf


@pytest.fixture
def queued(network, standard):
    return report_order(user=network.head_office, kind="compliance_pack", date_from=dt.date(2026, 3, 1),
                        date_to=dt.date(2026, 3, 7), sites=["A1"])


def test_only_one_worker_claims_a_run(queued):
    first = runner.claim(run_id=queued.id, worker="w1")
    second = runner.claim(run_id=queued.id, worker="w2")
    assert first is not None and second is None
    run = ReportRun.objects.get(pk=queued.id)
    assert (run.status, run.claimed_by, run.attempts) == ("running", "w1", 1)


def test_a_stale_claim_is_taken_over_and_the_old_holder_cannot_finish(queued):
    old = runner.claim(run_id=queued.id, worker="w1")
    ReportRun.objects.filter(pk=queued.id).update(
        claimed_at=timezone.now() - dt.timedelta(seconds=settings.REPORT_STALE_AFTER + 1))
    assert runner.claim(run_id=queued.id, worker="w2") is not None
    # The first worker's writes are conditional on its claim: they no longer land.
    assert old.mine().update(status="done") == 0
    run = ReportRun.objects.get(pk=queued.id)
    assert (run.status, run.claimed_by, run.attempts) == ("running", "w2", 2)


def test_a_fresh_running_claim_is_not_taken_over(queued):
    runner.claim(run_id=queued.id, worker="w1")
    assert runner.run_report(run_id=queued.id, worker="w2") == "skipped"


def test_a_poison_run_ends_as_failed_after_the_attempt_cap(queued):
    stale = timezone.now() - dt.timedelta(seconds=settings.REPORT_STALE_AFTER + 1)
    ReportRun.objects.filter(pk=queued.id).update(status="running", attempts=settings.REPORT_MAX_ATTEMPTS, claimed_at=stale,
                                                  claimed_by="dead")
    assert runner.run_report(run_id=queued.id, worker="w9") == "skipped"
    run = ReportRun.objects.get(pk=queued.id)
    assert run.status == "failed" and run.attempts == settings.REPORT_MAX_ATTEMPTS
    assert run.error.startswith(f"Gave up after {settings.REPORT_MAX_ATTEMPTS} attempts")


def test_an_error_in_rendering_fails_the_run_saying_so_without_its_internals(queued, monkeypatch, caplog):
    def boom(run, progress):
        raise ValueError("could not read /srv/touchpoint/secret.conf on db-7.internal")

    monkeypatch.setattr(runner, "_render", boom)
    assert runner.run_report(run_id=queued.id, worker="w1") == "failed"
    run = ReportRun.objects.get(pk=queued.id)
    assert run.status == "failed" and run.finished_at
    assert "ValueError" in run.error and str(run.public_id) in run.error
    assert "db-7.internal" not in run.error  # the reader of the run does not get the machine's internals ...
    assert "db-7.internal" in caplog.text  # ... the worker's log does


def test_transient_storage_errors_give_the_claim_back_then_fail_at_the_cap(queued, monkeypatch):
    monkeypatch.setattr(runner, "_render", lambda run, progress: tiny_pdf())

    def unavailable(run, pdf):
        try:
            raise EndpointConnectionError(endpoint_url="http://s3.invalid")
        except Exception as exc:
            if runner._transient(exc):
                raise runner.TransientStorageError(str(exc)) from exc
            raise

    monkeypatch.setattr(runner, "_upload", unavailable)
    for attempt in range(1, settings.REPORT_MAX_ATTEMPTS):
        with pytest.raises(runner.TransientStorageError):
            runner.run_report(run_id=queued.id, worker=f"w{attempt}")
        run = ReportRun.objects.get(pk=queued.id)
        assert (run.status, run.attempts, run.claimed_by) == ("queued", attempt, "")
        assert "storage unavailable" in run.error
    assert runner.run_report(run_id=queued.id, worker="last") == "failed"
    run = ReportRun.objects.get(pk=queued.id)
    assert run.status == "failed" and run.attempts == settings.REPORT_MAX_ATTEMPTS
    assert run.error.startswith(f"Gave up after {settings.REPORT_MAX_ATTEMPTS} attempts: storage unavailable")


def test_backoff_grows_and_is_capped():
    assert 4 <= runner.backoff_seconds(0) <= 6
    assert 16 <= runner.backoff_seconds(2) <= 24
    assert runner.backoff_seconds(20) <= 360


def test_the_sweep_hands_out_lost_and_stale_runs_only(queued, network, monkeypatch):
    sent = []
    monkeypatch.setattr("reports.runner.enqueue", sent.append)
    fresh = report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 3, 1),
                         date_to=dt.date(2026, 3, 7))
    long_ago = timezone.now() - dt.timedelta(seconds=settings.REPORT_STALE_AFTER + 5)
    ReportRun.objects.filter(pk=queued.pk).update(created_at=long_ago)
    done = report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 3, 1),
                        date_to=dt.date(2026, 3, 7))
    ReportRun.objects.filter(pk=done.pk).update(status="done", created_at=long_ago, pdf_key="k", pdf_sha256="0" * 64,
                                                pdf_size=1)
    assert runner.requeue_lost() == [queued.id]
    assert sent == [queued.id]
    assert fresh.id not in sent


def test_progress_only_moves_forward_and_only_for_the_holder(queued):
    held = runner.claim(run_id=queued.id, worker="w1")
    write = runner._progress_writer(held)
    write(40)
    write(20)
    assert ReportRun.objects.get(pk=queued.id).progress == 40
    other = runner.Claim(queued.id, "w2", held.at)
    runner._progress_writer(other)(90)
    assert ReportRun.objects.get(pk=queued.id).progress == 40


def test_the_render_task_survives_a_lost_worker_and_stays_under_the_visibility_timeout():

    assert render_report.acks_late and render_report.reject_on_worker_lost
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", float("inf"))
    assert render_report.soft_time_limit < render_report.time_limit < visibility
    assert settings.REPORT_STALE_AFTER > render_report.time_limit  # a live render's claim is never taken over


def test_the_task_retries_transient_storage_errors_until_the_attempt_cap(queued, monkeypatch):
    calls = []
    monkeypatch.setattr(runner, "_render", lambda run, progress: tiny_pdf())

    def unavailable(run, pdf):
        calls.append(run.attempts)
        raise runner.TransientStorageError("endpoint unreachable")

    monkeypatch.setattr(runner, "_upload", unavailable)
    monkeypatch.setattr(runner, "backoff_seconds", lambda retries: 0)
    result = render_report.apply(args=[queued.id])  # run here; each retry runs again in turn
    assert (result.state, result.result) == ("SUCCESS", "failed")  # the task ended; the run is marked failed
    run = ReportRun.objects.get(pk=queued.id)
    assert calls == list(range(1, settings.REPORT_MAX_ATTEMPTS + 1))
    assert run.status == "failed" and run.attempts == settings.REPORT_MAX_ATTEMPTS
    assert run.error == f"Gave up after {settings.REPORT_MAX_ATTEMPTS} attempts: storage unavailable: endpoint unreachable"


def test_the_database_refuses_a_done_run_without_its_pdf(queued):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.objects.filter(pk=queued.pk).update(status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.objects.filter(pk=queued.pk).update(progress=101)
