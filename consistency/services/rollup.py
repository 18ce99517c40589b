"""The hook every writer of check results calls, inside its transaction, after results change.

The variance engine keeps its summaries up to date from here (see consistency/selectors/variance).
Writers (check submission, amendments, evidence verification) call ``results_changed`` with the site
and the local dates whose results they inserted or changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def results_changed(*, site_id: int, dates: Iterable[dt.date]) -> None:
    """Bring the variance summaries for (site, date) up to date. Implemented by the variance engine."""
    return None
