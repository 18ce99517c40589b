"""Walk the chain from its first entry and say whether it is intact, or where it first breaks.

A broken link is one of:
- an entry whose hash is not the hash of its columns: it was edited (or its hash was);
- a ``seq`` that is not the one after the previous entry's: entries were deleted before it;
- a ``prev_hash`` that is not the previous entry's hash: an entry before it was replaced or deleted;
- an end before the head the last recorded verification saw: the newest entries were deleted.

The entries are streamed through a server-side cursor, a batch at a time, so memory stays flat whatever the
length; the hash is the one ``chain.entry_hash`` every append uses.
"""

from __future__ import annotations

import dataclasses
import json
import time

from django.db import DEFAULT_DB_ALIAS, connections

from . import chain
from .models import ChainCheck

BATCH = 5000


@dataclasses.dataclass
class Outcome:
    intact: bool
    entries: int = 0
    head_seq: int | None = None
    head_hash: str = ""
    broken_seq: int | None = None
    problem: str = ""
    seconds: float = 0.0

    def save(self, using: str = DEFAULT_DB_ALIAS) -> ChainCheck:
        return ChainCheck.objects.using(using).create(**dataclasses.asdict(self))


def verify(using: str = DEFAULT_DB_ALIAS, *, previous: ChainCheck | None | bool = True) -> Outcome:
    """``previous``: the verification whose head must still be there (True: the last one recorded; None: none)."""
    started = time.monotonic()
    if previous is True:
        previous = ChainCheck.objects.using(using).filter(intact=True, head_seq__isnull=False).order_by(
            "-checked_at", "-id").first()
    outcome = _walk(connections[using])
    if outcome.intact and previous is not None and previous.head_seq is not None:
        if outcome.head_seq is None or outcome.head_seq < previous.head_seq:
            outcome = Outcome(False, outcome.entries, outcome.head_seq, outcome.head_hash,
                              broken_seq=(outcome.head_seq or 0) + 1,
                              problem=f"the chain ends at {outcome.head_seq or 0}, but entry {previous.head_seq} "
                                      f"was there on {previous.checked_at:%Y-%m-%d %H:%M} UTC: the entries "
                                      f"after {outcome.head_seq or 0} were deleted")
    outcome.seconds = round(time.monotonic() - started, 3)
    return outcome


def _walk(connection) -> Outcome:
    seq, head = 0, chain.GENESIS
    # data read as text and parsed here: the same value whatever json loader the connection has registered.
    columns = ", ".join({"data": "data::text", "at": chain.AT_SQL}.get(name, name) for name in chain.COLUMNS)
    select = f"SELECT {columns}, hash FROM audit_auditentry ORDER BY seq"
    data_at = chain.COLUMNS.index("data")
    with connection.chunked_cursor() as cursor:
        cursor.execute(select)
        while rows := cursor.fetchmany(BATCH):
            for row in rows:
                fields = dict(zip(chain.COLUMNS, row[:-1], strict=True))
                fields["data"] = json.loads(row[data_at])
                stored = row[-1]
                if fields["seq"] != seq + 1:
                    return _broken(seq, head, fields["seq"],
                                   f"entry {fields['seq']} follows entry {seq}: "
                                   f"{_range(seq + 1, fields['seq'] - 1)} deleted")
                if fields["prev_hash"] != head:
                    return _broken(seq, head, fields["seq"],
                                   f"entry {fields['seq']} points at {fields['prev_hash'][:12]}..., not at entry "
                                   f"{seq}'s hash {head[:12]}...: the entry before it was replaced")
                if chain.entry_hash(fields) != stored:
                    return _broken(seq, head, fields["seq"],
                                   f"entry {fields['seq']} does not match its hash: it was edited after it was "
                                   f"written")
                seq, head = fields["seq"], stored
    return Outcome(True, seq, seq or None, head if seq else "")


def _broken(seq: int, head: str, at: int, problem: str) -> Outcome:
    return Outcome(False, seq, seq or None, head if seq else "", broken_seq=at, problem=problem)


def _range(first: int, last: int) -> str:
    return f"entry {first} was" if first == last else f"entries {first} to {last} were"
