"""Every photo trust flag where people read it: the site page's badges (with the reuse's kind, strength and the
earlier photo's link for a reader of its site), the review's Clear for every flag, the phone page's retake prompt,
and the admin. The photos are stored as the evidence service leaves them (their flags set at verification)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from consistency.models import Criterion, Evidence, SitePhotoDay
from consistency.services import photo_days
from consistency.services.checks import local_today
from tests.conftest import client_for
from tests.consistency.variance_data import ALL_PASS_V1, check

D = dt.date
PERIOD = "period=custom&from=2026-03-02&to=2026-03-29"
CREDENTIALS = {"signer": "Test Camera", "issuer": "Test Camera Co", "claim_generator": "TestCam 2.1",
               "signed_at": None, "actions": ["c2pa.created"], "state": "Valid", "valid": True, "trusted": False,
               "validation_errors": ["signingCredential.untrusted"]}

pytestmark = pytest.mark.django_db


def stored(dc, *, key="restroom_clean", **fields) -> Evidence:
    """A verified photo of ``dc``'s day with ``fields`` (its flags), as the evidence service records it."""
    digest = uuid.uuid4().hex * 2
    evidence = Evidence.objects.create(
        daily_check=dc, criterion=Criterion.objects.get(version=dc.version, key=key), site=dc.site,
        uploaded_by=dc.submitted_by, key=f"evidence/{uuid.uuid4().hex}.jpg", declared_content_type="image/jpeg",
        declared_size=1000, declared_sha256=digest, sha256=digest, status="verified", day=dc.date,
        thumbnail_key=f"evidence/thumbs/{uuid.uuid4().hex}.jpg", **fields)
    photo_days.photo_verified(evidence)
    return evidence


def site_page(user, code="A1", language=None) -> str:
    client = Client()
    client.force_login(user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.get(f"/app/sites/{code}/?{PERIOD}", **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def flagged(network, standard):
    dc = check(network.a1, D(2026, 3, 20), ALL_PASS_V1, user=network.manager_a)
    elsewhere = check(network.b1, D(2026, 3, 19), ALL_PASS_V1, user=network.manager_b)
    earlier_here = stored(check(network.a1, D(2026, 3, 19), ALL_PASS_V1, user=network.manager_a))
    return {
        "reused_elsewhere": stored(dc, reused_from=stored(elsewhere), reuse_kind="rotated", reuse_score=0.97,
                                   reuse_detail="the earlier photo turned by 90 degrees"),
        "reused_here": stored(dc, key="phone_greeting", reused_from=earlier_here, reuse_kind="cropped",
                              reuse_score=0.91),
        "blurred": stored(dc, quality_issue="blurred", sharpness=3.2, brightness=120),
        "dark": stored(dc, quality_issue="dark", sharpness=2.0, brightness=14),
        "edited": stored(dc, edited_with="Adobe Photoshop 25.0"),
        "after": stored(dc, captured_after_upload=True),
        "far": stored(dc, far_from_site=True, gps_distance_m=493_512, gps_latitude=-41.29, gps_longitude=174.78),
        "signed": stored(dc, content_credentials=CREDENTIALS),
        "tampered": stored(dc, content_credentials={**CREDENTIALS, "valid": False, "state": "Invalid",
                                                    "validation_errors": ["assertion.dataHash.mismatch"]}),
    }


def item_of(html: str, evidence: Evidence) -> str:
    """The site page's list item of ``evidence``'s photo."""
    found = re.findall(rf'<li class="photo" data-evidence="{evidence.public_id}">(.*?)</li>', html, re.S)
    assert len(found) == 1, evidence.public_id
    return found[0]


def test_the_site_page_shows_every_flag(network, flagged):
    html = site_page(network.head_office)
    assert 'class="badge reused"' in item_of(html, flagged["reused_elsewhere"])
    assert "Reused: rotated, 97% match" in item_of(html, flagged["reused_elsewhere"])
    assert "the earlier photo turned by 90 degrees" in item_of(html, flagged["reused_elsewhere"])
    assert "Reused: cropped, 91% match" in item_of(html, flagged["reused_here"])
    assert ">Blurred</span>" in item_of(html, flagged["blurred"])
    assert ">Too dark</span>" in item_of(html, flagged["dark"])
    assert "Edited: Adobe Photoshop 25.0" in item_of(html, flagged["edited"])
    assert ">Captured after upload</span>" in item_of(html, flagged["after"])
    assert "493.5 km from the site" in item_of(html, flagged["far"])
    assert '<span class="badge pass" title="C2PA content credentials: TestCam 2.1">Signed by Test Camera</span>' \
        in item_of(html, flagged["signed"])
    tampered = item_of(html, flagged["tampered"])
    assert "Content credentials do not validate" in tampered and "Signed by" not in tampered
    for name in ("blurred", "dark", "edited", "after", "far", "signed"):  # one flag each, no other's
        assert "Reused" not in item_of(html, flagged[name]) and "Stale" not in item_of(html, flagged[name])


def test_the_earlier_photo_opens_only_for_a_reader_of_its_site(network, flagged):
    link = re.compile(r'<a class="small" href="(/api/v1/evidence/files/[^"]+/)">the earlier photo</a>')
    # Head office reads B1: the earlier photo of another site opens; the manager of A1 does not read B1.
    assert link.search(item_of(site_page(network.head_office), flagged["reused_elsewhere"]))
    assert not link.search(item_of(site_page(network.manager_a), flagged["reused_elsewhere"]))
    assert link.search(item_of(site_page(network.manager_a), flagged["reused_here"]))


def test_the_site_page_says_it_in_french(network, flagged):
    html = site_page(network.head_office, language="fr")
    assert "Réutilisée : en miroir" not in html  # (rotated, not mirrored)
    assert "pivotée" in item_of(html, flagged["reused_elsewhere"])
    assert "à 493,5 km du site" in item_of(html, flagged["far"])
    assert ">Floue</span>" in item_of(html, flagged["blurred"])
    assert "Signée par Test Camera" in item_of(html, flagged["signed"])


@pytest.mark.parametrize("name", ["blurred", "dark", "edited", "after", "far", "tampered"])
def test_head_office_and_auditors_clear_each_new_flag(network, flagged, name):
    evidence = flagged[name]
    html = site_page(network.auditor)
    assert 'name="decision" value="clear"' in item_of(html, evidence)  # the review form offers it
    before = SitePhotoDay.objects.get(site=network.a1, day=D(2026, 3, 20)).suspect
    response = client_for(network.auditor).post(f"/api/v1/evidence/{evidence.public_id}/review/",
                                                {"decision": "clear", "reason": "Checked with the manager"},
                                                format="json")
    assert response.status_code == 201, response.json()
    # Only reused and stale photos count as suspect in the variance's totals: clearing another flag leaves them.
    assert SitePhotoDay.objects.get(site=network.a1, day=D(2026, 3, 20)).suspect == before


@pytest.mark.parametrize("who", ["manager_a", "accountant"])
def test_only_reviewers_clear_a_flag(network, flagged, who):
    response = client_for(getattr(network, who)).post(f"/api/v1/evidence/{flagged['blurred'].public_id}/review/",
                                                      {"decision": "clear", "reason": "Fine"}, format="json")
    assert response.status_code == 403


def test_a_photo_without_a_flag_has_nothing_to_clear(network, flagged):
    plain = stored(check(network.a1, D(2026, 3, 21), ALL_PASS_V1, user=network.manager_a))
    html = site_page(network.head_office)
    assert 'value="clear"' not in item_of(html, plain) and 'value="reject"' in item_of(html, plain)
    response = client_for(network.head_office).post(f"/api/v1/evidence/{plain.public_id}/review/",
                                                    {"decision": "clear", "reason": "Fine"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_flagged"


def test_the_phone_page_asks_for_a_retake_of_a_blurred_photo(network, standard):
    dc = check(network.a1, local_today(network.a1), ALL_PASS_V1, user=network.manager_a)
    stored(dc, quality_issue="dark", sharpness=2.0, brightness=14)
    client = Client()
    client.force_login(network.manager_a)
    html = client.get("/app/today/").content.decode()
    notes = re.findall(r'<p class="retake-now small" role="note">(.*?)</p>', html, re.S)
    assert len(notes) == 1
    assert "Take it again now:" in notes[0] and "Cleanliness" in notes[0] and "too dark" in notes[0]
    assert '<span class="badge warn">Too dark</span>' in html


def test_the_admin_shows_every_flag_in_words(network, flagged):
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    page = admin.get(f"/admin/consistency/evidence/{flagged['far'].pk}/change/").content.decode()
    assert "far from the site (493.5 km)" in page
    listing = admin.get("/admin/consistency/evidence/?quality_issue=blurred").content.decode()
    assert "too blurred to show anything" in listing and "far from the site" not in listing
    reused = admin.get(f"/admin/consistency/evidence/{flagged['reused_elsewhere'].pk}/change/").content.decode()
    assert "reused (rotated, 97% match, the earlier photo turned by 90 degrees)" in reused
    signed = admin.get(f"/admin/consistency/evidence/{flagged['signed'].pk}/change/").content.decode()
    assert "capture signed by Test Camera (TestCam 2.1)" in signed
    day = admin.get(f"/admin/consistency/dailycheck/{flagged['edited'].daily_check_id}/change/").content.decode()
    assert "edited with Adobe Photoshop 25.0" in day and "captured after its upload" in day
