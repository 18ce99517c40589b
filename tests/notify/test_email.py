"""Notices by e-mail, sent by the task's code in this process to a real SMTP server on loopback (aiosmtpd): what
arrives (recipient, subject, body, in the reader's language), once however often the task runs, skipped without
an address, retried when the server is away, failed when it refuses the address for good."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notify.events import Event
from notify.models import Notice, NoticeStatus
from notify.services import sending
from notify.services.publish import Occurrence, publish

pytestmark = pytest.mark.django_db


def missed(network, *recipients, date="2026-12-04"):
    return Occurrence(event=Event.CHECK_MISSED, key=f"A1:{date}", recipients=[u.pk for u in recipients],
                      data={"date": date}, site_id=network.a1.pk, link="/app/sites/A1/")


def test_a_notice_arrives_by_smtp_with_its_subject_body_and_absolute_link(people, smtp_inbox, event_templates,
                                                                          settings):
    settings.SITE_URL = "https://touchpoint.example.com"
    published = publish([missed(people, people.manager_a)])
    outcome = sending.send_notices(published.notices)

    assert outcome.sent == published.notices
    [message] = smtp_inbox.wait_for(1)
    assert message.to == ["manager.a1@example.com"]
    assert message.subject == "A site missed a day's check: A1"
    assert message.body == "2026-12-04\nOpen it in Touchpoint: https://touchpoint.example.com/app/sites/A1/\n"
    notice = Notice.objects.get()
    assert message.header("X-Touchpoint-Notice") == str(notice.pk)
    assert message.header("Message-ID") == f"<notice-{notice.pk}@touchpoint.example.com>"
    assert message.header("List-Unsubscribe") == "<https://touchpoint.example.com/app/notifications/>"
    assert (notice.status, notice.attempts, notice.error) == (NoticeStatus.SENT, 1, "")
    assert notice.sent_at is not None


def test_a_french_reader_gets_it_in_french(people, smtp_inbox, event_templates):
    published = publish([missed(people, people.manager_b)])
    sending.send_notices(published.notices)

    [message] = smtp_inbox.wait_for(1)
    assert message.to == ["gerant.b1@example.com"]
    assert message.subject == "Un site n’a pas fait le contrôle d’un jour: A1"
    assert message.body.splitlines()[1] == "Ouvrir dans Touchpoint : http://testserver/app/sites/A1/"


def test_an_event_without_a_template_of_its_own_still_says_something_sensible(people, smtp_inbox):
    """The generic text: the event's label, the site, the data and the link; here in French."""
    notice = Notice.objects.create(event="test.untemplated", key="k", recipient=people.manager_b, site=people.a1,
                                   data={"score": "72%", "note": "Smith & Sons"}, link="/app/sites/A1/")
    sending.send_notices([notice.pk])

    [message] = smtp_inbox.wait_for(1)
    assert message.subject == f"test.untemplated · A1 {people.a1.name}"
    body = message.body
    assert body.startswith("Bonjour Manager,\n")
    assert f"Site: A1 {people.a1.name}\n" in body
    assert "score: 72%\n" in body and "note: Smith & Sons\n" in body  # plain text: nothing HTML-escaped
    assert "Ouvrir dans Touchpoint : http://testserver/app/sites/A1/" in body
    assert "http://testserver/app/notifications/" in body


def test_the_task_run_twice_sends_once(people, smtp_inbox, event_templates):
    published = publish([missed(people, people.manager_a, people.head_office)])
    first = sending.send_notices(published.notices)
    second = sending.send_notices(published.notices)

    assert sorted(first.sent) == sorted(published.notices) and second.sent == []
    assert len(smtp_inbox.wait_for(2)) == 2
    assert sorted(m.to[0] for m in smtp_inbox.messages()) == ["head.office@example.com", "manager.a1@example.com"]
    # Publishing the same occurrence again stores and sends nothing new.
    assert publish([missed(people, people.manager_a)]).notices == []


def test_a_person_without_an_address_is_skipped(people, smtp_inbox):
    published = publish([missed(people, people.auditor)])
    outcome = sending.send_notices(published.notices)

    assert outcome.skipped == published.notices and smtp_inbox.messages() == []
    assert Notice.objects.get().status == NoticeStatus.SKIPPED


def test_a_server_away_puts_the_notice_back_for_a_retry_then_fails_it(people, settings, monkeypatch):
    from notify import dispatch

    queued = []
    monkeypatch.setattr(dispatch, "enqueue_notices", lambda ids, countdown=None: queued.append((list(ids), countdown)))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: connection refused
    settings.NOTIFY_MAX_ATTEMPTS, settings.NOTIFY_RETRY_SECONDS = 2, 30
    published = publish([missed(people, people.manager_a)])

    outcome = sending.send_notices(published.notices)
    notice = Notice.objects.get()
    assert outcome.retrying == published.notices
    assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, 1)
    assert "ConnectionRefusedError" in notice.error
    assert queued[0][0] == published.notices and 0 <= queued[0][1] <= 30

    sending.send_notices(published.notices)  # the retry, failing again: out of attempts
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 2)
    assert notice.error.startswith("Gave up after 2 attempts")


def test_an_address_refused_for_good_fails_at_once_and_the_others_still_go(people, smtp_inbox, event_templates):
    smtp_inbox.refuse.add("manager.a1@example.com")
    published = publish([missed(people, people.manager_a, people.head_office)])
    outcome = sending.send_notices(published.notices)

    assert len(outcome.failed) == 1 and len(outcome.sent) == 1
    failed = Notice.objects.get(recipient=people.manager_a)
    assert failed.status == NoticeStatus.FAILED and "550" in failed.error
    assert [m.to for m in smtp_inbox.wait_for(1)] == [["head.office@example.com"]]


def test_the_sweep_takes_over_a_dead_worker_s_claim_and_requeues_lost_messages(people, settings, monkeypatch):
    from notify import dispatch
    from notify.services.sweep import requeue_unsent

    queued = []
    monkeypatch.setattr(dispatch, "enqueue_notices", lambda ids, countdown=None: queued.extend(ids))
    settings.NOTIFY_STALE_SECONDS = 300
    published = publish([missed(people, people.manager_a, people.head_office, people.manager_b)])
    stuck, lost, fresh = published.notices
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    Notice.objects.filter(pk=stuck).update(status=NoticeStatus.SENDING, claimed_at=long_ago)  # its worker died
    Notice.objects.filter(pk=lost).update(created_at=long_ago)  # its message never reached a worker
    queued.clear()

    swept = requeue_unsent()
    assert sorted(swept.notices) == sorted([stuck, lost]) and swept.taken_over == 1
    assert sorted(queued) == sorted([stuck, lost])  # the fresh one is still on its way
    assert Notice.objects.get(pk=stuck).status == NoticeStatus.PENDING
    assert fresh not in queued
