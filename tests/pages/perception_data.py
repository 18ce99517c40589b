"""Audits and customer feedback written as rows for the pages' end-to-end perception tests, the way the audit
service and the feedback service store them (AuditResult judged by the version in force; FeedbackDay the
daily totals the feedback service keeps). Self-checks: tests/consistency/variance_data.check."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from consistency.models import Criterion
from consistency.selectors.standard import version_in_force
from consistency.services import scoring
from customer.models import Audit, AuditKind, AuditResult, FeedbackDay, FeedbackQuestion
from customer.services.feedback import FeedbackRow, normalized, write_rows


def audit(site, day: dt.date, values: dict[str, float], *, user, kind: str = AuditKind.AUDIT, note: str = "") -> Audit:
    """An audit (or mystery shop) of ``site`` on ``day`` observing the criteria of ``values``."""
    version = version_in_force(on=day)
    criteria = {c.key: c for c in Criterion.objects.filter(version=version, key__in=values)}
    judged = {k: (float(v), *scoring.judge(criteria[k], float(v))) for k, v in values.items()}
    now = timezone.now()
    a = Audit.objects.create(
        site=site, date=day, kind=kind, version=version, submitted_by=user, performed_at=now, received_at=now,
        client_id=uuid.uuid4(), observed=len(judged),
        score=scoring.check_score([(criteria[k].weight, met) for k, (_, met, _) in judged.items()]))
    AuditResult.objects.bulk_create([AuditResult(audit=a, criterion=criteria[k], value=v, met=met, passed=met,
                                                 deviation=dev, note=note) for k, (v, met, dev) in judged.items()])
    return a


def question(key: str, touch_point: str = "", criterion: str = "") -> FeedbackQuestion:
    return FeedbackQuestion.objects.get_or_create(key=key, defaults={"text": key, "touch_point_key": touch_point,
                                                                      "criterion_key": criterion})[0]


def feedback(site, day: dt.date, *, responses: int, satisfied: int, q: FeedbackQuestion | None = None) -> FeedbackDay:
    """A day of feedback: ``satisfied`` responses scoring 9 of 0-10, the others 3, stored by the feedback
    service's one writer (responses and their day's totals)."""
    scores = [9.0] * satisfied + [3.0] * (responses - satisfied)
    write_rows([FeedbackRow(site_id=site.pk, date=day, channel="survey", question_id=q.pk if q else None,
                            scale="0-10", score=score, normalized=normalized(score, "0-10"), comment="",
                            response_id="") for score in scores], user=None, now=timezone.now())
    return FeedbackDay.objects.get(site=site, date=day, question=q)


def seed_outside_view(site_codes: list[str], *, days: int, today: dt.date, audit_pass: dict[str, float],
                      satisfied: dict[str, float], auditor, shopper=None, seed: int = 7) -> None:
    """For the browser tests' demo network: about one audit a week per site over the last ``days`` days (a
    mystery shop by ``shopper`` now and then), passing each criterion with the site's ``audit_pass`` chance,
    and 20 feedback responses a day (an overall rating and four touch points' questions), ``satisfied`` of them satisfied on average. Values from the demo history's
    own drawing (consistency.demo_history), so an audit reads like a check."""
    import random

    from consistency.demo_history import _value
    from consistency.selectors import checks as check_selectors
    from sites.models import Site

    rng = random.Random(seed)
    # An overall rating and questions mapped to touch points of the demo standard.
    questions = [None, *(question(f"q_{tp}", touch_point=tp) for tp in ("phone", "reception", "restroom", "delivery"))]
    for code in site_codes:
        site = Site.objects.get(code=code)
        for back in range(days - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            version = version_in_force(on=day)
            if back % 7 == 3 and version is not None:
                rules = check_selectors.version_criteria(version).by_key
                mystery = shopper is not None and back % 14 == 3
                keys = [k for k in rules if not mystery or rng.random() < 0.5]
                values = {k: float(_value(rules[k], rng.random() < audit_pass.get(code, 0.9), rng)) for k in keys}
                audit(site, day, values, user=shopper if mystery else auditor,
                      kind=AuditKind.MYSTERY_SHOP if mystery else AuditKind.AUDIT)
            for q in questions:
                ok = sum(rng.random() < satisfied.get(code, 0.8) for _ in range(4))
                feedback(site, day, responses=4, satisfied=ok, q=q)


# What one call of customer.perception.perception_gap costs, whatever the number of sites (its reads.py: versions'
# criteria, departments, sites, self-check totals at the period's boundaries, audit results, audits, the feedback
# questions, feedback days). The pages that call it once pin their counts with it.
ENGINE_QUERIES = 8
