"""Rendering a report run: claim it, read, render, upload, record. Called by the Celery task.

- A run is claimed with one conditional UPDATE (queued -> running, or a ``running`` claim older than the
  hard time limit, whose worker must be dead), so two workers never render the same run.
- Every later write (progress, done, failed) is conditional on still holding that claim.
- Reading the data, rendering and uploading run outside any database transaction: no lock or
  connection-held transaction lives as long as a render.
- Transient storage errors give the claim back and ask the task to retry with backoff; anything else
  fails the run with its error. ``attempts`` counts claims, so a run that keeps killing its worker ends
  as failed once it reaches REPORT_MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

from botocore.exceptions import ClientError
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from alerts import reports as alert_reports
from backend import metrics
from backend.routers import replica_reads
from consistency import storage
from consistency.models import StandardVersion
from consistency.selectors.standard import standard_texts
from consistency.variance import variance_report
from customer.perception import perception_gap
from exports import runs as results_csv

from . import signing
from .archive import ArchiveError, originals_of, write_archive
from .dispatch import enqueue
from .models import ReportKind, ReportRun, RunStatus
from .packs import compliance_pack_data
from .rendering import render_compliance_pack, render_variance
from .rendering.common import DocumentMeta, version_label
from .selectors import (
    ARCHIVE_CONTENT_TYPE,
    ARCHIVE_EXTENSION,
    download_filename,
    run_scope_label,
    run_sites,
    stored_file_type,
)

log = logging.getLogger(__name__)

MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024


class TransientStorageError(Exception):
    """Storage did not answer properly; the same attempt may well work a little later."""


@dataclass(frozen=True)
class Claim:
    run_id: int
    worker: str
    at: dt.datetime

    def mine(self):
        return ReportRun.objects.filter(pk=self.run_id, status=RunStatus.RUNNING, claimed_by=self.worker,
                                        claimed_at=self.at)


def backoff_seconds(retries: int) -> float:
    """Exponential backoff with jitter: ~5 s, 10 s, 20 s ... capped at 5 minutes."""
    return min(300.0, 5.0 * 2 ** retries) * random.uniform(0.8, 1.2)


def _claimable(now: dt.datetime) -> Q:
    stale = now - dt.timedelta(seconds=settings.REPORT_STALE_AFTER)
    return Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, claimed_at__lt=stale)


def claim(*, run_id: int, worker: str) -> Claim | None:
    now = timezone.now()
    claimed = (ReportRun.objects.filter(_claimable(now), pk=run_id, attempts__lt=settings.REPORT_MAX_ATTEMPTS)
               .update(status=RunStatus.RUNNING, claimed_by=worker[:200], claimed_at=now,
                       attempts=F("attempts") + 1, started_at=now, progress=0))
    if claimed:
        return Claim(run_id, worker[:200], now)
    # Claimable but out of attempts: a poison run (it kept killing or timing out its worker). End it.
    poisoned = ReportRun.objects.filter(_claimable(now), pk=run_id, attempts__gte=settings.REPORT_MAX_ATTEMPTS).first()
    if poisoned is not None:
        last = poisoned.error or "the worker rendering it stopped without finishing (killed, out of memory " \
                                 "or over the time limit)"
        ReportRun.objects.filter(_claimable(now), pk=run_id).update(
            status=RunStatus.FAILED, finished_at=now, error=f"Gave up after {poisoned.attempts} attempts: {last}"[:5000])
        log.error("report run %s failed: out of attempts", run_id)
    return None


@metrics.timed_report_run
def run_report(*, run_id: int, worker: str) -> str:
    """Render the run if it can be claimed. Returns "done", "failed" or "skipped"; raises
    TransientStorageError when the task should retry."""
    held = claim(run_id=run_id, worker=worker)
    if held is None:
        return "skipped"
    run = ReportRun.objects.select_related("region").get(pk=run_id)
    progress = _progress_writer(held)
    key = archive_key = ""
    archive: tuple = ("", "", None)  # the photo archive's key, SHA-256 and size, if the pack was ordered with one
    try:
        progress(2)
        if run.kind == ReportKind.RESULTS_CSV:
            key, sha256, size = _store_results(run)
        else:
            with translation.override(run.language):  # the words, numbers and dates of whoever ordered it
                pdf = _render(run, progress)
            # Every PDF Touchpoint issues is signed by the franchise; the stored SHA-256 is the signed file's.
            pdf = signing.sign_pdf(pdf, run_id=str(run.public_id), kind=run.kind)
            progress(95 if run.with_photos else 99)
            key = _upload(run, pdf)
            sha256, size = hashlib.sha256(pdf).hexdigest(), len(pdf)
            if run.with_photos:
                archive = _store_archive(run, run.pack_evidence, pack_sha256=sha256, progress=progress)
                archive_key = archive[0]
    except TransientStorageError as exc:
        _delete_quietly(key)
        _delete_quietly(archive_key)
        error = f"storage unavailable: {exc}"
        if run.attempts >= settings.REPORT_MAX_ATTEMPTS:  # ``run`` was read after the claim counted this attempt
            _fail(held, f"Gave up after {run.attempts} attempts: {error}")
            return "failed"
        # Give the claim back so the retry (with backoff) can take it.
        held.mine().update(status=RunStatus.QUEUED, claimed_by="", claimed_at=None, error=error[:5000])
        raise
    except SoftTimeLimitExceeded:
        _fail(held, f"Rendering took longer than the {settings.REPORT_SOFT_TIME_LIMIT} s limit.")
        return "failed"
    except Exception as exc:  # noqa: BLE001 - any other error is this run's, not the worker's
        log.exception("report run %s failed", run_id)
        _delete_quietly(key)
        _delete_quietly(archive_key)
        if isinstance(exc, signing.SigningNotConfigured):  # the worker's log has which file and why
            _fail(held, "The report could not be signed: the franchise's signing key or certificate is not "
                        "configured or cannot be read. Tell your administrator.")
            return "failed"
        if isinstance(exc, ArchiveError):  # its words name photos and sizes, nothing of the servers
            _fail(held, f"The photo archive could not be made: {exc}")
            return "failed"
        # Whoever ordered the run reads this: the kind of error, not its text (a database host, a file path);
        # the text is in the worker's log with the traceback.
        _fail(held, f"The report could not be made ({type(exc).__name__}); the worker's log has the details "
                    f"under run {run.public_id}. Ordering it again may work; if not, tell your administrator.")
        return "failed"
    with transaction.atomic():  # done, and its subscribers told (alerts.reports) when this commits
        finished = held.mine().update(status=RunStatus.DONE, progress=100, finished_at=timezone.now(), error="",
                                      pdf_key=key, pdf_sha256=sha256, pdf_size=size, archive_key=archive[0],
                                      archive_sha256=archive[1], archive_size=archive[2])
        if finished:
            alert_reports.run_done(run)
    if not finished:
        # We were too slow and our claim was taken over: the other worker's PDF is the one on record.
        _delete_quietly(key)
        _delete_quietly(archive_key)
        return "skipped"
    return "done"


def _progress_writer(held: Claim):
    def write(value: int) -> None:
        held.mine().filter(progress__lt=value).update(progress=min(int(value), 99))
    return write


def _fail(held: Claim, error: str) -> None:
    held.mine().update(status=RunStatus.FAILED, finished_at=timezone.now(), error=error[:5000])


@replica_reads()  # the render's reads: the replica when there is one (backend/routers.py)
def _render(run: ReportRun, progress) -> bytes:
    """The unsigned PDF. A compliance pack's evidence is left on ``run.pack_evidence``: what its photo archive
    holds is exactly what the pack lists."""
    meta = DocumentMeta(title="variance report" if run.kind == ReportKind.VARIANCE else "compliance pack",
                        scope=run_scope_label(run), date_from=run.period_from, date_to=run.period_to,
                        run_id=str(run.public_id), generated_at=timezone.now())
    if run.kind == ReportKind.VARIANCE:
        sites = run_sites(run)
        report = variance_report(date_from=run.period_from, date_to=run.period_to, sites=sites)
        # The same engine and scope as GET /api/v1/perception-gap/: the section's numbers are the API's.
        gap = perception_gap(sites=sites, date_from=run.period_from, date_to=run.period_to,
                             region=run.region.code if run.region_id else None)
        meta.versions = _version_labels(report.versions)
        meta.texts = standard_texts(language=run.language, numbers=report.versions)
        progress(10)
        _test_pause()
        return render_variance(report, meta=meta, perception=gap, progress=lambda p: progress(10 + p * 80 // 100))
    site = run_sites(run).get()
    pack = compliance_pack_data(site=site, date_from=run.period_from, date_to=run.period_to)
    meta.versions = [f"v{v.number}" for v in pack.versions]
    meta.texts = standard_texts(language=run.language, numbers=[v.number for v in pack.versions])
    progress(5)
    _fetch_thumbnails([*pack.evidence, *(e for audit in pack.audits for e in audit.evidence)])
    progress(15)
    _test_pause()
    run.pack_evidence = [*pack.evidence, *(e for audit in pack.audits for e in audit.evidence)]
    return render_compliance_pack(pack, meta=meta, progress=lambda p: progress(15 + p * 75 // 100))


def _test_pause() -> None:
    if settings.REPORT_TEST_RENDER_PAUSE:
        time.sleep(settings.REPORT_TEST_RENDER_PAUSE)


def _version_labels(numbers: list[int]) -> list[str]:
    found = dict(StandardVersion.objects.filter(number__in=numbers).values_list("number", "effective_from"))
    return [version_label(n, found.get(n)) for n in numbers]


def _fetch_thumbnails(evidence) -> None:
    """Read the thumbnails made at confirmation, in parallel (S3 round trips dominate otherwise).
    A missing thumbnail leaves the evidence listed without an image."""
    wanted = [e for e in evidence if e.thumbnail_key and e.hashed]  # a photo rejected on review keeps its image
    if not wanted:
        return

    def fetch(e):
        try:
            e.thumbnail = storage.read_bytes(e.thumbnail_key, max_bytes=MAX_THUMBNAIL_BYTES)
        except (storage.ObjectMissing, storage.ObjectTooLarge):
            return
        except Exception as exc:
            if _transient(exc):
                raise TransientStorageError(str(exc)) from exc
            if isinstance(exc, (OSError, ClientError)):
                return  # unreadable for good: the evidence is listed without its image
            raise

    with ThreadPoolExecutor(max_workers=max(1, min(settings.REPORT_THUMBNAIL_FETCH_THREADS, len(wanted)))) as pool:
        for _ in pool.map(fetch, wanted):
            pass


def _transient(exc: BaseException) -> bool:
    return storage.is_transient(exc)


def _store_results(run: ReportRun) -> tuple[str, str, int]:
    """A results export (exports/runs.py): the CSV, gzip-compressed into a temporary file (memory stays flat
    whatever its size), then stored. Returns the key, SHA-256 and size of the stored file."""
    with tempfile.TemporaryFile() as file:
        _, stored = results_csv.write_run_file(run, file)
        key = _upload(run, file)
    return key, stored.sha256, stored.size


def _store_archive(run: ReportRun, evidence: list, *, pack_sha256: str, progress) -> tuple[str, str, int]:
    """The pack's signed photo archive (reports/archive.py), built in a temporary file and stored next to the
    PDF. Returns its key, SHA-256 and size."""
    site = run_sites(run).get()
    with tempfile.TemporaryFile() as file:
        try:
            originals, withheld = originals_of(evidence)
            stored = write_archive(file, originals=originals, withheld=withheld, run_id=str(run.public_id),
                                   site_code=site.code, date_from=run.period_from, date_to=run.period_to,
                                   pack_sha256=pack_sha256, pack_filename=download_filename(run),
                                   progress=lambda f: progress(95 + int(f * 4)))
        except storage.ObjectMissing as exc:
            raise ArchiveError("An original photo is missing from storage; the archive is not made.") from exc
        except Exception as exc:
            if _transient(exc):
                raise TransientStorageError(str(exc)) from exc
            raise
        key = _upload(run, file, extension=ARCHIVE_EXTENSION, content_type=ARCHIVE_CONTENT_TYPE)
    return key, stored.sha256, stored.size


def _upload(run: ReportRun, data: bytes | IO[bytes], *, extension: str | None = None,
            content_type: str | None = None) -> str:
    if extension is None:
        extension, content_type = stored_file_type(run)
    # One key per attempt: a retry never overwrites (or races) what an earlier attempt may have left.
    key = f"reports/{run.kind}/{run.public_id}/attempt-{run.attempts}{extension}"
    try:
        _delete_quietly(key)  # left by this very attempt's earlier try, if any
        storage.put_new(key, io.BytesIO(data) if isinstance(data, bytes) else data, content_type=content_type)
    except Exception as exc:
        if _transient(exc):
            raise TransientStorageError(str(exc)) from exc
        raise
    return key


def _delete_quietly(key: str) -> None:
    if not key:
        return
    try:
        storage.delete(key)
    except Exception:  # noqa: BLE001 - best effort clean-up
        log.warning("could not delete %s", key, exc_info=True)


def requeue_lost(*, now: dt.datetime | None = None) -> list[int]:
    """Hand runs whose message was lost back to the workers: queued runs nobody has claimed for a while
    (the broker was down, or the filesystem broker lost a message with its worker) and running claims
    gone stale. The claim keeps a run from being rendered twice however often it is handed out."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.REPORT_STALE_AFTER)
    # A queued run given back for a retry has a recent started_at: its retry is already scheduled.
    ids = list(ReportRun.objects.filter(
        Q(status=RunStatus.QUEUED, started_at__isnull=True, created_at__lt=stale)
        | Q(status=RunStatus.QUEUED, started_at__lt=stale)
        | Q(status=RunStatus.RUNNING, claimed_at__lt=stale)).order_by("id").values_list("id", flat=True)[:1000])
    for run_id in ids:
        enqueue(run_id)
    return ids
