"""CPU seconds used so far by the gunicorn workers and the PostgreSQL backends of the bench database.

    python cpu_snapshot.py <gunicorn master pid> <database name>   -> {"app": {pid: s}, "db": {pid: s}, "wal": {...}}

Taken before and after a phase, it gives CPU milliseconds per request: a figure that, unlike requests per
second, does not depend on what else the machine is running. "wal" is the cluster's pg_stat_wal (records,
full-page images, bytes, flushes): WAL per request, and how much of it is page images.
"""

import json
import os
import subprocess
import sys

import psycopg

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def pids(args: list[str]) -> list[int]:
    out = subprocess.run(["pgrep", *args], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


if __name__ == "__main__":
    master, database = int(sys.argv[1]), sys.argv[2]
    app = {p: cpu_seconds(p) for p in pids(["-P", str(master)])}
    db = {p: cpu_seconds(p) for p in pids(["-f", f"postgres: .* {database} "])}
    with psycopg.connect(os.environ.get("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")) as connection:
        wal = connection.execute("SELECT wal_records, wal_fpi, wal_bytes, wal_sync FROM pg_stat_wal").fetchone()
    print(json.dumps({"app": {str(k): v for k, v in app.items()}, "db": {str(k): v for k, v in db.items()},
                      "wal": dict(zip(("records", "fpi", "bytes", "syncs"), map(int, wal), strict=True))}))
