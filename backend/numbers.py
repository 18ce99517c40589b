"""What counts as a number in a request body, for every validator that reads one."""

import math


def is_finite_number(value) -> bool:
    """An int or a float (not a bool) that a float can hold: not NaN or infinite, and not an integer of 400
    digits (Python's json reads one exactly; turning it into a float raises OverflowError)."""
    if type(value) is bool or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
