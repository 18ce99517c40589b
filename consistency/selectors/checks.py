"""Reading daily checks, and the criteria a check is judged by."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from backend.errors import NotFound
from sites import access

from ..models import CheckResult, CorrectiveAction, Criterion, DailyCheck, Evidence, StandardVersion


@dataclass(frozen=True, slots=True)
class CriterionRule:
    """What judging a result needs from its criterion: a plain, immutable copy."""

    id: int
    key: str
    prompt: str
    touch_point: str
    kind: str
    target: float
    comparison: str
    tolerance: float
    weight: float
    critical: bool
    photos_required: int
    unit: str
    minimum: float | None
    maximum: float | None
    department: str | None = None  # the key of its touch point's department (None: the site's daily check)


@dataclass(frozen=True)
class VersionCriteria:
    version_id: int
    number: int
    by_key: dict[str, CriterionRule]


# Released versions never change (database triggers refuse it), so their criteria are cached per process.
# The key includes published_at so that a reused primary key (a test database rolled back) is never
# mistaken for the version it replaced.
_CACHE: OrderedDict[tuple, VersionCriteria] = OrderedDict()
_CACHE_SIZE = 32
_CACHE_LOCK = threading.Lock()


def version_criteria(version: StandardVersion) -> VersionCriteria:
    cache_key = (version.pk, version.published_at, version.status)
    cacheable = not version.is_draft
    if cacheable:
        with _CACHE_LOCK:
            hit = _CACHE.get(cache_key)
            if hit is not None:
                _CACHE.move_to_end(cache_key)
                return hit
    rows = (Criterion.objects.filter(version=version)
            .order_by("touch_point__order", "order", "key")
            .values_list("id", "key", "prompt", "touch_point__key", "kind", "target", "comparison", "tolerance", "weight",
                         "critical", "photos_required", "unit", "minimum", "maximum", "touch_point__department__key"))
    found = VersionCriteria(version.pk, version.number, {row[1]: CriterionRule(*row) for row in rows})
    if cacheable:
        with _CACHE_LOCK:
            _CACHE[cache_key] = found
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return found


def criterion_versions_with_key(key: str) -> list[int]:
    """Version numbers that have a criterion with this key (to explain a key from another version)."""
    return list(Criterion.objects.filter(key=key).order_by("version__number")
                .values_list("version__number", flat=True).distinct())


def check_list(*, site, date_from: dt.date | None = None, date_to: dt.date | None = None,
               history: bool = False) -> QuerySet[DailyCheck]:
    """A site's checks, newest first; superseded ones only when ``history`` is asked for.
    The caller has already resolved ``site`` through the access rules."""
    qs = DailyCheck.objects.filter(site=site).select_related("site", "version", "submitted_by", "department")
    if not history:
        qs = qs.filter(is_current=True)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.order_by("-date", "-received_at", "-id")


def check_get(*, user, check_id: int) -> DailyCheck:
    """One check with its results, evidence and corrective actions, if the user may read its site; 404
    otherwise.

    ``check.photos``: for the day's current check, every photo of its day, whichever of the day's checks it
    was given for, since they all count for its results (``evidence_selectors.verified_photos_of_day``): an
    amendment passes on the photos of the check it replaced. A superseded check is history: its own photos.
    """
    check = (DailyCheck.objects
             .filter(pk=check_id, site__in=access.readable_sites(user))
             .select_related("site", "version", "submitted_by", "amended_by", "department")
             .prefetch_related(
                 Prefetch("results", queryset=CheckResult.objects.select_related("criterion__touch_point")
                          .order_by("criterion__touch_point__order", "criterion__order", "criterion__key")),
                 Prefetch("actions", queryset=CorrectiveAction.objects.select_related("criterion").order_by("id")),
             )
             .first())
    if check is None:
        raise NotFound(f"No check {check_id} among the sites you can see.", field="id")
    photos = Evidence.objects.select_related("criterion").order_by("created_at", "id")
    if check.is_current:
        photos = photos.filter(daily_check__site_id=check.site_id, daily_check__date=check.date)
    else:
        photos = photos.filter(daily_check=check)
    check.photos = list(photos)
    return check
