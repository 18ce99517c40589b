"""/app/feedback/ in a real browser: head office uploads a survey export with good and bad rows, reads the counts
and every bad row by line, and the page passes axe-core; the screenshot for the README. A phone-sized view of the
same result does not scroll sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from customer.models import FeedbackQuestion
from sites.models import Site

from ..browser import browser_available
from .conftest import PHONE, check_axe, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]

WIDER_THAN_THE_SCREEN = """() => document.documentElement.scrollWidth > document.documentElement.clientWidth"""


@pytest.fixture
def export(demo_franchise, tmp_path):
    """A survey export of 40 good rows and 6 bad ones, one of each kind (written before the browser starts)."""
    FeedbackQuestion.objects.create(key="greeted", text="Were you greeted promptly?", touch_point_key="phone")
    codes = list(Site.objects.order_by("code").values_list("code", flat=True)[:4])
    day = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    lines = ["site,date,score,scale,channel,question,comment,response_id"]
    for i in range(40):
        lines.append(f"{codes[i % 4]},{day},{(i * 7) % 11},0-10,sms,{'greeted' if i % 2 else ''},,survey-{i:04d}")
    lines += [
        f"NOWHERE-01,{day},9,0-10,sms,,,survey-9001",
        f"{codes[0]},{day},7,1-5,sms,,,survey-9002",
        f"{codes[1]},{future},9,0-10,sms,,,survey-9003",
        f"{codes[2]},{day},9,0-10,sms,,,survey-0002",
        f"{codes[3]},{day},,0-10,sms,,,survey-9004",
        f"{codes[0]},{day},4,1-5,sms,asked,,survey-9005",
    ]
    path = tmp_path / "survey-export-november.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_head_office_uploads_an_export_and_reads_every_bad_row(export, open_as):
    page = open_as("head.office", "/app/feedback/")
    assert page.title() == "Customer feedback · Touchpoint"
    expect(page.get_by_role("link", name="Feedback")).to_have_attribute("aria-current", "page")
    check_axe(page)  # the empty form

    page.get_by_label("CSV export").set_input_files(str(export))
    page.get_by_role("button", name="Import the file").click()
    page.wait_for_load_state()
    result = page.get_by_role("region", name="Imported survey-export-november.csv")
    expect(result).to_be_visible()
    said = " ".join(result.inner_text().split())
    assert "46 rows read" in said and "40 imported" in said and "6 refused" in said
    problems = result.get_by_role("listitem").all_inner_texts()
    assert [p.split(":")[0] for p in problems] == ["line 42", "line 43", "line 44", "line 45", "line 46", "line 47"]
    assert problems[0] == "line 42: site: no site 'NOWHERE-01'."
    assert problems[3] == "line 45: duplicate response_id 'survey-0002': it is on line 4 of this file too."
    check_axe(page)
    screenshot(page, "app-feedback")

    page.set_viewport_size(PHONE)
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)
