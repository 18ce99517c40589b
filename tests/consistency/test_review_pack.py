"""The compliance pack shows the period's photo reviews: a rejected photo as rejected, with the reason, who
decided and the retake; a cleared flag with its reason. Read back with pdfplumber."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest
from django.core.files.storage import default_storage

from reports import runner
from reports.services import report_order

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo

DAY = dt.date(2026, 3, 10)

pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day", "local_storage")


def pack_text(user) -> str:
    run = report_order(user=user, kind="compliance_pack", date_from=DAY, date_to=DAY + dt.timedelta(days=1),
                       sites=["A1"])
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh, pdfplumber.open(io.BytesIO(fh.read())) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_the_pack_shows_rejected_photos_and_cleared_flags(network, standard):
    manager, head = client_for(network.manager_a), client_for(network.head_office)
    check = make_check(network.a1, standard, network.manager_a, date=DAY)
    rejected = manager.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(photo(seed=1), criterion="restroom_clean"),
                            format="multipart").json()["id"]
    stale = manager.post(f"/api/v1/checks/{check.pk}/evidence/",
                         multipart(photo(seed=2, captured="2026:01:05 09:00:00"), criterion="phone_greeting"),
                         format="multipart").json()["id"]
    before = pack_text(network.auditor)
    assert "No photo of the period was reviewed." in before

    assert head.post(f"/api/v1/evidence/{rejected}/review/", {"decision": "reject", "reason": "Wrong room entirely"},
                     format="json").status_code == 201
    assert client_for(network.auditor).post(f"/api/v1/evidence/{stale}/review/",
                                            {"decision": "clear", "reason": "Camera clock never set"},
                                            format="json").status_code == 201
    text = pack_text(network.auditor)
    section = text[text.index("Photo reviews"):text.index("Manifest")]
    flat = " ".join(section.split())
    assert "REJECTED" in flat and "Wrong room entirely" in flat and "head.office" in flat
    assert "CLEARED" in flat and "Camera clock never set" in flat and "auditor" in flat
    assert rejected[:8] in flat and stale[:8] in flat
    assert "asked for, due" in flat
    # The checks' table says the restroom is no longer passed: its photo is not verified any more.
    assert "met; photo not verified" in text
    # The manifest says the photo was rejected on review (its hash is its bytes', not a phone's declaration), and
    # its thumbnail is still embedded beside it: 2 photos, 2 thumbnails.
    manifest = " ".join(text[text.index("Manifest"):].split())
    assert "(rejected on" in manifest and "hash as declared" not in manifest  # the cell wraps before "review)"
    assert "Thumbnails embedded 2" in manifest
