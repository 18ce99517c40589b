"""``manage.py audit_verify``: recompute every entry's hash along the chain; exit 1 at the first broken link.

Runs against whichever database DATABASE_URL names (e.g. a cluster restored on another port), or ``--database``.
"""

import sys

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from audit.verify import verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain: exit 0 with the count and head hash if intact, 1 at a broken link."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: DATABASE_URL's).")
        parser.add_argument("--record", action="store_true",
                            help="Keep the outcome (shown on /app/audit/; its head is checked by the next run).")

    def handle(self, *args, database, record, **options):
        outcome = verify(database)
        if record:
            outcome.save(database)
        if outcome.intact:
            if outcome.head_seq is None:
                self.stdout.write(f"Audit chain intact: no entries yet ({outcome.seconds:.2f} s).")
            else:
                self.stdout.write(f"Audit chain intact: {outcome.entries} entries, head #{outcome.head_seq} "
                                  f"sha256 {outcome.head_hash} ({outcome.seconds:.2f} s).")
            return
        intact = (f"intact up to #{outcome.head_seq} sha256 {outcome.head_hash}" if outcome.head_seq
                  else "no entry before it is intact")
        self.stderr.write(f"Audit chain BROKEN at entry {outcome.broken_seq}: {outcome.problem}. "
                          f"The chain is {intact}.")
        sys.exit(1)
