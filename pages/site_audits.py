"""A site's audits and mystery shops of a period, as its page lists them: kind, date, score, what was
observed and what failed, and who visited, where the reader may know it.

Who submitted a mystery shop is never shown to the site's own people (managers, department staff): a shopper
is never named to the site they visit (the audit API's rule, customer/selectors/audits.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from customer.models import Audit, AuditKind, AuditResult
from sites import access
from sites.models import Role

from .format import pct

AUDITS_SHOWN = 50
READERS_WHO_SEE_WHO = (Role.HEAD_OFFICE, Role.AUDITOR)


@dataclass(frozen=True)
class AuditLine:
    id: int
    date: object
    kind: str             # AuditKind's key
    kind_label: str
    score: str            # "83.3%"
    observed: int
    failures: list        # AuditResult rows that failed, with their criterion
    by: str | None        # who visited; None where the reader may not know it


def names_visitors_to(user, kind: str) -> bool:
    """Whether ``user`` may read who made an audit of ``kind``: anyone who may read the site for an independent
    audit, only head office and auditors for a mystery shop."""
    return kind != AuditKind.MYSTERY_SHOP or access.role_of(user) in READERS_WHO_SEE_WHO


def site_audits(*, user, site, date_from, date_to) -> tuple[int, list[AuditLine]]:
    """The period's audits of ``site`` (the caller checked that ``user`` reads it), latest first: their count
    and the first AUDITS_SHOWN. Three queries whatever their number."""
    audits = Audit.objects.filter(site=site, date__gte=date_from, date__lte=date_to)
    failures = Prefetch("results", to_attr="failures", queryset=AuditResult.objects.filter(passed=False)
                        .select_related("criterion").order_by("criterion__touch_point__order", "criterion__order"))
    shown = list(audits.select_related("submitted_by").prefetch_related(failures)
                 .order_by("-date", "-received_at", "-id")[:AUDITS_SHOWN])
    total = len(shown) if len(shown) < AUDITS_SHOWN else audits.count()
    kinds = dict(AuditKind.choices)
    return total, [AuditLine(a.id, a.date, a.kind, kinds.get(a.kind, a.kind), pct(a.score), a.observed, a.failures,
                             (a.submitted_by.get_full_name() or a.submitted_by.username)
                             if names_visitors_to(user, a.kind) else None)
                   for a in shown]
