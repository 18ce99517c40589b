"""Photo evidence: hand out an upload, take one through the API, verify it, and re-judge the result.

Two ways in, the same checks:

- **Direct to S3** (``evidence_request`` then ``evidence_confirm``): the server chooses a unique key
  under the site and the check (or action), records what the phone declares (type, size, SHA-256) and
  hands out a presigned POST. On confirmation it streams the object back, and trusts nothing the phone
  said: size, hash, type and content are all checked on the bytes themselves.
- **Multipart through the API** (``evidence_upload``), for storage without direct uploads (local
  disk) or a phone that prefers it: the same checks run before anything is stored, and a refused file
  leaves nothing behind.

Originals are never overwritten: keys are server-chosen UUIDs, stored write-once (``storage.put_new``),
and a verdict, once reached, is final (a second confirmation answers the first verdict without looking
at the object again). A direct upload goes to a key of the phone's own (``upload_key``): its form stays
valid for minutes and an S3 POST cannot be made conditional, so the original is the server's copy of the
very bytes it verified (``storage.copy_if_unchanged``), under a key no form can write to. The downscaled
copy that reports embed is made here, once.

After a photo is verified, the result for that check and criterion is re-judged
(``scoring.passed`` with the count of verified photos), the check's score recomputed, and the variance
summaries told (``rollup.results_changed``), all in the transaction that records the verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import tempfile
import uuid
from dataclasses import dataclass
from functools import partial
from typing import IO, NamedTuple, NoReturn

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.errors import AppError, Conflict, TooLarge, Unprocessable
from sites.models import Site

from .. import storage
from ..models import CheckResult, CorrectiveAction, DailyCheck, Evidence
from ..models.checks import ActionStatus
from ..selectors import evidence as evidence_selectors
from ..selectors.checks import version_criteria
from . import evidence_trust as trust
from . import images, photo_days, rollup, scoring
from .checks import local_today, within_late_window

log = logging.getLogger(__name__)

UPLOAD_EXPIRES_SECONDS = 300
MAX_PHOTOS_PER_CRITERION = 10  # per check (or action); beyond this it is not evidence but noise
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Target:
    """What a photo is attached to: a daily check or a corrective action, on one site and local day.

    ``closed`` is why it takes no new photo (``target_for_check``, ``target_for_action``), raised by the
    services only once they know the photo is new: a retry of a photo it already has is answered with it,
    even when the window closed or the check was amended between the attempt and its retry."""

    site: Site
    daily_check: DailyCheck | None = None
    action: CorrectiveAction | None = None
    closed: AppError | None = None

    @property
    def prefix(self) -> str:
        if self.daily_check is not None:
            return f"sites/{self.site.code}/checks/{self.daily_check.pk}"
        return f"sites/{self.site.code}/actions/{self.action.pk}"

    @property
    def day(self):
        if self.daily_check is not None:
            return self.daily_check.date
        return timezone.localdate(timezone.now(), self.site.tz)

    def filter(self) -> dict:
        return {"daily_check": self.daily_check} if self.daily_check is not None else {"action": self.action}


def target_for_check(check: DailyCheck, *, now: dt.datetime | None = None) -> Target:
    """The check as a target; ``closed`` unless it takes new photos: it must be the current check of its day,
    and its day no older than ``LATE_CHECK_WINDOW_DAYS`` (the window that closes a day to late checks closes it
    to photos too: a photo verified later would rewrite a past period's score after its reports were rendered)."""
    closed = None
    now = now or timezone.now()
    if not check.is_current:
        closed = Conflict("This check has been amended; attach photos to the current check of the day.",
                          field="check", code="check_superseded")
    elif not within_late_window(site=check.site, day=check.date, now=now):
        closed = Conflict(_closed_message(check.site, check.date, now), field="check", code="check_closed")
    return Target(site=check.site, daily_check=check, closed=closed)


def _closed_message(site: Site, day, now: dt.datetime) -> str:
    window = settings.LATE_CHECK_WINDOW_DAYS
    return (f"check: the check of {day} is closed to new evidence: photos are accepted for "
            f"LATE_CHECK_WINDOW_DAYS ({window}) days after its day, and at site {site.code} it is now "
            f"{local_today(site, now=now)}. Attach photos to a check of the last {window} days; a failure put "
            "right since is shown by resolving its corrective action with a photo.")


def target_for_action(action: CorrectiveAction) -> Target:
    """The action as a target; ``closed`` once it is resolved."""
    closed = None
    if action.status != ActionStatus.OPEN:
        closed = Conflict("This corrective action is already resolved; it takes no more evidence.",
                          field="action", code="action_resolved")
    return Target(site=action.site, action=action, closed=closed)


@dataclass(frozen=True)
class CriterionRef:
    id: int
    key: str


def _criterion(target: Target, key: str | None) -> CriterionRef:
    if target.action is not None:
        criterion = target.action.criterion
        if key and key != criterion.key:
            raise AppError(f"criterion: this action is about {criterion.key!r}, not {key!r}.", field="criterion")
        return CriterionRef(criterion.pk, criterion.key)
    if not key:
        raise AppError("criterion: which criterion the photo is for is required.", field="criterion")
    # Released versions never change: their criteria come from the per-process cache, without a query.
    spec = version_criteria(target.daily_check.version).by_key.get(key)
    if spec is None:
        raise AppError(f"criterion: {key!r} is not a criterion of the standard version this check was filled "
                       "against.", field="criterion")
    return CriterionRef(spec.id, spec.key)


def _check_room(target: Target, criterion: CriterionRef) -> None:
    taken = (Evidence.objects.filter(**target.filter(), criterion_id=criterion.id)
             .exclude(status=Evidence.Status.REJECTED).count())
    if taken >= MAX_PHOTOS_PER_CRITERION:
        raise Conflict(f"criterion: {criterion.key!r} already has {taken} photos here; at most "
                       f"{MAX_PHOTOS_PER_CRITERION}.", field="criterion", code="too_many_photos")


def _already_counted(*, site_id: int, day, action_id: int | None, criterion_id: int, sha256: str,
                     exclude_pk: int | None = None) -> tuple[str, str] | None:
    """Why a photo with these very bytes would not be new evidence, as (code, message); None if it would be.

    - One photo counts once: a verified photo of the criterion with the same bytes already counts where this
      one would (for a check, any check of the site's day, as ``verified_photos_of_day`` counts them: an
      amendment counts the photos given for the check it replaces; for an action, that action).
    - The photo of a failure is no proof of its fix: for an action, the same bytes given for one of the
      site's checks, the failure's own photo included.

    Call under the site's lock, so that a concurrent retry or upload is seen."""
    where = ({"action_id": action_id} if action_id is not None
             else {"daily_check__site_id": site_id, "daily_check__date": day})
    verified = Evidence.objects.filter(criterion_id=criterion_id, sha256=sha256, status=Evidence.Status.VERIFIED)
    same = verified.filter(**where).exclude(pk=exclude_pk).values_list("public_id", flat=True).first()
    if same is not None:
        return "already_attached", f"This photo is already attached here and verified (evidence {same}); it counts once."
    if action_id is not None:
        given = verified.filter(daily_check__site_id=site_id).values_list("public_id", "daily_check__date").first()
        if given is not None:
            return "photo_of_a_check", (f"This photo was given for the check of {given[1]} (evidence {given[0]}); "
                                        "proof that the failure was put right is a photo taken since.")
    return None


def _the_same_photo_here(target: Target, criterion: CriterionRef, sha256: str) -> Evidence | None:
    """The verified photo with these very bytes already given for this check (or action) and criterion: what a
    retry of its upload is answered with. The same bytes elsewhere (another criterion, another check of the
    day, a check's photo for an action) are no retry: ``_refuse_a_second_copy`` answers those."""
    return (evidence_selectors.evidence_queryset()
            .filter(**target.filter(), criterion_id=criterion.id, sha256=sha256, status=Evidence.Status.VERIFIED)
            .order_by("id").first())


def _refuse_a_second_copy(target: Target, criterion: CriterionRef, sha256: str, *, field: str) -> None:
    """409 if these bytes would not be new evidence here (``_already_counted``)."""
    refused = _already_counted(site_id=target.site.pk, day=target.day,
                               action_id=target.action.pk if target.action is not None else None,
                               criterion_id=criterion.id, sha256=sha256)
    if refused is not None:
        raise Conflict(refused[1], field=field, code=refused[0])


def _new_key(target: Target, content_type: str) -> tuple[uuid.UUID, str]:
    public_id = uuid.uuid4()
    return public_id, f"{target.prefix}/{public_id}.{images.ALLOWED_TYPES[content_type]}"


def thumbnail_key(key: str) -> str:
    return key.rsplit(".", 1)[0] + ".thumb.jpg"


def upload_key(key: str) -> str:
    """Where the phone's direct upload for the original ``key`` lands (and only that: the form pins it)."""
    return f"uploads/{key}"


def _check_declared_size(size: int, field: str) -> None:
    if size > settings.MAX_PHOTO_BYTES:
        raise TooLarge(f"{field}: a photo may be at most {settings.MAX_PHOTO_BYTES:,} bytes; this one is "
                       f"{size:,}.", field=field)


# --- direct upload to S3 --------------------------------------------------------------------------

def evidence_request(*, user, target: Target, criterion_key: str, content_type: str, size: int,
                     sha256: str) -> tuple[Evidence, dict]:
    """A pending evidence and the presigned POST the phone uploads it with.

    A retry with the same photo (same criterion and SHA-256) while it is still pending gets the same
    evidence and key back with a fresh form, so a phone that lost the answer does not leave a trail, even
    when the retry arrives while the first request is still being answered, or once the target has closed
    (the photo was asked for in time: ``_asked_while_open``).
    """
    if not storage.direct_upload_available():
        raise Unprocessable("This server keeps photos on its own storage, without direct uploads: send the "
                            "photo as multipart (fields 'file' and 'criterion') to this same address.",
                            field="content_type", code="direct_upload_unavailable")
    _check_declared_size(size, "size")
    criterion = _criterion(target, criterion_key)
    sha256 = sha256.lower()
    with transaction.atomic():
        # The site's lock (every writer of the site's days takes it first): a retry that arrives while the
        # first request runs waits for it, then finds its evidence below.
        rollup.lock_site(target.site.pk)
        evidence = Evidence.objects.filter(**target.filter(), criterion_id=criterion.id, declared_sha256=sha256,
                                           status=Evidence.Status.PENDING, declared_content_type=content_type,
                                           declared_size=size).first()
        if evidence is None and target.closed is not None:
            raise target.closed
        _refuse_a_second_copy(target, criterion, sha256, field="sha256")
        if evidence is None:
            _check_room(target, criterion)
            public_id, key = _new_key(target, content_type)
            evidence = Evidence.objects.create(
                public_id=public_id, key=key, **target.filter(), criterion_id=criterion.id, site=target.site,
                day=target.day, uploaded_by=user, declared_content_type=content_type, declared_size=size,
                declared_sha256=sha256,
            )
    upload = storage.presigned_post(key=upload_key(evidence.key), content_type=content_type, size=size,
                                    expires_seconds=UPLOAD_EXPIRES_SECONDS)
    return evidence, upload


def evidence_confirm(*, evidence: Evidence) -> Evidence:
    """Fetch the uploaded object and verify it. Verified -> the evidence; refused -> marked rejected
    with its reason, and a 422 naming it. Nothing uploaded yet -> 409, still pending."""
    if evidence.status == Evidence.Status.VERIFIED:
        return evidence  # a retried confirmation: the verdict stands, the object is not read again
    if evidence.status == Evidence.Status.REJECTED:
        raise Conflict(f"This photo was already refused: {evidence.reject_reason} Ask for a new upload.",
                       field="id", code="evidence_rejected")
    if evidence.daily_check_id is not None and not _asked_while_open(evidence):
        # A verdict like any refusal (recorded, and counted as rejected by the settling), answered as a 409.
        _reject(evidence, "The photo was asked for after its check's day had closed to new evidence (photos are "
                          f"accepted for LATE_CHECK_WINDOW_DAYS ({settings.LATE_CHECK_WINDOW_DAYS}) days after it).",
                field="id", code="check_closed", status_code=409)
    try:
        info = storage.stat(upload_key(evidence.key))
    except storage.ObjectMissing:
        raise Conflict("No photo has been uploaded for this evidence yet: upload it with the form you were "
                       "given, then confirm.", field="id", code="not_uploaded") from None

    # Metadata first: a refusal here costs no download. Then the bytes themselves.
    if info.size > settings.MAX_PHOTO_BYTES:
        _reject(evidence, f"The uploaded file is {info.size:,} bytes; a photo may be at most "
                          f"{settings.MAX_PHOTO_BYTES:,}.")
    if info.size != evidence.declared_size:
        _reject(evidence, f"The uploaded file is {info.size:,} bytes, not the {evidence.declared_size:,} declared.")
    if info.content_type and info.content_type != evidence.declared_content_type:
        _reject(evidence, f"The file was uploaded as {info.content_type}, not the {evidence.declared_content_type} "
                          "declared.")
    with tempfile.TemporaryFile() as spool:
        try:
            fetched = storage.fetch(upload_key(evidence.key), spool, max_bytes=settings.MAX_PHOTO_BYTES)
        except storage.ObjectTooLarge:
            _reject(evidence, f"The uploaded file is over the limit of {settings.MAX_PHOTO_BYTES:,} bytes.")
        except storage.ObjectMissing:
            raise Conflict("The uploaded photo has disappeared; upload it again, then confirm.", field="id",
                           code="not_uploaded") from None
        size, sha256 = fetched.size, fetched.sha256
        if size != evidence.declared_size:
            _reject(evidence, f"The uploaded file is {size:,} bytes, not the {evidence.declared_size:,} declared.",
                    size=size, sha256=sha256)
        if sha256 != evidence.declared_sha256:
            _reject(evidence, "The file's SHA-256 does not match the one declared: the upload was altered or "
                              "incomplete.", size=size, sha256=sha256)
        try:
            facts = images.inspect_photo(spool, declared_type=evidence.declared_content_type)
        except images.NotAcceptable as refusal:
            _reject(evidence, str(refusal), size=size, sha256=sha256)
    return _accept(evidence.pk, fetched=fetched, facts=facts)


def _asked_while_open(evidence: Evidence) -> bool:
    """Whether a check's photo was asked for while its day was open (``target_for_check``).

    The request decides, not the confirmation: a photo asked for in time is judged when its confirmation
    arrives, even after the window closed (the phone got a line back later). That is fair - the request
    declared the photo's SHA-256, so those exact bytes existed while the day was open - and bounded: no
    request can be made after the window, and the hourly ``settle_unconfirmed`` gives every request its
    verdict within ``UNCONFIRMED_PHOTO_HOURS``, so a day's numbers stop moving about that long after its
    window closed (while the scheduler runs). A request made after the day closed (only one recorded before
    this rule) is refused."""
    day = evidence.day or evidence.daily_check.date
    return within_late_window(site=evidence.site, day=day, now=evidence.created_at)


def _reject(evidence: Evidence, reason: str, *, size: int | None = None, sha256: str = "", field: str = "file",
            code: str = "photo_rejected", status_code: int | None = None) -> NoReturn:
    """Record the refusal (it stays, for auditors) and answer 422 (or ``status_code``) with the reason."""
    reason = reason[:300]
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        verdict = locked.status
        if verdict == Evidence.Status.PENDING:
            locked.status = Evidence.Status.REJECTED
            locked.reject_reason = reason
            locked.size = size
            locked.sha256 = sha256
            locked.save(update_fields=["status", "reject_reason", "size", "sha256"])
            evidence.status, evidence.reject_reason = locked.status, reason
    if verdict != Evidence.Status.PENDING:  # a concurrent confirmation reached a verdict first; it stands
        raise Conflict(f"This photo already has a verdict ({verdict}); it is not judged again.", field="id",
                       code="evidence_decided")
    raise Unprocessable(reason, field=field, code=code, status_code=status_code)


def settle_unconfirmed(*, older_than: dt.timedelta | None = None, limit: int = 500) -> dict[str, int]:
    """Direct uploads asked for long ago (``UNCONFIRMED_PHOTO_HOURS``) and never confirmed.

    A phone may upload the photo and lose the line before it confirms: the photo is there, and it is
    verified as if the phone had confirmed it (the same checks, the same verdicts). A request whose photo
    never arrived is refused as never uploaded: it stops taking a place among the criterion's photos, and
    auditors do not see it waiting forever. Returns how many ended each way."""
    age = older_than if older_than is not None else dt.timedelta(hours=settings.UNCONFIRMED_PHOTO_HOURS)
    settled = {"verified": 0, "rejected": 0, "never_uploaded": 0, "left_pending": 0, "failed": 0}
    if not storage.direct_upload_available():
        return settled
    pending = (Evidence.objects.filter(status=Evidence.Status.PENDING, created_at__lt=timezone.now() - age)
               .order_by("created_at")[:limit])
    for evidence in pending:
        try:
            settled[_settle_one(evidence, age)] += 1
        except Exception:  # one photo that breaks something unforeseen must not stop every later one
            log.exception("Settling unconfirmed photo %s failed; it stays pending.", evidence.pk)
            settled["failed"] += 1
    return settled


def _settle_one(evidence: Evidence, age: dt.timedelta) -> str:
    try:
        evidence_confirm(evidence=evidence)
        return "verified"
    except Unprocessable:
        return "rejected"
    except Conflict as conflict:
        if conflict.code != "not_uploaded":
            return "left_pending"  # decided meanwhile, or uploaded again meanwhile: next time
    hours = round(age.total_seconds() / 3600)
    try:
        _reject(evidence, f"No photo was uploaded within {hours} hours of the request; ask for a new upload.")
    except Unprocessable:
        return "never_uploaded"
    except Conflict:
        return "left_pending"


def _store_thumbnail(key: str, facts: images.PhotoFacts) -> None:
    thumb = thumbnail_key(key)
    try:
        storage.put_new(thumb, io.BytesIO(facts.thumbnail), content_type="image/jpeg")
    except storage.KeyExists:
        # Left by an attempt that failed after storing it (the photo is still pending, and its lock is held):
        # this one is made from the bytes now on record.
        storage.delete(thumb)
        storage.put_new(thumb, io.BytesIO(facts.thumbnail), content_type="image/jpeg")


def _accept(evidence_pk: int, *, fetched: storage.Fetched, facts: images.PhotoFacts) -> Evidence:
    with transaction.atomic():
        # Locked, and re-read: a concurrent confirmation may have reached its verdict meanwhile. The photo's
        # row only: the site's lock is rejudge's to take, in the order every writer of the site takes it.
        evidence = (Evidence.objects.select_for_update(of=("self",)).select_related("site", "daily_check")
                    .get(pk=evidence_pk))
        if evidence.status != Evidence.Status.PENDING:
            return evidence
        # Under that lock, so only one confirmation writes the original: the server's copy of the upload, if
        # it is still the version that was hashed and inspected.
        try:
            storage.copy_if_unchanged(upload_key(evidence.key), evidence.key, etag=fetched.etag)
        except (storage.ObjectChanged, storage.ObjectMissing):
            raise Conflict("The photo was uploaded again while it was being checked; confirm again.", field="id",
                           code="upload_changed") from None
        _store_thumbnail(evidence.key, facts)
        # The site's lock (after the I/O above), then: are these bytes verified already, by another way in (a
        # multipart upload, another request's form) or for the check this one's amends? They count once.
        rollup.lock_site(evidence.site_id)
        refused = _already_counted(site_id=evidence.site_id, action_id=evidence.action_id,
                                   day=evidence.daily_check.date if evidence.daily_check_id else None,
                                   criterion_id=evidence.criterion_id, sha256=fetched.sha256, exclude_pk=evidence.pk)
        if refused is None:
            _record(evidence, size=fetched.size, sha256=fetched.sha256, facts=facts)
            if evidence.daily_check_id:
                rejudge(check_id=evidence.daily_check_id, criterion_ids=[evidence.criterion_id])
        # The upload has served its purpose; a form used again before it expires only writes there.
        transaction.on_commit(partial(storage.delete, upload_key(evidence.key)), robust=True)
    if refused is not None:  # the copies made above go; the request stays, refused with the reason
        storage.delete(evidence.key)
        storage.delete(thumbnail_key(evidence.key))
        _reject(evidence, refused[1], size=fetched.size, sha256=fetched.sha256)
    return evidence


def _record(evidence: Evidence, *, size: int, sha256: str, facts: images.PhotoFacts) -> None:
    """Save ``evidence`` verified, with what its inspection found and its trust flags."""
    tz = evidence.site.tz
    evidence.size = size
    evidence.sha256 = sha256
    evidence.width, evidence.height = facts.width, facts.height
    evidence.captured_at = trust.capture_instant(facts.captured_local, facts.captured_offset, tz)
    evidence.phash = facts.phash
    (evidence.phash_band0, evidence.phash_band1,
     evidence.phash_band2, evidence.phash_band3) = trust.phash_bands(facts.phash) if facts.phash else (None,) * 4
    evidence.thumbnail_key = thumbnail_key(evidence.key)
    evidence.status = Evidence.Status.VERIFIED
    evidence.verified_at = timezone.now()
    evidence.stale_capture = trust.is_stale(evidence.captured_at, evidence.day, tz)
    evidence.reused_from, copies = trust.reuse_links(evidence)
    evidence.save()
    photo_days.photo_verified(evidence)
    if copies:  # verified before this photo, which they repeat: they carry the flag, not the original
        flagged = list(Evidence.objects.select_for_update().filter(pk__in=copies, reused_from__isnull=True)
                       .values_list("pk", "site_id", "day", "stale_capture"))
        Evidence.objects.filter(pk__in=[pk for pk, *_ in flagged]).update(reused_from=evidence)
        photo_days.copies_flagged([where for _, *where in flagged])


def rejudge(*, check_id: int, criterion_ids: list[int], notify: bool = True) -> None:
    """Re-judge criteria of the current check of check ``check_id``'s day against their verified photos,
    rescore it, tell rollup. A photo counts for the day's current check: the amendment, when the check it
    was given for has been amended (before its confirmation, or during it). Call inside the transaction
    that changed the evidence. ``notify=False`` leaves the rollup call to a caller that re-judges many
    checks of one site in one transaction and then calls it once."""
    day = DailyCheck.objects.only("site_id", "date").get(pk=check_id)
    # The site's lock, as every writer of its checks takes it first: two photos of one day verified at once
    # are counted one after the other, and an amendment of the day either has committed (its check is the
    # current one read below) or waits for this transaction (and then counts this photo itself).
    rollup.lock_site(day.site_id)
    check = (DailyCheck.objects.filter(site_id=day.site_id, date=day.date, is_current=True)
             .only("id", "site_id", "date", "score").first()) or day
    results = list(CheckResult.objects.filter(daily_check_id=check.pk)
                   .values_list("id", "criterion_id", "met", "passed", "criterion__weight",
                                "criterion__photos_required"))
    verified = evidence_selectors.verified_photos_of_day(site_id=check.site_id, day=check.date,
                                                         criterion_ids=criterion_ids)
    judged = []
    for pk, criterion_id, met, was_passed, weight, photos_required in results:
        now_passed = was_passed
        if criterion_id in criterion_ids:
            now_passed = scoring.passed(met=met, photos_required=photos_required,
                                        photos_verified=verified.get(criterion_id, 0))
            if now_passed != was_passed:
                CheckResult.objects.filter(pk=pk).update(passed=now_passed)
        judged.append((weight, now_passed))
    score = scoring.check_score(judged)
    if score != check.score:
        check.score = score
        check.save(update_fields=["score"])
    if notify:
        rollup.results_changed(site_id=check.site_id, dates=[check.date], site_locked=True)


# --- multipart through the API --------------------------------------------------------------------

class Uploaded(NamedTuple):
    evidence: Evidence
    replayed: bool  # a retry: the photo was already here, and nothing new was stored


def evidence_upload(*, user, target: Target, criterion_key: str | None, file: IO[bytes], size: int,
                    content_type: str, sha256: str | None = None, rejudge_now: bool = True) -> Uploaded:
    """Verify an uploaded file and, only if it is an acceptable photo, store it and record it verified.
    A refused file leaves nothing behind (422 with the reason).

    The same bytes sent again for the same check (or action) and criterion are a retry (a phone that lost
    the answer): it gets the evidence already recorded (``replayed``), stores nothing, and is answered even if
    the target closed since the first attempt. Other second copies stay refused (``_refuse_a_second_copy``).

    ``rejudge_now=False`` is for a caller that attaches several photos to one check inside its own
    transaction and then calls ``rejudge`` once for all of them (the demo seeding)."""
    criterion = _criterion(target, criterion_key)
    _check_declared_size(size, "file")
    if content_type not in images.ALLOWED_TYPES:
        sent = content_type or "a file without a type"
        raise AppError(f"file: send a JPEG or PNG photo (image/jpeg or image/png), not {sent}.", field="file")

    digest, actual_size = hashlib.sha256(), 0
    file.seek(0)
    while chunk := file.read(storage.CHUNK_BYTES):
        digest.update(chunk)
        actual_size += len(chunk)
    _check_declared_size(actual_size, "file")
    actual_sha = digest.hexdigest()
    if sha256 and sha256.lower() != actual_sha:
        raise Unprocessable("file: the file's SHA-256 does not match the one declared: the upload was altered "
                            "or incomplete.", field="sha256", code="photo_rejected")
    # Its bytes were verified when it was first sent: nothing to inspect again.
    same = _the_same_photo_here(target, criterion, actual_sha)
    if same is not None:
        return Uploaded(same, replayed=True)
    if target.closed is not None:
        raise target.closed
    _check_room(target, criterion)
    try:
        facts = images.inspect_photo(file, declared_type=content_type)
    except images.NotAcceptable as refusal:
        raise Unprocessable(str(refusal), field="file", code="photo_rejected") from None

    public_id, key = _new_key(target, content_type)
    try:
        storage.put_new_all([(key, file, content_type),
                             (thumbnail_key(key), io.BytesIO(facts.thumbnail), "image/jpeg")])
    except storage.KeyExists:
        raise Conflict("A photo is already stored under this key; originals are never overwritten.",
                       field="file", code="key_exists") from None
    try:
        with transaction.atomic():
            # Under the site's lock, so that a retried upload finds the first one: one photo never counts twice.
            rollup.lock_site(target.site.pk)
            # A retry that overtook its first attempt (the phone gave up waiting): that one is kept.
            same = _the_same_photo_here(target, criterion, actual_sha)
            if same is None:
                _refuse_a_second_copy(target, criterion, actual_sha, field="file")
                _check_room(target, criterion)  # again, now that no other upload of the site can be counting
                evidence = Evidence(
                    public_id=public_id, key=key, **target.filter(), criterion_id=criterion.id, site=target.site,
                    day=target.day, uploaded_by=user, declared_content_type=content_type, declared_size=actual_size,
                    declared_sha256=(sha256 or actual_sha).lower(),
                )
                _record(evidence, size=actual_size, sha256=actual_sha, facts=facts)
                if target.daily_check is not None and rejudge_now:
                    rejudge(check_id=target.daily_check.pk, criterion_ids=[criterion.id])
    except Exception:
        # Nothing half-saved: no stored file without its record.
        storage.delete(key)
        storage.delete(thumbnail_key(key))
        raise
    if same is not None:
        storage.delete(key)
        storage.delete(thumbnail_key(key))
        return Uploaded(same, replayed=True)
    return Uploaded(evidence, replayed=False)

