"""Reading the standard."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet

from backend.errors import NotFound

from ..models import Criterion, Standard, StandardVersion, TouchPoint, VersionStatus


def master_standard() -> Standard:
    standard = Standard.objects.order_by("id").first()
    if standard is None:
        raise NotFound("No standard has been loaded yet; head office loads one with manage.py load_standard.")
    return standard


def _with_contents(qs: QuerySet[StandardVersion]) -> QuerySet[StandardVersion]:
    # Two queries for the whole tree, however many touch points and criteria it has.
    return qs.select_related("standard").prefetch_related(
        Prefetch("touch_points", queryset=TouchPoint.objects.order_by("order", "key").prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("order", "key"))
        ))
    )


def version_current() -> StandardVersion:
    version = _with_contents(StandardVersion.objects.filter(status=VersionStatus.PUBLISHED)).order_by("id").first()
    if version is None:
        raise NotFound("No version of the standard has been published yet.")
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


def version_in_force(*, on: dt.date, standard_id: int | None = None) -> StandardVersion | None:
    """The released version whose period covers ``on``: the latest effective_from on or before it.

    Released versions are published or retired; drafts are never in force.
    """
    qs = StandardVersion.objects.exclude(status=VersionStatus.DRAFT).filter(effective_from__lte=on)
    if standard_id is not None:
        qs = qs.filter(standard_id=standard_id)
    return qs.order_by("-effective_from", "-published_at").first()
