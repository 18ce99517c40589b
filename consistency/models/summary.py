"""Running totals the variance engine reads instead of the raw results.

For every site and every local day from the site's first reported day to its last one there is a row
(dense: a missed day carries the previous totals forward) holding the totals *since the site began*:
results received, results passed, sum of deviations, sum of squared deviations, per criterion key
(``CriterionRollup``), and checked days and late checks per site (``SiteRollup``). Any period's
numbers are then two rows subtracted: total(to) - total(from - 1), so a 90-day report reads
2 rows per site and criterion instead of 90. ``is_head`` marks the last row of a site (the totals
that hold for every later day).

Only ``consistency.services.rollup`` writes these tables, always inside the transaction that changed
the results, so they are never behind the raw rows.
"""

from django.db import models
from django.db.models import Q


class CriterionRollup(models.Model):
    # Derived rows, 40 written with every check: no foreign-key check per row in the database (the rows of a
    # site go with it: on_delete CASCADE, and a site with checks cannot be deleted), no index on key alone.
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+", db_index=False,
                             db_constraint=False)
    # Criteria of different versions are the same criterion when they share a key.
    key = models.SlugField(max_length=64, db_index=False)
    date = models.DateField()
    observations = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    deviation_sum = models.FloatField(default=0)
    deviation_sq_sum = models.FloatField(default=0)
    is_head = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "date", "key"], name="criterion_rollup_unique"),
        ]
        indexes = [
            models.Index(fields=["date", "site"], name="criterion_rollup_date"),
            models.Index(fields=["site", "key"], condition=Q(is_head=True), name="criterion_rollup_head"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.key} to {self.date}"


class SiteRollup(models.Model):
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField()
    checked_days = models.PositiveIntegerField(default=0)
    late_checks = models.PositiveIntegerField(default=0)
    is_head = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "date"], name="site_rollup_unique"),
        ]
        indexes = [
            models.Index(fields=["date", "site"], name="site_rollup_date"),
            models.Index(fields=["site"], condition=Q(is_head=True), name="site_rollup_head"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} to {self.date}"
