"""The audit chain: record() appends entry after entry, each hashed over its columns and its predecessor's hash;
audit_verify recomputes them and names the first broken link (an edited entry, a deleted one, a deleted tail)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from audit import chain
from audit.models import Action, AuditEntry, ChainCheck
from audit.services import record
from audit.verify import verify
from tests.factories import UserFactory


def append(n: int, actor=None) -> list[AuditEntry]:
    return [record(Action.ROLE_GRANTED, actor=actor, target_type="auth.user", target_id=i, site="A1",
                   data={"role": {"before": None, "after": "manager"}, "i": i}) for i in range(n)]


def as_attacker(sql: str, params=()) -> None:
    """What a superuser can do: switch the triggers off for this transaction and rewrite the table."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def run_verify() -> tuple[int, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, err.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_entries_are_numbered_and_chained_from_sixty_four_zeros():
    actor = UserFactory(username="head.office")
    entries = append(3, actor)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    stored = AuditEntry.objects.get(seq=2)
    assert stored.actor_name == "head.office" and stored.actor_id == actor.pk and stored.site_code == "A1"
    # The hash is over every column but itself, the previous hash included: recomputed from what was stored.
    fields = {name: getattr(stored, name) for name in chain.COLUMNS}
    assert chain.entry_hash(fields) == stored.hash
    assert chain.entry_hash({**fields, "prev_hash": "1" * 64}) != stored.hash
    # The database's clock, in order.
    assert entries[0].at <= entries[1].at <= entries[2].at
    code, said = run_verify()
    assert code == 0 and f"3 entries, head #3 sha256 {entries[2].hash}" in said


@pytest.mark.django_db
def test_an_append_is_three_statements_inside_the_callers_transaction(django_assert_num_queries):
    append(2)
    with transaction.atomic(), django_assert_num_queries(3):
        record(Action.TOKEN_REVOKED, actor=None, target_type="sites.devicetoken", target_id=7)


@pytest.mark.django_db
def test_an_entry_exists_only_if_its_action_committed():
    append(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(Action.STANDARD_PUBLISHED, actor=None, target_type="consistency.standardversion", target_id=2)
        raise RuntimeError("the action failed after its entry was written")
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [1]
    assert record(Action.STANDARD_PUBLISHED, actor=None, target_type="x", target_id=1).seq == 2
    assert verify().intact


@pytest.mark.django_db
def test_data_is_hashed_as_postgresql_gives_it_back():
    """jsonb returns some values other than Python wrote them (1e+20 as an integer, -0.0 as 0.0): what record
    hashes is what verify reads back."""
    awkward = {"float": 0.1, "whole": 1.0, "big": 1e20, "tiny": 1e-7, "negzero": -0.0, "int": 2**70,
               "text": "Māori € \"quoted\" \\ \n", "nul": "a\x00b", "day": dt.date(2026, 3, 10),
               "when": dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC), "id": uuid.UUID(int=5), "dec": Decimal("1.50"),
               "nested": {"b": [1, (2, 3)], "a": {"z": None, "y": True}}, "set": {3, 1, 2}, 5: "key not text"}
    entry = record(Action.STANDARD_EDITED, actor=None, target_type="x", target_id=1, data=awkward)
    assert AuditEntry.objects.get(seq=entry.seq).data == entry.data
    outcome = verify()
    assert outcome.intact and outcome.head_hash == entry.hash, outcome.problem


@pytest.mark.django_db
def test_an_edited_entry_is_found(capsys):
    append(5)
    as_attacker("UPDATE audit_auditentry SET data = jsonb_set(data, '{role,after}', '\"head_office\"') WHERE seq = 3")
    code, said = run_verify()
    assert code == 1
    assert "BROKEN at entry 3" in said and "does not match its hash" in said and "intact up to #2" in said


@pytest.mark.django_db
def test_an_entry_edited_with_its_hash_recomputed_breaks_the_next_link():
    entries = append(4)
    forged = {name: getattr(AuditEntry.objects.get(seq=2), name) for name in chain.COLUMNS}
    forged["actor_name"] = "someone.else"
    as_attacker("UPDATE audit_auditentry SET actor_name = %s, hash = %s WHERE seq = 2",
                [forged["actor_name"], chain.entry_hash(forged)])
    outcome = verify()
    assert not outcome.intact and outcome.broken_seq == 3 and "replaced" in outcome.problem
    assert outcome.head_seq == 2 and outcome.head_hash == chain.entry_hash(forged) != entries[1].hash


@pytest.mark.django_db
def test_a_deleted_entry_is_found():
    append(6)
    as_attacker("DELETE FROM audit_auditentry WHERE seq IN (3, 4)")
    code, said = run_verify()
    assert code == 1 and "BROKEN at entry 5" in said and "entries 3 to 4 were deleted" in said


@pytest.mark.django_db
def test_a_deleted_first_entry_is_found():
    append(2)
    as_attacker("DELETE FROM audit_auditentry WHERE seq = 1")
    outcome = verify()
    assert not outcome.intact and outcome.broken_seq == 2 and "entry 1 was deleted" in outcome.problem


@pytest.mark.django_db
def test_a_deleted_tail_is_found_against_the_last_recorded_verification():
    append(4)
    call_command("audit_verify", "--record", stdout=__import__("io").StringIO())
    assert ChainCheck.objects.get().head_seq == 4
    as_attacker("DELETE FROM audit_auditentry WHERE seq >= 3")
    code, said = run_verify()
    assert code == 1 and "BROKEN at entry 3" in said and "entries after 2 were deleted" in said
    # New entries appended after the deletion do not hide it: they follow 2, and the recorded head was 4.
    append(1)
    outcome = verify()
    assert not outcome.intact and outcome.problem.startswith("the chain ends at 3, but entry 4")


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_share_a_number_or_a_predecessor():
    """Eight threads (eight connections) append at once: the advisory lock makes them take turns."""
    errors, start = [], threading.Barrier(8)

    def appender(i):
        try:
            start.wait()
            for j in range(5):
                with transaction.atomic():
                    record(Action.REPORT_DOWNLOADED, actor=None, target_type="reports.reportrun", target_id=i * 10 + j)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=appender, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 41))
    assert verify().intact


@pytest.mark.django_db
@pytest.mark.parametrize("instant", ["2026-12-05T00:00:00+00:00", "2026-12-31T23:59:59.999999+13:00",
                                     "2000-02-29T12:00:00.000001-05:30", "2026-03-29T01:30:00.5+01:00"])
def test_postgresql_writes_the_time_as_the_hash_does(instant):
    moment = dt.datetime.fromisoformat(instant)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {chain.AT_SQL} FROM (SELECT %s::timestamptz AS at) t", [moment])
        assert cursor.fetchone()[0] == chain._at(moment)
