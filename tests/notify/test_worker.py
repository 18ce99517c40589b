"""A real Celery worker (tests/worker.py) sends what is published: e-mail to the SMTP server on loopback only
once the publishing transaction commits, never after a rollback, once however often its task is queued; a
webhook that fails twice gets its third retry (tiny backoff), signed, and the delivery is recorded. One test, so
one worker start."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from notify import dispatch
from notify.events import Event
from notify.models import Notice, NoticeStatus, WebhookDelivery, WebhookEndpoint
from notify.services.publish import Occurrence, publish

from ..worker import wait_for
from .receiver import Receiver, verify

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def missed(network, day, *recipients):
    return Occurrence(event=Event.CHECK_MISSED, key=f"A1:{day}", recipients=[u.pk for u in recipients],
                      data={"date": day}, site_id=network.a1.pk, link="/app/sites/A1/")


def test_a_worker_mails_after_commit_only_and_once_and_retries_a_failing_webhook(people, smtp_inbox, start_worker):
    # One worker for both (a worker costs seconds to start), with a tiny webhook backoff.
    worker = start_worker(WEBHOOK_RETRY_SECONDS="0.05", WEBHOOK_RETRY_MAX_SECONDS="0.2", **smtp_inbox.env)

    # Mail: sent once the publishing transaction commits.
    with transaction.atomic():
        published = publish([missed(people, "2026-12-03", people.manager_a, people.head_office)])
        time.sleep(0.5)  # a task queued too early would find no committed notice and send nothing, ever
        assert smtp_inbox.messages() == []
    received = smtp_inbox.wait_for(2)
    assert sorted(m.to[0] for m in received) == ["head.office@example.com", "manager.a1@example.com"]
    assert {m.header("X-Touchpoint-Notice") for m in received} == {str(i) for i in published.notices}
    wait_for(lambda: Notice.objects.filter(status=NoticeStatus.SENT).count() == 2, timeout=10)

    # Never after a rollback.
    with pytest.raises(RuntimeError), transaction.atomic():
        publish([missed(people, "2026-12-04", people.manager_a)])
        raise RuntimeError("the request failed after publishing")
    assert not Notice.objects.filter(key="A1:2026-12-04").exists()

    # The same notices queued twice more (a redelivered message, the sweep): their claims are taken already.
    dispatch.enqueue_notices(published.notices)
    dispatch.enqueue_notices(published.notices)
    # One more notice, queued after them on the worker's one queue: once it is in, they have all been handled.
    later = publish([missed(people, "2026-12-05", people.manager_b)])
    received = smtp_inbox.wait_for(3)
    time.sleep(0.3)
    assert len(smtp_inbox.messages()) == 3
    assert received[2].to == ["gerant.b1@example.com"]
    assert received[2].header("X-Touchpoint-Notice") == str(later.notices[0])

    # A webhook that answers 500 twice gets its third retry, queued by the worker itself after each failure.
    with Receiver([500, 500]) as receiver:
        endpoint = WebhookEndpoint.objects.create(url=receiver.url, events=[Event.CHECK_MISSED])
        with transaction.atomic():
            [delivery_id] = publish([missed(people, "2026-12-06")]).deliveries
        hits = receiver.wait_for(3)
        delivered = wait_for(lambda: WebhookDelivery.objects.filter(pk=delivery_id, status="delivered").first(),
                             timeout=10)
    assert [h.answered for h in hits] == [500, 500, 200]
    assert all(verify(endpoint.secret, h.headers, h.body) for h in hits)
    assert {h.headers["Touchpoint-Delivery"] for h in hits} == {str(delivery_id)}
    assert (delivered.attempts, delivered.last_status_code, delivered.last_error) == (3, 200, "")
    worker.kill()  # nothing is in flight: no need for a warm shutdown's seconds
