"""The perception gap: what sites say of themselves (self-checks) beside what audits and customers find.

Reads (reads.py; a fixed number of queries whatever the number of sites, days or criteria):
 1. every released version's criteria (the variance engine's Timeline), 2. the touch points' departments,
 3. the sites in scope, 4. the self-check running totals at the period's two boundaries (the variance
 engine's totals.py), 5. audit results per site and criterion, 6. audits per site, 7. feedback days per site
 and question, 8. the questions' mappings. The database adds up; numpy and a loop over sites do the rest.

Three sources, each a count of successes over observations (formulas: stats.py, docs/perception-gap.md):
- self-check: current results of the sites' own checks dated in the period (site and department parts),
  passed / observed. Not expected days: a missed day says nothing about how a site judges itself.
- audit: results of audits and mystery shops dated in the period, passed / observed.
- customer: feedback days in the period, satisfied / responses (and the mean normalized score). A question
  mapped to a criterion counts for that criterion and its touch point; one mapped to a touch point for the
  touch point; one mapped to nothing (or to a key no version of the period has) only for the whole scope.

Like with like: audits observe a part of the standard, now and then; self-checks all of it, daily. Every gap
against audits (a row's ``self_vs_audit``, a site's ``optimism``) therefore compares the audit results with
the self-check results of the same sites and criterion keys only: the (site, key) pairs the period's audits
observed (``self_check_audited``). Gaps against customers compare the whole self-check rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models import QuerySet

# The variance engine's layout of a period (criterion keys in the latest version's order, their prompts and touch
# points): one rule for which keys a period has and how they are named, on both answers.
from consistency.variance.engine import criteria_layout
from consistency.variance.timeline import Timeline
from sites.models import Site

from . import reads, stats
from .correlation import correlations
from .types import CustomerScore, GapRow, PerceptionGap, SiteGap

NO_FEEDBACK = np.zeros(4)  # responses, satisfied, normalized sum, normalized squared sum


def perception_gap(*, sites: QuerySet[Site], date_from: dt.date, date_to: dt.date, region: str | None = None,
                   site: str | None = None) -> PerceptionGap:
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    timeline = Timeline.load()
    segments = timeline.segments(date_from, date_to)
    layout = criteria_layout(segments, date_from)
    # Latest first: a touch point's department is its latest version's in the period, as its name is.
    version_ids = [s.version.id for s in reversed(segments) if s.version is not None]
    department_of = reads.departments(list(dict.fromkeys(version_ids)))
    site_list = reads.site_rows(sites)
    data = _Data.read(sites=sites, site_list=site_list, keys=layout.keys, date_from=date_from, date_to=date_to)

    key_tp = np.array(layout.key_touch_point, dtype=object)
    overall = _row(data, key="", name="All touch points", touch_point="", department="",
                   keys=np.ones(len(layout.keys), dtype=bool), feedback=data.feedback_all)
    touch_points = [
        _row(data, key=tp, name=name, touch_point=tp, department=department_of.get(tp, ""), keys=key_tp == tp,
             feedback=data.feedback_tp.get(tp, NO_FEEDBACK))
        for tp, name in zip(layout.touch_points, layout.touch_point_names, strict=True)]
    criteria = []
    for k, (key, prompt, tp) in enumerate(zip(layout.keys, layout.prompts, layout.key_touch_point, strict=True)):
        fb = data.feedback_criterion.get(key, NO_FEEDBACK)
        # Per criterion where the data allows: a row where audits or customers said something about it.
        if data.audit_n[:, k].sum() > 0 or fb[0] > 0:
            mask = np.zeros(len(layout.keys), dtype=bool)
            mask[k] = True
            criteria.append(_row(data, key=key, name=prompt, touch_point=tp, department=department_of.get(tp, ""),
                                 keys=mask, feedback=fb))
    site_gaps = _site_gaps(data, site_list)
    optimistic = sorted((g for g in site_gaps if g.rank is not None), key=lambda g: g.rank)
    return PerceptionGap(date_from=date_from, date_to=date_to, region=region, site=site, overall=overall,
                         touch_points=touch_points, criteria=criteria, sites=site_gaps, optimistic=optimistic,
                         correlations=correlations(site_gaps))


@dataclass
class _Data:
    """The period's counts: sites x keys arrays for self-checks and audits, feedback sums per site and key."""

    self_n: np.ndarray
    self_passed: np.ndarray
    audit_n: np.ndarray
    audit_passed: np.ndarray
    audits: np.ndarray              # (sites,) audits and mystery shops
    feedback_site: np.ndarray       # (sites, 4) all of a site's feedback
    feedback_all: np.ndarray        # (4,) the scope's, unmapped questions included
    feedback_tp: dict[str, np.ndarray]
    feedback_criterion: dict[str, np.ndarray]

    @classmethod
    def read(cls, *, sites, site_list, keys, date_from, date_to) -> _Data:
        index = {s.pk: i for i, s in enumerate(site_list)}
        known_keys = set(keys)
        if site_list:
            self_n, self_passed = reads.self_checks(sites=sites, site_ids=[s.pk for s in site_list], keys=keys,
                                                    date_from=date_from, date_to=date_to)
            audit_n, audit_passed = reads.audits(sites=sites, index=index, keys=keys, date_from=date_from,
                                                 date_to=date_to)
            per_site = reads.audit_counts(sites=sites, date_from=date_from, date_to=date_to)
            feedback = reads.feedback(sites=sites, date_from=date_from, date_to=date_to)
        else:  # nothing in scope: no query for nothing
            self_n = self_passed = audit_n = audit_passed = np.zeros((0, len(keys)))
            per_site, feedback = {}, []
        audits = np.array([per_site.get(s.pk, 0) for s in site_list], dtype=np.int64)
        # The feedback rows as one (rows, 4) array, added into sites, touch points and criteria by index lists.
        kept = [row for row in feedback if row.site_id in index]  # a site that joined the scope after the listing: out
        sums = np.array([(r.responses, r.satisfied, r.total, r.sq_total) for r in kept], dtype=float).reshape(-1, 4)
        feedback_site = np.zeros((len(site_list), 4))
        np.add.at(feedback_site, [index[r.site_id] for r in kept], sums)
        by_tp: dict[str, list[int]] = {}
        by_criterion: dict[str, list[int]] = {}
        for i, r in enumerate(kept):
            if r.touch_point:
                by_tp.setdefault(r.touch_point, []).append(i)
            if r.criterion in known_keys:
                by_criterion.setdefault(r.criterion, []).append(i)
        feedback_tp = {tp: sums[rows].sum(axis=0) for tp, rows in by_tp.items()}
        feedback_criterion = {key: sums[rows].sum(axis=0) for key, rows in by_criterion.items()}
        return cls(self_n=self_n, self_passed=self_passed, audit_n=audit_n, audit_passed=audit_passed, audits=audits,
                   feedback_site=feedback_site, feedback_all=feedback_site.sum(axis=0), feedback_tp=feedback_tp,
                   feedback_criterion=feedback_criterion)


def _customer(sums) -> CustomerScore:
    return stats.customer_score(*(float(x) for x in sums))


def _row(data: _Data, *, key: str, name: str, touch_point: str, department: str, keys: np.ndarray,
         feedback: np.ndarray) -> GapRow:
    """One line of the answer over the keys ``keys`` (a boolean mask) of every site in scope."""
    audited = data.audit_n[:, keys] > 0  # the (site, key) pairs audits observed: like with like
    self_check = stats.rate(float(data.self_passed[:, keys].sum()), float(data.self_n[:, keys].sum()))
    self_audited = stats.rate(float(data.self_passed[:, keys][audited].sum()), float(data.self_n[:, keys][audited].sum()))
    audit = stats.rate(float(data.audit_passed[:, keys].sum()), float(data.audit_n[:, keys].sum()))
    customer = _customer(feedback)
    return GapRow(key=key, name=name, touch_point=touch_point, department=department, self_check=self_check,
                  audit=audit, customer=customer, self_vs_audit=stats.newcombe(self_audited, audit),
                  self_vs_customer=stats.newcombe(self_check, customer.satisfied),
                  audit_vs_customer=stats.newcombe(audit, customer.satisfied), self_check_audited=self_audited)


def _site_gaps(data: _Data, site_list: list[reads.SiteRow]) -> list[SiteGap]:
    """Every site's figures and optimism; the rank among the sites whose optimism is supported and above 0,
    by the interval's lower bound (the least optimism the data supports; see docs/perception-gap.md)."""
    audited = data.audit_n > 0
    # Plain Python numbers for the loop (numpy scalars are many times slower one at a time).
    self_passed, self_n = data.self_passed.sum(axis=1).tolist(), data.self_n.sum(axis=1).tolist()
    matched_passed = np.where(audited, data.self_passed, 0).sum(axis=1).tolist()
    matched_n = np.where(audited, data.self_n, 0).sum(axis=1).tolist()
    audit_passed, audit_n = data.audit_passed.sum(axis=1).tolist(), data.audit_n.sum(axis=1).tolist()
    feedback_site, audits = data.feedback_site.tolist(), data.audits.tolist()
    rows = []
    for i, s in enumerate(site_list):
        audit = stats.rate(audit_passed[i], audit_n[i])
        matched = stats.rate(matched_passed[i], matched_n[i])
        rows.append((s, stats.rate(self_passed[i], self_n[i]), matched, audit, _customer(feedback_site[i]),
                     stats.newcombe(matched, audit), audits[i]))
    ranked = sorted((r for r in rows if r[5].supported and r[5].low > 0),
                    key=lambda r: (-r[5].low, -r[5].value, r[0].code))
    rank = {r[0].code: i + 1 for i, r in enumerate(ranked)}
    return [SiteGap(code=s.code, name=s.name, region=s.region, self_check=self_check, audit=audit, customer=customer,
                    optimism=optimism, audits=audits, rank=rank.get(s.code), self_check_audited=matched)
            for s, self_check, matched, audit, customer, optimism, audits in rows]


__all__ = ["perception_gap"]
