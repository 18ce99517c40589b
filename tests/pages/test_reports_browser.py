"""/app/reports/ in a real browser with a real Celery worker: head office orders a variance report, watches it
finish without a reload, downloads it (the PDF reads back), and verifies it by upload and by drop; a changed byte
is refused. axe-core on the page; the screenshot for the README."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from consistency.demo_history import seed_history

from ..browser import browser_available
from .conftest import PHONE, check_axe, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, browser_available]

DROP = """([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, {type: "application/pdf"}));
  const zone = document.getElementById("drop-zone");
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
  }
}"""


# Elements that stick out past the right edge of the screen, outside anything that scrolls them.
WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth, out = [];
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p).overflowX; if (s === "auto" || s === "scroll") return true; } return false; };
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !scrolls(el)) out.push(el.tagName + "#" + el.id + "." + el.className);
  }
  return out.slice(0, 10).concat(document.documentElement.scrollWidth > width ? ["scrollWidth " + document.documentElement.scrollWidth] : []);
}"""


@pytest.fixture
def history(demo_franchise):
    """Ten days of the demo network's checks (before the browser starts: see conftest)."""
    seed_history(days=10)
    return demo_franchise


def test_head_office_orders_watches_downloads_and_verifies_a_variance_report(history, start_worker, open_as,
                                                                           live_server, tmp_path):
    start_worker("pages")
    page = open_as("head.office", "/app/reports/")
    assert page.title() == "Reports · Touchpoint"
    check_axe(page)  # the empty page: nothing ordered yet

    page.get_by_label("Variance report").check()
    page.get_by_label("Days").select_option("7")
    page.get_by_role("button", name="Order the report").click()
    page.wait_for_url("**/app/reports/?run=*")
    polls = []
    page.on("request", lambda request: "/status/" in request.url and polls.append(request.url))
    page.evaluate("window.touchpointMarker = 'still here'")  # gone if the page reloads or navigates
    card = page.locator("#run-status")
    expect(card).to_have_attribute("data-status", "done", timeout=90_000)
    assert page.evaluate("window.touchpointMarker") == "still here"
    run_id = page.url.split("run=")[1].split("#")[0]
    expect(page.locator(f"#row-{run_id} .badge")).to_have_text("Done")  # the table caught up, too
    assert polls, "the status card never asked the server"
    url_after = page.url
    today = dt.date.today()
    period = f"{today - dt.timedelta(days=6)} to {today}"
    expect(card).to_contain_text(period)
    expect(card).to_contain_text("Whole network")
    sha = card.locator("code.sha").inner_text()
    assert len(sha) == 64
    n_polls = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == n_polls, "polling went on after the run was done"

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the PDF").click()
    download = downloading.value
    assert download.suggested_filename.startswith("touchpoint-variance-network-")
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    body = pdf_path.read_bytes()
    assert body.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(body).hexdigest() == sha  # the file is the one the card vouches for
    cover = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert "Variance report" in cover and "Whole network" in cover and period in cover
    _render_first_page(body, tmp_path)

    # Verify by choosing the file (keyboard users, no drag and drop) ...
    page.get_by_label("PDF to verify").set_input_files(pdf_path)
    page.get_by_role("button", name="Verify the PDF").click()
    answer = page.locator("#verify-result .verify-answer")
    expect(answer).to_have_attribute("data-verified", "true")
    expect(answer).to_contain_text("Whole network")
    expect(answer).to_contain_text(period)
    # ... and by dropping it; then the same file with one byte changed.
    page.evaluate(DROP, [base64.b64encode(body).decode(), "again.pdf"])
    expect(answer).to_contain_text("again.pdf")
    expect(answer).to_have_attribute("data-verified", "true")
    check_axe(page)
    screenshot(page, "app-reports")
    changed = bytearray(body)
    changed[len(changed) // 2] ^= 0x01
    page.evaluate(DROP, [base64.b64encode(bytes(changed)).decode(), "changed.pdf"])
    expect(answer).to_have_attribute("data-verified", "false")
    expect(answer).to_contain_text("Touchpoint did not produce this exact file")
    assert page.url == url_after and page.evaluate("window.touchpointMarker") == "still here"

    check_axe(page)

    # Readable on a phone: nothing but the runs table (which scrolls in its card) is wider than the screen.
    phone = open_as("head.office", page.url.removeprefix(live_server.url), viewport=PHONE)
    expect(phone.locator("#run-status")).to_have_attribute("data-status", "done")
    phone.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    wide = phone.evaluate(WIDER_THAN_THE_SCREEN)
    assert not wide, wide
    check_axe(phone)


def _render_first_page(body: bytes, tmp_path) -> None:
    """The cover as a PNG beside the test's files, to look at when the report's look is in question."""
    import pypdfium2

    document = pypdfium2.PdfDocument(body)
    document[0].render(scale=1.2).to_pil().save(tmp_path / "cover.png")
    document.close()
