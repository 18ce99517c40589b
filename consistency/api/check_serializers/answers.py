"""A check as the API answers it: after a submission (from memory, no query) and when read back."""

from __future__ import annotations

from ...models import DailyCheck
from ...services import actions as action_services
from ...services import capture
from ...services.checks import SubmittedCheck
from ...services.evidence import review


def _value(kind: str, value: float):
    if kind == "boolean":
        return value >= 1
    if kind == "score":
        return int(value)
    return value


def _check_head(check: DailyCheck, *, version_number: int, submitted_by: str) -> dict:
    return {
        "id": check.pk,
        "site": check.site.code,
        "date": check.date.isoformat(),
        "department": check.department.key if check.department_id is not None else None,
        "version": version_number,
        "submitted_by": submitted_by,
        "performed_at": check.performed_at.isoformat(),
        "received_at": check.received_at.isoformat(),
        "client_id": str(check.client_id),
        "late": check.late,
        "score": round(check.score, 6),
        "is_current": check.is_current,
        "superseded_at": check.superseded_at.isoformat() if check.superseded_at else None,
        "amends": check.amends_id,
        "amendment_reason": check.amendment_reason,
    }


def submitted_body(submitted: SubmittedCheck) -> dict:
    """The answer to a submission, from memory (no query): the same shape as the check detail."""
    check = submitted.check
    body = _check_head(check, version_number=submitted.version_number,
                       submitted_by=check.submitted_by.get_username())
    body["amended_by"] = None
    body["results"] = [
        {"criterion": r.spec.key, "touch_point": r.spec.touch_point, "value": _value(r.spec.kind, r.value),
         "note": r.note, "met": r.met, "passed": r.passed, "deviation": round(r.deviation, 6),
         "photos_required": r.spec.photos_required}
        for r in submitted.results
    ]
    body["evidence"] = []
    keys = {r.spec.id: r.spec.key for r in submitted.results}
    body["actions"] = [_action_item(a, keys[a.criterion_id], check.site) for a in submitted.actions]
    return body


def _action_item(action, criterion_key: str, site) -> dict:
    return {"id": action.pk, "criterion": criterion_key, "due_on": action.due_on.isoformat(),
            "status": action_services.status_shown(action, tz=site.tz)}


def evidence_item(e) -> dict:
    return {
        "id": str(e.public_id), "check": e.daily_check_id, "criterion": e.criterion.key, "status": e.status,
        "reject_reason": e.reject_reason,
        "content_type": e.declared_content_type, "size": e.size, "sha256": e.sha256 or None,
        "width": e.width, "height": e.height,
        "captured_at": e.captured_at.isoformat() if e.captured_at else None,
        "verified_at": e.verified_at.isoformat() if e.verified_at else None,
        "reused": e.reused_from_id is not None, "stale_capture": e.stale_capture,
        # Capture checks (consistency.services.capture)
        "flags": review.flags(e), "quality_issue": e.quality_issue,
        "capture_warning": capture.quality_message(e.quality_issue) or None,
        "far_from_site": e.far_from_site, "gps_distance_m": e.gps_distance_m,
        "reuse_kind": e.reuse_kind, "reuse_score": e.reuse_score, "reuse_detail": e.reuse_detail,
    }


def check_detail_body(check: DailyCheck) -> dict:
    body = _check_head(check, version_number=check.version.number, submitted_by=check.submitted_by.get_username())
    try:
        body["amended_by"] = check.amended_by.pk
    except DailyCheck.amended_by.RelatedObjectDoesNotExist:
        body["amended_by"] = None
    body["results"] = [
        {"criterion": r.criterion.key, "touch_point": r.criterion.touch_point.key,
         "value": _value(r.criterion.kind, r.value), "note": r.note, "met": r.met, "passed": r.passed,
         "deviation": round(r.deviation, 6), "photos_required": r.criterion.photos_required}
        for r in check.results.all()
    ]
    body["evidence"] = [evidence_item(e) for e in check.photos]
    body["actions"] = [_action_item(a, a.criterion.key, check.site) for a in check.actions.all()]
    return body
