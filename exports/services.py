"""The results export, for a request (streamed) and for a background run (written to a file): the same query,
so the same bytes for the same period and sites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .copy import copy_out
from .results import SOURCES, ResultsQuery, copy_sql
from .scope import export_scope

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
    return Export(ResultsQuery(date_from, date_to, scope.site_ids, tuple(sources)),
                  filename(scope=scope.label, date_from=date_from, date_to=date_to))
