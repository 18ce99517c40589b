"""One photo is one piece of evidence: a retry of a photo already given, and a second copy that is refused."""

from __future__ import annotations

from django.db.models import Q

from backend.errors import Conflict

from ...models import Evidence
from ...selectors import evidence as evidence_selectors
from .review import REJECTED_ON_REVIEW
from .targets import CriterionRef, Target


def already_counted(*, site_id: int, day, action_id: int | None, criterion_id: int, sha256: str,
                    exclude_pk: int | None = None, audit_id: int | None = None) -> tuple[str, str] | None:
    """Why a photo with these very bytes would not be new evidence, as (code, message); None if it would be.

    - One photo is one piece of evidence: for a check, a verified photo with the same bytes given for any
      check of the site's day (as ``verified_photos_of_day`` counts them: an amendment counts the photos given
      for the check it replaces), for this criterion or another one: one picture does not prove the uniform,
      the invoices and the windows at once. For an action, a verified photo of that action.
    - The photo of a failure is no proof of its fix: for an action, the same bytes given for one of the
      site's checks, the failure's own photo included.
    - A photo of the site rejected on review is not sent again as its retake (the same bytes).
    - For an audit, one photo proves one criterion of that audit. (The same bytes given for a check or another
      audit are not refused: they are flagged, ``reused_from``, for auditors to see.)

    Call under the site's lock, so that a concurrent retry or upload is seen."""
    verified = Evidence.objects.filter(sha256=sha256, status=Evidence.Status.VERIFIED).exclude(pk=exclude_pk)
    if audit_id is not None:
        same = (verified.filter(audit_id=audit_id).order_by("id")
                .values_list("public_id", "criterion_id", "criterion__key").first())
        if same is None:
            return None
        public_id, proves, key = same
        if proves == criterion_id:
            return "already_attached", (f"This photo is already attached here and verified (evidence {public_id}); "
                                        "it counts once.")
        return "already_attached", (f"This photo is already the proof of {key!r} in this audit (evidence "
                                    f"{public_id}); one photo proves one criterion.")
    if action_id is None:
        # In the same query: the bytes of a photo of the site rejected on review, which no retake may send again.
        same = (Evidence.objects.filter(sha256=sha256).exclude(pk=exclude_pk)
                .filter(Q(status=Evidence.Status.VERIFIED, daily_check__site_id=site_id, daily_check__date=day)
                        | (REJECTED_ON_REVIEW & Q(site_id=site_id, daily_check__isnull=False)))
                .order_by("-status", "id")  # verified before rejected
                .values_list("public_id", "criterion_id", "criterion__key", "status", "reject_reason").first())
        if same is not None and same[3] == Evidence.Status.REJECTED:
            return "rejected_on_review", (f"This very photo was rejected on review (evidence {same[0]}): "
                                          f"{same[4].removeprefix('Rejected on review: ')} Take a new photo.")
        if same is not None:
            public_id, proves, key, _, _ = same
            if proves == criterion_id:
                return "already_attached", (f"This photo is already attached here and verified (evidence "
                                            f"{public_id}); it counts once.")
            return "already_attached", (f"This photo is already the proof of {key!r} on {day} (evidence "
                                        f"{public_id}); one photo proves one criterion. Take a photo of what "
                                        "this criterion is about.")
        return None
    same = verified.filter(criterion_id=criterion_id, action_id=action_id).values_list("public_id", flat=True).first()
    if same is not None:
        return "already_attached", f"This photo is already attached here and verified (evidence {same}); it counts once."
    given = (verified.filter(criterion_id=criterion_id, daily_check__site_id=site_id)
             .values_list("public_id", "daily_check__date").first())
    if given is not None:
        return "photo_of_a_check", (f"This photo was given for the check of {given[1]} (evidence {given[0]}); "
                                    "proof that the failure was put right is a photo taken since.")
    return None


def same_photo_here(target: Target, criterion: CriterionRef, sha256: str) -> Evidence | None:
    """The verified photo with these very bytes already given for this check (or action) and criterion: what a
    retry of its upload is answered with. The same bytes elsewhere (another criterion, another check of the
    day, a check's photo for an action) are no retry: ``refuse_a_second_copy`` answers those."""
    # A lean query first: a photo is new far more often than it is a retry, and the joins of the answer's
    # query cost more to plan than to run.
    pk = (Evidence.objects.filter(**target.filter(), criterion_id=criterion.id, sha256=sha256,
                                  status=Evidence.Status.VERIFIED).order_by("id").values_list("pk", flat=True).first())
    return None if pk is None else evidence_selectors.evidence_queryset().get(pk=pk)


def refuse_a_second_copy(target: Target, criterion: CriterionRef, sha256: str, *, field: str) -> None:
    """409 if these bytes would not be new evidence here (``already_counted``)."""
    refused = already_counted(site_id=target.site.pk, day=target.day,
                              action_id=target.action.pk if target.action is not None else None,
                              audit_id=target.audit.pk if target.audit is not None else None,
                              criterion_id=criterion.id, sha256=sha256)
    if refused is not None:
        raise Conflict(refused[1], field=field, code=refused[0])
