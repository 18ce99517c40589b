"""One feedback response checked field by field: the rules shared by ``POST /api/v1/feedback/`` and the CSV
import, so a row is refused for the same reason, in the same words, whichever way it came.

The caller gives the raw values (JSON values, or a CSV row's text) and the :class:`Lookups` (sites and
questions by code); the answer is a :class:`FeedbackRow` ready to store, or the list of problems, each naming
its field.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.validators import slug_re
from django.utils import timezone

from backend.errors import FieldError
from backend.inputs import EARLIEST_DAY, NUL, NUL_MESSAGE, is_finite_number, iso_day
from customer.models import FeedbackQuestion
from sites.models import Site

from .scores import SCALES, in_scale, normalized

CHANNEL_MAX_LENGTH = 32
COMMENT_MAX_LENGTH = 4000
RESPONSE_ID_MAX_LENGTH = 128
DEFAULT_CHANNEL = "survey"
SCALE_NAMES = " or ".join(SCALES)


@dataclass(frozen=True)
class SiteRef:
    id: int
    code: str
    timezone: str
    opened_on: dt.date


@dataclass(frozen=True)
class FeedbackRow:
    """A response that passed every rule: what is stored, as stored."""

    site_id: int
    date: dt.date
    channel: str
    question_id: int | None
    scale: str
    score: float
    normalized: float
    comment: str
    response_id: str


@dataclass
class Lookups:
    """Sites and questions by code, and each time zone's local date at ``now``: loaded once per import (a few
    thousand sites at most, whatever the file's length), or just the one site and question of a single POST."""

    sites: dict[str, SiteRef]
    questions: dict[str, int]
    now: dt.datetime
    _today: dict[str, dt.date] = field(default_factory=dict)

    @classmethod
    def load(cls, *, sites: Iterable[str] | None = None, questions: Iterable[str] | None = None,
             now: dt.datetime | None = None) -> Lookups:
        """Every site and question (``None``), or only those named."""
        site_qs = Site.objects.all() if sites is None else Site.objects.filter(code__in=list(sites))
        question_qs = FeedbackQuestion.objects.all() if questions is None else \
            FeedbackQuestion.objects.filter(key__in=list(questions))
        return cls(
            sites={code: SiteRef(pk, code, tz, opened) for pk, code, tz, opened in
                   site_qs.values_list("pk", "code", "timezone", "opened_on")},
            questions=dict(question_qs.values_list("key", "pk")),
            now=now or timezone.now())

    def local_today(self, site: SiteRef) -> dt.date:
        """The site's local date (as check_rules.local_today says it), once per time zone."""
        today = self._today.get(site.timezone)
        if today is None:
            today = self._today[site.timezone] = self.now.astimezone(zoneinfo.ZoneInfo(site.timezone)).date()
        return today


def _text(raw) -> str | None:
    """A text value, stripped; None for a missing or empty one. A non-text value is returned as the marker
    ``_NOT_TEXT`` so the caller can name it."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        return _NOT_TEXT
    raw = raw.strip()
    return raw or None


_NOT_TEXT = "\x00not text"


def validate_row(raw: Mapping[str, object], lookups: Lookups, *, from_text: bool,
                 default_channel: str | None = DEFAULT_CHANNEL) -> tuple[FeedbackRow | None, list[FieldError]]:
    """Check one response. ``from_text``: the values are a CSV row's text (a score is written "7.5"); otherwise
    JSON values (a score is a number). ``default_channel``: what an absent channel means (None: required)."""
    errors: list[FieldError] = []

    def err(name: str, message: str, code: str = "invalid") -> None:
        errors.append(FieldError(f"{name}: {message}", name, code))

    site = None
    code = _text(raw.get("site"))
    if code is None:
        err("site", "required: the site's code.", "required")
    elif code is _NOT_TEXT:
        err("site", "the site's code, as text.")
    else:
        site = lookups.sites.get(code)
        if site is None:
            err("site", f"no site {code!r}.", "unknown_site")

    day = None
    text = _text(raw.get("date"))
    if text is None:
        err("date", "required: the site's local date of the visit (YYYY-MM-DD).", "required")
    else:
        day = iso_day(text) if text is not _NOT_TEXT else None
        if day is None:
            err("date", f"{_shown(raw.get('date'))} is not a date written YYYY-MM-DD.", "bad_date")
        elif day < EARLIEST_DAY:
            err("date", f"a day from {EARLIEST_DAY} on; {day} is before anything Touchpoint records.", "bad_date")
        elif site is not None:
            today = lookups.local_today(site)
            if day > today:
                err("date", f"{day} is in the future for site {site.code} (its local date is {today}).",
                    "future_date")
            elif day < site.opened_on:
                err("date", f"site {site.code} opened on {site.opened_on}; {day} is before.", "before_opening")

    scale = _text(raw.get("scale"))
    if scale is None:
        err("scale", f"required: the score's scale, {SCALE_NAMES}.", "required")
    elif scale is _NOT_TEXT or scale not in SCALES:
        err("scale", f"{_shown(raw.get('scale'))} is not a scale; use {SCALE_NAMES}.", "unknown_scale")
        scale = None

    score = _score(raw.get("score"), from_text, err)
    if score is not None and scale is not None and not in_scale(score, scale):
        low, high = SCALES[scale]
        err("score", f"{_number(score)} is outside the scale {scale} ({_number(low)} to {_number(high)}).",
            "out_of_scale")

    channel = _text(raw.get("channel"))
    if channel is None:
        channel = default_channel
        if channel is None:
            err("channel", "required: how the response came (survey, email, sms, web, phone, in_store, ...).",
                "required")
    elif channel is _NOT_TEXT or len(channel) > CHANNEL_MAX_LENGTH or not slug_re.match(channel):
        err("channel", f"a word of at most {CHANNEL_MAX_LENGTH} letters, digits, '-' or '_' (e.g. survey, sms).")

    question_id = None
    key = _text(raw.get("question"))
    if key is _NOT_TEXT:
        err("question", "the question's key, as text.")
    elif key is not None:
        question_id = lookups.questions.get(key)
        if question_id is None:
            err("question", f"no question {key!r} (GET /api/v1/feedback/questions/ lists them).", "unknown_question")

    comment = _free_text(raw.get("comment"), "comment", COMMENT_MAX_LENGTH, err)
    response_id = _free_text(raw.get("response_id"), "response_id", RESPONSE_ID_MAX_LENGTH, err).strip()

    if errors:
        return None, errors
    return FeedbackRow(site_id=site.id, date=day, channel=channel, question_id=question_id, scale=scale,
                       score=score, normalized=normalized(score, scale), comment=comment,
                       response_id=response_id), []


def _score(raw, from_text: bool, err) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        err("score", "required: the customer's score on its scale.", "required")
        return None
    if from_text and isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            err("score", f"{_shown(raw)} is not a number.", "not_a_number")
            return None
        return value
    if not is_finite_number(raw):
        err("score", f"{_shown(raw)} is not a number.", "not_a_number")
        return None
    return float(raw)


def _free_text(raw, name: str, limit: int, err) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        err(name, "text.")
        return ""
    if len(raw) > limit:
        err(name, f"at most {limit} characters ({len(raw)} given).", "max_length")
        return ""
    if NUL in raw:
        err(name, NUL_MESSAGE)
        return ""
    return raw


def _shown(value) -> str:
    text = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
