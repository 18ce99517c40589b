"""A variance run wired to the real engine: ordered, rendered by the runner, numbers read back."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
from django.core.files.storage import default_storage

from consistency.variance import variance_report
from reports import runner
from reports.services import report_order
from sites.models import Site


def test_a_variance_run_renders_the_engines_numbers(history, network):
    run = report_order(user=network.auditor, kind="variance", date_from=dt.date(2026, 3, 1),
                       date_to=dt.date(2026, 3, 7), region="region-a")
    assert runner.run_report(run_id=run.id, worker="test") == "done", run.error
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh, pdfplumber.open(io.BytesIO(fh.read())) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    expected = variance_report(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 7),
                               sites=Site.objects.filter(region=network.region_a))
    assert "Region Region A" in text and "2026-03-01 to 2026-03-07" in text
    assert f"{expected.network_score * 100:.1f}%" in text
    assert f"{expected.consistency_index:.1f} / 100" in text
    a1 = next(s for s in expected.sites if s.code == "A1")
    assert f"A1 · {a1.name}" in text
    assert f"{a1.missed_days} missed day(s) of {a1.expected_days} expected" in text
    assert "v1 (from 2026-01-01)" in text
    # The appendix explains the index with this report's own figure.
    assert f"In this report the index is {expected.consistency_index:.1f}" in " ".join(text.split())


def test_a_site_of_which_nothing_was_expected_has_no_score_and_is_not_ranked_worst(history, network):
    # A3 opens after the period: 0 of 0 days expected. It was scored 0.0% and listed among the worst sites.
    from tests.factories import SiteFactory

    SiteFactory(code="A3", name="Opens later", region=network.region_a, opened_on=dt.date(2026, 3, 20))
    run = report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 3, 1),
                       date_to=dt.date(2026, 3, 7), region="region-a")
    assert runner.run_report(run_id=run.id, worker="test") == "done", run.error
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh, pdfplumber.open(io.BytesIO(fh.read())) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    summary = text[text.index("Summary"):text.index("League table")]
    assert " A3 " not in f" {summary} "  # neither best nor worst
    league = text[text.index("League table"):]
    row = next(line for line in league.splitlines() if line.startswith("- A3 Opens later"))
    assert "0/0" in row and "0.0%" not in row
    report = variance_report(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 7),
                             sites=Site.objects.filter(code="A3"))
    assert report.sites[0].score is None
