"""Where a submission's time goes: cProfile over N in-process submissions against the bench database.

    bench/submit/profile.sh            (seeds like run.sh, then runs this)

Prints the share of wall time in each stage (auth and scope, body parsing, judging, database writes,
the variance rollup hook, the idempotency record, rendering) and the top functions by cumulative time.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import random
import sys
import time
import uuid

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from loadgen import check_body  # noqa: E402

STAGES = [
    ("token auth + role scope (site_get)", ["authenticate", "site_get"]),
    ("read + parse + shape-check the body", ["read_json", "parse_check"]),
    ("version in force + criteria (cached)", ["version_in_force", "version_criteria"]),
    ("judge 40 results", ["judge_results"]),
    ("insert check + results + actions", ["_refuse_duplicate", "create", "insert_results", "actions_open_for_check"]),
    ("variance rollup hook (results_changed)", ["results_changed"]),
    ("idempotency claim + stored response", ["_claim"]),
    ("render the answer", ["submitted_body", "render"]),
]


def main(plan_path: str, n: int = 300) -> None:
    plan = json.load(open(plan_path))
    rng = random.Random(7)
    clients = plan["clients"]
    # Sites without a check today (each site checks once a day).
    from consistency.models import DailyCheck

    done = set(DailyCheck.objects.filter(is_current=True).values_list("site__code", flat=True).distinct())
    todo = [(c["token"], s) for c in clients for s in c["sites"][-(n // len(clients) + 2):] if s not in done][:n]
    http = Client()

    def one(token, site):
        r = http.post(f"/api/v1/sites/{site}/checks/", data=check_body(site, plan["values"], rng),
                      content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}",
                      HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert r.status_code == 201, r.content[:300]

    for token, site in todo[:20]:  # warm caches and connections
        one(token, site)
    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((1000 * (time.perf_counter() - t), sql))

    with connection.execute_wrapper(timed):
        one(*todo[20])
    ctx = type("Q", (), {"captured_queries": [{"sql": sql} for _, sql in timings]})()
    ctx.__len__ = lambda self=ctx: len(timings)
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for token, site in todo[21:]:
        one(token, site)
    profiler.disable()
    wall = time.perf_counter() - t0
    count = len(todo) - 21
    stats = pstats.Stats(profiler)
    for ms, sql in timings:
        print(f"  {ms:7.2f} ms  {sql[:110]}")
    print(f"{count} submissions in-process: {1000 * wall / count:.2f} ms each; {len(timings)} queries each "
          f"({sum(1 for q in ctx.captured_queries if 'rollup' in q['sql'])} of them by the rollup hook)")
    total = sum(v[3] for k, v in stats.stats.items() if k[2] == "one")
    print(f"{'stage':45s} {'ms/check':>9s} {'share':>6s}")
    for label, names in STAGES:
        cum = 0.0
        for (filename, _, func), (_, _, _, ct, _) in stats.stats.items():
            if func in names and ("touchpoint" in filename or "/work/" in filename or func == "authenticate"):
                if func == "create" and "query.py" not in filename:
                    continue
                if func == "render" and "renderers.py" not in filename:
                    continue
                if func == "authenticate" and "rest_framework/request.py" not in filename:
                    continue
                cum += ct
        print(f"{label:45s} {1000 * cum / count:9.2f} {cum / total:6.1%}")
    stats.sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
