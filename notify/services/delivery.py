"""Delivering one webhook: claim it, sign it, POST it, record what happened, plan the retry.

The request carries the JSON body (``body_of``) and four headers::

    Touchpoint-Event: check.missed
    Touchpoint-Delivery: 812                 (the delivery's id: a receiver drops a second copy by it)
    Touchpoint-Timestamp: 1764921600         (Unix seconds, when this attempt was signed)
    Touchpoint-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>

A 2xx answer is delivered. Anything else (another status, a redirect, which is never followed, a timeout, a
refused connection) is retried after a wait drawn with full jitter from 0 to min(WEBHOOK_RETRY_MAX_SECONDS,
WEBHOOK_RETRY_SECONDS * 2**(attempts-1)), until WEBHOOK_MAX_ATTEMPTS, then failed. The claim (one conditional
UPDATE: pending or retrying and due -> sending) keeps two workers from sending one attempt; a worker killed
after the receiver answered but before the record leaves a stale claim the sweep takes over: the receiver
then gets that delivery again, with the same Touchpoint-Delivery id (docs/webhooks.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import random
import time

import orjson
import requests
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .. import dispatch
from ..models import DeliveryStatus, WebhookDelivery
from .messages import absolute
from .webhooks import url_problem

log = logging.getLogger(__name__)

USER_AGENT = "Touchpoint-Webhooks/1"
# A retry's task may be handed to a worker a little before its planned time (clocks, the broker's ETA rounding).
EARLY_SLACK = dt.timedelta(seconds=1)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Touchpoint-Signature header's value."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def body_of(delivery: WebhookDelivery) -> bytes:
    payload = delivery.payload or {}
    return orjson.dumps({
        "id": delivery.pk, "event": delivery.event, "key": delivery.key,
        "created_at": delivery.created_at.isoformat() if delivery.created_at else None,
        "replay_of": delivery.replay_of_id,
        "data": payload.get("data", {}), "link": absolute(payload.get("link") or ""),
    })


def backoff_seconds(attempt: int) -> float:
    ceiling = min(settings.WEBHOOK_RETRY_MAX_SECONDS, settings.WEBHOOK_RETRY_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(0, ceiling)


def _due(now: dt.datetime) -> Q:
    return (Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY_SLACK)))


def claim(delivery_id: int, *, now: dt.datetime) -> WebhookDelivery | None:
    claimed = WebhookDelivery.objects.filter(_due(now), pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """One attempt at a delivery, if it is due and nobody else holds it. Returns its status afterwards, or
    "none" when there was nothing to do."""
    now = now or timezone.now()
    delivery = claim(delivery_id, now=now)
    if delivery is None:
        return "none"
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=now)
    endpoint = delivery.endpoint
    refusal = ("The endpoint is inactive." if not endpoint.active else url_problem(endpoint.url))
    if refusal:
        mine.update(status=DeliveryStatus.FAILED, last_error=refusal[:500], next_attempt_at=None)
        return DeliveryStatus.FAILED
    body = body_of(delivery)
    timestamp = int(time.time())
    code, error = None, ""
    try:
        with requests.post(endpoint.url, data=body, timeout=settings.WEBHOOK_TIMEOUT, allow_redirects=False,
                           stream=True, headers={
                               "Content-Type": "application/json", "User-Agent": USER_AGENT,
                               "Touchpoint-Event": delivery.event, "Touchpoint-Delivery": str(delivery.pk),
                               "Touchpoint-Timestamp": str(timestamp),
                               "Touchpoint-Signature": sign(endpoint.secret, timestamp, body)}) as response:
            code = response.status_code  # the body is not read: only the status matters
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    if code is not None and 200 <= code < 300:
        if not mine.update(status=DeliveryStatus.DELIVERED, last_status_code=code, last_error="",
                           delivered_at=timezone.now(), next_attempt_at=None):
            log.warning("webhook delivery %s answered after its claim was taken over: it may arrive twice",
                        delivery.pk)
        return DeliveryStatus.DELIVERED
    if code is not None:
        error = f"HTTP {code}" + (" (redirects are not followed)" if 300 <= code < 400 else "")
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        mine.update(status=DeliveryStatus.FAILED, last_status_code=code, last_error=error, next_attempt_at=None)
        return DeliveryStatus.FAILED
    wait = backoff_seconds(delivery.attempts)
    if mine.update(status=DeliveryStatus.RETRYING, last_status_code=code, last_error=error,
                   next_attempt_at=timezone.now() + dt.timedelta(seconds=wait)):
        dispatch.enqueue_deliveries([delivery.pk], countdown=wait)
    return DeliveryStatus.RETRYING
