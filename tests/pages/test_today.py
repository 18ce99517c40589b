"""/app/today/ with Django's test client: who may open it, which site and day it is for, that its checklist is the
API's, what it shows once the day's check is in, a constant number of queries and its weight."""

from __future__ import annotations

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from consistency.models import DailyCheck
from consistency.services import images
from sites.models import Profile, Role
from tests.conftest import client_for
from tests.consistency.checks_support import check_body, local_today, submit
from tests.factories import SiteFactory, person, published_version, small_standard_doc

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fieldsets(html: str) -> list[str]:
    return re.findall(r'<fieldset class="crit[^"]*" id="c-([\w-]+)"', html)


def test_a_manager_sees_todays_checklist_of_their_site(network, standard):
    answer = signed_in(network.manager_a).get("/app/today/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<title>Today at A1 · Touchpoint</title>" in html and html.count("<h1") == 1
    day = local_today(network.a1)  # the site's local date (Pacific/Auckland), not the server's
    assert f'data-date="{day.isoformat()}"' in html and f"{day:%Y}" in html
    # The same checklist, in the same order, as the API gives a phone for that site.
    api = client_for(network.manager_a).get("/api/v1/standard/current/?site=A1").json()
    assert api["for_date"] == day.isoformat()
    keys = [c["key"] for tp in api["touch_points"] for c in tp["criteria"]]
    assert fieldsets(html) == keys
    # One control per criterion, of its kind, each labelled; a note each; the photo criterion asks for the camera.
    assert 'name="v-phone_greeting" value="true"' in html and 'name="v-phone_greeting" value="false"' in html
    assert all(f'name="v-restroom_clean" value="{s}"' in html for s in "12345")
    assert re.search(r'<label for="v-phone_rings">Reading, in rings</label>', html)
    assert re.search(r'<input type="number" id="v-phone_rings"', html)
    assert all(f'<label for="n-{k}">Note</label>' in html for k in keys)
    assert f'<input type="file" id="p-restroom_clean" accept="{images.ACCEPT_ATTRIBUTE}" capture="environment"' in html
    assert "1 photo required" in html
    # Critical criteria are marked in words (phone_greeting and restroom_clean are critical).
    legend = re.search(r'id="c-phone_greeting".*?<legend>(.*?)</legend>', html, re.S).group(1)
    assert "Critical" in legend
    assert "Critical" not in re.search(r'id="c-phone_rings".*?<legend>(.*?)</legend>', html, re.S).group(1)
    assert 'data-amends' not in html and "Send today's check" in html
    assert 'src="/static/pages/today.js"' in html and "htmx.min.js" not in html


def test_another_site_is_a_404_page_and_a_site_of_ones_own_opens(network, standard):
    manager = signed_in(network.manager_a)
    for code in ("A2", "B1", "NOPE", "bad%00code"):
        answer = manager.get(f"/app/today/?site={code}")
        assert answer.status_code == 404, code
        assert b"<title>Not found" in answer.content
    assert manager.get("/app/today/?site=A1").status_code == 200
    # A manager of two sites opens their first by default, the other by ?site=, and may switch between them.
    Profile.objects.get(user=network.manager_a).sites.add(network.a2)
    html = manager.get("/app/today/").content.decode()
    assert "<title>Today at A1" in html and '<option value="A2">' in html
    html = manager.get("/app/today/?site=A2").content.decode()
    assert "<title>Today at A2" in html and 'data-site="A2"' in html


def test_head_office_and_auditors_get_the_403_page(network, standard):
    for user in (network.head_office, network.auditor, network.auditor_b1):
        answer = signed_in(user).get("/app/today/?site=A1")
        assert answer.status_code == 403, user.username
    nobody = person("no.sites", Role.MANAGER)
    assert signed_in(nobody).get("/app/today/").status_code == 404


def test_todays_check_is_shown_with_its_failures_actions_and_an_amendment(network, standard):
    body = check_body(network.a1, values={"phone_greeting": False, "phone_rings": 6})
    stored = submit(client_for(network.manager_a), "A1", body)
    assert stored.status_code == 201, stored.json()
    html = signed_in(network.manager_a).get("/app/today/").content.decode()
    section = re.search(r'<section class="card" id="today-check".*?</section>', html, re.S).group(0)
    assert "Today's check is in" in section
    assert "Brand greeting: <strong>no</strong>" in section and "Rings to answer: <strong>6 rings</strong>" in section
    # The critical failure opened an action, named with its due day; the open actions list offers to resolve it.
    action = stored.json()["actions"][0]
    assert f'Brand greeting: due <span class="nowrap">{action["due_on"]}</span>' in section
    item = re.search(rf'<li class="action" data-id="{action["id"]}".*?</li>', html, re.S).group(0)
    # Its form is cloned from one <template> when "Resolve" is pressed (the page stays light with many actions).
    assert '<button type="button" class="open-resolve">Resolve</button>' in item and "<form" not in item
    assert html.count('<template id="resolve-template">') == 1
    # An amendment is offered (the API takes one today), starting from the stored answers, with a reason.
    check_id = stored.json()["id"]
    assert f'data-amends="{check_id}"' in html and 'id="reason"' in html
    assert re.search(r'name="v-phone_greeting" value="false" checked', html)
    assert re.search(r'id="v-phone_rings"[^>]*value="6"', html)


def test_a_closed_site_is_refused_as_the_api_refuses_it(network, standard):
    network.a1.active = False
    network.a1.save()
    answer = signed_in(network.manager_a).get("/app/today/")
    assert answer.status_code == 403 and b"not write to it" in answer.content
    assert submit(client_for(network.manager_a), "A1", check_body(network.a1)).status_code == 403


def forty_criteria_doc() -> dict:
    kinds = [{"kind": "boolean", "weight": 1}, {"kind": "score", "target": 4, "weight": 1},
             {"kind": "number", "unit": "minutes", "comparison": "lte", "target": 5, "tolerance": 1, "weight": 1}]
    touch_points = []
    for t in range(10):
        criteria = [{"key": f"tp{t}_c{i}", "prompt": f"Criterion {i} of touch point {t}", **kinds[(t + i) % 3],
                     "critical": i == 0, "photos_required": 1 if i == 1 else 0} for i in range(4)]
        touch_points.append({"key": f"tp{t}", "name": f"Touch point {t}", "why": "Because", "criteria": criteria})
    return small_standard_doc(touch_points=touch_points)


def forty_values() -> dict:
    values = {}
    for t in range(10):
        for i in range(4):
            kind = ("boolean", "score", "number")[(t + i) % 3]
            values[f"tp{t}_c{i}"] = {"boolean": i != 0, "score": 4, "number": 9 if i == 0 else 3}[kind]
    return values


def page_queries(django_assert_num_queries, user, expected: int) -> str:
    client = signed_in(user)
    with django_assert_num_queries(expected):
        answer = client.get("/app/today/")
    assert answer.status_code == 200
    return answer.content.decode()


# The session, the user, their profile, their sites, the site (and may they write it), the version in force and
# the next one, its touch points and criteria, today's check, the open actions; and once a check is in, the check
# with its results, actions and photos. And the retakes asked for, the reference photos and the criteria not
# applicable at the site today (one query each).
NO_CHECK, WITH_CHECK = 15, 19


@pytest.mark.parametrize("size", ["4 criteria", "40 criteria"])
def test_a_constant_number_of_queries_for_4_and_40_criteria(network, size, django_assert_num_queries):
    if size == "4 criteria":
        published_version()
        values = None
    else:
        published_version(forty_criteria_doc())
        values = forty_values()
    html = page_queries(django_assert_num_queries, network.manager_a, NO_CHECK)
    assert len(fieldsets(html)) == (4 if values is None else 40)
    body = check_body(network.a1) if values is None else {**check_body(network.a1), "results": [
        {"criterion": k, "value": v, "note": "seen"} for k, v in values.items()]}
    if values is None:
        body = check_body(network.a1, values={"phone_greeting": False})
    assert submit(client_for(network.manager_a), "A1", body).status_code == 201
    page_queries(django_assert_num_queries, network.manager_a, WITH_CHECK)
    assert DailyCheck.objects.filter(site=network.a1).count() == 1


def test_the_page_weighs_under_100_kB_before_photos(network):
    """The HTML and every stylesheet and script it loads, as bytes (uncompressed: the pages are not gzipped, and
    static files only where collectstatic ran); the browser test measures what crosses the wire."""
    published_version(forty_criteria_doc())
    site = SiteFactory(code="W1", region=network.region_a)
    Profile.objects.get(user=network.manager_a).sites.add(site)
    html = signed_in(network.manager_a).get("/app/today/").content
    assert len(fieldsets(html.decode())) == 40
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    assert {b"pages/app.css", b"pages/today.css", b"pages/today-client.js", b"pages/today.js"} <= set(assets)
    total = len(html) + sum(len(open(finders.find(a.decode()), "rb").read()) for a in assets)
    assert total < 100_000, f"{total} bytes"


def test_forty_criteria_and_thirty_open_actions_stay_under_100_kB(network):
    """Each open action's resolve form is cloned from one <template> when it is wanted, so a site with many open
    actions still opens on a weak signal."""
    import datetime as dt

    from consistency.models import CorrectiveAction, Criterion

    version = published_version(forty_criteria_doc())
    values = {**forty_values(), **{f"tp{t}_c0": {"boolean": False, "score": 1, "number": 9}[("boolean", "score",
                                                                                               "number")[t % 3]]
                                   for t in range(10)}}  # every critical criterion missed: 10 actions
    # Yesterday's check (actions pile up from earlier days; today's check is not in yet).
    yesterday = local_today(network.a1) - dt.timedelta(days=1)
    body = {**check_body(network.a1, day=yesterday),
            "results": [{"criterion": k, "value": v, "note": ""} for k, v in values.items()]}
    answer = submit(client_for(network.manager_a), "A1", body)
    assert answer.status_code == 201, answer.json()
    check = DailyCheck.objects.get(pk=answer.json()["id"])
    for c in Criterion.objects.filter(version=version, critical=False).order_by("pk")[:20]:
        CorrectiveAction.objects.create(site=network.a1, daily_check=check, criterion=c, opened_at=check.received_at,
                                        due_on=check.date + dt.timedelta(days=2))
    html = signed_in(network.manager_a).get("/app/today/").content
    # Ten shown (and the one in the <template> for a refreshed list); the rest from the API on demand.
    assert html.count(b'<li class="action"') == 10 + 1 and b"Show all 30 open actions" in html
    # What travels: the page's HTML as it is (pages are not compressed: BREACH), and its assets as whitenoise serves
    # them to a browser that accepts gzip (CompressedStaticFilesStorage: gzip level 9, made at collectstatic).
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    sizes = {a: len(gzip.compress(open(finders.find(a.decode()), "rb").read(), compresslevel=9, mtime=0))
             for a in assets}
    total = len(html) + sum(sizes.values())
    assert total < 75_000, f"{total} bytes: {len(html)} of HTML, {sizes} compressed"
    assert f'data-tz="{network.a1.timezone}"'.encode() in html  # the page knows its site's day (a tab left overnight)
