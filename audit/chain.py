"""The one definition of an entry's hash, used by ``record`` to append and by ``verify`` to check.

The hash is SHA-256 over the canonical form of every column but ``hash`` itself: a JSON object with sorted
keys, no spaces, UTF-8, the time in UTC with microseconds (PostgreSQL's precision). ``data`` goes in as it
reads back from PostgreSQL's jsonb, so that the hash recomputed from the stored row is the hash written:
``normalise`` turns anything jsonb would not give back unchanged into what it does give back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from decimal import Decimal

GENESIS = "0" * 64

# Every column of audit_auditentry but ``hash``, in the order verify selects them.
COLUMNS = ("seq", "at", "actor_id", "actor_name", "action", "target_type", "target_id", "site_code", "data",
           "request_id", "prev_hash")


def normalise(value):
    """``value`` as jsonb stores and returns it. jsonb keeps a number as written by ``json.dumps`` except a
    float in exponent form (1e+20 comes back as 100000000000000000000, an int) and -0.0 (0.0): those are
    written as strings. Dates, times, UUIDs and decimals are written as their ISO/str form; tuples and sets
    as lists (sets sorted)."""
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(normalise(v) for v in value)
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, str) and "\x00" in value:
            return value.replace("\x00", "\ufffd")  # jsonb refuses NUL in a string
        return value
    if isinstance(value, float):
        text = repr(value)
        if not math.isfinite(value) or "e" in text or "E" in text or value == 0.0 and text.startswith("-"):
            return text
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    return str(value)


def _at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The same text written by PostgreSQL: verify reads ``at`` through it, which spares parsing a datetime and
# formatting it again for every entry (a third of the time per entry). tests/audit/test_chain.py holds the two
# equal on awkward instants.
AT_SQL = """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def canonical(fields: dict) -> bytes:
    """The bytes an entry's hash is taken over. ``fields``: every column in ``COLUMNS``."""
    row = {name: fields[name] for name in COLUMNS}
    if not isinstance(row["at"], str):  # verify reads it already written (AT_SQL)
        row["at"] = _at(row["at"])
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


def entry_hash(fields: dict) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()
