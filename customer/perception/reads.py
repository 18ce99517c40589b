"""What the perception gap reads: one query each, whatever the number of sites, days or criteria.

The database adds up (audit results per site and criterion key, feedback days per site and mapped key);
Python receives at most sites x criteria rows of counts, never a row per result or per response.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from backend import routers
from consistency.models import Criterion, TouchPoint
from consistency.variance import totals
from consistency.variance.timeline import Segment
from sites.models import Site

from ..models import Audit, AuditResult, FeedbackDay, FeedbackQuestion


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
    by criterion key (criteria of different versions with one key are one criterion, as for self-checks: their
    rows are added). A key outside ``keys`` (no version of the period has it) is dropped.

    Grouped by criterion id and only then joined to the criteria for their keys: hashing 120,000 integers (a
    quarter of monthly audits at 1,000 sites) costs a fraction of hashing as many text keys."""
    grouped = (AuditResult.objects.filter(audit__site__in=sites, audit__date__range=(date_from, date_to))
               .values_list("audit__site_id", "criterion_id")
               .annotate(n=Count("id"), passed=Count("id", filter=Q(passed=True)))
               .order_by())
    inner, params = grouped.query.sql_with_params()
    qn = connection.ops.quote_name
    rows = _execute(f"SELECT x.site_id, c.{qn('key')}, x.n, x.passed FROM ({inner}) AS x(site_id, criterion_id, n, passed) "
                    f"JOIN {qn(Criterion._meta.db_table)} c ON c.id = x.criterion_id", params)
    column = {k: i for i, k in enumerate(keys)}
    n = np.zeros((len(index), len(keys)))
    passed = np.zeros((len(index), len(keys)))
    at = [(index.get(site_id), column.get(key), count, ok) for site_id, key, count, ok in rows]
    at = [a for a in at if a[0] is not None and a[1] is not None]
    if at:
        s, k, counts, oks = (np.array(v) for v in zip(*at, strict=True))
        np.add.at(n, (s, k), counts)
        np.add.at(passed, (s, k), oks)
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
    """The period's feedback days added up per site and question, each question then read as its mapping (a
    response without a question, or to a question mapped to nothing, has "" for both keys). Grouped by the
    question's id, not joined to its keys: the day rows are the one large read here (a row per site, day and
    question: a million a quarter at 1,000 sites), and a join per row costs more than a second, tiny query."""
    rows = _raw(FeedbackDay.objects.filter(site__in=sites, date__range=(date_from, date_to))
                .values_list("site_id", "question_id")
                .annotate(Sum("responses"), Sum("satisfied"), Sum("normalized_sum"), Sum("normalized_sq_sum"))
                .order_by())
    # Every question (a survey has tens): asked whether or not there were rows, so the count of queries is fixed.
    mapping = {pk: (tp, criterion) for pk, tp, criterion in
               FeedbackQuestion.objects.order_by().values_list("pk", "touch_point_key", "criterion_key")}
    out = []
    for site_id, question_id, n, ok, s, s2 in rows:
        tp, criterion = mapping.get(question_id, ("", ""))
        out.append(FeedbackSums(site_id, tp, criterion, int(n or 0), int(ok or 0), float(s or 0.0), float(s2 or 0.0)))
    return out


def _raw(qs: QuerySet) -> list[tuple]:
    """The rows of a values_list queryset as the driver gives them: counts and sums need none of Django's
    per-value converters (40,000 rows at 1,000 sites x 40 criteria)."""
    return _execute(*qs.query.sql_with_params())


def _execute(sql: str, params) -> list[tuple]:
    with routers.reading().cursor() as cursor:  # the replica when there is one
        cursor.execute(sql, params)
        return cursor.fetchall()


def departments(version_ids: list[int]) -> dict[str, str]:
    """Touch point key -> its department key ("" for none), the latest of ``version_ids`` first (the layout
    names touch points by the latest version of the period too)."""
    out: dict[str, str] = {}
    if not version_ids:
        return out
    rank = {vid: i for i, vid in enumerate(version_ids)}
    rows = (TouchPoint.objects.filter(version_id__in=version_ids).order_by()
            .values_list("version_id", "key", "department__key"))
    for _, key, department in sorted(rows, key=lambda r: rank[r[0]]):
        out.setdefault(key, department or "")
    return out
