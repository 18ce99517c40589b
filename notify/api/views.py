"""HTTP wiring for notifications: webhook endpoints, their deliveries and replays (head office only, 403 for
anyone else), and each person's own preferences."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..services import preferences, webhooks
from . import serializers as s


def _preferences_body(modes) -> dict:
    return s.PreferencesSerializer({"events": modes, "digest_hour_utc": settings.DIGEST_HOUR_UTC}).data


class PreferencesView(APIView):
    @extend_schema(responses=s.PreferencesSerializer, summary="Your notifications: every event and how you get it")
    def get(self, request):
        return Response(_preferences_body(preferences.modes_of(request.user)))

    @extend_schema(request=s.PreferencesWriteSerializer, responses=s.PreferencesSerializer,
                   summary="Choose how you get events: immediate, digest (once a day) or off",
                   description="Sets the events named; the others keep their mode. 400 naming `events[i].event` or "
                               "`events[i].mode` for an unknown name; nothing is stored then.")
    def put(self, request):
        # The serializer documents the body; its shape and names are checked by the service, which names each
        # problem as events[i].event / events[i].mode.
        choices = preferences.choices_of(request.data)
        preferences.validate_choices(choices)
        return Response(_preferences_body(preferences.modes_set(request.user, dict(choices))))


class EndpointListView(generics.ListAPIView):
    """Webhook endpoints (head office). Their secrets are never listed."""

    serializer_class = s.EndpointSerializer

    def get_queryset(self):
        return selectors.endpoint_list(user=self.request.user)

    @extend_schema(request=s.EndpointWriteSerializer, responses={201: s.EndpointWithSecretSerializer},
                   summary="Register a webhook endpoint (head office)",
                   description="The answer carries the endpoint's `secret`, shown only this once. 400 naming `url` "
                               "for an address that is not https:// (plain http:// only to this machine where "
                               "WEBHOOK_ALLOW_LOOPBACK_HTTP is on), `events[i]` for an unknown event.")
    def post(self, request):
        body = s.EndpointWriteSerializer(data=request.data)
        webhooks.require_head_office(request.user)  # before the body is judged: a stranger learns nothing
        body.is_valid(raise_exception=True)
        endpoint = webhooks.endpoint_create(user=request.user, **body.validated_data)
        return Response(s.EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetailView(APIView):
    @extend_schema(responses=s.EndpointSerializer, summary="A webhook endpoint (head office)")
    def get(self, request, endpoint_id: int):
        return Response(s.EndpointSerializer(webhooks.endpoint_get(user=request.user, endpoint_id=endpoint_id)).data)

    @extend_schema(request=s.EndpointWriteSerializer(partial=True), responses=s.EndpointSerializer,
                   summary="Change a webhook endpoint's url, events, description or active (head office)")
    def patch(self, request, endpoint_id: int):
        webhooks.require_head_office(request.user)
        body = s.EndpointWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        given = {name: value for name, value in body.validated_data.items() if name in request.data}
        endpoint = webhooks.endpoint_update(user=request.user, endpoint_id=endpoint_id, **given)
        return Response(s.EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None}, summary="Remove a webhook endpoint and its delivery history (head office)")
    def delete(self, request, endpoint_id: int):
        webhooks.endpoint_delete(user=request.user, endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RotateSecretView(APIView):
    @extend_schema(request=None, responses=s.EndpointWithSecretSerializer,
                   summary="Replace an endpoint's secret (head office); the new one is shown only now",
                   description="Deliveries signed from now on use the new secret.")
    def post(self, request, endpoint_id: int):
        endpoint = webhooks.endpoint_rotate_secret(user=request.user, endpoint_id=endpoint_id)
        return Response(s.EndpointWithSecretSerializer(endpoint).data)


class DeliveryListView(generics.ListAPIView):
    """An endpoint's deliveries, newest first: status, attempts, the last answer's status code or error, when the
    next attempt is due (head office)."""

    serializer_class = s.DeliverySerializer

    def get_queryset(self):
        return selectors.delivery_list(user=self.request.user, endpoint_id=self.kwargs["endpoint_id"])


class ReplayView(APIView):
    @extend_schema(request=None, responses={201: s.DeliverySerializer},
                   summary="Send a delivery again, as a new delivery (head office)",
                   description="The same event, key and payload to the same endpoint, with its own id, attempts and "
                               "status; `replay_of` names the original, which stays as it was. 409 "
                               "`endpoint_inactive` when the endpoint is inactive.")
    def post(self, request, delivery_id: int):
        delivery = webhooks.replay(user=request.user, delivery_id=delivery_id)
        return Response(s.DeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)
