"""``Idempotency-Key`` with the semantics of Stripe and the IETF httpapi draft.

- The first request with a key claims it: the record is inserted and committed *before* the work runs
  (one autocommitted statement), so the unique constraint (user, key) is the lock. A concurrent request with the same key finds the
  claim unfinished and gets a 409; it never runs the work a second time.
- The work and the stored response commit in one transaction: a stored response always means the work
  happened, and work that rolled back leaves no stored response (the claim is released, so a corrected
  retry with the same key may run).
- A replay (same user, key and request fingerprint) gets the stored status and the stored bytes back,
  nothing new is written. The same key with another fingerprint is a 422.
- Keys are scoped to the user and kept ``settings.IDEMPOTENCY_KEEP_HOURS`` (at least 24h); see
  :func:`idempotency_purge`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now
from django.utils import timezone

from backend.errors import AppError, Conflict, Unprocessable

from ..models import IdempotencyRecord

MAX_KEY_LENGTH = 255
# A claim older than this whose work never finished belongs to a process that died mid-request;
# the next retry may take it over.
ABANDONED_AFTER = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content: bytes
    replayed: bool


def fingerprint(*, method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same request": method, path and the exact body bytes."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def validate_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise AppError(f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters.",
                       field="Idempotency-Key")
    return key


def _claim(*, user, key: str, request_fingerprint: str) -> int | StoredResponse:
    """Insert the claim, committed at once (its id), or say what the existing record means."""
    # One statement, committed by itself (autocommit) unless the caller has a transaction: once committed, the
    # claim is the lock. The claim need not be durable by itself: the response it guards commits later,
    # durably, and that WAL flush carries the claim with it; a crash before then loses both, and a retry runs.
    # Visibility to other sessions is immediate either way. So its commit does not wait for the disk
    # (synchronous_commit, set for its own transaction only and read at its commit): one disk flush less per
    # request. Inside a caller's transaction its commit is the caller's, which keeps its own durability.
    # Short constant SQL; the unique (user, key) decides who claims the key (no error, so no savepoint).
    asynchronous = "FROM set_config('synchronous_commit', 'off', true) " if not connection.in_atomic_block else ""
    with connection.cursor() as cursor:
        # The claim's time is the database's own clock, the one a takeover compares with the server's start.
        cursor.execute(_sql("INSERT INTO {t} (user_id, key, request_fingerprint, created_at) SELECT %s, %s, %s, "
                            f"statement_timestamp() {asynchronous}ON CONFLICT (user_id, key) DO NOTHING RETURNING id"),
                       [user.pk, key, request_fingerprint])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is None:  # purged between our insert and this read: simply try once more
        return _claim(user=user, key=key, request_fingerprint=request_fingerprint)
    stored = _stored(record, request_fingerprint)
    if stored is not None:
        return stored
    # Abandoned: older than any request lives, or made before PostgreSQL last started. A claim whose work failed
    # because the database went away could not be released either (tests/drills/test_postgres_restart.py); no
    # session of the server that held it survives a restart, so it is taken over at once, not after a minute of
    # 409s to a phone retrying.
    taken_over = IdempotencyRecord.objects.filter(
        Q(created_at__lt=timezone.now() - ABANDONED_AFTER) | Q(created_at__lt=RawSQL("pg_postmaster_start_time()", [])),
        pk=record.pk, completed_at__isnull=True,
    ).update(created_at=Now())
    if taken_over:
        return record.pk
    raise _in_progress()


def _sql(template: str) -> str:
    return template.format(t=connection.ops.quote_name(IdempotencyRecord._meta.db_table))


def _in_progress() -> Conflict:
    return Conflict("A request with this Idempotency-Key is still being processed; retry in a moment.",
                    field="Idempotency-Key", code="idempotency_in_progress")


def _stored(record: IdempotencyRecord, request_fingerprint: str) -> StoredResponse | None:
    """The stored response to replay, None while the work is unfinished; a 422 for another request."""
    if record.request_fingerprint != request_fingerprint:
        raise Unprocessable("This Idempotency-Key was already used with a different request; "
                            "use a new key for a new request.", field="Idempotency-Key", code="idempotency_mismatch")
    if record.completed_at is not None:
        return StoredResponse(record.status_code, record.response_body.encode(), replayed=True)
    return None


def idempotent(*, user, key: str | None, request_fingerprint: str,
               run: Callable[[], tuple[int, bytes]], atomic: bool = True) -> StoredResponse:
    """Run ``run`` (which returns status and rendered body) at most once per (user, key).

    Without a key the work simply runs. With ``atomic`` (a check, an action's resolution, a report order),
    ``run`` is called inside the transaction that stores its response: the work and its answer commit together.
    ``atomic=False`` is for work that commits by itself and recognises its own retries (a photo: its storage
    I/O must not run inside a transaction holding the site's lock); its answer is stored once it is done, and
    a retry after a crash between the two runs the work again, which answers as the first run did.
    """
    if key is None:
        status, content = run()
        return StoredResponse(status, content, replayed=False)
    claim = _claim(user=user, key=validate_key(key), request_fingerprint=request_fingerprint)
    if isinstance(claim, StoredResponse):
        return claim
    try:
        with transaction.atomic() if atomic else nullcontext():
            status, content = run()
            # The body is stored as the JSON string of the rendered bytes, as replays send them back. One
            # statement: in the work's transaction, or (atomic=False) committed by itself once the work is done.
            with connection.cursor() as cursor:
                cursor.execute(_sql("UPDATE {t} SET status_code = %s, response_body = to_jsonb(%s::text), "
                                    "completed_at = %s WHERE id = %s"),
                               [status, content.decode(), timezone.now(), claim])
    except BaseException:
        # Nothing was stored: release the claim so that a corrected retry with this key can run.
        IdempotencyRecord.objects.filter(pk=claim, completed_at__isnull=True).delete()
        raise
    return StoredResponse(status, content, replayed=False)


def idempotency_purge(*, now: dt.datetime | None = None, keep_hours: int | None = None) -> int:
    """Delete records older than the retention (never less than 24 hours). Returns how many went."""
    hours = max(24, keep_hours if keep_hours is not None else settings.IDEMPOTENCY_KEEP_HOURS)
    cutoff = (now or timezone.now()) - dt.timedelta(hours=hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
