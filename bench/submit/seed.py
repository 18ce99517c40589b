"""Seed the benchmark database: a 40-criterion standard, many sites, 16 managers with tokens.

Writes the plan (tokens, site codes, the values to send) to the JSON file given as the first argument.
Run with DJANGO_SETTINGS_MODULE=bench_settings from bench/submit (run.sh does).
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from consistency.services import standard as services  # noqa: E402
from consistency.services.standard_document import parse_document  # noqa: E402
from sites.models import Profile, Region, Role, Site  # noqa: E402

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
        token = Token.objects.create(user=user)
        plan["clients"].append({"token": token.key, "sites": [s.code for s in mine]})
    from django.db import connection

    with connection.cursor() as cursor:  # fresh tables: give the planner real statistics, as autovacuum would
        cursor.execute("ANALYZE")
    with open(plan_path, "w") as fh:
        json.dump(plan, fh)
    print(f"seeded {sites} sites, {managers} managers, {len(values)} criteria")


if __name__ == "__main__":
    main(sys.argv[1])
