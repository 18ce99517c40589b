"""Scheduled reports delivered: when the beat's weekly variance report or a monthly pack is done, the people
subscribed to it who may read it are told, in the transaction that marks it done; nobody else."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts import reports as alert_reports
from backend.errors import NotFound
from notify.models import Notice, Preference
from reports import runner
from reports.models import ReportRun
from reports.selectors import run_get
from reports.services import report_order, scheduled_monthly_packs, scheduled_weekly_variance
from sites.models import Role
from tests.factories import person

from .conftest import store_check

pytestmark = pytest.mark.django_db
D = dt.date
WEEKLY, PACK = "report.weekly_variance", "report.monthly_pack"


@pytest.fixture
def subscribed(zones, settings):
    if settings.STORAGE_BACKEND != "s3":
        pytest.skip("no S3 endpoint configured (CI=true runs moto's)")
    for day in (2, 3):
        store_check(zones.akl, zones.manager_akl, D(2026, 3, day), values={"phone_greeting": day == 2})
    zones.auditor_lax = person("auditor.lax", Role.AUDITOR, sites=[zones.lax])
    wants = {zones.head_office: {WEEKLY: "immediate", PACK: "digest"},
             zones.auditor: {WEEKLY: "immediate", PACK: "immediate"},     # region nz: AKL's pack, not the network's
             zones.auditor_lax: {PACK: "immediate"},                      # LAX only
             zones.manager_akl: {WEEKLY: "immediate", PACK: "immediate"},  # a manager: not a pack's reader here
             zones.contact_nz: {WEEKLY: "off", PACK: "off"}}               # head office, but turned it off
    for user, modes in wants.items():
        for event, mode in modes.items():
            Preference.objects.create(user=user, event=event, mode=mode)
    return zones  # head_office_2: no preference, and report deliveries are off unless asked for


def render(run: ReportRun) -> None:
    assert runner.run_report(run_id=run.id, worker="test") == "done"


def delivered(event):
    return {(username, status) for username, status in
            Notice.objects.filter(event=event).values_list("recipient__username", "status")}


def test_the_weekly_report_reaches_head_office_subscribers_only(subscribed):
    run = scheduled_weekly_variance(today=D(2026, 3, 16))
    render(run)
    assert delivered(WEEKLY) == {("hq.1", "pending")}
    notice = Notice.objects.get(event=WEEKLY)
    assert notice.key == str(run.public_id)
    assert notice.link == f"/app/reports/{run.public_id}/download/"
    run.refresh_from_db()
    assert notice.data == {"run": str(run.public_id), "kind": "variance", "from": "2026-03-09", "to": "2026-03-15",
                           "sites": [], "region": None, "size": run.pdf_size,
                           "page": f"/app/reports/?run={run.public_id}#run"}
    # Told once however often the done run is announced.
    alert_reports.run_done(run)
    assert Notice.objects.filter(event=WEEKLY).count() == 1


def test_a_monthly_pack_reaches_head_office_and_the_auditors_of_its_site(subscribed):
    assert scheduled_monthly_packs(today=D(2026, 4, 1)) == 2  # AKL and LAX
    pack = ReportRun.objects.get(sites__code="AKL")
    render(pack)
    assert delivered(PACK) == {("hq.1", "held"), ("auditor.nz", "pending")}
    lax = ReportRun.objects.get(sites__code="LAX")
    render(lax)
    assert {key for key in Notice.objects.filter(recipient__username="auditor.lax").values_list("key", flat=True)} == {
        str(lax.public_id)}
    assert Notice.objects.get(key=str(pack.public_id), recipient__username="auditor.nz").data["sites"] == ["AKL"]


def test_a_run_someone_ordered_is_not_delivered(subscribed):
    run = report_order(user=subscribed.head_office, kind="variance", date_from=D(2026, 3, 1), date_to=D(2026, 3, 7))
    render(run)
    assert not Notice.objects.filter(event__startswith="report.").exists()


def test_subscribers_are_exactly_those_who_may_read_the_run(subscribed, network):
    """The SQL of alert_reports.subscribers against reports.selectors.run_get (the API's access) for every persona
    and run scope: a subscriber is told if and only if they may read the run and are head office or an auditor."""
    people = [*network.__dict__.values(), subscribed.head_office, subscribed.auditor, subscribed.auditor_lax,
              subscribed.manager_akl, subscribed.contact_nz, subscribed.head_office_2]
    people = [p for p in people if hasattr(p, "is_active")]
    for user in people:
        for event in (WEEKLY, PACK):
            Preference.objects.update_or_create(user=user, event=event, defaults={"mode": "immediate"})
    runs = [report_order(user=None, kind="variance", date_from=D(2026, 3, 1), date_to=D(2026, 3, 7)),
            *(report_order(user=None, kind="compliance_pack", date_from=D(2026, 3, 1), date_to=D(2026, 3, 7),
                           sites=[code]) for code in ("A1", "B1", "AKL", "LAX"))]
    for run in runs:
        expected = set()
        for user in people:
            try:
                run_get(user=user, public_id=run.public_id)
            except NotFound:
                continue
            if user.is_superuser or user.profile.role in (Role.HEAD_OFFICE, Role.AUDITOR):
                expected.add(user.pk)
        assert set(alert_reports.subscribers(run)) == expected, run
        assert expected  # every run has a reader among them
