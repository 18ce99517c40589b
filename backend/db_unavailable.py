"""Which database errors mean "the database cannot answer now; the same request may work in a moment" (a 503 with
Retry-After), told apart from a statement's own error (a bug or bad data: a 500, with its traceback).

One function decides, :func:`unavailable`; two places answer with it:

- ``backend.middleware.DatabaseUnavailable``: a statement the database cut at REQUEST_STATEMENT_TIMEOUT_MS
  (``backend.timeouts``), raised by a view; answered quietly (a warning in the log, no error report).
- ``backend.views.server_error`` (Django's handler500): the database unreachable, refusing connections or ending
  them, wherever the request met it (a view, the token check, the session loaded by a middleware); Django has
  already logged it as an error and sent it to Sentry, as an outage should be.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DatabaseError, InterfaceError, OperationalError

# SQLSTATEs of a statement the server cut: statement_timeout (or a cancel), lock_timeout.
_CUT = {"57014", "55P03"}
# SQLSTATEs of a connection refused or ended by the server: class 08 (connection exception), the server shutting
# down, crashed or starting up (57P01-57P03), no connection slot left (53300).
_GONE = {"57P01", "57P02", "57P03", "53300"}


@dataclass(frozen=True)
class Unavailable:
    kind: str  # "timeout" (a statement cut) or "database_unavailable" (no connection)
    retry_after: int  # seconds, sent as Retry-After


# A cut statement may pass in a moment (the lock it waited on is gone); a restart takes seconds, a failover tens of
# them: the phone's own backoff covers a longer outage.
STATEMENT_CUT = Unavailable("timeout", 5)
DATABASE_DOWN = Unavailable("database_unavailable", 10)


def unavailable(exc: BaseException | None) -> Unavailable | None:
    """``exc`` (as Django raises it) is the database cutting a statement at its time limit (STATEMENT_CUT) or
    failing to give a connection (DATABASE_DOWN); anything else, a statement's own error included, is None."""
    if not isinstance(exc, DatabaseError):
        return None
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    state = getattr(cause, "sqlstate", None)
    if state in _CUT:
        return STATEMENT_CUT
    if isinstance(exc, OperationalError | InterfaceError):
        # No SQLSTATE: the server never answered (refused, unreachable, closed under the client, a pool that
        # gave no connection in time). With one, only the connection classes: a deadlock or a serialization
        # failure is an OperationalError too, and a bug to see.
        if state is None or state.startswith("08") or state in _GONE:
            return DATABASE_DOWN
    return None
