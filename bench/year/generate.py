"""A year of a franchise, written straight into PostgreSQL (DATABASE_URL) by generate_series, a chunk of
checks per statement; then the rows the engines read, built by the application's own code.

    YEAR_SITES=1000 python bench/year/generate.py     # 1,000 sites x 365 days x 40 criteria (14.6 M results)
    YEAR_SITES=5000 python bench/year/generate.py     # adds sites 1,001..5,000 to the same database (73 M)

Incremental: the 5,000-site franchise is the 1,000-site one plus 4,000 sites, so both sizes are measured
from one generation (the first 1,000 sites' rows are the same rows in both measurements).

What is generated (rates differ by site and criterion, so the network has spread and drivers):
- 10 regions, sites in four time zones, all open since the first day; the bench standard of
  bench/variance (10 touch points x 4 criteria: boolean, score, minutes <= 5, % >= 95), with two critical
  criteria (tp0_c0, tp5_c0) and two that need a photo (tp2_c1, tp7_c1).
- Daily checks for every site and day except missed days (1-7% of days by site; 15% for the 4% of sites
  that struggle), 5% of them late; written day by day across the network (ids in day order, as production
  appends them), not site by site.
- 40 results per check. A site's chance to meet a criterion is its quality (0.75-0.98; 0.55-0.70 for a
  struggling site) less the criterion's difficulty (0-0.10), with a small seasonal swing. Values are drawn
  from a short list per kind and outcome; ``met`` and ``deviation`` of each (criterion, value) are the
  application's (consistency.services.scoring.judge, called here for the list), so values, outcomes and
  deviations agree. ``passed`` also needs the photo verified (scoring.passed); the check's score is the
  weighted share of passed criteria (scoring.check_score, asserted on a sample of checks afterwards).
- Two photos per check (the two photo criteria): Evidence rows, 99% verified, 0.5% rejected, 0.5%
  pending; their thumbnails point at 24 real 800 x 600 JPEGs (photo-like, ~190 KB, as confirmation makes
  them) saved in local storage once, so packs embed real images without 3.5 M objects on disk.
- A corrective action for every failed critical result, resolved within 0-3 days except those of the
  last days and 3% left open (overdue).
- Then, by the application: the variance rollup by consistency.services.rollup.rebuild (in parallel over
  site ranges), the photo site-day counts and running totals by the SQL of the migrations that made them
  (0011, 0012; what the evidence service keeps as it verifies photos).
Foreign keys are not checked while loading (session_replication_role = replica: the rows are consistent by
construction, and the RI trigger would look up each result's check, 73 M look-ups); synchronous_commit is
off. YEAR_LOADERS processes (2) write disjoint days; YEAR_WORKERS processes (2) build the rollup.
Prints one JSON line with the timings of each step.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import django

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
django.setup()

from django.db import connection, connections  # noqa: E402

from bench import photo_days as photo_days_sql  # noqa: E402

SITES = int(os.environ.get("YEAR_SITES", 1000))
DAYS = int(os.environ.get("YEAR_DAYS", 365))
FIRST_DAY = dt.date.fromisoformat(os.environ.get("YEAR_FIRST_DAY", "2025-12-01"))
LAST_DAY = FIRST_DAY + dt.timedelta(days=DAYS - 1)
WORKERS = int(os.environ.get("YEAR_WORKERS", 2))  # rollup processes
COPY = os.environ.get("YEAR_COPY", "0") == "1"  # added sites copy the first ones (copy_sites)
LOADERS = int(os.environ.get("YEAR_LOADERS", 2))  # processes writing the days' rows
CHUNK_DAYS = int(os.environ.get("YEAR_CHUNK_DAYS", 4))  # results of this many days of checks per statement
CRITICAL = {"tp0_c0", "tp5_c0"}
PHOTO_CRITERIA = {"tp2_c1", "tp7_c1"}
THUMBNAILS = 24
ZONES = ["Pacific/Auckland", "Europe/London", "America/New_York", "Asia/Tokyo"]

# Values drawn per kind and outcome (met, not met); judged by scoring.judge below.
VALUES = {
    "boolean": ([1], [0]),
    "score": ([4, 5, 5], [1, 2, 3, 3]),
    "number:lte": ([2, 3, 4, 5, 6], [7, 8, 10, 15]),
    "number:gte": ([94, 96, 98, 100], [80, 85, 90, 92]),
}


def _variance_generate():
    """bench/variance/generate.py, for its standard document (one bench standard for both benches)."""
    spec = importlib.util.spec_from_file_location("variance_generate",
                                                  os.path.join(ROOT, "bench", "variance", "generate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def standard_doc() -> dict:
    doc = _variance_generate().standard_doc()
    for tp in doc["touch_points"]:
        for c in tp["criteria"]:
            if c["key"] in CRITICAL:
                c["critical"] = True
            if c["key"] in PHOTO_CRITERIA:
                c["photos_required"] = 1
    return doc


def create_franchise() -> None:
    from django.contrib.auth import get_user_model

    from consistency.services import standard as services
    from consistency.services.standard_document import parse_document
    from sites.models import Region

    for i in range(10):
        Region.objects.create(code=f"r{i}", name=f"Region {i}")
    version = services.version_create_from_document(doc=parse_document(standard_doc()))
    services.version_publish(version=version, effective_from=FIRST_DAY)
    get_user_model().objects.create(username="bench")


def add_sites(first: int, last: int) -> None:
    from sites.models import Region, Site

    regions = list(Region.objects.order_by("code"))
    Site.objects.bulk_create([
        Site(code=f"S{i:05d}", name=f"Site {i}", region=regions[i % 10], timezone=ZONES[i % 4], opened_on=FIRST_DAY)
        for i in range(first, last)
    ], batch_size=1000)


def save_thumbnails() -> list[str]:
    """24 photo-like JPEGs in storage, made as the pack bench makes them (tests/reports/samples.jpeg)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from tests.reports.samples import jpeg

    keys = []
    for i in range(THUMBNAILS):
        key = f"year-thumbs/{i}.jpg"
        if not default_storage.exists(key):
            default_storage.save(key, ContentFile(jpeg(800, 600, seed=i, photo_like=True)))
        keys.append(key)
    return keys


def value_table(version_id: int) -> list[tuple]:
    """(criterion id, met, index, value, deviation) for every value the generator may write, judged by the
    application's rule."""
    from consistency.models import Criterion
    from consistency.services.scoring import judge

    rows = []
    for c in Criterion.objects.filter(version_id=version_id):
        kind = c.kind if c.kind != "number" else f"number:{c.comparison}"
        for values in VALUES[kind]:
            for i, value in enumerate(values):
                met, deviation = judge(c, value)
                rows.append((c.id, met, i, float(value), float(deviation)))
    return rows


# Hash of an integer to [0, 1): deterministic per site / criterion, so a site keeps its character.
H = "(((({x}) + {salt}) * 2654435761) %% 1000003) / 1000003.0"  # %%: psycopg's placeholders


def _h(x: str, salt: int) -> str:
    return H.format(x=x, salt=salt)


QUALITY = (f"CASE WHEN {_h('s.id', 11)} < 0.04 THEN 0.55 + 0.15 * {_h('s.id', 13)} "
           f"ELSE 0.75 + 0.23 * {_h('s.id', 17)} END")
MISS = f"CASE WHEN {_h('s.id', 11)} < 0.04 THEN 0.15 ELSE 0.01 + 0.06 * {_h('s.id', 19)} END"

# Draws in a materialized CTE's select list: a volatile condition on one table is pushed down to that table's
# scan (a draw per site, not per site and day), and an uncorrelated lateral random() is drawn once.
CHECKS_SQL = f"""
WITH days AS MATERIALIZED (
    SELECT s.id AS site_id, d AS day, random() < {MISS} AS missed, random() < 0.05 AS late
    FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
    CROSS JOIN sites_site s
    WHERE s.id BETWEEN %(site_lo)s AND %(site_hi)s
)
INSERT INTO consistency_dailycheck (site_id, date, version_id, submitted_by_id, performed_at, received_at,
                                    client_id, late, is_current, amendment_reason, score)
SELECT site_id, day::date, %(version)s, %(user)s, day + interval '9 hours', day + interval '9 hours 2 minutes',
       gen_random_uuid(), late, true, '', 0
FROM days WHERE NOT missed
ORDER BY day, site_id
"""

# The photo of a check and criterion: rejected (1 in 200) or pending (1 in 200) by the same hash the photos use.
PHOTO_STATE = "((dc.id * 2654435761 + c.id * 40503) %% 1000003 %% 200)"

# The draw is materialized: a lateral random() on the inner side of a join is drawn again on every rescan.
RESULTS_SQL = f"""
WITH drawn AS MATERIALIZED (
    SELECT dc.id AS check_id, c.id AS criterion_id, dc.site_id, dc.date, c.photos_required,
           {PHOTO_STATE} AS photo_state,
           random() < {QUALITY} - 0.10 * {_h('c.id', 23)}
                      + 0.02 * sin(2 * pi() * (dc.date - %(first)s::date) / 365.0) AS ok,
           random() AS pick
    FROM consistency_dailycheck dc
    JOIN sites_site s ON s.id = dc.site_id
    CROSS JOIN consistency_criterion c
    WHERE c.version_id = %(version)s AND dc.date BETWEEN %(lo)s AND %(hi)s
      AND dc.site_id BETWEEN %(site_lo)s AND %(site_hi)s
)
INSERT INTO consistency_checkresult (daily_check_id, criterion_id, site_id, date, is_current, value, note,
                                     met, passed, deviation)
SELECT d.check_id, d.criterion_id, d.site_id, d.date, true, v.value, '', v.met,
       v.met AND (d.photos_required = 0 OR d.photo_state > 1), v.deviation
FROM drawn d
JOIN yb_value_count n ON n.criterion_id = d.criterion_id AND n.met = d.ok
JOIN yb_value v ON v.criterion_id = d.criterion_id AND v.met = d.ok AND v.idx = floor(d.pick * n.n)::int
ORDER BY d.check_id, d.criterion_id
"""

# The check's score: the weighted share of passed criteria (scoring.check_score; asserted on a sample).
SCORE_SQL = """
UPDATE consistency_dailycheck dc SET score = x.score
FROM (SELECT r.daily_check_id, sum(c.weight) FILTER (WHERE r.passed) / sum(c.weight) AS score
      FROM consistency_checkresult r JOIN consistency_criterion c ON c.id = r.criterion_id
      WHERE r.date BETWEEN %(lo)s AND %(hi)s AND r.site_id BETWEEN %(site_lo)s AND %(site_hi)s
      GROUP BY r.daily_check_id) x
WHERE dc.id = x.daily_check_id
"""

PHOTOS_SQL = f"""
INSERT INTO consistency_evidence (public_id, daily_check_id, criterion_id, site_id, uploaded_by_id, key,
    declared_content_type, declared_size, declared_sha256, status, reject_reason, size, sha256, width, height,
    captured_at, phash, day, thumbnail_key, created_at, verified_at, stale_capture)
SELECT gen_random_uuid(), dc.id, c.id, dc.site_id, dc.submitted_by_id,
       'sites/' || dc.site_id || '/' || dc.id || '/' || c.id || '.jpg', 'image/jpeg', 1800000,
       md5(dc.id || '/' || c.id) || md5(c.id || '/' || dc.id),
       CASE {PHOTO_STATE} WHEN 0 THEN 'rejected' WHEN 1 THEN 'pending' ELSE 'verified' END,
       CASE {PHOTO_STATE} WHEN 0 THEN 'Not this criterion' ELSE '' END,
       CASE WHEN {PHOTO_STATE} = 1 THEN NULL ELSE 1800000 END,
       CASE WHEN {PHOTO_STATE} = 1 THEN '' ELSE md5(dc.id || '/' || c.id) || md5(c.id || '/' || dc.id) END,
       4032, 3024, dc.performed_at - interval '3 minutes', '', dc.date,
       CASE WHEN {PHOTO_STATE} = 1 THEN '' ELSE 'year-thumbs/' || ((dc.id + c.id) %% {THUMBNAILS}) || '.jpg' END,
       dc.received_at, CASE WHEN {PHOTO_STATE} = 1 THEN NULL ELSE dc.received_at END, false
FROM consistency_dailycheck dc
CROSS JOIN consistency_criterion c
WHERE c.version_id = %(version)s AND c.photos_required > 0
  AND dc.date BETWEEN %(lo)s AND %(hi)s AND dc.site_id BETWEEN %(site_lo)s AND %(site_hi)s
"""

ACTIONS_SQL = """
WITH failed AS MATERIALIZED (
    SELECT r.site_id, r.daily_check_id, r.criterion_id, r.date, dc.received_at, dc.submitted_by_id,
           random() AS pick
    FROM consistency_checkresult r
    JOIN consistency_dailycheck dc ON dc.id = r.daily_check_id
    JOIN consistency_criterion c ON c.id = r.criterion_id
    WHERE c.critical AND NOT r.passed
      AND r.date BETWEEN %(lo)s AND %(hi)s AND r.site_id BETWEEN %(site_lo)s AND %(site_hi)s
), x AS (
    SELECT *, date > %(last)s::date - 4 OR pick < 0.03 AS open FROM failed
)
INSERT INTO consistency_correctiveaction (site_id, daily_check_id, criterion_id, opened_at, due_on, status,
                                          resolved_at, resolution_note, resolved_by_id)
SELECT site_id, daily_check_id, criterion_id, received_at, date + %(due_days)s,
       CASE WHEN open THEN 'open' ELSE 'resolved' END,
       CASE WHEN open THEN NULL ELSE received_at + (pick * 3) * interval '1 day' END,
       CASE WHEN open THEN '' ELSE 'Fixed on site and briefed the team.' END,
       CASE WHEN open THEN NULL ELSE submitted_by_id END
FROM x
"""


def _session(cur, version: int) -> None:
    cur.execute("SET session_replication_role = replica")
    cur.execute("SET synchronous_commit = off")
    cur.execute("DROP TABLE IF EXISTS yb_value, yb_value_count")
    cur.execute("CREATE TEMP TABLE yb_value (criterion_id bigint, met boolean, idx int, value float8, deviation float8)")
    cur.executemany("INSERT INTO yb_value VALUES (%s, %s, %s, %s, %s)", value_table(version))
    cur.execute("CREATE TEMP TABLE yb_value_count AS SELECT criterion_id, met, count(*) AS n FROM yb_value GROUP BY 1, 2")
    cur.execute("ANALYZE yb_value; ANALYZE yb_value_count")


def _load_days(chunks: list[dict]) -> dict:
    """Results, scores, photos and actions of these chunks of days (one loader process)."""
    connections.close_all()
    timings = dict.fromkeys(("results", "scores", "photos", "actions"), 0.0)
    with connection.cursor() as cur:
        _session(cur, chunks[0]["version"])
        for chunk in chunks:
            for name, sql in (("results", RESULTS_SQL), ("scores", SCORE_SQL), ("photos", PHOTOS_SQL),
                              ("actions", ACTIONS_SQL)):
                t = time.perf_counter()
                cur.execute(sql, chunk)
                timings[name] += time.perf_counter() - t
            print(f"  {chunk['lo']}..{chunk['hi']} (pid {os.getpid()}): results {timings['results']:.0f} s, "
                  f"photos {timings['photos']:.0f} s (load {os.getloadavg()[0]:.1f})", flush=True)
    return timings


def load(version: int, user: int, site_lo: int, site_hi: int) -> dict:
    """The checks in one statement (their ids in day order), then the days' rows by LOADERS processes, each
    taking every LOADERS-th chunk of CHUNK_DAYS days. Timings: the checks' and the load's wall-clock time, and
    each statement kind's time summed over the loaders."""
    from django.conf import settings

    params = {"version": version, "user": user, "first": FIRST_DAY, "last": LAST_DAY, "site_lo": site_lo,
              "site_hi": site_hi, "due_days": settings.CORRECTIVE_ACTION_DUE_DAYS}
    timings = {}
    with connection.cursor() as cur:
        _session(cur, version)
        t = time.perf_counter()
        cur.execute(CHECKS_SQL, params)
        timings["checks"] = time.perf_counter() - t
        cur.execute("ANALYZE consistency_dailycheck")
    chunks, day = [], FIRST_DAY
    while day <= LAST_DAY:
        chunks.append({**params, "lo": day, "hi": min(LAST_DAY, day + dt.timedelta(days=CHUNK_DAYS - 1))})
        day += dt.timedelta(days=CHUNK_DAYS)
    t = time.perf_counter()
    connections.close_all()
    with ProcessPoolExecutor(LOADERS) as pool:
        for part in pool.map(_load_days, [chunks[i::LOADERS] for i in range(LOADERS)]):
            for name, seconds in part.items():
                timings[f"{name} (summed)"] = timings.get(f"{name} (summed)", 0.0) + seconds
    timings["load"] = time.perf_counter() - t
    return timings


def photo_days() -> float:
    """The per-site-day photo counts and running totals, as the migrations that made them count existing
    photos (the table is emptied first: the incremental run rebuilds it for every site)."""
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE consistency_sitephotoday")
        photo_days_sql.count(cur)
    return time.perf_counter() - t


def _rollup_range(ids: list[int]) -> int:
    from consistency.services import rollup

    connections.close_all()
    return rollup.rebuild(site_ids=ids)


def build_rollup(site_ids: list[int]) -> tuple[int, float]:
    t = time.perf_counter()
    chunks = [site_ids[i::WORKERS] for i in range(WORKERS)]
    connections.close_all()
    with ProcessPoolExecutor(WORKERS) as pool:
        written = sum(pool.map(_rollup_range, chunks))
    return written, time.perf_counter() - t


def check_sample() -> None:
    """The generated scores and outcomes are the application's: a sample of checks, re-judged by its rules."""
    from consistency.models import CheckResult, DailyCheck, Evidence
    from consistency.services.scoring import check_score, judge, passed

    for check in DailyCheck.objects.order_by("?")[:50]:
        results = list(CheckResult.objects.filter(daily_check=check).select_related("criterion"))
        assert len(results) == 40, (check.pk, len(results))
        verified = set(Evidence.objects.filter(daily_check=check, status="verified").values_list("criterion_id",
                                                                                                 flat=True))
        for r in results:
            met, deviation = judge(r.criterion, r.value)
            assert (met, deviation) == (r.met, r.deviation), (r.pk, met, deviation, r.met, r.deviation)
            assert r.passed == passed(met=met, photos_required=r.criterion.photos_required,
                                      photos_verified=int(r.criterion_id in verified)), r.pk
        expected = check_score([(r.criterion.weight, r.passed) for r in results])
        assert abs(check.score - expected) < 1e-9, (check.pk, check.score, expected)


# --- copies: the larger franchise made of copies of the generated sites (YEAR_COPY=1) ---------------------

# yb_map: (copy, old site id, new site id); a copied check's id is its original's plus copy x the largest id.
COPY_CHECKS_SQL = """
INSERT INTO consistency_dailycheck (id, site_id, date, version_id, submitted_by_id, performed_at, received_at,
                                    client_id, late, is_current, amendment_reason, score)
SELECT dc.id + %(offset)s, m.new_id, dc.date, dc.version_id, dc.submitted_by_id, dc.performed_at, dc.received_at,
       gen_random_uuid(), dc.late, dc.is_current, dc.amendment_reason, dc.score
FROM consistency_dailycheck dc JOIN yb_map m ON m.old_id = dc.site_id AND m.copy = %(copy)s
ORDER BY dc.id
"""

COPY_RESULTS_SQL = """
INSERT INTO consistency_checkresult (daily_check_id, criterion_id, site_id, date, is_current, value, note, met,
                                     passed, deviation)
SELECT r.daily_check_id + %(offset)s, r.criterion_id, m.new_id, r.date, r.is_current, r.value, r.note, r.met,
       r.passed, r.deviation
FROM consistency_checkresult r JOIN yb_map m ON m.old_id = r.site_id AND m.copy = %(copy)s
WHERE r.daily_check_id BETWEEN %(lo)s AND %(hi)s
ORDER BY r.daily_check_id, r.criterion_id
"""

COPY_PHOTOS_SQL = """
INSERT INTO consistency_evidence (public_id, daily_check_id, criterion_id, site_id, uploaded_by_id, key,
    declared_content_type, declared_size, declared_sha256, status, reject_reason, size, sha256, width, height,
    captured_at, phash, day, thumbnail_key, created_at, verified_at, stale_capture)
SELECT gen_random_uuid(), e.daily_check_id + %(offset)s, e.criterion_id, m.new_id, e.uploaded_by_id,
       'sites/' || m.new_id || '/' || (e.daily_check_id + %(offset)s) || '/' || e.criterion_id || '.jpg',
       e.declared_content_type, e.declared_size, e.declared_sha256, e.status, e.reject_reason, e.size, e.sha256,
       e.width, e.height, e.captured_at, e.phash, e.day, e.thumbnail_key, e.created_at, e.verified_at,
       e.stale_capture
FROM consistency_evidence e JOIN yb_map m ON m.old_id = e.site_id AND m.copy = %(copy)s
"""

COPY_ACTIONS_SQL = """
INSERT INTO consistency_correctiveaction (site_id, daily_check_id, criterion_id, opened_at, due_on, status,
                                          resolved_at, resolution_note, resolved_by_id)
SELECT m.new_id, a.daily_check_id + %(offset)s, a.criterion_id, a.opened_at, a.due_on, a.status, a.resolved_at,
       a.resolution_note, a.resolved_by_id
FROM consistency_correctiveaction a JOIN yb_map m ON m.old_id = a.site_id AND m.copy = %(copy)s
"""

COPY_ROLLUP_SQL = """
INSERT INTO consistency_siterollup (site_id, date, checked_days, late_checks, is_head, keys, observations, passed,
                                    deviation_sum, deviation_sq_sum)
SELECT m.new_id, r.date, r.checked_days, r.late_checks, r.is_head, r.keys, r.observations, r.passed,
       r.deviation_sum, r.deviation_sq_sum
FROM consistency_siterollup r JOIN yb_map m ON m.old_id = r.site_id AND m.copy = %(copy)s
"""


def _copy(args: tuple[int, int, list[tuple[int, int, int]]]) -> dict:
    """One copy of the original sites' rows (one process)."""
    copy, offset, top, mapping = args
    connections.close_all()
    timings = {}
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")
        cur.execute("CREATE TEMP TABLE yb_map (copy int, old_id bigint, new_id bigint)")
        cur.executemany("INSERT INTO yb_map VALUES (%s, %s, %s)", mapping)
        cur.execute("ANALYZE yb_map")
        params = {"copy": copy, "offset": offset}
        t = time.perf_counter()
        cur.execute(COPY_CHECKS_SQL, params)
        timings["checks"] = time.perf_counter() - t
        t = time.perf_counter()
        step = top // 12 + 1
        for lo in range(1, top + 1, step):
            cur.execute(COPY_RESULTS_SQL, {**params, "lo": lo, "hi": lo + step - 1})
            print(f"  copy {copy}: results of checks up to {lo + step - 1:,} of {top:,} "
                  f"({time.perf_counter() - t:.0f} s, load {os.getloadavg()[0]:.1f})", flush=True)
        timings["results"] = time.perf_counter() - t
        for name, sql in (("photos", COPY_PHOTOS_SQL), ("actions", COPY_ACTIONS_SQL), ("rollup", COPY_ROLLUP_SQL)):
            t = time.perf_counter()
            cur.execute(sql, params)
            timings[name] = time.perf_counter() - t
    return timings


def copy_sites(have: int, target: int) -> dict:
    """Sites have+1..target as copies of the first ``have`` sites (site i copies site i mod have: the same
    region and time zone, since both cycle with a period dividing 1,000): every check, result, photo row,
    action and rollup row, with new ids. Writing the rows costs about what drawing them does (the inserts
    dominate); what a copy saves is the rollup: a copy's rows are its original's, so the application's
    rebuild (1.3 s per site-year under this machine's load) is not run 4,000 times; ``verify_copied_rollup``
    rebuilds a sample of copied sites with it and compares."""
    from sites.models import Site

    ids = list(Site.objects.order_by("pk").values_list("pk", flat=True))
    originals = ids[:have]
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM consistency_dailycheck")
        top = cur.fetchone()[0]
    copies = []
    for copy, start in enumerate(range(have, target, have), start=1):
        mapping = [(copy, originals[i % have], ids[start + i]) for i in range(min(have, target - start))]
        copies.append((copy, top * copy, top, mapping))
    t = time.perf_counter()
    connections.close_all()
    timings = {}
    with ProcessPoolExecutor(LOADERS) as pool:
        for part in pool.map(_copy, copies):
            for name, seconds in part.items():
                timings[f"copy {name} (summed)"] = timings.get(f"copy {name} (summed)", 0.0) + seconds
    with connection.cursor() as cur:
        cur.execute("SELECT setval(pg_get_serial_sequence('consistency_dailycheck', 'id'), "
                    "(SELECT max(id) FROM consistency_dailycheck))")
    timings["copy"] = time.perf_counter() - t
    return timings


def verify_copied_rollup(have: int, sample: int = 20) -> float:
    """Rebuild the rollup of a sample of copied sites by the application (rollup.rebuild) and compare with
    the copied rows; the rebuilt rows stay (they are equal)."""
    from consistency.models import SiteRollup
    from consistency.services import rollup
    from sites.models import Site

    t = time.perf_counter()
    fields = ("date", "checked_days", "late_checks", "is_head", "keys", "observations", "passed", "deviation_sum",
              "deviation_sq_sum")
    copied = list(Site.objects.order_by("pk").values_list("pk", flat=True)[have:])
    for site_id in copied[:: max(1, len(copied) // sample)][:sample]:
        before = list(SiteRollup.objects.filter(site_id=site_id).order_by("date").values_list(*fields))
        rollup.rebuild(site_ids=[site_id])
        after = list(SiteRollup.objects.filter(site_id=site_id).order_by("date").values_list(*fields))
        assert before == after and before, f"site {site_id}: the copied rollup differs from the rebuilt one"
    return time.perf_counter() - t


def main() -> None:
    from django.contrib.auth import get_user_model

    from consistency.models import StandardVersion
    from sites.models import Site

    started = time.perf_counter()
    if not StandardVersion.objects.filter(status="published").exists():
        create_franchise()
    have = Site.objects.count()
    if have >= SITES:
        print(json.dumps({"sites": have, "added": 0}))
        return
    add_sites(have, SITES)
    save_thumbnails()
    new_ids = list(Site.objects.order_by("pk").values_list("pk", flat=True)[have:])
    version = StandardVersion.objects.get(status="published").pk
    user = get_user_model().objects.get(username="bench").pk
    if COPY and have:
        print(f"sites {have + 1}..{SITES}: copies of sites 1..{have}", flush=True)
        timings = copy_sites(have, SITES)
        timings["photo_days"] = photo_days()
        timings["rollup verified (rebuilt sample)"] = verify_copied_rollup(have)
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM consistency_siterollup WHERE site_id >= %s", [new_ids[0]])
            written = cur.fetchone()[0]
    else:
        print(f"sites {have + 1}..{SITES}: loading {FIRST_DAY}..{LAST_DAY}", flush=True)
        timings = load(version, user, new_ids[0], new_ids[-1])
        timings["photo_days"] = photo_days()
        written, timings["rollup"] = build_rollup(new_ids)
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - t
    check_sample()
    timings["total"] = time.perf_counter() - started
    print(json.dumps({"sites": SITES, "added": SITES - have, "copied": bool(COPY and have), "rollup_rows": written,
                      "timings": {k: round(v, 1) for k, v in timings.items()}}))


if __name__ == "__main__":
    main()
