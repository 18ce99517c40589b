"""What the perception gap reads: one query each, whatever the number of sites, days or criteria.

The database adds up (audit results per site and criterion key, feedback days per site and mapped key);
Python receives at most sites x criteria rows of counts, never a row per result or per response.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Q, QuerySet, Sum

from consistency.models import TouchPoint
from consistency.variance import totals
from consistency.variance.timeline import Segment
from sites.models import Site

from ..models import Audit, AuditResult, FeedbackDay


@dataclass(frozen=True)
class SiteRow:
    pk: int
    code: str
    name: str
    region: str


def site_rows(sites: QuerySet[Site]) -> list[SiteRow]:
    return [SiteRow(*row) for row in sites.order_by("code").values_list("pk", "code", "name", "region__code")]


def self_checks(*, sites: QuerySet[Site], site_ids: list[int], keys: list[str], date_from: dt.date,
                date_to: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """(observations, passed), each sites x keys: the current self-check results of the period, from the
    variance engine's running totals (two rows per site: total(to) - total(from - 1)). Observed results,
    not expected days: a missed day is the variance's concern, not a claim the site made."""
    found = totals.period_totals(sites=sites, segments=[Segment(date_from, date_to, None)], site_ids=site_ids,
                                 keys=keys)
    observations, passed = found.criteria[0][0], found.criteria[0][1]
    return observations, passed


def audits(*, sites: QuerySet[Site], index: dict[int, int], keys: list[str], date_from: dt.date,
           date_to: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """(results, passed), each sites x keys: the results of audits and mystery shops dated in the period,
    by criterion key (criteria of different versions with one key are one criterion, as for self-checks).
    A key outside ``keys`` (no version of the period has it) is dropped."""
    column = {k: i for i, k in enumerate(keys)}
    n = np.zeros((len(index), len(keys)))
    passed = np.zeros((len(index), len(keys)))
    rows = (AuditResult.objects.filter(audit__site__in=sites, audit__date__range=(date_from, date_to))
            .values_list("audit__site_id", "criterion__key")
            .annotate(n=Count("id"), passed=Count("id", filter=Q(passed=True)))
            .order_by())
    for site_id, key, count, ok in rows:
        s, k = index.get(site_id), column.get(key)
        if s is not None and k is not None:
            n[s, k], passed[s, k] = count, ok
    return n, passed


def audit_counts(*, sites: QuerySet[Site], date_from: dt.date, date_to: dt.date) -> dict[int, int]:
    """Audits and mystery shops per site in the period."""
    return dict(Audit.objects.filter(site__in=sites, date__range=(date_from, date_to))
                .values_list("site_id").annotate(n=Count("id")).order_by())


@dataclass(frozen=True)
class FeedbackSums:
    """Per site, mapped touch point key and criterion key ("" for none): responses, satisfied, the sum of
    normalized scores and of their squares."""

    site_id: int
    touch_point: str
    criterion: str
    responses: int
    satisfied: int
    total: float
    sq_total: float


def feedback(*, sites: QuerySet[Site], date_from: dt.date, date_to: dt.date) -> list[FeedbackSums]:
    """The period's feedback days added up per site and per mapping of their question (a response without a
    question, or to a question mapped to nothing, has "" for both keys)."""
    rows = (FeedbackDay.objects.filter(site__in=sites, date__range=(date_from, date_to))
            .values_list("site_id", "question__touch_point_key", "question__criterion_key")
            .annotate(Sum("responses"), Sum("satisfied"), Sum("normalized_sum"), Sum("normalized_sq_sum"))
            .order_by())
    return [FeedbackSums(site_id, tp or "", criterion or "", int(n or 0), int(ok or 0), float(s or 0.0),
                         float(s2 or 0.0)) for site_id, tp, criterion, n, ok, s, s2 in rows]


def departments(version_ids: list[int]) -> dict[str, str]:
    """Touch point key -> its department key ("" for none), the latest of ``version_ids`` first (the layout
    names touch points by the latest version of the period too)."""
    out: dict[str, str] = {}
    if not version_ids:
        return out
    rank = {vid: i for i, vid in enumerate(version_ids)}
    rows = TouchPoint.objects.filter(version_id__in=version_ids).values_list("version_id", "key", "department__key")
    for _, key, department in sorted(rows, key=lambda r: rank[r[0]]):
        out.setdefault(key, department or "")
    return out
