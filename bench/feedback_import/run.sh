#!/usr/bin/env bash
# The CSV import's figures, one command:  bench/feedback_import/run.sh
# Creates the database BENCH_DB (touchpoint_bench_feedback) on 127.0.0.1:5432, generates BENCH_ROWS
# (100000,1000000) rows of a survey export, imports each file with `manage.py import_feedback` in a fresh process
# (rows/s, peak RSS), copies the same file into a scratch table with PostgreSQL's COPY in the same run, and writes
# bench/RESULTS-feedback.md. The database is dropped at the end (BENCH_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-.venv/bin/python}"
DB="${BENCH_DB:-touchpoint_bench_feedback}"
PGURL="postgres://postgres@127.0.0.1:5432"
export DATABASE_URL="$PGURL/$DB"
export DJANGO_SETTINGS_MODULE=backend.settings.local
export TOUCHPOINT_VAR_DIR="${TOUCHPOINT_VAR_DIR:-$(mktemp -d -t touchpoint-bench-XXXXXX)}"
export LOG_LEVEL=WARNING

psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
"$PY" manage.py migrate -v 0
"$PY" bench/feedback_import/bench.py "$@"
if [ "${BENCH_KEEP:-0}" != "1" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB"
fi
