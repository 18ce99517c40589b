"""The standard in a person's language: the one rule for which text of a touch point or criterion is shown.

A released version stores each item's own text (the standard's language, ``settings.LANGUAGE_CODE``) and its
``translations`` ({language: {field: text}}), which ``load_standard`` has checked cover every item. A language
is matched by its primary subtag ("fr-CA" -> "fr"); anything else falls back to the item's own text.
"""

from __future__ import annotations

from django.conf import settings


def supported(language: str | None) -> str:
    """The supported language closest to ``language`` ("fr-CA" -> "fr"; unknown or empty -> the default)."""
    codes = [code for code, _ in settings.LANGUAGES]
    if language:
        wanted = language.strip().lower().replace("_", "-")
        for candidate in (wanted, wanted.split("-")[0]):
            if candidate in codes:
                return candidate
    return settings.LANGUAGE_CODE


def translated(item, field: str, language: str | None) -> str:
    """``item.<field>`` (a TouchPoint's name or why, a Criterion's prompt) in ``language``."""
    own = getattr(item, field)
    language = supported(language)
    if language == settings.LANGUAGE_CODE:
        return own
    return ((getattr(item, "translations", None) or {}).get(language) or {}).get(field) or own
