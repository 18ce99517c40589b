"""Departments in the standard document: declared at the top, named by touch points, upserted on load, and shown
by the standard API (current and versions) and its diff."""

import io

import pytest
from django.core.management import CommandError, call_command

from consistency.models import Department, SubmittedBy, TouchPoint
from consistency.services.standard_document import parse_document
from tests.conftest import client_for

from .departments_support import department_doc, department_standard

pytestmark = pytest.mark.django_db


def test_a_document_declares_departments_and_touch_points_name_theirs():
    doc = parse_document(department_doc())
    assert [(d.key, d.submitted_by) for d in doc.departments] == [("front_desk", "site"),
                                                                   ("accounting", "department")]
    assert [tp.department for tp in doc.touch_points] == ["front_desk", None, "accounting"]


def test_an_unknown_department_and_a_bad_submitted_by_are_named(network):
    doc = department_doc()
    doc["touch_points"][1]["department"] = "cleaning"
    doc["departments"][0]["submitted_by"] = "manager"
    from backend.errors import AppError

    with pytest.raises(AppError) as refused:
        parse_document(doc)
    messages = [e.message for e in refused.value.errors]
    assert any(m.startswith("touch_points[1] (restroom).department: 'cleaning' is not a department of this "
                            "standard (accounting, front_desk)") for m in messages), messages
    assert any(m.startswith("departments[0] (front_desk).submitted_by: 'manager' is not who submits")
               for m in messages), messages
    fields = {e.field for e in refused.value.errors}
    assert fields == {"touch_points[1] (restroom).department", "departments[0] (front_desk).submitted_by"}


def test_duplicate_department_keys_and_unknown_department_fields_are_refused():
    from backend.errors import AppError

    doc = department_doc()
    doc["departments"].append({"key": "accounting", "name": "Accounts", "team": "x"})
    with pytest.raises(AppError) as refused:
        parse_document(doc)
    codes = {(e.field, e.code) for e in refused.value.errors}
    assert ("departments[2] (accounting).key", "duplicate_key") in codes
    assert ("departments[2] (accounting).team", "unknown_field") in codes


def test_load_standard_upserts_departments(network, tmp_path):
    import yaml

    path = tmp_path / "std.yaml"
    path.write_text(yaml.safe_dump(department_doc()))
    out = io.StringIO()
    call_command("load_standard", str(path), "--publish", stdout=out)
    assert "published" in out.getvalue()
    rows = {d.key: (d.name, d.submitted_by, d.order) for d in Department.objects.all()}
    # accounting existed (the network's) and is updated in place; front_desk is new.
    assert rows == {"front_desk": ("Front desk", "site", 0), "accounting": ("Accounting", "department", 1)}
    assert Department.objects.get(key="accounting").pk == network.accounting.pk
    assert dict(TouchPoint.objects.values_list("key", "department__key")) == {
        "phone": "front_desk", "restroom": None, "delivery": "accounting"}
    # Loading again with accounting renamed and reported by the site: the same row, changed.
    doc = department_doc()
    doc["departments"][1] = {"key": "accounting", "name": "Accounts", "submitted_by": "site"}
    path.write_text(yaml.safe_dump(doc))
    call_command("load_standard", str(path), stdout=io.StringIO())
    accounting = Department.objects.get(key="accounting")
    assert (accounting.pk, accounting.name, accounting.submitted_by) == (network.accounting.pk, "Accounts",
                                                                          SubmittedBy.SITE)


def test_load_standard_names_an_unknown_department(tmp_path):
    import yaml

    doc = department_doc()
    doc["touch_points"][0]["department"] = "frontdesk"
    path = tmp_path / "std.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(CommandError) as refused:
        call_command("load_standard", str(path))
    assert "touch_points[0] (phone).department: 'frontdesk' is not a department of this standard" in str(
        refused.value)


def test_the_standard_api_shows_departments(network):
    department_standard()
    for user in (network.manager_a, network.accountant, network.head_office):
        body = client_for(user).get("/api/v1/standard/current/?site=A1").json()
        assert body["departments"] == [
            {"key": "front_desk", "name": "Front desk", "submitted_by": "site"},
            {"key": "accounting", "name": "Accounting", "submitted_by": "department"}]
        assert [(tp["key"], tp["department"]) for tp in body["touch_points"]] == [
            ("phone", "front_desk"), ("restroom", None), ("delivery", "accounting")]
    version = client_for(network.head_office).get("/api/v1/standard/versions/1/").json()
    assert [d["key"] for d in version["departments"]] == ["front_desk", "accounting"]
    assert version["touch_points"][2]["department"] == "accounting"


def test_a_draft_copies_departments_and_the_diff_shows_a_department_change(network):
    department_standard()
    head = client_for(network.head_office)
    draft = head.post("/api/v1/standard/versions/", {}, format="json")
    assert draft.status_code == 201, draft.content
    assert [(tp["key"], tp["department"]) for tp in draft.json()["touch_points"]] == [
        ("phone", "front_desk"), ("restroom", None), ("delivery", "accounting")]
    doc = department_doc()
    doc["touch_points"][1]["department"] = "front_desk"
    doc["touch_points"][2]["department"] = None
    assert head.put("/api/v1/standard/versions/2/", doc, format="json").status_code == 200
    diff = head.get("/api/v1/standard/diff/?from=1&to=2").json()
    changed = {tp["key"]: tp["changes"] for tp in diff["touch_points_changed"]}
    assert changed == {"restroom": [{"field": "department", "before": None, "after": "front_desk"}],
                       "delivery": [{"field": "department", "before": "accounting", "after": None}]}


def test_a_put_naming_an_unknown_department_is_a_400_naming_it(network):
    department_standard()
    head = client_for(network.head_office)
    head.post("/api/v1/standard/versions/", {}, format="json")
    doc = department_doc()
    doc["touch_points"][1]["department"] = "cleaning"
    response = head.put("/api/v1/standard/versions/2/", doc, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "touch_points[1] (restroom).department"
    assert "'cleaning'" in response.json()["errors"][0]["message"]
