"""The words a page uses for a recorded result: the pack's and the checklist's (reports.packs.value_text, on the
units of services.criterion_text), not a template's own formatting."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language

from consistency.services.translation import translated as translated_text
from reports.packs import value_text

from ..labels import action_status, label
from ..views.language import catalog_version

register = template.Library()


@register.filter
def reading(result) -> str:
    """A result's value as a person reads it: ``54%``, ``37.2 hours``, ``3 / 5``, ``yes``."""
    return value_text(result.criterion.kind, result.value, result.criterion.unit)


@register.filter
def choice(value, choices: str) -> str:
    """A model choice in the person's words (pages.labels): ``{{ run.status|choice:"RunStatus" }}``."""
    return label(choices, value)


@register.simple_tag
def javascript_catalog() -> str:
    """The address of the scripts' words in the page's language (gettext(), interpolate() in the page's JS)."""
    language = get_language() if get_language() in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    return f"{reverse('pages:jsi18n', kwargs={'language': language})}?v={catalog_version()}"


@register.filter
def translated(item, field: str) -> str:
    """A touch point's or criterion's text in the page's language (consistency.services.translation, the one
    rule): ``{{ c|translated:"prompt" }}``, ``{{ tp|translated:"name" }}``."""
    return translated_text(item, field, get_language())


@register.filter(name="action_status")
def action_status_filter(status: str) -> str:
    """A corrective action's status in words (pages.labels.action_status)."""
    return action_status(status) if status else ""
