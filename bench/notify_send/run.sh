#!/usr/bin/env bash
# Sending 10,000 notices through a real worker, killed halfway, one command:  bench/notify_send/run.sh
# Creates the database BENCH_DB (touchpoint_bench_notify) on 127.0.0.1:5432, uses the Redis broker BENCH_BROKER
# (redis://127.0.0.1:6379/13) on a queue of its own, starts an SMTP sink (aiosmtpd) on loopback, measures a plain
# send_mail loop and the worker (prefork, concurrency 2, SIGKILLed halfway and restarted), and writes
# bench/RESULTS-notify.md. The database is dropped at the end (BENCH_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-.venv/bin/python}"
DB="${BENCH_DB:-touchpoint_bench_notify}"
PGURL="postgres://postgres@127.0.0.1:5432"
export DATABASE_URL="$PGURL/$DB"
export CELERY_BROKER_URL="${BENCH_BROKER:-redis://127.0.0.1:6379/13}"
export DJANGO_SETTINGS_MODULE=bench.notify_send.settings
export TOUCHPOINT_VAR_DIR="${TOUCHPOINT_VAR_DIR:-$(mktemp -d -t touchpoint-bench-XXXXXX)}"
export LOG_LEVEL=WARNING DEBUG=false EMAIL_PROVIDER=smtp

psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
"$PY" manage.py migrate -v 0
"$PY" bench/notify_send/bench.py "$@"
if [ "${BENCH_KEEP:-0}" != "1" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB"
fi
