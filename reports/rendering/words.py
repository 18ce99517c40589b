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
# How a reused photo repeats the earlier one (consistency.services.reuse).
_REUSE = {"identical": _("identical"), "re-encoded": _("re-encoded"), "reencoded": _("re-encoded"),
          "cropped": _("cropped"), "rotated": _("rotated"), "mirrored": _("mirrored"),
          "adjusted": _("brightness or contrast changed"), "screenshot": _("a screenshot of it")}


def status(value: str) -> str:
    return str(_STATUS.get(value, value))


def reuse_kind(kind: str) -> str:
    return str(_REUSE.get(kind, kind))


def visit_kind(kind: str, label: str) -> str:
    """An audit's kind (customer.models.AuditKind) as a person reads it; ``label`` when the kind is a new one."""
    return str(_VISIT.get(kind, label))


MYSTERY_SHOPPER = _("mystery shopper (not named)")
