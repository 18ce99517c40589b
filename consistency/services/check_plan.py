"""What a submission will write, worked out before anything is written: the plan of a daily check.

A plan holds everything the writer (``check_write``) needs and the answer needs: the site, the version in
force on the day, every result judged, the score, the actions the check opens and, for an amendment, what
it supersedes (the earlier check, its actions carried over or resolved). Building it reads and locks; it
never writes. Every refusal (400, 404, 409) is raised here, so a plan that exists can be written whole.

One check per site, local day and part of the standard (the site's own, or a department's: ``check_parts``).
A second check of a part for the day is a 409 unless it is an amendment, which
names the check it replaces and why; the earlier check stays in history (``is_current=False``,
``superseded_at``) so auditors can see what changed and when.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.utils import timezone

from backend import rows
from backend.errors import AppError, Conflict, NotFound
from sites.models import Site

from ..models import CorrectiveAction, DailyCheck, Department, StandardVersion
from ..models.checks import ActionStatus
from ..selectors import checks as selectors
from ..selectors import evidence as evidence_selectors
from ..selectors.standard import version_in_force_sql
from . import actions as action_services
from . import applicability, scoring
from .check_parts import DepartmentRow, check_part
from .check_rules import CLOCK_SKEW, CheckInput, JudgedResult, judge_results, validate_check_date


@dataclass
class Supersession:
    """What an amendment does to the check it replaces and to that check's actions."""

    check: DailyCheck
    carried: list[CorrectiveAction]  # moved to the new check as they are (open or resolved), by id
    resolved: list[int]              # open actions whose criterion now passes: resolved by the amendment


@dataclass
class CheckPlan:
    check: DailyCheck                 # unsaved: every column but the id
    version_number: int
    results: list[JudgedResult]
    opens: list[CorrectiveAction]     # unsaved: one per critical criterion not met, unless carried over
    supersedes: Supersession | None = None


def check_plan(*, site, user, payload: CheckInput, now: dt.datetime | None = None) -> CheckPlan:
    """The plan of ``payload`` for ``site`` (which the caller resolved for writing), inside the caller's
    transaction: it takes the site's lock first (with the version in force, one statement), and for an amendment the earlier check's and its actions'
    row locks, which the transaction holds until the plan is written."""
    now = now or timezone.now()
    # What needs no database first: a submission refused for its date, time or reason waits for no lock.
    late = validate_check_date(site=site, day=payload.date, now=now)
    performed_at = performed_at_of(site=site, payload=payload, now=now)
    reason = payload.reason.strip()
    if payload.amends is not None and not reason:
        raise AppError("An amendment needs a reason: say what was wrong with the earlier check.", field="reason")
    version, departments, not_applicable = _lock_site_and_find_version(site_id=site.pk, day=payload.date)
    if version is None:
        raise AppError(f"No version of the standard is in force on {payload.date}.", field="date",
                       code="no_standard")
    criteria = selectors.version_criteria(version)
    # Which part of the standard it gives (the site's, or a department's), and whether this person may give it.
    part = check_part(user=user, key=payload.department, departments=departments, criteria=criteria)
    row = part.department
    department = (Department(pk=row.id, key=row.key, name=row.name, submitted_by=row.submitted_by)
                  if row is not None else None)  # as the answer names it, without reading it again
    department_id = row.id if row is not None else None
    earlier = (_amended_check(site=site, payload=payload, department_id=department_id, departments=departments)
               if payload.amends is not None else None)
    # An amendment keeps the photos already verified for the day (attached to the check it replaces).
    photos = (evidence_selectors.verified_photos_of_day(site_id=site.pk, day=payload.date)
              if earlier is not None else None)
    results = judge_results(criteria=criteria, results=payload.results, version_number=version.number,
                            photos=photos, problems=payload.problems, part=part.part,
                            not_applicable=not_applicable)
    check = DailyCheck(
        site=site, date=payload.date, version=version, submitted_by=user, performed_at=performed_at,
        department=department,
        received_at=now, client_id=payload.client_id or uuid.uuid4(), late=late,
        score=scoring.check_score([(r.spec.weight, r.passed) for r in results]),
        amends=earlier, amendment_reason=reason if earlier is not None else "",
    )
    supersedes = _supersession(earlier, results) if earlier is not None else None
    carried = {a.criterion_id for a in supersedes.carried} if supersedes else set()
    opens = action_services.actions_to_open(check=check, judged=results, now=now, carried=carried)
    return CheckPlan(check=check, version_number=version.number, results=results, opens=opens,
                     supersedes=supersedes)


def _lock_site_and_find_version(*, site_id: int, day) -> tuple[StandardVersion | None, dict[str, DepartmentRow],
                                                              dict[str, applicability.Mark]]:
    """The site's lock (``rollup.lock_site``'s), the version in force on ``day``, the departments (which
    part of the standard whose staff submit: ``check_parts``) and the criteria marked not applicable at the site
    that day (``applicability``: not required, refused), in one statement.

    The marks are read with the statement's snapshot, taken before it waited for the lock: a mark committed while
    it waited would not be in them. A mark's writer writes the site's row (``applicability.touch_site``), so the
    row this statement locks is then a newer version than the one its snapshot sees: the statement returns both
    versions' xmin, and when they differ the marks are read again by a statement of their own (the rare case).

    The lock comes before anything of the site is read: the day's check, its photos and its variance totals
    are read by later statements, after every earlier writer of the site finished (in READ COMMITTED a later
    statement sees what they committed). The version does not depend on the site's writers."""
    sql, params = _lock_and_version_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "site_id": site_id, "date": day})
        row = cursor.fetchone()
    if row is None:
        raise Site.DoesNotExist(site_id)
    width = rows.width(StandardVersion)
    departments = {d[1]: DepartmentRow(*d) for d in (row[width] or ())}
    locked, seen = row[width + 2], row[width + 3]
    marks = (applicability.marks_of_day(row[width + 1]) if locked == seen
             else applicability.marks_covering(site_id=site_id, day=day))
    return (rows.from_row(StandardVersion, row[:width]) if row[0] is not None else None), departments, marks


@cache
def _lock_and_version_sql() -> tuple[str, dict]:
    qn = connection.ops.quote_name
    in_force, params = version_in_force_sql("%(date)s::date")
    # A handful of rows (departments are organisational units): read whole, as JSON, with the lock.
    departments = (f"(SELECT json_agg(json_build_array(d.id, d.key, d.name, d.submitted_by)) "
                   f"FROM {qn(Department._meta.db_table)} d)")
    marks, marks_params = applicability.marks_json_sql("s.id", "%(date)s::date")
    # The xmin of the site's row as locked (the latest version, once the lock is granted) and as the statement's
    # snapshot sees it: different when a writer of the site's row committed while this statement waited.
    site_t = qn(Site._meta.db_table)
    versions = f"s.xmin::text, (SELECT o.xmin::text FROM {site_t} o WHERE o.id = s.id)"
    return (f"SELECT {rows.columns(StandardVersion, 'v')}, {departments}, {marks}, {versions} FROM {site_t} s "
            f"LEFT JOIN {qn(StandardVersion._meta.db_table)} v ON v.id = {in_force} "
            "WHERE s.id = %(site_id)s FOR UPDATE OF s"), {**params, **marks_params}


def performed_at_of(*, site, payload: CheckInput, now: dt.datetime) -> dt.datetime:
    """When a submission was done, as stored: the phone's time (a naive one read in the site's zone), not in the
    future, not before its day began at the site. A daily check's rule, and an audit's (customer.services.audits)."""
    performed_at = payload.performed_at or now
    if timezone.is_naive(performed_at):
        performed_at = timezone.make_aware(performed_at, site.tz)
    if performed_at > now + CLOCK_SKEW:
        raise AppError("performed_at is in the future.", field="performed_at", code="future_time")
    # A check of a day cannot be done before that day begins at the site (a later time is a late check).
    day_begins = dt.datetime.combine(payload.date, dt.time.min, tzinfo=site.tz)
    if performed_at < day_begins - CLOCK_SKEW:
        raise AppError(f"performed_at ({performed_at.isoformat()}) is before {payload.date} began at the site "
                       f"({site.timezone}); send when the check was done.", field="performed_at",
                       code="before_the_day")
    return performed_at.astimezone(dt.UTC)  # as the check reads back: the answer to the POST too


def _amended_check(*, site, payload: CheckInput, department_id: int | None,
                   departments: dict[str, DepartmentRow]) -> DailyCheck:
    """The check being amended, locked: it must be the site's current check for that day and part."""
    # select_for_update: two amendments of the same check cannot both succeed.
    old = DailyCheck.objects.select_for_update().filter(pk=payload.amends, site=site).first()
    if old is None:
        raise NotFound(f"Site {site.code} has no check {payload.amends} to amend.", field="amends")
    if not old.is_current:
        raise Conflict(f"Check {old.pk} was already amended; amend the current check of {old.date} instead.",
                       field="amends", code="already_amended")
    if old.date != payload.date:
        raise AppError(f"Check {old.pk} is for {old.date}, not {payload.date}; an amendment keeps the date.",
                       field="date")
    if old.department_id != department_id:
        # Each part has its own check of the day: an amendment replaces the check of the same part.
        names = {d.id: f"the {d.name} department's check" for d in departments.values()}
        whose = names.get(old.department_id, "a department's check") if old.department_id else "the site's daily check"
        raise AppError(f"Check {old.pk} is {whose}; an amendment replaces the check of its own part: send the "
                       "same department as the check it amends.", field="department", code="other_part")
    return old


def _supersession(old: DailyCheck, results: list[JudgedResult]) -> Supersession:
    """The earlier check's actions carried over rather than duplicated:
    - a criterion still failing keeps its action, open or already resolved, which moves to the new check
      (a failure the manager dealt with is not opened again because a typo elsewhere was corrected);
    - an open action whose criterion now passes is resolved by the amendment, with a note saying so; one
      whose criterion is met but not passed (its photos not verified) stays open and moves: an amendment is
      no way around the proof that resolving by hand needs.
    """
    failing = {r.spec.id for r in results if action_services.opens_action(r)}
    passed = {r.spec.id for r in results if r.passed}
    # Locked: an action being resolved by hand at this moment is waited for and then, resolved, left as its
    # resolver wrote it (a resolution's note is never replaced by the amendment's).
    earlier = list(CorrectiveAction.objects.select_for_update().filter(daily_check=old).order_by("id"))
    carried = [a for a in earlier
               if a.criterion_id in failing or (a.status == ActionStatus.OPEN and a.criterion_id not in passed)]
    resolved = [a.pk for a in earlier if a.status == ActionStatus.OPEN and a.criterion_id in passed]
    return Supersession(check=old, carried=carried, resolved=resolved)
