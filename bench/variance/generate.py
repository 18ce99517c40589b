"""Generate the benchmark franchise in the bench database (DATABASE_URL): SITES sites x DAYS days x 40
criteria of current results, written by PostgreSQL's generate_series in a few statements. On top:
late checks (5%) and amended checks (1%: the superseded check and its results stay, not current), and
BENCH_PHOTOS (5) verified photos per current check (3% reused, 3% stale; 1% of other photos pending or
rejected), for the variance answer's per-site photo counts.
Then the variance rollup is built by the same code writers use (consistency.services.rollup), in
parallel over site ranges.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import django

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
django.setup()

from django.db import connection, connections  # noqa: E402

from bench import photo_days as photo_days_sql  # noqa: E402

SITES = int(os.environ.get("BENCH_SITES", 1000))
DAYS = int(os.environ.get("BENCH_DAYS", 90))
FIRST_DAY = dt.date(2026, 6, 1)
KINDS = ["boolean", "score", "number_lte", "number_gte"]
PHOTOS = int(os.environ.get("BENCH_PHOTOS", 5))


def standard_doc() -> dict:
    tps = []
    for t in range(10):
        criteria = []
        for c in range(4):
            kind = KINDS[c]
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


def create_franchise() -> None:
    from django.contrib.auth import get_user_model

    from consistency.services import standard as services
    from consistency.services.standard_document import parse_document
    from sites.models import Region, Site

    regions = [Region.objects.create(code=f"r{i}", name=f"Region {i}") for i in range(10)]
    zones = ["Pacific/Auckland", "Europe/London", "America/New_York", "Asia/Tokyo"]
    Site.objects.bulk_create([
        Site(code=f"S{i:05d}", name=f"Site {i}", region=regions[i % 10], timezone=zones[i % 4],
             opened_on=FIRST_DAY) for i in range(SITES)
    ], batch_size=1000)
    version = services.version_create_from_document(doc=parse_document(standard_doc()))
    services.version_publish(version=version, effective_from=FIRST_DAY)
    get_user_model().objects.create(username="bench")


CHECKS_SQL = """
INSERT INTO consistency_dailycheck (site_id, date, version_id, submitted_by_id, performed_at, received_at,
                                    client_id, late, is_current, amendment_reason, score)
SELECT s.id, d::date, %(version)s, %(user)s, d + interval '9 hours', d + interval '10 hours',
       gen_random_uuid(), random() < 0.05, true, '', 0
FROM sites_site s CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
"""

# A site's chance of passing a criterion differs by site and criterion, so the network has spread.
RESULTS_SQL = """
INSERT INTO consistency_checkresult (daily_check_id, criterion_id, site_id, date, is_current, value, note,
                                     met, passed, deviation)
SELECT dc.id, c.id, dc.site_id, dc.date, dc.is_current, CASE WHEN ok THEN 1 ELSE 0 END, '', ok, ok,
       CASE WHEN ok THEN 0 ELSE round((random() * 1.5)::numeric, 4)::float8 END
FROM consistency_dailycheck dc
CROSS JOIN consistency_criterion c
CROSS JOIN LATERAL (SELECT random() < 0.55 + 0.44 * (((dc.site_id * 7919 + c.id * 104729) %% 1000) / 1000.0)
                    AS ok) r
WHERE c.version_id = %(version)s AND dc.id BETWEEN %(lo)s AND %(hi)s
"""

# 1% of checks were amended: the first check stays, superseded, with results of its own.
AMEND_SQL = """
WITH picked AS (
    SELECT id FROM consistency_dailycheck WHERE is_current AND random() < 0.01
), old AS (
    INSERT INTO consistency_dailycheck (site_id, date, version_id, submitted_by_id, performed_at, received_at,
                                        client_id, late, is_current, superseded_at, amendment_reason, score)
    SELECT site_id, date, version_id, submitted_by_id, performed_at - interval '1 hour',
           received_at - interval '1 hour', gen_random_uuid(), late, false, received_at, '', 0
    FROM consistency_dailycheck WHERE id IN (SELECT id FROM picked)
    RETURNING id
)
SELECT count(*) FROM old
"""


# Photos of current checks, as confirmation would leave them (rows only: the variance answer reads rows).
PHOTOS_SQL = """
INSERT INTO consistency_evidence (public_id, daily_check_id, criterion_id, site_id, uploaded_by_id, key,
    declared_content_type, declared_size, declared_sha256, status, reject_reason, size, sha256, width, height,
    phash, day, thumbnail_key, created_at, verified_at, stale_capture, reused_from_id)
SELECT gen_random_uuid(), dc.id, c.id, dc.site_id, dc.submitted_by_id,
       'sites/' || dc.site_id || '/' || dc.id || '/' || n || '.jpg', 'image/jpeg', 150000, md5(dc.id || '/' || n),
       CASE WHEN r < 0.01 THEN 'rejected' WHEN r < 0.02 THEN 'pending' ELSE 'verified' END, '', 150000,
       md5(dc.id || '/' || n), 1600, 1200, '', dc.date, '', dc.received_at, dc.received_at,
       r BETWEEN 0.02 AND 0.05, CASE WHEN r BETWEEN 0.05 AND 0.08 THEN 1 END
FROM consistency_dailycheck dc
CROSS JOIN generate_series(1, %(photos)s) n
CROSS JOIN LATERAL (SELECT random() + 0 * n AS r) x  -- correlated with n: a fresh draw per photo
JOIN LATERAL (SELECT id FROM consistency_criterion WHERE version_id = %(version)s ORDER BY id
              OFFSET (n - 1) %% 40 LIMIT 1) c ON true
WHERE dc.is_current AND dc.id BETWEEN %(lo)s AND %(hi)s
"""




def generate() -> None:
    from django.contrib.auth import get_user_model

    from consistency.models import StandardVersion

    version = StandardVersion.objects.get(status="published").pk
    user = get_user_model().objects.get(username="bench").pk
    params = {"version": version, "user": user, "first": FIRST_DAY, "last": FIRST_DAY + dt.timedelta(days=DAYS - 1)}
    with connection.cursor() as cur:
        cur.execute(CHECKS_SQL, params)
        cur.execute(AMEND_SQL)
        cur.execute("SELECT min(id), max(id) FROM consistency_dailycheck")
        lo, hi = cur.fetchone()
        step = 20000
        for start in range(lo, hi + 1, step):
            cur.execute(RESULTS_SQL, {**params, "lo": start, "hi": start + step - 1})
        if PHOTOS:
            # One real photo stands as the original the reused ones point at.
            cur.execute(PHOTOS_SQL, {**params, "photos": 1, "lo": lo, "hi": lo})
            cur.execute("SELECT min(id) FROM consistency_evidence")
            original = cur.fetchone()[0]
            for start in range(lo + 1, hi + 1, step):
                cur.execute(PHOTOS_SQL.replace("THEN 1 END", f"THEN {original} END"),
                            {**params, "photos": PHOTOS, "lo": start, "hi": start + step - 1})
            # The per-site-day counts and running totals the evidence service keeps as it verifies them (the
            # SQL of the migrations that made them).
            photo_days_sql.count(cur)
        cur.execute("ANALYZE")


def _rollup_range(ids: list[int]) -> int:
    from consistency.services import rollup

    connections.close_all()
    return rollup.rebuild(site_ids=ids)


def build_rollup(workers: int) -> int:
    from sites.models import Site

    ids = list(Site.objects.order_by("pk").values_list("pk", flat=True))
    chunks = [ids[i::workers] for i in range(workers)]
    connections.close_all()
    with ProcessPoolExecutor(workers) as pool:
        written = sum(pool.map(_rollup_range, chunks))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return written


if __name__ == "__main__":
    t0 = time.perf_counter()
    create_franchise()
    generate()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FILTER (WHERE is_current), count(*) FROM consistency_checkresult")
        current, total = cur.fetchone()
    t1 = time.perf_counter()
    print(f"generated {current:,} current results ({total:,} rows with superseded ones) in {t1 - t0:.1f} s")
    written = build_rollup(int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 2)))
    print(f"rollup built by consistency.services.rollup.rebuild: {written:,} rows in {time.perf_counter() - t1:.1f} s")
