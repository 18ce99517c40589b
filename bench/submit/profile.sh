#!/usr/bin/env bash
# Where a submission's time goes (cProfile, in-process, on PostgreSQL):   bench/submit/profile.sh
# Uses the database and plan left by run.sh if present, otherwise seeds them the same way.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd ../.. && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
DB=touchpoint_bench_submit_profile
export DJANGO_SETTINGS_MODULE=bench_settings PYTHONPATH="$ROOT:$HERE" DATABASE_URL="$PGURL/$DB"
export SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECURE_SSL_REDIRECT=false STORAGE_BACKEND=local
export TOUCHPOINT_VAR_DIR=$(mktemp -d -t touchpoint-profile-XXXXXX)
$PY - <<PY
import psycopg
with psycopg.connect("$PGURL/postgres", autocommit=True) as c:
    c.execute("DROP DATABASE IF EXISTS $DB WITH (FORCE)")
    c.execute("CREATE DATABASE $DB")
PY
$PY seed.py "$TOUCHPOINT_VAR_DIR/plan.json"
[ -n "${EXPERIMENT_SQL:-}" ] && psql "$PGURL/$DB" -qc "$EXPERIMENT_SQL"
$PY profile_submit.py "$TOUCHPOINT_VAR_DIR/plan.json" "${N:-300}"
