"""The diff of two versions of the standard (services.standard_diff) and its API, GET /api/v1/standard/diff/:
criteria and touch points added, removed and changed, in either order; drafts are head office's alone."""

import copy

import pytest

from backend.errors import NotFound
from consistency.selectors import standard as selectors
from consistency.services import standard as services
from consistency.services.standard_diff import (
    FieldChange,
    diff_for,
    requirement,
    tolerance_text,
    version_diff,
)
from consistency.services.standard_document import parse_document
from tests.conftest import client_for
from tests.factories import small_standard_doc

pytestmark = pytest.mark.django_db

ALL = ["manager_a", "manager_b", "head_office", "auditor", "auditor_b1"]
NOT_HEAD_OFFICE = ["manager_a", "manager_b", "auditor", "auditor_b1"]


def draft_with(doc: dict):
    """A draft (the next version) holding ``doc``."""
    draft = services.version_draft(standard=selectors.master_standard())
    services.version_replace_contents(version=draft, doc=parse_document(doc))
    return draft


def publish(version):
    return services.version_publish(version=version)


def loaded(number: int):
    return selectors.version_get(number=number)


def reworked_doc() -> dict:
    """The small standard with: phone_rings tightened and reworded; delivery gone; a windows touch point; a
    criterion added to phone; restroom renamed."""
    doc = copy.deepcopy(small_standard_doc())
    phone, restroom, _delivery = doc["touch_points"]
    phone["criteria"][0].update(target=2, tolerance=1, prompt="Rings before answering", weight=3, critical=True)
    phone["criteria"].append({"key": "phone_name_given", "prompt": "Name given", "kind": "boolean"})
    restroom.update(name="Restrooms", why="Care shows here")
    restroom["criteria"][0].update(photos_required=2, target=5)
    windows = {"key": "windows", "name": "Windows", "why": "The shop front",
               "criteria": [{"key": "windows_clean", "prompt": "Windows clean", "kind": "score", "target": 4}]}
    doc["touch_points"] = [phone, restroom, windows]
    return doc


def test_added_removed_and_changed(network, standard):
    draft = draft_with(reworked_doc())
    diff = version_diff(old=loaded(1), new=loaded(draft.number))

    assert (diff.number_from, diff.number_to) == (1, 2)
    assert [(c.key, c.touch_point, c.requirement) for c in diff.criteria_added] == [
        ("phone_name_given", "phone", "yes"), ("windows_clean", "windows", "at least 4 of 5")]
    assert [(c.key, c.touch_point, c.requirement) for c in diff.criteria_removed] == [
        ("delivery_on_time_pct", "delivery", "at least 95%")]
    changed = {c.key: c for c in diff.criteria_changed}
    assert set(changed) == {"phone_rings", "restroom_clean"}
    rings = changed["phone_rings"]
    assert rings.changes == [FieldChange("prompt", "Rings to answer", "Rings before answering"),
                             FieldChange("target", 3.0, 2.0), FieldChange("tolerance", 0.0, 1.0),
                             FieldChange("weight", 2.0, 3.0), FieldChange("critical", False, True)]
    assert (rings.requirement_before, rings.requirement_after) == ("at most 3 rings", "at most 2 rings")
    assert rings.prompt == "Rings before answering"
    assert changed["restroom_clean"].changes == [FieldChange("target", 4.0, 5.0),
                                                 FieldChange("photos_required", 1, 2)]
    assert changed["restroom_clean"].touch_point_name == "Restrooms"

    assert [(t.key, t.criteria) for t in diff.touch_points_added] == [("windows", 1)]
    assert [(t.key, t.criteria) for t in diff.touch_points_removed] == [("delivery", 1)]
    assert [(t.key, t.changes) for t in diff.touch_points_changed] == [
        ("restroom", [FieldChange("name", "Restroom", "Restrooms"), FieldChange("why", "", "Care shows here")])]
    assert diff.touch_point_order is None  # phone, restroom: the shared ones kept their order
    assert diff.change_count == 2 + 1 + 2 + 1 + 1 + 1
    assert not diff.is_empty


def test_a_version_compared_with_itself_has_no_differences(network, standard):
    diff = version_diff(old=loaded(1), new=loaded(1))
    assert diff.is_empty and diff.change_count == 0
    assert (diff.criteria_added, diff.criteria_removed, diff.criteria_changed) == ([], [], [])
    # And a copy (a new draft is one) of the version is no different either.
    draft = services.version_draft(standard=selectors.master_standard())
    assert version_diff(old=loaded(1), new=loaded(draft.number)).is_empty


def test_reversed_order_swaps_added_with_removed_and_before_with_after(network, standard):
    draft = draft_with(reworked_doc())
    forward = version_diff(old=loaded(1), new=loaded(draft.number))
    back = version_diff(old=loaded(draft.number), new=loaded(1))
    assert (back.number_from, back.number_to) == (2, 1)
    assert {c.key for c in back.criteria_added} == {c.key for c in forward.criteria_removed} == {"delivery_on_time_pct"}
    assert {c.key for c in back.criteria_removed} == {c.key for c in forward.criteria_added}
    assert {t.key for t in back.touch_points_added} == {"delivery"}
    assert {t.key for t in back.touch_points_removed} == {"windows"}
    rings = next(c for c in back.criteria_changed if c.key == "phone_rings")
    assert FieldChange("target", 2.0, 3.0) in rings.changes
    assert (rings.requirement_before, rings.requirement_after) == ("at most 2 rings", "at most 3 rings")
    assert rings.prompt == "Rings to answer"  # as the "to" side (version 1) words it
    assert back.change_count == forward.change_count


def test_a_criterion_moved_to_another_touch_point_and_touch_points_reordered(network, standard):
    doc = copy.deepcopy(small_standard_doc())
    phone, restroom, delivery = doc["touch_points"]
    restroom["criteria"].append(phone["criteria"].pop(1))  # phone_greeting now sits in restroom
    doc["touch_points"] = [delivery, phone, restroom]
    draft = draft_with(doc)
    diff = version_diff(old=loaded(1), new=loaded(draft.number))
    assert [(c.key, c.changes) for c in diff.criteria_changed] == [
        ("phone_greeting", [FieldChange("touch_point", "phone", "restroom")])]
    assert diff.touch_point_order == FieldChange("order", ["phone", "restroom", "delivery"],
                                                 ["delivery", "phone", "restroom"])
    assert diff.criteria_added == diff.criteria_removed == []


def test_a_number_criterion_s_unit_comparison_and_bounds(network, standard):
    doc = copy.deepcopy(small_standard_doc())
    rings = doc["touch_points"][0]["criteria"][0]
    rings.update(unit="seconds", comparison="gte", target=10, maximum=60)
    draft = draft_with(doc)
    diff = version_diff(old=loaded(1), new=loaded(draft.number))
    (change,) = diff.criteria_changed
    assert change.changes == [FieldChange("target", 3.0, 10.0), FieldChange("comparison", "lte", "gte"),
                              FieldChange("unit", "rings", "seconds"), FieldChange("maximum", None, 60.0)]
    assert change.requirement_after == "at least 10 seconds"


def test_requirement_and_tolerance_in_words(network, standard):
    criteria = {c.key: c for c in loaded(1).criteria.all()}
    assert requirement(criteria["phone_rings"]) == "at most 3 rings"
    assert requirement(criteria["phone_greeting"]) == "yes"
    assert requirement(criteria["restroom_clean"]) == "at least 4 of 5"
    assert requirement(criteria["delivery_on_time_pct"]) == "at least 95%"
    assert tolerance_text(criteria["delivery_on_time_pct"]) == "2%"
    assert tolerance_text(criteria["phone_rings"]) == ""  # none


def test_diff_for_finds_versions_as_the_person_may_see_them(network, standard):
    draft = draft_with(reworked_doc())
    assert diff_for(user=network.head_office, number_from=1, number_to=draft.number).change_count == 8
    with pytest.raises(NotFound) as refused:
        diff_for(user=network.manager_a, number_from=1, number_to=draft.number)
    assert refused.value.field == "to" and refused.value.message == "to: The standard has no version 2."
    with pytest.raises(NotFound) as refused:
        diff_for(user=network.head_office, number_from=7, number_to=1)
    assert refused.value.field == "from"


# -- the API ----------------------------------------------------------------------------------------------------


def diff_url(a, b) -> str:
    return f"/api/v1/standard/diff/?from={a}&to={b}"


@pytest.mark.parametrize("persona", ALL)
def test_every_role_compares_released_versions(network, standard, persona):
    publish(draft_with(reworked_doc()))  # version 2, published; version 1 retired
    answer = client_for(getattr(network, persona)).get(diff_url(1, 2))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["number_from"] == 1 and body["number_to"] == 2 and body["change_count"] == 8
    rings = next(c for c in body["criteria_changed"] if c["key"] == "phone_rings")
    assert {"field": "target", "before": 3.0, "after": 2.0} in rings["changes"]
    assert rings["requirement_after"] == "at most 2 rings"
    assert [c["key"] for c in body["criteria_removed"]] == ["delivery_on_time_pct"]
    assert body["touch_points_added"] == [{"key": "windows", "name": "Windows", "why": "The shop front",
                                           "criteria": 1}]
    assert body["touch_point_order"] is None
    # The same version both sides: an empty answer, not a refusal.
    same = client_for(getattr(network, persona)).get(diff_url(2, 2)).json()
    assert same["change_count"] == 0 and same["criteria_changed"] == []


@pytest.mark.parametrize("persona", NOT_HEAD_OFFICE)
def test_a_draft_is_not_found_but_for_head_office(network, standard, persona):
    draft = draft_with(reworked_doc())
    for url, field in ((diff_url(1, draft.number), "to"), (diff_url(draft.number, 1), "from")):
        answer = client_for(getattr(network, persona)).get(url)
        assert answer.status_code == 404 and answer.json()["field"] == field, answer.content
    assert client_for(network.head_office).get(diff_url(1, draft.number)).status_code == 200


@pytest.mark.parametrize(("query", "status", "field", "message"), [
    ("", 400, "from", "from: This field is required."),
    ("?from=1", 400, "to", "to: This field is required."),
    ("?from=one&to=1", 400, "from", "from: A valid integer is required."),
    ("?from=1&to=0", 400, "to", "to: Ensure this value is greater than or equal to 1."),
    ("?from=1&to=-3", 400, "to", "to: Ensure this value is greater than or equal to 1."),
    ("?from=99999999999999999999&to=1", 400, "from", "from: Ensure this value is less than or equal to 2147483647."),
    ("?from=9&to=1", 404, "from", "from: The standard has no version 9."),
    ("?from=1&to=9", 404, "to", "to: The standard has no version 9."),
])
def test_bad_version_numbers_are_refused_naming_the_parameter(network, standard, query, status, field, message):
    answer = client_for(network.auditor).get(f"/api/v1/standard/diff/{query}")
    assert answer.status_code == status
    assert (answer.json()["field"], answer.json()["message"]) == (field, message)


def test_a_stranger_is_refused(network, standard):
    assert client_for().get(diff_url(1, 1)).status_code == 401


def test_the_diff_costs_the_same_queries_however_large_the_versions(network, standard):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        client = client_for(network.head_office)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    draft = services.version_draft(standard=selectors.master_standard())
    small = count(diff_url(1, draft.number))
    doc = reworked_doc()
    doc["touch_points"] += [{"key": f"extra{i}", "name": f"Extra {i}", "criteria": [
        {"key": f"extra{i}_{j}", "prompt": "More", "kind": "boolean"} for j in range(5)]} for i in range(6)]
    services.version_replace_contents(version=draft, doc=parse_document(doc))
    assert count(diff_url(1, draft.number)) == small


def test_the_diff_is_documented_as_it_is_asked_and_answered(network, standard, tmp_path):
    import yaml
    from django.core.management import call_command

    from consistency.api.standard_serializers import VersionDiffSerializer

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    get = yaml.safe_load(out.read_text())["paths"]["/api/v1/standard/diff/"]["get"]
    assert {(p["name"], p["required"]) for p in get["parameters"]} == {("from", True), ("to", True)}
    assert {"200", "400", "404"} <= set(get["responses"])
    answer = client_for(network.auditor).get(diff_url(1, 1)).json()
    assert set(answer) == set(VersionDiffSerializer().fields)
