"""Corrective actions: a failed critical criterion opens one; the manager resolves it.

An action is opened when a critical criterion is *not met* (its value misses the target). A result that
is met but still waits for its photo is not a failure of the site, so it opens nothing. Which actions a
check opens, and what an amendment does to the actions of the check it replaces, is part of the check's
plan (``check_plan``).
Where the criterion requires photos, resolving needs that many verified photos attached to the action
(``Evidence.action``): "we cleaned it" is not proof.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.errors import AppError, Conflict, NotFound
from sites import access
from sites.selectors import site_get

from ..models import CorrectiveAction, Evidence
from ..models.checks import ActionStatus, EvidenceStatus

RESOLUTION_NOTE_MAX_LENGTH = 2000
# An action's status as the API shows it: the stored one, except that an open action past its due day reads
# "overdue".
SHOWN_STATUSES = ("open", "overdue", "resolved")


def status_shown(action: CorrectiveAction, *, tz=None, now: dt.datetime | None = None) -> str:
    """``overdue`` for an open action whose due day is over on the site's local date (``tz``: the site's time
    zone, by default read from ``action.site``): the rule ``selectors.actions.overdue_q`` filters by."""
    if action.status != ActionStatus.OPEN:
        return action.status
    today = (now or timezone.now()).astimezone(tz or action.site.tz).date()
    return "overdue" if action.due_on < today else action.status


def actions_to_open(*, check, judged, now: dt.datetime, carried: set[int] = frozenset()) -> list[CorrectiveAction]:
    """The actions a check opens (unsaved): one per critical result not met, unless carried over.

    Due ``CORRECTIVE_ACTION_DUE_DAYS`` after the check's day or, for a late check, after the site's day on
    which the failure was reported: an action is never overdue before anyone could know of it."""
    reported = max(check.date, now.astimezone(check.site.tz).date())
    due_on = reported + dt.timedelta(days=settings.CORRECTIVE_ACTION_DUE_DAYS)
    return [CorrectiveAction(site_id=check.site_id, daily_check=check, criterion_id=r.spec.id, opened_at=now,
                             due_on=due_on)
            for r in judged if opens_action(r) and r.spec.id not in carried]


def opens_action(result) -> bool:
    """A critical criterion whose value misses the target (a photo still owed is not a failure)."""
    return result.spec.critical and not result.met


def action_resolve(*, user, action_id: int, note: str, now: dt.datetime | None = None) -> CorrectiveAction:
    """Resolve an open action of a site the user may write, with a note and, if needed, verified photos."""
    action = (CorrectiveAction.objects.filter(pk=action_id, site__in=access.readable_sites(user))
              .select_related("site", "criterion").first())
    if action is None:
        raise NotFound(f"No corrective action {action_id} among the sites you can see.", field="id")
    site_get(user=user, code=action.site.code, for_write=True)  # 403 for a reader who may not write
    note = (note or "").strip()
    if not note:
        raise AppError("Say what was done: a resolution needs a note.", field="note", code="required")
    if len(note) > RESOLUTION_NOTE_MAX_LENGTH:
        raise AppError(f"note: at most {RESOLUTION_NOTE_MAX_LENGTH} characters.", field="note", code="max_length")
    required = action.criterion.photos_required
    with transaction.atomic():
        # The lock makes "is it still open?" and "resolve it" one step: two resolutions cannot both win.
        locked = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
        if locked.status != ActionStatus.OPEN:
            raise Conflict(f"Action {action.pk} was already resolved on {locked.resolved_at:%Y-%m-%d}.",
                           field="id", code="already_resolved")
        if required:
            verified = Evidence.objects.filter(action=action, status=EvidenceStatus.VERIFIED).count()
            if verified < required:
                raise AppError(f"{action.criterion.key} needs {required} verified photo(s) attached to this action "
                               f"before it can be resolved; it has {verified}.", field="evidence",
                               code="evidence_required")
        locked.status = ActionStatus.RESOLVED
        locked.resolved_at = now or timezone.now()
        locked.resolved_by = user
        locked.resolution_note = note
        locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note"])
    locked.site, locked.criterion = action.site, action.criterion
    return locked
