"""The pages' side of photo review: the reject/clear form on the site page (role-gated, htmx or a plain post),
the period's photo reviews, the retakes a manager sends from /app/today/, and the reference photo beside the
control. The email text of each photo event, in English and French."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from consistency.models import CheckResult, Evidence, PhotoReview, RetakeRequest
from consistency.services.checks import local_today

from ..conftest import client_for
from .evidence_factories import make_check, multipart, photo

pytestmark = pytest.mark.usefixtures("local_storage")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def today_shot(network, standard):
    """A1's check of yesterday (local) with its restroom photo, captured a week before: verified, flagged stale.
    Yesterday, not today: Auckland's today is a day ahead of the site page's "last 7 days" from 11:00 UTC on."""
    day = local_today(network.a1) - dt.timedelta(days=1)
    check = make_check(network.a1, standard, network.manager_a, date=day)
    stamp = (day - dt.timedelta(days=7)).strftime("%Y:%m:%d 08:00:00")
    response = client_for(network.manager_a).post(
        f"/api/v1/checks/{check.pk}/evidence/", multipart(photo(seed=5, captured=stamp), criterion="restroom_clean"),
        format="multipart")
    assert response.status_code == 201, response.json()
    return check, Evidence.objects.get(public_id=response.json()["id"])


def site_page(user) -> str:
    response = signed_in(user).get("/app/sites/A1/?period=7")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("persona", "sees"), [("head_office", True), ("auditor", True), ("manager_a", False)])
def test_the_review_form_is_shown_to_reviewers_only(network, today_shot, persona, sees):
    _, evidence = today_shot
    html = site_page(getattr(network, persona))
    assert (f'id="review-{evidence.public_id}"' in html) is sees
    if sees:
        assert 'name="decision" value="reject"' in html and 'name="decision" value="clear"' in html  # flagged
        assert f'hx-post="/app/evidence/{evidence.public_id}/review/"' in html


def test_rejecting_from_the_page_with_htmx_answers_the_outcome_in_place(network, today_shot):
    check, evidence = today_shot
    response = signed_in(network.auditor).post(f"/app/evidence/{evidence.public_id}/review/",
                                               {"decision": "reject", "reason": "Not this restroom"},
                                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="review-{evidence.public_id}"' in html and "Rejected" in html and "Not this restroom" in html
    assert not CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed
    # The site page lists it among the period's reviews, with the retake asked for; its photo still opens.
    page = site_page(network.head_office)
    section = re.search(r'<section class="card photo-reviews".*?</section>', page, re.S).group(0)
    assert "Not this restroom" in section and "Retake asked for" in section and "/api/v1/evidence/files/" in section


def test_a_refused_decision_shows_its_reason_in_the_form(network, today_shot):
    _, evidence = today_shot
    empty = signed_in(network.head_office).post(f"/app/evidence/{evidence.public_id}/review/",
                                                {"decision": "reject", "reason": ""}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 200 and "reason: say why" in empty.content.decode()
    assert 'aria-invalid="true"' in empty.content.decode()
    plain = signed_in(network.head_office).post(f"/app/evidence/{evidence.public_id}/review/",
                                                {"decision": "clear", "reason": "The phone's clock"})
    assert plain.status_code == 302 and plain["Location"] == "/app/sites/A1/#checks-h"
    again = signed_in(network.head_office).post(f"/app/evidence/{evidence.public_id}/review/",
                                                {"decision": "clear", "reason": "twice"}, follow=True)
    assert "already cleared" in again.content.decode()
    assert PhotoReview.objects.count() == 1


def test_others_may_not_review_from_the_page(network, today_shot):
    _, evidence = today_shot
    for persona, status in (("manager_a", 403), ("manager_b", 404), ("auditor_b1", 404), ("shopper", 403),
                            ("accountant", 403)):
        response = signed_in(getattr(network, persona)).post(f"/app/evidence/{evidence.public_id}/review/",
                                                             {"decision": "reject", "reason": "no"})
        assert response.status_code == status, persona
    assert not PhotoReview.objects.exists()


def test_csrf_is_required(network, today_shot):
    _, evidence = today_shot
    client = Client(enforce_csrf_checks=True)
    client.force_login(network.head_office)
    response = client.post(f"/app/evidence/{evidence.public_id}/review/", {"decision": "reject", "reason": "x"})
    assert response.status_code == 403 and not PhotoReview.objects.exists()


def test_the_manager_sends_the_retake_from_today(network, today_shot):
    check, evidence = today_shot
    client_for(network.head_office).post(f"/api/v1/evidence/{evidence.public_id}/review/",
                                         {"decision": "reject", "reason": "Blurred"}, format="json")
    manager = signed_in(network.manager_a)
    html = manager.get("/app/today/").content.decode()
    retake = RetakeRequest.objects.get()
    section = re.search(r'<section class="card retakes".*?</section>', html, re.S).group(0)
    assert "Blurred" in section and "Cleanliness" in section and 'data-status="open"' in section
    assert f'action="/app/retakes/{retake.pk}/photo/"' in section
    # Another manager cannot send it; a manager sending nothing is told which field.
    assert signed_in(network.manager_b).post(f"/app/retakes/{retake.pk}/photo/").status_code == 404
    assert signed_in(network.auditor).post(f"/app/retakes/{retake.pk}/photo/").status_code == 403
    empty = manager.post(f"/app/retakes/{retake.pk}/photo/", follow=True)
    assert "file: choose the new photo" in empty.content.decode()

    sent = manager.post(f"/app/retakes/{retake.pk}/photo/", multipart(photo(seed=6)), follow=True)
    assert "the new photo is verified" in sent.content.decode()
    assert CheckResult.objects.get(daily_check=check, criterion__key="restroom_clean").passed
    retake.refresh_from_db()
    assert retake.fulfilled_at is not None
    assert 'class="card retakes"' not in manager.get("/app/today/").content.decode()


def test_the_reference_photo_is_shown_beside_its_control(network, standard):
    assert client_for(network.head_office).put(
        "/api/v1/standard/criteria/restroom_clean/reference-photo/",
        multipart(photo(seed=9), caption="Basins dry"), format="multipart").status_code == 200
    html = signed_in(network.manager_a).get("/app/today/").content.decode()
    fieldset = re.search(r'<fieldset class="crit" id="c-restroom_clean".*?</fieldset>', html, re.S).group(0)
    assert '<details class="reference" data-reference="restroom_clean">' in fieldset and "Basins dry" in fieldset
    assert re.search(r'src="/api/v1/standard/reference-photos/\d+/thumbnail/"', fieldset)
    other = re.search(r'<fieldset class="crit" id="c-phone_rings".*?</fieldset>', html, re.S).group(0)
    assert "reference" not in other


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("event", ["photo.rejected", "photo.cleared", "photo.retake_overdue"])
def test_each_photo_event_has_its_email_in_english_and_french(event, language):
    data = {"site": "A1", "site_name": "Auckland Central", "prompt": "Restroom « clean »", "day": "2026-03-10",
            "reason": "Blurred", "decided_by": "head.office", "rejected_by": "head.office",
            "due": "2026-03-12 09:00 (Pacific/Auckland)"}
    with translation.override(language):
        text = render_to_string(f"notify/email/{event}.txt", {"data": data, "link": "https://x/app/today/"})
    subject, body = text.split("\n", 1)
    assert "A1" in subject and "Restroom « clean »" in subject  # no HTML escaping in a plain-text mail
    assert "Blurred" in body and "https://x/app/today/" in body
    french = {"photo.rejected": "refusée", "photo.cleared": "levé", "photo.retake_overdue": "en retard"}[event]
    assert (french in subject) is (language == "fr"), subject
