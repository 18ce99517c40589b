"""The pages' words for the models' choices (a role, a kind of audit or report, a run's or an action's status),
in the person's language. The models keep their English labels (the API, the admin); the pages show these.
tests/pages/test_language.py checks that every choice has its words here and that the English ones are the
model's own, word for word."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from consistency.models import Kind
from consistency.models.checks import ActionStatus, EvidenceStatus
from customer.models import AuditKind
from reports.models import ReportKind, RunStatus
from sites.models import Role

LABELS = {
    Role: {
        Role.MANAGER: pgettext_lazy("role", "Branch manager"),
        Role.HEAD_OFFICE: pgettext_lazy("role", "Head office"),
        Role.AUDITOR: pgettext_lazy("role", "Auditor"),
        Role.MYSTERY_SHOPPER: pgettext_lazy("role", "Mystery shopper"),
        Role.DEPARTMENT: pgettext_lazy("role", "Department staff"),
    },
    AuditKind: {
        AuditKind.AUDIT: pgettext_lazy("kind of visit", "Independent audit"),
        AuditKind.MYSTERY_SHOP: pgettext_lazy("kind of visit", "Mystery shop"),
    },
    ReportKind: {
        ReportKind.VARIANCE: pgettext_lazy("kind of report", "Variance report"),
        ReportKind.COMPLIANCE_PACK: pgettext_lazy("kind of report", "Compliance pack"),
        ReportKind.RESULTS_CSV: pgettext_lazy("kind of report", "Raw results (CSV)"),
    },
    Kind: {
        Kind.BOOLEAN: pgettext_lazy("kind of criterion", "Yes / no (expected yes)"),
        Kind.SCORE: pgettext_lazy("kind of criterion", "Score 1-5 (target is a minimum)"),
        Kind.NUMBER: pgettext_lazy("kind of criterion", "Number with a unit"),
    },
    RunStatus: {
        RunStatus.QUEUED: pgettext_lazy("report status", "Queued"),
        RunStatus.RUNNING: pgettext_lazy("report status", "Running"),
        RunStatus.DONE: pgettext_lazy("report status", "Done"),
        RunStatus.FAILED: pgettext_lazy("report status", "Failed"),
    },
}
# Statuses as the pages write them in a sentence or a badge, lower case ("photo verified", "overdue").
STATUS_WORDS = {
    EvidenceStatus: {
        EvidenceStatus.PENDING: pgettext_lazy("photo status", "pending"),
        EvidenceStatus.VERIFIED: pgettext_lazy("photo status", "verified"),
        EvidenceStatus.REJECTED: pgettext_lazy("photo status", "rejected"),
    },
    ActionStatus: {
        ActionStatus.OPEN: pgettext_lazy("action status", "open"),
        ActionStatus.RESOLVED: pgettext_lazy("action status", "resolved"),
    },
}
BY_NAME = {choices.__name__: labels for choices, labels in (*LABELS.items(), *STATUS_WORDS.items())}


def label(choices: str | type, value) -> str:
    """``value`` of the choices ``choices`` (the class or its name) in words; the value itself if unknown."""
    labels = BY_NAME[choices if isinstance(choices, str) else choices.__name__]
    return str(labels.get(value, value))


def action_status(status: str) -> str:
    """A corrective action's status as the API shows it ("open", "overdue", "resolved") in words."""
    if status == "overdue":
        return str(pgettext_lazy("action status", "overdue"))
    return label(ActionStatus, status)
