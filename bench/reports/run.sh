#!/usr/bin/env bash
# Report PDF figures, one command:  bench/reports/run.sh   -> bench/RESULTS-reports.md
# BENCH_REPEAT (3) runs per figure; BENCH_SITES (250,500,1000) variance report sizes.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${PYTHON:-.venv/bin/python}" bench/reports/bench.py "$@"
