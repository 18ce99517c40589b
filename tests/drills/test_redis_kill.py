"""Redis killed with work queued: a private ``redis-server`` with append-only persistence (as infra/redis.conf
has it), report runs and notices queued on it with no worker running, ``kill -9``, started again on the same
data folder: the messages are all there and a worker drains them, each run rendered once and each notice mailed
once. Work ordered while Redis was dead is not queued at all: the rows stay queued/pending and the existing
sweeps (``reports.requeue_lost_runs``, ``notify.requeue_unsent``, every minute) queue it again - that is the
recovery, and the drill counts it as such. The beat's orders: a tick sent while Redis is down is lost, the next
hourly tick orders the period that fell due, and a tick delivered twice orders it once (``schedule_key``)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from backend.celery import app
from notify.events import Event
from notify.models import Notice
from notify.services.publish import Occurrence, publish
from notify.services.sweep import requeue_unsent
from reports import runner
from reports.models import ReportRun
from reports.services import report_order

from .conftest import broker, sized, wait_for
from .services import RedisServer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _missed(people, day: str) -> Occurrence:
    return Occurrence(event=Event.CHECK_MISSED, key=f"drill:{day}", recipients=[people.manager_a.pk],
                      data={"date": day}, site_id=people.a1.pk, link="/app/sites/A1/")


def test_queued_work_survives_redis_killed_and_beat_orders_once(people, standard, history, start_worker, drill_dir,
                                                                smtp_inbox, report_queue, settings, drill_record):
    server = RedisServer(drill_dir / "redis", fsync="everysec").start()
    try:
        with broker(server.url):
            _drill(people, history, start_worker, smtp_inbox, report_queue, settings, drill_record, server)
    finally:
        server.kill()


def _drill(people, history, start_worker, smtp_inbox, report_queue, settings, drill_record, server):
    runs, notices = sized(2, 8), sized(10, 200)
    ordered = [report_order(user=people.head_office, kind="compliance_pack", date_from=history["from"],
                            date_to=history["to"], sites=["A1"]) for _ in range(runs)]
    days = [(dt.date(2026, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(notices)]
    published = publish([_missed(people, day) for day in days]).notices
    assert len(published) == notices
    queued_before = server.client().llen(report_queue)
    assert queued_before == runs + -(-notices // 100)  # one message per run, notices in chunks of 100

    server.kill()  # SIGKILL: no shutdown save; what is in the append-only file is all there is
    # Ordered while Redis is dead: nothing reaches a queue (the order and the notice are stored all the same).
    while_down = report_order(user=people.head_office, kind="compliance_pack", date_from=history["from"],
                              date_to=history["to"], sites=["A1"])
    [late_notice] = publish([_missed(people, "2025-06-30")]).notices  # a day of its own
    # The beat's tick meets the dead broker: lost (beat logs it and waits for the next).
    with pytest.raises(Exception):  # noqa: B017 - kombu's OperationalError, whatever the transport says
        app.send_task("reports.order_weekly_variance", retry=False)

    server.start()
    queued_after = server.client().llen(report_queue)
    assert queued_after == queued_before, "messages were lost with Redis"

    # The sweeps, as the beat runs them each minute, find what was ordered while Redis was down.
    settings.REPORT_STALE_AFTER = 0
    time.sleep(0.1)
    assert while_down.id in runner.requeue_lost(now=timezone.now())
    swept = requeue_unsent(stale_seconds=0)
    assert late_notice in swept.notices

    # The next hourly tick, twice (a redelivery): one weekly run for the week that fell due.
    app.send_task("reports.order_weekly_variance")
    app.send_task("reports.order_weekly_variance")

    start_worker("drain", CELERY_BROKER_URL=server.url, **smtp_inbox.env)
    all_runs = [r.id for r in ordered] + [while_down.id]
    wait_for(lambda: ReportRun.objects.filter(id__in=all_runs, status="done").count() == len(all_runs),
             timeout=180, message="the worker did not render every queued run")
    mails = notices + 1
    try:
        smtp_inbox.wait_for(mails, timeout=240)  # one worker process, on a machine that may be busy
    except AssertionError:
        got = {m.header("X-Touchpoint-Notice") for m in smtp_inbox.messages()}
        missing = [i for i in [*published, late_notice] if str(i) not in got]
        raise AssertionError(f"not mailed: {list(Notice.objects.filter(id__in=missing).values())}") from None
    weekly = wait_for(lambda: list(ReportRun.objects.filter(schedule_key__startswith="weekly-variance:")),
                      timeout=60, message="the hourly tick after the outage ordered nothing")
    time.sleep(1)  # the second tick's task, if it were to order anything
    weekly = list(ReportRun.objects.filter(schedule_key__startswith="weekly-variance:"))

    done = ReportRun.objects.filter(id__in=all_runs)
    assert {r.status for r in done} == {"done"} and {r.attempts for r in done} == {1}  # rendered once each
    received = [m.header("X-Touchpoint-Notice") for m in smtp_inbox.messages()]
    expected = {str(i) for i in [*published, late_notice]}
    assert set(received) == expected and len(received) == len(expected)  # each mailed once
    assert Notice.objects.filter(id__in=[*published, late_notice], status="sent").count() == mails
    assert len(weekly) == 1

    drill_record(drill="Redis killed with work queued", fault="kill -9 of redis-server (appendonly, everysec), "
                 "started again on its data folder", tried=runs + notices, acknowledged=runs + notices,
                 stored=runs + notices, lost=0, doubled=0,
                 note=f"{queued_before} messages queued before the kill, {queued_after} after the restart; "
                      f"{runs} runs rendered once, {notices} notices mailed once")
    drill_record(drill="Redis killed: work ordered while it was down", fault="the broker refusing connections",
                 tried=2, acknowledged=2, stored=2, lost=0, doubled=0,
                 note="a report order and a notice stored but never queued; the requeue sweeps queued both again "
                      "(recovery by the sweeps), rendered and mailed once")
    drill_record(drill="Redis killed: beat's scheduled orders", fault="a tick while Redis was down, then the next "
                 "tick delivered twice", tried=3, acknowledged=1, stored=len(weekly), lost=1 - len(weekly),
                 doubled=len(weekly) - 1,
                 note=f"the lost tick made up by the next hourly one: one weekly variance run "
                      f"({weekly[0].schedule_key})")
