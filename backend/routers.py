"""Reads that may go to a read replica (DATABASE_REPLICA_URL): the report renders and the variance engine, which
the API's variance answers and the pages' network and site views are built on. The heavy reads, in two places
(``reports.runner._render`` and ``consistency.variance.variance_report``, each decorated with
``replica_reads``), instead of every selector.

The trade: a replica lags the primary (usually well under a second, more under load). A report or a page read
there may miss a check stored in the last moments; nothing is decided from these reads (claims, idempotency,
access all read the primary), and a report's period ends before it is ordered. Inside a transaction on the
primary, reads stay on the primary: what the transaction wrote is visible only there.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, router

REPLICA = "replica"
_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads():
    """Within it (or the function it decorates), model reads go to the replica when there is one."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (_wanted.get() and REPLICA in connections.settings
                and not connections[DEFAULT_DB_ALIAS].in_atomic_block):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        # Never the replica, even for an object read from it (Django would otherwise write back where it read).
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows: an object read there may point at one from here

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema by replication


def reading(model=None):
    """The connection for a hand-written read (raw SQL: the engine's running totals, photo counts, the perception
    sums): where the router sends the ORM's reads of ``model``, so those go to the replica with the rest."""
    return connections[router.db_for_read(model)]
