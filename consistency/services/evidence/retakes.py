"""Retake requests: a photo rejected on review asks the site for a new one, by a deadline.

- A request is **open** from the rejection until its deadline (``due_at``, ``RETAKE_DUE_HOURS`` after it), while
  no photo has answered it. While it is open, the check's day takes a photo for that criterion even after the
  day closed to new evidence (``targets.target_for_check``; a direct upload asked for then is judged when its
  confirmation arrives, as any photo asked for in time: ``asked_during_retake``).
- A photo of that site, day and criterion verified after the rejection **fulfils** the oldest request still
  unanswered (``fulfil``), even past its deadline (within the late window): the day's numbers are re-judged by
  the verification itself (``rejudging``).
- Past its deadline and unanswered it is **overdue**: the region's contact (else head office) is told once
  (``notify_overdue``, a periodic task).
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from reports import services as reissue

from ...models import Evidence, RetakeRequest


def due_at(now: dt.datetime) -> dt.datetime:
    """The deadline of a retake asked for at ``now``."""
    return now + dt.timedelta(hours=settings.RETAKE_DUE_HOURS)


def local_text(moment: dt.datetime, site) -> str:
    """A deadline as a message says it: in the site's time, naming its zone."""
    return f"{moment.astimezone(site.tz):%Y-%m-%d %H:%M} ({site.timezone})"


def status_of(retake: RetakeRequest, now: dt.datetime) -> str:
    """open | overdue | fulfilled: the one wording of a request's state (the API, the pages)."""
    if retake.fulfilled_at is not None:
        return "fulfilled"
    return "open" if retake.due_at > now else "overdue"


def status_filter(status: str, now: dt.datetime) -> Q:
    """``status_of`` as a filter."""
    return {"fulfilled": Q(fulfilled_at__isnull=False),
            "open": Q(fulfilled_at__isnull=True, due_at__gt=now),
            "overdue": Q(fulfilled_at__isnull=True, due_at__lte=now)}[status]


def _of_day(site_id: int, day: dt.date) -> QuerySet[RetakeRequest]:
    # The day of the check the rejected photo was given for: a retake may be attached to the day's current check.
    return RetakeRequest.objects.filter(site_id=site_id, daily_check__date=day)


def open_criteria(*, site_id: int, day: dt.date, now: dt.datetime) -> frozenset[int]:
    """The criteria of a site's day with a retake request open at ``now``: they take a photo past the window."""
    return frozenset(_of_day(site_id, day).filter(status_filter("open", now))
                     .values_list("criterion_id", flat=True))


def asked_during_retake(evidence: Evidence) -> bool:
    """Whether a direct upload of a check's photo was asked for while a retake request of its day and criterion
    was open (the request decides, as ``confirmation.asked_while_open`` says for the window)."""
    asked = evidence.created_at
    day = evidence.day or evidence.daily_check.date
    return (_of_day(evidence.site_id, day).filter(criterion_id=evidence.criterion_id, created_at__lte=asked,
                                                  due_at__gt=asked)
            .filter(Q(fulfilled_at__isnull=True) | Q(fulfilled_at__gte=asked)).exists())


def fulfil(evidence: Evidence, *, now: dt.datetime | None = None) -> None:
    """A check's photo was just verified: it answers the oldest request of its site, day and criterion still
    unanswered, if any (one statement). Call in the transaction that records the verdict."""
    oldest = (_of_day(evidence.site_id, evidence.day).filter(criterion_id=evidence.criterion_id,
                                                             fulfilled_at__isnull=True)
              .order_by("due_at", "id").values("id")[:1])
    if RetakeRequest.objects.filter(id__in=oldest).update(retake=evidence, fulfilled_at=now or timezone.now()):
        transaction.on_commit(partial(reissue.packs_affected, evidence.site_id, [evidence.day]), robust=True)


def region_contacts(site_ids) -> dict[int, list[int]]:
    """Who hears about a site's overdue retakes: its region's head-office contact, else every head-office user
    (the alerts' one rule, as for missed days and overdue actions). {site id: [user ids]}; one statement."""
    from alerts.people import site_recipients

    return {site: who["contact"] for site, who in site_recipients(site_ids).items()}


def notify_overdue(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Tell the region's contact of every retake request past its deadline and unanswered, once: the requests
    are claimed by a conditional UPDATE (a second run, or a second worker at once, claims none of them) and the
    notices published in the same transaction. Returns how many were claimed."""
    from notify.events import Event
    from notify.services.publish import Occurrence, publish

    now = now or timezone.now()
    with transaction.atomic():
        due = (RetakeRequest.objects.filter(status_filter("overdue", now), overdue_notified_at__isnull=True)
               .order_by("due_at", "id").values("id")[:limit])
        # SKIP LOCKED: a concurrent run skips what this one claims, instead of waiting to find it claimed.
        claimed = list(RetakeRequest.objects.select_for_update(skip_locked=True, of=("self",))
                       .filter(id__in=due, overdue_notified_at__isnull=True)
                       .select_related("site", "criterion", "review__decided_by", "rejected"))
        if not claimed:
            return 0
        RetakeRequest.objects.filter(id__in=[r.pk for r in claimed]).update(overdue_notified_at=now)
        recipients = region_contacts(sorted({r.site_id for r in claimed}))
        publish([Occurrence(
            event=Event.RETAKE_OVERDUE, key=str(r.pk), recipients=recipients[r.site_id], site_id=r.site_id,
            link=f"/app/sites/{r.site.code}/",
            data={"site": r.site.code, "site_name": r.site.name, "criterion": r.criterion.key,
                  "prompt": r.criterion.prompt, "day": r.rejected.day.isoformat() if r.rejected.day else None,
                  "reason": r.review.reason, "due_at": r.due_at.isoformat(), "due": local_text(r.due_at, r.site),
                  "rejected_by": r.review.decided_by.get_username(), "evidence": str(r.rejected.public_id)},
        ) for r in claimed])
    return len(claimed)
