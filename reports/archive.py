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


def archive_photos(pack_evidence) -> tuple[list, int]:
    """The pack's photos that go in the archive (verified ones, whose bytes were hashed), and how many a mystery
    shop's anonymity withholds."""
    wanted = [e for e in pack_evidence if e.hashed and e.sha256]
    kept = [e for e in wanted if not e.day_only]
    return kept, len(wanted) - len(kept)


def write_archive(dest: IO[bytes], *, run, site_code: str, pack_evidence, pack_sha256: str,
                  pack_filename: str, progress=lambda fraction: None) -> Stored:
    """Write the signed archive of ``pack_evidence`` (reports.packs.PackEvidence) into ``dest`` (a seekable
    temporary file). Raises ArchiveError, storage.ObjectMissing, or the storage's own errors."""
    photos, withheld = archive_photos(pack_evidence)
    originals = {str(e.public_id): e for e in Evidence.objects.filter(public_id__in=[p.id for p in photos])
                 .only("public_id", "key", "sha256", "size")}
    total = sum(originals[p.id].size or 0 for p in photos if p.id in originals)
    if total > settings.PACK_ARCHIVE_MAX_BYTES:
        raise ArchiveError(f"The pack's {len(photos)} photos hold {total} bytes, more than an archive may "
                           f"({settings.PACK_ARCHIVE_MAX_BYTES}); order the pack for a shorter period.")
    entries = []
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for i, photo in enumerate(photos):
            original = originals.get(photo.id)
            if original is None:
                continue
            name = _file_name(photo, original.key)
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as buffer:
                fetched = storage.fetch(original.key, buffer, max_bytes=settings.MAX_PHOTO_BYTES)
                if fetched.sha256 != original.sha256:
                    raise ArchiveError(f"Photo {photo.id}: its bytes in storage (SHA-256 {fetched.sha256}) are not "
                                       f"those verified ({original.sha256}); the archive is not made.")
                with archive.open(zipfile.ZipInfo(name, date_time=_zip_time(photo.uploaded_at)), "w") as entry:
                    while chunk := buffer.read(1024 * 1024):
                        entry.write(chunk)
            entries.append({"evidence": photo.id, "site": site_code, "day": photo.date.isoformat() if photo.date
                            else None, "criterion": photo.criterion, "status": photo.status, "file": name,
                            "sha256": fetched.sha256, "size": fetched.size})
            progress((i + 1) / max(1, len(photos)))
        creds = signing.credentials()
        manifest = json.dumps({
            "format": FORMAT, "issued_by": creds.name, "run": str(run.public_id), "site": site_code,
            "from": run.period_from.isoformat(), "to": run.period_to.isoformat(),
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


def _file_name(photo, key: str) -> str:
    extension = os.path.splitext(key)[1].lower() or ".jpg"
    day = photo.date.isoformat() if photo.date else "undated"
    return f"photos/{day}/{photo.criterion}/{photo.id}{extension}"


def _zip_time(moment: dt.datetime | None) -> tuple:
    moment = moment or dt.datetime(1980, 1, 1)
    return (max(1980, moment.year), moment.month, moment.day, moment.hour, moment.minute, moment.second)
