"""Submitting a daily check, and amending one.

One check per site per local day. A second check for the day is a 409 unless it is an amendment,
which names the check it replaces and why; the earlier check stays in history (``is_current=False``,
``superseded_at``) so auditors can see what changed and when.

The hot path is written for a phone on a bad line and a network of thousands of sites: the criteria of
a released version come from a per-process cache, every result is judged in plain Python with
``scoring.judge`` and all results are written with one multi-row INSERT. Building 40 ORM instances
(and running their field preparation) cost more than the database work itself (bench/RESULTS-submit.md).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backend.errors import AppError, Conflict, FieldError, NotFound

from ..models import CheckResult, DailyCheck
from ..selectors import checks as selectors
from ..selectors import evidence as evidence_selectors
from ..selectors.standard import version_in_force
from . import actions as action_services
from . import rollup, scoring

# How far a phone's clock may run ahead of the server before ``performed_at`` counts as "in the future".
CLOCK_SKEW = dt.timedelta(minutes=10)
NOTE_MAX_LENGTH = CheckResult._meta.get_field("note").max_length
REASON_MAX_LENGTH = DailyCheck._meta.get_field("amendment_reason").max_length


@dataclass(frozen=True)
class ResultInput:
    criterion: str
    value: bool | int | float
    note: str = ""


@dataclass(frozen=True)
class CheckInput:
    """A check as the phone sent it, already checked for shape (types, finiteness, lengths, duplicates)."""

    date: dt.date
    results: list[ResultInput]
    performed_at: dt.datetime | None = None
    client_id: uuid.UUID | None = None
    amends: int | None = None
    reason: str = ""


@dataclass
class JudgedResult:
    spec: selectors.CriterionSpec
    value: float
    note: str
    met: bool
    passed: bool
    deviation: float


@dataclass
class SubmittedCheck:
    """What the API answers after a submission; built from memory, no query needed."""

    check: DailyCheck
    version_number: int
    results: list[JudgedResult]
    actions: list = field(default_factory=list)


def local_today(site, *, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(site.tz).date()


def within_late_window(*, site, day: dt.date, now: dt.datetime) -> bool:
    """Whether ``day`` is still open at ``now``: at most ``LATE_CHECK_WINDOW_DAYS`` before the site's local date.

    One window closes a day to everything that would change its numbers: a late check, an amendment, and a
    new photo for its check (``evidence.target_for_check``). After it, reports of the day stay true."""
    return (local_today(site, now=now) - day).days <= settings.LATE_CHECK_WINDOW_DAYS


def validate_check_date(*, site, day: dt.date, now: dt.datetime) -> bool:
    """Refuse a day the site cannot report; answer whether the check is late."""
    if not site.active:
        raise Conflict(f"Site {site.code} is closed (inactive): it takes no more checks.", field="code",
                       code="site_inactive")
    today = local_today(site, now=now)
    if day > today:
        raise AppError(f"{day} is in the future for site {site.code} (its local date is {today}).", field="date",
                       code="future_date")
    if day < site.opened_on:
        raise AppError(f"Site {site.code} opened on {site.opened_on}; there is no check to give for {day}.",
                       field="date", code="before_opening")
    window = settings.LATE_CHECK_WINDOW_DAYS
    if not within_late_window(site=site, day=day, now=now):
        raise AppError(f"{day} is more than {window} days ago; checks are accepted up to {window} days late.",
                       field="date", code="too_late")
    return day < today


def _coerce(spec: selectors.CriterionSpec, value, path: str) -> float:
    """The value as the float the table stores, or a FieldError naming what the criterion expects."""
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            raise _Invalid(f"{path}: {spec.key} is a yes/no criterion; send true or false.")
        return 1.0 if value else 0.0
    if isinstance(value, bool):
        raise _Invalid(f"{path}: {spec.key} expects a number, not true/false.")
    if spec.kind == "score":
        if not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())) or not 1 <= value <= 5:
            raise _Invalid(f"{path}: {spec.key} is a score; send a whole number from 1 to 5.")
        return float(value)
    if abs(value) > 1e12:
        raise _Invalid(f"{path}: {value} is out of range for {spec.key}.")
    if spec.minimum is not None and value < spec.minimum:
        raise _Invalid(f"{path}: {value:g} {spec.unit} is not a possible reading for {spec.key}; "
                       f"the lowest is {spec.minimum:g}.")
    if spec.maximum is not None and value > spec.maximum:
        raise _Invalid(f"{path}: {value:g} {spec.unit} is not a possible reading for {spec.key}; "
                       f"the highest is {spec.maximum:g}.")
    return float(value)


class _Invalid(Exception):
    pass


def judge_results(*, criteria: selectors.VersionCriteria, results: list[ResultInput],
                  version_number: int, photos: dict[int, int] | None = None) -> list[JudgedResult]:
    """Match results to the version's criteria and judge each; every problem is reported at once.

    ``photos``: verified photos per criterion id already given for the day (an amendment); a new check
    has none yet, and evidence verification re-judges ``passed`` later."""
    errors: list[FieldError] = []
    judged: list[JudgedResult] = []
    seen: set[str] = set()
    for index, item in enumerate(results):
        spec = criteria.by_key.get(item.criterion)
        if spec is None:
            elsewhere = [n for n in selectors.criterion_versions_with_key(item.criterion) if n != version_number]
            why = (f"belongs to version {', '.join(map(str, elsewhere))} of the standard, not version "
                   f"{version_number} which is in force on that date" if elsewhere
                   else f"is not a criterion of version {version_number} of the standard")
            errors.append(FieldError(f"results[{index}].criterion: {item.criterion!r} {why}.",
                                     f"results[{index}].criterion", "unknown_criterion"))
            continue
        seen.add(spec.key)
        try:
            value = _coerce(spec, item.value, f"results[{index}].value")
        except _Invalid as exc:
            errors.append(FieldError(str(exc), f"results[{index}].value", "invalid_value"))
            continue
        met, deviation = scoring.judge(spec, value)
        ok = scoring.passed(met=met, photos_required=spec.photos_required,
                            photos_verified=photos.get(spec.id, 0) if photos else 0)
        judged.append(JudgedResult(spec, value, item.note, met, ok, deviation))
    missing = [key for key in criteria.by_key if key not in seen]
    if missing:
        errors.append(FieldError(f"results: every criterion of version {version_number} needs a result; "
                                 f"missing {', '.join(missing)}.", "results", "missing_criteria"))
    if errors:
        raise AppError(errors=errors)
    return judged


def insert_results(check: DailyCheck, judged: list[JudgedResult]) -> None:
    """All results of a check in one INSERT with the values computed above (no model instances).

    On PostgreSQL the rows travel as one JSON document (``json_to_recordset``): the statement stays short
    and constant, so the driver neither re-parses hundreds of placeholders nor adapts values one by one
    (``json.dumps`` is C code). Elsewhere, one multi-row VALUES list.
    """
    qn = connection.ops.quote_name
    table = qn(CheckResult._meta.db_table)
    columns = ", ".join(qn(c) for c in ("daily_check_id", "site_id", "date", "is_current", "criterion_id",
                                        "value", "note", "met", "passed", "deviation"))
    day = connection.ops.adapt_datefield_value(check.date)
    if connection.vendor == "postgresql":
        sql = (f"INSERT INTO {table} ({columns}) SELECT %s, %s, %s::date, true, x.c, x.v, x.n, x.m, x.p, x.d "
               "FROM json_to_recordset(%s::json) AS x(c bigint, v float8, n text, m boolean, p boolean, d float8)")
        rows = json.dumps([{"c": r.spec.id, "v": r.value, "n": r.note, "m": r.met, "p": r.passed, "d": r.deviation}
                           for r in judged])
        params = [check.pk, check.site_id, day, rows]
    else:
        sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"]
                                                                     * len(judged))
        params = []
        for r in judged:
            params += [check.pk, check.site_id, day, True, r.spec.id, r.value, r.note, r.met, r.passed, r.deviation]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def check_prepare(*, site, user, payload: CheckInput, version, now: dt.datetime) -> tuple[DailyCheck, list[JudgedResult]]:
    """Everything about a submission that needs no write: the day and time checked against the site,
    every result judged against ``version`` (the version in force on the day), the score. Returns the
    check, not yet saved, and the judged results; raises the 400 that names every problem."""
    late = validate_check_date(site=site, day=payload.date, now=now)
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
    performed_at = performed_at.astimezone(dt.UTC)  # as the check reads back: the answer to the POST too
    if payload.amends is not None and not payload.reason.strip():
        raise AppError("An amendment needs a reason: say what was wrong with the earlier check.", field="reason")
    if version is None:
        raise AppError(f"No version of the standard is in force on {payload.date}.", field="date",
                       code="no_standard")
    criteria = selectors.version_criteria(version)
    # An amendment keeps the photos already verified for the day (attached to the check it replaces).
    photos = (evidence_selectors.verified_photos_of_day(site_id=site.pk, day=payload.date)
              if payload.amends is not None else None)
    judged = judge_results(criteria=criteria, results=payload.results, version_number=version.number, photos=photos)
    check = DailyCheck(
        site=site, date=payload.date, version=version, submitted_by=user, performed_at=performed_at,
        received_at=now, client_id=payload.client_id or uuid.uuid4(), late=late,
        score=scoring.check_score([(r.spec.weight, r.passed) for r in judged]),
    )
    return check, judged


def check_submit(*, site, user, payload: CheckInput, now: dt.datetime | None = None) -> SubmittedCheck:
    """Store a daily check (or an amendment) for ``site``, which the caller resolved for writing.

    The portable path, through the ORM: amendments, and every check on databases other than PostgreSQL.
    New checks on PostgreSQL take ``check_fast`` (same rules, fewer round trips).
    """
    now = now or timezone.now()
    # Inside an idempotent request this nests (a savepoint) in the transaction that stores the response.
    # The unique constraints decide duplicates: no look before the insert, and a refusal rolls back to
    # here, so the explanation below can still query.
    try:
        with transaction.atomic():
            # The site's lock before anything is read: an amendment judges with every photo verified before
            # it, and a photo confirmed meanwhile waits for it and then counts for it (evidence.rejudge).
            rollup.lock_site(site.pk)
            check, judged = check_prepare(site=site, user=user, payload=payload,
                                          version=version_in_force(on=payload.date), now=now)
            amended = _supersede(site=site, payload=payload, now=now) if payload.amends is not None else None
            if amended is not None:
                check.amends, check.amendment_reason = amended, payload.reason.strip()
            check.save(force_insert=True)
            insert_results(check, judged)
            opened = action_services.actions_open_for_check(check=check, judged=judged, now=now, amended=amended)
            rollup.results_changed(site_id=site.pk, dates=[payload.date], site_locked=True)
    except IntegrityError:
        conflict = check_conflict(site=site, payload=payload)
        if conflict is None:
            raise  # not a duplicate check: a bug, not the phone's fault
        raise conflict from None
    return SubmittedCheck(check=check, version_number=check.version.number, results=judged, actions=opened)


def _supersede(*, site, payload: CheckInput, now: dt.datetime) -> DailyCheck:
    """Mark the check being amended as superseded; it must be the site's current check for that day."""
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
    DailyCheck.objects.filter(pk=old.pk).update(is_current=False, superseded_at=now)
    CheckResult.objects.filter(daily_check_id=old.pk).update(is_current=False)
    old.is_current, old.superseded_at = False, now
    return old


def check_conflict(*, site, payload: CheckInput) -> AppError | None:
    """Which constraint refused the check: the phone's client_id stored before (or, for an amendment, the
    client_id of the check it replaces), or the day already checked."""
    if payload.client_id is not None:
        same = DailyCheck.objects.filter(site=site, client_id=payload.client_id).values_list("pk", flat=True).first()
        if same is not None and same == payload.amends:
            return AppError(f"client_id {payload.client_id} is the one of check {same}, which this amendment "
                            "replaces; an amendment is a new check: give it a client_id of its own.",
                            field="client_id", code="client_id_of_amended_check")
        if same is not None:
            return Conflict(f"Check {same} already carries client_id {payload.client_id}; it was stored before.",
                            field="client_id", code="duplicate_client_id")
    current = (DailyCheck.objects.filter(site=site, date=payload.date, is_current=True)
               .values_list("pk", flat=True).first())
    if current is None:
        return None
    return Conflict(f"Site {site.code} already has check {current} for {payload.date}. To correct it, send an "
                    f"amendment: the corrected results with \"amends\": {current}, a \"reason\" and a new "
                    "\"client_id\".", field="date", code="check_exists")
