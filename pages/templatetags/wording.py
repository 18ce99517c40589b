"""The words a page uses for a recorded result: the pack's and the checklist's (reports.packs.value_text, on the
units of services.criterion_text), not a template's own formatting."""

from django import template

from reports.packs import value_text

register = template.Library()


@register.filter
def reading(result) -> str:
    """A result's value as a person reads it: ``54%``, ``37.2 hours``, ``3 / 5``, ``yes``."""
    return value_text(result.criterion.kind, result.value, result.criterion.unit)
