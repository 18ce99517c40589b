"""Head office's weekly digest (``digest.weekly``, Monday early UTC): the network's last week against the week
before, from the variance engine itself (``consistency.variance.variance_report``, the numbers of
``GET /api/v1/variance/?from=<Monday>&to=<Sunday>`` for head office): the network score, the consistency index,
each with the previous week's, and the worst movers (the sites whose score fell most), with a link to /app/.
Nothing is computed here but the order of the movers.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from consistency.variance import variance_report
from notify.events import Event
from notify.services.publish import Occurrence, Published, publish
from sites.models import Site

from . import people

WORST_MOVERS = 5


def last_week(now: dt.datetime) -> tuple[dt.date, dt.date, str]:
    """Monday..Sunday of the week before ``now``'s (UTC) and its ISO name ("2026-W49"), the digest's key: the
    week the weekly variance report (reports.services.scheduled_weekly_variance) covers too."""
    today = now.astimezone(dt.UTC).date()
    end = today - dt.timedelta(days=today.weekday() + 1)
    start = end - dt.timedelta(days=6)
    year, week, _ = start.isocalendar()
    return start, end, f"{year}-W{week:02d}"


def digest_data(*, date_from: dt.date, date_to: dt.date, week: str) -> dict:
    report = variance_report(date_from=date_from, date_to=date_to, sites=Site.objects.all(), detail="touch_points")
    fell = sorted((s for s in report.sites if s.trend is not None and s.trend < 0), key=lambda s: (s.trend, s.code))
    return {
        "week": week, "from": date_from.isoformat(), "to": date_to.isoformat(), "sites": len(report.sites),
        "network_score": report.network_score, "previous_network_score": report.previous_network_score,
        "consistency_index": report.consistency_index,
        "previous_consistency_index": report.previous_consistency_index,
        "flagged": sum(1 for s in report.sites if s.flagged),
        "worst_movers": [{"site": s.code, "name": s.name, "region": s.region, "score": s.score,
                          "previous_score": s.previous_score, "trend": s.trend} for s in fell[:WORST_MOVERS]],
    }


def weekly_digest(*, now: dt.datetime | None = None) -> Published:
    """Tell every head-office user about last week. Key: the ISO week; running it again tells nobody twice."""
    date_from, date_to, week = last_week(now or timezone.now())
    data = digest_data(date_from=date_from, date_to=date_to, week=week)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {people.ctes()} SELECT ids FROM head_office")
        recipients = cursor.fetchone()[0]
    return publish([Occurrence(event=Event.WEEKLY_DIGEST, key=week, recipients=recipients, data=data, link="/app/")])
