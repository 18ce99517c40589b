#!/usr/bin/env bash
# A year of a franchise at 1,000 and 5,000 sites, one command:   bench/year/run.sh   -> bench/RESULTS-year.md
# (make bench-year is not needed: bench/run.sh year runs it too). Needs PostgreSQL on 127.0.0.1:5432, Redis
# (YEAR_BROKER, default redis://127.0.0.1:6379/10) and ~25 GB of free disk; takes ~2 h on a busy 2-CPU machine.
#
# 1. Creates YEAR_DB (bench_year), migrates, and generates 1,000 sites x 365 days x 40 criteria (14.6 M
#    results) with bench/year/generate.py; measures sizes, the variance API and /app/ (quarter, year), the
#    variance PDF (quarter) and a sample of YEAR_PACK_SAMPLE_1000 (50) monthly packs by a 2-process worker.
# 2. Grows it to 5,000 sites (73 M results): with YEAR_COPY=1 (the default) sites 1,001..5,000 copy sites
#    1..1,000 (generate.py: copy_sites, the rollup of a sample rebuilt by the application and compared);
#    YEAR_COPY=0 draws them like the first (about an hour more, the rollup rebuilt for every site); then the
#    same figures, the PDF for the year too, and YEAR_PACK_SAMPLE (100) packs with 2 then 4 worker processes.
# 3. Writes bench/RESULTS-year.md (bench/year/write.py) and drops the database unless YEAR_KEEP=1.
# YEAR_REUSE=1 keeps an existing YEAR_DB (and skips a size whose sites are there already).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-$PWD/.venv/bin/python}"
DB="${YEAR_DB:-bench_year}"
PGURL="postgres://postgres@127.0.0.1:5432"
export DATABASE_URL="$PGURL/$DB"
export DJANGO_SETTINGS_MODULE=backend.settings.local
export TOUCHPOINT_VAR_DIR="${TOUCHPOINT_VAR_DIR:-$(mktemp -d -t touchpoint-year-XXXXXX)}"
export MEDIA_ROOT="$TOUCHPOINT_VAR_DIR/media"
export YEAR_OUT="${YEAR_OUT:-$TOUCHPOINT_VAR_DIR/out}"
export CELERY_BROKER_URL="${YEAR_BROKER:-redis://127.0.0.1:6379/10}"
export LOG_LEVEL=WARNING
# Production-like: no DEBUG (it keeps every query's SQL in memory); Django's test client asks for "testserver".
export DEBUG=false
export ALLOWED_HOSTS=testserver,localhost
mkdir -p "$YEAR_OUT"

generate() {  # generate <sites> [YEAR_COPY]: the last line of generate.py's output is its JSON
  local load0; load0=$(cut -d' ' -f1 /proc/loadavg)
  YEAR_SITES="$1" YEAR_COPY="${2:-0}" "$PY" bench/year/generate.py | tee "$YEAR_OUT/generate-$1.log"
  tail -1 "$YEAR_OUT/generate-$1.log" | "$PY" -c "import json,sys; d=json.load(sys.stdin); d['load']=[$load0, $(cut -d' ' -f1 /proc/loadavg)]; print(json.dumps(d))" > "$YEAR_OUT/generate-$1.json"
}

df -h /work | tail -1 > "$YEAR_OUT/df-before.txt"
if [ "${YEAR_REUSE:-0}" != "1" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  "$PY" manage.py migrate -v 0
fi

generate 1000
"$PY" bench/year/bench.py sizes 1000
"$PY" bench/year/bench.py web 1000
"$PY" bench/year/bench.py pdf 1000 quarter
"$PY" bench/year/bench.py packs 1000 "${YEAR_PACK_SAMPLE_1000:-50}" 2

generate 5000 "${YEAR_COPY:-1}"
"$PY" bench/year/bench.py sizes 5000
"$PY" bench/year/bench.py web 5000
"$PY" bench/year/bench.py pdf 5000 quarter
"$PY" bench/year/bench.py pdf 5000 year
"$PY" bench/year/bench.py packs 5000 "${YEAR_PACK_SAMPLE:-100}" 2 4

"$PY" bench/year/bench.py write
if [ "${YEAR_KEEP:-0}" != "1" ]; then
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB"
  rm -rf "$MEDIA_ROOT"
fi
df -h /work | tail -1 > "$YEAR_OUT/df-after.txt"
echo "figures in $YEAR_OUT, written into bench/RESULTS-year.md"
