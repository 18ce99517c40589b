"""The results export, for a request (streamed) and for a background run (written to a file): the same query,
so the same bytes for the same period and sites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from backend.errors import AppError

from .copy import copy_out
from .results import SOURCES, ResultsQuery, copy_sql, count_at_most_sql
from .scope import export_scope

# The most rows a request streams when settings do not say (settings.EXPORT_STREAM_MAX_ROWS; 0 or None: no
# limit). Production's gunicorn sync workers are killed after 30 s (infra/gunicorn.conf.py), which would cut a
# longer download short with nothing to say so: past this size the request is refused up front and a
# background run asked for (bench/RESULTS-export.md: the rows a second).
DEFAULT_STREAM_MAX_ROWS = 500_000

NAME = "results-csv"  # in file names: touchpoint-results-csv-<scope>-<from>-<to>.csv (the report kind's spelling)


def filename(*, scope: str, date_from: dt.date, date_to: dt.date, extension: str = ".csv") -> str:
    return f"touchpoint-{NAME}-{scope}-{date_from}-{date_to}{extension}"


@dataclass(frozen=True)
class Export:
    query: ResultsQuery
    filename: str

    def chunks(self) -> Iterator[bytes]:
        """The CSV, header line first, in chunks (the statement runs when the first one is asked for)."""
        return copy_out(*copy_sql(self.query))


def results_export(*, user, date_from: dt.date, date_to: dt.date, region: str | None = None,
                   codes: Sequence[str] = (), sources: Sequence[str] = SOURCES) -> Export:
    """What ``user`` may export of the period (checked against the period rule by the caller's parser), narrowed
    to ``region`` or the site ``codes``: refusals name the parameter (exports.scope)."""
    scope = export_scope(user=user, region=region, codes=codes)
    query = ResultsQuery(date_from, date_to, scope.site_ids, tuple(sources))
    refuse_too_large(query)
    return Export(query, filename(scope=scope.label, date_from=date_from, date_to=date_to))


def stream_max_rows() -> int | None:
    return getattr(settings, "EXPORT_STREAM_MAX_ROWS", DEFAULT_STREAM_MAX_ROWS)


def refuse_too_large(query: ResultsQuery) -> None:
    """A 400 naming ``to`` when the export has more rows than a request streams: counted, but only up to the
    limit, so a large export costs a bounded count before it is refused and a small one next to nothing."""
    limit = stream_max_rows()
    if not limit:
        return
    with connection.cursor() as cursor:
        cursor.execute(*count_at_most_sql(query, limit + 1))
        rows = cursor.fetchone()[0]
    if rows > limit:
        raise AppError(_("to: %(from)s..%(to)s of these sites is more than %(limit)s rows, more than a request "
                         "carries. Order it as a background run (POST /api/v1/reports/ with kind results_csv, or "
                         "Raw results on the reports page), or ask for a shorter period or fewer sites.")
                       % {"from": query.date_from, "to": query.date_to, "limit": f"{limit:,}"},
                       field="to", code="too_many_rows")
