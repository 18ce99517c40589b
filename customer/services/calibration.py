"""Calibration visits: two (or more) auditors audit one site on one day, head office marks their audits as one
visit, and auditors are compared with each other on the criteria they both observed.

For one pair of auditors, across every visit both took part in, each criterion both observed is one
comparison (with several audits by one auditor in a visit, every pair of audits by the two counts):

- agreement share  p = agreeing / compared, where two results agree when both met or both did not; with its
  Wilson 95% interval (``consistency.variance.stats.wilson``, the variance engine's);
- Cohen's kappa    k = (p - pe) / (1 - pe),  pe = ya*yb + (1-ya)*(1-yb), ya and yb the shares of "met" in
  each auditor's results of those comparisons: agreement beyond what two auditors who say "met" that often
  would reach by chance. Given only from ``KAPPA_MIN_COMPARISONS`` comparisons (below it one disagreement
  swings it from 1 to near 0) and where pe < 1 (both always said the same thing: chance explains it all);
- mean absolute difference of deviation  mean |da - db|: how far apart their readings are, not only
  whether they agree on pass/fail (0..1, the deviation of ``scoring.judge``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from backend.errors import AppError, Conflict, Forbidden
from consistency.variance.stats import wilson
from sites import access

from ..models import Audit, AuditResult, CalibrationVisit

KAPPA_MIN_COMPARISONS = 10
NOTE_MAX_LENGTH = CalibrationVisit._meta.get_field("note").max_length
MAX_AUDITS = 20


def calibration_mark(*, user, audit_ids: list[int], note: str = "", now: dt.datetime | None = None) -> CalibrationVisit:
    """Mark audits as one calibration visit: head office only; the audits of one site and one day, by at least two
    different auditors, none of them already in a visit (409)."""
    if not access.is_head_office(user):
        raise Forbidden("Only head office marks calibration visits.", field="audits")
    ids = list(dict.fromkeys(audit_ids))
    if len(ids) < 2:
        raise AppError("audits: a calibration visit needs at least two audits of one site and day.", field="audits")
    if len(ids) > MAX_AUDITS:
        raise AppError(f"audits: at most {MAX_AUDITS} audits in one visit.", field="audits")
    if len(note) > NOTE_MAX_LENGTH:
        raise AppError(f"note: at most {NOTE_MAX_LENGTH} characters.", field="note", code="max_length")
    with transaction.atomic():
        # Locked: two marks of the same audit at once are one visit and one 409, never two visits.
        audits = list(Audit.objects.select_for_update().filter(pk__in=ids).order_by("id"))
        missing = sorted(set(ids) - {a.pk for a in audits})
        if missing:
            raise AppError(f"audits: no audit {', '.join(map(str, missing))}.", field="audits", code="not_found")
        places = {(a.site_id, a.date) for a in audits}
        if len(places) > 1:
            raise AppError("audits: a calibration visit is the audits of one site on one day; these are of "
                           f"{len(places)} different site-days.", field="audits", code="not_one_visit")
        if len({a.submitted_by_id for a in audits}) < 2:
            raise AppError("audits: a calibration visit compares auditors: these audits are all by one person.",
                           field="audits", code="one_auditor")
        taken = [a for a in audits if a.calibration_id is not None]
        if taken:
            raise Conflict("audits: " + "; ".join(f"audit {a.pk} is already in calibration visit {a.calibration_id}"
                                                 for a in taken) + ".", field="audits", code="already_in_visit")
        first = audits[0]
        visit = CalibrationVisit.objects.create(site_id=first.site_id, date=first.date, marked_by=user,
                                                marked_at=now or timezone.now(), note=note)
        Audit.objects.filter(pk__in=ids).update(calibration=visit)
    return visit


# --- the comparison ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Observation:
    audit_id: int
    auditor: str
    value: float
    met: bool
    deviation: float


@dataclass
class CriterionAgreement:
    criterion: str
    touch_point: str
    observations: list[Observation]

    @property
    def agree(self) -> bool:
        return len({o.met for o in self.observations}) == 1

    @property
    def deviation_range(self) -> float:
        deviations = [o.deviation for o in self.observations]
        return max(deviations) - min(deviations)


@dataclass
class VisitComparison:
    visit: CalibrationVisit
    audits: list[Audit]
    criteria: list[CriterionAgreement]  # those at least two audits of the visit observed


@dataclass
class PairComparison:
    auditors: tuple[str, str]
    visits: int
    compared: int
    agreeing: int
    agreement: float | None
    agreement_low: float
    agreement_high: float
    kappa: float | None
    kappa_note: str
    mean_abs_deviation_difference: float | None


@dataclass
class CalibrationReport:
    visits: list[VisitComparison]
    pairs: list[PairComparison] = field(default_factory=list)
    kappa_min_comparisons: int = KAPPA_MIN_COMPARISONS


def calibration_report(*, date_from: dt.date | None = None, date_to: dt.date | None = None) -> CalibrationReport:
    """Every calibration visit of the period (by its date) with its audits and per-criterion agreement, and every
    pair of auditors compared across them. Three queries however many visits."""
    visits = CalibrationVisit.objects.select_related("site", "marked_by").order_by("date", "id")
    if date_from:
        visits = visits.filter(date__gte=date_from)
    if date_to:
        visits = visits.filter(date__lte=date_to)
    results = AuditResult.objects.select_related("criterion__touch_point").order_by(
        "criterion__touch_point__order", "criterion__order", "criterion__key")
    visits = visits.prefetch_related(Prefetch(
        "audits", queryset=Audit.objects.select_related("submitted_by").order_by("id").prefetch_related(
            Prefetch("results", queryset=results))))
    compared = [_visit(v) for v in visits]
    return CalibrationReport(visits=compared, pairs=_pairs(compared))


def _visit(visit: CalibrationVisit) -> VisitComparison:
    audits = list(visit.audits.all())
    by_criterion: dict[str, CriterionAgreement] = {}
    for audit in audits:
        for r in audit.results.all():
            entry = by_criterion.setdefault(r.criterion.key, CriterionAgreement(
                r.criterion.key, r.criterion.touch_point.key, []))
            entry.observations.append(Observation(audit.pk, audit.submitted_by.get_username(), r.value, r.met,
                                                  r.deviation))
    return VisitComparison(visit=visit, audits=audits,
                           criteria=[c for c in by_criterion.values() if len(c.observations) >= 2])


def _pairs(visits: list[VisitComparison]) -> list[PairComparison]:
    # (auditor a, auditor b) with a < b -> [(met_a, met_b, dev_a, dev_b), ...] and the visits they shared.
    compared: dict[tuple[str, str], list[tuple[bool, bool, float, float]]] = defaultdict(list)
    shared: dict[tuple[str, str], set[int]] = defaultdict(set)
    for v in visits:
        for c in v.criteria:
            for x, y in itertools.combinations(c.observations, 2):
                if x.auditor == y.auditor:
                    continue
                a, b = (x, y) if x.auditor < y.auditor else (y, x)
                key = (a.auditor, b.auditor)
                compared[key].append((a.met, b.met, a.deviation, b.deviation))
                shared[key].add(v.visit.pk)
    return [_pair(key, rows, len(shared[key])) for key, rows in sorted(compared.items())]


def _pair(auditors: tuple[str, str], rows: list[tuple[bool, bool, float, float]], visits: int) -> PairComparison:
    n = len(rows)
    agreeing = sum(1 for ma, mb, _, _ in rows if ma == mb)
    p = agreeing / n
    low, high = wilson(p, n)
    kappa, note = cohens_kappa([(ma, mb) for ma, mb, _, _ in rows])
    mad = sum(abs(da - db) for _, _, da, db in rows) / n
    return PairComparison(auditors, visits, n, agreeing, p, low, high, kappa, note, mad)


def cohens_kappa(pairs: list[tuple[bool, bool]]) -> tuple[float | None, str]:
    """Cohen's kappa of two raters' yes/no on the same items, and why it is not given when it is not."""
    n = len(pairs)
    if n < KAPPA_MIN_COMPARISONS:
        return None, f"too few comparisons ({n}; kappa needs {KAPPA_MIN_COMPARISONS})"
    observed = sum(1 for a, b in pairs if a == b) / n
    ya = sum(1 for a, _ in pairs if a) / n
    yb = sum(1 for _, b in pairs if b) / n
    expected = ya * yb + (1 - ya) * (1 - yb)
    if expected >= 1:
        return None, "both auditors gave one answer throughout: agreement by chance explains it all"
    return (observed - expected) / (1 - expected), ""
