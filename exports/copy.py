"""Reading ``COPY ... TO STDOUT`` on Django's connection, in chunks of bounded size.

PostgreSQL sends a COPY's output row by row; psycopg hands each row over as it arrives (nothing is read
ahead beyond the socket's buffer). The rows are gathered into chunks of about ``CHUNK_BYTES`` so that a
response or a file is written in a few large pieces, and memory holds one chunk whatever the number of rows.

The statement is recorded in ``connection.queries`` like any other (tests pin the number of queries of a
request; Django's cursor wrapper does not see a COPY).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.db import connection

CHUNK_BYTES = 256 * 1024


def copy_out(sql: str, params: dict, *, chunk_bytes: int | None = None) -> Iterator[bytes]:
    """The bytes of ``COPY (...) TO STDOUT`` (``sql``, named ``params`` bound by psycopg on the client), in chunks.

    A generator: the statement runs when the first chunk is asked for, on the caller's connection. Closed
    early (a client that hung up), psycopg cancels the COPY on the server and the connection stays usable."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    connection.ensure_connection()
    started = time.monotonic()
    with connection.connection.cursor() as cursor, cursor.copy(sql, params) as copy:
        pending: list[bytes] = []
        size = 0
        for row in copy:
            pending.append(row)  # a memoryview into psycopg's buffer, copied by the join below
            size += len(row)
            if size >= chunk_bytes:
                yield b"".join(pending)
                pending.clear()
                size = 0
        if pending:
            yield b"".join(pending)
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


@dataclass(frozen=True)
class Written:
    size: int
    sha256: str


def copy_to_file(sql: str, params: dict, dest: IO[bytes]) -> Written:
    """Write the COPY's bytes to ``dest`` (any binary file, e.g. a gzip stream), counting and hashing them."""
    digest, size = hashlib.sha256(), 0
    for chunk in copy_out(sql, params):
        digest.update(chunk)
        size += len(chunk)
        dest.write(chunk)
    return Written(size, digest.hexdigest())
