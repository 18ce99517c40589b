"""Every kind of notice Touchpoint sends, in one place: its name (stable: webhooks and preferences carry it),
what a person reads about it, and how a person gets it when they have not chosen (``DEFAULT_MODES``).

A person's ``Preference`` for an event overrides its default: ``immediate`` (a message as it happens),
``digest`` (gathered into one message a day), ``off``. Scheduled report deliveries are subscriptions: off until
a person turns them on.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    CHECK_REMINDER = "check.reminder", _("Today's check is not in by the site's cutoff")
    CHECK_MISSED = "check.missed", _("A site missed a day's check")
    CRITICAL_FAILURE = "check.critical_failure", _("A critical criterion failed")
    ACTION_DUE_SOON = "action.due_soon", _("A corrective action is due soon")
    ACTION_OVERDUE = "action.overdue", _("A corrective action is overdue")
    ACTION_ESCALATED = "action.escalated", _("A corrective action is long overdue (second level)")
    PHOTO_REJECTED = "photo.rejected", _("A photo was rejected: a retake is asked for")
    PHOTO_CLEARED = "photo.cleared", _("A flagged photo was cleared")
    RETAKE_OVERDUE = "photo.retake_overdue", _("A retake was not given by its deadline")
    WEEKLY_DIGEST = "digest.weekly", _("The network's week: score, consistency, worst movers")
    REPORT_WEEKLY_VARIANCE = "report.weekly_variance", _("The weekly variance report (PDF)")
    REPORT_MONTHLY_PACK = "report.monthly_pack", _("Monthly compliance packs (PDF)")
    AUDIT_CHAIN_BROKEN = "audit.chain_broken", _("The audit trail was tampered with: an entry changed or deleted")


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("Each one as it happens")
    DIGEST = "digest", _("In a daily digest")
    OFF = "off", _("Not at all")


# What a person gets when they have not chosen. Subscriptions (reports) are off until asked for.
DEFAULT_MODES: dict[str, str] = {
    Event.CHECK_REMINDER: Mode.IMMEDIATE,
    Event.CHECK_MISSED: Mode.IMMEDIATE,
    Event.CRITICAL_FAILURE: Mode.IMMEDIATE,
    Event.ACTION_DUE_SOON: Mode.IMMEDIATE,
    Event.ACTION_OVERDUE: Mode.IMMEDIATE,
    Event.ACTION_ESCALATED: Mode.IMMEDIATE,
    Event.PHOTO_REJECTED: Mode.IMMEDIATE,
    Event.PHOTO_CLEARED: Mode.DIGEST,
    Event.RETAKE_OVERDUE: Mode.IMMEDIATE,
    Event.WEEKLY_DIGEST: Mode.IMMEDIATE,
    Event.REPORT_WEEKLY_VARIANCE: Mode.OFF,
    Event.REPORT_MONTHLY_PACK: Mode.OFF,
    Event.AUDIT_CHAIN_BROKEN: Mode.IMMEDIATE,
}
