#!/usr/bin/env bash
# The alerts' figure, one command:  bench/alerts/run.sh
# Creates (or reuses, with BENCH_REUSE=1) the database BENCH_DB (touchpoint_bench_alerts) on 127.0.0.1:5432, fills
# it with BENCH_SITES (5000) sites in eight time zones, their managers, checks of the last days and corrective
# actions (generate.py, SQL generate_series: well under a minute), then times computing every reminder, missed
# day and action level (alerts.rules.due: one statement) against a plain SELECT of the same sites, in the same
# run, BENCH_ROUNDS (9) rounds alternating, and writes bench/RESULTS-alerts.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/database.sh touchpoint_bench_alerts

if [ "${BENCH_REUSE:-0}" != "1" ]; then
  bench_db_create
  "$PY" bench/alerts/generate.py
fi
"$PY" bench/alerts/bench.py "$@"
