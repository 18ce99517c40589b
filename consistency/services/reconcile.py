"""Storage against the database: rows whose object is missing, and objects no row names.

Every stored file has a row that names its key: a photo's original and thumbnail (``Evidence``), a reference
photo and its thumbnail (``ReferencePhoto``), a report's file (``ReportRun.pdf_key``). After a restore of the
database to a point in time, after a bucket was restored, or after someone deleted by hand, the two can drift
apart; ``manage.py reconcile_storage`` says where.

Both sides are read as streams in one order and merged, like a sort-merge join: the bucket by prefix through
paginated ListObjectsV2 (S3 lists keys in UTF-8 byte order), the database through a server-side cursor ordered
``COLLATE "C"`` (byte order too: UTF-8 bytes sort as code points, and so do Python strings). Memory stays flat
and the bucket is asked once per 1,000 keys, never once per row.

What is expected to exist:
- a photo's original once it was verified (``verified_at`` set; a pending photo's bytes are still under
  ``uploads/``, and one refused on confirmation never got an original), and its thumbnail when it has one;
- every reference photo and its thumbnail, replaced ones too (they stay on record);
- the file of a report run that is done.
An object counts as an orphan only if no row names it at all (a pending photo's key, a report still
running, are names) and it is older than ``grace``: a file is stored just before its row is committed.
``uploads/`` is not compared: a phone's upload is transient, and the bucket's lifecycle rule clears it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from .. import storage

# The app's prefixes in byte order, so that listing them one after another is one sorted stream.
PREFIXES = ("reference/", "reports/", "sites/")
# A file stored this recently may still be waiting for its row's commit.
DEFAULT_GRACE = dt.timedelta(hours=1)
# Rows fetched per round trip of the server-side cursor; keys per ListObjectsV2 page (S3's most).
CURSOR_ROWS = 2000
LIST_PAGE_KEYS = 1000


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: dt.datetime


@dataclass(frozen=True)
class NamedKey:
    """A key a row names: which row, and whether its object must exist now."""

    key: str
    kind: str  # evidence, evidence thumbnail, reference photo, reference thumbnail, report file
    row: str  # the row's public id (or id, for reference photos)
    required: bool


@dataclass
class Reconciliation:
    rows_without_objects: list[NamedKey] = field(default_factory=list)
    objects_without_rows: list[StoredObject] = field(default_factory=list)
    missing: int = 0
    orphans: int = 0
    rows_checked: int = 0
    objects_listed: int = 0
    recent_unnamed: int = 0  # objects no row names yet, inside the grace period: not counted as orphans

    @property
    def clean(self) -> bool:
        return self.missing == 0 and self.orphans == 0

    def as_dict(self) -> dict:
        return {
            "clean": self.clean,
            "counts": {"rows_without_objects": self.missing, "objects_without_rows": self.orphans,
                       "rows_checked": self.rows_checked, "objects_listed": self.objects_listed,
                       "recent_objects_not_yet_named": self.recent_unnamed},
            "rows_without_objects": [{"kind": n.kind, "row": n.row, "key": n.key} for n in self.rows_without_objects],
            "objects_without_rows": [{"key": o.key, "size": o.size, "modified": o.modified.isoformat()}
                                     for o in self.objects_without_rows],
        }


def reconcile(*, grace: dt.timedelta = DEFAULT_GRACE, limit: int | None = None) -> Reconciliation:
    """Compare the bucket (or MEDIA_ROOT) with the keys the database names. Counts are complete; the lists keep
    the first ``limit`` of each (all when None)."""
    result = Reconciliation()
    cutoff = timezone.now() - grace
    objects, names = listed_objects(), named_keys()
    obj, name = next(objects, None), next(names, None)
    while obj is not None or name is not None:
        if name is not None and (obj is None or name.key < obj.key):
            result.rows_checked += 1
            if name.required:
                _row_without_object(result, name, limit)
            name = next(names, None)
        elif name is None or obj.key < name.key:
            result.objects_listed += 1
            if obj.modified > cutoff:
                result.recent_unnamed += 1
            else:
                result.orphans += 1
                if limit is None or len(result.objects_without_rows) < limit:
                    result.objects_without_rows.append(obj)
            obj = next(objects, None)
        else:  # the same key: the object is there; more than one row may name it (never today), each is satisfied
            result.objects_listed += 1
            key = obj.key
            while name is not None and name.key == key:
                result.rows_checked += 1
                name = next(names, None)
            obj = next(objects, None)
    return result


def _row_without_object(result: Reconciliation, name: NamedKey, limit: int | None) -> None:
    result.missing += 1
    if limit is None or len(result.rows_without_objects) < limit:
        result.rows_without_objects.append(name)


def named_keys() -> Iterator[NamedKey]:
    """Every key a row names, in byte order, streamed from a server-side cursor."""
    evidence = apps.get_model("consistency", "Evidence")._meta.db_table
    reference = apps.get_model("consistency", "ReferencePhoto")._meta.db_table
    runs = apps.get_model("reports", "ReportRun")._meta.db_table
    # Hand-written: a UNION of five projections ordered in the C collation is beyond the ORM's union()
    # (which cannot order by a collation over the combined rows).
    query = f"""
        SELECT key, kind, row, required FROM (
            SELECT key, 'evidence' AS kind, public_id::text AS row, verified_at IS NOT NULL AS required
              FROM {evidence}
            UNION ALL
            SELECT thumbnail_key, 'evidence thumbnail', public_id::text, true FROM {evidence} WHERE thumbnail_key <> ''
            UNION ALL
            SELECT key, 'reference photo', id::text, true FROM {reference}
            UNION ALL
            SELECT thumbnail_key, 'reference thumbnail', id::text, true FROM {reference} WHERE thumbnail_key <> ''
            UNION ALL
            SELECT pdf_key, 'report file', public_id::text, status = 'done' FROM {runs} WHERE pdf_key <> ''
        ) named
        ORDER BY key COLLATE "C"
    """
    # A named (server-side) cursor streams in CURSOR_ROWS batches. Inside a transaction: in autocommit Django
    # declares it WITH HOLD, and PostgreSQL would then materialise the whole result before the first batch.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(query)
        while rows := cursor.fetchmany(CURSOR_ROWS):
            for key, kind, row, required in rows:
                yield NamedKey(key, kind, row, required)


def listed_objects() -> Iterator[StoredObject]:
    """Every object under the app's prefixes, in byte order."""
    for prefix in PREFIXES:
        if settings.STORAGE_BACKEND == "s3":
            yield from _listed_s3(prefix)
        else:
            yield from _listed_local(prefix)


def _listed_s3(prefix: str) -> Iterator[StoredObject]:
    client, bucket = storage._s3()  # the one client the storage module uses (django-storages' own)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix,
                                                                     PaginationConfig={"PageSize": LIST_PAGE_KEYS}):
        for item in page.get("Contents", []):
            yield StoredObject(item["Key"], int(item["Size"]), item["LastModified"])


def _listed_local(prefix: str) -> Iterator[StoredObject]:
    # A walk visits folders, not keys in byte order ("a/b" sorts after "a.b"): the keys of one prefix are
    # gathered and sorted. Local storage is a laptop's, small enough for that.
    root = Path(default_storage.location)
    base = root / prefix
    found = []
    for folder, _, files in os.walk(base):
        for name in files:
            path = Path(folder, name)
            stat = path.stat()
            found.append(StoredObject(path.relative_to(root).as_posix(), stat.st_size,
                                      dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)))
    found.sort(key=lambda o: o.key)
    yield from found
