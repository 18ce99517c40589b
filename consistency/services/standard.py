"""Head office's work on the standard: load, draft, edit and publish versions.

A version is written only while it is a draft. Publishing retires the version in force and makes the
draft the one checks are judged by from ``effective_from`` on; the retired version stays readable
forever because past checks and reports refer to it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.models import Action
from audit.services import record
from backend.bodies import UNKNOWN_FIELD, unknown_fields
from backend.errors import AppError, Conflict, FieldError, NotFound
from backend.inputs import EARLIEST_DAY

from ..models import Criterion, DailyCheck, Department, Standard, StandardVersion, TouchPoint, VersionStatus
from .standard_document import StandardDocument, document_of, parse_criterion, parse_document

MAX_DAYS_AHEAD = 366  # how far ahead a version may be published to take effect

EDITABLE_CRITERION_FIELDS = ("prompt", "target", "comparison", "tolerance", "unit", "weight", "critical",
                             "photos_required", "minimum", "maximum")


def departments_upsert(doc: StandardDocument) -> dict[str, Department]:
    """The document's departments as rows, by key: created, or renamed and re-ruled (who submits them) as the
    document says. Departments are not versioned (people belong to them); one the document leaves out stays."""
    if not doc.departments:
        return {}
    rows = Department.objects.bulk_create(
        [Department(key=d.key, name=d.name, submitted_by=d.submitted_by, order=i)
         for i, d in enumerate(doc.departments)],
        update_conflicts=True, unique_fields=["key"], update_fields=["name", "submitted_by", "order"])
    return {row.key: row for row in rows}


def _write_contents(version: StandardVersion, doc: StandardDocument) -> None:
    """Create the touch points and criteria of a draft (and upsert its departments): one INSERT per table."""
    departments = departments_upsert(doc)
    tps = TouchPoint.objects.bulk_create(
        [TouchPoint(version=version, key=tp.key, name=tp.name, why=tp.why, order=i, translations=tp.translations,
                    department=departments[tp.department] if tp.department else None)
         for i, tp in enumerate(doc.touch_points)]
    )
    Criterion.objects.bulk_create(
        [
            Criterion(version=version, touch_point=tp_obj, order=j, key=c.key, prompt=c.prompt, kind=c.kind,
                      target=c.target, comparison=c.comparison, tolerance=c.tolerance, unit=c.unit,
                      weight=c.weight, critical=c.critical, photos_required=c.photos_required,
                      minimum=c.minimum, maximum=c.maximum, translations=c.translations)
            for tp_obj, tp in zip(tps, doc.touch_points, strict=True)
            for j, c in enumerate(tp.criteria)
        ]
    )


def _require_draft(version: StandardVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise Conflict(f"Version {version.number} is {version.status} and can never change; "
                       "draft a new version to make changes.", field="status", code="version_immutable")


@transaction.atomic
def version_create_from_document(*, doc: StandardDocument, user=None) -> StandardVersion:
    standard, created = Standard.objects.get_or_create(slug=doc.slug, defaults={"name": doc.name})
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if not created and standard.name != doc.name:
        standard.name = doc.name
        standard.save(update_fields=["name"])
    if standard.versions.filter(status=VersionStatus.DRAFT).exists():
        raise Conflict(f"Standard {standard.slug!r} already has a draft; publish or delete it first.",
                       field="status", code="draft_exists")
    number = (standard.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = StandardVersion.objects.create(standard=standard, number=number, notes=doc.notes, created_by=user)
    _write_contents(version, doc)
    record(Action.STANDARD_EDITED, actor=user, target=version, data=_edited(version, "created from a document"))
    return version


@transaction.atomic
def version_draft(*, standard: Standard, user=None, notes: str = "") -> StandardVersion:
    """A new draft that starts as a copy of the published version (or of the latest, if none is)."""
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if standard.versions.filter(status=VersionStatus.DRAFT).exists():
        raise Conflict("There is already a draft; edit it, publish it or delete it.", field="status",
                       code="draft_exists")
    source = (standard.versions.filter(status=VersionStatus.PUBLISHED).first()
              or standard.versions.order_by("-number").first())
    number = (standard.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = StandardVersion.objects.create(standard=standard, number=number, created_by=user,
                                           notes=notes or (f"Copy of version {source.number}" if source else ""))
    if source is not None:
        source = StandardVersion.objects.prefetch_related("touch_points__criteria", "touch_points__department").get(
            pk=source.pk)
        # Its contents only: the draft's notes are its own (the source's were bounded by rules of their day).
        _write_contents(draft, parse_document({**document_of(source), "notes": ""}))
    record(Action.STANDARD_EDITED, actor=user, target=draft,
           data=_edited(draft, f"drafted from version {source.number}" if source else "drafted empty"))
    return draft


@transaction.atomic
def version_replace_contents(*, version: StandardVersion, doc: StandardDocument, user=None) -> StandardVersion:
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    if doc.slug != version.standard.slug:
        raise AppError(f"This draft belongs to standard {version.standard.slug!r}, not {doc.slug!r}.",
                       field="standard.slug")
    if doc.name != version.standard.name:
        # The name is the standard's, shown with every version, released ones too: a draft's document that
        # named it otherwise was accepted, and the name left as it was.
        raise AppError(f"The standard is named {version.standard.name!r}, not {doc.name!r}, and a draft cannot "
                       "rename it: its released versions carry the name too.", field="standard.name")
    before = _edited(version, "")
    version.criteria.all().delete()
    version.touch_points.all().delete()
    version.notes = doc.notes
    version.save(update_fields=["notes"])
    _write_contents(version, doc)
    record(Action.STANDARD_EDITED, actor=user, target=version,
           data={**_edited(version, "contents replaced"), "before": before})
    return version


@transaction.atomic
def criterion_update(*, version: StandardVersion, key: str, changes: dict, user=None) -> Criterion:
    """Edit one criterion of a draft. The merged result is validated as the loader would."""
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    criterion = version.criteria.filter(key=key).first()
    if criterion is None:
        raise NotFound(f"Version {version.number} has no criterion {key!r}.", field="key")
    unknown = unknown_fields(changes, EDITABLE_CRITERION_FIELDS, what="a criterion field that can be changed")
    if unknown:
        raise AppError(errors=[FieldError(f"{name}: {message}", name, UNKNOWN_FIELD) for name, message in unknown.items()])
    merged = {f: getattr(criterion, f) for f in EDITABLE_CRITERION_FIELDS}
    merged.update(changes, key=criterion.key, kind=criterion.kind)
    spec = parse_criterion(merged)
    changed = {f: {"before": getattr(criterion, f), "after": getattr(spec, f)} for f in EDITABLE_CRITERION_FIELDS
               if getattr(criterion, f) != getattr(spec, f)}
    for f in EDITABLE_CRITERION_FIELDS:
        setattr(criterion, f, getattr(spec, f))
    criterion.save()
    record(Action.STANDARD_EDITED, actor=user, target=version,
           data={"version": version.number, "what": f"criterion {key} edited", "criterion": key, "changes": changed})
    return criterion


@transaction.atomic
def version_delete_draft(*, version: StandardVersion, user=None) -> None:
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    record(Action.STANDARD_DISCARDED, actor=user, target=version, data=_edited(version, "draft deleted"))
    version.criteria.all().delete()
    version.touch_points.all().delete()
    version.delete()


def _earliest_effective_day(current: StandardVersion | None) -> tuple[dt.date, str]:
    """The first day a newly published version may take effect, and what holds it there: not before the version
    in force took effect (it can never be withdrawn), and after the last day that has a check (checks already
    submitted stay judged by the version they were filled against); never before EARLIEST_DAY (year 1, typed for
    2026, could never be undone)."""
    day, reason = EARLIEST_DAY, f"nothing Touchpoint records is dated before {EARLIEST_DAY}."
    if current is not None and current.effective_from > day:
        day, reason = current.effective_from, (f"version {current.number}, in force, took "
                                                  f"effect on {current.effective_from}.")
    last_checked = DailyCheck.objects.aggregate(last=Max("date"))["last"]
    if last_checked is not None and last_checked >= day:
        day, reason = (last_checked + dt.timedelta(days=1),
                       f"checks up to {last_checked} were judged by the version in force then, and stay judged by it.")
    return day, reason


@transaction.atomic
def version_publish(*, version: StandardVersion, user=None, effective_from: dt.date | None = None) -> StandardVersion:
    """Retire the version in force and publish this draft, atomically, to take effect on ``effective_from``; by
    default on the earliest day it can from today on (today, unless a site already has a check for today, or
    for a later day in a time zone ahead of the server's).

    The standard row is locked so two head-office users publishing at once cannot both win; the partial
    unique constraint on (standard) WHERE status='published' backs that up in the database.
    """
    Standard.objects.select_for_update().get(pk=version.standard_id)
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    if not version.criteria.exists():
        raise AppError("A version needs at least one criterion before it can be published.", field="touch_points")
    now = timezone.now()
    today = timezone.localdate(now)
    current = StandardVersion.objects.filter(standard_id=version.standard_id, status=VersionStatus.PUBLISHED).first()
    earliest, held_back_by = _earliest_effective_day(current)
    # A published version can never be withdrawn, and a later one may not take effect before it: a typo of
    # the year (2062) would freeze the standard for decades.
    latest_allowed = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    if effective_from is None:
        effective_from = max(today, earliest)
        given = f"The earliest day version {version.number} can take effect, {effective_from},"
    else:
        given = f"effective_from {effective_from}"
    if effective_from > latest_allowed:
        raise AppError(f"{given} is not within {MAX_DAYS_AHEAD} days: a version takes effect on or before "
                       f"{latest_allowed} (a published version cannot be withdrawn).", field="effective_from")
    if effective_from < earliest:
        raise AppError(f"{given} is too early: {held_back_by} The earliest day version {version.number} can take "
                       f"effect is {earliest}.", field="effective_from")
    if current:
        StandardVersion.objects.filter(pk=current.pk).update(status=VersionStatus.RETIRED, retired_at=now)
    StandardVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.PUBLISHED, published_at=now, published_by=user, effective_from=effective_from
    )
    version.refresh_from_db()
    record(Action.STANDARD_PUBLISHED, actor=user, target=version,
           data={"version": version.number, "effective_from": effective_from,
                 "retired": current.number if current else None})
    return version


def _edited(version: StandardVersion, what: str) -> dict:
    """What the audit trail keeps of a draft's contents: enough to see what changed, not the document."""
    return {"version": version.number, "what": what, "notes": version.notes,
            "touch_points": version.touch_points.count(), "criteria": version.criteria.count()}

