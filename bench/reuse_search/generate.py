"""Fill the bench database (DATABASE_URL, ``bench_reuse``) with N verified photos on record, for each N of
BENCH_SIZES: a schema ``n<N>_k<keys>`` holding copies of the product's two tables (``consistency_evidence``,
``consistency_photokey``: ``CREATE TABLE ... (LIKE public.<table>)``), so that the product's own queries, which name
their tables unqualified, read them under ``SET search_path TO n<N>_k<keys>, public``, and every size stay on record for one run.

* Evidence: N verified photos, 5,000 sites x 2 photos a day x N / 10,000 days, 40 criteria, written by
  PostgreSQL's ``generate_series`` (sha256 distinct, a random 64-bit phash with its four 16-bit bands).
* PhotoKey: ``keys`` per photo, as many as ``reuse.fingerprint`` gives for a photo today (or BENCH_KEYS), each a
  random 256-bit hash with its ``reuse.band_keys`` (computed by the product's function in Python, loaded with COPY).
* Planted: PLANTED photos' keys are the real keys of generated scenes (``photos.scene``), so that altered copies of
  them (bench.py) are true near-copies that the search must find among the N.
* Indexes: the ones the searches read (the product's GIN on the bands, the evidence primary key and sha256, and
  the old phash-band btrees for the baseline), built after loading, as a bulk load would. The tables are UNLOGGED:
  loading writes no WAL; reading them is the same.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

import django

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
django.setup()

from django.db import connection  # noqa: E402

from bench.reuse_search import photos  # noqa: E402
from consistency.services import reuse  # noqa: E402

SITES = 5000
PER_SITE_DAY = 2
PLANTED = 40
CHUNK = 1_000_000
COPY_CHUNK = 100_000

EVIDENCE_SQL = """
INSERT INTO consistency_evidence (
    id, public_id, key, declared_content_type, declared_size, declared_sha256, status, reject_reason, size, sha256,
    width, height, phash, phash_band0, phash_band1, phash_band2, phash_band3, thumbnail_key, created_at, verified_at,
    stale_capture, criterion_id, daily_check_id, site_id, uploaded_by_id, day, captured_after_upload, edited_with,
    far_from_site, quality_issue, reuse_detail, reuse_kind)
SELECT n, gen_random_uuid(), 'sites/s' || (n %% %(sites)s) || '/' || n || '.jpg', 'image/jpeg', 2400000, h.sha,
       'verified', '', 2400000, h.sha, 1600, 1200, h.ph,
       ('x' || substr(h.ph, 1, 4))::bit(16)::int, ('x' || substr(h.ph, 5, 4))::bit(16)::int,
       ('x' || substr(h.ph, 9, 4))::bit(16)::int, ('x' || substr(h.ph, 13, 4))::bit(16)::int,
       'evidence/thumbs/' || n || '.jpg', t.at, t.at + interval '3 seconds', false,
       1 + n %% 40, 1 + n / 80, 1 + n %% %(sites)s, 1, t.day, false, '', false, '', '', ''
FROM generate_series(%(first)s::bigint, %(last)s::bigint) n,
     LATERAL (SELECT encode(sha256(int8send(n)), 'hex') AS sha,
                     substr(md5(random()::text), 1, 16) AS ph) h,
     LATERAL (SELECT date '2024-01-01' + (n / %(per_day)s)::int AS day,
                     timestamptz '2024-01-01 08:00+00' + (n / %(per_day)s) * interval '1 day'
                       + (n %% 3600) * interval '1 second' AS at) t
"""


def keys_per_photo() -> int:
    return len(photos.fingerprint(photos.jpeg(photos.scene(0))).keys)


def _copy_keys(cursor, first: int, last: int, views: int, planted: dict[int, tuple[bytes, ...]]) -> None:
    """PhotoKey rows for evidence first..last: random hashes (a planted photo's real ones), bands by band_keys."""
    rows = []
    key_id = (first - 1) * views
    with cursor.copy("COPY consistency_photokey (id, evidence_id, view, hash, bands) FROM STDIN") as copy:
        for evidence_id in range(first, last + 1):
            real = planted.get(evidence_id)
            for view in range(views):
                key_id += 1
                h = real[view] if real is not None and view < len(real) else os.urandom(32)
                bands = ",".join(map(str, reuse.band_keys(h)))
                rows.append(f"{key_id}\t{evidence_id}\t{view}\t\\\\x{h.hex()}\t{{{bands}}}\n")
            if len(rows) >= COPY_CHUNK:
                copy.write("".join(rows))
                rows.clear()
        copy.write("".join(rows))


def generate(n: int, views: int) -> dict:
    schema = f"n{n}_k{views}"
    timings = {}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")
        cursor.execute(f"SET search_path TO {schema}")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for table in ("consistency_evidence", "consistency_photokey"):
            cursor.execute(f"CREATE UNLOGGED TABLE {table} (LIKE public.{table} INCLUDING DEFAULTS)")
        cursor.execute("CREATE TABLE bench_planted (seed int PRIMARY KEY, evidence_id bigint NOT NULL)")
        rng = random.Random(n)
        planted_ids = sorted(rng.sample(range(1, n + 1), PLANTED))
        planted = {eid: photos.fingerprint(photos.jpeg(photos.scene(seed))).keys
                   for seed, eid in enumerate(planted_ids)}
        cursor.executemany("INSERT INTO bench_planted VALUES (%s, %s)", list(enumerate(planted_ids)))

        started = time.perf_counter()
        for first in range(1, n + 1, CHUNK):
            last = min(n, first + CHUNK - 1)
            cursor.execute(EVIDENCE_SQL, {"sites": SITES, "first": first, "last": last,
                                          "per_day": SITES * PER_SITE_DAY})
            print(f"  {schema}: evidence {last:,}", flush=True)
        timings["evidence rows"] = time.perf_counter() - started

        started = time.perf_counter()
        for first in range(1, n + 1, CHUNK):
            _copy_keys(cursor, first, min(n, first + CHUNK - 1), views, planted)
            print(f"  {schema}: keys of {min(n, first + CHUNK - 1):,} photos", flush=True)
        timings["photo keys (COPY)"] = time.perf_counter() - started

        indexes = {
            "evidence primary key": "ALTER TABLE consistency_evidence ADD PRIMARY KEY (id)",
            "evidence sha256": "CREATE INDEX evidence_sha256 ON consistency_evidence (sha256)",
            "evidence phash bands (old)": "; ".join(
                f"CREATE INDEX evidence_phash_band{i} ON consistency_evidence (phash_band{i})" for i in range(4)),
            "photokey primary key": "ALTER TABLE consistency_photokey ADD PRIMARY KEY (id)",
            "photokey GIN (bands)": "CREATE INDEX photokey_bands ON consistency_photokey USING gin (bands)",
        }
        for name, sql in indexes.items():
            started = time.perf_counter()
            cursor.execute(sql)
            timings[name] = time.perf_counter() - started
            print(f"  {schema}: {name} {timings[name]:.0f} s", flush=True)
        cursor.execute("ANALYZE consistency_evidence; ANALYZE consistency_photokey")
        sizes = {}
        for relation in ("consistency_evidence", "consistency_photokey", "photokey_bands", "evidence_sha256",
                         "evidence_phash_band0"):
            cursor.execute("SELECT pg_relation_size(%s)", [f"{schema}.{relation}"])
            sizes[relation] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM consistency_photokey")
        key_rows = cursor.fetchone()[0]
        cursor.execute("RESET search_path")
    stats = {"schema": schema, "n": n, "views": views, "key_rows": key_rows, "seconds": timings, "bytes": sizes,
             "band_bits": getattr(reuse, "BAND_BITS", None)}
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS public.bench_generated (schema text PRIMARY KEY, stats jsonb)")
        cursor.execute("INSERT INTO public.bench_generated VALUES (%s, %s) ON CONFLICT (schema) DO UPDATE "
                       "SET stats = excluded.stats", [schema, json.dumps(stats)])
    return stats


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000000,10000000").split(",")]
    views = int(os.environ.get("BENCH_KEYS") or keys_per_photo())
    for n in sizes:
        started = time.perf_counter()
        print(f"generating {n:,} photos, {views} keys each", flush=True)
        stats = generate(n, views)
        print(f"  done in {time.perf_counter() - started:.0f} s: {json.dumps(stats)}", flush=True)


if __name__ == "__main__":
    main()
