"""The rules of a daily check that need no write: its input, the day it may be for, and each result judged.

The criteria of a released version come from a per-process cache and every result is judged in plain
Python with ``scoring.judge``: building 40 ORM instances (and running their field preparation) cost more
than the database work itself (bench/RESULTS-submit.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from backend.errors import AppError, Conflict, FieldError

from ..models import CheckResult, DailyCheck
from ..selectors import checks as selectors
from . import applicability, scoring
from .applicability import Mark

# How far a phone's clock may run ahead of the server before ``performed_at`` counts as "in the future".
CLOCK_SKEW = dt.timedelta(minutes=10)
NOTE_MAX_LENGTH = CheckResult._meta.get_field("note").max_length
REASON_MAX_LENGTH = DailyCheck._meta.get_field("amendment_reason").max_length


@dataclass(frozen=True)
class ResultInput:
    criterion: str
    value: object  # as the phone sent it: judged against its criterion's kind (text is refused there, named)
    note: str = ""
    refused: bool = False  # its shape was refused (listed in ``CheckInput.problems``); it still counts as given
    position: int | None = None  # its index in the body's results, where problems are reported


@dataclass(frozen=True)
class CheckInput:
    """A check as the phone sent it, already checked for shape (types, finiteness, lengths, duplicates)."""

    date: dt.date
    results: list[ResultInput]
    performed_at: dt.datetime | None = None
    client_id: uuid.UUID | None = None
    amends: int | None = None
    reason: str = ""
    # Problems of single results found by the shape check, reported together with what judging finds.
    problems: tuple[FieldError, ...] = ()
    # The part of the standard it gives: a department's key (its staff's check), None: the site's daily check
    # (check_parts).
    department: str | None = None


@dataclass
class JudgedResult:
    spec: selectors.CriterionRule
    value: float
    note: str
    met: bool
    passed: bool
    deviation: float


def local_today(site, *, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(site.tz).date()


def within_late_window(*, site, day: dt.date, now: dt.datetime) -> bool:
    """Whether ``day`` is still open at ``now``: at most ``LATE_CHECK_WINDOW_DAYS`` before the site's local date.

    One window closes a day to everything that would change its numbers: a late check, an amendment, and a
    new photo for its check (``evidence.target_for_check``). After it, reports of the day stay true."""
    return (local_today(site, now=now) - day).days <= settings.LATE_CHECK_WINDOW_DAYS


def validate_check_date(*, site, day: dt.date, now: dt.datetime) -> bool:
    """Refuse a day the site cannot report; answer whether the check is late."""
    if not site.active:
        raise Conflict(f"Site {site.code} is closed (inactive): it takes no more checks.", field="code",
                       code="site_inactive")
    today = local_today(site, now=now)
    if day > today:
        raise AppError(f"{day} is in the future for site {site.code} (its local date is {today}).", field="date",
                       code="future_date")
    if day < site.opened_on:
        raise AppError(f"Site {site.code} opened on {site.opened_on}; there is no check to give for {day}.",
                       field="date", code="before_opening")
    window = settings.LATE_CHECK_WINDOW_DAYS
    if not within_late_window(site=site, day=day, now=now):
        raise AppError(f"{day} is more than {window} days ago; checks are accepted up to {window} days late.",
                       field="date", code="too_late")
    return day < today


_EXPECTS = {"boolean": "a yes/no criterion: send true or false",
            "score": "a score: send a whole number from 1 to 5"}


def _coerce(spec: selectors.CriterionRule, value, path: str) -> float:
    """The value as the float the table stores, or a message naming the criterion and the one kind it expects."""
    named = f"{path}: \"{spec.prompt}\" ({spec.key})"
    expects = _EXPECTS.get(spec.kind) or f"a number{f' of {spec.unit}' if spec.unit else ''}: send a number"
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            raise _Invalid(f"{named} is {expects}, not {_shown(value)}.")
        return 1.0 if value else 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"{named} is {expects}, not {_shown(value)}.")
    if spec.kind == "score":
        if not (isinstance(value, int) or value.is_integer()) or not 1 <= value <= 5:
            raise _Invalid(f"{named} is {expects}, not {value!r}.")
        return float(value)
    if abs(value) > 1e12:
        raise _Invalid(f"{named}: {value} is out of range.")
    if spec.minimum is not None and value < spec.minimum:
        raise _Invalid(f"{named}: {value:g} {spec.unit} is not a possible reading; the lowest is {spec.minimum:g}.")
    if spec.maximum is not None and value > spec.maximum:
        raise _Invalid(f"{named}: {value:g} {spec.unit} is not a possible reading; the highest is {spec.maximum:g}.")
    return float(value)


def _shown(value) -> str:
    """How a refused value is named back: text quoted (cut short), other JSON by its type."""
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


class _Invalid(Exception):
    pass


@dataclass(frozen=True)
class Part:
    """Which of a version's criteria a submission covers.

    ``allowed``: the keys it may give (None: every criterion of the version); ``required``: the keys it must
    give (None: every allowed key). ``name`` says whose part it is in messages ("the accounting department's
    touch points"). The site's daily check is the default part, every criterion; a department's check
    covers its touch points; an audit may give any subset (``required`` empty)."""

    allowed: frozenset[str] | None = None
    required: frozenset[str] | None = None
    name: str = ""


EVERY_CRITERION = Part()


def judge_results(*, criteria: selectors.VersionCriteria, results: list[ResultInput],
                  version_number: int, photos: dict[int, int] | None = None,
                  problems: tuple[FieldError, ...] = (), part: Part = EVERY_CRITERION,
                  not_applicable: Mapping[str, Mark] | None = None) -> list[JudgedResult]:
    """Match results to the version's criteria and judge each; every problem is reported at once, with
    ``problems`` (those the shape check found in single results).

    ``photos``: verified photos per criterion id already given for the day (an amendment); a new check
    has none yet, and evidence verification re-judges ``passed`` later. ``part``: which criteria the
    submission may and must give. ``not_applicable``: the criteria marked not applicable at the site that day
    (``applicability``), by key: not required, and a result given for one is refused with the mark's reason."""
    errors: list[FieldError] = list(problems)
    judged: list[JudgedResult] = []
    seen: set[str] = set()
    for i, item in enumerate(results):
        index = item.position if item.position is not None else i
        spec = criteria.by_key.get(item.criterion)
        if spec is None:
            elsewhere = [n for n in selectors.criterion_versions_with_key(item.criterion) if n != version_number]
            why = (f"belongs to version {', '.join(map(str, elsewhere))} of the standard, not version "
                   f"{version_number} which is in force on that date" if elsewhere
                   else f"is not a criterion of version {version_number} of the standard")
            errors.append(FieldError(f"results[{index}].criterion: {item.criterion!r} {why}.",
                                     f"results[{index}].criterion", "unknown_criterion"))
            continue
        seen.add(spec.key)
        if part.allowed is not None and spec.key not in part.allowed:
            errors.append(FieldError(f"results[{index}].criterion: {item.criterion!r} is not one of "
                                     f"{part.name or 'the criteria this submission covers'}.",
                                     f"results[{index}].criterion", "criterion_outside_part"))
            continue
        if not_applicable and spec.key in not_applicable:
            errors.append(FieldError(applicability.refusal(not_applicable[spec.key], index),
                                     f"results[{index}].criterion", "not_applicable"))
            continue
        if item.refused and item.value is None:
            continue
        try:
            value = _coerce(spec, item.value, f"results[{index}].value")
        except _Invalid as exc:
            errors.append(FieldError(str(exc), f"results[{index}].value", "invalid_value"))
            continue
        if item.refused:
            continue
        met, deviation = scoring.judge(spec, value)
        ok = scoring.passed(met=met, photos_required=spec.photos_required,
                            photos_verified=photos.get(spec.id, 0) if photos else 0)
        judged.append(JudgedResult(spec, value, item.note, met, ok, deviation))
    required = part.required if part.required is not None else part.allowed
    missing = [key for key in criteria.by_key if key not in seen and (required is None or key in required)
               and not (not_applicable and key in not_applicable)]
    if missing:
        whose = part.name or f"version {version_number}"
        errors.append(FieldError(f"results: every criterion of {whose} needs a result; "
                                 f"missing {', '.join(missing)}.", "results", "missing_criteria"))
    if errors:
        raise AppError(errors=sorted(errors, key=lambda e: _position(e.field)))
    return judged


def _position(field: str | None) -> tuple:
    """Problems in the order of the body: check-level fields, then results[0], results[1], ..."""
    if field and field.startswith("results["):
        index, _, rest = field[len("results["):].partition("]")
        return (1, int(index) if index.isdigit() else -1, rest)
    return (0, 0, field or "")
