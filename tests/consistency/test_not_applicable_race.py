"""A check whose submission waited for the site's lock while head office made a mark: the statement that took the
lock read the day's marks with a snapshot older than the mark (READ COMMITTED). The mark's writer writes the site's
row (applicability.touch_site), the submission sees a newer row than its snapshot's and reads the marks again: its
result for the criterion just marked is refused, and the totals never count it."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from consistency.models import DailyCheck
from consistency.services import applicability, rollup
from tests.conftest import client_for

from .checks_support import check_body, local_today, submit, wait_until_blocked
from .test_not_applicable import assert_totals_leave_out_marked

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("written", [True, False])
def test_a_check_queued_behind_a_mark_reads_the_mark(network, standard, monkeypatch, written):
    today = local_today(network.a1)
    assert submit(client_for(network.manager_a), "A1", check_body(network.a1, day=today - dt.timedelta(days=1))
                  ).status_code == 201
    if not written:  # the proof that writing the site's row is what tells the submission: a plain lock does not
        monkeypatch.setattr(applicability, "touch_site", rollup.lock_site)
    real, holding, queued = rollup.rebuild_from, threading.Event(), threading.Event()

    def held_rebuild(**kwargs):
        # The mark's transaction, the site's row already locked: it waits until the check queues behind it.
        holding.set()
        assert queued.wait(20)
        return real(**kwargs)

    monkeypatch.setattr(rollup, "rebuild_from", held_rebuild)
    phone, done = client_for(network.manager_a), {}

    def make_mark():
        try:
            applicability.mark(user=network.head_office, site=network.a1, criterion_key="restroom_clean",
                               starts_on=today - dt.timedelta(days=1), ends_on=None, reason="No restroom")
        finally:
            connection.close()

    def send_check():
        try:
            done["check"] = submit(phone, "A1", check_body(network.a1, day=today))
        finally:
            connection.close()

    marker = threading.Thread(target=make_mark)
    marker.start()
    assert holding.wait(20)
    checker = threading.Thread(target=send_check)
    checker.start()
    wait_until_blocked(checker)  # its statement began (its snapshot taken) and waits for the site's lock
    assert checker.is_alive()
    queued.set()
    marker.join(30)
    checker.join(30)
    answer = done["check"]
    if written:
        assert answer.status_code == 400 and answer.json()["code"] == "not_applicable", answer.content
        assert not DailyCheck.objects.filter(date=today).exists()
        assert_totals_leave_out_marked(network.a1)
    else:  # the stale marks let the result in, and the totals count it
        assert answer.status_code == 201, answer.content
        with pytest.raises(AssertionError):
            assert_totals_leave_out_marked(network.a1)
