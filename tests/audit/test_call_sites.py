"""Every action that matters leaves its entry, written by the action's own transaction, with who, on what, where
and what changed; and the chain they make verifies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from audit.models import AuditEntry
from audit.verify import verify
from consistency.models import StandardVersion
from reports.models import ReportRun
from sites.models import DeviceToken, Profile
from sites.tokens import token_issue
from tests.consistency.checks_support import check_body, submit
from tests.consistency.evidence_factories import make_check, multipart, photo

from ..conftest import client_for

DAY = dt.date(2026, 3, 10)


def entries(action: str | None = None, *, after: int = 0) -> list[AuditEntry]:
    qs = AuditEntry.objects.filter(seq__gt=after).order_by("seq")
    return list(qs.filter(action=action) if action else qs)


def head() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def last() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


@pytest.fixture
def admin_browser(network):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    browser = Client()
    browser.force_login(root)
    return browser, root


@pytest.mark.django_db
def test_roles_and_site_assignments_changed_in_the_admin(network, admin_browser):
    browser, root = admin_browser
    profile = Profile.objects.get(user=network.manager_a)
    response = browser.post(f"/admin/sites/profile/{profile.pk}/change/", {
        "user": network.manager_a.pk, "role": "auditor", "sites": [network.a2.pk], "regions": [network.region_b.pk],
        "department": "", "language": ""})
    assert response.status_code == 302, response.content[:2000]
    granted, added, removed = entries()
    assert (granted.action, granted.actor_id, granted.target_id) == ("role.granted", root.pk, str(network.manager_a.pk))
    assert granted.data == {"user": "manager.a1", "role": {"before": "manager", "after": "auditor"}}
    assert (added.action, added.data["sites"], added.data["regions"]) == ("site_assignment.added", ["A2"], ["region-b"])
    assert (removed.action, removed.site_code, removed.data["sites"]) == ("site_assignment.removed", "A1", ["A1"])
    # Made head office by the user admin's superuser box: a role too.
    user = network.auditor
    response = browser.post(f"/admin/auth/user/{user.pk}/change/", {
        "username": user.username, "is_active": "on", "is_superuser": "on", "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00", "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "00:00:00"})
    assert response.status_code == 302, response.content[:3000]
    assert last().action == "role.granted" and last().data["superuser"] == {"before": False, "after": True}
    # A profile deleted: the role and its assignments go.
    browser.post(f"/admin/sites/profile/{Profile.objects.get(user=network.manager_b).pk}/delete/", {"post": "yes"})
    revoked, unassigned = entries()[-2:]
    assert revoked.action == "role.revoked" and revoked.data["role"] == {"before": "manager", "after": None}
    assert unassigned.action == "site_assignment.removed" and unassigned.site_code == "B1"
    assert verify().intact


@pytest.mark.django_db
def test_tokens_revoked_by_the_api_and_in_the_admin(network, admin_browser):
    phone, _ = token_issue(user=network.manager_a, device_name="lost phone")
    assert client_for(network.head_office).delete(f"/api/v1/auth/tokens/{phone.pk}/",
                                                  HTTP_X_REQUEST_ID="revoke-lost-phone-1").status_code == 204
    entry = last()
    assert (entry.action, entry.actor_name, entry.target_id) == ("token.revoked", "head.office", str(phone.pk))
    # The service is not handed the request: the id comes from the request's context (backend.logs).
    assert entry.request_id == "revoke-lost-phone-1"
    assert entry.data == {"user": "manager.a1", "device_name": "lost phone"}
    # Someone else's token is not found, and nothing is recorded.
    other, _ = token_issue(user=network.manager_b, device_name="tablet")
    assert client_for(network.manager_a).delete(f"/api/v1/auth/tokens/{other.pk}/").status_code == 404
    assert len(entries("token.revoked")) == 1
    browser, root = admin_browser
    browser.post("/admin/sites/devicetoken/", {"action": "delete_selected", "_selected_action": [other.pk],
                                               "post": "yes"})
    assert not DeviceToken.objects.filter(pk=other.pk).exists()
    assert (last().action, last().actor_id, last().data["device_name"]) == ("token.revoked", root.pk, "tablet")


@pytest.mark.django_db
def test_the_standard_drafted_edited_and_published(network, standard):
    start = head()
    assert [e.action for e in entries()] == ["standard.edited", "standard.published"]  # the fixture's, by the system
    office = client_for(network.head_office)
    draft = office.post("/api/v1/standard/versions/", {"notes": "Faster phones"}, format="json").json()
    number = draft["number"]
    assert office.patch(f"/api/v1/standard/versions/{number}/criteria/phone_rings/", {"target": 2},
                        format="json").status_code == 200
    assert office.post(f"/api/v1/standard/versions/{number}/publish/", {}, format="json").status_code == 200
    drafted, edited, published = entries(after=start)
    assert drafted.action == edited.action == "standard.edited" and published.action == "standard.published"
    assert drafted.data["what"] == f"drafted from version {standard.number}"
    assert edited.data["changes"]["target"]["after"] == 2 and edited.data["changes"]["target"]["before"] != 2
    assert published.data["retired"] == standard.number and published.actor_name == "head.office"
    assert published.target_type == "consistency.standardversion"
    assert published.target_id == str(StandardVersion.objects.get(number=number).pk)


@pytest.mark.django_db
def test_an_amendment(network, standard):
    client = client_for(network.manager_a)
    start = head()
    first = submit(client, "A1", check_body(network.a1)).json()
    assert "id" in first, first
    assert head() == start  # a check is its own record: no entry
    amended = submit(client, "A1", check_body(network.a1, values={"phone_greeting": False}, amends=first["id"],
                                              reason="the greeting was not given")).json()
    entry = last()
    assert (entry.action, entry.site_code, entry.target_id) == ("check.amended", "A1", str(amended["id"]))
    assert entry.data["amends"] == first["id"] and entry.data["reason"] == "the greeting was not given"
    assert entry.data["score"]["before"] > entry.data["score"]["after"]


@pytest.mark.django_db
@pytest.mark.usefixtures("window_reaches_the_photo_test_day", "local_storage")
def test_photo_reviews_and_the_retake_they_ask_for(network, standard):
    check = make_check(network.a1, standard, network.manager_a, date=DAY)
    shot = client_for(network.manager_a).post(f"/api/v1/checks/{check.pk}/evidence/",
                                              multipart(photo(seed=11), criterion="restroom_clean"), format="multipart")
    assert shot.status_code == 201, shot.json()
    review = client_for(network.auditor).post(f"/api/v1/evidence/{shot.json()['id']}/review/",
                                              {"decision": "reject", "reason": "Blurred"}, format="json")
    assert review.status_code == 201, review.json()
    entry = last()
    assert (entry.action, entry.actor_name, entry.site_code) == ("photo.reviewed", "auditor", "A1")
    assert entry.target_id == shot.json()["id"] and entry.data["decision"] == "reject"
    assert entry.data["retake"]["id"] and entry.data["sha256"] == shot.json()["sha256"]


@pytest.mark.django_db
def test_not_applicable_marked_and_ended(network, standard):
    start, office = head(), client_for(network.head_office)
    made = office.post("/api/v1/sites/A1/not-applicable/", {"criterion": "restroom_clean", "starts_on": "2026-03-01",
                                                          "reason": "No restroom"}, format="json")
    assert made.status_code == 201, made.json()
    ended = office.patch(f"/api/v1/sites/A1/not-applicable/{made.json()['id']}/", {"ends_on": "2026-03-31"},
                         format="json")
    assert ended.status_code == 200, ended.json()
    marked, closed = entries(after=start)
    assert (marked.action, marked.site_code, marked.data["reason"]) == ("not_applicable.marked", "A1", "No restroom")
    assert closed.action == "not_applicable.ended" and closed.data["ends_on"] == {"before": None, "after": "2026-03-31"}


@pytest.mark.django_db
def test_reference_photos_set_and_removed(network, standard, local_storage):
    start, office = head(), client_for(network.head_office)
    url = "/api/v1/standard/criteria/restroom_clean/reference-photo/"
    assert office.put(url, multipart(photo(seed=1)), format="multipart").status_code == 200
    assert office.delete(url).status_code == 204
    assert office.delete(url).status_code == 404  # nothing left to remove: nothing recorded
    put, removed = entries(after=start)
    assert put.action == "reference_photo.set" and len(put.data["sha256"]) == 64
    assert (removed.action, removed.target_id) == ("reference_photo.removed", "restroom_clean")


@pytest.mark.django_db
def test_webhook_endpoints_created_changed_and_deleted(network):
    head = client_for(network.head_office)
    made = head.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook", "events": ["check.missed"]},
                     format="json").json()
    head.patch(f"/api/v1/webhooks/{made['id']}/", {"active": False}, format="json")
    head.post(f"/api/v1/webhooks/{made['id']}/rotate-secret/")
    head.delete(f"/api/v1/webhooks/{made['id']}/")
    created, changed, rotated, deleted = entries()
    assert created.action == "webhook.created" and created.data["url"] == "http://127.0.0.1:9/hook"
    assert changed.data == {"active": {"before": True, "after": False}}
    assert rotated.data == {"secret": "rotated"} and made["secret"] not in str([e.data for e in entries()])
    assert deleted.action == "webhook.deleted" and deleted.target_id == str(made["id"])


@pytest.mark.django_db
def test_reports_ordered_and_downloaded(network, standard):
    ordered = client_for(network.auditor).post("/api/v1/reports/", {
        "kind": "compliance_pack", "from": "2026-03-01", "to": "2026-03-07", "sites": ["A1"]}, format="json")
    assert ordered.status_code in (201, 202), ordered.json()
    entry = last()
    assert (entry.action, entry.actor_name, entry.site_code) == ("report.ordered", "auditor", "A1")
    assert entry.target_id == ordered.json()["id"] and entry.data["sites"] == ["A1"]
    run = ReportRun.objects.get(public_id=ordered.json()["id"])
    ReportRun.objects.filter(pk=run.pk).update(status="done", pdf_key="reports/x.pdf", pdf_sha256="a" * 64, pdf_size=9)
    assert client_for(network.auditor).get(f"/api/v1/reports/{run.public_id}/download/").status_code == 200
    page = Client()
    page.force_login(network.head_office)
    assert page.get(f"/app/reports/{run.public_id}/download/").status_code == 302
    api_download, page_download = entries("report.downloaded")
    assert (api_download.actor_name, page_download.actor_name) == ("auditor", "head.office")
    assert page_download.data == {"kind": "compliance_pack", "sha256": "a" * 64} and page_download.site_code == "A1"
    assert verify().intact
