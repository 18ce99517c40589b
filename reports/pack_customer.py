"""What a compliance pack shows beside the site's own checks: the audits and mystery shops of the site and
period (with their photos), and the customers' feedback, read from the customer app's tables in a fixed
handful of queries.

A mystery shopper is never named to the site, and nothing that would point at them is given either: no
name, no visit or filling-in time, and a mystery shop's photos carry their day, not their hour. A pack
goes to whoever may read the site (its manager included), so the rule is the one the audits API keeps
for a site's readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, Sum

from consistency.models import Evidence
from consistency.variance import stats
from customer.models import Audit, AuditKind, AuditResult, FeedbackDay, FeedbackResponse
from sites.models import Site

COMMENTS = 6  # the most recent comments quoted in a pack; the API lists every response
MYSTERY_SHOPPER = "mystery shopper (not named)"


@dataclass
class PackAuditResult:
    criterion: str
    prompt: str
    touch_point: str
    value: str
    passed: bool
    deviation: float
    note: str


@dataclass
class PackAudit:
    id: int
    kind: str               # AuditKind value
    kind_label: str
    date: dt.date
    version: int
    by: str                 # the auditor's username; MYSTERY_SHOPPER for a mystery shop
    visited_at: dt.datetime | None   # None for a mystery shop (or when not given)
    received_at: dt.datetime | None  # None for a mystery shop
    score: float
    observed: int
    calibration: bool
    results: list[PackAuditResult]
    evidence: list = field(default_factory=list)  # PackEvidence

    @property
    def anonymous(self) -> bool:
        return self.kind == AuditKind.MYSTERY_SHOP

    @property
    def failures(self) -> list[PackAuditResult]:
        return [r for r in self.results if not r.passed]


@dataclass
class PackFeedbackRow:
    """Feedback on one touch point (a criterion's question counts for its touch point), or the overall rating
    (key ""): questions mapped to nothing and answers without a question."""

    key: str
    name: str
    responses: int
    satisfied: int
    mean: float | None       # mean normalized score, 0..1

    @property
    def share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None

    @property
    def interval(self) -> tuple[float, float]:
        return stats.wilson(self.share or 0.0, self.responses)


@dataclass
class PackComment:
    date: dt.date
    channel: str
    score: float
    scale: str
    question: str
    comment: str


@dataclass
class PackFeedback:
    total: PackFeedbackRow
    rows: list[PackFeedbackRow]
    comments: list[PackComment]


def audits_of(*, site: Site, date_from: dt.date, date_to: dt.date, local: Callable, evidence_of: Callable,
              value_of: Callable) -> list[PackAudit]:
    """Every audit and mystery shop of the site in the period, oldest first, each with its results (in the
    standard's order) and photos. ``evidence_of(e, day, anonymous)`` and ``value_of(kind, value, unit)`` make a
    photo and a value the way the checks' are made (packs.py), so they read alike."""
    results = AuditResult.objects.select_related("criterion__touch_point").order_by(
        "criterion__touch_point__order", "criterion__order", "criterion__key")
    photos = (Evidence.objects.select_related("criterion", "reused_from__daily_check", "reused_from__audit")
              .order_by("created_at", "id"))
    audits = (Audit.objects.filter(site=site, date__gte=date_from, date__lte=date_to)
              .select_related("version", "submitted_by")
              .prefetch_related(Prefetch("results", queryset=results), Prefetch("evidence", queryset=photos))
              .order_by("date", "received_at", "id"))
    out = []
    for a in audits:
        anonymous = a.kind == AuditKind.MYSTERY_SHOP
        out.append(PackAudit(
            a.id, a.kind, a.get_kind_display(), a.date, a.version.number,
            MYSTERY_SHOPPER if anonymous else a.submitted_by.get_username(),
            None if anonymous else local(a.visited_at or a.performed_at),
            None if anonymous else local(a.received_at), a.score, a.observed, a.calibration_id is not None,
            [PackAuditResult(r.criterion.key, r.criterion.prompt, r.criterion.touch_point.name,
                             value_of(r.criterion.kind, r.value, r.criterion.unit), r.passed, r.deviation, r.note)
             for r in a.results.all()],
            [evidence_of(e, a.date, anonymous) for e in a.evidence.all()]))
    return out


def feedback_of(*, site: Site, date_from: dt.date, date_to: dt.date,
                touch_points: list[tuple[str, str]]) -> PackFeedback:
    """The period's feedback, per touch point, from the daily totals (which the feedback service keeps in step
    with the responses), and the most recent comments. ``touch_points``: (key, name) in the standard's order,
    as the pack's versions name them."""
    days = (FeedbackDay.objects.filter(site=site, date__gte=date_from, date__lte=date_to)
            .values("question__touch_point_key")
            .annotate(n=Sum("responses"), ok=Sum("satisfied"), total=Sum("normalized_sum")))
    names = dict(touch_points)
    order = {key: i for i, (key, _) in enumerate(touch_points)}
    by_key: dict[str, PackFeedbackRow] = {}
    for row in days:
        key = row["question__touch_point_key"] or ""
        found = by_key.setdefault(key, PackFeedbackRow(key, names.get(key, key) if key else "Overall rating", 0, 0, 0.0))
        found.responses += row["n"] or 0
        found.satisfied += row["ok"] or 0
        found.mean += row["total"] or 0.0  # a sum until divided below
    for row in by_key.values():
        row.mean = row.mean / row.responses if row.responses else None
    rows = sorted(by_key.values(), key=lambda r: (r.key == "", order.get(r.key, len(order)), r.key))
    n = sum(r.responses for r in rows)
    total = PackFeedbackRow("*", "All responses", n, sum(r.satisfied for r in rows),
                            sum((r.mean or 0.0) * r.responses for r in rows) / n if n else None)
    comments = [PackComment(r.date, r.channel, r.score, r.scale, r.question.text if r.question else "", r.comment)
                for r in FeedbackResponse.objects.filter(site=site, date__gte=date_from, date__lte=date_to)
                .filter(~Q(comment="")).select_related("question").order_by("-date", "-received_at", "-id")[:COMMENTS]]
    return PackFeedback(total, rows, comments)
