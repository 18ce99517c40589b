"""A site's audits and mystery shops of a period, as its page lists them: kind, date, score, what was
observed and what failed, and who visited where the reader may know it.

The audits and who may learn who made them are the audit API's (customer.selectors.audits: ``audit_list``,
``names_submitter``): a mystery shopper is never named to the site's own people (managers, department staff)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from customer.models import AuditKind, AuditResult
from customer.selectors.audits import audit_list, names_submitter

from .format import pct
from .labels import label

AUDITS_SHOWN = 50


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


def site_audits(*, user, site, date_from, date_to) -> tuple[int, list[AuditLine]]:
    """The period's audits of ``site`` that ``user`` reads, latest first: their count and the first
    AUDITS_SHOWN. Two queries whatever their number (three when there are more than AUDITS_SHOWN)."""
    audits = audit_list(user=user, site=site, date_from=date_from, date_to=date_to)
    failures = Prefetch("results", to_attr="failures", queryset=AuditResult.objects.filter(passed=False)
                        .select_related("criterion").order_by("criterion__touch_point__order", "criterion__order"))
    shown = list(audits.prefetch_related(failures)[:AUDITS_SHOWN])
    total = len(shown) if len(shown) < AUDITS_SHOWN else audits.count()
    return total, [AuditLine(a.id, a.date, a.kind, label(AuditKind, a.kind), pct(a.score), a.observed, a.failures,
                             (a.submitted_by.get_full_name() or a.submitted_by.username)
                             if names_submitter(user, a.kind) else None)
                   for a in shown]
