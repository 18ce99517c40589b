"""``make run``: migrate, seed the demo franchise, then serve the site with a real Celery worker.

Everything runs on the embedded defaults unless the environment says otherwise: SQLite, photos and
PDFs on local disk, and Celery's filesystem broker (a real worker process, no server to install).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # `kill`, `timeout`, an editor's stop button or a closed terminal send SIGTERM/SIGHUP, not Ctrl-C's
    # SIGINT: stop the worker and the server the same way, rather than leave them running on their own.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    port = os.environ.get("PORT", "8000")
    python = sys.executable
    manage = [python, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], check=True)
    subprocess.run([*manage, "seed_demo"], check=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v", "0"], check=True)

    worker = subprocess.Popen([python, "-m", "celery", "-A", "backend", "worker", "--beat", "--loglevel", "INFO",
                               "--concurrency", "2", "--schedule", os.path.join("var", "celerybeat-schedule")])
    server = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload"])
    try:
        if _wait_for_port(int(port), server):
            print(BANNER.format(port=port, password=os.environ.get("DEMO_PASSWORD", "demo"), pid=worker.pid),
                  flush=True)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


BANNER = """
  ================================================================
  Touchpoint is running on http://127.0.0.1:{port}/
    API docs      http://127.0.0.1:{port}/api/docs/
    Admin         http://127.0.0.1:{port}/admin/
  Logins (password: {password!r}):
    head.office                 head office: everything, edits the standard
    auditor                     auditor: reads region nz
    manager.<site code>         a branch manager, site code in lower case: manager.akl-01
  A Celery worker (pid {pid}) renders reports in the background.
  Ctrl-C stops both.
  ================================================================
"""


def _wait_for_port(port: int, server: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


if __name__ == "__main__":
    sys.exit(main())
