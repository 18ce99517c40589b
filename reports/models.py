"""Report runs: a PDF variance report or compliance pack ordered by someone, rendered by a worker."""

import uuid

from django.conf import settings
from django.db import models


class ReportKind(models.TextChoices):
    VARIANCE = "variance", "Variance report"
    COMPLIANCE_PACK = "compliance_pack", "Compliance pack"
    RESULTS_CSV = "results_csv", "Raw results (CSV)"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ReportRun(models.Model):
    Kind = ReportKind
    Status = RunStatus

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=ReportKind.choices)
    period_from = models.DateField()
    period_to = models.DateField()
    region = models.ForeignKey("sites.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sites = models.ManyToManyField("sites.Site", blank=True, related_name="+",
                                   help_text="The scope; empty with no region means the whole network.")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Claims so far; capped by REPORT_MAX_ATTEMPTS.")
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    pdf_key = models.CharField(max_length=300, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    pdf_size = models.PositiveIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE, choices=settings.LANGUAGES,
                                help_text="The language the PDF is written in: that of whoever ordered it "
                                          "(reports.services.report_order); a scheduled run's is the default.")
    schedule_key = models.CharField(
        max_length=120, null=True, blank=True, unique=True, editable=False,
        help_text="A run the beat ordered: which schedule and period (reports.services.scheduled_*). Unique, so "
                  "a tick delivered twice or made up after a broker outage orders it once.")

    # Issue 20: the photo archive a compliance pack was ordered with (a signed ZIP of the originals), and the pack a
    # re-issued one replaces (reports.services.packs_affected). Both set before the run is done, in the same write.
    with_photos = models.BooleanField(default=False, help_text="Also make a signed ZIP of the pack's original "
                                                               "photos with their SHA-256 manifest.")
    archive_key = models.CharField(max_length=300, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    archive_size = models.PositiveBigIntegerField(null=True, blank=True)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text="The issued pack this one re-issues: a check of its days was amended "
                                             "or one of its photos reviewed after it was issued.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"]),
                   # A person's orders of the day, counted for their quota (backend.quotas).
                   models.Index(fields=["requested_by", "created_at"], name="report_run_requester_day")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="report_progress_at_most_100"),
            # A run is only ever "done" together with the stored PDF's key, fingerprint and size.
            models.CheckConstraint(
                condition=~models.Q(status="done")
                | (~models.Q(pdf_key="") & ~models.Q(pdf_sha256="") & models.Q(pdf_size__isnull=False)),
                name="report_done_has_its_pdf"),
            models.CheckConstraint(
                condition=~models.Q(status="done", with_photos=True)
                | (~models.Q(archive_key="") & ~models.Q(archive_sha256="") & models.Q(archive_size__isnull=False)),
                name="report_done_has_its_archive"),
            # A burst of amendments and reviews re-issues a pack once: one queued re-issue per pack it replaces.
            models.UniqueConstraint(fields=["supersedes"], condition=models.Q(status="queued"),
                                    name="report_one_queued_reissue"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_from}..{self.period_to} ({self.status})"
