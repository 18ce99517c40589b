from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backend.errors import AppError
from consistency.services import standard as services
from consistency.services.standard_document import load_text, parse_document


class Command(BaseCommand):
    help = ("Load a standard from a JSON or YAML file as a new draft version (--publish to publish it). "
            "A bad file is refused whole, with every problem named; nothing is loaded.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--publish", action="store_true", help="Publish the loaded version at once.")

    def handle(self, *args, file: Path, publish: bool, **options):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            doc = parse_document(load_text(text, filename=file.name))
            with transaction.atomic():  # a draft that then fails to publish is not left behind
                version = services.version_create_from_document(doc=doc)
                if publish:
                    version = services.version_publish(version=version)
        except AppError as exc:
            lines = [f"{file}: {exc.message}"] + [f"  - {e.message}" for e in exc.errors
                                                   if e.message != exc.message]
            raise CommandError("\n".join(lines)) from exc
        criteria = sum(len(tp.criteria) for tp in doc.touch_points)
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {doc.slug} version {version.number} ({version.status}): "
            f"{len(doc.touch_points)} touch points, {criteria} criteria."
        ))
