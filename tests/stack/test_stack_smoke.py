"""`make stack` end to end: ``python -m backend.stack`` as a subprocess (gunicorn, two Celery workers, beat, on a
scratch database), driven over HTTP like the phone, then stopped; every process it started must be gone. Once
on Redis with the stack's own S3 server (moto), stopped with SIGTERM; once on RabbitMQ with the suite's S3
endpoint (which an S3_ENDPOINT_URL given to the stack stands for: MinIO, AWS), stopped by a worker's death."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import requests
from django.conf import settings
from pypdf import PdfReader

from backend.stack import BROKERS, free_port
from reports.dispatch import RENDER_TASK

from . import phone

ROOT = Path(__file__).resolve().parents[2]
SITE = "AKL-01"
CI = os.environ.get("CI") == "true"


def _answers(url: str) -> bool:
    import socket

    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
        return True
    except OSError:
        return False


def _redis_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        pytest.skip("the stack needs Redis (CELERY_BROKER_URL=redis://...): CI=true runs give it")
    return url


def _rabbitmq_url() -> str:
    url = os.environ.get("RABBITMQ_URL", BROKERS["rabbitmq"])
    if not _answers(url):
        if CI:
            pytest.fail(f"CI=true: RabbitMQ is not answering at {url}")
        pytest.skip(f"RabbitMQ is not answering at {url}")
    return url


def _scratch_database_url(name: str) -> str:
    return urlsplit(settings.DATABASE_URL)._replace(path=f"/{name}").geturl()


def _drop_database(url: str) -> None:
    from backend.stack import _drop_database as drop

    drop(url)


class RunningStack:
    def __init__(self, proc: subprocess.Popen, out: Path, port: int):
        self.proc, self.out, self.port = proc, out, port
        self.base = f"http://127.0.0.1:{port}"

    def text(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_ready(self, timeout: float = 150) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Touchpoint stack is running" in self.text():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"the stack exited ({self.proc.returncode}) before it was ready:\n{self.text()}")
            time.sleep(0.3)
        raise AssertionError(f"the stack was not ready after {timeout} s:\n{self.text()}")

    def tree(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)


@pytest.fixture
def start_stack(tmp_path, django_db_setup, django_db_blocker):
    started: list[tuple[RunningStack, str]] = []

    def start(*, broker: str, broker_url: str, s3: dict | None) -> RunningStack:
        port = free_port()
        database = _scratch_database_url(f"stack_smoke_{uuid.uuid4().hex[:10]}")
        # A database of its own that the stack creates and migrates, as `make stack` does. (A copy of the test
        # database was quicker, but needs that database free of sessions: ending them broke the next tests.)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "STORAGE_"))}
        env.update({
            "DATABASE_URL": database, "CELERY_BROKER_URL": broker_url, "CACHE_URL": _redis_url(),
            "TOUCHPOINT_VAR_DIR": str(tmp_path / "var"), "CELERY_QUEUE": f"stack-smoke-{uuid.uuid4().hex[:8]}",
            **(s3 or {}),
        })
        env.pop("DJANGO_SETTINGS_MODULE", None)
        out = tmp_path / f"stack-{broker}.out"
        # Small on purpose (the suite's time): 2 web workers, pools of one; still two Celery worker processes.
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend.stack", "--port", str(port), "--broker", broker, "--seed", "minimal",
             "--web-workers", "2", "--worker-concurrency", "1"],
            cwd=ROOT, env=env, stdout=out.open("wb"), stderr=subprocess.STDOUT)
        stack = RunningStack(proc, out, port)
        started.append((stack, database))
        return stack

    yield start
    for stack, database in started:
        if stack.proc.poll() is None:
            stack.proc.send_signal(signal.SIGTERM)
            try:
                stack.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                for child in stack.tree():
                    child.kill()
                stack.proc.kill()
        _drop_database(database)


def _drive_like_a_phone(stack: RunningStack) -> dict:
    session = requests.Session()
    token = phone.sign_in(session, stack.base, f"manager.{SITE.lower()}", "demo")
    session.headers["Authorization"] = f"Token {token}"

    site = session.get(f"{stack.base}/api/v1/sites/{SITE}/").json()
    standard = session.get(f"{stack.base}/api/v1/standard/current/").json()
    criteria = phone.site_criteria(standard)
    with_photo = [c for c in criteria if c["photos_required"]]
    assert with_photo, "the demo standard asks for photos"

    check = phone.submit_check(session, stack.base, SITE, phone.check_body(criteria, site["timezone"]))
    # The photos are still owed: the check cannot score full marks yet.
    assert check["score"] < 1

    for n, criterion in enumerate(with_photo):
        for k in range(criterion["photos_required"]):
            data = phone.photo(seed=100 * n + k, size=(800, 600))
            evidence = phone.attach_photo(session, stack.base, check["id"], criterion["key"], data)
            assert evidence["status"] == "verified", evidence
            assert evidence["size"] == len(data)
    after = session.get(f"{stack.base}/api/v1/checks/{check['id']}/").json()
    assert after["score"] == 1.0, after

    day = check["date"]
    ordered = session.post(f"{stack.base}/api/v1/reports/", json={
        "kind": "compliance_pack", "from": day, "to": day, "sites": [SITE]}, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert ordered.status_code == 202, ordered.text
    run = ordered.json()
    deadline = time.monotonic() + 90
    while run["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        run = session.get(f"{stack.base}/api/v1/reports/{run['id']}/").json()
    assert run["status"] == "done", run

    link = session.get(f"{stack.base}{run['links']['download']}").json()
    pdf = requests.get(link["url"] if link["url"].startswith("http") else stack.base + link["url"],
                       headers=session.headers if not link["url"].startswith("http") else None, timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert SITE in text
    # The photos verified above are in the pack, as pictures.
    assert sum(len(page.images) for page in reader.pages) >= sum(c["photos_required"] for c in with_photo)
    return {"check": check, "run": run, "day": dt.date.fromisoformat(day)}


def _cpu_seconds(processes) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def _stop_and_assert_nothing_left(stack: RunningStack, *, by: str = "SIGTERM") -> None:
    """Stop the stack (``by``: SIGTERM to it, or ``a worker dying``: SIGKILL to one Celery worker's main
    process, which leaves its pool child orphaned) and check that every process it started is gone."""
    children = stack.tree()
    # For the report (pytest -s): what the stack cost, independent of how busy the machine is.
    print(f"stack CPU so far: {_cpu_seconds([psutil.Process(stack.proc.pid), *children]):.1f} s")
    names = " ".join(" ".join(p.cmdline()) for p in children)
    assert "gunicorn" in names and names.count("celery -A backend worker") >= 2 and "celery -A backend beat" in names
    if by == "SIGTERM":
        stack.proc.send_signal(signal.SIGTERM)
        assert stack.proc.wait(timeout=45) == 0, stack.text()
    else:
        worker = next(p for p in psutil.Process(stack.proc.pid).children() if "worker -n stack2" in " ".join(p.cmdline()))
        assert worker.children(), "the worker's pool child"
        worker.kill()
        assert stack.proc.wait(timeout=45) == 1, stack.text()
        assert f"worker2 (pid {worker.pid}) exited with status -9" in stack.text()
    assert "stack: stopped" in stack.text()
    left = []
    for child in children:
        try:
            if child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
                left.append(child)
        except psutil.NoSuchProcess:
            pass
    assert not left, f"still running after the stack stopped: {left}"
    # Nothing answers on its port any more.
    assert not _answers(stack.base)


def _which_worker_rendered(stack: RunningStack) -> list[str]:
    """The stack's worker logs that show the render finished (Celery logs each task's success)."""
    logs = Path(stack.text().split("Logs", 1)[1].split()[0])
    return [p.stem for p in logs.glob("worker*.log")
            if re.search(rf"Task {re.escape(RENDER_TASK)}\[[^]]+\] succeeded", p.read_text(errors="replace"))]


@pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="the smoke test runs with the suite's services (CI=true)")
def test_the_stack_on_redis_with_its_own_s3_server_serves_a_phone_and_stops_everything(start_stack):
    stack = start_stack(broker="redis", broker_url=_redis_url(), s3=None)
    started = time.monotonic()
    stack.wait_ready()
    print(f"ready after {time.monotonic() - started:.1f} s")
    assert "(moto, in memory)" in stack.text()
    started = time.monotonic()
    _drive_like_a_phone(stack)
    print(f"phone and report: {time.monotonic() - started:.1f} s")
    assert _which_worker_rendered(stack)
    moto = [p for p in stack.tree() if "moto.server" in " ".join(p.cmdline())]
    assert len(moto) == 1
    _stop_and_assert_nothing_left(stack)


@pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="the smoke test runs with the suite's services (CI=true)")
def test_the_stack_on_rabbitmq_with_a_given_s3_endpoint_serves_a_phone_and_stops_everything_when_a_worker_dies(start_stack):
    s3 = {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": settings.AWS_S3_ENDPOINT_URL,
          "S3_BUCKET": f"stack-smoke-{uuid.uuid4().hex[:8]}", "S3_REGION": settings.AWS_S3_REGION_NAME,
          "S3_ACCESS_KEY_ID": settings.AWS_ACCESS_KEY_ID or "test",
          "S3_SECRET_ACCESS_KEY": settings.AWS_SECRET_ACCESS_KEY or "test"}
    stack = start_stack(broker="rabbitmq", broker_url=_rabbitmq_url(), s3=s3)
    started = time.monotonic()
    stack.wait_ready()
    print(f"ready after {time.monotonic() - started:.1f} s")
    assert "amqp://guest:***@127.0.0.1:5672//" in stack.text()
    assert not [p for p in stack.tree() if "moto.server" in " ".join(p.cmdline())]
    started = time.monotonic()
    _drive_like_a_phone(stack)
    print(f"phone and report: {time.monotonic() - started:.1f} s")
    assert _which_worker_rendered(stack)
    # The other way a stack ends: one of its processes dies, and the stack stops all the others.
    _stop_and_assert_nothing_left(stack, by="a worker dying")
