"""A phone that gives up after the server committed: it sends a daily check (or a photo's confirmation) with its
Idempotency-Key and closes the connection without reading the answer, as a phone whose request timed out on a
bad line does. The server (gunicorn, sync workers) commits all the same. The phone sends the same request again
with the same key: it gets the stored answer (``Idempotent-Replayed: true``), and nothing is stored twice."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
import uuid

import pytest
from django.conf import settings

from consistency.models import CheckResult, DailyCheck, Evidence, IdempotencyRecord

from ..consistency.checks_support import check_body
from ..consistency.evidence_factories import make_check, photo
from .conftest import sized, wait_for
from .phone import Phone, server_env, upload_photo
from .services import Server
from .sites import managed_sites

pytestmark = [pytest.mark.django_db(transaction=True)]


def send_and_hang_up(phone: Phone, path: str, body: dict | None, *, key: str) -> None:
    """The whole request on the wire, then the connection closed before a byte of the answer is read."""
    raw = json.dumps(body).encode() if body is not None else b""
    host, port = phone.base_url.removeprefix("http://").split(":")
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Token {phone.token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\nContent-Length: {len(raw)}\r\n"
            "Connection: close\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head + raw)
    # Closed (FIN, not a reset: the request stays readable in the server's buffer, as it is on a real network).


def test_a_retry_after_the_phone_hung_up_gets_the_stored_answer(network, standard, tmp_path, drill_record):
    count = sized(3, 30)
    sites = managed_sites(network, count)
    server = Server(tmp_path / "gunicorn.log", **server_env())
    try:
        phone = Phone(server.url, network.manager_a)
        today = dt.datetime.now(dt.UTC).date()
        submissions = []
        for site in sites:
            body = check_body(site, day=today)
            key = f"check-{uuid.uuid4()}"
            send_and_hang_up(phone, f"/api/v1/sites/{site.code}/checks/", body, key=key)
            submissions.append((site, body, key))
        # The server committed every one though nobody read its answer.
        wait_for(lambda: DailyCheck.objects.filter(site__in=sites, date=today).count() == count, timeout=60,
                 message="the server did not store the checks whose phone hung up")
        deadline = time.monotonic() + 60
        retries = [phone.post_until_answered(f"/api/v1/sites/{site.code}/checks/", body, key=key, deadline=deadline)
                   for site, body, key in submissions]
        assert [r.status for r in retries] == [201] * count, [r.body for r in retries]
        assert all(r.headers.get("Idempotent-Replayed") == "true" for r in retries)
        stored = {r["site"] for r in DailyCheck.objects.filter(site__in=sites, date=today).values("site")}
        per_site = [DailyCheck.objects.filter(site=s, date=today).count() for s in sites]
        results = CheckResult.objects.filter(daily_check__site__in=sites, daily_check__date=today).count()
        assert per_site == [1] * count and results == count * len(submissions[0][1]["results"])
        for (site, _, key), retry in zip(submissions, retries, strict=True):
            assert retry.body["id"] == DailyCheck.objects.get(site=site, date=today).pk
            assert IdempotencyRecord.objects.get(key=key).completed_at is not None

        confirmed = _photo_confirmations(network, standard, phone, count) if settings.STORAGE_BACKEND == "s3" else None
    finally:
        server.stop()
    drill_record(drill="Phone times out after the commit: daily checks", fault="connection closed before the "
                 "answer was read, then the same request with the same key", tried=count, acknowledged=count,
                 stored=len(stored), lost=count - len(stored), doubled=sum(per_site) - len(stored),
                 note="every retry answered 201 with Idempotent-Replayed: true and the stored check's id")
    if confirmed is not None:
        drill_record(drill="Phone times out after the commit: photo confirmations", fault="connection closed "
                     "before the answer was read, then the same confirmation with the same key", **confirmed,
                     note="every retry answered 200 with the verdict already reached; the photo counted once")


def _photo_confirmations(network, standard, phone, count) -> dict:
    check = make_check(network.a1, standard, network.manager_a, date=dt.datetime.now(network.a1.tz).date())
    ids = [upload_photo(phone, check.pk, "restroom_clean", photo(seed=900 + i)) for i in range(min(count, 10))]
    for public_id in ids:
        send_and_hang_up(phone, f"/api/v1/evidence/{public_id}/confirm/", None, key=f"confirm-{public_id}")
    wait_for(lambda: Evidence.objects.filter(public_id__in=ids, status="verified").count() == len(ids), timeout=60,
             message="the server did not verify the photos whose phone hung up")
    deadline = time.monotonic() + 60
    retries = [phone.post_until_answered(f"/api/v1/evidence/{public_id}/confirm/", None, key=f"confirm-{public_id}",
                                         deadline=deadline) for public_id in ids]
    assert [r.status for r in retries] == [200] * len(ids), [r.body for r in retries]
    assert all(r.headers.get("Idempotent-Replayed") == "true" and r.body["status"] == "verified" for r in retries)
    verified = Evidence.objects.filter(daily_check=check, status="verified")
    assert verified.count() == len(ids) and verified.filter(reused_from__isnull=False).count() == 0
    return {"tried": len(ids), "acknowledged": len(ids), "stored": verified.count(),
            "lost": len(ids) - verified.count(), "doubled": 0}
