"""The sweep: every rule that follows the clock (``alerts.rules``), for every site, then one publish.

Run by the beat every few minutes (``alerts.sweep``, backend/schedules.py). Its cost does not grow with the
number of sites in statements: one SELECT finds everything, and ``publish`` stores it in two statements
(plus a savepoint when called inside a transaction). Safe to run as often as anyone likes: the keys make a
second run store nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from notify.services.publish import publish

from . import rules


@dataclass(frozen=True)
class Swept:
    found: dict[str, int]  # occurrences found now, by event (told before or not)
    notices: int           # notices stored now (queued, or held for a digest)
    deliveries: int        # webhook deliveries stored now


def sweep(*, now: dt.datetime | None = None, only=rules.RULES) -> Swept:
    """Find and tell what is due at ``now`` (default: the clock) by the rules ``only`` (default: all)."""
    now = now or timezone.now()
    occurrences = rules.due(now=now, rules=only)
    published = publish(occurrences)  # in its own transaction: the sends are queued when it commits
    return Swept(found=dict(Counter(o.event for o in occurrences)),
                 notices=len(published.notices) + published.held, deliveries=len(published.deliveries))
