"""What a compliance pack contains, read from the database in a fixed handful of queries.

The renderer (reports/rendering/compliance.py) draws these dataclasses; thumbnail bytes are filled in
by the service from storage (they are never resized here: the evidence engineer's confirmation step
stores a thumbnail next to every verified photo).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from consistency.models import (
    CheckResult,
    CorrectiveAction,
    DailyCheck,
    Evidence,
    StandardVersion,
    TouchPoint,
)
from consistency.models.standard import Criterion, VersionStatus
from consistency.selectors.standard import version_in_force
from consistency.services.criterion_text import quantity, rule_text
from customer.models import Audit
from sites.models import Site

from .not_applicable import pack_marks
from .pack_customer import PackAudit, PackFeedback, audits_of, feedback_of


@dataclass
class PackCriterion:
    key: str
    prompt: str
    kind: str
    rule: str            # the target, in words
    weight: float
    critical: bool
    photos_required: int


@dataclass
class PackTouchPoint:
    key: str
    name: str
    why: str
    criteria: list[PackCriterion]


@dataclass
class PackVersion:
    number: int
    status: str
    effective_from: dt.date | None
    touch_points: list[PackTouchPoint]


@dataclass
class PackResult:
    criterion: str  # the key, for matching; a person reads the prompt
    prompt: str
    value: str
    passed: bool
    met: bool
    deviation: float
    note: str


@dataclass
class PackCheck:
    id: int
    date: dt.date
    version: int
    submitted_by: str
    performed_at: dt.datetime
    received_at: dt.datetime
    late: bool
    is_current: bool
    score: float
    superseded_at: dt.datetime | None
    amends: int | None            # the check this one replaced
    amended_by: int | None        # the check that replaced this one
    amendment_reason: str
    results: list[PackResult]
    department: str = ""          # a department's own check (its key); "" for the site's own check


@dataclass
class PackAction:
    status: str
    opened_at: dt.datetime
    due_on: dt.date
    resolved_at: dt.datetime | None
    resolved_by: str
    note: str


@dataclass
class PackFailure:
    date: dt.date
    check_id: int
    criterion: str
    prompt: str
    value: str
    deviation: float
    critical: bool
    note: str
    action: PackAction | None
    awaiting_photo: bool = False  # met, but its photos are not verified: not a failure of the site, no action


@dataclass
class PackEvidence:
    id: str
    date: dt.date | None
    criterion: str
    prompt: str
    status: str
    captured_at: dt.datetime | None
    uploaded_at: dt.datetime
    sha256: str
    size: int | None
    width: int | None
    height: int | None
    reused_from: str | None       # "<site> <date>" of the earlier photo with the same bytes or look
    stale: bool
    for_action: bool
    thumbnail_key: str
    thumbnail: bytes | None = None
    day_only: bool = False        # a mystery shop's photo: its day, never its hour (the shopper stays anonymous)
    hashed: bool = False          # its bytes were read and hashed when it was verified (rejected on review since, or not)
    # How it repeats the earlier photo (consistency.services.reuse): kind, strength 0..1, what matched.
    reuse_kind: str = ""
    reuse_score: float | None = None
    reuse_detail: str = ""
    # Capture checks (consistency.services.capture).
    quality_issue: str = ""       # blurred | dark
    edited_with: str = ""         # the editing software its EXIF names
    captured_after_upload: bool = False
    gps_distance_m: int | None = None  # from the site's location, when both are known
    far_from_site: bool = False
    credentials: dict | None = None  # C2PA content credentials: who signed the capture (capture.credentials_summary)


@dataclass
class CompliancePack:
    site_code: str
    site_name: str
    region: str
    timezone: str
    date_from: dt.date
    date_to: dt.date
    versions: list[PackVersion]
    checks: list[PackCheck]
    expected_days: int
    missed_days: list[dt.date]
    failures: list[PackFailure]
    evidence: list[PackEvidence] = field(default_factory=list)
    audits: list[PackAudit] = field(default_factory=list)     # audits and mystery shops, oldest first
    feedback: PackFeedback | None = None
    not_applicable: list = field(default_factory=list)  # not_applicable.PackMark: criteria n/a at the site


# The words are gettext's, in the active language (a report's: the run's; a page's: the person's).
KIND_SHORT = {"boolean": gettext_lazy("yes/no"), "score": gettext_lazy("score 1-5"), "number": gettext_lazy("number")}


def value_text(kind: str, value: float, unit: str) -> str:
    if kind == "boolean":
        return gettext("yes") if value >= 1 else gettext("no")
    if kind == "score":
        return f"{value:g} / 5"
    return quantity(value, unit)


# What a result came to, in the words every table of a report uses for it (one wording per outcome).
PASS, FAIL, PHOTO_NOT_VERIFIED = (gettext_lazy("pass"), gettext_lazy("fail"),
                                  gettext_lazy("met; photo not verified"))


def outcome_text(*, passed: bool, met: bool) -> str:
    """A result passes when its target is met and every photo it requires is verified. Met without its
    verified photo is not a pass (the score counts it as failed), but it is not the site falling short of the
    target either: no corrective action is opened for it."""
    if passed:
        return str(PASS)
    return str(PHOTO_NOT_VERIFIED if met else FAIL)


def _versions(date_from: dt.date, date_to: dt.date, used_ids: set[int]) -> list[PackVersion]:
    """Every released version in force at some point of the period, plus any version a check used."""
    start = version_in_force(on=date_from)
    released = StandardVersion.objects.exclude(status=VersionStatus.DRAFT)
    ids = set(used_ids) | set(released.filter(effective_from__gt=date_from, effective_from__lte=date_to)
                             .values_list("id", flat=True))
    if start is not None:
        ids.add(start.id)
    versions = StandardVersion.objects.filter(id__in=ids).order_by("number").prefetch_related(
        Prefetch("touch_points", queryset=TouchPoint.objects.order_by("order", "key").prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("order", "key")))))
    return [PackVersion(v.number, v.status, v.effective_from, [
        PackTouchPoint(tp.key, tp.name, tp.why, [
            PackCriterion(c.key, c.prompt, str(KIND_SHORT.get(c.kind, c.kind)), rule_text(c), c.weight, c.critical,
                          c.photos_required) for c in tp.criteria.all()])
        for tp in v.touch_points.all()]) for v in versions]


def compliance_pack_data(*, site: Site, date_from: dt.date, date_to: dt.date) -> CompliancePack:
    """The pack's content for a site and period. The caller has checked the user may read the site."""
    checks_qs = (DailyCheck.objects.filter(site=site, date__gte=date_from, date__lte=date_to)
                 .select_related("version", "submitted_by", "amended_by", "department")
                 .prefetch_related(Prefetch("results", queryset=CheckResult.objects.select_related("criterion")
                                            .order_by("criterion__touch_point__order", "criterion__order",
                                                      "criterion__key")))
                 .order_by("date", "received_at", "id"))
    tz = site.tz
    local = lambda value: value.astimezone(tz) if value else None  # noqa: E731 - every time in the site's zone
    checks: list[PackCheck] = []
    failures: list[PackFailure] = []
    actions = {(a.daily_check_id, a.criterion_id): a for a in
               CorrectiveAction.objects.filter(site=site, daily_check__date__gte=date_from,
                                               daily_check__date__lte=date_to).select_related("resolved_by")}
    used_versions: set[int] = set()
    for check in checks_qs:
        used_versions.add(check.version_id)
        results = []
        for r in check.results.all():
            c = r.criterion
            text = value_text(c.kind, r.value, c.unit)
            results.append(PackResult(c.key, c.prompt, text, r.passed, r.met, r.deviation, r.note))
            if check.is_current and not r.passed:
                a = actions.get((check.id, c.id))
                failures.append(PackFailure(
                    check.date, check.id, c.key, c.prompt, text, r.deviation, c.critical, r.note,
                    PackAction(a.status, local(a.opened_at), a.due_on, local(a.resolved_at),
                               a.resolved_by.get_username() if a.resolved_by else "", a.resolution_note)
                    if a else None, awaiting_photo=r.met))
        amended_by = getattr(check, "amended_by", None)
        checks.append(PackCheck(
            check.id, check.date, check.version.number, check.submitted_by.get_username(), local(check.performed_at),
            local(check.received_at), check.late, check.is_current, check.score, local(check.superseded_at),
            check.amends_id,
            amended_by.id if amended_by else None, check.amendment_reason, results,
            check.department.key if check.department_id else ""))

    today = timezone.now().astimezone(site.tz).date()
    # A day is checked by the site's own check (a department's check of its touch points does not make it one),
    # as the variance report and the missed days count it.
    current_days = {c.date for c in checks if c.is_current and not c.department}
    # Today is not over: expected once its check is in, as the variance report and the missed days count it.
    first = max(date_from, site.opened_on)
    last = min(date_to, today if today in current_days else today - dt.timedelta(days=1))
    if site.active:
        expected = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)] if first <= last else []
    else:  # as the variance report and the missed days count it: a closed site is expected only where it checked
        expected = sorted(current_days)
    missed = [d for d in expected if d not in current_days]

    in_period = Q(daily_check__date__gte=date_from, daily_check__date__lte=date_to)
    action_in_period = Q(action__daily_check__date__gte=date_from, action__daily_check__date__lte=date_to)
    evidence = [_evidence(e, site, local, day=(e.daily_check or e.action.daily_check).date)
                for e in (Evidence.objects.filter(site=site).filter(in_period | action_in_period)
                          .select_related("criterion", "daily_check", "action__daily_check", "reused_from__site",
                                          "reused_from__daily_check", "reused_from__audit")
                          .order_by("created_at", "id"))]
    audits = audits_of(site=site, date_from=date_from, date_to=date_to, local=local,
                       evidence_of=lambda e, day, anonymous: _evidence(e, site, local, day=day, day_only=anonymous),
                       value_of=value_text)
    used_versions |= {a.version_id for a in Audit.objects.filter(site=site, date__gte=date_from, date__lte=date_to)}
    versions = _versions(date_from, date_to, used_versions)
    touch_points = {tp.key: tp.name for v in versions for tp in v.touch_points}  # the latest version's name wins
    feedback = feedback_of(site=site, date_from=date_from, date_to=date_to, touch_points=list(touch_points.items()))
    return CompliancePack(site.code, site.name, site.region.name, site.timezone, date_from, date_to,
                          versions, checks, len(expected), missed, failures, evidence, audits, feedback,
                          not_applicable=pack_marks(site=site, date_from=date_from, date_to=date_to, prompts={
                              c.key: c.prompt for v in versions for tp in v.touch_points for c in tp.criteria}))


def _evidence(e: Evidence, site: Site, local, *, day: dt.date | None, day_only: bool = False) -> PackEvidence:
    reused = None
    if e.reused_from is not None:
        # Another site is not named: whoever reads this site may read the pack, not necessarily that site.
        earlier = e.reused_from
        owner = earlier.daily_check or earlier.audit
        when = owner.date.isoformat() if owner is not None else ""
        reused = (gettext("%(day)s at this site") % {"day": when}).strip() if earlier.site_id == site.pk \
            else gettext("a photo of another site")
    return PackEvidence(
        str(e.public_id), day, e.criterion.key, e.criterion.prompt, e.status, local(e.captured_at),
        local(e.created_at), e.sha256 or e.declared_sha256, e.size, e.width, e.height, reused, e.stale_capture,
        e.action_id is not None and e.daily_check_id is None, e.thumbnail_key, day_only=day_only,
        hashed=e.verified_at is not None,
        reuse_kind=e.reuse_kind if reused else "", reuse_score=e.reuse_score if reused else None,
        reuse_detail=e.reuse_detail if reused else "",
        quality_issue=e.quality_issue, edited_with=e.edited_with, captured_after_upload=e.captured_after_upload,
        gps_distance_m=e.gps_distance_m, far_from_site=e.far_from_site, credentials=e.content_credentials)
