"""Reading the standard."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from backend.errors import NotFound
from sites import access
from sites.models import Site

from ..models import Criterion, Standard, StandardVersion, TouchPoint, VersionStatus


def master_standard() -> Standard:
    standard = Standard.objects.order_by("id").first()
    if standard is None:
        raise NotFound("No standard has been loaded yet; head office loads one with manage.py load_standard.")
    return standard


def _contents() -> Prefetch:
    # Two queries for the whole tree, however many touch points and criteria it has.
    return Prefetch("touch_points", queryset=TouchPoint.objects.order_by("order", "key").prefetch_related(
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
    version = _in_force(on).select_related("standard").first()
    upcoming = _released().filter(effective_from__gt=on).order_by("effective_from", "published_at").first()
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


def _released() -> QuerySet[StandardVersion]:
    """Released versions are published or retired; drafts are never in force."""
    return StandardVersion.objects.exclude(status=VersionStatus.DRAFT)


def _in_force(on: dt.date) -> QuerySet[StandardVersion]:
    return _released().filter(effective_from__lte=on).order_by("-effective_from", "-published_at")


def version_in_force(*, on: dt.date, standard_id: int | None = None) -> StandardVersion | None:
    """The released version whose period covers ``on``: the latest effective_from on or before it."""
    qs = _in_force(on)
    if standard_id is not None:
        qs = qs.filter(standard_id=standard_id)
    return qs.first()
