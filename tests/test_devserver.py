"""``make run`` (backend/devserver.py) starts the embedded PostgreSQL when no database is given, points
everything at it, and stops its worker, server and database however it is stopped."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent

# devserver.main with its slow steps stubbed: migrate/seed/collectstatic do nothing, and the worker and the
# server are stand-in processes that would run for a minute. Each writes its pid and the DATABASE_URL it
# was given to a file. The database is real: the embedded PostgreSQL, in the test's own var folder.
DRIVER = textwrap.dedent("""
    import os, subprocess, sys
    from backend import devserver

    children = open(sys.argv[1], "w")

    def spawn(*args):
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        children.write(f"{process.pid} {os.environ.get('DATABASE_URL', '')}\\n")
        children.flush()
        return process

    devserver._manage = lambda *args: None
    devserver._spawn = spawn
    devserver._wait_for_port = lambda port, server: True
    sys.exit(devserver.main())
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def _make_run(tmp_path: Path, **env) -> tuple[subprocess.Popen, str]:
    full = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    full.update(PORT="8999", TOUCHPOINT_VAR_DIR=str(tmp_path / "var"), **env)
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path / "children")], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True, env=full)
    banner = "".join(driver.stdout.readline() for _ in range(3))
    return driver, banner


def _stop(driver: subprocess.Popen, signum, pids: list[int]) -> None:
    driver.send_signal(signum)
    assert driver.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_stopping_make_run_stops_the_worker_the_server_and_the_database(tmp_path, signum):
    data_dir = tmp_path / "var" / "postgres"
    driver, banner = _make_run(tmp_path)
    try:
        assert "Touchpoint is running on http://127.0.0.1:8999/" in banner
        children = [line.split(" ", 1) for line in (tmp_path / "children").read_text().splitlines()]
        assert len(children) == 2 and all(_alive(int(pid)) for pid, _ in children)
        # The worker (with beat) and the server were pointed at the embedded server, in var/postgres.
        urls = {url for _, url in children}
        assert len(urls) == 1 and f"host={data_dir}" in urls.pop()
        postgres = _postmaster_pid(data_dir)
        assert postgres is not None and _alive(postgres)

        _stop(driver, signum, [int(pid) for pid, _ in children] + [postgres])
        assert not any(_alive(int(pid)) for pid, _ in children), "the worker or the server outlived make run"
        assert not _alive(postgres), "PostgreSQL outlived make run"
        assert (data_dir / "PG_VERSION").exists(), "the data folder is kept for the next run"
    finally:
        driver.kill()
        from backend import embedded_db

        embedded_db.stop(data_dir)


def test_make_run_keeps_its_data_from_one_run_to_the_next(tmp_path):
    data_dir = tmp_path / "var" / "postgres"
    for run in range(2):
        driver, _ = _make_run(tmp_path)
        try:
            url = (tmp_path / "children").read_text().split()[1]
            with psycopg.connect(url, autocommit=True) as conn:
                if run == 0:
                    conn.execute("CREATE TABLE kept (note text)")
                    conn.execute("INSERT INTO kept VALUES ('from the first run')")
                else:
                    assert conn.execute("SELECT note FROM kept").fetchall() == [("from the first run",)]
            postgres = _postmaster_pid(data_dir)
            _stop(driver, signal.SIGTERM, [postgres])
            assert not _alive(postgres)
        finally:
            driver.kill()
            from backend import embedded_db

            embedded_db.stop(data_dir)


def test_a_given_database_url_is_used_and_nothing_is_started(tmp_path):
    given = "postgres://someone@db.example:5432/touchpoint"
    driver, banner = _make_run(tmp_path, DATABASE_URL=given)
    try:
        assert "Touchpoint is running" in banner
        urls = {line.split(" ", 1)[1] for line in (tmp_path / "children").read_text().splitlines()}
        assert urls == {given}
        assert not (tmp_path / "var" / "postgres").exists()
        _stop(driver, signal.SIGTERM, [])
    finally:
        driver.kill()
