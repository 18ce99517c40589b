"""The figures of a year at 1,000 and 5,000 sites (bench/year/run.sh runs the steps; each writes JSON into
YEAR_OUT, ``write`` turns them into bench/RESULTS-year.md).

    bench.py sizes <label>             rows and bytes per table, disk use
    bench.py web <label>               GET /api/v1/variance/ and GET /app/ for a quarter and the year
    bench.py pdf <label> <period>      the variance PDF, as the worker renders it (a fresh process)
    bench.py packs <label> <sample> <concurrency>...   the monthly compliance packs by real Celery workers
    bench.py write                     bench/RESULTS-year.md

Every time is set against a baseline measured in the same process and minute: ``SELECT count(*)`` of the
same period's current results (the least any answer about them could cost without the rollup), and between
sizes, the 1,000-site figure. The machine is shared (2 CPUs, other work): the 1-minute load average is
recorded with every figure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(os.environ.get("YEAR_OUT", "/tmp/touchpoint-year"))
RESULTS = ROOT / "bench" / "RESULTS-year.md"
ROUNDS = int(os.environ.get("YEAR_ROUNDS", 3))
FIRST_DAY = dt.date.fromisoformat(os.environ.get("YEAR_FIRST_DAY", "2025-12-01"))
LAST_DAY = FIRST_DAY + dt.timedelta(days=int(os.environ.get("YEAR_DAYS", 365)) - 1)
_m = LAST_DAY.year * 12 + LAST_DAY.month - 1 - 2  # the quarter: the data's last three calendar months
QUARTER = dt.date(_m // 12, _m % 12 + 1, 1)
PERIODS = {"quarter": (QUARTER, LAST_DAY), "year": (FIRST_DAY, LAST_DAY)}
# The scheduled monthly packs are ordered "today": the month before is the data's last month.
PACK_TODAY = LAST_DAY + dt.timedelta(days=5)


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    import django

    django.setup()


def _status(field: str, pid: str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> int:
    """Reset the process' RSS high-water mark (VmHWM) to its current RSS; returns that RSS."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def _save(name: str, data: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(data, indent=1, default=str))
    print(json.dumps(data, default=str)[:2000], flush=True)


def _count_rows(date_from, date_to) -> float:
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM consistency_checkresult WHERE is_current AND date BETWEEN %s AND %s",
                    [date_from, date_to])
        cur.fetchone()
    return time.perf_counter() - t


def _head_office():
    from django.contrib.auth import get_user_model

    from sites.models import Profile, Role

    user, _ = get_user_model().objects.get_or_create(username="bench.head")
    Profile.objects.get_or_create(user=user, defaults={"role": Role.HEAD_OFFICE})
    return user


# --- sizes -------------------------------------------------------------------------------------------

TABLES = ["consistency_checkresult", "consistency_dailycheck", "consistency_evidence", "consistency_siterollup",
          "consistency_sitephotoday", "consistency_correctiveaction", "sites_site", "reports_reportrun"]


def sizes(label: str) -> None:
    _setup()
    from django.db import connection

    rows = {}
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT count(*), pg_table_size('{table}'), pg_indexes_size('{table}'), "
                        f"pg_total_relation_size('{table}') FROM {table}")
            n, heap, idx, total = cur.fetchone()
            rows[table] = {"rows": n, "table": heap, "indexes": idx, "total": total}
        cur.execute("SELECT pg_database_size(current_database())")
        database = cur.fetchone()[0]
        cur.execute("SELECT avg(passed::int), count(DISTINCT site_id) FROM consistency_checkresult")
        pass_rate, sites = cur.fetchone()
        cur.execute("SELECT count(*) FROM sites_site")
        all_sites = cur.fetchone()[0]
    df = subprocess.run(["df", "-h", "/work"], capture_output=True, text=True).stdout.splitlines()[-1]
    _save(f"sizes-{label}", {"tables": rows, "database": database, "pass_rate": float(pass_rate), "sites": all_sites,
                             "sites_with_results": sites, "df": df})


# --- web ---------------------------------------------------------------------------------------------

def web(label: str) -> None:
    """API and page, alternating in one process (Django's test client, DEBUG off), with the count(*) baseline
    before each pair; peak RSS of the process during each request (VmHWM reset before it)."""
    _setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(_head_office())
    out = {"load": [_load()], "periods": {}}
    for name, (date_from, date_to) in PERIODS.items():
        api = ("api", "/api/v1/variance/", {"from": date_from.isoformat(), "to": date_to.isoformat()})
        page = ("page", "/app/", {"period": "custom", "from": date_from.isoformat(), "to": date_to.isoformat()})
        runs = {"api": [], "page": [], "count": []}
        for _what, url, params in (api, page):  # warm: plans, imports, caches
            answer = client.get(url, params)
            assert answer.status_code == 200, (url, answer.status_code, answer.content[:300])
        for i in range(ROUNDS):
            runs["count"].append({"seconds": _count_rows(date_from, date_to)})
            for what, url, params in ((api, page) if i % 2 == 0 else (page, api)):
                before = _reset_peak()
                t, c = time.perf_counter(), time.process_time()
                answer = client.get(url, params)
                body = answer.content
                seconds, cpu = time.perf_counter() - t, time.process_time() - c
                assert answer.status_code == 200, (url, answer.status_code)
                runs[what].append({"seconds": seconds, "cpu": cpu, "peak_rss": _status("VmHWM"),
                                   "rss_growth": _status("VmHWM") - before, "bytes": len(body), "load": _load()})
        queries = {}
        for what, url, params in (api, page):
            with CaptureQueriesContext(connection) as ctx:
                client.get(url, params)
            queries[what] = len(ctx.captured_queries)
        out["periods"][name] = {"from": date_from, "to": date_to, "runs": runs, "queries": queries}
        print(f"{label} {name}: api {[round(r['seconds'], 2) for r in runs['api']]} page "
              f"{[round(r['seconds'], 2) for r in runs['page']]} count {[round(r['seconds'], 2) for r in runs['count']]}",
              flush=True)
    out["load"].append(_load())
    _save(f"web-{label}", out)


# --- variance PDF ------------------------------------------------------------------------------------

def pdf(label: str, period: str) -> None:
    """A variance run of the whole network, ordered by a head office person (reports.services.report_order),
    rendered by the function the Celery task calls (reports.runner.run_report: engine, perception gap,
    render_variance, upload to storage), in this fresh process; its peak RSS, time and CPU."""
    _setup()
    import io

    import pypdf
    from django.db import transaction

    from consistency import storage
    from reports import runner, services
    from reports.models import ReportKind, ReportRun

    date_from, date_to = PERIODS[period]
    user = _head_office()
    with transaction.atomic():  # queued in the database only: the broker's copy is purged before the packs
        run = services.report_order(user=user, kind=ReportKind.VARIANCE, date_from=date_from, date_to=date_to)
    baseline = _count_rows(date_from, date_to)
    load = _load()
    before = _reset_peak()
    t, c = time.perf_counter(), time.process_time()
    status = runner.run_report(run_id=run.id, worker="bench-year")
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    peak = _status("VmHWM")
    run = ReportRun.objects.get(pk=run.id)
    assert status == "done", (status, run.error)
    data = storage.read_bytes(run.pdf_key, max_bytes=500 * 1024 * 1024)
    pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    keep = OUT / f"variance-{label}-{period}.pdf"
    keep.write_bytes(data)
    _save(f"pdf-{label}-{period}", {"seconds": seconds, "cpu": cpu, "peak_rss": peak, "rss_growth": peak - before,
                                    "bytes": len(data), "pages": pages, "count_seconds": baseline, "load": [load, _load()],
                                    "from": date_from, "to": date_to, "file": str(keep)})


# --- compliance packs --------------------------------------------------------------------------------

def _tree_rss(pid: int) -> dict[int, int]:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    found = {}
    for p in procs:
        try:
            found[p.pid] = p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return found


def packs(label: str, sample: int, concurrencies: list[int]) -> None:
    """The month's packs ordered as beat orders them (reports.tasks.order_monthly_packs ->
    services.scheduled_monthly_packs: a run per active site, each queued on the broker), then rendered by real
    Celery workers (prefork, ``-c N``) on the system Redis (CELERY_BROKER_URL): for each N, a worker is started,
    renders ``sample`` packs from the queue and is stopped (warm shutdown); the next N takes the queue on.
    RSS of the worker's processes is sampled every 0.5 s (psutil)."""
    _setup()
    import psutil  # noqa: F401  (fail early)
    from django.db.models import Count, Q

    from backend.celery import app
    from reports import services
    from reports.models import ReportKind, ReportRun, RunStatus

    app.control.purge()  # nothing left over from an earlier step (the variance runs were rendered in-process)
    ReportRun.objects.filter(kind=ReportKind.COMPLIANCE_PACK).delete()
    t = time.perf_counter()
    ordered = services.scheduled_monthly_packs(today=PACK_TODAY)
    order_seconds = time.perf_counter() - t
    out = {"ordered": ordered, "order_seconds": order_seconds, "sample": sample, "today": PACK_TODAY,
           "workers": {}}
    print(f"{label}: {ordered} packs ordered in {order_seconds:.1f} s", flush=True)
    packs_q = ReportRun.objects.filter(kind=ReportKind.COMPLIANCE_PACK)
    for n in concurrencies:
        done_before = packs_q.filter(status=RunStatus.DONE).count()
        log = OUT / f"worker-{label}-c{n}.log"
        env = {**os.environ, "LOG_LEVEL": "WARNING"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool", "prefork", "-c", str(n),
             "-n", f"year-c{n}-{os.getpid()}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        started = time.time()
        peaks: dict[int, int] = {}
        totals, loads = [], []
        try:
            while packs_q.filter(status=RunStatus.DONE).count() < done_before + sample:
                if proc.poll() is not None:
                    raise SystemExit(f"worker exited: {log.read_text()[-3000:]}")
                rss = _tree_rss(proc.pid)
                for pid, value in rss.items():
                    peaks[pid] = max(peaks.get(pid, 0), value)
                totals.append(sum(rss.values()))
                loads.append(_load())
                time.sleep(0.5)
        finally:
            # Warm shutdown, by the main process only (a pool child given SIGTERM itself dies mid-render): the
            # packs being rendered finish.
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=300)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        stopped = time.time()
        since = dt.datetime.fromtimestamp(started, dt.UTC)
        done = list(packs_q.filter(status=RunStatus.DONE, finished_at__gte=since)
                    .values_list("started_at", "finished_at", "pdf_size"))
        failed = packs_q.filter(Q(status=RunStatus.FAILED)).count()
        finished = sorted(f for _, f, _ in done)
        durations = sorted((f - s).total_seconds() for s, f, _ in done)
        # Throughput in the steady state: from the first pack done to the last (worker start-up left out).
        span = (finished[-1] - finished[0]).total_seconds() if len(finished) > 1 else float("nan")
        main_pid = proc.pid
        children = {pid: v for pid, v in peaks.items() if pid != main_pid}
        out["workers"][n] = {
            "done": len(done), "failed": failed, "wall": stopped - started, "span": span,
            "per_minute": (len(finished) - 1) / span * 60 if span == span and span > 0 else None,
            "durations": durations, "median": statistics.median(durations),
            "p90": durations[int(len(durations) * 0.9)], "pdf_bytes": statistics.median(s for *_, s in done),
            "peak_child_rss": max(children.values(), default=0), "peak_main_rss": peaks.get(main_pid, 0),
            "peak_total_rss": max(totals, default=0), "children_seen": len(children),
            "load": [min(loads, default=0), statistics.median(loads) if loads else 0, max(loads, default=0)],
            "statuses": dict(packs_q.values_list("status").annotate(n=Count("id")).order_by()),
        }
        print(f"{label} -c {n}: {out['workers'][n]['done']} packs, {out['workers'][n]['per_minute']:.1f}/min, "
              f"median {out['workers'][n]['median']:.2f} s, peak child RSS {max(children.values(), default=0) / 1e6:.0f} MB",
              flush=True)
    # One pack kept to look at.
    from consistency import storage

    run = packs_q.filter(status=RunStatus.DONE).order_by("finished_at").first()
    if run is not None:
        (OUT / f"pack-{label}.pdf").write_bytes(storage.read_bytes(run.pdf_key, max_bytes=500 * 1024 * 1024))
    app.control.purge()
    _save(f"packs-{label}", out)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "sizes":
        sizes(args[0])
    elif command == "web":
        web(args[0])
    elif command == "pdf":
        pdf(args[0], args[1])
    elif command == "packs":
        packs(args[0], int(args[1]), [int(n) for n in args[2:]])
    elif command == "write":
        from write import write  # bench/year/write.py

        write(OUT, RESULTS)
    else:
        raise SystemExit(__doc__)
