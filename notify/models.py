"""Notices to people (email) and deliveries to webhooks.

A ``Notice`` is one message to one person about one thing; ``(recipient, event, key)`` is unique, so a notice
is stored once however often the rule that found it runs, and ``status`` moves pending -> sending -> sent
(or ``held`` for a daily digest, then ``digested``) by claims that only one task can win: a notice is sent
once even if its task runs twice. A ``WebhookDelivery`` is the same for one endpoint.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .events import Event, Mode


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    HELD = "held", _("Held for the daily digest")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    DIGESTED = "digested", _("Sent in a digest")
    FAILED = "failed", _("Failed (gave up)")
    SKIPPED = "skipped", _("Not sent (no address, or the person turned it off)")


class Notice(models.Model):
    Status = NoticeStatus

    event = models.CharField(max_length=48, choices=Event.choices)
    # What makes two notices the same one, within an event and recipient: e.g. "A1:2026-12-05" for a reminder.
    key = models.CharField(max_length=200)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    site = models.ForeignKey("sites.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # What the message says, as data: rendered at send time in the recipient's language
    # (notify/templates/notify/email/<event>.txt).
    data = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="A path on this server, e.g. /app/sites/A1/.")
    status = models.CharField(max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "event", "key"], name="notice_once")]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(status__in=["pending", "sending"]),
                         name="notice_unsent"),
            models.Index(fields=["recipient", "created_at"], condition=Q(status="held"), name="notice_held"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.key} to {self.recipient_id} ({self.status})"


class Preference(models.Model):
    """How one person gets one event; no row: ``events.DEFAULT_MODES``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preferences")
    event = models.CharField(max_length=48, choices=Event.choices)
    mode = models.CharField(max_length=16, choices=Mode.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="one_preference_per_event")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event}: {self.mode}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """An HTTPS endpoint head office registered, and the events it wants. Every delivery is signed with
    HMAC-SHA256 over ``timestamp + "." + body`` with ``secret``."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Event names (notify.events.Event) this endpoint receives.")
    secret = models.CharField(max_length=100, default=new_secret)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being delivered")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Failed; will retry")
    FAILED = "failed", _("Failed (gave up)")


class WebhookDelivery(models.Model):
    Status = DeliveryStatus

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=48, choices=Event.choices)
    key = models.CharField(max_length=200)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # A replay is a new delivery of the same payload (its own attempts and status); the original stays as it was.
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["endpoint", "event", "key"], condition=Q(replay_of=None),
                                               name="delivery_once")]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status__in=["pending", "retrying", "sending"]),
                                name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} {self.key} -> {self.endpoint_id} ({self.status})"
