"""gunicorn as the image runs it (infra/gunicorn.conf.py, production settings, two workers), with its database
down: liveness still 200, readiness 503; the API and the pages answer 503 with Retry-After; the outage still
sends its error to Sentry (a DSN pointing at an HTTP server of this test's: a real envelope over HTTP) with the
request id and no credentials; the log lines are JSON with that id; /metrics adds up both workers' counts
(multiprocess) behind its token."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ..servers import Gunicorn
from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


class SentryInbox:
    """A Sentry ingestion endpoint: keeps every envelope POSTed to /api/<project>/envelope/."""

    def __init__(self):
        self.envelopes: list[bytes] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":
                    import brotli

                    body = brotli.decompress(body)
                if self.path.endswith("/envelope/"):
                    inbox.envelopes.append(body)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_port}/42"

    def close(self):
        self.server.shutdown()


@pytest.fixture
def server(tmp_path):
    inbox = SentryInbox()
    port = free_port()
    env = {"DJANGO_SETTINGS_MODULE": "backend.settings.production", "SECRET_KEY": "k" * 60,
           "DATABASE_URL": f"postgres://touchpoint:pw@127.0.0.1:{free_port()}/touchpoint",  # nothing listens
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false", "STORAGE_BACKEND": "local",
           "TOUCHPOINT_VAR_DIR": str(tmp_path / "var"), "SENTRY_DSN": inbox.dsn, "SENTRY_RELEASE": "touchpoint@test",
           "LOG_FORMAT": "json", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
           "METRICS_TOKEN": "scrape-secret", "WEB_CONCURRENCY": "2", "PORT": str(port)}
    server = Gunicorn(tmp_path / "gunicorn.log", "--config", "infra/gunicorn.conf.py", app="backend.wsgi",
                      bind="config", port=port, env=env)
    try:
        server.wait_ready(timeout=90)  # the first answer may be slow: the workers import Django
        yield server.url, inbox, server.log
    finally:
        server.stop(grace=30)  # the arbiter and its workers
        inbox.close()


def get(url: str, **headers) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), dict(refused.headers)


def test_the_production_server_with_its_database_down(server):
    base, inbox, log = server
    assert get(f"{base}/health/live")[0] == 200  # no dependency: a database outage restarts nothing
    # The image's HEALTHCHECK command, as written, against this server; and against nothing.
    for port, healthy in ((base.rsplit(":", 1)[1], 0), (str(free_port()), 1)):
        probe = subprocess.run([sys.executable, "infra/healthcheck.py"], cwd=ROOT, env={**os.environ, "PORT": port},
                               capture_output=True, timeout=30)
        assert probe.returncode == healthy, probe.stderr
    status, body, _ = get(f"{base}/health/ready?format=json", Host="10.42.0.17:8000")
    assert status == 503 and json.loads(body)["Database(alias='default')"].startswith("Unavailable")

    # The API with its database down: 503 with Retry-After in the API's shape (a phone tries again), not a 500;
    # still an error in the log and in Sentry, as an outage should be.
    status, body, headers = get(f"{base}/api/v1/me/", Authorization="Token not-a-real-token-0123456789",
                                **{"X-Request-ID": "sentry-check-1"})
    assert status == 503 and headers["X-Request-ID"] == "sentry-check-1"
    assert headers["Retry-After"] == "10" and json.loads(body)["code"] == "database_unavailable"
    deadline = time.monotonic() + 20
    while not any(b'"type":"event"' in e for e in inbox.envelopes) and time.monotonic() < deadline:
        time.sleep(0.2)
    events = [json.loads(line) for e in inbox.envelopes for line in e.splitlines()[2::2] if b'"exception"' in line]
    assert events, f"no error event reached Sentry: {inbox.envelopes!r}"
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "OperationalError"
    assert event["tags"]["request_id"] == "sentry-check-1"
    assert event["release"] == "touchpoint@test" and event["environment"] == "production"
    assert b"not-a-real-token" not in b"".join(inbox.envelopes)  # send_default_pii=False: no credentials

    def logged() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]

    def accessed(lines):  # gunicorn writes its access line once the answer is sent: it may come a moment later
        return any(r.get("logger") == "gunicorn.access" and "request_id=sentry-check-1" in r["message"] for r in lines)

    deadline = time.monotonic() + 20
    while not accessed(lines := logged()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert accessed(lines)
    failed = [r for r in lines if r.get("logger") == "django.request" and "/api/v1/me/" in r["message"]]
    assert failed and all(r["request_id"] == "sentry-check-1" for r in failed)

    for _ in range(6):
        assert get(f"{base}/api/v1/no-such-thing/")[0] == 404
    assert get(f"{base}/metrics")[0] == 401
    status, text, _ = get(f"{base}/metrics", Authorization="Bearer scrape-secret")
    assert status == 200
    assert b'django_http_responses_total_by_status_total{status="404"} 6.0' in text  # both workers' counts
    assert b'django_http_responses_total_by_status_total{status="503"} 1.0' in text
    assert b'django_http_responses_total_by_status_total{status="500"}' not in text

    # A page with a session: the session, loaded by a middleware before any view, meets the outage first.
    status, page, headers = get(f"{base}/app/", Cookie="sessionid=abcdefghijklmnopqrstuvwxyz012345")
    assert status == 503 and headers["Retry-After"] == "10" and b"Service Unavailable" in page

