"""The same audit sent twice at once (a phone that retried before the first answer came): PostgreSQL's unique
(site, client_id) keeps one, the other is told it was stored before, and nothing is half-saved. Two calibration
marks of the same audits at once: one visit."""

from __future__ import annotations

import time

import pytest

from customer.models import Audit, AuditResult, CalibrationVisit
from sites.models import Role
from tests.conftest import client_for
from tests.consistency.test_idempotency import _concurrently
from tests.factories import person

from .audit_support import audit_body, post_audit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_judging(monkeypatch):
    """Judging takes a moment, so that the racers overlap."""
    from customer.services import audits

    real = audits.judge_results

    def slow(**kwargs):
        time.sleep(0.2)
        return real(**kwargs)

    monkeypatch.setattr(audits, "judge_results", slow)


def test_the_same_client_id_at_once_is_stored_once(network, standard, slow_judging):
    body = audit_body(network.a1)
    responses = _concurrently(2, lambda i: post_audit(client_for(network.auditor), "A1", body))
    assert sorted(r.status_code for r in responses) == [201, 409], [r.content for r in responses]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["code"] == "duplicate_client_id"
    assert Audit.objects.count() == 1 and AuditResult.objects.count() == 4


def test_two_marks_of_one_visit_at_once_make_one_visit(network, standard):
    other = person("auditor.two", Role.AUDITOR, regions=[network.region_a])
    ids = [post_audit(client_for(user), "A1", audit_body(network.a1)).json()["id"] for user in (network.auditor, other)]
    responses = _concurrently(2, lambda i: client_for(network.head_office).post(
        "/api/v1/calibrations/", {"audits": ids}, format="json"))
    assert sorted(r.status_code for r in responses) == [201, 409], [r.content for r in responses]
    assert CalibrationVisit.objects.count() == 1
    assert set(Audit.objects.values_list("calibration_id", flat=True)) == {CalibrationVisit.objects.get().pk}
