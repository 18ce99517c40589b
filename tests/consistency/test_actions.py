"""Corrective actions: opened by failed critical criteria, listed by role, resolved with a note and proof."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from consistency.models import CorrectiveAction, Evidence
from consistency.selectors.actions import action_list
from tests.conftest import client_for

from .checks_support import check_body, local_today, submit, wait_until_blocked

pytestmark = pytest.mark.django_db

FAIL_GREETING = {"phone_greeting": False}                 # critical, no photo needed
FAIL_RESTROOM = {"restroom_clean": 2}                     # critical, needs one photo
FAIL_RINGS = {"phone_rings": 9}                           # not critical


def fail(network, site="a1", values=None, day=None):
    site_obj = getattr(network, site)
    user = network.manager_a if site == "a1" else network.manager_b if site == "b1" else network.head_office
    response = submit(client_for(user), site_obj.code, check_body(site_obj, values=values, day=day))
    assert response.status_code == 201, response.content
    return response.json()


def test_only_failed_critical_criteria_open_actions(network, standard):
    data = fail(network, values={**FAIL_GREETING, **FAIL_RESTROOM, **FAIL_RINGS})
    assert sorted(a["criterion"] for a in data["actions"]) == ["phone_greeting", "restroom_clean"]
    assert CorrectiveAction.objects.filter(site=network.a1, status="open").count() == 2


def test_the_due_date_is_configurable(network, standard):
    with override_settings(CORRECTIVE_ACTION_DUE_DAYS=7):
        data = fail(network, values=FAIL_GREETING)
    assert data["actions"][0]["due_on"] == str(local_today(network.a1) + dt.timedelta(days=7))


def test_a_late_checks_action_is_due_counting_from_the_day_it_was_reported(network, standard):
    # A check for five days ago opened an action due two days ago: overdue before anyone knew of it.
    today = local_today(network.a1)
    data = fail(network, values=FAIL_GREETING, day=today - dt.timedelta(days=5))
    assert data["late"] is True
    assert data["actions"][0]["due_on"] == str(today + dt.timedelta(days=3))
    assert not action_list(user=network.head_office, status="overdue").exists()


@pytest.mark.parametrize(("persona", "status", "count"), [("manager_a", 200, 1), ("auditor", 200, 1),
                                                          ("head_office", 200, 1), ("manager_b", 404, 0),
                                                          ("auditor_b1", 404, 0)])
def test_who_lists_a_sites_actions(network, standard, persona, status, count):
    fail(network, values=FAIL_GREETING)
    response = client_for(getattr(network, persona)).get("/api/v1/sites/A1/actions/")
    assert response.status_code == status
    if status == 200:
        assert response.json()["count"] == count
        item = response.json()["results"][0]
        assert item["site"] == "A1" and item["criterion"] == "phone_greeting" and item["status"] == "open"


@pytest.mark.parametrize(("persona", "sites"), [("head_office", {"A1", "B1"}), ("manager_a", {"A1"}),
                                                ("manager_b", {"B1"}), ("auditor", {"A1"}), ("auditor_b1", {"B1"})])
def test_the_network_list_is_scoped_by_role(network, standard, persona, sites):
    fail(network, values=FAIL_GREETING)
    fail(network, site="b1", values=FAIL_GREETING)
    response = client_for(getattr(network, persona)).get("/api/v1/actions/?status=open")
    assert {a["site"] for a in response.json()["results"]} == sites


def test_overdue_uses_each_sites_local_date(network, standard):
    a = fail(network, values=FAIL_GREETING)["actions"][0]
    b = fail(network, site="b1", values=FAIL_GREETING)["actions"][0]
    CorrectiveAction.objects.filter(pk__in=[a["id"], b["id"]]).update(due_on=dt.date(2026, 3, 10))
    # 12:00 UTC on 10 March: Auckland is on the 11th (its action is overdue), New York on the 10th (not yet).
    now = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    overdue = action_list(user=network.head_office, status="overdue", now=now)
    assert [x.site.code for x in overdue] == ["A1"]
    later = action_list(user=network.head_office, status="overdue", now=now + dt.timedelta(hours=18))
    assert [x.site.code for x in later] == ["A1", "B1"]


def test_the_status_filter(network, standard):
    data = fail(network, values={**FAIL_GREETING, **FAIL_RESTROOM})
    greeting = next(a for a in data["actions"] if a["criterion"] == "phone_greeting")
    client = client_for(network.manager_a)
    assert client.post(f"/api/v1/actions/{greeting['id']}/resolve/", {"note": "retrained"}, format="json").status_code == 200
    assert [a["criterion"] for a in client.get("/api/v1/sites/A1/actions/").json()["results"]] == ["restroom_clean"]
    resolved = client.get("/api/v1/sites/A1/actions/?status=resolved").json()["results"]
    assert [a["criterion"] for a in resolved] == ["phone_greeting"]
    assert resolved[0]["resolved_by"] == "manager.a1" and resolved[0]["resolution_note"] == "retrained"
    assert client.get("/api/v1/sites/A1/actions/?status=all").json()["count"] == 2
    bad = client.get("/api/v1/actions/?status=late")
    assert bad.status_code == 400 and bad.json()["field"] == "status"


def test_resolving_needs_a_note(network, standard):
    action = fail(network, values=FAIL_GREETING)["actions"][0]
    client = client_for(network.manager_a)
    for body in ({}, {"note": ""}, {"note": "   "}):
        response = client.post(f"/api/v1/actions/{action['id']}/resolve/", body, format="json")
        assert response.status_code == 400 and response.json()["field"] == "note"
    too_long = client.post(f"/api/v1/actions/{action['id']}/resolve/", {"note": "x" * 2001}, format="json")
    assert too_long.status_code == 400 and too_long.json()["field"] == "note"
    assert CorrectiveAction.objects.get().status == "open"


def test_resolving_twice_is_a_409(network, standard):
    action = fail(network, values=FAIL_GREETING)["actions"][0]
    client = client_for(network.manager_a)
    assert client.post(f"/api/v1/actions/{action['id']}/resolve/", {"note": "done"}, format="json").status_code == 200
    again = client.post(f"/api/v1/actions/{action['id']}/resolve/", {"note": "done"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_resolved"


@pytest.mark.parametrize(("persona", "status"), [("manager_b", 404), ("auditor_b1", 404), ("auditor", 403),
                                                 ("head_office", 200)])
def test_who_may_resolve(network, standard, persona, status):
    action = fail(network, values=FAIL_GREETING)["actions"][0]
    response = client_for(getattr(network, persona)).post(f"/api/v1/actions/{action['id']}/resolve/",
                                                          {"note": "done"}, format="json")
    assert response.status_code == status
    assert CorrectiveAction.objects.get().status == ("resolved" if status == 200 else "open")


def attach(action_id, network, status):
    action = CorrectiveAction.objects.get(pk=action_id)
    return Evidence.objects.create(action=action, criterion=action.criterion, site=action.site,
                                   uploaded_by=network.manager_a, key=f"test/{uuid.uuid4()}.jpg",
                                   declared_content_type="image/jpeg", declared_size=1000,
                                   declared_sha256="0" * 64, status=status)


def test_a_photo_criterion_needs_verified_evidence_on_the_action(network, standard):
    action = fail(network, values=FAIL_RESTROOM)["actions"][0]
    client = client_for(network.manager_a)
    url = f"/api/v1/actions/{action['id']}/resolve/"
    refused = client.post(url, {"note": "cleaned"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "evidence" and refused.json()["code"] == "evidence_required"
    attach(action["id"], network, "pending")
    attach(action["id"], network, "rejected")
    assert client.post(url, {"note": "cleaned"}, format="json").status_code == 400
    attach(action["id"], network, "verified")
    response = client.post(url, {"note": "cleaned"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "resolved"


def test_photos_of_the_check_do_not_count_for_the_action(network, standard):
    data = fail(network, values=FAIL_RESTROOM)
    action = CorrectiveAction.objects.get()
    Evidence.objects.create(daily_check_id=data["id"], criterion=action.criterion, site=action.site,
                            uploaded_by=network.manager_a, key="test/check-photo.jpg",
                            declared_content_type="image/jpeg", declared_size=1, declared_sha256="0" * 64,
                            status="verified")
    response = client_for(network.manager_a).post(f"/api/v1/actions/{action.pk}/resolve/", {"note": "x"},
                                                  format="json")
    assert response.status_code == 400


def test_listing_actions_is_a_fixed_number_of_queries(network, standard):
    client = client_for(network.head_office)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    today = local_today(network.a1)
    fail(network, values=FAIL_GREETING)
    CorrectiveAction.objects.update(due_on=today - dt.timedelta(days=10))  # so that "overdue" lists one
    one_site, one_network, one_overdue = (queries("/api/v1/sites/A1/actions/"), queries("/api/v1/actions/"),
                                          queries("/api/v1/actions/?status=overdue"))
    for n in range(1, 5):
        fail(network, values={**FAIL_GREETING, **FAIL_RESTROOM}, day=today - dt.timedelta(days=n))
        fail(network, site="b1", values=FAIL_RESTROOM, day=local_today(network.b1) - dt.timedelta(days=n))
    assert CorrectiveAction.objects.count() == 13
    assert queries("/api/v1/sites/A1/actions/") == one_site == 5
    assert queries("/api/v1/actions/") == one_network == 4
    assert queries("/api/v1/actions/?status=overdue") == one_overdue == 5


@pytest.mark.django_db(transaction=True)
def test_an_amendment_never_overwrites_a_resolution_given_meanwhile(network, standard, monkeypatch):
    """The manager resolves the action while the check that opened it is being amended to meet the criterion.
    The manager's resolution stands, with its note: the amendment resolves only actions still open once it
    holds them."""
    import threading

    first = fail(network, values=FAIL_GREETING)
    action_id = first["actions"][0]["id"]
    paused, release = threading.Event(), threading.Event()
    real_save = CorrectiveAction.save

    def save(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        if threading.current_thread().name == "resolve":
            paused.set()  # saved, not yet committed: the resolution holds the action's lock
            assert release.wait(30)

    monkeypatch.setattr(CorrectiveAction, "save", save)
    outcome = {}

    def resolve():
        from django.db import connection as thread_connection

        try:
            outcome["resolve"] = client_for(network.manager_a).post(
                f"/api/v1/actions/{action_id}/resolve/", {"note": "Greeted every caller; retrained Sam."},
                format="json").status_code
        finally:
            thread_connection.close()

    def amend():
        from django.db import connection as thread_connection

        try:
            outcome["amend"] = submit(client_for(network.manager_a), "A1", check_body(
                network.a1, amends=first["id"], reason="Greeting was given; misread")).status_code
        finally:
            thread_connection.close()

    resolving = threading.Thread(target=resolve, name="resolve")
    resolving.start()
    assert paused.wait(30)
    amending = threading.Thread(target=amend, name="amend")
    amending.start()
    wait_until_blocked(amending)
    release.set()
    resolving.join(30)
    amending.join(30)

    assert outcome == {"resolve": 200, "amend": 201}
    action = CorrectiveAction.objects.get(pk=action_id)
    assert action.status == "resolved" and action.resolved_by == network.manager_a
    assert action.resolution_note == "Greeted every caller; retrained Sam."
    assert CorrectiveAction.objects.count() == 1


def test_an_amendment_does_not_reopen_a_failure_already_resolved(network, standard):
    client = client_for(network.manager_a)
    first = fail(network, values=FAIL_GREETING)
    action = first["actions"][0]["id"]
    assert client.post(f"/api/v1/actions/{action}/resolve/", {"note": "Retrained the team."},
                       format="json").status_code == 200
    # A typo elsewhere is corrected; the greeting failure of that day is unchanged and already dealt with.
    amended = submit(client, "A1", check_body(network.a1, values={**FAIL_GREETING, "phone_rings": 3},
                                              amends=first["id"], reason="rings recounted"))
    assert amended.status_code == 201
    assert [(a["id"], a["status"]) for a in amended.json()["actions"]] == [(action, "resolved")]  # carried, not new
    kept = CorrectiveAction.objects.get()
    assert kept.pk == action and kept.status == "resolved" and kept.resolution_note == "Retrained the team."
    assert kept.daily_check_id == amended.json()["id"]  # it goes with the current check of the day


def test_an_amendment_does_not_close_a_photo_action_without_its_proof(network, standard):
    client = client_for(network.manager_a)
    first = fail(network, values=FAIL_RESTROOM)
    action = first["actions"][0]["id"]
    direct = client.post(f"/api/v1/actions/{action}/resolve/", {"note": "Cleaned it."}, format="json")
    assert direct.status_code == 400 and direct.json()["code"] == "evidence_required"
    # Amending the score instead, with no photo anywhere: met, but not passed, so the action stays open.
    amended = submit(client, "A1", check_body(network.a1, amends=first["id"], reason="It was clean really"))
    assert amended.status_code == 201
    restroom = next(r for r in amended.json()["results"] if r["criterion"] == "restroom_clean")
    assert restroom["met"] is True and restroom["passed"] is False
    kept = CorrectiveAction.objects.get(pk=action)
    assert kept.status == "open" and kept.daily_check_id == amended.json()["id"]
    assert CorrectiveAction.objects.count() == 1
    # The answer and the check's detail both show it: the day's open action now belongs to the amendment.
    assert [(a["id"], a["status"]) for a in amended.json()["actions"]] == [(action, "open")]
    detail = client.get(f"/api/v1/checks/{amended.json()['id']}/").json()
    assert detail["actions"] == amended.json()["actions"]
    assert client.get(f"/api/v1/checks/{first['id']}/").json()["actions"] == []


def test_the_photo_of_the_failure_is_no_proof_of_the_fix(network, standard, settings):
    # The morning's check photographs the dirty restroom; the very same photo attached to the action was
    # accepted as proof that it was cleaned, by either way in.
    from .evidence_factories import multipart, photo, post_form, sha

    if settings.STORAGE_BACKEND != "s3":
        pytest.skip("needs the S3 endpoint of scripts/test.sh")
    client = client_for(network.manager_a)
    data = fail(network, values=FAIL_RESTROOM)
    action = data["actions"][0]["id"]
    dirty = photo(seed=401)
    declared = {"content_type": "image/jpeg", "size": len(dirty), "sha256": sha(dirty)}
    early = client.post(f"/api/v1/actions/{action}/evidence/", declared, format="json").json()  # before the check's
    given = client.post(f"/api/v1/checks/{data['id']}/evidence/", multipart(dirty, criterion="restroom_clean"),
                        format="multipart")
    assert given.status_code == 201
    again = client.post(f"/api/v1/actions/{action}/evidence/", multipart(dirty), format="multipart")
    assert again.status_code == 409 and again.json()["code"] == "photo_of_a_check"
    assert given.json()["id"] in again.json()["message"]
    asked = client.post(f"/api/v1/actions/{action}/evidence/", declared, format="json")
    assert asked.status_code == 409 and asked.json()["code"] == "photo_of_a_check"
    # Asked for before the check's photo was given, and confirmed after: refused on confirmation.
    post_form(early["upload"]["url"], early["upload"]["fields"], dirty)
    confirmed = client.post(f"/api/v1/evidence/{early['id']}/confirm/")
    assert confirmed.status_code == 409 and "given for the check of" in confirmed.json()["message"]
    assert client.post(f"/api/v1/actions/{action}/resolve/", {"note": "cleaned"}, format="json").status_code == 400
    # A photo taken since is the proof.
    assert client.post(f"/api/v1/actions/{action}/evidence/", multipart(photo(seed=403)),
                       format="multipart").status_code == 201
    assert client.post(f"/api/v1/actions/{action}/resolve/", {"note": "cleaned"}, format="json").status_code == 200


def test_an_overdue_action_reads_overdue_wherever_the_api_shows_it(network, standard):
    data = fail(network, values=FAIL_GREETING)
    action_id = data["actions"][0]["id"]
    assert data["actions"][0]["status"] == "open"
    CorrectiveAction.objects.filter(pk=action_id).update(due_on=local_today(network.a1) - dt.timedelta(days=1))
    client = client_for(network.manager_a)
    for url in ("/api/v1/sites/A1/actions/", "/api/v1/actions/?status=overdue", "/api/v1/actions/?status=all"):
        assert [a["status"] for a in client.get(url).json()["results"]] == ["overdue"], url
    assert client.get(f"/api/v1/checks/{data['id']}/").json()["actions"][0]["status"] == "overdue"
    # An amendment that still fails carries it over: its answer says overdue too.
    amended = submit(client, "A1", check_body(network.a1, values=FAIL_GREETING, amends=data["id"], reason="x"))
    assert [(a["id"], a["status"]) for a in amended.json()["actions"]] == [(action_id, "overdue")]
    # Stored, it is still an open action (resolving it is what closes it), and due today is not overdue.
    assert CorrectiveAction.objects.get(pk=action_id).status == "open"
    CorrectiveAction.objects.filter(pk=action_id).update(due_on=local_today(network.a1))
    assert client.get("/api/v1/sites/A1/actions/").json()["results"][0]["status"] == "open"
    resolved = client.post(f"/api/v1/actions/{action_id}/resolve/", {"note": "retrained"}, format="json")
    assert resolved.json()["status"] == "resolved"


def test_the_overdue_shown_is_the_overdue_listed(network, standard):
    """``status_shown`` (one action) and ``overdue_q`` (the filter) are the same rule, at every hour of a day
    across sites in time zones on both sides of UTC."""
    from consistency.services.actions import status_shown

    for site in ("a1", "b1"):
        for days_back in (0, 1):
            fail(network, site=site, values=FAIL_GREETING,
                 day=local_today(getattr(network, site)) - dt.timedelta(days=days_back))
    CorrectiveAction.objects.update(due_on=dt.date(2026, 3, 10))
    CorrectiveAction.objects.filter(pk=CorrectiveAction.objects.order_by("id").first().pk).update(status="resolved")
    for hour in range(0, 72, 3):
        now = dt.datetime(2026, 3, 9, tzinfo=dt.UTC) + dt.timedelta(hours=hour)
        listed = set(action_list(user=network.head_office, status="overdue", now=now).values_list("pk", flat=True))
        shown = {a.pk for a in CorrectiveAction.objects.select_related("site")
                 if status_shown(a, now=now) == "overdue"}
        assert listed == shown, now
