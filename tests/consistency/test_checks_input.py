"""Every bad input of a daily check: a 400 (or 413) naming the field, and nothing stored."""

import datetime as dt
import json

import pytest
from django.test import override_settings

from consistency.models import CheckResult, CorrectiveAction, DailyCheck, IdempotencyRecord
from tests.conftest import client_for
from tests.factories import small_standard_doc

from .checks_support import check_body, submit

pytestmark = pytest.mark.django_db


def post_raw(client, raw: bytes | str, content_type="application/json", **headers):
    return client.generic("POST", "/api/v1/sites/A1/checks/", raw, content_type=content_type, headers=headers)


def assert_refused(response, status: int, field: str, code: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field", "errors"}
    assert field in [e["field"] for e in body["errors"]], body
    if code:
        assert code in [e["code"] for e in body["errors"]], body
    assert not DailyCheck.objects.exists()
    assert not CheckResult.objects.exists()
    assert not CorrectiveAction.objects.exists()


def with_result(network, index: int, **changes) -> dict:
    body = check_body(network.a1)
    body["results"][index].update(changes)
    return body


@pytest.mark.parametrize(
    ("index", "value", "why"),
    [
        (0, "three", "a number as text"),
        (0, True, "a boolean for a number"),
        (0, [3], "a list"),
        (0, {"v": 3}, "an object"),
        (1, 1, "a number for a yes/no"),
        (1, "yes", "text for a yes/no"),
        (2, 0, "a score below 1"),
        (2, 6, "a score above 5"),
        (2, 4.5, "a score that is not whole"),
        (2, True, "a boolean for a score"),
        (0, 1e300, "an absurd number"),
        (0, -5, "fewer than no rings (it would pass 'at most 3')"),
        (3, 150, "a percentage over 100"),
        (3, -0.5, "a negative percentage"),
    ],
)
def test_a_wrong_value_names_the_result(network, standard, index, value, why):
    response = submit(client_for(network.manager_a), "A1", with_result(network, index, value=value))
    assert_refused(response, 400, f"results[{index}].value")


def test_an_impossible_reading_says_what_is_possible(network, standard):
    response = submit(client_for(network.manager_a), "A1", with_result(network, 0, value=-5))
    assert response.json()["message"] == ("results[0].value: \"Rings to answer\" (phone_rings): -5 rings is not a "
                                          "possible reading; the lowest is 0.")


def test_the_edges_of_the_possible_readings_are_accepted(network, standard):
    body = check_body(network.a1)
    body["results"][0]["value"] = 0
    body["results"][3]["value"] = 100
    assert submit(client_for(network.manager_a), "A1", body).status_code == 201


def test_a_missing_value_names_the_result(network, standard):
    body = check_body(network.a1)
    del body["results"][3]["value"]
    assert_refused(submit(client_for(network.manager_a), "A1", body), 400, "results[3].value", "required")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "1" + "0" * 400],
                         ids=["NaN", "Infinity", "-Infinity", "1e999", "10^400"])
def test_nan_and_infinity_are_refused_naming_the_field(network, standard, literal):
    # Python's json module accepts NaN and Infinity, 1e999 overflows to inf, and an integer of 401 digits is
    # past any float: all must be refused.
    raw = json.dumps(check_body(network.a1)).replace('"value": 97.5', f'"value": {literal}')
    assert literal in raw
    assert_refused(post_raw(client_for(network.manager_a), raw), 400, "results[3].value")


@pytest.mark.parametrize("where", ["criterion", "note", "reason"])
def test_the_nul_character_is_refused_naming_the_field(network, standard, where):
    # JSON may carry it (\u0000); PostgreSQL refuses it in text, which was a 500.
    body = check_body(network.a1)
    if where == "reason":
        body.update(amends=1, reason="wrong\x00value")
        field = "reason"
    else:
        body["results"][2][where] = body["results"][2][where] + "\x00" if where == "criterion" else "a\x00b"
        field = f"results[2].{where}"
    assert_refused(submit(client_for(network.manager_a), "A1", body), 400, field)


@pytest.mark.parametrize("where", ["criterion", "note", "reason"])
def test_a_lone_surrogate_is_refused_naming_the_field(network, standard, where):
    # orjson refuses "\ud800" and Python's json reads it; no text holding it can be stored (it was a 500).
    body = check_body(network.a1)
    if where == "reason":
        body.update(amends=1, reason="SURROGATE")
        field = "reason"
    else:
        body["results"][2][where] = "SURROGATE"
        field = f"results[2].{where}"
    raw = json.dumps(body).replace("SURROGATE", "wrong \\ud800 value")
    assert "\\ud800" in raw
    assert_refused(post_raw(client_for(network.manager_a), raw), 400, field)


def test_a_body_nested_too_deeply_is_a_400(network, standard):
    # 10 kB, far under the size limit: deeper than orjson reads and than Python's recursion limit.
    assert_refused(post_raw(client_for(network.manager_a), b"[" * 5000 + b"]" * 5000), 400, "body", "parse_error")
    nested = json.dumps(check_body(network.a1)).replace('"value": 97.5', '"value": ' + "[" * 5000 + "]" * 5000)
    assert_refused(post_raw(client_for(network.manager_a), nested), 400, "body", "parse_error")


def test_an_unknown_criterion_is_refused(network, standard):
    response = submit(client_for(network.manager_a), "A1", with_result(network, 0, criterion="phone_ringz"))
    assert_refused(response, 400, "results[0].criterion", "unknown_criterion")
    # The real one is now missing as well, and that is reported in the same answer.
    assert "results" in [e["field"] for e in response.json()["errors"]]


def test_a_missing_criterion_is_refused_naming_it(network, standard):
    body = check_body(network.a1)
    body["results"] = body["results"][:3]
    response = submit(client_for(network.manager_a), "A1", body)
    assert_refused(response, 400, "results", "missing_criteria")
    assert "delivery_on_time_pct" in response.json()["message"]


def test_a_duplicate_criterion_is_refused(network, standard):
    body = check_body(network.a1)
    body["results"].append(dict(body["results"][0]))
    assert_refused(submit(client_for(network.manager_a), "A1", body), 400, "results[4].criterion", "duplicate")


def test_a_criterion_of_another_version_is_refused_saying_so(network, standard):
    # Version 2 adds a criterion, in force only from next year: today's checks are judged by version 1.
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"].append(
        {"key": "phone_callback", "prompt": "Callback", "kind": "boolean", "weight": 1})
    from consistency.services import standard as services
    from consistency.services.standard_document import parse_document

    draft = services.version_draft(standard=standard.standard, user=None, notes="v2")
    services.version_replace_contents(version=draft, doc=parse_document(doc))
    import datetime as dt

    services.version_publish(version=draft, effective_from=dt.date(2027, 1, 1))
    body = check_body(network.a1)
    body["results"].append({"criterion": "phone_callback", "value": True})
    response = submit(client_for(network.manager_a), "A1", body)
    assert_refused(response, 400, "results[4].criterion", "unknown_criterion")
    assert "version 2" in response.json()["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "23/11/2026"}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": 20261123}, "date"),
        ({"date": "2026-W48-2"}, "date"),  # an ISO week date: Python reads it, no phone means it
        ({"date": "２０２６-11-23"}, "date"),  # full-width digits
        ({"date": None}, "date"),
        ({"performed_at": "yesterday morning"}, "performed_at"),
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"client_id": 12}, "client_id"),
        ({"results": []}, "results"),
        ({"results": "phone_rings=2"}, "results"),
        ({"results": None}, "results"),
        ({"amends": "first"}, "amends"),
        ({"reason": 5}, "reason"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_top_level_fields_are_named(network, standard, change, field):
    body = check_body(network.a1)
    body.update(change)
    assert_refused(submit(client_for(network.manager_a), "A1", body), 400, field)


@pytest.mark.parametrize("performed_at", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00", "DAY_BEFORE"],
                         ids=["year 1 (was a 500)", "year 1, no offset", "the evening before"])
def test_a_check_performed_before_its_day_began_is_refused(network, standard, performed_at):
    body = check_body(network.a1)
    if performed_at == "DAY_BEFORE":  # 20:00 the evening before, at the site
        day = dt.date.fromisoformat(body["date"])
        performed_at = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(20), tzinfo=network.a1.tz).isoformat()
    response = submit(client_for(network.manager_a), "A1", {**body, "performed_at": performed_at})
    assert_refused(response, 400, "performed_at", "before_the_day")


def test_a_result_that_is_not_an_object_or_has_a_typo(network, standard):
    body = check_body(network.a1)
    body["results"][0] = ["phone_rings", 2]
    body["results"][1]["valeu"] = True
    response = submit(client_for(network.manager_a), "A1", body)
    fields = [e["field"] for e in response.json()["errors"]]
    assert_refused(response, 400, "results[0]")
    assert "results[1].valeu" in fields


def test_a_note_over_the_limit_is_refused(network, standard):
    response = submit(client_for(network.manager_a), "A1", with_result(network, 1, note="x" * 1001))
    assert_refused(response, 400, "results[1].note", "max_length")
    ok = submit(client_for(network.manager_a), "A1", with_result(network, 1, note="x" * 1000))
    assert ok.status_code == 201


def test_a_reason_over_the_limit_is_refused(network, standard):
    body = check_body(network.a1, amends=1, reason="r" * 501)
    assert_refused(submit(client_for(network.manager_a), "A1", body), 400, "reason", "max_length")


def test_every_problem_is_listed_at_once(network, standard):
    body = check_body(network.a1)
    body["results"][0]["value"] = "x"
    body["results"][2]["value"] = 9
    body["results"][1]["note"] = "n" * 2000
    response = submit(client_for(network.manager_a), "A1", body)
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"results[0].value", "results[1].note"} <= fields


def test_a_body_over_the_size_limit_is_a_413_in_the_error_shape(network, standard):
    with override_settings(MAX_REQUEST_BYTES=2048, DATA_UPLOAD_MAX_MEMORY_SIZE=2048):
        body = check_body(network.a1)
        body["results"][0]["note"] = "x" * 900
        body["results"][1]["note"] = "y" * 900
        body["results"][2]["note"] = "z" * 900
        response = submit(client_for(network.manager_a), "A1", body, **{"Idempotency-Key": "big-1"})
    assert_refused(response, 413, "body", "too_large")
    assert not IdempotencyRecord.objects.exists()


def test_a_body_that_is_not_json_is_a_400(network, standard):
    assert_refused(post_raw(client_for(network.manager_a), b'{"date": "2026-'), 400, "body", "parse_error")
    assert_refused(post_raw(client_for(network.manager_a), b"[1, 2]"), 400, "body")


def test_a_form_body_is_refused(network, standard):
    response = post_raw(client_for(network.manager_a), "date=2026-11-23", content_type="application/x-www-form-urlencoded")
    assert_refused(response, 415, "body")


def test_refusal_after_the_claim_releases_the_idempotency_key(network, standard):
    # A 400 from the rules of the standard stores nothing, not even the key: the corrected retry runs.
    client = client_for(network.manager_a)
    bad = with_result(network, 2, value=6)
    assert submit(client, "A1", bad, **{"Idempotency-Key": "k-1"}).status_code == 400
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    ("index", "value", "expected"),
    [
        (2, "five", "results[2].value: \"Cleanliness\" (restroom_clean) is a score: send a whole number "
                    "from 1 to 5, not the text 'five'."),
        (1, "yes", "results[1].value: \"Brand greeting\" (phone_greeting) is a yes/no criterion: send true or "
                   "false, not the text 'yes'."),
        (0, "three", "results[0].value: \"Rings to answer\" (phone_rings) is a number of rings: send a number, not "
                     "the text 'three'."),
    ],
)
def test_a_text_value_names_the_criterion_and_the_one_kind_it_takes(network, standard, index, value, expected):
    response = submit(client_for(network.manager_a), "A1", with_result(network, index, value=value))
    assert_refused(response, 400, f"results[{index}].value")
    assert response.json()["message"] == expected


def test_a_text_value_is_named_beside_the_other_problems_of_the_results(network, standard):
    body = check_body(network.a1)
    body["results"][1]["value"] = "yes"
    body["results"][3]["note"] = "n" * 2000
    errors = submit(client_for(network.manager_a), "A1", body).json()["errors"]
    assert [e["field"] for e in errors] == ["results[1].value", "results[3].note"]
    assert "\"Brand greeting\" (phone_greeting) is a yes/no criterion" in errors[0]["message"]
