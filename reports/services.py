"""Ordering report runs, handing out download links and verifying PDFs.

Rendering itself lives in reports/runner.py (called by the Celery task); this module is what the API,
the beat schedule and ``manage.py verify_pack`` call. It queues renders through reports/dispatch.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone

from audit.models import Action
from audit.services import record
from backend import quotas
from backend.errors import AppError, Conflict, FieldError, Forbidden, NotFound, TooLarge
from consistency import storage
from consistency.services.period import period_check
from consistency.services.translation import supported
from sites import access
from sites.models import Region, Role, Site

from . import signing, verify_pack
from .dispatch import enqueue
from .models import ReportKind, ReportRun, RunStatus
from .selectors import (
    ARCHIVE_CONTENT_TYPE,
    ARCHIVE_EXTENSION,
    download_filename,
    run_get,
    run_scope_label,
    stored_file_type,
)

DOWNLOAD_SALT = "reports.download"
_WHAT, _RENEW = "report", "ask for the report's download again for a fresh link"


# --- ordering -----------------------------------------------------------------------------------

def report_order(*, user, kind: str, date_from: dt.date, date_to: dt.date, region: str | None = None,
                 sites: Iterable[str] | None = None, language: str | None = None,
                 schedule_key: str | None = None, with_photos: bool = False) -> ReportRun:
    """Validate an order against the user's scope and queue the run. Ordering is reading: an auditor
    orders packs for the sites assigned to them; a manager only for their own sites. ``language``: the
    request's (its Accept-Language); the PDF is written in :func:`order_language`. ``schedule_key``: a
    scheduled order's schedule and period; the run already ordered under it, if any, is returned instead.
    ``with_photos``: a compliance pack with its signed archive of original photos (:func:`may_have_originals`)."""
    quotas.check_report_quota(user)  # before anything is judged: a refused order costs one count query
    if with_photos and kind != ReportKind.COMPLIANCE_PACK:
        raise AppError("with_photos: only a compliance pack comes with a photo archive.", field="with_photos")
    if with_photos and not may_have_originals(user):
        raise Forbidden("with_photos: the original photos (with their GPS position and camera data) go to head "
                        "office and auditors only; order the pack without them.", field="with_photos")
    codes = list(dict.fromkeys(sites or []))
    if region and codes:
        raise AppError("Give either region or sites, not both.", field="sites")
    period_check(date_from, date_to)  # the one period rule: how far back, how long, not in the future
    region_obj, scope = _scope(user=user, kind=kind, region=region, codes=codes)
    if schedule_key is not None and (ordered := ReportRun.objects.filter(schedule_key=schedule_key).first()):
        return ordered
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a concurrent tick may insert the same key first
                run = ReportRun.objects.create(
                    kind=kind, period_from=date_from, period_to=date_to, region=region_obj,
                    requested_by=user if getattr(user, "is_authenticated", False) else None,
                    language=order_language(user=user, requested=language), schedule_key=schedule_key,
                    with_photos=with_photos)
        except IntegrityError:
            if schedule_key is None:
                raise
            return ReportRun.objects.get(schedule_key=schedule_key)
        if scope is not None:
            # A region's sites too, as they are now: a site moved or added later neither joins the report nor
            # hands it to someone who may not read every site in it.
            run.sites.set(scope)
        record(Action.REPORT_ORDERED, actor=user, target=run, target_id=run.public_id, site=_one_site(scope), data={
            "kind": kind, "from": date_from, "to": date_to, "region": region, "sites": sorted(s.code for s in scope or []),
            **({"with_photos": True} if with_photos else {})})
        transaction.on_commit(lambda: enqueue(run.id))
    return run


def _one_site(scope: list[Site] | None) -> str | None:
    """The site an entry about a run is filed under: its only site, if it has one."""
    return scope[0].code if scope and len(scope) == 1 else None


def order_language(*, user, requested: str | None) -> str:
    """The language a run's PDF is written in: the person's own (Profile.language) if they chose one, else the
    language their request asked for, else the default; a scheduled run (no user) is in the default."""
    if not getattr(user, "is_authenticated", False):
        return settings.LANGUAGE_CODE
    profile = access._profile(user)
    return supported((profile.language if profile is not None else "") or requested)


def _scope(*, user, kind: str, region: str | None, codes: list[str]) -> tuple[Region | None, list[Site] | None]:
    """(region, sites) the run covers; sites None means the whole network (head office only)."""
    head_office = user is None or access.is_head_office(user)
    readable = Site.objects.all() if user is None else access.readable_sites(user)
    if kind == ReportKind.COMPLIANCE_PACK:
        if region:
            raise AppError("A compliance pack is for one site: give sites: [code].", field="region")
        if len(codes) != 1:
            raise AppError("A compliance pack is for exactly one site: give sites: [code].", field="sites")
    if region:
        region_obj = Region.objects.filter(code=region).first()
        if region_obj is None and head_office:
            raise AppError(f"There is no region {region!r}.", field="region")
        if region_obj is None or not readable.filter(region=region_obj).exists():
            # Unknown or wholly someone else's: the same answer, so that region codes cannot be probed.
            raise NotFound(f"No region {region!r} among the sites you can see.", field="region")
        in_region = Site.objects.filter(region=region_obj)
        if not in_region.exists():
            raise AppError(f"Region {region!r} has no sites.", field="region")
        if not head_office and in_region.exclude(id__in=readable.values("id")).exists():
            raise Forbidden("You may order reports only for sites you can read; name them in sites.", field="region")
        return region_obj, list(in_region)
    if codes:
        found = {s.code: s for s in readable.filter(code__in=codes)}
        errors = []
        for i, code in enumerate(codes):
            if code in found:
                continue
            if head_office:
                errors.append(FieldError(f"There is no site {code!r}.", f"sites[{i}]"))
            else:
                # Unknown or someone else's: the same answer, so a manager cannot probe for sites.
                raise NotFound(f"No site {code!r} among the sites you can see.", field=f"sites[{i}]")
        if errors:
            raise AppError(errors=errors)
        return None, [found[c] for c in codes]
    if head_office:
        return None, None
    mine = list(readable)
    if not mine:
        raise Forbidden("You have no sites to report on.", field="sites")
    return None, mine


def may_have_originals(user) -> bool:
    """Whether ``user`` may order and download a pack's archive of original photos: head office and auditors. The
    originals carry what the derivatives others see leave out (the GPS position, the camera's data); the others
    who may read the pack (the site's managers and department staff) get the signed pack itself. The one rule,
    asked at order and at download."""
    return access.role_of(user) in (Role.HEAD_OFFICE, Role.AUDITOR)


def packs_affected(site_id: int, days: Iterable[dt.date | None]) -> list[ReportRun]:
    """A check of ``site_id`` on one of ``days`` was amended, or one of its photos reviewed or retaken: re-issue
    every compliance pack already issued (done) that covers it. Called by consistency's services when their
    transaction commits. Returns the runs ordered now.

    The newest issued pack of each period is re-issued: the same site, period, language and photo option,
    ``supersedes`` naming it. The old pack is left as it is (released runs never change, audit 0002): it still
    verifies, as what it was on its date. A burst of changes orders one re-issue: at most one is queued per pack
    (the ``report_one_queued_reissue`` constraint), and a change arriving while it waits is in what it renders.
    One query when no issued pack covers the days (nearly always)."""
    days = sorted({d for d in days if d is not None})
    if not days:
        return []
    covering = Q()
    for day in days:
        covering |= Q(period_from__lte=day, period_to__gte=day)
    issued = (ReportRun.objects.filter(covering, kind=ReportKind.COMPLIANCE_PACK, status=RunStatus.DONE,
                                       sites__id=site_id).order_by("period_from", "period_to", "-finished_at", "-id"))
    newest: dict[tuple[dt.date, dt.date], ReportRun] = {}
    for run in issued:
        newest.setdefault((run.period_from, run.period_to), run)
    ordered = []
    for old in newest.values():
        run = _reissue(old, site_id=site_id)
        if run is not None:
            ordered.append(run)
    return ordered


def _reissue(old: ReportRun, *, site_id: int) -> ReportRun | None:
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the re-issue already queued wins
                run = ReportRun.objects.create(kind=old.kind, period_from=old.period_from, period_to=old.period_to,
                                               language=old.language, with_photos=old.with_photos, supersedes=old)
        except IntegrityError:
            return None
        run.sites.set([site_id])
        site = Site.objects.filter(pk=site_id).values_list("code", flat=True).first()
        record(Action.REPORT_ORDERED, actor=None, target=run, target_id=run.public_id, site=site, data={
            "kind": old.kind, "from": old.period_from, "to": old.period_to, "region": None, "sites": [site],
            "reissue_of": str(old.public_id), **({"with_photos": True} if old.with_photos else {})})
        transaction.on_commit(lambda: enqueue(run.id))
    return run


# When each scheduled order falls due (UTC). The beat pokes the ordering tasks every hour
# (backend/schedules.py) and each orders the latest period that has fallen due, once (``schedule_key``): a tick
# delivered twice orders nothing new, and a tick lost while the broker was down is made up by the next one.
WEEKLY_VARIANCE_DUE = dt.time(5, 0)  # on Mondays: last Monday..Sunday
MONTHLY_PACKS_DUE = dt.time(5, 30)  # on the 1st: the previous calendar month


def last_weekly_due(now: dt.datetime) -> dt.date:
    """The Monday of the latest weekly variance order that has fallen due at ``now``."""
    now = now.astimezone(dt.UTC)
    monday = now.date() - dt.timedelta(days=now.weekday())
    return monday if now.time() >= WEEKLY_VARIANCE_DUE else monday - dt.timedelta(days=7)


def last_monthly_due(now: dt.datetime) -> dt.date:
    """The 1st of the month of the latest monthly packs order that has fallen due at ``now``."""
    now = now.astimezone(dt.UTC)
    first = now.date().replace(day=1)
    if now.date() == first and now.time() < MONTHLY_PACKS_DUE:
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def scheduled_weekly_variance(*, today: dt.date | None = None) -> ReportRun:
    """The previous Monday..Sunday for the whole network; ordered once per week however often it is asked."""
    today = today or last_weekly_due(timezone.now())
    end = today - dt.timedelta(days=today.weekday() + 1)
    start = end - dt.timedelta(days=6)
    return report_order(user=None, kind=ReportKind.VARIANCE, date_from=start, date_to=end,
                        schedule_key=f"weekly-variance:{start}")


def scheduled_monthly_packs(*, today: dt.date | None = None) -> int:
    """A compliance pack per active site for the previous calendar month, each ordered once however often
    this runs. Returns how many were ordered now."""
    today = today or last_monthly_due(timezone.now())
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    prefix = f"monthly-pack:{start:%Y-%m}:"
    # One query for what is ordered already: the hourly tick at 5,000 sites orders nothing most hours.
    ordered = set(ReportRun.objects.filter(schedule_key__startswith=prefix).values_list("schedule_key", flat=True))
    count = 0
    for code in Site.objects.filter(active=True, opened_on__lte=end).order_by("code").values_list("code", flat=True):
        if prefix + code in ordered:
            continue
        report_order(user=None, kind=ReportKind.COMPLIANCE_PACK, date_from=start, date_to=end, sites=[code],
                     schedule_key=prefix + code)
        count += 1
    return count


# --- download -----------------------------------------------------------------------------------

def report_download(*, run: ReportRun, user, request=None) -> dict:
    """A short-lived link to the run's PDF for ``user``, who got ``run`` through the scoped selector. The link
    is consistency.storage's one scheme: it names the user, whose access is checked again when it is opened."""
    if run.status != RunStatus.DONE:
        raise Conflict(f"The report is not ready (status {run.status}).", field="status")
    seconds = settings.AWS_QUERYSTRING_EXPIRE
    url = storage.signed_link(url_name="report-file", salt=DOWNLOAD_SALT, subject=[str(run.public_id)], reader=user,
                              request=request)
    # The link is the download: it is made for this user alone, and only for as long as they may read the run.
    record(Action.REPORT_DOWNLOADED, actor=user, target=run, target_id=run.public_id,
           site=_one_site(list(run.sites.all())), data={"kind": run.kind, "sha256": run.pdf_sha256}, request=request)
    return {"url": url, "expires_in": seconds, "expires_at": timezone.now() + dt.timedelta(seconds=seconds),
            "filename": download_filename(run), "sha256": run.pdf_sha256, "size": run.pdf_size}


def report_archive_download(*, run: ReportRun, user, request=None) -> dict:
    """A short-lived link to a compliance pack's signed photo archive, as ``report_download`` for its PDF: for
    ``user``, who got ``run`` through the scoped selector and may have the originals (:func:`may_have_originals`,
    403 otherwise)."""
    if not may_have_originals(user):
        raise Forbidden("The original photos (with their GPS position and camera data) go to head office and "
                        "auditors only; download the signed pack itself.", field="id")
    if not run.with_photos:
        raise NotFound("This report was ordered without its photos: order the pack again with with_photos.",
                       field="id")
    if run.status != RunStatus.DONE:
        raise Conflict(f"The report is not ready (status {run.status}).", field="status")
    seconds = settings.AWS_QUERYSTRING_EXPIRE
    url = storage.signed_link(url_name="report-file", salt=DOWNLOAD_SALT, subject=[str(run.public_id), _PHOTOS],
                              reader=user, request=request)
    record(Action.REPORT_DOWNLOADED, actor=user, target=run, target_id=run.public_id,
           site=_one_site(list(run.sites.all())), data={"kind": run.kind, "sha256": run.archive_sha256,
                                                        "file": "photos"}, request=request)
    return {"url": url, "expires_in": seconds, "expires_at": timezone.now() + dt.timedelta(seconds=seconds),
            "filename": archive_filename(run), "sha256": run.archive_sha256, "size": run.archive_size}


_PHOTOS = "photos"  # a link's second part: the run's photo archive rather than its PDF


def archive_filename(run: ReportRun) -> str:
    return download_filename(run).removesuffix(".pdf") + ARCHIVE_EXTENSION


def report_file_response(*, token: str, opener=None) -> HttpResponse:
    """The PDF (or photo archive) behind a link made by ``report_download`` (``report_archive_download``): 404 if
    the link was not made here, was altered, or its user may no longer read every site of the report (or have
    its originals); 403 once it has expired, or to another signed-in user."""
    subject, reader = storage.open_link(token, salt=DOWNLOAD_SALT, what=_WHAT, renew=_RENEW, opener=opener)
    photos = len(subject) == 2 and subject[1] == _PHOTOS
    try:
        # The scope of the user the link was made for, as of now: a link does not outlive its user's access.
        run = run_get(user=reader, public_id=subject[0]) if len(subject) == 1 or photos else None
    except (NotFound, ValueError):
        run = None
    if run is None or run.status != RunStatus.DONE or (photos and not (run.archive_key and may_have_originals(reader))):
        raise NotFound(f"token: no such {_WHAT}.", field="token")
    if photos:
        return storage.serve(run.archive_key, content_type=ARCHIVE_CONTENT_TYPE, filename=archive_filename(run),
                             as_attachment=True, what=_WHAT)
    return storage.serve(run.pdf_key, content_type=stored_file_type(run)[1], filename=download_filename(run),
                         as_attachment=True, what=_WHAT)


# --- verification -------------------------------------------------------------------------------

def report_verify(*, fileobj: IO[bytes]) -> dict:
    """Is this exactly a PDF Touchpoint produced? Looked up by SHA-256; one changed byte fails."""
    digest, size = hashlib.sha256(), 0
    while chunk := fileobj.read(1024 * 1024):
        size += len(chunk)
        if size > settings.REPORT_MAX_VERIFY_BYTES:
            raise TooLarge(f"A file to verify may be at most {settings.REPORT_MAX_VERIFY_BYTES} bytes.", field="file")
        digest.update(chunk)
    sha = digest.hexdigest()
    signature = _signature_of(fileobj)
    run = (ReportRun.objects.filter(pdf_sha256=sha, status=RunStatus.DONE).select_related("region")
           .prefetch_related("sites").order_by("created_at").first())
    if run is None:
        return {"verified": False, "sha256": sha, "size": size, "report": None, "signature": signature,
                "message": "Touchpoint did not produce this exact file (it was changed, or is not ours)."}
    sites = sorted(s.code for s in run.sites.all())
    return {"verified": True, "sha256": sha, "size": size, "message": "This is exactly the PDF Touchpoint produced.",
            "signature": signature,
            "report": {"id": str(run.public_id), "kind": run.kind, "from": run.period_from, "to": run.period_to,
                       "scope": run_scope_label(run), "region": run.region.code if run.region_id else None,
                       "sites": sites, "produced_at": run.finished_at}}


def _signature_of(fileobj: IO[bytes]) -> dict | None:
    """The file's embedded signature checked against the franchise's certificate (reports/verify_pack.py, the
    offline verifier's own code): None for a file that is not a PDF, or when no certificate is configured."""
    try:
        creds = signing.credentials()
    except signing.SigningNotConfigured:
        return None
    fileobj.seek(0)
    head = fileobj.read(5)
    if head != b"%PDF-":
        return None
    fileobj.seek(0)
    verdict = verify_pack.verify_pdf(fileobj.read(), [creds.cert, *creds.chain])
    return {"valid": verdict.valid, "signed_by": verdict.signed_by, "signing_time": verdict.signing_time,
            "covers_whole_file": verdict.covers_whole_file, "intact": verdict.intact, "trusted": verdict.trusted,
            "problems": verdict.problems}
