#!/usr/bin/env bash
# The submission benchmark, one command:   bench/submit/run.sh
#
# A fresh PostgreSQL database (127.0.0.1:5432, user postgres), gunicorn sync workers serving the real
# application with production settings, and a closed-loop load generator of 16 client processes.
# Baseline: a minimal Django JSON view (bench_urls.ping) under the same server, measured in the same run
# before and after the submissions. Prints the figures and writes them to $OUT (default last-run.json).
#
# Knobs: WORKERS (gunicorn workers, default 2 x CPUs), CLIENTS (16), DURATION (seconds measured, 15), WARMUP (3),
# ROLLUP=off (diagnosis: the variance rollup hook replaced by a no-op in the server),
# EXPERIMENT_SQL (diagnosis: SQL run on the fresh database before the load, e.g. to try dropping an index),
# REFERENCE=off (skip the reference phase: the issue's straightforward DRF submission, reference.py),
# HISTORY_DAYS (3: days of checks seeded before today),
# TRACE=<path> (diagnosis: each measured submission's start and latency, one file per client, <path>.<client>;
# read them with trace_bursts.py <path>),
# BENCH_DB (database name) and REUSE=1 with PLAN=<plan.json of an earlier run on that database>: skip the seed and
# send today's checks only to sites still without one (for back-to-back comparisons of two versions of the code).
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd ../.. && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
GUNICORN=${GUNICORN:-$ROOT/.venv/bin/gunicorn}
WORKERS=${WORKERS:-$(( $(nproc) * 2 ))}
CLIENTS=${CLIENTS:-16}
SECONDS_=${DURATION:-15}
WARMUP=${WARMUP:-3}
OUT=${OUT:-$HERE/last-run.json}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-touchpoint_bench_submit}

export DJANGO_SETTINGS_MODULE=bench_settings
export PYTHONPATH="$ROOT:$HERE"
export DATABASE_URL="$PGURL/$DB"
export SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECURE_SSL_REDIRECT=false STORAGE_BACKEND=local
[ "${ROLLUP:-on}" = "off" ] && export BENCH_WITHOUT_ROLLUP=1
export TOUCHPOINT_VAR_DIR=$(mktemp -d -t touchpoint-submit-bench-XXXXXX)

if [ "${REUSE:-0}" = "1" ]; then
  # The sites of the earlier plan still without a check today (the load sends one check per site and day).
  $PY - "${PLAN:?REUSE=1 needs PLAN}" "$TOUCHPOINT_VAR_DIR/plan.json" <<PY
import datetime as dt, json, sys
import psycopg
plan = json.load(open(sys.argv[1]))
with psycopg.connect("$PGURL/$DB") as c:
    done = {row[0] for row in c.execute("SELECT s.code FROM sites_site s JOIN consistency_dailycheck d "
                                        "ON d.site_id = s.id WHERE d.date = %s", [dt.datetime.now(dt.UTC).date()])}
for client in plan["clients"]:
    client["sites"] = [s for s in client["sites"] if s not in done]
json.dump(plan, open(sys.argv[2], "w"))
print(f"reusing $DB: {sum(len(c['sites']) for c in plan['clients'])} sites without a check today")
PY
else
  $PY - <<PY
import psycopg
with psycopg.connect("$PGURL/postgres", autocommit=True) as c:
    c.execute("DROP DATABASE IF EXISTS $DB WITH (FORCE)")
    c.execute("CREATE DATABASE $DB")
PY
  $PY seed.py "$TOUCHPOINT_VAR_DIR/plan.json"
fi
[ -n "${EXPERIMENT_SQL:-}" ] && psql "$PGURL/$DB" -qc "$EXPERIMENT_SQL"

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$GUNICORN backend.wsgi:application --workers "$WORKERS" --worker-class sync --bind "127.0.0.1:$PORT" \
  --pythonpath "$ROOT,$HERE" --log-level warning --error-logfile "$TOUCHPOINT_VAR_DIR/gunicorn.log" &
GPID=$!
trap 'kill $GPID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if $PY -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/bench/ping/')" 2>/dev/null; then break; fi
  sleep 0.2
done

# Each phase also reports the CPU the server's workers and the database backends spent per request.
run() {
  local before after result
  before=$($PY cpu_snapshot.py "$GPID" "$DB")
  result=$($PY loadgen.py --port "$PORT" --clients "$CLIENTS" --seconds "$SECONDS_" --warmup "$WARMUP" "$@")
  after=$($PY cpu_snapshot.py "$GPID" "$DB")
  $PY - "$result" "$before" "$after" <<'PY'
import json, sys
result, before, after = (json.loads(a) for a in sys.argv[1:4])
# Warm-up requests are not counted in "requests", so spread CPU over every request sent in the phase.
total = result["requests_total"]
for part in ("app", "db"):
    used = sum(v - before[part].get(k, 0.0) for k, v in after[part].items())
    result[f"cpu_ms_per_request_{part}"] = round(1000 * used / total, 2) if total else None
wal = {k: v - before["wal"][k] for k, v in after["wal"].items()}  # the whole cluster's, so the phase's alone
result["wal_per_request"] = total and {"records": round(wal["records"] / total, 1), "page_images": round(wal["fpi"] / total, 2),
                                       "kib": round(wal["bytes"] / total / 1024, 1), "flushes": round(wal["syncs"] / total, 2)}
print(json.dumps(result))
PY
}
echo "gunicorn: $WORKERS sync workers on $(nproc) CPUs; $CLIENTS clients; ${SECONDS_}s measured after ${WARMUP}s warm-up; rollup hook ${ROLLUP:-on}; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
BASE1=$(run --mode ping);                                   echo "baseline  $BASE1"
SUBMIT=$(run --mode submit --plan "$TOUCHPOINT_VAR_DIR/plan.json" ${TRACE:+--trace "$TRACE"}); echo "submit    $SUBMIT"
REF_RESULT=null
if [ "${REFERENCE:-on}" != "off" ]; then
  REF_RESULT=$(run --mode reference --plan "$TOUCHPOINT_VAR_DIR/plan.json"); echo "reference $REF_RESULT"
fi
BASE2=$(run --mode ping);                                   echo "baseline  $BASE2"

$PY - "$OUT" "$BASE1" "$SUBMIT" "$BASE2" "$WORKERS" "${ROLLUP:-on}" "$REF_RESULT" <<'PY'
import json, os, sys
out, b1, s, b2, workers, rollup = sys.argv[1], *map(json.loads, sys.argv[2:5]), int(sys.argv[5]), sys.argv[6]
ref = json.loads(sys.argv[7])
baseline = (b1["rps"] + b2["rps"]) / 2
ratio = s["rps"] / baseline if baseline else 0.0
summary = {"workers": workers, "cpus": os.cpu_count(), "rollup_hook": rollup,
           "load_average_after": open("/proc/loadavg").read().split()[:3], "baseline_rps": round(baseline, 1),
           "submit_rps": s["rps"], "ratio": round(ratio, 3),
           "cpu_ms_per_request": {"submit_app": s["cpu_ms_per_request_app"], "submit_db": s["cpu_ms_per_request_db"],
                                  "baseline_app": b2["cpu_ms_per_request_app"]},
           "cpu_ratio": round((b2["cpu_ms_per_request_app"] + b2["cpu_ms_per_request_db"])
                              / (s["cpu_ms_per_request_app"] + s["cpu_ms_per_request_db"]), 3), "submit_p50_ms": s["p50_ms"],
           "submit_p99_ms": s["p99_ms"], "submit_errors": s["errors"],
           "baseline_p99_ms": max(b1["p99_ms"], b2["p99_ms"]),
           "targets": {"ratio>=0.15": ratio >= 0.15, "p99<50ms": s["p99_ms"] < 50, "zero errors": s["errors"] == 0},
           "reference": ref and {"rps": ref["rps"], "ratio": round(ref["rps"] / baseline, 3) if baseline else 0.0,
                                 "p50_ms": ref["p50_ms"], "p99_ms": ref["p99_ms"], "errors": ref["errors"],
                                 "cpu_ms_per_request_app": ref["cpu_ms_per_request_app"],
                                 "cpu_ms_per_request_db": ref["cpu_ms_per_request_db"]},
           "runs": {"baseline_before": b1, "submit": s, "reference": ref, "baseline_after": b2}}
json.dump(summary, open(out, "w"), indent=2)
print(f"ratio {ratio:.3f}x of the baseline; submit p99 {s['p99_ms']} ms; errors {s['errors']}; "
      f"CPU per request: submit {summary['cpu_ms_per_request']}, ratio by CPU {summary['cpu_ratio']}x  -> {out}")
if ref:
    r = summary["reference"]
    print(f"reference (straightforward DRF + bulk_create, does less): {r['ratio']:.3f}x of the baseline; "
          f"p99 {r['p99_ms']} ms; errors {r['errors']}; ours is {s['rps'] / ref['rps']:.2f}x its throughput")
PY
