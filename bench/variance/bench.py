"""Time variance_report against a hand-written SQL aggregate over the raw results, in the same run, on
the same database; assert both give the same numbers; measure the engine's peak Python memory for a
30-day and a 90-day period (3x the results). Writes bench/RESULTS-variance.md."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
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
TOLERANCE = 1e-9  # floats summed in a different order; counts must match exactly
RESULTS = os.path.join(os.path.dirname(__file__), "..", "RESULTS-variance.md")

BASELINE_SQL = """
SELECT site_id, criterion_id, count(*), sum(CASE WHEN passed THEN 1 ELSE 0 END),
       avg(deviation), stddev_pop(deviation), avg(CASE WHEN passed THEN 0.0 ELSE 1.0 END)
FROM consistency_checkresult
WHERE is_current AND date BETWEEN %s AND %s
GROUP BY site_id, criterion_id
"""


def baseline(date_from, date_to):
    with connection.cursor() as cur:
        cur.execute(BASELINE_SQL, [date_from, date_to])
        return cur.fetchall()


def engine(date_from, date_to):
    return variance_report(date_from=date_from, date_to=date_to, sites=Site.objects.all())


def compare(rows, report) -> int:
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
    return len(rows)


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def peak_memory(date_from, date_to) -> int:
    tracemalloc.start()
    report = engine(date_from, date_to)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del report
    return peak


def main() -> None:
    first, last = connection.cursor(), None
    with first as cur:
        cur.execute("SELECT min(date), max(date), count(*) FILTER (WHERE is_current), count(DISTINCT site_id) "
                    "FROM consistency_checkresult")
        date_from, date_to, results, sites = cur.fetchone()
        cur.execute("SELECT count(*) FROM consistency_siterollup")
        rollup_rows = cur.fetchone()[0]
    # Warm both (caches, plans), then alternate so neither profits from the order.
    baseline(date_from, date_to)
    engine(date_from, date_to)
    base_times, engine_times = [], []
    for _ in range(ROUNDS):
        t, rows = timed(baseline, date_from, date_to)
        base_times.append(t)
        t, report = timed(engine, date_from, date_to)
        engine_times.append(t)
    compared = compare(rows, report)
    with CaptureQueriesContext(connection) as ctx:
        engine(date_from, date_to)
    queries = len(ctx.captured_queries)
    reset_queries()

    base, eng = statistics.median(base_times), statistics.median(engine_times)
    # A second period whose previous period also has data: the last 45 days (more boundary rows to read).
    half_from = date_from + dt.timedelta(days=45)
    half_base, half_engine = [], []
    for _ in range(ROUNDS):
        t, half_rows = timed(baseline, half_from, date_to)
        half_base.append(t)
        t, half_report = timed(engine, half_from, date_to)
        half_engine.append(t)
    compare(half_rows, half_report)
    half = (statistics.median(half_base), statistics.median(half_engine))
    thirty = date_from + dt.timedelta(days=29)
    peak30, peak90 = peak_memory(date_from, thirty), peak_memory(date_from, date_to)
    ratio = eng / base
    last = {
        "base": base, "engine": eng, "ratio": ratio, "queries": queries, "compared": compared,
        "peak30": peak30, "peak90": peak90, "half": half, "half_from": half_from,
        "half_runs": (half_base, half_engine),
    }
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), count(*) FILTER (WHERE status = 'verified') FROM consistency_evidence")
        last["photos"], last["verified_photos"] = cur.fetchone()
    print(f"results {results:,}  sites {sites}  period {date_from}..{date_to}")
    print(f"baseline raw aggregate  median {base * 1000:.0f} ms  ({', '.join(f'{t * 1000:.0f}' for t in base_times)})")
    print(f"variance_report         median {eng * 1000:.0f} ms  ({', '.join(f'{t * 1000:.0f}' for t in engine_times)})")
    print(f"ratio {ratio:.3f}x (target <= 0.25)  queries {queries}  identical numbers for {compared:,} site x criterion")
    print(f"last 45 days: baseline {half[0] * 1000:.0f} ms, variance_report {half[1] * 1000:.0f} ms, "
          f"ratio {half[1] / half[0]:.3f}x")
    print(f"peak Python memory: 30 days {peak30 / 1e6:.1f} MB, 90 days {peak90 / 1e6:.1f} MB")
    write_results(last, results=results, sites=sites, date_from=date_from, date_to=date_to,
                  rollup_rows=rollup_rows, base_times=base_times, engine_times=engine_times)
    assert ratio <= 0.25, f"variance_report took {ratio:.3f}x the raw aggregate (target 0.25x)"
    assert math.isclose(peak90, peak30, rel_tol=0.25), "memory grows with the number of results"


def write_results(m, *, results, sites, date_from, date_to, rollup_rows, base_times, engine_times) -> None:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    text = f"""# Variance engine: figure

Run: `bench/variance/run.sh` (PostgreSQL {pg} on 127.0.0.1, database `touchpoint_bench`; {os.cpu_count()} CPUs,
Python {platform.python_version()}). Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.

Data: {sites:,} sites x {(date_to - date_from).days + 1} days x 40 criteria = **{results:,} current results**
(plus 1% amended checks whose superseded results stay in the table, 5% late checks), one standard version,
and {m['photos']:,} photos of which {m['verified_photos']:,} verified (3% reused, 3% stale: generate.py).
Rollup (running totals kept by `consistency.services.rollup.results_changed`): {rollup_rows:,} rows, one per site
and day, each holding every criterion key's totals.

| what (period {date_from}..{date_to}, all sites) | median of {ROUNDS} | runs (ms) |
| --- | --- | --- |
| baseline: hand-written SQL aggregate over the raw results (count, avg, stddev_pop of deviation, fail rate per site x criterion), rows fetched | {m['base'] * 1000:.0f} ms | {', '.join(f'{t * 1000:.0f}' for t in base_times)} |
| `variance_report(date_from, date_to, sites=Site.objects.all())`: the full answer (sites, touch points, criteria, Wilson intervals, trend vs the previous 90 days, spreads, consistency index, drivers) | {m['engine'] * 1000:.0f} ms | {', '.join(f'{t * 1000:.0f}' for t in engine_times)} |
| **ratio** | **{m['ratio']:.3f}x** (target <= 0.25x) | |
| baseline, last 45 days ({m['half_from']}..{date_to}; the previous 45 days have data too) | {m['half'][0] * 1000:.0f} ms | {', '.join(f'{t * 1000:.0f}' for t in m['half_runs'][0])} |
| `variance_report`, last 45 days | {m['half'][1] * 1000:.0f} ms | {', '.join(f'{t * 1000:.0f}' for t in m['half_runs'][1])} |
| **ratio, 45 days** | **{m['half'][1] / m['half'][0]:.3f}x** | |

- Same numbers: for all {m['compared']:,} site x criterion pairs (and again for the 45-day period) the bench asserts observations and passes
  equal exactly, and mean deviation, deviation stddev and fail rate equal within {TOLERANCE:g} (the floats
  are summed in a different order).
- Queries per report: {m['queries']} (sites; the standard's versions; criterion totals; site totals; the photos' counts
  per site and day, `SitePhotoDay`, kept by the evidence service as it verifies photos).
- Session 9 added the photo counts. Read from the photos themselves (450,000 verified photos here) the same run
  gave 0.351x for 90 days and 0.486x for 45 (the photo query alone took ~250 ms, a parallel scan of the
  evidence table); read from the per-site-day rows, 0.259x, 0.274x and 0.219x in three runs that day (the
  figures above are the last run's): at the 0.25x target on this machine, sometimes over. Measured apart on the same data (2026-11-24 01:25 UTC, medians of 5): the full answer 544 ms,
  the photo query alone 57 ms (a hash aggregate of the period's 90,000 site-day rows), the answer without
  it 436 ms (0.22x). The next step is running totals for the photo counts, as the rollup keeps for results
  (two rows per site whatever the period, instead of one per day).
- Peak Python memory of one report (tracemalloc): {m['peak30'] / 1e6:.1f} MB for 30 days
  ({results // 3:,} results), {m['peak90'] / 1e6:.1f} MB for 90 days ({results:,} results): flat in the
  number of results; it grows with sites x criteria (the size of the answer).

Why it is fast: the rollup holds running totals per site and day (a list entry per criterion key), so any
period is total(end) - total(start - 1). The report reads the rows of the boundary days (and the heads), at
most {sites * 4:,} rows found by index, and one aggregate query unnests them into one row per site and
criterion; numpy does the rest (Wilson intervals, touch points, spreads) on sites x criteria arrays.

Where the time goes and what it does not do yet:
- The 90-day period's previous period has no data (the data set starts on its first day), so only
  one boundary day has rows; the 45-day period reads two (its start and its end) and its ratio is
  higher. Both read a fixed number of rows per site: the engine's time grows with
  sites x criteria (the size of the answer), not with days or results, while the baseline grows
  with results.
- About half of the engine's time is Python building the answer's 40,000 criterion objects and
  parsing the 40,000 aggregate rows; the database part is a few hundred ms or less.
- This machine is shared with other work (2 CPUs): absolute times move with the load, and so does
  the ratio, the other way than one might expect. The baseline's parallel scan suffers more from a busy
  machine than the engine does. Runs on 2026-11-23 gave 0.15x-0.23x for 90 days under load 4-8, and
  0.234x-0.240x on a quiet machine (five runs). That is close to the limit (the bench fails over 0.25x).
- Since migration 0008 a site's day is one row holding every key's totals (it was a row per key): the
  engine reads 40 times fewer rows and unnests their lists in the aggregate. Same machine state, back to
  back (15:00-15:30 UTC, a slow machine: the baseline took 2.0-2.3 s instead of 0.84 s): the code before
  0.218x; the same data migrated by 0008, 0.212x and 0.208x; freshly generated, 0.224x. The engine's
  time is unchanged within the noise; building the rollup from the raw results took 65 s instead of 247 s.
- Memory is Python's own allocations during one report (tracemalloc), database buffers aside.
"""
    with open(RESULTS, "w", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
