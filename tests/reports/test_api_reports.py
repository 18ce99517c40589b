"""POST/GET /api/v1/reports/: ordering with validation and scope, status, list, download, verify.
Personas: manager_a (A1), manager_b (B1), head_office, auditor (region-a), auditor_b1 (B1)."""

from __future__ import annotations

import datetime as dt
import io
import urllib.request

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports import runner
from reports.models import ReportRun
from reports.selectors import run_sites
from reports.services import report_order
from sites.models import Site
from tests.factories import SiteFactory

URL = "/api/v1/reports/"


def order(client, **body):
    payload = {"kind": "compliance_pack", "from": "2026-03-01", "to": "2026-03-07", **body}
    return client.post(URL, {k: v for k, v in payload.items() if v is not None}, format="json")


def done_pack(network, site_code="A1", user=None):
    run = report_order(user=user or network.head_office, kind="compliance_pack", date_from=dt.date(2026, 3, 1),
                       date_to=dt.date(2026, 3, 7), sites=[site_code])
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    run.refresh_from_db()
    return run


# --- ordering --------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, field", [
    ({"kind": "weekly"}, "kind"),
    ({"from": "2026-03-08"}, "from"),
    ({"from": "yesterday"}, "from"),
    ({"to": None}, "to"),
    ({"from": "2025-01-01", "to": "2026-03-07", "kind": "variance"}, "to"),
    ({"to": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "to"),
    ({"sites": ["A1", "A2"]}, "sites"),
    ({"sites": None}, "sites"),
    ({"region": "region-a", "sites": None}, "region"),
    ({"kind": "variance", "region": "nowhere", "sites": None}, "region"),
    ({"kind": "variance", "sites": ["A1", "ZZ9"]}, "sites[1]"),
    ({"kind": "variance", "from": "0001-01-01", "to": "0001-01-07"}, "from"),  # was a run that failed later
])
def test_bad_orders_are_refused_naming_the_field_and_nothing_is_saved(network, standard, api, body, field):
    body = {"sites": ["A1"], **body}
    response = order(api(network.head_office), **body)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field
    assert set(response.json()) == {"code", "message", "field", "errors"}
    assert ReportRun.objects.count() == 0


def test_a_manager_orders_a_pack_for_their_own_site(network, standard, api):
    response = order(api(network.manager_a), sites=["A1"])
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["progress"] == 0 and body["sites"] == ["A1"]
    assert body["kind"] == "compliance_pack" and body["from"] == "2026-03-01" and body["to"] == "2026-03-07"
    assert ReportRun.objects.get(public_id=body["id"]).requested_by == network.manager_a


@pytest.mark.parametrize("who, site", [("manager_a", "B1"), ("manager_a", "A2"), ("manager_b", "A1"),
                                       ("auditor", "B1"), ("auditor_b1", "A1"), ("manager_a", "NOPE")])
def test_a_site_outside_your_scope_is_a_404(network, standard, api, who, site):
    response = order(api(getattr(network, who)), sites=[site])
    assert response.status_code == 404
    assert response.json()["field"] == "sites[0]"
    assert ReportRun.objects.count() == 0


def test_auditors_order_packs_for_their_assigned_sites(network, standard, api):
    assert order(api(network.auditor), sites=["A2"]).status_code == 202  # region-a
    assert order(api(network.auditor_b1), sites=["B1"]).status_code == 202


def test_variance_scopes(network, standard, api):
    manager = api(network.manager_a)
    # A manager may not order for a region that has sites other than theirs...
    response = order(manager, kind="variance", region="region-a", sites=None)
    assert response.status_code == 403 and response.json()["field"] == "region"
    # ... and without a scope gets their own sites.
    response = order(manager, kind="variance", sites=None)
    assert response.status_code == 202 and response.json()["sites"] == ["A1"] and response.json()["region"] is None
    # An auditor may order their region; head office the whole network.
    response = order(api(network.auditor), kind="variance", region="region-a", sites=None)
    assert response.status_code == 202 and response.json()["region"] == "region-a"
    assert response.json()["sites"] == ["A1", "A2"]  # the region's sites, recorded when it was ordered
    # A region none of whose sites one reads is answered as an unknown one: region codes cannot be probed.
    other, unknown = (order(manager, kind="variance", region=code, sites=None) for code in ("region-b", "nowhere"))
    assert other.status_code == unknown.status_code == 404 and other.json()["field"] == "region"
    assert other.json()["message"] == unknown.json()["message"].replace("nowhere", "region-b")
    response = order(api(network.head_office), kind="variance", sites=None)
    assert response.status_code == 202 and response.json()["region"] is None and response.json()["sites"] == []


def test_anonymous_cannot_order(network, standard, api):
    assert order(api(None), sites=["A1"]).status_code == 401


# --- status and list ------------------------------------------------------------------------------

def test_status_and_list_are_scoped(network, standard, api):
    a1 = report_order(user=network.head_office, kind="compliance_pack", date_from=dt.date(2026, 3, 1),
                      date_to=dt.date(2026, 3, 7), sites=["A1"])
    b1 = report_order(user=network.head_office, kind="compliance_pack", date_from=dt.date(2026, 3, 1),
                      date_to=dt.date(2026, 3, 7), sites=["B1"])
    region_a = report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 3, 1),
                            date_to=dt.date(2026, 3, 7), region="region-a")
    network_run = report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 3, 1),
                               date_to=dt.date(2026, 3, 7))

    def ids(user):
        return {r["id"] for r in api(user).get(URL).json()["results"]}

    every = {str(r.public_id) for r in (a1, b1, region_a, network_run)}
    assert ids(network.head_office) == every
    assert ids(network.manager_a) == {str(a1.public_id)}
    assert ids(network.auditor) == {str(a1.public_id), str(region_a.public_id)}
    assert ids(network.auditor_b1) == {str(b1.public_id)}

    detail = api(network.manager_a).get(f"{URL}{a1.public_id}/")
    assert detail.status_code == 200
    assert detail.json()["status"] == "queued" and detail.json()["links"]["download"] is None
    assert api(network.manager_a).get(f"{URL}{b1.public_id}/").status_code == 404
    assert api(network.manager_b).get(f"{URL}{region_a.public_id}/").status_code == 404


def test_a_region_run_covers_the_sites_of_the_region_when_it_was_ordered(network, standard, api):
    # Region B holds B1 and B2 when head office orders its report; B2 then moves to region A. manager_b
    # (B1 only) must not be handed a PDF with B2's figures, and the run still reports on B1 and B2.
    b2 = SiteFactory(code="B2", region=network.region_b)
    run = report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 3, 1),
                       date_to=dt.date(2026, 3, 7), region="region-b")
    Site.objects.filter(pk=b2.pk).update(region=network.region_a)
    SiteFactory(code="B3", region=network.region_b)  # joins the region after the order: not in the report
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    assert list(run_sites(run).values_list("code", flat=True)) == ["B1", "B2"]
    assert api(network.manager_b).get(f"{URL}{run.public_id}/").status_code == 404
    assert api(network.manager_b).get(f"{URL}{run.public_id}/download/").status_code == 404
    assert str(run.public_id) not in {r["id"] for r in api(network.manager_b).get(URL).json()["results"]}


def test_the_list_runs_a_fixed_number_of_queries(network, standard, api):
    client = api(network.auditor)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        report_order(user=network.head_office, kind="compliance_pack", date_from=dt.date(2026, 3, 1),
                     date_to=dt.date(2026, 3, 7), sites=["A1"])
    few = count()
    for _ in range(8):
        report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 3, 1),
                     date_to=dt.date(2026, 3, 7), sites=["A1", "A2"])
    assert count() == few
    assert few <= 6  # token, profile, count, page, sites prefetch (+ one spare for the auth lookups)


def test_a_failed_run_reports_its_error(network, standard, api):
    run = report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 3, 1),
                       date_to=dt.date(2026, 3, 7), sites=["A1"])
    ReportRun.objects.filter(pk=run.pk).update(status="failed", error="Gave up after 3 attempts: boom")
    body = api(network.head_office).get(f"{URL}{run.public_id}/").json()
    assert body["status"] == "failed" and body["error"] == "Gave up after 3 attempts: boom"
    response = api(network.head_office).get(f"{URL}{run.public_id}/download/")
    assert response.status_code == 409 and response.json()["field"] == "status"


# --- download ------------------------------------------------------------------------------------

def _fetch(client, url: str) -> bytes:
    """Open a download link as a browser would: the API's own link, then S3's presigned GET it redirects to."""
    response = client.get(url)
    if response.status_code == 302:  # S3: the bytes come from the storage, not through this server
        with urllib.request.urlopen(response["Location"], timeout=10) as fh:
            return fh.read()
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def test_download_gives_a_short_lived_link_to_the_pdf(history, network, api):
    run = done_pack(network)
    client = api(network.auditor)
    response = client.get(f"{URL}{run.public_id}/download/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["sha256"] == run.pdf_sha256 and body["expires_in"] > 0
    pdf = _fetch(api(None), body["url"])  # the link alone is enough: no token needed
    assert pdf.startswith(b"%PDF") and len(pdf) == run.pdf_size


@pytest.mark.parametrize("who", ["manager_b", "auditor_b1"])
def test_a_pack_for_another_site_cannot_be_downloaded(history, network, api, who):
    run = done_pack(network)
    response = api(getattr(network, who)).get(f"{URL}{run.public_id}/download/")
    assert response.status_code == 404


def test_an_auditor_downloads_only_assigned_sites(history, network, api):
    a1 = done_pack(network)
    assert api(network.auditor).get(f"{URL}{a1.public_id}/download/").status_code == 200
    assert api(network.auditor_b1).get(f"{URL}{a1.public_id}/download/").status_code == 404
    assert api(network.manager_a).get(f"{URL}{a1.public_id}/download/").status_code == 200


# --- verification --------------------------------------------------------------------------------

def _pdf_of(run) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(run.pdf_key, "rb") as fh:
        return fh.read()


def test_verify_recognises_our_pack_and_refuses_a_tampered_one(history, network, api):
    run = done_pack(network)
    pdf = _pdf_of(run)
    client = api(network.auditor)
    response = client.post(f"{URL}verify/", {"file": io.BytesIO(pdf)}, format="multipart")
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["report"]["sites"] == ["A1"] and body["report"]["from"] == "2026-03-01"
    assert body["report"]["to"] == "2026-03-07" and body["report"]["id"] == str(run.public_id)

    # Tampered as a forger would: opened and saved again by a PDF tool with one field changed.
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Subject": "all passed"})
    out = io.BytesIO()
    writer.write(out)
    tampered = out.getvalue()
    assert tampered != pdf and tampered.startswith(b"%PDF")
    body = client.post(f"{URL}verify/", {"file": io.BytesIO(tampered)}, format="multipart").json()
    assert body["verified"] is False and body["report"] is None

    response = client.post(f"{URL}verify/", {}, format="multipart")
    assert response.status_code == 400 and response.json()["field"] == "file"


def test_verify_pack_command(history, network, tmp_path, capsys):
    run = done_pack(network)
    good = tmp_path / "pack.pdf"
    good.write_bytes(_pdf_of(run))
    call_command("verify_pack", str(good))
    out = capsys.readouterr().out
    assert "VERIFIED" in out and "Site A1" in out and "2026-03-01 to 2026-03-07" in out

    bad = tmp_path / "tampered.pdf"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(data))
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_pack", str(bad))
    assert exit_info.value.code == 1
    assert "NOT VERIFIED" in capsys.readouterr().out


def test_scheduled_orders(network, standard):
    from reports.services import scheduled_monthly_packs, scheduled_weekly_variance

    weekly = scheduled_weekly_variance(today=dt.date(2026, 11, 25))  # a Wednesday
    assert (weekly.period_from, weekly.period_to) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert weekly.kind == "variance" and weekly.region is None and not weekly.sites.exists()
    assert scheduled_monthly_packs(today=dt.date(2026, 11, 3)) == 3
    packs = ReportRun.objects.filter(kind="compliance_pack")
    assert {tuple(r.sites.values_list("code", flat=True)) for r in packs} == {("A1",), ("A2",), ("B1",)}
    assert {(r.period_from, r.period_to) for r in packs} == {(dt.date(2026, 10, 1), dt.date(2026, 10, 31))}
    assert timezone.now()  # schedules live in backend/schedules.py
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks >= {"reports.order_weekly_variance", "reports.order_monthly_packs", "reports.requeue_lost_runs"}
