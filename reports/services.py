"""Ordering report runs, handing out download links and verifying PDFs.

Rendering itself lives in reports/runner.py (called by the Celery task); this module is what the API,
the beat schedule and ``manage.py verify_pack`` call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zoneinfo
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from backend.errors import AppError, Conflict, FieldError, Forbidden, NotFound, TooLarge
from backend.inputs import refuse_before_earliest
from sites import access
from sites.models import Region, Site

from . import conf
from .models import ReportKind, ReportRun, RunStatus

log = logging.getLogger(__name__)

DOWNLOAD_SALT = "reports.download"


# --- ordering -----------------------------------------------------------------------------------

def report_order(*, user, kind: str, date_from: dt.date, date_to: dt.date, region: str | None = None,
                 sites: Iterable[str] | None = None) -> ReportRun:
    """Validate an order against the user's scope and queue the run. Ordering is reading: an auditor
    orders packs for the sites assigned to them; a manager only for their own sites."""
    codes = list(dict.fromkeys(sites or []))
    if region and codes:
        raise AppError("Give either region or sites, not both.", field="sites")
    refuse_before_earliest(date_from, "from")
    if date_from > date_to:
        raise AppError("from must be on or before to.", field="from")
    if (date_to - date_from).days + 1 > conf.MAX_PERIOD_DAYS:
        raise AppError(f"A report covers at most {conf.MAX_PERIOD_DAYS} days.", field="to")
    region_obj, scope = _scope(user=user, kind=kind, region=region, codes=codes)
    today = _latest_local_today(scope)
    if date_to > today:
        raise AppError(f"The period may not end in the future (the latest local date of these sites is {today}).",
                       field="to")
    with transaction.atomic():
        run = ReportRun.objects.create(kind=kind, period_from=date_from, period_to=date_to, region=region_obj,
                                       requested_by=user if getattr(user, "is_authenticated", False) else None)
        if scope is not None:
            # A region's sites too, as they are now: a site moved or added later neither joins the report nor
            # hands it to someone who may not read every site in it.
            run.sites.set(scope)
        transaction.on_commit(lambda: enqueue(run.id))
    return run


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


def _latest_local_today(scope: list[Site] | None) -> dt.date:
    now = timezone.now()
    zones = {s.timezone for s in scope} if scope else set(Site.objects.values_list("timezone", flat=True).distinct())
    return max((now.astimezone(zoneinfo.ZoneInfo(z)).date() for z in zones), default=now.date())


def enqueue(run_id: int) -> None:
    """Hand the run to a worker. If the broker is unreachable the run stays queued and the
    requeue sweep (backend/schedules.py) hands it over later."""
    from .tasks import render_report

    try:
        render_report.delay(run_id)
    except Exception:  # noqa: BLE001 - any broker failure: the sweep retries
        log.exception("could not queue report run %s; the requeue sweep will retry", run_id)


def scheduled_weekly_variance(*, today: dt.date | None = None) -> ReportRun:
    """The previous Monday..Sunday for the whole network."""
    today = today or timezone.now().date()
    end = today - dt.timedelta(days=today.weekday() + 1)
    return report_order(user=None, kind=ReportKind.VARIANCE, date_from=end - dt.timedelta(days=6), date_to=end)


def scheduled_monthly_packs(*, today: dt.date | None = None) -> int:
    """A compliance pack per active site for the previous calendar month."""
    today = today or timezone.now().date()
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    count = 0
    for code in Site.objects.filter(active=True, opened_on__lte=end).order_by("code").values_list("code", flat=True):
        report_order(user=None, kind=ReportKind.COMPLIANCE_PACK, date_from=start, date_to=end, sites=[code])
        count += 1
    return count


# --- download -----------------------------------------------------------------------------------

def download_filename(run: ReportRun) -> str:
    scope = run.region.code if run.region_id else "-".join(sorted(s.code for s in run.sites.all())[:3]) or "network"
    return f"touchpoint-{run.kind.replace('_', '-')}-{scope}-{run.period_from}-{run.period_to}.pdf"


def report_download(*, run: ReportRun, request=None) -> dict:
    """A short-lived link to the run's PDF. The caller got ``run`` through the scoped selector."""
    if run.status != RunStatus.DONE:
        raise Conflict(f"The report is not ready (status {run.status}).", field="status")
    seconds = settings.AWS_QUERYSTRING_EXPIRE
    filename = download_filename(run)
    if settings.STORAGE_BACKEND == "s3":
        url = default_storage.url(run.pdf_key, parameters={
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
            "ResponseContentType": "application/pdf"}, expire=seconds)
    else:
        token = signing.TimestampSigner(salt=DOWNLOAD_SALT).sign(str(run.public_id))
        url = reverse("report-file", kwargs={"token": token})
        if request is not None:
            url = request.build_absolute_uri(url)
    return {"url": url, "expires_in": seconds, "expires_at": timezone.now() + dt.timedelta(seconds=seconds),
            "filename": filename, "sha256": run.pdf_sha256, "size": run.pdf_size}


def report_file_for_token(*, token: str) -> tuple[ReportRun, IO[bytes]]:
    """The run and an open file for a signed local-storage link (the link itself is the permission)."""
    try:
        public_id = signing.TimestampSigner(salt=DOWNLOAD_SALT).unsign(token, max_age=settings.AWS_QUERYSTRING_EXPIRE)
    except signing.SignatureExpired:
        raise Forbidden("This download link has expired; ask for a new one.", field="token") from None
    except signing.BadSignature:
        raise NotFound("No such download.", field="token") from None
    run = ReportRun.objects.filter(public_id=public_id, status=RunStatus.DONE).select_related("region").first()
    if run is None:
        raise NotFound("No such download.", field="token")
    return run, default_storage.open(run.pdf_key, "rb")


# --- verification -------------------------------------------------------------------------------

def report_verify(*, fileobj: IO[bytes]) -> dict:
    """Is this exactly a PDF Touchpoint produced? Looked up by SHA-256; one changed byte fails."""
    digest, size = hashlib.sha256(), 0
    while chunk := fileobj.read(1024 * 1024):
        size += len(chunk)
        if size > conf.MAX_VERIFY_BYTES:
            raise TooLarge(f"A file to verify may be at most {conf.MAX_VERIFY_BYTES} bytes.", field="file")
        digest.update(chunk)
    sha = digest.hexdigest()
    run = (ReportRun.objects.filter(pdf_sha256=sha, status=RunStatus.DONE).select_related("region")
           .prefetch_related("sites").order_by("created_at").first())
    if run is None:
        return {"verified": False, "sha256": sha, "size": size, "report": None,
                "message": "Touchpoint did not produce this exact file (it was changed, or is not ours)."}
    sites = sorted(s.code for s in run.sites.all())
    from .selectors import run_scope_label

    return {"verified": True, "sha256": sha, "size": size, "message": "This is exactly the PDF Touchpoint produced.",
            "report": {"id": str(run.public_id), "kind": run.kind, "from": run.period_from, "to": run.period_to,
                       "scope": run_scope_label(run), "region": run.region.code if run.region_id else None,
                       "sites": sites, "produced_at": run.finished_at}}
