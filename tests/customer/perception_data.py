"""Audits and feedback for the perception tests: an audit written directly as rows (as the audit service stores
one, judged by the version in force on its day, with exactly the pass/fail the test wants), and feedback
through the feedback service's one writer (responses and their FeedbackDay totals in one statement)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from consistency.models import Criterion
from customer.models import Audit, AuditKind, AuditResult, FeedbackDay, FeedbackQuestion, FeedbackResponse
from customer.services.feedback import SATISFIED_AT, FeedbackRow, normalized, write_rows


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
    """Responses of one day and question, stored with their FeedbackDay totals by the feedback service's writer."""
    write_rows([FeedbackRow(site_id=site.pk, date=day, channel="survey", question_id=question.pk if question else None,
                            scale=scale, score=float(s), normalized=normalized(s, scale), comment="", response_id="")
                for s in scores], user=None, now=timezone.now())


def assert_feedback_days_agree() -> None:
    """Every FeedbackDay equals the sums of its responses (the rule the feedback service keeps)."""
    from django.db.models import Count, Q, Sum

    sums = {(r["site_id"], r["date"], r["question_id"]): r for r in FeedbackResponse.objects.values(
        "site_id", "date", "question_id").annotate(n=Count("id"), ok=Count("id", filter=Q(normalized__gte=SATISFIED_AT)),
                                                   s=Sum("normalized"))}
    days = list(FeedbackDay.objects.all())
    assert len(days) == len(sums)
    for d in days:
        r = sums[(d.site_id, d.date, d.question_id)]
        assert (d.responses, d.satisfied) == (r["n"], r["ok"]) and abs(d.normalized_sum - r["s"]) < 1e-9
