"""Migration 0008 packs the per-key running totals of a database in use into the site rows, unchanged."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("consistency", "0007_results_indexed_by_check_only")]
AFTER = [("consistency", "0008_criterion_totals_in_site_rows")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_per_key_rows_become_lists_aligned_with_sorted_keys():
    old = _migrate(BEFORE)
    try:
        region = old.get_model("sites", "Region").objects.create(code="R", name="R")
        site = old.get_model("sites", "Site").objects.create(code="S1", name="S1", region=region, timezone="UTC",
                                                              opened_on=dt.date(2026, 1, 1))
        SiteRollup, CriterionRollup = old.get_model("consistency", "SiteRollup"), old.get_model("consistency",
                                                                                                 "CriterionRollup")
        d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
        SiteRollup.objects.create(site=site, date=d1, checked_days=1, late_checks=0, is_head=False)
        SiteRollup.objects.create(site=site, date=d2, checked_days=2, late_checks=1, is_head=True)
        for day, key, n, p, s, s2, head in [(d1, "windows", 1, 1, 0.0, 0.0, False), (d1, "greeting", 1, 0, 0.5, 0.25, False),
                                            (d2, "windows", 2, 1, 0.25, 0.0625, True),
                                            (d2, "greeting", 2, 1, 0.5, 0.25, True), (d2, "water", 1, 1, 0.0, 0.0, True)]:
            CriterionRollup.objects.create(site=site, key=key, date=day, observations=n, passed=p, deviation_sum=s,
                                           deviation_sq_sum=s2, is_head=head)
        _migrate(AFTER)
        from consistency.models import SiteRollup as Packed

        rows = {r.date: r for r in Packed.objects.filter(site_id=site.pk)}
        assert rows[d1].keys == ["greeting", "windows"]
        assert rows[d1].criterion_totals() == {"greeting": (1, 0, 0.5, 0.25), "windows": (1, 1, 0.0, 0.0)}
        assert rows[d2].keys == ["greeting", "water", "windows"]
        assert rows[d2].observations == [2, 1, 2] and rows[d2].passed == [1, 1, 1]
        assert rows[d2].deviation_sum == [0.5, 0.0, 0.25] and rows[d2].deviation_sq_sum == [0.25, 0.0, 0.0625]
        assert (rows[d2].checked_days, rows[d2].late_checks, rows[d2].is_head) == (2, 1, True)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
