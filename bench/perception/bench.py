"""GET /api/v1/perception-gap/ against GET /api/v1/variance/ for the same period and scope, on the same data, in
the same run: both in-process through Django's test client, signed in with one head office session, so both
pay the same middleware, session and scope. Also timed: the variance API with ``?perception=true`` (its answer
plus each site's gap). Writes bench/RESULTS-perception.md.

Before timing, the perception answer's whole-scope counts are checked against the raw rows (check results,
audit results, feedback responses: not the running totals or day totals the engine reads).

Each round times the variance API, then the perception gap (the order alternates between rounds); the figure
is the median of the rounds' ratios, perception / variance, with each side's median time beside it."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from sites.models import Profile, Role  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 9))
TARGET = 2.0
RESULTS = os.path.join(os.path.dirname(__file__), "..", "RESULTS-perception.md")
VARIANCE, GAP = "/api/v1/variance/", "/api/v1/perception-gap/"

RAW_SQL = """
SELECT (SELECT count(*) FROM consistency_checkresult WHERE is_current AND date BETWEEN %(f)s AND %(t)s),
       (SELECT count(*) FILTER (WHERE passed) FROM consistency_checkresult WHERE is_current AND date BETWEEN %(f)s AND %(t)s),
       (SELECT count(*) FROM customer_auditresult r JOIN customer_audit a ON a.id = r.audit_id
        WHERE a.date BETWEEN %(f)s AND %(t)s),
       (SELECT count(*) FILTER (WHERE r.passed) FROM customer_auditresult r JOIN customer_audit a ON a.id = r.audit_id
        WHERE a.date BETWEEN %(f)s AND %(t)s),
       (SELECT count(*) FROM customer_feedbackresponse WHERE date BETWEEN %(f)s AND %(t)s),
       (SELECT count(*) FILTER (WHERE normalized >= 0.75) FROM customer_feedbackresponse WHERE date BETWEEN %(f)s AND %(t)s)
"""


def head_office_client() -> Client:
    user, _ = get_user_model().objects.get_or_create(username="bench.head")
    Profile.objects.get_or_create(user=user, defaults={"role": Role.HEAD_OFFICE})
    client = Client()
    client.force_login(user)
    return client


def timed_get(client: Client, url: str, params: dict) -> tuple[float, object]:
    t0 = time.perf_counter()
    answer = client.get(url, params)
    body = answer.content  # the whole body, rendered
    elapsed = time.perf_counter() - t0
    assert answer.status_code == 200, (url, answer.status_code, body[:500])
    return elapsed, answer


def check_against_raw_rows(gap: dict, date_from: dt.date, date_to: dt.date) -> tuple[int, int, int]:
    with connection.cursor() as cur:
        cur.execute(RAW_SQL, {"f": date_from, "t": date_to})
        checks, checks_ok, audits, audits_ok, responses, satisfied = cur.fetchone()
    o = gap["overall"]
    assert (o["self_check"]["n"], o["self_check"]["successes"]) == (checks, checks_ok), (o["self_check"], checks)
    assert (o["audit"]["n"], o["audit"]["successes"]) == (audits, audits_ok), (o["audit"], audits)
    assert (o["customer"]["satisfied"]["n"], o["customer"]["satisfied"]["successes"]) == (responses, satisfied)
    return checks, audits, responses


def queries(client: Client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, params)
    return len(ctx.captured_queries)


def slowest_queries(client: Client, params: dict) -> str:
    """The gap's three slowest queries and their time in one (extra, untimed) request."""
    with CaptureQueriesContext(connection) as ctx:
        client.get(GAP, params)
    named = []
    for q in ctx.captured_queries:
        sql = q["sql"]
        name = ("feedback days" if "customer_feedbackday" in sql else "audit results" if "customer_auditresult" in sql
                else "self-check running totals" if "array_send" in sql else sql[:40])
        named.append((float(q["time"]), name))
    return ", ".join(f"{name} {t * 1000:.0f} ms" for t, name in sorted(named, reverse=True)[:3])


def measure(client: Client, date_from: dt.date, date_to: dt.date) -> dict:
    params = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    with_gap = {**params, "perception": "true"}
    # Warm all three (plans, caches, imports), then alternate which goes first.
    timed_get(client, VARIANCE, params)
    timed_get(client, VARIANCE, with_gap)
    _, gap = timed_get(client, GAP, params)
    counts = check_against_raw_rows(gap.json(), date_from, date_to)
    times: dict[str, list[float]] = {"variance": [], "gap": [], "both": []}
    ratios, both_ratios = [], []
    for i in range(ROUNDS):
        order = [("variance", VARIANCE, params), ("gap", GAP, params), ("both", VARIANCE, with_gap)]
        took = {}
        for name, url, p in (order if i % 2 == 0 else order[::-1]):
            took[name], answer = timed_get(client, url, p)
            if name == "gap":
                size = len(answer.content)
        for name in times:
            times[name].append(took[name])
        ratios.append(took["gap"] / took["variance"])
        both_ratios.append(took["both"] / took["variance"])
    body = gap.json()
    return {"from": date_from, "to": date_to, "times": times, "ratios": ratios, "ratio": statistics.median(ratios),
            "both_ratio": statistics.median(both_ratios), "counts": counts, "gap_bytes": size,
            "queries": {name: queries(client, url, p) for name, url, p in
                        (("variance", VARIANCE, params), ("gap", GAP, params), ("both", VARIANCE, with_gap))},
            "slowest": slowest_queries(client, params), "ranked": len(body["optimistic"]), "sites": len(body["sites"]),
            "correlations": [(c["measure"], c["verdict"], c["r"], c["sites"]) for c in body["correlations"]]}


def ms(times: list[float]) -> str:
    return ", ".join(f"{t * 1000:.0f}" for t in times)


def main() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT min(date), max(date) FROM consistency_dailycheck")
        first, last = cur.fetchone()
    client = head_office_client()
    runs = [measure(client, first, last), measure(client, last - dt.timedelta(days=29), last)]
    for r in runs:
        t = r["times"]
        print(f"{r['from']}..{r['to']}: variance median {statistics.median(t['variance']) * 1000:.0f} ms, "
              f"perception gap {statistics.median(t['gap']) * 1000:.0f} ms, ratio {r['ratio']:.2f}x (target <= "
              f"{TARGET}x); variance?perception=true {statistics.median(t['both']) * 1000:.0f} ms "
              f"({r['both_ratio']:.2f}x); queries {r['queries']}")
    write_results(runs)
    worst = max(r["ratio"] for r in runs)
    assert worst <= TARGET, f"the perception gap took {worst:.2f}x the variance API (target {TARGET}x)"


def write_results(runs: list[dict]) -> None:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM sites_site")
        sites = cur.fetchone()[0]
        cur.execute("SELECT count(*), count(DISTINCT date) FROM customer_feedbackday")
        feedback_days, days = cur.fetchone()
        cur.execute("SELECT count(*) FROM customer_audit")
        audits = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM customer_feedbackresponse")
        responses = cur.fetchone()[0]
    load = os.getloadavg()[0]
    med = statistics.median
    rows = "\n".join(
        f"| {r['from']}..{r['to']} ({(r['to'] - r['from']).days + 1} days) | {med(r['times']['variance']) * 1000:.0f} ms "
        f"| {med(r['times']['gap']) * 1000:.0f} ms | **{r['ratio']:.2f}x** | {med(r['times']['both']) * 1000:.0f} ms "
        f"({r['both_ratio']:.2f}x) | {r['queries']['variance']} / {r['queries']['gap']} / {r['queries']['both']} |"
        for r in runs)
    detail = "\n".join(
        f"- {r['from']}..{r['to']}: variance {ms(r['times']['variance'])} ms; perception gap {ms(r['times']['gap'])} "
        f"ms; variance?perception=true {ms(r['times']['both'])} ms; ratios " + ", ".join(f"{x:.2f}" for x in r["ratios"])
        + f". Counted: {r['counts'][0]:,} self-check results, {r['counts'][1]:,} audit results, {r['counts'][2]:,} "
        f"responses; {r['ranked']} of {r['sites']} sites ranked as optimistic; correlations "
        + "; ".join(f"{m}: {v}" + (f" r = {x:.3f} over {k} sites" if x is not None else f" ({k} sites)")
                    for m, v, x, k in r["correlations"]) + f"; body {r['gap_bytes'] / 1e6:.1f} MB; slowest queries: {r['slowest']}."
        for r in runs)
    text = f"""# Perception gap: figure

Run: `bench/perception/run.sh` (PostgreSQL {pg} on 127.0.0.1, database `{os.environ.get('BENCH_DB', 'touchpoint_bench_perf')}`;
{os.cpu_count()} CPUs, load average {load:.1f} at the end, Python {platform.python_version()}). Generated
{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.

Data: bench/variance/generate.py ({sites:,} sites x {days} days x 40 criteria of self-checks, 10 regions) and
bench/perception/generate.py on top: {audits:,} audits (one per site per month, all 40 criteria observed, a quarter
of the sites 25 points more optimistic in their own checks than in their audits), {responses:,} feedback responses
(50 per site per day over 11 questions: 1 unmapped, 5 on touch points, 5 on criteria) bulk-loaded with SQL, and
their {feedback_days:,} FeedbackDay rows added up from them. Both requests in-process (Django's test client,
`DEBUG=false`), one head office session, the whole network as scope; median of {ROUNDS} rounds, the order
alternating between rounds. The figure is the median of the rounds' ratios (perception gap / variance API in
the same round).

| period | `GET /api/v1/variance/` | `GET /api/v1/perception-gap/` | gap / variance (target <= {TARGET}x) | `variance/?perception=true` | queries variance / gap / both |
| --- | ---: | ---: | ---: | ---: | ---: |
{rows}

{detail}

- Same numbers: before timing, the answer's whole-scope counts (self-check results and passes, audit results and
  passes, responses and satisfied ones) are checked against the raw rows, not the running totals and day totals
  the engine reads.
- What the gap does: eight queries (criteria, departments, sites, the self-check running totals at the
  period's two boundaries: the variance engine's read, audit results grouped by site and criterion key, audits
  per site, feedback days grouped by site and question, the questions' mappings), then numpy over sites x criteria arrays and
  one loop over sites. The database adds up 40,000 audit results a month (40 per site) and 11 feedback day rows per
  site and day; Python receives at most sites x criteria counts. Queries are constant in the number of sites (pinned
  in tests/customer/test_perception_api.py).
- Growth: the self-check totals are two rows per site whatever the period's length; audit results grow with
  it, slowly (40 per site a month). The feedback days grow fast: a row per site, day and question (11,000 a day here),
  so the feedback query grows with the period (about a million rows at 90 days, four at a year) while the
  variance API's reads do not. What would make it constant: running totals per site and question kept beside
  FeedbackDay by the feedback write path (as consistency's SiteRollup is for checks), read at the period's two
  boundaries: 2 x 11 rows per site instead of 11 per day.
- The machine is shared (load average above): absolute times move from run to run; the ratio, measured round by
  round, is the figure.
"""
    with open(RESULTS, "w") as fh:
        fh.write(text)
    print(f"wrote {os.path.abspath(RESULTS)}")


if __name__ == "__main__":
    main()
