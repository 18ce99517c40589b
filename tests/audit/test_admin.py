"""The admin shows the trail, photos and released report runs, and offers no way to change or delete them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from audit.models import Action
from audit.services import record
from reports.models import ReportRun

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 10)


@pytest.fixture
def admin(network):
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return browser


def test_audit_entries_are_read_only(admin):
    entry = record(Action.TOKEN_REVOKED, actor=None, target_type="sites.devicetoken", target_id=1)
    page = admin.get(f"/admin/audit/auditentry/{entry.seq}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin.get(f"/admin/audit/auditentry/{entry.seq}/delete/").status_code == 403
    assert admin.get("/admin/audit/auditentry/add/").status_code == 403
    assert "delete_selected" not in admin.get("/admin/audit/auditentry/").content.decode()


def test_a_released_run_cannot_be_deleted_an_unreleased_one_can(admin, network):
    done = ReportRun.objects.create(kind="variance", period_from=DAY, period_to=DAY, status="done",
                                    pdf_key="reports/x.pdf", pdf_sha256="a" * 64, pdf_size=9)
    failed = ReportRun.objects.create(kind="variance", period_from=DAY, period_to=DAY, status="failed")
    assert admin.get(f"/admin/reports/reportrun/{done.pk}/delete/").status_code == 403
    assert 'name="_save"' not in admin.get(f"/admin/reports/reportrun/{done.pk}/change/").content.decode()
    assert admin.post(f"/admin/reports/reportrun/{failed.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not ReportRun.objects.filter(pk=failed.pk).exists() and ReportRun.objects.filter(pk=done.pk).exists()
    assert admin.get("/admin/reports/reportrun/add/").status_code == 403


def test_photos_cannot_be_changed_or_deleted(admin, network, standard):
    from consistency.models import Evidence
    from tests.consistency.evidence_factories import make_check

    check = make_check(network.a1, standard, network.manager_a, date=DAY)
    photo = Evidence.objects.create(
        daily_check=check, criterion=check.results.first().criterion, site=network.a1, day=DAY,
        uploaded_by=network.manager_a, key="evidence/A1/z.jpg", declared_content_type="image/jpeg", declared_size=1,
        declared_sha256="a" * 64)
    assert admin.get(f"/admin/consistency/evidence/{photo.pk}/delete/").status_code == 403
    assert 'name="_save"' not in admin.get(f"/admin/consistency/evidence/{photo.pk}/change/").content.decode()
