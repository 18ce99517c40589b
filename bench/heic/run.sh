#!/usr/bin/env bash
# Peak memory and time of inspecting a 12 and a 24 Mpx HEIC vs the same pictures as JPEG -> bench/RESULTS-heic.md
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${PYTHON:-.venv/bin/python}" bench/heic/heic_memory.py "$@"
