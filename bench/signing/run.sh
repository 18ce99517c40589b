#!/usr/bin/env bash
# Signing figures, one command:  bench/signing/run.sh   -> bench/RESULTS-signing.md
# BENCH_REPEAT (7) runs per figure; BENCH_PHOTOS (200) photos in the pack and its archive. Needs DATABASE_URL (a
# migrated PostgreSQL database: the pack renderer reads the photo reviews of its evidence, none here).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${PYTHON:-.venv/bin/python}" bench/signing/bench.py "$@"
