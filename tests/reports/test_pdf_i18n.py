"""The PDFs in the language of whoever ordered them: the French variance report and compliance pack read back with
their accents, the standard's names and prompts in French, numbers and dates written the French way, every name
printed in the embedded font (Māori macrons included), and the run's language chosen once, when it is ordered."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pdfplumber
import pypdf
import pytest
from django.core.files.storage import default_storage

from reports import runner
from reports.models import ReportRun
from reports.services import report_order, scheduled_weekly_variance
from tests.conftest import client_for
from tests.factories import published_version, small_standard_doc

FRENCH = {
    "phone": ("Téléphone", "Premier contact", {"phone_rings": "Sonneries avant de décrocher",
                                               "phone_greeting": "Formule d'accueil de la marque"}),
    "restroom": ("Propreté des toilettes", "Rien n'en dit plus long", {"restroom_clean": "Propreté"}),
    "delivery": ("Livraison", "", {"delivery_on_time_pct": "Livrées à l'heure"}),
}


def french_doc() -> dict:
    """The small test standard, translated into French."""
    doc = small_standard_doc(languages=["fr"])
    doc["touch_points"][1]["why"] = "Nothing says more"
    for tp in doc["touch_points"]:
        name, why, prompts = FRENCH[tp["key"]]
        tp["translations"] = {"fr": {"name": name, **({"why": why} if tp.get("why") else {})}}
        for c in tp["criteria"]:
            c["translations"] = {"fr": {"prompt": prompts[c["key"]]}}
    return doc


@pytest.fixture
def standard(db):
    """Overrides the conftest's: the same standard, with its French (the history fixture builds on it)."""
    return published_version(french_doc())


@pytest.fixture
def maori(network):
    """Site A1 and its region named in te reo Māori: the macrons must print."""
    network.a1.name = "Tāmaki Makaurau"
    network.a1.save(update_fields=["name"])
    network.region_a.name = "Te Ika-a-Māui"
    network.region_a.save(update_fields=["name"])
    return network


def speaks(user, language: str) -> None:
    user.profile.language = language
    user.profile.save(update_fields=["language"])


def rendered(run: ReportRun) -> bytes:
    assert runner.run_report(run_id=run.id, worker="test") == "done", ReportRun.objects.get(pk=run.pk).error
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh:
        return fh.read()


def text_of(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def fonts_of(pdf: bytes) -> set[str]:
    """The BaseFont of every font the pages use."""
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def embedded_dejavu(pdf: bytes) -> None:
    """Every font used for text is a subset of the shipped DejaVu Sans Condensed, with its file embedded; the only
    other is Courier, for the ASCII hashes."""
    names = fonts_of(pdf)
    text_fonts = {n for n in names if "Courier" not in n}
    assert text_fonts and all("DejaVuSansCondensed" in n for n in text_fonts), names
    assert not any("Helvetica" in n for n in names), names
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for page in reader.pages[:1]:
        for font in (page["/Resources"]["/Font"]).values():
            font = font.get_object()
            if "DejaVu" in str(font["/BaseFont"]):
                assert "/FontFile2" in font["/FontDescriptor"].get_object()  # the TrueType program itself


def test_a_french_speaker_gets_the_variance_report_in_french(history, maori):
    network = maori
    speaks(network.auditor, "fr")
    run = report_order(user=network.auditor, kind="variance", date_from=dt.date(2026, 3, 1),
                       date_to=dt.date(2026, 3, 7), region="region-a", language="en")
    assert run.language == "fr"  # the person's own language wins over the request's
    pdf = rendered(run)
    text = text_of(pdf)
    flat = " ".join(text.split())
    # The document's words, with their accents.
    for words in ("Rapport d'écarts", "Période du 01/03/2026 au 07/03/2026", "Synthèse", "Score du réseau",
                  "Indice de cohérence", "Carte de chaleur", "Classement", "Écart moyen",
                  "Annexe : comment chaque chiffre est calculé", "v1 (depuis le 01/01/2026)",
                  "Écarts (critères sous 100 %, les pires d'abord)", "Région Te Ika-a-Māui"):
        assert words in flat, words
    # The standard's names and prompts in French, from the version's translations.
    for words in ("Propreté des toilettes", "Téléphone", "Sonneries avant de décrocher"):
        assert words in flat, words
    assert "Restroom" not in flat and "Rings to answer" not in flat
    # Numbers with a decimal comma; no English left in the page furniture.
    assert "A1 · Tāmaki Makaurau" in text
    assert " / 100" in flat and "," in flat.split("Indice de cohérence", 1)[1][:80]
    for english in ("Summary", "League table", "Network score", "Heat map", "Appendix", " run "):
        assert english not in flat, english
    embedded_dejavu(pdf)


def test_the_french_compliance_pack_reads_back_with_its_accents(history, maori):
    network = maori
    speaks(network.manager_a, "fr")
    run = report_order(user=network.manager_a, kind="compliance_pack", date_from=history["from"],
                       date_to=history["to"], sites=["A1"])
    assert run.language == "fr"
    pdf = rendered(run)
    flat = " ".join(text_of(pdf).split())
    for words in ("Dossier de conformité", "Site A1 · Tāmaki Makaurau", "Région Te Ika-a-Māui",
                  "Le référentiel", "Version 1 (publiée, en vigueur depuis le 01/01/2026)",
                  "Pourquoi chaque point de contact compte : Téléphone : Premier contact · Propreté des toilettes : "
                  "Rien n'en dit plus long",
                  "Échecs et actions correctives", "Jours manqués", "Preuves photo", "Manifeste",
                  "au plus 3 rings", "au moins 4 sur 5", "au moins 95%",
                  "ouverte le 05/03/2026", "échéance le 08/03/2026", "échec", "oui", "Prise TARDIVE",
                  "RÉUTILISÉE (identique à 2026-03-01 sur ce site)"):
        assert words in flat, words
    # Amended checks and failures name the criterion in French.
    assert "Propreté 3 / 5 -> 5 / 5" in flat
    assert "Formule d'accueil de la marque" in flat
    for english in ("Compliance pack", "Failures and corrective actions", "Missed days", "Brand greeting"):
        assert english not in flat, english
    embedded_dejavu(pdf)


def test_english_is_unchanged_and_macrons_print_in_english_too(history, maori):
    network = maori
    run = report_order(user=network.head_office, kind="compliance_pack", date_from=history["from"],
                       date_to=history["to"], sites=["A1"])
    assert run.language == "en"
    flat = " ".join(text_of(rendered(run)).split())
    assert "Compliance pack" in flat and "Site A1 · Tāmaki Makaurau" in flat and "Region Te Ika-a-Māui" in flat
    assert "Restroom" in flat and "Propreté" not in flat


def test_the_runs_language_is_set_when_it_is_ordered(network, standard, api):
    # Through the API, a person without a language of their own gets the one their request asks for.
    response = api(network.manager_a).post(
        "/api/v1/reports/", {"kind": "compliance_pack", "from": "2026-03-01", "to": "2026-03-07", "sites": ["A1"]},
        format="json", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")
    assert response.status_code == 202, response.json()
    assert ReportRun.objects.get(public_id=response.json()["id"]).language == "fr"
    # Their own language, once chosen, wins over the request's.
    speaks(network.manager_a, "en")
    response = client_for(network.manager_a).post(
        "/api/v1/reports/", {"kind": "compliance_pack", "from": "2026-03-01", "to": "2026-03-06", "sites": ["A1"]},
        format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert ReportRun.objects.get(public_id=response.json()["id"]).language == "en"
    # A language Touchpoint does not have falls back to the default; a scheduled run is in the default.
    assert report_order(user=network.auditor, kind="variance", date_from=dt.date(2026, 3, 1),
                        date_to=dt.date(2026, 3, 7), region="region-a", language="de").language == "en"
    assert scheduled_weekly_variance(today=dt.date(2026, 11, 25)).language == "en"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_a_french_page_renders_to_an_image(history, maori, tmp_path):
    """pdftoppm draws the cover from the embedded font (the PNG is what a person looks at; see
    docs/screenshots/pdf-pack-fr-*.png)."""
    network = maori
    speaks(network.manager_a, "fr")
    pdf = rendered(report_order(user=network.manager_a, kind="compliance_pack", date_from=history["from"],
                                date_to=history["to"], sites=["A1"]))
    (tmp_path / "pack.pdf").write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "pack.pdf")], capture_output=True, text=True, check=True)
    dejavu = [line for line in fonts.stdout.splitlines() if "DejaVuSansCondensed" in line]
    assert dejavu and all(" yes " in line for line in dejavu), fonts.stdout  # embedded (and subset)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(tmp_path / "pack.pdf"),
                    str(tmp_path / "page")], check=True, capture_output=True)
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
