# The benches' database, set up one way. Sourced by a bench's run.sh from the repository's root:
#   source bench/database.sh touchpoint_bench_<name> [settings module]
# Sets PY (PYTHON, else the venv's), DB (BENCH_DB, else the name given), PGURL (PostgreSQL on 127.0.0.1:5432),
# and exports DATABASE_URL, DJANGO_SETTINGS_MODULE (backend.settings.local unless given), TOUCHPOINT_VAR_DIR (a
# scratch folder unless set) and LOG_LEVEL=WARNING. Then, as the bench needs:
#   bench_db_create   drop the database if it is there, create it empty and migrate it
#   bench_db_drop     drop it, unless BENCH_KEEP=1 (to look at it after the run)
PY="${PYTHON:-.venv/bin/python}"
DB="${BENCH_DB:-${1:?bench/database.sh needs the database name}}"
PGURL="postgres://postgres@127.0.0.1:5432"
export DATABASE_URL="$PGURL/$DB"
export DJANGO_SETTINGS_MODULE="${2:-backend.settings.local}"
export TOUCHPOINT_VAR_DIR="${TOUCHPOINT_VAR_DIR:-$(mktemp -d -t touchpoint-bench-XXXXXX)}"
export LOG_LEVEL=WARNING

bench_db_create() {
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  "$PY" manage.py migrate -v 0
}

bench_db_drop() {
  if [ "${BENCH_KEEP:-0}" != "1" ]; then
    psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB"
  fi
}
