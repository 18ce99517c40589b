"""The standard's own words (touch point names, criterion prompts) for what the engine answers by key, in the
page's language, through the one rule (consistency.services.translation.translated).

The engine's answers (variance, heat map, spread) carry each item's text in the standard's own language. A page
in another language looks the version's items up once (two queries), and only then: English costs nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import get_language

from consistency.models import Criterion, TouchPoint
from consistency.services.translation import supported, translated


@dataclass(frozen=True)
class StandardNames:
    touch_points: dict[str, str] = field(default_factory=dict)
    criteria: dict[str, str] = field(default_factory=dict)

    def touch_point(self, key: str, own: str) -> str:
        return self.touch_points.get(key, own)

    def criterion(self, key: str, own: str) -> str:
        return self.criteria.get(key, own)


def standard_names(version, language: str | None = None) -> StandardNames:
    """``version``'s names by key in ``language`` (the active one by default); empty (the engine's own words
    stand) for the standard's own language or without a version."""
    language = supported(language or get_language())
    if version is None or language == settings.LANGUAGE_CODE:
        return StandardNames()
    return StandardNames(
        {tp.key: translated(tp, "name", language)
         for tp in TouchPoint.objects.filter(version=version).only("key", "name", "translations")},
        {c.key: translated(c, "prompt", language)
         for c in Criterion.objects.filter(version=version).only("key", "prompt", "translations")})


def standard_names_on(day, language: str | None = None) -> StandardNames:
    """The names of the version in force on ``day`` (a period's last day); no query in the standard's own
    language."""
    language = supported(language or get_language())
    if language == settings.LANGUAGE_CODE:
        return StandardNames()
    from consistency.selectors.standard import version_in_force

    return standard_names(version_in_force(on=day), language)
