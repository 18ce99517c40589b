"""The one writer of a check plan (``check_plan``): one INSERT ... statement with data-modifying CTEs.

The statement writes the check, its results (one JSON document, ``json_to_recordset``: the statement
stays short and constant, so the driver neither re-parses hundreds of placeholders nor adapts values one
by one, and PostgreSQL prepares it once per connection), the actions it opens and, for an amendment, the
supersession of the earlier check and its actions. A new check for a day after the site's last one also
appends the day's variance totals in the same statement, from the rows it inserts
(``rollup.append_day_ctes``); any other day (a late check, an amendment) is rebuilt by the rollup after it.

It runs inside the transaction that built the plan, after the site's lock was granted: in READ COMMITTED
each statement reads what was committed when it started, so it reads the latest totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import orjson
from django.db import connection

from ..models import CheckResult, CorrectiveAction, DailyCheck
from ..models.checks import ActionStatus
from . import rollup
from .actions import RESOLUTION_NOTE_MAX_LENGTH
from .check_plan import CheckPlan
from .check_rules import JudgedResult


@dataclass
class SubmittedCheck:
    """What the API answers after a submission; built from the plan and the ids the write returned."""

    check: DailyCheck
    version_number: int
    results: list[JudgedResult]
    actions: list = field(default_factory=list)


def check_write(plan: CheckPlan) -> SubmittedCheck | None:
    """Write ``plan`` (built in this transaction) and return what was stored. The unique constraints have
    the last word on duplicates (a client_id stored before, the day's check): a check they refuse is not
    inserted (``ON CONFLICT DO NOTHING``: no error, so the caller can still ask why) and None is returned;
    the caller must then roll back (an amendment's earlier check was superseded by the same statement)."""
    check, amended = plan.check, plan.supersedes
    params = {
        "site_id": check.site_id, "date": check.date, "version_id": check.version_id,
        "user_id": check.submitted_by_id, "performed_at": check.performed_at, "now": check.received_at,
        "client_id": check.client_id, "late": check.late, "score": check.score, "open": ActionStatus.OPEN.value,
        "department_id": check.department_id,
        "results": orjson.dumps([{"c": r.spec.id, "v": r.value, "n": r.note, "m": r.met, "p": r.passed,
                                  "d": r.deviation} for r in plan.results]).decode(),
        "actions": orjson.dumps([{"c": a.criterion_id, "due": a.due_on} for a in plan.opens]).decode(),
    }
    if amended is not None:
        params.update(amends=amended.check.pk, reason=check.amendment_reason, resolved=ActionStatus.RESOLVED.value,
                      carried=[a.pk for a in amended.carried], fixed=amended.resolved)
        sql, extra = _amendment_sql(), {}
    else:
        sql, extra = _new_check_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, {**extra, **params})
        row = cursor.fetchone()
    if row is None or row[0] is None:  # refused by a unique constraint
        return None
    check_id, opened, *head = row
    check.pk = check.id = check_id
    by_criterion = {criterion: pk for pk, criterion in opened}
    for action in plan.opens:
        action.pk = action.id = by_criterion[action.criterion_id]
        action.daily_check = check
    carried = amended.carried if amended is not None else []
    for action in carried:
        action.daily_check = check
    if amended is not None:
        rollup.results_changed(site_id=check.site_id, dates=[check.date], site_locked=True)
    else:
        appended, opened_on, previous_head = head
        if not appended and previous_head == check.date:
            # The day's second part (a department's check, or the site's own after it): added to the head row.
            rollup.add_to_head(site_id=check.site_id, day=check.date, own_check=check.department_id is None,
                               late=check.late, results=[(r.spec.key, r.passed, r.deviation) for r in plan.results])
        elif not appended:  # a day before the site's last one: the totals are rebuilt from it
            rollup.rebuild_days(site_id=check.site_id, dates=[check.date], opened_on=opened_on, head=previous_head)
    # The check's actions: those carried over to it (by id) and those it opened.
    return SubmittedCheck(check=check, version_number=plan.version_number, results=plan.results,
                          actions=carried + plan.opens)


def _tables() -> dict[str, str]:
    qn = connection.ops.quote_name
    return {"chk": qn(DailyCheck._meta.db_table), "res": qn(CheckResult._meta.db_table),
            "act": qn(CorrectiveAction._meta.db_table)}


# Columns that a check leaves NULL (superseded_at) are omitted: the statement stays under psycopg's 4,096
# characters, past which the driver parses it again on every call (pinned in test_checks_queries).
_CHECK_COLUMNS = ("site_id, date, version_id, submitted_by_id, performed_at, received_at, client_id, late, "
                  "department_id, is_current, amendment_reason, score")
_CHECK_VALUES = ("%(site_id)s, %(date)s, %(version_id)s, %(user_id)s, %(performed_at)s, %(now)s, %(client_id)s, "
                 "%(late)s, %(department_id)s, true")


def _results_and_actions(t: dict[str, str]) -> str:
    return (
        f"new_results AS (INSERT INTO {t['res']} (daily_check_id, site_id, date, is_current, criterion_id, value, "
        "note, met, passed, deviation) SELECT k.id, k.site_id, k.date, true, x.c, x.v, x.n, x.m, x.p, x.d "
        "FROM new_check k CROSS JOIN json_to_recordset(%(results)s::json) "
        "AS x(c bigint, v float8, n text, m boolean, p boolean, d float8) RETURNING criterion_id, passed, deviation), "
        f"new_actions AS (INSERT INTO {t['act']} (site_id, daily_check_id, criterion_id, opened_at, due_on, status, "
        "resolution_note) SELECT k.site_id, k.id, x.c, %(now)s, x.due::date, %(open)s, '' "
        "FROM new_check k CROSS JOIN json_to_recordset(%(actions)s::json) AS x(c bigint, due text) "
        "RETURNING id, criterion_id)"
    )


_OPENED = "ARRAY(SELECT ARRAY[id, criterion_id] FROM new_actions)"
# A check that a unique constraint refuses (the day's current check, a client_id stored before) is not
# inserted, and nothing that depends on it is: the statement returns no check id.
_UNLESS_DUPLICATE = "ON CONFLICT DO NOTHING RETURNING id, site_id, date, late, department_id"
# A day counts as checked (and late) by the site's own check only: a department's check adds its results.
_SITE_OWN_CHECK = "own AS (SELECT late FROM new_check WHERE department_id IS NULL)"


@cache
def _new_check_sql() -> tuple[str, dict]:
    t = _tables()
    totals, params = rollup.append_day_ctes(results="new_results", checks="own",
                                            gate="AND EXISTS (SELECT 1 FROM new_check)")
    sql = (
        f"WITH new_check AS (INSERT INTO {t['chk']} ({_CHECK_COLUMNS}) VALUES ({_CHECK_VALUES}, '', %(score)s) "
        f"{_UNLESS_DUPLICATE}), {_results_and_actions(t)}, {_SITE_OWN_CHECK}, {totals} "
        f"SELECT (SELECT id FROM new_check), {_OPENED}, (SELECT count(*) FROM appended_day), h.opened_on, h.head "
        "FROM site_head h"
    )
    return sql, params


@cache
def _amendment_sql() -> str:
    t = _tables()
    return (
        # The earlier check leaves the day first: the new one is inserted from its row, after it (the unique
        # index of the day's current check then sees it superseded).
        f"WITH old_check AS (UPDATE {t['chk']} SET is_current = false, superseded_at = %(now)s "
        "WHERE id = %(amends)s AND is_current RETURNING id), "
        f"old_results AS (UPDATE {t['res']} SET is_current = false WHERE daily_check_id = %(amends)s "
        "AND EXISTS (SELECT 1 FROM old_check) RETURNING 1), "
        f"new_check AS (INSERT INTO {t['chk']} ({_CHECK_COLUMNS}, amends_id) SELECT {_CHECK_VALUES}, "
        f"%(reason)s, %(score)s, o.id FROM old_check o {_UNLESS_DUPLICATE}), "
        f"carried AS (UPDATE {t['act']} a SET daily_check_id = k.id FROM new_check k "
        "WHERE a.id = ANY(%(carried)s::bigint[]) RETURNING 1), "
        f"fixed AS (UPDATE {t['act']} a SET status = %(resolved)s, resolved_at = %(now)s, resolved_by_id = %(user_id)s, "
        f"resolution_note = left('Amended check ' || k.id || ' meets the criterion: ' || %(reason)s, "
        f"{RESOLUTION_NOTE_MAX_LENGTH}) FROM new_check k WHERE a.id = ANY(%(fixed)s::bigint[]) RETURNING 1), "
        f"{_results_and_actions(t)} "
        f"SELECT (SELECT id FROM new_check), {_OPENED}, (SELECT count(*) FROM carried), (SELECT count(*) FROM fixed)"
    )
