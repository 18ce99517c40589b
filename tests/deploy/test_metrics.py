"""/metrics: django-prometheus's request metrics and Touchpoint's own (queue depth read from Redis or RabbitMQ at
scrape time, photo verdicts); behind a bearer token when METRICS_TOKEN is set, closed when production has none."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from kombu import Connection, Exchange, Producer, Queue

from ..conftest import client_for
from ..consistency.evidence_factories import make_check, photo, post_form, sha
from .conftest import free_port

pytestmark = pytest.mark.django_db
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def scrape(**headers) -> tuple[int, str]:
    answer = Client().get("/metrics", HTTP_HOST="10.42.0.17:8000", **headers)
    return answer.status_code, answer.content.decode()


def sample(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    found = re.search(rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_token_is_needed_when_one_is_set(settings, network):
    from sites import tokens

    settings.METRICS_TOKEN = "scrape-secret"
    assert scrape()[0] == 401
    assert scrape(HTTP_AUTHORIZATION="Bearer wrong")[0] == 401
    # No person's sign-in opens it, head office's included: only the scrape token does.
    for person in (network.head_office, network.auditor, network.manager_a):
        _, api_token = tokens.token_issue(user=person, device_name="phone")
        assert scrape(HTTP_AUTHORIZATION=f"Token {api_token}")[0] == 401
        assert scrape(HTTP_AUTHORIZATION=f"Bearer {api_token}")[0] == 401
    status, text = scrape(HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert status == 200 and "touchpoint_celery_queue_depth" in text


def test_production_without_a_token_answers_nothing(settings):
    settings.METRICS_TOKEN, settings.METRICS_OPEN = "", False  # production.py's default
    assert scrape()[0] == 404


def test_requests_and_queries_are_counted(network):
    client = client_for(network.manager_a)
    text = scrape()[1]
    before = sample(text, "django_http_responses_total_by_status_view_method_total",
                    method="GET", status="200", view="me")
    queries_before = sample(text, "django_db_execute_total", alias="default", vendor="postgresql")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/me/").status_code == 200
    ran = len(captured)  # read now: the next request empties the connection's log
    assert ran >= 3  # the token, the person, their sites
    text = scrape()[1]
    assert sample(text, "django_http_responses_total_by_status_view_method_total",
                  method="GET", status="200", view="me") == before + 1
    assert sample(text, "django_db_execute_total", alias="default", vendor="postgresql") == \
        queries_before + ran


def publish(url: str, queue: str, count: int) -> None:
    with Connection(url) as conn:
        exchange = Exchange(queue, type="direct")
        bound = Queue(queue, exchange, routing_key=queue)
        producer = Producer(conn.default_channel, exchange=exchange, routing_key=queue)
        for n in range(count):
            producer.publish({"n": n}, declare=[bound])


def drop(url: str, queue: str) -> None:
    with Connection(url) as conn:
        conn.default_channel.queue_delete(queue)


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_queue_depth_is_read_from_the_broker_at_scrape_time(settings, broker):
    url = settings.CELERY_BROKER_URL if broker == "redis" else RABBITMQ
    if not url.startswith(("redis://", "amqp://")):
        pytest.skip("the filesystem broker of a laptop run keeps no countable queue")
    queue = f"touchpoint-depth-{uuid.uuid4().hex[:8]}"
    settings.CELERY_BROKER_URL, settings.METRICS_QUEUES = url, [queue, f"{queue}-never-declared"]
    try:
        publish(url, queue, 3)
        text = scrape()[1]
        assert sample(text, "touchpoint_celery_queue_depth", queue=queue) == 3
        # A queue nobody declared is empty, not a broker failure (RabbitMQ answers it with a 404 on its channel).
        assert f'touchpoint_celery_queue_depth{{queue="{queue}-never-declared"}} 0.0' in text
        assert sample(text, "touchpoint_celery_broker_up") == 1
    finally:
        drop(url, queue)


def test_a_broker_down_is_a_number_not_a_failed_scrape(settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    status, text = scrape()
    assert status == 200
    assert "touchpoint_celery_broker_up 0.0" in text


@pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="direct uploads need the S3 endpoint")
def test_photo_verdicts_are_counted_by_outcome(network, standard, settings):
    settings.LATE_CHECK_WINDOW_DAYS = (dt.date.today() - dt.date(2026, 3, 10)).days + 2
    check = make_check(network.a1, standard, network.manager_a, date=dt.date(2026, 3, 10))
    client = client_for(network.manager_a)
    before = {o: sample(scrape()[1], "touchpoint_photo_verdicts_total", outcome=o) for o in ("verified", "rejected")}
    for seed, declared in ((11, None), (12, "0" * 64)):  # the second declares a SHA-256 the upload does not have
        data = photo(seed=seed)
        body = client.post(f"/api/v1/checks/{check.pk}/evidence/", {
            "criterion": "restroom_clean", "content_type": "image/jpeg", "size": len(data),
            "sha256": declared or sha(data)}, format="json").json()
        assert post_form(body["upload"]["url"], body["upload"]["fields"], data) in (200, 201, 204)
        client.post(f"/api/v1/evidence/{body['id']}/confirm/")
    text = scrape()[1]
    assert sample(text, "touchpoint_photo_verdicts_total", outcome="verified") == before["verified"] + 1
    assert sample(text, "touchpoint_photo_verdicts_total", outcome="rejected") == before["rejected"] + 1
