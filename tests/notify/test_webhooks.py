"""Webhooks: head office registers endpoints (https only; http to this machine where allowed), the secret is
shown once and can be rotated; a delivery is signed so that a receiver can verify it, failures are retried
with backoff and recorded, a redirect is not followed; deliveries are listed and replayed (API and admin).
Everyone but head office is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from notify.events import Event
from notify.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from notify.services import delivery as deliveries
from notify.services.publish import Occurrence, publish

from .receiver import Receiver, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """The delivery tasks queued (id, countdown), instead of the broker: these tests run the attempts themselves."""
    from notify import dispatch

    calls = []
    monkeypatch.setattr(dispatch, "enqueue_deliveries", lambda ids, countdown=None: calls.extend(
        (i, countdown) for i in ids))
    return calls


def register(api, network, url="https://hooks.example.com/touchpoint", events=("check.missed",)):
    return api(network.head_office).post("/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json")


def missed(network, day="2026-12-04"):
    return Occurrence(event=Event.CHECK_MISSED, key=f"A1:{day}", data={"site": "A1", "date": day},
                      site_id=network.a1.pk, link="/app/sites/A1/")


def test_head_office_registers_an_endpoint_and_sees_its_secret_once(network, api):
    created = register(api, network, events=["check.missed", "check.critical_failure", "check.missed"])
    assert created.status_code == 201, created.content
    body = created.json()
    assert len(body["secret"]) >= 32 and body["events"] == ["check.missed", "check.critical_failure"]
    assert body["created_by"] == "head.office" and body["active"] is True
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == body["secret"]

    client = api(network.head_office)
    assert "secret" not in client.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    assert "secret" not in client.get("/api/v1/webhooks/").json()["results"][0]

    rotated = client.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/").json()["secret"]
    endpoint.refresh_from_db()
    assert rotated != body["secret"] and endpoint.secret == rotated

    changed = client.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"active": False, "events": ["photo.rejected"]},
                           format="json")
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert changed.json()["events"] == ["photo.rejected"] and changed.json()["url"] == endpoint.url
    assert client.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url, allowed, ok", [
    ("https://hooks.example.com/x", False, True),
    ("http://hooks.example.com/x", True, False),  # plain http elsewhere: never
    ("http://127.0.0.1:9000/x", True, True),
    ("http://[::1]:9000/x", True, True),
    ("http://localhost/x", False, False),  # loopback, but the setting is off (production)
    ("ftp://hooks.example.com/x", True, False),
    ("hooks.example.com/x", True, False),
    ("https://hooks.example.com:notaport/x", True, False),
])
def test_the_address_must_be_https_or_loopback_where_allowed(network, api, settings, url, allowed, ok):
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = allowed
    answer = register(api, network, url=url)
    if ok:
        assert answer.status_code == 201, answer.content
    else:
        assert answer.status_code == 400 and answer.json()["field"] == "url", answer.content
        assert answer.json()["message"].startswith("url: ")
        assert not WebhookEndpoint.objects.exists()


def test_bad_events_are_refused_naming_each(network, api):
    answer = register(api, network, events=["check.missed", "check.nope", "also.nope"])
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["events[1]", "events[2]"]
    assert register(api, network, events=[]).json()["field"] == "events"
    patched = api(network.head_office).patch("/api/v1/webhooks/999/", {"events": ["check.missed"]}, format="json")
    assert patched.status_code == 404
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_names_at_least_one_event_in_the_schema_as_in_its_refusals(network, api, tmp_path):
    import yaml
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    for body in ("EndpointWriteRequest", "PatchedEndpointWriteRequest"):  # POST, and PATCH (partial)
        assert schema["components"]["schemas"][body]["properties"]["events"]["minItems"] == 1, body
    # What the schema says is what the API refuses, with one message: on a new endpoint and on a change.
    refused = register(api, network, events=[])
    assert refused.status_code == 400
    assert refused.json()["field"] == "events" and refused.json()["message"] == "events: name at least one event."
    endpoint = register(api, network).json()["id"]
    changed = api(network.head_office).patch(f"/api/v1/webhooks/{endpoint}/", {"events": []}, format="json")
    assert changed.status_code == 400 and changed.json()["message"] == "events: name at least one event."
    assert WebhookEndpoint.objects.get().events == ["check.missed"]  # nothing changed


@pytest.mark.parametrize("who", ["manager_a", "auditor", "auditor_b1", "shopper", "accountant"])
def test_no_one_but_head_office_reaches_webhooks(network, api, who):
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/x", events=["check.missed"])
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="check.missed", key="k")
    client = api(getattr(network, who))
    answers = [client.get("/api/v1/webhooks/"),
               client.post("/api/v1/webhooks/", {"url": "https://x.example.com/", "events": ["check.missed"]},
                           format="json"),
               client.get(f"/api/v1/webhooks/{endpoint.pk}/"),
               client.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"active": False}, format="json"),
               client.delete(f"/api/v1/webhooks/{endpoint.pk}/"),
               client.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/"),
               client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/"),
               client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/")]
    assert [a.status_code for a in answers] == [403] * 8
    assert answers[0].json()["message"] == "Only head office manages webhooks."
    endpoint.refresh_from_db()
    assert endpoint.active and WebhookEndpoint.objects.count() == 1 and WebhookDelivery.objects.count() == 1
    assert api(None).get("/api/v1/webhooks/").status_code == 401


def test_a_delivery_is_signed_retried_on_failure_and_recorded(network, queued, settings):
    settings.WEBHOOK_RETRY_SECONDS, settings.WEBHOOK_MAX_ATTEMPTS = 10.0, 3
    with Receiver([500, 503]) as receiver:
        endpoint = WebhookEndpoint.objects.create(url=receiver.url, events=[Event.CHECK_MISSED])
        published = publish([missed(network)])
        [delivery_id] = published.deliveries

        assert deliveries.deliver(delivery_id) == DeliveryStatus.RETRYING
        first = WebhookDelivery.objects.get()
        assert (first.attempts, first.last_status_code, first.last_error) == (1, 500, "HTTP 500")
        assert queued[-1][0] == delivery_id and 0 <= queued[-1][1] <= 10  # full jitter, 10 s * 2**0 at most
        # Not due yet (the drawn wait may be under the early slack: put the next attempt surely ahead): an early
        # duplicate does nothing.
        WebhookDelivery.objects.update(next_attempt_at=timezone.now() + dt.timedelta(seconds=5))
        assert deliveries.deliver(delivery_id) == "none"

        WebhookDelivery.objects.update(next_attempt_at=None)
        assert deliveries.deliver(delivery_id) == DeliveryStatus.RETRYING
        assert 0 <= queued[-1][1] <= 20
        WebhookDelivery.objects.update(next_attempt_at=None)
        assert deliveries.deliver(delivery_id) == DeliveryStatus.DELIVERED

        hits = receiver.wait_for(3)
    done = WebhookDelivery.objects.get()
    assert (done.status, done.attempts, done.last_status_code, done.last_error) == ("delivered", 3, 200, "")
    assert done.delivered_at is not None and done.next_attempt_at is None
    for hit in hits:
        assert verify(endpoint.secret, hit.headers, hit.body)
        assert not verify("another secret", hit.headers, hit.body)
        assert hit.headers["Touchpoint-Event"] == "check.missed"
        assert hit.headers["Touchpoint-Delivery"] == str(delivery_id)
        assert hit.headers["Content-Type"] == "application/json"
    import json

    assert json.loads(hits[0].body) == {"id": delivery_id, "event": "check.missed", "key": "A1:2026-12-04",
                                        "created_at": done.created_at.isoformat(), "replay_of": None,
                                        "data": {"site": "A1", "date": "2026-12-04"},
                                        "link": "http://testserver/app/sites/A1/"}
    # One changed byte and the signature no longer holds.
    assert not verify(endpoint.secret, hits[0].headers, hits[0].body.replace(b"A1", b"A2", 1))


def test_a_delivery_out_of_attempts_fails_and_a_redirect_is_not_followed(network, queued, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    with Receiver([302, 302], location="https://elsewhere.example.com/") as receiver:
        WebhookEndpoint.objects.create(url=receiver.url, events=[Event.CHECK_MISSED])
        [delivery_id] = publish([missed(network)]).deliveries
        deliveries.deliver(delivery_id)
        WebhookDelivery.objects.update(next_attempt_at=None)
        assert deliveries.deliver(delivery_id) == DeliveryStatus.FAILED
        assert len(receiver.wait_for(2)) == 2
    failed = WebhookDelivery.objects.get()
    assert (failed.attempts, failed.last_status_code) == (2, 302)
    assert failed.last_error == "HTTP 302 (redirects are not followed)"


def test_a_receiver_that_is_down_is_recorded_with_the_error(network, queued):
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hooks", events=[Event.CHECK_MISSED])
    [delivery_id] = publish([missed(network)]).deliveries
    assert deliveries.deliver(delivery_id) == DeliveryStatus.RETRYING
    record = WebhookDelivery.objects.get()
    assert record.last_status_code is None and record.last_error.startswith("ConnectionError")
    assert record.next_attempt_at is not None


def test_deliveries_are_listed_and_replayed_through_the_api(network, api, queued, django_assert_max_num_queries):
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/x", events=[Event.CHECK_MISSED])
    publish([missed(network, f"2026-12-0{d}") for d in range(1, 6)])
    client = api(network.head_office)
    with django_assert_max_num_queries(5):  # the token, the profile, the endpoint, the count, the page
        listed = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/")
    assert listed.status_code == 200 and listed.json()["count"] == 5
    for n in range(3):
        WebhookEndpoint.objects.create(url=f"https://hooks{n}.example.com/x", events=[Event.CHECK_MISSED],
                                       created_by=network.head_office)
    with django_assert_max_num_queries(4):  # the token, the profile, the count, the page (with who made each)
        endpoints = client.get("/api/v1/webhooks/").json()
    assert endpoints["count"] == 4 and endpoints["results"][1]["created_by"] == "head.office"
    first = WebhookDelivery.objects.order_by("id").first()
    WebhookDelivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.FAILED, attempts=8, last_status_code=500)

    replayed = client.post(f"/api/v1/webhook-deliveries/{first.pk}/replay/")
    assert replayed.status_code == 201, replayed.content
    body = replayed.json()
    assert (body["replay_of"], body["status"], body["attempts"], body["key"]) == (first.pk, "pending", 0, first.key)
    assert WebhookDelivery.objects.get(pk=first.pk).status == DeliveryStatus.FAILED  # the original stays as it was
    assert client.post("/api/v1/webhook-deliveries/98765/replay/").status_code == 404

    WebhookEndpoint.objects.update(active=False)
    refused = client.post(f"/api/v1/webhook-deliveries/{first.pk}/replay/")
    assert refused.status_code == 409 and refused.json()["code"] == "endpoint_inactive"
    assert WebhookDelivery.objects.filter(replay_of=first).count() == 1


def test_the_admin_replays_the_deliveries_it_is_given(network, queued, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/x", events=[Event.CHECK_MISSED])
    publish([missed(network, "2026-12-01"), missed(network, "2026-12-02")])
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    ids = list(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("id", flat=True))
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/admin/notify/webhookdelivery/", {"action": "replay", "_selected_action": ids},
                             follow=True)
    assert answer.status_code == 200
    replays = list(WebhookDelivery.objects.filter(replay_of__in=ids).order_by("replay_of_id"))
    assert [r.replay_of_id for r in replays] == sorted(ids)
    assert sorted(i for i, _ in queued) == sorted(r.pk for r in replays)
    assert "2 deliveries queued again" in answer.content.decode()
