"""/app/audits/new/ in Debian's Chromium on a phone-sized screen: a mystery shopper lands on the form, is refused
a visit with nothing observed, observes part of the standard with a photo, reloads, loses the network while
sending and gets it back; one audit is stored with its photo confirmed; then their list and the audit's page.

The ORM is used before the browser starts (fixtures listed before ``open_as``), and afterwards only in a thread of
its own (``in_a_thread``), as in test_today_browser."""

from __future__ import annotations

import pytest
from django.conf import settings

from consistency.models import Criterion, Evidence
from customer.models import Audit
from sites.models import Role, Site
from tests.factories import person
from tests.reports.samples import jpeg

from ..browser import DEMO_PASSWORD, browser_available
from .conftest import PHONE, check_axe, screenshot
from .test_today_browser import bucket_cors, bytes_over_the_wire, in_a_thread  # noqa: F401  (a fixture, helpers)

pytestmark = [pytest.mark.django_db(transaction=True), browser_available,
              pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="direct uploads need an S3 endpoint")]

SITE = "AKL-01"
SHOPPER = "shopper.akl"
PHOTO_CRITERION = "restroom_cleanliness"


@pytest.fixture
def shopper(demo_franchise):
    user = person(SHOPPER, Role.MYSTERY_SHOPPER, sites=[Site.objects.get(code=SITE)])
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@pytest.fixture
def observed(demo_franchise) -> dict[str, tuple[str, str]]:
    """Three criteria a shopper could observe, with what they saw: a yes/no, a score (with the photo) and a number."""
    criteria = list(Criterion.objects.filter(version=demo_franchise["version"]).order_by("touch_point__order", "order"))
    out = {}
    for kind, value in (("boolean", "No"), ("number", None)):
        c = next(c for c in criteria if c.kind == kind and c.key not in out and c.key != PHOTO_CRITERION)
        out[c.key] = (kind, value or f"{c.target:g}")
    out[PHOTO_CRITERION] = ("score", "3")
    return out


def observe(page, observed: dict) -> None:
    for key, (kind, value) in observed.items():
        fieldset = page.locator(f"#c-{key}")
        fieldset.get_by_label("Observed", exact=True).check()
        if kind == "number":
            fieldset.get_by_role("spinbutton").fill(value)
        else:
            fieldset.get_by_label(value, exact=True).check()


def test_a_shopper_sends_a_partial_mystery_shop_offline_and_one_audit_is_stored_with_its_photo(
        shopper, observed, bucket_cors, open_as, live_server):  # noqa: F811
    page = open_as(SHOPPER, "/", viewport=PHONE)
    assert page.url == f"{live_server.url}/app/audits/new/"  # "/" sends a shopper to the form
    status = page.locator("#audit-status")
    keys = list(observed)

    # Nothing observed: refused in the page, said plainly, nothing sent.
    page.get_by_role("button", name="Send the visit").click()
    assert "Nothing observed" in page.locator("#e-form").inner_text()
    assert "Not sent" in status.inner_text()

    observe(page, observed)
    page.locator(f"#c-{keys[0]} textarea").fill("Not greeted at all")
    # Just after the local midnight: a visit time never in the future, whatever the hour the suite runs at
    # (the form dates the visit on the site's today; 10:15 was in the future between midnight and 10:15 there).
    page.locator("#visited-at").fill("00:05")
    page.locator(f"#p-{PHOTO_CRITERION}").set_input_files(
        files=[{"name": "restroom.jpg", "mimeType": "image/jpeg", "buffer": jpeg(640, 480, seed=5, photo_like=True)}])
    page.locator(f"#ph-{PHOTO_CRITERION} li").filter(has_text="restroom.jpg").wait_for()
    assert "3 of" in status.inner_text() and "Saved on this phone" in status.inner_text()

    # A reload brings back what was observed, the note, the time and the photo.
    page.reload()
    page.locator(f"#ph-{PHOTO_CRITERION} li").filter(has_text="restroom.jpg").wait_for()
    for key, (kind, value) in observed.items():
        fieldset = page.locator(f"#c-{key}")
        assert fieldset.get_by_label("Observed", exact=True).is_checked(), key
        if kind == "number":
            assert fieldset.get_by_role("spinbutton").input_value() == value, key
        else:
            assert fieldset.get_by_label(value, exact=True).is_checked(), key
    assert page.locator(f"#c-{keys[0]} textarea").input_value() == "Not greeted at all"
    assert page.locator("#visited-at").input_value() == "00:05"
    check_axe(page)

    # Offline as the shopper presses Send: kept, retried by itself, sent once the signal is back.
    page.context.set_offline(True)
    page.get_by_role("button", name="Send the visit").click()
    page.wait_for_function("document.getElementById('audit-status').textContent.includes('Waiting for signal')")
    page.wait_for_timeout(1500)
    assert "Waiting for signal" in status.inner_text()
    # The form as the shopper sees it: the first touch point, a criterion observed and others not.
    page.locator(".tp").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    screenshot(page, "app-audit-form", full_page=False)
    page.context.set_offline(False)
    result = page.locator("#audit-result")
    result.get_by_text("Sent: audit").wait_for(timeout=45_000)
    assert "over 3 criteria observed" in result.inner_text() and "1 photo sent" in result.inner_text()
    check_axe(page)

    in_a_thread(lambda: one_audit_is_stored_with_its_photo(observed, keys[0]))

    # The shopper's list: their visit, linked to its page with the photo.
    page.goto(f"{live_server.url}/app/audits/")
    row = page.locator(".audit-row")
    assert row.count() == 1 and SITE in row.inner_text() and "3 criteria observed" in row.inner_text()
    check_axe(page)
    screenshot(page, "app-audits", full_page=False)
    row.get_by_role("link").click()
    page.wait_for_load_state()
    assert "Mystery shop at AKL-01" in page.locator("h1").inner_text()
    assert "Not greeted at all" in page.content()
    assert "00:05 site time" in page.locator("dl.facts").inner_text()  # the site's wall clock, as given
    assert page.locator(f"#r-{PHOTO_CRITERION} .photos li").count() == 1
    page.locator(f"#r-{PHOTO_CRITERION} img").wait_for()  # the verified photo's thumbnail, through its signed link
    check_axe(page)
    screenshot(page, "app-audit")
    page.context.close()


def one_audit_is_stored_with_its_photo(observed: dict, noted: str) -> None:
    audits = list(Audit.objects.filter(site__code=SITE))
    assert len(audits) == 1
    audit = audits[0]
    assert audit.kind == "mystery_shop" and audit.submitted_by.username == SHOPPER
    assert audit.observed == 3 and audit.visited_at is not None
    local = audit.visited_at.astimezone(audit.site.tz)
    assert (local.date(), local.hour, local.minute) == (audit.date, 0, 5)  # the site's wall clock
    results = {r.criterion.key: r for r in audit.results.select_related("criterion")}
    assert set(results) == set(observed)
    assert results[noted].note == "Not greeted at all" and results[noted].value == 0
    assert [(e.criterion.key, e.status) for e in Evidence.objects.filter(audit=audit)] == [(PHOTO_CRITERION, "verified")]


def test_a_lost_answer_is_retried_with_the_same_key_and_body_after_a_reload_and_one_audit_is_stored(
        shopper, observed, open_as, live_server):
    page = open_as(SHOPPER, "/app/audits/new/", viewport=PHONE)
    # The whole standard's form opens on a weak signal: under 75 kB for the HTML, stylesheets and scripts.
    weights = bytes_over_the_wire(page, f"{live_server.url}/app/audits/new/")
    assert {u.rsplit("/", 1)[-1] for u in weights} >= {"", "app.css", "audit.css", "today-client.js", "audit.js"}, weights
    assert sum(weights.values()) < 75_000, weights
    key, (kind, value) = next(iter(observed.items()))
    observe(page, {key: (kind, value)})
    sent, answered = [], {"from now on": False}

    def lose_the_answers(route):
        sent.append((route.request.headers.get("idempotency-key"), route.request.post_data))
        if answered["from now on"]:
            route.continue_()
        elif len(sent) == 1:  # a proxy in trouble: 503, the request never reached the server
            route.fulfill(status=503, content_type="application/json",
                          body='{"code": "unavailable", "message": "Down for a moment."}')
        else:
            route.fetch()  # the server stores the audit...
            route.abort("connectionreset")  # ...and its answer never reaches the phone

    replayed = []
    page.on("response", lambda r: replayed.append((r.status, r.headers.get("idempotent-replayed")))
            if r.url.endswith("/audits/") and r.request.method == "POST" else None)
    page.route("**/api/v1/sites/*/audits/", lose_the_answers)
    page.get_by_role("button", name="Send the visit").click()
    page.wait_for_function("document.getElementById('audit-status').textContent.includes('Waiting for signal')")
    page.wait_for_function("document.querySelector('#audit-form button[type=submit]').textContent === 'Try again now'")
    page.wait_for_timeout(2500)  # past the 503, into the lost answers
    # The shopper reloads while the page waits: it picks the audit up again, with the same key and body.
    answered["from now on"] = True
    page.reload()
    page.locator("#audit-result").get_by_text("Sent: audit").wait_for(timeout=45_000)
    assert len(sent) >= 3 and len(set(sent)) == 1 and sent[0][0]  # one Idempotency-Key, one body, every time
    assert replayed[0] == (503, None) and replayed[-1] == (201, "true"), replayed
    page.context.close()
    assert in_a_thread(lambda: Audit.objects.filter(site__code=SITE).count()) == 1


@pytest.fixture
def auditor(demo_franchise):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="auditor")


def test_an_auditor_chooses_the_kind_and_an_independent_audit_is_stored(auditor, observed, open_as):
    page = open_as("auditor", f"/app/audits/new/?site={SITE}", viewport=PHONE)
    kind = page.get_by_role("group", name="Kind of visit")
    assert kind.get_by_label("Independent audit").is_checked()  # an auditor's default
    check_axe(page)
    key, (criterion_kind, value) = next(iter(observed.items()))
    observe(page, {key: (criterion_kind, value)})
    # Observed but left without an answer: refused in the page, next to the criterion.
    other = next(k for k in observed if k != key and observed[k][0] == "number")
    page.locator(f"#c-{other}").get_by_label("Observed", exact=True).check()
    page.get_by_role("button", name="Send the visit").click()
    assert "Say what you observed" in page.locator(f"#e-{other}").inner_text()
    page.locator(f"#c-{other}").get_by_label("Not observed", exact=True).check()
    page.get_by_role("button", name="Send the visit").click()
    page.locator("#audit-result").get_by_text("Sent: audit").wait_for(timeout=45_000)
    page.context.close()
    stored = in_a_thread(lambda: list(Audit.objects.filter(site__code=SITE).values_list("kind", "observed",
                                                                                        "submitted_by__username")))
    assert stored == [("audit", 1, "auditor")]
