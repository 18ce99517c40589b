"""``manage.py import_feedback FILE.csv [--dry-run] [--user NAME]``: a survey tool's export, through the same
import service as the upload on /app/feedback/ (customer.services.feedback.feedback_import)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from backend.errors import AppError
from customer.services.feedback import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, feedback_import
from sites import access


class Command(BaseCommand):
    help = (f"Import customer feedback from a CSV file with a header line: columns {', '.join(REQUIRED_COLUMNS)} "
            f"(required) and {', '.join(OPTIONAL_COLUMNS)} (optional; channel defaults to survey). Good rows are "
            "imported; each bad row is reported as 'line N: reason'. A header without a required column refuses "
            "the file.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report; store nothing.")
        parser.add_argument("--user", help="The head-office user the import is recorded as (default: the first "
                                           "superuser).")

    def handle(self, *args, file: Path, dry_run: bool, user: str | None, **options):
        importer = self._user(user)
        try:
            stream = file.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        with stream:
            try:
                report = feedback_import(stream, user=importer, dry_run=dry_run, keep=0,
                                         on_problem=lambda problem: self.stderr.write(f"{file}: {problem}"))
            except AppError as exc:
                raise CommandError(f"{file}: {exc.message}") from exc
        verb = "would import" if dry_run else "imported"
        summary = f"{file}: {report.rows:,} rows read, {verb} {report.imported:,}, {report.bad:,} refused."
        if report.ignored_columns:
            summary += f" Columns not read: {', '.join(report.ignored_columns)}."
        self.stdout.write(self.style.SUCCESS(summary) if not report.bad else self.style.WARNING(summary))

    def _user(self, username: str | None):
        users = get_user_model().objects
        person = (users.filter(username=username).first() if username
                  else users.filter(is_superuser=True, is_active=True).order_by("pk").first())
        if person is None:
            raise CommandError(f"No user {username!r}." if username else
                               "No superuser to record the import as; name a head-office user with --user.")
        if not access.is_head_office(person):
            raise CommandError(f"{person.get_username()} is not head office; feedback is imported by head office.")
        return person
