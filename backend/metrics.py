"""Prometheus metrics: django-prometheus's (requests, latencies, database) and Touchpoint's own.

Touchpoint's own:
- ``touchpoint_celery_queue_depth{queue}``: messages waiting in each Celery queue, read from the broker when
  /metrics is scraped (``QueueDepth``); ``touchpoint_celery_broker_up`` says whether it answered.
- ``touchpoint_report_duration_seconds{kind,outcome}``: a report run from its claim to done / failed / retry.
- ``touchpoint_photo_verdicts_total{outcome}``: photos verified or rejected.

Several processes, one set of numbers: prometheus_client's multiprocess mode. Every process (each gunicorn
worker, each Celery pool process) writes its samples to files in ``PROMETHEUS_MULTIPROC_DIR`` (a folder per
machine or pod, emptied when the process manager starts); whoever is scraped adds them up. The API serves them
at ``/metrics`` (``metrics_view``); a Celery worker serves those of its pool on ``METRICS_PORT`` from its main
process (``serve_worker_metrics``), because in Kubernetes it is a pod of its own that shares no folder with the
API. Chosen over one port per process: Prometheus then scrapes one address per pod, and a gunicorn or pool
process that is recycled (max_requests, max_tasks_per_child) loses none of its counts.

Both answer only with ``Authorization: Bearer <METRICS_TOKEN>`` when METRICS_TOKEN is set; production without
a token answers 404 unless METRICS_OPEN says the network already keeps strangers out.
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import threading
import time
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from celery import signals
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    make_wsgi_app,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import ThreadingWSGIServer

log = logging.getLogger(__name__)

# Every process of the image has PROMETHEUS_MULTIPROC_DIR (/tmp/prometheus), but only gunicorn makes it when it
# starts: a worker, beat or the migration would fail at its first sample, in a folder that is not there yet.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REPORT_DURATION = Histogram(
    "touchpoint_report_duration_seconds", "A report run, from its claim to its outcome.", ["kind", "outcome"],
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 900, float("inf")))
PHOTO_VERDICTS = Counter("touchpoint_photo_verdicts", "Photos given their verdict.", ["outcome"])


# --- Hooks (one-line calls from the code that does the work) ---------------------------------------

def photo_verdict(outcome: str) -> None:
    """consistency.services.evidence.verdicts: "verified" or "rejected"."""
    PHOTO_VERDICTS.labels(outcome=outcome).inc()


def timed_report_run(run_report):
    """Decorates reports.runner.run_report: observes how long a render took, by the run's kind and its outcome
    ("done", "failed", "retry" when storage asked for a retry, "error" for anything raised). A run another
    worker holds ("skipped") rendered nothing and is not observed."""

    @functools.wraps(run_report)
    def timed(*, run_id: int, **kwargs):
        started = time.monotonic()
        outcome = "error"
        try:
            outcome = run_report(run_id=run_id, **kwargs)
            return outcome
        except Exception as exc:
            from reports.runner import TransientStorageError

            outcome = "retry" if isinstance(exc, TransientStorageError) else "error"
            raise
        finally:
            if outcome != "skipped":
                from reports.models import ReportRun

                kind = ReportRun.objects.filter(pk=run_id).values_list("kind", flat=True).first() or "unknown"
                REPORT_DURATION.labels(kind=kind, outcome=outcome).observe(time.monotonic() - started)

    return timed


# --- The database's queries ----------------------------------------------------------------------

@receiver(connection_created)
def _count_queries(sender, connection, **kwargs):
    """django-prometheus's database metrics (django_db_new_connections_total, django_db_execute_total,
    django_db_query_duration_seconds, django_db_errors_total), fed by an execute wrapper on every connection: its
    own way is to replace the database ENGINE with its instrumented copy of Django's backend, which every other
    part of the project (the settings' PostgreSQL-only rule, the embedded server) would then have to know."""
    from django_prometheus.db import connections_total

    connections_total.labels(connection.alias, connection.vendor).inc()
    if _timed_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_timed_query)


def _timed_query(execute, sql, params, many, context):
    from django_prometheus.db import errors_total, execute_many_total, execute_total, query_duration_seconds

    connection = context["connection"]
    labels = (connection.alias, connection.vendor)
    count = len(params) if many and hasattr(params, "__len__") else 1
    execute_total.labels(*labels).inc(count)
    if many:
        execute_many_total.labels(*labels).inc(count)
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    except Exception as exc:
        errors_total.labels(*labels, type(exc).__name__).inc()
        raise
    finally:
        query_duration_seconds.labels(*labels).observe(time.perf_counter() - started)


# --- Queue depth, read from the broker at scrape time ------------------------------------------------

class QueueDepth:
    """A collector: one passive queue declaration per queue through kombu (the broker client Celery itself
    uses), so the same code reads Redis (the list's length) and RabbitMQ (the queue's message count)."""

    def __init__(self, broker_url: str, queues: list[str], timeout: float = 3.0):
        self.broker_url, self.queues, self.timeout = broker_url, queues, timeout

    def collect(self):
        from kombu import Connection
        from kombu.exceptions import ChannelError

        depth = GaugeMetricFamily("touchpoint_celery_queue_depth", "Messages waiting in a Celery queue.",
                                  labels=["queue"])
        up = 1
        try:
            with Connection(self.broker_url, connect_timeout=self.timeout,
                            transport_options={"socket_timeout": self.timeout}) as conn:
                conn.ensure_connection(max_retries=1)
                missing = (ChannelError, *conn.channel_errors)  # kombu's, and the transport's own (py-amqp's 404)
                for queue in self.queues:
                    channel = conn.channel()
                    try:
                        count = channel.queue_declare(queue=queue, passive=True).message_count
                    except missing:
                        count = 0  # never declared, or (Redis) empty: nothing waits in it
                    finally:
                        try:
                            channel.close()
                        except Exception:  # noqa: BLE001 - RabbitMQ closed it already after a 404
                            pass
                    depth.add_metric([queue], count)
        except Exception as exc:  # noqa: BLE001 - a broker down is a number (up 0), never a failed scrape
            log.warning("queue depth: broker not answering (%s)", type(exc).__name__)
            up = 0
        yield depth
        broker_up = GaugeMetricFamily("touchpoint_celery_broker_up", "1 if the broker answered the scrape.")
        broker_up.add_metric([], up)
        yield broker_up


def queues() -> list[str]:
    from django.conf import settings

    from backend.celery import app

    return list(dict.fromkeys([app.conf.task_default_queue, *settings.METRICS_QUEUES]))


def registry(*, with_queues: bool) -> CollectorRegistry:
    """What a scrape answers: every process's samples in multiprocess mode, else this process's."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        found = CollectorRegistry()
        multiprocess.MultiProcessCollector(found)
    else:
        found = CollectorRegistry(auto_describe=True)
        found.register(_Everything())
    if with_queues:
        from django.conf import settings

        found.register(QueueDepth(settings.CELERY_BROKER_URL, queues()))
    return found


class _Everything:
    """The default registry's samples, under another registry (which then adds the queue depths)."""

    def collect(self):
        return REGISTRY.collect()


# --- Who may read them ---------------------------------------------------------------------------

def allowed(authorization: str | None) -> bool | None:
    """True: answer. False: a token is needed and this is not it (401). None: metrics are off (404)."""
    from django.conf import settings

    token = settings.METRICS_TOKEN
    if not token:
        return True if settings.METRICS_OPEN else None
    given = (authorization or "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), token.encode())


def metrics_view(request):
    """GET /metrics: the text format Prometheus scrapes."""
    from django.http import Http404, HttpResponse

    verdict = allowed(request.headers.get("Authorization"))
    if verdict is None:
        raise Http404
    if not verdict:
        response = HttpResponse("A bearer token is needed.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(registry(with_queues=True)), content_type=CONTENT_TYPE_LATEST)


# --- The Celery worker's own address -----------------------------------------------------------------

class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - a scrape every 15 s is not worth a log line
        pass


def _guarded(app):
    """The same rule as /metrics in front of prometheus_client's WSGI app (which has no authentication)."""

    def guarded(environ, start_response):
        verdict = allowed(environ.get("HTTP_AUTHORIZATION"))
        if verdict is True:
            return app(environ, start_response)
        status = "404 Not Found" if verdict is None else "401 Unauthorized"
        start_response(status, [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')])
        return [b"A bearer token is needed.\n" if verdict is False else b"Not found.\n"]

    return guarded


def serve_worker_metrics(port: int, addr: str = "0.0.0.0"):  # noqa: S104 - a pod's port, scraped from outside
    app = make_wsgi_app(registry(with_queues=False))
    server = make_server(addr, port, _guarded(app), ThreadingWSGIServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("worker metrics on port %s", server.server_port)
    return server


@signals.worker_init.connect
def _fresh_metrics_folder(**kwargs):
    """A worker that serves its own metrics owns its folder (a container's /tmp): samples left there by its previous
    run (a restarted container keeps its emptyDir) are not this run's. Before the pool forks."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if folder and os.environ.get("METRICS_PORT"):
        for leftover in Path(folder).glob("*.db"):
            if not leftover.stem.endswith(f"_{os.getpid()}"):  # this process's own file is open already
                leftover.unlink(missing_ok=True)


@signals.worker_ready.connect
def _worker_metrics(**kwargs):
    """In the worker's main process, once its pool runs: serve the pool's metrics if METRICS_PORT is set."""
    port = os.environ.get("METRICS_PORT", "")
    if port:
        serve_worker_metrics(int(port))


@signals.worker_process_shutdown.connect
def _pool_process_gone(pid=None, **kwargs):
    """A pool process's live gauges go with it (its counters and histograms stay counted)."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.mark_process_dead(pid or os.getpid())
