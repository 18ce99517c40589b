"""The results export as a background run (``ReportRun`` of kind ``results_csv``): the worker (reports/runner.py)
writes the same CSV as GET /api/v1/exports/results.csv of the run's period and sites, gzip-compressed, to a
temporary file, then stores it like a report. gzip: a CSV of results compresses about ten times, and every
warehouse and BI loader reads .csv.gz as it is. The file is reproducible: the same rows give the same bytes
(no time stamp or name in the gzip header), so its SHA-256 identifies it as a report's does."""

from __future__ import annotations

import gzip
import hashlib
from typing import IO

from .copy import Written, copy_to_file
from .results import ResultsQuery, copy_sql

EXTENSION = ".csv.gz"
CONTENT_TYPE = "application/gzip"
COMPRESS_LEVEL = 6  # zlib's default: within a few per cent of 9's size at a fraction of its time


class _Counting:
    """A binary file that passes writes on to ``dest``, counting and hashing what it writes."""

    def __init__(self, dest: IO[bytes]):
        self.dest, self.size, self.digest = dest, 0, hashlib.sha256()

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.dest.write(data)

    def flush(self) -> None:
        self.dest.flush()


def run_query(run) -> ResultsQuery:
    """The run's period and the sites recorded when it was ordered (reports.selectors.run_sites: a region's sites
    as they were then; none recorded: the whole network)."""
    site_ids = sorted(run.sites.values_list("id", flat=True))
    whole_network = not site_ids and not run.region_id
    return ResultsQuery(run.period_from, run.period_to, None if whole_network else site_ids)


def write_run_file(run, dest: IO[bytes]) -> tuple[Written, Written]:
    """Write the run's CSV, gzip-compressed, to ``dest``. Returns (the CSV's size and SHA-256, the stored file's)."""
    out = _Counting(dest)
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=COMPRESS_LEVEL, mtime=0) as gz:
        csv = copy_to_file(*copy_sql(run_query(run)), gz)
    out.flush()
    return csv, Written(out.size, out.digest.hexdigest())
