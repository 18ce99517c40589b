"""Head office or an auditor reviews a photo: rejects a verified one, or clears a flagged one, with a reason.

- **Reject** (a daily check's verified photo): the photo stops counting. It is marked ``rejected`` with the
  reason (its bytes, hashes and ``verified_at`` stay: the history keeps it, and a link still opens it), so it is
  no longer one of the day's verified photos: the criterion it supported is re-judged by the one rule
  (``rejudging``: not passed while the photos it requires are not there), the check rescored, the variance
  totals told, and the day's photo counts lose it (``photo_days``). A retake request opens, due
  ``RETAKE_DUE_HOURS`` later (``retakes``), and the site's managers are told (``photo.rejected``). The same bytes
  are refused if sent again (``duplicates.already_counted``).
- **Clear** (a verified photo carrying any of its trust flags, ``flags``): the flag stays, as a fact, but the
  photo is trusted, with the reason: it no longer counts as suspect. The site's managers are told
  (``photo.cleared``).

The photos that need a review are those with a flag (``flags``): reused or stale (``evidence_trust``), and the
capture checks' (``capture``): blurred or dark, edited, captured after its upload, far from its site, or content
credentials that do not validate. A blurred or dark photo still counts until it is rejected here (``capture``).
The variance's photo totals count the first two as suspect (``photo_days``), the photos that may not be of
their day or site at all.

Each decision is a ``PhotoReview`` (who, when, why), kept. Who may decide: head office, and an auditor for the
photos they read (``review_target``).
"""

from __future__ import annotations

import uuid
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import Action
from audit.services import record
from backend.errors import AppError, Conflict, Forbidden
from reports import services as reissue
from sites import access
from sites.models import Role

from ...models import Evidence, PhotoReview, RetakeRequest, ReviewDecision
from ...selectors import evidence as evidence_selectors
from .. import photo_days, rollup
from . import retakes
from .rejudging import rejudge

REASON_MAX = 500
REVIEWERS = (Role.HEAD_OFFICE, Role.AUDITOR)
# A photo rejected on review: it was verified (its bytes are stored), then rejected. A photo refused when it was
# checked was never verified.
REJECTED_ON_REVIEW = Q(status=Evidence.Status.REJECTED, verified_at__isnull=False)


def flags(photo: Evidence) -> list[str]:
    """The trust flags ``photo`` carries, by name: the one rule of which photos need a review (the pages' and the
    API's flags, the "Clear" button, ``_clear``)."""
    credentials = photo.content_credentials
    named = [("reused", photo.reused_from_id is not None), ("stale", photo.stale_capture),
             (photo.quality_issue, bool(photo.quality_issue)), ("edited", bool(photo.edited_with)),
             ("captured_after_upload", photo.captured_after_upload), ("far_from_site", photo.far_from_site),
             ("credentials_invalid", bool(credentials) and not credentials.get("valid"))]
    return [name for name, carried in named if carried]


def may_review(user) -> bool:
    """Head office and auditors review photos (an auditor, those of the sites they read)."""
    return access.role_of(user) in REVIEWERS


def review_target(*, user, public_id: uuid.UUID) -> Evidence:
    """The photo ``user`` may review: 404 outside what they read (``evidence_get``'s rule), 403 for a reader who
    does not review (a manager, department staff)."""
    evidence = evidence_selectors.evidence_get(user=user, public_id=public_id)
    if not may_review(user):
        raise Forbidden("Only head office and auditors review photos.", field="id")
    return evidence


def clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise AppError("reason: say why (the site reads it).", field="reason")
    if len(reason) > REASON_MAX:
        raise AppError(f"reason: at most {REASON_MAX} characters, not {len(reason)}.", field="reason")
    return reason


def photo_review(*, user, evidence: Evidence, decision: str, reason: str) -> PhotoReview:
    """Record ``decision`` (reject | clear) on ``evidence`` by ``user`` (already allowed: ``review_target``)."""
    reason = clean_reason(reason)
    if decision not in ReviewDecision.values:
        raise AppError(f"decision: 'reject' or 'clear', not {decision!r}.", field="decision")
    now = timezone.now()
    with transaction.atomic():
        # The site's lock first, as every writer of the site's days takes it (the re-judging below needs it),
        # then the photo's row: two reviews of one photo are decided one after the other.
        rollup.lock_site(evidence.site_id)
        photo = (Evidence.objects.select_for_update(of=("self",)).select_related("site", "criterion")
                 .get(pk=evidence.pk))
        transaction.on_commit(partial(reissue.packs_affected, photo.site_id, [photo.day]), robust=True)
        cleared = photo.reviews.filter(decision=ReviewDecision.CLEAR).first()
        if decision == ReviewDecision.REJECT:
            return _reject(photo, user=user, reason=reason, now=now, cleared=cleared is not None)
        return _clear(photo, user=user, reason=reason, now=now, cleared=cleared)


def _reject(photo: Evidence, *, user, reason: str, now, cleared: bool) -> PhotoReview:
    if photo.status != Evidence.Status.VERIFIED:
        raise Conflict(f"Only a verified photo can be rejected; this one is {photo.status}"
                       + (f": {photo.reject_reason}" if photo.reject_reason else "."), field="id",
                       code="not_verified")
    if photo.daily_check_id is None:
        what = "an audit's" if photo.audit_id is not None else "a corrective action's"
        raise Conflict(f"This is {what} photo: only a daily check's photo is rejected and asked again.", field="id",
                       code="not_a_check_photo")
    photo.status = Evidence.Status.REJECTED
    photo.reject_reason = f"Rejected on review: {reason}"[:300]
    photo.save(update_fields=["status", "reject_reason"])
    review = PhotoReview.objects.create(evidence=photo, decision=ReviewDecision.REJECT, reason=reason,
                                        decided_by=user, decided_at=now)
    photo_days.photo_withdrawn(photo, cleared=cleared)
    # The one rule of "passed" (the day's verified photos), the check's score and the variance totals.
    rejudge(check_id=photo.daily_check_id, criterion_ids=[photo.criterion_id])
    retake = RetakeRequest.objects.create(review=review, rejected=photo, site=photo.site, criterion=photo.criterion,
                                          daily_check_id=photo.daily_check_id, due_at=retakes.due_at(now))
    _record(review, photo, user, retake=retake)
    _tell_managers("photo.rejected", photo, review, link=f"/app/today/?site={photo.site.code}",
                   extra={"due_at": retake.due_at.isoformat(), "due": retakes.local_text(retake.due_at, photo.site),
                          "retake": retake.pk})
    return review


def _clear(photo: Evidence, *, user, reason: str, now, cleared: PhotoReview | None) -> PhotoReview:
    if photo.status != Evidence.Status.VERIFIED or not flags(photo):
        state = photo.status if photo.status != Evidence.Status.VERIFIED else "verified and not flagged"
        raise Conflict(f"Only a flagged photo (reused, stale, blurred, dark, edited, captured after its upload, far "
                       f"from its site) can be cleared; this one is {state}.", field="id", code="not_flagged")
    if cleared is not None:
        raise Conflict(f"This photo was already cleared by {cleared.decided_by.get_username()} on "
                       f"{cleared.decided_at:%Y-%m-%d}: {cleared.reason}", field="id", code="already_cleared")
    review = PhotoReview.objects.create(evidence=photo, decision=ReviewDecision.CLEAR, reason=reason,
                                        decided_by=user, decided_at=now)
    # An audit's photo counts in no site's photo totals, and only reused and stale photos count there as suspect.
    if photo.audit_id is None and (photo.reused_from_id or photo.stale_capture):
        photo_days.flags_cleared(photo)
    _record(review, photo, user)
    _tell_managers("photo.cleared", photo, review, link=f"/app/sites/{photo.site.code}/")
    return review


def _record(review: PhotoReview, photo: Evidence, user, *, retake: RetakeRequest | None = None) -> None:
    """The audit entry of a review: the decision, the photo (its SHA-256) and, for a rejection, the retake asked."""
    record(Action.PHOTO_REVIEWED, actor=user, target=photo, target_id=photo.public_id, site=photo.site, data={
        "decision": review.decision, "reason": review.reason, "review": review.pk, "criterion": photo.criterion.key,
        "day": photo.day, "sha256": photo.sha256, "flags": flags(photo),
        "retake": {"id": retake.pk, "due_at": retake.due_at} if retake is not None else None})


def site_managers(site_id: int) -> list[int]:
    """The site's managers (the contract's recipients of a rejected photo), by the alerts' one rule."""
    from alerts.people import site_recipients

    return site_recipients([site_id]).get(site_id, {}).get("managers", [])


def _tell_managers(event: str, photo: Evidence, review: PhotoReview, *, link: str, extra: dict | None = None) -> None:
    from notify.services.publish import Occurrence, publish

    publish([Occurrence(
        event=event, key=str(photo.public_id), recipients=site_managers(photo.site_id), site_id=photo.site_id,
        link=link,
        data={"site": photo.site.code, "site_name": photo.site.name, "criterion": photo.criterion.key,
              "prompt": photo.criterion.prompt, "day": photo.day.isoformat() if photo.day else None,
              "reason": review.reason, "decided_by": review.decided_by.get_username(),
              "evidence": str(photo.public_id), **(extra or {})},
    )])


def cleared_ids(evidence_ids) -> set[int]:
    """Which of these photos were cleared on review (one query): trusted despite their flags."""
    return set(PhotoReview.objects.filter(evidence_id__in=list(evidence_ids), decision=ReviewDecision.CLEAR)
               .values_list("evidence_id", flat=True))
