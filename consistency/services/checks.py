"""Submitting a daily check, and amending one: the one path, a plan (``check_plan``) and its one writer
(``check_write``), in one transaction.

The rules that need no write (the input, the day, judging) are in ``check_rules``; the names callers
use are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.utils import timezone

from alerts import critical
from audit.models import Action
from audit.services import record
from backend.errors import AppError, Conflict
from reports import services as reissue

from ..models import DailyCheck
from .check_plan import CheckPlan, check_plan
from .check_rules import (
    CLOCK_SKEW,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    CheckInput,
    JudgedResult,
    ResultInput,
    judge_results,
    local_today,
    validate_check_date,
    within_late_window,
)
from .check_write import SubmittedCheck, check_write

__all__ = ["CLOCK_SKEW", "NOTE_MAX_LENGTH", "REASON_MAX_LENGTH", "CheckInput", "CheckPlan", "JudgedResult",
           "ResultInput", "SubmittedCheck", "check_conflict", "check_submit", "judge_results", "local_today",
           "validate_check_date", "within_late_window"]


def check_submit(*, site, user, payload: CheckInput, now: dt.datetime | None = None,
                 savepoint: bool = True) -> SubmittedCheck:
    """Store a daily check (or an amendment) for ``site``, which the caller resolved for writing.

    In the caller's transaction if it has one, else in its own. The unique constraints decide duplicates:
    no look before the insert; a check they refuse is explained here. ``savepoint``: whether the caller's
    transaction must outlive a refusal (a savepoint, two more statements); not when the caller rolls it back
    whole anyway, as an idempotent request does.
    """
    now = now or timezone.now()
    with transaction.atomic(savepoint=savepoint):
        plan = check_plan(site=site, user=user, payload=payload, now=now)
        submitted = check_write(plan)
        if submitted is None:
            raise check_conflict(site=site, payload=payload, department_id=plan.check.department_id) or RuntimeError(
                f"A unique constraint refused the check of {site.code} for {payload.date}, and none explains it.")
        critical.check_written(plan)  # the region's contact hears of a critical failure when this commits
        if plan.supersedes is not None:
            transaction.on_commit(partial(reissue.packs_affected, site.pk, [payload.date]), robust=True)
            record(Action.CHECK_AMENDED, actor=user, target=submitted.check, site=site, data={
                "date": payload.date, "amends": plan.supersedes.check.pk, "reason": submitted.check.amendment_reason,
                "score": {"before": plan.supersedes.check.score, "after": submitted.check.score}})
    return submitted


def check_conflict(*, site, payload: CheckInput, department_id: int | None = None) -> AppError | None:
    """Which constraint refused the check: the phone's client_id stored before (or, for an amendment, the
    client_id of the check it replaces), or the day already checked for its part (``department_id``: the
    department whose check it is, None: the site's own)."""
    if payload.client_id is not None:
        same = DailyCheck.objects.filter(site=site, client_id=payload.client_id).values_list("pk", flat=True).first()
        if same is not None and same == payload.amends:
            return AppError(f"client_id {payload.client_id} is the one of check {same}, which this amendment "
                            "replaces; an amendment is a new check: give it a client_id of its own.",
                            field="client_id", code="client_id_of_amended_check")
        if same is not None:
            return Conflict(f"Check {same} already carries client_id {payload.client_id}; it was stored before.",
                            field="client_id", code="duplicate_client_id")
    current = (DailyCheck.objects.filter(site=site, date=payload.date, is_current=True, department_id=department_id)
               .values_list("pk", flat=True).first())
    if current is None:
        return None
    whose = "" if department_id is None else " from this department"
    return Conflict(f"Site {site.code} already has check {current}{whose} for {payload.date}. To correct it, send an "
                    f"amendment: the corrected results with \"amends\": {current}, a \"reason\" and a new "
                    "\"client_id\".", field="date", code="check_exists")
