"""The variance engine's one read of the running totals of models/summary.py, and their differences.

A period's numbers for one site and criterion are total(end) - total(start - 1). The total on day X is
the row dated X, or the site's head row when the site's last row is before X (nothing changed since),
or 0 when the key is not in the row yet. The query reads only the rows of the boundary days and the
heads that stand for a later boundary: ``date IN (boundaries) OR (is_head AND date < last boundary)``, a
fixed number of rows per site, whatever the length of the period or where it falls.

The rows come back as they are stored (each criterion measure a PostgreSQL array, aligned with ``keys``)
and numpy subtracts them. Before, the database unnested every boundary row into one row per key and
grouped them again (per site and key): at 5,000 sites, 400,000 unnested rows, an aggregate that spilled to
disk and 200,000 result tuples for Python to parse (bench/RESULTS-variance.md). The arrays are sent in
PostgreSQL's binary array format (``array_send``) and read by numpy without a Python object per number.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from psycopg.pq import Format

from backend import routers
from sites.models import Site

from ..models import SiteRollup
from .timeline import Segment

ONE_DAY = dt.timedelta(days=1)
CRITERION_FIELDS = ("observations", "passed", "deviation_sum", "deviation_sq_sum")
_ITEM_TYPE = {"observations": ">i4", "passed": ">i4", "deviation_sum": ">f8", "deviation_sq_sum": ">f8"}


@dataclass
class Totals:
    """Per segment j of the layout, the change over the segment of a site's totals."""

    checked: np.ndarray   # (sites, segments) checked days
    late: np.ndarray      # (sites, segments) late checks
    criteria: np.ndarray  # (segments, 4, sites, keys): CRITERION_FIELDS in that order, as floats

    @classmethod
    def zeros(cls, sites: int, segments: int, keys: int) -> Totals:
        return cls(np.zeros((sites, segments), dtype=np.int64), np.zeros((sites, segments), dtype=np.int64),
                   np.zeros((segments, len(CRITERION_FIELDS), sites, keys)))


def period_totals(*, sites: QuerySet[Site], segments: list[Segment], site_ids: list[int],
                  keys: list[str]) -> Totals:
    """The change of every total over each segment, for the sites ``site_ids`` (the answer's order) and the
    criterion ``keys`` (the layout's). A key outside ``keys`` is no version's of these periods: dropped.
    A site of ``sites`` not in ``site_ids`` joined the scope after the caller listed it: dropped."""
    out = Totals.zeros(len(site_ids), len(segments), len(keys))
    if not segments or not site_ids:
        return out
    boundaries = sorted({s.start - ONE_DAY for s in segments} | {s.end for s in segments})
    rows = _fetch(sites, boundaries)
    if not rows:
        return out
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    ordered = np.asarray(site_ids, dtype=np.int64)
    order = np.argsort(ordered)
    pos = np.minimum(np.searchsorted(ordered[order], ids), len(order) - 1)
    site_index = order[pos]
    known = ordered[site_index] == ids
    day = np.fromiter((r[1].toordinal() for r in rows), dtype=np.int64, count=len(rows))
    head = np.fromiter((r[2] for r in rows), dtype=bool, count=len(rows))
    counts = np.array([(r[3], r[4]) for r in rows], dtype=np.int64).reshape(len(rows), 2)
    values = _criterion_values(rows, keys)

    def total_on(d: dt.date) -> np.ndarray:
        """The rows holding a site's totals on day ``d`` (at most one per site)."""
        x = d.toordinal()
        return known & ((day == x) | (head & (day < x)))

    for j, seg in enumerate(segments):
        # end - (start - 1); a site without a row on a day has 0 there. Each site has at most one row on each
        # side, so the assignments never add two rows into one site.
        plus, minus = total_on(seg.end), total_on(seg.start - ONE_DAY)
        for rows_on, sign in ((plus, 1), (minus, -1)):
            si = site_index[rows_on]
            out.checked[si, j] += sign * counts[rows_on, 0]
            out.late[si, j] += sign * counts[rows_on, 1]
            out.criteria[j][:, si, :] += sign * values[:, rows_on, :]
    return out


def _fetch(sites: QuerySet[Site], boundaries: list[dt.date]) -> list[tuple]:
    qn = connection.ops.quote_name
    day = connection.ops.adapt_datefield_value
    try:
        site_sql, site_params = sites.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # Site.objects.none(): nothing to read
        return []
    # Written as SQL: array_send has no ORM spelling. A head dated on or after the last boundary stands for
    # no boundary (a head dated on one is read as that day's row).
    sql = (f"SELECT site_id, date, is_head, checked_days, late_checks, keys::text, "
           f"{', '.join(f'array_send({qn(f)})' for f in CRITERION_FIELDS)} "
           f"FROM {qn(SiteRollup._meta.db_table)} WHERE site_id IN ({site_sql}) "
           f"AND (date IN ({', '.join(['%s'] * len(boundaries))}) OR (is_head AND date < %s))")
    with routers.reading(SiteRollup).cursor() as cursor:  # the replica when there is one
        # Binary results: the arrays' bytes arrive as they are, not hex-encoded (half the bytes to move).
        cursor.cursor.format = Format.BINARY
        cursor.execute(sql, [*site_params, *(day(b) for b in boundaries), day(boundaries[-1])])
        return cursor.fetchall()


def _criterion_values(rows: list[tuple], keys: list[str]) -> np.ndarray:
    """(4, rows, keys) floats: each row's arrays placed in the columns of ``keys``. Rows are grouped by their
    key list (few distinct ones: a list changes only when a site first reports a key), so that each group
    is read by numpy in one pass."""
    column = {k: i for i, k in enumerate(keys)}
    out = np.zeros((len(CRITERION_FIELDS), len(rows), len(keys)))
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(r[5], []).append(i)
    for text, members in groups.items():
        row_keys = parse_text_array(text)
        cols = np.array([column.get(k, -1) for k in row_keys], dtype=np.int64)
        keep = cols >= 0
        if not keep.any():
            continue
        idx = np.array(members, dtype=np.int64)
        for f, field in enumerate(CRITERION_FIELDS):
            items = unpack_array([rows[i][6 + f] for i in members], len(row_keys), _ITEM_TYPE[field])
            out[f][idx[:, None], cols[keep][None, :]] = items[:, keep]
    return out


def unpack_array(blobs: list[bytes], n: int, item: str) -> np.ndarray:
    """(len(blobs), n) floats from one-dimensional arrays of ``n`` items without NULLs, each in PostgreSQL's
    binary format (``array_send``): a 20-byte header (dimensions, has-nulls flag, item type, length, lower
    bound), then per item its length (4 bytes) and its value, big-endian."""
    if n == 0:
        return np.zeros((len(blobs), 0))
    layout = np.dtype([("ndim", ">i4"), ("has_null", ">i4"), ("type", ">i4"), ("length", ">i4"), ("lower", ">i4"),
                       ("items", [("size", ">i4"), ("value", item)], (n,))])
    records = np.frombuffer(b"".join(blobs), dtype=layout)
    if (records["ndim"] != 1).any() or records["has_null"].any() or (records["length"] != n).any():
        raise ValueError("the running totals hold an array that is not a list of n numbers")
    return records["items"]["value"].astype(np.float64)


_ITEM = re.compile(r'"((?:[^"\\]|\\.)*)"|([^,{}]+)')


def parse_text_array(text: str) -> list[str]:
    """A PostgreSQL text[] in its text form ('{a,b,"c d"}') as a list (no NULLs in the running totals)."""
    return [re.sub(r"\\(.)", r"\1", quoted) if quoted else bare
            for quoted, bare in _ITEM.findall(text[1:-1])] if text not in ("{}", "") else []
