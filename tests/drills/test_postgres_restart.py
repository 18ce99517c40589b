"""PostgreSQL restarted during a burst of submissions: a PostgreSQL of the drill's own (the embedded wheel's,
tests/drills/services.PrivatePostgres) holding a copy of the test database, the API in gunicorn on it, phones
(threads) submitting daily checks with an Idempotency-Key each and retrying every failure with the same key
(tests/drills/phone.py). Mid-burst PostgreSQL is stopped (fast: sessions ended; and, at full size, immediate: a
crash recovered from the WAL) and started again. Every acknowledged (2xx) submission is stored, every failed one
succeeded on a retry, none is stored twice (one check per site and day, its results once)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import threading
import time
import uuid
from collections import Counter

import psycopg
import pytest

from ..consistency.checks_support import GOOD, check_body
from ..servers import test_database_url
from .conftest import SIZE, sized
from .phone import Phone
from .services import PrivatePostgres, Server
from .sites import managed_sites

pytestmark = [pytest.mark.django_db(transaction=True)]


def _copy_database(source_url: str, pg: PrivatePostgres) -> None:
    """The test database (schema, the network, the standard, the phone's token) into the private server, by the
    wheel's own pg_dump and psql (PostgreSQL 18's, which read the run's server of any supported version)."""
    bin_path = pg._server.bin_path
    dump = subprocess.run([str(bin_path / "pg_dump"), "--no-owner", "--no-privileges", "--no-statistics", "-d",
                           source_url.replace("postgres://", "postgresql://")],
                          check=True, capture_output=True, timeout=120).stdout
    # The run's server may carry a column option of its own build (seen: ``pg_attver``, set on every column) that
    # PostgreSQL 18 does not know; it says nothing about the data.
    dump = re.sub(rb"(?m)^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);\n", b"", dump)
    loaded = subprocess.run([str(bin_path / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.url], input=dump,
                            capture_output=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr.decode(errors="replace")[-2000:]


def test_every_acknowledged_submission_survives_a_postgres_restart(network, standard, tmp_path, drill_dir,
                                                                  drill_record):
    sites = managed_sites(network, sized(6, 40))
    days = [dt.datetime.now(dt.UTC).date() - dt.timedelta(days=d) for d in range(sized(3, 6))]
    phones_count = sized(3, 6)
    restarts = ["fast"] if SIZE == "small" else ["fast", "immediate"]

    phones = [Phone("http://unset", network.manager_a) for _ in range(phones_count)]  # tokens, copied below
    pg = PrivatePostgres(drill_dir / "pg", "drill")
    try:
        _copy_database(test_database_url(), pg)
        server = Server(tmp_path / "gunicorn.log", workers=2, DATABASE_URL=pg.url,
                        DJANGO_SETTINGS_MODULE="backend.settings.test")
        try:
            outcome = _burst(server, phones, sites, days, pg, restarts)
            idle = _after_an_idle_restart(server, phones[0], sites, pg)
        finally:
            server.stop()
        stored = _stored(pg.url, outcome["keys"])
    finally:
        pg.destroy()

    tried = len(outcome["submissions"])
    acknowledged = outcome["acknowledged"]
    assert outcome["unanswered"] == [], f"gave up on {len(outcome['unanswered'])} submissions"
    # Restarted while the server is idle: every gunicorn worker holds a connection from before it (CONN_MAX_AGE);
    # the next requests find them dead and open new ones rather than failing (CONN_HEALTH_CHECKS).
    assert idle["failed"] == [] and idle["stored"] == idle["tried"], idle
    burst = sorted(c for c in stored["checks"] if c[1] != idle["day"])
    assert burst == sorted((s, d) for s, d, _ in outcome["submissions"])  # one per site and day
    assert stored["doubled"] == [] and stored["results"] == (tried + 2 + idle["stored"]) * len(GOOD)
    assert stored["completed_keys"] == tried
    assert outcome["failed_attempts"] > 0, "no request met the restart: the drill tried nothing"
    # Once PostgreSQL is back, nothing fails any more: no connection kept from before the restart is used dead
    # (CONN_HEALTH_CHECKS), and no claim the restart left behind answers 409 (idempotency: abandoned claims).
    assert not outcome["after_restart"], outcome["after_restart"]
    drill_record(drill="PostgreSQL restarted during a burst of submissions",
                 fault=f"pg_ctl stop -m {' then -m '.join(restarts)} and start, mid-burst; "
                       f"{phones_count} phones, 2 gunicorn workers", tried=tried, acknowledged=acknowledged,
                 stored=len(burst), lost=tried - len(burst), doubled=len(stored["doubled"]),
                 note=f"{outcome['retried']} submissions failed first and succeeded on a retry with their key "
                      f"({outcome['failed_attempts']} failed attempts: {dict(outcome['failure_kinds'])}); "
                      f"down {outcome['down_seconds']:.1f} s in all; none failed once it was back (no 409 for a claim "
                      f"the restart left behind); after a restart while idle, {idle['stored']} of {idle['tried']} "
                      "submissions stored at the first try")


def _burst(server, phones, sites, days, pg, restarts) -> dict:
    for phone in phones:
        phone.base_url = server.url
    submissions = [(site.code, day.isoformat(), f"drill-{uuid.uuid4()}") for day in days for site in sites]
    bodies = {key: check_body(None, day=dt.date.fromisoformat(day)) for _, day, key in submissions}
    lock = threading.Lock()
    results: dict[str, object] = {}
    failures: Counter = Counter()
    back_at: list[float] = []  # when PostgreSQL answered again after each restart
    down = threading.Event()  # set while it is stopped
    after_restart: list[str] = []  # failures once it had (a connection kept from before, a claim left behind)
    queue = list(submissions)
    deadline = time.monotonic() + 240

    def phone_loop(phone: Phone) -> None:
        while True:
            with lock:
                if not queue:
                    return
                code, _, key = queue.pop(0)

            def failed(kind):
                with lock:
                    failures[kind] += 1
                    if back_at and not down.is_set() and time.monotonic() > back_at[-1] + 0.5:
                        after_restart.append(kind)
            results[key] = phone.post_until_answered(f"/api/v1/sites/{code}/checks/", bodies[key], key=key,
                                                     deadline=deadline, pause=0.3, on_failure=failed)

    threads = [threading.Thread(target=phone_loop, args=(p,), daemon=True) for p in phones]
    for t in threads:
        t.start()
    down_seconds = 0.0
    for i, mode in enumerate(restarts):
        # Mid-burst: once a share of the submissions is answered.
        share = (i + 1) / (len(restarts) + 1)
        while len(results) < len(submissions) * share and any(t.is_alive() for t in threads):
            time.sleep(0.05)
        started = time.monotonic()
        down.set()
        pg.stop(mode)
        time.sleep(1.5)
        pg.start()
        back_at.append(time.monotonic())
        down.clear()
        down_seconds += time.monotonic() - started
    for t in threads:
        t.join(timeout=300)
    answered = {k: r for k, r in results.items() if r.status}
    return {
        "submissions": [(code, day, key) for code, day, key in submissions],
        "keys": [key for _, _, key in submissions],
        "acknowledged": sum(1 for r in answered.values() if 200 <= r.status < 300),
        "unanswered": [k for k, r in results.items() if not (200 <= r.status < 300)],
        "retried": sum(1 for r in results.values() if r.failures),
        "failed_attempts": sum(failures.values()),
        "failure_kinds": failures,
        "down_seconds": down_seconds,
        "after_restart": Counter(after_restart),
    }


def _after_an_idle_restart(server, phone, sites, pg) -> dict:
    day = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=6)).isoformat()  # a day the burst left alone
    tried = [site.code for site in sites[:6]]
    for code in tried[:2]:  # each worker has used its connection (the burst did too)
        assert phone.post(f"/api/v1/sites/{code}/checks/", check_body(None, day=dt.date.fromisoformat(day)),
                          key=f"idle-{uuid.uuid4()}").status_code == 201
    pg.stop("fast")
    pg.start()
    failed, stored = [], 0
    for code in tried[2:]:
        response = phone.post(f"/api/v1/sites/{code}/checks/", check_body(None, day=dt.date.fromisoformat(day)),
                              key=f"idle-{uuid.uuid4()}")
        if response.status_code == 201:
            stored += 1
        else:
            failed.append(response.status_code)
    return {"tried": len(tried) - 2, "stored": stored, "failed": failed, "day": day}


def _stored(url: str, keys: list[str]) -> dict:
    with psycopg.connect(url) as conn:
        checks = conn.execute(
            "SELECT s.code, c.date::text, count(*) FROM consistency_dailycheck c JOIN sites_site s ON s.id = c.site_id "
            "WHERE c.is_current GROUP BY 1, 2").fetchall()
        results = conn.execute("SELECT count(*) FROM consistency_checkresult r JOIN consistency_dailycheck c "
                               "ON c.id = r.daily_check_id WHERE c.is_current").fetchone()[0]
        completed = conn.execute("SELECT count(*) FROM consistency_idempotencyrecord WHERE key = ANY(%s) "
                                 "AND completed_at IS NOT NULL", [keys]).fetchone()[0]
    return {"checks": [(code, day) for code, day, _ in checks], "doubled": [c for c in checks if c[2] > 1],
            "results": results, "completed_keys": completed}
