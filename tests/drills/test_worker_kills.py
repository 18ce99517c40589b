"""A Celery worker SIGKILLed in the middle of its work, then a new one started: mid-photo-verification (the
hourly task that gives unconfirmed uploads their verdict), mid-notification (mail to a real SMTP server on
loopback, tests/mail.py) and, at full size, mid-report (the report tests' own kill,
tests/reports/test_worker.py, composed here rather than copied; the suite runs that one on its own anyway).

What must hold: every photo verified once (counted once in the site's photo totals); every notice mailed at least
once and at most once more per killed worker process (the SMTP window: bench/RESULTS-notify.md); every report run
rendered once, its PDF written once."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.utils import timezone

from backend.celery import app
from consistency import storage
from consistency.models import Evidence
from consistency.models.summary import SitePhotoDay
from notify.events import Event
from notify.models import Notice
from notify.services.publish import Occurrence, publish
from notify.services.sweep import requeue_unsent

from ..conftest import client_for
from ..consistency.evidence_factories import make_check, photo, post_form, sha
from ..reports import test_worker as report_tests  # its kill, called (a name imported here would run twice)
from .conftest import SIZE, sized, wait_for
from .sites import managed_sites

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SETTLE_TASK = "consistency.settle_unconfirmed_photos"


def _unconfirmed_photos(network, standard, count: int) -> list[Evidence]:
    """``count`` photos asked for and uploaded a day ago, never confirmed (the phone lost its line): the hourly
    settling verifies them. Different pictures, so none is another's duplicate; at most 10 per criterion and check
    (MAX_PHOTOS_PER_CRITERION), so a check per 40 photos, each at a site of its own."""
    client = client_for(network.manager_a)
    checks = [make_check(site, standard, network.manager_a, date=dt.datetime.now(site.tz).date() - dt.timedelta(days=2))
              for site in managed_sites(network, -(-count // 40))]
    ids = []
    for i in range(count):
        data = photo(seed=3000 + i)
        asked = client.post(f"/api/v1/checks/{checks[i // 40].pk}/evidence/", {
            "criterion": ("restroom_clean", "phone_rings", "phone_greeting", "delivery_on_time_pct")[i % 4],
            "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)}, format="json")
        assert asked.status_code == 201, asked.json()
        assert post_form(asked.json()["upload"]["url"], asked.json()["upload"]["fields"], data) in (200, 201, 204)
        ids.append(asked.json()["id"])
    Evidence.objects.filter(public_id__in=ids).update(
        created_at=timezone.now() - dt.timedelta(hours=settings.UNCONFIRMED_PHOTO_HOURS + 1))
    return list(Evidence.objects.filter(public_id__in=ids))


def _kill_when(worker, predicate, *, timeout: float, what: str) -> None:
    """SIGKILL ``worker`` the moment ``predicate()`` holds (polled every 20 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            worker.kill()
            return
        time.sleep(0.02)
    raise AssertionError(f"never caught the worker {what}")


@pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="unconfirmed direct uploads exist only on S3")
def test_workers_killed_mid_task_leave_nothing_lost_or_doubled(people, standard, history, start_worker,
                                                              storage_keys, settings, smtp_inbox, drill_record):
    # --- mid-photo-verification ---------------------------------------------------------------------------
    photos = _unconfirmed_photos(people, standard, sized(12, 60))
    pks = [e.pk for e in photos]
    verified = Evidence.objects.filter(pk__in=pks, status="verified")
    first = start_worker("photo-doomed", **smtp_inbox.env)
    app.send_task(SETTLE_TASK)
    _kill_when(first, lambda: 0 < verified.count() < len(pks), timeout=120, what="mid-verification")
    at_kill = verified.count()
    second = start_worker("photo-rescuer", **smtp_inbox.env)
    app.send_task(SETTLE_TASK)  # the next hourly run
    wait_for(lambda: verified.count() == len(pks), timeout=120, message="the photos were not all verified")
    counted = sum(SitePhotoDay.objects.filter(site__in={e.site_id for e in photos}).values_list("verified", flat=True))
    assert counted == len(pks), "a photo was counted twice (or not at all) in the site's photo totals"
    assert all(e.sha256 == e.declared_sha256 for e in verified)
    assert all(storage.exists(e.key) for e in verified)  # each original stored
    drill_record(drill="Worker SIGKILLed mid-photo-verification", fault="the settling task's worker killed after "
                 f"{at_kill} of {len(pks)} photos", tried=len(pks), acknowledged=len(pks), stored=verified.count(),
                 lost=len(pks) - verified.count(), doubled=counted - len(pks),
                 note="the next run of the task (a new worker) verified the rest; each photo counted once in the "
                      "site's photo totals")

    # --- mid-notification ---------------------------------------------------------------------------------
    count = sized(40, 1000)
    days = [(dt.date(2026, 2, 1) + dt.timedelta(days=i)).isoformat() for i in range(count)]
    published = publish([Occurrence(event=Event.CHECK_MISSED, key=f"kill:{day}", recipients=[people.manager_a.pk],
                                    data={"date": day}, site_id=people.a1.pk, link="/app/sites/A1/")
                         for day in days]).notices
    _kill_when(second, lambda: len(smtp_inbox.messages()) >= count // 3, timeout=120, what="mid-notification")
    at_kill = len(smtp_inbox.messages())
    assert at_kill < count, "every notice was sent before the kill: the drill tried nothing"
    # The sweep, as the beat runs it each minute, once the dead worker's claims are stale (no worker is alive now,
    # so a stale age of 0 takes over only the dead one's).
    swept = requeue_unsent(stale_seconds=0)
    third = start_worker("mail-rescuer", **smtp_inbox.env)
    smtp_inbox.wait_for(count, timeout=240)
    wait_for(lambda: Notice.objects.filter(id__in=published, status="sent").count() == count, timeout=60,
             message="not every notice was recorded sent")
    time.sleep(0.5)
    received = [m.header("X-Touchpoint-Notice") for m in smtp_inbox.messages()]
    distinct = set(received)
    assert distinct == {str(i) for i in published}  # none lost
    doubled = len(received) - len(distinct)
    assert doubled <= 1, f"{doubled} notices mailed twice: more than the one SMTP window of the killed process"
    drill_record(drill="Worker SIGKILLed mid-notification", fault=f"the sending worker killed after {at_kill} of "
                 f"{count} messages were accepted by the SMTP server", tried=count, acknowledged=count,
                 stored=len(distinct), lost=count - len(distinct), doubled=doubled,
                 note=f"the sweep took over {swept.taken_over} claims and queued {len(swept.notices)} notices again; "
                      "at most one double per killed process is the documented SMTP window")

    # --- mid-report (full size: the suite runs this kill in tests/reports/test_worker.py) ----------------------
    if SIZE == "full":
        from reports.models import ReportRun

        third.stop()  # the report kill starts its own two workers, and the run must go to the first of them
        before = set(ReportRun.objects.values_list("id", flat=True))
        report_tests.test_a_worker_killed_mid_render_leaves_a_run_another_worker_completes_once(
            start_worker, history, people, storage_keys, settings)
        [run] = ReportRun.objects.exclude(id__in=before)
        drill_record(drill="Worker SIGKILLed mid-report", fault="the rendering worker killed mid-render "
                     "(tests/reports/test_worker.py)", tried=1, acknowledged=1, stored=int(run.status == "done"),
                     lost=int(run.status != "done"), doubled=len(storage_keys(f"reports/compliance_pack/"
                                                                              f"{run.public_id}/")) - 1,
                     note=f"taken over by the requeue sweep once stale; done on attempt {run.attempts}, one PDF, "
                          "a redelivery renders nothing")
