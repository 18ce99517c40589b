"""About 60 days of realistic daily checks for the demo sites, stored through the submission service.

Sites differ, so that every feature of the daily checks shows on a fresh ``make run``:

- most sites are good, with everyday slips;
- a few are weak on restrooms (cleanliness and odour below target: failed critical criteria, actions);
- one is slow on deliveries; one skips days (missed days); one submits late (a day or two after);
- one amends a check now and then (the superseded check stays in history);
- accounting's own staff (the demo person ``accounts``) give the invoicing touch point of every site, in a
  check of their own, mostly the same evening, now and then the next day; one site's invoices go wrong often.

Deterministic (one random stream per site and day) and safe to run twice: a day that has a check is left
alone, so a second run only adds the days since the first.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sites.models import Site

from .demo_not_applicable import without_not_applicable
from .models import CorrectiveAction, DailyCheck, Department
from .selectors import checks as check_selectors
from .selectors.standard import version_in_force
from .services.check_parts import DepartmentRow, part_keys
from .services.check_plan import check_plan
from .services.check_write import check_write
from .services.checks import (
    CheckInput,
    ResultInput,
    check_submit,
)


@dataclass(frozen=True)
class Habit:
    """How a site tends to do: a base pass rate and weaker touch points."""

    pass_rate: float = 0.93
    weak: tuple[str, ...] = ()        # touch point keys (or criterion key prefixes) done badly
    weak_rate: float = 0.45
    skip_rate: float = 0.0            # share of days without a check
    late_days: int = 0                # checks arrive this many days after the day
    amend_every: int = 0              # every n-th day the check is amended


HABITS: dict[str, Habit] = {
    "CHC-01": Habit(weak=("restroom",)),
    "MEL-02": Habit(weak=("restroom",), weak_rate=0.55),
    "SEA-01": Habit(pass_rate=0.88, weak=("restroom",)),
    "LAX-01": Habit(weak=("delivery",), weak_rate=0.35),
    "BOS-02": Habit(skip_rate=0.3),
    "MAN-02": Habit(late_days=2),
    "WLG-01": Habit(amend_every=9),
}
DEFAULT = Habit()
# Accounting's habits per site (its staff report invoicing for every site): one site's invoices go wrong often.
ACCOUNTING_HABITS: dict[str, Habit] = {"MAN-01": Habit(weak=("invoice",), weak_rate=0.5)}
ACCOUNTING = Habit(pass_rate=0.92, skip_rate=0.03)
ACCOUNTING_LATE_RATE = 0.2  # checks given the next morning


def _value(spec: check_selectors.CriterionRule, good: bool, rng: random.Random):
    """A value that meets (or misses) the criterion's target, with plausible spread."""
    if spec.kind == "boolean":
        return good
    if spec.kind == "score":
        low = int(spec.target)
        return rng.randint(low, 5) if good else rng.randint(max(1, low - 2), max(1, low - 1))
    band = spec.tolerance
    scale = max(abs(spec.target) * 0.25, band * 2, 2.0)
    if spec.comparison == "lte":
        value = spec.target + (rng.uniform(-scale, band) if good else rng.uniform(band + 0.5, band + scale * 2))
        value = max(0.0, value)
    else:
        value = spec.target - (rng.uniform(-scale, band) if good else rng.uniform(band + 0.5, band + scale * 2))
        if spec.unit == "%":
            value = min(100.0, value)
    return round(value, 1) if spec.unit not in ("rings", "invoices", "days") else round(value)


def _results(criteria: check_selectors.VersionCriteria, habit: Habit, rng: random.Random) -> list[ResultInput]:
    out = []
    for spec in criteria.by_key.values():
        weak = any(spec.touch_point == w or spec.key.startswith(w) for w in habit.weak)
        good = rng.random() < (habit.weak_rate if weak else habit.pass_rate)
        value = _value(spec, good, rng)
        note = "" if good else rng.choice(["", "Short-staffed this morning.", "Raised with the team.",
                                           "Supplier issue.", ""])
        out.append(ResultInput(spec.key, value, note))
    return out


def _part(results: list[ResultInput], keys: frozenset[str]) -> list[ResultInput]:
    return [r for r in results if r.criterion in keys]


def seed_history(*, days: int = 60, now: dt.datetime | None = None, site_codes: list[str] | None = None) -> dict:
    """Store up to ``days`` days of checks (before each site's local today) for the demo sites."""
    from sites.demo import ACCOUNTS_USERNAME, demo_site_codes

    now = now or timezone.now()
    codes = site_codes or demo_site_codes()
    sites = list(Site.objects.filter(code__in=codes, active=True).order_by("code"))
    User = get_user_model()
    managers = {u.username: u for u in User.objects.filter(username__in=[f"manager.{s.code.lower()}" for s in sites])}
    fallback = User.objects.filter(is_superuser=True).order_by("id").first()
    have = set(DailyCheck.objects.filter(site__in=sites).values_list("site_id", "date", "department_id"))
    departments = {d.key: DepartmentRow(d.pk, d.key, d.name, d.submitted_by) for d in Department.objects.all()}
    accounting = departments.get("accounting")
    accounts = User.objects.filter(username=ACCOUNTS_USERNAME).first()
    if accounting is None or not accounting.by_its_staff or accounts is None:
        accounting = None  # a standard without accounting's own checks: the site's check has every criterion
    versions: dict[dt.date, object] = {}
    stored = amended = 0
    for site in sites:
        tz = zoneinfo.ZoneInfo(site.timezone)
        today = now.astimezone(tz).date()
        habit = HABITS.get(site.code, DEFAULT)
        user = managers.get(f"manager.{site.code.lower()}") or fallback
        planned: list[tuple[CheckInput, dt.datetime, object]] = []
        amendments: list[tuple[dt.date, CheckInput, dt.datetime]] = []
        for back in range(days, 0, -1):
            day = today - dt.timedelta(days=back)
            if day < site.opened_on:
                continue
            if accounting is not None and (site.pk, day, accounting.id) not in have:
                accounts_check = _accounting_check(site, day, versions, departments, accounting, now=now, tz=tz)
                if accounts_check is not None:
                    planned.append((*accounts_check, accounts))
            if (site.pk, day, None) in have:
                continue
            rng = random.Random(f"{site.code}/{day.isoformat()}")
            if rng.random() < habit.skip_rate:
                continue
            arrives = dt.datetime.combine(day + dt.timedelta(days=habit.late_days),
                                          dt.time(8, rng.randint(0, 59)), tzinfo=tz)
            if arrives > now:
                continue  # a late site's most recent days have not arrived yet
            if day not in versions:
                versions[day] = version_in_force(on=day)
            if versions[day] is None:
                continue
            criteria = check_selectors.version_criteria(versions[day])
            own = part_keys(criteria, departments, None)  # the site's part: accounting's is its staff's
            performed = dt.datetime.combine(day, dt.time(7, rng.randint(30, 59)), tzinfo=tz)
            planned.append((CheckInput(date=day, results=_part(_results(criteria, habit, rng), own),
                                       performed_at=performed), arrives, user))
            if habit.amend_every and back % habit.amend_every == 0:
                amendments.append((day, CheckInput(
                    date=day, results=_part(_results(criteria, DEFAULT, rng), own), performed_at=performed,
                    reason="Re-checked after the morning briefing; the first entry had the wrong values."),
                    arrives + dt.timedelta(hours=3)))
        stored += _store_site_history(site=site, planned=planned)
        for day, payload, arrives in amendments:
            # Amendments go through the submission service itself, as the phone would send them.
            first = DailyCheck.objects.get(site=site, date=day, is_current=True, department__isnull=True)
            check_submit(site=site, user=user, now=arrives, payload=CheckInput(
                date=day, results=payload.results, performed_at=payload.performed_at, amends=first.pk,
                reason=payload.reason))
            amended += 1
    return {"checks": stored, "amendments": amended, "sites": len(sites)}


def _accounting_check(site, day: dt.date, versions: dict, departments: dict[str, DepartmentRow],
                      accounting: DepartmentRow, *, now: dt.datetime, tz) -> tuple[CheckInput, dt.datetime] | None:
    """Accounting's check of ``site`` for ``day`` (its invoicing), as its staff give it: the same evening,
    now and then the next morning (late), rarely not at all; None when there is none (yet)."""
    rng = random.Random(f"{site.code}/{day.isoformat()}/accounting")
    if rng.random() < ACCOUNTING.skip_rate:
        return None
    if rng.random() < ACCOUNTING_LATE_RATE:
        arrives = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9, rng.randint(0, 59)), tzinfo=tz)
    else:
        arrives = dt.datetime.combine(day, dt.time(17, rng.randint(0, 59)), tzinfo=tz)
    if arrives > now:
        return None
    if day not in versions:
        versions[day] = version_in_force(on=day)
    if versions[day] is None:
        return None
    criteria = check_selectors.version_criteria(versions[day])
    keys = part_keys(criteria, departments, accounting)
    if not keys:
        return None
    habit = ACCOUNTING_HABITS.get(site.code, ACCOUNTING)
    results = _part(_results(criteria, habit, rng), keys)
    return CheckInput(date=day, results=results, performed_at=arrives, department=accounting.key), arrives


@transaction.atomic
def _store_site_history(*, site, planned: list[tuple[CheckInput, dt.datetime, object]]) -> int:
    """A site's history, planned and written as a submission is (check_plan, then its one writer), in one
    transaction for the site, in day order (the site's check first): each day appends its variance totals, and
    accounting's check of the day adds its results to them."""
    planned = without_not_applicable(site, planned)  # criteria marked not applicable that day are not given
    for payload, arrives, user in sorted(planned, key=lambda p: (p[0].date, p[0].department or "")):
        if not check_write(check_plan(site=site, user=user, payload=payload, now=arrives)):
            raise RuntimeError(f"demo history: {site.code} already has a check for {payload.date} "
                               f"({payload.department or 'the site'})")
    return len(planned)


def resolve_demo_actions(*, now: dt.datetime | None = None) -> dict:
    """The history's corrective actions as a franchise deals with them: most resolved within their days, some a
    day or two late, a few past due and still open (overdue), the recent ones partly open. A criterion that
    needs photos is resolved with the photos of its fix (``demo_photos.photograph_fixes``). Deterministic per
    site, day and criterion; written directly, as the resolve service would (its per-request access checks
    cost seconds here). Safe to run twice: a resolved action stays as it is, an open one is judged again only
    by the same draw."""
    from .demo_photos import photograph_fixes

    now = now or timezone.now()
    actions = (CorrectiveAction.objects.filter(status=CorrectiveAction.Status.OPEN)
               .select_related("site", "criterion", "daily_check").order_by("id"))
    resolved, fixes = [], []
    for action in actions:
        when = _resolution_time(action, now)
        if when is None:
            continue
        action.status = CorrectiveAction.Status.RESOLVED
        action.resolved_at = when
        action.resolved_by_id = action.daily_check.submitted_by_id
        action.resolution_note = random.Random(f"{_draw(action)}/note").choice(RESOLUTION_NOTES)
        resolved.append(action)
        if action.criterion.photos_required:
            fixes.append((action, when))
    with transaction.atomic():
        photos = photograph_fixes(fixes)
        CorrectiveAction.objects.bulk_update(resolved, ["status", "resolved_at", "resolved_by", "resolution_note"])
    return {"resolved": len(resolved), "photos": photos}


RESOLUTION_NOTES = [
    "Discussed at the team briefing; checked again the next day.",
    "Cleaned and re-checked by the shift lead.",
    "Supplier called; delivery slot moved earlier.",
    "Retrained the team on the standard; spot-checked at close.",
    "Fixed the same morning; photo attached.",
]


OVERDUE_WITHIN_DAYS = 14  # no demo action is left overdue for longer: a franchise chases them


def _draw(action: CorrectiveAction) -> str:
    return f"{action.site.code}/{action.daily_check.date.isoformat()}/{action.criterion.key}"


def _resolution_time(action: CorrectiveAction, now: dt.datetime) -> dt.datetime | None:
    """When the action was dealt with, or None while it stays open: past due, all were (one in six a day or
    two late) but for some of the last ``OVERDUE_WITHIN_DAYS`` days' (overdue: being chased); not yet due,
    half of those opened before yesterday."""
    tz = action.site.tz
    today = now.astimezone(tz).date()
    rng = random.Random(_draw(action))
    opened = action.opened_at.astimezone(tz).date()
    if action.due_on < today:
        if action.due_on >= today - dt.timedelta(days=OVERDUE_WITHIN_DAYS) and rng.random() < 0.15:
            return None  # overdue
        last = action.due_on + dt.timedelta(days=rng.randint(1, 2)) if rng.random() < 1 / 6 else action.due_on
    elif opened < today - dt.timedelta(days=1) and rng.random() < 0.5:
        last = today - dt.timedelta(days=1)
    else:
        return None
    last = min(last, today - dt.timedelta(days=1))
    day = opened + dt.timedelta(days=rng.randint(min(1, (last - opened).days), max(0, (last - opened).days)))
    when = dt.datetime.combine(day, dt.time(rng.randint(10, 17), rng.randint(0, 59)), tzinfo=tz)
    return max(when, action.opened_at + dt.timedelta(hours=2))
