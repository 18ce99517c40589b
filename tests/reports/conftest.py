"""Report fixtures: a real Celery worker (tests/worker.py) and a small site history (checks, an amendment,
failures, actions, photos)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from consistency.models import CheckResult, CorrectiveAction, Criterion, DailyCheck, Evidence
from consistency.services.scoring import check_score, judge

from ..worker import Worker, report_queue, start_worker, wait_for  # noqa: F401  (fixtures and helpers)
from .samples import jpeg

# --- a small history for compliance packs ---------------------------------------------------------

VALUES = {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 5, "delivery_on_time_pct": 99}


def make_check(*, site, version, user, day: dt.date, values: dict | None = None, notes: dict | None = None,
               late: bool = False, amends: DailyCheck | None = None, reason: str = "") -> DailyCheck:
    """A daily check with judged results, written directly (the check service is another module's)."""
    criteria = {c.key: c for c in Criterion.objects.filter(version=version).select_related("touch_point")}
    values = {**VALUES, **(values or {})}
    performed = dt.datetime.combine(day, dt.time(9, 0), tzinfo=site.tz)
    received = performed + (dt.timedelta(days=1, hours=3) if late else dt.timedelta(minutes=2))
    judged = []
    for key, value in values.items():
        c = criteria[key]
        met, deviation = judge(c, float(value))
        judged.append((c, float(value), met, met, deviation))
    score = check_score([(c.weight, passed) for c, _, _, passed, _ in judged])
    if amends is not None:
        DailyCheck.objects.filter(pk=amends.pk).update(is_current=False, superseded_at=received)
        CheckResult.objects.filter(daily_check=amends).update(is_current=False)
    check = DailyCheck.objects.create(site=site, date=day, version=version, submitted_by=user, performed_at=performed,
                                      received_at=received, client_id=uuid.uuid4(), late=late, amends=amends,
                                      amendment_reason=reason, score=score)
    CheckResult.objects.bulk_create([
        CheckResult(daily_check=check, criterion=c, site=site, date=day, value=v, met=met, passed=ok, deviation=d,
                    note=(notes or {}).get(c.key, "")) for c, v, met, ok, d in judged])
    for c, _, _, ok, _ in judged:
        if not ok and c.critical:
            CorrectiveAction.objects.create(site=site, daily_check=check, criterion=c, opened_at=received,
                                            due_on=day + dt.timedelta(days=3))
    return check


def make_photo(*, check: DailyCheck, key: str = "restroom_clean", seed: int = 1, thumbnail: bool = True,
               reused_from: Evidence | None = None, stale: bool = False) -> Evidence:
    criterion = Criterion.objects.get(version=check.version, key=key)
    body = jpeg(seed=seed)
    import hashlib

    sha = hashlib.sha256(body + b"original").hexdigest()
    thumb_key = ""
    if thumbnail:
        thumb_key = default_storage.save(f"test-thumbs/{uuid.uuid4().hex}.jpg", ContentFile(body))
    return Evidence.objects.create(
        daily_check=check, criterion=criterion, site=check.site, uploaded_by=check.submitted_by,
        key=f"evidence/{uuid.uuid4().hex}.jpg", declared_content_type="image/jpeg", declared_size=len(body),
        declared_sha256=sha, status=Evidence.Status.VERIFIED, size=len(body), sha256=sha, width=320, height=240,
        captured_at=check.performed_at - dt.timedelta(minutes=1), thumbnail_key=thumb_key,
        verified_at=timezone.now(), reused_from=reused_from, stale_capture=stale)


@pytest.fixture
def history(network, standard):
    """Site A1 over 2026-03-01..2026-03-07: five ordinary days, a missed day (03-04), a late check,
    an amendment (03-02: restroom 3 -> 5), a failed critical criterion with its corrective action
    (03-05 greeting), notes, and three photos (one reused, one stale, one without a thumbnail)."""
    a1, user = network.a1, network.manager_a
    days = [dt.date(2026, 3, d) for d in (1, 2, 3, 5, 6, 7)]
    checks = {}
    for day in days:
        values = {}
        if day.day == 2:
            values = {"restroom_clean": 3}
        if day.day == 5:
            values = {"phone_greeting": 0, "phone_rings": 6}
        checks[day.day] = make_check(site=a1, version=standard, user=user, day=day, values=values,
                                     notes={"phone_rings": "busy lunch"} if day.day == 5 else None,
                                     late=day.day == 6)
    amended = make_check(site=a1, version=standard, user=user, day=dt.date(2026, 3, 2),
                         values={"restroom_clean": 5}, amends=checks[2], reason="cleaner finished late")
    first = make_photo(check=checks[1], seed=1)
    make_photo(check=checks[3], seed=2, reused_from=first)
    make_photo(check=checks[5], seed=3, thumbnail=False, stale=True)
    return {"site": a1, "checks": checks, "amended": amended, "from": dt.date(2026, 3, 1),
            "to": dt.date(2026, 3, 7)}


@pytest.fixture
def storage_keys():
    """Keys stored under a prefix, on whichever storage the run uses."""

    def keys(prefix: str) -> list[str]:
        if settings.STORAGE_BACKEND == "s3":
            client = default_storage.connection.meta.client
            found = client.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=prefix)
            return sorted(o["Key"] for o in found.get("Contents", []))
        root = Path(settings.MEDIA_ROOT) / prefix
        return sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in root.rglob("*") if p.is_file()) \
            if root.exists() else []

    return keys
