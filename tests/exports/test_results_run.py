"""The results export as a background run (a ReportRun of kind results_csv): the stored file is the streamed export
of the same period and sites, gzip-compressed, reproducible, downloaded through the reports' signed link with its
own name and type; a real worker makes it end to end; the reports page orders it."""

from __future__ import annotations

import gzip
import hashlib
import urllib.request
import uuid

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from reports import runner
from reports.models import ReportRun
from reports.services import report_order
from tests.conftest import client_for
from tests.worker import report_queue, start_worker, wait_for  # noqa: F401  (the fixtures)

from .conftest import URL, period


def streamed(user, history, **scope) -> bytes:
    response = client_for(user).get(URL, {**period(history), **scope})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def stored(run: ReportRun) -> bytes:
    with default_storage.open(run.pdf_key, "rb") as fh:
        return fh.read()


def downloaded(user, run: ReportRun) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) through GET /reports/{id}/download/ and the signed link it hands out."""
    link = client_for(user).get(f"/api/v1/reports/{run.public_id}/download/")
    assert link.status_code == 200, link.content
    response = client_for(None).get(link.json()["url"])
    if response.status_code == 302:  # S3: a presigned GET of seconds, which says the type and name itself
        with urllib.request.urlopen(response["Location"], timeout=10) as fh:
            return fh.read(), fh.headers["Content-Type"], fh.headers["Content-Disposition"]
    assert response.status_code == 200
    return b"".join(response.streaming_content), response["Content-Type"], response["Content-Disposition"]


@pytest.mark.django_db
def test_a_run_stores_the_streamed_export_of_its_period_and_sites_gzipped(network, history):
    p = history["from"], history["to"]
    orders = [(network.head_office, {}, {}), (network.head_office, {"region": "region-a"}, {"region": "region-a"}),
              (network.head_office, {"sites": ["B1", "A2"]}, {"sites": "B1,A2"}), (network.manager_a, {}, {}),
              (network.auditor_b1, {}, {})]
    runs = {}
    for user, order, query in orders:
        runs[user.username, tuple(order)] = run = report_order(user=user, kind="results_csv", date_from=p[0], date_to=p[1], **order)
        assert runner.run_report(run_id=run.id, worker="test") == "done"
        run.refresh_from_db()
        file = stored(run)
        assert file[:2] == b"\x1f\x8b" and run.pdf_key.endswith(".csv.gz")
        assert (hashlib.sha256(file).hexdigest(), len(file)) == (run.pdf_sha256, run.pdf_size)
        csv = gzip.decompress(file)
        assert csv == streamed(user, history, **query), order
        assert len(file) < len(csv)
    # The same rows make the same file: the gzip header holds no time or name.
    again = report_order(user=network.manager_a, kind="results_csv", date_from=p[0], date_to=p[1])
    assert runner.run_report(run_id=again.id, worker="test") == "done"
    again.refresh_from_db()
    first = runs["manager.a1", ()]
    assert again.pdf_sha256 == first.pdf_sha256 and again.pdf_key != first.pdf_key


@pytest.fixture(params=["s3", "local"])
def storage_kind(request, settings, tmp_path):
    if request.param == "local":
        settings.STORAGE_BACKEND = "local"
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    elif settings.STORAGE_BACKEND != "s3":
        pytest.skip("no S3 endpoint configured (CI=true runs moto's)")
    return request.param


@pytest.mark.django_db
def test_the_download_is_named_and_typed_as_the_gzip_it_is(network, history, storage_kind):
    run = report_order(user=network.head_office, kind="results_csv", date_from=history["from"],
                       date_to=history["to"], region="region-a")
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    run.refresh_from_db()
    body, content_type, disposition = downloaded(network.auditor, run)
    name = f"touchpoint-results-csv-region-a-{history['from']}-{history['to']}.csv.gz"
    assert (content_type, disposition) == ("application/gzip", f'attachment; filename="{name}"')
    assert hashlib.sha256(body).hexdigest() == run.pdf_sha256
    assert gzip.decompress(body).startswith(b"site,region,date,source,")
    # Not for someone who may not read every site of it.
    assert client_for(network.manager_a).get(f"/api/v1/reports/{run.public_id}/download/").status_code == 404


@pytest.mark.django_db
def test_ordering_follows_the_reports_scope_rules(network, history):
    order = {"kind": "results_csv", **period(history)}
    assert client_for(network.shopper).post("/api/v1/reports/", order, format="json").status_code == 403
    refused = client_for(network.manager_a).post("/api/v1/reports/", {**order, "region": "region-b"}, format="json")
    assert refused.status_code == 404 and refused.json()["field"] == "region"
    refused = client_for(network.manager_a).post("/api/v1/reports/", {**order, "sites": ["B1"]}, format="json")
    assert refused.status_code == 404 and refused.json()["field"] == "sites[0]"
    assert not ReportRun.objects.exists()


@pytest.mark.django_db
def test_the_reports_page_orders_raw_results(network, history):
    client = Client()
    client.force_login(network.manager_a)
    assert b'value="results_csv"' in client.get("/app/reports/").content
    answer = client.post("/app/reports/", {"kind": "results_csv", "period": "custom", **period(history),
                                           "idempotency_key": str(uuid.uuid4())})
    assert answer.status_code == 303
    run = ReportRun.objects.get()
    assert (run.kind, run.requested_by, list(run.sites.values_list("code", flat=True))) == \
           ("results_csv", network.manager_a, ["A1"])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_same_bytes_as_the_streamed_export(start_worker, network, history):  # noqa: F811
    start_worker("exports")
    answer = client_for(network.manager_a).post("/api/v1/reports/", {"kind": "results_csv", **period(history)},
                                                format="json")
    assert answer.status_code == 202, answer.content
    run_id = ReportRun.objects.get(public_id=answer.json()["id"]).id
    run = wait_for(lambda: (r := ReportRun.objects.get(pk=run_id)).status in ("done", "failed") and r, timeout=90,
                   message="the worker did not finish the export")
    assert run.status == "done", run.error
    assert "exports" in run.claimed_by  # the worker's, not this process's
    status = client_for(network.manager_a).get(f"/api/v1/reports/{run.public_id}/").json()
    assert (status["kind"], status["status"], status["pdf_size"]) == ("results_csv", "done", run.pdf_size)
    body, content_type, _ = downloaded(network.manager_a, run)
    assert content_type == "application/gzip" and hashlib.sha256(body).hexdigest() == run.pdf_sha256
    assert gzip.decompress(body) == streamed(network.manager_a, history)
