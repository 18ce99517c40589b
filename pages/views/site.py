"""/app/sites/{code}/: one site in depth, for head office, the site's auditors and its manager.

Thin, as every page: the numbers are the engine's (``variance_report`` over the person's scope, so the site
stands beside the network they may read; ``weekly_scores`` for the chart), the lists are the selectors' the
API uses (checks, photos and their signed links, missed days, corrective actions). The view only picks what
to show and formats it. A constant number of queries, whatever the site's history (tests/pages/test_site.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from consistency.models import CheckResult, Evidence
from consistency.selectors import actions as action_selectors
from consistency.selectors import checks as check_selectors
from consistency.selectors import evidence as evidence_selectors
from consistency.selectors.missed import missed_days
from consistency.selectors.standard import version_in_force
from consistency.services import evidence_files
from consistency.services.criterion_text import rule_text
from consistency.variance import variance_report
from consistency.variance.series import weekly_scores, weeks_of
from customer.perception import perception_gap
from sites import access
from sites.selectors import site_get

from .. import charts
from ..format import pct, points
from ..names import standard_names
from ..perception import perception_text, site_text
from ..period import page_period
from ..site_audits import site_audits
from .common import page

RECENT_CHECKS = 10   # the latest checks of the period, with their failures and photos
MISSED_SHOWN = 60    # missed days listed (the count is always the whole period's)
ACTIONS_SHOWN = 100  # open actions listed, overdue first


class _Shown:
    """The engine's rate and the network's, as the page prints them (formatting only)."""

    rate: object
    network: float | None

    @property
    def rate_pct(self) -> str:
        return pct(self.rate.rate if self.rate.expected else None)

    @property
    def interval_pct(self) -> str:
        if not self.rate.expected:
            return gettext("nothing expected")
        return gettext("%(low)s to %(high)s") % {"low": pct(self.rate.low), "high": pct(self.rate.high)}

    @property
    def network_pct(self) -> str:
        return pct(self.network)


@dataclass
class CriterionRow(_Shown):
    key: str
    prompt: str
    rate: object             # the engine's Rate (rate, low, high, passed, expected)
    observations: int
    network: float | None    # the network's pooled rate (the engine's spread), None when alone
    flag: str | None
    standard: str            # the target as the version in force states it


@dataclass
class TouchPointSection(_Shown):
    key: str
    name: str
    rate: object
    network: float | None
    flag: str | None
    criteria: list[CriterionRow] = field(default_factory=list)


@page
def site_detail(request, code: str):
    site = site_get(user=request.user, code=code)
    period, form = page_period(request)
    context = {"site": site, "form": form, "period": period}
    if period is None:  # the period form names the field it refuses; nothing else is shown
        return render(request, "pages/site.html", context, status=400)
    context.update(_site_in_depth(request, site, period))
    return render(request, "pages/site.html", context)


def _site_in_depth(request, site, period) -> dict:
    user = request.user
    scope = access.readable_sites(user)
    # The network beside it by touch point and criterion spread; the criterion lists of this site only.
    report = variance_report(date_from=period.date_from, date_to=period.date_to, sites=scope, detail="touch_points",
                             criteria_for=[site.code])
    mine = next(s for s in report.sites if s.code == site.code)
    beside = len(report.sites) > 1  # a manager of one site has no network to stand beside
    series = weekly_scores(weeks=weeks_of(period.date_from, period.date_to), sites=scope)
    whole_network = access.is_head_office(user)
    median_label = gettext("Network median") if whole_network else gettext("Median of the sites you can see")
    weekly = [charts.Point(w.start, w.end, s.score, s.low, s.high, series.medians[i] if beside else None)
              for i, (w, s) in enumerate(zip(series.weeks, series.sites[site.code], strict=True))]
    sections = _sections(report, mine, beside, period)
    selected = request.GET.get("touch_point")
    checks = _recent_checks(user, site, period)
    missed = missed_days(user=user, date_from=period.date_from, date_to=period.date_to, site=site)
    overdue = set(action_selectors.action_list(user=user, status="overdue", site=site).values_list("id", flat=True))
    open_actions = action_selectors.action_list(user=user, status="open", site=site)
    actions = sorted(open_actions[:ACTIONS_SHOWN],
                     key=lambda a: (a.id not in overdue, a.due_on, a.id))
    audit_count, audits = site_audits(user=user, site=site, date_from=period.date_from, date_to=period.date_to)
    return {
        "report": report, "mine": mine, "beside": beside, "network_size": len(report.sites),
        "median_label": median_label, "whole_network": whole_network,
        "chart": charts.score_chart(weekly, site_name=f"{site.code} {site.name}", median_label=median_label),
        "weeks": [(p, pct(p.score), pct(p.low), pct(p.high), pct(p.median)) for p in weekly],
        "sections": sections,
        # The overview's heat-map cell names a touch point: that one opens, the others close. An unknown key
        # (a touch point the period did not have) changes nothing.
        "selected_touch_point": selected if any(s.key == selected for s in sections) else None,
        "checks": checks,
        "missed_count": missed.count(), "missed": missed[:MISSED_SHOWN],
        "actions": [(a, a.id in overdue) for a in actions], "overdue_count": len(overdue),
        "open_count": open_actions.count(),  # all of them; the list shows the first ACTIONS_SHOWN
        "score": {"value": pct(mine.score), "low": pct(mine.score_interval[0]), "high": pct(mine.score_interval[1]),
                  "network": pct(report.network_score), "trend": _points(mine.trend)},
        # Ordering is reading (reports/services.py): every role that reads the site may order its pack.
        "can_order": access.role_of(user) is not None,
        "idempotency_key": uuid.uuid4(),
        "perception": _perception(site, scope, period),
        "audit_count": audit_count, "audits": audits,
        # A manager reads no visitor's name of a mystery shop: the column shows where it can name someone.
        "audits_name_visitors": any(a.by for a in audits),
    }


def _perception(site, scope, period) -> dict:
    """The site's perception gap (the API's GET /api/v1/perception-gap/?site=), written out."""
    gap = perception_gap(sites=scope.filter(pk=site.pk), date_from=period.date_from, date_to=period.date_to,
                         site=site.code)
    mine = next((s for s in gap.sites if s.code == site.code), None)
    return {**perception_text(gap), "site": site_text(mine) if mine else None}


def _points(trend: float | None) -> str:
    return "" if trend is None else gettext("%(points)s on the previous period") % {"points": points(trend)}


def _standard_text(rule) -> str:
    """The target of a criterion as a person reads it (services.criterion_text, the words of every page and
    the pack), and its critical and photo rules."""
    if rule is None:
        return gettext("Not in the version in force")
    extras = [w for w, on in ((gettext("critical"), rule.critical),
                              (ngettext("%(count)s photo", "%(count)s photos", rule.photos_required) % {
                                  "count": rule.photos_required}, rule.photos_required)) if on]
    return capfirst(rule_text(rule)) + "".join(f" · {extra}" for extra in extras)


def _sections(report, mine, beside: bool, period) -> list[TouchPointSection]:
    version = version_in_force(on=period.date_to)
    rules = check_selectors.version_criteria(version).by_key if version is not None else {}
    tp_network = {s.key: s.network_rate for s in report.touch_point_spread}
    key_network = {s.key: s.network_rate for s in report.criterion_spread}
    names = standard_names(version)  # the page's language (the engine's words are the standard's own)
    sections = {t.key: TouchPointSection(t.key, names.touch_point(t.key, t.name), t.pass_rate, tp_network.get(t.key) if beside else None,
                                         t.flag) for t in mine.touch_points}
    for c in mine.criteria:
        section = sections.get(c.touch_point)
        if section is not None:
            section.criteria.append(CriterionRow(c.key, names.criterion(c.key, c.prompt), c.pass_rate, c.observations,
                                                 key_network.get(c.key) if beside else None, c.flag,
                                                 _standard_text(rules.get(c.key))))
    return list(sections.values())


@dataclass
class PhotoView:
    evidence: Evidence
    thumbnail: str | None
    original: str | None
    earlier: str | None = None  # a reused photo: the link to the earlier one, for a reader of its site


def _recent_checks(user, site, period):
    """(check, its day's verified photos) for the period's latest checks, each with its failed results.
    Photos of a day count for its current check whichever check they were given for (check_get's rule)."""
    failures = Prefetch("results", to_attr="failures", queryset=CheckResult.objects.filter(passed=False)
                        .select_related("criterion").order_by("criterion__touch_point__order", "criterion__order"))
    checks = list(check_selectors.check_list(site=site, date_from=period.date_from, date_to=period.date_to)
                  .prefetch_related(failures)[:RECENT_CHECKS])
    photos: dict = {}
    if checks:
        shown = list(evidence_selectors.verified_photos_of_days(site_id=site.pk, days=[c.date for c in checks]))
        # The earlier photo a reused one repeats opens only for a reader of its site (the API's rule): read once,
        # and only when a photo is reused.
        readable = (set(access.readable_sites(user).values_list("pk", flat=True))
                    if any(ev.reused_from_id for ev in shown) else set())
        for ev in shown:
            earlier = ev.reused_from if ev.reused_from_id and ev.reused_from.site_id in readable else None
            photos.setdefault(ev.daily_check.date, []).append(PhotoView(
                ev, evidence_files.photo_link(ev, "thumbnail", reader=user),
                evidence_files.photo_link(ev, "original", reader=user),
                evidence_files.photo_link(earlier, "original", reader=user) if earlier is not None else None))
    return [(c, photos.get(c.date, [])) for c in checks]
