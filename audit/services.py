"""``record``: the one way to write an audit entry.

Call it inside the transaction of the action it records, as the last thing before the commit: the entry is
then committed if and only if the action is. Appends are serialised by a transaction-level advisory lock
(held until that commit), so each entry reads the true head of the chain: two concurrent appends can never
both take ``seq`` N or both point at the same ``prev_hash``. The lock is why "last": an entry recorded early
would keep every other audited action in the network waiting for the rest of this transaction.

Cost: three statements (the lock, the head with the database's clock, the INSERT); pinned by
tests/audit/test_chain.py.
"""

from __future__ import annotations

from django.db import connection, models, transaction

from backend import logs

from . import chain
from .models import Action, AuditEntry

# pg_advisory_xact_lock's key for the chain's head: any bigint no other part of Touchpoint uses
# (rollup.lock_site uses site ids in the two-key form, which is a separate key space).
HEAD_LOCK = 0x7A75_6469_7400  # "audit" in hex, roughly: a constant, nothing more

_HEAD_SQL = ("SELECT (SELECT seq FROM audit_auditentry ORDER BY seq DESC LIMIT 1), "
             "(SELECT hash FROM audit_auditentry ORDER BY seq DESC LIMIT 1), clock_timestamp()")


def record(action: Action | str, *, actor, target=None, target_type: str = "", target_id="", site=None,
           data: dict | None = None, request=None) -> AuditEntry:
    """Append an entry: ``actor`` (a user, or None for the system) did ``action`` to ``target`` (a model
    instance, or ``target_type``/``target_id`` given), at ``site`` (a Site or its code) if it concerns one, with
    ``data`` (what changed; before/after where it matters). ``request``: its request id is kept, if it has one."""
    action = Action(action)
    if target is not None:
        target_type = target_type or f"{target._meta.app_label}.{target._meta.model_name}"
        target_id = target_id or target.pk
    site_code = site.code if isinstance(site, models.Model) else site
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    fields = {
        "actor_id": actor_id,
        "actor_name": actor.get_username() if actor_id is not None else "",
        "action": action.value,
        "target_type": target_type,
        "target_id": str(target_id),
        "site_code": site_code or None,
        "data": chain.normalise(data or {}),
        "request_id": _request_id(request),
    }
    # savepoint=False: no SAVEPOINT of its own inside the caller's transaction (an error here fails the
    # caller's transaction anyway); outside one, it opens one for the three statements.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HEAD_LOCK])
        # After the lock, in a statement of its own: in READ COMMITTED each statement sees what was
        # committed before it began, so this one sees the entry of whoever held the lock before us.
        cursor.execute(_HEAD_SQL)
        last_seq, last_hash, now = cursor.fetchone()
        fields.update(seq=(last_seq or 0) + 1, prev_hash=last_hash or chain.GENESIS, at=now)
        entry = AuditEntry(**fields, hash=chain.entry_hash(fields))
        entry.save(force_insert=True)
    return entry


def _request_id(request) -> str | None:
    """The id of the request (or of the request that queued this task) doing the action: backend.logs keeps it
    for the whole request and carries it into Celery tasks, so entries written by services without the request
    in hand carry it too; the request's own id if one is passed."""
    value = (getattr(request, "request_id", None) if request is not None else None) or logs.request_id.get()
    return str(value)[:64] if value else None
