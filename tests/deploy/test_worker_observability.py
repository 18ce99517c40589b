"""A submission followed into the worker: the X-Request-ID a phone (or the load balancer) sent is on every JSON log
line of the tasks that submission queued, and a report's render is timed in the worker's own metrics (multiprocess
mode, on its METRICS_PORT, behind the bearer token). One worker start for both: it costs seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from reports.models import ReportRun

from ..consistency.checks_support import check_body, submit
from ..worker import wait_for
from .conftest import free_port

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


STALE_RENDER = """
import os
from prometheus_client import Histogram
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
Histogram("touchpoint_report_duration_seconds", "x", ["kind", "outcome"]).labels("variance", "done").observe(3)
"""


def json_lines(path) -> list[dict]:
    found = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            pass  # a line not of ours (a library printing straight to stderr)
    return found


def scrape(port: int, token: str | None) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, ""


def test_the_request_id_follows_a_submission_into_its_tasks_and_a_render_is_timed(
        start_worker, network, standard, api, tmp_path):
    network.head_office.email = "head.office@example.com"
    network.head_office.save(update_fields=["email"])
    port = free_port()
    # A render counted by the worker's previous run (its container restarted, its /tmp kept): not this run's.
    folder = tmp_path / "prometheus"
    subprocess.run([sys.executable, "-c", STALE_RENDER], env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)},
                   check=True)
    assert list(folder.glob("histogram_*.db"))
    worker = start_worker(LOG_FORMAT="json", PROMETHEUS_MULTIPROC_DIR=folder, METRICS_PORT=port,
                          METRICS_TOKEN="scrape-secret", EMAIL_PORT=free_port())

    # A critical failure: the check's transaction publishes a notice, queued on commit, sent by the worker.
    answer = submit(api(network.manager_a), "A1", check_body(network.a1, values={"phone_greeting": False}),
                    **{"X-Request-ID": "lb-7f3e2a91-submit"})
    assert answer.status_code == 201, answer.content
    assert answer["X-Request-ID"] == "lb-7f3e2a91-submit"
    tagged = wait_for(lambda: [r for r in json_lines(worker.log) if r.get("request_id") == "lb-7f3e2a91-submit"
                               and "notify.send_notices" in r.get("message", "")], timeout=60,
                      message="no worker log line of the submission's task carries its request id")
    assert all(r["level"] in ("INFO", "WARNING", "ERROR") and r["process_name"] for r in tagged)

    # A report ordered with another id: the render's lines carry that one, and its duration is in the metrics.
    ordered = api(network.head_office).post("/api/v1/reports/", {"kind": "variance", "from": "2026-03-01",
                                                                 "to": "2026-03-07"}, format="json",
                                            headers={"X-Request-ID": "order-0001"})
    assert ordered.status_code == 202, ordered.content
    run = wait_for(lambda: ReportRun.objects.filter(public_id=ordered.json()["id"], status="done").first(),
                   timeout=90, message="the worker did not render the report")
    render_lines = [r for r in json_lines(worker.log) if r.get("request_id") == "order-0001"]
    assert any("reports.render_report" in r.get("message", "") and "succeeded" in r["message"] for r in render_lines)
    # Lines outside any request carry none ("-"), never another request's id.
    assert any(r.get("request_id") == "-" for r in json_lines(worker.log))

    assert scrape(port, None)[0] == 401 and scrape(port, "wrong")[0] == 401
    status, text = scrape(port, "scrape-secret")
    assert status == 200
    assert f'touchpoint_report_duration_seconds_count{{kind="{run.kind}",outcome="done"}} 1.0' in text
    worker.kill()
