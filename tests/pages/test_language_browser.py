"""The pages in French in a real browser (Chromium through Playwright): a head-office person who chose French
reads the network, a site and the reports in French, with French numbers; the demo's French manager fills
today's checklist, whose script speaks French too; a person switches language from the header, without
JavaScript; a French browser gets French before anyone chooses. axe-core on each page; the screenshots
docs/screenshots/overview-fr.png and today-fr.png."""

from __future__ import annotations

import re

import pytest

from consistency.demo_history import seed_history
from sites.demo import FRENCH_MANAGERS
from sites.models import Profile

from ..browser import browser_available
from .conftest import PHONE, check_axe, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]
FRENCH_PERCENT = re.compile(r"^\d{1,3},\d\u202f%")  # "93,4 %": a decimal comma, a narrow no-break space


@pytest.fixture
def french_head_office(demo_franchise):
    """A week and a day of checks at every demo site (the screenshot's network), and head office reading French (the demo's own head
    office keeps the browser's language)."""
    seed_history(days=8)
    Profile.objects.filter(user__username="head.office").update(language="fr")
    return demo_franchise


def test_head_office_and_the_french_manager_read_their_pages_in_french(french_head_office, open_as, live_server):
    page = open_as("head.office", "/app/?period=7")
    assert page.title() == "Vue d’ensemble du réseau · Touchpoint"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Carte de chaleur : taux de réussite par site et point de contact").count()
    assert page.get_by_role("link", name="Rapports").count() and page.get_by_text("Hana Office · Siège").count()
    score = page.locator('[data-figure="network-score"]').inner_text()
    assert FRENCH_PERCENT.match(score), score
    league = page.locator('tr[data-site="CHC-01"] td[data-column="score"]').inner_text()
    assert FRENCH_PERCENT.match(league) and "IC à 95" in league, league
    period = page.locator("p.period-line strong").inner_text()  # "27 nov. 2026 – 4 déc. 2026"
    assert re.fullmatch(r"\d+ \w+\.? \d{4} – \d+ \w+\.? \d{4}", period) and not re.search(r"[A-Z][a-z]{2} ", period)
    check_axe(page)
    screenshot(page, "overview-fr")

    page.locator('td[data-site="CHC-01"][data-tp="restroom"] a').click()
    page.wait_for_load_state()
    assert page.locator("h2#chart-h").inner_text() == "Score dans le temps"
    assert FRENCH_PERCENT.match(page.locator('[data-field="score"] .stat').inner_text())
    assert page.get_by_role("button", name="Commander le dossier de conformité").count()
    check_axe(page)

    page.goto(f"{live_server.url}/app/reports/")
    assert page.get_by_role("heading", name="Commander un rapport").count()
    assert page.get_by_label("Rapport d’écarts").count() and page.get_by_text("Tout le réseau").count()

    # The demo's French manager fills today's checklist in French, on a phone.
    username = next(iter(FRENCH_MANAGERS))
    page = open_as(username, "/app/today/", viewport=PHONE)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text().startswith("Aujourd’hui à LON-02")
    assert page.get_by_text("Vos réponses sont gardées sur ce téléphone jusqu’à leur envoi.").count()
    # The script's own words come from the French catalogue: a first answer is "Enregistré sur ce téléphone."
    page.locator("fieldset.crit input[type=radio]").first.check()
    status = page.locator("#today-status")
    status.filter(has_text="Enregistré sur ce téléphone.").wait_for()
    check_axe(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "today-fr", full_page=False)
    # Sent with answers missing: refused on the phone, in French, with the count.
    page.get_by_role("button", name="Envoyer le contrôle du jour").click()
    status.filter(has_text=re.compile(r"Non envoyé : \d+ réponses manquent")).wait_for()
    assert page.locator(".field-error:visible").first.inner_text() == "Répondez à ceci avant d’envoyer."


def test_the_header_switches_without_javascript_and_a_french_browser_reads_french(demo_franchise, browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    # A stranger's login page follows the browser, and switches with the cookie.
    page.goto(f"{live_server.url}/accounts/login/?next=/app/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr" and "/accounts/login/?next=/app/" in page.url
    page.get_by_label("Nom d’utilisateur").fill("auditor")
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert page.title() == "Vue d’ensemble du réseau · Touchpoint"  # the cookie: this browser's choice
    auditor = Profile.objects.get(user__username="auditor")
    assert auditor.language == ""  # chosen before signing in: the browser's, not the person's
    # Signed in, the choice is the person's: kept on their profile for every device.
    page.get_by_role("button", name="English").click()
    assert page.title() == "Network overview · Touchpoint"
    auditor.refresh_from_db()
    assert auditor.language == "en"
    page.get_by_role("button", name="Français").click()
    auditor.refresh_from_db()
    assert auditor.language == "fr" and page.locator("h1").inner_text() == "Vue d’ensemble du réseau"
    context.close()

    # A French browser reads French before anyone chooses.
    context = browser.new_context(locale="fr-FR")  # Accept-Language: fr-FR
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/app/today/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_label("Nom d’utilisateur").fill("manager.akl-02")
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("button", name="Envoyer le contrôle du jour").count()
    assert Profile.objects.get(user__username="manager.akl-02").language == ""
    context.close()
