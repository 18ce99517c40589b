"""Who must be told what, now: the alerts that follow the clock, found by the database for every site at once.

Each rule is an SQL SELECT of occurrences (event, key, site, recipients, data, link) over every site, in each
site's own time zone: a site's local date and time are ``now AT TIME ZONE site.timezone``, so Auckland's
morning and Los Angeles' evening are judged in one statement, with no loop over sites or time zones.
``due`` runs the rules asked for as ONE statement (their SELECTs joined by UNION ALL); ``alerts.services.sweep``
publishes what it finds. Keys name each occurrence (CONTRACT18), so running a rule again tells nobody twice.

- ``check.reminder``: an active site, opened, past its ``check_cutoff`` (local) with no check of its own for its
  local today: its managers. Key "<site code>:<local date>".
- ``check.missed``: a site's local yesterday, missed by the one rule of a missed day
  (``consistency.selectors.missed.missed_sql``): the region's contact (else head office). Told once the day is
  over; a late check may still come within LATE_CHECK_WINDOW_DAYS, and the notice says until when.
- ``action.due_soon`` / ``action.overdue`` / ``action.escalated``: an open corrective action of an active site,
  by how its due day stands against the site's local today. Overdue is the rule of
  ``consistency.services.actions.status_shown`` and ``selectors.actions.overdue_q`` (open, due day before the
  site's local today; tests/alerts/test_actions.py proves the three agree across time zones and midnights).
  Due within ACTION_DUE_SOON_DAYS (due today included): the managers; overdue: the region's contact (else
  head office); overdue by ACTION_ESCALATE_DAYS or more: every head-office user and the contact. The level
  reached is told (an action first seen five days late is escalated, not also "overdue").
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import orjson
from django.conf import settings
from django.db import connection
from django.utils import timezone

from consistency.models import CorrectiveAction, Criterion
from consistency.selectors.missed import missed_sql, own_check_sql
from notify.events import Event
from notify.services.publish import Occurrence
from sites.models import Region, Site

from . import people

REMINDERS, MISSED, ACTIONS = "reminders", "missed", "actions"
RULES = (REMINDERS, MISSED, ACTIONS)


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _day(expr: str) -> str:
    return f"to_char({expr}, 'YYYY-MM-DD')"


# The site's local date and wall-clock time at %(now)s (a timestamptz): a LATERAL over site row ``s``.
_LOCAL = ("CROSS JOIN LATERAL (SELECT (%(now)s::timestamptz AT TIME ZONE s.timezone)::date AS today, "
          "(%(now)s::timestamptz AT TIME ZONE s.timezone)::time AS clock) l")


@cache
def _reminders_sql() -> str:
    return (
        f"SELECT '{Event.CHECK_REMINDER.value}' AS event, s.code || ':' || {_day('l.today')} AS key, s.id AS site_id, "
        f"{people.MANAGERS} AS recipients, "
        "jsonb_build_object('site', s.code, 'site_name', s.name, 'date', l.today, "
        "'cutoff', to_char(s.check_cutoff, 'HH24:MI'), 'timezone', s.timezone) AS data, "
        "'/app/today/?site=' || s.code AS link "
        f"FROM {_t(Site)} s {_LOCAL} {people.JOINS} "
        f"WHERE s.active AND s.opened_on <= l.today AND l.clock >= s.check_cutoff AND NOT {own_check_sql('l.today')}"
    )


@cache
def _missed_sql() -> str:
    return (
        f"SELECT '{Event.CHECK_MISSED.value}' AS event, s.code || ':' || {_day('days.day')} AS key, s.id AS site_id, "
        f"{people.CONTACT_OR_HEAD_OFFICE} AS recipients, "
        "jsonb_build_object('site', s.code, 'site_name', s.name, 'region', r.name, 'date', days.day, "
        "'late_until', days.day + %(late_days)s::int) AS data, "
        "'/app/sites/' || s.code || '/' AS link "
        f"FROM {_t(Site)} s JOIN {_t(Region)} r ON r.id = s.region_id {_LOCAL} {people.JOINS} "
        # The site's local yesterday, if the one rule of a missed day says it was missed.
        f"JOIN LATERAL (SELECT l.today - 1 AS day) days ON {missed_sql(today='l.today')}"
    )


@cache
def _actions_sql() -> str:
    soon, overdue, escalated = Event.ACTION_DUE_SOON.value, Event.ACTION_OVERDUE.value, Event.ACTION_ESCALATED.value
    return (
        "SELECT e.event, a.id::text AS key, s.id AS site_id, "
        f"CASE e.event WHEN '{soon}' THEN {people.MANAGERS} WHEN '{overdue}' "
        f"THEN {people.CONTACT_OR_HEAD_OFFICE} ELSE {people.HEAD_OFFICE_AND_CONTACT} END AS recipients, "
        "jsonb_build_object('action', a.id, 'site', s.code, 'site_name', s.name, 'region', r.name, "
        "'criterion', c.key, 'prompt', c.prompt, 'translations', c.translations, 'due_on', a.due_on, "
        "'opened_on', (a.opened_at AT TIME ZONE s.timezone)::date, "
        "'days_left', a.due_on - l.today, 'days_overdue', GREATEST(l.today - a.due_on, 0)) AS data, "
        "'/app/sites/' || s.code || '/' AS link "
        f"FROM {_t(CorrectiveAction)} a JOIN {_t(Site)} s ON s.id = a.site_id "
        f"JOIN {_t(Region)} r ON r.id = s.region_id JOIN {_t(Criterion)} c ON c.id = a.criterion_id {_LOCAL} "
        f"{people.JOINS} "
        f"CROSS JOIN LATERAL (SELECT CASE WHEN l.today - a.due_on >= %(escalate_days)s THEN '{escalated}' "
        f"WHEN a.due_on < l.today THEN '{overdue}' WHEN a.due_on - l.today <= %(soon_days)s THEN '{soon}' END "
        "AS event) e "
        # due_on bounded by a constant too: the (status, due_on) index finds the candidates; the zones decide.
        "WHERE a.status = 'open' AND a.due_on <= %(soon_bound)s::date AND s.active AND e.event IS NOT NULL"
    )


_SQL = {REMINDERS: _reminders_sql, MISSED: _missed_sql, ACTIONS: _actions_sql}


def due_sql(rules=RULES) -> str:
    """The one statement of ``rules``: each rule's SELECT, joined by UNION ALL, ordered for a stable answer."""
    parts = " UNION ALL ".join(f"({_SQL[rule]()})" for rule in rules)
    # One JSON document (dates in JSON are ISO): the driver parses one value, not thousands of arrays.
    return (f"WITH {people.ctes()} SELECT COALESCE(json_agg(json_build_object('event', event, 'key', key, 'site', "
            "site_id, 'recipients', recipients, 'data', data, 'link', link) ORDER BY event, key), '[]')::text "
            f"FROM ({parts}) found")


def due_params(now: dt.datetime) -> dict:
    # Every site's local date is at most a day after the UTC date (UTC+14 is the furthest ahead).
    return {"now": now, "late_days": settings.LATE_CHECK_WINDOW_DAYS, "soon_days": settings.ACTION_DUE_SOON_DAYS,
            "escalate_days": settings.ACTION_ESCALATE_DAYS,
            "soon_bound": now.astimezone(dt.UTC).date() + dt.timedelta(days=1 + settings.ACTION_DUE_SOON_DAYS)}


def due(*, now: dt.datetime | None = None, rules=RULES) -> list[Occurrence]:
    """Every occurrence the ``rules`` find at ``now``, for every site: one statement, whatever the number of sites."""
    now = now or timezone.now()
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rules {sorted(unknown)}: choose among {', '.join(RULES)}")
    if not rules:
        return []
    with connection.cursor() as cursor:
        cursor.execute(due_sql(tuple(rules)), due_params(now))
        found = orjson.loads(cursor.fetchone()[0])
    return [Occurrence(event=o["event"], key=o["key"], recipients=o["recipients"], data=o["data"], site_id=o["site"],
                       link=o["link"]) for o in found]
