#!/usr/bin/env bash
# Capture checks: the blur/dark thresholds measured on generated photos (writes bench/RESULTS-capture.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
"${PYTHON:-.venv/bin/python}" bench/capture/measure.py
