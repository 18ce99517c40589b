"""The compliance pack shows every trust flag of a photo under its thumbnail (reused with how and how strongly,
blurred, dark, edited, captured after its upload, far from the site with the distance, content credentials that do
not validate) and who signed the capture (C2PA). Rendered by the report runner and read back with pdfplumber."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zoneinfo
from pathlib import Path

import pdfplumber
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from consistency.models import Evidence
from reports import runner
from reports.services import report_order

from ..conftest import client_for
from ..consistency.evidence_factories import make_check, multipart
from .photos import blurred, c2pa_signed, dark, jpeg, scene, tampered_after_signing

DAY = dt.date(2026, 3, 10)
WELLINGTON = (-41.2865, 174.7762)
NEAR = (-36.8467, 174.7650)

pytestmark = pytest.mark.usefixtures("window_reaches_the_photo_test_day", "local_storage")


def pack_text(user, *, language: str | None = None) -> tuple[str, list[str]]:
    run = report_order(user=user, kind="compliance_pack", date_from=DAY - dt.timedelta(days=1), date_to=DAY,
                       sites=["A1"], language=language)
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh:
        pdf = fh.read()
    if out := os.environ.get("CAPTURE_PACK_PDF"):  # to look at it: CAPTURE_PACK_PDF=/tmp/pack.pdf
        Path(f"{out}.{language or 'en'}.pdf").write_bytes(pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = " ".join(" ".join(page.extract_text() or "" for page in doc.pages).split())
        # The photo grid's cells, each read on its own (side by side, their lines interleave in the page's text).
        cells = [" ".join(cell.split()) for page in doc.pages for table in page.extract_tables() for row in table
                 for cell in row if cell]
    return text, cells


def upload(manager, check, data: bytes, criterion: str) -> str:
    response = manager.post(f"/api/v1/checks/{check.pk}/evidence/", multipart(data, criterion=criterion),
                            format="multipart")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.fixture
def flagged(network, standard, settings) -> dict[str, str]:
    """One photo per flag, uploaded through the API for A1's check of DAY (an earlier one for DAY - 1)."""
    settings.LATE_CHECK_WINDOW_DAYS += 1  # the photo tests' window reaches DAY; the earlier check is the day before
    network.a1.latitude, network.a1.longitude = -36.8485, 174.7633
    network.a1.save()
    manager = client_for(network.manager_a)
    earlier = make_check(network.a1, standard, network.manager_a, date=DAY - dt.timedelta(days=1))
    check = make_check(network.a1, standard, network.manager_a, date=DAY)
    later = timezone.now().astimezone(zoneinfo.ZoneInfo("Pacific/Auckland")) + dt.timedelta(hours=2)
    ids = {
        "first": upload(manager, earlier, jpeg(scene(30)), "restroom_clean"),
        "reused": upload(manager, check, jpeg(scene(31)), "phone_greeting"),
        "blurred": upload(manager, check, jpeg(blurred(scene(32)), software="Adobe Photoshop 25.0"), "restroom_clean"),
        "dark": upload(manager, check, jpeg(dark(scene(33))), "restroom_clean"),
        "far": upload(manager, check, jpeg(scene(34), gps=WELLINGTON), "restroom_clean"),
        "near": upload(manager, check, jpeg(scene(35), gps=NEAR), "phone_rings"),
        "after": upload(manager, check, jpeg(scene(36), captured=later.strftime("%Y:%m:%d %H:%M:%S"),
                                             offset="+13:00" if later.utcoffset() == dt.timedelta(hours=13)
                                             else "+12:00"), "phone_rings"),
        "signed": upload(manager, check, c2pa_signed(jpeg(scene(37))), "delivery_on_time_pct"),
        "tampered": upload(manager, check, tampered_after_signing(c2pa_signed(jpeg(scene(38)))),
                           "delivery_on_time_pct"),
    }
    # How the reuse index records a match (helper reuseindex writes these once, with reused_from).
    first = Evidence.objects.get(public_id=ids["first"])
    Evidence.objects.filter(public_id=ids["reused"]).update(
        reused_from=first, reuse_kind="cropped", reuse_score=0.93, reuse_detail="a 7% crop of the earlier photo")
    return ids


def cell_of(cells: list[str], photo_id: str, words: str) -> str:
    """The grid cell that says ``words``; which photo's it is, by its SHA-256's first digits."""
    found = [c for c in cells if words in c]
    assert len(found) == 1, (words, found)
    sha = Evidence.objects.get(public_id=photo_id).sha256
    assert sha[:32] in found[0].replace(" ", ""), (photo_id, found[0])
    return found[0]


def test_the_pack_shows_every_flag_and_who_signed_the_capture(network, flagged):
    _, cells = pack_text(network.auditor)
    reused = cell_of(cells, flagged["reused"], "REUSED (cropped, 93% match; same as 2026-03-09 at this site)")
    assert "a 7% crop of the earlier photo" in reused
    assert "EDITED with Adobe Photoshop 25.0" in cell_of(cells, flagged["blurred"], "TOO BLURRED to show anything")
    cell_of(cells, flagged["dark"], "TOO DARK to show anything")
    assert re.search(r"FAR FROM THE SITE \(49\d\.\d km\)", cell_of(cells, flagged["far"], "FAR FROM THE SITE"))
    assert re.search(r"taken 2\d\d m from the site", cell_of(cells, flagged["near"], "m from the site"))
    cell_of(cells, flagged["after"], "CAPTURED AFTER its upload")
    cell_of(cells, flagged["signed"], "Capture signed by Test Camera; certificate from Test Camera Co; with TestCam 2.1; "
                                      "signature valid, signer not on a trust list")
    broken = cell_of(cells, flagged["tampered"], "CONTENT CREDENTIALS DO NOT VALIDATE")
    assert "does not validate: assertion.dataHash.mismatch" in broken
    # A photo with nothing to say carries no flag: the earlier one of the reused pair.
    first = cell_of(cells, flagged["first"], "Cleanliness · 2026-03-09")
    assert not re.search(r"REUSED|STALE|TOO |EDITED|CAPTURED|FAR FROM|CREDENTIALS|signed by", first)


def test_the_pack_says_it_in_french(network, flagged):
    _, cells = pack_text(network.auditor, language="fr")
    assert "RÉUTILISÉE (recadrée, correspondance de 93" in cell_of(cells, flagged["reused"], "RÉUTILISÉE")
    cell_of(cells, flagged["blurred"], "TROP FLOUE pour montrer quoi que ce soit")
    assert re.search(r"LOIN DU SITE \(49\d,\d km\)", cell_of(cells, flagged["far"], "LOIN DU SITE"))
    cell_of(cells, flagged["signed"], "Prise de vue signée par Test Camera; certificat de Test Camera Co; avec TestCam "
                                      "2.1; signature valide, signataire absent des listes de confiance")
