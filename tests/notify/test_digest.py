"""The daily digest: a person's held notices gathered into one message once a day (what was held before
DIGEST_HOUR_UTC), marked digested in the same claim, sent once, in the person's language."""

from __future__ import annotations

import datetime as dt

import pytest

from notify.events import Event, Mode
from notify.models import Notice, NoticeStatus, Preference
from notify.services import sending
from notify.services.publish import Occurrence, publish

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 5, 7, 30, tzinfo=dt.UTC)  # half an hour after the digest hour (7 by default)


def hold(people, user, days: list[str]) -> list[Notice]:
    Preference.objects.create(user=user, event=Event.CHECK_MISSED, mode=Mode.DIGEST)
    published = publish([Occurrence(event=Event.CHECK_MISSED, key=f"A1:{day}", recipients=[user.pk],
                                    data={"date": day}, site_id=people.a1.pk, link="/app/sites/A1/") for day in days])
    assert published.held == len(days) and published.notices == []
    Notice.objects.filter(recipient=user).update(created_at=NOW - dt.timedelta(hours=20))
    return list(Notice.objects.filter(recipient=user).order_by("id"))


def test_held_notices_go_out_in_one_message_once(people, smtp_inbox, event_templates):
    held = hold(people, people.manager_a, ["2026-12-03", "2026-12-04"])
    later = Notice.objects.create(event=Event.CHECK_MISSED, key="A1:late", recipient=people.manager_a, status="held",
                                  data={"date": "late"})
    Notice.objects.filter(pk=later.pk).update(created_at=NOW - dt.timedelta(minutes=10))  # after 07:00: tomorrow's

    digests = sending.gather_digests(now=NOW)
    assert digests == [(people.manager_a.pk, NOW)]
    assert sending.send_digest(people.manager_a.pk, NOW, now=NOW + dt.timedelta(seconds=5)) == "sent"

    [message] = smtp_inbox.wait_for(1)
    assert message.to == ["manager.a1@example.com"]
    assert message.subject == "Your Touchpoint digest: 2 notices"
    assert message.body.count("- A site missed a day's check: A1\n  http://testserver/app/sites/A1/\n") == 2
    assert message.header("X-Touchpoint-Digest") == ",".join(str(n.pk) for n in held)
    for notice in Notice.objects.filter(pk__in=[n.pk for n in held]):
        assert notice.status == NoticeStatus.DIGESTED and notice.sent_at is not None
    assert Notice.objects.get(pk=later.pk).status == NoticeStatus.HELD

    # The hourly run after it, and the same digest's task run again: nothing more.
    assert sending.gather_digests(now=NOW + dt.timedelta(hours=1)) == []
    assert sending.send_digest(people.manager_a.pk, NOW) == "none"
    assert len(smtp_inbox.messages()) == 1


def test_a_french_reader_s_digest_is_in_french(people, smtp_inbox, event_templates):
    hold(people, people.manager_b, ["2026-12-04"])
    [(recipient, token)] = sending.gather_digests(now=NOW)
    sending.send_digest(recipient, token)

    [message] = smtp_inbox.wait_for(1)
    assert message.subject == "Votre résumé Touchpoint : 1 notification"
    assert "- Un site n’a pas fait le contrôle d’un jour: A1\n" in message.body
    assert message.body.startswith("Bonjour Manager,\n")


def test_the_boundary_is_the_latest_digest_hour(settings):
    settings.DIGEST_HOUR_UTC = 7
    assert sending.digest_boundary(NOW) == dt.datetime(2026, 12, 5, 7, tzinfo=dt.UTC)
    assert sending.digest_boundary(NOW.replace(hour=6)) == dt.datetime(2026, 12, 4, 7, tzinfo=dt.UTC)


def test_a_digest_whose_worker_died_is_sent_again_by_the_sweep(people, smtp_inbox, event_templates, monkeypatch):
    from notify import dispatch
    from notify.services.sweep import requeue_unsent

    queued = []
    monkeypatch.setattr(dispatch, "enqueue_digests", lambda digests, countdown=None: queued.extend(digests))
    hold(people, people.manager_a, ["2026-12-04"])
    [(recipient, token)] = sending.gather_digests(now=NOW)  # its message never reached a worker

    requeue_unsent(now=NOW + dt.timedelta(minutes=10))
    assert queued == [(recipient, token)]
    assert sending.send_digest(*queued[0]) == "sent"
    assert len(smtp_inbox.wait_for(1)) == 1
