"""Head office's webhook endpoints: register, change, rotate the secret, remove; replay a delivery.

An endpoint is an HTTPS address (plain http:// only to this machine, and only where WEBHOOK_ALLOW_LOOPBACK_HTTP
is on: make run and the tests) and the events it wants. Its secret signs every delivery (services/delivery.py);
it is shown once, when the endpoint is made or the secret rotated, and never listed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from audit.models import Action
from audit.services import record
from backend.errors import AppError, Conflict, FieldError, Forbidden, NotFound
from sites import access

from .. import dispatch
from ..events import Event
from ..models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, new_secret

MAX_URL = 500


def require_head_office(user) -> None:
    """The one rule for every webhook operation: head office only."""
    if not access.is_head_office(user):
        raise Forbidden("Only head office manages webhooks.")


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """Why ``url`` may not receive deliveries, or None. Checked when an endpoint is saved and again before each
    delivery (the setting may have changed since)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "url: not a valid address."
    if len(url) > MAX_URL:
        return f"url: at most {MAX_URL} characters."
    if parts.scheme not in ("https", "http") or not host:
        return "url: an https:// address, e.g. https://hooks.example.com/touchpoint."
    if parts.scheme == "http":
        if not _loopback(host):
            return "url: must be https:// (plain http:// is refused: the deliveries carry your network's data)."
        if not settings.WEBHOOK_ALLOW_LOOPBACK_HTTP:
            return "url: must be https:// (plain http:// to this machine only where WEBHOOK_ALLOW_LOOPBACK_HTTP is on)."
    if parts.fragment:
        return "url: an address without a #fragment."
    return None


# An endpoint receives at least one event; the API's schema says so too (minItems 1, notify/api/serializers.py).
NO_EVENTS = "name at least one event."


def events_checked(events: Iterable[str]) -> list[str]:
    events = list(events)
    if not events:
        raise AppError(f"events: {NO_EVENTS}", field="events")
    errors = [FieldError(f"events[{i}]: {e!r} is not an event; one of {', '.join(Event.values)}.", f"events[{i}]")
              for i, e in enumerate(events) if e not in Event.values]
    if errors:
        raise AppError(errors=errors)
    return list(dict.fromkeys(events))


def _check_url(url: str) -> str:
    url = (url or "").strip()
    problem = url_problem(url)
    if problem:
        raise AppError(problem, field="url")
    return url


def endpoint_create(*, user, url: str, events: Iterable[str], description: str = "",
                    active: bool = True) -> WebhookEndpoint:
    require_head_office(user)
    with transaction.atomic():
        made = WebhookEndpoint.objects.create(url=_check_url(url), events=events_checked(events),
                                              description=description, active=active, created_by=user,
                                              secret=new_secret())
        record(Action.WEBHOOK_CREATED, actor=user, target=made, data=endpoint_facts(made))
    return made


def endpoint_get(*, user, endpoint_id: int) -> WebhookEndpoint:
    require_head_office(user)
    endpoint = WebhookEndpoint.objects.select_related("created_by").filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def endpoint_update(*, user, endpoint_id: int, **changes) -> WebhookEndpoint:
    """Change any of url, events, description, active (those given)."""
    endpoint = endpoint_get(user=user, endpoint_id=endpoint_id)
    before = endpoint_facts(endpoint)
    if "url" in changes:
        endpoint.url = _check_url(changes["url"])
    if "events" in changes:
        endpoint.events = events_checked(changes["events"])
    for name in ("description", "active"):
        if name in changes:
            setattr(endpoint, name, changes[name])
    with transaction.atomic():
        endpoint.save()
        after = endpoint_facts(endpoint)
        record(Action.WEBHOOK_CHANGED, actor=user, target=endpoint, data={
            name: {"before": before[name], "after": after[name]} for name in after if before[name] != after[name]})
    return endpoint


def endpoint_rotate_secret(*, user, endpoint_id: int) -> WebhookEndpoint:
    """A new secret at once: deliveries made from now on are signed with it (those already on their way were
    signed with the old one)."""
    endpoint = endpoint_get(user=user, endpoint_id=endpoint_id)
    endpoint.secret = new_secret()
    with transaction.atomic():
        endpoint.save(update_fields=["secret"])
        record(Action.WEBHOOK_CHANGED, actor=user, target=endpoint, data={"secret": "rotated"})
    return endpoint


def endpoint_delete(*, user, endpoint_id: int) -> None:
    """The endpoint and its delivery history go; deliveries queued for it find nothing to send."""
    endpoint = endpoint_get(user=user, endpoint_id=endpoint_id)
    with transaction.atomic():
        record(Action.WEBHOOK_DELETED, actor=user, target=endpoint, data=endpoint_facts(endpoint))
        endpoint.delete()


def endpoint_facts(endpoint: WebhookEndpoint) -> dict:
    """What the audit trail keeps of an endpoint: never its secret."""
    return {"url": endpoint.url, "events": sorted(endpoint.events), "description": endpoint.description,
            "active": endpoint.active}


def replay(*, user, delivery_id: int) -> WebhookDelivery:
    """A new delivery of the same event, key and payload to the same endpoint (its own attempts and status;
    ``replay_of`` names the one replayed, which stays as it was), queued on commit."""
    require_head_office(user)
    original = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if original is None:
        raise NotFound("No such webhook delivery.")
    return replay_many([original])[0]


def replay_many(originals: list[WebhookDelivery]) -> list[WebhookDelivery]:
    """Replay each (the admin's action for several; access is the caller's)."""
    inactive = [o for o in originals if not o.endpoint.active]
    if inactive:
        raise Conflict(f"The endpoint {inactive[0].endpoint.url} is inactive: activate it before replaying "
                       f"deliveries to it.", code="endpoint_inactive")
    with transaction.atomic():
        replays = WebhookDelivery.objects.bulk_create([
            WebhookDelivery(endpoint_id=o.endpoint_id, event=o.event, key=o.key, payload=o.payload,
                            status=DeliveryStatus.PENDING, replay_of=o) for o in originals])
        ids = [r.pk for r in replays]
        transaction.on_commit(lambda: dispatch.enqueue_deliveries(ids))
    return replays
