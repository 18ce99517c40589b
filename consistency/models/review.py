"""What head office decides about the standard at one site and about single photos.

- ``NotApplicable``: a criterion that does not apply at a site for a period (no restroom, no delivery
  service): left out of the site's expected results (neither a pass nor a failure) for those days.
- ``ReferencePhoto``: what "right" looks like for a criterion (by key, so it carries over to later versions),
  shown beside the control on the daily check and in the standard's API.
- ``PhotoReview``: head office or an auditor rejects a verified photo, or clears a flagged one, with a reason.
  A rejection opens a ``RetakeRequest``: the manager is asked for a new photo by a deadline. The history keeps
  both photos and who decided.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class NotApplicable(models.Model):
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="not_applicable")
    criterion_key = models.SlugField(max_length=64)
    starts_on = models.DateField(help_text="The first local day it does not apply.")
    ends_on = models.DateField(null=True, blank=True, help_text="The last local day it does not apply; empty: "
                                                                "until further notice.")
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "criterion_key", "starts_on"]
        verbose_name = "not-applicable mark"
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                                   name="not_applicable_period_ordered"),
            models.CheckConstraint(condition=~Q(reason=""), name="not_applicable_has_reason"),
        ]
        indexes = [models.Index(fields=["site", "criterion_key", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.criterion_key} n/a at {self.site_id} from {self.starts_on}"


class ReferencePhoto(models.Model):
    criterion_key = models.SlugField(max_length=64)
    key = models.CharField(max_length=300, unique=True, help_text="Object key of the image in storage.")
    thumbnail_key = models.CharField(max_length=300, blank=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    caption = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True, help_text="Set when a newer photo took its place.")

    class Meta:
        ordering = ["criterion_key", "-uploaded_at"]
        constraints = [models.UniqueConstraint(fields=["criterion_key"], condition=Q(replaced_at__isnull=True),
                                               name="one_current_reference_photo")]

    def __str__(self) -> str:
        return f"reference photo of {self.criterion_key}"


class ReviewDecision(models.TextChoices):
    REJECT = "reject", "Rejected"
    CLEAR = "clear", "Cleared"


class PhotoReview(models.Model):
    Decision = ReviewDecision

    evidence = models.ForeignKey("consistency.Evidence", on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(max_length=8, choices=ReviewDecision.choices)
    reason = models.CharField(max_length=500)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="photo_review_has_reason")]

    def __str__(self) -> str:
        return f"{self.decision} {self.evidence_id}"


class RetakeRequest(models.Model):
    review = models.OneToOneField(PhotoReview, on_delete=models.PROTECT, related_name="retake")
    rejected = models.ForeignKey("consistency.Evidence", on_delete=models.PROTECT, related_name="retake_requests")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey("consistency.Criterion", on_delete=models.PROTECT, related_name="+")
    daily_check = models.ForeignKey("consistency.DailyCheck", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="retake_requests")
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    retake = models.ForeignKey("consistency.Evidence", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="The verified photo that answered it.")
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    # Set once the region's contact was told it is overdue (consistency.notify_overdue_retakes claims it with a
    # conditional UPDATE, so a second run or a second worker tells nobody twice).
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["due_at"], condition=Q(fulfilled_at__isnull=True), name="retake_open")]

    def __str__(self) -> str:
        return f"retake of {self.rejected_id} due {self.due_at:%Y-%m-%d %H:%M}"
