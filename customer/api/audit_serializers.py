"""Audits over HTTP: reading the submission's body (the check's, read by the check's own parser, plus
``kind`` and ``visited_at``), rendering an audit for its reader, and the OpenAPI description."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from backend.errors import AppError, FieldError
from consistency.api.check_serializers import SubmittedResultSerializer, parse_check
from consistency.api.check_serializers.answers import _value
from consistency.api.check_serializers.schema import CheckResultItemSerializer
from consistency.models import Evidence

from ..models import Audit, AuditKind
from ..selectors.audits import names_submitter
from ..services.audits import AuditInput, SubmittedAudit

# A check's body without an amendment (an audit is never amended: a second visit is a second audit).
CHECK_PART = {"date", "performed_at", "client_id", "results"}
AUDIT_FIELDS = CHECK_PART | {"kind", "visited_at"}
KINDS = [k.value for k in AuditKind]


def parse_audit(data) -> AuditInput:
    """An audit body -> AuditInput, or one 400 listing every shape problem with its field."""
    if not isinstance(data, dict):
        raise AppError("The body must be a JSON object.", field="body")
    errors: list[FieldError] = []
    for name in sorted(set(data) - AUDIT_FIELDS):
        errors.append(FieldError(f"{name}: unknown field; an audit has {', '.join(sorted(AUDIT_FIELDS))}.", name,
                                 "unknown_field"))
    kind = data.get("kind")
    if kind is None:
        errors.append(FieldError(f"kind: required, one of {', '.join(KINDS)}.", "kind", "required"))
    elif kind not in KINDS:
        errors.append(FieldError(f"kind: one of {', '.join(KINDS)}, not {str(kind)[:40]!r}.", "kind", "invalid"))
    visited_at = None
    if data.get("visited_at") is not None:
        raw = data["visited_at"]
        try:
            visited_at = parse_datetime(raw) if isinstance(raw, str) else None
        except ValueError:
            visited_at = None
        if visited_at is None:
            errors.append(FieldError("visited_at: a date and time in ISO 8601, e.g. 2026-11-23T12:30:00+13:00.",
                                     "visited_at"))
    try:
        check = parse_check({k: v for k, v in data.items() if k in CHECK_PART})
    except AppError as refusal:
        raise AppError(errors=errors + refusal.errors) from None
    if errors:
        raise AppError(errors=errors + list(check.problems))
    return AuditInput(date=check.date, results=check.results, kind=kind, performed_at=check.performed_at,
                      visited_at=visited_at, client_id=check.client_id, problems=check.problems)


# --- answers --------------------------------------------------------------------------------------------

def _head(audit: Audit, *, version_number: int, reader) -> dict:
    named = names_submitter(reader, audit.kind)
    return {
        "id": audit.pk,
        "site": audit.site.code,
        "date": audit.date.isoformat(),
        "kind": audit.kind,
        "version": version_number,
        "submitted_by": audit.submitted_by.get_username() if named else None,
        "performed_at": audit.performed_at.isoformat() if named else None,
        "visited_at": audit.visited_at.isoformat() if named and audit.visited_at else None,
        "received_at": audit.received_at.isoformat() if named else None,
        "client_id": str(audit.client_id),
        "score": round(audit.score, 6),
        "observed": audit.observed,
    }


def submitted_body(submitted: SubmittedAudit, *, reader) -> dict:
    """The answer to a submission, from memory: the same shape as the audit's detail."""
    body = _head(submitted.audit, version_number=submitted.version_number, reader=reader)
    body["results"] = [
        {"criterion": r.spec.key, "touch_point": r.spec.touch_point, "value": _value(r.spec.kind, r.value),
         "note": r.note, "met": r.met, "passed": r.passed, "deviation": round(r.deviation, 6),
         "photos_required": r.spec.photos_required}
        for r in submitted.results
    ]
    body["evidence"] = []
    return body


def audit_summary(audit: Audit, *, reader) -> dict:
    return _head(audit, version_number=audit.version.number, reader=reader)


def audit_detail_body(audit: Audit, *, reader) -> dict:
    body = _head(audit, version_number=audit.version.number, reader=reader)
    body["results"] = [
        {"criterion": r.criterion.key, "touch_point": r.criterion.touch_point.key,
         "value": _value(r.criterion.kind, r.value), "note": r.note, "met": r.met, "passed": r.passed,
         "deviation": round(r.deviation, 6), "photos_required": r.criterion.photos_required}
        for r in audit.results.all()
    ]
    named = names_submitter(reader, audit.kind)
    body["evidence"] = [photo_item(e, named=named) for e in audit.photos]
    return body


def photo_item(e, *, named: bool) -> dict:
    return {
        "id": str(e.public_id), "criterion": e.criterion.key, "status": e.status, "reject_reason": e.reject_reason,
        "uploaded_by": e.uploaded_by.get_username() if named else None,
        "content_type": e.declared_content_type, "size": e.size, "sha256": e.sha256 or None,
        "width": e.width, "height": e.height,
        "captured_at": e.captured_at.isoformat() if e.captured_at and named else None,
        "verified_at": e.verified_at.isoformat() if e.verified_at else None,
    }


# --- the OpenAPI description (the body itself is read by ``parse_audit``) ------------------------------

class AuditSubmissionSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The site's local day of the visit (YYYY-MM-DD): today, or a past day "
                                           "within LATE_CHECK_WINDOW_DAYS.")
    kind = serializers.ChoiceField(AuditKind.choices, help_text="`audit` (an independent auditor) or "
                                                                "`mystery_shop`. A mystery shopper submits "
                                                                "mystery shops only.")
    performed_at = serializers.DateTimeField(required=False, help_text="When the form was filled in (ISO 8601 with "
                                                                       "offset); default: when received.")
    visited_at = serializers.DateTimeField(required=False, help_text="When the visit took place, on `date` at the "
                                                                     "site. Never shown to the site for a mystery shop.")
    client_id = serializers.UUIDField(required=False, help_text="Generated by the phone, one per audit: the same "
                                                                "audit sent again is refused (409 duplicate_client_id).")
    results = SubmittedResultSerializer(many=True, help_text="Any non-empty subset of the criteria of the version in "
                                                             "force on `date`: what the visitor could observe.")


class AuditEvidenceItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    criterion = serializers.CharField()
    status = serializers.ChoiceField(Evidence.Status.choices)
    reject_reason = serializers.CharField()
    uploaded_by = serializers.CharField(allow_null=True, help_text="null to the site for a mystery shop.")
    content_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    captured_at = serializers.DateTimeField(allow_null=True, help_text="null to the site for a mystery shop.")
    verified_at = serializers.DateTimeField(allow_null=True)


class AuditSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    site = serializers.CharField()
    date = serializers.DateField()
    kind = serializers.ChoiceField(AuditKind.choices)
    version = serializers.IntegerField(help_text="The number of the standard's version in force on `date`.")
    submitted_by = serializers.CharField(allow_null=True, help_text="null to the site (its managers and department "
                                                                    "staff) for a mystery shop: shoppers are never "
                                                                    "named to the site.")
    performed_at = serializers.DateTimeField(allow_null=True, help_text="null to the site for a mystery shop.")
    visited_at = serializers.DateTimeField(allow_null=True, help_text="null when not given, and to the site for a "
                                                                      "mystery shop.")
    received_at = serializers.DateTimeField(allow_null=True, help_text="null to the site for a mystery shop.")
    client_id = serializers.UUIDField()
    score = serializers.FloatField(help_text="Weighted share of passed results among those observed, 0-1.")
    observed = serializers.IntegerField(help_text="How many criteria the audit observed.")


class AuditResultItemSerializer(CheckResultItemSerializer):
    passed = serializers.BooleanField(help_text="For an audit, met: the auditor's observation is the evidence.")


class AuditSerializer(AuditSummarySerializer):
    results = AuditResultItemSerializer(many=True)
    evidence = AuditEvidenceItemSerializer(many=True)


__all__ = ["AuditSerializer", "AuditSubmissionSerializer", "AuditSummarySerializer",
           "audit_detail_body", "audit_summary", "parse_audit", "submitted_body"]
