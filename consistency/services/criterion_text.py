"""A criterion's target in words, one wording wherever a person reads it: the standard's page and its diff, a
site's page, today's checklist, the compliance pack. ``rule`` is a Criterion or anything with its fields (kind,
target, comparison, tolerance, unit), such as the check selectors' CriterionRule. The words are gettext's, in the
active language; the unit is the standard's own text."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Kind


def number(value: float) -> str:
    return f"{value:g}"


def quantity(value: float, unit: str) -> str:
    """A number with its unit, the unit agreeing with it: ``1 minute``, ``3 minutes``, ``95%`` (a percentage sign
    sits on its number, as people write it)."""
    unit = unit.strip()
    if not unit:
        return number(value)
    if unit == "%":
        return f"{number(value)}%"
    # Units are stored as the plural a form shows ("minutes", "rings"); one of them is singular.
    if abs(value) == 1 and len(unit) > 2 and unit.isalpha() and unit.endswith("s") and not unit.endswith("ss"):
        unit = unit[:-1]
    return f"{number(value)} {unit}"


def requirement(rule) -> str:
    """What the criterion asks: ``yes``, ``at least 4 of 5``, ``at most 3 rings``. The tolerance is said apart
    (:func:`tolerance_text`): a reading within it still passes (services.scoring)."""
    if rule.kind == Kind.BOOLEAN:
        return _("yes")
    if rule.kind == Kind.SCORE:
        return _("at least %(target)s of 5") % {"target": number(rule.target)}
    if rule.comparison == "lte":
        return _("at most %(quantity)s") % {"quantity": quantity(rule.target, rule.unit)}
    return _("at least %(quantity)s") % {"quantity": quantity(rule.target, rule.unit)}


def tolerance_text(rule) -> str:
    """The band a number may miss its target by and still pass; empty when there is none."""
    if rule.kind != Kind.NUMBER or not rule.tolerance:
        return ""
    return quantity(rule.tolerance, rule.unit)


def rule_text(rule) -> str:
    """The requirement with its tolerance, in one phrase: ``at least 95% (tolerance 2%)``."""
    band = tolerance_text(rule)
    return requirement(rule) + (" " + _("(tolerance %(band)s)") % {"band": band} if band else "")
