"""CPU seconds used so far by the gunicorn workers and the PostgreSQL backends of the bench database.

    python cpu_snapshot.py <gunicorn master pid> <database name>   -> {"app": s, "db": s, "pids": {...}}

Taken before and after a phase, it gives CPU milliseconds per request: a figure that, unlike requests per
second, does not depend on what else the machine is running.
"""

import json
import os
import subprocess
import sys

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
    print(json.dumps({"app": {str(k): v for k, v in app.items()}, "db": {str(k): v for k, v in db.items()}}))
