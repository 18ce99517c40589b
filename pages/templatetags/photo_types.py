"""The photo types the pages' file inputs offer: the ones the server accepts (``images.ALLOWED_TYPES``)."""

from __future__ import annotations

from django import template

from consistency.services import images

register = template.Library()


@register.simple_tag
def photo_accept() -> str:
    """The ``accept`` of a photo input: JPEG, PNG, HEIC and HEIF, by type and by extension."""
    return images.ACCEPT_ATTRIBUTE
