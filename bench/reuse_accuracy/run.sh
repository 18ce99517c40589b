#!/usr/bin/env bash
# Reuse detection's recall and false flags per kind on the labelled set, with today's pHash rule as the baseline
# -> bench/RESULTS-reuse_accuracy.md (about 15 minutes on a quiet 2-CPU machine; no database needed)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${PYTHON:-.venv/bin/python}" bench/reuse_accuracy/accuracy.py "$@"
