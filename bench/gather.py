"""Gather bench/RESULTS-*.md into bench/RESULTS.md (run by bench/run.sh)."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["submit", "evidence", "capture", "heic", "variance", "reports", "signing", "pages", "perception", "feedback", "alerts", "export", "notify",
         "audit", "observability", "reuse_accuracy", "morning_rush", "year", "reuse_search"]

HEADER = """# Benchmark results

Every figure is measured by a benchmark under `bench/` (one command each, or `make bench` for all) and
stated as a ratio to a baseline measured in the same run, because the machines are shared and noisy.
The sections below are written by the benchmarks themselves (`bench/RESULTS-<name>.md`) and gathered
here by `bench/gather.py`.

| figure | target | section |
| --- | --- | --- |
| 40-result check submission over HTTP vs the straightforward DRF reference (gunicorn, PostgreSQL, 16 clients) | >= 2.5x the reference's throughput in the same run, a constant number of queries, 0 errors | [submit](#submit) |
| confirming a 5 MB photo: memory vs reading it whole | flat | [evidence](#evidence) |
| inspecting a 12 and a 24 Mpx HEIC vs the same picture as JPEG | memory bounded by MAX_HEIC_PIXELS; peak and time as ratios to the JPEG's | [heic](#heic) |
| variance engine vs a raw SQL aggregate, 1,000 sites x 90 days x 40 criteria | <= 0.25x time, identical numbers | [variance](#variance) |
| variance PDF at 250/500/1,000 sites; compliance pack with 200 photos | <= 5 s, linear; <= 3 s and < 400 MB | [reports](#reports) |
| the 200-photo compliance pack with vs without its PAdES signature; signing and offline verification alone; the signed archive of 200 original photos vs a plain ZIP of them | the signature adds little (ratio recorded); archive time as a ratio to the plain ZIP | [signing](#signing) |
| `/app/` network overview vs `GET /api/v1/variance/`, same period and scope, 1,000 sites x 90 days | <= 1.5x the API's server time in the same run, a constant number of queries | [pages](#pages) |
| `GET /api/v1/perception-gap/` vs `GET /api/v1/variance/`, 1,000 sites x 90 days, one audit per site per month, 50 feedback responses per site per day | <= 2x the variance API's time in the same run, a constant number of queries | [perception](#perception) |
| `manage.py import_feedback` of 1,000,000 CSV rows vs PostgreSQL's `COPY` of the same file | throughput recorded as a ratio to COPY's in the same run; peak memory flat from 100,000 to 1,000,000 rows | [feedback](#feedback) |
| who must be reminded or escalated for 5,000 sites in eight time zones (`alerts.rules.due`) vs a plain `SELECT` of the same sites | one statement, whatever the number of sites; time as a ratio to the SELECT in the same run | [alerts](#alerts) |
| `GET /api/v1/exports/results.csv` of 1 and 10 million results vs psql's `COPY (the same query) TO STDOUT` | >= 0.3x COPY's throughput in the same run; peak memory flat from 1 to 10 million rows | [export](#export) |
| 10,000 notices by e-mail through a real worker (prefork, 2 processes) SIGKILLed halfway and restarted, to an SMTP sink on loopback | none lost, none doubled (doubles counted and explained if the window bites); messages/s as a ratio to one `send_mail` loop over one SMTP connection in the same run | [notify](#notify) |
| the audit trail: an append (`audit.services.record`) vs a plain INSERT of the same row; `audit_verify` of 1,000,000 entries vs a plain streamed read of them | a fixed number of statements per append; verify's memory flat from 100,000 to 1,000,000 entries | [audit](#audit) |
| what watching costs: `GET /api/v1/me/` through the request-id, probe and Prometheus middlewares vs without them; a `/metrics` scrape | the ratio recorded (with / without, same run) | [observability](#observability) |
| a year at 1,000 and 5,000 sites (73 M results): variance API and `/app/` for a quarter and the year, the variance PDF, the monthly compliance packs with 2 and 4 worker processes | time and peak memory, growth 1,000 -> 5,000 as a ratio, each against a `count(*)` of the same rows in the same run | [year](#year) |
| morning rush: 5,000 sites each send a check with two photos (presigned S3 POST, confirmation) to `make stack` on loopback, open loop (locust) | throughput at saturation, p50/p99 at 60% of it as ratios to `GET /api/v1/me/` at the same request rate, errors (goal none), CPU per process: what limits it | [morning_rush](#morning_rush) |
| the reuse candidate search (`evidence_trust.candidates`, GIN on `PhotoKey.bands`) per new photo with 1 and 10 million verified photos on record, one at a time at a stated rate, vs a primary-key read and the old phash-band query | p99 per photo, and its growth from 1 to 10 million, as ratios to the primary-key read in the same run | [reuse_search](#reuse_search) |
"""


def main() -> None:
    parts = [HEADER]
    for name in ORDER:
        path = HERE / f"RESULTS-{name}.md"
        if path.exists():
            parts.append(f'<a id="{name}"></a>\n\n' + path.read_text().strip() + "\n")
    (HERE / "RESULTS.md").write_text("\n".join(parts))
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
