"""`manage.py load_standard FILE`: good files load; a bad file is refused whole with the exact problem."""

import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from consistency.models import Criterion, Standard, StandardVersion, TouchPoint
from consistency.services.standard_document import load_text, parse_document
from tests.factories import small_standard_doc

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "consistency" / "standards" / "touchpoint-brand.yaml"


def nothing_loaded():
    return not (Standard.objects.exists() or StandardVersion.objects.exists() or TouchPoint.objects.exists()
                or Criterion.objects.exists())


def load(tmp_path, content, name="standard.yaml", publish=True):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
    args = [str(path)] + (["--publish"] if publish else [])
    call_command("load_standard", *args)


def refused(tmp_path, content, name="standard.yaml") -> str:
    with pytest.raises(CommandError) as exc:
        load(tmp_path, content, name)
    assert nothing_loaded()
    return str(exc.value)


def test_the_sample_standard_covers_every_touch_point_of_the_product():
    doc = parse_document(load_text(SAMPLE.read_text(), filename=SAMPLE.name))
    keys = [tp.key for tp in doc.touch_points]
    assert keys == ["phone", "uniform", "reception", "restroom", "windows", "delivery", "invoice", "feedback"]
    criteria = {c.key: c for tp in doc.touch_points for c in tp.criteria}
    assert 30 <= len(criteria) <= 40
    assert criteria["phone_rings_to_answer"].target == 3 and criteria["phone_rings_to_answer"].comparison == "lte"
    assert criteria["phone_missed_call_return"].target == 60
    assert criteria["reception_offered_drink"].kind == "boolean"
    assert criteria["restroom_cleanliness"].photos_required == 1
    assert any(c.critical for c in criteria.values())


def test_loading_and_publishing_the_sample(tmp_path, capsys):
    call_command("load_standard", str(SAMPLE), "--publish")
    version = StandardVersion.objects.get()
    assert version.status == "published"
    assert Criterion.objects.filter(version=version).count() == 34
    assert "8 touch points, 34 criteria" in capsys.readouterr().out


def test_without_publish_it_loads_a_draft(tmp_path):
    load(tmp_path, small_standard_doc(), publish=False)
    assert StandardVersion.objects.get().status == "draft"


def test_json_works_too(tmp_path):
    load(tmp_path, json.dumps(small_standard_doc()), name="standard.json")
    assert Criterion.objects.count() == 4


def test_unknown_kind(tmp_path):
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"][1]["kind"] = "yesno"
    message = refused(tmp_path, doc)
    assert ("touch_points[0] (phone).criteria[1] (phone_greeting).kind: 'yesno' is not a kind; "
            "use one of boolean, score, number.") in message


def test_score_target_out_of_range(tmp_path):
    doc = small_standard_doc()
    doc["touch_points"][1]["criteria"][0]["target"] = 6
    message = refused(tmp_path, doc)
    assert ("touch_points[1] (restroom).criteria[0] (restroom_clean).target: "
            "a score target is a minimum between 1 and 5, not 6.") in message


def test_number_criteria_have_possible_readings(tmp_path):
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"][0]["target"] = -1  # rings
    doc["touch_points"][2]["criteria"][0]["target"] = 120  # %
    doc["touch_points"][0]["criteria"][1]["minimum"] = 0  # a yes/no
    message = refused(tmp_path, doc)
    assert ("touch_points[0] (phone).criteria[0] (phone_rings).target: -1 is below the lowest possible reading "
            "(0 rings); set a minimum (null for none) if readings can go lower.") in message
    assert ("touch_points[2] (delivery).criteria[0] (delivery_on_time_pct).target: 120 is above the highest "
            "possible reading (100 %).") in message
    assert "touch_points[0] (phone).criteria[1] (phone_greeting).minimum: applies only to number criteria." in message


def test_a_reading_below_zero_is_possible_where_the_standard_says_so(tmp_path):
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"].append(
        {"key": "freezer_temperature", "prompt": "Freezer", "kind": "number", "unit": "°C", "comparison": "lte",
         "target": -18, "tolerance": 1, "minimum": -40, "maximum": -40})
    assert "freezer_temperature).maximum: must be greater than the minimum (-40)." in refused(tmp_path, doc)
    doc["touch_points"][0]["criteria"][-1]["maximum"] = 10
    doc["touch_points"][2]["criteria"][0]["maximum"] = None  # no upper bound at all
    load(tmp_path, doc)
    bounds = dict(Criterion.objects.values_list("key", "minimum"))
    assert bounds == {"phone_rings": 0, "phone_greeting": None, "restroom_clean": None,
                      "delivery_on_time_pct": 0, "freezer_temperature": -40}
    assert Criterion.objects.get(key="delivery_on_time_pct").maximum is None


def test_keys_are_ascii(tmp_path):
    # The API documents keys as slugs; "café" was accepted and broke clients that trusted the schema.
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"][0]["key"] = "caf\u00e9_rings"
    assert ("(café_rings).key: 'café_rings' may hold only letters a-z and A-Z, digits, '-' and '_'."
            in refused(tmp_path, doc))


def test_duplicate_criterion_keys(tmp_path):
    doc = small_standard_doc()
    doc["touch_points"][2]["criteria"][0]["key"] = "phone_rings"
    message = refused(tmp_path, doc)
    assert ("touch_points[2] (delivery).criteria[0] (phone_rings).key: duplicate criterion key; "
            "touch_points[0] (phone).criteria[0] (phone_rings) uses it already.") in message


def test_duplicate_touch_point_keys(tmp_path):
    doc = small_standard_doc()
    doc["touch_points"][2]["key"] = "phone"
    message = refused(tmp_path, doc)
    assert "touch_points[2] (phone).key: duplicate touch point key; touch_points[0] (phone) uses it already." in message


def test_duplicate_mapping_keys_in_yaml_are_not_silently_dropped(tmp_path):
    text = (
        "standard: {slug: brand, name: Brand}\n"
        "touch_points:\n"
        "  - key: phone\n"
        "    name: Phone\n"
        "    criteria:\n"
        "      - key: rings\n"
        "        prompt: Rings\n"
        "        kind: number\n"
        "        target: 3\n"
        "        target: 30\n"
        "        unit: rings\n"
        "        comparison: lte\n"
    )
    message = refused(tmp_path, text)
    assert "duplicate key 'target' at line 10" in message


def test_duplicate_keys_in_json(tmp_path):
    text = '{"standard": {"slug": "brand", "name": "B", "name": "C"}, "touch_points": []}'
    assert "duplicate key 'name'" in refused(tmp_path, text, name="s.json")


def test_missing_touch_points(tmp_path):
    message = refused(tmp_path, {"standard": {"slug": "brand", "name": "Brand"}})
    assert "touch_points: is required: a list of touch points, each with its criteria." in message


def test_a_touch_point_without_criteria(tmp_path):
    doc = small_standard_doc()
    doc["touch_points"][2]["criteria"] = []
    message = refused(tmp_path, doc)
    assert "touch_points[2] (delivery).criteria: is required: a touch point needs at least one criterion." in message


def test_every_problem_is_reported_at_once(tmp_path):
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"][0]["comparison"] = "lt"
    doc["touch_points"][0]["criteria"][0]["weight"] = 0
    doc["touch_points"][2]["criteria"][0].pop("unit")
    message = refused(tmp_path, doc)
    assert "criteria[0] (phone_rings).comparison: 'lt' is not a comparison; use 'lte' or 'gte'." in message
    assert "criteria[0] (phone_rings).weight: must be a number greater than zero and at most 1000." in message
    assert "touch_points[2] (delivery).criteria[0] (delivery_on_time_pct).unit: is required" in message
    assert "3 problem(s)" in message


def test_nan_and_unknown_fields(tmp_path):
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"][0]["target"] = float("nan")
    doc["touch_points"][0]["criteria"][1]["colour"] = "red"
    message = refused(tmp_path, doc)
    assert "criteria[0] (phone_rings).target: must be a finite number." in message
    assert "criteria[1] (phone_greeting).colour: is not a criterion field" in message


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_standard", str(tmp_path / "missing.yaml"))
    assert "is not valid JSON or YAML" in refused(tmp_path, "touch_points: [unclosed")
    assert "must hold a mapping" in refused(tmp_path, "- just\n- a list\n")
    assert nothing_loaded()


def test_loading_while_a_draft_exists_is_refused(tmp_path):
    load(tmp_path, small_standard_doc(), publish=False)
    with pytest.raises(CommandError, match="already has a draft"):
        load(tmp_path, small_standard_doc(), name="again.yaml")
    assert StandardVersion.objects.count() == 1
