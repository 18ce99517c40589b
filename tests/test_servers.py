"""tests/servers.py, the one way the tests start a server process: it fails loudly with the log's tail, and
stopping it stops its whole process group, a child the leader leaves behind included. With small Python
processes of the test's own (gunicorn and Celery are started by the tests that need them)."""

from __future__ import annotations

import os
import sys
import time

import pytest

from tests.servers import ServerFailed, ServerProcess


class Script(ServerProcess):
    """``python -c <code>``; ready once its log says "ready"."""

    what = "script"

    def __init__(self, tmp_path, code: str):
        super().__init__([sys.executable, "-c", code], log=tmp_path / "script.log")

    def ready(self) -> bool:
        return "ready" in self.log.read_text()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by its parent, init) is gone too
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_a_server_that_exits_before_it_is_ready_fails_with_its_log(tmp_path):
    script = Script(tmp_path, "print('cannot bind: address in use', flush=True); raise SystemExit(3)")
    with pytest.raises(ServerFailed, match=r"(?s)script exited \(3\) before it was ready.*cannot bind: address in use"):
        script.wait_ready(timeout=30)


def test_a_server_not_ready_in_time_is_stopped_and_fails_with_its_log(tmp_path):
    script = Script(tmp_path, "import time; print('still loading', flush=True); time.sleep(600)")
    with pytest.raises(ServerFailed, match=r"(?s)script not ready after 1 s.*still loading"):
        script.wait_ready(timeout=1)
    assert script.proc.returncode is not None  # stopped, not left running


def test_stop_ends_the_whole_group_even_what_the_leader_leaves_behind(tmp_path):
    # The leader starts a child that ignores SIGTERM, then exits on SIGTERM without waiting for it.
    code = ("import signal, subprocess, sys, time\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
            "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
            "print('ready', child.pid, flush=True)\n"
            "time.sleep(600)\n")
    script = Script(tmp_path, code).wait_ready(timeout=30)
    child = int(script.log.read_text().split()[1])
    assert _alive(script.proc.pid) and _alive(child)
    started = time.monotonic()
    script.stop(grace=5)
    assert not _alive(script.proc.pid)
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:  # killed; reaped by init a moment later
        time.sleep(0.05)
    assert not _alive(child)
    assert time.monotonic() - started < 5  # the leader went at SIGTERM: no wait for the grace period
    script.stop()  # twice is harmless


def test_kill_ends_the_group_at_once(tmp_path):
    script = Script(tmp_path, "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                              "print('ready', flush=True); time.sleep(600)").wait_ready(timeout=30)
    started = time.monotonic()
    script.kill()
    assert script.proc.returncode == -9 and time.monotonic() - started < 5
