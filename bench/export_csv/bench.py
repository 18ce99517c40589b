"""The results export against PostgreSQL's own COPY of the same query, one command: bench/export_csv/run.sh

``--child generate`` (run.sh, on a fresh database): SITES (1,000) sites in 10 regions, a standard of 40
criteria (10 touch points x boolean, score, number at most, number at least), and by SQL generate_series: a
current check per site and day for DAYS (250) days (5% late), 1% of them amended (the superseded check and its
results stay, not exported), 40 results per check (10 million), an audit of 10 criteria per site and month and a
feedback response per site and day (to a question mapped to a criterion, to a touch point, or to nothing).

Then, for each period of PERIODS days (25 and 250: 1 and 10 million check results), in the same run, each
measurement in a fresh process, ROUNDS (2) rounds alternating:

- ``stream``: GET /api/v1/exports/results.csv for head office's whole network through Django's test client (the
  URL, the middleware, DRF's sign-in, the view), its streamed body consumed chunk by chunk: the export's own
  path (exports.copy reading psycopg's COPY and handing out 256 kB chunks). Wall time from the request to the
  last byte, bytes and lines, and the process's peak RSS above where it stood before the request (VmHWM reset).
- ``copy``: ``psql -c "COPY (the same query, the same parameters bound) TO STDOUT (FORMAT csv, HEADER)"``, its
  output counted by ``wc -c``: PostgreSQL's own COPY read by its own C client, the fastest the rows leave it.

The best round of each is compared (the machine is shared; the best is the least disturbed). Writes
bench/RESULTS-export.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "RESULTS-export.md"
SITES = int(os.environ.get("BENCH_SITES", 1000))
DAYS = int(os.environ.get("BENCH_DAYS", 250))
PERIODS = [int(n) for n in os.environ.get("BENCH_PERIODS", "25,250").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 2))
RUN = os.environ.get("BENCH_RUN", "1") == "1"  # also the background run of the longest period
FIRST_DAY = dt.date(2025, 1, 1)
KINDS = ["boolean", "score", "number_lte", "number_gte"]
URL = "/api/v1/exports/results.csv"


def _setup():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _status(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(name)


# --- the data -------------------------------------------------------------------------------------------

def standard_doc() -> dict:
    tps = []
    for t in range(10):
        criteria = []
        for c, kind in enumerate(KINDS):
            spec = {"key": f"tp{t}_c{c}", "prompt": f"Criterion {c} of touch point {t}", "weight": 1 + (t + c) % 3}
            if kind == "boolean":
                spec.update(kind="boolean")
            elif kind == "score":
                spec.update(kind="score", target=4)
            elif kind == "number_lte":
                spec.update(kind="number", unit="minutes", comparison="lte", target=5, tolerance=1)
            else:
                spec.update(kind="number", unit="%", comparison="gte", target=95, tolerance=2)
            criteria.append(spec)
        tps.append({"key": f"tp{t}", "name": f"Touch point {t}", "criteria": criteria})
    return {"standard": {"slug": "brand", "name": "Bench Standard"}, "notes": "bench", "touch_points": tps}


CHECKS_SQL = """
INSERT INTO consistency_dailycheck (site_id, date, version_id, submitted_by_id, performed_at, received_at,
                                    client_id, late, is_current, amendment_reason, score)
SELECT s.id, d::date, %(version)s, %(user)s, d + interval '9 hours', d + interval '10 hours',
       gen_random_uuid(), random() < 0.05, true, '', 0
FROM sites_site s CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
"""

AMEND_SQL = """
INSERT INTO consistency_dailycheck (site_id, date, version_id, submitted_by_id, performed_at, received_at,
                                    client_id, late, is_current, superseded_at, amendment_reason, score)
SELECT site_id, date, version_id, submitted_by_id, performed_at - interval '1 hour', received_at - interval '1 hour',
       gen_random_uuid(), late, false, received_at, '', 0
FROM consistency_dailycheck WHERE is_current AND random() < 0.01
"""

# Values as each kind of criterion has them; a site's chance of passing differs by site and criterion.
RESULTS_SQL = """
INSERT INTO consistency_checkresult (daily_check_id, criterion_id, site_id, date, is_current, value, note,
                                     met, passed, deviation)
SELECT dc.id, c.id, dc.site_id, dc.date, dc.is_current,
       CASE c.kind WHEN 'boolean' THEN ok::int WHEN 'score' THEN CASE WHEN ok THEN 4 + (random() < 0.5)::int
            ELSE 1 + floor(random() * 3) END
            ELSE CASE WHEN c.comparison = 'lte' THEN CASE WHEN ok THEN round((random() * 6)::numeric, 1)
                 ELSE round((6 + random() * 10)::numeric, 1) END
                 ELSE CASE WHEN ok THEN round((93 + random() * 7)::numeric, 1)
                 ELSE round((60 + random() * 33)::numeric, 1) END END END,
       '', ok, ok AND random() < 0.98, CASE WHEN ok THEN 0 ELSE round((random() * 1.5)::numeric, 4)::float8 END
FROM consistency_dailycheck dc
CROSS JOIN consistency_criterion c
CROSS JOIN LATERAL (SELECT random() < 0.55 + 0.44 * (((dc.site_id * 7919 + c.id * 104729) %% 1000) / 1000.0)
                    AS ok) r
WHERE c.version_id = %(version)s AND dc.id BETWEEN %(lo)s AND %(hi)s
"""

AUDITS_SQL = """
WITH made AS (
    INSERT INTO customer_audit (site_id, date, kind, version_id, submitted_by_id, performed_at, received_at,
                                client_id, score, observed)
    SELECT s.id, m::date + (s.id %% 28)::int, CASE WHEN s.id %% 3 = 0 THEN 'mystery_shop' ELSE 'audit' END,
           %(version)s, %(user)s, m + interval '12 hours', m + interval '13 hours', gen_random_uuid(), 0.8, 10
    FROM sites_site s CROSS JOIN generate_series(%(first)s::date, %(last)s::date - 28, interval '1 month') m
    RETURNING id
)
INSERT INTO customer_auditresult (audit_id, criterion_id, value, note, met, passed, deviation)
SELECT a.id, c.id, ok::int, '', ok, ok, CASE WHEN ok THEN 0 ELSE 1 END
FROM made a CROSS JOIN (SELECT id FROM consistency_criterion WHERE version_id = %(version)s ORDER BY id LIMIT 10) c
CROSS JOIN LATERAL (SELECT random() < 0.8 + 0 * a.id AS ok) r
"""

FEEDBACK_SQL = """
INSERT INTO customer_feedbackresponse (site_id, date, channel, question_id, scale, score, normalized, comment,
                                       response_id, received_at)
SELECT s.id, d::date, CASE WHEN r < 0.5 THEN 'survey' ELSE 'sms' END, q.id, '0-10', score, score / 10.0,
       CASE WHEN r < 0.05 THEN 'Friendly staff, "quick" service' ELSE '' END, '', d + interval '20 hours'
FROM sites_site s CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
CROSS JOIN LATERAL (SELECT random() + 0 * s.id AS r, floor(random() * 11) AS score) x
LEFT JOIN customer_feedbackquestion q ON q.id = (SELECT min(id) FROM customer_feedbackquestion)
                                         + (s.id + extract(doy FROM d)::int) %% 4
"""


def child_generate() -> dict:
    _setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from consistency.services import standard as services
    from consistency.services.standard_document import parse_document
    from customer.models import FeedbackQuestion
    from sites.models import Profile, Region, Role, Site

    started = time.perf_counter()
    regions = [Region.objects.create(code=f"r{i}", name=f"Region {i}") for i in range(10)]
    zones = ["Pacific/Auckland", "Europe/London", "America/New_York", "Asia/Tokyo"]
    Site.objects.bulk_create([Site(code=f"S{i:05d}", name=f"Site {i}", region=regions[i % 10], timezone=zones[i % 4],
                                   opened_on=FIRST_DAY) for i in range(SITES)], batch_size=1000)
    version = services.version_create_from_document(doc=parse_document(standard_doc()))
    services.version_publish(version=version, effective_from=FIRST_DAY)
    user = get_user_model().objects.create(username="bench")
    Profile.objects.create(user=user, role=Role.HEAD_OFFICE)
    # Three of the four days' responses answer a question: mapped to a criterion, to a touch point, to nothing.
    FeedbackQuestion.objects.bulk_create([
        FeedbackQuestion(key="clean", text="Clean?", touch_point_key="tp1", criterion_key="tp1_c1"),
        FeedbackQuestion(key="phone", text="Phone?", touch_point_key="tp0"),
        FeedbackQuestion(key="recommend", text="Recommend?")])
    params = {"version": version.pk, "user": user.pk, "first": FIRST_DAY,
              "last": FIRST_DAY + dt.timedelta(days=DAYS - 1)}
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute(CHECKS_SQL, params)
        cur.execute(AMEND_SQL)
        cur.execute("SELECT min(id), max(id) FROM consistency_dailycheck")
        lo, hi = cur.fetchone()
        step = 25_000
        for start in range(lo, hi + 1, step):
            cur.execute(RESULTS_SQL, {**params, "lo": start, "hi": start + step - 1})
        cur.execute(AUDITS_SQL, params)
        cur.execute(FEEDBACK_SQL, params)
        cur.execute("VACUUM ANALYZE")  # Django's connection is in autocommit: VACUUM may run
        cur.execute("SELECT count(*) FILTER (WHERE is_current), count(*) FROM consistency_checkresult")
        current, total = cur.fetchone()
        cur.execute("SELECT count(*) FROM customer_auditresult")
        audit_rows = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM customer_feedbackresponse")
        feedback_rows = cur.fetchone()[0]
        cur.execute("SELECT pg_database_size(current_database())")
        size = cur.fetchone()[0]
    return {"seconds": time.perf_counter() - started, "current_results": current, "stored_results": total,
            "audit_results": audit_rows, "feedback": feedback_rows, "database_bytes": size}


# --- the measurements -------------------------------------------------------------------------------------

def _period(days: int) -> tuple[str, str]:
    return FIRST_DAY.isoformat(), (FIRST_DAY + dt.timedelta(days=days - 1)).isoformat()


def child_stream(days: str) -> dict:
    _setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    # The most rows a request streams (exports.services.refuse_too_large, a bounded count before the stream,
    # timed on its own by ``count``) is lifted: this measures the stream itself, at any size.
    settings.EXPORT_STREAM_MAX_ROWS = None
    date_from, date_to = _period(int(days))
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="bench"))
    # Warm: imports, the connection, the sign-in, one day's export read and thrown away.
    b"".join(client.get(URL, {"from": date_from, "to": date_from}).streaming_content)
    before = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := the current RSS
    size = lines = chunks = 0
    started = time.perf_counter()
    response = client.get(URL, {"from": date_from, "to": date_to})
    assert response.status_code == 200, response.content
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
        chunks += 1
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "bytes": size, "lines": lines, "chunks": chunks, "rss_before": before,
            "rss_peak": _status("VmHWM")}


def child_copy(days: str) -> dict:
    _setup()
    import psycopg
    from django.conf import settings
    from django.db import connection

    from exports.results import ResultsQuery, copy_sql

    date_from, date_to = (dt.date.fromisoformat(d) for d in _period(int(days)))
    sql, params = copy_sql(ResultsQuery(date_from, date_to, None))  # head office's whole network, as streamed
    connection.ensure_connection()
    statement = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
    started = time.perf_counter()
    out = subprocess.run(["bash", "-c", 'psql "$1" -X -q -v ON_ERROR_STOP=1 -c "$2" | wc -c', "copy",
                          settings.DATABASE_URL, statement], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "bytes": int(out.stdout.strip())}


def child_count(days: str) -> dict:
    """The guard a request passes before its stream: the rows counted up to the limit of a request."""
    _setup()
    from django.db import connection

    from exports.results import ResultsQuery, count_at_most_sql
    from exports.services import stream_max_rows

    date_from, date_to = (dt.date.fromisoformat(d) for d in _period(int(days)))
    limit = stream_max_rows()
    connection.ensure_connection()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(*count_at_most_sql(ResultsQuery(date_from, date_to, None), limit + 1))
        counted = cursor.fetchone()[0]
    return {"seconds": time.perf_counter() - started, "limit": limit, "counted": counted}


def child_run(days: str) -> dict:
    """The background run of the same period and scope, as a worker makes it (reports.runner.run_report): the CSV
    gzip-compressed into a temporary file, then stored (local storage here). Time, peak RSS, sizes."""
    _setup()
    import gzip

    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage

    from reports import runner
    from reports.models import ReportRun
    from reports.services import report_order

    date_from, date_to = (dt.date.fromisoformat(d) for d in _period(int(days)))
    run = report_order(user=get_user_model().objects.get(username="bench"), kind="results_csv",
                       date_from=date_from, date_to=date_to)
    before = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    started = time.perf_counter()
    outcome = runner.run_report(run_id=run.id, worker="bench")
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    run = ReportRun.objects.get(pk=run.pk)
    csv_bytes = 0
    with default_storage.open(run.pdf_key, "rb") as stored, gzip.open(stored) as csv:
        while block := csv.read(1 << 20):
            csv_bytes += len(block)
    default_storage.delete(run.pdf_key)
    return {"outcome": outcome, "error": run.error, "seconds": seconds, "stored_bytes": run.pdf_size,
            "bytes": csv_bytes, "rss_before": before, "rss_peak": peak}


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"child {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    results = {}
    for days in PERIODS:
        runs = {"stream": [], "copy": []}
        for r in range(ROUNDS):
            for name in ("copy", "stream") if r % 2 == 0 else ("stream", "copy"):
                answer = run_child(name, str(days))
                runs[name].append(answer)
                print(f"{days} days, {name}: {answer['seconds']:.1f} s, {answer['bytes'] / 1e6:.0f} MB", flush=True)
        runs["count"] = [run_child("count", str(days))]
        print(f"{days} days, count: {runs['count'][0]['seconds']:.2f} s", flush=True)
        if RUN and days == max(PERIODS):
            runs["run"] = [run_child("run", str(days))]
            print(f"{days} days, background run: {runs['run'][0]['seconds']:.1f} s", flush=True)
        sizes = {a["bytes"] for a in runs["stream"] + runs["copy"] + runs.get("run", [])}
        assert len(sizes) == 1, f"the stream and COPY differ in size: {sizes}"
        results[days] = runs
    write(results)


def write(results: dict) -> None:
    mb = 1024 * 1024
    generated = json.loads(os.environ.get("BENCH_GENERATED", "{}") or "{}")
    lines = [
        "# Exports: the streamed results CSV against PostgreSQL's COPY",
        "",
        f"Run: `bench/export_csv/run.sh` (PostgreSQL on 127.0.0.1, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}). Generated "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"Data: {SITES:,} sites x {DAYS} days x 40 criteria of current check results (10 million), 1% of the checks "
        "amended (the superseded ones stay in the table, not exported), an audit of 10 criteria per site and month "
        "and a customer response per site and day, all generated by SQL. Each period is exported for head office's "
        "whole network: every source, every site.",
        "",
        "**stream** is `GET /api/v1/exports/results.csv` through Django's test client in a fresh process (URL, "
        "middleware, sign-in, the view) with its streamed body consumed chunk by chunk: PostgreSQL's COPY of the "
        "export's query read by psycopg and handed out in 256 kB chunks. **COPY** is `psql -c \"COPY (the same query) "
        "TO STDOUT (FORMAT csv, HEADER)\"` counted by `wc -c`: PostgreSQL's own COPY read by its own C client. The "
        f"best of {ROUNDS} alternating rounds of each; throughput as a ratio to COPY's in the same run (target: at "
        "least 0.3x).",
        "",
        "| period | rows | CSV | stream | stream rows/s | COPY | COPY rows/s | stream / COPY throughput | "
        "peak RSS above start |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for days, runs in results.items():
        s = min(runs["stream"], key=lambda a: a["seconds"])
        c = min(runs["copy"], key=lambda a: a["seconds"])
        rows = s["lines"] - 1
        growth = max(a["rss_peak"] - a["rss_before"] for a in runs["stream"])
        lines.append(f"| {days} days | {rows:,} | {s['bytes'] / mb:,.0f} MB | {s['seconds']:.1f} s | "
                     f"{rows / s['seconds']:,.0f} | {c['seconds']:.1f} s | {rows / c['seconds']:,.0f} | "
                     f"**{c['seconds'] / s['seconds']:.2f}x** | {growth / mb:.1f} MB |")
    if len(results) >= 2:
        small, large = min(results), max(results)
        growth = {d: max(a["rss_peak"] - a["rss_before"] for a in results[d]["stream"]) for d in (small, large)}
        rows = {d: results[d]["stream"][0]["lines"] - 1 for d in (small, large)}
        ratio = growth[large] / max(growth[small], 1)
        verdict = "flat" if ratio < 1.5 else "**not flat**"
        lines += ["", f"Memory: {rows[large] / rows[small]:.1f}x the rows, {ratio:.2f}x the peak RSS growth of the "
                      f"streaming process ({growth[small] / mb:.1f} MB at {rows[small]:,} rows, "
                      f"{growth[large] / mb:.1f} MB at {rows[large]:,}): {verdict}. One chunk of rows is held at a "
                      "time; PostgreSQL sorts on its side (on disk past work_mem)."]
    counts = [(days, runs["count"][0]) for days, runs in results.items() if runs.get("count")]
    if counts:
        limit = counts[0][1]["limit"]
        lines += ["", f"Before a request streams, it counts the rows up to `EXPORT_STREAM_MAX_ROWS` ({limit:,}) and refuses "
                      "a larger export, pointing at the background run (exports.services.refuse_too_large; lifted for "
                      "the stream measured above): "
                      + ", ".join(f"{c['seconds']:.2f} s for the {days}-day period ({c['counted']:,} rows counted)"
                                  for days, c in counts) + "."]
    for days, runs in results.items():
        for r in runs.get("run", []):
            lines += ["", f"**Background run** (`POST /api/v1/reports/` with kind results_csv, made by "
                          f"`reports.runner.run_report` as a worker makes it) of the {days}-day period: "
                          f"{r['seconds']:.0f} s ({r['outcome']}) for the query, gzip (level 6) into a temporary "
                          f"file and storing it; {r['bytes'] / mb:,.0f} MB of CSV stored as {r['stored_bytes'] / mb:,.0f}"
                          f" MB; peak RSS {(r['rss_peak'] - r['rss_before']) / mb:.1f} MB above start."]
    lines += ["", "Checked in each run: every stream, every COPY and the background run's CSV of a period gave the "
                  "same number of bytes.", ""]
    if generated:
        lines += [f"Generated in {generated['seconds']:.0f} s: {generated['current_results']:,} current check results "
                  f"({generated['stored_results']:,} stored with the superseded ones), "
                  f"{generated['audit_results']:,} audit results, {generated['feedback']:,} feedback responses; "
                  f"database {generated['database_bytes'] / 1e9:.1f} GB.", ""]
    lines += ["Raw runs (seconds, bytes, RSS in bytes):", "", "```",
              json.dumps({str(k): v for k, v in results.items()}), "```", ""]
    RESULTS.write_text("\n".join(lines))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        name, args = sys.argv[2], sys.argv[3:]
        answer = {"generate": child_generate, "stream": child_stream, "copy": child_copy,
                  "count": child_count, "run": child_run}[name](*args)
        print(json.dumps(answer))
    else:
        main()
