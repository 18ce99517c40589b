"""List database rows whose stored file is missing, and stored files no row names (consistency.services.reconcile).

Exit status: 0 when both lists are empty, 1 when anything was found, 2 for bad arguments. Run it after a
restore (docs/backups.md) and from time to time: it reads the bucket by listing, never one request per row.
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from consistency.services import reconcile


class Command(BaseCommand):
    help = ("List database rows without their object in storage (photos, thumbnails, reference photos, report "
            "files) and objects under the app's prefixes without a row. Exit status 1 when anything is found.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the result as one JSON document.")
        parser.add_argument("--grace-minutes", type=int, default=int(reconcile.DEFAULT_GRACE.total_seconds() // 60),
                            help="Objects stored more recently than this are not called orphans: their row may not "
                                 "be committed yet (default: %(default)s).")
        parser.add_argument("--limit", type=int, default=1000,
                            help="List at most this many of each kind (counts are always complete; 0: no limit; "
                                 "default: %(default)s).")

    def handle(self, *args, **options):
        if options["grace_minutes"] < 0:
            raise CommandError("--grace-minutes: must be 0 or more.", returncode=2)
        if options["limit"] < 0:
            raise CommandError("--limit: must be 0 or more.", returncode=2)
        result = reconcile.reconcile(grace=dt.timedelta(minutes=options["grace_minutes"]),
                                     limit=options["limit"] or None)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        else:
            self._write_text(result)
        if not result.clean:
            raise SystemExit(1)

    def _write_text(self, result: reconcile.Reconciliation) -> None:
        out = self.stdout.write
        out(f"Rows checked: {result.rows_checked}; objects listed: {result.objects_listed} "
            f"(under {', '.join(reconcile.PREFIXES)}).")
        out(f"Rows without objects: {result.missing}")
        for name in result.rows_without_objects:
            out(f"  {name.kind} {name.row}: {name.key}")
        if len(result.rows_without_objects) < result.missing:
            out(f"  ... and {result.missing - len(result.rows_without_objects)} more")
        out(f"Objects without rows: {result.orphans}")
        for obj in result.objects_without_rows:
            out(f"  {obj.key} ({obj.size} bytes, {obj.modified:%Y-%m-%d %H:%M:%S} UTC)")
        if len(result.objects_without_rows) < result.orphans:
            out(f"  ... and {result.orphans - len(result.objects_without_rows)} more")
        if result.recent_unnamed:
            out(f"({result.recent_unnamed} objects stored inside the grace period have no row yet; not counted.)")
        out("Storage and database agree." if result.clean else "Storage and database disagree.")
