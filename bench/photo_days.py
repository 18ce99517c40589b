"""The per-site-day photo counts and their running totals for photos written straight into the database by a
generator (bench/variance, bench/year): the SQL of the migrations that made them count existing photos, so the
benches read what the evidence service would have kept. One copy for every generator."""

from __future__ import annotations

import importlib

TOTALS = ("verified_total", "reused_total", "stale_total", "suspect_total")


def _migration_sql(name: str) -> str:
    return next(op.sql for op in importlib.import_module(f"consistency.migrations.{name}").Migration.operations
                if hasattr(op, "sql"))


def count(cur) -> None:
    """Fill consistency_sitephotoday from consistency_evidence (empty it first if it holds rows)."""
    # 0011's INSERT ran before 0012 added the total columns (NOT NULL, their default dropped by Django once
    # added): the defaults they had while 0012 ran stand in until 0012's UPDATE fills them.
    cur.execute("ALTER TABLE consistency_sitephotoday " + ", ".join(f"ALTER {c} SET DEFAULT 0" for c in TOTALS))
    for name in ("0011_site_photo_days", "0012_site_photo_running_totals"):
        cur.execute(_migration_sql(name))
    cur.execute("ALTER TABLE consistency_sitephotoday " + ", ".join(f"ALTER {c} DROP DEFAULT" for c in TOTALS))
