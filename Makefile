# Touchpoint: two commands.
#   make run   install, start the embedded PostgreSQL (unless DATABASE_URL is set), migrate, seed the demo
#              franchise, serve on http://127.0.0.1:$(PORT) with a worker
#   make test  the whole suite on PostgreSQL: the embedded one locally, the system one under CI=true
#              (with Redis and S3 over HTTP, no fallbacks)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PORT

.PHONY: install run test lint bench lock clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

run: install
	$(BIN)/python -m backend.devserver

test: install
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test.sh

lint: install
	$(BIN)/ruff check .

bench: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bench/run.sh

# Re-resolve the pins from pyproject.toml into requirements.lock.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet ".[dev]"
	echo "# Pinned, tested versions of everything pyproject.toml asks for (regenerate: make lock)." > requirements.lock
	.lock-venv/bin/python -m pip freeze --exclude touchpoint >> requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf var .pytest_cache

# The restore drill (infra/backup/restore_drill.py, docs/backups.md): private PostgreSQL clusters from the wheel,
# WAL archived, a bad actor, a point-in-time restore on another port, checked. Uses S3 from STORAGE_BACKEND=s3 /
# S3_ENDPOINT_URL if set, else a moto server of its own. KEEP=1 keeps its folder (clusters, archive, logs).
.PHONY: restore-drill
restore-drill: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m infra.backup.restore_drill $(if $(KEEP),--keep)

.PHONY: image
# The production image (infra/Dockerfile: API, workers and beat in one); needs a Docker engine.
image:
	docker build -f infra/Dockerfile -t touchpoint:$$(git rev-parse --short HEAD 2>/dev/null || echo local) .

# The production processes on this machine (backend/stack.py): gunicorn, two Celery workers and beat on PostgreSQL,
# Redis (BROKER=rabbitmq for RabbitMQ) and S3 over HTTP (moto unless S3_ENDPOINT_URL is given); Ctrl-C stops them all.
.PHONY: stack
STACK_PORT ?= 8100
stack: install
	PORT=$(if $(filter command line environment,$(origin PORT)),$(PORT),$(STACK_PORT)) $(BIN)/python -m backend.stack

# Schemathesis over the API's own schema, every role, with more examples per operation than the suite's 2
# (FUZZ_EXAMPLES), and the Hypothesis properties of scoring with ten times the suite's examples. The services as
# for `make test` (CI=true for the system ones).
.PHONY: fuzz
FUZZ_EXAMPLES ?= 10
fuzz: install
	SCHEMA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) PROPERTY_EXAMPLES_FACTOR=10 PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test.sh -n 2 \
		tests/hardening/test_api_schema.py tests/hardening/test_scoring_properties.py

# Fault drills at full size (tests/drills/; the suite runs them smaller): workers SIGKILLed mid-task, PostgreSQL
# restarted mid-burst, Redis killed with work queued, S3 cut off, phones hanging up. Each drill kills only services
# of its own. What was tried, acknowledged, stored, lost and doubled is written into docs/drills.md.
.PHONY: drills
drills: install
	rm -rf var/drills && mkdir -p var/drills
	DRILLS_SIZE=full DRILLS_REPORT_DIR="$(CURDIR)/var/drills" PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test.sh tests/drills; \
	status=$$?; \
	$(BIN)/python -m tests.drills.report var/drills docs/drills.md "$$(if [ $$status = 0 ]; then echo passed; else echo FAILED; fi)"; \
	exit $$status
