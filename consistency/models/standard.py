"""The master standard: Standard -> StandardVersion -> TouchPoint -> Criterion.

A published version never changes. The services refuse it, and database triggers (migration 0002)
refuse any INSERT/UPDATE/DELETE of touch points or criteria that belong to a version that is not a
draft, so not even a stray admin action or shell session can rewrite history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Standard(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=160)

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class StandardVersion(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    notes = models.TextField(blank=True)
    # The first calendar day (a site's local date) on which this version is the one checks are judged by.
    effective_from = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["standard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="version_number_unique"),
            models.UniqueConstraint(fields=["standard"], condition=Q(status="published"),
                                    name="one_published_version_per_standard"),
            models.UniqueConstraint(fields=["standard"], condition=Q(status="draft"),
                                    name="one_draft_version_per_standard"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(effective_from__isnull=False, published_at__isnull=False),
                name="released_version_has_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard} v{self.number} ({self.status})"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class SubmittedBy(models.TextChoices):
    SITE = "site", "The site's daily check (its manager)"
    DEPARTMENT = "department", "The department's own staff, for the sites they serve"


class Department(models.Model):
    """A part of the business a touch point belongs to (front desk, field service, accounting, ...), declared in
    the standard document. Not versioned: a department is an organisational unit that people belong to
    (``sites.Profile.department``); each version's touch points name theirs.

    ``submitted_by``: who reports the department's touch points. "site": the site's daily check covers them;
    "department": the department's staff submit a check of their own for each site they serve (invoicing,
    collections), judged and counted like the site's."""

    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    submitted_by = models.CharField(max_length=16, choices=SubmittedBy.choices, default=SubmittedBy.SITE)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name


class TouchPoint(models.Model):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="touch_points")
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=160)
    order = models.PositiveIntegerField(default=0)
    why = models.TextField(blank=True, help_text="Why this touch point matters to the customer.")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="touch_points",
                                   help_text="Empty: reported by the site's daily check.")
    # {language: {"name": ..., "why": ...}} for every language of the standard document other than its own
    # (English); written with the version, so as immutable as the rest of it (consistency.services.translation).
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["version", "order", "key"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="touch_point_key_unique")]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    BOOLEAN = "boolean", "Yes / no (expected yes)"
    SCORE = "score", "Score 1-5 (target is a minimum)"
    NUMBER = "number", "Number with a unit"


class Comparison(models.TextChoices):
    LTE = "lte", "At most the target"
    GTE = "gte", "At least the target"


class Criterion(models.Model):
    # The version is stored on the criterion too so that keys are unique per version by constraint.
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="criteria")
    touch_point = models.ForeignKey(TouchPoint, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(max_length=64)
    prompt = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    target = models.FloatField(help_text="boolean: 1; score: minimum 1-5; number: the target value.")
    comparison = models.CharField(max_length=3, choices=Comparison.choices, blank=True)
    tolerance = models.FloatField(default=0)
    unit = models.CharField(max_length=24, blank=True)
    # The readings a number criterion can have: a result outside them is refused, not judged (-5 rings would
    # pass "at most 3"). Empty: no bound, as for versions released before bounds existed.
    minimum = models.FloatField(null=True, blank=True, help_text="number: the lowest possible reading.")
    maximum = models.FloatField(null=True, blank=True, help_text="number: the highest possible reading.")
    weight = models.FloatField(default=1)
    critical = models.BooleanField(default=False)
    photos_required = models.PositiveSmallIntegerField(default=0)
    order = models.PositiveIntegerField(default=0)
    translations = models.JSONField(default=dict, blank=True, help_text='{language: {"prompt": ...}}')

    class Meta:
        ordering = ["touch_point__order", "order", "key"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="criterion_key_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="criterion_tolerance_non_negative"),
            models.CheckConstraint(
                condition=(
                    Q(kind="boolean", target=1, comparison="")
                    | Q(kind="score", target__gte=1, target__lte=5, comparison="")
                    | Q(kind="number", comparison__in=["lte", "gte"])
                ),
                name="criterion_kind_target_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.key
