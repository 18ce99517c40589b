"""DATABASE_REPLICA_URL: a second alias, ``replica``, takes the reads of a report's render and of the variance
engine, and nothing else; its sessions are read-only. Here it points at the same server and database as the
primary (what a test can have), connecting on its own: the queries each connection ran say which was used."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from backend.routers import REPLICA
from consistency.variance import variance_report
from reports import runner
from reports.services import report_order
from sites.models import Site

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica():
    """The alias the settings make from DATABASE_REPLICA_URL, made here from the test database's own settings."""
    primary = connections["default"].settings_dict
    connections.settings[REPLICA] = {**primary, "OPTIONS": {**primary["OPTIONS"],
                                                            "options": "-c default_transaction_read_only=on"}}
    connection = connections[REPLICA]
    # Connected here: Django's test case refuses to open a connection for an alias it was not told of at its
    # start (the settings had no replica then); one already open is used as is.
    connection.connect()
    yield connection
    connection.close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


def test_a_reports_reads_go_to_the_replica_and_its_writes_to_the_primary(replica, network, standard):
    run = report_order(user=network.head_office, kind="variance", date_from=dt.date(2026, 3, 1),
                       date_to=dt.date(2026, 3, 7))
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        assert runner.run_report(run_id=run.id, worker="test") == "done"
    read_there = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert "consistency_criterion" in read_there and '"sites_site"' in read_there  # the engine's reads
    assert not any(q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
                   for q in on_replica.captured_queries)
    written_here = [q["sql"] for q in on_primary.captured_queries]
    assert any(sql.startswith("UPDATE") and "reports_reportrun" in sql for sql in written_here)  # claim, done
    # The primary: the claim, progress and outcome of the run, and the run itself; none of the engine's reads
    # (its hand-written SQL included: the running totals, photo counts and the perception sums).
    read_here = [sql for sql in written_here if sql.startswith("SELECT")]
    assert read_here and all(sql.split(" WHERE ")[0].count('"reports_reportrun"') for sql in read_here), read_here
    assert "consistency_siterollup" in read_there and "customer_feedbackday" in read_there


def test_other_reads_and_reads_inside_a_transaction_stay_on_the_primary(replica, network, standard):
    with CaptureQueriesContext(replica) as on_replica:
        list(Site.objects.all())  # not a heavy read: the primary's
        with transaction.atomic():  # what a transaction wrote is on the primary only
            variance_report(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 7), sites=Site.objects.all())
    assert on_replica.captured_queries == []
    with CaptureQueriesContext(replica) as on_replica:
        variance_report(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 7), sites=Site.objects.all())
    assert on_replica.captured_queries


def test_the_replica_refuses_a_write(replica):
    from django.db.utils import InternalError

    with pytest.raises(InternalError, match="read-only"), replica.cursor() as cursor:
        cursor.execute("UPDATE sites_site SET name = name")


def test_without_a_replica_every_read_is_the_primarys(network, standard):
    assert REPLICA not in connections.settings
    with CaptureQueriesContext(connections["default"]) as on_primary:
        variance_report(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 7), sites=Site.objects.all())
    assert on_primary.captured_queries
