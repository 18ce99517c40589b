"""What the API and the page list: webhook endpoints and their deliveries (head office), a person's notices."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notice, WebhookDelivery, WebhookEndpoint
from .services.webhooks import endpoint_get, require_head_office

RECENT_NOTICES = 20


def endpoint_list(*, user) -> QuerySet[WebhookEndpoint]:
    require_head_office(user)
    return WebhookEndpoint.objects.select_related("created_by").order_by("id")


def delivery_list(*, user, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """An endpoint's deliveries, newest first (replays included, each naming the one it replays)."""
    endpoint = endpoint_get(user=user, endpoint_id=endpoint_id)
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")


def recent_notices(*, user, limit: int = RECENT_NOTICES) -> list[Notice]:
    """The person's latest notices (any status), with their site."""
    return list(Notice.objects.filter(recipient=user).select_related("site").order_by("-created_at", "-id")[:limit])
