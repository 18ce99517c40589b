"""The period rule: which ``from``..``to`` a question may cover. One rule for every endpoint and report that
takes a period (a site's checks, missed days, the variance answer, report orders).

- how far back: no day before ``backend.inputs.EARLIEST_DAY`` (nothing Touchpoint records is older);
- how long: at most ``settings.PERIOD_MAX_DAYS`` days, both ends included;
- in order: ``from`` on or before ``to``;
- not in the future: no day that has not begun anywhere yet. A day begins first at UTC+14, so a period may
  end on the local today of any site (Auckland's is a day ahead of New York's), which is not over yet.
  Reading no site's time zone keeps the rule free of queries, so every endpoint can apply it as it is.

Each refusal is a 400 naming the parameter (``from`` or ``to``) and saying what would be accepted.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from backend.errors import AppError
from backend.inputs import EARLIEST_DAY, refuse_before_earliest

# A question that names no period, or only one end of it, covers this many days (both ends included).
DEFAULT_PERIOD_DAYS = 30

# The earliest offset from UTC of any inhabited time zone's clock (Kiribati's Line Islands): a day begins there.
FIRST_OFFSET = dt.timedelta(hours=14)


def latest_day(now: dt.datetime | None = None) -> dt.date:
    """The latest date it is anywhere on earth: no site can have begun a later day."""
    return ((now or timezone.now()).astimezone(dt.UTC) + FIRST_OFFSET).date()


def period_check(date_from: dt.date | None, date_to: dt.date | None, *, now: dt.datetime | None = None) -> None:
    """Refuse a period that breaks the rule; either end may be open (what applies to it is checked)."""
    for name, day in (("from", date_from), ("to", date_to)):
        if day is not None:
            refuse_before_earliest(day, name)
    if date_from is not None and date_to is not None:
        if date_from > date_to:
            raise AppError(f"from: the period starts ({date_from}) after it ends ({date_to}).", field="from")
        days = (date_to - date_from).days + 1
        if days > settings.PERIOD_MAX_DAYS:
            raise AppError(f"to: a period covers at most {settings.PERIOD_MAX_DAYS} days; {date_from}..{date_to} "
                           f"is {days}.", field="to")
    name, last = ("to", date_to) if date_to is not None else ("from", date_from)
    if last is not None and last > (latest := latest_day(now)):
        raise AppError(f"{name}: {last} is in the future (it has begun nowhere yet); a period ends on {latest} at "
                       "the latest.", field=name)


def period_complete(date_from: dt.date | None, date_to: dt.date | None, *,
                    today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period a question covers when it names one end or none: ``to`` defaults to today, ``from`` to
    DEFAULT_PERIOD_DAYS days up to ``to`` (not before the earliest day). The rule is applied to what was sent,
    before a default is counted from it (30 days before year 1 is no date), then to the completed period."""
    period_check(date_from, date_to)
    date_to = date_to or today or timezone.localdate()
    date_from = date_from or max(EARLIEST_DAY, date_to - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    period_check(date_from, date_to)
    return date_from, date_to
