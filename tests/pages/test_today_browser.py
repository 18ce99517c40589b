"""/app/today/ in Debian's Chromium on a phone-sized screen: a manager fills the checklist with a photo, reloads,
loses the network while sending and gets it back; a lost answer is retried with the same key; one check is stored.

The ORM is used before the browser starts (fixtures listed before ``open_as``), and afterwards only in a thread of
its own (``in_a_thread``): inside Playwright's event loop Django would keep a connection that nothing closes."""

from __future__ import annotations

import datetime as dt
import gzip
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connections

from consistency.models import CheckResult, Criterion, DailyCheck, Evidence
from consistency.services.checks import local_today
from sites.models import Site
from tests.reports.samples import jpeg

from ..browser import browser_available
from .conftest import PHONE, check_axe, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), browser_available,
              pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="direct uploads need an S3 endpoint")]

SITE = "AKL-01"
MANAGER = "manager.akl-01"
PHOTO_CRITERION = "restroom_cleanliness"
FAILED = "phone_brand_greeting"  # critical: answered "No", it opens a corrective action


@pytest.fixture
def bucket_cors(s3_bucket, live_server):
    """The CORS an S3 bucket needs for the page's direct uploads (README, Configuration): the page's origin may
    POST the presigned form and read the answer's status."""
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    s3_bucket.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [live_server.url], "AllowedMethods": ["POST"], "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000}]})
    yield
    s3_bucket.delete_bucket_cors(Bucket=bucket)


@pytest.fixture
def answers(demo_franchise) -> dict[str, tuple[str, str]]:
    """For each criterion of the site's part of today's standard: (kind, the value to give): every target met but
    FAILED's."""
    out = {}
    # The manager's part: accounting's own staff give its touch points (invoicing) in a check of their own.
    for c in (Criterion.objects.filter(version=demo_franchise["version"])
              .exclude(touch_point__department__submitted_by="department").order_by("touch_point__order", "order")):
        if c.kind == "boolean":
            out[c.key] = (c.kind, "No" if c.key == FAILED else "Yes")
        elif c.kind == "score":
            out[c.key] = (c.kind, "5")
        else:
            out[c.key] = (c.kind, f"{c.target:g}")
    return out


def fill(page, answers: dict, keys) -> None:
    for key in keys:
        kind, value = answers[key]
        fieldset = page.locator(f"#c-{key}")
        if kind == "number":
            fieldset.get_by_role("spinbutton").fill(value)
        else:
            fieldset.get_by_label(value, exact=True).check()


def in_a_thread(fn):
    """``fn()`` on a connection of its own, closed after: the ORM outside Playwright's event loop."""
    def run():
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def stored_checks(site_code: str):
    site = Site.objects.get(code=site_code)
    return list(DailyCheck.objects.filter(site=site, date=local_today(site)))


def test_a_manager_fills_the_checklist_with_a_photo_offline_and_one_check_is_stored(
        answers, bucket_cors, open_as, live_server):
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    assert page.url == f"{live_server.url}/app/today/"
    keys = list(answers)
    status = page.locator("#today-status")
    half = len(keys) // 2
    fill(page, answers, keys[:half])
    page.locator(f"#c-{keys[0]} textarea").fill("Checked at opening")
    page.locator(f"#p-{PHOTO_CRITERION}").set_input_files(
        files=[{"name": "restroom.jpg", "mimeType": "image/jpeg", "buffer": jpeg(640, 480, seed=3, photo_like=True)}])
    photo_item = page.locator(f"#ph-{PHOTO_CRITERION} li")
    photo_item.filter(has_text="restroom.jpg").wait_for()
    assert "Saved on this phone" in status.inner_text()

    # A reload (a tab the phone dropped) brings back every answer, the note and the photo.
    page.reload()
    page.locator(f"#ph-{PHOTO_CRITERION} li").filter(has_text="restroom.jpg").wait_for()
    assert "Saved on this phone" in status.inner_text()
    for key in keys[:half]:
        kind, value = answers[key]
        fieldset = page.locator(f"#c-{key}")
        if kind == "number":
            assert fieldset.get_by_role("spinbutton").input_value() == value, key
        else:
            assert fieldset.get_by_label(value, exact=True).is_checked(), key
    assert page.locator(f"#c-{keys[0]} textarea").input_value() == "Checked at opening"
    fill(page, answers, keys[half:])
    check_axe(page)

    # The line drops as the manager presses Send: the page says so, keeps everything, and tries again by itself.
    page.context.set_offline(True)
    page.get_by_role("button", name="Send today's check").click()
    page.wait_for_function("document.getElementById('today-status').textContent.includes('Waiting for signal')")
    page.wait_for_timeout(1500)  # a retry or two, still offline
    assert "Waiting for signal" in status.inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "app-today", full_page=False)  # the checklist on a phone, waiting for a signal
    page.context.set_offline(False)
    result = page.locator("#today-result")
    result.get_by_text("Sent: check").wait_for(timeout=45_000)
    assert "criteria not passed" in result.inner_text()
    assert "Not passed" in result.inner_text() and "Answered with the brand greeting" in result.inner_text()
    assert "Corrective actions it opened" in result.inner_text()
    actions = page.locator("#action-list li")
    actions.filter(has_text="Answered with the brand greeting").wait_for()
    check_axe(page)
    page.context.close()

    in_a_thread(lambda: the_check_is_stored_once_with_its_photo(keys[0]))


def the_check_is_stored_once_with_its_photo(noted: str) -> None:
    checks = stored_checks(SITE)
    assert len(checks) == 1
    check = checks[0]
    photos = Evidence.objects.filter(daily_check=check)
    assert [(e.criterion.key, e.status) for e in photos] == [(PHOTO_CRITERION, "verified")]
    result = CheckResult.objects.get(daily_check=check, criterion__key=PHOTO_CRITERION)
    assert result.passed  # met, and its photo verified
    assert CheckResult.objects.get(daily_check=check, criterion__key=noted).note == "Checked at opening"
    assert [a.criterion.key for a in check.actions.all()] == [FAILED]


def bytes_over_the_wire(page, url: str) -> dict[str, int]:
    """What loading ``url`` transfers, per address, from nothing cached: Chromium's encodedDataLength (headers
    and body as they crossed the network, compressed where they were). The test server serves static files as
    they are; production's whitenoise serves them gzipped to a browser that accepts it (CompressedStaticFilesStorage,
    level 9, made at collectstatic): a static file counts as its headers plus its gzipped body."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls, sizes = {}, {}

    def received(event):
        urls[event["requestId"]] = event["response"]["url"]

    def finished(event):
        sizes[event["requestId"]] = event["encodedDataLength"]

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    cdp.detach()
    weights = {}
    for request_id, size in sizes.items():
        address = urls.get(request_id, request_id)
        static = finders.find(address.split("/static/", 1)[1]) if "/static/" in address else None
        if static:
            body = open(static, "rb").read()
            size = size - len(body) + len(gzip.compress(body, compresslevel=9, mtime=0))
        weights[address] = size
    return weights


def test_a_lost_answer_is_retried_with_the_same_key_even_after_a_reload_and_one_check_is_stored(answers, open_as, live_server):
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    # Before photos, the page opens on a weak signal: under 75 kB for the HTML, the stylesheets and the scripts.
    weights = bytes_over_the_wire(page, f"{live_server.url}/app/today/")
    assert {u.rsplit("/", 1)[-1] for u in weights} >= {"", "app.css", "today.css", "today-client.js", "today.js"}, weights
    assert sum(weights.values()) < 75_000, weights
    fill(page, answers, list(answers))
    # A refusal (4xx) is shown next to the field the API names, in the API's words; nothing is retried.
    page.locator("#c-reception_temperature").get_by_role("spinbutton").fill("80")
    page.get_by_role("button", name="Send today's check").click()
    error = page.locator("#e-reception_temperature")
    error.wait_for()
    assert "80 °C is not a possible reading; the highest is 50" in error.inner_text()
    assert page.evaluate("document.activeElement.id") == "v-reception_temperature"  # focused, not only scrolled to
    assert "Not sent" in page.locator("#today-status").inner_text()
    page.locator("#c-reception_temperature").get_by_role("spinbutton").fill("21")
    sent, answered = [], {"from now on": False}

    def lose_the_answers(route):
        sent.append((route.request.headers.get("idempotency-key"), route.request.post_data))
        if answered["from now on"]:
            route.continue_()
        elif len(sent) == 1:  # a proxy in trouble: 503, the request never reached the server
            route.fulfill(status=503, content_type="application/json",
                          body='{"code": "unavailable", "message": "Down for a moment."}')
        else:
            route.fetch()  # the request reaches the server, which stores the check (and then replays it)...
            route.abort("connectionreset")  # ...and its answer never reaches the phone

    replayed = []
    page.on("response", lambda r: replayed.append((r.status, r.headers.get("idempotent-replayed")))
            if r.url.endswith("/checks/") and r.request.method == "POST" else None)
    page.route("**/api/v1/sites/*/checks/", lose_the_answers)
    page.get_by_role("button", name="Send today's check").click()
    page.wait_for_function("document.getElementById('today-status').textContent.includes('Waiting for signal')")
    page.wait_for_function("document.querySelector('#checklist button[type=submit]').textContent === 'Try again now'")
    page.wait_for_timeout(2500)  # past the 503, into the lost answers
    # The manager reloads while the page waits: it picks the submission up again, with the same key and body.
    answered["from now on"] = True
    page.reload()
    page.locator("#today-result").get_by_text("Sent: check").wait_for(timeout=45_000)
    assert len(sent) >= 3 and len(set(sent)) == 1 and sent[0][0]  # one Idempotency-Key, one body, every time
    # The 503 first; then the answers lost on the way; then the server's stored answer, replayed.
    assert replayed == [(503, None), (201, "true")], replayed
    page.context.close()
    assert len(in_a_thread(lambda: stored_checks(SITE))) == 1


@pytest.fixture
def checked_today(answers) -> dict:
    """Today's check of AKL-01, sent by its manager's phone app before the page is opened: the restroom scored 2
    (critical, and a photo required: its action needs a verified photo to be resolved)."""
    from tests.conftest import client_for

    site = Site.objects.get(code=SITE)
    manager = site.profiles.get(role="manager").user  # accounting's demo person serves the site too
    results = []
    for key, (kind, value) in answers.items():
        given = value == "Yes" if kind == "boolean" else int(value) if kind == "score" else float(value)
        results.append({"criterion": key, "value": 2 if key == PHOTO_CRITERION else given, "note": ""})
    body = {"date": local_today(site).isoformat(), "client_id": "6f0b7c52-52b4-4a8e-9d59-8d2f4f1f0c11",
            "results": results}
    answer = client_for(manager).post(f"/api/v1/sites/{SITE}/checks/", body, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def test_todays_check_is_shown_its_action_resolved_with_a_photo_and_the_check_amended(
        checked_today, bucket_cors, open_as):
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    shown = page.locator("#today-check")
    assert "Today's check is in" in shown.inner_text()
    assert "Restroom cleanliness: 2 / 5" in shown.inner_text().replace("\n", " ")
    actions = {a["criterion"]: a["id"] for a in checked_today["actions"]}
    assert set(actions) == {PHOTO_CRITERION, FAILED}
    check_axe(page)

    # Resolving the restroom's action needs a verified photo of it put right: the page sends one, then the note.
    item = page.locator(f'#action-list li[data-id="{actions[PHOTO_CRITERION]}"]')
    item.get_by_role("button", name="Resolve").click()  # opens its form, focused on the note
    assert page.evaluate("document.activeElement.name") == "note"
    item.get_by_role("button", name="Resolve").click()
    assert "Say what was done" in item.locator(".field-error").inner_text()
    item.get_by_label("What was done").fill("Cleaned and restocked at 10:00")
    item.get_by_role("button", name="Resolve").click()
    assert "Add 1 photo" in item.locator(".field-error").inner_text()
    item.get_by_label("Photo").set_input_files(
        files=[{"name": "clean.jpg", "mimeType": "image/jpeg", "buffer": jpeg(640, 480, seed=7, photo_like=True)}])
    item.get_by_role("button", name="Resolve").click()
    item.get_by_text("Resolved: Cleaned and restocked at 10:00").wait_for(timeout=30_000)
    assert "resolved" in shown.locator(f'[data-action="{actions[PHOTO_CRITERION]}"]').inner_text()

    # The API takes an amendment today: the form starts from what was sent, and needs a reason.
    page.get_by_text("Amend today's check").click()
    assert page.locator(f"#c-{PHOTO_CRITERION}").get_by_label("2", exact=True).is_checked()
    page.locator(f"#c-{PHOTO_CRITERION}").get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Send the amendment").click()
    assert "Say why" in page.locator("#e-reason").inner_text()
    page.get_by_label("Why you amend it").fill("The restroom was scored before it was cleaned")
    page.get_by_role("button", name="Send the amendment").click()
    page.locator("#today-result").get_by_text("Sent: check").wait_for(timeout=30_000)
    page.context.close()

    def stored():
        checks = stored_checks(SITE)
        current = [c for c in checks if c.is_current]
        assert len(checks) == 2 and len(current) == 1 and current[0].amends_id == checked_today["id"]
        assert current[0].amendment_reason == "The restroom was scored before it was cleaned"
        photo = Evidence.objects.get(action_id=actions[PHOTO_CRITERION])
        assert photo.status == "verified" and photo.action.status == "resolved"

    in_a_thread(stored)


def test_a_storage_that_refuses_the_page_is_named_and_the_photo_waits_on_the_phone(answers, open_as):
    """A bucket without the page's CORS rule fails like a dropped line (the browser hides why); while the API
    answers, the page says it is the photo storage, not the signal. The check itself is stored."""
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    fill(page, answers, list(answers))
    page.locator(f"#p-{PHOTO_CRITERION}").set_input_files(
        files=[{"name": "restroom.jpg", "mimeType": "image/jpeg", "buffer": jpeg(640, 480, seed=5, photo_like=True)}])
    page.locator(f"#ph-{PHOTO_CRITERION} li").wait_for()
    page.route(f"{settings.AWS_S3_ENDPOINT_URL}/**", lambda route: route.abort())
    page.get_by_role("button", name="Send today's check").click()
    page.wait_for_function("document.getElementById('today-status').textContent.includes('photo storage')",
                           timeout=30_000)
    assert "The check is stored" in page.locator("#today-status").inner_text()
    page.context.close()

    def stored():
        (check,) = stored_checks(SITE)
        assert [e.status for e in Evidence.objects.filter(daily_check=check)] == ["pending"]

    in_a_thread(stored)


def test_a_page_that_cannot_hash_sends_its_photo_through_the_api(answers, open_as):
    """Outside https a browser has no crypto.subtle to declare a photo's SHA-256: the page then uploads it to the
    API itself (multipart, on the same path), which verifies it at once."""
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    page.add_init_script("Object.defineProperty(window.crypto, 'subtle', {value: undefined})")
    page.reload()
    assert page.evaluate("window.crypto.subtle === undefined")
    fill(page, answers, list(answers))
    page.locator(f"#p-{PHOTO_CRITERION}").set_input_files(
        files=[{"name": "restroom.jpg", "mimeType": "image/jpeg", "buffer": jpeg(640, 480, seed=9, photo_like=True)}])
    page.locator(f"#ph-{PHOTO_CRITERION} li").wait_for()
    uploads = []
    page.on("request", lambda r: uploads.append(r.headers.get("content-type", "").split(";")[0])
            if r.url.endswith("/evidence/") and r.method == "POST" else None)
    page.get_by_role("button", name="Send today's check").click()
    page.locator("#today-result").get_by_text("Sent: check").wait_for(timeout=30_000)
    assert uploads == ["multipart/form-data"]
    page.context.close()

    def stored():
        (check,) = stored_checks(SITE)
        assert [e.status for e in Evidence.objects.filter(daily_check=check)] == ["verified"]

    in_a_thread(stored)


def test_an_unsent_checklist_of_an_earlier_day_is_offered_and_sent_for_its_own_date(answers, open_as):
    """Midnight passed with yesterday's answers unsent on the phone: they are kept (not deleted with their photos),
    offered, and sent for their own date (the API takes a late check); a tab whose day has changed reloads."""
    site = Site.objects.get(code=SITE)
    yesterday = (local_today(site) - dt.timedelta(days=1)).isoformat()
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    values = {k: ("true" if v == "Yes" else "false" if v == "No" else v) for k, (kind, v) in answers.items()}
    page.evaluate("""([day, values]) => {
        const c = document.getElementById('today').dataset;
        localStorage.setItem(`touchpoint:today:${c.user}:${c.site}:${day}`, JSON.stringify(
            {values, notes: {}, photos: {}, reason: '', sub: null, at: new Date().toISOString()}));
    }""", [yesterday, values])
    page.reload()
    notice = page.get_by_label(f"Unsent checklist from {yesterday}")
    assert f"An unsent checklist from {yesterday} is on this phone" in notice.inner_text()
    check_axe(page)
    notice.get_by_role("button", name="Send it").click()
    notice.get_by_text(f"The checklist of {yesterday} is sent").wait_for(timeout=30_000)
    assert not page.evaluate("Object.keys(localStorage).some(k => k.endsWith(arguments[0]))", yesterday)

    # The tab is left open overnight: shown again on a new day, it reloads rather than send under the old date.
    page.evaluate("window.notReloaded = true; document.getElementById('today').dataset.date = '2000-01-01';"
                  "document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_function("window.notReloaded === undefined")
    page.context.close()

    def stored():
        (check,) = DailyCheck.objects.filter(site__code=SITE)
        assert check.date.isoformat() == yesterday

    in_a_thread(stored)


def test_our_own_check_named_by_duplicate_client_id_is_a_success_and_a_proxy_403_keeps_the_photo(answers, open_as):
    """The check was stored but its answer lost and its key forgotten (a resend with another key is refused 409
    duplicate_client_id): the page reads the check it names and goes on with the photo. A 403 page from a proxy
    (not the API's error shape) is not a refusal: the photo is kept and sent again."""
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    fill(page, answers, list(answers))
    page.locator(f"#p-{PHOTO_CRITERION}").set_input_files(
        files=[{"name": "restroom.jpg", "mimeType": "image/jpeg", "buffer": jpeg(640, 480, seed=11, photo_like=True)}])
    page.locator(f"#ph-{PHOTO_CRITERION} li").wait_for()
    checks, evidence = [], []

    def lose_the_answer(route):
        checks.append(route.request.headers.get("idempotency-key"))
        if len(checks) == 1:
            route.fetch()  # stored...
            route.abort("connectionreset")  # ...its answer lost
        else:  # the key was forgotten by the server: the same body under another key
            route.continue_(headers={**route.request.headers, "idempotency-key": str(uuid.uuid4())})

    def a_proxy_refuses_once(route):
        evidence.append(route.request.method)
        if len(evidence) == 1:
            route.fulfill(status=403, content_type="text/html", body="<h1>Forbidden by the proxy</h1>")
        else:
            route.continue_()

    page.route("**/api/v1/sites/*/checks/", lose_the_answer)
    page.route("**/api/v1/checks/*/evidence/", a_proxy_refuses_once)
    page.get_by_role("button", name="Send today's check").click()
    page.locator("#today-result").get_by_text("Sent: check").wait_for(timeout=45_000)
    assert len(checks) >= 2 and len(evidence) >= 2
    assert "Photos not accepted" not in page.locator("#today-result").inner_text()
    page.context.close()

    def stored():
        (check,) = stored_checks(SITE)
        assert [e.status for e in Evidence.objects.filter(daily_check=check)] == ["verified"]

    in_a_thread(stored)
