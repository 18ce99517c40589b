"""The export streams: the response is a stream whose statement runs only once it is read, it arrives in chunks
of bounded size without one string of the whole file ever being built, the number of queries does not grow with
the rows, and a client that hangs up leaves the connection usable."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consistency.models import CheckResult, Criterion, DailyCheck
from exports import copy as export_copy
from sites.models import Site
from tests.conftest import client_for
from tests.factories import SiteFactory

from .conftest import URL

FROM, TO = dt.date(2026, 2, 1), dt.date(2026, 11, 27)  # 300 days
PERIOD = {"from": FROM.isoformat(), "to": TO.isoformat()}


@pytest.fixture
def many(network, standard):
    """30 sites x 300 days x 4 criteria = 36,000 results (about 4.5 MB of CSV), written by SQL in one statement
    per table (the rows are what the export reads, not how they came)."""
    for i in range(27):
        SiteFactory(code=f"M{i:02d}", region=network.region_b)
    qn = connection.ops.quote_name
    dc, cr = qn(DailyCheck._meta.db_table), qn(CheckResult._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {dc} (site_id, date, version_id, submitted_by_id, performed_at, received_at, client_id, late, "
            f"is_current, amendment_reason, score) SELECT s.id, d::date, %s, %s, d, d, gen_random_uuid(), false, true, "
            f"'', 1 FROM {qn(Site._meta.db_table)} s CROSS JOIN generate_series(%s::timestamptz, %s::timestamptz, "
            f"interval '1 day') d", [standard.pk, network.head_office.pk, FROM, TO])
        cursor.execute(
            f"INSERT INTO {cr} (daily_check_id, criterion_id, site_id, date, is_current, value, note, met, passed, "
            f"deviation) SELECT c.id, k.id, c.site_id, c.date, true, 1, 'a note, with \"quotes\"', true, true, 0 "
            f"FROM {dc} c CROSS JOIN {qn(Criterion._meta.db_table)} k WHERE k.version_id = %s", [standard.pk])
    assert CheckResult.objects.count() == 36_000


def _copies(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("COPY")]


@pytest.mark.django_db
def test_the_answer_is_a_stream_read_in_bounded_chunks_without_the_whole_file_in_memory(network, many, monkeypatch):
    monkeypatch.setattr(export_copy, "CHUNK_BYTES", 64 * 1024)
    with CaptureQueriesContext(connection) as queries:
        response = client_for(network.head_office).get(URL, PERIOD)
        assert response.status_code == 200 and response.streaming
        assert _copies(queries.captured_queries) == []  # nothing read yet: the statement runs as the body is read
        tracemalloc.start()
        try:
            sizes, lines = [], 0
            for chunk in response.streaming_content:
                sizes.append(len(chunk))
                lines += chunk.count(b"\n")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert lines == 36_001  # the header and every result
    assert sum(sizes) > 4_000_000 and len(sizes) > 50
    assert max(sizes) < 64 * 1024 + 1024  # a chunk: 64 kB and at most one more row
    # Python never held much more than a few chunks, for a file seventy times their size.
    assert peak < 1_000_000, peak
    assert len(_copies(queries.captured_queries)) == 1


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_rows_or_the_sites(network, many):
    every_site = ",".join(Site.objects.values_list("code", flat=True))
    asked = {"one site": ("head_office", {"sites": "A1"}), "every site": ("head_office", {"sites": every_site}),
             "network": ("head_office", {}), "manager": ("manager_a", {}),
             "auditor's region": ("auditor", {"region": "region-a"})}
    counts = {}
    for name, (who, query) in asked.items():
        client = client_for(getattr(network, who))
        with CaptureQueriesContext(connection) as queries:
            body = b"".join(client.get(URL, {**PERIOD, **query}).streaming_content)
        counts[name] = (len(queries.captured_queries), body.count(b"\n"))
    assert {name: rows for name, (_, rows) in counts.items()} == {
        "one site": 1_201, "every site": 36_001, "network": 36_001, "manager": 1_201, "auditor's region": 2_401}
    # Signing in (the token), the person's profile, the scope (the region asked, the sites' ids), the bounded
    # count of rows, one COPY.
    assert {name: n for name, (n, _) in counts.items()} == {
        "one site": 5, "every site": 5, "network": 4, "manager": 5, "auditor's region": 6}, counts


@pytest.mark.django_db(transaction=True)
def test_a_client_that_hangs_up_mid_stream_leaves_the_connection_usable(network, many, monkeypatch):
    monkeypatch.setattr(export_copy, "CHUNK_BYTES", 16 * 1024)
    response = client_for(network.head_office).get(URL, PERIOD)
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"site,region,date,")
    next(chunks)
    response.close()  # what the server does when the client goes away: the generator is closed
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%%' AND state = 'active' "
                       "AND datname = current_database() AND pid <> pg_backend_pid()")
        assert cursor.fetchone()[0] == 0
    assert Site.objects.count() == 30
    # And the next export on the same connection is whole.
    again = client_for(network.head_office).get(URL, {**PERIOD, "sites": "A1"})
    assert b"".join(again.streaming_content).count(b"\n") == 1 + 300 * 4


@pytest.mark.django_db
def test_more_rows_than_a_request_carries_is_refused_up_front_pointing_at_the_background_run(network, many, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 36_000
    assert b"".join(client_for(network.head_office).get(URL, PERIOD).streaming_content).count(b"\n") == 36_001
    settings.EXPORT_STREAM_MAX_ROWS = 35_999
    with CaptureQueriesContext(connection) as queries:
        refused = client_for(network.head_office).get(URL, PERIOD)
    assert refused.status_code == 400 and not refused.streaming
    body = refused.json()
    assert (body["field"], body["code"]) == ("to", "too_many_rows")
    assert "more than 35,999 rows" in body["message"] and "kind results_csv" in body["message"]
    assert _copies(queries.captured_queries) == []
    # A narrower question fits.
    one_site = client_for(network.head_office).get(URL, {**PERIOD, "sites": "A1"})
    assert b"".join(one_site.streaming_content).count(b"\n") == 1_201
