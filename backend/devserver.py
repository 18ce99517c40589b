"""``make run``: migrate, seed the demo franchise, then serve the site with a real Celery worker.

Everything runs on the embedded defaults unless the environment says otherwise: PostgreSQL from a wheel
(backend/embedded_db.py) with its data in var/postgres, kept from one run to the next; photos and PDFs on
local disk; Celery's filesystem broker (a real worker process, no server to install).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from backend import embedded_db

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # `kill`, `timeout`, an editor's stop button or a closed terminal send SIGTERM/SIGHUP, not Ctrl-C's
    # SIGINT: stop the worker, the server and the database the same way, rather than leave them running.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    from django.conf import settings

    database_dir = None
    try:
        if not settings.DATABASE_URL_GIVEN:
            database_dir = settings.EMBEDDED_DB_DIR
            # Set before anything else starts: migrate, the worker, beat and the server all inherit it.
            os.environ["DATABASE_URL"] = embedded_db.start(database_dir, database=settings.EMBEDDED_DB_NAME)
        where = f"embedded, data in {database_dir}" if database_dir else "DATABASE_URL"
        return _serve(os.environ.get("PORT", "8000"), str(settings.VAR_DIR), where, settings.DEMO_PASSWORD,
                      _mail_said(settings))
    except KeyboardInterrupt:
        return 0
    finally:
        if database_dir is not None:
            embedded_db.stop(database_dir)


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True)


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args])


def _mail_said(settings) -> str:
    """Where the notifications' mail goes, for the banner."""
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        return f"written to {settings.EMAIL_FILE_PATH}/ (a .log file per batch sent)"
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        return "printed by the worker (EMAIL_PROVIDER=console)"
    if settings.EMAIL_PROVIDER == "smtp":
        return f"sent over SMTP to {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    return f"sent through {settings.EMAIL_PROVIDER} (django-anymail)"


def _serve(port: str, var_dir: str, database: str, password: str, mail: str) -> int:
    # The franchise's self-signed certificate, made once under var/signing/: every pack is signed with it, and
    # packs signed on earlier runs keep verifying against it (python -m reports.verify_pack PACK --cert CERT).
    _manage("make_signing_cert", "-v", "0")
    _manage("migrate", "--no-input", "-v", "0")
    _manage("seed_demo")
    _manage("collectstatic", "--no-input", "-v", "0")

    worker = _spawn("-m", "celery", "-A", "backend", "worker", "--beat", "--loglevel", "INFO",
                    "--concurrency", "2", "--schedule", os.path.join(var_dir, "celerybeat-schedule"))
    server = _spawn("manage.py", "runserver", f"127.0.0.1:{port}", "--noreload")
    try:
        if _wait_for_port(int(port), server):
            print(BANNER.format(port=port, password=password, pid=worker.pid,
                                database=database, mail=mail), flush=True)
        return server.wait()
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
  Touchpoint is running on http://127.0.0.1:{port}/  (log in; it takes you to your page)
    Network       http://127.0.0.1:{port}/app/           head office, auditors
    Today         http://127.0.0.1:{port}/app/today/     a manager's checklist (open it on a phone)
    Standard      http://127.0.0.1:{port}/app/standard/
    Reports       http://127.0.0.1:{port}/app/reports/
    Perception    http://127.0.0.1:{port}/app/perception/ what sites report against audits and customers
    Visits        http://127.0.0.1:{port}/app/audits/new/ a mystery shop or an audit (open it on a phone)
    Feedback      http://127.0.0.1:{port}/app/feedback/  import a survey export (head office)
    Notices       http://127.0.0.1:{port}/app/notifications/ what you are told, and how (everyone)
    API docs      http://127.0.0.1:{port}/api/docs/
    Admin         http://127.0.0.1:{port}/admin/
  Logins (password: {password!r}):
    head.office                 head office: everything, edits the standard
    auditor                     auditor: reads region nz
    manager.<site code>         a branch manager, site code in lower case: manager.akl-01
    auditor.two                 auditor: the other regions
    shopper                     mystery shopper: a few sites, nothing of them but the audit form
    accounts                    accounting staff: invoicing, for every site
    gerante.lon-02              a manager of LON-02 who reads Touchpoint in French
  PostgreSQL: {database}.
  A Celery worker (pid {pid}) renders reports and sends notifications in the background.
  Mail: {mail}.
  Ctrl-C stops the server, the worker and the database.
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
