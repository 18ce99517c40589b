"""Audits for the page tests, stored through the API's own write path (``customer.services.audits.audit_submit``
with the body the API parses), so the pages show what the API stored."""

from __future__ import annotations

import datetime as dt

from customer.api.audit_serializers import parse_audit
from customer.models import Audit
from customer.services.audits import audit_submit
from tests.customer.audit_support import audit_body


def stored_audit(*, site, user, kind="audit", day: dt.date | None = None, values: dict | None = None,
                 note: str = "") -> Audit:
    values = values if values is not None else {"phone_greeting": True, "restroom_clean": 3}
    body = audit_body(site, day=day, values=values, kind=kind)
    for result in body["results"]:
        result["note"] = note
    return audit_submit(site=site, user=user, payload=parse_audit(body)).audit
