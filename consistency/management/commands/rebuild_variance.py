"""Rebuild the variance engine's running totals from the raw results.

Writers keep the totals current (consistency.services.rollup.results_changed); this is for results
written before the rollup existed, after a site's opening day changes, or after a version is published
with an ``effective_from`` in the past (which changes which criteria past days expected).
"""

from django.core.management.base import BaseCommand

from consistency.services import rollup
from sites.models import Site


class Command(BaseCommand):
    help = "Rebuild the variance totals of all sites, or of the sites given by code."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="Site codes (default: every site).")

    def handle(self, *codes, **options):
        codes = options["codes"]
        ids = None
        if codes:
            found = dict(Site.objects.filter(code__in=codes).values_list("code", "pk"))
            missing = sorted(set(codes) - set(found))
            if missing:
                self.stderr.write(f"No such site: {', '.join(missing)}")
                raise SystemExit(2)
            ids = list(found.values())
        written = rollup.rebuild(site_ids=ids)
        self.stdout.write(f"Rebuilt the variance totals: {written:,} rows.")
