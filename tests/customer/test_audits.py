"""Submitting an audit or a mystery shop: judged like a check by the version in force on its day, any part of
the standard, several a day, a retry stored once, nothing half-saved, bad input named."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from consistency.services.check_rules import ResultInput
from customer.models import Audit, AuditResult
from customer.services.audits import AuditInput, audit_submit
from tests.conftest import client_for
from tests.consistency.checks_support import local_today
from tests.factories import published_version, small_standard_doc

from .audit_support import audit_body, post_audit

pytestmark = pytest.mark.django_db


def test_an_auditor_submits_a_partial_audit_judged_and_scored_over_what_was_observed(network, standard):
    # Rings 5 (> 3: not met, weight 2), greeting yes (met, weight 1); restroom and delivery not observed.
    body = audit_body(network.a1, values={"phone_rings": 5, "phone_greeting": True})
    response = post_audit(client_for(network.auditor), "A1", body)
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["kind"] == "audit" and answer["observed"] == 2 and answer["version"] == standard.number
    assert answer["score"] == pytest.approx(1 / 3)
    assert answer["submitted_by"] == "auditor"
    by_key = {r["criterion"]: r for r in answer["results"]}
    assert by_key["phone_rings"]["met"] is False and by_key["phone_rings"]["deviation"] == pytest.approx(2 / 3)
    assert by_key["phone_greeting"]["passed"] is True
    audit = Audit.objects.get()
    assert (audit.observed, audit.score) == (2, pytest.approx(1 / 3))
    assert AuditResult.objects.filter(audit=audit).count() == 2
    # Read back: the same numbers.
    detail = client_for(network.auditor).get(f"/api/v1/audits/{audit.pk}/").json()
    assert {k: detail[k] for k in ("score", "observed", "kind", "version")} == \
        {k: answer[k] for k in ("score", "observed", "kind", "version")}
    assert [r["criterion"] for r in detail["results"]] == ["phone_rings", "phone_greeting"]


def test_passed_is_met_for_an_audit_even_where_the_standard_wants_photos(network, standard):
    """A check's restroom_clean (photos_required 1) passes only with a verified photo; an audit's observation is
    its own evidence."""
    response = post_audit(client_for(network.auditor), "A1", audit_body(network.a1, values={"restroom_clean": 5}))
    assert response.status_code == 201, response.json()
    result = response.json()["results"][0]
    assert result["photos_required"] == 1 and result["met"] is True and result["passed"] is True
    assert response.json()["score"] == 1.0


def test_several_audits_of_a_site_on_one_day(network, standard):
    auditor, office = client_for(network.auditor), client_for(network.head_office)
    assert post_audit(auditor, "A1", audit_body(network.a1)).status_code == 201
    assert post_audit(auditor, "A1", audit_body(network.a1)).status_code == 201
    assert post_audit(office, "A1", audit_body(network.a1, kind="mystery_shop")).status_code == 201
    assert Audit.objects.filter(site=network.a1).count() == 3


def test_the_same_client_id_again_is_stored_once_and_named(network, standard):
    client = client_for(network.auditor)
    body = audit_body(network.a1)
    assert post_audit(client, "A1", body).status_code == 201
    again = post_audit(client, "A1", body)
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_client_id" and again.json()["field"] == "client_id"
    assert str(Audit.objects.get().pk) in again.json()["message"]
    assert AuditResult.objects.count() == 4
    # The same client_id at another site is another audit.
    assert post_audit(client, "A2", {**body}).status_code == 201


def test_a_retry_with_the_same_idempotency_key_is_answered_from_the_first_and_stored_once(network, standard):
    client = client_for(network.auditor)
    body = audit_body(network.a1)
    first = post_audit(client, "A1", body, **{"Idempotency-Key": "audit-1"})
    again = post_audit(client, "A1", body, **{"Idempotency-Key": "audit-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.content == first.content
    assert Audit.objects.count() == 1
    other = post_audit(client, "A1", {**body, "kind": "mystery_shop"}, **{"Idempotency-Key": "audit-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"


def test_an_audit_is_judged_by_the_version_in_force_on_its_day(network, standard, settings):
    """Version 2 (from yesterday at A1) asks 2 rings at most; version 1 asked 3. An audit of yesterday and one of
    the day before, both of 3 rings: only the older one meets the target."""
    settings.LATE_CHECK_WINDOW_DAYS = 7
    today = local_today(network.a1)
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"][0]["target"] = 2
    v2 = published_version(doc, effective_from=today - dt.timedelta(days=1))
    client = client_for(network.auditor)
    answers = {}
    for back in (1, 2):
        day = today - dt.timedelta(days=back)
        response = post_audit(client, "A1", audit_body(network.a1, day=day, values={"phone_rings": 3},
                                                       performed_at=timezone.now().isoformat()))
        assert response.status_code == 201, response.json()
        answers[back] = response.json()
    assert answers[1]["version"] == v2.number and answers[1]["results"][0]["met"] is False
    assert answers[2]["version"] == standard.number and answers[2]["results"][0]["met"] is True
    # A criterion only the later version has is named with the version it belongs to.
    doc3 = small_standard_doc()
    doc3["touch_points"][0]["criteria"].append({"key": "phone_smile", "prompt": "Smile", "kind": "boolean"})
    published_version(doc3, effective_from=today)
    response = post_audit(client, "A1", audit_body(network.a1, day=today - dt.timedelta(days=1),
                                                   values={"phone_smile": True}))
    assert response.status_code == 400
    assert response.json()["field"] == "results[0].criterion" and "version 3" in response.json()["message"]


@pytest.mark.parametrize("change, field, code", [
    ({"kind": "inspection"}, "kind", "invalid"),
    ({"kind": None}, "kind", "required"),
    ({"results": []}, "results", "invalid"),
    ({"results": None}, "results", "required"),
    ({"date": "yesterday"}, "date", "invalid"),
    ({"date": None}, "date", "required"),
    ({"client_id": "nope"}, "client_id", "invalid"),
    ({"visited_at": "noon"}, "visited_at", "invalid"),
    ({"amends": 3}, "amends", "unknown_field"),
    ({"reason": "x"}, "reason", "unknown_field"),
    ({"colour": "red"}, "colour", "unknown_field"),
    ({"results": [{"criterion": "phone_rings", "value": "two"}]}, "results[0].value", "invalid_value"),
    ({"results": [{"criterion": "phone_nope", "value": 1}]}, "results[0].criterion", "unknown_criterion"),
    ({"results": [{"criterion": "phone_rings", "value": 1}, {"criterion": "phone_rings", "value": 2}]},
     "results[1].criterion", "duplicate"),
])
def test_bad_input_is_named_and_nothing_is_stored(network, standard, change, field, code):
    body = {k: v for k, v in {**audit_body(network.a1), **change}.items() if v is not None}  # None: left out
    response = post_audit(client_for(network.auditor), "A1", body)
    assert response.status_code == 400, response.json()
    errors = response.json().get("errors") or [response.json()]
    assert (field, code) in [(e["field"], e["code"]) for e in errors], response.json()
    assert not Audit.objects.exists()


@pytest.mark.parametrize("when, field, code", [
    ("future_day", "date", "future_date"),
    ("too_old", "date", "too_late"),
    ("future_performed", "performed_at", "future_time"),
    ("visit_other_day", "visited_at", "visit_not_on_date"),
    ("future_visit", "visited_at", "future_time"),
])
def test_the_checks_date_rule_and_the_visit_time(network, standard, when, field, code, settings):
    settings.LATE_CHECK_WINDOW_DAYS = 7
    today = local_today(network.a1)
    now = timezone.now()
    body = {
        "future_day": audit_body(network.a1, day=today + dt.timedelta(days=1)),
        "too_old": audit_body(network.a1, day=today - dt.timedelta(days=8)),
        "future_performed": audit_body(network.a1, performed_at=(now + dt.timedelta(hours=1)).isoformat()),
        "visit_other_day": audit_body(network.a1, day=today - dt.timedelta(days=1),
                                      visited_at=now.isoformat()),
        "future_visit": audit_body(network.a1, visited_at=(now + dt.timedelta(hours=2)).isoformat()),
    }[when]
    response = post_audit(client_for(network.auditor), "A1", body)
    assert response.status_code == 400, response.json()
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert not Audit.objects.exists()


def test_a_visit_time_on_the_day_is_kept(network, standard):
    now = timezone.now()
    response = post_audit(client_for(network.auditor), "A1",
                          audit_body(network.a1, visited_at=(now - dt.timedelta(minutes=1)).isoformat()))
    assert response.status_code == 201, response.json()
    assert Audit.objects.get().visited_at == (now - dt.timedelta(minutes=1))


def test_a_failure_while_writing_the_results_leaves_no_audit(network, standard, monkeypatch):
    from django.db import IntegrityError

    def broken(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(AuditResult.objects, "bulk_create", broken)
    payload = AuditInput(date=local_today(network.a1), kind="audit", client_id=uuid.uuid4(),
                         results=[ResultInput("phone_greeting", True)])
    with pytest.raises(IntegrityError):
        audit_submit(site=network.a1, user=network.auditor, payload=payload)
    assert not Audit.objects.exists()


def test_no_version_in_force_is_named(network, db):
    published_version(effective_from=local_today(network.a1) + dt.timedelta(days=30))
    response = post_audit(client_for(network.auditor), "A1", audit_body(network.a1, values={"phone_greeting": True}))
    assert response.status_code == 400 and response.json()["code"] == "no_standard"


def test_an_inactive_site_takes_no_audits(network, standard):
    network.a1.active = False
    network.a1.save()
    response = post_audit(client_for(network.head_office), "A1", audit_body(network.a1))
    assert response.status_code == 409 and response.json()["code"] == "site_inactive"
