"""A new daily check on PostgreSQL in few round trips: the submission's hot path.

Same rules and answers as ``checks.check_submit`` (which remains the path for amendments and for other
databases); what differs is how many times the server talks to the database. After the token:

1. one SELECT: the site, if this user may write it; the version in force on the check's day; the new
   check's id and ids for the actions it may open (``nextval``), so that the whole answer can be
   rendered before anything is written;
2. one INSERT ... statement with data-modifying CTEs, in a transaction: the Idempotency-Key record with
   its complete stored response (only if ``pg_try_advisory_xact_lock`` takes the key's lock and the key
   is new), the check, its results (one JSON document, ``json_to_recordset``) and its actions;
   It also takes the site's row lock for the variance rollup;
3. the variance rollup hook, in the same transaction (one statement for a day after the site's last
   one, ``rollup._append_day_pg``); then COMMIT.

Idempotency keeps the semantics of ``idempotency.idempotent``: the key's advisory lock is held until
the transaction ends, so a concurrent request with the same key gets a 409 without waiting; once the
first commits, the key's record (inserted complete, with the response) answers replays. A refused or
failed submission rolls back whole, key included, so a corrected retry with the same key runs.
Ids handed out by ``nextval`` for a request that then fails are simply skipped (sequences have gaps).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import cache

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backend import rows
from sites import access
from sites.models import Region, Site

from ..models import CheckResult, CorrectiveAction, Criterion, DailyCheck, IdempotencyRecord, StandardVersion
from ..models.checks import ActionStatus
from ..models.standard import VersionStatus
from . import actions as action_services
from . import idempotency, rollup
from .checks import CheckInput, SubmittedCheck, check_conflict, check_prepare


def available(payload: CheckInput) -> bool:
    """New checks on PostgreSQL; amendments (rare, several rows to change) take the portable path."""
    return connection.vendor == "postgresql" and payload.amends is None


def _sequence(model) -> str:
    return f"pg_get_serial_sequence('{model._meta.db_table}', '{model._meta.pk.column}')"


@cache
def _resolve_sql(from_sql: str, where: str) -> str:
    qn = connection.ops.quote_name
    ver, crit = qn(StandardVersion._meta.db_table), qn(Criterion._meta.db_table)
    # The rule of ``selectors.standard.version_in_force``: released, latest effective_from, then latest published.
    # Action ids: as many as the version has critical criteria, the most a check can open.
    return (f"SELECT {access.site_columns()}, {rows.columns(StandardVersion, 'v')}, "
            f"nextval({_sequence(DailyCheck)}), "
            f"ARRAY(SELECT nextval({_sequence(CorrectiveAction)}) FROM {crit} c "
            "WHERE c.version_id = v.id AND c.critical) "
            f"{from_sql} LEFT JOIN LATERAL (SELECT * FROM {ver} x WHERE x.status <> %s AND x.effective_from <= %s "
            f"ORDER BY x.effective_from DESC, x.published_at DESC LIMIT 1) v ON true {where}")


def _resolve(user, code: str, day: dt.date):
    """(site, version or None, check id, action ids), or None when this user may not write the site."""
    from_sql, where, params = access.writable_site_from(user.pk, code)
    with connection.cursor() as cursor:
        cursor.execute(_resolve_sql(from_sql, where), [VersionStatus.DRAFT.value, day, *params])
        row = cursor.fetchone()
    if row is None:
        return None
    site = access.site_from_row(row)
    start = rows.width(Site) + rows.width(Region)
    end = start + rows.width(StandardVersion)
    version = rows.from_row(StandardVersion, row[start:end]) if row[start] is not None else None
    return site, version, row[end], list(row[end + 1])


@cache
def _write_sql(with_key: bool) -> str:
    qn = connection.ops.quote_name
    idem, chk = qn(IdempotencyRecord._meta.db_table), qn(DailyCheck._meta.db_table)
    res, act = qn(CheckResult._meta.db_table), qn(CorrectiveAction._meta.db_table)
    check_columns = ("id", "site_id", "date", "version_id", "submitted_by_id", "performed_at", "received_at",
                     "client_id", "late", "is_current", "superseded_at", "amendment_reason", "score", "amends_id")
    check_values = ("%(check_id)s, %(site_id)s, %(date)s, %(version_id)s, %(user_id)s, %(performed_at)s, "
                    "%(now)s, %(client_id)s, %(late)s, true, NULL, '', %(score)s, NULL")
    if with_key:
        claim = (f"claim AS (INSERT INTO {idem} (user_id, key, request_fingerprint, status_code, response_body, "
                 "created_at, completed_at) SELECT %(user_id)s, %(key)s, %(fingerprint)s, %(status)s, "
                 "to_jsonb(%(body)s::text), %(now)s, %(now)s WHERE pg_try_advisory_xact_lock(%(lock)s) "
                 "ON CONFLICT (user_id, key) DO NOTHING RETURNING id), ")
        new_check = f"SELECT {check_values} FROM claim"
    else:
        claim, new_check = "", f"VALUES ({check_values})"
    return (
        f"WITH {claim}"
        f"new_check AS (INSERT INTO {chk} ({', '.join(check_columns)}) {new_check} RETURNING id, site_id, date), "
        f"new_results AS (INSERT INTO {res} (daily_check_id, site_id, date, is_current, criterion_id, value, note, "
        "met, passed, deviation) SELECT k.id, k.site_id, k.date, true, x.c, x.v, x.n, x.m, x.p, x.d "
        "FROM new_check k CROSS JOIN json_to_recordset(%(results)s::json) "
        "AS x(c bigint, v float8, n text, m boolean, p boolean, d float8)), "
        f"new_actions AS (INSERT INTO {act} (id, site_id, daily_check_id, criterion_id, opened_at, due_on, status, "
        "resolved_at, resolved_by_id, resolution_note) SELECT x.i, k.site_id, k.id, x.c, %(now)s, x.due::date, "
        "%(open)s, NULL, NULL, '' FROM new_check k CROSS JOIN json_to_recordset(%(actions)s::json) "
        "AS x(i bigint, c bigint, due text)), "
        # The site's row lock, which serialises the variance rollup of a site (rollup.results_changed), taken
        # here rather than by a statement of its own; only when the check is written, so that a request whose
        # key is busy answers 409 at once instead of waiting for the site.
        f"locked AS (SELECT s.id FROM {qn(Site._meta.db_table)} s WHERE s.id = %(site_id)s "
        "AND EXISTS (SELECT 1 FROM new_check) FOR UPDATE OF s) "
        "SELECT (SELECT count(*) FROM new_check), (SELECT count(*) FROM locked)"
    )


def check_submit_fast(*, user, code: str, payload: CheckInput, key: str | None, request_fingerprint: str,
                      render: Callable[[SubmittedCheck], bytes], now: dt.datetime | None = None,
                      ) -> idempotency.StoredResponse | None:
    """Store a new check for site ``code``; None if this user may not write that site (the caller tells
    404 from 403). ``render`` turns the submission into the 201 body that is also stored for replays."""
    now = now or timezone.now()
    if key is not None:
        key = idempotency.validate_key(key)
    resolved = _resolve(user, code, payload.date)
    if resolved is None:
        return None
    site, version, check_id, action_ids = resolved
    check, judged = check_prepare(site=site, user=user, payload=payload, version=version, now=now)
    check.pk = check_id
    opened = action_services.actions_to_open(check=check, judged=judged, now=now)
    for action, pk in zip(opened, action_ids, strict=False):  # at most one action per critical criterion
        action.pk = pk
    submitted = SubmittedCheck(check=check, version_number=version.number, results=judged, actions=opened)
    body = render(submitted)
    params = {
        "check_id": check_id, "site_id": site.pk, "date": payload.date, "version_id": version.pk,
        "user_id": user.pk, "performed_at": check.performed_at, "now": now, "client_id": check.client_id,
        "late": check.late, "score": check.score, "open": ActionStatus.OPEN.value,
        "results": json.dumps([{"c": r.spec.id, "v": r.value, "n": r.note, "m": r.met, "p": r.passed,
                                "d": r.deviation} for r in judged]),
        "actions": json.dumps([{"i": a.pk, "c": a.criterion_id, "due": a.due_on.isoformat()} for a in opened]),
    }
    if key is not None:
        params.update(key=key, fingerprint=request_fingerprint, status=201, body=body.decode(),
                      lock=idempotency.lock_id(user_id=user.pk, key=key))
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_write_sql(key is not None), params)
                stored, locked = cursor.fetchone()
            if stored:
                rollup.results_changed(site_id=site.pk, dates=[payload.date], site_locked=bool(locked))
    except IntegrityError:
        conflict = check_conflict(site=site, payload=payload)
        if conflict is None:
            raise
        raise conflict from None
    if not stored:  # the key was taken (replay or 422) or is locked by a request in progress (409)
        return idempotency.settle_unclaimed(user=user, key=key, request_fingerprint=request_fingerprint)
    return idempotency.StoredResponse(201, body, replayed=False)
