"""The raw results export: one row per site, day, criterion and source (a check's result, an audit's result, a
customer's feedback response), as PostgreSQL's own CSV (``COPY (SELECT ...) TO STDOUT``). The columns, their
order and their meaning per source are documented in docs/exports.md; they only ever grow at the end.

Which rows: the current checks (an amended check's earlier version is left out; the current one says
``amended``) and every audit and feedback response dated in the period, of the sites in scope. The database
formats every value, so the same rows are the same bytes whoever asks (the streamed GET, a background run).

``counted`` (check rows) is the variance engine's rule for which results it counts (consistency.services.rollup:
a current result of a day on or after the site opened, whose criterion key belongs to the version in force
that day, not marked not applicable for the site and day): the sum of ``counted`` check rows per site and
criterion is GET /api/v1/variance/'s ``observations``, and of those passed its ``pass_rate.passed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection

from consistency.models import CheckResult, Criterion, DailyCheck, Department, StandardVersion, TouchPoint
from consistency.selectors.standard import version_in_force_sql
from consistency.services.applicability import covering_sql
from customer.models import Audit, AuditResult, FeedbackQuestion, FeedbackResponse
from customer.services.feedback import SATISFIED_AT
from sites.models import Region, Site

# The columns, in their order (docs/exports.md). Never reorder or rename: add at the end.
COLUMNS = ("site", "region", "date", "source", "source_id", "kind", "department", "version", "touch_point",
           "criterion", "question", "value", "met", "passed", "deviation", "weight", "late", "amended", "counted",
           "channel", "scale", "received_at")

CHECK, AUDIT, FEEDBACK = "check", "audit", "feedback"
SOURCES = (CHECK, AUDIT, FEEDBACK)


@dataclass(frozen=True)
class ResultsQuery:
    """What to export: the period (both ends included, sites' local dates), the sites (ids; None: every site,
    for head office's whole network) and the sources."""

    date_from: dt.date
    date_to: dt.date
    site_ids: Sequence[int] | None
    sources: Sequence[str] = SOURCES

    def __post_init__(self):
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        if not self.sources or set(self.sources) - set(SOURCES):
            raise ValueError(f"sources must be some of {SOURCES}")


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# received_at as ISO 8601 in UTC, whatever the session's time zone.
_RECEIVED = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


class _Part(NamedTuple):
    """One source's rows: ``select`` (the columns, in COLUMNS' order), ``rows`` and ``where`` (which rows: all a
    count needs) and ``labels`` (joins for the columns only: each finds exactly one row, or none for a LEFT JOIN,
    as the database's keys guarantee: a check's site, version, criterion and touch point always exist)."""

    select: str
    rows: str
    labels: str
    where: str

    def sql(self) -> str:
        return f"{self.select} FROM {self.rows} {self.labels} {self.where}"

    def count_sql(self) -> str:
        return f"SELECT 1 FROM {self.rows} {self.where}"


def _check_rows(site_filter: str) -> _Part:
    """The current checks' results. ``counted``: see the module's docstring; the days' versions in force
    (``in_force``) are read once for the period, then joined; a criterion marked not applicable on the day is left
    out of the count by the marks' one rule (``applicability.covering_sql``, as the rollup does)."""
    marked, marked_params = covering_sql(site="c.site_id", day="c.date", key="k.key")
    if marked_params:  # the rule compiles to column comparisons only; a constant would need passing through
        raise RuntimeError(f"applicability.covering_sql added parameters {marked_params}")
    return _Part(
        f"SELECT s.code AS site, g.code AS region, c.date, 'check' AS source, c.id AS source_id, NULL AS kind, "
        f"d.key AS department, v.number AS version, tp.key AS touch_point, k.key AS criterion, NULL AS question, "
        f"r.value, r.met::text, r.passed::text, r.deviation, k.weight, c.late::text, "
        f"(c.amends_id IS NOT NULL)::text AS amended, "
        f"(c.date >= s.opened_on AND f.key IS NOT NULL AND NOT EXISTS {marked})::text AS counted, "
        f"NULL AS channel, NULL AS scale, {_RECEIVED.format('c.received_at')} AS received_at",
        f"{_t(DailyCheck)} c JOIN {_t(CheckResult)} r ON r.daily_check_id = c.id",
        f"JOIN {_t(Criterion)} k ON k.id = r.criterion_id JOIN {_t(TouchPoint)} tp ON tp.id = k.touch_point_id "
        f"JOIN {_t(StandardVersion)} v ON v.id = c.version_id LEFT JOIN {_t(Department)} d ON d.id = c.department_id "
        f"JOIN {_t(Site)} s ON s.id = c.site_id LEFT JOIN {_t(Region)} g ON g.id = s.region_id "
        f"LEFT JOIN in_force f ON f.day = c.date AND f.key = k.key",
        f"WHERE c.is_current AND c.date BETWEEN %(date_from)s AND %(date_to)s {site_filter.format('c.site_id')}",
    )


def _audit_rows(site_filter: str) -> _Part:
    return _Part(
        f"SELECT s.code, g.code, a.date, 'audit', a.id, a.kind, NULL, v.number, tp.key, k.key, NULL, "
        f"x.value, x.met::text, x.passed::text, x.deviation, k.weight, NULL, NULL, NULL, NULL, NULL, "
        f"{_RECEIVED.format('a.received_at')}",
        f"{_t(Audit)} a JOIN {_t(AuditResult)} x ON x.audit_id = a.id",
        f"JOIN {_t(Criterion)} k ON k.id = x.criterion_id JOIN {_t(TouchPoint)} tp ON tp.id = k.touch_point_id "
        f"JOIN {_t(StandardVersion)} v ON v.id = a.version_id "
        f"JOIN {_t(Site)} s ON s.id = a.site_id LEFT JOIN {_t(Region)} g ON g.id = s.region_id",
        f"WHERE a.date BETWEEN %(date_from)s AND %(date_to)s {site_filter.format('a.site_id')}",
    )


def _feedback_rows(site_filter: str) -> _Part:
    """A response: its normalized score as the value, satisfied (customer.services.feedback.satisfied: at least
    SATISFIED_AT) as passed; the question's mapping as touch point and criterion (empty when it maps to none)."""
    return _Part(
        f"SELECT s.code, g.code, e.date, 'feedback', e.id, NULL, NULL, NULL, NULLIF(q.touch_point_key, ''), "
        f"NULLIF(q.criterion_key, ''), q.key, e.normalized, NULL, (e.normalized >= %(satisfied_at)s)::text, "
        f"NULL, NULL, NULL, NULL, NULL, e.channel, e.scale, {_RECEIVED.format('e.received_at')}",
        f"{_t(FeedbackResponse)} e",
        f"LEFT JOIN {_t(FeedbackQuestion)} q ON q.id = e.question_id "
        f"JOIN {_t(Site)} s ON s.id = e.site_id LEFT JOIN {_t(Region)} g ON g.id = s.region_id",
        f"WHERE e.date BETWEEN %(date_from)s AND %(date_to)s {site_filter.format('e.site_id')}",
    )


def _parts(query: ResultsQuery) -> tuple[list[_Part], str, dict]:
    """The sources' parts asked for, the site filter and the parameters the rows need."""
    site_filter = "AND {} = ANY(%(site_ids)s)" if query.site_ids is not None else ""
    make = {CHECK: _check_rows, AUDIT: _audit_rows, FEEDBACK: _feedback_rows}
    params = {"date_from": query.date_from, "date_to": query.date_to, "satisfied_at": SATISFIED_AT}
    if query.site_ids is not None:
        params["site_ids"] = list(query.site_ids)
    return [make[s](site_filter) for s in SOURCES if s in query.sources], site_filter, params


def _select(query: ResultsQuery) -> tuple[str, dict]:
    """The rows of the export, unordered: the CTEs and the union of the sources asked for, with their parameters."""
    parts, site_filter, params = _parts(query)
    union = " UNION ALL ".join(f"({part.sql()})" for part in parts)
    in_force, in_force_params = version_in_force_sql("g.d::date")
    params.update(in_force_params)
    ctes = (
        # The version in force on each day of the period, and its criterion keys: a few thousand rows.
        f"WITH in_force AS MATERIALIZED (SELECT g.d::date AS day, k.key FROM generate_series("
        f"%(date_from)s::timestamp, %(date_to)s::timestamp, interval '1 day') AS g(d) "
        f"JOIN {_t(Criterion)} k ON k.version_id = {in_force}) "
    )
    return f"{ctes}SELECT * FROM ({union}) AS x({', '.join(COLUMNS)})", params


def results_sql(query: ResultsQuery) -> tuple[str, dict]:
    """The SELECT of the export (named parameters), in a stable order: by day, site, source, the source's id
    and criterion."""
    sql, params = _select(query)
    return f'{sql} ORDER BY date, site COLLATE "C", source, source_id, criterion COLLATE "C"', params


def count_at_most_sql(query: ResultsQuery, limit: int) -> tuple[str, dict]:
    """How many rows the export has, counted up to ``limit`` at most (the count stops there): the parts' rows
    without their labels, so mostly index reads."""
    parts, _, params = _parts(query)
    union = " UNION ALL ".join(f"({part.count_sql()})" for part in parts)
    return f"SELECT count(*) FROM ({union} LIMIT {int(limit)}) AS n", params


def copy_sql(query: ResultsQuery) -> tuple[str, dict]:
    """``COPY (the export's SELECT) TO STDOUT`` as CSV with its header line: PostgreSQL writes every byte."""
    sql, params = results_sql(query)
    return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", params
