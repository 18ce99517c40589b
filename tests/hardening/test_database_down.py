"""A database that gives no connection answers 503 with Retry-After, not 500: on the API in its JSON shape, on a
page with Django's plain error page; a statement's own error stays a 500 (backend.db_unavailable decides,
backend.views.server_error answers). Here with real errors from PostgreSQL and psycopg, in this process; through
gunicorn with its database down in tests/deploy/test_production_server.py."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.test import RequestFactory

from backend import db_unavailable, views
from backend.db_unavailable import DATABASE_DOWN, STATEMENT_CUT
from tests.servers import free_port

pytestmark = pytest.mark.django_db


def _error(action) -> DatabaseError:
    """The error ``action`` raises, as Django raises it."""
    try:
        action()
    except DatabaseError as exc:
        return exc
    raise AssertionError("no database error")


def _connect_to_nothing():
    """A connection to a port where nothing listens: what a web process meets while its database is down."""
    down = connection.copy()
    down.settings_dict = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(free_port())}
    try:
        down.ensure_connection()
    finally:
        down.close()


def _statement(*sql: str):
    def run():
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
    return run


def _answer(path: str, error: DatabaseError):
    """What the 500 handler answers for ``path`` while ``error`` is being handled (Django calls it there)."""
    request = RequestFactory().get(path)
    try:
        raise error
    except DatabaseError:
        return views.server_error(request)


def test_no_connection_is_the_database_down():
    error = _error(_connect_to_nothing)
    assert db_unavailable.unavailable(error) is DATABASE_DOWN


def test_a_closed_connection_is_the_database_down():
    # psycopg's "the connection is closed": a connection that ended under us.
    def use_closed():
        connection.ensure_connection()
        connection.connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    error = _error(use_closed)
    connection.close()
    assert isinstance(error, OperationalError | InterfaceError) and "closed" in str(error)
    assert db_unavailable.unavailable(error) is DATABASE_DOWN


def test_a_statement_cut_at_its_limit_is_not_the_database_down():
    error = _error(_statement("SET LOCAL statement_timeout = '50ms'", "SELECT pg_sleep(2)"))
    assert db_unavailable.unavailable(error) is STATEMENT_CUT


@pytest.mark.parametrize(("sql", "raised"), [
    ("SELECT 1 / 0", "DataError"),  # a statement's own error
    ("SELECT * FROM no_such_table", "ProgrammingError"),  # a bug
    # OperationalErrors from the server about the transaction, not the connection (a serialization failure, a
    # deadlock): bugs to see, not outages.
    ("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$", "OperationalError"),
    ("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$", "OperationalError"),
])
def test_a_statements_own_error_is_not_the_database_down(sql, raised):
    error = _error(_statement(sql))
    assert type(error).__name__ == raised
    assert db_unavailable.unavailable(error) is None


def test_errors_other_than_the_databases_are_none():
    assert db_unavailable.unavailable(None) is None
    assert db_unavailable.unavailable(ValueError("no")) is None


def test_the_api_answers_503_with_retry_after_while_the_database_is_down():
    response = _answer("/api/v1/me/", _error(_connect_to_nothing))
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_DOWN.retry_after)
    body = json.loads(response.content)
    assert body["code"] == "database_unavailable"
    assert "not answering" in body["message"] and "nothing was changed" in body["message"]


def test_a_page_answers_503_with_retry_after_while_the_database_is_down():
    response = _answer("/app/", _error(_connect_to_nothing))
    assert response.status_code == 503 and response["Retry-After"] == str(DATABASE_DOWN.retry_after)
    assert b"Service Unavailable (503)" in response.content


def test_a_statements_own_error_is_still_a_500():
    response = _answer("/api/v1/me/", _error(_statement("SELECT 1 / 0")))
    assert response.status_code == 500 and "Retry-After" not in response
    assert json.loads(response.content)["code"] == "server_error"
    assert _answer("/app/", _error(_statement("SELECT 1 / 0"))).status_code == 500
