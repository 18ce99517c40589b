#!/usr/bin/env bash
# The morning rush: 5,000 sites each send a check with two photos (presigned S3 POST, confirmation) to `make stack`
# on loopback, from an open-loop locust generator. Writes bench/RESULTS-morning_rush.md (driver.py says how).
# Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (or RabbitMQ with BROKER=rabbitmq).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-.venv/bin/python}"
PATH="$(dirname "$PY"):$PATH" exec "$PY" bench/morning_rush/driver.py
