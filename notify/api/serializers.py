"""The shapes of the notification API: webhook endpoints and deliveries (head office), a person's preferences."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from ..events import Event, Mode
from ..models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from ..services.webhooks import NO_EVENTS


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=Event.choices))
    created_by = serializers.SerializerMethodField()
    deliveries = serializers.SerializerMethodField(help_text="Its deliveries, newest first.")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "active", "created_by", "created_at", "deliveries"]

    def get_created_by(self, endpoint) -> str | None:
        return endpoint.created_by.username if endpoint.created_by_id else None

    def get_deliveries(self, endpoint) -> str:
        return reverse("webhook-deliveries", args=[endpoint.pk])


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="Signs every delivery (Touchpoint-Signature). Shown only now: keep it; "
                                             "POST .../rotate-secret/ makes a new one.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class EndpointWriteSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="https://... (http:// only to this machine where "
                                                          "WEBHOOK_ALLOW_LOOPBACK_HTTP is on).")
    # At least one (minItems in the schema), refused with the service's own words (notify.services.webhooks).
    events = serializers.ListField(child=serializers.CharField(max_length=48), min_length=1,
                                   error_messages={"empty": NO_EVENTS, "min_length": NO_EVENTS},
                                   help_text="Event names it receives (GET /api/v1/me/notifications/ lists them).")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)


class DeliverySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "endpoint", "event", "key", "status", "attempts", "last_status_code", "last_error",
                  "next_attempt_at", "created_at", "delivered_at", "replay_of", "payload"]


class EventModeSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=Event.choices)
    label = serializers.CharField(help_text="What the event is, in your language.")
    mode = serializers.ChoiceField(choices=Mode.choices)
    default_mode = serializers.ChoiceField(choices=Mode.choices, help_text="What you get when you have not chosen.")
    chosen = serializers.BooleanField(help_text="false: you follow the default.")


class PreferencesSerializer(serializers.Serializer):
    events = EventModeSerializer(many=True)
    digest_hour_utc = serializers.IntegerField(help_text="The hour (UTC) the daily digest is sent.")


class ChoiceSerializer(serializers.Serializer):
    event = serializers.CharField(max_length=48)
    mode = serializers.CharField(max_length=16)


class PreferencesWriteSerializer(serializers.Serializer):
    events = ChoiceSerializer(many=True, help_text="The events to set; events not named keep their mode.")
