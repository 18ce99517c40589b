"""Sites that differ: a criterion marked not applicable at a site for a period (no restroom, no delivery service).

A mark (``models.review.NotApplicable``) covers the site's local days ``starts_on`` to ``ends_on`` (both
included; no end: until further notice). On a covered day the criterion is not expected of the site: not a
pass, not a failure, no observation.

- The site's checks of the day do not ask for it, and refuse a result given for it (``check_plan`` reads the
  marks of the day with the site's lock; ``check_rules.judge_results`` refuses, naming the mark's reason and
  period). Photos it would require are not asked for either: it has no result to support.
- The variance's running totals (``rollup``) count no result of it on those days, including results stored
  before the mark was made: marks never delete results, the totals leave them out. Making or ending a mark
  rebuilds the site's totals from the first day it changes.
- The variance engine expects no observation of it on those days (``variance.engine``): the site's score is
  over the rest, and the criterion reads "n/a" where it applies to the whole period.
- Audits and mystery shops are not affected: an auditor records what they find, whatever the site's marks
  (an audit's criteria are all optional already).

THE rule of which marks cover which days is :func:`covering` (a ``Q``, so the database applies it); the SQL of
hand-written statements is compiled from it (:func:`covering_sql`), and the arithmetic of how many days of a
window a mark covers is :func:`days_covered`. Only head office writes marks; whoever reads a site reads its marks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import Case, DateField, F, Func, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import record
from backend.compiled import inlined_sql
from backend.errors import AppError, Conflict, Forbidden, NotFound
from backend.inputs import EARLIEST_DAY
from sites import access
from sites.models import Site

from ..models import Criterion, DailyCheck
from ..models.review import NotApplicable
from ..selectors.standard import released_versions, version_in_force

# How far ahead a mark may start (a site that closes its restroom for works next spring), and how long a
# mark with an end may last: beyond that, "until further notice" says it better.
MAX_DAYS_AHEAD = 366
MAX_YEARS_LONG = 10
REASON_MAX_LENGTH = NotApplicable._meta.get_field("reason").max_length


def covering(first, last=None) -> Q:
    """THE rule: the marks that cover day ``first`` (or, with ``last``, some day of [first, last]). ``first`` and
    ``last`` are dates or expressions (``OuterRef``, ``F``): every reader applies this, in the database."""
    last = first if last is None else last
    return Q(starts_on__lte=last) & (Q(ends_on__isnull=True) | Q(ends_on__gte=first))


def days_covered(starts_on: dt.date, ends_on: dt.date | None, first: dt.date,
                 last: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days of [first, last] that a mark of [starts_on, ends_on] covers (:func:`covering`'s arithmetic, as
    one span), or None when it covers none."""
    lo, hi = max(first, starts_on), last if ends_on is None else min(last, ends_on)
    return (lo, hi) if lo <= hi else None


_SENTINEL_SITE = -7919
_SENTINEL_KEY = "\x00key"
_SENTINEL_DAY = dt.date(1, 1, 1)


def _covering_queryset(columns: tuple[str, ...], with_key: bool):
    qs = NotApplicable.objects.filter(covering(_SENTINEL_DAY), site_id=_SENTINEL_SITE)
    if with_key:
        qs = qs.filter(criterion_key=_SENTINEL_KEY)
    return qs.order_by("criterion_key").values(*columns)


@cache  # compiled once per process and shape: the submission path reads it
def covering_sql(*, site: str, day: str, key: str | None = None, columns: tuple[str, ...] = ("criterion_key",),
                 prefix: str = "na") -> tuple[str, dict]:
    """The marks covering ``day`` at ``site`` (and, given, for the criterion ``key``) as a subquery for
    hand-written SQL with named parameters: ``site``, ``day`` and ``key`` are SQL expressions. It is the SQL of
    :func:`covering`'s queryset as Django compiles it, so the two cannot differ. Returns the SQL and the
    parameters it adds (named ``<prefix>_<n>``)."""
    def expression(value) -> str | None:
        if type(value) is dt.date and value == _SENTINEL_DAY:
            return day
        if type(value) is int and value == _SENTINEL_SITE:
            return site
        if value == _SENTINEL_KEY and key is not None:
            return key
        return None

    return inlined_sql(_covering_queryset(columns, key is not None), expression, prefix=prefix)


@dataclass(frozen=True)
class Mark:
    """A mark as a submission reads it (with the site's lock): enough to refuse a result and say why."""

    key: str
    reason: str
    starts_on: dt.date
    ends_on: dt.date | None


def refusal(mark, index: int) -> str:
    """Why a result for a criterion marked not applicable is refused: the mark's reason and period."""
    return _("results[%(i)s].criterion: %(key)r is not applicable at this site %(period)s (%(reason)s); "
             "send no result for it.") % {"i": index, "key": mark_key(mark), "period": period_text(mark),
                                          "reason": mark.reason}


def mark_key(mark) -> str:
    return mark.key if isinstance(mark, Mark) else mark.criterion_key


def period_text(mark) -> str:
    if mark.ends_on is None:
        return _("from %(start)s until further notice") % {"start": mark.starts_on.isoformat()}
    return _("from %(start)s to %(end)s") % {"start": mark.starts_on.isoformat(), "end": mark.ends_on.isoformat()}


def not_applicable_keys(*, site_ids, first: dt.date, last: dt.date | None = None) -> dict[int, dict[str, list]]:
    """{site id: {criterion key: [marks]}} of the marks covering ``first`` (or some day of [first, last]) at
    those sites, in one query."""
    out: dict[int, dict[str, list]] = {}
    for m in NotApplicable.objects.filter(covering(first, last), site_id__in=list(site_ids)).order_by(
            "site_id", "criterion_key", "starts_on"):
        out.setdefault(m.site_id, {}).setdefault(m.criterion_key, []).append(m)
    return out


def marks_in(*, sites: QuerySet[Site], first: dt.date, last: dt.date) -> list[NotApplicable]:
    """The marks of ``sites`` that cover some day of [first, last], in one query (what the variance engine reads).
    A mark of an inactive site (expected only on the days it checked) carries ``checked``: the days of [first,
    last] it covers that have the site's own check; of an active site, None."""
    checked_days = (DailyCheck.objects.filter(site_id=OuterRef("site_id"), is_current=True, department__isnull=True,
                                              date__range=(first, last), date__gte=OuterRef("starts_on"),
                                              date__lte=Coalesce(OuterRef("ends_on"), Value(last, output_field=DateField())))
                    .order_by("date").values("date"))
    return list(NotApplicable.objects.filter(covering(first, last), site__in=sites)
                .annotate(checked=Case(When(site__active=False, then=ArraySubquery(checked_days)), default=None))
                .order_by("site_id", "criterion_key", "starts_on"))


def mark_list(*, user, site: Site | None = None, current: bool = False,
              include_all: bool = False) -> QuerySet[NotApplicable]:
    """The marks ``user`` may read (those of the sites they read), of one site if given; ``current``: only those
    that cover the site's local today or a later day (ended marks are history). ``include_all``: no reader's scope
    (a report run, whose reader was checked when it was ordered)."""
    qs = NotApplicable.objects.all() if include_all else NotApplicable.objects.filter(
        site__in=access.readable_sites(user))
    qs = qs.select_related("site", "created_by").order_by("site__code", "criterion_key", "starts_on")
    if site is not None:
        qs = qs.filter(site=site)
    if current:  # not ended before the site's local today (each site's, in its time zone)
        qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=_LocalToday(F("site__timezone"))))
    return qs


class _LocalToday(Func):
    """The date it is now in the time zone named by the expression (a site's ``timezone``), in the database."""

    template = "(now() AT TIME ZONE %(expressions)s)::date"
    output_field = DateField()


def require_head_office(user) -> None:
    if not access.is_head_office(user):
        raise Forbidden(_("Only head office marks a criterion not applicable at a site."), field="site")


def _current_keys(site: Site) -> dict[str, str]:
    """The criterion keys a mark may name today at the site: those of the version in force on its local today
    and of released versions taking effect later (a new criterion announced ahead), with their prompts."""
    today = timezone.localtime(timezone.now(), site.tz).date()
    version = version_in_force(on=today)
    versions = list(released_versions().filter(effective_from__gt=today).values_list("pk", flat=True))
    if version is not None:
        versions.append(version.pk)
    return dict(Criterion.objects.filter(version_id__in=versions).order_by("version_id").values_list("key", "prompt"))


def _check_start(site: Site, starts_on: dt.date) -> None:
    today = timezone.localtime(timezone.now(), site.tz).date()
    if starts_on < EARLIEST_DAY:
        raise AppError(_("starts_on: a day from %(day)s on.") % {"day": EARLIEST_DAY}, field="starts_on")
    if starts_on < site.opened_on:
        raise AppError(_("starts_on: site %(code)s opened on %(opened)s; a mark starts on that day or later.")
                       % {"code": site.code, "opened": site.opened_on}, field="starts_on")
    if starts_on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise AppError(_("starts_on: at most %(n)s days ahead of the site's today (%(today)s).")
                       % {"n": MAX_DAYS_AHEAD, "today": today}, field="starts_on")


def _check_end(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None:
        if ends_on < starts_on:
            raise AppError(_("ends_on: %(end)s is before the mark starts (%(start)s).")
                           % {"end": ends_on, "start": starts_on}, field="ends_on")
        if ends_on > starts_on.replace(year=starts_on.year + MAX_YEARS_LONG, day=min(starts_on.day, 28)):
            raise AppError(_("ends_on: a mark lasts at most %(n)s years; leave ends_on empty for \"until further "
                             "notice\".") % {"n": MAX_YEARS_LONG}, field="ends_on")


def _refuse_overlap(site: Site, key: str, starts_on: dt.date, ends_on: dt.date | None,
                    exclude: int | None = None) -> None:
    """409 naming the existing mark of the same site and criterion that shares a day with [starts_on, ends_on]."""
    qs = NotApplicable.objects.filter(covering(starts_on, ends_on or dt.date.max), site=site, criterion_key=key)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    other = qs.order_by("starts_on").first()
    if other is not None:
        raise Conflict(_("%(key)s is already not applicable at %(code)s %(period)s (mark %(id)s: %(reason)s); end "
                         "that mark or choose days it does not cover.")
                       % {"key": key, "code": site.code, "period": period_text(other), "id": other.pk,
                          "reason": other.reason}, field="starts_on", code="overlapping_mark")


def mark(*, user, site: Site, criterion_key: str, starts_on: dt.date, ends_on: dt.date | None,
         reason: str) -> NotApplicable:
    """Mark ``criterion_key`` not applicable at ``site`` from ``starts_on`` (to ``ends_on``), with a reason."""
    from . import rollup  # rollup reads the rule from here

    require_head_office(user)
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("reason: say why the criterion does not apply at this site."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise AppError(_("reason: at most %(n)s characters.") % {"n": REASON_MAX_LENGTH}, field="reason")
    keys = _current_keys(site)
    if criterion_key not in keys:
        raise AppError(_("criterion: %(key)r is not a criterion of the standard in force; use one of its keys "
                         "(GET /api/v1/standard/current/).") % {"key": criterion_key}, field="criterion")
    _check_start(site, starts_on)
    _check_end(starts_on, ends_on)
    with transaction.atomic():
        # The site's lock, by writing its row (touch_site): marks of a site are made one at a time (the overlap
        # check below reads after it), and the site's totals are rebuilt under it, as every writer of its days does.
        touch_site(site.pk)
        _refuse_overlap(site, criterion_key, starts_on, ends_on)
        made = NotApplicable.objects.create(site=site, criterion_key=criterion_key, starts_on=starts_on,
                                            ends_on=ends_on, reason=reason, created_by=user)
        rollup.rebuild_from(site_id=site.pk, day=starts_on, site_locked=True)
        record(Action.NOT_APPLICABLE_MARKED, actor=user, target=made, site=site, data={
            "criterion": criterion_key, "starts_on": starts_on, "ends_on": ends_on, "reason": reason})
    return made


def end(*, user, site: Site, mark_id: int, ends_on: dt.date) -> NotApplicable:
    """Set the last day a mark applies (end it, or move its end); a mark is never deleted."""
    from . import rollup

    require_head_office(user)
    with transaction.atomic():
        touch_site(site.pk)
        found = NotApplicable.objects.filter(pk=mark_id, site=site).first()
        if found is None:
            raise NotFound(_("Site %(code)s has no not-applicable mark %(id)s.") % {"code": site.code, "id": mark_id},
                           field="id")
        _check_end(found.starts_on, ends_on)
        _refuse_overlap(site, found.criterion_key, found.starts_on, ends_on, exclude=found.pk)
        # Days that change: between the old end and the new one (no end: every day after the new one).
        old = found.ends_on
        changed = min(old, ends_on) if old is not None else ends_on
        found.ends_on = ends_on
        found.save(update_fields=["ends_on"])
        rollup.rebuild_from(site_id=site.pk, day=changed + dt.timedelta(days=1), site_locked=True)
        record(Action.NOT_APPLICABLE_ENDED, actor=user, target=found, site=site, data={
            "criterion": found.criterion_key, "ends_on": {"before": old, "after": ends_on}})
    return found


def touch_site(site_id: int) -> None:
    """Lock the site's row by writing it (a new version of the row, its values unchanged), until the transaction
    ends. A submission reads the day's marks in the statement that takes this lock, with a snapshot taken before
    it waited: the new version tells it that the marks it read may be older than the lock (``check_plan``), and it
    reads them again. A plain lock (``rollup.lock_site``) would leave it none the wiser."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {connection.ops.quote_name(Site._meta.db_table)} SET id = id WHERE id = %s",
                       [site_id])
        if cursor.rowcount != 1:
            raise Site.DoesNotExist(site_id)


def marks_covering(*, site_id: int, day: dt.date) -> dict[str, Mark]:
    """The marks covering ``day`` at the site, by criterion key, read now (one query)."""
    return {m.criterion_key: Mark(m.criterion_key, m.reason, m.starts_on, m.ends_on)
            for m in NotApplicable.objects.filter(covering(day), site_id=site_id)}


def marks_of_day(cursor_row_json) -> dict[str, Mark]:
    """The marks of a day as the submission's lock statement returns them (JSON [[key, reason, starts, ends]])."""
    out = {}
    for key, reason, starts, ends in cursor_row_json or ():
        out[key] = Mark(key, reason, dt.date.fromisoformat(starts), dt.date.fromisoformat(ends) if ends else None)
    return out


def marks_json_sql(site: str, day: str) -> tuple[str, dict]:
    """A scalar subquery: the marks covering ``day`` at ``site`` as JSON, for the submission's lock statement."""
    inner, params = covering_sql(site=site, day=day, columns=("criterion_key", "reason", "starts_on", "ends_on"))
    return (f"(SELECT json_agg(json_build_array(m.criterion_key, m.reason, m.starts_on, m.ends_on)) "
            f"FROM {inner} m)"), params
