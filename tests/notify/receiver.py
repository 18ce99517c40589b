"""A webhook receiver for the tests: a real HTTP server on loopback, in a thread, that checks each delivery's
signature the way docs/webhooks.md tells a receiver to, and answers from a script of status codes."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers, body: bytes, *, tolerance: int = 300) -> bool:
    """docs/webhooks.md's verifier, as a receiver would write it."""
    timestamp = headers.get("Touchpoint-Timestamp", "")
    signatures = [part.strip()[3:] for part in headers.get("Touchpoint-Signature", "").split(",")
                  if part.strip().startswith("v1=")]
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in signatures)


@dataclass
class Hit:
    path: str
    headers: dict
    body: bytes
    answered: int


class Receiver:
    def __init__(self, answers: list[int] | None = None, *, default: int = 200, location: str = ""):
        self.answers = list(answers or [])
        self.default = default
        self.location = location
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    code = receiver.answers.pop(0) if receiver.answers else receiver.default
                    receiver.hits.append(Hit(self.path, dict(self.headers), body, code))
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", receiver.location or "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/touchpoint"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, *, timeout: float = 30) -> list[Hit]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.hits) >= count:
                    return list(self.hits)
            time.sleep(0.05)
        raise AssertionError(f"the receiver got {len(self.hits)} requests, not {count}, in {timeout} s")
