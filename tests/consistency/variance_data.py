"""Writing checks for the variance tests directly as rows (the way the submission service stores them),
then calling ``rollup.results_changed`` as every writer does."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from consistency.models import CheckResult, Criterion, DailyCheck, Evidence, StandardVersion
from consistency.services import photo_days, rollup, scoring

from ..factories import published_version, small_standard_doc


def check(site, day: dt.date, values: dict[str, float], *, user, late: bool = False,
          passed: dict[str, bool] | None = None, amends: DailyCheck | None = None) -> DailyCheck:
    """Store a check of ``site`` for ``day`` judged against the version in force that day.

    ``passed`` overrides the computed pass (a photo not yet verified); ``amends`` supersedes that check."""
    from consistency.selectors.standard import version_in_force

    version = version_in_force(on=day)
    criteria = {c.key: c for c in Criterion.objects.filter(version=version)}
    judged = {}
    for key, value in values.items():
        met, deviation = scoring.judge(criteria[key], float(value))
        judged[key] = (float(value), met, (passed or {}).get(key, met), deviation)
    now = timezone.now()
    with transaction.atomic():
        if amends is not None:
            DailyCheck.objects.filter(pk=amends.pk).update(is_current=False, superseded_at=now)
            CheckResult.objects.filter(daily_check=amends).update(is_current=False)
        weights = [(criteria[k].weight, judged[k][2]) for k in judged]
        dc = DailyCheck.objects.create(site=site, date=day, version=version, submitted_by=user, performed_at=now,
                                       received_at=now, client_id=uuid.uuid4(), late=late, amends=amends,
                                       score=scoring.check_score(weights))
        CheckResult.objects.bulk_create([
            CheckResult(daily_check=dc, criterion=criteria[k], site=site, date=day, is_current=True, value=v,
                        met=met, passed=ok, deviation=dev)
            for k, (v, met, ok, dev) in judged.items()
        ])
        rollup.results_changed(site_id=site.pk, dates=[day])
    return dc


def photo(dc: DailyCheck, *, key: str = "restroom_clean", status: str = "verified",
          reused_from: Evidence | None = None, stale: bool = False, action=None, thumbnail_key: str = "") -> Evidence:
    """A photo of ``dc``'s day as the evidence service leaves it (its trust flags set, its bytes aside)."""
    criterion = Criterion.objects.get(version=dc.version, key=key)
    digest = uuid.uuid4().hex * 2
    evidence = Evidence.objects.create(
        daily_check=None if action else dc, action=action, criterion=criterion, site=dc.site,
        uploaded_by=dc.submitted_by, key=f"evidence/{uuid.uuid4().hex}.jpg", declared_content_type="image/jpeg",
        declared_size=1000, declared_sha256=digest, sha256=digest if status == "verified" else "", status=status,
        day=dc.date, reused_from=reused_from, stale_capture=stale, thumbnail_key=thumbnail_key)
    if status == "verified":
        photo_days.photo_verified(evidence)  # as the evidence service counts a photo it verifies
    return evidence


def second_version(effective_from: dt.date) -> StandardVersion:
    """Version 2: phone_rings weighs 4, delivery is dropped, a 'staff' touch point with 'uniform' is added."""
    doc = small_standard_doc()
    tps = doc["touch_points"]
    tps[0]["criteria"][0]["weight"] = 4
    doc["touch_points"] = [tps[0], tps[1], {"key": "staff", "name": "Staff", "criteria": [
        {"key": "uniform", "prompt": "Uniform and name tag", "kind": "boolean", "weight": 1},
    ]}]
    return published_version(doc, effective_from=effective_from)


ALL_PASS_V1 = {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 5, "delivery_on_time_pct": 99}
ALL_PASS_V2 = {"phone_rings": 1, "phone_greeting": 1, "restroom_clean": 4, "uniform": 1}
