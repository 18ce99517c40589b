"""bench/RESULTS-morning_rush.md from the driver's figures (also: python bench/morning_rush/report.py
var/bench-rush/results.json, to write it again from a run's raw figures)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

API_REQUESTS_PER_SITE = 5
HOW = """# Morning rush: figures

One command: `bench/morning_rush/run.sh` (knobs: `SITES` (5000), `RUSH_RATE` (sites/s; default `RUSH_SHARE`=0.6 of the
saturation measured first), `STEP_SECONDS` (20), `RAMP_START` (0.5 site/s), `RUSH_SITES` (`SITES`), `WEB_WORKERS` (4), `BROKER`, `PHOTO_SIZE`
(1024x768), `BENCH_DB`). It starts `make stack` (`python -m backend.stack --seed minimal`: gunicorn with `WEB_WORKERS` sync
workers, two Celery workers and beat, Redis, PostgreSQL, moto's S3 server over HTTP) on a fresh database, and
creates the rush's sites in bulk (`setup.py`: a region, the sites, a manager each with a device token made by
knox's own function; a few statements). Each site's morning is what a phone does: the day's check (every
criterion of the demo standard the site answers, an `Idempotency-Key`), then two photos (1024x768 JPEGs of about
150 kB, the size a phone app sends after resizing), each asked for (`POST /checks/<id>/evidence/`), sent to S3
with the presigned POST, and confirmed (`POST /evidence/<id>/confirm/`: the server reads the upload back,
decodes it, hashes it, makes its thumbnail and keeps its own copy): 5 API requests and 2 S3 requests a site.

**Open loop, and how.** Locust's own users are closed loops (a slow answer delays the next request and hides
itself). `locustfile.py` runs ONE locust user that is only a clock: arrival *i* is due at `start + i / rate`,
whatever the server does, and each arrival runs in a greenlet of its own (gevent), with locust's fast HTTP
client and its request events. A site's latency is measured from the moment it was due, not from when the
generator sent it, so a generator that falls behind cannot hide latency (`lateness` below says how far behind
it ever was). The generator is bounded (400 sites in flight): an arrival that finds it full is shed and counted
as an error, never delayed.

Steps, in one run: (0) a warm-up of 20 sites, not measured; (1) a ramp of whole mornings at rising rates (x1.5 every `STEP_SECONDS`) until the completed
sites per second stop rising (under 10% more than the step before): the throughput at saturation;
(2) the same ramp for the baseline, `GET /api/v1/me/` (token authentication, one query, JSON: the trivial
endpoint of the same stack); (3) the rush: `SITES` sites at the offered rate; (4) the baseline at the rush's own
rate of API requests (5 per site) for a minute, right after it. Every process's CPU is sampled once a second
(`/proc` through psutil; a process that ends keeps its last sample): what limits the rush is read from there,
as a share of the machine's cores.
"""


def ms(v: float) -> str:
    return f"{v:,.0f} ms" if v == v else "-"


def write(r: dict, path: Path) -> None:
    rush, base = r["rush"], r["baseline"]
    cores = r["cores"]
    lines = [HOW, f"## Results ({r['when']}, broker {r['broker']}, {r['web_workers']} gunicorn workers, "
             f"{cores} cores shared with the rest of the machine; load average before: "
             f"{', '.join(f'{x:.2f}' for x in r['load_before'])})", ""]
    lines += [f"Setup: {r['sites']:,} sites (+ {r['ramp_sites']:,} for the ramp), their managers and tokens in "
              f"{r['setup_seconds']:.1f} s.", ""]
    lines += ["### Saturation (ramp)", "", "| step | offered sites/s | completed sites/s | site p50 | site p99 | errors |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n, s in enumerate(r["rush_steps"], 1):
        lines.append(f"| {n} | {s['rate']:.2f} | {s['throughput']:.2f} | {ms(s['site_ms']['p50'])} | "
                     f"{ms(s['site_ms']['p99'])} | {sum(s['errors'].values())} |")
    lines += ["", "| baseline step | offered req/s | completed req/s | p50 | p99 | errors |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n, s in enumerate(r["ping_steps"], 1):
        lines.append(f"| {n} | {s['rate']:.0f} | {s['throughput']:.1f} | {ms(s['site_ms']['p50'])} | "
                     f"{ms(s['site_ms']['p99'])} | {sum(s['errors'].values())} |")
    sat_requests = r["saturation"] * API_REQUESTS_PER_SITE
    lines += ["", f"**Throughput at saturation: {r['saturation']:.2f} sites/s** ({sat_requests:.1f} API requests/s "
              f"+ {2 * r['saturation']:.1f} S3 uploads/s); the baseline saturates at {r['ping_saturation']:.1f} "
              f"requests/s: a site's morning costs the stack **{r['ping_saturation'] / r['saturation']:.1f}x** a "
              f"trivial request, its API requests {r['ping_saturation'] / sat_requests:.1f}x one on average.", ""]
    offered = rush["rate"]
    hour = r['sites'] / 3600
    lines += ["### The rush", "",
              f"{rush['count']:,} sites at **{offered:.2f} sites/s** offered "
              f"({offered / r['saturation']:.0%} of saturation; {offered / hour:.1f}x the real rate of 5,000 sites "
              f"in an hour, so the hour took {rush['span_seconds'] / 60:.1f} minutes): "
              f"{rush['ok']:,} completed, **errors: {sum(rush['errors'].values())}**"
              + (f" ({'; '.join(f'{k}: {v}' for k, v in rush['errors'].items())})" if rush["errors"] else "")
              + f"; generator lateness at most {rush['lateness_max_ms']:.0f} ms.", "",
              "| what | n | p50 | p99 | p50 / baseline p50 | p99 / baseline p99 |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    b = next(iter(base["requests"].values()))
    lines.append(f"| baseline `GET /api/v1/me/` at {base['rate']:.1f} req/s (the rush's API rate) | {b['n']:,} | "
                 f"{ms(b['p50'])} | {ms(b['p99'])} | 1.0x | 1.0x |")
    for name, q in rush["requests"].items():
        lines.append(f"| {name} | {q['n']:,} | {ms(q['p50'])} | {ms(q['p99'])} | {q['p50'] / b['p50']:.1f}x | "
                     f"{q['p99'] / b['p99']:.1f}x |")
    lines.append(f"| **a site's whole morning** (7 requests, from its due time) | {rush['ok']:,} | "
                 f"{ms(rush['site_ms']['p50'])} | {ms(rush['site_ms']['p99'])} | "
                 f"{rush['site_ms']['p50'] / b['p50']:.1f}x | {rush['site_ms']['p99'] / b['p99']:.1f}x |")
    lines += ["", "### What limits it (CPU during the rush)", "",
              f"Wall time {rush['wall_seconds']:.0f} s; the machine's {cores} cores had "
              f"{cores * rush['wall_seconds']:.0f} CPU-seconds, of which {rush['machine_cpu_seconds']:.0f} were used "
              f"(everything on the machine, other work included).", "",
              "| process | CPU s | ms per site | share of the cores | busiest single process (share of one core) |",
              "| --- | ---: | ---: | ---: | ---: |"]
    total = 0.0
    for name, g in sorted(rush["cpu"].items(), key=lambda kv: -kv[1]["seconds"]):
        total += g["seconds"]
        lines.append(f"| {name} ({g['processes']}) | {g['seconds']:.1f} | {1000 * g['seconds'] / max(1, rush['ok']):.1f} | "
                     f"{g['seconds'] / (cores * rush['wall_seconds']):.0%} | {g['busiest'] / rush['wall_seconds']:.0%} |")
    lines.append(f"| **the stack and the generator** | {total:.1f} | {1000 * total / max(1, rush['ok']):.1f} | "
                 f"{total / (cores * rush['wall_seconds']):.0%} | |")
    lines += ["", ANALYSIS_MARK, ""]
    old = path.read_text() if path.exists() else ""
    analysis = old.split(ANALYSIS_MARK, 1)[1].strip() if ANALYSIS_MARK in old else ""
    path.write_text("\n".join(lines) + ("\n" + analysis + "\n" if analysis else ""))
    print(f"wrote {path}")


ANALYSIS_MARK = "### Reading"


if __name__ == "__main__":
    write(json.loads(Path(sys.argv[1]).read_text()), Path(__file__).resolve().parents[1] / "RESULTS-morning_rush.md")
