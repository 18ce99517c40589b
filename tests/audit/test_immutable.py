"""The database refuses what no one may do: change or delete an audit entry, a photo's identity or verdict, or a
released report run, whoever asks (raw SQL here, as a shell session or a bug would). What the workflows do is
still allowed: a verdict on a pending photo, a review's rejection, a queued run's progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import Action
from audit.services import record
from consistency.models import Evidence
from reports.models import ReportRun
from tests.consistency.evidence_factories import make_check

DAY = dt.date(2026, 3, 10)


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def refused(statement: str, params=(), match: str | None = None) -> str:
    with pytest.raises(IntegrityError, match=match) as error, transaction.atomic():
        sql(statement, params)
    return str(error.value)


@pytest.fixture
def photo(network, standard):
    check = make_check(network.a1, standard, network.manager_a, date=DAY)
    return Evidence.objects.create(
        daily_check=check, criterion=check.results.get(criterion__key="restroom_clean").criterion, site=network.a1,
        day=DAY, uploaded_by=network.manager_a, key="evidence/A1/x.jpg", declared_content_type="image/jpeg",
        declared_size=100, declared_sha256="a" * 64)


@pytest.mark.django_db
def test_an_audit_entry_cannot_be_changed_deleted_or_truncated():
    record(Action.TOKEN_REVOKED, actor=None, target_type="sites.devicetoken", target_id=1)
    assert "append-only: UPDATE refused" in refused("UPDATE audit_auditentry SET actor_name = 'x'")
    assert "append-only: DELETE refused" in refused("DELETE FROM audit_auditentry")
    with transaction.atomic():
        # The test settings allow it (pytest-django's flush); the inserts' deferred checks must run before it.
        sql("SET LOCAL touchpoint.allow_purge = 'off'; SET CONSTRAINTS ALL IMMEDIATE")
        assert "can never be truncated" in refused("TRUNCATE audit_auditentry")
        assert "can never be truncated" in refused("TRUNCATE audit_chaincheck")


@pytest.mark.django_db
def test_a_photo_s_bytes_and_verdict_cannot_be_rewritten(photo):
    # Pending: the verdict is written once, as a confirmation writes it.
    sql("UPDATE consistency_evidence SET status = 'verified', size = 90, sha256 = %s, verified_at = now() "
        "WHERE id = %s", ["b" * 64, photo.pk])
    for column, value in [("sha256", "c" * 64), ("key", "evidence/A1/other.jpg"), ("size", 91),
                          ("captured_at", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)), ("uploaded_by_id", None),
                          ("declared_sha256", "d" * 64), ("verified_at", None)]:
        refused(f"UPDATE consistency_evidence SET {column} = %s WHERE id = %s", [value, photo.pk], match="never changes")
    refused("UPDATE consistency_evidence SET status = 'pending' WHERE id = %s", [photo.pk], match="cannot become")
    refused("UPDATE consistency_evidence SET reject_reason = 'x' WHERE id = %s", [photo.pk], match="only when")
    refused("DELETE FROM consistency_evidence WHERE id = %s", [photo.pk], match="can never be deleted")
    # A review's rejection is the workflow: allowed, once.
    sql("UPDATE consistency_evidence SET status = 'rejected', reject_reason = 'Rejected on review: blurred' "
        "WHERE id = %s", [photo.pk])
    refused("UPDATE consistency_evidence SET status = 'verified' WHERE id = %s", [photo.pk], match="cannot become")
    refused("UPDATE consistency_evidence SET reject_reason = 'nicer' WHERE id = %s", [photo.pk], match="only when")
    photo.refresh_from_db()
    assert (photo.status, photo.sha256, photo.size) == ("rejected", "b" * 64, 90)
    with transaction.atomic():
        sql("SET LOCAL touchpoint.allow_purge = 'off'; SET CONSTRAINTS ALL IMMEDIATE")
        refused("TRUNCATE consistency_evidence CASCADE", match="can never be truncated")


@pytest.mark.django_db
def test_a_photo_s_copy_flag_is_written_once(photo, network):
    original = Evidence.objects.create(
        daily_check=photo.daily_check, criterion=photo.criterion, site=network.a1, day=DAY,
        uploaded_by=network.manager_a, key="evidence/A1/y.jpg", declared_content_type="image/jpeg",
        declared_size=100, declared_sha256="e" * 64)
    Evidence.objects.filter(pk=photo.pk).update(reused_from=original)
    with pytest.raises(IntegrityError, match="written once"), transaction.atomic():
        Evidence.objects.filter(pk=photo.pk).update(reused_from=None)


@pytest.mark.django_db
def test_a_released_report_run_cannot_be_changed_or_deleted(network):
    run = ReportRun.objects.create(kind="variance", period_from=DAY, period_to=DAY, requested_by=network.head_office)
    run.sites.add(network.a1)
    # Queued and running: the workers' to write.
    ReportRun.objects.filter(pk=run.pk).update(status="running", progress=50)
    ReportRun.objects.filter(pk=run.pk).update(status="done", progress=100, pdf_key="reports/x.pdf",
                                               pdf_sha256="f" * 64, pdf_size=10)
    run.refresh_from_db()
    run.save()  # the same values again: nothing changes, nothing refused
    for statement in ["UPDATE reports_reportrun SET pdf_sha256 = repeat('0', 64) WHERE id = %s",
                      "UPDATE reports_reportrun SET status = 'failed' WHERE id = %s",
                      "UPDATE reports_reportrun SET requested_by_id = NULL WHERE id = %s",
                      "DELETE FROM reports_reportrun WHERE id = %s"]:
        refused(statement, [run.pk], match="released")
    refused("DELETE FROM reports_reportrun_sites WHERE reportrun_id = %s", [run.pk], match="sites can never change")
    refused("INSERT INTO reports_reportrun_sites (reportrun_id, site_id) VALUES (%s, %s)", [run.pk, network.b1.pk],
            match="sites can never change")
    with transaction.atomic():
        sql("SET LOCAL touchpoint.allow_purge = 'off'; SET CONSTRAINTS ALL IMMEDIATE")
        refused("TRUNCATE reports_reportrun CASCADE", match="can never be truncated")
    # A failed run is not released: it may go.
    failed = ReportRun.objects.create(kind="variance", period_from=DAY, period_to=DAY, status="failed")
    failed.delete()
