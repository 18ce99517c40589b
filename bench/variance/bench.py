"""Time variance_report against a hand-written SQL aggregate over the raw results, in the same run, on the
same database, for periods of 90, 45, 30 and 7 days (BENCH_PERIODS); assert that both give the same numbers
(and the photo counts those of the photos themselves); measure the engine's peak Python memory for a 30-day
and a 90-day period. Writes its figures into bench/RESULTS-variance.md, in the block of its number of sites.

Each period is timed three ways, alternating so that none profits from the order: the raw aggregate, the full
answer (``variance_report``: what the API and the PDF serve) and the overview's answer
(``detail="touch_points"``: the same without the per-site criterion lists).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import platform
import re
import statistics
import sys
import time
import tracemalloc

import django

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from consistency.models import Criterion, StandardVersion  # noqa: E402
from consistency.variance import variance_report  # noqa: E402
from sites.models import Site  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 7))
PERIODS = [int(p) for p in os.environ.get("BENCH_PERIODS", "90,45,30,7").split(",")]
TOLERANCE = 1e-9  # floats summed in a different order; counts must match exactly
RESULTS = os.path.join(os.path.dirname(__file__), "..", "RESULTS-variance.md")

BASELINE_SQL = """
SELECT site_id, criterion_id, count(*), sum(CASE WHEN passed THEN 1 ELSE 0 END),
       avg(deviation), stddev_pop(deviation), avg(CASE WHEN passed THEN 0.0 ELSE 1.0 END)
FROM consistency_checkresult
WHERE is_current AND date BETWEEN %s AND %s
GROUP BY site_id, criterion_id
"""

# The photo counts from the photos themselves (not timed: the answer reads running totals kept beside them).
PHOTOS_SQL = """
SELECT site_id, count(*), count(*) FILTER (WHERE reused_from_id IS NOT NULL), count(*) FILTER (WHERE stale_capture),
       count(*) FILTER (WHERE reused_from_id IS NOT NULL OR stale_capture)
FROM consistency_evidence WHERE status = 'verified' AND day BETWEEN %s AND %s GROUP BY site_id
"""


def baseline(date_from, date_to):
    with connection.cursor() as cur:
        cur.execute(BASELINE_SQL, [date_from, date_to])
        return cur.fetchall()


def engine(date_from, date_to, detail="criteria"):
    return variance_report(date_from=date_from, date_to=date_to, sites=Site.objects.all(), detail=detail)


def overview(date_from, date_to):
    return engine(date_from, date_to, "touch_points")


def compare(rows, report, lean, date_from, date_to) -> int:
    """The full answer equals the raw aggregate; the overview's answer equals the full one but the criterion
    lists; the photo counts equal the photos'. Returns the site x criterion pairs compared."""
    version = StandardVersion.objects.get(status="published")
    key_of = dict(Criterion.objects.filter(version=version).values_list("pk", "key"))
    code_of = dict(Site.objects.values_list("pk", "code"))
    found = {(s.code, c.key): c for s in report.sites for c in s.criteria if c.observations}
    assert len(found) == len(rows), (len(found), len(rows))
    for site_id, criterion_id, n, passes, avg, sd, fail_rate in rows:
        c = found[(code_of[site_id], key_of[criterion_id])]
        assert c.observations == n, (site_id, criterion_id, c.observations, n)
        assert c.pass_rate.passed == passes, (site_id, criterion_id, c.pass_rate.passed, passes)
        assert abs(c.mean_deviation - avg) <= TOLERANCE, (c.mean_deviation, avg)
        assert abs(c.deviation_stddev - sd) <= TOLERANCE, (c.deviation_stddev, sd)
        assert abs((1 - c.pass_rate.passed / c.observations) - float(fail_rate)) <= TOLERANCE
    assert lean.detail == "touch_points" and all(s.criteria == [] for s in lean.sites)
    assert lean == dataclasses.replace(report, detail="touch_points", sites=[
        dataclasses.replace(s, criteria=[]) for s in report.sites]), "the overview's answer differs"
    with connection.cursor() as cur:
        cur.execute(PHOTOS_SQL, [date_from, date_to])
        photos = {code_of[site_id]: tuple(counts) for site_id, *counts in cur.fetchall()}
    got = {s.code: dataclasses.astuple(s.photos) for s in report.sites}
    assert got == {code: photos.get(code, (0, 0, 0, 0)) for code in got}, "photo counts differ from the photos'"
    return len(rows)


CPU = {}  # fn: this process's CPU times (not the database's), beside the wall-clock times


def timed(fn, *args):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    CPU.setdefault(fn, []).append(time.process_time() - c0)
    return time.perf_counter() - t0, out


def peak_memory(date_from, date_to) -> int:
    tracemalloc.start()
    report = engine(date_from, date_to)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del report
    return peak


def period_of(days: int, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date, str]:
    """The whole data set for its length; the last ``days`` for half of it (the previous period has data);
    shorter periods in the middle of the data (both boundaries and the previous period inside it)."""
    span = (last - first).days + 1
    if days >= span:
        return first, first + dt.timedelta(days=days - 1), "the whole data set; its previous period is empty"
    if days * 2 >= span:
        return last - dt.timedelta(days=days - 1), last, "the last days; the previous period has data"
    start = first + dt.timedelta(days=(span - days) // 2)
    return start, start + dt.timedelta(days=days - 1), "mid-data; the previous period has data"


def measure(days: int, first: dt.date, last: dt.date) -> dict:
    date_from, date_to, where = period_of(days, first, last)
    baseline(date_from, date_to)  # warm caches and plans
    engine(date_from, date_to)
    overview(date_from, date_to)
    load = [os.getloadavg()[0]]
    CPU.clear()
    runs = {"base": [], "full": [], "lean": []}
    for _ in range(ROUNDS):
        t, rows = timed(baseline, date_from, date_to)
        runs["base"].append(t)
        t, report = timed(engine, date_from, date_to)
        runs["full"].append(t)
        t, lean = timed(overview, date_from, date_to)
        runs["lean"].append(t)
    load.append(os.getloadavg()[0])
    compared = compare(rows, report, lean, date_from, date_to)
    with CaptureQueriesContext(connection) as ctx:
        engine(date_from, date_to)
    queries = len(ctx.captured_queries)
    reset_queries()
    med = {k: statistics.median(v) for k, v in runs.items()}
    m = {"days": days, "from": date_from, "to": date_to, "where": where, "runs": runs, "median": med,
         "ratio": med["full"] / med["base"], "lean_ratio": med["lean"] / med["base"], "queries": queries,
         "compared": compared, "load": load, "cpu_full": statistics.median(CPU[engine]),
         "cpu_lean": statistics.median(CPU[overview])}
    print(f"{days:>3} days {date_from}..{date_to} ({where}): raw aggregate {med['base'] * 1000:.0f} ms, "
          f"full answer {med['full'] * 1000:.0f} ms ({m['ratio']:.3f}x), overview's answer "
          f"{med['lean'] * 1000:.0f} ms ({m['lean_ratio']:.3f}x); {queries} queries; {compared:,} pairs equal; "
          f"load {load[0]:.1f}->{load[1]:.1f}; Python CPU full {m['cpu_full'] * 1000:.0f} ms, overview "
          f"{m['cpu_lean'] * 1000:.0f} ms")
    return m


def main() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT min(date), max(date), count(*) FILTER (WHERE is_current), count(DISTINCT site_id) "
                    "FROM consistency_checkresult")
        first, last, results, sites = cur.fetchone()
        cur.execute("SELECT count(*) FROM consistency_siterollup")
        rollup_rows = cur.fetchone()[0]
        cur.execute("SELECT count(*), count(*) FILTER (WHERE status = 'verified') FROM consistency_evidence")
        photos, verified = cur.fetchone()
        cur.execute("SELECT count(*) FROM consistency_sitephotoday")
        photo_rows = cur.fetchone()[0]
    print(f"{results:,} current results, {sites:,} sites, {first}..{last}")
    measured = [measure(days, first, last) for days in PERIODS]
    peak30 = peak_memory(first, first + dt.timedelta(days=29))
    peak90 = peak_memory(first, first + dt.timedelta(days=89))
    print(f"peak Python memory: 30 days {peak30 / 1e6:.1f} MB, 90 days {peak90 / 1e6:.1f} MB")
    write_results(measured, results=results, sites=sites, first=first, last=last, rollup_rows=rollup_rows,
                  photos=photos, verified=verified, photo_rows=photo_rows, peak30=peak30, peak90=peak90)
    fulls = [m["median"]["full"] for m in measured]
    print(f"full answer: slowest period / fastest {max(fulls) / min(fulls):.2f}")
    ninety = [m for m in measured if m["days"] == 90]
    if ninety:
        assert ninety[0]["ratio"] <= 0.25, f"variance_report took {ninety[0]['ratio']:.3f}x the raw aggregate"
    assert math.isclose(peak90, peak30, rel_tol=0.25), "memory grows with the number of results"


def _ms(values) -> str:
    return ", ".join(f"{t * 1000:.0f}" for t in values)


def write_results(measured, *, results, sites, first, last, rollup_rows, photos, verified, photo_rows, peak30,
                  peak90) -> None:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    lines = [
        f"Run: `BENCH_SITES={sites} BENCH_DB={connection.settings_dict['NAME']} bench/variance/run.sh` "
        f"(PostgreSQL {pg.split()[0]} on 127.0.0.1; {os.cpu_count()} CPUs, Python {platform.python_version()}), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {ROUNDS} rounds per period.",
        "",
        f"Data: {sites:,} sites x {(last - first).days + 1} days x 40 criteria = **{results:,} current results** "
        f"({first}..{last}); {photos:,} photos ({verified:,} verified); {rollup_rows:,} rollup rows; "
        f"{photo_rows:,} photo site-day rows.",
        "",
        "| period | raw aggregate | full answer | ratio | overview's answer (no criterion lists) | ratio | queries "
        "| Python CPU: full, overview | load (1 min, before -> after) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in measured:
        med = m["median"]
        lines.append(
            f"| {m['days']} days, {m['from']}..{m['to']} ({m['where']}) | {med['base'] * 1000:.0f} ms "
            f"| **{med['full'] * 1000:.0f} ms** | {m['ratio']:.3f}x | {med['lean'] * 1000:.0f} ms "
            f"| {m['lean_ratio']:.3f}x | {m['queries']} | {m['cpu_full'] * 1000:.0f} ms, {m['cpu_lean'] * 1000:.0f} ms "
            f"| {m['load'][0]:.1f} -> {m['load'][1]:.1f} |")
    lines += ["", "Runs (ms, in order):", ""]
    for m in measured:
        r = m["runs"]
        lines.append(f"- {m['days']} days: raw aggregate {_ms(r['base'])}; full answer {_ms(r['full'])}; "
                     f"overview's answer {_ms(r['lean'])}")
    fulls = [m["median"]["full"] for m in measured]
    lines += [
        "",
        f"Same numbers: for every period, all {measured[0]['compared']:,} (90 days) site x criterion pairs with results: "
        f"observations and passes equal exactly, mean deviation, deviation stddev and fail rate within "
        f"{TOLERANCE:g}; the overview's answer equal to the full one but the criterion lists; every site's photo "
        "counts equal to a count of the verified photos themselves.",
        f"Period independence: the slowest period's full answer took {max(fulls) / min(fulls):.2f}x the fastest's.",
        f"Peak Python memory of one full answer (tracemalloc): {peak30 / 1e6:.1f} MB for 30 days, "
        f"{peak90 / 1e6:.1f} MB for 90 days.",
    ]
    block = "\n".join(lines)
    start, end = f"<!-- bench {sites} sites -->", f"<!-- /bench {sites} sites -->"
    text = open(RESULTS, encoding="utf-8").read() if os.path.exists(RESULTS) else ""
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    section = f"{start}\n{block}\n{end}"
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    with open(RESULTS, "w", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
