"""``manage.py verify_pack FILE``: is this PDF exactly one Touchpoint produced? Exit 0 if so, 1 if not."""

import json

from django.core.management.base import BaseCommand, CommandError

from reports.services import report_verify


class Command(BaseCommand):
    help = "Check whether a PDF is exactly a report or compliance pack Touchpoint produced (by SHA-256)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the PDF to check.")
        parser.add_argument("--json", action="store_true", help="Print the answer as JSON.")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as fh:
                answer = report_verify(fileobj=fh)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(answer, default=str, indent=2))
        elif answer["verified"]:
            r = answer["report"]
            self.stdout.write(self.style.SUCCESS(
                f"VERIFIED: {r['kind']} for {r['scope']}, {r['from']} to {r['to']} "
                f"(report {r['id']}, produced {r['produced_at']}); sha256 {answer['sha256']}"))
        else:
            self.stdout.write(self.style.ERROR(f"NOT VERIFIED: {answer['message']} sha256 {answer['sha256']}"))
        if not answer["verified"]:
            raise SystemExit(1)
