"""A criterion marked not applicable at a site for a period: the check needs one fewer result and refuses one for
it, the variance expects nothing of it on those days (results stored before the mark included), ending the mark
brings them back."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.errors import AppError
from consistency.models import CheckResult, DailyCheck, SiteRollup
from consistency.models.review import NotApplicable
from consistency.services import applicability
from consistency.variance import variance_report
from consistency.variance.timeline import Timeline
from sites.models import Site
from tests.conftest import client_for

from .checks_support import check_body, local_today, submit
from .variance_data import ALL_PASS_V1, check

pytestmark = pytest.mark.django_db
D = dt.date


MARCH_1, MARCH_10 = D(2026, 3, 1), D(2026, 3, 10)


def mark(network, site=None, key="restroom_clean", starts_on=MARCH_1, ends_on=None,
         reason="No restroom on the premises"):
    return applicability.mark(user=network.head_office, site=site or network.a1, criterion_key=key,
                              starts_on=starts_on, ends_on=ends_on, reason=reason)


# --- the check: one fewer result required, a result for it refused ----------------------------------------------

def test_a_check_needs_no_result_for_a_criterion_not_applicable_that_day(network, standard):
    today = local_today(network.a1)
    client = client_for(network.manager_a)
    body = check_body(network.a1, day=today)
    body["results"] = [r for r in body["results"] if r["criterion"] != "restroom_clean"]
    refused = submit(client, "A1", body)
    assert refused.status_code == 400 and "missing restroom_clean" in refused.json()["message"]

    mark(network, starts_on=today - dt.timedelta(days=3))
    response = submit(client, "A1", body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert sorted(r["criterion"] for r in answer["results"]) == ["delivery_on_time_pct", "phone_greeting",
                                                                 "phone_rings"]
    # Scored over the applicable criteria only: every one passed (the restroom, critical and with a photo to
    # give, is neither a failure nor a missing photo).
    assert answer["score"] == 1.0
    assert answer["actions"] == []
    # The other sites still need it.
    other = check_body(network.b1)
    other["results"] = [r for r in other["results"] if r["criterion"] != "restroom_clean"]
    b1 = submit(client_for(network.manager_b), "B1", other)
    assert b1.status_code == 400 and "missing restroom_clean" in b1.json()["message"]


def test_a_result_for_a_criterion_not_applicable_is_refused_with_the_marks_reason_and_period(network, standard):
    today = local_today(network.a1)
    mark(network, starts_on=today - dt.timedelta(days=3), ends_on=today + dt.timedelta(days=30),
         reason="Restroom closed for works")
    body = check_body(network.a1, day=today)
    index = [r["criterion"] for r in body["results"]].index("restroom_clean")
    response = submit(client_for(network.manager_a), "A1", body)
    assert response.status_code == 400
    error = next(e for e in response.json()["errors"] if e["code"] == "not_applicable")
    assert error["field"] == f"results[{index}].criterion"
    assert "Restroom closed for works" in error["message"]
    assert (today - dt.timedelta(days=3)).isoformat() in error["message"]
    assert (today + dt.timedelta(days=30)).isoformat() in error["message"]
    assert not DailyCheck.objects.exists()  # nothing half-saved


def test_a_mark_covers_its_days_only(network, standard):
    today = local_today(network.a1)
    client = client_for(network.manager_a)
    mark(network, starts_on=today - dt.timedelta(days=3), ends_on=today - dt.timedelta(days=2))
    # Yesterday is after the mark ended: the restroom is required again, and taken.
    assert submit(client, "A1", check_body(network.a1, day=today - dt.timedelta(days=1))).status_code == 201
    inside = check_body(network.a1, day=today - dt.timedelta(days=2))
    assert submit(client, "A1", inside).status_code == 400


def test_an_amendment_follows_the_marks_of_its_day(network, standard):
    today = local_today(network.a1)
    client = client_for(network.manager_a)
    first = submit(client, "A1", check_body(network.a1, day=today)).json()
    mark(network, starts_on=today)  # made after the check: its result stays, uncounted
    assert CheckResult.objects.filter(daily_check_id=first["id"], criterion__key="restroom_clean").exists()
    amended = check_body(network.a1, day=today, amends=first["id"], reason="typo")
    assert submit(client, "A1", amended).status_code == 400
    amended["results"] = [r for r in amended["results"] if r["criterion"] != "restroom_clean"]
    assert submit(client, "A1", amended).status_code == 201
    assert_totals_leave_out_marked(network.a1)


def test_a_department_check_does_not_need_a_criterion_not_applicable(network):
    from .departments_support import department_standard

    department_standard()
    today = local_today(network.a1)
    client = client_for(network.accountant)
    mark(network, key="delivery_on_time_pct", starts_on=today, reason="No delivery service")
    # Accounting's part is the delivery criterion alone: with it not applicable the part asks for nothing, and a
    # result for it is refused.
    body = check_body(network.a1, day=today, department="accounting")
    body["results"] = [{"criterion": "delivery_on_time_pct", "value": 97.5, "note": ""}]
    refused = submit(client, "A1", body)
    assert refused.status_code == 400 and refused.json()["field"] == "results[0].criterion"
    assert "No delivery service" in refused.json()["message"]


def test_audits_may_still_record_a_criterion_not_applicable(network, standard):
    today = local_today(network.a1)
    mark(network, starts_on=today - dt.timedelta(days=1))
    body = check_body(network.a1, day=today, kind="audit")
    response = client_for(network.auditor).post("/api/v1/sites/A1/audits/", body, format="json")
    assert response.status_code == 201, response.content
    assert "restroom_clean" in {r["criterion"] for r in response.json()["results"]}


# --- the variance: nothing expected, nothing observed, results kept ------------------------------------------------

def _history(network, days=10):
    """A1 and A2 check every day of March 1..days, everything passing except A1's restroom (score 2 of 5)."""
    for i in range(days):
        day = D(2026, 3, 1) + dt.timedelta(days=i)
        check(network.a1, day, {**ALL_PASS_V1, "restroom_clean": 2}, user=network.manager_a)
        check(network.a2, day, ALL_PASS_V1, user=network.manager_a)


def _report(network, date_to=MARCH_10):
    report = variance_report(date_from=D(2026, 3, 1), date_to=date_to,
                             sites=Site.objects.filter(pk__in=[network.a1.pk, network.a2.pk]))
    return {s.code: s for s in report.sites}


def _criterion(site, key):
    return next(c for c in site.criteria if c.key == key)


def assert_totals_leave_out_marked(site):
    """Brute force: the running totals equal the raw current results of the site minus those of a criterion
    marked not applicable on their day (every mark of the site, read here in Python)."""
    marks = list(NotApplicable.objects.filter(site=site).values_list("criterion_key", "starts_on", "ends_on"))

    def marked(key, day):
        return any(k == key and s <= day and (e is None or day <= e) for k, s, e in marks)

    timeline = Timeline.load()
    rows = [r for r in CheckResult.objects.filter(site=site, is_current=True, date__gte=site.opened_on)
            .values_list("date", "criterion__key", "passed") if not marked(r[1], r[0])]
    checks = sorted(site.checks.filter(is_current=True, department__isnull=True).values_list("date", flat=True))
    running: dict[str, list] = {}
    for day in (checks[0] + dt.timedelta(days=i) for i in range((checks[-1] - checks[0]).days + 1)):
        for d, key, ok in rows:
            if d == day and key in timeline.keys_expected(day):
                running.setdefault(key, [0, 0])
                running[key][0] += 1
                running[key][1] += ok
        row = SiteRollup.objects.get(site=site, date=day)
        got = {k: [t[0], t[1]] for k, t in row.criterion_totals().items() if t[0]}
        assert got == {k: v for k, v in running.items() if v[0]}, day


def test_a_retroactive_mark_takes_past_results_out_of_the_variance_and_ending_it_brings_them_back(network,
                                                                                                 standard):
    _history(network)
    before = _report(network)
    a1 = before["A1"]
    restroom = _criterion(a1, "restroom_clean")
    assert (restroom.observations, restroom.pass_rate.expected, restroom.pass_rate.passed) == (10, 10, 0)
    assert a1.score < 1 and not a1.not_applicable
    stored_results = CheckResult.objects.filter(site=network.a1).count()

    made = mark(network, starts_on=D(2026, 3, 4), reason="Restroom removed in the refit")
    after = _report(network)
    a1 = after["A1"]
    restroom = _criterion(a1, "restroom_clean")
    # March 1..3 still count (3 failures); March 4..10 expect nothing and observe nothing.
    assert (restroom.observations, restroom.pass_rate.expected, restroom.pass_rate.passed) == (3, 3, 0)
    assert not restroom.not_applicable  # only part of the period
    # The site's score is over the rest: weights phone_rings 2, phone_greeting 1, restroom 3, delivery 1.
    assert a1.score == pytest.approx((10 * (2 + 1 + 1)) / (10 * (2 + 1 + 1) + 3 * 3))
    assert a1.expected_days == 10  # the day is still expected; only that criterion is not
    assert [(n.criterion, n.starts_on, n.ends_on, n.reason) for n in a1.not_applicable] == [
        ("restroom_clean", D(2026, 3, 4), None, "Restroom removed in the refit")]
    assert after["A2"].not_applicable == [] and after["A2"].score == before["A2"].score
    # The results are kept; only the totals leave them out.
    assert CheckResult.objects.filter(site=network.a1).count() == stored_results
    assert_totals_leave_out_marked(network.a1)

    # A period inside the mark: "n/a", not a rate.
    inside = variance_report(date_from=D(2026, 3, 5), date_to=D(2026, 3, 8), sites=Site.objects.filter(code="A1"))
    cell = _criterion(inside.sites[0], "restroom_clean")
    assert cell.not_applicable and cell.observations == 0 and cell.pass_rate.expected == 0
    assert inside.sites[0].score == 1.0  # everything applicable passed
    assert "restroom" not in {t.key for t in inside.sites[0].touch_points}  # no touch point row of nothing

    # Ending it brings back the results of the days after its end.
    applicability.end(user=network.head_office, site=network.a1, mark_id=made.pk, ends_on=D(2026, 3, 6))
    ended = _report(network)["A1"]
    restroom = _criterion(ended, "restroom_clean")
    assert (restroom.observations, restroom.pass_rate.expected) == (7, 7)  # 1..3 and 7..10
    assert_totals_leave_out_marked(network.a1)
    with pytest.raises(AppError) as refused:  # an end before its first day
        applicability.end(user=network.head_office, site=network.a1, mark_id=made.pk, ends_on=D(2026, 3, 3))
    assert refused.value.field == "ends_on"
    applicability.end(user=network.head_office, site=network.a1, mark_id=made.pk, ends_on=D(2026, 3, 4))
    restored = _report(network)["A1"]
    restroom = _criterion(restored, "restroom_clean")
    assert (restroom.observations, restroom.pass_rate.expected) == (9, 9)
    after_it = variance_report(date_from=D(2026, 3, 5), date_to=D(2026, 3, 10), sites=Site.objects.filter(code="A1"))
    assert after_it.sites[0].not_applicable == []
    assert _criterion(after_it.sites[0], "restroom_clean").observations == 6
    assert NotApplicable.objects.filter(pk=made.pk).exists()  # ended, never deleted
    assert_totals_leave_out_marked(network.a1)


def test_missed_days_expect_nothing_of_a_criterion_not_applicable(network, standard):
    # A1 checks only March 1; March 2..10 are missed: each expects every criterion but the one marked.
    check(network.a1, D(2026, 3, 1), ALL_PASS_V1, user=network.manager_a)
    mark(network, starts_on=D(2026, 3, 1), ends_on=D(2026, 3, 10))
    a1 = _report(network)["A1"]
    assert _criterion(a1, "restroom_clean").not_applicable
    phone = _criterion(a1, "phone_rings")
    assert (phone.pass_rate.passed, phone.pass_rate.expected) == (1, 10)
    assert a1.score == pytest.approx(1 / 10)


def test_an_inactive_site_expects_nothing_of_a_criterion_marked_on_its_checked_days(network, standard):
    check(network.a1, D(2026, 3, 2), ALL_PASS_V1, user=network.manager_a)
    check(network.a1, D(2026, 3, 5), ALL_PASS_V1, user=network.manager_a)
    mark(network, starts_on=D(2026, 3, 4))
    Site.objects.filter(pk=network.a1.pk).update(active=False)
    restroom = _criterion(_report(network)["A1"], "restroom_clean")
    assert (restroom.observations, restroom.pass_rate.expected) == (1, 1)  # March 2 only


def test_new_checks_after_a_mark_keep_the_totals_exact(network, standard):
    today = local_today(network.a1)
    client = client_for(network.manager_a)
    body = check_body(network.a1, day=today - dt.timedelta(days=3))
    assert submit(client, "A1", body).status_code == 201
    mark(network, starts_on=today - dt.timedelta(days=3))  # covers the day already checked
    for days in (1, 0, 2):  # in order, then a late one before the head
        b = check_body(network.a1, day=today - dt.timedelta(days=days))
        b["results"] = [r for r in b["results"] if r["criterion"] != "restroom_clean"]
        assert submit(client, "A1", b).status_code == 201
    assert_totals_leave_out_marked(network.a1)
    head = SiteRollup.objects.get(site=network.a1, is_head=True)
    assert "restroom_clean" not in head.keys


# --- the API -----------------------------------------------------------------------------------------------------

URL = "/api/v1/sites/{code}/not-applicable/"


def _body(**over):
    return {"criterion": "restroom_clean", "starts_on": "2026-03-01", "ends_on": None,
            "reason": "No restroom on the premises", **over}


def test_head_office_marks_lists_and_ends(network, standard):
    client = client_for(network.head_office)
    made = client.post(URL.format(code="A1"), _body(), format="json")
    assert made.status_code == 201, made.content
    data = made.json()
    assert (data["site"], data["criterion"], data["starts_on"], data["ends_on"], data["created_by"]) == (
        "A1", "restroom_clean", "2026-03-01", None, "head.office")
    listed = client.get(URL.format(code="A1")).json()
    assert [m["id"] for m in listed["results"]] == [data["id"]]
    ended = client.patch(f"{URL.format(code='A1')}{data['id']}/", {"ends_on": "2026-03-31"}, format="json")
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2026-03-31"
    assert client.get(URL.format(code="A1"), {"current": "true"}).json()["results"] == []
    assert len(client.get(URL.format(code="A1")).json()["results"]) == 1  # ended, not deleted


@pytest.mark.parametrize(("body", "field"), [
    ({"reason": ""}, "reason"),
    ({"reason": "   "}, "reason"),
    ({"reason": "x" * 501}, "reason"),
    ({"criterion": "no_such_thing"}, "criterion"),
    ({"criterion": "bad key!"}, "criterion"),
    ({"starts_on": "yesterday"}, "starts_on"),
    ({"starts_on": "2025-06-01"}, "starts_on"),  # before the site opened
    ({"starts_on": "2099-01-01"}, "starts_on"),  # far ahead
    ({"ends_on": "2026-02-01"}, "ends_on"),      # before it starts
    ({"ends_on": "2050-01-01"}, "ends_on"),      # longer than ten years
])
def test_bad_marks_are_refused_naming_the_field(network, standard, body, field):
    response = client_for(network.head_office).post(URL.format(code="A1"), _body(**body), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not NotApplicable.objects.exists()


def test_an_overlapping_mark_is_refused_naming_the_existing_one(network, standard):
    client = client_for(network.head_office)
    first = client.post(URL.format(code="A1"), _body(ends_on="2026-03-31"), format="json").json()
    clash = client.post(URL.format(code="A1"), _body(starts_on="2026-03-31", reason="again"), format="json")
    assert clash.status_code == 409
    assert f"mark {first['id']}" in clash.json()["message"] and "No restroom on the premises" in clash.json()["message"]
    # Another criterion, another site, or the days after it: fine.
    assert client.post(URL.format(code="A1"), _body(starts_on="2026-04-01"), format="json").status_code == 201
    assert client.post(URL.format(code="A2"), _body(), format="json").status_code == 201
    assert client.post(URL.format(code="A1"), _body(criterion="phone_greeting"), format="json").status_code == 201
    # Moving the first one's end into the second is refused too.
    moved = client.patch(f"{URL.format(code='A1')}{first['id']}/", {"ends_on": "2026-04-02"}, format="json")
    assert moved.status_code == 409


def test_ending_needs_a_date_and_a_mark_of_that_site(network, standard):
    client = client_for(network.head_office)
    made = client.post(URL.format(code="A1"), _body(), format="json").json()
    assert client.patch(f"{URL.format(code='A1')}{made['id']}/", {}, format="json").json()["field"] == "ends_on"
    assert client.patch(f"{URL.format(code='A1')}{made['id']}/", {"ends_on": None}, format="json").status_code == 400
    assert client.patch(f"{URL.format(code='A2')}{made['id']}/", {"ends_on": "2026-04-01"},
                        format="json").status_code == 404


@pytest.mark.parametrize(("who", "site", "read", "write"), [
    ("head_office", "A1", 200, 201),
    ("manager_a", "A1", 200, 403),
    ("manager_a", "B1", 404, 404),
    ("auditor", "A1", 200, 403),      # region A
    ("auditor", "B1", 404, 404),
    ("auditor_b1", "B1", 200, 403),
    ("shopper", "A1", 404, 404),      # visits A1, reads none of its data
    ("accountant", "A2", 200, 403),
    ("accountant", "B1", 404, 404),
])
def test_every_role_in_and_out_of_its_scope(network, standard, who, site, read, write):
    NotApplicable.objects.create(site=getattr(network, site.lower()), criterion_key="restroom_clean",
                                 starts_on=D(2026, 3, 1), reason="No restroom", created_by=network.head_office)
    client = client_for(getattr(network, who))
    listed = client.get(URL.format(code=site))
    assert listed.status_code == read
    if read == 200:
        assert len(listed.json()["results"]) == 1
    mark_id = NotApplicable.objects.get().pk
    assert client.post(URL.format(code=site), _body(criterion="phone_greeting"), format="json").status_code == write
    ended = client.patch(f"{URL.format(code=site)}{mark_id}/", {"ends_on": "2026-04-01"}, format="json")
    assert ended.status_code == (200 if write == 201 else write)
    assert client_for().get(URL.format(code=site)).status_code == 401


def test_the_network_list_holds_what_each_reader_reads(network, standard):
    for site in (network.a1, network.a2, network.b1):
        NotApplicable.objects.create(site=site, criterion_key="restroom_clean", starts_on=D(2026, 3, 1),
                                     reason="No restroom", created_by=network.head_office)

    def sites_of(user):
        response = client_for(user).get("/api/v1/not-applicable/")
        assert response.status_code == 200
        return sorted(m["site"] for m in response.json()["results"])

    assert sites_of(network.head_office) == ["A1", "A2", "B1"]
    assert sites_of(network.manager_a) == ["A1"]
    assert sites_of(network.auditor) == ["A1", "A2"]
    assert sites_of(network.auditor_b1) == ["B1"]
    assert sites_of(network.shopper) == []


def test_listing_marks_is_a_fixed_number_of_queries(network, standard, django_assert_max_num_queries):
    client = client_for(network.head_office)
    client.get("/api/v1/not-applicable/")
    for i, key in enumerate(["restroom_clean", "phone_greeting", "phone_rings", "delivery_on_time_pct"]):
        for site in (network.a1, network.a2, network.b1):
            NotApplicable.objects.create(site=site, criterion_key=key, starts_on=D(2026, 3, 1 + i),
                                         reason="why", created_by=network.head_office)
    # token, profile, count, page (sites and authors joined)
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/not-applicable/").json()["results"]) == 12
    # and the site, first
    with django_assert_max_num_queries(5):
        assert len(client.get(URL.format(code="A1")).json()["results"]) == 4


def test_the_variance_api_says_n_a(network, standard, django_assert_max_num_queries):
    _history(network)
    mark(network, starts_on=D(2026, 3, 1), ends_on=D(2026, 3, 31), reason="No restroom")
    client = client_for(network.head_office)
    client.get("/api/v1/variance/", {"from": "2026-03-01", "to": "2026-03-10"})
    with django_assert_max_num_queries(8):
        data = client.get("/api/v1/variance/", {"from": "2026-03-01", "to": "2026-03-10", "region": "region-a"}).json()
    a1 = next(s for s in data["sites"] if s["code"] == "A1")
    assert a1["not_applicable"] == [{"criterion": "restroom_clean", "prompt": "Cleanliness", "from": "2026-03-01",
                                     "to": "2026-03-31", "reason": "No restroom"}]
    cell = next(c for c in a1["criteria"] if c["key"] == "restroom_clean")
    assert cell["not_applicable"] is True and cell["pass_rate"] is None and cell["observations"] == 0
    assert a1["score"] == 1.0
    a2 = next(s for s in data["sites"] if s["code"] == "A2")
    assert a2["not_applicable"] == []
    assert next(c for c in a2["criteria"] if c["key"] == "restroom_clean")["not_applicable"] is False


# --- the demo ----------------------------------------------------------------------------------------------------

def test_the_demo_marks_two_sites_and_its_history_keeps_to_them(db):
    from django.utils import timezone

    from consistency.demo import seed_standard
    from consistency.demo_history import seed_history
    from consistency.demo_not_applicable import DEMO_MARKS, seed_not_applicable
    from sites.demo import seed_network

    seed_network(password="demo")
    seed_standard()
    now = timezone.now()
    seed_history(days=30, site_codes=["CHC-02"], now=now - dt.timedelta(days=2))
    assert seed_not_applicable(now=now) == 8
    assert seed_not_applicable(now=now) == 0  # safe to run twice
    site = Site.objects.get(code="CHC-02")
    # The next days of history (a later run of the seed) give no result for the restroom.
    seed_history(days=30, site_codes=["CHC-02"], now=now)
    today = now.astimezone(site.tz).date()
    latest = DailyCheck.objects.filter(site=site, is_current=True).latest("date")
    assert latest.date >= today - dt.timedelta(days=2)
    assert not latest.results.filter(criterion__key__startswith="restroom").exists()
    assert latest.results.count() == 34 - 4 - 4  # accounting's invoicing is its own check
    report = variance_report(date_from=today - dt.timedelta(days=10), date_to=today - dt.timedelta(days=1),
                             sites=Site.objects.filter(code="CHC-02"))
    shown = report.sites[0]
    assert {n.criterion for n in shown.not_applicable} == set(DEMO_MARKS["CHC-02"][0])
    assert all(c.not_applicable for c in shown.criteria if c.key.startswith("restroom"))
    assert_totals_leave_out_marked(site)


def test_the_refusal_reads_in_french(network, standard):
    from django.utils import translation

    made = mark(network, starts_on=D(2026, 3, 1), ends_on=D(2026, 3, 31), reason="Pas de toilettes")
    with translation.override("fr"):
        text = applicability.refusal(made, 2)
    assert text == ("results[2].criterion : 'restroom_clean' ne s'applique pas à ce site du 2026-03-01 au 2026-03-31 "
                    "(Pas de toilettes) ; n'envoyez pas de résultat pour ce critère.")


def test_current_marks_are_those_not_ended_before_the_sites_today(network, standard):
    client = client_for(network.head_office)
    today_a1, today_b1 = local_today(network.a1), local_today(network.b1)
    for site, today in ((network.a1, today_a1), (network.b1, today_b1)):
        for key, end in (("phone_rings", today), ("phone_greeting", today - dt.timedelta(days=1)),
                         ("restroom_clean", None)):
            NotApplicable.objects.create(site=site, criterion_key=key, starts_on=D(2026, 3, 1), ends_on=end,
                                         reason="why", created_by=network.head_office)
    listed = client.get("/api/v1/not-applicable/", {"current": "true"}).json()["results"]
    assert sorted((m["site"], m["criterion"]) for m in listed) == [
        ("A1", "phone_rings"), ("A1", "restroom_clean"), ("B1", "phone_rings"), ("B1", "restroom_clean")]


def test_the_rule_in_the_database_and_its_arithmetic_agree(network, standard):
    # covering() runs in the database (checks, totals, lists); days_covered() counts a window's days for the
    # variance engine. On random marks and windows, they cover the same days.
    import random

    rng = random.Random(18)
    base = D(2026, 3, 1)
    marks = []
    for i in range(40):
        start = base + dt.timedelta(days=rng.randint(0, 40))
        end = None if rng.random() < 0.3 else start + dt.timedelta(days=rng.randint(0, 15))
        marks.append(NotApplicable.objects.create(site=network.a1, criterion_key=f"k{i}", starts_on=start,
                                                  ends_on=end, reason="r", created_by=network.head_office))
    for _ in range(25):
        first = base + dt.timedelta(days=rng.randint(-5, 50))
        last = first + dt.timedelta(days=rng.randint(0, 12))
        in_db = set(NotApplicable.objects.filter(applicability.covering(first, last)).values_list("pk", flat=True))
        spans = {m.pk: applicability.days_covered(m.starts_on, m.ends_on, first, last) for m in marks}
        assert in_db == {pk for pk, span in spans.items() if span is not None}
        for day in (first + dt.timedelta(days=i) for i in range((last - first).days + 1)):
            on_day = set(NotApplicable.objects.filter(applicability.covering(day)).values_list("pk", flat=True))
            assert on_day == {pk for pk, span in spans.items() if span and span[0] <= day <= span[1]}, day


@pytest.mark.parametrize("seed", [5])
def test_the_engine_with_marks_equals_a_brute_force_count(network, standard, seed):
    # A random history (missed days, amendments, a version change, a late opener, a closed site) and random marks,
    # some made after the results they cover: every criterion's passes, expected and observed equal a count day by
    # day that skips the marked days; each site's score and every week of its weekly series agree with them.
    import random

    from consistency.selectors.standard import version_in_force
    from consistency.variance.series import weekly_scores, weeks_of
    from tests.factories import SiteFactory

    from .variance_data import ALL_PASS_V2, second_version

    rng = random.Random(seed)
    second_version(D(2026, 3, 12))
    late = SiteFactory(code="LATE", region=network.region_a, opened_on=D(2026, 3, 8))
    shut = SiteFactory(code="SHUT", region=network.region_a)
    sites = [network.a1, network.a2, network.b1, late, shut]
    for site in sites:
        for i in range(24):
            day = D(2026, 2, 25) + dt.timedelta(days=i)
            if day < site.opened_on or rng.random() < 0.25:
                continue
            base = ALL_PASS_V1 if day < D(2026, 3, 12) else ALL_PASS_V2
            values = {k: (v if rng.random() < 0.7 else {"phone_rings": 6, "restroom_clean": 2}.get(k, 0))
                      for k, v in base.items() if rng.random() < 0.95}
            first = check(site, day, values, user=network.manager_a)
            if rng.random() < 0.15:
                check(site, day, {**values, "phone_greeting": 1 - values.get("phone_greeting", 1)},
                      user=network.manager_a, amends=first)
        for key in rng.sample(["phone_greeting", "restroom_clean", "uniform", "phone_rings"], 2):
            start = max(site.opened_on, D(2026, 3, 1) + dt.timedelta(days=rng.randint(0, 16)))
            end = None if rng.random() < 0.4 else start + dt.timedelta(days=rng.randint(0, 8))
            mark(network, site=site, key=key, starts_on=start, ends_on=end, reason="random")
    Site.objects.filter(pk=shut.pk).update(active=False)
    marks = list(NotApplicable.objects.values_list("site_id", "criterion_key", "starts_on", "ends_on"))

    def marked(site, key, day):
        return any(s == site.pk and k == key and a <= day and (b is None or day <= b) for s, k, a, b in marks)

    def brute_force(site, date_from, date_to):
        out = {}
        if site.active:
            days = [date_from + dt.timedelta(days=i) for i in range((date_to - date_from).days + 1)]
            days = [d for d in days if site.opened_on <= d]
        else:
            days = sorted({c.date for c in site.checks.filter(is_current=True, date__range=(date_from, date_to))})
        for day in days:
            version = version_in_force(on=day)
            weights = dict(version.criteria.values_list("key", "weight"))
            results = {r.criterion.key: r for r in CheckResult.objects.filter(site=site, date=day, is_current=True)
                       .select_related("criterion")}
            for key, weight in weights.items():
                if marked(site, key, day):
                    continue
                p, e, n, wp, we = out.get(key, (0, 0, 0, 0.0, 0.0))
                r = results.get(key)
                ok = r is not None and r.passed
                out[key] = (p + ok, e + 1, n + (r is not None), wp + weight * ok, we + weight)
        return out

    date_from, date_to = D(2026, 3, 5), D(2026, 3, 18)
    report = variance_report(date_from=date_from, date_to=date_to, sites=Site.objects.all())
    for sv in report.sites:
        site = Site.objects.get(code=sv.code)
        expected = brute_force(site, date_from, date_to)
        got = {c.key: c for c in sv.criteria}
        for key, (p, e, n, _, _) in expected.items():
            c = got[key]
            assert (c.pass_rate.passed, c.pass_rate.expected, c.observations) == (p, e, n), (sv.code, key)
            assert not c.not_applicable
        for key in set(got) - set(expected):  # marked on every expected day of the period
            assert got[key].not_applicable and got[key].observations == 0, (sv.code, key)
        wp, we = sum(v[3] for v in expected.values()), sum(v[4] for v in expected.values())
        assert sv.score == (pytest.approx(wp / we) if we else None), sv.code
    series = weekly_scores(weeks=weeks_of(date_from, date_to), sites=Site.objects.all())
    for i, week in enumerate(series.weeks):
        alone = variance_report(date_from=week.start, date_to=week.end, sites=Site.objects.all())
        for sv in alone.sites:
            got = series.sites[sv.code][i].score
            assert got == (pytest.approx(sv.score) if sv.score is not None else None), (sv.code, week)
