"""The audit pages: the form a mystery shopper or an auditor fills on a phone (``form``), the audits a person may
read and one audit in full (``listing``)."""

from .form import audit_new
from .listing import audit_detail, audit_list

__all__ = ["audit_detail", "audit_list", "audit_new"]
