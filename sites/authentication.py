"""Token authentication in one plain query.

DRF's ``TokenAuthentication`` compiles ``Token.objects.select_related("user").get(key=...)`` on every
request; on the check submission's hot path that compilation cost more CPU than the query itself. This
asks the same question (the token's user, which must be active) with the same answers and messages.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from backend import rows


def token_key(request) -> str | None:
    """The key of a well-formed ``Authorization: Token <key>`` header, else None. A hot path that checks the
    key inside its own query (``consistency.services.check_fast``) reads it here; anything it cannot
    accept goes through :class:`TokenAuthentication` for DRF's answer."""
    parts = authentication.get_authorization_header(request).split()
    if len(parts) != 2 or parts[0].lower() != TokenAuthentication.keyword.lower().encode():
        return None
    try:
        key = parts[1].decode()
    except UnicodeError:
        return None
    return key if key.isprintable() else None


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        if not key.isprintable():  # a NUL byte would reach the database as an error, not as a wrong token
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user_model = get_user_model()
        with connection.cursor() as cursor:
            cursor.execute(_sql(user_model, connection.vendor), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = rows.from_row(Token, row[:rows.width(Token)])
        user = rows.from_row(user_model, row[rows.width(Token):])
        token.user = user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token


def _from_token_join(user_model) -> str:
    qn = connection.ops.quote_name
    return (f"FROM {qn(Token._meta.db_table)} t JOIN {qn(user_model._meta.db_table)} u "
            f"ON u.{qn(user_model._meta.pk.column)} = t.{qn(Token._meta.get_field('user').column)} "
            f"WHERE t.{qn(Token._meta.get_field('key').column)} = %s")


@cache
def _sql(user_model, vendor: str) -> str:
    return f"SELECT {rows.columns(Token, 't')}, {rows.columns(user_model, 'u')} {_from_token_join(user_model)}"


def active_user_of_token_sql() -> str:
    """SQL of the token's user row (alias ``u``) if that user is active, its one parameter the key: the same
    question as :class:`TokenAuthentication`, for a query that asks it beside others (``check_fast``)."""
    return f"SELECT u.* {_from_token_join(get_user_model())} AND u.is_active"
