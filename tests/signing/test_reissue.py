"""An amended check or a photo reviewed (or retaken) after a pack was issued re-issues the pack once, however many
changes arrive together; the new run names the one it supersedes, the list says "superseded by", and the old PDF
is untouched and still verifies offline as what it was on its date."""

from __future__ import annotations

import pytest

from reports import runner
from reports.models import ReportRun
from reports.services import packs_affected
from reports.verify_pack import verify_pdf

from ..conftest import client_for
from ..consistency.checks_support import check_body, submit
from .conftest import DAY, issue, read, upload

pytestmark = pytest.mark.django_db


def _queued_reissues(old: ReportRun) -> list[ReportRun]:
    return list(ReportRun.objects.filter(supersedes=old, status="queued"))


def _amend(network, check, *, restroom: int, reason: str) -> dict:
    body = check_body(network.a1, day=DAY, values={"restroom_clean": restroom}, amends=check.pk, reason=reason)
    response = submit(client_for(network.manager_a), "A1", body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_an_amended_check_reissues_the_pack_once_and_the_old_one_still_verifies(
        issued, network, django_capture_on_commit_callbacks):
    from reports import signing

    old = issued.run
    with django_capture_on_commit_callbacks(execute=True):
        first = _amend(network, issued.check, restroom=3, reason="the cleaner came late")
    [reissue] = _queued_reissues(old)
    assert reissue.supersedes_id == old.id and reissue.with_photos and reissue.requested_by is None
    assert (reissue.period_from, reissue.period_to, reissue.language) == (old.period_from, old.period_to, old.language)
    assert [s.code for s in reissue.sites.all()] == ["A1"]
    # A burst: a second amendment while the re-issue waits is in what it renders; no second run is ordered.
    with django_capture_on_commit_callbacks(execute=True):
        _amend(network, type(issued.check).objects.get(pk=first["id"]), restroom=4, reason="re-counted")
    assert ReportRun.objects.filter(supersedes=old).count() == 1

    assert runner.run_report(run_id=reissue.id, worker="test") == "done"
    reissue.refresh_from_db()
    assert reissue.pdf_sha256 != old.pdf_sha256
    # The old pack is as it was: its stored bytes, its fingerprint, and it still verifies offline.
    old_now = ReportRun.objects.get(pk=old.id)
    assert old_now.status == "done" and old_now.pdf_sha256 == old.pdf_sha256
    assert read(old.pdf_key) == issued.pdf
    for pdf in (issued.pdf, read(reissue.pdf_key)):
        assert verify_pdf(pdf, [signing.credentials().cert]).valid
    # The API says which replaces which.
    listed = {r["id"]: r for r in client_for(network.auditor).get("/api/v1/reports/").json()["results"]}
    assert listed[str(old.public_id)]["superseded_by"] == str(reissue.public_id)
    assert listed[str(reissue.public_id)]["supersedes"] == str(old.public_id)
    assert listed[str(reissue.public_id)]["superseded_by"] is None
    # A later change re-issues the newest pack, not the first one again.
    with django_capture_on_commit_callbacks(execute=True):
        packs_affected(network.a1.pk, [DAY])
    [again] = _queued_reissues(reissue)
    assert not _queued_reissues(old) and again.supersedes_id == reissue.id


def test_a_reviewed_photo_and_its_retake_reissue_the_pack(issued, network, django_capture_on_commit_callbacks):
    old = issued.run
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(network.head_office).post(f"/api/v1/evidence/{issued.photos[0]}/review/",
                                                        {"decision": "reject", "reason": "Wrong room entirely"},
                                                        format="json")
    assert response.status_code == 201, response.json()
    [reissue] = _queued_reissues(old)
    assert runner.run_report(run_id=reissue.id, worker="test") == "done"
    # The retake lands: the newest issued pack (the re-issue) is re-issued in turn.
    with django_capture_on_commit_callbacks(execute=True):
        upload(issued.check, network.manager_a, seed=7, criterion="restroom_clean")
    [retaken] = _queued_reissues(reissue)
    assert retaken.supersedes_id == reissue.id


def test_changes_outside_every_issued_pack_order_nothing_in_one_query(issued, network, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert packs_affected(network.a1.pk, [DAY.replace(day=11)]) == []
    with django_assert_num_queries(1):
        assert packs_affected(network.a2.pk, [DAY]) == []
    with django_assert_num_queries(0):
        assert packs_affected(network.a1.pk, [None]) == []


def test_only_the_newest_issued_pack_of_a_period_is_reissued(network, standard, issued):
    failed = ReportRun.objects.create(kind="compliance_pack", period_from=DAY, period_to=DAY, status="failed")
    failed.sites.set([network.a1])
    newer = issue(network.head_office, with_photos=False)  # a second issued pack of the same period
    ordered = packs_affected(network.a1.pk, [DAY])
    # One re-issue for the period, of its newest issued pack; the failed run is no pack.
    assert [r.supersedes_id for r in ordered] == [newer.id]
    assert ordered[0].with_photos is False
