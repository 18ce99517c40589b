"""Each person chooses how they get each event, over the API (``/api/v1/me/notifications/``) and on
/app/notifications/ (every role); publish() follows the choice (digest: held; off: nothing stored)."""

from __future__ import annotations

import pytest
from django.test import Client

from notify.events import DEFAULT_MODES, Event, Mode
from notify.models import Notice, NoticeStatus, Preference
from notify.services.publish import Occurrence, publish

pytestmark = pytest.mark.django_db

ROLES = ["manager_a", "head_office", "auditor", "auditor_b1", "shopper", "accountant"]


def test_every_event_is_listed_with_its_mode_and_default(network, api, django_assert_max_num_queries):
    Preference.objects.create(user=network.manager_a, event=Event.CHECK_REMINDER, mode=Mode.OFF)
    client = api(network.manager_a)
    with django_assert_max_num_queries(3):  # the token, its refresh, the preferences
        body = client.get("/api/v1/me/notifications/").json()
    assert [e["event"] for e in body["events"]] == Event.values
    by_event = {e["event"]: e for e in body["events"]}
    assert by_event["check.reminder"] == {"event": "check.reminder", "label": "Today's check is not in by the site's "
                                          "cutoff", "mode": "off", "default_mode": "immediate", "chosen": True}
    assert by_event["photo.cleared"]["mode"] == "digest" and not by_event["photo.cleared"]["chosen"]
    assert all(by_event[e]["default_mode"] == DEFAULT_MODES[e] for e in Event.values)
    assert body["digest_hour_utc"] == 7


def test_a_person_sets_some_and_keeps_the_others(network, api):
    client = api(network.auditor)
    answer = client.put("/api/v1/me/notifications/", {"events": [
        {"event": "check.missed", "mode": "digest"}, {"event": "report.monthly_pack", "mode": "immediate"}]},
        format="json")
    assert answer.status_code == 200, answer.content
    modes = {e["event"]: e["mode"] for e in answer.json()["events"]}
    assert modes["check.missed"] == "digest" and modes["report.monthly_pack"] == "immediate"
    assert modes["check.reminder"] == "immediate"
    client.put("/api/v1/me/notifications/", {"events": [{"event": "check.missed", "mode": "off"}]}, format="json")
    assert dict(Preference.objects.filter(user=network.auditor).values_list("event", "mode")) == {
        "check.missed": "off", "report.monthly_pack": "immediate"}
    assert not Preference.objects.exclude(user=network.auditor).exists()  # one's own only


@pytest.mark.parametrize("body, field", [
    ({"events": [{"event": "check.nope", "mode": "off"}]}, "events[0].event"),
    ({"events": [{"event": "check.missed", "mode": "off"}, {"event": "check.missed", "mode": "weekly"}]},
     "events[1].event"),
    ({"events": [{"event": "check.missed", "mode": "hourly"}]}, "events[0].mode"),
    ({"events": [{"event": "check.missed"}]}, "events[0].mode"),
    ({"events": [{"event": ["check.missed"], "mode": {"x": 1}}]}, "events[0].event"),
    ({"events": ["check.missed"]}, "events[0]"),
    ({"events": "check.missed"}, "events"),
    ({}, "events"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(network, api, body, field):
    answer = api(network.manager_a).put("/api/v1/me/notifications/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["field"] == field and answer.json()["message"].startswith(f"{field}: ")
    assert not Preference.objects.exists()


def test_a_bad_mode_and_a_good_one_together_store_neither(network, api):
    answer = api(network.manager_a).put("/api/v1/me/notifications/", {"events": [
        {"event": "check.missed", "mode": "off"}, {"event": "check.reminder", "mode": "loud"}]}, format="json")
    assert answer.status_code == 400 and answer.json()["field"] == "events[1].mode"
    assert not Preference.objects.exists()


def test_publish_follows_the_preference(network):
    Preference.objects.create(user=network.manager_a, event=Event.CHECK_MISSED, mode=Mode.DIGEST)
    Preference.objects.create(user=network.head_office, event=Event.CHECK_MISSED, mode=Mode.OFF)
    published = publish([Occurrence(event=Event.CHECK_MISSED, key="A1:2026-12-04",
                                    recipients=[network.manager_a.pk, network.head_office.pk, network.auditor.pk])])
    assert published.held == 1 and len(published.notices) == 1
    assert dict(Notice.objects.values_list("recipient__username", "status")) == {
        "manager.a1": NoticeStatus.HELD, "auditor": NoticeStatus.PENDING}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ROLES)
def test_every_role_reaches_the_page_and_changes_a_mode(network, who, django_assert_max_num_queries):
    user = getattr(network, who)
    Notice.objects.create(event=Event.CHECK_MISSED, key="A1:2026-12-04", recipient=user, site=network.a1,
                          status=NoticeStatus.SENT, link="/app/sites/A1/")
    client = signed_in(user)
    with django_assert_max_num_queries(7):  # session, user, profile, preferences, notices (+site), nav
        page = client.get("/app/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="radio" name="mode"') == 3 * len(Event.values)
    assert 'href="/app/notifications/" aria-current="page"' in html
    assert "A site missed a day&#x27;s check</a>" in html and ">Sent</span>" in html

    saved = client.post("/app/notifications/", {"event": "check.missed", "mode": "digest"})
    assert saved.status_code == 302 and saved.url == "/app/notifications/#event-check-missed"
    assert Preference.objects.get(user=user).mode == "digest"
    assert "A site missed a day&#x27;s check: In a daily digest." in client.get(saved.url).content.decode()


def test_the_page_refuses_a_bad_form_and_a_stranger(network):
    client = signed_in(network.manager_a)
    bad = client.post("/app/notifications/", {"event": "check.missed", "mode": "loud"})
    assert bad.status_code == 400
    assert "mode: &#x27;loud&#x27; is not a mode" in bad.content.decode()
    unknown = client.post("/app/notifications/", {"event": "nothing", "mode": "off"})
    assert unknown.status_code == 400 and "event: &#x27;nothing&#x27; is not an event" in unknown.content.decode()
    assert not Preference.objects.exists()
    stranger = Client().get("/app/notifications/")
    assert stranger.status_code == 302 and stranger.url.startswith("/accounts/login/")
