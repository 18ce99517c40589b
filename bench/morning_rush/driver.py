"""The morning rush, end to end: start ``make stack`` (backend/stack.py) on a fresh database, seed the rush's
sites in bulk (setup.py), then drive it with the open-loop generator (locustfile.py), one locust process per
phase, while sampling every process's CPU once a second:

1. ramp: arrivals of whole site mornings at rising rates (x1.5 per step) until the completed sites per second
   stop rising: the throughput at saturation;
2. baseline ramp: the same for ``GET /api/v1/me/`` (the trivial endpoint of the same stack);
3. rush: SITES sites (5,000) at RUSH_RATE, by default 60% of the saturation measured in step 1;
4. baseline: ``GET /api/v1/me/`` at the rush's own rate of API requests, right after it.

Writes bench/RESULTS-morning_rush.md and the raw figures to var/bench-rush/results.json.
Knobs (environment): SITES (5000: sites, managers and tokens made), RUSH_SITES (SITES: how many of them the rush
sends), RUSH_RATE, RUSH_SHARE (0.6), STEP_SECONDS (20), RAMP_START (0.5),
WEB_WORKERS (4), BROKER (redis), CELERY_BROKER_URL / CACHE_URL (Redis db 2 / 3), PHOTO_SIZE (1024x768),
BENCH_DB (touchpoint_bench_rush).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from backend.stack import _drop_database, free_port  # noqa: E402

HERE = Path(__file__).resolve().parent
VAR = ROOT / "var" / "bench-rush"
API_REQUESTS_PER_SITE = 5  # the check, and per photo: the upload asked for and the confirmation
S3_REQUESTS_PER_SITE = 2
PY = sys.executable


def knob(name: str, default: str) -> str:
    return os.environ.get(name) or default


class Sampler(threading.Thread):
    """Every process's CPU seconds (user + system, and its reaped children's), once a second, grouped by what
    the process is. A process that ends keeps its last sample, so a recycled gunicorn worker or a closed
    database session still counts."""

    def __init__(self, stack_pid: int, database: str, database_url: str):
        super().__init__(daemon=True)
        self.stack_pid, self.database, self.database_url = stack_pid, database, database_url
        self.last: dict[int, tuple[str, float]] = {}
        self.generator_pids: set[int] = set()
        self.running = True
        self.lock = threading.Lock()

    def group(self, p: psutil.Process) -> str | None:
        if p.pid in self.generator_pids:
            return "generator (locust)"
        line = " ".join(p.cmdline())
        if "gunicorn" in line:
            return "gunicorn (web)"
        if "celery" in line and " worker" in line:
            return "celery workers"
        if "celery" in line and " beat" in line:
            return "celery beat"
        if "moto.server" in line:
            return "S3 server (moto)"
        if "backend.stack" in line:
            return "stack runner"
        return None

    def sample(self) -> None:
        seen: dict[int, tuple[str, float]] = {}
        try:
            root = psutil.Process(self.stack_pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for pid in self.generator_pids:
            try:
                tree.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                pass
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            backends = [r[0] for r in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.database]).fetchall()]
        for p in tree:
            try:
                name = self.group(p)
                if name:
                    t = p.cpu_times()
                    seen[p.pid] = (name, t.user + t.system + t.children_user + t.children_system)
            except psutil.NoSuchProcess:
                pass
        for pid in backends:
            try:
                t = psutil.Process(pid).cpu_times()
                seen[pid] = ("PostgreSQL (this database's sessions)", t.user + t.system)
            except psutil.NoSuchProcess:
                pass
        with self.lock:
            self.last.update(seen)

    def snapshot(self) -> dict[int, tuple[str, float]]:
        self.sample()
        with self.lock:
            return dict(self.last)

    def run(self) -> None:
        while self.running:
            try:
                self.sample()
            except Exception as error:  # noqa: BLE001 - a missed sample is not worth stopping the bench for
                print(f"sampler: {error}", file=sys.stderr)
            time.sleep(1)


def cpu_between(before: dict, after: dict) -> dict[str, dict]:
    """CPU seconds per group between two snapshots, and the busiest single process of each group."""
    groups: dict[str, dict] = {}
    for pid, (name, seconds) in after.items():
        used = seconds - before.get(pid, (name, 0.0))[1]
        g = groups.setdefault(name, {"seconds": 0.0, "processes": 0, "busiest": 0.0})
        g["seconds"] += used
        g["processes"] += used > 0.005  # alive (and working) during the phase
        g["busiest"] = max(g["busiest"], used)
    return groups


def machine_cpu() -> float:
    t = psutil.cpu_times()
    return t.user + t.system + t.nice + getattr(t, "irq", 0) + getattr(t, "softirq", 0)


def run_phase(host: str, plan: Path, sampler: Sampler, *, phase: str, rate: float, first: int, count: int,
              tag: str, photo_size: str) -> dict:
    out = VAR / f"{tag}.json"
    before, machine_before, wall_before = sampler.snapshot(), machine_cpu(), time.monotonic()
    proc = subprocess.Popen(
        [PY, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "-u", "1", "-r", "1",
         "--host", host, "--only-summary", "--loglevel", "WARNING", "--plan", str(plan), "--phase", phase,
         "--rate", str(rate), "--first", str(first), "--count", str(count), "--out", str(out),
         "--photo-size", photo_size, "--stop-timeout", "300"],
        cwd=ROOT, stdout=(VAR / f"{tag}.log").open("wb"), stderr=subprocess.STDOUT)
    sampler.generator_pids.add(proc.pid)
    proc.wait()
    after, machine_after, wall = sampler.snapshot(), machine_cpu(), time.monotonic() - wall_before
    sampler.generator_pids.discard(proc.pid)
    if not out.exists():
        raise SystemExit(f"{tag}: the generator wrote nothing; see {VAR / (tag + '.log')}")
    result = summarise(json.loads(out.read_text()))
    result["cpu"] = cpu_between(before, after)
    result["machine_cpu_seconds"] = machine_after - machine_before
    result["wall_seconds"] = wall
    return result


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def summarise(raw: dict) -> dict:
    sites = raw["sites"]
    ok = [s for s in sites if s.get("ok")]
    errors: dict[str, int] = {}
    for s in sites:
        if not s.get("ok"):
            key = s.get("error", "unfinished")
            errors[key] = errors.get(key, 0) + 1
    span = raw["finished"] - raw["start"]
    by_name: dict[str, list[float]] = {}
    failed_requests = 0
    for name, _start, ms, good in raw["requests"]:
        by_name.setdefault(name, []).append(ms)
        failed_requests += not good
    return {
        "phase": raw["phase"], "rate": raw["rate"], "count": raw["count"], "ok": len(ok), "errors": errors,
        "failed_requests": failed_requests, "span_seconds": span,
        "throughput": len(ok) / span if span > 0 else 0.0,
        "site_ms": {"p50": pct([s["ms"] for s in ok], 50), "p99": pct([s["ms"] for s in ok], 99),
                    "max": max((s["ms"] for s in ok), default=float("nan"))},
        "requests": {name: {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99)} for name, v in sorted(by_name.items())},
        "request_count": len(raw["requests"]),
        "lateness_max_ms": raw["lateness_max_ms"],
    }


def ramp(host, plan, sampler, *, phase: str, start_rate: float, step_seconds: float, first: int, limit: int,
         photo_size: str, factor: float = 1.5) -> tuple[list[dict], int]:
    """Rising arrival rates until the throughput stops rising (under 10% more than the best step before) or
    the step has errors; returns the steps and the next unused site."""
    steps, rate, best = [], start_rate, 0.0
    while True:
        count = max(1, round(rate * step_seconds))
        if phase == "rush" and first + count > limit:
            print(f"ramp: out of sites at {rate:.2f}/s", file=sys.stderr)
            break
        step = run_phase(host, plan, sampler, phase=phase, rate=round(rate, 3), first=first if phase == "rush" else 0,
                         count=count, tag=f"ramp-{phase}-{len(steps) + 1}", photo_size=photo_size)
        if phase == "rush":
            first += count
        steps.append(step)
        print(f"ramp {phase}: offered {rate:.2f}/s -> {step['throughput']:.2f}/s completed, "
              f"p50 {step['site_ms']['p50']:.0f} ms, p99 {step['site_ms']['p99']:.0f} ms, errors {sum(step['errors'].values())}",
              flush=True)
        rising = step["throughput"] > 1.1 * best
        best = max(best, step["throughput"])
        if not rising or step["errors"]:
            break
        rate *= factor
    return steps, first


def start_stack(env: dict, port: int, web_workers: int) -> tuple[subprocess.Popen, str]:
    out = VAR / "stack.out"
    proc = subprocess.Popen([PY, "-m", "backend.stack", "--port", str(port), "--seed", "minimal",
                             "--web-workers", str(web_workers), "--worker-concurrency", "1"],
                            cwd=ROOT, env=env, stdout=out.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = out.read_text(errors="replace")
        if "Touchpoint stack is running" in text:
            return proc, text
        if proc.poll() is not None:
            raise SystemExit(f"the stack exited:\n{text}")
        time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    raise SystemExit("the stack was not ready after 300 s")


def main() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    sites = int(knob("SITES", "5000"))
    rush_sites = int(knob("RUSH_SITES", str(sites)))  # fewer than SITES only when time is short: say so
    step_seconds = float(knob("STEP_SECONDS", "20"))
    photo_size = knob("PHOTO_SIZE", "1024x768")
    web_workers = int(knob("WEB_WORKERS", "4"))
    database = knob("BENCH_DB", "touchpoint_bench_rush")
    server = knob("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    database_url = f"{server}/{database}"
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "TOUCHPOINT_VAR_DIR": str(VAR),
           "CELERY_QUEUE": f"bench-rush-{port}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _drop_database(database_url)  # a fresh franchise: the stack creates the database again
    load_before = os.getloadavg()
    stack, banner = start_stack(env, port, web_workers)
    try:
        plan = VAR / "plan.json"
        ramp_pool = int(knob("RAMP_SITES", "2500"))
        setup_env = {**env, "DJANGO_SETTINGS_MODULE": "backend.settings.stack",
                     "SECRET_KEY": "bench-" + "x" * 60, "STORAGE_BACKEND": "local"}
        subprocess.run([PY, str(HERE / "setup.py"), str(plan), str(sites + ramp_pool)], cwd=ROOT, env=setup_env,
                       check=True)
        setup_seconds = json.loads(plan.read_text())["seconds"]
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("ANALYZE")
        sampler = Sampler(stack.pid, database, f"{server}/postgres")
        sampler.start()
        # Not measured: every gunicorn worker's first requests (imports, connections, prepared statements).
        run_phase(host, plan, sampler, phase="rush", rate=1.0, first=sites + ramp_pool - 20, count=20, tag="warm-up",
                  photo_size=photo_size)

        rush_steps, _ = ramp(host, plan, sampler, phase="rush", start_rate=float(knob("RAMP_START", "0.5")),
                             step_seconds=step_seconds, first=sites, limit=sites + ramp_pool - 20, photo_size=photo_size)
        saturation = max(s["throughput"] for s in rush_steps)
        ping_steps, _ = ramp(host, plan, sampler, phase="baseline", start_rate=20.0, step_seconds=step_seconds / 2,
                             first=0, limit=sites, photo_size=photo_size, factor=2.0)
        ping_saturation = max(s["throughput"] for s in ping_steps)

        rate = float(knob("RUSH_RATE", "0") or 0) or round(float(knob("RUSH_SHARE", "0.6")) * saturation, 2)
        print(f"rush: {rush_sites} sites at {rate}/s (saturation {saturation:.2f}/s)", flush=True)
        rush = run_phase(host, plan, sampler, phase="rush", rate=rate, first=0, count=rush_sites, tag="rush",
                         photo_size=photo_size)
        ping_rate = rate * API_REQUESTS_PER_SITE
        baseline = run_phase(host, plan, sampler, phase="baseline", rate=ping_rate, first=0,
                             count=max(200, round(ping_rate * 60)), tag="baseline", photo_size=photo_size)
        sampler.running = False
    finally:
        stack.send_signal(signal.SIGTERM)
        stack.wait(timeout=60)
    results = {"when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "sites": sites,
               "setup_seconds": setup_seconds, "ramp_sites": ramp_pool, "rush_sites": rush_sites, "load_before": load_before, "web_workers": web_workers,
               "photo_size": photo_size, "step_seconds": step_seconds, "saturation": saturation,
               "ping_saturation": ping_saturation, "rush_steps": rush_steps, "ping_steps": ping_steps,
               "rush": rush, "baseline": baseline, "broker": env.get("BROKER", "redis"),
               "cores": psutil.cpu_count()}
    (VAR / "results.json").write_text(json.dumps(results, indent=1, default=str))
    from report import write  # noqa: PLC0415 - bench/morning_rush/report.py, beside this file

    write(results, ROOT / "bench" / "RESULTS-morning_rush.md")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
