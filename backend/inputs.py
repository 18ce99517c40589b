"""Rules for values read from a request body, shared by every validator that reads one."""

import math

# PostgreSQL refuses the NUL character in text (JSON may carry it as \u0000): a 400 here, not a 500 there.
NUL = "\x00"
NUL_MESSAGE = "the NUL character (\\u0000) is not allowed in text."


def is_finite_number(value) -> bool:
    """An int or a float (not a bool) that a float can hold: not NaN or infinite, and not an integer of 400
    digits (Python's json reads one exactly; turning it into a float raises OverflowError)."""
    if type(value) is bool or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
