"""Audits for the page tests, stored the way the API stores them.

Until branch ``audits`` (H1's ``customer.services.audits.audit_submit``) is merged these are written with the
ORM, met or not by the small standard's targets written out below; at the merge ``stored_audit`` calls
``audit_submit``."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from consistency.selectors import standard as standard_selectors
from consistency.services.check_rules import local_today
from customer.models import Audit, AuditResult

# The judged outcome of each value of the small standard (tests.factories.small_standard_doc).
_MET = {
    "phone_rings": lambda v: v <= 3,
    "phone_greeting": lambda v: v >= 1,
    "restroom_clean": lambda v: v >= 4,
    "delivery_on_time_pct": lambda v: v >= 95,
}


def stored_audit(*, site, user, kind="audit", day: dt.date | None = None, values: dict | None = None,
                 note: str = "") -> Audit:
    day = day or local_today(site)
    version = standard_selectors.version_in_force(on=day)
    values = values if values is not None else {"phone_greeting": 1, "restroom_clean": 3}
    criteria = {c.key: c for c in version.criteria.all()}
    now = timezone.now()
    met = {key: _MET[key](v) for key, v in values.items()}
    weights = {key: criteria[key].weight for key in values}
    score = sum(weights[k] for k in values if met[k]) / sum(weights.values())
    audit = Audit.objects.create(site=site, date=day, kind=kind, version=version, submitted_by=user,
                                 performed_at=now, visited_at=now, received_at=now, client_id=uuid.uuid4(),
                                 score=score, observed=len(values))
    AuditResult.objects.bulk_create([
        AuditResult(audit=audit, criterion=criteria[key], value=float(v), note=note, met=met[key],
                    passed=met[key], deviation=0.0 if met[key] else 1.0)
        for key, v in values.items()])
    return audit
