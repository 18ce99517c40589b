"""A history for the export tests, on the standard with departments (phone: the front desk, in the site's check;
delivery: accounting, whose staff submit it; the restroom needs a photo): checks written as rows (as the check
service stores them, with the rollup called as every writer does) over a few days, checks submitted through the
API today (the site's part, accounting's part, an amendment), audits and feedback.

Personas (tests/conftest.py network): manager_a (A1), manager_b (B1), head_office, auditor (region-a: A1, A2),
auditor_b1 (B1), shopper (visits A1), accountant (accounting for A1 and A2)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from consistency.models import CheckResult, Criterion, DailyCheck, Department
from consistency.selectors.standard import version_in_force
from consistency.services import rollup, scoring
from customer.models import AuditKind
from tests.conftest import client_for
from tests.consistency.checks_support import check_body, local_today, submit
from tests.consistency.departments_support import ACCOUNTING_PART, SITE_PART, department_standard
from tests.customer.perception_data import audit, feedback, question

URL = "/api/v1/exports/results.csv"


def stored_check(site, day: dt.date, values: dict, *, user, department: str | None = None, late: bool = False,
                 amends: DailyCheck | None = None) -> DailyCheck:
    """A check of ``site`` for ``day`` (the site's part, or ``department``'s), judged by the version in force
    that day; a criterion needing photos has none, so it is met but not passed."""
    version = version_in_force(on=day)
    criteria = {c.key: c for c in Criterion.objects.filter(version=version, key__in=list(values))}
    judged = {}
    for key, value in values.items():
        met, deviation = scoring.judge(criteria[key], float(value))
        judged[key] = (float(value), met, met and not criteria[key].photos_required, deviation)
    now = timezone.now()
    with transaction.atomic():
        if amends is not None:
            DailyCheck.objects.filter(pk=amends.pk).update(is_current=False, superseded_at=now)
            CheckResult.objects.filter(daily_check=amends).update(is_current=False)
        check = DailyCheck.objects.create(
            site=site, date=day, version=version, submitted_by=user, performed_at=now, received_at=now,
            client_id=uuid.uuid4(), late=late, amends=amends, amendment_reason="corrected" if amends else "",
            department=Department.objects.get(key=department) if department else None,
            score=scoring.check_score([(criteria[k].weight, judged[k][2]) for k in judged]))
        CheckResult.objects.bulk_create([
            CheckResult(daily_check=check, criterion=criteria[k], site=site, date=day, value=v, met=met, passed=ok,
                        deviation=dev) for k, (v, met, ok, dev) in judged.items()])
        rollup.results_changed(site_id=site.pk, dates=[day])
    return check


def site_body(site, values: dict | None = None, **extra) -> dict:
    body = check_body(site, **extra)
    given = {**SITE_PART, **(values or {})}
    body["results"] = [{"criterion": k, "value": v, "note": ""} for k, v in given.items()]
    return body


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def history(network):
    """Returns the period (from, to) and what was written. ``to`` is A1's local today (Auckland: no site is
    later), ``from`` 20 days before; one check of A1 lies before the period."""
    department_standard()
    n = network
    to = local_today(n.a1)
    d0 = to - dt.timedelta(days=20)
    day = [d0 + dt.timedelta(days=i) for i in range(6)]
    # A2 opened on day 3: its checks of days 1 and 2 are stored but not counted by the variance.
    n.a2.opened_on = day[3]
    n.a2.save(update_fields=["opened_on"])

    stored_check(n.a1, d0 - dt.timedelta(days=1), SITE_PART, user=n.manager_a)  # before the period
    for i, d in enumerate(day):
        rings = 2 if i % 2 else 6  # fails "at most 3 rings" every other day
        first = stored_check(n.a1, d, {**SITE_PART, "phone_rings": rings}, user=n.manager_a, late=i == 4)
        if i == 2:
            stored_check(n.a1, d, SITE_PART, user=n.manager_a, amends=first)
        if i in (1, 2):
            stored_check(n.a1, d, {"delivery_on_time_pct": 90 + i}, user=n.accountant, department="accounting")
        if i >= 1:
            stored_check(n.a2, d, {**SITE_PART, "phone_greeting": i % 3 != 0}, user=n.manager_a)
        if i in (0, 2, 3):
            stored_check(n.b1, d, {**SITE_PART, "restroom_clean": 2 + i}, user=n.manager_b)

    # Today, through the API: the site's part, accounting's part, and the site's part amended.
    manager = client_for(n.manager_a)
    first = submit(manager, "A1", site_body(n.a1, {"phone_rings": 5}))
    assert first.status_code == 201, first.content
    amended = submit(manager, "A1", site_body(n.a1, amends=first.json()["id"], reason="counted again"))
    assert amended.status_code == 201, amended.content
    accounting = submit(client_for(n.accountant), "A1",
                        {**check_body(n.a1), "department": "accounting",
                         "results": [{"criterion": k, "value": v, "note": ""} for k, v in ACCOUNTING_PART.items()]})
    assert accounting.status_code == 201, accounting.content

    audits = [audit(n.a1, day[1], {"phone_rings": True, "restroom_clean": False, "phone_greeting": True},
                    user=n.auditor),
              audit(n.b1, day[2], {"phone_greeting": False}, user=n.auditor_b1, kind=AuditKind.MYSTERY_SHOP)]
    q_restroom = question("restroom_clean_q", touch_point="restroom", criterion="restroom_clean")
    q_phone = question("phone_q", touch_point="phone")
    feedback(n.a1, day[1], [9, 3], question=q_restroom)
    feedback(n.a1, day[1], [4], scale="1-5", question=q_phone)
    feedback(n.b1, day[2], [10, 7.5])  # overall ratings: no question
    return {"from": d0, "to": to, "days": day, "audits": audits, "api_checks": [first.json(), amended.json(),
                                                                               accounting.json()]}


def period(history) -> dict:
    return {"from": history["from"].isoformat(), "to": history["to"].isoformat()}
