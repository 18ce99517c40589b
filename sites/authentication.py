"""API tokens: django-rest-knox's, one per device (``sites.models.DeviceToken``), sent as
``Authorization: Token <token>`` or ``Authorization: Bearer <token>``.

Knox parses the header, hashes the token and finds it by its first characters; what is ours is how an expired
token is answered (a 401 a phone can act on, rather than knox's "Invalid token."), that its expiry moves
with each use (``last_used`` rides the same write), and that nothing else is read or deleted on the way.
"""

from __future__ import annotations

import binascii
from hmac import compare_digest

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions


def expired_message() -> str:
    return (f"This sign-in expired after {settings.TOKEN_IDLE_DAYS} days unused; sign in again "
            "(POST /api/v1/auth/token/) for a new token.")


class DeviceTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``."""

    def authenticate_credentials(self, token: bytes):
        # Knox's own also deletes the user's other expired tokens, a query on every request; they are deleted
        # when their owner signs in again (sites.tokens.token_issue).
        try:
            token = token.decode()
            digest = hash_token(token)
        except (UnicodeError, TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.isprintable():  # a NUL byte would reach the database as an error, not as a wrong token
            raise exceptions.AuthenticationFailed("Invalid token.")
        candidates = get_token_model().objects.filter(token_key=token[:CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates.select_related("user").order_by():  # a look-up: no ORDER BY to compile or run
            if compare_digest(digest, auth_token.digest):
                break
        else:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
            raise exceptions.AuthenticationFailed(expired_message(), code="token_expired")
        if knox_settings.AUTO_REFRESH:  # TOKEN_IDLE_DAYS counts from the last use, not from sign-in
            self.renew_token(auth_token)
        return self.validate_user(auth_token)

    def renew_token(self, auth_token) -> None:
        # Idle expiry: each use moves it TOKEN_TTL ahead, written at most once per MIN_REFRESH_INTERVAL.
        now = timezone.now()
        expiry = now + knox_settings.TOKEN_TTL
        if auth_token.expiry is None or (expiry - auth_token.expiry).total_seconds() > knox_settings.MIN_REFRESH_INTERVAL:
            auth_token.expiry, auth_token.last_used = expiry, now
            auth_token.save(update_fields=["expiry", "last_used"])


class BearerTokenAuthentication(DeviceTokenAuthentication):
    """The same tokens sent as ``Authorization: Bearer <token>``, as many HTTP clients do by default."""

    def authenticate_header(self, request):
        return "Bearer"


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        definition = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
        return {**definition, "description": (
            "`Authorization: Token <token>`, the token from POST /api/v1/auth/token/ (one per device). It expires "
            f"after {settings.TOKEN_IDLE_DAYS} days unused: a 401 with code `token_expired` says to sign in "
            "again.")}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")
