"""A report order is a POST a phone retries: Idempotency-Key with the one protocol
(consistency.services.idempotency), replay and conflict semantics as for a check."""

from __future__ import annotations

import json

import pytest

from consistency.models import IdempotencyRecord
from reports.models import ReportRun

URL = "/api/v1/reports/"
BODY = {"kind": "compliance_pack", "from": "2026-03-01", "to": "2026-03-07", "sites": ["A1"]}


def post(client, body=BODY, key: str | None = "order-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_a_retry_with_the_same_key_orders_once_and_replays_the_answer(network, standard, api):
    client = api(network.manager_a)
    first = post(client)
    assert first.status_code == 202, first.json()
    assert "Idempotent-Replayed" not in first
    again = post(client)
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content and again["Location"] == first["Location"]
    assert again["Location"] == f"{URL}{first.json()['id']}/"
    assert ReportRun.objects.count() == 1


def test_the_same_key_with_another_order_is_a_422_and_orders_nothing(network, standard, api):
    client = api(network.manager_a)
    assert post(client).status_code == 202
    other = post(client, {**BODY, "to": "2026-03-06"})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_mismatch" and other.json()["field"] == "Idempotency-Key"
    assert ReportRun.objects.count() == 1


def test_a_key_in_use_is_a_409(network, standard, api):
    client = api(network.manager_a)
    from consistency.services.idempotency import fingerprint

    IdempotencyRecord.objects.create(user=network.manager_a, key="order-1", request_fingerprint=fingerprint(
        method="POST", path=URL, body=json.dumps(BODY).encode()))  # claimed by a request still running
    response = post(client)
    assert response.status_code == 409 and response.json()["code"] == "idempotency_in_progress"
    assert ReportRun.objects.count() == 0


def test_keys_are_the_user_s_own(network, standard, api):
    assert post(api(network.manager_a)).status_code == 202
    theirs = post(api(network.auditor))  # the same key from someone else is a new order
    assert theirs.status_code == 202 and "Idempotent-Replayed" not in theirs
    assert ReportRun.objects.count() == 2


def test_a_refused_order_stores_nothing_and_a_corrected_retry_runs(network, standard, api):
    client = api(network.manager_a)
    refused = post(client, {**BODY, "sites": ["B1"]})  # not a site of theirs
    assert refused.status_code == 404
    assert not IdempotencyRecord.objects.exists()
    assert post(client).status_code == 202


def test_without_a_key_each_post_is_an_order(network, standard, api):
    client = api(network.manager_a)
    assert post(client, key=None).status_code == 202
    assert post(client, key=None).status_code == 202
    assert ReportRun.objects.count() == 2


@pytest.mark.parametrize("key", ["", " ", "x" * 256])
def test_a_malformed_key_is_refused_naming_the_header(network, standard, api, key):
    response = post(api(network.manager_a), key=key)
    assert response.status_code == 400 and response.json()["field"] == "Idempotency-Key"
    assert ReportRun.objects.count() == 0


def test_an_unknown_kind_lists_the_kinds(network, standard, api):
    response = post(api(network.manager_a), {**BODY, "kind": "weekly"}, key=None)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "kind"
    assert "variance" in body["message"] and "compliance_pack" in body["message"], body["message"]
    assert '"weekly"' in body["message"]
