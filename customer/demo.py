"""The customer's view in the demo franchise: survey questions mapped to the standard, a mystery shopper and a
second auditor, about one audit a site a month over the demo history, mystery shops, one calibration visit and
customer feedback, so that the perception gap shows on a fresh ``make run``.

Most sites are honest: auditors find a little less than the site reports (a few points: a visitor is stricter
than the person who runs the place), and customers are about as satisfied as audits suggest. ``OPTIMISTIC``
sites report like everyone else but audits find much less, and their customers are less satisfied: the
gap the platform exists to show. Customers follow what audits find (the truth of the visit), not what
the site reports, so the correlation of audit rates with satisfaction shows and that of self-checks is
weaker.

Audits go through ``customer.services.audits.audit_submit`` (the API's path, ``now`` set to the visit) and
feedback through ``customer.services.feedback.feedback_import`` (the CSV import's path: every row checked by
the same rules, responses and their daily totals written by the one writer). Deterministic (one random
stream per site and day) and safe to run twice: an audit is found again by its client id, a day's feedback by
its response ids, and neither is stored twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import uuid
import zoneinfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from consistency.demo_history import DEFAULT, HABITS, _value
from consistency.selectors import checks as check_selectors
from consistency.selectors.standard import version_in_force
from consistency.services.check_rules import ResultInput
from sites.demo import _user, demo_site_codes
from sites.models import Region, Role, Site

from .models import Audit, AuditKind, CalibrationVisit, FeedbackQuestion, FeedbackResponse
from .services.audits import AuditInput, audit_submit
from .services.calibration import calibration_mark
from .services.feedback import feedback_import, question_create

SHOPPER = "shopper"
SHOPPER_SITES = ["AKL-02", "SYD-01", "SYD-03", "MEL-01", "LON-02"]
AUDITOR_TWO = "auditor.two"
AUDITOR_TWO_REGIONS = ["au", "uk", "us-east", "us-west"]  # "auditor" has nz
CALIBRATION_SITE = "AKL-01"  # auditor.two visits it with "auditor" for the calibration visit
# Sites whose self-checks are far kinder than what audits (and customers) find: by how much, on a pass rate.
OPTIMISTIC = {"SYD-01": 0.32, "LON-02": 0.30, "NYC-03": 0.28}
HONEST_DROP = 0.01
# What a mystery shopper can observe as a customer: the front of the house.
SHOPPER_TOUCH_POINTS = ("phone", "uniform", "reception", "restroom", "windows")
SURVEYS_PER_DAY = (1, 4)  # customers answering a survey, per site and day (a small franchise's rate)
MYSTERY_SHOP_KIND = AuditKind.MYSTERY_SHOP

QUESTIONS = [
    # key, text, touch point, criterion
    ("recommend", "How likely are you to recommend us to a friend?", "", ""),
    ("phone_answered", "When you called, was the phone answered quickly and politely?", "phone", ""),
    ("staff_recognisable", "Were the staff easy to recognise (uniform and name tag)?", "uniform", ""),
    ("greeted_promptly", "Were you greeted promptly when you arrived?", "reception", "reception_greeted_minutes"),
    ("restroom_clean", "How clean was the restroom?", "restroom", "restroom_cleanliness"),
    ("delivery_on_time", "Did your delivery arrive on time?", "delivery", ""),
    ("invoice_right", "Was your invoice right first time?", "invoice", ""),
]
COMMENT_RATE = 0.12  # share of surveys with a comment
PRAISE = ["Friendly team, quick service.", "Spotless, will come back.", "Greeted straight away, lovely.",
          "Everything as promised, thank you."]
COMPLAINTS = {
    "": "Not what I expected from this brand.",
    "phone": "Nobody answered the phone the first time I called.",
    "uniform": "Could not tell who worked there: no name tags.",
    "reception": "Waited a long time before anyone greeted me.",
    "restroom": "The restroom needed cleaning.",
    "delivery": "The delivery came an hour late and nobody told us.",
    "invoice": "The invoice was wrong and took two calls to fix.",
}


def seed_customer(*, password: str, days: int = 60, now: dt.datetime | None = None) -> dict:
    """Everything above, for the demo sites. Returns what was added."""
    now = now or timezone.now()
    people = _people(password=password)
    questions = _questions(people["head_office"])
    audits, shops = _audits(people, days=days, now=now)
    calibrations = _calibration(people, now=now)
    feedback = _feedback(people["head_office"], questions, days=days, now=now)
    return {"audits": audits, "mystery_shops": shops, "calibrations": calibrations, "feedback": feedback,
            "questions": len(questions)}


@transaction.atomic
def _people(*, password: str) -> dict:
    password_hash = make_password(password)
    _, shopper = _user(SHOPPER, password_hash, first="Sam", last="Shopper", role=Role.MYSTERY_SHOPPER)
    shopper.sites.set(Site.objects.filter(code__in=SHOPPER_SITES))
    _, two = _user(AUDITOR_TWO, password_hash, first="Tui", last="Auditor", role=Role.AUDITOR)
    two.regions.set(Region.objects.filter(code__in=AUDITOR_TWO_REGIONS))
    two.sites.set(Site.objects.filter(code=CALIBRATION_SITE))
    User = get_user_model()
    return {"shopper": shopper.user, "auditor": User.objects.get(username="auditor"), "auditor_two": two.user,
            "head_office": User.objects.get(username="head.office")}


def _questions(head_office) -> dict[str, FeedbackQuestion]:
    have = {q.key: q for q in FeedbackQuestion.objects.filter(key__in=[k for k, *_ in QUESTIONS])}
    for key, text, touch_point, criterion in QUESTIONS:
        if key not in have:
            # Through the service: a touch point or criterion that the standard lacks would be refused, named.
            have[key] = question_create(user=head_office, key=key, text=text, touch_point_key=touch_point,
                                        criterion_key=criterion)
    return have


def _truth(site_code: str, spec) -> float:
    """The chance that a visitor finds the criterion met: the site's habit less what its reports flatter."""
    habit = HABITS.get(site_code, DEFAULT)
    weak = any(spec.touch_point == w or spec.key.startswith(w) for w in habit.weak)
    reported = habit.weak_rate if weak else habit.pass_rate
    return max(0.05, reported - OPTIMISTIC.get(site_code, HONEST_DROP))


def _visit_results(site_code: str, criteria, rng: random.Random, *, touch_points=None) -> list[ResultInput]:
    out = []
    for spec in criteria.by_key.values():
        if touch_points is not None and spec.touch_point not in touch_points:
            continue
        good = rng.random() < _truth(site_code, spec)
        note = "" if good else rng.choice(["", "Seen on arrival.", "Pointed out to the shift lead.", ""])
        out.append(ResultInput(spec.key, _value(spec, good, rng), note))
    return out


def _client_id(*parts) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, "touchpoint-demo/" + "/".join(map(str, parts)))


def _audits(people: dict, *, days: int, now: dt.datetime) -> tuple[int, int]:
    """About one audit a site a month by its region's auditor, and a mystery shop a month at the shopper's
    sites, each on a day drawn per site and month, submitted as the phone would on the day of the visit."""
    sites = list(Site.objects.filter(code__in=demo_site_codes(), active=True).select_related("region")
                 .order_by("code"))
    have = set(Audit.objects.filter(site__in=sites).values_list("client_id", flat=True))
    audits = shops = 0
    for site in sites:
        tz = zoneinfo.ZoneInfo(site.timezone)
        today = now.astimezone(tz).date()
        auditor = people["auditor"] if site.region.code == "nz" else people["auditor_two"]
        visits = []
        for month in range(days // 30):
            rng = random.Random(f"{site.code}/audit/{month}")
            back = month * 30 + rng.randint(3, 27)
            visits.append((today - dt.timedelta(days=back), AuditKind.AUDIT, auditor, None, rng))
            if site.code in SHOPPER_SITES:
                back = month * 30 + rng.randint(2, 28)
                visits.append((today - dt.timedelta(days=back), MYSTERY_SHOP_KIND, people["shopper"],
                               SHOPPER_TOUCH_POINTS, rng))
        for day, kind, user, touch_points, rng in visits:
            client_id = _client_id(site.code, day, kind, user.username)
            if client_id in have or day < site.opened_on:
                continue
            if _submit(site, user, day, kind, client_id, touch_points, rng):
                audits += kind == AuditKind.AUDIT
                shops += kind == MYSTERY_SHOP_KIND
    return audits, shops


def _submit(site, user, day, kind, client_id, touch_points, rng, *, hour: int | None = None) -> bool:
    version = version_in_force(on=day)
    if version is None:
        return False
    results = _visit_results(site.code, check_selectors.version_criteria(version), rng, touch_points=touch_points)
    visited = dt.datetime.combine(day, dt.time(hour or rng.randint(10, 16), rng.randint(0, 59)), tzinfo=site.tz)
    audit_submit(site=site, user=user, now=visited + dt.timedelta(minutes=rng.randint(20, 90)), payload=AuditInput(
        date=day, results=results, kind=kind, performed_at=visited + dt.timedelta(minutes=15), visited_at=visited,
        client_id=client_id))
    return True


def _calibration(people: dict, *, now: dt.datetime) -> int:
    """One calibration visit: both auditors at CALIBRATION_SITE on one day, marked by head office."""
    site = Site.objects.filter(code=CALIBRATION_SITE).first()
    if site is None or CalibrationVisit.objects.filter(site=site).exists():
        return 0
    day = now.astimezone(site.tz).date() - dt.timedelta(days=12)
    if day < site.opened_on:
        return 0
    ids = []
    for user, hour in ((people["auditor"], 10), (people["auditor_two"], 14)):
        client_id = _client_id(site.code, day, "calibration", user.username)
        rng = random.Random(f"{site.code}/calibration/{day}/{user.username}")  # each auditor judges for themselves
        if not Audit.objects.filter(site=site, client_id=client_id).exists():
            _submit(site, user, day, AuditKind.AUDIT, client_id, None, rng, hour=hour)
        ids.append(Audit.objects.get(site=site, client_id=client_id).pk)
    # Marked by head office through the calibration service: same site and day, two different auditors.
    calibration_mark(user=people["head_office"], audit_ids=ids, now=now,
                     note="Demo: both auditors at the same site on one day, morning and afternoon.")
    return 1


def _feedback(head_office, questions: dict[str, FeedbackQuestion], *, days: int, now: dt.datetime) -> int:
    """A few surveys a site a day: each customer rates the visit overall and answers two of the mapped questions; satisfied as often as audits find the touch point right. Imported as a survey tool's export."""
    sites = list(Site.objects.filter(code__in=demo_site_codes(), active=True).order_by("code"))
    have = set(FeedbackResponse.objects.filter(site__in=sites, response_id__startswith="demo-")
               .values_list("site_id", "date").distinct())
    criteria_cache: dict[int, dict[str, list]] = {}
    versions: dict[dt.date, object] = {}  # the sites share their days: one question a day, not a site-day
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["site", "date", "channel", "score", "scale", "question", "comment", "response_id"])
    rows = 0
    for site in sites:
        today = now.astimezone(zoneinfo.ZoneInfo(site.timezone)).date()
        for back in range(days, 0, -1):
            day = today - dt.timedelta(days=back)
            if day < site.opened_on or (site.pk, day) in have:
                continue
            if day not in versions:
                versions[day] = version_in_force(on=day)
            version = versions[day]
            if version is None:
                continue
            if version.pk not in criteria_cache:
                by_touch_point: dict[str, list] = {}
                for spec in check_selectors.version_criteria(version).by_key.values():
                    by_touch_point.setdefault(spec.touch_point, []).append(spec)
                criteria_cache[version.pk] = by_touch_point
            by_touch_point = criteria_cache[version.pk]
            rng = random.Random(f"{site.code}/{day.isoformat()}/feedback")
            for n in range(rng.randint(*SURVEYS_PER_DAY)):
                channel, scale = rng.choice([("survey", "0-10"), ("survey", "0-10"), ("email", "0-10"),
                                             ("sms", "1-5")])
                asked = ["recommend", *rng.sample([k for k, _, tp, _ in QUESTIONS if tp], 2)]
                answers = []
                for key in asked:
                    _, _, tp, _ = next(q for q in QUESTIONS if q[0] == key)
                    specs = by_touch_point.get(tp) or [s for group in by_touch_point.values() for s in group]
                    rate = sum(_truth(site.code, s) for s in specs) / len(specs)
                    answers.append((key, tp, rng.random() < 0.15 + 0.8 * rate))
                # A comment is about the visit as a whole: praise, or what went wrong (the specific thing first).
                comment = ""
                if rng.random() < COMMENT_RATE:
                    unhappy = sorted((tp for _, tp, happy in answers if not happy), key=lambda tp: tp == "")
                    comment = COMPLAINTS[unhappy[0]] if unhappy else rng.choice(PRAISE)
                for key, _, happy in answers:
                    writer.writerow([site.code, day.isoformat(), channel, _score(scale, happy, rng), scale, key,
                                     comment if key == "recommend" else "", f"demo-{site.code}-{day.isoformat()}-{n}"])
                    rows += 1
    if not rows:
        return 0
    report = feedback_import(io.BytesIO(out.getvalue().encode()), user=head_office, now=now)
    if report.bad:
        raise RuntimeError(f"demo feedback: {report.bad} rows refused, e.g. {report.problems[:3]}")
    return report.imported


def _score(scale: str, happy: bool, rng: random.Random) -> int:
    if scale == "1-5":
        return rng.randint(4, 5) if happy else rng.randint(1, 3)
    return rng.randint(8, 10) if happy else rng.choice([2, 3, 4, 5, 6, 6, 7, 7])
