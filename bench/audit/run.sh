#!/usr/bin/env bash
# The audit trail's figures, one command:  bench/audit/run.sh
# Creates the database BENCH_DB (touchpoint_bench_audit) on 127.0.0.1:5432 and migrates it, then
#  1. times BENCH_APPENDS (2000) appends through audit.services.record, each in its own transaction, against the same
#     rows INSERTed into a copy of the table without the chain (no lock, no hash, no trigger), alternating in
#     rounds; and four threads appending at once against one;
#  2. fills the trail with BENCH_ENTRIES (1,000,000) chained entries (hashed as record() hashes them, loaded
#     with COPY) and times `manage.py audit_verify` against a plain read of the same rows through the same kind of
#     server-side cursor, each in a process of its own (peak memory from the kernel), at 100,000 and at the full
#     count;
# and writes bench/RESULTS-audit.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/database.sh touchpoint_bench_audit

bench_db_create
"$PY" bench/audit/bench.py "$@"
