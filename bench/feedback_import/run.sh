#!/usr/bin/env bash
# The CSV import's figures, one command:  bench/feedback_import/run.sh
# Creates the database BENCH_DB (touchpoint_bench_feedback) on 127.0.0.1:5432, generates BENCH_ROWS
# (100000,1000000) rows of a survey export, imports each file with `manage.py import_feedback` in a fresh process
# (rows/s, peak RSS), copies the same file into a scratch table with PostgreSQL's COPY in the same run, and writes
# bench/RESULTS-feedback.md. The database is dropped at the end (BENCH_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/database.sh touchpoint_bench_feedback

bench_db_create
"$PY" bench/feedback_import/bench.py "$@"
bench_db_drop
