"""A web request's SQL is cut at REQUEST_STATEMENT_TIMEOUT_MS; workers and commands keep no limit.

A request that waits on a lock, or a query gone wrong, would otherwise hold its gunicorn worker (and its
connection) until gunicorn kills the worker at its own timeout, answering nothing. Cut at the database, the
statement ends, its transaction is rolled back (nothing half-saved), and the person gets a 503 saying to try
again (``backend.middleware.DatabaseUnavailable``; ``backend.db_unavailable`` tells a cut statement). A report
render or a command may run long on purpose: they never import ``backend.wsgi``, which is the only caller of
:func:`limit_web_statements`.

Set once per connection (a connection serves many requests: CONN_MAX_AGE), by ``set_config`` rather than
libpq's ``options=-c ...``: the setting is the web process's, not the database URL's, which every process
shares. Behind PgBouncer in transaction mode a session setting does not stay with the connection: give the
web processes a pool of their own with ``statement_timeout`` set on it there instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db.backends.signals import connection_created


def _limit(sender, connection, **kwargs) -> None:
    milliseconds = settings.REQUEST_STATEMENT_TIMEOUT_MS
    if milliseconds > 0 and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{milliseconds}ms"])


def limit_web_statements() -> None:
    """Every database connection this process opens from now on cuts statements at REQUEST_STATEMENT_TIMEOUT_MS."""
    connection_created.connect(_limit, dispatch_uid="backend.timeouts.limit_web_statements")

