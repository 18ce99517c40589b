"""The daily verification (beat: ``audit.verify_chain``): walk the chain, keep the outcome, and tell head office
once when it is broken."""

from __future__ import annotations

import logging

from django.db import connection

from alerts.people import ctes
from notify.events import Event
from notify.services.publish import Occurrence, publish

from .verify import Outcome, verify

log = logging.getLogger(__name__)


def check_chain() -> Outcome:
    outcome = verify()
    outcome.save()
    if outcome.intact:
        # The head's hash in the logs too: kept outside the database, it shows a chain cut short and rebuilt.
        log.info("Audit chain intact: %s entries, head #%s sha256 %s", outcome.entries, outcome.head_seq,
                 outcome.head_hash)
        return outcome
    log.error("Audit chain BROKEN at entry %s: %s", outcome.broken_seq, outcome.problem)
    # One notice per break: the key names where it broke, so the next day's run finds it told already.
    publish([Occurrence(event=Event.AUDIT_CHAIN_BROKEN, key=f"broken-at-{outcome.broken_seq}",
                        recipients=_head_office(), link="/app/audit/",
                        data={"broken_seq": outcome.broken_seq, "problem": outcome.problem,
                              "intact_up_to": outcome.head_seq, "head_hash": outcome.head_hash})])
    return outcome


def _head_office() -> list[int]:
    """Every active head-office person, by the alerts' one rule (alerts.people)."""
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes()} SELECT ids FROM head_office")
        return list(cursor.fetchone()[0])
