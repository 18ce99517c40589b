"""The standard over HTTP: reading it (every role), revalidating it, and head office's draft -> edit ->
publish cycle, which no other role may touch."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from consistency.models import Criterion, StandardVersion, TouchPoint
from tests.conftest import client_for
from tests.factories import published_version, small_standard_doc

from .checks_support import GOOD, check_body, local_today, submit

pytestmark = pytest.mark.django_db

ALL = ["manager_a", "manager_b", "head_office", "auditor", "auditor_b1"]
NOT_HEAD_OFFICE = ["manager_a", "manager_b", "auditor", "auditor_b1"]


def snapshot(version_number: int) -> bytes:
    """Everything stored about a version, byte for byte."""
    version = StandardVersion.objects.get(number=version_number)
    rows = {
        "version": list(StandardVersion.objects.filter(pk=version.pk).values(
            "standard_id", "number", "notes", "effective_from", "published_at", "created_at")),
        "touch_points": list(TouchPoint.objects.filter(version=version).order_by("id").values()),
        "criteria": list(Criterion.objects.filter(version=version).order_by("id").values()),
    }
    return json.dumps(rows, default=str, sort_keys=True).encode()


@pytest.mark.parametrize("persona", ALL)
def test_every_role_reads_the_current_standard(network, standard, persona):
    response = client_for(getattr(network, persona)).get("/api/v1/standard/current/")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == 1 and body["status"] == "in_force"
    assert [tp["key"] for tp in body["touch_points"]] == ["phone", "restroom", "delivery"]
    restroom = body["touch_points"][1]["criteria"][0]
    assert restroom == {**restroom, "key": "restroom_clean", "kind": "score", "target": 4.0, "critical": True,
                        "photos_required": 1}


def test_a_phone_revalidates_with_if_none_match(network, standard):
    client = client_for(network.manager_a)
    first = client.get("/api/v1/standard/current/")
    etag = first["ETag"]
    assert etag
    again = client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    # Compared weakly, as RFC 9110 asks: a proxy that compressed the answer hands on W/"...".
    for sent in (f"W/{etag}", f'"other", {etag}', "*"):
        assert client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=sent).status_code == 304, sent
    assert client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # After a new version is published the old tag no longer matches.
    head = client_for(network.head_office)
    assert head.post("/api/v1/standard/versions/", {}, format="json").status_code == 201
    assert head.post("/api/v1/standard/versions/2/publish/", {}, format="json").status_code == 200
    changed = client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["number"] == 2


def with_extra_criterion() -> dict:
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"].append({"key": "phone_name_given", "prompt": "Name given",
                                               "kind": "boolean", "weight": 1})
    return doc


def checklist_keys(body: dict) -> list[str]:
    return [c["key"] for tp in body["touch_points"] for c in tp["criteria"]]


def test_a_version_published_for_a_later_day_is_not_the_checklist_before_that_day(network, standard):
    # Head office publishes version 2 to take effect next week: until then version 1 stays in force, and a
    # phone that fills in what /current/ hands out must be able to submit it.
    client = client_for(network.manager_a)
    before = client.get("/api/v1/standard/current/")
    effective = local_today(network.a1) + dt.timedelta(days=7)
    published_version(with_extra_criterion(), effective_from=effective)

    current = client.get("/api/v1/standard/current/")
    body = current.json()
    assert body["number"] == 1
    assert body["upcoming"] == {"number": 2, "effective_from": effective.isoformat()}
    assert current["ETag"] != before["ETag"]  # a phone revalidating learns that a change is coming
    results = [{"criterion": key, "value": {**GOOD, "phone_name_given": True}[key], "note": ""} for key in checklist_keys(body)]
    assert submit(client, "A1", {**check_body(network.a1), "results": results}).status_code == 201

    on_the_day = client.get("/api/v1/standard/current/", {"date": effective.isoformat()}).json()
    assert on_the_day["number"] == 2 and "phone_name_given" in checklist_keys(on_the_day)
    assert on_the_day["upcoming"] is None


def test_the_checklist_follows_the_sites_local_day(network, standard):
    # 25 hours apart: whatever the time, Kiritimati's local day is after Pago Pago's.
    network.a1.timezone, network.b1.timezone = "Pacific/Kiritimati", "Pacific/Pago_Pago"
    network.a1.save(), network.b1.save()
    published_version(with_extra_criterion(), effective_from=local_today(network.a1))
    head = client_for(network.head_office)
    assert head.get("/api/v1/standard/current/", {"site": "A1"}).json()["number"] == 2
    assert head.get("/api/v1/standard/current/", {"site": "B1"}).json()["number"] == 1
    # A manager of one site gets that site's day without asking.
    assert client_for(network.manager_a).get("/api/v1/standard/current/").json()["number"] == 2
    assert client_for(network.manager_b).get("/api/v1/standard/current/").json()["number"] == 1


def test_the_checklist_says_it_is_in_force_and_for_which_local_day(network, standard, monkeypatch):
    # A version published to take effect later retires the one in force, which /current/ showed as "retired"
    # although it is the checklist to fill in; and the answer did not say which local day it was for.
    from django.utils import timezone

    now = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)  # Auckland: Dec 5; New York: Dec 4, 15:00
    monkeypatch.setattr(timezone, "now", lambda: now)
    published_version(with_extra_criterion(), effective_from=dt.date(2026, 12, 5))
    assert StandardVersion.objects.get(number=1).status == "retired"

    head = client_for(network.head_office)
    new_york = head.get("/api/v1/standard/current/", {"site": "B1"}).json()
    assert {k: new_york[k] for k in ("number", "status", "for_date", "site", "time_zone")} == {
        "number": 1, "status": "in_force", "for_date": "2026-12-04", "site": "B1", "time_zone": "America/New_York"}
    assert new_york["upcoming"] == {"number": 2, "effective_from": "2026-12-05"}
    # A day ahead of UTC's: the site's own, and a manager of one site gets it without asking.
    for client, query in ((head, {"site": "A1"}), (client_for(network.manager_a), {})):
        auckland = client.get("/api/v1/standard/current/", query).json()
        assert {k: auckland[k] for k in ("number", "status", "for_date", "site", "time_zone")} == {
            "number": 2, "status": "in_force", "for_date": "2026-12-05", "site": "A1",
            "time_zone": "Pacific/Auckland"}
    # Head office without a site: the server's day, in UTC; with a date: that day.
    server = head.get("/api/v1/standard/current/").json()
    assert (server["number"], server["for_date"], server["site"], server["time_zone"]) == (1, "2026-12-04", None, "UTC")
    asked = head.get("/api/v1/standard/current/", {"site": "B1", "date": "2026-12-06"}).json()
    assert (asked["number"], asked["for_date"], asked["time_zone"]) == (2, "2026-12-06", "America/New_York")
    # The day is part of what a phone revalidates: the next day's answer is not a 304.
    client = client_for(network.manager_b)
    etag = client.get("/api/v1/standard/current/")["ETag"]
    assert client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    now = now + dt.timedelta(days=1)
    later = client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=etag)
    assert later.status_code == 200 and later.json()["for_date"] == "2026-12-05"


def test_the_checklist_of_a_site_or_day_that_cannot_be_given(network, standard):
    client = client_for(network.manager_a)
    other = client.get("/api/v1/standard/current/", {"site": "B1"})  # not theirs
    assert other.status_code == 404 and other.json()["field"] == "site"
    bad = client.get("/api/v1/standard/current/", {"date": "2026-13-01"})
    assert bad.status_code == 400 and bad.json()["field"] == "date"
    early = client.get("/api/v1/standard/current/", {"date": "2025-12-31"})  # version 1 starts 2026-01-01
    assert early.status_code == 404 and "No version of the standard is in force on 2025-12-31" in early.json()["message"]


def test_no_published_standard_is_a_clear_404(network):
    response = client_for(network.manager_a).get("/api/v1/standard/current/")
    assert response.status_code == 404
    assert "No version of the standard has been published" in response.json()["message"]


def test_current_standard_query_count_does_not_grow_with_criteria(network):
    doc = small_standard_doc()
    published_version(doc)
    client = client_for(network.manager_a)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/standard/current/").status_code == 200
        return len(ctx.captured_queries)

    small = count()
    # A second version with ten times the touch points and criteria.
    big = small_standard_doc(touch_points=[
        {"key": f"tp{i}", "name": f"TP {i}", "criteria": [
            {"key": f"c{i}_{j}", "prompt": "p", "kind": "boolean"} for j in range(8)]}
        for i in range(10)
    ])
    published_version(big)
    assert count() == small
    # token, the user's role and sites (whose local day), the version in force and the next one, touch points,
    # criteria, the reference photos (in the ETag too); a revalidation answered 304 stops before touch points and
    # criteria
    assert small <= 8


@pytest.mark.parametrize("persona", NOT_HEAD_OFFICE)
def test_only_head_office_changes_the_standard(network, standard, persona):
    client = client_for(getattr(network, persona))
    head = client_for(network.head_office)
    assert client.post("/api/v1/standard/versions/", {}, format="json").status_code == 403
    assert head.post("/api/v1/standard/versions/", {}, format="json").status_code == 201
    attempts = [
        client.put("/api/v1/standard/versions/2/", small_standard_doc(), format="json"),
        client.patch("/api/v1/standard/versions/2/criteria/phone_rings/", {"target": 5}, format="json"),
        client.post("/api/v1/standard/versions/2/publish/", {}, format="json"),
        client.delete("/api/v1/standard/versions/2/"),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert StandardVersion.objects.get(number=2).status == "draft"
    assert Criterion.objects.get(version__number=2, key="phone_rings").target == 3
    # ...but every role may read the released history; a draft is head office's work in progress.
    assert [v["number"] for v in client.get("/api/v1/standard/versions/").json()] == [1]
    assert client.get("/api/v1/standard/versions/1/").status_code == 200
    assert client.get("/api/v1/standard/versions/2/").status_code == 404
    assert [v["number"] for v in head.get("/api/v1/standard/versions/").json()] == [2, 1]
    assert head.get("/api/v1/standard/versions/2/").status_code == 200


def test_draft_edit_publish_retires_the_old_version_unchanged(network, standard):
    head = client_for(network.head_office)
    before = snapshot(1)

    draft = head.post("/api/v1/standard/versions/", {"notes": "Faster phones"}, format="json")
    assert draft.status_code == 201
    assert draft.json()["status"] == "draft" and draft.json()["number"] == 2
    # The draft starts as a copy of the published version.
    assert draft.json()["touch_points"] == head.get("/api/v1/standard/versions/1/").json()["touch_points"]

    edit = head.patch("/api/v1/standard/versions/2/criteria/phone_rings/", {"target": 2, "weight": 3},
                      format="json")
    assert edit.status_code == 200, edit.json()
    assert edit.json()["target"] == 2 and edit.json()["weight"] == 3

    published = head.post("/api/v1/standard/versions/2/publish/", {"effective_from": "2026-03-01"}, format="json")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["effective_from"] == "2026-03-01"

    old = StandardVersion.objects.get(number=1)
    assert old.status == "retired" and old.retired_at is not None
    assert snapshot(1) == before
    assert head.get("/api/v1/standard/current/").json()["number"] == 2
    assert StandardVersion.objects.filter(status="published").count() == 1


def test_editing_a_published_version_is_refused(network, standard):
    head = client_for(network.head_office)
    before = snapshot(1)
    for response in [
        head.patch("/api/v1/standard/versions/1/criteria/phone_rings/", {"target": 9}, format="json"),
        head.put("/api/v1/standard/versions/1/", small_standard_doc(), format="json"),
        head.post("/api/v1/standard/versions/1/publish/", {}, format="json"),
        head.delete("/api/v1/standard/versions/1/"),
    ]:
        assert response.status_code == 409
        assert response.json()["code"] == "version_immutable"
    assert snapshot(1) == before


def test_the_database_itself_refuses_to_change_a_released_version(network, standard):
    criterion = Criterion.objects.get(version=standard, key="phone_rings")
    for attempt in [
        lambda: Criterion.objects.filter(pk=criterion.pk).delete(),
        lambda: StandardVersion.objects.filter(pk=standard.pk).delete(),
        lambda: Criterion.objects.filter(pk=criterion.pk).update(target=10),
        lambda: TouchPoint.objects.filter(version=standard).update(name="Renamed"),
        lambda: Criterion.objects.create(version=standard, touch_point=criterion.touch_point, key="new",
                                         prompt="p", kind="boolean", target=1),
        lambda: StandardVersion.objects.filter(pk=standard.pk).update(notes="rewritten"),
        lambda: StandardVersion.objects.filter(pk=standard.pk).update(status="draft"),
    ]:
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            attempt()
    criterion.refresh_from_db()
    assert criterion.target == 3


def test_a_draft_is_replaced_whole_and_bad_documents_name_the_field(network, standard):
    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    bad = small_standard_doc()
    bad["touch_points"][1]["criteria"][0]["target"] = 7
    response = head.put("/api/v1/standard/versions/2/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "touch_points[1] (restroom).criteria[0] (restroom_clean).target"
    assert "between 1 and 5" in response.json()["message"]
    # Nothing half-saved: the draft still has the copied contents.
    assert Criterion.objects.filter(version__number=2).count() == 4
    # The NUL character, which PostgreSQL refuses in text (a 500 before), in any text of the document.
    bad = small_standard_doc()
    bad["notes"] = "n\x00"
    bad["touch_points"][0]["name"] = "Phone\x00"
    bad["touch_points"][0]["criteria"][0].update(prompt="Rings\x00", unit="s\x00")
    response = head.put("/api/v1/standard/versions/2/", bad, format="json")
    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["errors"]]
    assert "notes" in fields and any(f.endswith(".name") for f in fields)
    assert any(f.endswith(".prompt") for f in fields) and any(f.endswith(".unit") for f in fields)
    assert Criterion.objects.filter(version__number=2).count() == 4
    # An integer past any float's range: JSON allows it, and converting it raised OverflowError (a 500).
    bad = small_standard_doc()
    bad["touch_points"][0]["criteria"][0]["weight"] = 10**400
    response = head.put("/api/v1/standard/versions/2/", bad, format="json")
    assert response.status_code == 400 and response.json()["field"].endswith(".weight")

    good = small_standard_doc()
    good["touch_points"].append({"key": "windows", "name": "Windows", "criteria": [
        {"key": "windows_clean", "prompt": "Clean", "kind": "score", "target": 4}]})
    response = head.put("/api/v1/standard/versions/2/", good, format="json")
    assert response.status_code == 200
    assert [tp["key"] for tp in response.json()["touch_points"]][-1] == "windows"


def test_a_second_draft_is_a_conflict_and_a_draft_can_be_deleted(network, standard):
    head = client_for(network.head_office)
    assert head.post("/api/v1/standard/versions/", {}, format="json").status_code == 201
    second = head.post("/api/v1/standard/versions/", {}, format="json")
    assert second.status_code == 409 and second.json()["code"] == "draft_exists"
    assert head.delete("/api/v1/standard/versions/2/").status_code == 204
    assert not StandardVersion.objects.filter(number=2).exists()


@pytest.mark.parametrize(("field", "value"), [("weight", 1e308), ("weight", 1001), ("target", 1e300),
                                              ("tolerance", 1e300), ("minimum", -1e300)])
def test_criterion_numbers_are_bounded(network, standard, field, value):
    # Two weights of 1e308 summed to infinity: every check's score was NaN, and every read of it a 500.
    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    response = head.patch("/api/v1/standard/versions/2/criteria/phone_rings/", {field: value}, format="json")
    assert response.status_code == 400 and response.json()["field"] == field, response.json()


def test_criterion_patch_validates_like_the_loader(network, standard):
    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    response = head.patch("/api/v1/standard/versions/2/criteria/restroom_clean/", {"target": 0}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "target"
    response = head.patch("/api/v1/standard/versions/2/criteria/nope/", {"target": 2}, format="json")
    assert response.status_code == 404
    # A key no criterion can have (a NUL byte went to PostgreSQL, which refused it: a 500) is no address.
    response = head.patch("/api/v1/standard/versions/2/criteria/a%00b/", {"target": 2}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = head.patch("/api/v1/standard/versions/2/criteria/phone_rings/", {"weight": "NaN"}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "weight"
    # A target no reading can reach: -1 rings. Lifting the bound makes it possible (for a temperature, say).
    response = head.patch("/api/v1/standard/versions/2/criteria/phone_rings/", {"target": -1}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "target"
    response = head.patch("/api/v1/standard/versions/2/criteria/phone_rings/", {"target": -1, "minimum": None},
                          format="json")
    assert response.status_code == 200 and response.json()["minimum"] is None
    response = head.patch("/api/v1/standard/versions/2/criteria/delivery_on_time_pct/", {"maximum": 90},
                          format="json")
    assert response.status_code == 400 and response.json()["field"] == "target"  # 95 is above it


def test_a_field_a_standard_body_does_not_have_is_refused_naming_it(network, standard):
    # PATCH {"targt": 2} answered 200 and changed nothing: DRF drops a field it does not know.
    head = client_for(network.head_office)
    draft = head.post("/api/v1/standard/versions/", {"notes": "n", "note": "typo"}, format="json")
    assert draft.status_code == 400 and draft.json()["field"] == "note"
    assert draft.json()["code"] == "unknown_field" and "(expected one of notes)" in draft.json()["message"]
    assert not StandardVersion.objects.filter(number=2).exists()
    assert head.post("/api/v1/standard/versions/", {}, format="json").status_code == 201

    before = snapshot(2)
    response = head.patch("/api/v1/standard/versions/2/criteria/phone_rings/", {"targt": 2, "kind": "score",
                                                                                 "weight": 2}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("kind", "unknown_field"), ("targt", "unknown_field")]
    assert body["message"].startswith("kind: is not a criterion field that can be changed (expected one of "
                                      "comparison, critical, maximum, minimum, photos_required, prompt, target, ")
    # Refused whole, with what else is wrong in it: nothing half-saved.
    response = head.patch("/api/v1/standard/versions/2/criteria/phone_rings/", {"targt": 2, "weight": "x"},
                          format="json")
    assert {e["field"] for e in response.json()["errors"]} == {"targt", "weight"}
    assert snapshot(2) == before

    response = head.post("/api/v1/standard/versions/2/publish/", {"effective_form": "2026-12-30"}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "effective_form"
    assert "(expected one of effective_from)" in response.json()["message"]
    assert StandardVersion.objects.get(number=2).status == "draft"

    doc = {**small_standard_doc(), "touch_point": [], "standard": {"slug": "brand", "name": "B", "title": "B"}}
    response = head.put("/api/v1/standard/versions/2/", doc, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["touch_point", "standard.title"]
    assert response.json()["errors"][0]["message"] == ("touch_point: is not a field of a standard document "
                                                       "(expected one of departments, languages, notes, standard, touch_points).")
    assert snapshot(2) == before


def test_the_fields_a_criterion_patch_takes_are_those_the_service_changes():
    from consistency.api.standard_serializers import CriterionPatchSerializer
    from consistency.services.standard import EDITABLE_CRITERION_FIELDS

    assert set(CriterionPatchSerializer().fields) == set(EDITABLE_CRITERION_FIELDS)


def test_a_draft_document_that_renames_the_standard_or_overflows_its_notes_is_refused(network, standard):
    # The name was accepted (200) and left as it was; the notes had no bound, though a new draft's have 2000.
    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    before = snapshot(2)
    doc = small_standard_doc()
    doc["standard"]["name"] = "Renamed"
    response = head.put("/api/v1/standard/versions/2/", doc, format="json")
    assert response.status_code == 400 and response.json()["field"] == "standard.name"
    assert "'Brand Standard', not 'Renamed'" in response.json()["message"]
    response = head.put("/api/v1/standard/versions/2/", small_standard_doc(notes="x" * 2001), format="json")
    assert response.status_code == 400 and response.json()["message"] == "notes: must be at most 2000 characters."
    assert snapshot(2) == before


def test_a_draft_copies_a_version_whose_notes_are_past_todays_bound(network, standard):
    # Notes were unbounded before: a version holding longer ones is still copied into a new draft.
    from consistency.services import standard as services

    draft = services.version_draft(standard=standard.standard)
    StandardVersion.objects.filter(pk=draft.pk).update(notes="x" * 3000)
    services.version_publish(version=draft)
    head = client_for(network.head_office)
    response = head.post("/api/v1/standard/versions/", {}, format="json")
    assert response.status_code == 201, response.json()
    assert checklist_keys(response.json()) == checklist_keys(head.get("/api/v1/standard/versions/2/").json())


@pytest.mark.django_db
def test_a_stranger_reads_no_version_of_the_standard(standard):
    # HeadOfficeWrites replaces the default IsAuthenticated on these views: it must refuse a stranger's reads too.
    for path in ("/api/v1/standard/versions/", f"/api/v1/standard/versions/{standard.number}/",
                 f"/api/v1/standard/versions/{standard.number}/criteria/phone_rings/", "/api/v1/standard/current/"):
        answer = client_for(None).get(path)
        assert answer.status_code == 401, path
