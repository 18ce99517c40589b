"""Daily quotas per person (backend.quotas): photos asked for or uploaded (both ways in, every role that takes
photos) and report orders (the API and the reports page), refused with 429, a message naming the limit and when
it resets, and Retry-After; nothing stored by a refused request; head office without a quota."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from backend import quotas
from consistency.models import Evidence
from reports.models import ReportRun
from tests.conftest import client_for
from tests.consistency.checks_support import check_body, submit
from tests.consistency.evidence_factories import multipart, photo, sha
from tests.customer.audit_support import audit_body, post_audit

pytestmark = pytest.mark.django_db
s3_only = pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="direct uploads need an S3 endpoint")


@pytest.fixture
def photo_quota(settings):
    settings.PHOTO_QUOTA_PER_DAY = 2
    return 2


def _check(network, persona, code):
    response = submit(client_for(getattr(network, persona)), code, check_body(getattr(network, code.lower())))
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _audit(network, persona):
    response = post_audit(client_for(getattr(network, persona)), "A1",
                          audit_body(network.a1, kind="mystery_shop" if persona == "shopper" else "audit"))
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _upload(client, path, seed):
    return client.post(path, multipart(photo(seed=seed), criterion="restroom_clean"), format="multipart")


def _assert_quota_refusal(response, setting: str, limit: int):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "quota_exceeded" and body["field"] is None
    assert f"limit of {limit}" in body["message"] and setting in body["message"] and "00:00 UTC" in body["message"]
    tomorrow = timezone.now().astimezone(dt.UTC).date() + dt.timedelta(days=1)
    assert str(tomorrow) in body["message"]
    midnight = dt.datetime.combine(tomorrow, dt.time(), dt.UTC)
    wait = int(response["Retry-After"])
    assert 0 < wait <= 86400 and abs(wait - (midnight - timezone.now()).total_seconds()) < 60


# Every role that attaches photos, where it does: managers and department staff to their checks, auditors and
# shoppers to their audits. Head office has no quota.
ROLES = [("manager_a", "check", "A1", True), ("auditor", "audit", "A1", True),
         ("shopper", "audit", "A1", True), ("head_office", "check", "B1", False)]


@pytest.mark.parametrize("persona, target, code, limited", ROLES)
def test_photos_over_the_day_quota_are_refused_per_person(network, standard, photo_quota, persona, target, code,
                                                          limited):
    if target == "check":
        path = f"/api/v1/checks/{_check(network, persona, code)}/evidence/"
    else:
        path = f"/api/v1/audits/{_audit(network, persona)}/evidence/"
    client = client_for(getattr(network, persona))
    for seed in range(photo_quota):
        assert _upload(client, path, seed).status_code == 201
    stored = Evidence.objects.count()
    third = _upload(client, path, 99)
    if not limited:
        assert third.status_code == 201, third.content
        return
    _assert_quota_refusal(third, "PHOTO_QUOTA_PER_DAY", photo_quota)
    assert Evidence.objects.count() == stored  # nothing stored, nothing half-saved
    # A retry of a photo already sent is no new photo: still answered.
    retry = _upload(client, path, 0)
    assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true"


def test_the_quota_is_each_persons_own(network, standard, photo_quota):
    a = client_for(network.manager_a)
    path_a = f"/api/v1/checks/{_check(network, 'manager_a', 'A1')}/evidence/"
    for seed in range(photo_quota):
        assert _upload(a, path_a, seed).status_code == 201
    assert _upload(a, path_a, 50).status_code == 429
    path_b = f"/api/v1/checks/{_check(network, 'manager_b', 'B1')}/evidence/"
    assert _upload(client_for(network.manager_b), path_b, 60).status_code == 201


def test_yesterdays_photos_do_not_count(network, standard, photo_quota):
    client = client_for(network.manager_a)
    path = f"/api/v1/checks/{_check(network, 'manager_a', 'A1')}/evidence/"
    for seed in range(photo_quota):
        assert _upload(client, path, seed).status_code == 201
    midnight = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    Evidence.objects.update(created_at=midnight - dt.timedelta(seconds=1))
    assert _upload(client, path, 7).status_code == 201


@s3_only
def test_a_direct_upload_asked_for_counts_and_is_refused_over_the_quota(network, standard, photo_quota):
    client = client_for(network.manager_a)
    path = f"/api/v1/checks/{_check(network, 'manager_a', 'A1')}/evidence/"

    def ask(seed):
        data = photo(seed=seed)
        return client.post(path, {"criterion": "restroom_clean", "content_type": "image/jpeg", "size": len(data),
                                  "sha256": sha(data)}, format="json")

    assert ask(1).status_code == 201 and ask(2).status_code == 201
    _assert_quota_refusal(ask(3), "PHOTO_QUOTA_PER_DAY", photo_quota)
    assert Evidence.objects.count() == 2
    assert ask(1).status_code == 201  # the retry of a photo asked for: the same evidence, a fresh form


# --- report orders ------------------------------------------------------------------------------

ORDER = {"kind": "variance", "from": "2026-03-01", "to": "2026-03-07"}
# Every role that orders reports, on the sites it reads; head office has no quota.
ORDERERS = [("manager_a", {"sites": ["A1"]}, True), ("accountant", {"sites": ["A1"]}, True),
            ("auditor", {"region": "region-a"}, True), ("auditor_b1", {"sites": ["B1"]}, True),
            ("head_office", {}, False)]


@pytest.mark.parametrize("persona, scope, limited", ORDERERS)
def test_report_orders_over_the_day_quota_are_refused(network, standard, settings, persona, scope, limited):
    settings.REPORT_ORDER_QUOTA_PER_DAY = 2
    client = client_for(getattr(network, persona))
    for _ in range(2):
        assert client.post("/api/v1/reports/", {**ORDER, **scope}, format="json").status_code == 202
    third = client.post("/api/v1/reports/", {**ORDER, **scope}, format="json")
    if not limited:
        assert third.status_code == 202
        return
    _assert_quota_refusal(third, "REPORT_ORDER_QUOTA_PER_DAY", 2)
    assert ReportRun.objects.count() == 2
    # A retry of an order already placed (its Idempotency-Key) is answered, not counted.


def test_a_shopper_orders_nothing_whatever_the_quota(network, standard, settings):
    settings.REPORT_ORDER_QUOTA_PER_DAY = 1
    response = client_for(network.shopper).post("/api/v1/reports/", {**ORDER, "sites": ["A1"]}, format="json")
    assert response.status_code in (403, 404)


def test_the_reports_page_refuses_an_order_over_the_quota_with_the_same_message(network, standard, settings,
                                                                             client):
    settings.REPORT_ORDER_QUOTA_PER_DAY = 1
    client.force_login(network.manager_a)
    api = client_for(network.manager_a)
    assert api.post("/api/v1/reports/", {**ORDER, "sites": ["A1"]}, format="json").status_code == 202
    page = client.get("/app/reports/")
    key = page.context["form"].initial["idempotency_key"]
    response = client.post("/app/reports/", {"kind": "variance", "period": "custom", "from": "2026-03-01",
                                             "to": "2026-03-07", "sites": ["A1"], "idempotency_key": key})
    assert response.status_code == 429
    assert "REPORT_ORDER_QUOTA_PER_DAY" in response.content.decode()
    assert ReportRun.objects.count() == 1


def test_scheduled_reports_have_no_quota(network, standard, settings):
    settings.REPORT_ORDER_QUOTA_PER_DAY = 1
    from reports.services import report_order

    for _ in range(3):
        report_order(user=None, kind="variance", date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 7))
    assert ReportRun.objects.count() == 3


def test_the_count_is_one_indexed_query(network, standard, settings, django_assert_num_queries):
    settings.REPORT_ORDER_QUOTA_PER_DAY = 5
    from sites import access

    access.role_of(network.manager_a)  # the role is cached on the user for the request: known before the count
    with django_assert_num_queries(1):
        quotas.check_report_quota(network.manager_a)
