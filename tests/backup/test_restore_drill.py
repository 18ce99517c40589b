"""The restore drill (infra/backup/restore_drill.py, ``make restore-drill``) restores to a point in time and
verifies, end to end: private PostgreSQL clusters, archived WAL, the suite's S3 endpoint over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "infra" / "backup"


@pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="needs the S3 endpoint scripts/test.sh starts")
def test_the_drill_restores_to_t_and_verifies_it():
    done = subprocess.run([sys.executable, "-m", "infra.backup.restore_drill", "--sample", "8"], cwd=ROOT,
                          env=os.environ.copy(), capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "FAIL" not in out
    assert out.rstrip().endswith("RESTORE DRILL PASSED: the database was restored to T and verified.")
    # The checks it says it made, each of which fails the drill when it does not hold.
    for line in ["ok   recovery stopped at the first commit after T",
                 "tables are row for row as they were at T",
                 "ok   nothing written after T is there: 0 of its 3 checks, 0 of its 3 photos",
                 "ok   audit_verify on the restored database: exit 0, ending at the head noted at T",
                 "ok   audit_verify on the damaged live database fails, as it must: exit 1",
                 "ok   6 of 6 sampled photos' SHA-256 on record match the bytes in S3",
                 "ok   reconcile_storage: every one of the 12 stored files the restored rows name is in S3",
                 "ok   reconcile_storage: the 6 objects without a row are exactly the photos"]:
        assert line in out, out
    assert "deleted 9 photos, 27 results, 9 checks, 1 audit entry" in out
    assert f"at {settings.AWS_S3_ENDPOINT_URL}" in out  # the suite's S3 over HTTP, a bucket of the drill's own


def _archive(src: Path, archive: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPTS / "archive_wal.sh"), str(src), src.name, str(archive)], capture_output=True,
                          text=True)


def test_a_segment_is_archived_once_and_never_overwritten_with_other_bytes(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    segment = tmp_path / "000000010000000000000007"
    segment.write_bytes(b"wal" * 1000)
    assert _archive(segment, archive).returncode == 0
    assert (archive / segment.name).read_bytes() == segment.read_bytes()
    assert [p.name for p in archive.iterdir()] == [segment.name]  # no temporary file left
    assert _archive(segment, archive).returncode == 0  # archived again after a crash: the same bytes, a success
    segment.write_bytes(b"other")
    refused = _archive(segment, archive)
    assert refused.returncode == 1 and "refusing to overwrite" in refused.stderr
    assert (archive / segment.name).read_bytes() == b"wal" * 1000

    restored = tmp_path / "pg_wal_copy"
    ok = subprocess.run([str(SCRIPTS / "restore_wal.sh"), segment.name, str(restored), str(archive)])
    assert ok.returncode == 0 and restored.read_bytes() == b"wal" * 1000
    missing = subprocess.run([str(SCRIPTS / "restore_wal.sh"), "00000002.history", str(restored), str(archive)])
    assert missing.returncode == 1
