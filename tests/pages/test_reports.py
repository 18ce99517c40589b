"""/app/reports/ through Django's test client: ordering (scope, period, the idempotency key), the runs each
person sees, the polled status card, the download link and verifying a PDF.
Personas: manager_a (A1), manager_b (B1), head_office, auditor (region-a: A1, A2), auditor_b1 (B1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from reports.models import ReportRun
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/app/reports/"
HX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def order(client, **fields):
    """The site page's form: kind, sites (one or several), from, to, idempotency_key."""
    data = {"kind": "compliance_pack", "sites": "A1", "from": "2026-03-01", "to": "2026-03-07",
            "idempotency_key": str(uuid.uuid4()), **fields}
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def errors(response) -> dict:
    form = response.context["form"]
    return {name: [str(e) for e in errs] for name, errs in form.errors.items()}


def make_run(*, sites=(), region=None, status="done", user=None, kind="compliance_pack", body=b"%PDF-1.4 test",
             **extra) -> ReportRun:
    now = timezone.now()
    done = status == "done"
    run = ReportRun.objects.create(
        kind=kind, period_from=dt.date(2026, 3, 1), period_to=dt.date(2026, 3, 7), region=region,
        requested_by=user, progress=100 if done else extra.pop("progress", 0),
        started_at=now - dt.timedelta(seconds=75) if status != "queued" else None,
        finished_at=now if status in ("done", "failed") else None,
        pdf_key=f"reports/test/{uuid.uuid4()}.pdf" if done else "",
        pdf_sha256=hashlib.sha256(body).hexdigest() if done else "", pdf_size=len(body) if done else None,
        **{**extra, "status": "queued" if done else status})
    # The scope first, then released, as a run is: a done run's sites never change (audit/migrations/0002).
    run.sites.set(sites)
    if done:
        ReportRun.objects.filter(pk=run.pk).update(status="done")
        run.status = "done"
    return run


# --- the page ----------------------------------------------------------------------------------------

def test_the_page_offers_the_sites_each_person_may_read(network):
    for user, shown, hidden in ((network.head_office, {"A1", "A2", "B1"}, set()),
                                (network.auditor, {"A1", "A2"}, {"B1"}),
                                (network.manager_a, {"A1"}, {"A2", "B1"}),
                                (network.auditor_b1, {"B1"}, {"A1", "A2"})):
        answer = signed_in(user).get(URL)
        assert answer.status_code == 200
        assert b"<title>Reports" in answer.content and answer.content.count(b"<h1") == 1
        offered = {code for code, _ in _flat(answer.context["form"].fields["sites"].choices)}
        assert offered == shown and not offered & hidden, user.username
        key = answer.context["form"].initial["idempotency_key"]
        assert uuid.UUID(key) and f'value="{key}"'.encode() in answer.content


def _flat(choices):
    for _, group in choices:
        yield from group


def test_a_stranger_is_sent_to_sign_in(network):
    for path in (URL, f"{URL}{uuid.uuid4()}/status/", f"{URL}{uuid.uuid4()}/download/"):
        assert Client().get(path)["Location"].startswith("/accounts/login/")
    assert Client().post(URL, {"kind": "variance"})["Location"].startswith("/accounts/login/")
    assert not ReportRun.objects.exists()


# --- ordering ----------------------------------------------------------------------------------------

def test_head_office_orders_a_variance_report_and_lands_on_it(network):
    client = signed_in(network.head_office)
    answer = client.post(URL, {"kind": "variance", "period": "custom", "from": "2026-03-01", "to": "2026-03-07",
                               "region": "region-a", "idempotency_key": str(uuid.uuid4())})
    run = ReportRun.objects.get()
    assert answer.status_code == 303 and answer["Location"] == f"{URL}?run={run.public_id}#run"
    assert (run.kind, run.period_from, run.period_to, run.region, run.requested_by) == \
           ("variance", dt.date(2026, 3, 1), dt.date(2026, 3, 7), network.region_a, network.head_office)
    assert set(run.sites.values_list("code", flat=True)) == {"A1", "A2"}
    page = client.get(answer["Location"])
    assert page.context["run"] == run
    row = re.search(rf'<tr id="row-{run.public_id}"[^>]*>', page.content.decode()).group(0)
    assert 'class="current' in row and 'aria-current="true"' in row
    assert b"Report ordered." in page.content


def test_a_preset_period_orders_the_days_up_to_today(network):
    signed_in(network.head_office).post(URL, {"kind": "variance", "period": "7", "idempotency_key": "k-7"})
    run = ReportRun.objects.get()
    today = timezone.localdate()
    assert (run.period_from, run.period_to) == (today - dt.timedelta(days=6), today)
    assert not run.sites.exists() and run.region is None  # head office, no scope named: the whole network


@pytest.mark.parametrize("who, code", [("manager_a", "A1"), ("auditor", "A1"), ("auditor", "A2"),
                                       ("auditor_b1", "B1"), ("head_office", "B1"), ("manager_b", "B1")])
def test_each_role_orders_a_pack_for_a_site_in_scope(network, who, code):
    answer = order(signed_in(getattr(network, who)), sites=code)
    assert answer.status_code == 303, errors(answer)
    run = ReportRun.objects.get()
    assert list(run.sites.values_list("code", flat=True)) == [code]


@pytest.mark.parametrize("who, code", [("manager_a", "A2"), ("manager_a", "B1"), ("manager_b", "A1"),
                                       ("auditor", "B1"), ("auditor_b1", "A1")])
def test_a_pack_for_a_site_outside_ones_scope_is_refused_on_the_form(network, who, code):
    answer = order(signed_in(getattr(network, who)), sites=code)
    # The API's answer (404: someone else's site and an unknown one look the same), as the form's error.
    assert answer.status_code == 404
    assert errors(answer) == {"sites": [f"No site '{code}' among the sites you can see."]}
    assert b"No site &#x27;" + code.encode() in answer.content
    assert answer.context["form"]["period"].value() == "custom"  # shown back with its dates, to be corrected
    assert not ReportRun.objects.exists()


def test_a_region_outside_ones_scope_is_refused(network):
    answer = signed_in(network.manager_a).post(URL, {"kind": "variance", "region": "region-b",
                                                     "idempotency_key": "k"})
    assert answer.status_code == 404 and list(errors(answer)) == ["region"]
    assert not ReportRun.objects.exists()


def test_someone_without_a_role_may_not_order(network):
    answer = signed_in(UserFactory(username="no.role")).post(URL, {"kind": "variance", "idempotency_key": "k"})
    assert answer.status_code == 403
    assert errors(answer) == {"sites": ["You have no sites to report on."]}
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("fields, field, words", [
    ({"from": "2026-03-08"}, "date_from", "from: the period starts (2026-03-08) after it ends"),
    ({"from": "2025-01-01"}, "date_to", "to: a period covers at most"),
    ({"to": (timezone.now().date() + dt.timedelta(days=5)).isoformat()}, "date_to", "is in the future"),
    ({"from": "not a day"}, "date_from", "Enter a valid date"),
    ({"kind": "weekly"}, "kind", "Select a valid choice"),
    ({"sites": ["A1", "A2"]}, "sites", "exactly one site"),
    ({"region": "region-a"}, "sites", "either region or sites"),
    ({"idempotency_key": ""}, "idempotency_key", "no order key"),
])
def test_a_bad_order_is_refused_naming_the_field_and_nothing_is_ordered(network, fields, field, words):
    answer = order(signed_in(network.head_office), **fields)
    assert answer.status_code == 400
    found = errors(answer)
    assert field in found and words in " ".join(found[field]), found
    assert not ReportRun.objects.exists()


def test_posting_the_same_form_twice_orders_one_report(network):
    client = signed_in(network.auditor)
    key = str(uuid.uuid4())
    first = order(client, idempotency_key=key)
    second = order(client, idempotency_key=key)  # a double click, or the form sent again
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert ReportRun.objects.count() == 1
    assert b"already placed" in client.get(second["Location"]).content
    third = order(client)  # a new form (a new key): a new order
    assert third.status_code == 303 and third["Location"] != first["Location"]
    assert ReportRun.objects.count() == 2


def test_a_key_is_the_persons_own(network):
    key = str(uuid.uuid4())
    assert order(signed_in(network.auditor), idempotency_key=key).status_code == 303
    assert order(signed_in(network.head_office), idempotency_key=key).status_code == 303
    assert ReportRun.objects.count() == 2


def test_a_used_form_sent_with_another_order_is_refused_with_a_fresh_key(network):
    client = signed_in(network.auditor)
    key = str(uuid.uuid4())
    assert order(client, idempotency_key=key).status_code == 303
    answer = order(client, idempotency_key=key, sites="A2")
    assert answer.status_code == 422
    assert "already used for another order" in " ".join(errors(answer)["__all__"])
    fresh = answer.context["form"].data["idempotency_key"]
    assert fresh != key and f'value="{fresh}"'.encode() in answer.content
    assert ReportRun.objects.count() == 1
    assert order(client, idempotency_key=fresh, sites="A2").status_code == 303


def test_a_refused_order_leaves_its_key_free_for_the_corrected_one(network):
    client = signed_in(network.auditor)
    key = str(uuid.uuid4())
    assert order(client, idempotency_key=key, sites="B1").status_code == 404
    assert order(client, idempotency_key=key, sites="A1").status_code == 303
    assert ReportRun.objects.count() == 1


def test_a_second_click_while_the_first_is_placing_waits_and_lands_on_the_same_run(network, monkeypatch):
    """The second request of a double click finds the key claimed and unanswered (a 409 in the API): the page
    waits for the first answer and shows the run the first ordered."""
    from consistency.models import IdempotencyRecord
    from consistency.services import idempotency
    from pages.views import reports as views

    monkeypatch.setattr(idempotency, "fingerprint", lambda **_: "the same order")
    first_run = make_run(sites=[network.a1], status="queued")
    claim = IdempotencyRecord.objects.create(user=network.auditor, key="k", request_fingerprint="the same order")

    def first_request_finishes(_seconds):
        IdempotencyRecord.objects.filter(pk=claim.pk).update(
            status_code=303, response_body=f'{{"run": "{first_run.public_id}"}}', completed_at=timezone.now())

    monkeypatch.setattr(views, "sleep", first_request_finishes)
    answer = order(signed_in(network.auditor), idempotency_key="k")
    assert answer.status_code == 303 and answer["Location"] == f"{URL}?run={first_run.public_id}#run"
    assert ReportRun.objects.count() == 1


def test_a_key_still_claimed_after_the_wait_is_refused_on_the_form(network, monkeypatch):
    from consistency.models import IdempotencyRecord
    from consistency.services import idempotency
    from pages.views import reports as views

    monkeypatch.setattr(idempotency, "fingerprint", lambda **_: "the same order")
    monkeypatch.setattr(views, "IN_PROGRESS_WAIT_SECONDS", 0.3)
    IdempotencyRecord.objects.create(user=network.auditor, key="k", request_fingerprint="the same order")
    answer = order(signed_in(network.auditor), idempotency_key="k")
    assert answer.status_code == 409 and "still being processed" in " ".join(errors(answer)["__all__"])
    assert not ReportRun.objects.exists()


# --- past runs -----------------------------------------------------------------------------------------

def _listed(answer) -> set:
    return {row.record.public_id for row in answer.context["table"].paginated_rows}


def test_each_person_sees_the_runs_the_api_shows_them(network):
    a1 = make_run(sites=[network.a1], user=network.manager_a)
    b1 = make_run(sites=[network.b1], user=network.manager_b)
    region_a = make_run(sites=[network.a1, network.a2], region=network.region_a, kind="variance")
    whole = make_run(kind="variance")
    for user, seen in ((network.head_office, {a1, b1, region_a, whole}), (network.auditor, {a1, region_a}),
                       (network.manager_a, {a1}), (network.manager_b, {b1}), (network.auditor_b1, {b1})):
        assert _listed(signed_in(user).get(URL)) == {r.public_id for r in seen}, user.username


def test_the_table_shows_who_when_what_and_the_sha(network):
    run = make_run(sites=[network.a1], user=network.manager_a)
    make_run(kind="variance", status="failed", error="It broke.")
    page = signed_in(network.head_office).get(URL).content.decode()
    assert run.pdf_sha256 in page and "Site A1" in page and "Compliance pack" in page
    assert "2026-03-01&nbsp;to 2026-03-07" in page and "1\u00a0min 15\u00a0s" in page
    assert "Schedule" in page  # the failed one was the beat's
    assert f"/app/reports/{run.public_id}/download/" in page


def test_the_list_page_runs_a_fixed_number_of_queries(network, django_assert_num_queries):
    client = signed_in(network.auditor)
    make_run(sites=[network.a1], user=network.manager_a)
    client.get(URL)  # warm: the session, content types
    highlight = ReportRun.objects.get().public_id
    with django_assert_num_queries(9):
        first = client.get(f"{URL}?run={highlight}")
    for _ in range(25):
        highlight = make_run(sites=[network.a1, network.a2], region=network.region_a, user=network.auditor).public_id
    with django_assert_num_queries(9):
        more = client.get(f"{URL}?run={highlight}")
    assert len(_listed(first)) == 1 and len(_listed(more)) == 20  # paged


def test_the_table_is_paged_and_keeps_the_highlighted_run(network):
    runs = [make_run(sites=[network.a1]) for _ in range(23)]
    client = signed_in(network.head_office)
    answer = client.get(f"{URL}?run={runs[0].public_id}&page=2")
    assert len(_listed(answer)) == 3 and runs[0].public_id in _listed(answer)
    assert answer.context["run"] == runs[0]
    assert b'aria-label="Pages of past reports"' in answer.content


def test_the_address_pages_the_table_but_does_not_size_its_pages(network):
    # RequestConfig let ?per_page= through: a negative one was a 500, a huge one listed every run.
    for _ in range(23):
        make_run(sites=[network.a1])
    client = signed_in(network.head_office)
    for query, listed in (("per_page=-5", 20), ("per_page=1000000", 20), ("page=abc", 20), ("page=99", 3),
                          ("page=-1", 20)):
        answer = client.get(f"{URL}?{query}")
        assert answer.status_code == 200 and len(_listed(answer)) == listed, query


def test_a_run_outside_ones_scope_is_not_shown(network):
    b1 = make_run(sites=[network.b1])
    answer = signed_in(network.manager_a).get(f"{URL}?run={b1.public_id}")
    assert answer.status_code == 200 and answer.context["run"] is None
    assert b"no such report among those you can see" in answer.content
    assert signed_in(network.manager_a).get(f"{URL}?run=nonsense").context["run"] is None


# --- the status card -------------------------------------------------------------------------------

def status(client, run):
    return client.get(f"{URL}{run.public_id}/status/", **HX)


def test_the_status_card_polls_while_the_run_is_queued_or_running(network):
    client = signed_in(network.manager_a)
    for state, progress in (("queued", 0), ("running", 42)):
        run = make_run(sites=[network.a1], status=state, progress=progress)
        html = status(client, run).content.decode()
        assert 'hx-trigger="every 1s"' in html and f'hx-get="/app/reports/{run.public_id}/status/"' in html
        assert f'value="{progress}"' in html and f"{progress} %" in html
        assert "Download" not in html and "HX-Trigger" not in status(client, run)


def test_the_status_card_stops_polling_when_done_and_offers_the_pdf(network):
    run = make_run(sites=[network.a1])
    answer = status(signed_in(network.manager_a), run)
    html = answer.content.decode()
    assert "hx-trigger" not in html and 'data-status="done"' in html
    assert answer["HX-Trigger"] == '{"report-finished": {}}'  # the page's runs table reads itself again
    assert f'href="/app/reports/{run.public_id}/download/"' in html
    assert run.pdf_sha256 in html and f"({run.pdf_size} bytes)" in html


def test_the_status_card_of_a_failed_run_shows_its_error(network):
    run = make_run(sites=[network.a1], status="failed", error="The report could not be made (KeyError).")
    html = status(signed_in(network.manager_a), run).content.decode()
    assert "hx-trigger" not in html and "The report could not be made (KeyError)." in html


def test_the_status_card_is_scoped(network):
    run = make_run(sites=[network.b1])
    for user in (network.manager_a, network.auditor):
        assert status(signed_in(user), run).status_code == 404
    assert status(signed_in(network.auditor_b1), run).status_code == 200
    # Opened as a page (no htmx): the reports page with the run at the top.
    answer = signed_in(network.auditor_b1).get(f"{URL}{run.public_id}/status/")
    assert answer.status_code == 302 and answer["Location"] == f"{URL}?run={run.public_id}#run"


def test_the_status_card_runs_a_fixed_number_of_queries(network, django_assert_num_queries):
    client = signed_in(network.auditor)
    one = make_run(sites=[network.a1])
    many = make_run(sites=[network.a1, network.a2], region=network.region_a, status="running", progress=5)
    status(client, one)
    for run in (one, many):
        with django_assert_num_queries(5):
            assert status(client, run).status_code == 200


# --- download ---------------------------------------------------------------------------------------

def test_download_hands_over_the_apis_signed_link(network):
    run = make_run(sites=[network.a1])
    answer = signed_in(network.manager_a).get(f"{URL}{run.public_id}/download/")
    assert answer.status_code == 302 and "/api/v1/reports/files/" in answer["Location"]
    for user in (network.manager_b, network.auditor_b1):
        assert signed_in(user).get(f"{URL}{run.public_id}/download/").status_code == 404


def test_a_run_not_done_cannot_be_downloaded_yet(network):
    run = make_run(sites=[network.a1], status="running", progress=30)
    client = signed_in(network.manager_a)
    answer = client.get(f"{URL}{run.public_id}/download/")
    assert answer.status_code == 302 and answer["Location"] == f"{URL}?run={run.public_id}#run"
    assert b"The report is not ready (status running)." in client.get(answer["Location"]).content


# --- verify -----------------------------------------------------------------------------------------------

def test_verify_recognises_a_pdf_we_produced_and_refuses_a_changed_one(network):
    body = b"%PDF-1.4 exactly ours"
    run = make_run(sites=[network.a1], body=body)
    client = signed_in(network.auditor)
    ours = client.post(f"{URL}verify/", {"file": SimpleUploadedFile("ours.pdf", body)}, **HX)
    html = ours.content.decode()
    assert ours.status_code == 200 and 'data-verified="true"' in html
    assert str(run.public_id) in html and "Site A1" in html and "2026-03-01 to 2026-03-07" in re.sub("<[^>]+>", "", html)
    assert "<html" not in html  # the fragment, for the drop zone's script
    changed = client.post(f"{URL}verify/", {"file": SimpleUploadedFile("ours.pdf", body[:-1] + b"!")}, **HX)
    assert 'data-verified="false"' in changed.content.decode() and str(run.public_id) not in changed.content.decode()
    # Without JavaScript: the whole page, with the answer.
    page = client.post(f"{URL}verify/", {"file": SimpleUploadedFile("ours.pdf", body)})
    assert page.status_code == 200 and b"<title>Reports" in page.content and b'data-verified="true"' in page.content


def test_verify_without_a_file_names_the_field(network):
    answer = signed_in(network.manager_a).post(f"{URL}verify/", {}, **HX)
    assert answer.status_code == 400 and b"file: choose a PDF to verify." in answer.content


def test_verify_refuses_a_file_past_the_limit(network, settings):
    settings.REPORT_MAX_VERIFY_BYTES = 10
    answer = signed_in(network.manager_a).post(f"{URL}verify/", {"file": SimpleUploadedFile("a.pdf", b"x" * 11)},
                                               **HX)
    assert answer.status_code == 413 and b"at most 10 bytes" in answer.content
