"""The sweep (``notify.requeue_unsent``, every minute): what was stored to be sent but whose message or worker
was lost is handed out again.

- A notice pending for longer than NOTIFY_STALE_SECONDS (since it was stored, or since its last attempt) lost
  its task: the broker was down when it was published, or the worker that held the message died. Queued again.
- A notice ``sending`` for longer than that belongs to a dead worker (a send takes at most EMAIL_TIMEOUT): the
  claim is taken over (back to pending) and queued. The price: if that worker died after the mail server had
  accepted the message but before it was marked sent, the message goes out twice. The window is one message
  per killed worker process, between the server's "250 OK" and the UPDATE that follows it; bench/notify_send
  measures it. The alternative, never taking a claim over, would lose the notice instead.
- A digest gathered or claimed that long ago and still unsent: queued again under its token.
- A webhook delivery ``sending`` that long: taken over (retrying, due now); one pending or retrying whose due time
  passed that long ago lost its task: queued again. A receiver may see a delivery twice; it has its id.

Handing something out twice is harmless: every task claims before it sends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import dispatch
from ..models import DeliveryStatus, Notice, NoticeStatus, WebhookDelivery
from .sending import stale_digests

BATCH = 10_000


@dataclass(frozen=True)
class Swept:
    notices: list[int]
    taken_over: int
    digests: int
    deliveries: list[int]


def requeue_unsent(*, now: dt.datetime | None = None, stale_seconds: int | None = None) -> Swept:
    now = now or timezone.now()
    before = now - dt.timedelta(seconds=settings.NOTIFY_STALE_SECONDS if stale_seconds is None else stale_seconds)

    taken = list(Notice.objects.filter(status=NoticeStatus.SENDING, claimed_at__lt=before)
                 .values_list("id", flat=True)[:BATCH])
    taken_over = Notice.objects.filter(id__in=taken, status=NoticeStatus.SENDING, claimed_at__lt=before).update(
        status=NoticeStatus.PENDING, error="Taken over from a worker that stopped while sending.")
    notices = list(Notice.objects.filter(status=NoticeStatus.PENDING)
                   .annotate(last=Coalesce("claimed_at", "created_at")).filter(last__lt=before)
                   .order_by("id").values_list("id", flat=True)[:BATCH])
    dispatch.enqueue_notices(notices)

    digests = stale_digests(before=before)
    dispatch.enqueue_digests(digests)

    stuck = list(WebhookDelivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=before)
                 .values_list("id", flat=True)[:BATCH])
    WebhookDelivery.objects.filter(id__in=stuck, status=DeliveryStatus.SENDING, claimed_at__lt=before).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=now,
        last_error="Taken over from a worker that stopped while delivering.")
    deliveries = list(WebhookDelivery.objects.filter(
        Q(id__in=stuck)
        | Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        & (Q(next_attempt_at__lt=before) | Q(next_attempt_at__isnull=True, created_at__lt=before)))
        .order_by("id").values_list("id", flat=True)[:BATCH])
    dispatch.enqueue_deliveries(deliveries)
    return Swept(notices=notices, taken_over=taken_over, digests=len(digests), deliveries=deliveries)
