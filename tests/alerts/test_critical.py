"""A critical failure reaches the region's contact at once: published in the transaction that writes the check,
so it goes when that commits, and never for a check rolled back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from alerts import critical
from consistency.services.checks import CheckInput, ResultInput, check_submit
from notify import dispatch
from notify.models import Notice

from .conftest import GOOD, at, store_check, told

pytestmark = pytest.mark.django_db
D = dt.date
FAIL = {"phone_greeting": False, "restroom_clean": 2}  # both critical, neither met


@pytest.fixture
def queued(monkeypatch):
    """The notice ids handed to the workers (notify.dispatch), instead of the broker."""
    sent: list[int] = []
    monkeypatch.setattr(dispatch, "enqueue_notices", lambda ids: sent.extend(ids))
    return sent


def test_a_critical_failure_is_told_to_the_regions_contact_when_the_check_commits(
        zones, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = store_check(zones.akl, zones.manager_akl, D(2026, 3, 2), values=FAIL)
    check = submitted.check
    assert told("check.critical_failure") == {("check.critical_failure", f"{check.pk}:phone_greeting", "contact.nz"),
                                              ("check.critical_failure", f"{check.pk}:restroom_clean", "contact.nz")}
    assert sorted(queued) == sorted(Notice.objects.values_list("pk", flat=True))
    notice = Notice.objects.get(key=f"{check.pk}:restroom_clean")
    action = next(a for a in submitted.actions if a.criterion.key == "restroom_clean")
    assert notice.data == {"site": "AKL", "site_name": "Auckland", "date": "2026-03-02", "check": check.pk,
                           "late": False, "criterion": "restroom_clean", "prompt": "Cleanliness", "translations": {},
                           "kind": "score", "value": 2.0, "target": 4.0, "comparison": "", "unit": "",
                           "action": action.pk, "due_on": "2026-03-05"}
    assert notice.link == "/app/sites/AKL/" and notice.site_id == zones.akl.pk


def test_a_check_rolled_back_tells_nobody(zones, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            store_check(zones.akl, zones.manager_akl, D(2026, 3, 2), values=FAIL)
            raise RuntimeError("the caller's transaction fails after the check")
    assert callbacks == [] and queued == [] and not Notice.objects.exists()


def test_without_a_region_contact_all_of_head_office_is_told(zones):
    check = store_check(zones.lax, zones.manager_lax, D(2026, 3, 2), values={"phone_greeting": False}).check
    assert {who for _, _, who in told("check.critical_failure")} == {"hq.1", "hq.2", "contact.nz"}
    assert {key for _, key, _ in told()} == {f"{check.pk}:phone_greeting"}


def test_an_amendment_tells_only_of_a_new_failure(zones):
    first = store_check(zones.akl, zones.manager_akl, D(2026, 3, 2), values={"phone_greeting": False}).check
    # Amended: the greeting still fails (its action is carried over: nothing new) and the restroom now fails too.
    now = at(zones.akl, D(2026, 3, 2), 11)
    amended = check_submit(site=zones.akl, user=zones.manager_akl, now=now, payload=CheckInput(
        date=D(2026, 3, 2), amends=first.pk, reason="restroom re-checked", performed_at=now,
        results=[ResultInput(k, v) for k, v in {**GOOD, "phone_greeting": False, "restroom_clean": 1}.items()])).check
    assert {key for _, key, _ in told("check.critical_failure")} == {f"{first.pk}:phone_greeting",
                                                                     f"{amended.pk}:restroom_clean"}


def _queries(zones, values, day) -> int:
    now = at(zones.akl, day, 9)
    payload = CheckInput(date=day, performed_at=now,
                         results=[ResultInput(k, v) for k, v in {**GOOD, **values}.items()])
    with CaptureQueriesContext(connection) as ctx:
        check_submit(site=zones.akl, user=zones.manager_akl, payload=payload, now=now)
    return len(ctx)


def test_only_a_check_with_a_critical_failure_costs_statements(zones, monkeypatch):
    _queries(zones, {}, D(2026, 3, 1))  # the version's criteria, read once per process
    clean, failing = _queries(zones, {}, D(2026, 3, 2)), _queries(zones, FAIL, D(2026, 3, 3))
    monkeypatch.setattr(critical, "check_written", lambda plan: None)
    assert (_queries(zones, {}, D(2026, 3, 4)), _queries(zones, FAIL, D(2026, 3, 5))) == (clean, failing - 3)
    # Who is told 1; publish: the notices 1, the webhook deliveries 1 (two failures, one call).
    assert Notice.objects.filter(event="check.critical_failure").count() == 2
