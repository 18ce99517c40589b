"""/app/audits/new/ with Django's test client: who may open it, which sites, kinds and criteria it offers (those
the API judges by), the date rule, and where a mystery shopper lands and may not go."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from consistency.services import images
from consistency.services.check_rules import local_today
from sites.models import Role
from tests.factories import person, published_version, small_standard_doc

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fieldsets(html: str) -> list[str]:
    return re.findall(r'<fieldset class="crit[^"]*" id="c-([\w-]+)"', html)


def test_a_shopper_gets_every_criterion_not_observed_and_no_choice_of_kind(network, standard):
    answer = signed_in(network.shopper).get("/app/audits/new/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<title>Visit to A1 · Touchpoint</title>" in html and html.count("<h1") == 1
    assert f'data-date="{local_today(network.a1).isoformat()}"' in html  # the site's local today
    assert fieldsets(html) == ["phone_rings", "phone_greeting", "restroom_clean", "delivery_on_time_pct"]
    # Every criterion starts "not observed"; its own control (and note, photos) waits until it is observed.
    for key in fieldsets(html):
        assert re.search(rf'name="o-{key}" value="" checked> Not observed', html), key
        assert re.search(rf'<div class="observed" id="obs-{key}" hidden>', html), key
        assert f'<label for="n-{key}">Note</label>' in html
        assert f'<input type="file" id="p-{key}" accept="{images.ACCEPT_ATTRIBUTE}" capture="environment"' in html
    assert 'name="v-phone_greeting" value="true"' in html
    assert all(f'name="v-restroom_clean" value="{s}"' in html for s in "12345")
    assert re.search(r'<label for="v-phone_rings">Reading, in rings</label>', html)
    # A shopper only mystery-shops: no choice shown, the kind is said.
    assert 'type="radio" name="kind"' not in html
    assert '<input type="hidden" name="kind" value="mystery_shop">' in html and "<strong>Mystery shop</strong>" in html
    assert '<label for="visited-at">Time of the visit' in html
    # Only the sites they visit are offered (A1 alone); the scripts the page sends with.
    assert '<option value="A1" selected>' in html and 'value="A2"' not in html and 'value="B1"' not in html
    assert 'src="/static/pages/audit.js"' in html and 'src="/static/pages/today-client.js"' in html


def test_an_auditor_and_head_office_choose_the_kind_and_their_sites(network, standard):
    html = signed_in(network.auditor).get("/app/audits/new/").content.decode()
    assert 'name="kind" value="audit" checked> Independent audit' in html
    assert 'name="kind" value="mystery_shop"> Mystery shop' in html
    assert re.findall(r'<option value="(\w+)"', html) == ["A1", "A2"]  # region A, where they read
    html = signed_in(network.head_office).get("/app/audits/new/?site=B1").content.decode()
    assert '<option value="B1" selected>' in html and "New audit at B1" in html


def test_a_site_outside_ones_visits_is_a_404_page(network, standard):
    for user, code in ((network.shopper, "A2"), (network.shopper, "B1"), (network.auditor, "B1"),
                       (network.auditor_b1, "A1"), (network.shopper, "NOPE"), (network.shopper, "bad%00")):
        answer = signed_in(user).get(f"/app/audits/new/?site={code}")
        assert answer.status_code == 404, (user.username, code)
        assert b"<title>Not found" in answer.content
    assert signed_in(network.shopper).get("/app/audits/new/?site=A1").status_code == 200


def test_managers_and_department_staff_get_the_403_page(network, standard):
    for user in (network.manager_a, network.manager_b, network.accountant):
        for path in ("/app/audits/new/", "/app/audits/"):
            assert signed_in(user).get(path).status_code == 403, (user.username, path)


def test_a_shopper_with_no_site_is_told_so(network, standard):
    nobody = person("shopper.none", Role.MYSTERY_SHOPPER)
    answer = signed_in(nobody).get("/app/audits/new/")
    assert answer.status_code == 200 and "No site is assigned to you yet" in answer.content.decode()


def test_a_closed_site_is_not_offered(network, standard):
    network.a1.active = False
    network.a1.save()
    html = signed_in(network.shopper).get("/app/audits/new/").content.decode()
    assert "No site is assigned to you yet" in html


def test_the_date_picks_the_version_in_force_and_refuses_what_the_api_refuses(network, standard):
    shopper = signed_in(network.shopper)
    today = local_today(network.a1)
    # A version taking effect today: yesterday's visit is judged by (and shows) the old one, today's by the new.
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"].append({"key": "phone_name", "prompt": "Says their name", "kind": "boolean"})
    published_version(doc, effective_from=today)
    html = shopper.get(f"/app/audits/new/?date={today - dt.timedelta(days=1)}").content.decode()
    assert "phone_name" not in fieldsets(html) and f'data-date="{today - dt.timedelta(days=1)}"' in html
    html = shopper.get("/app/audits/new/").content.decode()
    assert "phone_name" in fieldsets(html)
    assert f'min="{today - dt.timedelta(days=7)}" max="{today}"' in html
    for day, words in ((today + dt.timedelta(days=1), "is in the future"), (today - dt.timedelta(days=30), "days late")):
        html = shopper.get(f"/app/audits/new/?date={day}").content.decode()
        assert "Not open for a visit" in html and words in html and 'id="audit-form"' not in html, day
    html = shopper.get("/app/audits/new/?date=tomorrow").content.decode()
    assert "is not a date" in html


def test_a_shopper_lands_on_the_form_and_sees_only_its_nav(network, standard):
    shopper = signed_in(network.shopper)
    assert shopper.get("/")["Location"] == "/app/audits/new/"
    html = shopper.get("/app/audits/new/").content.decode()
    nav = re.search(r"<nav.*?</nav>", html, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)"', nav)
    assert [link for link in links if link.startswith("/app/")] == ["/app/audits/new/", "/app/audits/", "/app/notifications/"]
    assert 'aria-current="page"' in nav and nav.count('aria-current="page"') == 1


def test_a_shopper_opening_any_other_page_gets_the_403_or_404_page_and_no_data(network, standard):
    shopper = signed_in(network.shopper)
    for path in ("/app/", "/app/sites/A1/", "/app/sites/B1/", "/app/reports/", "/app/standard/",
                 "/app/standard/diff/", "/app/today/", "/app/today/?site=A1", "/app/reports/verify/"):
        answer = shopper.get(path)
        assert answer.status_code in (403, 404), (path, answer.status_code)
        assert re.search(rb"<title>(Not allowed|Not found)", answer.content), path


def test_nav_entries_follow_the_role(network, standard):
    def nav_of(user) -> list[str]:
        html = signed_in(user).get("/app/standard/").content.decode()
        return re.findall(r'<a href="(/app/[^"]*)"', re.search(r"<nav.*?</nav>", html, re.S).group(0))
    assert "/app/audits/" in nav_of(network.head_office) and "/app/audits/" in nav_of(network.auditor)
    assert "/app/audits/" not in nav_of(network.manager_a)
    # Department staff reach their part of today's checks from every page, as a manager does.
    assert "/app/today/" in nav_of(network.accountant) and "/app/today/" in nav_of(network.manager_a)
    assert "/app/today/" not in nav_of(network.head_office)


def test_head_office_of_a_large_network_types_the_site(network, standard, monkeypatch):
    from pages.views.audits import form

    monkeypatch.setattr(form, "SITE_LIST_MAX", 2)  # three active sites: more than a list shows
    html = signed_in(network.head_office).get("/app/audits/new/?site=B1").content.decode()
    assert '<input id="site-pick" name="site" value="B1"' in html and "<select" not in html.split('id="audit-form"')[0]


def test_the_form_takes_a_constant_number_of_queries(network, standard, django_assert_num_queries):
    shopper = signed_in(network.shopper)
    shopper.get("/app/audits/new/")
    with django_assert_num_queries(10):
        shopper.get("/app/audits/new/")
    doc = small_standard_doc()
    doc["touch_points"][0]["criteria"] += [{"key": f"extra_{i}", "prompt": f"Extra {i}", "kind": "boolean"}
                                           for i in range(20)]
    published_version(doc, effective_from=dt.date(2026, 2, 1))  # in force from then, with 24 criteria
    with django_assert_num_queries(10):
        html = shopper.get("/app/audits/new/").content.decode()
    assert len(fieldsets(html)) == 24
