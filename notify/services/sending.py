"""Sending notices by e-mail, each once: claim, render, send, record.

- A chunk of notices is claimed with one conditional UPDATE (pending -> sending, with the claim's time as its
  token): when two tasks carry the same ids, one of them gets each notice and the other gets nothing.
- Every later write (sent, skipped, failed, back to pending) is conditional on still holding that claim.
- The mail goes out over one connection per chunk, outside any transaction; each notice is marked sent as soon
  as the server has accepted it, so a worker killed mid-chunk can leave at most the one message it was sending
  unrecorded. That message is sent again when the sweep takes the stale claim over (services/sweep.py): the
  trade-off of at-least-once delivery over a protocol without idempotency keys. Its copies carry the same
  Message-ID. bench/notify_send measures how often it happens.
- A failure the server may get over (connection refused or dropped, a 4xx, a timeout) puts the notice back to
  pending and queues the chunk again after a backoff with full jitter; a permanent one (the address refused
  with a 5xx, a template that does not render) fails it at once; NOTIFY_MAX_ATTEMPTS ends it as failed.

Digests (the notices a person holds for their daily digest) are gathered once a day into one message per
person: their claim is the status ``digested`` with a token time, and ``sent_at`` marks the message sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import smtplib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from .. import dispatch
from ..models import Notice, NoticeStatus
from . import messages

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)


def backoff_seconds(attempt: int) -> float:
    """Full jitter: a random wait up to NOTIFY_RETRY_SECONDS * 2**(attempt-1), capped at NOTIFY_RETRY_MAX_SECONDS
    (kept under NOTIFY_STALE_SECONDS so the sweep does not run ahead of a planned retry)."""
    ceiling = min(settings.NOTIFY_RETRY_MAX_SECONDS, settings.NOTIFY_RETRY_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(0, ceiling)


def permanent(exc: BaseException) -> bool:
    """The server said no for good (5xx for the address or the message): trying again changes nothing."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return type(exc).__name__ in ("AnymailRecipientsRefused", "AnymailInvalidAddress")


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


_CLAIM_SQL = """
UPDATE notify_notice SET status = 'sending', claimed_at = %s, attempts = attempts + 1
WHERE id = ANY(%s) AND status = 'pending'
RETURNING id
"""


def claim(notice_ids: Sequence[int], *, now: dt.datetime) -> list[Notice]:
    """The pending notices among ``notice_ids``, now ours (status sending, claimed_at = now)."""
    with db.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [now, list(notice_ids)])
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    return list(Notice.objects.filter(id__in=ids, claimed_at=now).select_related("recipient__profile", "site")
                .order_by("id"))


def _quick_commits(on: bool) -> None:
    """While a chunk is sent, its records commit without waiting for the WAL flush (synchronous_commit off, this
    session only; the claim before it was flushed). The record after each send is the window in which a killed
    worker leaves a message sent but unrecorded (sent again after the takeover): this makes it the UPDATE's own
    time, not the disk's. The price: should PostgreSQL itself crash, the last fraction of a second of "sent"
    records is lost and those messages go out again; no claim or notice is lost."""
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off" if on else "RESET synchronous_commit")


def _mine(notice: Notice):
    return Notice.objects.filter(pk=notice.pk, status=NoticeStatus.SENDING, claimed_at=notice.claimed_at)


def send_notices(notice_ids: Sequence[int], *, now: dt.datetime | None = None) -> Outcome:
    """Send the pending notices among ``notice_ids``; notices claimed by someone else are left alone."""
    notices = claim(notice_ids, now=now or timezone.now())
    outcome = Outcome()
    connection = None
    if notices:
        _quick_commits(True)
    try:
        for index, notice in enumerate(notices):
            recipient = notice.recipient
            if not recipient.is_active or not recipient.email:
                _mine(notice).update(status=NoticeStatus.SKIPPED, error="The person has no e-mail address."
                                     if recipient.is_active else "The person's account is inactive.")
                outcome.skipped.append(notice.pk)
                continue
            try:
                rendered = messages.render_notice(notice)
            except Exception as exc:  # noqa: BLE001 - a template's fault is this notice's, not the chunk's
                log.exception("notice %s could not be rendered", notice.pk)
                _mine(notice).update(status=NoticeStatus.FAILED, error=f"Could not render: {_error(exc)}"[:500])
                outcome.failed.append(notice.pk)
                continue
            message = messages.email_for(rendered=rendered, to=recipient.email, message_id=f"notice-{notice.pk}",
                                         headers={"X-Touchpoint-Notice": str(notice.pk),
                                                  "X-Touchpoint-Event": notice.event})
            try:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                    connection.open()
                connection.send_messages([message])
            except Exception as exc:  # noqa: BLE001 - sorted below: permanent or not
                if permanent(exc):
                    _mine(notice).update(status=NoticeStatus.FAILED, error=_error(exc))
                    outcome.failed.append(notice.pk)
                    continue
                # The connection is likely gone: this notice and the rest of the chunk wait for the retry.
                log.warning("sending notices failed (%s); %d go back to pending", _error(exc), len(notices) - index)
                _give_back(notices[index:], _error(exc), outcome)
                break
            if not _mine(notice).update(status=NoticeStatus.SENT, sent_at=timezone.now(), error=""):
                log.warning("notice %s was sent after its claim had been taken over: it may arrive twice", notice.pk)
            outcome.sent.append(notice.pk)
    finally:
        if notices:
            _quick_commits(False)
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
    if outcome.retrying:
        attempt = max(n.attempts for n in notices if n.pk in set(outcome.retrying))
        dispatch.enqueue_notices(outcome.retrying, countdown=backoff_seconds(attempt))
    return outcome


def _give_back(notices: list[Notice], error: str, outcome: Outcome) -> None:
    for notice in notices:
        if notice.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            _mine(notice).update(status=NoticeStatus.FAILED,
                                 error=f"Gave up after {notice.attempts} attempts: {error}"[:500])
            outcome.failed.append(notice.pk)
        elif _mine(notice).update(status=NoticeStatus.PENDING, error=error):
            outcome.retrying.append(notice.pk)


# --- the daily digest -----------------------------------------------------------------------------------------

def digest_boundary(now: dt.datetime) -> dt.datetime:
    """The latest DIGEST_HOUR_UTC at or before ``now``: a digest gathers what was held before it. Run hourly, the
    gathering sends each person one message a day; a run missed (beat down at that hour) is made up by the next."""
    at = now.astimezone(dt.UTC).replace(hour=settings.DIGEST_HOUR_UTC, minute=0, second=0, microsecond=0)
    return at if at <= now else at - dt.timedelta(days=1)


_GATHER_SQL = """
UPDATE notify_notice SET status = 'digested', claimed_at = %s, attempts = attempts + 1
WHERE status = 'held' AND created_at < %s
RETURNING recipient_id
"""


def gather_digests(*, now: dt.datetime | None = None) -> list[tuple[int, dt.datetime]]:
    """Claim every notice held before the day's boundary (held -> digested, in one statement) and queue one
    digest per person, after commit. Returns (recipient id, claim token) pairs."""
    now = now or timezone.now()
    with transaction.atomic(), db.cursor() as cursor:
        cursor.execute(_GATHER_SQL, [now, digest_boundary(now)])
        recipients = sorted({row[0] for row in cursor.fetchall()})
        digests = [(recipient, now) for recipient in recipients]
        if digests:
            transaction.on_commit(lambda: dispatch.enqueue_digests(digests))
    return digests


_DIGEST_CLAIM_SQL = """
UPDATE notify_notice SET claimed_at = %s, attempts = attempts + 1
WHERE recipient_id = %s AND status = 'digested' AND sent_at IS NULL AND claimed_at = %s
RETURNING id
"""


def send_digest(recipient_id: int, token: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """Send one person's digest gathered with ``token``, if it is still unsent and nobody else took it.
    Returns "sent", "skipped", "failed", "retrying" or "none" (already taken)."""
    now = now or timezone.now()
    with db.cursor() as cursor:
        cursor.execute(_DIGEST_CLAIM_SQL, [now, recipient_id, token])
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return "none"
    notices = list(Notice.objects.filter(id__in=ids).select_related("recipient__profile", "site")
                   .order_by("created_at", "id"))
    mine = Notice.objects.filter(id__in=ids, status=NoticeStatus.DIGESTED, sent_at=None, claimed_at=now)
    recipient = notices[0].recipient
    if not recipient.is_active or not recipient.email:
        mine.update(status=NoticeStatus.SKIPPED, error="The person has no e-mail address.")
        return "skipped"
    try:
        rendered = messages.render_digest(recipient, notices)
        message = messages.email_for(rendered=rendered, to=recipient.email,
                                     message_id=f"digest-{recipient_id}-{min(ids)}-{len(ids)}",
                                     headers={"X-Touchpoint-Digest": ",".join(str(n.pk) for n in notices)})
        get_connection(fail_silently=False).send_messages([message])
    except Exception as exc:  # noqa: BLE001
        attempts = max(n.attempts for n in notices)
        if permanent(exc) or attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            mine.update(status=NoticeStatus.FAILED, error=f"Digest not sent after {attempts} attempts: "
                                                          f"{_error(exc)}"[:500])
            return "failed"
        mine.update(error=_error(exc))
        dispatch.enqueue_digests([(recipient_id, now)], countdown=backoff_seconds(attempts))
        return "retrying"
    mine.update(sent_at=timezone.now(), error="")
    return "sent"


def stale_digests(*, before: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """Digests gathered or claimed before ``before`` and still unsent: their message was lost or their worker
    died. (recipient, token) pairs for send_digest."""
    groups: dict[tuple[int, dt.datetime], int] = defaultdict(int)
    for recipient, token in (Notice.objects.filter(status=NoticeStatus.DIGESTED, sent_at=None, claimed_at__lt=before)
                             .values_list("recipient_id", "claimed_at")[:10000]):
        groups[(recipient, token)] += 1
    return sorted(groups)
