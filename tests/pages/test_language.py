"""The pages in the person's language: their own choice (Profile.language) first, else the browser's (the
language cookie, then Accept-Language), else English; the header's switch keeps the choice; numbers and dates
the French way; the standard's own words through its translations; English as it was."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from consistency.models import Criterion, TouchPoint
from pages import format as fmt
from pages.labels import LABELS, STATUS_WORDS, label
from sites.models import Profile

pytestmark = pytest.mark.django_db
NNBSP = "\u202f"


def signed_in(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def choose(user, language: str) -> None:
    Profile.objects.filter(user=user).update(language=language)


def html_lang(answer) -> str:
    return re.search(r'<html lang="([^"]*)">', answer.content.decode()).group(1)


@pytest.fixture
def french_standard(db):
    """The small test standard with French for its touch points and criteria (as the standard document carries
    them), written on the draft before it is published: a released version never changes."""
    import datetime as dt

    from consistency.services import standard as services
    from consistency.services.standard_document import parse_document
    from tests.factories import small_standard_doc

    draft = services.version_create_from_document(doc=parse_document(small_standard_doc()))
    for tp in TouchPoint.objects.filter(version=draft):
        tp.translations = {"fr": {"name": f"{tp.name} (fr)", "why": ""}}
        tp.save(update_fields=["translations"])
    for c in Criterion.objects.filter(version=draft):
        c.translations = {"fr": {"prompt": f"FR {c.prompt}"}}
        c.save(update_fields=["translations"])
    return services.version_publish(version=draft, effective_from=dt.date(2026, 1, 1))


def test_a_person_who_chose_french_reads_french_whatever_their_browser_says(network, french_standard):
    choose(network.manager_a, "fr")
    answer = signed_in(network.manager_a, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").get("/app/today/")
    assert answer.status_code == 200 and html_lang(answer) == "fr" and answer["Content-Language"] == "fr"
    html = answer.content.decode()
    assert "<title>Aujourd’hui à A1 · Touchpoint</title>" in html
    assert "Envoyer le contrôle du jour" in html and "Send today's check" not in html
    assert '<label for="n-phone_rings">Note</label>' in html and ">Se déconnecter</button>" in html
    # The standard in their language: each touch point's and criterion's French, from its translations.
    assert "Phone (fr)</h2>" in html and "<legend>FR Rings to answer" in html
    assert "Relevé, en rings" in html and "1 photo requise" in html
    # A French date: "samedi 5 décembre 2026", not "Saturday 5 December 2026".
    assert re.search(r'<span class="sub">[^<]* · (lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d+ \w+', html)
    # The scripts' words come in French too, from the catalogue named after the language.
    assert re.search(r'<script src="/app/jsi18n/fr/\?v=\w+" defer></script>', html)


def test_without_a_choice_the_browser_decides_else_english(network, standard):
    assert Profile.objects.get(user=network.manager_a).language == ""
    for accept, expected in (("fr-CA,fr;q=0.9,en;q=0.8", "fr"), ("de-DE,de;q=0.9", "en"), (None, "en"),
                             ("en-US,en;q=0.9,fr;q=0.8", "en")):
        headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
        answer = signed_in(network.manager_a, **headers).get("/app/today/")
        assert html_lang(answer) == expected, accept
        assert "Accept-Language" in answer["Vary"]
    # The login page of a stranger follows the browser too.
    login = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/accounts/login/")
    assert html_lang(login) == "fr" and "Nom d’utilisateur" in login.content.decode()


def test_one_french_page_leaves_the_next_request_and_the_thread_in_english(network, standard):
    choose(network.manager_a, "fr")
    assert html_lang(signed_in(network.manager_a).get("/app/today/")) == "fr"
    assert translation.get_language() == "en"  # the test client's thread is the server's: given back
    assert html_lang(signed_in(network.manager_b).get("/app/today/")) == "en"


def test_the_switch_keeps_a_signed_in_persons_choice_and_gives_it_back_to_the_browser(network, standard):
    manager = signed_in(network.manager_a, HTTP_ACCEPT_LANGUAGE="en")
    page = manager.get("/app/today/").content.decode()
    # A plain form: no script needed. The other language in its own words; the browser's once one is chosen.
    form = re.search(r'<form method="post" action="/app/language/" class="language">.*?</form>', page, re.S).group(0)
    assert '<button class="link" name="language" value="fr" lang="fr">Français</button>' in form
    assert 'value="en"' not in form and 'value=""' not in form  # English is the page's; nothing chosen yet
    assert 'name="next" value="/app/today/"' in form

    answer = manager.post("/app/language/", {"language": "fr", "next": "/app/today/"})
    assert answer.status_code == 302 and answer["Location"] == "/app/today/"
    assert Profile.objects.get(user=network.manager_a).language == "fr"
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    again = signed_in(network.manager_a, HTTP_ACCEPT_LANGUAGE="en").get("/app/today/")  # another device
    assert html_lang(again) == "fr"
    switch = again.content.decode()
    assert 'name="language" value="en" lang="en">English</button>' in switch
    assert 'name="language" value="">La langue du navigateur</button>' in switch  # back to the browser's

    answer = manager.post("/app/language/", {"language": "", "next": "/app/today/"})
    assert Profile.objects.get(user=network.manager_a).language == ""
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == 0  # the cookie goes: the browser decides
    assert html_lang(signed_in(network.manager_a, HTTP_ACCEPT_LANGUAGE="en").get("/app/today/")) == "en"


def test_a_stranger_switches_the_login_page_with_the_cookie(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/accounts/login/?next=/app/").content.decode()
    assert 'name="next" value="/accounts/login/?next=/app/"' in page
    answer = client.post("/app/language/", {"language": "fr", "next": "/accounts/login/?next=/app/"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/?next=/app/"
    login = client.get("/accounts/login/?next=/app/")
    assert html_lang(login) == "fr" and ">Se connecter</button>" in login.content.decode()


def test_the_switch_refuses_what_is_not_a_language_and_never_leaves_the_site(network):
    client = signed_in(network.manager_a)
    answer = client.post("/app/language/", {"language": "xx", "next": "/app/"})
    assert answer.status_code == 400 and answer.content.decode().startswith("language: xx is not one of en, fr")
    assert Profile.objects.get(user=network.manager_a).language == ""
    away = client.post("/app/language/", {"language": "fr", "next": "https://elsewhere.example/"})
    assert away.status_code == 302 and away["Location"] == "/"
    assert client.get("/app/language/").status_code == 405


def test_numbers_the_french_way_and_english_as_it_was():
    english = (fmt.pct(0.934), fmt.count(12345), fmt.points(0.021), fmt.points(-0.031), fmt.points(0.0),
               fmt.interval((0.841, 0.902)), fmt.points_interval(-0.031, 0.12), fmt.coefficient(-0.4213),
               fmt.index(87.25), fmt.index_points(-1.25), fmt.spread(0.084), fmt.whole_pct(0.873))
    assert english == ("93.4%", "12,345", "+2.1 pts", "\u22123.1 pts", "0.0 pts", "84.1\u201390.2%",
                       "\u22123.1 to +12.0 pts", "\u22120.42", "87.2", "\u22121.2", "8.4 pts", "87%")
    with translation.override("fr"):
        french = (fmt.pct(0.934), fmt.count(12345), fmt.points(0.021), fmt.points(-0.031), fmt.points(0.0),
                  fmt.interval((0.841, 0.902)), fmt.points_interval(-0.031, 0.12), fmt.coefficient(-0.4213),
                  fmt.index(87.25), fmt.index_points(-1.25), fmt.spread(0.084), fmt.whole_pct(0.873))
    assert french == (f"93,4{NNBSP}%", f"12{NNBSP}345", "+2,1 pts", "\u22123,1 pts", "0,0 pts",
                      f"84,1\u201390,2{NNBSP}%", "\u22123,1 à +12,0 pts", "\u22120,42", "87,2", "\u22121,2",
                      "8,4 pts", f"87{NNBSP}%")
    assert fmt.pct(None) == "\u2013" and fmt.count(None) == "\u2013"


def test_every_choice_has_words_and_the_english_ones_are_the_models():
    for choices, labels in LABELS.items():
        assert set(labels) == set(choices.values), choices
        for value, words in labels.items():
            assert str(words) == choices(value).label, (choices, value)
    for choices, words in STATUS_WORDS.items():
        assert set(words) == set(choices.values) and all(str(w) == v for v, w in words.items()), choices
    from sites.models import Role

    with translation.override("fr"):
        assert label(Role, Role.MANAGER) == "Responsable de site" and label("RunStatus", "done") == "Terminé"
    assert label(Role, "nobody") == "nobody"


def test_the_overview_in_french_for_head_office_who_chose_it(network, standard):
    choose(network.head_office, "fr")
    html = signed_in(network.head_office).get("/app/?period=custom&from=2026-11-02&to=2026-12-05").content.decode()
    assert "<h1>Vue d’ensemble du réseau</h1>" in html and "Carte de chaleur" in html
    assert "2 nov. 2026 – 5 déc. 2026" in html  # French dates: abbreviated months with their full stop
    assert "Réseau</a>" in html and "Siège" in html  # the nav and the role, in French
    figure = re.search(r'data-figure="network-score">([^<]*)<', html).group(1)
    assert figure == "\u2013" or re.fullmatch(rf"\d+,\d{NNBSP}%", figure), figure


def test_french_costs_no_query_more_than_english(network, french_standard):
    def queries(user) -> int:
        client = signed_in(user)
        client.get("/app/today/")  # warm: sessions, compiled queries
        with CaptureQueriesContext(connection) as seen:
            assert client.get("/app/today/").status_code == 200
        return len(seen)

    english = queries(network.manager_a)
    choose(network.manager_a, "fr")
    assert queries(network.manager_a) == english


def test_the_scripts_catalogue_is_the_languages_and_cached_by_its_address(db):
    client = Client()
    french = client.get("/app/jsi18n/fr/?v=1")
    assert french.status_code == 200 and french["Content-Type"].startswith("text/javascript")
    body = french.content.decode()
    assert '"Sending\\u2026": "Envoi\\u2026"' in body or '"Sending…": "Envoi…"' in body
    assert "immutable" in french["Cache-Control"] and "max-age=31536000" in french["Cache-Control"]
    english = client.get("/app/jsi18n/en/?v=1", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Envoi" not in english  # the address says the language, not the browser
    assert client.get("/app/jsi18n/de/").status_code == 404
