"""Filters for the alerts' e-mails (alerts/templates/notify/email/*.txt), in the reader's language: the e-mail
is rendered with the recipient's language active, so the number and date formats and the criterion's prompt
follow it (the prompt by the standard's one rule, ``consistency.services.translation.translated``)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django import template
from django.utils import formats
from django.utils.translation import get_language

from consistency.services.translation import translated

register = template.Library()


@register.filter
def prompt(data: dict) -> str:
    """The criterion's prompt of an alert's data ({"prompt", "translations"}) in the active language."""
    item = SimpleNamespace(prompt=data.get("prompt", ""), translations=data.get("translations") or {})
    return translated(item, "prompt", get_language())


@register.filter
def percent(value) -> str:
    """A share 0..1 as a percentage with one decimal, in the active language's number format ("82.5%", "82,5 %")."""
    if value is None or value == "":
        return "–"
    return formats.number_format(round(float(value) * 100, 1), 1) + ("\u202f%" if get_language() == "fr" else "%")


@register.filter
def points(value) -> str:
    """A change of a share in percentage points, signed ("-3.2", "+1.0")."""
    if value is None or value == "":
        return "–"
    change = round(float(value) * 100, 1)
    return ("+" if change > 0 else "") + formats.number_format(change, 1)


@register.filter
def number(value) -> str:
    """An index or reading with one decimal at most, in the active language's format."""
    if value is None or value == "":
        return "–"
    value = float(value)
    return formats.number_format(value, 0 if value == int(value) else 1)


@register.filter
def day(value) -> str:
    """An ISO date ("2026-03-09") as the active language writes it."""
    if not value:
        return ""
    return formats.date_format(dt.date.fromisoformat(str(value)), "DATE_FORMAT")
