"""The words for the closed sets of values a report prints (a version's, an action's or a photo's status, the
kind of a visit), in the language the report is rendered in. A value this module does not know prints as it is.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

_STATUS = {
    # A version of the standard.
    "draft": _("draft"), "published": _("published"), "retired": _("retired"),
    # A corrective action.
    "open": _("open"), "resolved": _("resolved"),
    # A photo.
    "pending": _("pending"), "verified": _("verified"), "rejected": _("rejected"),
}
_VISIT = {"audit": _("Independent audit"), "mystery_shop": _("Mystery shop")}


def status(value: str) -> str:
    return str(_STATUS.get(value, value))


def visit_kind(kind: str, label: str) -> str:
    """An audit's kind (customer.models.AuditKind) as a person reads it; ``label`` when the kind is a new one."""
    return str(_VISIT.get(kind, label))


MYSTERY_SHOPPER = _("mystery shopper (not named)")
