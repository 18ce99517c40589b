#!/usr/bin/env bash
# Memory of confirming a 5 MB photo (streamed + scaled decode vs reading it whole) -> bench/RESULTS-evidence.md
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${PYTHON:-.venv/bin/python}" bench/evidence/confirm_memory.py "$@"
