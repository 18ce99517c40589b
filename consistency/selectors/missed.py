"""Missed days: a day since a site opened, already over in the site's time zone, with no check of its own (a
department's check, e.g. accounting's, does not count: the site's daily check is its manager's).

Computed in the database: a series of dates (``generate_series``) joined to the sites in scope, minus
the days that have a current check. Each site's "today" is its local date, given to the query as one CASE
over the handful of time zones in use, so a site in Auckland has missed yesterday while New York is still
on it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import timezone

from sites import access
from sites.models import Site
from sites.selectors import in_region

from ..models import DailyCheck
from ..services.period import period_check


@dataclass(frozen=True)
class MissedDay:
    site: str
    site_name: str
    date: dt.date


# A CTE ``days(day)`` of every date from %s to %s inclusive.
_DAYS = "days(day) AS (SELECT d::date FROM generate_series(%s::date, %s::date, interval '1 day') AS d)"


def missed_sql(*, today: str) -> str:
    """The rule of a missed day, as one SQL condition over a site row ``s`` and a date ``days.day``: the site is
    active, the day is on or after its opening and before ``today`` (an SQL expression of the site's local date:
    a day not over yet is not missed), and the site has no current check of its own for it. The one rule: the
    list below and the alerts (``alerts.rules``: a missed day tells the region's contact) both write it so."""
    return f"s.active AND days.day >= s.opened_on AND days.day < {today} AND NOT {own_check_sql('days.day')}"


def own_check_sql(day: str) -> str:
    """Whether site ``s`` has its own current check for ``day`` (an SQL date expression). The site's own: a
    department's check (accounting's) adds results but does not make the site's day checked."""
    return (f"EXISTS (SELECT 1 FROM {connection.ops.quote_name(DailyCheck._meta.db_table)} c WHERE c.site_id = s.id "
            f"AND c.date = {day} AND c.is_current AND c.department_id IS NULL)")


class MissedDays:
    """A lazy, sliceable list of missed days (Django's paginator counts it and slices it in SQL)."""

    def __init__(self, *, sites_sql: str, sites_params: tuple, date_from: dt.date, date_to: dt.date,
                 today_by_tz: dict[str, dt.date]):
        qn = connection.ops.quote_name
        adapt = connection.ops.adapt_datefield_value
        cases = " ".join("WHEN %s THEN %s" for _ in today_by_tz)
        case_params: list = []
        for tz, today in today_by_tz.items():
            case_params += [tz, adapt(today)]
        self._with = f"WITH {_DAYS}"
        self._from = (f"FROM {qn(Site._meta.db_table)} s JOIN days ON "
                      f"{missed_sql(today=f'(CASE s.timezone {cases} END)::date')} WHERE s.id IN ({sites_sql})")
        self._params = [adapt(date_from), adapt(date_to), *case_params, *sites_params]
        if not today_by_tz:
            self._from, self._params = None, []
        self._count: int | None = None

    def _sql(self, select: str) -> str:
        return f"{self._with} SELECT {select} {self._from}"

    def count(self) -> int:
        if self._count is None:
            if self._from is None:
                self._count = 0
            else:
                with connection.cursor() as cursor:
                    cursor.execute(self._sql("COUNT(*)"), self._params)
                    self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item) -> list[MissedDay] | MissedDay:
        if not isinstance(item, slice):
            found = self[item:item + 1]
            if not found:
                raise IndexError(item)
            return found[0]
        if self._from is None:
            return []
        start = item.start or 0
        limit = (item.stop - start) if item.stop is not None else -1
        sql = self._sql("s.code, s.name, days.day") + " ORDER BY days.day, s.code LIMIT %s OFFSET %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*self._params, limit if limit >= 0 else 10**9, start])
            rows = cursor.fetchall()
        return [MissedDay(code, name, day) for code, name, day in rows]


def missed_days(*, user, date_from: dt.date, date_to: dt.date, site: Site | None = None,
                region: str | None = None, now: dt.datetime | None = None) -> MissedDays:
    """Missed days of the active sites the user may read, optionally one site or one region."""
    period_check(date_from, date_to, now=now)
    sites = access.readable_sites(user)
    if site is not None:
        sites = sites.filter(pk=site.pk)
    if region:
        sites = in_region(user=user, sites=sites, region=region)
    now = now or timezone.now()
    # Every time zone in use, not only the scope's: one small query, and the CASE covers any site.
    zones = Site.objects.order_by().values_list("timezone", flat=True).distinct()
    today_by_tz = {tz: now.astimezone(zoneinfo.ZoneInfo(tz)).date() for tz in zones}
    try:
        sites_sql, sites_params = sites.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:  # a person who reads no site (a mystery shopper, no profile): Django has no SQL for none()
        sites_sql, sites_params = "SELECT NULL::bigint WHERE false", ()
    return MissedDays(sites_sql=sites_sql, sites_params=tuple(sites_params), date_from=date_from,
                      date_to=date_to, today_by_tz=today_by_tz)
