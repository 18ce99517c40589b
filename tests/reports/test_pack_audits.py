"""The compliance pack's audits, mystery shops and customer feedback beside the self-checks, read back with
pdfplumber: what each visit observed and failed, its photos with their fingerprints, the feedback per touch
point; a mystery shopper never named, nor their visit's hour."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid

import pdfplumber
import pypdf
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from consistency.models import Criterion, Evidence
from consistency.services.scoring import check_score, judge
from customer.models import (
    Audit,
    AuditResult,
    CalibrationVisit,
    FeedbackQuestion,
)
from customer.services.feedback import FeedbackRow, normalized, write_rows
from reports import runner
from reports.services import report_order

from .samples import jpeg

FROM, TO = dt.date(2026, 3, 1), dt.date(2026, 3, 7)


def make_audit(*, site, version, user, day, kind="audit", values: dict, notes: dict | None = None,
               visit=dt.time(14, 35)) -> Audit:
    """An audit with judged results, written directly (the audit service is another module's): passed = met."""
    criteria = {c.key: c for c in Criterion.objects.filter(version=version)}
    judged = [(criteria[k], float(v), *judge(criteria[k], float(v))) for k, v in values.items()]
    visited = dt.datetime.combine(day, visit, tzinfo=site.tz)
    audit = Audit.objects.create(
        site=site, date=day, kind=kind, version=version, submitted_by=user, performed_at=visited,
        visited_at=visited, received_at=visited + dt.timedelta(minutes=20), client_id=uuid.uuid4(),
        score=check_score([(c.weight, met) for c, _, met, _ in judged]), observed=len(judged))
    AuditResult.objects.bulk_create([
        AuditResult(audit=audit, criterion=c, value=v, met=met, passed=met, deviation=d,
                    note=(notes or {}).get(c.key, "")) for c, v, met, d in judged])
    return audit


def audit_photo(*, audit: Audit, key: str, seed: int) -> Evidence:
    body = jpeg(seed=seed)
    sha = hashlib.sha256(body + b"audit").hexdigest()
    thumb = default_storage.save(f"test-thumbs/{uuid.uuid4().hex}.jpg", ContentFile(body))
    captured = dt.datetime.combine(audit.date, dt.time(14, 41), tzinfo=audit.site.tz)
    return Evidence.objects.create(
        audit=audit, criterion=Criterion.objects.get(version=audit.version, key=key), site=audit.site,
        uploaded_by=audit.submitted_by, key=f"evidence/{uuid.uuid4().hex}.jpg", declared_content_type="image/jpeg",
        declared_size=len(body), declared_sha256=sha, status=Evidence.Status.VERIFIED, size=len(body), sha256=sha,
        width=320, height=240, captured_at=captured, day=audit.date, thumbnail_key=thumb, verified_at=timezone.now())


def feedback(*, site, day, question, scores: list[tuple[float, str]], comment: str = ""):
    """Responses and their daily totals, stored by the feedback service's one writer."""
    write_rows([FeedbackRow(site_id=site.pk, date=day, channel="survey", question_id=question.pk if question else None,
                            scale=scale, score=float(score), normalized=normalized(score, scale),
                            comment=comment if i == 0 else "", response_id="")
                for i, (score, scale) in enumerate(scores)], user=None, now=timezone.now())


def _pack(user, code="A1") -> tuple[str, bytes]:
    run = report_order(user=user, kind="compliance_pack", date_from=FROM, date_to=TO, sites=[code])
    assert runner.run_report(run_id=run.id, worker="test") == "done", run.error
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh:
        pdf = fh.read()
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages), pdf


def _section(text: str, start: str, end: str) -> str:
    at = text.index(start)
    return text[at:text.index(end, at)]


def test_pack_lists_audits_and_mystery_shops_with_failures_and_photos_beside_the_checks(history, network, standard):
    a1 = network.a1
    audit = make_audit(site=a1, version=standard, user=network.auditor, day=dt.date(2026, 3, 3),
                       values={"phone_rings": 5, "phone_greeting": 1, "restroom_clean": 3, "delivery_on_time_pct": 96},
                       notes={"restroom_clean": "bin overflowing"})
    shop = make_audit(site=a1, version=standard, user=network.shopper, day=dt.date(2026, 3, 5), kind="mystery_shop",
                      values={"phone_greeting": 0, "restroom_clean": 4}, visit=dt.time(11, 17))
    photo = audit_photo(audit=audit, key="restroom_clean", seed=7)
    shop_photo = audit_photo(audit=shop, key="restroom_clean", seed=8)
    # Another site's audit is not in A1's pack.
    make_audit(site=network.b1, version=standard, user=network.auditor_b1, day=dt.date(2026, 3, 3),
               values={"phone_greeting": 0})

    text, pdf = _pack(network.auditor)
    flat = " ".join(text.split())
    cover = text[:text.index("The standard")]
    assert "Audits 1 audit(s), 1 mystery shop(s)" in cover
    section = _section(text, "Audits and mystery shops\n", "Customer feedback\n")
    lines = section.splitlines()
    # The summary: one line a visit, with what it observed and failed.
    assert any(line.startswith("2026-03-03 Independent audit v1 auditor 2026-03-03 14:35 +1300 4 2")
               for line in lines), section
    assert any(line.startswith("2026-03-05 Mystery shop v1 mystery shopper (not named) - 2 1 ") for line in lines)
    # Each visit's results: the failures with their notes.
    assert f"2026-03-03 · independent audit #{audit.id} · v1 · score {audit.score * 100:.1f}%" in section
    assert "4 criteria observed, 2 failed" in section
    assert "Rings to answer Phone 5 rings fail" in section
    assert "Cleanliness Restroom 3 / 5 fail 0.333 bin overflowing" in section
    assert "2 criteria observed, 1 failed" in section and "Brand greeting Phone no fail" in section
    # Photos with their fingerprints, as the checks' photos; both in the manifest.
    section_flat = " ".join(section.split()).replace(" ", "")
    for e in (photo, shop_photo):
        assert e.sha256[:32] in section_flat and e.sha256[32:] in section_flat
        assert e.sha256 in flat.replace(" ", "")
    assert "captured 2026-03-03 14:41:00 +1300" in " ".join(section.split())
    manifest = text[text.index("Manifest"):]
    assert "Audits and mystery shops 2" in manifest and "Photos of audits and mystery shops 2" in manifest
    # The manifest's rows, read as a table (a wrapped cell interleaves with its neighbours in plain text).
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        cells = [" ".join((cell or "").split()) for page in doc.pages for table in page.extract_tables()
                 for row in table for cell in row]
    assert any(f"(mystery shop #{shop.id})" in cell for cell in cells)
    # B1's audit is not here.
    assert "auditor.b1" not in text
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert sum(len(page.images) for page in reader.pages) == 4  # 2 check photos with thumbnails + 2 audit photos


def test_a_mystery_shopper_is_never_named_nor_their_visits_hour_given(history, network, standard):
    shop = make_audit(site=network.a1, version=standard, user=network.shopper, day=dt.date(2026, 3, 5),
                      kind="mystery_shop", values={"phone_greeting": 1}, visit=dt.time(11, 17))
    audit_photo(audit=shop, key="restroom_clean", seed=3)
    for reader in (network.manager_a, network.auditor, network.head_office):
        text, _ = _pack(reader)
        assert network.shopper.get_username() not in text
        assert "shopper.a1" not in text and "11:17" not in text and "14:41" not in text
        section = _section(text, "Audits and mystery shops\n", "Customer feedback\n")
        assert "by mystery shopper (not named)" in section
        assert "captured on 2026-03-05" in section and "uploaded on" in section


def test_a_calibration_visit_is_marked(history, network, standard):
    first = make_audit(site=network.a1, version=standard, user=network.auditor, day=dt.date(2026, 3, 6),
                       values={"phone_greeting": 1})
    second = make_audit(site=network.a1, version=standard, user=network.head_office, day=dt.date(2026, 3, 6),
                        values={"phone_greeting": 0})
    visit = CalibrationVisit.objects.create(site=network.a1, date=first.date, marked_by=network.head_office,
                                            marked_at=timezone.now())
    Audit.objects.filter(pk__in=[first.pk, second.pk]).update(calibration=visit)
    text, _ = _pack(network.head_office)
    raw = _section(text, "Audits and mystery shops\n", "Customer feedback\n")
    assert raw.splitlines().count("(calibration)") == 2  # the kind's cell: "Independent audit (calibration)"
    section = " ".join(raw.split())
    assert section.count("calibration visit (compared with another auditor's visit of the same day)") == 2


def test_pack_gives_customer_feedback_per_touch_point_with_recent_comments(history, network, standard):
    greeted = FeedbackQuestion.objects.create(key="greeted", text="Were you greeted promptly?",
                                              touch_point_key="phone", criterion_key="phone_greeting")
    clean = FeedbackQuestion.objects.create(key="clean", text="Was the restroom clean?", touch_point_key="restroom")
    overall = FeedbackQuestion.objects.create(key="overall", text="How likely are you to recommend us?")
    a1 = network.a1
    # Phone: 9, 10, 6 of 10 and 5 of 5 -> 3 satisfied of 4; mean (0.9 + 1 + 0.6 + 1) / 4 = 0.875.
    feedback(site=a1, day=dt.date(2026, 3, 2), question=greeted, scores=[(9, "0-10"), (10, "0-10"), (6, "0-10")])
    feedback(site=a1, day=dt.date(2026, 3, 3), question=greeted, scores=[(5, "1-5")], comment="Lovely welcome")
    # Restroom: 2 of 5 and 3 of 10 -> none satisfied; mean (0.25 + 0.3) / 2 = 0.275.
    feedback(site=a1, day=dt.date(2026, 3, 4), question=clean, scores=[(2, "1-5"), (3, "0-10")],
             comment="No paper towels")
    # Overall: a question mapped to nothing and an answer with no question.
    feedback(site=a1, day=dt.date(2026, 3, 5), question=overall, scores=[(8, "0-10")])
    feedback(site=a1, day=dt.date(2026, 3, 6), question=None, scores=[(7, "0-10")], comment="Fine")
    # Outside the period or the site: not counted.
    feedback(site=a1, day=dt.date(2026, 3, 9), question=clean, scores=[(0, "0-10")], comment="Too late to count")
    feedback(site=network.b1, day=dt.date(2026, 3, 4), question=clean, scores=[(0, "0-10")], comment="Other site")

    text, _ = _pack(network.manager_a)
    assert "Customer feedback 8 response(s)" in text[:text.index("The standard")]
    section = _section(text, "Customer feedback\n", "Photo evidence\n")
    assert "Phone 4 3 75.0% 30.1-95.4% 8.8" in section  # Wilson(0.75, 4): 30.1-95.4%
    assert "Restroom 2 0 0.0% 0.0-65.8% 2.8" in section
    assert "Overall rating 2 1 50.0% 9.5-90.5% 7.5" in section
    assert "All responses 8 4 50.0% 21.5-78.5% 6.9" in section  # (3.5 + 0.55 + 1.5) / 8 = 0.69375
    # The most recent comments first, with their question; none from elsewhere.
    comments = section[section.index("Recent comments"):]
    assert comments.index("Fine") < comments.index("No paper towels") < comments.index("Lovely welcome")
    assert "2026-03-03 survey 5 of 1-5 Were you greeted promptly? Lovely welcome" in comments
    assert "Too late to count" not in text and "Other site" not in text


def test_a_pack_without_audits_or_feedback_says_so(history, network):
    text, _ = _pack(network.head_office)
    assert "No audit or mystery shop in the period." in text
    assert "No customer feedback in the period." in text
    assert "Audits 0 audit(s), 0 mystery shop(s)" in text


def test_the_packs_reading_takes_as_many_queries_whatever_the_number_of_audits(history, network, standard):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.packs import compliance_pack_data

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            compliance_pack_data(site=network.a1, date_from=FROM, date_to=TO)
        return len(ctx.captured_queries)

    make_audit(site=network.a1, version=standard, user=network.auditor, day=dt.date(2026, 3, 3),
               values={"phone_greeting": 1})
    one = queries()
    for day in (4, 5, 6):
        audit = make_audit(site=network.a1, version=standard, user=network.shopper, day=dt.date(2026, 3, day),
                           kind="mystery_shop", values={"phone_greeting": 0, "restroom_clean": 4})
        audit_photo(audit=audit, key="restroom_clean", seed=day)
    feedback(site=network.a1, day=dt.date(2026, 3, 4), question=None, scores=[(7, "0-10")], comment="Fine")
    assert queries() == one
