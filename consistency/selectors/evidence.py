"""Reading evidence, and the checks and actions evidence is attached to, within the user's scope.

Outside the sites a user reads: 404 (they do not learn it exists). Readable but not writable (an
auditor, or a manager's inactive site): 403 on a write.
"""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, QuerySet

from backend.errors import Forbidden, NotFound
from sites import access

from ..models import CorrectiveAction, DailyCheck, Evidence


def _scoped(qs: QuerySet, *, user, pk, for_write: bool, what: str):
    obj = qs.filter(site__in=access.readable_sites(user), pk=pk).first()
    if obj is None:
        raise NotFound(f"No {what} {pk} among the sites you can see.", field="id")
    if for_write and not access.writable_sites(user).filter(pk=obj.site_id).exists():
        raise Forbidden(f"You may read this {what} but not add evidence to it.", field="id")
    return obj


def check_for_evidence(*, user, check_id: int, for_write: bool = False) -> DailyCheck:
    return _scoped(DailyCheck.objects.select_related("site", "version"), user=user, pk=check_id,
                   for_write=for_write, what="check")


def action_for_evidence(*, user, action_id: int, for_write: bool = False) -> CorrectiveAction:
    return _scoped(CorrectiveAction.objects.select_related("site", "criterion", "daily_check"), user=user,
                   pk=action_id, for_write=for_write, what="corrective action")


def evidence_queryset() -> QuerySet[Evidence]:
    return Evidence.objects.select_related("site", "criterion", "uploaded_by", "reused_from__site",
                                           "daily_check", "action")


def evidence_get(*, user, public_id: uuid.UUID, for_write: bool = False) -> Evidence:
    """A photo, if ``user`` reads it: a check's or an action's within the sites they read, an audit's within the
    audits they read (``customer.selectors.audits``: a mystery shopper reads only their own). Written (confirmed)
    only by whoever may add it: the site's writers, or the audit's author and head office."""
    # Imported here: customer builds on consistency, not the reverse.
    from customer.selectors import audits as audit_selectors

    readable = (Q(audit__isnull=True, site__in=access.readable_sites(user))
                | Q(audit__in=audit_selectors.audits_for(user)))
    evidence = evidence_queryset().filter(readable, public_id=public_id).select_related("audit").first()
    if evidence is None:
        raise NotFound("No such evidence among the sites you can see.", field="id")
    if for_write:
        if evidence.audit_id is not None:
            allowed = audit_selectors.may_add_photos(user, evidence.audit)
        else:
            allowed = access.writable_sites(user).filter(pk=evidence.site_id).exists()
        if not allowed:
            raise Forbidden("You may read this evidence but not change it.", field="id")
    return evidence


def evidence_list(*, daily_check: DailyCheck | None = None,
                  action: CorrectiveAction | None = None, audit=None) -> QuerySet[Evidence]:
    """Evidence of a check, an action or an audit the caller has already resolved within scope."""
    qs = evidence_queryset()
    if daily_check is not None:
        qs = qs.filter(daily_check=daily_check)
    if action is not None:
        qs = qs.filter(action=action)
    if audit is not None:
        qs = qs.filter(audit=audit)
    if daily_check is None and action is None and audit is None:
        return qs.none()  # no owner named: nothing, never everything
    return qs.order_by("created_at", "id")


def readable_site_ids(user) -> set[int]:
    """For serializers that show a link to another site's photo only to those who may read that site."""
    return set(access.readable_sites(user).values_list("id", flat=True))


def _verified_of_days(site_id: int, days) -> Q:
    """A site's verified photos of these days, whichever of a day's checks they were attached to."""
    return Q(daily_check__site_id=site_id, daily_check__date__in=days, status=Evidence.Status.VERIFIED)


def verified_photos_of_days(*, site_id: int, days) -> QuerySet[Evidence]:
    """The photos a site's days show (the rule of verified_photos_of_day), with what a list of them shows, in
    the day's and the standard's order."""
    return (evidence_queryset().filter(_verified_of_days(site_id, days))
            .order_by("daily_check__date", "criterion__order", "created_at", "id"))


def verified_photos_of_day(*, site_id: int, day, criterion_ids=None) -> dict[int, int]:
    """Verified photos per criterion for a site's day, whichever of the day's checks they were attached to.

    A photo shows the site on that day: when a check is amended, the photos given for the check it
    replaces still count for the amendment (the evidence stays attached where it was given, for history).
    """
    qs = Evidence.objects.filter(_verified_of_days(site_id, [day]))
    if criterion_ids is not None:
        qs = qs.filter(criterion_id__in=criterion_ids)
    return dict(qs.order_by().values_list("criterion_id").annotate(n=Count("id")))

