"""Reading the standard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from backend.compiled import CompiledQuery, inlined_sql
from backend.errors import NotFound
from sites import access
from sites.models import Site

from ..models import Criterion, Standard, StandardVersion, TouchPoint, VersionStatus
from ..services.translation import supported, translated


def master_standard() -> Standard:
    standard = Standard.objects.order_by("id").first()
    if standard is None:
        raise NotFound("No standard has been loaded yet; head office loads one with manage.py load_standard.")
    return standard


def _contents() -> Prefetch:
    # Two queries for the whole tree, however many touch points and criteria it has.
    return Prefetch("touch_points", queryset=TouchPoint.objects.select_related("department").order_by(
        "order", "key").prefetch_related(
        Prefetch("criteria", queryset=Criterion.objects.order_by("order", "key"))
    ))


def _with_contents(qs: QuerySet[StandardVersion]) -> QuerySet[StandardVersion]:
    return qs.select_related("standard").prefetch_related(_contents())


def version_current(*, on: dt.date) -> StandardVersion:
    """The version checks of day ``on`` are judged by: what a phone fills in that day (its contents are
    loaded by :func:`load_contents`, once the caller knows it needs them).

    Not simply the published one: head office may publish a version that takes effect on a later day, and
    until then the version it replaced stays in force. ``version.upcoming`` is the released version that
    takes effect after ``on`` (None if there is none), so that a phone can tell a change is coming.
    """
    version = versions_in_force(on=on).select_related("standard").first()
    # The next version to take effect: of several effective the same day, the one in force then.
    upcoming = (released_versions().filter(effective_from__gt=on)
                .order_by("effective_from", *IN_FORCE_ORDER[1:]).first())
    if version is None:
        if upcoming is not None:
            raise NotFound(f"No version of the standard is in force on {on}; version {upcoming.number} takes "
                           f"effect on {upcoming.effective_from}.", field="date")
        raise NotFound("No version of the standard has been published yet.")
    version.upcoming = upcoming
    return version


def load_contents(version: StandardVersion) -> StandardVersion:
    """The version's touch points and criteria, in two queries however many there are."""
    prefetch_related_objects([version], _contents())
    return version


def _visible(user, qs: QuerySet[StandardVersion]) -> QuerySet[StandardVersion]:
    """Drafts are head office's work in progress: other roles see released versions only. No user: all."""
    if user is not None and not access.is_head_office(user):
        qs = qs.exclude(status=VersionStatus.DRAFT)
    return qs


def version_get(*, number: int, with_contents: bool = True, user=None) -> StandardVersion:
    """Version ``number`` (as ``user`` may see it: a draft is 404 to anyone but head office)."""
    qs = _visible(user, StandardVersion.objects.filter(standard=master_standard(), number=number))
    version = (_with_contents(qs) if with_contents else qs.select_related("standard")).first()
    if version is None:
        raise NotFound(f"The standard has no version {number}.", field="number")
    return version


def version_list(*, user) -> QuerySet[StandardVersion]:
    return (_visible(user, StandardVersion.objects.filter(standard=master_standard()))
            .select_related("standard").order_by("-number"))


def checklist_day(*, user, site: Site | None = None, day: dt.date | None = None) -> dt.date:
    """The day whose checklist ``/standard/current/`` answers: ``day``; else the local today of ``site`` or,
    for a user who reads exactly one site, of that site (a phone's case); else today on the server's clock."""
    if day is not None:
        return day
    if site is None:
        sites = list(access.readable_sites(user)[:2])
        site = sites[0] if len(sites) == 1 else None
    return timezone.localtime(timezone.now(), site.tz).date() if site is not None else timezone.localdate()


# The one rule of which version judges a day, written once: of the released versions that took effect on or
# before the day, the latest effective_from; of several effective the same day, the last published (then the
# highest number, so that the answer never depends on the order rows come back in). A released version always
# has effective_from, published_at and criteria (publishing refuses an empty draft; migration 0002's triggers
# keep its criteria). Every reader derives from it: ``version_in_force`` (the ORM), ``version_in_force_sql`` (a
# subquery for hand-written SQL, compiled from the same queryset) and ``variance.timeline.Timeline`` (loaded in
# this order).
IN_FORCE_ORDER = ("-effective_from", "-published_at", "-number")


def released_versions() -> QuerySet[StandardVersion]:
    """Released versions are published or retired; drafts are never in force."""
    return StandardVersion.objects.exclude(status=VersionStatus.DRAFT)


def versions_in_force(*, on) -> QuerySet[StandardVersion]:
    """The versions that could judge day ``on`` (a date, or an expression such as ``OuterRef``), the one in
    force first."""
    return released_versions().filter(effective_from__lte=on).order_by(*IN_FORCE_ORDER)


def version_in_force(*, on: dt.date) -> StandardVersion | None:
    """The version checks of day ``on`` are judged by; None before the first version took effect."""
    return _IN_FORCE.first(on)


# Compiled with this day, which the generated SQL then replaces by the caller's day or expression.
_SENTINEL_DAY = dt.date(1, 1, 1)
# Asked by every submission: the SQL of ``versions_in_force(...)[:1]``, compiled once (backend.compiled).
_IN_FORCE = CompiledQuery(lambda day: versions_in_force(on=day)[:1], _SENTINEL_DAY)


def version_in_force_sql(day: str) -> tuple[str, dict]:
    """The id of the version in force on ``day`` (an SQL expression of type date) as a scalar subquery, for
    statements with named parameters, and the parameters it adds (named ``in_force_<n>``): the SQL of
    :func:`version_in_force`'s queryset as Django compiles it, so the two cannot differ."""
    return inlined_sql(versions_in_force(on=_SENTINEL_DAY).values("id")[:1],
                       lambda value: day if value == _SENTINEL_DAY else None, prefix="in_force")

class StandardTexts:
    """The texts of some versions of the standard in one language, by key: a touch point's ``name`` and ``why``,
    a criterion's ``prompt``, each by the one rule (services.translation.translated). For what is printed away
    from the database (the PDFs): looked up by version where the wording differs between versions, else as
    the latest of them words it; a key it does not know keeps the text the caller has."""

    def __init__(self, language: str, by_version: dict[tuple[int, str, str], str],
                 latest: dict[tuple[str, str], str], touch_point_of: dict[tuple[int, str], str]):
        self.language, self.by_version, self.latest = language, by_version, latest
        self.touch_point_of = touch_point_of  # (version, criterion key) -> its touch point's key

    def get(self, kind: str, key: str, own: str, version: int | None = None) -> str:
        """``kind``: "name" or "why" (of touch point ``key``) or "prompt" (of criterion ``key``)."""
        if version is not None and (version, kind, key) in self.by_version:
            return self.by_version[(version, kind, key)]
        return self.latest.get((kind, key), own)

    def touch_point_names(self, version: int) -> dict[str, str]:
        """criterion key -> the name of its touch point in ``version``, in this language."""
        return {c: self.by_version[(v, "name", tp)] for (v, c), tp in self.touch_point_of.items()
                if v == version and (v, "name", tp) in self.by_version}


def standard_texts(*, language: str | None, numbers: Iterable[int]) -> StandardTexts:
    """The texts of versions ``numbers`` of the master standard in ``language``: two queries (none for the
    standard's own language, whose texts every caller already has)."""
    language = supported(language)
    by_version: dict[tuple[int, str, str], str] = {}
    latest: dict[tuple[str, str], str] = {}
    touch_point_of: dict[tuple[int, str], str] = {}
    numbers = sorted(set(numbers))
    if language == settings.LANGUAGE_CODE or not numbers:
        return StandardTexts(language, by_version, latest, touch_point_of)
    # Oldest first, so that the latest version's wording of a key is the one left in ``latest``.
    tps = (TouchPoint.objects.filter(version__standard__in=Standard.objects.order_by("id")[:1],
                                     version__number__in=numbers)
           .only("key", "name", "why", "translations", "version__number").select_related("version")
           .order_by("version__number"))
    for tp in tps:
        for kind in ("name", "why"):
            text = translated(tp, kind, language)
            by_version[(tp.version.number, kind, tp.key)] = latest[(kind, tp.key)] = text
    criteria = (Criterion.objects.filter(version__standard__in=Standard.objects.order_by("id")[:1],
                                         version__number__in=numbers)
                .only("key", "prompt", "translations", "version__number", "touch_point__key")
                .select_related("version", "touch_point").order_by("version__number"))
    for c in criteria:
        by_version[(c.version.number, "prompt", c.key)] = latest[("prompt", c.key)] = translated(c, "prompt", language)
        touch_point_of[(c.version.number, c.key)] = c.touch_point.key
    return StandardTexts(language, by_version, latest, touch_point_of)
