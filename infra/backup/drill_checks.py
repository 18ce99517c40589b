"""What the restore drill checks once the restored cluster is up (infra/backup/restore_drill.py): each check prints
a line and, when it does not hold, fails the drill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import cluster

ROOT = Path(__file__).resolve().parents[2]


class Checks:
    """Mixed into ``Drill``: uses its clusters (``source``, ``restored``), ``sample``, ``audit_at_t`` and ``check``."""

    def fingerprints(self, where: cluster.Cluster) -> dict[str, tuple[int, str]]:
        """{table: (rows, MD5 of every row's text in a fixed order)} for every table of the app's schema."""
        out = {}
        with where.connect("touchpoint", autocommit=True) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
            for table in tables:
                count, digest = conn.execute(
                    f'SELECT count(*), coalesce(md5(string_agg(t::text, E\'\\n\' ORDER BY t::text)), \'\') '
                    f'FROM public."{table}" t').fetchone()
                out[table] = (count, digest)
        return out

    def verify_tables(self, at_t: dict, after_t) -> None:
        restored = self.fingerprints(self.restored)
        live = self.fingerprints(self.source)
        differ = sorted(t for t in at_t if restored.get(t) != at_t[t])
        self.check(not differ and set(restored) == set(at_t),
                   f"all {len(at_t)} tables are row for row as they were at T"
                   + (f"; differ: {', '.join(differ)}" if differ else ""))
        damaged = sorted(t for t in at_t if live.get(t) != at_t[t])
        counts = ", ".join(f"{t} {live[t][0]} live / {restored[t][0]} restored" for t in damaged
                           if live[t][0] != restored[t][0])
        self.check(bool(damaged), f"the live database differs from T in {len(damaged)} tables ({counts})")
        with self.restored.connect("touchpoint", autocommit=True) as conn:
            found = conn.execute("SELECT count(*) FROM consistency_dailycheck WHERE client_id = ANY(%s::uuid[])",
                                 [after_t.client_ids]).fetchone()[0]
            photos = conn.execute("SELECT count(*) FROM consistency_evidence WHERE public_id = ANY(%s::uuid[])",
                                  [after_t.photos]).fetchone()[0]
        self.check(found == 0 and photos == 0,
                   f"nothing written after T is there: {found} of its {len(after_t.checks)} checks, {photos} of its "
                   f"{len(after_t.photos)} photos")

    def _manage(self, where: cluster.Cluster, *args: str) -> subprocess.Popen:
        """``manage.py`` with DATABASE_URL pointed at ``where``, started (each its own process: they run side by
        side); ``communicate()`` it."""
        env = {**os.environ, "DATABASE_URL": where.url("touchpoint")}
        return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def verify_audit_chain(self, restored: subprocess.Popen, live: subprocess.Popen) -> None:
        said = "".join(restored.communicate(timeout=300)).strip()
        self.check(restored.returncode == 0 and bool(self.audit_at_t) and self.audit_at_t in said,
                   f"audit_verify on the restored database: exit {restored.returncode}, ending at the head noted at "
                   f"T: {said}")
        said = "".join(live.communicate(timeout=300)).strip()
        self.check(live.returncode == 1, f"audit_verify on the damaged live database fails, as it must: exit "
                                         f"{live.returncode}: {said}")

    def verify_photo_hashes(self) -> None:
        from consistency import storage

        with self.restored.connect("touchpoint", autocommit=True) as conn:
            rows = conn.execute(
                "SELECT key, sha256, size FROM (SELECT key, sha256, size FROM consistency_evidence "
                "WHERE verified_at IS NOT NULL UNION ALL SELECT key, sha256, size FROM consistency_referencephoto) "
                "stored ORDER BY random() LIMIT %s", [self.sample]).fetchall()
        wrong = []
        for key, sha256, size in rows:
            with tempfile.TemporaryFile() as sink:
                try:
                    fetched = storage.fetch(key, sink, max_bytes=size + 1)  # GetObject, hashed as it streams
                except storage.ObjectMissing:
                    wrong.append(f"{key}: missing")
                    continue
            if (fetched.sha256, fetched.size) != (sha256, size):
                wrong.append(f"{key}: {fetched.sha256[:12]}... ({fetched.size} bytes), on record {sha256[:12]}...")
        self.check(bool(rows) and not wrong,
                   f"{len(rows) - len(wrong)} of {len(rows)} sampled photos' SHA-256 on record match the bytes in S3"
                   + (f"; wrong: {'; '.join(wrong)}" if wrong else ""))

    def verify_reconciliation(self, done: subprocess.Popen, after_t) -> None:
        out, err = done.communicate(timeout=300)
        try:
            found = json.loads(out)
        except json.JSONDecodeError:
            self.check(False, f"reconcile_storage on the restored database: {err.strip()[-300:]}")
            return
        missing = found["counts"]["rows_without_objects"]
        self.check(missing == 0, f"reconcile_storage: every one of the {found['counts']['rows_checked']} stored files "
                                 f"the restored rows name is in S3 ({missing} missing)")
        orphans = {o["key"] for o in found["objects_without_rows"]}
        self.check(orphans == set(after_t.photo_keys),
                   f"reconcile_storage: the {len(orphans)} objects without a row are exactly the photos (and their "
                   f"thumbnails) stored after T; kept in the bucket, not deleted (docs/backups.md)")
