"""Device tokens: issued at sign-in, listed by their owner (head office: anyone's), revoked from any device."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import Action
from audit.services import record
from backend.errors import AppError, NotFound
from backend.inputs import NUL, NUL_MESSAGE

from . import access
from .models import DeviceToken

DEVICE_NAME_MAX = DeviceToken._meta.get_field("device_name").max_length


def device_name_of(*, given: str | None, user_agent: str) -> str:
    """The name a person gave the device, else its User-Agent (what a list of devices can show)."""
    name = (given or "").strip() or user_agent.strip()
    return name[:DEVICE_NAME_MAX]


@transaction.atomic
def token_issue(*, user, device_name: str) -> tuple[DeviceToken, str]:
    """A new token for one device: (its row, the token itself, shown this once: only its digest is kept).
    The user's expired tokens go now, so that expired rows last only until their owner signs in again."""
    DeviceToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    return DeviceToken.objects.create(user=user, device_name=device_name, last_used=timezone.now())


def tokens_purge_expired(*, now=None) -> int:
    """Delete every expired token (they authenticate nothing): the devices of people who never sign in again
    are not kept for good. Returns how many went."""
    deleted, _ = DeviceToken.objects.filter(expiry__lte=now or timezone.now()).delete()
    return deleted


def token_list(*, viewer, username: str | None = None) -> QuerySet[DeviceToken]:
    """The viewer's devices still signed in; head office may ask for another person's (``username``)."""
    tokens = DeviceToken.objects.filter(expiry__gt=timezone.now()).select_related("user")
    if username is None or username == viewer.get_username():
        return tokens.filter(user=viewer)
    if not access.is_head_office(viewer):
        # Another person's devices are not admitted to exist, as another site's data.
        raise NotFound("No such person among those whose devices you may see.", field="user")
    if NUL in username:  # PostgreSQL refuses it in text: a 400 here, not a 500 from the query
        raise AppError(f"user: {NUL_MESSAGE}", field="user")
    user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    if user is None:
        raise NotFound("No such person among those whose devices you may see.", field="user")
    return tokens.filter(user=user)


def token_revoke(*, viewer, token_id: int) -> None:
    """Sign a device out: its token stops working at once. The owner may revoke any of theirs, head office
    anyone's; to anyone else another person's token does not exist (404)."""
    tokens = DeviceToken.objects.all() if access.is_head_office(viewer) else DeviceToken.objects.filter(user=viewer)
    with transaction.atomic():
        owner = tokens.filter(pk=token_id).values("user__username", "device_name").first()
        deleted, _ = tokens.filter(pk=token_id).delete()
        if deleted:
            record(Action.TOKEN_REVOKED, actor=viewer, target_type="sites.devicetoken", target_id=token_id, data={
                "user": owner["user__username"], "device_name": owner["device_name"]})
    if not deleted:
        raise NotFound("No such device among yours.")
