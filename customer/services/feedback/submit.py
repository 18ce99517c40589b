"""One response from a survey tool's integration (``POST /api/v1/feedback/``), through the one writer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from backend.errors import AppError, Conflict, FieldError, Forbidden
from backend.inputs import NUL
from customer.models import FeedbackResponse
from sites import access

from .rows import Lookups, validate_row
from .write import write_rows

# What makes a retry "the same response": every field the tool sent (response_id and question are the key).
_COMPARED = ("site_id", "date", "channel", "scale", "score", "comment")
_NAMES = {"site_id": "site"}
FIELDS = {"site", "date", "channel", "score", "scale", "question", "comment", "response_id"}


@dataclass(frozen=True)
class SubmittedFeedback:
    response: FeedbackResponse
    created: bool  # False: a retry of a response stored before, answered with the stored one


def require_feedback_writer(user) -> None:
    """Feedback is written by head office (a survey tool's integration account is a head-office user)."""
    if not access.is_head_office(user):
        raise Forbidden("Feedback is sent by head office: a survey tool's integration account is a head-office user.")


def feedback_submit(*, user, data: Mapping, now: dt.datetime | None = None) -> SubmittedFeedback:
    """Validate and store one response and add it to its day, in one transaction.

    A response_id (with its question) stored before: the same body again is a retry, answered with the stored
    response and stored once; another body under the same id is a 409 naming what differs."""
    require_feedback_writer(user)
    if not isinstance(data, Mapping):
        raise AppError("The body must be a JSON object.", field="body")
    unknown = sorted(set(data) - FIELDS)
    now = now or timezone.now()
    site, question = data.get("site"), data.get("question")
    # Only the one site and question named (text the database can hold: a NUL is refused by validate_row).
    lookups = Lookups.load(sites=[site.strip()] if isinstance(site, str) and NUL not in site else [],
                           questions=[question.strip()] if isinstance(question, str) and NUL not in question else [],
                           now=now)
    row, errors = validate_row(data, lookups, from_text=False, default_channel=None)
    errors = [FieldError(f"{name}: unknown field; feedback has {', '.join(sorted(FIELDS))}.", name, "unknown_field")
              for name in unknown] + errors
    if errors:
        raise AppError(errors=errors)
    with transaction.atomic():
        inserted = write_rows([row], user=user, now=now)
        if inserted:
            return SubmittedFeedback(_stored(pk=inserted[0].id), created=True)
    stored = _stored(response_id=row.response_id, question_id=row.question_id)
    different = [_NAMES.get(name, name) for name in _COMPARED if getattr(stored, name) != getattr(row, name)]
    if different:
        raise Conflict(f"response_id {row.response_id!r} was stored before (response {stored.pk}) with another "
                       f"{', '.join(different)}; a response is stored once. Send a new response_id for a new "
                       "response.", field="response_id", code="duplicate_response_id")
    return SubmittedFeedback(stored, created=False)


def _stored(**lookup) -> FeedbackResponse:
    return FeedbackResponse.objects.select_related("site", "question").get(**lookup)
