#!/usr/bin/env bash
# The results export's figures, one command:  bench/export_csv/run.sh
# Creates the database BENCH_DB (touchpoint_bench_export) on 127.0.0.1:5432, generates BENCH_SITES (1000) sites x
# BENCH_DAYS (250) days x 40 criteria of check results (10 million) with audits and feedback by SQL generate_series,
# then exports BENCH_PERIODS (25,250) days of it (1 and 10 million results) through GET
# /api/v1/exports/results.csv's own code (the view's stream, consumed in a fresh process: time, peak RSS) and
# through psql's `COPY (the same query) TO STDOUT` in the same run, and writes bench/RESULTS-export.md.
# The database is dropped at the end (BENCH_KEEP=1 keeps it; BENCH_REUSE=1 reuses a kept one).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/database.sh touchpoint_bench_export

if [ "${BENCH_REUSE:-0}" != "1" ]; then
  bench_db_create
  BENCH_GENERATED=$("$PY" bench/export_csv/bench.py --child generate | tail -n 1)
  export BENCH_GENERATED
  echo "generated: $BENCH_GENERATED"
fi
"$PY" bench/export_csv/bench.py "$@"
bench_db_drop
