"""The probes of a load balancer or Kubernetes (django-health-check).

- ``/health/live``: the process answers. No dependency is asked, so a database outage never gets every API
  process restarted at once (restarting would not bring the database back).
- ``/health/ready``: this process can do its work: the database (and the read replica when there is one), the
  broker, the storage and the cache answer. 200, else 503: a load balancer stops sending requests here.

Unauthenticated, so they tell nothing secret: each check is named by its kind (no host, bucket or password),
and a failure by the library's short message.
"""

from __future__ import annotations

import dataclasses
import os

from asgiref.sync import async_to_sync, iscoroutinefunction
from django.conf import settings
from django.urls import resolve
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker, whichever CELERY_BROKER_URL names (Redis, RabbitMQ, the filesystem of ``make run``):
    one connection through kombu, Celery's own client. The library's checks would need a client per broker
    (aio-pika for RabbitMQ, not installed) and tell the broker's host in their name."""

    transport: str = ""

    def run(self):
        from kombu import Connection

        try:
            with Connection(settings.CELERY_BROKER_URL, connect_timeout=3,
                            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # noqa: BLE001 - any failure to connect is "unavailable"; the log has it
            raise ServiceUnavailable(f"broker not answering ({type(exc).__name__})") from exc


@dataclasses.dataclass
class Storage(HealthCheck):
    """Where photos and PDFs go: the S3 bucket answers a HEAD (the library's check writes and deletes a file on
    every probe, which a versioned, Object-Locked evidence bucket would keep forever), or the local folder is
    writable."""

    backend: str = ""

    def run(self):
        from django.core.files.storage import default_storage

        if settings.STORAGE_BACKEND == "s3":
            try:
                default_storage.connection.meta.client.head_bucket(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
            except Exception as exc:  # noqa: BLE001 - botocore raises several families
                raise ServiceUnavailable(f"bucket not answering ({type(exc).__name__})") from exc
        else:
            location = str(default_storage.location)
            try:
                os.makedirs(location, exist_ok=True)  # as the storage would on its first save
            except OSError as exc:
                raise ServiceUnavailable("storage folder cannot be made") from exc
            if not os.access(location, os.W_OK):
                raise ServiceUnavailable("storage folder not writable")


def readiness_checks() -> list:
    checks = [Database(alias=alias) for alias in settings.DATABASES]
    return [*checks, Broker(transport=settings.CELERY_BROKER_URL.split(":", 1)[0]),
            Storage(backend=settings.STORAGE_BACKEND), Cache(alias="default")]


class Probe(HealthCheckView):
    """The library's view, answering 503 (not 500) when a check fails: "not ready", which is what it means."""

    async def dispatch(self, request, *args, **kwargs):
        response = await super().dispatch(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response


class Ready(Probe):
    def get_checks(self):
        return readiness_checks()


live = Probe.as_view(checks=())
ready = Ready.as_view()


PROBE_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})


class Probes:
    """Middleware, right after the request id: the probes and the scrape are answered before the rest of the
    stack. kubelet and Prometheus reach a pod by its address, a Host that ALLOWED_HOSTS does not list (and should
    not: listing addresses would open the pages to any Host), over plain HTTP (no SSL redirect for them); these
    answers use nothing of the request but its path and its Authorization header, and no session is opened."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PROBE_PATHS and request.method in ("GET", "HEAD"):
            view = resolve(request.path_info).func
            response = async_to_sync(view)(request) if iscoroutinefunction(view) else view(request)
            if hasattr(response, "render") and not response.is_rendered:  # the library's HTML page
                response.render()
            return response
        return self.get_response(request)
