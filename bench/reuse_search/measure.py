"""Time the product's reuse candidate search (``evidence_trust.candidates``: one GIN-indexed query) with N photos
on record, for each N (and keys per photo) that ``generate.py`` wrote (schemas ``n<N>_k<keys>`` of the bench
database), and write bench/RESULTS-reuse_search.md.

Each new photo is a real one: a generated scene (``photos.scene``), encoded as a phone would, inspected by
``images.inspect_photo`` (its fingerprint: the probes searched with). Two sets: NEW photos with no copy on record,
and COPIES, altered (re-encoded, cropped, rotated, mirrored, adjusted) from the photos planted among the N, which
the search must find (how many it finds is the candidate stage's recall on them, with the method of the day).
The photos are searched one at a time at a stated offered load (RATE a second: a search starts every 1/RATE s,
or at once if the previous one overran), ROUNDS times after a warm-up round; p50/p99 per photo. The baselines, in
the same run, at the same load: a primary-key read of one photo (the cheapest indexed read there is), and the
query the product ran before (the bytes or one of four 16-bit phash bands, btree indexes, at most 1,000 rows).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import django

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from bench.reuse_search import photos  # noqa: E402
from consistency.models import Evidence  # noqa: E402
from consistency.services import evidence_trust as trust  # noqa: E402
from consistency.services import reuse  # noqa: E402

NEW = int(os.environ.get("BENCH_NEW", 60))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
RATE = float(os.environ.get("BENCH_RATE", 10))
RESULTS = Path(__file__).resolve().parents[1] / "RESULTS-reuse_search.md"


def new_photo(seed: int) -> Evidence:
    """The photo being confirmed: a site and day no stored photo has (nothing is excluded as its own day)."""
    return Evidence(site_id=10**6 + seed, day=dt.date(2031, 1, 1), criterion_id=1, sha256=f"{seed:064x}")


def old_search(evidence: Evidence, phash: str) -> list:
    """The query confirmations ran before PhotoKey (kept here as the baseline): the same bytes, or a shared 16-bit
    band of the 64-bit phash, at most 1,000 rows, the exact distance computed after."""
    others = (Evidence.objects.filter(status=Evidence.Status.VERIFIED)
              .exclude(site_id=evidence.site_id, day=evidence.day, criterion_id=evidence.criterion_id)
              .only("id", "site_id", "day", "criterion_id", "status", "sha256", "phash", "created_at",
                    "reused_from_id"))
    found = list(others.filter(sha256=evidence.sha256)[:1000])
    near = Q()
    for i, band in enumerate(trust.phash_bands(phash)):
        near |= Q(**{f"phash_band{i}": band})
    found += list(others.filter(near)[:1000])
    return found


def paced(calls: list, rounds: int) -> tuple[list[float], list]:
    """Run each call once per round, one at a time, one starting every 1/RATE s; the time of each, in ms."""
    for call in calls:  # warm-up round, not counted
        call()
    times, answers = [], []
    interval = 1 / RATE
    next_start = time.perf_counter()
    for _ in range(rounds):
        for call in calls:
            wait = next_start - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            started = time.perf_counter()
            answers.append(call())
            times.append((time.perf_counter() - started) * 1000)
            next_start = max(next_start + interval, time.perf_counter())
    return times, answers


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(schema: str, probes_new, probes_copies) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SET search_path TO {schema}, public")  # public: the search's function
        cursor.execute("SELECT seed, evidence_id FROM bench_planted ORDER BY seed")
        planted = dict(cursor.fetchall())
        cursor.execute("SELECT max(id) FROM consistency_evidence")
        top = cursor.fetchone()[0]
    n = top
    rng = random.Random(n)
    ids = [rng.randrange(1, top + 1) for _ in range(len(probes_new))]
    phashes = [f"{rng.getrandbits(64):016x}" for _ in probes_new]

    new_calls = [partial(trust.candidates, new_photo(i), fp) for i, fp in enumerate(probes_new)]
    copy_calls = [partial(trust.candidates, new_photo(10**4 + seed), fp) for seed, fp in probes_copies]
    pk_calls = [partial(Evidence.objects.only(*trust._CANDIDATE_FIELDS).get, pk=pk) for pk in ids]
    old_calls = [partial(old_search, new_photo(i), ph) for i, ph in enumerate(phashes)]
    out = {}
    for name, calls in (("pk", pk_calls), ("search: new photos", new_calls), ("search: copies", copy_calls),
                        ("old phash-band query", old_calls)):
        times, answers = paced(calls, ROUNDS)
        out[name] = {"p50": statistics.median(times), "p99": pct(times, 0.99), "n": len(times),
                     "rows": statistics.mean(len(a) if isinstance(a, list) else 1 for a in answers)}
        print(f"  {schema} {name}: p50 {out[name]['p50']:.2f} ms, p99 {out[name]['p99']:.2f} ms, "
              f"{out[name]['rows']:.1f} rows", flush=True)
    found = 0
    for seed, fp in probes_copies:
        found += planted[seed] in {f.photo.pk for f in trust.candidates(new_photo(10**4 + seed), fp)}
    out["copies found"] = (found, len(probes_copies))
    with connection.cursor() as cursor:
        cursor.execute("RESET search_path")
    return out


def fingerprints():
    started = time.perf_counter()
    new = [photos.fingerprint(photos.jpeg(photos.scene(10**5 + i))) for i in range(NEW)]
    copies = []
    for seed in range(40):
        how = photos.ALTERATIONS[seed % len(photos.ALTERATIONS)]
        copies.append((seed, photos.fingerprint(photos.jpeg(photos.altered(photos.scene(seed), how, seed)))))
    print(f"fingerprints of {NEW + len(copies)} photos: {time.perf_counter() - started:.0f} s", flush=True)
    return new, copies


def write(results: dict, stats: dict, method: str, values: float, keys: int) -> None:
    schemas = sorted(results, key=lambda k: (stats[k]["n"], stats[k]["views"]))
    lines = ["## reuse_search", "",
             "The reuse candidate search (`evidence_trust.candidates`: one query, the GIN index on `PhotoKey.bands` "
             "through `touchpoint_photokey_hits`, the evidence primary key and sha256) with N verified photos on "
             f"record, one new photo searched at a time, offered at {RATE:g} a second, {ROUNDS} rounds after a "
             "warm-up round (`bench/run.sh reuse_search`; bench/reuse_search/). Each new photo's probes are those of "
             "a real fingerprint (`images.inspect_photo` of a generated 1600 x 1200 scene; " + method + "); "
             "*copies* are altered (re-encoded, cropped, rotated, mirrored, adjusted) from photos planted among the "
             "N. Baselines in the same run and at the same load: a primary-key read of one photo, and the query "
             "confirmations ran before (the bytes or a shared 16-bit phash band, btrees).", "",
             "| photos on record | keys a photo | keys on record | query | p50 ms | p99 ms | p99 / pk p99 | "
             "rows answered (mean) |",
             "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for schema in schemas:
        st = stats[schema]
        base = results[schema]["pk"]["p99"]
        for name in ("pk", "search: new photos", "search: copies", "old phash-band query"):
            r = results[schema][name]
            lines.append(f"| {st['n']:,} | {st['views']} | {st['key_rows']:,} | {name} | {r['p50']:.2f} | "
                         f"{r['p99']:.2f} | {r['p99'] / base:.1f}x | {r['rows']:.1f} |")
    by_keys = sorted(schemas, key=lambda k: stats[k]["key_rows"])
    if len(by_keys) > 1:
        lo, hi = by_keys[0], by_keys[-1]

        def growth(name: str) -> float:
            return results[hi][name]["p99"] / results[lo][name]["p99"]

        lines += ["", f"Growth from {stats[lo]['key_rows']:,} to {stats[hi]['key_rows']:,} keys on record "
                  f"({stats[lo]['n']:,} to {stats[hi]['n']:,} photos): p99 of the search {growth('search: new photos'):.2f}x "
                  f"(new photos), {growth('search: copies'):.2f}x (copies); the primary-key read "
                  f"{growth('pk'):.2f}x; the old phash-band query {growth('old phash-band query'):.2f}x."]
    lines += ["", "Copies found by the search (candidate stage): " + ", ".join(
        f"{results[k]['copies found'][0]} of {results[k]['copies found'][1]} in {k}" for k in schemas) + ". "
        "(A schema's planted keys are those of the method of the day when it was generated: the probes of another "
        "method need not reach them; the rows the search reads are the same either way.)", ""]
    top = max(schemas, key=lambda k: stats[k]["n"])
    n_top, bits = stats[top]["n"], stats[top]["band_bits"]
    per_key_gb = {k: sum(stats[k]["bytes"][r] for r in ("consistency_photokey", "photokey_bands"))
                  / stats[k]["key_rows"] / 1e9 for k in schemas}
    lines += [f"Arithmetic for {n_top:,} photos x {keys} keys = {n_top * keys:,} keys (not generated here: its GIN "
              f"build alone would take ~{stats[top]['seconds']['photokey GIN (bands)'] * keys / 60:.0f} min on this "
              f"machine). A search reads one GIN entry per distinct band value ({values:.0f}), whatever the number "
              "of keys (the entry tree deepens by a level per ~100x), then the keys it hits: random ones, "
              f"{values:.0f} x keys / 2^{bits} on average (measured {results[top]['search: new photos']['rows']:.2f} "
              f"a new photo at {stats[top]['key_rows']:,} keys; {values * n_top * keys / 2 ** bits:.1f} at "
              f"{n_top * keys:,}), each compared by `reuse.compare`. Keys and their GIN take "
              f"~{max(per_key_gb.values()) * n_top * keys:.0f} GB at that size "
              f"({max(per_key_gb.values()) * 1e9:.0f} bytes a key, measured), beyond this machine's page cache: the "
              "p50 then pays disk reads for those entries, as it does from 1 M to 10 M here.", "",
        "| schema | photos | keys a photo | band bits | evidence rows (GB) | PhotoKey rows (GB) | GIN on bands (GB) | "
        "generation: rows + keys + GIN build (s) |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for schema in schemas:
        st = stats[schema]
        gb = {k: v / 1e9 for k, v in st["bytes"].items()}
        sec = st["seconds"]
        lines.append(f"| {schema} | {st['n']:,} | {st['views']} | {st['band_bits']} | "
                     f"{gb['consistency_evidence']:.2f} | {gb['consistency_photokey']:.2f} | "
                     f"{gb['photokey_bands']:.2f} | {sec['evidence rows']:.0f} + {sec['photo keys (COPY)']:.0f} + "
                     f"{sec['photokey GIN (bands)']:.0f} |")
    lines += ["", f"Machine: {os.cpu_count()} cores shared with other work; PostgreSQL "
              f"{connection.cursor().connection.info.server_version // 10000}, shared_buffers as configured "
              "(the tables are larger than it: the OS cache holds what it can). Measured "
              f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC."]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


def main() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema, stats FROM public.bench_generated")
        stats = {k: (v if isinstance(v, dict) else json.loads(v)) for k, v in cursor.fetchall()}
    wanted = os.environ.get("BENCH_SCHEMAS", ",".join(sorted(stats))).split(",")
    new, copies = fingerprints()
    fps = new + [fp for _, fp in copies]
    values = statistics.mean(len({b for p in fp.probes for b in reuse.band_keys(p)}) for fp in fps)
    method = (f"the method of the day: {statistics.mean(len(fp.keys) for fp in fps):.1f} keys and "
              f"{statistics.mean(len(fp.probes) for fp in fps):.1f} probes a photo, {values:.0f} distinct band "
              "values searched")
    results = {schema: measure(schema, new, copies) for schema in wanted}
    write(results, {k: stats[k] for k in wanted}, method, values, max(len(fp.keys) for fp in fps))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
