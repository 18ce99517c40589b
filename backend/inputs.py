"""Rules for values read from a request body, shared by every validator that reads one."""

import datetime as dt
import math
import re

from django.core.validators import slug_re

from .errors import AppError

# PostgreSQL refuses the NUL character in text (JSON may carry it as \u0000): a 400 here, not a 500 there.
NUL = "\x00"
NUL_MESSAGE = "the NUL character (\\u0000) is not allowed in text."


# No record of Touchpoint's predates this day: an earlier period is a typo (year 1 overflowed the date
# arithmetic of a period and the one before it: a 500).
EARLIEST_DAY = dt.date(2000, 1, 1)


def refuse_before_earliest(day: dt.date, field: str) -> None:
    """A 400 naming ``field`` for a day before EARLIEST_DAY."""
    if day < EARLIEST_DAY:
        raise AppError(f"{field}: a day from {EARLIEST_DAY} on; {day} is before anything Touchpoint records.",
                       field=field)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(raw) -> dt.date | None:
    """A date written YYYY-MM-DD, else None. Python's fromisoformat also reads week dates ("2026-W48-2") and
    "20261123", which no form of ours writes."""
    if not isinstance(raw, str) or not _ISO_DAY.fullmatch(raw):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def is_finite_number(value) -> bool:
    """An int or a float (not a bool) that a float can hold: not NaN or infinite, and not an integer of 400
    digits (Python's json reads one exactly; turning it into a float raises OverflowError)."""
    if type(value) is bool or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def slug_param(query_params, name: str) -> str | None:
    """An optional query parameter that names something by its code (a slug, as region and site codes are):
    None when absent or empty; a 400 naming it when no code could look like that (a NUL byte in it was a 500
    in the database's hands)."""
    value = query_params.get(name) or None
    if value is not None and not slug_re.match(value):
        raise AppError(f"{name}: a code of letters, digits, '-' and '_'.", field=name)
    return value


def lone_surrogate_at(value, path: str = "") -> str | None:
    """Where parsed JSON holds a lone UTF-16 surrogate (``"\\ud800"``): the path of the first string (a value
    or a key) that does, e.g. ``results[3].note`` (``body`` for the top level); None when there is none.

    Python's json reads one; no text holding it can be encoded, stored or rendered (a 500 later, not a 400).
    Deep nesting raises RecursionError, as the parse itself does.
    """
    if isinstance(value, str):
        return (path or "body") if _has_surrogate(value) else None
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = lone_surrogate_at(item, f"{path}[{i}]")
            if found is not None:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            if _has_surrogate(key):
                return path or "body"
            found = lone_surrogate_at(item, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    return None


def lone_surrogate_error(path: str) -> AppError:
    return AppError(f"{path}: text holding a lone UTF-16 surrogate (\\ud800-\\udfff) is not valid Unicode; "
                    "send the character whole.", field=path, code="invalid")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
