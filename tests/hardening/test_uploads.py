"""No body is spooled whole before its size is checked (backend.body_limits), over real HTTP through gunicorn: a
declared length over the limit is refused unread, a chunked body is counted as it streams in and cut at the
limit (the answer comes while the client is still sending), and a chunked body under the limit is taken whole."""

from __future__ import annotations

import json
import select
import socket
import time
import uuid

import pytest

from consistency.models import DailyCheck, Evidence
from sites import tokens
from tests.consistency.checks_support import check_body
from tests.consistency.evidence_factories import photo

from .conftest import PHOTO_LIMIT  # bytes: MAX_PHOTO_BYTES of the server under test

BOUNDARY = "harden-boundary"


def _token(user) -> str:
    return tokens.token_issue(user=user, device_name="phone")[1]


def _read_answer(sock: socket.socket) -> tuple[int, dict, bytes]:
    data = b""
    sock.settimeout(30)
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def _post(server, path: str, headers: dict, chunks, *, chunked: bool) -> tuple[int, dict, bytes, int]:
    """POST ``chunks`` (an iterable of bytes) and read the answer as soon as the server gives it, sending no
    more: (status, headers, body, bytes of the body sent)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close",
                *(f"{k}: {v}" for k, v in headers.items())]
        if chunked:
            head.append("Transfer-Encoding: chunked")
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sent = 0
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered: it reads no more
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        status, answer_headers, body = _read_answer(sock)
        return status, answer_headers, body, sent
    finally:
        sock.close()


def _multipart(data_chunks, *, criterion="restroom_clean"):
    yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"criterion\"\r\n\r\n{criterion}\r\n"
           f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\n"
           "Content-Type: image/jpeg\r\n\r\n").encode()
    yield from data_chunks
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _endless(total: int, size: int = 16 * 1024):
    for _ in range(total // size):
        time.sleep(0.001)  # a phone's pace, roughly: the server answers between two chunks
        yield b"\xff" * size


@pytest.fixture
def check_id(network, standard):
    from tests.consistency.checks_support import local_today
    from tests.consistency.evidence_factories import make_check

    return make_check(network.a1, standard, network.manager_a, date=local_today(network.a1)).pk


def test_a_photo_declared_over_the_limit_is_refused_unread(server, network, check_id):
    # One gigabyte declared, not a byte of it sent: an answer proves nothing was waited for.
    status, headers, body, _ = _post(server, f"/api/v1/checks/{check_id}/evidence/", {
        "Authorization": f"Token {_token(network.manager_a)}", "Content-Length": str(10**9),
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}, [], chunked=False)
    assert status == 413, body
    answer = json.loads(body)
    assert answer["field"] == "file" and answer["code"] == "too_large"
    assert f"at most {PHOTO_LIMIT:,} bytes" in answer["message"]


def test_any_body_declared_over_the_request_limit_is_refused_unread(server, network):
    status, _, body, _ = _post(server, "/api/v1/reports/", {
        "Authorization": f"Token {_token(network.head_office)}", "Content-Length": str(10**8),
        "Content-Type": "application/json"}, [], chunked=False)
    assert status == 413 and json.loads(body)["field"] == "body"


def test_a_chunked_photo_over_the_limit_is_cut_while_it_streams(server, network, check_id):
    total = 40 * PHOTO_LIMIT  # 8 MB offered
    status, _, body, sent = _post(server, f"/api/v1/checks/{check_id}/evidence/", {
        "Authorization": f"Token {_token(network.manager_a)}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}, _multipart(_endless(total)), chunked=True)
    assert status == 413, body
    assert json.loads(body)["field"] == "file"
    assert sent < total / 2  # answered long before the client was done: the rest was never read
    assert not Evidence.objects.exists()
    assert list(server.spool.iterdir()) == []  # nothing left on disk


def test_a_chunked_photo_under_the_limit_is_taken_whole(server, network, check_id):
    data = photo(seed=5)
    assert len(data) < PHOTO_LIMIT
    pieces = [data[i:i + 4096] for i in range(0, len(data), 4096)]
    status, _, body, _ = _post(server, f"/api/v1/checks/{check_id}/evidence/", {
        "Authorization": f"Token {_token(network.manager_a)}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}, _multipart(pieces), chunked=True)
    assert status == 201, body
    evidence = Evidence.objects.get()
    assert evidence.status == "verified" and evidence.size == len(data)


def test_a_chunked_daily_check_is_taken_whole_and_one_over_the_limit_is_cut(server, network, standard, settings):
    token = _token(network.manager_a)
    raw = json.dumps(check_body(network.a1)).encode()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json",
               "Idempotency-Key": str(uuid.uuid4())}
    status, _, body, _ = _post(server, "/api/v1/sites/A1/checks/", headers, [raw[:100], raw[100:]], chunked=True)
    assert status == 201, body
    assert DailyCheck.objects.count() == 1

    total = 20 * settings.MAX_REQUEST_BYTES
    status, _, body, sent = _post(server, "/api/v1/sites/A2/checks/", headers, _endless(total), chunked=True)
    assert status == 413 and json.loads(body)["field"] == "body"
    assert sent < total / 2
