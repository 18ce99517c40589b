"""A compliance pack's photo archive: a ZIP of the original photos, their SHA-256 manifest, and its signature.

Ordered with the pack (``with_photos``); made by the worker right after the signed PDF, into a temporary file one
photo at a time (each streamed from storage into a spooled buffer, then into the ZIP: memory stays at about one
photo however many there are). The ZIP holds

- ``photos/<day>/<criterion>/<evidence id><ext>``: the originals, byte for byte as verified (stored, not
  compressed: JPEG and HEIC do not shrink);
- ``manifest.json``: the run, the pack's SHA-256, and each photo's evidence id, site, day, criterion, file name,
  SHA-256 and size;
- ``manifest.json.p7s``: a detached CMS signature over manifest.json with the franchise's key (reports/signing.py).

``python -m reports.verify_pack --archive ZIP --cert CERT`` checks the signature and every photo against it.

A mystery shop's photos are left out: the pack shows their day, never their hour, so that the shopper stays
anonymous, and an original's EXIF would say the hour (and the phone). The manifest counts what it withheld.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils import timezone

from consistency import storage
from consistency.models import Evidence

from . import signing
from .verify_pack import MANIFEST, MANIFEST_SIGNATURE

FORMAT = "touchpoint-photo-archive/1"
SPOOL_BYTES = 4 * 1024 * 1024  # a photo up to this size is buffered in memory on its way into the ZIP


class ArchiveError(Exception):
    """The archive cannot be made truthfully (a photo changed in storage, or too many bytes)."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    photos: int


@dataclass(frozen=True)
class Original:
    """One photo of the pack, as the archive lists it: its evidence id, day and criterion (the pack's), and where
    its original is and what it was when verified (the evidence's key, SHA-256 and size)."""
    evidence: str
    day: dt.date | None
    criterion: str
    status: str
    key: str
    sha256: str
    size: int
    uploaded_at: dt.datetime | None = None


def originals_of(pack_evidence) -> tuple[list[Original], int]:
    """The pack's photos that go in the archive (those whose bytes were hashed when verified, rejected on review
    since or not), with their storage keys (one query); and how many a mystery shop's anonymity withholds."""
    wanted = [e for e in pack_evidence if e.hashed and e.sha256]
    kept = [e for e in wanted if not e.day_only]
    stored = {str(e.public_id): e for e in Evidence.objects.filter(public_id__in=[p.id for p in kept])
              .only("public_id", "key", "sha256", "size")}
    originals = [Original(p.id, p.date, p.criterion, p.status, stored[p.id].key, stored[p.id].sha256,
                          stored[p.id].size or 0, p.uploaded_at) for p in kept if p.id in stored]
    return originals, len(wanted) - len(kept)


def write_archive(dest: IO[bytes], *, originals: list[Original], withheld: int, run_id: str, site_code: str,
                  date_from: dt.date, date_to: dt.date, pack_sha256: str, pack_filename: str,
                  progress=lambda fraction: None) -> Stored:
    """Write the signed archive of ``originals`` into ``dest`` (a seekable temporary file), streaming each from
    storage. Raises ArchiveError, storage.ObjectMissing, or the storage's own errors."""
    total = sum(o.size for o in originals)
    if total > settings.PACK_ARCHIVE_MAX_BYTES:
        raise ArchiveError(f"The pack's {len(originals)} photos hold {total} bytes, more than an archive may "
                           f"({settings.PACK_ARCHIVE_MAX_BYTES}); order the pack for a shorter period.")
    entries = []
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for i, photo in enumerate(originals):
            name = _file_name(photo)
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as buffer:
                fetched = storage.fetch(photo.key, buffer, max_bytes=max(photo.size, settings.MAX_PHOTO_BYTES))
                if fetched.sha256 != photo.sha256:
                    raise ArchiveError(f"Photo {photo.evidence}: its bytes in storage (SHA-256 {fetched.sha256}) "
                                       f"are not those verified ({photo.sha256}); the archive is not made.")
                with archive.open(zipfile.ZipInfo(name, date_time=_zip_time(photo.uploaded_at)), "w") as entry:
                    while chunk := buffer.read(1024 * 1024):
                        entry.write(chunk)
            entries.append({"evidence": photo.evidence, "site": site_code,
                            "day": photo.day.isoformat() if photo.day else None, "criterion": photo.criterion,
                            "status": photo.status, "file": name, "sha256": fetched.sha256, "size": fetched.size})
            progress((i + 1) / max(1, len(originals)))
        creds = signing.credentials()
        manifest = json.dumps({
            "format": FORMAT, "issued_by": creds.name, "run": run_id, "site": site_code,
            "from": date_from.isoformat(), "to": date_to.isoformat(),
            "made_at": timezone.now().isoformat(timespec="seconds"),
            "pack": {"file": pack_filename, "sha256": pack_sha256},
            "withheld": {"mystery_shop_photos": withheld} if withheld else {},
            "photos": entries}, indent=1, ensure_ascii=False).encode()
        archive.writestr(MANIFEST, manifest)
        archive.writestr(MANIFEST_SIGNATURE, signing.sign_detached(manifest, creds=creds))
    dest.flush()
    dest.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := dest.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    dest.seek(0)
    return Stored(digest.hexdigest(), size, len(entries))


def _file_name(photo: Original) -> str:
    extension = os.path.splitext(photo.key)[1].lower() or ".jpg"
    day = photo.day.isoformat() if photo.day else "undated"
    return f"photos/{day}/{photo.criterion}/{photo.evidence}{extension}"


def _zip_time(moment: dt.datetime | None) -> tuple:
    moment = moment or dt.datetime(1980, 1, 1)
    return (max(1980, moment.year), moment.month, moment.day, moment.hour, moment.minute, moment.second)
