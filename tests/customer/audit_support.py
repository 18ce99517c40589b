"""Helpers of the audit tests: a body for the small test standard, and submitting it."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from tests.consistency.checks_support import GOOD, local_today


def audit_body(site=None, *, day: dt.date | None = None, values: dict | None = None, kind: str = "audit",
               **extra) -> dict:
    day = day or local_today(site)
    values = dict(GOOD) if values is None else values
    body = {
        "date": day.isoformat(),
        "kind": kind,
        "performed_at": timezone.now().isoformat(),
        "client_id": str(uuid.uuid4()),
        "results": [{"criterion": k, "value": v, "note": ""} for k, v in values.items()],
    }
    body.update(extra)
    return body


def post_audit(client, code: str, body: dict, **headers):
    return client.post(f"/api/v1/sites/{code}/audits/", body, format="json", headers=headers)
