from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from backend.inputs import slug_param

from . import selectors, tokens
from .lockout import LockedOut, was_locked_out
from .serializers import (
    DeviceTokenSerializer,
    IssuedTokenSerializer,
    MeSerializer,
    SignInSerializer,
    SiteSerializer,
)


class TokenView(APIView):
    """Exchange a username and password for an API token for this device (phones keep it)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=SignInSerializer, responses={200: IssuedTokenSerializer},
                   summary="Sign in: a token for this device (a 429 while the username or address is locked out)")
    def post(self, request):
        given = SignInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # django-axes counts a failure here as on the login page and the admin, and refuses a locked-out
        # username or address before the password is checked.
        user = authenticate(request=request, username=given.validated_data["username"],
                            password=given.validated_data["password"])
        if was_locked_out(request):
            raise LockedOut()
        if user is None:
            raise serializers.ValidationError("Unable to log in with provided credentials.", code="authorization")
        row, token = tokens.token_issue(user=user, device_name=tokens.device_name_of(
            given=given.validated_data.get("device_name"), user_agent=request.headers.get("User-Agent", "")))
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        row.token = token  # shown this once: only its digest is stored
        return Response(IssuedTokenSerializer(row).data, status=status.HTTP_200_OK)


class TokenListView(generics.ListAPIView):
    """The devices signed in with a token: yours, or (head office) another person's."""

    serializer_class = DeviceTokenSerializer

    @extend_schema(parameters=[OpenApiParameter("user", str, description="Head office: another person's username.")],
                   summary="Devices signed in (no token is shown: only its digest is stored)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return tokens.token_list(viewer=self.request.user, username=self.request.query_params.get("user"))


class TokenDetailView(APIView):
    @extend_schema(responses={204: None}, summary="Sign a device out: its token stops working at once")
    def delete(self, request, token_id: int):
        tokens.token_revoke(viewer=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(selectors.me(user=request.user)).data)


class SiteListView(generics.ListAPIView):
    serializer_class = SiteSerializer

    @extend_schema(parameters=[OpenApiParameter("region", str, description="Only sites of this region code.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.site_list(user=self.request.user, region=slug_param(self.request.query_params, "region"))


class SiteDetailView(generics.RetrieveAPIView):
    serializer_class = SiteSerializer

    def get_object(self):
        return selectors.site_shown(user=self.request.user, code=self.kwargs["code"])
