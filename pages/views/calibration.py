"""/app/calibration/ (head office): the calibration visits of a period (two or more auditors at one site on one
day) and how far auditors agree with each other.

Thin: the numbers are customer.services.calibration's (GET /api/v1/calibrations/'s); this view lays each visit
out as criteria x audits and writes the numbers with pages/format.py."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import render
from django.utils.translation import get_language

from consistency.services.translation import translated
from customer.models import AuditKind
from customer.services.calibration import (
    CalibrationReport,
    PairComparison,
    VisitComparison,
    calibration_report,
)
from reports.packs import value_text
from sites.models import Role

from ..format import coefficient, interval, pct
from ..labels import label
from ..period import page_period
from .common import page, require_role


@dataclass(frozen=True)
class PairText:
    auditors: tuple[str, str]   # usernames, as the service pairs them
    names: tuple[str, str]      # as people read them (full name, else username)
    visits: int
    compared: int
    agreeing: int
    agreement: str        # "83.3%"
    interval: str         # "55.2–95.3%"
    kappa: str            # "0.61", or "–" with the reason in kappa_note
    kappa_note: str
    deviation: str        # mean absolute difference of deviation, two decimals


@dataclass(frozen=True)
class Reading:
    text: str             # "4 rings", "yes", "3 / 5"
    met: bool


@dataclass(frozen=True)
class CriterionLine:
    key: str
    prompt: str
    agree: bool
    readings: list[Reading | None]   # one per audit of the visit, None where that audit did not observe it


@dataclass(frozen=True)
class VisitText:
    visit: object                    # CalibrationVisit, with its site
    audits: list                     # (auditor, kind label, score)
    criteria: list[CriterionLine]
    disagreements: int


@page
def calibration(request):
    require_role(request, Role.HEAD_OFFICE)
    period, form = page_period(request)
    context = {"form": form, "period": period}
    if period is None:
        return render(request, "pages/calibration.html", context, status=400)
    report = calibration_report(date_from=period.date_from, date_to=period.date_to)
    context.update(_written(report))
    return render(request, "pages/calibration.html", context)


def _written(report: CalibrationReport) -> dict:
    # Auditors by username (the service's pairs) and by name (its visits' audits): the same person in both tables.
    names = {a.submitted_by.get_username(): a.submitted_by.get_full_name() or a.submitted_by.get_username()
             for v in report.visits for a in v.audits}
    return {"pairs": [_pair(p, names) for p in report.pairs],
            "visits": [_visit(v) for v in reversed(report.visits)],  # latest first
            "kappa_min": report.kappa_min_comparisons}


def _pair(p: PairComparison, names: dict[str, str]) -> PairText:
    return PairText(p.auditors, (names.get(p.auditors[0], p.auditors[0]), names.get(p.auditors[1], p.auditors[1])),
                    p.visits, p.compared, p.agreeing, pct(p.agreement),
                    interval((p.agreement_low, p.agreement_high)), coefficient(p.kappa), p.kappa_note,
                    coefficient(p.mean_abs_deviation_difference))


def _visit(v: VisitComparison) -> VisitText:
    # The service's audits carry their results with their criteria (prefetched): the words of each reading.
    results = {(a.pk, r.criterion.key): r for a in v.audits for r in a.results.all()}
    lines = []
    for c in v.criteria:
        first = next(r for (_, key), r in results.items() if key == c.criterion)
        readings = []
        for a in v.audits:
            r = results.get((a.pk, c.criterion))
            readings.append(None if r is None else
                            Reading(value_text(r.criterion.kind, r.value, r.criterion.unit), r.met))
        lines.append(CriterionLine(c.criterion, translated(first.criterion, "prompt", get_language()), c.agree,
                                   readings))
    return VisitText(v.visit, [(a.submitted_by.get_full_name() or a.submitted_by.get_username(),
                                label(AuditKind, a.kind), pct(a.score)) for a in v.audits],
                     lines, sum(1 for line in lines if not line.agree))
