"""Survey questions mapped to the standard, so that feedback lands where checks and audits do."""

from __future__ import annotations

from django.core.validators import slug_re
from django.db import IntegrityError, transaction

from backend.errors import AppError, Conflict, FieldError
from backend.inputs import NUL
from consistency.models import Criterion, TouchPoint
from consistency.selectors.standard import released_versions
from customer.models import FeedbackQuestion

from .submit import require_feedback_writer

TEXT_MAX_LENGTH = 300


def question_create(*, user, key: str, text: str, touch_point_key: str = "", criterion_key: str = "",
                    active: bool = True) -> FeedbackQuestion:
    """A new question. A touch point or criterion it maps to must exist in a released version of the standard
    (keys are stable across versions), and a criterion must be one of that touch point's; each refusal a 400
    naming its field; a key in use, a 409."""
    require_feedback_writer(user)
    errors: list[FieldError] = []

    def err(name: str, message: str, code: str = "invalid") -> None:
        errors.append(FieldError(f"{name}: {message}", name, code))

    if not key or len(key) > 64 or not slug_re.match(key):
        err("key", "the key the survey tool exports: at most 64 letters, digits, '-' or '_'.")
    if not text.strip() or len(text) > TEXT_MAX_LENGTH or NUL in text:
        err("text", f"the question as the customer reads it, 1 to {TEXT_MAX_LENGTH} characters.")
    if criterion_key and not touch_point_key:
        err("touch_point_key", "required with criterion_key: the touch point the criterion is under.", "required")
    released = released_versions()
    if touch_point_key and not TouchPoint.objects.filter(version__in=released, key=touch_point_key).exists():
        err("touch_point_key", f"no touch point {touch_point_key!r} in a released version of the standard.",
            "unknown_touch_point")
    elif touch_point_key and criterion_key:
        under = set(Criterion.objects.filter(version__in=released, key=criterion_key)
                    .values_list("touch_point__key", flat=True))
        if not under:
            err("criterion_key", f"no criterion {criterion_key!r} in a released version of the standard.",
                "unknown_criterion")
        elif touch_point_key not in under:
            err("criterion_key", f"criterion {criterion_key!r} is under touch point {', '.join(sorted(under))}, "
                                 f"not {touch_point_key!r}.", "criterion_not_under_touch_point")
    if errors:
        raise AppError(errors=errors)
    try:
        with transaction.atomic():
            return FeedbackQuestion.objects.create(key=key, text=text.strip(), touch_point_key=touch_point_key,
                                                   criterion_key=criterion_key, active=active)
    except IntegrityError:
        raise Conflict(f"key: a question {key!r} exists already.", field="key", code="duplicate_key") from None
