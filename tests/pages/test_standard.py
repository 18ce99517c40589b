"""/app/standard/: every role reads the standard as a document; drafts and publishing are head office's; the diff
page answers what the API's /standard/diff/ answers (Django's test client; the browser test is
test_standard_browser.py)."""

import copy
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from consistency.models import StandardVersion, VersionStatus
from consistency.selectors import standard as selectors
from consistency.services import standard as services
from consistency.services.standard_document import parse_document
from tests.factories import small_standard_doc

pytestmark = pytest.mark.django_db

ALL = ["manager_a", "manager_b", "head_office", "auditor", "auditor_b1"]
NOT_HEAD_OFFICE = ["manager_a", "manager_b", "auditor", "auditor_b1"]


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def text(answer) -> str:
    return answer.content.decode()


@pytest.fixture
def draft(standard):
    """Version 2, a draft: phone_rings' target 3 -> 2 rings."""
    version = services.version_draft(standard=selectors.master_standard())
    services.criterion_update(version=version, key="phone_rings", changes={"target": 2})
    return version


@pytest.mark.parametrize("persona", ALL)
def test_every_role_reads_the_version_in_force_as_a_document(network, standard, persona):
    answer = signed_in(getattr(network, persona)).get("/app/standard/")
    assert answer.status_code == 200
    page = text(answer)
    assert "<title>Brand Standard, version 1 · Touchpoint</title>" in page
    assert page.count("<h1") == 1 and "Version 1" in page and "In force" in page
    # Touch points in order, why they matter, criteria with what they ask in words.
    assert page.index(" Phone</h2>") < page.index(" Restroom</h2>") < page.index(" Delivery</h2>")
    assert "First contact" in page
    for words in ("at most 3 rings", "at least 4 of 5", "at least 95%", "<strong>yes</strong>", "2%",
                  "1 required", "Critical"):
        assert words in page, words
    assert "Effective from" in page and "1 January 2026" in page
    assert "Publish version" not in page  # no draft, and for most roles, never


@pytest.mark.parametrize("persona", NOT_HEAD_OFFICE)
def test_a_draft_is_hidden_from_every_role_but_head_office(network, draft, persona):
    client = signed_in(getattr(network, persona))
    assert client.get(f"/app/standard/?version={draft.number}").status_code == 404
    page = text(client.get("/app/standard/"))
    assert "Publish version" not in page and "Draft" not in page and "Version 2" not in page
    assert client.get(f"/app/standard/diff/?from=1&to={draft.number}").status_code == 404


def test_head_office_sees_the_draft_and_the_button_to_publish_it(network, draft):
    client = signed_in(network.head_office)
    page = text(client.get("/app/standard/"))
    assert "Version 2 is waiting to be published" in page and "Publish version 2" in page
    assert 'name="csrfmiddlewaretoken"' in page
    page = text(client.get("/app/standard/?version=2"))
    assert "You are reading the draft" in page and "at most 2 rings" in page and "not published" in page


def test_every_role_reads_a_retired_version(network, draft):
    services.version_publish(version=draft)
    for persona in ALL:
        answer = signed_in(getattr(network, persona)).get("/app/standard/?version=1")
        assert answer.status_code == 200
        assert "Retired" in text(answer) and "at most 3 rings" in text(answer)
        assert "at most 2 rings" in text(signed_in(getattr(network, persona)).get("/app/standard/"))


@pytest.mark.parametrize(("query", "status", "message"), [
    ("?version=abc", 400, "version: Enter a whole number."),
    ("?version=0", 400, "version: Ensure this value is greater than or equal to 1."),
    ("?version=9", 404, None),
])
def test_a_bad_or_unknown_version_number(network, standard, query, status, message):
    answer = signed_in(network.auditor).get(f"/app/standard/{query}")
    assert answer.status_code == status
    if message:
        assert message in text(answer)


@pytest.mark.parametrize("persona", NOT_HEAD_OFFICE)
def test_publishing_is_refused_to_every_role_but_head_office(network, draft, persona):
    answer = signed_in(getattr(network, persona)).post("/app/standard/", {"version": draft.number})
    assert answer.status_code == 403 and "<title>Not allowed" in text(answer)
    assert StandardVersion.objects.get(number=2).status == VersionStatus.DRAFT


def test_head_office_publishes_and_sees_the_diff(network, draft):
    client = signed_in(network.head_office, enforce_csrf_checks=True)
    page = text(client.get("/app/standard/"))
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/app/standard/", {"version": 2, "effective_from": "", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302 and answer["Location"] == "/app/standard/diff/?from=1&to=2"
    published = StandardVersion.objects.get(number=2)
    assert published.status == VersionStatus.PUBLISHED and published.published_by == network.head_office
    assert published.effective_from == max(timezone.localdate(), dt.date(2026, 1, 1))
    diff = text(client.get(answer["Location"]))
    assert "Version 2 is published" in diff  # the message
    assert "What changed from version 1 to version 2" in diff
    assert "at most 3 rings" in diff and "at most 2 rings" in diff and "Changed" in diff
    # The document now reads version 2, published by head office.
    page = text(client.get("/app/standard/"))
    assert "Version 2" in page and "by head.office" in page.replace("Head Office", "head.office")


def test_publishing_without_the_csrf_token_is_refused(network, draft):
    answer = signed_in(network.head_office, enforce_csrf_checks=True).post("/app/standard/", {"version": 2})
    assert answer.status_code == 403
    assert StandardVersion.objects.get(number=2).status == VersionStatus.DRAFT


def test_head_office_may_choose_the_day_it_takes_effect(network, draft):
    day = timezone.localdate() + dt.timedelta(days=10)
    answer = signed_in(network.head_office).post("/app/standard/", {"version": 2, "effective_from": day.isoformat()})
    assert answer.status_code == 302
    assert StandardVersion.objects.get(number=2).effective_from == day
    # Until then version 1 stays in force, and its readers are told what comes.
    page = text(signed_in(network.manager_a).get("/app/standard/"))
    assert "Version 1" in page and "Version 2 is published and takes effect on" in page


@pytest.mark.parametrize(("day", "problem"), [
    ("2025-06-01", "effective_from 2025-06-01 is too early: version 1, in force, took effect on 2026-01-01."),
    ("2099-01-01", "effective_from 2099-01-01 is not within 366 days"),
])
def test_a_refused_day_is_named_beside_the_form(network, draft, day, problem):
    answer = signed_in(network.head_office).post("/app/standard/", {"version": 2, "effective_from": day})
    assert answer.status_code == 400
    page = text(answer)
    assert problem in page and 'aria-invalid="true"' in page and f'value="{day}"' in page
    assert StandardVersion.objects.get(number=2).status == VersionStatus.DRAFT


def test_a_malformed_day_or_version_is_a_400(network, draft):
    client = signed_in(network.head_office)
    answer = client.post("/app/standard/", {"version": 2, "effective_from": "tomorrow"})
    assert answer.status_code == 400 and "Enter a valid date." in text(answer)
    answer = client.post("/app/standard/", {"effective_from": ""})
    assert answer.status_code == 400 and "version: This field is required." in text(answer)
    assert client.post("/app/standard/", {"version": 9}).status_code == 404


def test_a_released_version_cannot_be_published_again(network, standard):
    # No draft on the page to hang the form's error on: the refusal is said at the top.
    answer = signed_in(network.head_office).post("/app/standard/", {"version": 1})
    assert answer.status_code == 409
    assert "Version 1 was not published: Version 1 is published and can never change" in text(answer)
    # With a draft, its form stays the draft's (not the refused version's, sent again by the next click).
    draft = services.version_draft(standard=selectors.master_standard())
    page = text(signed_in(network.head_office).post("/app/standard/", {"version": 1}))
    assert f'<input type="hidden" name="version" value="{draft.number}"' in page


def test_each_version_s_place_in_the_cycle(network, draft):
    later = timezone.localdate() + dt.timedelta(days=20)
    services.version_publish(version=draft, effective_from=later)
    client = signed_in(network.auditor)
    page = text(client.get("/app/standard/"))
    assert 'Version 1</a>\n        <span class="badge ok">In force</span>' in page
    assert f'Version 2</a>\n        <span class="badge warn">Takes effect {later:%-d %b %Y}</span>' in page
    # Superseded before its day came, version 2 never will be in force: retired, not "takes effect".
    third = services.version_draft(standard=selectors.master_standard())
    services.version_publish(version=third, effective_from=later)
    page = text(client.get("/app/standard/?version=2"))
    assert 'Version 2</a>\n        <span class="badge retired">Retired</span>' in page
    assert f'Version 3</a>\n        <span class="badge warn">Takes effect {later:%-d %b %Y}</span>' in page


# -- the diff page ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ALL)
def test_every_role_compares_released_versions(network, draft, persona):
    doc = copy.deepcopy(small_standard_doc())
    doc["touch_points"][0]["criteria"].append({"key": "phone_name_given", "prompt": "Name given", "kind": "boolean"})
    del doc["touch_points"][2]
    services.version_replace_contents(version=draft, doc=parse_document(doc))
    services.version_publish(version=draft)
    answer = signed_in(getattr(network, persona)).get("/app/standard/diff/?from=1&to=2")
    assert answer.status_code == 200
    page = text(answer)
    assert "<title>Standard: version 1 to version 2 · Touchpoint</title>" in page
    assert "+</span> Added" in page and "Name given" in page
    assert "−</span> Removed" in page and "On time" in page and "Delivery" in page
    assert "3 changes:</strong> 1 criterion added, 1 criterion removed, 1 touch point removed." in page


def test_the_diff_page_refuses_what_the_api_refuses(network, standard):
    client = signed_in(network.auditor)
    answer = client.get("/app/standard/diff/?from=x&to=1")
    assert answer.status_code == 400 and "from: A valid integer is required." in text(answer)
    answer = client.get("/app/standard/diff/?from=1&to=5")
    assert answer.status_code == 404 and "to: The standard has no version 5." in text(answer)
    answer = client.get("/app/standard/diff/?from=1&to=1")
    assert answer.status_code == 200 and "No differences" in text(answer)
    answer = client.get("/app/standard/diff/")
    assert answer.status_code == 200 and "Compare versions of the standard" in text(answer)


def test_the_pages_cost_a_constant_number_of_queries(network, draft, django_assert_num_queries):
    client = signed_in(network.head_office)
    client.get("/app/standard/")  # the session and the user, read once, as every request after sign-in
    # The session, the user, their role; the standard and the versions (twice: once for the list, once for the
    # one read); the version in force; the version read with its touch points and criteria (3).
    with django_assert_num_queries(10):
        assert client.get("/app/standard/").status_code == 200
    # The list and the version in force (4 as above, with the role), then each side with its contents (4 each).
    with django_assert_num_queries(14):
        assert client.get("/app/standard/diff/?from=1&to=2").status_code == 200
    # A standard five times the size costs the same.
    doc = copy.deepcopy(small_standard_doc())
    doc["touch_points"] += [{"key": f"extra{i}", "name": f"Extra {i}", "criteria": [
        {"key": f"extra{i}_{j}", "prompt": "More", "kind": "boolean"} for j in range(5)]} for i in range(6)]
    services.version_replace_contents(version=draft, doc=parse_document(doc))
    with django_assert_num_queries(10):
        assert client.get("/app/standard/?version=2").status_code == 200
    with django_assert_num_queries(14):
        assert client.get("/app/standard/diff/?from=1&to=2").status_code == 200


def test_the_diff_page_shows_touch_points_renamed_reordered_and_a_criterion_moved(network, draft):
    doc = copy.deepcopy(small_standard_doc())
    phone, restroom, delivery = doc["touch_points"]
    restroom.update(name="Restrooms", why="Care shows here")
    restroom["criteria"].append(phone["criteria"].pop(1))  # phone_greeting moves to the restroom
    doc["touch_points"] = [delivery, phone, restroom]
    services.version_replace_contents(version=draft, doc=parse_document(doc))
    page = " ".join(text(signed_in(network.head_office).get("/app/standard/diff/?from=1&to=2")).split())
    assert ("3 changes:</strong> 1 criterion changed, 1 touch point renamed or reworded, the touch points "
            "reordered.") in page
    becomes = '<span aria-hidden="true">→</span><span class="visually-hidden"> becomes </span>'
    assert f'Name:</span> <span class="std-before">Restroom</span> {becomes} <span class="std-after">Restrooms' in page
    assert f'Why it matters:</span> <span class="std-before">(empty)</span> {becomes}' in page
    assert (f'Order:</span> <span class="std-before">phone, restroom, delivery</span> {becomes} '
            '<span class="std-after">delivery, phone, restroom') in page
    assert (f'Touch point:</span> <span class="std-before">phone</span> {becomes} '
            '<span class="std-after">restroom') in page
