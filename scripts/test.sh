#!/usr/bin/env bash
# Runs the suite, always on PostgreSQL. Starts moto's standalone S3 server on a free loopback port and
# points the storage settings at it over real HTTP. Under CI=true it uses PostgreSQL and Redis on
# 127.0.0.1 and fails loudly if either is not answering (never the embedded PostgreSQL); otherwise it uses
# DATABASE_URL / CELERY_BROKER_URL if set, and if not the embedded PostgreSQL (backend/embedded_db.py, on
# a scratch data folder of this run's, stopped and removed at exit) and the filesystem broker.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE=backend.settings.test
# A scratch folder of the run's own (moto's log, collected static files) unless one is given; removed after a
# passing run, kept (and named) after a failing one.
OWN_VAR_DIR=""
if [ -z "${TOUCHPOINT_VAR_DIR:-}" ]; then
  OWN_VAR_DIR=$(mktemp -d -t touchpoint-test-XXXXXX)
  export TOUCHPOINT_VAR_DIR="$OWN_VAR_DIR"
fi

if [ "${CI:-}" = "true" ]; then
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}"
  python - <<'PY'
import os, sys
import psycopg, redis
try:
    psycopg.connect(os.environ["DATABASE_URL"].replace("postgres://", "postgresql://"), connect_timeout=5).close()
except Exception as exc:
    sys.exit(f"CI=true: PostgreSQL is not answering at {os.environ['DATABASE_URL']}: {exc}")
try:
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_connect_timeout=5).ping()
except Exception as exc:
    sys.exit(f"CI=true: Redis is not answering at {os.environ['CELERY_BROKER_URL']}: {exc}")
PY
fi

# The embedded PostgreSQL, when no database is given. Its own folder, not the run's scratch folder (which a
# caller may name, and which is kept after a failure): a test database is worth nothing after the run.
PG_DIR=""
if [ -z "${DATABASE_URL:-}" ]; then
  PG_DIR=$(mktemp -d -t touchpoint-pg-XXXXXX)
  stop_postgres() { python -m backend.embedded_db stop "$PG_DIR/data" || true; rm -rf "$PG_DIR"; }
  trap stop_postgres EXIT
  DATABASE_URL=$(python -m backend.embedded_db start "$PG_DIR/data" --scratch)
  export DATABASE_URL
fi

# The browser tests drive Debian's Chromium with Playwright (no browser download); pdftoppm (poppler) turns PDFs
# into pictures for the tests that look at a rendered page.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftoppm ]; then
  echo "Installing Debian's chromium for the browser tests..."
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get install -y -q chromium poppler-utils >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium poppler-utils >/dev/null)
  elif [ "${CI:-}" = "true" ]; then
    echo "CI=true: /usr/bin/chromium is missing and cannot be installed (need root and apt-get)." >&2; exit 1
  else
    echo "warning: no /usr/bin/chromium; browser tests will be skipped (install Debian's chromium)." >&2
  fi
fi

# moto's standalone server: a real S3 endpoint over HTTP, on a free port.
S3_PORT=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python -m moto.server -H 127.0.0.1 -p "$S3_PORT" >"$TOUCHPOINT_VAR_DIR/moto.log" 2>&1 &
MOTO_PID=$!
finish() {
  local status=$?
  kill "$MOTO_PID" 2>/dev/null || true
  if [ -n "$PG_DIR" ]; then stop_postgres; fi
  if [ -n "$OWN_VAR_DIR" ]; then
    if [ "$status" = 0 ]; then rm -rf "$OWN_VAR_DIR"; else echo "scratch folder kept: $OWN_VAR_DIR (moto.log)" >&2; fi
  fi
}
trap finish EXIT
for _ in $(seq 1 100); do
  if python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$S3_PORT/moto-api/')" 2>/dev/null; then break; fi
  sleep 0.1
done
export STORAGE_BACKEND=s3
export S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT"
export S3_BUCKET=touchpoint-test
export S3_ACCESS_KEY_ID=test S3_SECRET_ACCESS_KEY=test S3_REGION=us-east-1

# Two processes (the machines have two cores): the browser tests wait on Chromium and a worker much of the time.
# Whole files per process (--dist loadfile): a file's tests share fixed ports and a worker. PYTEST_WORKERS=0 runs
# in this process alone; a -n given to this script wins (the last -n counts).
python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
