"""bench/RESULTS-year.md from the JSON the steps of bench/year/bench.py wrote: the block between the markers
``<!-- year figures -->`` and ``<!-- /year figures -->`` is replaced; the text around it is kept."""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import time
from pathlib import Path

START, END = "<!-- year figures -->", "<!-- /year figures -->"
TABLE_NAMES = {"consistency_checkresult": "results", "consistency_dailycheck": "daily checks",
               "consistency_evidence": "photos (Evidence)", "consistency_siterollup": "variance rollup",
               "consistency_sitephotoday": "photo site-days", "consistency_correctiveaction": "corrective actions",
               "sites_site": "sites", "reports_reportrun": "report runs"}


def _read(out: Path, name: str):
    path = out / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB" if n < 1e9 else f"{n / 1e9:,.2f} GB"


def _med(runs: list[dict], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in runs)


def _s(x: float) -> str:
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def _growth(a, b) -> str:
    return f"{b / a:.2f}x" if a and b else "-"


def generation(out: Path, labels: list[str]) -> list[str]:
    lines = ["### Generation", "",
             "| step | " + " | ".join(f"{lab} sites" for lab in labels) + " |",
             "| --- | " + " | ".join("---:" for _ in labels) + " |"]
    gens = {lab: _read(out, f"generate-{lab}") or {} for lab in labels}
    keys = []
    for g in gens.values():
        keys += [k for k in g.get("timings", {}) if k not in keys]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(_s(gens[lab].get("timings", {})[k]) if k in gens[lab].get("timings", {})
                                              else "-" for lab in labels) + " |")
    lines.append("| how | " + " | ".join(("copies of the first sites" if gens[lab].get("copied") else "drawn")
                                         + f", {gens[lab].get('added', 0):,} sites added" for lab in labels) + " |")
    lines.append("| load average while generating (1 min, start / end) | " + " | ".join(
        f"{gens[lab].get('load', ['-', '-'])[0]} / {gens[lab].get('load', ['-', '-'])[-1]}" for lab in labels) + " |")
    lines += ["", "### Database size per table", "",
              "| table | " + " | ".join(f"{lab} sites: rows | table | indexes" for lab in labels) + " |",
              "| --- | " + " | ".join("---: | ---: | ---:" for _ in labels) + " |"]
    sizes = {lab: _read(out, f"sizes-{lab}") for lab in labels}
    for table, name in TABLE_NAMES.items():
        cells = []
        for lab in labels:
            t = (sizes[lab] or {}).get("tables", {}).get(table)
            cells.append(f"{t['rows']:,} | {_mb(t['table'])} | {_mb(t['indexes'])}" if t else "- | - | -")
        lines.append(f"| {name} (`{table}`) | " + " | ".join(cells) + " |")
    lines.append("| **whole database** (`pg_database_size`) | " + " | ".join(
        f" | **{_mb(sizes[lab]['database'])}** | " if sizes[lab] else " | - | " for lab in labels) + " |")
    for lab in labels:
        if sizes[lab]:
            lines.append(f"\n{lab} sites: pass rate of all results {sizes[lab]['pass_rate']:.1%}; `df -h /work` after: "
                         f"`{sizes[lab]['df']}`")
    return lines


def web_section(out: Path, labels: list[str]) -> list[str]:
    lines = ["### `GET /api/v1/variance/` and `GET /app/` (head office, the whole network)", "",
             "In-process through Django's test client (DEBUG off), signed in as one head office person; "
             "warm (one request of each first), then rounds alternating API and page, each round after a "
             "`SELECT count(*)` of the period's current results (the baseline). Peak RSS: the process' high-water "
             "mark during the request (reset before it); growth: above the RSS before it.", "",
             "| sites | period | baseline `count(*)` | API | API / baseline | page | page / baseline | page / API "
             "| API CPU | API peak RSS (growth) | page peak RSS (growth) | API body | queries API / page | load |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    webs = {lab: _read(out, f"web-{lab}") for lab in labels}
    for lab in labels:
        w = webs[lab]
        if not w:
            continue
        for name, p in w["periods"].items():
            r = p["runs"]
            base, api, page = _med(r["count"]), _med(r["api"]), _med(r["page"])
            loads = [x["load"] for x in r["api"] + r["page"]]
            lines.append(
                f"| {int(lab):,} | {name} {p['from']}..{p['to']} | {_s(base)} | **{_s(api)}** | {api / base:.2f}x "
                f"| **{_s(page)}** | {page / base:.2f}x | {page / api:.2f}x | {_s(_med(r['api'], 'cpu'))} "
                f"| {_mb(max(x['peak_rss'] for x in r['api']))} ({_mb(max(x['rss_growth'] for x in r['api']))}) "
                f"| {_mb(max(x['peak_rss'] for x in r['page']))} ({_mb(max(x['rss_growth'] for x in r['page']))}) "
                f"| {_mb(r['api'][0]['bytes'])} | {p['queries']['api']} / {p['queries']['page']} "
                f"| {min(loads)}-{max(loads)} |")
    if all(webs.get(lab) for lab in labels) and len(labels) == 2:
        a, b = (webs[lab] for lab in labels)
        lines += ["", f"Growth {labels[0]} -> {labels[1]} sites (5x the sites, 5x the results), medians:", ""]
        for name in a["periods"]:
            ra, rb = a["periods"][name]["runs"], b["periods"][name]["runs"]
            lines.append(
                f"- {name}: API {_growth(_med(ra['api']), _med(rb['api']))} (CPU "
                f"{_growth(_med(ra['api'], 'cpu'), _med(rb['api'], 'cpu'))}), page "
                f"{_growth(_med(ra['page']), _med(rb['page']))} (CPU {_growth(_med(ra['page'], 'cpu'), _med(rb['page'], 'cpu'))}), "
                f"baseline `count(*)` {_growth(_med(ra['count']), _med(rb['count']))}; API peak RSS growth "
                f"{_growth(max(x['rss_growth'] for x in ra['api']), max(x['rss_growth'] for x in rb['api']))}")
    lines += ["", "Runs (s, in order):", ""]
    for lab in labels:
        w = webs[lab]
        for name, p in (w or {}).get("periods", {}).items():
            r = p["runs"]
            lines.append(f"- {lab} sites, {name}: baseline " + ", ".join(f"{x['seconds']:.2f}" for x in r["count"])
                         + "; API " + ", ".join(f"{x['seconds']:.2f}" for x in r["api"])
                         + "; page " + ", ".join(f"{x['seconds']:.2f}" for x in r["page"]))
    return lines


def pdf_section(out: Path, labels: list[str]) -> list[str]:
    lines = ["### Variance PDF (whole network)", "",
             "Ordered by a head office person (`reports.services.report_order`), rendered by the function the "
             "Celery task calls (`reports.runner.run_report`: the engine, the perception gap, `render_variance`, "
             "the upload to storage, the run marked done) in a fresh process; peak RSS is that process' "
             "high-water mark during the run (reset after start-up).", "",
             "| sites | period | time | CPU | baseline `count(*)` | time / baseline | pages | PDF | peak RSS (growth) | load |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    found = {}
    for lab in labels:
        for period in ("quarter", "year"):
            p = _read(out, f"pdf-{lab}-{period}")
            if p:
                found[(lab, period)] = p
                lines.append(f"| {int(lab):,} | {period} {p['from']}..{p['to']} | **{_s(p['seconds'])}** | {_s(p['cpu'])} "
                             f"| {_s(p['count_seconds'])} | {p['seconds'] / p['count_seconds']:.1f}x | {p['pages']:,} "
                             f"| {_mb(p['bytes'])} | {_mb(p['peak_rss'])} ({_mb(p['rss_growth'])}) "
                             f"| {p['load'][0]} -> {p['load'][1]} |")
    if len(labels) == 2:
        for period in ("quarter", "year"):
            a, b = found.get((labels[0], period)), found.get((labels[1], period))
            if a and b:
                lines.append(f"\nGrowth {labels[0]} -> {labels[1]} sites, {period}: time {_growth(a['seconds'], b['seconds'])}, "
                             f"CPU {_growth(a['cpu'], b['cpu'])}, pages {_growth(a['pages'], b['pages'])}, peak RSS "
                             f"{_growth(a['peak_rss'], b['peak_rss'])} (growth above start-up "
                             f"{_growth(a['rss_growth'], b['rss_growth'])}).")
    return lines


def packs_section(out: Path, labels: list[str]) -> list[str]:
    lines = ["### Monthly compliance packs", "",
             "Ordered as beat orders them (`services.scheduled_monthly_packs`, a run per active site, each queued "
             "on the broker), then rendered by real Celery workers (`celery -A backend worker --pool prefork -c N`) "
             "on the system Redis (db 10) and this database; each worker renders a sample from the queue and is "
             "stopped (warm shutdown), the next takes the queue on. Throughput: packs done from the first "
             "finished to the last, per minute (the worker's start-up left out). RSS sampled every 0.5 s (psutil).", "",
             "| sites | ordered | ordering time | processes (-c) | packs rendered | failed | packs / min | per pack: median, p90 "
             "| PDF (median) | peak RSS per child | peak RSS, all processes | 5,000 packs at this rate | load (min, median, max) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |"]
    for lab in labels:
        p = _read(out, f"packs-{lab}")
        if not p:
            continue
        for n, w in p["workers"].items():
            rate = w["per_minute"]
            lines.append(f"| {int(lab):,} | {p['ordered']:,} | {_s(p['order_seconds'])} | {n} | {w['done']} | {w['failed']} "
                         f"| **{rate:.1f}** | {w['median']:.2f} s, {w['p90']:.2f} s | {_mb(w['pdf_bytes'])} "
                         f"| {_mb(w['peak_child_rss'])} | {_mb(w['peak_total_rss'])} "
                         f"| **{5000 / rate:.0f} min** (5,000 / {rate:.1f}) | {w['load'][0]}, {w['load'][1]}, {w['load'][2]} |")
    return lines


def write(out: Path, results: Path) -> None:
    labels = [lab for lab in ("1000", "5000") if (out / f"sizes-{lab}.json").exists()]
    pg = subprocess.run(["psql", "-Atc", "SHOW server_version", os.environ.get("DATABASE_URL", "")],
                        capture_output=True, text=True).stdout.strip().split()[0:1]
    head = [f"Run: `bench/year/run.sh` (PostgreSQL {pg[0] if pg else '?'} on 127.0.0.1; {os.cpu_count()} CPUs shared "
            f"with other work; Python {platform.python_version()}), written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            ""]
    parts = head + generation(out, labels) + [""] + web_section(out, labels) + [""] + pdf_section(out, labels) \
        + [""] + packs_section(out, labels)
    raw = {path.stem: json.loads(path.read_text()) for path in sorted(out.glob("*.json"))}
    for p in raw.values():  # the per-pack durations are summarised above
        for w in p.get("workers", {}).values() if isinstance(p, dict) else []:
            w.pop("durations", None)
    parts += ["", "<details><summary>Raw figures (JSON)</summary>", "", "```", json.dumps(raw, default=str), "```", "",
              "</details>"]
    block = f"{START}\n" + "\n".join(parts) + f"\n{END}"
    text = results.read_text() if results.exists() else "# A year at 5,000 sites\n\n" + START + "\n" + END + "\n"
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    results.write_text(text)
    print(f"wrote {results}")
