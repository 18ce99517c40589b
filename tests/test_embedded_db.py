"""The embedded PostgreSQL (backend/embedded_db.py): a kept server for `make run`, a scratch one for
`make test`, each on its own data folder and socket, stopped with nothing left running."""

import os
import time

import psycopg

from backend import embedded_db


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_scratch_server_skips_disk_flushes_and_a_kept_one_does_not(tmp_path):
    scratch_dir, kept_dir = tmp_path / "scratch", tmp_path / "kept"
    try:
        scratch = embedded_db.start(scratch_dir, database="suite", scratch=True)
        kept = embedded_db.start(kept_dir, database="touchpoint")
        assert f"host={scratch_dir}" in scratch and f"host={kept_dir}" in kept
        with psycopg.connect(scratch) as conn:
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
            assert conn.execute("SHOW autovacuum").fetchone() == ("off",)
            assert conn.execute("SELECT current_database()").fetchone() == ("suite",)
        with psycopg.connect(kept) as conn:
            assert conn.execute("SHOW fsync").fetchone() == ("on",)
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
            assert conn.execute("SHOW autovacuum").fetchone() == ("on",)
    finally:
        embedded_db.stop(scratch_dir)
        embedded_db.stop(kept_dir)


def test_stop_leaves_nothing_running_and_a_restart_finds_its_database(tmp_path):
    data_dir = tmp_path / "pg"
    url = embedded_db.start(data_dir, database="touchpoint")
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept AS SELECT 1 AS x")
        embedded_db.stop(data_dir)
        assert not (data_dir / "postmaster.pid").exists()
        deadline = time.monotonic() + 10  # the postmaster removes its pid file just before it exits
        while _alive(postmaster) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(postmaster)
        embedded_db.stop(data_dir)  # stopping a stopped server is nothing

        assert embedded_db.start(data_dir, database="touchpoint") == url
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT x FROM kept").fetchone() == (1,)
    finally:
        embedded_db.stop(data_dir)
