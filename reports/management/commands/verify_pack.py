"""``manage.py verify_pack FILE``: is this PDF exactly one Touchpoint produced? Exit 0 if so, 1 if not.

With ``--cert CERT`` (or ``--archive ZIP``) it is ``python -m reports.verify_pack``: the offline check of the
pack's signature (and of the photo archive's manifest) against the franchise's certificate, no database asked;
exit 0 valid, 1 invalid, 2 usage error. Without, the database lookup by SHA-256 (the server's own record).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from reports import verify_pack
from reports.services import report_verify


class Command(BaseCommand):
    help = ("Check a report or compliance pack: by its signature against --cert (offline), or by its SHA-256 in "
            "this server's records.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="Path of the PDF to check.")
        parser.add_argument("--cert", help="The franchise's public certificate: verify the signature offline.")
        parser.add_argument("--archive", help="A photo archive (ZIP) to verify with --cert.")
        parser.add_argument("--json", action="store_true", help="Print the answer as JSON.")

    def handle(self, *args, file, cert, archive, **options):
        if cert or archive:
            if not cert:
                raise CommandError("--archive is checked against a certificate: give --cert.", returncode=2)
            argv = [*([file] if file else []), "--cert", cert, *(["--archive", archive] if archive else []),
                    *(["--json"] if options["json"] else [])]
            code = verify_pack.main(argv, out=self.stdout)
            if code:
                raise SystemExit(code)
            return
        if not file:
            raise CommandError("Give the PDF to check.", returncode=2)
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
