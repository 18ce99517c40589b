#!/usr/bin/env bash
# Two versions of the code interleaved on one seeded database (see ab.py):
#   bench/submit/ab.sh <checkout A> <checkout B>
# Needs a database seeded by seed.py and its plan: BENCH_DB (touchpoint_bench_ab) and PLAN; SEED=1 seeds them
# first (SITES, default 64000, so that every slice has sites not yet checked today; HISTORY_DAYS, default 1).
# Knobs: SLICES (4 per version), DURATION (8 s per slice), WARMUP (2 s), WORKERS, CLIENTS (16).
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd ../.. && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
export PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
export BENCH_DB=${BENCH_DB:-touchpoint_bench_ab}
if [ "${SEED:-0}" = "1" ]; then
  export PLAN=${PLAN:-$HERE/ab-plan.json}
  $PY - <<PY
import psycopg
with psycopg.connect("$PGURL/postgres", autocommit=True) as c:
    c.execute("DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)")
    c.execute("CREATE DATABASE $BENCH_DB")
PY
  DJANGO_SETTINGS_MODULE=bench_settings PYTHONPATH="$ROOT:$HERE" DATABASE_URL="$PGURL/$BENCH_DB" \
    SECRET_KEY=$($PY -c "import secrets; print(secrets.token_urlsafe(64))") SECURE_SSL_REDIRECT=false STORAGE_BACKEND=local TOUCHPOINT_VAR_DIR=$(mktemp -d) \
    SITES=${SITES:-64000} HISTORY_DAYS=${HISTORY_DAYS:-1} $PY seed.py "$PLAN"
fi
exec $PY ab.py "$@"
