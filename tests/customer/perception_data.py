"""Audits and feedback for the perception tests, written directly as rows (the audit and feedback write
paths are other branches'): an audit as the audit service stores one (judged by the version in force on its
day), and feedback responses together with the FeedbackDay totals that the feedback service keeps beside them,
so the two never disagree here either."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from consistency.models import Criterion
from customer.models import Audit, AuditKind, AuditResult, FeedbackDay, FeedbackQuestion, FeedbackResponse

# customer.services.feedback's rule (branch feedback): satisfied = normalized >= 0.75.
SATISFIED = 0.75
NORMALIZE = {"0-10": lambda s: s / 10.0, "1-5": lambda s: (s - 1) / 4.0}


def audit(site, day: dt.date, passed: dict[str, bool], *, user, kind: str = AuditKind.AUDIT) -> Audit:
    """An audit of ``site`` on ``day`` that observed the criteria of ``passed`` (key -> passed or not)."""
    from consistency.selectors.standard import version_in_force

    version = version_in_force(on=day)
    criteria = {c.key: c for c in Criterion.objects.filter(version=version, key__in=list(passed))}
    now = timezone.now()
    with transaction.atomic():
        a = Audit.objects.create(site=site, date=day, kind=kind, version=version, submitted_by=user, performed_at=now,
                                 received_at=now, client_id=uuid.uuid4(),
                                 score=sum(passed.values()) / len(passed), observed=len(passed))
        AuditResult.objects.bulk_create([
            AuditResult(audit=a, criterion=criteria[k], value=1.0 if ok else 0.0, met=ok, passed=ok,
                        deviation=0.0 if ok else 1.0)
            for k, ok in passed.items()])
    return a


def question(key: str, *, touch_point: str = "", criterion: str = "") -> FeedbackQuestion:
    return FeedbackQuestion.objects.create(key=key, text=f"Question {key}", touch_point_key=touch_point,
                                           criterion_key=criterion)


def feedback(site, day: dt.date, scores: list[float], *, scale: str = "0-10",
             question: FeedbackQuestion | None = None) -> None:
    """Responses of one day and question, and their FeedbackDay totals updated in the same transaction."""
    normalized = [NORMALIZE[scale](s) for s in scores]
    now = timezone.now()
    with transaction.atomic():
        FeedbackResponse.objects.bulk_create([
            FeedbackResponse(site=site, date=day, channel="survey", question=question, scale=scale, score=s,
                             normalized=x, received_at=now) for s, x in zip(scores, normalized, strict=True)])
        row, _ = FeedbackDay.objects.get_or_create(site=site, date=day, question=question)
        FeedbackDay.objects.filter(pk=row.pk).update(
            responses=F("responses") + len(scores),
            satisfied=F("satisfied") + sum(x >= SATISFIED for x in normalized),
            normalized_sum=F("normalized_sum") + sum(normalized),
            normalized_sq_sum=F("normalized_sq_sum") + sum(x * x for x in normalized))


def assert_feedback_days_agree() -> None:
    """Every FeedbackDay equals the sums of its responses (the rule the feedback service keeps)."""
    from django.db.models import Count, Q, Sum

    sums = {(r["site_id"], r["date"], r["question_id"]): r for r in FeedbackResponse.objects.values(
        "site_id", "date", "question_id").annotate(n=Count("id"), ok=Count("id", filter=Q(normalized__gte=SATISFIED)),
                                                   s=Sum("normalized"))}
    days = list(FeedbackDay.objects.all())
    assert len(days) == len(sums)
    for d in days:
        r = sums[(d.site_id, d.date, d.question_id)]
        assert (d.responses, d.satisfied) == (r["n"], r["ok"]) and abs(d.normalized_sum - r["s"]) < 1e-9
