"""Helpers for the evidence tests: checks made directly in the database, generated photos, and an
upload to a presigned POST over plain HTTP (urllib, no test client)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import random
import urllib.error
import urllib.request
import uuid

from django.utils import timezone
from PIL import Image, ImageDraw

from consistency.models import CheckResult, Criterion, DailyCheck
from consistency.services import scoring

GOOD_VALUES = {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 5, "delivery_on_time_pct": 99}


def make_check(site, version, user, *, date=dt.date(2026, 3, 10), values: dict | None = None,
               performed_at: dt.datetime | None = None) -> DailyCheck:
    """A check as submission would store it: judged, and not passed where photos are still owed."""
    values = {**GOOD_VALUES, **(values or {})}
    criteria = {c.key: c for c in Criterion.objects.filter(version=version)}
    judged = []
    for key, value in values.items():
        c = criteria[key]
        met, deviation = scoring.judge(c, float(value))
        judged.append((c, float(value), met, deviation,
                       scoring.passed(met=met, photos_required=c.photos_required, photos_verified=0)))
    now = timezone.now()
    check = DailyCheck.objects.create(
        site=site, date=date, version=version, submitted_by=user, performed_at=performed_at or now, received_at=now,
        client_id=uuid.uuid4(), score=scoring.check_score([(c.weight, ok) for c, _, _, _, ok in judged]),
    )
    CheckResult.objects.bulk_create([
        CheckResult(daily_check=check, criterion=c, site=site, date=date, value=v, met=met, passed=ok,
                    deviation=dev)
        for c, v, met, dev, ok in judged
    ])
    return check


def photo(*, seed: int = 0, size=(640, 480), fmt: str = "JPEG", captured: str | None = None,
          offset: str | None = None, quality: int = 90) -> bytes:
    """A small photo whose content (and so perceptual hash) depends on ``seed``."""
    rng = random.Random(seed)
    im = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    w, h = size
    for _ in range(12):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = min(w, x0 + rng.randrange(w // 8, w // 2)), min(h, y0 + rng.randrange(h // 8, h // 2))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape([x0, y0, x1, y1], fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    kwargs = {"quality": quality} if fmt == "JPEG" else {}
    if captured:
        exif = Image.Exif()
        ifd = {0x9003: captured}
        if offset:
            ifd[0x9011] = offset
        exif[0x8769] = ifd
        kwargs["exif"] = exif
    im.save(out, fmt, **kwargs)
    return out.getvalue()


def reencode(data: bytes, *, scale: float = 0.5, quality: int = 70) -> bytes:
    """The same picture, resized and recompressed: other bytes, same perceptual hash (or nearly)."""
    im = Image.open(io.BytesIO(data))
    im = im.resize((int(im.width * scale), int(im.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def bomb_jpeg(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny JPEG whose frame header claims width x height pixels."""
    data = bytearray(photo(size=(16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 7] = height.to_bytes(2, "big")
    data[sof + 7:sof + 9] = width.to_bytes(2, "big")
    return bytes(data)


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    import zlib

    data = bytearray(photo(size=(16, 16), fmt="PNG"))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4:ihdr + 8] = width.to_bytes(4, "big")
    data[ihdr + 8:ihdr + 12] = height.to_bytes(4, "big")
    crc = zlib.crc32(bytes(data[ihdr:ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17:ihdr + 21] = crc.to_bytes(4, "big")
    return bytes(data)


def with_comment(data: bytes, text: bytes) -> bytes:
    """Insert a JPEG COM segment right after SOI."""
    segment = b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text
    return data[:2] + segment + data[2:]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_policy(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def post_form(url: str, fields: dict, data: bytes, *, filename: str = "photo.jpg",
              content_type: str = "image/jpeg") -> int:
    """POST a multipart form the way a browser or phone would: the fields in order, the file last."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(url, data=b"".join(parts), method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def multipart(data: bytes, *, name: str = "photo.jpg", content_type: str = "image/jpeg", **fields) -> dict:
    """A body for the API's multipart upload through the test client."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile(name, data, content_type=content_type), **fields}
