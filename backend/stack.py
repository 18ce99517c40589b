"""``make stack``: the production processes on this machine, started and stopped as one.

gunicorn (several sync workers, infra/gunicorn.conf.py), two Celery worker processes and beat, with
backend.settings.stack (production's settings over plain HTTP on loopback), against:

- PostgreSQL: DATABASE_URL, by default the database ``touchpoint_stack`` on 127.0.0.1:5432, created if missing;
- the broker: Redis (``redis://127.0.0.1:6379/2``) or, with BROKER=rabbitmq, RabbitMQ
  (``amqp://guest:guest@127.0.0.1:5672//``); CELERY_BROKER_URL wins over both. The cache (throttles, quotas)
  is on Redis too (CACHE_URL, ``redis://127.0.0.1:6379/3``), so every process counts the same requests;
- S3 over HTTP: S3_ENDPOINT_URL (MinIO, AWS), or else moto's server, started here on a free port.

It migrates, seeds the demo franchise (``seed_demo``; ``--seed minimal`` for the network and the standard
only), prints where to go and how to sign in, and on Ctrl-C, SIGTERM, SIGHUP or the death of any process it
started, stops everything it started: each process leads a process group of its own, and every group is
signalled until it is empty (gunicorn's and Celery's pool children included).

    python -m backend.stack [--port 8100] [--broker redis|rabbitmq] [--seed demo|minimal|none]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from reports.certificates import ensure_certificate

ROOT = Path(__file__).resolve().parent.parent
BROKERS = {"redis": "redis://127.0.0.1:6379/2", "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//"}
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/touchpoint_stack"
DEFAULT_CACHE = "redis://127.0.0.1:6379/3"
STOP_GRACE_SECONDS = 20  # above gunicorn's graceful_timeout: a request in flight is answered before the kill


class Stop(Exception):
    """A signal asked the stack to stop."""


class ChildDied(Exception):
    pass


def _stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: a session of its own (so its group can be signalled whole), and SIGTERM if
    this process dies without cleaning up (SIGKILL), so that not even then is a server left behind."""
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Stack:
    env: dict
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        # Each run's own log: readiness is read from it (a worker's "ready." of the last run must not count).
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(list(args), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        log.close()
        self.processes[name] = proc
        return proc

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def check_alive(self) -> None:
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise ChildDied(f"{name} (pid {proc.pid}) exited with status {proc.returncode}; the end of "
                                f"{self.logs / (name + '.log')}:\n{self.log_tail(name)}")

    def stop(self) -> None:
        """SIGTERM every group, wait for all of them to empty, then SIGKILL what is left."""
        groups = {name: proc.pid for name, proc in self.processes.items()}
        # The web and the workers first, beat and the S3 server last: a worker finishing a task may still
        # write its result to S3.
        order = sorted(groups, key=lambda name: name in ("s3", "beat"))
        for name in order:
            _signal_group(groups[name], signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline and any(_group_alive(pgid) for pgid in groups.values()):
            for proc in self.processes.values():
                proc.poll()  # reap the leaders, so that their groups can empty
            time.sleep(0.1)
        for name, pgid in groups.items():
            if _group_alive(pgid):
                print(f"stack: {name} did not stop in {STOP_GRACE_SECONDS} s; killing its group", file=sys.stderr)
                _signal_group(pgid, signal.SIGKILL)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _ensure_database(url: str) -> None:
    """Create the database DATABASE_URL names if the server does not have it yet."""
    import psycopg
    from psycopg import sql

    conninfo = psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))
    name = conninfo.pop("dbname")
    with psycopg.connect(**conninfo, dbname="postgres", autocommit=True, connect_timeout=10) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"stack: created database {name}", flush=True)


def _drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    conninfo = psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))
    name = conninfo.pop("dbname")
    with psycopg.connect(**conninfo, dbname="postgres", autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _ensure_bucket(env: dict) -> None:
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client("s3", endpoint_url=env["S3_ENDPOINT_URL"], region_name=env["S3_REGION"],
                          aws_access_key_id=env.get("S3_ACCESS_KEY_ID") or None,
                          aws_secret_access_key=env.get("S3_SECRET_ACCESS_KEY") or None)
    try:
        client.head_bucket(Bucket=env["S3_BUCKET"])
    except ClientError:
        client.create_bucket(Bucket=env["S3_BUCKET"])


def _wait(what: str, ready, stack: Stack, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        if ready():
            return
        time.sleep(0.2)
    raise ChildDied(f"{what} not ready after {timeout:.0f} s")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _secret_key(state: Path) -> str:
    """A key of this machine's stack, kept in its state folder so that sessions survive a restart."""
    path = state / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


def environment(args, state: Path) -> tuple[dict, bool]:
    """The environment every process of the stack gets; and whether the S3 server is ours to start."""
    env = {**os.environ}
    env["DJANGO_SETTINGS_MODULE"] = "backend.settings.stack"
    env["PORT"] = str(args.port)
    env.setdefault("SECRET_KEY", _secret_key(state))
    if not env.get("PACK_SIGNING_KEY") and not env.get("PACK_SIGNING_CERT"):
        # Production settings sign every pack: a self-signed franchise certificate of the stack's, made once.
        key, cert, _ = ensure_certificate(state / "signing", "Touchpoint Franchise (make stack)")
        env["PACK_SIGNING_KEY"], env["PACK_SIGNING_CERT"] = str(key), str(cert)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    env["CELERY_BROKER_URL"] = os.environ.get("CELERY_BROKER_URL") or BROKERS[args.broker]
    env.setdefault("CACHE_URL", DEFAULT_CACHE)
    env.setdefault("CELERY_QUEUE", "touchpoint-stack")
    env["STORAGE_BACKEND"] = "s3"
    env.setdefault("S3_BUCKET", "touchpoint-stack")
    env.setdefault("S3_REGION", "us-east-1")
    # Mail to files (one .log per batch), as with ``make run``, unless a provider is named.
    if not env.get("EMAIL_PROVIDER"):
        env["EMAIL_PROVIDER"] = "file"
        env.setdefault("EMAIL_FILE_PATH", str(state / "mail"))
    env["WEB_CONCURRENCY"] = str(args.web_workers)
    own_s3 = not env.get("S3_ENDPOINT_URL")
    if own_s3:
        env["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
        env.setdefault("S3_ACCESS_KEY_ID", "stack")
        env.setdefault("S3_SECRET_ACCESS_KEY", "stack-secret")
    return env, own_s3


def parse(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(prog="python -m backend.stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8100")))
    parser.add_argument("--broker", choices=sorted(BROKERS), default=os.environ.get("BROKER", "redis") or "redis")
    parser.add_argument("--seed", choices=["demo", "minimal", "none"], default=os.environ.get("STACK_SEED", "demo"))
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "4")))
    parser.add_argument("--worker-concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "2")),
                        help="processes in each of the two Celery workers' pools")
    parser.add_argument("--state", type=Path, default=None,
                        help="folder for logs, the beat schedule, mail and the secret key (var/stack)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop)
    var = Path(os.environ.get("TOUCHPOINT_VAR_DIR", ROOT / "var"))
    state = (args.state or var / "stack").resolve()
    logs = state / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env, own_s3 = environment(args, state)
    stack = Stack(env=env, logs=logs)
    py = sys.executable
    try:
        if own_s3 and "DATABASE_URL" not in os.environ:
            # moto keeps its objects in memory: yesterday's database would name photos and PDFs that are gone.
            _drop_database(env["DATABASE_URL"])
        _ensure_database(env["DATABASE_URL"])
        if own_s3:
            stack.start("s3", py, "-m", "moto.server", "-H", "127.0.0.1", "-p", env["S3_ENDPOINT_URL"].rsplit(":", 1)[1])
            _wait("the S3 server", lambda: _http_ok(env["S3_ENDPOINT_URL"] + "/moto-api/"), stack, timeout=60)
        _ensure_bucket(env)
        _manage(env, "migrate", "--no-input", "-v", "0")
        if args.seed != "none":
            _manage(env, "seed_demo", *(["--minimal"] if args.seed == "minimal" else []))

        stack.start("web", py, "-m", "gunicorn", "backend.wsgi", "--config", str(ROOT / "infra/gunicorn.conf.py"),
                    "--bind", f"127.0.0.1:{args.port}", "--workers", env["WEB_CONCURRENCY"])
        tag = uuid.uuid4().hex[:6]  # distinct node names even if two stacks share a host and a broker
        for n in (1, 2):
            stack.start(f"worker{n}", py, "-m", "celery", "-A", "backend", "worker", "-n", f"stack{n}-{tag}@%h",
                        "--concurrency", str(args.worker_concurrency), "--loglevel", "INFO")
        stack.start("beat", py, "-m", "celery", "-A", "backend", "beat", "--loglevel", "INFO",
                    "--schedule", str(state / "celerybeat-schedule"))
        _wait("gunicorn", lambda: _http_ok(f"http://127.0.0.1:{args.port}/accounts/login/"), stack)
        for n in (1, 2):
            _wait(f"worker{n}", lambda n=n: " ready." in stack.log_tail(f"worker{n}", 200), stack)
        print(banner(args, env, stack), flush=True)
        while True:
            stack.check_alive()
            time.sleep(0.5)
    except Stop as stop:
        print(f"stack: {stop.args[0]}: stopping everything", flush=True)
        return 0
    except (ChildDied, subprocess.CalledProcessError) as error:
        print(f"stack: {error}\nstack: stopping everything", file=sys.stderr, flush=True)
        return 1
    finally:
        # A second Ctrl-C while stopping must not leave half the processes behind.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        stack.stop()
        print("stack: stopped", flush=True)


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdin=subprocess.DEVNULL)


def _redact(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return parts.geturl()


def banner(args, env: dict, stack: Stack) -> str:
    base = f"http://127.0.0.1:{args.port}"
    pids = ", ".join(f"{name} {proc.pid}" for name, proc in stack.processes.items())
    password = "from DEMO_PASSWORD" if env.get("DEMO_PASSWORD") else "'demo'"
    typed = "$DEMO_PASSWORD" if env.get("DEMO_PASSWORD") else "demo"
    return f"""
  ================================================================
  Touchpoint stack is running on {base}/
    Network   {base}/app/          Today {base}/app/today/
    API docs  {base}/api/docs/     Admin {base}/admin/
  Logins (password {password}): head.office | auditor | manager.<site code>, e.g. manager.akl-01
  A phone's token: curl -X POST {base}/api/v1/auth/token/ -H 'Content-Type: application/json' \\
                     -d '{{"username": "manager.akl-01", "password": "{typed}"}}'
  Processes (pid): {pids}
    gunicorn: {env['WEB_CONCURRENCY']} sync workers; Celery: 2 workers x {args.worker_concurrency} processes, queue {env['CELERY_QUEUE']}; beat
  PostgreSQL {_redact(env['DATABASE_URL'])}
  Broker     {_redact(env['CELERY_BROKER_URL'])}   cache {_redact(env['CACHE_URL'])}
  S3         {env['S3_ENDPOINT_URL']} bucket {env['S3_BUCKET']}{' (moto, in memory)' if 's3' in stack.processes else ''}
  Logs       {stack.logs}/  (tail -f {stack.logs}/*.log)
  Ctrl-C (or SIGTERM/SIGHUP) stops every process above.
  ================================================================
"""


if __name__ == "__main__":
    sys.exit(main())
