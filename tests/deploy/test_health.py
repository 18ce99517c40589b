"""/health/live answers without asking anything; /health/ready asks the database, the broker (Redis or RabbitMQ,
whichever CELERY_BROKER_URL names), the storage and the cache, and says 503 when one does not answer. Both are
answered whatever the Host (kubelet calls a pod by its address), open no session, and tell nothing secret."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from .conftest import free_port

pytestmark = pytest.mark.django_db

POD = "10.42.0.17:8000"  # how kubelet and Prometheus address a pod: not in ALLOWED_HOSTS
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def probe(path: str):
    return Client().get(path, {"format": "json"}, HTTP_HOST=POD)


def test_live_answers_on_a_pods_address_without_a_query_or_a_session(django_assert_num_queries):
    with django_assert_num_queries(0):
        answer = probe("/health/live")
    assert answer.status_code == 200 and answer.json() == {}
    assert "Set-Cookie" not in answer.headers and answer["X-Request-ID"]
    assert "no-cache" in answer["Cache-Control"]


def test_ready_asks_the_database_the_broker_the_storage_and_the_cache():
    answer = probe("/health/ready")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"Database(alias='default')": "OK",
                             f"Broker(transport='{settings.CELERY_BROKER_URL.split(':')[0]}')": "OK",
                             f"Storage(backend='{settings.STORAGE_BACKEND}')": "OK", "Cache(alias='default')": "OK"}


def test_ready_is_503_when_the_broker_is_down_and_names_no_host(settings):
    port = free_port()  # nothing listens there
    settings.CELERY_BROKER_URL = f"redis://:s3cret@127.0.0.1:{port}/0"
    answer = probe("/health/ready")
    assert answer.status_code == 503
    assert answer.json()["Broker(transport='redis')"].startswith("Unavailable: broker not answering")
    assert answer.json()["Database(alias='default')"] == "OK"
    text = answer.content.decode()
    assert str(port) not in text and "127.0.0.1" not in text and "s3cret" not in text


def test_ready_reads_rabbitmq_when_that_is_the_broker(settings):
    settings.CELERY_BROKER_URL = RABBITMQ
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    answer = probe("/health/ready")
    assert answer.status_code == 200, answer.content
    assert answer.json()["Broker(transport='amqp')"] == "OK"
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    assert probe("/health/ready").status_code == 503


@pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="the S3 endpoint of scripts/test.sh")
def test_ready_is_503_when_the_bucket_does_not_answer(settings):
    settings.AWS_STORAGE_BUCKET_NAME = "touchpoint-no-such-bucket"
    answer = probe("/health/ready")
    assert answer.status_code == 503
    assert answer.json()["Storage(backend='s3')"] == "Unavailable: bucket not answering (ClientError)"
    assert "touchpoint-no-such-bucket" not in answer.content.decode()


def test_a_probe_is_answered_before_the_ssl_redirect_and_the_host_check(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert probe("/health/live").status_code == 200
    # Every other address still goes through them.
    assert Client().get("/api/v1/me/", HTTP_HOST=POD).status_code == 400
