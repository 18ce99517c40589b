#!/usr/bin/env bash
# The reuse search's figures, one command:  bench/reuse_search/run.sh   (or bench/run.sh reuse_search)
# Creates the database BENCH_DB (bench_reuse) on 127.0.0.1:5432 and migrates it; fills one schema per size of
# BENCH_SIZES (1000000,10000000) with that many verified photos and their PhotoKeys (generate.py: ~3 min for 1 M,
# ~40 min and ~10 GB of disk for 10 M on 2 shared cores; most of it building the GIN index); times the product's
# candidate search for new photos against a primary-key read and the old phash-band query, in the same run
# (measure.py); writes bench/RESULTS-reuse_search.md; drops the database (BENCH_KEEP=1 keeps it, and
# BENCH_REUSE=1 measures again what a kept one holds, without generating).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-.venv/bin/python}"
DB="${BENCH_DB:-bench_reuse}"
PGURL="postgres://postgres@127.0.0.1:5432"
export DATABASE_URL="$PGURL/$DB"
export DJANGO_SETTINGS_MODULE=backend.settings.local
export TOUCHPOINT_VAR_DIR="${TOUCHPOINT_VAR_DIR:-$(mktemp -d -t touchpoint-bench-XXXXXX)}"
export LOG_LEVEL=WARNING
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if [ "${BENCH_REUSE:-0}" != "1" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  "$PY" manage.py migrate -v 0
  "$PY" bench/reuse_search/generate.py
fi
"$PY" bench/reuse_search/measure.py "$@"
if [ "${BENCH_KEEP:-0}" != "1" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE $DB"
fi
