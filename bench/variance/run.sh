#!/usr/bin/env bash
# The variance engine's figures, one command:  bench/variance/run.sh
# Creates (or reuses, with BENCH_REUSE=1) the database BENCH_DB (touchpoint_bench) on 127.0.0.1:5432, fills it
# with BENCH_SITES (1000) x BENCH_DAYS (90) x 40 criteria of results, then times variance_report against a
# hand-written SQL aggregate over the raw results in the same run, for periods of BENCH_PERIODS days
# (90,45,30,7), BENCH_ROUNDS (7) rounds each, asserts equal numbers, and writes its figures into
# bench/RESULTS-variance.md (the block of its number of sites).
#   BENCH_SITES=5000 BENCH_DB=touchpoint_bench5k bench/variance/run.sh   # 18 M results: ~10 min to generate
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-.venv/bin/python}"
DB="${BENCH_DB:-touchpoint_bench}"
PGURL="postgres://postgres@127.0.0.1:5432"
export DATABASE_URL="$PGURL/$DB"
export DJANGO_SETTINGS_MODULE=backend.settings.local
export TOUCHPOINT_VAR_DIR="${TOUCHPOINT_VAR_DIR:-$(mktemp -d -t touchpoint-bench-XXXXXX)}"
export LOG_LEVEL=WARNING

if [ "${BENCH_REUSE:-0}" != "1" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  "$PY" manage.py migrate -v 0
  "$PY" bench/variance/generate.py
fi
"$PY" bench/variance/bench.py "$@"
