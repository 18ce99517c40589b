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
source bench/database.sh touchpoint_bench

if [ "${BENCH_REUSE:-0}" != "1" ]; then
  bench_db_create
  "$PY" bench/variance/generate.py
fi
"$PY" bench/variance/bench.py "$@"
