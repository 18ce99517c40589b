#!/usr/bin/env bash
# The perception gap's figure, one command:  bench/perception/run.sh
# Creates (or reuses, with BENCH_REUSE=1) the database BENCH_DB (touchpoint_bench_perf) on 127.0.0.1:5432:
# bench/variance/generate.py's BENCH_SITES (1000) x BENCH_DAYS (90) x 40 criteria of self-checks, then
# bench/perception/generate.py adds one audit per site per month and 50 feedback responses per site per day
# (skipped if the database has them already). Then times GET /api/v1/perception-gap/ against
# GET /api/v1/variance/ for the same period and scope, in the same run, and writes bench/RESULTS-perception.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-.venv/bin/python}"
DB="${BENCH_DB:-touchpoint_bench_perf}"
PGURL="postgres://postgres@127.0.0.1:5432"
export DATABASE_URL="$PGURL/$DB"
export BENCH_DB="$DB"
export BENCH_SITES="${BENCH_SITES:-1000}"
export DJANGO_SETTINGS_MODULE=backend.settings.local
export TOUCHPOINT_VAR_DIR="${TOUCHPOINT_VAR_DIR:-$(mktemp -d -t touchpoint-bench-XXXXXX)}"
export LOG_LEVEL=WARNING
# Production-like: no DEBUG (it keeps every query's SQL in memory); Django's test client asks for "testserver".
export DEBUG=false
export ALLOWED_HOSTS=testserver,localhost

if [ "${BENCH_REUSE:-0}" != "1" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  "$PY" manage.py migrate -v 0
  BENCH_PHOTOS="${BENCH_PHOTOS:-0}" "$PY" bench/variance/generate.py
fi
"$PY" manage.py migrate -v 0
"$PY" bench/perception/generate.py
"$PY" bench/perception/bench.py "$@"
