"""Where a submission's time goes: cProfile over N in-process submissions against the bench database.

    bench/submit/profile.sh            (seeds like run.sh, then runs this)

Prints the share of CPU time in each stage (auth and scope, body parsing, judging, database writes,
the variance rollup hook, the idempotency record, rendering) and the top functions by cumulative time.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import json
import os
import pstats
import random
import sys
import time
import uuid

import django

django.setup()

from cpu_snapshot import cpu_seconds  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from loadgen import check_body  # noqa: E402


def _cum(stats, func: str, where: str) -> float:
    """Cumulative time of the function named ``func`` defined in a file whose path contains ``where``."""
    return sum(v[3] for (filename, _, name), v in stats.stats.items() if name == func and where in filename)


def stage_table(stats) -> list[tuple[str, float]]:
    # DRF's authentication: the token class of the day (sites/authentication.py, or django-rest-knox's).
    auth = (_cum(stats, "authenticate_credentials", "sites/authentication.py")
            + _cum(stats, "authenticate_credentials", "knox/auth.py"))
    scope = _cum(stats, "_site_for_write", "check_views")
    body = _cum(stats, "read_json", "check_serializers") + _cum(stats, "parse_check", "check_serializers")
    claim = _cum(stats, "_claim", "services/idempotency.py")
    plan = _cum(stats, "check_plan", "services/check_plan.py")
    judge = _cum(stats, "judge_results", "services/check_rules.py")
    render = _cum(stats, "_render_submitted", "check_views")
    write = _cum(stats, "check_write", "services/check_write.py")
    hook = _cum(stats, "rebuild_days", "services/rollup.py")
    idem = _cum(stats, "idempotent", "services/idempotency.py")
    submit = _cum(stats, "check_submit", "services/checks.py")
    return [
        ("DRF token authentication (1 query)", auth),
        ("the site this user may write (2 queries)", scope),
        ("read + parse + shape-check the body", body),
        ("Idempotency-Key claim (1, autocommitted)", claim),
        ("plan: site lock + version in force (1 query)", plan - judge),
        ("judge every result", judge),
        ("write check, results, actions, totals (1)", write - hook),
        ("rollup rebuild (late days only)", hook),
        ("render the answer", render),
        ("transaction and the stored response (1)", idem - claim - submit - render),
    ]


# Submissions timed without the profiler (PROFILE_PLAIN; more gives a finer CPU figure: /proc counts 10 ms ticks).
PLAIN = int(os.environ.get("PROFILE_PLAIN", "100"))


def main(plan_path: str, n: int = 300) -> None:
    plan = json.load(open(plan_path))
    rng = random.Random(7)
    clients = plan["clients"]
    # Sites without a check today (each site checks once a day; the seeded history is of earlier days).
    from consistency.models import DailyCheck

    today = dt.datetime.now(dt.UTC).date()
    done = set(DailyCheck.objects.filter(is_current=True, date=today).values_list("site__code", flat=True))
    # Taken round-robin over the managers, from the end of each one's list (run.sh's load starts at the other end),
    # so that a rerun on the same database picks sites still unchecked today.
    pending = [[s for s in reversed(c["sites"]) if s not in done] for c in clients]
    todo = [(c["token"], sites[i]) for i in range(max(map(len, pending))) for c, sites in zip(clients, pending, strict=True)
            if i < len(sites)][:n]
    http = Client()
    bodies = {site: check_body(site, plan["values"], rng) for _, site in todo}  # the client's work, not timed

    def one(token, site):
        r = http.post(f"/api/v1/sites/{site}/checks/", data=bodies[site],
                      content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}",
                      HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert r.status_code == 201, r.content[:300]

    for token, site in todo[:20]:  # warm caches and connections
        one(token, site)
    from consistency.services import rollup

    timings: list[tuple[float, str, bool]] = []
    in_hook = [False]
    real_hook = rollup.results_changed

    def hook(**kwargs):
        in_hook[0] = True
        try:
            return real_hook(**kwargs)
        finally:
            in_hook[0] = False

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((1000 * (time.perf_counter() - t), sql, in_hook[0]))

    rollup.results_changed = hook
    with connection.execute_wrapper(timed):
        one(*todo[20])
    rollup.results_changed = real_hook
    profiler = cProfile.Profile(time.process_time)  # CPU time: what the machine is busy with, load aside
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        wal0 = cursor.fetchone()[0]
    db0, cpu0 = cpu_seconds(backend), time.process_time()
    plain = todo[21:21 + PLAIN]
    for token, site in plain:  # CPU per submission without the profiler's overhead
        one(token, site)
    cpu_plain = (time.process_time() - cpu0) / len(plain)
    cpu_db = (cpu_seconds(backend) - db0) / len(plain)
    # WAL written per submission: the database's write work, free of the machine's noise (it also holds
    # full-page images after a checkpoint, so compare runs of the same length).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [wal0])
        wal = float(cursor.fetchone()[0]) / len(plain)
    t0 = time.perf_counter()
    profiler.enable()
    for token, site in todo[21 + PLAIN:]:
        one(token, site)
    profiler.disable()
    wall = time.perf_counter() - t0
    count = len(todo) - 21 - PLAIN
    stats = pstats.Stats(profiler)
    for ms, sql, hooked in timings:
        print(f"  {ms:7.2f} ms {'hook' if hooked else '    '}  {sql[:100]}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT left(statement, 60) || ' (generic plans ' || generic_plans || ', custom plans ' || custom_plans "
                       "|| ')' FROM pg_prepared_statements ORDER BY prepare_time")
        prepared = [row[0] for row in cursor.fetchall()]
    print(f"prepared statements on this connection ({len(prepared)}):", *prepared, sep="\n  ")
    print(f"CPU per submission in-process over {len(plain)}, no profiler: {1000 * cpu_plain:.2f} ms; "
          f"its PostgreSQL backend: {1000 * cpu_db:.2f} ms; WAL {wal / 1024:.1f} KiB")
    print(f"{count} submissions in-process under the profiler: {1000 * wall / count:.2f} ms each; "
          f"{len(timings)} queries each ({sum(1 for t in timings if t[2])} of them by the rollup hook)")
    total = _cum(stats, "one", "profile_submit")
    print(f"{'stage (CPU, under the profiler)':48s} {'ms/check':>9s} {'share':>6s}")
    for label, cum in stage_table(stats):
        print(f"{label:48s} {1000 * cum / count:9.2f} {cum / total:6.1%}")
    rest = total - sum(c for _, c in stage_table(stats))
    print(f"{'Django/DRF request handling, middleware, other':48s} {1000 * rest / count:9.2f} {rest / total:6.1%}")
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(int(os.environ.get("PROFILE_TOP", "25")))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
