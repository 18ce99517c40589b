"""Reading the standard."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from backend.errors import NotFound

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


def version_get(*, number: int, with_contents: bool = True) -> StandardVersion:
    standard = master_standard()
    qs = StandardVersion.objects.filter(standard=standard, number=number)
    version = (_with_contents(qs) if with_contents else qs.select_related("standard")).first()
    if version is None:
        raise NotFound(f"The standard has no version {number}.", field="number")
    return version


def version_list() -> QuerySet[StandardVersion]:
    return StandardVersion.objects.filter(standard=master_standard()).select_related("standard").order_by("-number")


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
