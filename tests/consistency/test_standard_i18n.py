"""The standard in several languages: the document's translations (every declared language covers every item, or
the file is refused naming each item it misses), stored and written back, shown by the diff; and the standard's
API answering in ?lang=, the person's language or Accept-Language, with an ETag per language."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.errors import AppError
from consistency.models import Criterion, Standard, StandardVersion, TouchPoint
from consistency.selectors import standard as selectors
from consistency.services import standard as services
from consistency.services.standard_diff import version_diff
from consistency.services.standard_document import document_of, load_text, parse_document
from tests.conftest import client_for
from tests.factories import published_version, small_standard_doc

pytestmark = pytest.mark.django_db

BRAND = Path(__file__).resolve().parents[2] / "consistency" / "standards" / "touchpoint-brand.yaml"
FRENCH = {"phone": "Téléphone", "restroom": "Propreté des toilettes", "delivery": "Livraison"}
PROMPTS = {"phone_rings": "Sonneries avant de décrocher", "phone_greeting": "Formule d'accueil de la marque",
           "restroom_clean": "Propreté", "delivery_on_time_pct": "Livrées à l'heure"}


def french_doc() -> dict:
    doc = small_standard_doc(languages=["fr"])
    for tp in doc["touch_points"]:
        tp["translations"] = {"fr": {"name": FRENCH[tp["key"]], **({"why": "Premier contact"} if tp.get("why") else {})}}
        for c in tp["criteria"]:
            c["translations"] = {"fr": {"prompt": PROMPTS[c["key"]]}}
    return doc


def refused(doc: dict) -> AppError:
    with pytest.raises(AppError) as exc:
        parse_document(doc)
    return exc.value


def nothing_loaded() -> bool:
    return not (Standard.objects.exists() or StandardVersion.objects.exists() or TouchPoint.objects.exists()
                or Criterion.objects.exists())


# --- the document -------------------------------------------------------------------------------------------------

def test_the_brand_standard_is_complete_in_french_and_loads_its_translations():
    doc = parse_document(load_text(BRAND.read_text(encoding="utf-8"), filename=BRAND.name))
    assert doc.languages == ["fr"]
    for tp in doc.touch_points:
        assert tp.translations["fr"]["name"] and tp.translations["fr"]["name"] != tp.name
        assert tp.translations["fr"]["why"]
        for c in tp.criteria:
            assert c.translations["fr"]["prompt"] and c.translations["fr"]["prompt"] != c.prompt
    call_command("load_standard", str(BRAND), "--publish")
    restroom = TouchPoint.objects.get(key="restroom")
    assert restroom.translations["fr"]["name"] == "Propreté des toilettes"
    assert Criterion.objects.get(key="phone_brand_greeting").translations == {
        "fr": {"prompt": "Réponse avec la formule d'accueil de la marque"}}


def test_a_standard_missing_one_translation_is_refused_naming_the_item(tmp_path):
    raw = load_text(BRAND.read_text(encoding="utf-8"), filename=BRAND.name)
    del raw["touch_points"][0]["translations"]["fr"]["name"]           # phone's name
    del raw["touch_points"][0]["criteria"][1]["translations"]          # phone_brand_greeting's prompt
    raw["touch_points"][3]["translations"]["fr"]["why"] = ""            # restroom's why, left empty
    path = tmp_path / "brand.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("load_standard", str(path), "--publish")
    message = str(exc.value)
    assert "fr: touch point 'phone' has no name." in message
    assert "fr: criterion 'phone_brand_greeting' has no prompt." in message
    assert "fr: touch point 'restroom' has no why." in message
    assert "3 problem(s); nothing was loaded" in message
    assert nothing_loaded()
    # Each problem names its field: the item's path and the language.
    fields = [e.field for e in refused(raw).errors]
    assert fields == ["touch_points[0] (phone).translations.fr.name",
                      "touch_points[0] (phone).criteria[1] (phone_brand_greeting).translations.fr.prompt",
                      "touch_points[3] (restroom).translations.fr.why"]


def test_languages_are_those_touchpoint_comes_in_and_must_be_declared():
    doc = french_doc()
    doc["languages"] = ["de", "en", "fr", "fr"]
    messages = [e.message for e in refused(doc).errors]
    assert messages == ["languages[0]: 'de' is not a language Touchpoint comes in; use one of fr.",
                        "languages[1]: 'en' is the standard's own language: its items' own text is in it.",
                        "languages[3]: 'fr' is declared twice."]
    # Translated but not declared: each item says so (no language is required of a standard without 'languages').
    doc = french_doc()
    del doc["languages"]
    errors = refused(doc).errors
    assert errors[0].field == "touch_points[0] (phone).translations.fr" and errors[0].code == "undeclared"
    assert len(errors) == 3 + 4
    # A language Touchpoint does not come in, and a field a translation does not have.
    doc = french_doc()
    doc["touch_points"][0]["translations"]["de"] = {"name": "Telefon"}
    doc["touch_points"][1]["criteria"][0]["translations"]["fr"]["unit"] = "x"
    messages = [e.message for e in refused(doc).errors]
    assert any(m.startswith("touch_points[0] (phone).translations.de: 'de' is not a language") for m in messages)
    assert any("translations.fr.unit" in m and "(expected one of prompt)" in m for m in messages)
    # An English-only standard needs no translation at all.
    assert parse_document(small_standard_doc()).languages == []


def test_a_version_written_back_reads_the_same_and_a_new_draft_keeps_the_translations(network):
    version = published_version(french_doc())
    version = selectors.version_get(number=version.number)
    written = document_of(version)
    assert written["languages"] == ["fr"]
    assert written["touch_points"][1]["translations"] == {"fr": {"name": "Propreté des toilettes"}}
    again = parse_document(copy.deepcopy(written))
    assert document_of(version) == written
    assert [(tp.key, tp.translations) for tp in again.touch_points] == [
        (tp.key, tp.translations) for tp in parse_document(french_doc()).touch_points]
    draft = services.version_draft(standard=selectors.master_standard())
    assert Criterion.objects.get(version=draft, key="restroom_clean").translations == {"fr": {"prompt": "Propreté"}}


def test_the_diff_shows_translations_that_changed(network):
    published_version(french_doc())
    doc = french_doc()
    doc["touch_points"][1]["translations"]["fr"]["name"] = "Toilettes"
    doc["touch_points"][0]["criteria"][0]["translations"]["fr"]["prompt"] = "Nombre de sonneries"
    draft = services.version_draft(standard=selectors.master_standard())
    services.version_replace_contents(version=draft, doc=parse_document(doc))
    diff = version_diff(old=selectors.version_get(number=1), new=selectors.version_get(number=2))
    [tp] = diff.touch_points_changed
    assert (tp.key, [(c.field, c.before, c.after) for c in tp.changes]) == (
        "restroom", [("translations.fr.name", "Propreté des toilettes", "Toilettes")])
    [c] = diff.criteria_changed
    assert [(ch.field, ch.before, ch.after) for ch in c.changes] == [
        ("translations.fr.prompt", "Sonneries avant de décrocher", "Nombre de sonneries")]
    body = client_for(network.head_office).get("/api/v1/standard/diff/", {"from": 1, "to": 2}).json()
    assert body["criteria_changed"][0]["changes"][0]["field"] == "translations.fr.prompt"


# --- the API ------------------------------------------------------------------------------------------------------

@pytest.fixture
def french(db):
    return published_version(french_doc())


def names(body: dict) -> list[str]:
    return [tp["name"] for tp in body["touch_points"]]


def test_the_current_standard_in_french_by_header_and_by_query(network, french):
    client = client_for(network.manager_a)
    english = client.get("/api/v1/standard/current/")
    assert english["Content-Language"] == "en" and "Accept-Language" in english["Vary"]
    assert names(english.json()) == ["Phone", "Restroom", "Delivery"] and english.json()["language"] == "en"

    by_header = client.get("/api/v1/standard/current/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.8")
    body = by_header.json()
    assert by_header["Content-Language"] == "fr" and body["language"] == "fr"
    assert names(body) == ["Téléphone", "Propreté des toilettes", "Livraison"]
    assert body["touch_points"][0]["why"] == "Premier contact"
    assert [c["prompt"] for tp in body["touch_points"] for c in tp["criteria"]] == list(PROMPTS.values())
    # Everything else is the same answer: keys, rules, the day.
    strip = lambda b: {**b, "language": None, "touch_points": [  # noqa: E731
        {**tp, "name": None, "why": None, "criteria": [{**c, "prompt": None} for c in tp["criteria"]]}
        for tp in b["touch_points"]]}
    assert strip(body) == strip(english.json())

    by_query = client.get("/api/v1/standard/current/", {"lang": "fr"}, HTTP_ACCEPT_LANGUAGE="en")
    assert by_query["Content-Language"] == "fr" and names(by_query.json())[1] == "Propreté des toilettes"
    # A language the standard does not come in, by header: the standard's own; the best supported one wins.
    assert client.get("/api/v1/standard/current/", HTTP_ACCEPT_LANGUAGE="de")["Content-Language"] == "en"
    assert client.get("/api/v1/standard/current/", HTTP_ACCEPT_LANGUAGE="de, fr;q=0.5")["Content-Language"] == "fr"


def test_the_persons_own_language_comes_before_their_browsers(network, french):
    network.manager_a.profile.language = "fr"
    network.manager_a.profile.save(update_fields=["language"])
    client = client_for(network.manager_a)
    assert client.get("/api/v1/standard/current/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "fr"
    assert client.get("/api/v1/standard/current/", {"lang": "en"})["Content-Language"] == "en"


def test_an_unknown_lang_is_a_400_naming_it(network, french):
    client = client_for(network.manager_a)
    for path in ("/api/v1/standard/current/", "/api/v1/standard/versions/1/"):
        response = client_for(network.head_office).get(path, {"lang": "de"}) if "versions" in path \
            else client.get(path, {"lang": "de"})
        assert response.status_code == 400
        assert response.json()["field"] == "lang"
        assert response.json()["message"] == "lang: 'de' is not a language the standard comes in; use one of en, fr."
    assert client.get("/api/v1/standard/current/", {"lang": "fr-BE"})["Content-Language"] == "fr"


def test_the_etag_differs_per_language_and_each_revalidates(network, french):
    client = client_for(network.manager_a)
    en = client.get("/api/v1/standard/current/")["ETag"]
    fr = client.get("/api/v1/standard/current/", HTTP_ACCEPT_LANGUAGE="fr")["ETag"]
    assert en != fr
    assert client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=en).status_code == 304
    not_modified = client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=fr, HTTP_ACCEPT_LANGUAGE="fr")
    assert not_modified.status_code == 304 and not_modified["Content-Language"] == "fr"
    assert not_modified["ETag"] == fr
    # A phone whose language changed gets the new answer, not a 304 for the other language's copy.
    changed = client.get("/api/v1/standard/current/", HTTP_IF_NONE_MATCH=en, HTTP_ACCEPT_LANGUAGE="fr")
    assert changed.status_code == 200 and changed["ETag"] == fr and names(changed.json())[0] == "Téléphone"
    assert client.get("/api/v1/standard/current/", {"lang": "fr"}, HTTP_IF_NONE_MATCH=fr).status_code == 304


def test_the_query_count_is_the_same_in_every_language(network, french):
    client = client_for(network.manager_a)

    def count(**headers) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/standard/current/", **headers).status_code == 200
        return len(ctx.captured_queries)

    english = count()
    assert count(HTTP_ACCEPT_LANGUAGE="fr") == english
    network.manager_a.profile.language = "fr"
    network.manager_a.profile.save(update_fields=["language"])
    assert count() == english <= 8  # test_standard_api's pin: 7, and 1 for the reference photos


def test_head_office_reads_and_edits_a_version_in_its_language(network, french):
    head = client_for(network.head_office)
    version = head.get("/api/v1/standard/versions/1/", HTTP_ACCEPT_LANGUAGE="fr")
    assert version["Content-Language"] == "fr" and names(version.json())[1] == "Propreté des toilettes"
    draft = head.post("/api/v1/standard/versions/", {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert draft.status_code == 201 and names(draft.json())[0] == "Téléphone"
    # A whole document with its translations replaces the draft; a missing one is refused naming it.
    doc = french_doc()
    del doc["touch_points"][2]["criteria"][0]["translations"]
    refusal = head.put("/api/v1/standard/versions/2/", doc, format="json")
    assert refusal.status_code == 400
    assert refusal.json()["field"] == ("touch_points[2] (delivery).criteria[0] (delivery_on_time_pct)"
                                       ".translations.fr.prompt")
    assert "fr: criterion 'delivery_on_time_pct' has no prompt." in refusal.json()["errors"][0]["message"]
    doc = french_doc()
    doc["touch_points"][2]["translations"]["fr"]["name"] = "Livraison à l'heure"
    replaced = head.put("/api/v1/standard/versions/2/", doc, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert replaced.status_code == 200 and names(replaced.json())[2] == "Livraison à l'heure"
    patched = head.patch("/api/v1/standard/versions/2/criteria/restroom_clean/", {"target": 5}, format="json",
                         HTTP_ACCEPT_LANGUAGE="fr")
    assert patched.status_code == 200 and patched.json()["prompt"] == "Propreté" and patched["Content-Language"] == "fr"
    # Editing a criterion keeps its translations.
    assert Criterion.objects.get(version__number=2, key="restroom_clean").translations == {"fr": {"prompt": "Propreté"}}
    published = head.post("/api/v1/standard/versions/2/publish/", {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert published.status_code == 200 and published.json()["language"] == "fr"
