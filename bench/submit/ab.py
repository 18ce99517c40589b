"""Two versions of the code, interleaved on one database: which submits faster, on a noisy machine.

    bench/submit/ab.sh <checkout A> <checkout B>        (knobs: SLICES, DURATION, WARMUP, WORKERS, CLIENTS)

``run.sh`` measures one version per run; on a shared machine whose speed drifts by 30% from one minute to the
next, two such runs a few minutes apart cannot tell a 10% change. Here both versions serve at once, each under
its own gunicorn (same settings, same database, same plan), and the load alternates between them in short
slices, A B B A A B ..., with the baseline ping between them. Each version's figure is the median of its
slices, and each slice's ratio is taken against the pings measured beside it. Every slice has its own sites
(one check per site and day), taken alternately from each manager's list, so both versions get the same mix.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root: str, env: dict, workers: int, log: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [os.path.join(root, ".venv", "bin", "gunicorn"), "backend.wsgi:application", "--workers", str(workers),
         "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--pythonpath", f"{root},{HERE}",
         "--log-level", "warning", "--error-logfile", log],
        cwd=HERE, env={**env, "PYTHONPATH": f"{root}:{HERE}"})
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/ping/")
            return proc, port
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn for {root} did not start (see {log})")


def phase(proc: subprocess.Popen, port: int, db: str, args: list[str], clients: int, seconds: float,
          warmup: float) -> dict:
    py = sys.executable

    def snapshot() -> dict:
        return json.loads(subprocess.run([py, os.path.join(HERE, "cpu_snapshot.py"), str(proc.pid), db],
                                         capture_output=True, text=True, check=True).stdout)

    before = snapshot()
    out = subprocess.run([py, os.path.join(HERE, "loadgen.py"), "--port", str(port), "--clients", str(clients),
                          "--seconds", str(seconds), "--warmup", str(warmup), *args],
                         capture_output=True, text=True, check=True).stdout
    after = snapshot()
    result = json.loads(out)
    for part in ("app", "db"):
        used = sum(v - before[part].get(k, 0.0) for k, v in after[part].items())
        result[f"cpu_ms_{part}"] = round(1000 * used / result["requests_total"], 3)
    return result


def main(root_a: str, root_b: str) -> None:
    db = os.environ.get("BENCH_DB", "touchpoint_bench_ab")
    pg = os.environ.get("PGURL", "postgres://postgres@127.0.0.1:5432")
    slices = int(os.environ.get("SLICES", "4"))
    seconds, warmup = float(os.environ.get("DURATION", "8")), float(os.environ.get("WARMUP", "2"))
    clients, workers = int(os.environ.get("CLIENTS", "16")), int(os.environ.get("WORKERS", 2 * os.cpu_count()))
    plan = json.load(open(os.environ["PLAN"]))
    import datetime as dt

    import psycopg

    with psycopg.connect(f"{pg}/{db}") as c:
        done = {r[0] for r in c.execute("SELECT s.code FROM sites_site s JOIN consistency_dailycheck d "
                                        "ON d.site_id = s.id WHERE d.date = %s", [dt.datetime.now(dt.UTC).date()])}
    tmp = tempfile.mkdtemp(prefix="touchpoint-ab-")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_settings", "DATABASE_URL": f"{pg}/{db}",
           "SECURE_SSL_REDIRECT": "false", "STORAGE_BACKEND": "local", "TOUCHPOINT_VAR_DIR": tmp}
    env.setdefault("SECRET_KEY", "ab-" + os.urandom(24).hex())
    servers = {name: serve(root, env, workers, os.path.join(tmp, f"gunicorn-{name}.log"))
               for name, root in (("A", root_a), ("B", root_b))}
    order = [("A", "B") if i % 2 == 0 else ("B", "A") for i in range(slices)]
    parts = 2 * slices
    results: dict[str, list[dict]] = {"A": [], "B": []}
    pings: list[dict] = []
    print(f"{workers} sync workers per version on {os.cpu_count()} CPUs; {clients} clients; {slices} slices each "
          f"of {seconds:g}s after {warmup:g}s warm-up; load average {open('/proc/loadavg').read().split()[:3]}",
          flush=True)
    try:
        n = 0
        for pair in order:
            for name in pair:
                part = {"values": plan["values"],
                        "clients": [{"token": c["token"],
                                     "sites": [s for s in c["sites"] if s not in done][n::parts]}
                                    for c in plan["clients"]]}
                n += 1
                path = os.path.join(tmp, f"plan-{n}.json")
                json.dump(part, open(path, "w"))
                proc, port = servers[name]
                ping = phase(proc, port, db, ["--mode", "ping"], clients, seconds, warmup)
                result = phase(proc, port, db, ["--mode", "submit", "--plan", path], clients, seconds, warmup)
                result["ratio"] = round(result["rps"] / ping["rps"], 4)
                results[name].append(result)
                pings.append(ping)
                print(f"{name}: ping {ping['rps']:7.1f} req/s | submit {result['rps']:6.1f} req/s, ratio "
                      f"{result['ratio']:.3f}x, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
                      f"errors {result['errors']}, CPU/request app {result['cpu_ms_app']} + db "
                      f"{result['cpu_ms_db']} ms"
                      + (f" (INVALID: {result['clients_out_of_sites']} clients ran out of sites; seed more)"
                         if result["clients_out_of_sites"] else ""), flush=True)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
    summary = {}
    for name, root in (("A", root_a), ("B", root_b)):
        rs = results[name]
        summary[name] = {"code": root, **{k: statistics.median(r[k] for r in rs)
                                          for k in ("rps", "ratio", "p50_ms", "p99_ms", "cpu_ms_app", "cpu_ms_db")},
                         "errors": sum(r["errors"] for r in rs), "slices": rs}
        s = summary[name]
        print(f"{name} ({root}): median of {len(rs)} slices: ratio {s['ratio']:.3f}x, {s['rps']:.1f} req/s, "
              f"p99 {s['p99_ms']} ms, CPU/request app {s['cpu_ms_app']:.2f} + db {s['cpu_ms_db']:.2f} ms, "
              f"errors {s['errors']}")
    wins = sum(b["ratio"] > a["ratio"] for a, b in zip(results["A"], results["B"], strict=True))
    print(f"B/A: ratio {summary['B']['ratio'] / summary['A']['ratio']:.3f}, CPU per submission "
          f"{(summary['B']['cpu_ms_app'] + summary['B']['cpu_ms_db']) / (summary['A']['cpu_ms_app'] + summary['A']['cpu_ms_db']):.3f}; "
          f"B's ratio higher in {wins} of {slices} adjacent pairs")
    out = os.environ.get("OUT", os.path.join(HERE, "last-ab.json"))
    json.dump({"pings": pings, **summary}, open(out, "w"), indent=2)
    print(f"-> {out}")


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
