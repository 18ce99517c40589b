"""Running totals the variance engine reads instead of the raw results.

For every site and every local day from the site's first reported day to its last one there is a row
(dense: a missed day carries the previous totals forward) holding the totals *since the site began*:
checked days and late checks, and per criterion key, results received, results passed, sum of
deviations and sum of squared deviations. Any period's numbers are then two rows subtracted:
total(to) - total(from - 1), so a 90-day report reads 2 rows per site instead of 90. ``is_head`` marks
the last row of a site (the totals that hold for every later day).

The criterion totals are packed into the site's row as lists aligned with ``keys`` (sorted): a check
writes one row and retires one head, where a row per criterion key wrote 40 rows and rewrote 40 heads
(bench/RESULTS-submit.md). A key absent from a row has no results yet: its totals are 0.

Only ``consistency.services.rollup`` writes this table, always inside the transaction that changed the
results, so it is never behind the raw rows.
"""

from django.db import models
from django.db.models import Q

from .fields import ScalarListField


class SiteRollup(models.Model):
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField()
    checked_days = models.PositiveIntegerField(default=0)
    late_checks = models.PositiveIntegerField(default=0)
    is_head = models.BooleanField(default=False)
    # Per criterion key (criteria of different versions are the same criterion when they share a key),
    # aligned with ``keys``.
    keys = ScalarListField("text")
    observations = ScalarListField("integer")
    passed = ScalarListField("integer")
    deviation_sum = ScalarListField("double precision")
    deviation_sq_sum = ScalarListField("double precision")

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

    def criterion_totals(self) -> dict[str, tuple[int, int, float, float]]:
        """{key: (observations, passed, deviation_sum, deviation_sq_sum)}"""
        return {k: (n, p, s, s2) for k, n, p, s, s2 in zip(self.keys, self.observations, self.passed,
                                                            self.deviation_sum, self.deviation_sq_sum, strict=True)}


class SitePhotoDay(models.Model):
    """A site's verified photos of one local day (``Evidence.day``), and how many carry each trust flag: what
    the variance answer shows beside the scores.

    Each row also holds the site's running totals up to and including its day (``*_total``: the photos of
    every day <= ``day``), so that a period's counts are two rows per site, as for ``SiteRollup``: the total
    of the last row on or before the period's end minus that of the last row before its start, whatever
    the period's length (one row per day with photos was summed before, bench/RESULTS-variance.md).

    Only ``consistency.services.photo_days`` writes it, by increments, in the transaction that verified a
    photo or flagged it as a copy, and in the one that rejected a photo on review (it stops counting) or cleared a
    flagged one (it stops counting as suspect: ``consistency.services.evidence.review``)."""

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    verified = models.PositiveIntegerField(default=0)
    reused = models.PositiveIntegerField(default=0)
    stale = models.PositiveIntegerField(default=0)
    suspect = models.PositiveIntegerField(default=0, help_text="Reused or stale (a photo may be both).")
    verified_total = models.PositiveIntegerField(default=0, help_text="Verified photos of days up to this one.")
    reused_total = models.PositiveIntegerField(default=0)
    stale_total = models.PositiveIntegerField(default=0)
    suspect_total = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "day"], name="site_photo_day_unique")]

    def __str__(self) -> str:
        return f"site {self.site_id} {self.day}: {self.verified} verified, {self.suspect} suspect"
