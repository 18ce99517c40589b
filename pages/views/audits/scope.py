"""Which audits a person may read on these pages: the API's rule (CONTRACT17, H1 audits).

Head office reads every audit; an auditor the audits of the sites they read; a mystery shopper only their own
(never who else audited a site). Managers and department staff read their sites' audits through the site page,
without the mystery shopper's name; these pages are not theirs.

INTERIM ADAPTER: branch ``audits`` (customer/selectors/audits.py) owns this rule; until it is merged these two
functions say it once for the pages, and at the merge they become calls to its selectors."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from backend.errors import NotFound
from consistency.models import Evidence
from customer.models import Audit, AuditResult
from sites import access
from sites.models import Role


def readable_audits(user) -> QuerySet[Audit]:
    role = access.role_of(user)
    qs = Audit.objects.select_related("site", "submitted_by")
    if role == Role.HEAD_OFFICE:
        return qs
    if role == Role.AUDITOR:
        return qs.filter(site__in=access.readable_sites(user))
    if role == Role.MYSTERY_SHOPPER:
        return qs.filter(submitted_by=user)
    return qs.none()


def audit_for_page(*, user, audit_id: int) -> Audit:
    """One audit with its results (criterion and touch point) in scope; 404 outside it, as the API."""
    results = Prefetch("results", queryset=AuditResult.objects.select_related("criterion__touch_point")
                       .order_by("criterion__touch_point__order", "criterion__order", "criterion__key"))
    audit = readable_audits(user).select_related("version").prefetch_related(results).filter(pk=audit_id).first()
    if audit is None:
        raise NotFound(f"No audit {audit_id} among those you can see.", field="id")
    return audit


def audit_evidence(audit: Audit) -> QuerySet[Evidence]:
    """The photos given for an audit already resolved within scope, as uploaded."""
    return Evidence.objects.filter(audit=audit).select_related("criterion").order_by("created_at", "pk")
