"""Reading audits within a person's scope, and who may learn who audited.

Scope (one place, every reader of audits goes through :func:`audits_for`):

- head office: every audit;
- an auditor, a manager, department staff: the audits of the sites they read (``access.readable_sites``);
- a mystery shopper: only their own audits (never who else audited, never a site's own checks).

A mystery shop never names its shopper to the site: to a manager or department staff its ``submitted_by``,
its ``visited_at`` and its photos' ``uploaded_by`` are withheld (:func:`names_submitter`). Head office and
auditors see them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet

from backend.errors import Conflict, Forbidden, NotFound
from consistency.models import Evidence
from sites import access
from sites.models import Role, Site
from sites.selectors import in_region, site_shown

from ..models import Audit, AuditKind, AuditResult
from ..services.audits import kinds_for


def _scope(user) -> Q | None:
    """The audits ``user`` may read, as a filter; None: all of them."""
    role = access.role_of(user)
    if role == Role.HEAD_OFFICE:
        return None
    if role == Role.MYSTERY_SHOPPER:
        return Q(submitted_by=user)
    return Q(site__in=access.readable_sites(user))


def audits_for(user) -> QuerySet[Audit]:
    scope = _scope(user)
    return Audit.objects.all() if scope is None else Audit.objects.filter(scope)


def names_submitter(user, kind: str) -> bool:
    """Whether ``user`` may learn who submitted an audit of this kind, and when the visit took place: a mystery
    shop is never named to the site (its managers, its department staff). A shopper reads only their own."""
    if kind != AuditKind.MYSTERY_SHOP:
        return True
    return access.role_of(user) in (Role.HEAD_OFFICE, Role.AUDITOR, Role.MYSTERY_SHOPPER)


def site_for_audit(*, user, code: str) -> Site:
    """The site an audit is submitted for: 404 unless the user may see it listed (``access.visible_sites``),
    so that nobody learns of a site they do not know; 403 if they see it but submit no audits for it (a
    manager, department staff); 409 if it is closed."""
    site = site_shown(user=user, code=code)
    if not kinds_for(user):
        raise Forbidden(f"You may read site {code!r} but not submit audits: audits are submitted by auditors, "
                        "mystery shoppers and head office.", field="code")
    if not site.active:
        raise Conflict(f"Site {code} is closed (inactive): it takes no more audits.", field="code",
                       code="site_inactive")
    if not access.auditable_sites(user).filter(pk=site.pk).exists():
        raise Forbidden(f"You may not submit audits for site {code!r}.", field="code")
    return site


def audit_list(*, user, site: Site | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, region: str | None = None, kind: str | None = None) -> QuerySet[Audit]:
    """The audits ``user`` reads, newest first, with what a list shows (one query)."""
    qs = audits_for(user).select_related("site", "version", "submitted_by")
    if site is not None:
        qs = qs.filter(site=site)
    if region:
        qs = qs.filter(site__in=in_region(user=user, sites=access.visible_sites(user), region=region, visible=True))
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.order_by("-date", "-received_at", "-id")


def audit_get(*, user, audit_id: int) -> Audit:
    """One audit with its results and photos, if the user reads it; 404 otherwise."""
    audit = (audits_for(user).filter(pk=audit_id).select_related("site", "version", "submitted_by")
             .prefetch_related(
                 Prefetch("results", queryset=AuditResult.objects.select_related("criterion__touch_point")
                          .order_by("criterion__touch_point__order", "criterion__order", "criterion__key")),
                 Prefetch("evidence", queryset=Evidence.objects.select_related("criterion", "uploaded_by")
                          .order_by("created_at", "id"), to_attr="photos"))
             .first())
    if audit is None:
        raise NotFound(f"No audit {audit_id} among the audits you can see.", field="id")
    return audit


def audit_for_evidence(*, user, audit_id: int, for_write: bool = False) -> Audit:
    """The audit a photo is attached to: 404 unless the user reads it; for a write, 403 unless they submitted
    it or are head office (an audit's photos are its author's testimony)."""
    audit = audits_for(user).filter(pk=audit_id).select_related("site", "version").first()
    if audit is None:
        raise NotFound(f"No audit {audit_id} among the audits you can see.", field="id")
    if for_write and not may_add_photos(user, audit):
        raise Forbidden("Only the audit's author (or head office) adds photos to it.", field="id")
    return audit


def may_add_photos(user, audit: Audit) -> bool:
    return audit.submitted_by_id == user.pk or access.is_head_office(user)
