"""The compliance pack, rendered from a real site history and read back with pdfplumber/pypdf."""

from __future__ import annotations

import io

import pdfplumber
import pypdf
from django.core.files.storage import default_storage

from reports import runner
from reports.services import report_order


def _render(history, user):
    run = report_order(user=user, kind="compliance_pack", date_from=history["from"], date_to=history["to"],
                       sites=[history["site"].code])
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh:
        return run, fh.read()


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_pack_contains_the_standard_checks_amendment_missed_days_failures_and_photos(history, network):
    run, pdf = _render(history, network.auditor)
    text = _text(pdf)
    # The standard in full.
    for key in ("phone_rings", "phone_greeting", "restroom_clean", "delivery_on_time_pct"):
        assert key in text
    assert "at most 3 rings" in text and "score at least 4 of 5" in text and "(tolerance 2)" in text
    # Every check, with results: 6 current days + the superseded original of 03-02.
    assert text.count("· current ·") == 6
    assert text.count("· superseded ·") == 1
    assert f"amends check #{history['checks'][2].id}: cleaner finished late" in text
    assert "restroom_clean 3 / 5 -> 5 / 5" in text
    assert "busy lunch" in text
    assert "late: arrived after the site's day had ended" in text
    # Missed days: 03-04 only.
    assert "1 of 7 expected days have no check" in text
    assert "2026-03-04" in text
    # The failure on 03-05 and its corrective action (critical: greeting); rings failed too, no action.
    assert "phone_greeting (Brand greeting)" in text
    flat = text.replace("\n", " ")
    assert "open; opened 2026-03-05 09:02:00 +1300;" in flat and "due 2026-03-08" in flat
    assert "phone_rings (Rings to answer)" in text and "none opened" in text
    # Photos: SHA-256 of each, the reuse and stale flags, a listed-only photo.
    from consistency.models import Evidence

    for e in Evidence.objects.all():
        assert e.sha256[:32] in text.replace("\n", "")
    assert "REUSED (same as A1 2026-03-01)" in flat
    assert "STALE capture" in flat
    assert "no thumbnail: listed only" in text
    # The manifest counts.
    assert "Manifest" in text
    assert "Thumbnails embedded 2" in text
    assert "Photo evidence 3" in text
    # Every page names the pack, the site, the period and the run.
    first_page_footer = f"run {run.public_id}"
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert all(first_page_footer in (p.extract_text() or "") for p in doc.pages)


def test_pack_embeds_the_stored_thumbnails_without_ascii85(history, network):
    run, pdf = _render(history, network.head_office)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    images = [img for page in reader.pages for img in page.images]
    assert len(images) == 2  # two photos with thumbnails; the third is listed only
    assert b"ASCII85Decode" not in pdf  # rl_config.useA85 is off
    assert run.pdf_size == len(pdf)
    import hashlib

    assert run.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
