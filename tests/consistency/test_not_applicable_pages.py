"""Criteria not applicable at a site on the pages: the manager's checklist shows the reason instead of a control,
the site's page lists the marks, and head office marks and ends them from it (a form; htmx; CSRF)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from consistency.models.review import NotApplicable
from consistency.services import applicability

from .checks_support import local_today

pytestmark = pytest.mark.django_db


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _mark(network, key="restroom_clean", starts_on=None, reason="No restroom on the premises", site=None):
    return applicability.mark(user=network.head_office, site=site or network.a1, criterion_key=key,
                              starts_on=starts_on or local_today(network.a1) - dt.timedelta(days=2), ends_on=None,
                              reason=reason)


def test_the_checklist_says_not_applicable_instead_of_a_control(network, standard):
    _mark(network)
    html = signed_in(network.manager_a).get("/app/today/").content.decode()
    controls = re.findall(r'<fieldset class="crit[^"]*" id="c-([\w-]+)"', html)
    assert controls == ["phone_rings", "phone_greeting", "delivery_on_time_pct"]
    assert 'name="v-restroom_clean"' not in html and 'id="p-restroom_clean"' not in html  # no value, no photo
    assert "Not applicable here: No restroom on the premises" in html
    # Another site's checklist still asks for it.
    other = signed_in(network.manager_b).get("/app/today/").content.decode()
    assert 'id="c-restroom_clean"' in other and "Not applicable here" not in other


def test_the_site_page_lists_the_marks_for_every_reader(network, standard):
    made = _mark(network)
    ended = applicability.mark(user=network.head_office, site=network.a1, criterion_key="phone_greeting",
                               starts_on=network.a1.opened_on, ends_on=network.a1.opened_on, reason="long gone")
    for who in ("head_office", "manager_a", "auditor"):
        html = signed_in(getattr(network, who)).get("/app/sites/A1/").content.decode()
        part = html[html.index('id="not-applicable"'):]
        assert f'data-mark="{made.pk}"' in part and "No restroom on the premises" in part
        assert f'data-mark="{ended.pk}"' not in part  # ended long ago: history, in the API
        assert ('class="na-mark"' in part) == (who == "head_office")  # only head office gets the form
    assert "Every criterion of the standard applies here." in signed_in(network.manager_b).get(
        "/app/sites/B1/").content.decode()


def test_head_office_marks_from_the_site_page_with_htmx(network, standard):
    client = signed_in(network.head_office)
    day = local_today(network.a1).isoformat()
    answer = client.post("/app/sites/A1/not-applicable/", {"action": "mark", "criterion": "delivery_on_time_pct",
                                                             "starts_on": day, "ends_on": "", "reason": "No delivery"},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200
    part = answer.content.decode()
    assert part.startswith('<section class="card not-applicable" id="not-applicable"')  # the part, swapped in
    made = NotApplicable.objects.get()
    assert (made.criterion_key, made.ends_on, made.reason, made.created_by) == (
        "delivery_on_time_pct", None, "No delivery", network.head_office)
    assert f'data-mark="{made.pk}"' in part

    # A refusal is shown in the part, naming the existing mark; nothing is written.
    clash = client.post("/app/sites/A1/not-applicable/", {"action": "mark", "criterion": "delivery_on_time_pct",
                                                            "starts_on": day, "reason": "again"},
                        headers={"HX-Request": "true"})
    assert clash.status_code == 200 and f"mark {made.pk}" in clash.content.decode()
    assert 'data-field="starts_on"' in clash.content.decode() and NotApplicable.objects.count() == 1
    missing = client.post("/app/sites/A1/not-applicable/", {"action": "mark", "criterion": "phone_rings",
                                                              "starts_on": day, "reason": ""},
                          headers={"HX-Request": "true"})
    assert 'data-field="reason"' in missing.content.decode()

    # Ended from its row.
    end = client.post("/app/sites/A1/not-applicable/", {"action": "end", "mark": made.pk, "ends_on": day},
                      headers={"HX-Request": "true"})
    assert end.status_code == 200
    made.refresh_from_db()
    assert made.ends_on == local_today(network.a1)


def test_without_script_the_form_posts_and_comes_back(network, standard):
    client = signed_in(network.head_office)
    day = local_today(network.a1).isoformat()
    answer = client.post("/app/sites/A1/not-applicable/", {"action": "mark", "criterion": "phone_rings",
                                                             "starts_on": day, "reason": "No phone line"})
    assert answer.status_code == 302 and answer["Location"] == "/app/sites/A1/#not-applicable"
    bad = client.post("/app/sites/A1/not-applicable/", {"action": "mark", "criterion": "phone_rings",
                                                          "starts_on": "not a day", "reason": "x"})
    assert bad.status_code == 400 and "starts_on: a day written YYYY-MM-DD." in bad.content.decode()


@pytest.mark.parametrize(("who", "status"), [("manager_a", 403), ("auditor", 403), ("manager_b", 404),
                                             ("shopper", 403), ("accountant", 403)])
def test_only_head_office_writes_from_the_page(network, standard, who, status):
    answer = signed_in(getattr(network, who)).post(
        "/app/sites/A1/not-applicable/", {"action": "mark", "criterion": "phone_rings",
                                          "starts_on": local_today(network.a1).isoformat(), "reason": "no"})
    assert answer.status_code == status
    assert not NotApplicable.objects.exists()


def test_the_form_needs_the_csrf_token(network, standard):
    client = signed_in(network.head_office, enforce_csrf_checks=True)
    answer = client.post("/app/sites/A1/not-applicable/", {"action": "mark", "criterion": "phone_rings",
                                                             "starts_on": local_today(network.a1).isoformat(),
                                                             "reason": "no"})
    assert answer.status_code == 403 and not NotApplicable.objects.exists()
    page = client.get("/app/sites/A1/").content.decode()
    form = page[page.index('<form class="na-mark"'):]
    assert 'name="csrfmiddlewaretoken"' in form[:form.index("</form>")]
