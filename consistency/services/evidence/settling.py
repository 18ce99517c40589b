"""Direct uploads asked for long ago and never confirmed: each given its verdict by the server."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from backend.errors import Conflict, Unprocessable

from ... import storage
from ...models import Evidence
from .confirmation import evidence_confirm
from .verdicts import reject

log = logging.getLogger(__name__)


def settle_unconfirmed(*, older_than: dt.timedelta | None = None, limit: int = 500) -> dict[str, int]:
    """Direct uploads asked for long ago (``UNCONFIRMED_PHOTO_HOURS``) and never confirmed.

    A phone may upload the photo and lose the line before it confirms: the photo is there, and it is
    verified as if the phone had confirmed it (the same checks, the same verdicts). A request whose photo
    never arrived is refused as never uploaded: it stops taking a place among the criterion's photos, and
    auditors do not see it waiting forever. Returns how many ended each way."""
    age = older_than if older_than is not None else dt.timedelta(hours=settings.UNCONFIRMED_PHOTO_HOURS)
    settled = {"verified": 0, "rejected": 0, "never_uploaded": 0, "left_pending": 0, "failed": 0}
    if not storage.direct_upload_available():
        return settled
    pending = (Evidence.objects.filter(status=Evidence.Status.PENDING, created_at__lt=timezone.now() - age)
               .order_by("created_at")[:limit])
    for evidence in pending:
        try:
            settled[_settle_one(evidence, age)] += 1
        except Exception:  # one photo that breaks something unforeseen must not stop every later one
            log.exception("Settling unconfirmed photo %s failed; it stays pending.", evidence.pk)
            settled["failed"] += 1
    return settled


def _settle_one(evidence: Evidence, age: dt.timedelta) -> str:
    try:
        evidence_confirm(evidence=evidence)
        return "verified"
    except Unprocessable:
        return "rejected"
    except Conflict as conflict:
        if conflict.code != "not_uploaded":
            return "left_pending"  # decided meanwhile, or uploaded again meanwhile: next time
    hours = round(age.total_seconds() / 3600)
    try:
        reject(evidence, f"No photo was uploaded within {hours} hours of the request; ask for a new upload.")
    except Unprocessable:
        return "never_uploaded"
    except Conflict:
        return "left_pending"
