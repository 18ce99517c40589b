#!/usr/bin/env bash
# The alerts' figure, one command:  bench/alerts/run.sh
# Creates (or reuses, with BENCH_REUSE=1) the database BENCH_DB (touchpoint_bench_alerts) on 127.0.0.1:5432, fills
# it with BENCH_SITES (5000) sites in eight time zones, their managers, checks of the last days and corrective
# actions (generate.py, SQL generate_series: well under a minute), then times computing every reminder, missed
# day and action level (alerts.rules.due: one statement) against a plain SELECT of the same sites, in the same
# run, BENCH_ROUNDS (9) rounds alternating, and writes bench/RESULTS-alerts.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-.venv/bin/python}"
DB="${BENCH_DB:-touchpoint_bench_alerts}"
PGURL="postgres://postgres@127.0.0.1:5432"
export DATABASE_URL="$PGURL/$DB"
export DJANGO_SETTINGS_MODULE=backend.settings.local
export TOUCHPOINT_VAR_DIR="${TOUCHPOINT_VAR_DIR:-$(mktemp -d -t touchpoint-bench-XXXXXX)}"
export LOG_LEVEL=WARNING

if [ "${BENCH_REUSE:-0}" != "1" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  "$PY" manage.py migrate -v 0
  "$PY" bench/alerts/generate.py
fi
"$PY" bench/alerts/bench.py "$@"
