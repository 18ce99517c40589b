#!/usr/bin/env bash
# What watching costs, one command:  bench/observability/run.sh
# The request id, the probes' middleware and django-prometheus's two middlewares on a hot API read, against the
# same request without them, in the same run; and a /metrics scrape (queue depth read from Redis). Creates
# touchpoint_bench_observability on 127.0.0.1:5432 (a region, a site, its manager, the sample standard) and
# writes bench/RESULTS-observability.md. Needs Redis on 127.0.0.1:6379.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/database.sh touchpoint_bench_observability
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/13}"
export LOG_LEVEL=WARNING DEBUG=false ALLOWED_HOSTS=testserver,localhost
if [ "${BENCH_REUSE:-0}" != "1" ]; then
  bench_db_create
fi
"$PY" bench/observability/bench.py "$@"
