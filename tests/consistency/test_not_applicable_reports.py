"""The PDFs say which criteria were not applicable at which sites, when and why: read back with pdfplumber."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest

from consistency.services import applicability
from consistency.variance import variance_report
from reports.packs import compliance_pack_data
from reports.rendering import render_variance
from reports.rendering.common import DocumentMeta
from reports.rendering.compliance import render_compliance_pack
from sites.models import Site

from .variance_data import ALL_PASS_V1, check

pytestmark = pytest.mark.django_db
D = dt.date


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


@pytest.fixture
def marked(network, standard):
    for i in range(10):
        day = D(2026, 3, 1) + dt.timedelta(days=i)
        for site in (network.a1, network.a2):
            check(site, day, ALL_PASS_V1, user=network.manager_a)
    applicability.mark(user=network.head_office, site=network.a1, criterion_key="restroom_clean",
                       starts_on=D(2026, 3, 4), ends_on=None, reason="No restroom on the premises")
    applicability.mark(user=network.head_office, site=network.a2, criterion_key="delivery_on_time_pct",
                       starts_on=D(2026, 2, 1), ends_on=D(2026, 3, 5), reason="Deliveries paused for the refit")
    # Not in the period: not listed.
    applicability.mark(user=network.head_office, site=network.a2, criterion_key="phone_greeting",
                       starts_on=D(2026, 4, 1), ends_on=D(2026, 4, 2), reason="April only")
    return network


def test_the_variance_pdf_lists_the_criteria_not_applicable_at_each_site(marked):
    report = variance_report(date_from=D(2026, 3, 1), date_to=D(2026, 3, 10), sites=Site.objects.all())
    meta = DocumentMeta("variance report", "Whole network", report.date_from, report.date_to)
    text = _text(render_variance(report, meta=meta))
    section = text[text.index("Not applicable here"):]
    assert "A1 Cleanliness (restroom_clean) 2026-03-04 until further notice No restroom on the premises" in section
    assert "A2 On time (delivery_on_time_pct) 2026-02-01 2026-03-05 Deliveries paused for the refit" in section
    assert "April only" not in text


def test_no_section_when_nothing_is_marked(network, standard):
    check(network.a1, D(2026, 3, 1), ALL_PASS_V1, user=network.manager_a)
    report = variance_report(date_from=D(2026, 3, 1), date_to=D(2026, 3, 10), sites=Site.objects.all())
    text = _text(render_variance(report, meta=DocumentMeta("variance report", "Whole network", report.date_from,
                                                           report.date_to)))
    assert "Not applicable here" not in text


def test_the_compliance_pack_says_what_was_not_applicable_and_who_marked_it(marked):
    pack = compliance_pack_data(site=marked.a1, date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))
    text = _text(render_compliance_pack(pack, meta=DocumentMeta("compliance pack", "Site A1", D(2026, 3, 1),
                                                                D(2026, 3, 31))))
    section = text[text.index("Not applicable here"):]
    assert "Cleanliness (restroom_clean) 2026-03-04 until further notice No restroom on the premises" in section
    assert "head.office" in section
    assert "Deliveries paused" not in text  # A2's
    # The results stored before the mark stay in the pack's checks.
    assert text.count("Cleanliness 5 / 5") >= 10
