"""The audit trail: who did what and when, append-only, each entry chained to the one before by SHA-256.

``AuditEntry`` rows are written by ``audit.services.record`` only and never changed: database triggers refuse
UPDATE, DELETE and TRUNCATE (migration 0001). ``hash`` is SHA-256 over the canonical form of every other column,
``prev_hash`` included (``audit.chain.canonical``), so an edited entry no longer matches its hash and a deleted
one leaves a gap in ``seq`` and a ``prev_hash`` pointing at nothing; ``audit_verify`` finds both.

``ChainCheck`` keeps each verification's outcome (the daily task's, and the command's with ``--record``): the
page shows the latest, and the next verification checks that the head it saw is still there, which is how a
deleted tail (the last entries, which no later entry points at) is found.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    ROLE_GRANTED = "role.granted", _("Role given or changed")
    ROLE_REVOKED = "role.revoked", _("Role taken away")
    SITE_ASSIGNMENT_ADDED = "site_assignment.added", _("Sites or regions assigned")
    SITE_ASSIGNMENT_REMOVED = "site_assignment.removed", _("Sites or regions unassigned")
    STANDARD_EDITED = "standard.edited", _("Standard draft written")
    STANDARD_DISCARDED = "standard.discarded", _("Standard draft discarded")
    STANDARD_PUBLISHED = "standard.published", _("Standard published")
    CHECK_AMENDED = "check.amended", _("Check amended")
    PHOTO_REVIEWED = "photo.reviewed", _("Photo reviewed")
    NOT_APPLICABLE_MARKED = "not_applicable.marked", _("Criterion marked not applicable")
    NOT_APPLICABLE_ENDED = "not_applicable.ended", _("Not-applicable mark ended")
    REFERENCE_PHOTO_SET = "reference_photo.set", _("Reference photo set")
    REFERENCE_PHOTO_REMOVED = "reference_photo.removed", _("Reference photo removed")
    REPORT_ORDERED = "report.ordered", _("Report ordered")
    REPORT_DOWNLOADED = "report.downloaded", _("Report downloaded")
    TOKEN_REVOKED = "token.revoked", _("Sign-in revoked")
    WEBHOOK_CREATED = "webhook.created", _("Webhook endpoint created")
    WEBHOOK_CHANGED = "webhook.changed", _("Webhook endpoint changed")
    WEBHOOK_DELETED = "webhook.deleted", _("Webhook endpoint deleted")


class AuditEntry(models.Model):
    Action = Action

    seq = models.BigIntegerField(primary_key=True, help_text="1, 2, 3, ... in the order entries were appended.")
    at = models.DateTimeField(help_text="The database's clock when the entry was appended.")
    # PROTECT: a person who did something on record is deactivated, never deleted (deleting would have to
    # rewrite their entries, which the trigger refuses and the chain would show).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text="Empty: the system (a scheduled task).")
    actor_name = models.CharField(max_length=150, help_text="The username as it was then.")
    action = models.CharField(max_length=40, choices=Action.choices)
    target_type = models.CharField(max_length=60, help_text="app_label.model of what was acted on.")
    target_id = models.CharField(max_length=64)
    # NULL, not "": "concerns no site" and "no request" (a task, a command) read plainly in SQL and the API.
    site_code = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    data = models.JSONField(default=dict, help_text="What changed: before and after where it matters.")
    request_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        # The list's filters, each newest first (seq) so a page of one filter is an index range.
        indexes = [
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["actor", "seq"], name="audit_actor_seq"),
            models.Index(fields=["site_code", "seq"], name="audit_site_seq"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_name or 'system'}"


class ChainCheck(models.Model):
    """One verification of the chain: how far it was intact, or where it first broke."""

    checked_at = models.DateTimeField(auto_now_add=True)
    intact = models.BooleanField()
    entries = models.BigIntegerField(help_text="Entries walked.")
    head_seq = models.BigIntegerField(null=True, blank=True, help_text="The last entry found intact.")
    head_hash = models.CharField(max_length=64, blank=True)
    broken_seq = models.BigIntegerField(null=True, blank=True, help_text="Where the chain first broke.")
    problem = models.TextField(blank=True)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-checked_at", "-id"]
        get_latest_by = "checked_at"

    def __str__(self) -> str:
        return f"{'intact' if self.intact else 'BROKEN'} up to {self.head_seq} at {self.checked_at:%Y-%m-%d %H:%M}"
