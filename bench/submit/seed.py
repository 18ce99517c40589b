"""Seed the benchmark database: a 40-criterion standard, many sites, 16 managers with tokens.

Writes the plan (tokens, site codes, the values to send) to the JSON file given as the first argument.
Run with DJANGO_SETTINGS_MODULE=bench_settings from bench/submit (run.sh does).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from consistency.services import standard as services  # noqa: E402
from consistency.services.standard_document import parse_document  # noqa: E402
from sites.models import Profile, Region, Role, Site  # noqa: E402
from sites.tokens import token_issue  # noqa: E402

KINDS = [
    ({"kind": "number", "unit": "min", "comparison": "lte", "target": 10, "tolerance": 1}, [8, 9, 14]),
    ({"kind": "boolean"}, [True, True, False]),
    ({"kind": "score", "target": 4}, [5, 4, 2]),
    ({"kind": "number", "unit": "%", "comparison": "gte", "target": 90, "tolerance": 2}, [95, 91.5, 70]),
]


def standard_doc(n: int = 40) -> tuple[dict, dict]:
    touch_points, values = [], {}
    for t in range(8):
        criteria = []
        for i in range(t, n, 8):
            spec, vals = KINDS[i % 4]
            key = f"c{i:03d}"
            criteria.append({"key": key, "prompt": f"Criterion {i}", "weight": 1 + i % 3, "critical": i % 10 == 3,
                             "photos_required": 1 if i % 13 == 0 else 0, **spec})
            values[key] = vals
        touch_points.append({"key": f"tp{t}", "name": f"Touch point {t}", "criteria": criteria})
    return {"standard": {"slug": "brand", "name": "Bench"}, "notes": "", "touch_points": touch_points}, values


def seed_history(days: int, values: dict) -> None:
    """``days`` of checks before today for every site, and their running totals, as a live database has them.

    Without history the tables are empty when the load starts, the planner's statistics say so, and
    every foreign-key check at commit scans the growing check table (PostgreSQL keeps the plan it made
    for an empty table until the next ANALYZE; autovacuum, which would run it, is off on the bench
    machines): a benchmark of an artefact. Written in bulk SQL; each result judged by the application's
    own ``judge``; the totals checked against ``rollup.rebuild`` for a few sites."""
    from django.db import connection

    from consistency.models import CheckResult, Criterion, DailyCheck, SiteRollup
    from consistency.models.checks import CorrectiveAction
    from consistency.services import rollup
    from consistency.services.scoring import judge

    if days <= 0:
        return
    criteria = list(Criterion.objects.all())
    version_id = criteria[0].version_id
    # Every value a result may take (the plan's three per criterion, 80/15/5 as the load sends them).
    options = []
    for c in criteria:
        for rank, value in enumerate(values[c.key]):
            met, deviation = judge(c, float(value))
            options.append((c.id, rank, float(value), met, met and c.photos_required == 0, deviation))
    qn = connection.ops.quote_name
    chk, res, crit = (qn(DailyCheck._meta.db_table), qn(CheckResult._meta.db_table),
                      qn(Criterion._meta.db_table))
    act, sr = qn(CorrectiveAction._meta.db_table), qn(SiteRollup._meta.db_table)
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=days)
    opts = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(options))
    user_id = get_user_model().objects.order_by("pk").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {chk} (site_id, date, version_id, submitted_by_id, performed_at, received_at, client_id, "
            "late, is_current, amendment_reason, score) "
            "SELECT s.id, d::date, %s, %s, d + interval '8 hours', d + interval '8 hours 5 minutes', "
            f"gen_random_uuid(), false, true, '', 0 FROM {qn(Site._meta.db_table)} s "
            "CROSS JOIN generate_series(%s::timestamptz, %s::timestamptz, interval '1 day') d",
            [version_id, user_id, first, today - dt.timedelta(days=1)])
        cursor.execute("CREATE TEMP TABLE bench_options (criterion_id int, rank int, value float8, met bool, "
                       "passed bool, deviation float8)")
        cursor.execute(f"INSERT INTO bench_options VALUES {opts}", [v for row in options for v in row])
        # rank 0/1/2 with weights 80/15/5, drawn per check and criterion.
        cursor.execute(
            f"INSERT INTO {res} (daily_check_id, criterion_id, site_id, date, is_current, value, note, met, passed, "
            "deviation) SELECT x.id, o.criterion_id, x.site_id, x.date, true, o.value, '', o.met, o.passed, "
            f"o.deviation FROM (SELECT c.id, c.site_id, c.date, k.criterion_id, random() AS r FROM {chk} c "
            "CROSS JOIN (SELECT DISTINCT criterion_id FROM bench_options) k) x "
            "JOIN bench_options o ON o.criterion_id = x.criterion_id "
            "AND o.rank = CASE WHEN x.r < 0.80 THEN 0 WHEN x.r < 0.95 THEN 1 ELSE 2 END")
        cursor.execute(
            f"UPDATE {chk} c SET score = x.score FROM (SELECT r.daily_check_id AS id, "
            "SUM(CASE WHEN r.passed THEN k.weight ELSE 0 END) / SUM(k.weight) AS score "
            f"FROM {res} r JOIN {crit} k ON k.id = r.criterion_id "
            "GROUP BY r.daily_check_id) x WHERE x.id = c.id")
        cursor.execute(
            f"INSERT INTO {act} (site_id, daily_check_id, criterion_id, opened_at, due_on, status, "
            "resolution_note) SELECT r.site_id, r.daily_check_id, r.criterion_id, c.received_at, "
            f"r.date + 3, 'open', '' FROM {res} r JOIN {chk} c ON c.id = r.daily_check_id "
            f"JOIN {crit} k ON k.id = r.criterion_id WHERE k.critical AND NOT r.met")
        # Running totals per site and day: every key's since the beginning, packed in the day's row (sorted keys).
        cursor.execute(
            f"INSERT INTO {sr} (site_id, date, checked_days, late_checks, is_head, keys, observations, passed, "
            "deviation_sum, deviation_sq_sum) SELECT t.site_id, t.date, d.checked, 0, t.date = %s, "
            "array_agg(t.key ORDER BY t.key), array_agg(t.n ORDER BY t.key), array_agg(t.p ORDER BY t.key), "
            "array_agg(t.s ORDER BY t.key), array_agg(t.s2 ORDER BY t.key) "
            "FROM (SELECT r.site_id, k.key, r.date, (COUNT(*) OVER w)::int AS n, "
            "(SUM(CASE WHEN r.passed THEN 1 ELSE 0 END) OVER w)::int AS p, SUM(r.deviation) OVER w AS s, "
            f"SUM(r.deviation * r.deviation) OVER w AS s2 FROM {res} r JOIN {crit} k ON k.id = r.criterion_id "
            "WINDOW w AS (PARTITION BY r.site_id, k.key ORDER BY r.date)) t "
            "JOIN (SELECT site_id, date, (ROW_NUMBER() OVER (PARTITION BY site_id ORDER BY date))::int AS checked "
            f"FROM {chk}) d ON d.site_id = t.site_id AND d.date = t.date "
            "GROUP BY t.site_id, t.date, d.checked", [today - dt.timedelta(days=1)])
    # The totals must be what the application itself would have kept.
    sample = list(DailyCheck.objects.order_by().values_list("site_id", flat=True).distinct()[:3])
    def rows(model):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        def exact(v):
            return [exact(x) for x in v] if isinstance(v, list) else round(v, 9) if isinstance(v, float) else v
        return sorted(tuple(exact(v) for v in r) for r in model.objects.filter(site_id__in=sample).values_list(*fields))
    seeded = rows(SiteRollup)
    rollup.rebuild(site_ids=sample)
    if rows(SiteRollup) != seeded:
        raise SystemExit("seeded running totals differ from rollup.rebuild's")


def main(plan_path: str, sites: int = 24000, managers: int = 16) -> None:
    call_command("migrate", verbosity=0)
    doc, values = standard_doc()
    version = services.version_create_from_document(doc=parse_document(doc))
    services.version_publish(version=version, effective_from=dt.date(2020, 1, 1))
    region = Region.objects.create(code="bench", name="Bench")
    Site.objects.bulk_create([Site(code=f"S{i:05d}", name=f"Site {i}", region=region, timezone="UTC",
                                   opened_on=dt.date(2020, 1, 1)) for i in range(sites)], batch_size=2000)
    all_sites = list(Site.objects.order_by("code"))
    User = get_user_model()
    plan = {"values": values, "clients": []}
    for m in range(managers):
        user = User.objects.create_user(f"bench.manager.{m}", password="bench")
        profile = Profile.objects.create(user=user, role=Role.MANAGER)
        mine = all_sites[m::managers]
        profile.sites.set(mine)
        _, token = token_issue(user=user, device_name="bench load generator")
        plan["clients"].append({"token": token, "sites": [s.code for s in mine]})
    seed_history(int(os.environ.get("HISTORY_DAYS", "3")), values)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh tables: give the planner real statistics, as autovacuum would
        cursor.execute("ANALYZE")
        # The seed's gigabyte of WAL leaves a checkpoint in progress; finish it now, or the measured load
        # shares the machine with it (p99 111 ms against 67 ms on the same code and database after one).
        cursor.execute("CHECKPOINT")
    with open(plan_path, "w") as fh:
        json.dump(plan, fh)
    print(f"seeded {sites} sites, {managers} managers, {len(values)} criteria")


if __name__ == "__main__":
    main(sys.argv[1], int(os.environ.get("SITES", "24000")))
