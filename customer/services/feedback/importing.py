"""A survey tool's CSV export, imported: ``manage.py import_feedback`` and the upload on /app/feedback/.

Every row is checked by the rules of a single response (``rows.validate_row``); the good rows are stored by the
one writer (``write.write_rows``), the bad ones reported as "line N: reason". A row is stored whole or not at
all; a file whose header lacks a required column is refused before any row is read.

Memory stays flat whatever the file's length: the file is read as a stream (csv over a text decoder over the
upload), rows are stored in batches of ``BATCH_ROWS`` (one INSERT each, in a transaction of its own, with the
days it adds to), and only the first ``keep`` problems are kept (the others are counted, and handed one by one
to ``on_problem`` for a caller that prints them). A response id seen twice is found without remembering the
file: within a batch by the batch's own keys, across batches by the database (the unique index refuses the
second; the stored row's import batch tells "earlier in this file" from "stored before").

A dry run does the same in a transaction rolled back at the end, so it reports exactly what an import would.
Batches of a real import commit one by one: an import stopped half-way (a killed process) has stored whole
batches, and running it again reports their rows with a response id as stored before.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from backend.errors import AppError
from customer.models import FeedbackResponse

from .rows import FeedbackRow, Lookups, validate_row
from .submit import require_feedback_writer
from .write import write_rows

REQUIRED_COLUMNS = ("site", "date", "score", "scale")
OPTIONAL_COLUMNS = ("channel", "question", "comment", "response_id")
BATCH_ROWS = 5000
KEEP_PROBLEMS = 200


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    batch: uuid.UUID
    dry_run: bool
    rows: int = 0          # data rows read (blank lines are not rows)
    imported: int = 0      # stored (in a dry run: would have been)
    bad: int = 0           # refused, each reported
    problems: list[RowProblem] = field(default_factory=list)  # the first ``keep``, in line order
    ignored_columns: list[str] = field(default_factory=list)  # columns of the export that are not read

    @property
    def more_problems(self) -> int:
        return self.bad - len(self.problems)


def feedback_import(stream: BinaryIO, *, user, dry_run: bool = False, batch_rows: int = BATCH_ROWS,
                    keep: int = KEEP_PROBLEMS, on_problem: Callable[[RowProblem], None] | None = None,
                    now: dt.datetime | None = None) -> ImportReport:
    """Import the CSV in ``stream`` (bytes, UTF-8, a header line first). A file refused whole raises AppError
    (field ``file``) naming what is wrong with it; otherwise the report."""
    require_feedback_writer(user)
    now = now or timezone.now()
    report = ImportReport(batch=uuid.uuid4(), dry_run=dry_run)
    # surrogateescape: a byte that is not UTF-8 becomes a lone surrogate, found in its row and reported by line,
    # instead of an exception that would stop the file at an unknown row.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        reader = csv.reader(text)
        columns = _header(reader, report)
        run = _Run(report=report, columns=columns, user=user, now=now, keep=keep, on_problem=on_problem,
                   batch_rows=batch_rows)
        if dry_run:
            with transaction.atomic():
                run.rows(reader)
                transaction.set_rollback(True)
        else:
            run.rows(reader)
    finally:
        text.detach()  # the caller's stream stays open (an upload is closed by Django)
    return report


def _header(reader, report: ImportReport) -> list[str | None]:
    """The columns by position (None: a column not read); refuses a file without a usable header."""
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise AppError(f"file: the header line is not CSV ({exc}).", field="file") from None
    if not header or not any(name.strip() for name in header):
        raise AppError(f"file: the file is empty; it needs a header line naming the columns "
                       f"{','.join(REQUIRED_COLUMNS)}.", field="file")
    names = [name.strip().lower() for name in header]
    if any(_has_surrogate(name) for name in names):
        raise AppError("file: the header line is not UTF-8 text; save the export as UTF-8.", field="file")
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        raise AppError(f"file: the header names {', '.join(twice)} more than once.", field="file")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise AppError(f"file: the header has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''} "
                       f"(required: {', '.join(REQUIRED_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)}).",
                       field="file", code="missing_column")
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    report.ignored_columns = [name for name in names if name not in known]
    return [name if name in known else None for name in names]


@dataclass
class _Run:
    report: ImportReport
    columns: list[str | None]
    user: object
    now: dt.datetime
    keep: int
    on_problem: Callable[[RowProblem], None] | None
    batch_rows: int

    def __post_init__(self):
        self.lookups = Lookups.load(now=self.now)
        self.pending: list[tuple[int, FeedbackRow]] = []
        self.pending_keys: dict[tuple[str, int | None], int] = {}  # this batch's response ids -> line
        self.pending_problems: list[RowProblem] = []

    def rows(self, reader) -> None:
        width = len(self.columns)
        previous_end = reader.line_num
        while True:
            if len(self.pending) >= self.batch_rows or len(self.pending_problems) >= self.batch_rows:
                self._flush()  # a batch of good rows, or of bad ones: a file of bad rows holds no more either
            line = previous_end + 1  # where the row starts (a quoted field may span lines)
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                previous_end = reader.line_num
                self._problem(line, f"not readable as CSV ({exc}).")
                continue
            previous_end = reader.line_num
            if not row:
                continue  # a blank line
            self.report.rows += 1
            if len(row) != width:
                named = [name for name in self.columns[len(row):] if name]
                self._problem(line, f"{len(row)} fields where the header has {width}"
                                    + (f": missing {', '.join(named)}." if named else "."))
                continue
            values = {name: value for name, value in zip(self.columns, row, strict=True) if name}
            # Most exports are ASCII: one C-speed test of the row before looking for bytes that were not UTF-8.
            bad_text = [] if "".join(row).isascii() else [n for n, v in values.items() if _has_surrogate(v)]
            if bad_text:
                self._problem(line, f"{', '.join(bad_text)}: not UTF-8 text; save the export as UTF-8.")
                continue
            good, errors = validate_row(values, self.lookups, from_text=True)
            if errors:
                self._problem(line, "; ".join(_missing_value(e.message).rstrip(".") for e in errors) + ".")
                continue
            if good.response_id:
                key = (good.response_id, good.question_id)
                earlier = self.pending_keys.get(key)
                if earlier is not None:
                    self._problem(line, f"duplicate response_id {good.response_id!r}: it is on line {earlier} of "
                                        "this file too.")
                    continue
                self.pending_keys[key] = line
            self.pending.append((line, good))
        self._flush()

    def _problem(self, line: int, reason: str) -> None:
        self.pending_problems.append(RowProblem(line, reason))

    def _flush(self) -> None:
        """Store the batch (one statement, one transaction with its days), then report its problems in line order:
        those found reading it, and the response ids the database already had."""
        if self.pending:
            with transaction.atomic():
                inserted = write_rows([row for _, row in self.pending], user=self.user, now=self.now,
                                      batch=self.report.batch)
            self.report.imported += len(inserted)
            if len(inserted) < len(self.pending):
                self._refused_as_stored({(i.response_id, i.question_id) for i in inserted})
            if settings.DEBUG and not connection.force_debug_cursor:
                # Under DEBUG (make run's settings) Django keeps the last 9,000 statements with their parameters:
                # each batch's is ~0.5 MB, so a long import would grow by gigabytes. Not when a test counts them.
                reset_queries()
        for problem in sorted(self.pending_problems, key=lambda p: p.line):
            self.report.bad += 1
            if len(self.report.problems) < self.keep:
                self.report.problems.append(problem)
            if self.on_problem is not None:
                self.on_problem(problem)
        self.pending, self.pending_keys, self.pending_problems = [], {}, []

    def _refused_as_stored(self, inserted: set[tuple[str, int | None]]) -> None:
        refused = [(line, row) for line, row in self.pending
                   if row.response_id and (row.response_id, row.question_id) not in inserted]
        stored = {(response_id, question_id): batch for response_id, question_id, batch in
                  FeedbackResponse.objects.filter(response_id__in={row.response_id for _, row in refused})
                  .values_list("response_id", "question_id", "batch")}
        for line, row in refused:
            batch = stored.get((row.response_id, row.question_id))
            where = "earlier in this file" if batch == self.report.batch else "stored before"
            self._problem(line, f"duplicate response_id {row.response_id!r}: {where}.")


def _missing_value(message: str) -> str:
    # A CSV row's empty cell is a missing value: say it in the file's words (the API says "required").
    return message.replace(": required: ", ": missing value: ", 1)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
