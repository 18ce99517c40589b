"""The restore drill: continuous archiving, a base backup, a bad actor, and a point-in-time recovery, checked.

    python -m infra.backup.restore_drill [--keep] [--sample N]      (make restore-drill)

On a private PostgreSQL (infra/backup/cluster.py; never the machine's shared server) with WAL archiving on
(archive_wal.sh, the same command docs/backups.md gives production's plain-command variant), it

1. migrates the schema and writes a small franchise through the API: checks, photos (into S3), and what head
   office does that the audit trail records;
2. takes a base backup (pg_basebackup);
3. writes more (now only in the archived WAL), fingerprints every table, and notes the time T;
4. writes more after T, then acts as a bad actor with superuser rights: triggers off, checks, results, photos
   and the tail of the audit trail deleted;
5. restores the base backup on another port and replays the archived WAL up to T (restore_wal.sh,
   recovery_target_time), then checks: every table is exactly as it was at T (nothing lost before T, nothing
   from after it); the audit chain verifies there (``manage.py audit_verify``) and not on the damaged live
   database; a sample of photos' SHA-256 on record match the objects in S3 (GetObject, hashed here); and
   ``manage.py reconcile_storage`` finds every object the restored rows name, and as orphans exactly the photos
   stored after T.

S3 is the endpoint STORAGE_BACKEND=s3 / S3_ENDPOINT_URL name (a bucket of the drill's own, versioned, removed
after), or else a moto server this drill starts on a free port. It prints what it checked; exit status 0 only
when every check passed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from . import cluster
from .drill_checks import Checks

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


class Drill(Checks):
    def __init__(self, work: Path, *, sample: int):
        self.work = work
        self.sample = sample
        self.failures: list[str] = []
        self.started = time.monotonic()
        self.audit_at_t = ""
        self.figures: dict[str, str] = {}
        self._moto: subprocess.Popen | None = None
        self._bucket_owned = False
        self.source = cluster.Cluster(work / "source")
        self.restored = cluster.Cluster(work / "restored")
        self.archive = work / "wal-archive"
        self.base = work / "base-backup"

    # --- saying what happens ------------------------------------------------------------------------

    def step(self, text: str) -> None:
        print(f"== [{time.monotonic() - self.started:5.1f} s] {text}", flush=True)

    def check(self, passed: bool, text: str) -> bool:
        print(f"   {'ok  ' if passed else 'FAIL'} {text}", flush=True)
        if not passed:
            self.failures.append(text)
        return passed

    # --- the environment ----------------------------------------------------------------------------

    def prepare(self) -> None:
        cluster.own(self.work)
        cluster.own(self.archive)
        # The archive and restore commands, where the servers' user can run them whatever the checkout's modes.
        scripts = cluster.own(self.work / "bin")
        for name in ("archive_wal.sh", "restore_wal.sh"):
            shutil.copy(HERE / name, scripts / name)
            (scripts / name).chmod(0o755)
        self.source.init({
            "wal_level": "replica",
            "archive_mode": "on",
            "archive_command": f"'{scripts / 'archive_wal.sh'} %p %f {self.archive}'",
            "max_wal_senders": "4",
            # What the drill checks is recovery, not crash safety: the source's data files are not flushed (the
            # archive still is: archive_wal.sh syncs each segment), which halves its time on a shared disk.
            "fsync": "off",
            "full_page_writes": "off",
        })
        self.source.start()
        with self.source.connect(autocommit=True) as conn:
            conn.execute("CREATE DATABASE touchpoint")
        print(f"   source cluster: 127.0.0.1:{self.source.port}, data {self.source.data}, WAL archive {self.archive}")

        os.environ.update({
            "DATABASE_URL": self.source.url("touchpoint"),
            # The drill is not the suite: the laptop settings, no broker to leave messages in (the tasks the API
            # queues are not the drill's subject), its own folder for anything written to disk.
            "DJANGO_SETTINGS_MODULE": "backend.settings.local",
            "CELERY_BROKER_URL": "memory://localhost/",
            "TOUCHPOINT_VAR_DIR": str(self.work / "var"),
        })
        self._storage()

    def _storage(self) -> None:
        if os.environ.get("STORAGE_BACKEND") != "s3" or not os.environ.get("S3_ENDPOINT_URL"):
            port = cluster.free_port()
            self._moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            endpoint = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            os.environ.update({"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": endpoint, "S3_ACCESS_KEY_ID": "drill",
                               "S3_SECRET_ACCESS_KEY": "drill", "S3_REGION": "us-east-1"})
            print(f"   S3: a moto server of the drill's own at {endpoint}")
        os.environ["S3_BUCKET"] = f"touchpoint-drill-{uuid.uuid4().hex[:10]}"

    def _s3(self):
        from consistency import storage

        return storage._s3()  # the one client the app's storage uses

    def start_django(self) -> None:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        client, bucket = self._s3()
        client.create_bucket(Bucket=bucket)
        # As docs/backups.md asks of production: versioning on the bucket photos and reports live in.
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        self._bucket_owned = True
        print(f"   bucket {bucket} (versioning enabled) at {os.environ['S3_ENDPOINT_URL']}")
        from django.core.management import call_command

        started = time.monotonic()
        call_command("migrate", verbosity=0)
        self.figures["migrate"] = f"{time.monotonic() - started:.1f} s"

    # --- the drill ----------------------------------------------------------------------------------

    def run(self) -> int:
        self.step("A private cluster with WAL archiving")
        self.prepare()
        self.start_django()
        self.step(f"Schema migrated in {self.figures['migrate']}")
        from . import drill_data

        franchise = drill_data.Franchise()
        franchise.set_up()
        before_backup = franchise.day_of_checks(3, seed=1)
        self.step(f"Written before the base backup: {len(before_backup.checks)} checks with a photo each")

        self.step("Base backup (pg_basebackup)")
        started = time.monotonic()
        cluster.run("pg_basebackup", "-h", "127.0.0.1", "-p", self.source.port, "-U", cluster.USER, "-D", self.base,
                    "--checkpoint=fast", "--wal-method=stream", "--no-sync")
        self.figures["base backup"] = (f"{cluster.folder_bytes(self.base) / 1e6:.1f} MB in "
                                       f"{time.monotonic() - started:.1f} s")

        after_backup = franchise.day_of_checks(2, seed=2)
        work = franchise.head_office_work()
        self.step(f"Written after the base backup (in the archived WAL only): {len(after_backup.checks)} checks with "
                  f"photos; {'; '.join(work.other)}")

        audit_head = self.audit_head()
        at_t = self.fingerprints(self.source)
        with self.source.connect("touchpoint", autocommit=True) as conn:
            target = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        time.sleep(0.05)  # every commit from here on is stamped after T
        self.step(f"T = {target.isoformat()}: {sum(count for count, _ in at_t.values())} rows in {len(at_t)} tables "
                  f"fingerprinted{'; audit trail head ' + audit_head if audit_head else ''}")

        after_t = franchise.day_of_checks(1, seed=3)
        pack = franchise.order_pack()
        self.step(f"Written after T: {len(after_t.checks)} checks with photos (client ids "
                  f"{', '.join(c[:8] for c in after_t.client_ids)}), compliance pack {pack} ordered")
        deleted = self.bad_actor()
        self.step(f"The bad actor, after T, with triggers off: deleted {deleted}")
        archived = self.archive_everything()
        self.figures["WAL archived"] = archived

        self.step("Restore to T on another port: the base backup + archived WAL (restore_wal.sh)")
        recovery = self.restore(target)
        self.figures["recovery (copy, replay to T, promotion)"] = f"{recovery:.1f} s"

        self.step("Checks")
        audit_restored = self._manage(self.restored, "audit_verify")
        audit_live = self._manage(self.source, "audit_verify")
        reconciled = self._manage(self.restored, "reconcile_storage", "--json", "--grace-minutes", "0", "--limit", "0")
        self.verify_tables(at_t, after_t)
        self.verify_photo_hashes()
        self.verify_audit_chain(audit_restored, audit_live)
        self.verify_reconciliation(reconciled, after_t)

        self.step("Figures")
        for name, value in self.figures.items():
            print(f"   {name}: {value}")
        if self.failures:
            print(f"RESTORE DRILL FAILED: {len(self.failures)} of the checks above failed.", flush=True)
            return 1
        print("RESTORE DRILL PASSED: the database was restored to T and verified.", flush=True)
        return 0

    # --- steps ----------------------------------------------------------------------------------------

    def audit_head(self) -> str:
        """Verify the source's chain as the daily task does, and keep the outcome (the head it saw), in-process."""
        from audit.verify import verify

        outcome = verify()
        outcome.save()
        if not self.check(outcome.intact and outcome.head_seq, f"the source's audit chain verifies at T: "
                                                              f"{outcome.entries} entries"):
            return ""
        self.audit_at_t = outcome.head_hash
        return f"#{outcome.head_seq} sha256 {outcome.head_hash}"

    def bad_actor(self) -> str:
        """Deletes as a superuser would who turned the triggers off (session_replication_role = replica skips
        every trigger, the immutability guards and the foreign keys' alike): what the restore must bring back."""
        from audit.models import AuditEntry
        from consistency.models import CheckResult, DailyCheck, Evidence

        tables = [(Evidence._meta.db_table, "photos"), (CheckResult._meta.db_table, "results"),
                  (DailyCheck._meta.db_table, "checks")]
        said = []
        with self.source.connect("touchpoint") as conn:
            conn.execute("SET session_replication_role = replica")
            for table, what in tables:
                said.append(f"{conn.execute(f'DELETE FROM {table}').rowcount} {what}")
            # Covering their tracks: the entry that says a photo was rejected.
            gone = conn.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE action = %s",
                                [AuditEntry.Action.PHOTO_REVIEWED.value]).rowcount
            said.append(f"{gone} audit entry (the photo review's)")
            conn.commit()
        return ", ".join(said)

    def archive_everything(self) -> str:
        """Switch to a new WAL segment and wait until the one holding the last commits is archived."""
        with self.source.connect("touchpoint", autocommit=True) as conn:
            last = conn.execute("SELECT pg_walfile_name(pg_current_wal_insert_lsn())").fetchone()[0]
            conn.execute("SELECT pg_switch_wal()")
            deadline = time.monotonic() + 60
            while True:
                done, failed = conn.execute(
                    "SELECT last_archived_wal, failed_count FROM pg_stat_archiver").fetchone()
                if done is not None and done >= last:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"WAL segment {last} not archived after 60 s ({failed} failures; see "
                                       f"{self.source.log})")
                time.sleep(0.1)
        segments = [p for p in self.archive.iterdir() if re.fullmatch(r"[0-9A-F]{24}", p.name)]
        return f"{len(segments)} segments, {cluster.folder_bytes(self.archive) / 1e6:.0f} MB (up to {last})"

    def restore(self, target) -> float:
        started = time.monotonic()
        cluster.copy_tree(self.base, self.restored.data)
        self.restored.append_settings({
            "restore_command": f"'{self.work / 'bin' / 'restore_wal.sh'} %f %p {self.archive}'",
            "recovery_target_time": f"'{target.isoformat()}'",
            "recovery_target_action": "'promote'",
            # Never into the source's archive: the restored cluster is another timeline.
            "archive_mode": "off",
        })
        cluster.as_owner("touch", self.restored.data / "recovery.signal")  # recover, then promote
        self.restored.start()
        self.restored.wait_until_writable()
        elapsed = time.monotonic() - started
        log = self.restored.log.read_text(errors="replace")
        stop = re.search(r"recovery stopping before commit of transaction \d+, time [^\n]+", log)
        print(f"   restored cluster: 127.0.0.1:{self.restored.port}; "
              f"{stop.group(0) if stop else 'no recovery stop line in its log'}")
        self.check(stop is not None, "recovery stopped at the first commit after T (not at the end of the WAL)")
        return elapsed

    # --- clean-up -------------------------------------------------------------------------------------

    def close(self, keep: bool) -> None:
        self.restored.stop()
        self.source.stop()
        if self._bucket_owned and self._moto is None and not keep:
            client, bucket = self._s3()
            for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
                for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
                    client.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
            client.delete_bucket(Bucket=bucket)
        if self._moto is not None:
            self._moto.terminate()
            self._moto.wait(timeout=10)
        if keep:
            print(f"   kept: {self.work}")
        else:
            cluster.remove(self.work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="Keep the drill's folder (clusters, archive, logs).")
    parser.add_argument("--sample", type=int, default=20, help="Photos whose bytes are hashed against S3.")
    args = parser.parse_args(argv)
    if args.sample < 1:
        parser.error("--sample: at least 1 photo")
    # Stopped from outside (a test's timeout, Ctrl-C): the clusters and the S3 server it started are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="touchpoint-drill-"))
    drill = Drill(work, sample=args.sample)
    try:
        return drill.run()
    finally:
        drill.close(args.keep)


if __name__ == "__main__":
    sys.exit(main())
