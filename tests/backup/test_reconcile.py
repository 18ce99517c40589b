"""``manage.py reconcile_storage``: rows whose object is missing and objects no row names, against a real S3
endpoint (moto's server over HTTP, a bucket with versioning on, as production's) and local disk."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from consistency.models import Evidence, ReferencePhoto
from consistency.services import reconcile
from consistency.services.reference_photos import reference_photo_put
from reports import runner
from reports.models import ReportRun
from reports.services import report_order

from ..conftest import client_for
from ..consistency.evidence_factories import make_check, multipart, photo, post_form, sha


def _run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("reconcile_storage", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def _today_check(network, standard):
    return make_check(network.a1, standard, network.manager_a, date=timezone.localdate(timezone.now(), network.a1.tz))


def _reference_photo(network) -> ReferencePhoto:
    data = photo(seed=40)
    return reference_photo_put(user=network.head_office, criterion_key="restroom_clean", file=io.BytesIO(data),
                               size=len(data), content_type="image/jpeg")


def _done_report(network) -> ReportRun:
    today = timezone.localdate()
    run = report_order(user=network.head_office, kind="compliance_pack", date_from=today - dt.timedelta(days=6),
                       date_to=today, sites=["A1"])
    assert runner.run_report(run_id=run.id, worker="reconcile-test") == "done"
    run.refresh_from_db()
    return run


def _s3_calls(client) -> list[str]:
    calls = []
    client.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    return calls


def test_a_versioned_bucket_agrees_then_a_deleted_object_and_an_orphan_are_both_reported(
        network, standard, versioned_bucket, monkeypatch):
    client = client_for(network.manager_a)
    check = _today_check(network, standard)
    data = photo(seed=41)
    # The phone's way: a presigned POST straight to the (versioned) bucket, then the confirmation, whose
    # conditional server-side copy and write-once puts must work with versioning on.
    asked = client.post(f"/api/v1/checks/{check.pk}/evidence/", {
        "criterion": "restroom_clean", "content_type": "image/jpeg", "size": len(data), "sha256": sha(data)},
        format="json").json()
    assert post_form(asked["upload"]["url"], asked["upload"]["fields"], data) in (200, 201, 204)
    confirmed = client.post(f"/api/v1/evidence/{asked['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "verified", confirmed.json()
    evidence = Evidence.objects.get(public_id=asked["id"])
    reference = _reference_photo(network)
    report = _done_report(network)
    s3 = default_storage.connection.meta.client
    assert s3.get_bucket_versioning(Bucket=versioned_bucket)["Status"] == "Enabled"

    calls = _s3_calls(s3)
    code, out = _run("--grace-minutes", "0")
    assert code == 0, out
    assert "Rows without objects: 0" in out and "Objects without rows: 0" in out
    assert "Rows checked: 5; objects listed: 5" in out  # photo + thumbnail, reference + thumbnail, the report
    # A listing per prefix; never a HEAD or GET per row.
    assert calls == ["ListObjectsV2"] * len(reconcile.PREFIXES)

    # The photo's original is deleted (in a versioned bucket: a delete marker over the version), and an
    # object nobody recorded appears under the check's prefix.
    s3.delete_object(Bucket=versioned_bucket, Key=evidence.key)
    stray = f"sites/A1/checks/{check.pk}/stray.jpg"
    s3.put_object(Bucket=versioned_bucket, Key=stray, Body=b"not on record")

    # Pages of one key: the same answer across page boundaries.
    monkeypatch.setattr(reconcile, "LIST_PAGE_KEYS", 1)
    calls.clear()
    code, out = _run("--grace-minutes", "0", "--json")
    assert code == 1
    found = json.loads(out)
    assert found["clean"] is False
    assert found["counts"]["rows_without_objects"] == 1 and found["counts"]["objects_without_rows"] == 1
    assert found["rows_without_objects"] == [{"kind": "evidence", "row": str(evidence.public_id), "key": evidence.key}]
    assert [o["key"] for o in found["objects_without_rows"]] == [stray]
    assert found["objects_without_rows"][0]["size"] == len(b"not on record")
    assert calls == ["ListObjectsV2"] * 5  # reference/: 2 pages, reports/: 1, sites/: 2 (thumbnail, stray)

    # Inside the grace period the stray object may still be waiting for its row: not called an orphan.
    code, out = _run()
    assert code == 1
    assert "Objects without rows: 0" in out and "1 objects stored inside the grace period" in out
    assert f"evidence {evidence.public_id}: {evidence.key}" in out

    # Versioning is what brings the deleted original back (docs/backups.md): remove the delete marker.
    versions = s3.list_object_versions(Bucket=versioned_bucket, Prefix=evidence.key)
    marker = next(m for m in versions["DeleteMarkers"] if m["Key"] == evidence.key and m["IsLatest"])
    s3.delete_object(Bucket=versioned_bucket, Key=evidence.key, VersionId=marker["VersionId"])
    s3.delete_object(Bucket=versioned_bucket, Key=stray)
    assert _run("--grace-minutes", "0")[0] == 0
    assert reference.key and report.pdf_key.startswith("reports/compliance_pack/")


def test_local_storage_is_reconciled_too(network, standard, local_storage, django_assert_num_queries):
    check = _today_check(network, standard)
    response = client_for(network.manager_a).post(
        f"/api/v1/checks/{check.pk}/evidence/", multipart(photo(seed=42), criterion="restroom_clean"),
        format="multipart")
    assert response.status_code == 201, response.json()
    evidence = Evidence.objects.get(public_id=response.json()["id"])
    reference = _reference_photo(network)
    code, out = _run("--grace-minutes", "0")
    assert code == 0, out

    (local_storage / reference.thumbnail_key).unlink()
    orphan = local_storage / "reports" / "variance" / "gone" / "attempt-1.pdf"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"%PDF-1.4")
    outside = local_storage / "elsewhere" / "notes.txt"  # not under the app's prefixes: not its business
    outside.parent.mkdir()
    outside.write_text("kept")
    # One statement whatever the number of rows (the keys come through a server-side cursor, a batch a fetch),
    # between the savepoint and its release that its transaction is inside the test's.
    with django_assert_num_queries(3):
        assert reconcile.reconcile(grace=dt.timedelta(0)).missing == 1
    found = json.loads(_run("--grace-minutes", "0", "--json")[1])
    assert found["rows_without_objects"] == [
        {"kind": "reference thumbnail", "row": str(reference.pk), "key": reference.thumbnail_key}]
    assert [o["key"] for o in found["objects_without_rows"]] == ["reports/variance/gone/attempt-1.pdf"]
    assert found["counts"]["rows_checked"] == 4 and evidence.thumbnail_key


def test_pending_and_refused_photos_need_no_object_but_their_key_is_known(network, standard, local_storage):
    check = _today_check(network, standard)
    criterion = check.results.get(criterion__key="restroom_clean").criterion
    pending = Evidence.objects.create(daily_check=check, criterion=criterion, site=network.a1,
                                      uploaded_by=network.manager_a, key=f"sites/A1/checks/{check.pk}/pending.jpg",
                                      declared_content_type="image/jpeg", declared_size=10, declared_sha256="0" * 64)
    (local_storage / pending.key).parent.mkdir(parents=True)
    (local_storage / pending.key).write_bytes(b"copied, row not yet verified")  # a confirmation in flight
    assert _run("--grace-minutes", "0")[0] == 0
    Evidence.objects.filter(pk=pending.pk).update(status="verified", verified_at=timezone.now())
    (local_storage / pending.key).unlink()
    assert _run("--grace-minutes", "0")[0] == 1


def test_keys_come_from_the_database_in_the_byte_order_s3_lists_them(db):
    # A database created with a language collation (en_US, common in production) sorts these by letters first,
    # ignoring case and punctuation; S3 lists in byte order, and the merge needs both in the same order. The test
    # database may be C.UTF-8: the column is given a language collation (ICU English) for this test's transaction.
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {ReferencePhoto._meta.db_table} ALTER COLUMN key TYPE varchar(300) '
                       f'COLLATE "en-x-icu"')
    keys = ["reference/a-b/1.jpg", "reference/a/1.jpg", "reference/aB/1.jpg", "reference/a_b/1.jpg",
            "reference/A/1.jpg", "reference/a.b/1.jpg", "reference/\u00e9/1.jpg", "reference/z/1.jpg"]
    ReferencePhoto.objects.bulk_create([
        ReferencePhoto(criterion_key=f"k{i}", key=key, content_type="image/jpeg", size=1, sha256="0" * 64, width=1,
                       height=1, replaced_at=timezone.now()) for i, key in enumerate(keys)])
    byte_order = sorted(keys, key=lambda k: k.encode())
    assert list(ReferencePhoto.objects.order_by("key").values_list("key", flat=True)) != byte_order
    assert [n.key for n in reconcile.named_keys()] == byte_order == sorted(keys)


@pytest.mark.parametrize(("args", "field"), [(["--limit", "-1"], "--limit"), (["--grace-minutes", "-5"], "--grace")])
def test_bad_arguments_are_refused_naming_them(db, args, field):
    with pytest.raises(CommandError, match=field) as raised:
        call_command("reconcile_storage", *args)
    assert raised.value.returncode == 2
