"""Submitting an independent audit or a mystery shop: the standard filled from outside the site.

An audit is judged like a daily check, by the same functions: the version in force on its date
(``consistency.selectors.standard.version_in_force``, the one rule), the check's date rule
(``check_rules.validate_check_date``) and ``check_rules.judge_results``. Three things differ, on purpose:

- it may give any non-empty subset of the criteria (what the visitor could observe): ``AUDIT_PART``;
- ``passed = met``: the auditor's own observation is the evidence. A check's criterion that requires photos
  passes only once its photos are verified because the site vouches for itself; an auditor is the
  independent witness, and an audit's photos illustrate what they saw without gating the result;
- a site may have several audits on a day (no "one per day" rule); only the phone's ``client_id`` is
  unique per site, so a retry without its Idempotency-Key is refused (409) rather than stored twice.

The score is ``scoring.check_score`` over the observed results only, and ``observed`` says how many there
were: a partial audit is not a failing one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.errors import AppError, Conflict, FieldError, Forbidden
from consistency.selectors import checks as check_selectors
from consistency.selectors.standard import version_in_force
from consistency.services import scoring
from consistency.services.check_plan import performed_at_of
from consistency.services.check_rules import (
    CLOCK_SKEW,
    JudgedResult,
    Part,
    ResultInput,
    judge_results,
    validate_check_date,
)
from sites import access
from sites.models import Role

from ..models import Audit, AuditKind, AuditResult

# Any non-empty subset of the version's criteria: the body's results must not be empty (the shape check),
# and none is required.
AUDIT_PART = Part(required=frozenset(), name="the criteria of the version in force")


@dataclass(frozen=True)
class AuditInput:
    """An audit as the phone sent it, shape checked: a check's fields (without amends/reason), the kind of
    visit and, optionally, when the visit took place."""

    date: dt.date
    results: list[ResultInput]
    kind: str = AuditKind.AUDIT
    performed_at: dt.datetime | None = None
    visited_at: dt.datetime | None = None
    client_id: uuid.UUID | None = None
    problems: tuple[FieldError, ...] = ()


@dataclass
class SubmittedAudit:
    """What the API answers after a submission, from memory."""

    audit: Audit
    version_number: int
    results: list[JudgedResult]


def kinds_for(user) -> tuple[str, ...]:
    """The kinds of audit ``user`` may submit: a mystery shopper only mystery shops; head office and auditors
    either; everyone else none."""
    role = access.role_of(user)
    if role == Role.MYSTERY_SHOPPER:
        return (AuditKind.MYSTERY_SHOP,)
    if role in (Role.HEAD_OFFICE, Role.AUDITOR):
        return (AuditKind.AUDIT, AuditKind.MYSTERY_SHOP)
    return ()


def audit_submit(*, site, user, payload: AuditInput, now: dt.datetime | None = None) -> SubmittedAudit:
    """Store an audit of ``site`` (which the caller resolved among ``access.auditable_sites``), in one
    transaction: the audit and its results, or nothing."""
    now = now or timezone.now()
    if payload.kind not in kinds_for(user):
        raise Forbidden(f"kind: you may not submit {payload.kind!r}; you may submit "
                        f"{' or '.join(kinds_for(user)) or 'no audits'}.", field="kind")
    validate_check_date(site=site, day=payload.date, now=now)
    # The check's rule for performed_at (not in the future, not before the day began at the site).
    performed_at = performed_at_of(site=site, payload=payload, now=now)
    visited_at = _visited_at(site=site, payload=payload, now=now)
    version = version_in_force(on=payload.date)
    if version is None:
        raise AppError(f"No version of the standard is in force on {payload.date}.", field="date", code="no_standard")
    judged = judge_results(criteria=check_selectors.version_criteria(version), results=payload.results,
                           version_number=version.number, problems=payload.problems, part=AUDIT_PART)
    judged = [dataclasses.replace(r, passed=r.met) for r in judged]  # the observation is the evidence
    audit = Audit(site=site, date=payload.date, kind=payload.kind, version=version, submitted_by=user,
                  performed_at=performed_at, visited_at=visited_at, received_at=now,
                  client_id=payload.client_id or uuid.uuid4(),
                  score=scoring.check_score([(r.spec.weight, r.passed) for r in judged]), observed=len(judged))
    try:
        # A savepoint: the unique (site, client_id) refuses a retry, and the caller's transaction outlives it.
        with transaction.atomic():
            audit.save(force_insert=True)
            AuditResult.objects.bulk_create([
                AuditResult(audit=audit, criterion_id=r.spec.id, value=r.value, note=r.note, met=r.met,
                            passed=r.passed, deviation=r.deviation) for r in judged])
    except IntegrityError:
        same = Audit.objects.filter(site=site, client_id=audit.client_id).values_list("pk", flat=True).first()
        if same is None:
            raise
        raise Conflict(f"Audit {same} of site {site.code} already carries client_id {audit.client_id}; it was "
                       "stored before.", field="client_id", code="duplicate_client_id") from None
    return SubmittedAudit(audit=audit, version_number=version.number, results=judged)


def _visited_at(*, site, payload: AuditInput, now: dt.datetime) -> dt.datetime | None:
    """When the visit took place: on the audit's date at the site, and not in the future."""
    visited_at = payload.visited_at
    if visited_at is None:
        return None
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at, site.tz)
    if visited_at > now + CLOCK_SKEW:
        raise AppError("visited_at is in the future.", field="visited_at", code="future_time")
    local = visited_at.astimezone(site.tz).date()
    if local != payload.date:
        raise AppError(f"visited_at ({visited_at.isoformat()}) is on {local} at site {site.code} "
                       f"({site.timezone}), not on the audit's date {payload.date}.", field="visited_at",
                       code="visit_not_on_date")
    return visited_at
