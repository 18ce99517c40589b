"""The one writer of feedback: responses and their FeedbackDay totals in one statement.

Both the single POST and every batch of an import come here. One INSERT ... SELECT FROM json_to_recordset(...) stores the
rows (``ON CONFLICT DO NOTHING``: the unique index on (response_id, question) turns a response stored before
into a row not inserted, never an error that would abort the batch), and the same statement adds exactly the
rows it inserted into FeedbackDay (a data-modifying CTE reads the INSERT's RETURNING), so the totals can never
count a row that was not stored, nor miss one. Nothing is half-saved: it is one statement.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from django.db import connection

from .rows import FeedbackRow
from .scores import SATISFIED_AT

# FeedbackDay rows are upserted in key order so that two imports touching the same days lock them in the same
# order (no deadlock between them).
_SQL = """
WITH given AS (
    SELECT * FROM json_to_recordset(%(rows)s::json)
        AS g(site_id bigint, date date, channel text, question_id bigint, scale text, score float8,
             normalized float8, comment text, response_id text)
), inserted AS (
    INSERT INTO customer_feedbackresponse (site_id, date, channel, question_id, scale, score, normalized, comment,
                                           response_id, received_at, submitted_by_id, batch)
    SELECT site_id, date, channel, question_id, scale, score, normalized, comment, response_id,
           %(now)s, %(user)s, %(batch)s
    FROM given
    ON CONFLICT DO NOTHING
    RETURNING id, site_id, date, question_id, normalized, response_id
), days AS (
    INSERT INTO customer_feedbackday (site_id, date, question_id, responses, satisfied, normalized_sum,
                                      normalized_sq_sum)
    SELECT site_id, date, question_id, count(*), count(*) FILTER (WHERE normalized >= %(satisfied_at)s),
           sum(normalized), sum(normalized * normalized)
    FROM inserted
    GROUP BY site_id, date, question_id
    ORDER BY site_id, date, question_id
    ON CONFLICT ON CONSTRAINT feedback_day_unique DO UPDATE SET
        responses = customer_feedbackday.responses + EXCLUDED.responses,
        satisfied = customer_feedbackday.satisfied + EXCLUDED.satisfied,
        normalized_sum = customer_feedbackday.normalized_sum + EXCLUDED.normalized_sum,
        normalized_sq_sum = customer_feedbackday.normalized_sq_sum + EXCLUDED.normalized_sq_sum
    RETURNING 1
)
SELECT id, response_id, question_id FROM inserted
"""


@dataclass(frozen=True)
class Inserted:
    id: int
    response_id: str
    question_id: int | None


def write_rows(rows: Sequence[FeedbackRow], *, user, now: dt.datetime, batch: uuid.UUID | None = None
               ) -> list[Inserted]:
    """Store ``rows`` (validated, no two with the same non-empty (response_id, question)) and add them to their
    days; answer the rows inserted. A row whose (response_id, question) is stored already is not inserted (the
    caller says why). In the caller's transaction: one statement, so it is whole either way."""
    if not rows:
        return []
    # The batch travels as one JSON parameter (orjson writes the dataclasses in C; json_to_recordset reads them
    # in C): nine typed arrays cost psycopg a Python call per value, which was half the import's time.
    params = {"rows": orjson.dumps(rows).decode(), "now": now, "user": getattr(user, "pk", None), "batch": batch,
              "satisfied_at": SATISFIED_AT}
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        return [Inserted(*row) for row in cursor.fetchall()]
