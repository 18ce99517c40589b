#!/usr/bin/env bash
# Every benchmark, one command:   make bench            (all)
#                                 bench/run.sh variance  (some: submit evidence capture heic variance reports signing pages perception feedback_import alerts export_csv notify_send audit observability morning_rush year reuse_search reuse_accuracy)
# Each writes bench/RESULTS-<name>.md with its figures as ratios to a baseline measured in the same run;
# this script then gathers them into bench/RESULTS.md. Needs PostgreSQL on 127.0.0.1:5432 (submit, variance, feedback_import, alerts,
# export_csv, notify_send, audit, morning_rush, year) and Redis (notify_send, morning_rush, year). year takes ~2 h and ~25 GB of disk
# (bench/year/run.sh); morning_rush about half an hour on a quiet machine; reuse_search ~45 min and ~12 GB
# (bench/reuse_search/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(submit evidence capture heic variance reports signing pages perception feedback_import alerts export_csv notify_send audit observability reuse_accuracy year morning_rush reuse_search)
for name in "${names[@]}"; do
  echo "== bench/$name"
  "bench/$name/run.sh"
done
"$PY" bench/gather.py
