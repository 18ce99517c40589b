"""``make run`` (backend/devserver.py) stops its worker and server however it is stopped."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# devserver.main with its slow steps stubbed: migrate/seed/collectstatic do nothing, and the worker and the
# server are stand-in processes that would run for a minute. Their pids go to a file.
DRIVER = textwrap.dedent("""
    import subprocess, sys
    from backend import devserver

    real_popen = subprocess.Popen
    pids = open(sys.argv[1], "w")

    def popen(args, **kwargs):
        process = real_popen([sys.executable, "-c", "import time; time.sleep(60)"])
        pids.write(f"{process.pid}\\n")
        pids.flush()
        return process

    devserver.subprocess.run = lambda *a, **k: None
    devserver.subprocess.Popen = popen
    devserver._wait_for_port = lambda port, server: True
    sys.exit(devserver.main())
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_stopping_make_run_stops_the_worker_and_the_server(tmp_path, signum):
    pid_file = tmp_path / "pids"
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(pid_file)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PORT": "8999"})
    try:
        banner = "".join(driver.stdout.readline() for _ in range(3))
        assert "Touchpoint is running on http://127.0.0.1:8999/" in banner
        children = [int(line) for line in pid_file.read_text().split()]
        assert len(children) == 2 and all(_alive(pid) for pid in children)

        driver.send_signal(signum)
        assert driver.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in children), "the worker or the server outlived make run"
    finally:
        driver.kill()
