"""A new daily check on PostgreSQL in few round trips: the submission's hot path.

Same rules and answers as ``checks.check_submit`` (which remains the path for amendments and for other
databases); what differs is how many times the server talks to the database. One transaction:

1. one SELECT: the user of the request's token (active), the site if that user may write it, the
   version in force on the check's day, the new check's id and ids for the actions it may open
   (``nextval``), so that the whole answer can be rendered before anything is written. It takes the
   Idempotency-Key's advisory lock (``pg_try_advisory_xact_lock``: a concurrent request with the same key
   does not wait, it finds no row and answers 409) and then the site's row lock, which serialises writers
   of the site's variance totals. It also tells whether the key was used before: such a request is
   answered from the key's record (a replay, or 422 for another body) without being judged again;
2. one INSERT ... statement with data-modifying CTEs: the Idempotency-Key record with its complete stored
   response (if the key is new), the check, its results (one JSON document, ``json_to_recordset``), its
   actions, and the variance totals of the day (``rollup.append_day_ctes``, from the rows it inserts). It
   starts after the site's lock was granted, so it reads the latest totals (in READ COMMITTED each
   statement reads what was committed when it started). A day that is not after the site's last one
   (a late check) is left to ``rollup.results_changed``, a third statement;
3. COMMIT.

Idempotency keeps the semantics of ``idempotency.idempotent``: the key's advisory lock is held until
the transaction ends; once the first commits, the key's record (inserted complete, with the response)
answers replays. A refused or failed submission rolls back whole, key included, so a corrected retry
with the same key runs. Ids handed out by ``nextval`` for a request that then fails are simply skipped
(sequences have gaps). When step 1 finds nothing (an unknown token, a site the user may not write, a key
in use), the caller asks again the slow way to give the right answer (401, 403/404, 409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

import orjson
from django.contrib.auth import get_user_model
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

# The advisory lock that stands for (user, key) while a request holding it runs; a collision of two keys
# costs nothing worse than one 409 asking for a retry.
_KEY_LOCK = "pg_try_advisory_xact_lock(hashtextextended({user}::text || ':' || {key}, 0))"


def available(payload: CheckInput) -> bool:
    """New checks on PostgreSQL; amendments (rare, several rows to change) take the portable path."""
    return connection.vendor == "postgresql" and payload.amends is None


def _sequence(model) -> str:
    return f"pg_get_serial_sequence('{model._meta.db_table}', '{model._meta.pk.column}')"


@cache
def _resolve_sql(by_token: bool, with_key: bool) -> str:
    qn = connection.ops.quote_name
    ver, crit = qn(StandardVersion._meta.db_table), qn(Criterion._meta.db_table)
    user_model = get_user_model()
    users, user_pk = qn(user_model._meta.db_table), qn(user_model._meta.pk.column)
    # Tokens are django-rest-knox's now (sites.authentication): DRF has authenticated the user (by_token unused).
    who = f"SELECT u.* FROM {users} u WHERE u.{user_pk} = %s"
    from_sql, where = access.writable_site_of_column(f"u.{user_pk}")
    lock = f" AND {_KEY_LOCK.format(user=f'u.{user_pk}', key='%s')}" if with_key else ""
    # A key used before answers with what it stored (a replay, or 422 for another body), whatever the
    # rules say now: a late check retried after midnight, or a version published meanwhile.
    idem = qn(IdempotencyRecord._meta.db_table)
    known = (f"EXISTS (SELECT 1 FROM {idem} r WHERE r.user_id = u.{user_pk} AND r.key = %s)" if with_key
             else "false")
    # The rule of ``selectors.standard.version_in_force``: released, latest effective_from, then latest published.
    # Action ids: as many as the version has critical criteria, the most a check can open.
    return (f"WITH u AS MATERIALIZED ({who}) "
            f"SELECT {rows.columns(user_model, 'u')}, {access.site_columns()}, {rows.columns(StandardVersion, 'v')}, "
            f"nextval({_sequence(DailyCheck)}), "
            f"ARRAY(SELECT nextval({_sequence(CorrectiveAction)}) FROM {crit} c "
            f"WHERE c.version_id = v.id AND c.critical), {known} "
            f"{from_sql} CROSS JOIN u LEFT JOIN LATERAL (SELECT * FROM {ver} x WHERE x.status <> %s "
            "AND x.effective_from <= %s ORDER BY x.effective_from DESC, x.published_at DESC LIMIT 1) v ON true "
            f"{where}{lock} FOR UPDATE OF s")


def _resolve(*, token: str | None, user, code: str, day: dt.date, key: str | None):
    """(user, site, version or None, check id, action ids, whether the key was used before), the key's and
    the site's locks taken; None when the token is unknown or inactive, the user may not write the site, or
    the key is in use."""
    params = [token if token is not None else user.pk]
    if key is not None:
        params.append(key)
    params += [VersionStatus.DRAFT.value, day, *access.writable_site_params(code)]
    if key is not None:
        params.append(key)
    with connection.cursor() as cursor:
        cursor.execute(_resolve_sql(token is not None, key is not None), params)
        row = cursor.fetchone()
    if row is None:
        return None
    user_model = get_user_model()
    at = rows.width(user_model)
    user = rows.from_row(user_model, row[:at])
    site = access.site_from_row(row[at:])
    start = at + rows.width(Site) + rows.width(Region)
    end = start + rows.width(StandardVersion)
    version = rows.from_row(StandardVersion, row[start:end]) if row[start] is not None else None
    return user, site, version, row[end], list(row[end + 1]), row[end + 2]


class _Replay(Exception):
    """Leaves the transaction of a request whose key was used before (nothing was written)."""


def _key_busy(*, user_id: int, key: str) -> bool:
    """Whether a request holding this (user, key) is running now (its advisory lock is taken). Asked outside
    a transaction, a free lock is taken only for the instant of the question."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_KEY_LOCK.format(user='%s', key='%s')}", [user_id, key])
        free = cursor.fetchone()[0]
    return not free


def busy_key_answer(*, user, key: str | None, request_fingerprint: str) -> idempotency.StoredResponse | None:
    """After :func:`check_submit_fast` found nothing for a user who may write the site: the answer when the
    key is held by a request still running (its 409, or its replay if it has just finished); None when the
    key is free, and the submission takes the portable path."""
    if key is None or not _key_busy(user_id=user.pk, key=key):
        return None
    return idempotency.settle_unclaimed(user=user, key=key, request_fingerprint=request_fingerprint)


@cache
def _write_sql(with_key: bool) -> str:
    # Kept under psycopg's 4,096 characters, past which the driver parses it again on every call (pinned in
    # test_checks_queries): columns that a new check leaves NULL (superseded_at, amends, resolved_*) are omitted.
    qn = connection.ops.quote_name
    idem, chk = qn(IdempotencyRecord._meta.db_table), qn(DailyCheck._meta.db_table)
    res, act = qn(CheckResult._meta.db_table), qn(CorrectiveAction._meta.db_table)
    check_columns = ("id", "site_id", "date", "version_id", "submitted_by_id", "performed_at", "received_at",
                     "client_id", "late", "is_current", "amendment_reason", "score")
    check_values = ("%(check_id)s, %(site_id)s, %(date)s, %(version_id)s, %(user_id)s, %(performed_at)s, "
                    "%(now)s, %(client_id)s, %(late)s, true, '', %(score)s")
    if with_key:
        # The key's lock is held (step 1): a record already there is an earlier request's, complete.
        claim = (f"claim AS (INSERT INTO {idem} (user_id, key, request_fingerprint, status_code, response_body, "
                 "created_at, completed_at) VALUES (%(user_id)s, %(key)s, %(fingerprint)s, %(status)s, "
                 "to_jsonb(%(body)s::text), %(now)s, %(now)s) ON CONFLICT (user_id, key) DO NOTHING RETURNING id), ")
        new_check = f"SELECT {check_values} FROM claim"
    else:
        claim, new_check = "", f"VALUES ({check_values})"
    totals = rollup.append_day_ctes(results="new_results", checks="new_check",
                                    gate="AND EXISTS (SELECT 1 FROM new_check)")
    return (
        f"WITH {claim}"
        f"new_check AS (INSERT INTO {chk} ({', '.join(check_columns)}) {new_check} RETURNING id, site_id, date, late), "
        f"new_results AS (INSERT INTO {res} (daily_check_id, site_id, date, is_current, criterion_id, value, note, "
        "met, passed, deviation) SELECT k.id, k.site_id, k.date, true, x.c, x.v, x.n, x.m, x.p, x.d "
        "FROM new_check k CROSS JOIN json_to_recordset(%(results)s::json) "
        "AS x(c bigint, v float8, n text, m boolean, p boolean, d float8) RETURNING criterion_id, passed, deviation), "
        f"new_actions AS (INSERT INTO {act} (id, site_id, daily_check_id, criterion_id, opened_at, due_on, status, "
        "resolution_note) SELECT x.i, k.site_id, k.id, x.c, %(now)s, x.due::date, %(open)s, '' "
        "FROM new_check k CROSS JOIN json_to_recordset(%(actions)s::json) AS x(i bigint, c bigint, due text)), "
        f"{totals} "
        "SELECT (SELECT count(*) FROM new_check), (SELECT count(*) FROM go_on)"
    )


def check_submit_fast(*, token: str | None, user, code: str, payload: CheckInput, key: str | None,
                      request_fingerprint: str, render: Callable[[SubmittedCheck], bytes],
                      now: dt.datetime | None = None) -> tuple[object, idempotency.StoredResponse] | None:
    """Store a new check for site ``code``, for the user of ``token`` (or ``user`` when the request was
    authenticated otherwise). Returns the user and the response; None when the token is unknown, the user
    may not write the site or the key is in use by a running request (the caller tells 401, 403/404, 409).
    ``render`` turns the submission into the 201 body that is also stored for replays."""
    now = now or timezone.now()
    if key is not None:
        key = idempotency.validate_key(key)
    try:
        with transaction.atomic():
            resolved = _resolve(token=token, user=user, code=code, day=payload.date, key=key)
            if resolved is None:
                return None
            user, site, version, check_id, action_ids, used_before = resolved
            if used_before:  # leave (nothing written, locks released) and answer with what the key stored
                raise _Replay
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
                "draft": VersionStatus.DRAFT.value,
                "results": orjson.dumps([{"c": r.spec.id, "v": r.value, "n": r.note, "m": r.met, "p": r.passed,
                                          "d": r.deviation} for r in judged]).decode(),
                "actions": orjson.dumps([{"i": a.pk, "c": a.criterion_id, "due": a.due_on} for a in opened]).decode(),
            }
            if key is not None:
                params.update(key=key, fingerprint=request_fingerprint, status=201, body=body.decode())
            with connection.cursor() as cursor:
                cursor.execute(_write_sql(key is not None), params)
                stored, appended = cursor.fetchone()
            if stored and not appended:  # a day before the site's last one: the totals are rebuilt from it
                rollup.results_changed(site_id=site.pk, dates=[payload.date], site_locked=True)
    except _Replay:
        stored = False
    except IntegrityError:
        conflict = check_conflict(site=site, payload=payload)
        if conflict is None:
            raise
        raise conflict from None
    if not stored:  # the key was used by an earlier request: a replay or a 422
        return user, idempotency.settle_unclaimed(user=user, key=key, request_fingerprint=request_fingerprint)
    return user, idempotency.StoredResponse(201, body, replayed=False)
