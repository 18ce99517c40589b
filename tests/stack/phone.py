"""What a manager's phone does over HTTP, and nothing else: sign in for a token, read the standard in force,
send the day's check, and attach photos through the presigned S3 POST and the confirmation. Used by the
stack's smoke test (tests/stack/) and by the morning-rush bench (bench/morning_rush/), which passes locust's
HTTP session: any object with requests.Session's ``get``/``post`` will do; ``named=True`` labels each request
for locust's statistics (its ``name`` argument, which requests does not take)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import uuid
import zoneinfo

from PIL import Image, ImageDraw


def sign_in(session, base: str, username: str, password: str) -> str:
    response = session.post(f"{base}/api/v1/auth/token/", json={"username": username, "password": password,
                                                                "device_name": "stack smoke phone"})
    response.raise_for_status()
    return response.json()["token"]


def site_criteria(standard: dict) -> list[dict]:
    """The criteria a site's own check answers: those of departments the site submits for."""
    by_site = {d["key"] for d in standard["departments"] if d["submitted_by"] == "site"}
    return [c for tp in standard["touch_points"] if tp["department"] in by_site for c in tp["criteria"]]


def meeting_value(criterion: dict):
    """A value that meets the criterion's target, whatever its kind."""
    if criterion["kind"] == "boolean":
        return True
    return criterion["target"]


def check_body(criteria: list[dict], timezone: str, *, now: dt.datetime | None = None) -> dict:
    now = now or dt.datetime.now(dt.UTC)
    return {
        "date": now.astimezone(zoneinfo.ZoneInfo(timezone)).date().isoformat(),
        "performed_at": now.isoformat(),
        "client_id": str(uuid.uuid4()),
        "results": [{"criterion": c["key"], "value": meeting_value(c), "note": ""} for c in criteria],
    }


def photo(seed: int, size=(1280, 960)) -> bytes:
    """A JPEG whose picture (and so perceptual hash) depends on ``seed``."""
    rng = random.Random(seed)
    im = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    w, h = size
    for _ in range(24):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = min(w, x0 + rng.randrange(w // 8, w // 2)), min(h, y0 + rng.randrange(h // 8, h // 2))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(
            [x0, y0, x1, y1], fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88)
    return out.getvalue()


def unique(data: bytes, tag: str) -> bytes:
    """Other bytes, the same picture: a JPEG comment segment right after the start marker."""
    text = tag.encode()
    return data[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + data[2:]


def s3_form(fields: dict, data: bytes) -> tuple[bytes, str]:
    """The presigned POST as a multipart body: its fields in order, the file last (S3 ignores fields after the
    file). Built here, not by requests' ``files=``, because locust's fast session takes a body only."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + data + f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def submit_check(session, base: str, code: str, body: dict, *, named: bool = False) -> dict:
    """The day's check, with an Idempotency-Key as the phone sends it (a retry would reuse it)."""
    response = session.post(f"{base}/api/v1/sites/{code}/checks/", json=body,
                            headers={"Idempotency-Key": str(uuid.uuid4())}, **_kw(named, "check: submit"))
    response.raise_for_status()
    return response.json()


def _kw(named: bool, name: str) -> dict:
    return {"name": name} if named else {}


def attach_photo(session, base: str, check_id: int, criterion: str, data: bytes, *, s3=None,
                 named: bool = False) -> dict:
    """Ask for an upload, send the photo to S3 with the presigned POST, confirm: the confirmed evidence.

    ``s3``: the session that talks to S3 (the same one by default)."""
    s3 = s3 or session
    asked = session.post(f"{base}/api/v1/checks/{check_id}/evidence/", json={
        "criterion": criterion, "content_type": "image/jpeg", "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest()}, **_kw(named, "evidence: ask"))
    asked.raise_for_status()
    body = asked.json()
    upload = body["upload"]
    body_bytes, content_type = s3_form(upload["fields"], data)
    sent = s3.post(upload["url"], data=body_bytes, headers={"Content-Type": content_type},
                   **_kw(named, "S3: presigned POST"))
    sent.raise_for_status()
    confirmed = session.post(f"{base}/api/v1/evidence/{body['id']}/confirm/", **_kw(named, "evidence: confirm"))
    confirmed.raise_for_status()
    return confirmed.json()
