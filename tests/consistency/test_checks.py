"""Submitting a daily check: judging, one per day, amendments, late and refused days, and roles."""

import datetime as dt

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from consistency.models import CheckResult, CorrectiveAction, DailyCheck, IdempotencyRecord
from tests.conftest import client_for

from .checks_support import check_body, local_today, submit

pytestmark = pytest.mark.django_db


def test_submission_judges_every_result_against_the_version_in_force(network, standard):
    body = check_body(network.a1, values={"phone_rings": 5, "phone_greeting": False, "restroom_clean": 4,
                                         "delivery_on_time_pct": 93.5})
    response = submit(client_for(network.manager_a), "A1", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["site"] == "A1" and data["version"] == standard.number
    assert data["date"] == local_today(network.a1).isoformat()
    assert data["late"] is False and data["is_current"] is True
    results = {r["criterion"]: r for r in data["results"]}
    # lte 3 rings, tolerance 0: 5 rings is 2 over, scaled by the target 3.
    assert results["phone_rings"]["met"] is False
    assert results["phone_rings"]["deviation"] == pytest.approx(2 / 3, abs=1e-6)
    assert results["phone_greeting"] == {**results["phone_greeting"], "value": False, "met": False, "deviation": 1.0}
    # Score 4 meets the target 4, but the criterion needs a photo, and none is verified at submission.
    assert results["restroom_clean"]["met"] is True and results["restroom_clean"]["passed"] is False
    # gte 95 with tolerance 2: 93.5 is inside the band.
    assert results["delivery_on_time_pct"]["met"] is True and results["delivery_on_time_pct"]["passed"] is True
    # Weighted: only delivery (weight 1) of 2 + 1 + 3 + 1 passed.
    assert data["score"] == pytest.approx(1 / 7, abs=1e-6)
    stored = CheckResult.objects.filter(daily_check_id=data["id"])
    assert stored.count() == 4
    assert all(r.site_id == network.a1.pk and r.date == local_today(network.a1) and r.is_current for r in stored)
    # The failed critical criterion (greeting) opens an action; the met-but-unphotographed one does not.
    assert [a["criterion"] for a in data["actions"]] == ["phone_greeting"]
    action = CorrectiveAction.objects.get()
    assert action.due_on == local_today(network.a1) + dt.timedelta(days=3)


def test_detail_returns_what_was_stored_with_an_evidence_list(network, standard):
    created = submit(client_for(network.manager_a), "A1", check_body(network.a1)).json()
    detail = client_for(network.auditor).get(f"/api/v1/checks/{created['id']}/")
    assert detail.status_code == 200
    body = detail.json()
    assert body["results"] == created["results"]
    assert body["evidence"] == []
    assert body["performed_at"] and body["received_at"] and body["client_id"] == created["client_id"]


def test_performed_at_is_kept_beside_received_at(network, standard):
    day = local_today(network.a1) - dt.timedelta(days=1)
    performed = dt.datetime.combine(day, dt.time(8, 10), tzinfo=network.a1.tz)  # done offline yesterday morning
    body = check_body(network.a1, day=day, performed_at=performed.isoformat())
    data = submit(client_for(network.manager_a), "A1", body).json()
    check = DailyCheck.objects.get(pk=data["id"])
    assert check.performed_at == performed
    # The answer gives it as the check reads back (UTC), not in the phone's offset.
    detail = client_for(network.manager_a).get(f"/api/v1/checks/{data['id']}/").json()
    assert data["performed_at"] == detail["performed_at"] and data["performed_at"].endswith("+00:00")
    assert check.received_at > check.performed_at
    assert check.late is True and data["late"] is True


def test_second_check_of_the_day_is_a_409_and_nothing_is_stored(network, standard):
    client = client_for(network.manager_a)
    first = submit(client, "A1", check_body(network.a1))
    second = submit(client, "A1", check_body(network.a1))
    assert second.status_code == 409
    assert second.json()["code"] == "check_exists" and second.json()["field"] == "date"
    assert f"\"amends\": {first.json()['id']}" in second.json()["message"]
    assert DailyCheck.objects.count() == 1 and CheckResult.objects.count() == 4


def test_same_client_id_twice_is_a_409_naming_client_id(network, standard):
    client = client_for(network.manager_a)
    body = check_body(network.a1)
    assert submit(client, "A1", body).status_code == 201
    again = submit(client, "A1", body)
    assert again.status_code == 409 and again.json()["field"] == "client_id"


def test_following_the_409s_advice_amends_the_check(network, standard):
    client = client_for(network.manager_a)
    body = check_body(network.a1, values={"phone_greeting": False})
    first = submit(client, "A1", body).json()
    conflict = submit(client, "A1", check_body(network.a1))
    assert conflict.status_code == 409 and "a new \"client_id\"" in conflict.json()["message"]
    # The amendment carrying the client_id of the check it replaces is told exactly that (it was a 409
    # "duplicate_client_id ... stored before", which a phone reads as "my correction is saved").
    same_id = submit(client, "A1", {**body, "amends": first["id"], "reason": "greeting was given"})
    assert same_id.status_code == 400 and same_id.json()["code"] == "client_id_of_amended_check"
    assert same_id.json()["field"] == "client_id" and DailyCheck.objects.get(pk=first["id"]).is_current
    advised = submit(client, "A1", check_body(network.a1, amends=first["id"], reason="greeting was given"))
    assert advised.status_code == 201 and advised.json()["amends"] == first["id"]


def test_an_amendment_keeps_the_earlier_check_in_history(network, standard):
    client = client_for(network.manager_a)
    first = submit(client, "A1", check_body(network.a1, values={"phone_greeting": False})).json()
    amended = submit(client, "A1", check_body(network.a1, amends=first["id"], reason="Greeting was given; misread"))
    assert amended.status_code == 201, amended.content
    new = amended.json()
    assert new["amends"] == first["id"] and new["amendment_reason"] == "Greeting was given; misread"
    old = DailyCheck.objects.get(pk=first["id"])
    assert old.is_current is False and old.superseded_at is not None
    assert not CheckResult.objects.filter(daily_check=old, is_current=True).exists()
    assert CheckResult.objects.filter(is_current=True).count() == 4
    # The greeting is now met: the action the first check opened is resolved by the amendment.
    action = CorrectiveAction.objects.get()
    assert action.status == "resolved" and "Amended check" in action.resolution_note
    # The auditor sees both, with the link between them.
    history = client_for(network.auditor).get("/api/v1/sites/A1/checks/?history=true").json()["results"]
    assert [c["id"] for c in history] == [new["id"], first["id"]]
    assert client_for(network.auditor).get(f"/api/v1/checks/{first['id']}/").json()["amended_by"] == new["id"]
    current = client_for(network.auditor).get("/api/v1/sites/A1/checks/").json()["results"]
    assert [c["id"] for c in current] == [new["id"]]


def test_an_amendment_that_still_fails_carries_the_action_over(network, standard):
    client = client_for(network.manager_a)
    first = submit(client, "A1", check_body(network.a1, values={"phone_greeting": False})).json()
    new = submit(client, "A1", check_body(network.a1, values={"phone_greeting": False, "phone_rings": 1},
                                          amends=first["id"], reason="rings recounted")).json()
    action = CorrectiveAction.objects.get()
    assert action.status == "open" and action.daily_check_id == new["id"]


def test_amending_needs_a_reason_and_the_current_check(network, standard):
    client = client_for(network.manager_a)
    first = submit(client, "A1", check_body(network.a1)).json()
    no_reason = submit(client, "A1", check_body(network.a1, amends=first["id"]))
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    ok = submit(client, "A1", check_body(network.a1, amends=first["id"], reason="typo"))
    assert ok.status_code == 201
    stale = submit(client, "A1", check_body(network.a1, amends=first["id"], reason="again"))
    assert stale.status_code == 409 and stale.json()["code"] == "already_amended"
    unknown = submit(client, "A1", check_body(network.a1, amends=999999, reason="x"))
    assert unknown.status_code == 404 and unknown.json()["field"] == "amends"
    assert DailyCheck.objects.count() == 2


def test_a_check_of_another_site_cannot_be_amended_through_mine(network, standard):
    b_check = submit(client_for(network.manager_b), "B1", check_body(network.b1)).json()
    response = submit(client_for(network.manager_a), "A1",
                      check_body(network.a1, amends=b_check["id"], reason="hijack"))
    assert response.status_code == 404
    assert DailyCheck.objects.get(pk=b_check["id"]).is_current is True


@pytest.mark.parametrize("days_ago", [1, 7])
def test_a_past_day_within_the_window_is_accepted_and_flagged_late(network, standard, days_ago):
    day = local_today(network.a1) - dt.timedelta(days=days_ago)
    response = submit(client_for(network.manager_a), "A1", check_body(network.a1, day=day))
    assert response.status_code == 201 and response.json()["late"] is True


def test_the_late_window_is_a_setting(network, standard):
    day = local_today(network.a1) - dt.timedelta(days=8)
    client = client_for(network.manager_a)
    refused = submit(client, "A1", check_body(network.a1, day=day))
    assert refused.status_code == 400 and refused.json()["code"] == "too_late"
    with override_settings(LATE_CHECK_WINDOW_DAYS=10):
        assert submit(client, "A1", check_body(network.a1, day=day)).status_code == 201


def test_a_future_local_day_is_refused(network, standard):
    tomorrow = local_today(network.b1) + dt.timedelta(days=1)
    response = submit(client_for(network.manager_b), "B1", check_body(network.b1, day=tomorrow))
    assert response.status_code == 400
    assert response.json()["field"] == "date" and response.json()["code"] == "future_date"
    assert not DailyCheck.objects.exists()


def test_a_day_before_the_site_opened_is_refused(network, standard):
    network.a1.opened_on = local_today(network.a1) - dt.timedelta(days=1)
    network.a1.save()
    day = local_today(network.a1) - dt.timedelta(days=2)
    response = submit(client_for(network.manager_a), "A1", check_body(network.a1, day=day))
    assert response.status_code == 400 and response.json()["code"] == "before_opening"


def test_the_local_date_decides_not_the_server_date(network, standard):
    # Auckland is ahead of UTC and New York behind it: each site's own today is accepted, never refused.
    for site, manager in [(network.a1, network.manager_a), (network.b1, network.manager_b)]:
        response = submit(client_for(manager), site.code, check_body(site, day=local_today(site)))
        assert response.status_code == 201, (site.code, response.content)
        assert response.json()["late"] is False


@pytest.mark.parametrize(
    ("persona", "site", "status"),
    [
        ("manager_a", "B1", 404),     # another manager's site: not even its existence
        ("manager_a", "A2", 404),     # same region, not mine
        ("auditor", "A1", 403),       # readable, never writable
        ("auditor_b1", "B1", 403),
        ("head_office", "A2", 201),
    ],
)
def test_who_may_submit(network, standard, persona, site, status):
    site_obj = getattr(network, site.lower())
    response = submit(client_for(getattr(network, persona)), site, check_body(site_obj))
    assert response.status_code == status
    if status != 201:
        assert response.json()["field"] == "code"
        assert not DailyCheck.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("manager_a", 200), ("auditor", 200), ("head_office", 200),
                                                 ("manager_b", 404), ("auditor_b1", 404)])
def test_who_may_read_a_check(network, standard, persona, status):
    created = submit(client_for(network.manager_a), "A1", check_body(network.a1)).json()
    assert client_for(getattr(network, persona)).get(f"/api/v1/checks/{created['id']}/").status_code == status
    listing = client_for(getattr(network, persona)).get("/api/v1/sites/A1/checks/")
    assert listing.status_code == status


def test_anonymous_is_refused(network, standard):
    assert submit(client_for(), "A1", check_body(network.a1)).status_code == 401


@pytest.mark.parametrize("authorization", ["Token not-a-token", "Token", "Token a b", "Bearer x", "Token \u00e9t\u00e9",
                                           "Token a\x00b"])
def test_a_bad_token_is_a_401_whatever_the_body(network, standard, authorization):
    # On PostgreSQL the submission checks the token inside its first query; what that cannot accept
    # still gets DRF's answer, before anything about the body or the site.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization)
    for body in (check_body(network.a1), {"results": "nonsense"}):
        response = submit(client, "A1", body, **{"Idempotency-Key": "k"})
        assert response.status_code == 401, response.content
    assert not DailyCheck.objects.exists() and not IdempotencyRecord.objects.exists()


def test_a_deactivated_manager_token_is_refused(network, standard):
    client = client_for(network.manager_a)
    network.manager_a.is_active = False
    network.manager_a.save()
    response = submit(client, "A1", check_body(network.a1))
    assert response.status_code == 401 and "inactive" in response.json()["message"], response.json()
    assert not DailyCheck.objects.exists()


def test_a_session_signed_in_manager_submits_too(network, standard):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(network.manager_a)
    response = submit(client, "A1", check_body(network.a1))
    assert response.status_code == 201, response.content
    assert response.json()["submitted_by"] == network.manager_a.username
    assert submit(client, "B1", check_body(network.b1)).status_code == 404


def test_no_version_in_force_is_a_400_on_date(network, standard):
    network.a1.opened_on = dt.date(2025, 1, 1)
    network.a1.save()
    with override_settings(LATE_CHECK_WINDOW_DAYS=10000):
        response = submit(client_for(network.manager_a), "A1", check_body(network.a1, day=dt.date(2025, 6, 1)))
    assert response.status_code == 400 and response.json()["code"] == "no_standard"


def test_listing_checks_for_a_period_that_ends_before_it_starts_is_a_400(network, standard):
    response = client_for(network.manager_a).get("/api/v1/sites/A1/checks/", {"from": "2026-03-07", "to": "2026-03-01"})
    assert response.status_code == 400 and response.json()["field"] == "from"


def test_a_closed_site_takes_no_checks(network, standard):
    # The missed days and the variance report no longer expect anything of it; a check would be counted nowhere.
    network.a2.active = False
    network.a2.save()
    response = submit(client_for(network.head_office), "A2", check_body(network.a2))
    assert response.status_code == 409 and response.json()["code"] == "site_inactive"
    assert not DailyCheck.objects.exists()
