"""The one way anything in Touchpoint tells people (and webhooks) that something happened.

``publish`` stores each notice once per recipient, event and key, following each person's preference
(immediate, digest or off; ``events.DEFAULT_MODES`` when they have not chosen), and one delivery per webhook
endpoint that asked for the event; then, when the surrounding transaction commits, it queues the sends. It
never sends inside the caller's request or transaction, and publishing the same thing twice stores nothing
new: a rule may run as often as it likes.

Two statements whatever the number of occurrences (a reminder sweep of 5,000 sites is one call).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import orjson
from django.db import connection, transaction

from .. import dispatch
from ..events import DEFAULT_MODES, Event


@dataclass(frozen=True)
class Occurrence:
    """Something that happened, once: ``event`` and ``key`` name it (the same key is the same occurrence:
    "A1:2026-12-05" for a site's reminder of a day). ``recipients``: user ids to tell (each by their own
    preference; inactive users are skipped). ``data``: what the message and the webhook payload say (JSON
    values only; the e-mail template of the event renders it). ``link``: a path on this server."""

    event: str
    key: str
    recipients: Sequence[int] = ()
    data: dict = field(default_factory=dict)
    site_id: int | None = None
    link: str = ""


@dataclass(frozen=True)
class Published:
    notices: list[int]  # ids of the notices stored now and queued for sending (not those stored before)
    held: int  # notices stored now and held for a digest
    deliveries: list[int]


_NOTICES_SQL = """
WITH rows AS (
    SELECT * FROM jsonb_to_recordset(%s::jsonb)
        AS r(event text, key text, recipient bigint, site bigint, data jsonb, link text, default_mode text)
), chosen AS (
    SELECT r.*, COALESCE(p.mode, r.default_mode) AS mode
    FROM rows r
    JOIN auth_user u ON u.id = r.recipient AND u.is_active
    LEFT JOIN notify_preference p ON p.user_id = r.recipient AND p.event = r.event
)
INSERT INTO notify_notice (event, key, recipient_id, site_id, data, link, status, attempts, created_at, error)
SELECT event, key, recipient, site, data, COALESCE(link, ''),
       CASE WHEN mode = 'digest' THEN 'held' ELSE 'pending' END, 0, now(), ''
FROM chosen WHERE mode <> 'off'
ON CONFLICT (recipient_id, event, key) DO NOTHING
RETURNING id, status
"""

_DELIVERIES_SQL = """
WITH rows AS (
    SELECT DISTINCT ON (event, key) event, key, payload
    FROM jsonb_to_recordset(%s::jsonb) AS r(event text, key text, payload jsonb)
)
INSERT INTO notify_webhookdelivery (endpoint_id, event, key, payload, status, attempts, next_attempt_at,
                                    last_error, created_at)
SELECT e.id, r.event, r.key, r.payload, 'pending', 0, now(), '', now()
FROM rows r JOIN notify_webhookendpoint e ON e.active AND e.events ? r.event
ON CONFLICT (endpoint_id, event, key) WHERE replay_of_id IS NULL DO NOTHING
RETURNING id
"""


def payload_of(occurrence: Occurrence) -> dict:
    """What a webhook receives for an occurrence (the delivery adds nothing but its signature headers)."""
    return {"event": occurrence.event, "key": occurrence.key, "data": occurrence.data, "link": occurrence.link}


def publish(occurrences: Iterable[Occurrence]) -> Published:
    occurrences = list(occurrences)
    for o in occurrences:
        if o.event not in Event.values:
            raise ValueError(f"unknown event {o.event!r}: declare it in notify.events.Event")
    rows = [{"event": o.event, "key": o.key, "recipient": r, "site": o.site_id, "data": o.data, "link": o.link,
             "default_mode": DEFAULT_MODES[o.event]} for o in occurrences for r in dict.fromkeys(o.recipients)]
    notices, held, deliveries = [], 0, []
    # No savepoint of its own: inside the caller's transaction (a check's, a review's) a failure here fails that
    # transaction, which is what the caller wants; alone, this is its own transaction.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if rows:
            cursor.execute(_NOTICES_SQL, [orjson.dumps(rows).decode()])
            for notice_id, status in cursor.fetchall():
                if status == "held":
                    held += 1
                else:
                    notices.append(notice_id)
        if occurrences:
            cursor.execute(_DELIVERIES_SQL, [orjson.dumps(
                [{"event": o.event, "key": o.key, "payload": payload_of(o)} for o in occurrences]).decode()])
            deliveries = [r[0] for r in cursor.fetchall()]
        if notices:
            transaction.on_commit(lambda: dispatch.enqueue_notices(notices))
        if deliveries:
            transaction.on_commit(lambda: dispatch.enqueue_deliveries(deliveries))
    return Published(notices=notices, held=held, deliveries=deliveries)
