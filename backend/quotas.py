"""Daily quotas per person: photos asked for or uploaded, and reports ordered.

They bound what one account (a phone with a leaked token, a script in a loop) can make the servers store and
render in a day; the ordinary work of a site is far below them. Counted in the database from the rows the work
itself leaves (``Evidence.uploaded_by``, ``ReportRun.requested_by``), so every API process and page counts the
same, and nothing is kept twice. The day is the UTC day (one clock for everyone, whatever sites a person
serves): the count starts again at 00:00 UTC, which the refusal names, with ``Retry-After``.

Head office has no quota: it orders the network's reports and is few people. Work with no person behind it
(beat's scheduled reports) has none either.

The count is read, then the row written, without a lock: two requests of the same person at the same instant
may both pass at the last unit (the photo path holds the site's lock, which serialises a site's people). A quota
is a bound on abuse, not an account balance; one over is harmless.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.utils import timezone
from rest_framework import status

from backend.errors import AppError


class QuotaExceeded(AppError):
    """429 with ``Retry-After``: the person has used the day's quota of this kind of work."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "quota_exceeded"

    def __init__(self, message: str, *, retry_after: int):
        # No field: the request as a whole is refused, whatever its fields say.
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


def _day_start(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _refuse_over(used: int, limit: int, *, what: str, setting: str, now: dt.datetime) -> None:
    if used < limit:
        return
    resets = _day_start(now) + dt.timedelta(days=1)
    wait = max(1, math.ceil((resets - now).total_seconds()))
    raise QuotaExceeded(
        f"You have reached today's limit of {limit} {what} ({setting}); it resets at "
        f"{resets:%Y-%m-%d %H:%M} UTC, in {_duration(wait)}.", retry_after=wait)


def _duration(seconds: int) -> str:
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _limited(user) -> bool:
    # Imported here: sites imports backend modules while its app loads.
    from sites import access

    return getattr(user, "is_authenticated", False) and not access.is_head_office(user)


def check_photo_quota(user, *, now: dt.datetime | None = None) -> None:
    """429 once ``user`` has asked for (or uploaded) PHOTO_QUOTA_PER_DAY new photos today (UTC): every photo
    counts, those refused on confirmation too (they were stored and inspected); a retry answered with its photo is
    no new one."""
    limit = settings.PHOTO_QUOTA_PER_DAY
    if not limit or not _limited(user):
        return
    from consistency.models import Evidence

    now = now or timezone.now()
    used = Evidence.objects.filter(uploaded_by=user, created_at__gte=_day_start(now)).count()
    _refuse_over(used, limit, what="photos", setting="PHOTO_QUOTA_PER_DAY", now=now)


def check_report_quota(user, *, now: dt.datetime | None = None) -> None:
    """429 once ``user`` has ordered REPORT_ORDER_QUOTA_PER_DAY reports today (UTC), whatever became of them."""
    limit = settings.REPORT_ORDER_QUOTA_PER_DAY
    if not limit or not _limited(user):
        return
    from reports.models import ReportRun

    now = now or timezone.now()
    used = ReportRun.objects.filter(requested_by=user, created_at__gte=_day_start(now)).count()
    _refuse_over(used, limit, what="report orders", setting="REPORT_ORDER_QUOTA_PER_DAY", now=now)
