"""The audit trail's costs, each as a ratio to a baseline measured in the same run (see run.sh).

Appending: ``record()`` (advisory lock, read of the head with the database's clock, INSERT of a hashed row) against
a plain INSERT of the same row into a table like the trail's without the chain, each in its own transaction.
Verifying: ``manage.py audit_verify`` (stream, parse, hash, compare) against a plain streamed read of the same
rows, both in processes of their own so that peak memory is the command's alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time

import django

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from audit import chain  # noqa: E402
from audit.models import Action  # noqa: E402
from audit.services import record  # noqa: E402

APPENDS = int(os.environ.get("BENCH_APPENDS", 2000))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", 1_000_000))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
RESULTS = os.path.join(os.path.dirname(__file__), "..", "RESULTS-audit.md")
DATA = {"kind": "compliance_pack", "sha256": "3f" * 32, "from": "2026-11-01", "to": "2026-11-30", "sites": ["AKL-01"]}

READ_ONLY = """
import os, sys, time, django
sys.path.insert(0, os.getcwd())
django.setup()
from django.db import connection
started = time.perf_counter()
n = 0
with connection.chunked_cursor() as cursor:
    cursor.execute("SELECT seq, at, actor_id, actor_name, action, target_type, target_id, site_code, data::text, "
                   "request_id, prev_hash, hash FROM audit_auditentry ORDER BY seq")
    while rows := cursor.fetchmany(5000):
        n += len(rows)
print(n, time.perf_counter() - started)
"""


def appends(n: int, offset: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        record(Action.REPORT_DOWNLOADED, actor=None, target_type="reports.reportrun", target_id=offset + i,
               site="AKL-01", data=DATA)
    return time.perf_counter() - started


def plain_inserts(n: int, offset: int) -> float:
    row = json.dumps(DATA)
    started = time.perf_counter()
    for i in range(n):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain_entry (seq, at, actor_id, actor_name, action, target_type, target_id, "
                "site_code, data, request_id, prev_hash, hash) VALUES (%s, clock_timestamp(), NULL, '', %s, "
                "'reports.reportrun', %s, 'AKL-01', %s::jsonb, NULL, %s, %s)",
                [offset + i + 1, Action.REPORT_DOWNLOADED.value, str(offset + i), row, "0" * 64, f"{offset + i:064x}"])
    return time.perf_counter() - started


def threaded(threads: int, per_thread: int) -> float:
    start = threading.Barrier(threads + 1)
    errors = []

    def work(k):
        try:
            start.wait()
            appends(per_thread, 10_000_000 * (k + 1))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    start.wait()
    began = time.perf_counter()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - began


def fill(total: int) -> None:
    """Append chained entries up to ``total`` with COPY, hashed exactly as record() hashes them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM audit_auditentry ORDER BY seq DESC LIMIT 1")
        seq, head = cursor.fetchone() or (0, chain.GENESIS)
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    actions = [a.value for a in Action]
    with connection.cursor() as cursor, cursor.cursor.copy(
            "COPY audit_auditentry (seq, at, actor_id, actor_name, action, target_type, target_id, site_code, data, "
            "request_id, prev_hash, hash) FROM STDIN") as copy:
        while seq < total:
            seq += 1
            fields = {"seq": seq, "at": at + dt.timedelta(seconds=seq), "actor_id": None, "actor_name": "",
                      "action": actions[seq % len(actions)], "target_type": "reports.reportrun",
                      "target_id": str(seq), "site_code": f"S{seq % 5000:04d}", "data": {**DATA, "n": seq},
                      "request_id": None, "prev_hash": head}
            head = chain.entry_hash(fields)
            copy.write_row([seq, fields["at"], None, "", fields["action"], fields["target_type"], fields["target_id"],
                            fields["site_code"], json.dumps(fields["data"]), None, fields["prev_hash"], head])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditentry")


# Runs a script or manage.py, then prints its own peak resident memory (the kernel's) on stderr's last line.
PEAK = ("import resource, runpy, sys\nsys.argv = sys.argv[1:]\ntry:\n    runpy.run_path(sys.argv[0], "
        "run_name='__main__')\nfinally:\n    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")


def in_process(args: list[str]) -> tuple[str, float, float]:
    """Run the script ``args`` in a process of its own: its output, wall seconds and peak resident memory (MB)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True, cwd=ROOT,
                          env=os.environ)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr or done.stdout)
    return done.stdout.strip(), seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


READ_SCRIPT = os.path.join(os.environ.get("TOUCHPOINT_VAR_DIR", "/tmp"), "bench_audit_read.py")


def verify_vs_read(n: int) -> dict:
    fill(n)
    reads, verifies, out = [], [], ""
    for _ in range(3):
        line, _, read_mb = in_process([READ_SCRIPT])
        reads.append(float(line.split()[1]))
        out, seconds, verify_mb = in_process(["manage.py", "audit_verify"])
        verifies.append(seconds)
    assert f"{n} entries" in out, out
    return {"n": n, "read": statistics.median(reads), "verify": statistics.median(verifies), "out": out,
            "verify_mb": verify_mb, "read_mb": read_mb}


def main() -> None:
    with open(READ_SCRIPT, "w") as f:
        f.write(READ_ONLY)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_plain_entry (LIKE audit_auditentry INCLUDING ALL)")
    record(Action.REPORT_DOWNLOADED, actor=None, target_type="reports.reportrun", target_id=0, data=DATA)  # warm
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        record(Action.REPORT_DOWNLOADED, actor=None, target_type="reports.reportrun", target_id=0, data=DATA)
    statements = sum(q["sql"] not in ("BEGIN", "COMMIT") for q in queries)  # Django 5 logs its transaction's too
    chained, plain = [], []
    per_round = APPENDS // ROUNDS
    for r in range(ROUNDS):
        chained.append(appends(per_round, r * per_round) / per_round)
        plain.append(plain_inserts(per_round, r * per_round) / per_round)
    one, four = threaded(1, 250), threaded(4, 250)
    small = verify_vs_read(100_000)
    large = verify_vs_read(ENTRIES)
    c, p = statistics.median(chained), statistics.median(plain)
    lines = [
        "## Audit trail",
        "",
        f"`bench/audit/run.sh`, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} "
        f"({os.cpu_count()} cores, shared), PostgreSQL on 127.0.0.1. Medians of {ROUNDS} alternating rounds.",
        "",
        "| figure | measured | baseline (same run) | ratio |",
        "| --- | --- | --- | --- |",
        f"| one append (`record()`: lock, head, hashed INSERT), own transaction | {c * 1000:.2f} ms | a plain INSERT "
        f"of the same row, own transaction: {p * 1000:.2f} ms | {c / p:.2f}x |",
        f"| statements per append (pinned in tests/audit/test_chain.py) | {statements} | 1 | |",
        f"| 1,000 appends from 4 threads at once | {four:.2f} s | 250 from 1 thread: {one:.2f} s "
        f"(x4 = {one * 4:.2f} s) | {four / (one * 4):.2f}x of serial |",
    ]
    for m in (small, large):
        lines.append(f"| `audit_verify`, {m['n']:,} entries | {m['verify']:.1f} s ({m['n'] / m['verify']:,.0f} "
                     f"entries/s), peak {m['verify_mb']:.0f} MB | the same rows read through a server-side cursor: "
                     f"{m['read']:.1f} s | {m['verify'] / m['read']:.1f}x |")
    lines += [
        "",
        "What limits an append: the advisory lock serialises the head's read, the INSERT and the commit (that is "
        "what keeps the chain a chain); the rest (Python, the round trips) runs side by side, so four writers "
        "overlap rather than queue. Each holds the lock until its own commit, which is why services call "
        "`record()` last in their transaction. What limits `audit_verify`: Python's "
        "JSON parse and canonical dump of each entry's data and the SHA-256 over it, one core; the read itself is "
        "the baseline. Memory is the batch of 5,000 rows in flight, the same at 100,000 and at the full count.",
        "",
        f"Last line of `audit_verify` at {large['n']:,}: `{large['out']}`",
        "",
    ]
    with open(RESULTS, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
