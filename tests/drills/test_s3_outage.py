"""S3 fails for a while: photo confirmations and a report render run while every connection to it is reset (a
proxy in front of the run's moto server, tests/drills/services.FaultProxy; the API in gunicorn and a Celery
worker both reach S3 only through it). During the outage a phone's confirmation gets a 503 with Retry-After
(nothing decided, the key released); retried with the same key once S3 is back, each photo is verified once. The
render's upload fails, the task retries with backoff, and the run is done once, with one PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from consistency.models import Evidence
from reports.models import ReportRun
from reports.services import report_order

from ..consistency.evidence_factories import make_check, photo
from .conftest import sized, wait_for
from .phone import Phone, host_port, server_env, upload_photo
from .services import FaultProxy, Server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="the drill cuts an S3 endpoint off")]

CRITERIA = ["restroom_clean", "phone_rings", "phone_greeting", "delivery_on_time_pct"]


def test_confirmations_and_a_render_survive_an_s3_outage(network, standard, history, start_worker, tmp_path,
                                                         storage_keys, drill_record):
    proxy = FaultProxy(host_port(settings.AWS_S3_ENDPOINT_URL))
    try:
        _drill(network, standard, history, start_worker, tmp_path, storage_keys, drill_record, proxy)
    finally:
        proxy.close()


def _drill(network, standard, history, start_worker, tmp_path, storage_keys, drill_record, proxy):
    through_proxy = {"S3_ENDPOINT_URL": proxy.url}
    server = Server(tmp_path / "gunicorn.log", **server_env(**through_proxy))
    # The render pauses after its claim (and the thumbnails) so the outage begins before its upload.
    start_worker("s3", TEST_REPORT_RENDER_PAUSE=2, TEST_REPORT_TIME_LIMIT=60, **through_proxy)
    try:
        phone = Phone(server.url, network.manager_a)
        count = sized(4, 24)
        today = dt.datetime.now(network.a1.tz).date()
        check = make_check(network.a1, standard, network.manager_a, date=today)
        ids = [upload_photo(phone, check.pk, CRITERIA[i % len(CRITERIA)], photo(seed=700 + i)) for i in range(count)]

        run = report_order(user=network.head_office, kind="compliance_pack", date_from=history["from"],
                           date_to=history["to"], sites=["A1"])
        wait_for(lambda: ReportRun.objects.get(pk=run.id).progress >= 15, timeout=120,
                 message="the worker never reached the render")

        proxy.outage()
        started = time.monotonic()
        during = []
        for public_id in ids:
            response = phone.post(f"/api/v1/evidence/{public_id}/confirm/", key=f"confirm-{public_id}")
            during.append((response.status_code, response.headers.get("Retry-After"), response.json().get("code")))
        # The render's upload meets the outage too (its pause ends 2 s after the claim).
        time.sleep(max(0.0, 4 - (time.monotonic() - started)))
        outage_seconds = time.monotonic() - started
        proxy.restore()

        assert all(d == (503, "30", "storage_unavailable") for d in during), during
        assert Evidence.objects.filter(public_id__in=ids, status="pending").count() == count  # nothing decided

        after = [phone.post(f"/api/v1/evidence/{public_id}/confirm/", key=f"confirm-{public_id}") for public_id in ids]
        assert [r.status_code for r in after] == [200] * count, [r.text for r in after if r.status_code != 200]
        verified = Evidence.objects.filter(public_id__in=ids, status="verified")
        assert verified.count() == count
        for evidence in verified:  # the original is the server's copy of the very bytes declared
            with default_storage.open(evidence.key, "rb") as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == evidence.declared_sha256
        again = phone.post(f"/api/v1/evidence/{ids[0]}/confirm/", key=f"confirm-{ids[0]}")
        assert again.headers.get("Idempotent-Replayed") == "true"

        done = wait_for(lambda: (r := ReportRun.objects.get(pk=run.id)).status in ("done", "failed") and r,
                        timeout=120, message="the render did not finish after the outage")
        assert done.status == "done", done.error
        assert done.attempts >= 2, "the render never met the outage: the drill tried nothing"
        prefix = f"reports/compliance_pack/{run.public_id}/"
        assert storage_keys(prefix) == [done.pdf_key]
        with default_storage.open(done.pdf_key, "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == done.pdf_sha256
    finally:
        server.stop()
    drill_record(drill="S3 outage: photo confirmations", fault=f"every S3 connection reset for {outage_seconds:.1f} s",
                 tried=count, acknowledged=count, stored=verified.count(), lost=count - verified.count(), doubled=0,
                 note=f"{count} confirmations during the outage: 503 storage_unavailable, Retry-After: 30, nothing "
                      f"decided; each verified once on its retry with the same key ({proxy.refused} connections "
                      "refused by the proxy)")
    drill_record(drill="S3 outage: report render", fault="the PDF's upload during the outage",
                 tried=1, acknowledged=1, stored=1, lost=0, doubled=len(storage_keys(prefix)) - 1,
                 note=f"retried by the task with backoff; done on attempt {done.attempts}, one PDF stored")
