from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consistency.demo import seed_standard
from consistency.demo_history import resolve_demo_actions, seed_history
from consistency.demo_not_applicable import seed_not_applicable
from consistency.demo_photos import REUSING_SITE, seed_demo_photos
from consistency.demo_reference_photos import seed_reference_photos
from customer.demo import seed_customer
from sites.demo import AUDITOR_REGION, seed_network

# The history `make run` shows: two months, enough for monthly audits and a perception gap that holds.
HISTORY_DAYS = 60


class Command(BaseCommand):
    help = "Build (or bring up to date) the demo franchise. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--minimal", action="store_true",
            help="Only the network, its logins and the standard: no history, photos or customer data (seconds "
                 "instead of a minute; the smoke test and the morning-rush bench of `make stack` use it).")
        parser.add_argument(
            "--days", type=int, default=HISTORY_DAYS,
            help=f"How many days of history before today: checks, their photos and fixes, audits (one a site a "
                 f"month: at least 30 days for one) and feedback (default {HISTORY_DAYS}).")

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE == "backend.settings.production":
            # The demo's logins follow a pattern and share one password: never on a real franchise's data.
            raise CommandError("seed_demo refuses to run under production settings (backend.settings.production): "
                               "it creates logins anyone can guess. Run it on a laptop or a staging copy.")
        if options["days"] < 1:
            raise CommandError(f"--days: at least 1 day of history, not {options['days']}.")
        password = settings.DEMO_PASSWORD
        network = seed_network(password=password)
        version = seed_standard()
        self.stdout.write(f"Reference photos: {seed_reference_photos()} new (what right looks like).")
        sites = network["sites"]
        if not options["minimal"]:
            self._seed_history(days=options["days"])
        self.stdout.write(self.style.SUCCESS(
            f"Demo franchise: {network['regions']} regions, {len(sites)} sites, "
            f"standard version {version.number} published."
        ))
        self.stdout.write(
            "Logins (password "
            + ("from DEMO_PASSWORD" if password != "demo" else "'demo'")
            + f"): head.office | auditor (region {AUDITOR_REGION}) | manager.<site code in lower case>, "
            f"e.g. manager.{sites[0].code.lower()} | shopper (mystery shopper) | auditor.two | accounts (accounting)"
        )

    def _seed_history(self, *, days: int) -> None:
        """``days`` of checks, their photos and fixes, audits and customer feedback: what --minimal leaves out."""
        password = settings.DEMO_PASSWORD
        history = seed_history(days=days)
        self.stdout.write(f"History: {history['checks']} new daily checks, {history['amendments']} amendments.")
        self.stdout.write(f"Not applicable: {seed_not_applicable()} new marks (no restroom at CHC-02, no delivery at SFO-02).")
        photos = seed_demo_photos()
        self.stdout.write(f"Photos: {photos['photos']} new, verified ({REUSING_SITE} reuses one every morning).")
        actions = resolve_demo_actions()
        self.stdout.write(f"Corrective actions: {actions['resolved']} resolved ({actions['photos']} photos of fixes).")
        customer = seed_customer(password=password, days=days)
        self.stdout.write(f"Customer view: {customer['audits']} audits, {customer['mystery_shops']} mystery shops, "
                          f"{customer['calibrations']} calibration visit, {customer['feedback']} feedback responses.")
