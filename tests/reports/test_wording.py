"""What a person reads in the PDFs: the criterion's prompt (its key only in the standard's reference table,
broken only after an underscore), units that agree with their numbers, and one wording per outcome."""

from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
import pytest
from reportlab.lib.units import mm

from consistency.models import CheckResult
from consistency.services.criterion_text import quantity
from reports import runner
from reports.packs import outcome_text
from reports.rendering.grid import _width, fit_text, wrap_text
from reports.services import report_order
from tests.factories import published_version, small_standard_doc

from .conftest import make_check

LONG_KEYS = ["phone_rings_to_answer_the_first_time", "reception_greeted_within_minutes"]


@pytest.mark.parametrize(("value", "unit", "text"), [
    (1, "minutes", "1 minute"), (3, "minutes", "3 minutes"), (1, "rings", "1 ring"), (0, "invoices", "0 invoices"),
    (1.5, "hours", "1.5 hours"), (1, "%", "1%"), (1, "°C", "1 °C"), (1, "class", "1 class"), (2, "", "2"),
])
def test_a_unit_agrees_with_its_number(value, unit, text):
    assert quantity(value, unit) == text


def test_one_wording_per_outcome():
    assert outcome_text(passed=True, met=True) == "pass"
    assert outcome_text(passed=False, met=False) == "fail"
    assert outcome_text(passed=False, met=True) == "met; photo not verified"


@pytest.mark.parametrize("key", [*LONG_KEYS, "uniform_staff_compliant_pct", "windows_days_since_wash"])
@pytest.mark.parametrize("column", [18, 24, 30])
def test_a_key_breaks_only_after_an_underscore(key, column):
    lines = wrap_text(key, column * mm, "Helvetica", 7.5)
    assert "".join(lines) == key
    assert all(line.endswith("_") for line in lines[:-1]), lines
    assert all(_width(line, "Helvetica", 7.5) <= column * mm for line in lines), lines


def test_a_cell_too_narrow_is_cut_after_a_word():
    text = "Minutes to return yesterday's longest-waiting missed call"
    short = fit_text(text, 30 * mm, "Helvetica", 7.5)
    assert short.endswith("\u2026") and text.startswith(short[:-1].rstrip())
    assert text.split()[len(short[:-1].split()) - 1] == short[:-1].split()[-1]  # a whole word before the cut
    assert fit_text("Phone", 30 * mm, "Helvetica", 7.5) == "Phone"


@pytest.fixture
def long_keyed(network, db):
    """A standard whose keys are long and whose target is 1 minute, with a check where a photo is owed."""
    doc = small_standard_doc()
    phone = doc["touch_points"][0]["criteria"]
    phone.append({"key": LONG_KEYS[0], "prompt": "Rings before the phone was answered (test call)", "kind": "number",
                  "unit": "rings", "comparison": "lte", "target": 3, "tolerance": 0, "weight": 1})
    phone.append({"key": LONG_KEYS[1], "prompt": "Minutes until a visitor was greeted", "kind": "number",
                  "unit": "minutes", "comparison": "lte", "target": 1, "tolerance": 0, "weight": 1})
    version = published_version(doc)
    check = make_check(site=network.a1, version=version, user=network.manager_a, day=dt.date(2026, 3, 2),
                       values={LONG_KEYS[0]: 1, LONG_KEYS[1]: 4})
    # The restroom photo is owed: met, not passed.
    CheckResult.objects.filter(daily_check=check, criterion__key="restroom_clean").update(passed=False)
    run = report_order(user=network.head_office, kind="compliance_pack", date_from=dt.date(2026, 3, 1),
                       date_to=dt.date(2026, 3, 3), sites=["A1"])
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    run.refresh_from_db()
    from django.core.files.storage import default_storage

    with default_storage.open(run.pdf_key, "rb") as fh, pdfplumber.open(io.BytesIO(fh.read())) as pdf:
        return version, "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_the_pack_names_criteria_by_their_prompts_and_keys_only_in_the_standard(long_keyed):
    version, text = long_keyed
    keys = list(version.touch_points.values_list("criteria__key", flat=True))
    standard = text[text.index("The standard"):text.index("Checks\n")]
    rest = text[text.index("Checks\n"):]
    for key in keys:
        assert key not in rest, key  # checks, failures, photos and manifest: prompts
    assert "Rings before the phone was answered (test call) 1 ring pass" in " ".join(rest.split())
    assert "Minutes until a visitor was greeted 4 minutes fail" in rest
    # In the standard a key may wrap, but only after an underscore: no piece of it ends inside a word.
    words = set(standard.split())
    assert any(w != key and key.startswith(w) for key in LONG_KEYS for w in words)  # they do wrap here
    for key in keys:
        pieces = [w for w in words if key.startswith(w) and w not in keys and "_" in w]
        assert all(w.endswith("_") for w in pieces), (key, pieces)


def test_a_unit_agrees_with_its_number_in_the_pack(long_keyed):
    _, text = long_keyed
    assert "at most 1 minute" in text and "1 minutes" not in text
    assert "at most 3 rings" in text and not re.search(r"\b1 rings\b", text)


def test_the_same_outcome_reads_the_same_in_every_table(long_keyed):
    _, text = long_keyed
    checks = text[text.index("Checks\n"):text.index("Failures and corrective actions")]
    start = text.index("Failures and corrective actions")
    failures = text[start:text.index("Photo evidence", start)]
    assert "Cleanliness 5 / 5 met; photo not verified" in checks
    assert "Cleanliness 5 / 5 met; photo not verified yes none: the target was met" in failures
    assert "photo missing" not in text and "not yet verified" not in text
