"""What a photo is attached to (a check, a corrective action or an audit), which criterion it proves, where it is
stored, and how many a criterion takes."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from backend import quotas
from backend.errors import AppError, Conflict, TooLarge
from sites.models import Site

from ...models import CorrectiveAction, DailyCheck, Evidence
from ...models.checks import ActionStatus
from ...selectors.checks import version_criteria
from .. import images
from ..checks import local_today, within_late_window
from . import retakes

if TYPE_CHECKING:
    from customer.models import Audit

MAX_PHOTOS_PER_CRITERION = 10  # per check (or action); beyond this it is not evidence but noise


@dataclass(frozen=True)
class Target:
    """What a photo is attached to: a daily check, a corrective action or an audit, on one site and local day.

    ``closed`` is why it takes no new photo (``target_for_check``, ``target_for_action``), raised by the
    services only once they know the photo is new: a retry of a photo it already has is answered with it,
    even when the window closed or the check was amended between the attempt and its retry."""

    site: Site
    daily_check: DailyCheck | None = None
    action: CorrectiveAction | None = None
    closed: AppError | None = None
    audit: Audit | None = None
    # An audit's photos prove criteria it observed: their ids (``target_for_audit``).
    observed: frozenset[int] = frozenset()
    # A check closed by the window still takes a photo for these criteria: a retake asked for on review and not
    # yet past its deadline (``retakes``).
    retakes: frozenset[int] = frozenset()

    def closed_for(self, criterion_id: int) -> AppError | None:
        """Why it takes no new photo for this criterion, or None: ``closed``, unless a retake is open for it."""
        if self.closed is not None and criterion_id in self.retakes:
            return None
        return self.closed

    @property
    def prefix(self) -> str:
        if self.daily_check is not None:
            return f"sites/{self.site.code}/checks/{self.daily_check.pk}"
        if self.audit is not None:
            return f"sites/{self.site.code}/audits/{self.audit.pk}"
        return f"sites/{self.site.code}/actions/{self.action.pk}"

    @property
    def day(self):
        if self.daily_check is not None:
            return self.daily_check.date
        if self.audit is not None:
            return self.audit.date
        return timezone.localdate(timezone.now(), self.site.tz)

    def filter(self) -> dict:
        if self.daily_check is not None:
            return {"daily_check": self.daily_check}
        if self.audit is not None:
            return {"audit": self.audit}
        return {"action": self.action}


def target_for_check(check: DailyCheck, *, now: dt.datetime | None = None) -> Target:
    """The check as a target; ``closed`` unless it takes new photos: it must be the current check of its day,
    and its day no older than ``LATE_CHECK_WINDOW_DAYS`` (the window that closes a day to late checks closes it
    to photos too: a photo verified later would rewrite a past period's score after its reports were rendered).
    Past the window, a criterion whose photo was rejected on review takes its retake until the request's deadline
    (``retakes``: head office asked for it, knowing the day's numbers move)."""
    closed, open_retakes = None, frozenset()
    now = now or timezone.now()
    if not check.is_current:
        closed = Conflict("This check has been amended; attach photos to the current check of the day.",
                          field="check", code="check_superseded")
    elif not within_late_window(site=check.site, day=check.date, now=now):
        closed = Conflict(_closed_message(check.site, check.date, now), field="check", code="check_closed")
        open_retakes = retakes.open_criteria(site_id=check.site_id, day=check.date, now=now)
    return Target(site=check.site, daily_check=check, closed=closed, retakes=open_retakes)


def _closed_message(site: Site, day, now: dt.datetime) -> str:
    window = settings.LATE_CHECK_WINDOW_DAYS
    return (f"check: the check of {day} is closed to new evidence: photos are accepted for "
            f"LATE_CHECK_WINDOW_DAYS ({window}) days after its day, and at site {site.code} it is now "
            f"{local_today(site, now=now)}. Attach photos to a check of the last {window} days; a failure put "
            "right since is shown by resolving its corrective action with a photo.")


def target_for_action(action: CorrectiveAction) -> Target:
    """The action as a target; ``closed`` once it is resolved."""
    closed = None
    if action.status != ActionStatus.OPEN:
        closed = Conflict("This corrective action is already resolved; it takes no more evidence.",
                          field="action", code="action_resolved")
    return Target(site=action.site, action=action, closed=closed)


def target_for_audit(audit: Audit) -> Target:
    """The audit as a target: its photos illustrate what the auditor observed, on its day. They never change a
    number (an audit's result is its observation, ``customer.services.audits``), so no window closes an audit
    to them; only the criteria it observed take one."""
    observed = frozenset(audit.results.values_list("criterion_id", flat=True))
    return Target(site=audit.site, audit=audit, observed=observed)


@dataclass(frozen=True)
class CriterionRef:
    id: int
    key: str


def criterion_of(target: Target, key: str | None) -> CriterionRef:
    """The criterion a photo for ``target`` proves: the one named (a check's), or the action's own."""
    if target.action is not None:
        criterion = target.action.criterion
        if key and key != criterion.key:
            raise AppError(f"criterion: this action is about {criterion.key!r}, not {key!r}.", field="criterion")
        return CriterionRef(criterion.pk, criterion.key)
    if not key:
        raise AppError("criterion: which criterion the photo is for is required.", field="criterion")
    what = "check" if target.audit is None else "audit"
    # Released versions never change: their criteria come from the per-process cache, without a query.
    spec = version_criteria((target.audit or target.daily_check).version).by_key.get(key)
    if spec is None:
        raise AppError(f"criterion: {key!r} is not a criterion of the standard version this {what} was filled "
                       "against.", field="criterion")
    if target.audit is not None and spec.id not in target.observed:
        raise AppError(f"criterion: {key!r} was not observed in this audit; a photo shows what was observed.",
                       field="criterion")
    return CriterionRef(spec.id, spec.key)


def check_room(target: Target, criterion: CriterionRef, user) -> None:
    """Room for one more photo, asked for before any new photo is recorded (both ways in): 409 once the criterion
    has ``MAX_PHOTOS_PER_CRITERION`` photos here (the refused ones do not count); 429 once ``user`` has used the
    day's photo quota (``backend.quotas``)."""
    quotas.check_photo_quota(user)
    taken = (Evidence.objects.filter(**target.filter(), criterion_id=criterion.id)
             .exclude(status=Evidence.Status.REJECTED).count())
    if taken >= MAX_PHOTOS_PER_CRITERION:
        raise Conflict(f"criterion: {criterion.key!r} already has {taken} photos here; at most "
                       f"{MAX_PHOTOS_PER_CRITERION}.", field="criterion", code="too_many_photos")


def check_declared_size(size: int, field: str) -> None:
    if size > settings.MAX_PHOTO_BYTES:
        raise TooLarge(f"{field}: a photo may be at most {settings.MAX_PHOTO_BYTES:,} bytes; this one is "
                       f"{size:,}.", field=field)


# --- where the files go ---------------------------------------------------------------------------

def new_key(target: Target, content_type: str) -> tuple[uuid.UUID, str]:
    """A new evidence id and the key of its original: server-chosen, never reused."""
    public_id = uuid.uuid4()
    return public_id, f"{target.prefix}/{public_id}.{images.ALLOWED_TYPES[content_type]}"


def thumbnail_key(key: str) -> str:
    return key.rsplit(".", 1)[0] + ".thumb.jpg"


def upload_key(key: str) -> str:
    """Where the phone's direct upload for the original ``key`` lands (and only that: the form pins it)."""
    return f"uploads/{key}"
