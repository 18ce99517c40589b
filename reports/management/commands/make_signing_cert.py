"""``manage.py make_signing_cert [DIR]``: the franchise's self-signed signing key and certificate, made once.

``make run`` and ``make stack`` call it before anything starts; it does nothing when the pair exists already, so
packs signed earlier keep verifying against the same certificate. Production brings its own pair
(PACK_SIGNING_KEY / PACK_SIGNING_CERT): a self-signed certificate proves only that the same key signed.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from reports.certificates import ensure_certificate


class Command(BaseCommand):
    help = "Make a self-signed franchise signing key and certificate under DIR (default: the var dir's signing/)."
    requires_system_checks = []  # it is what makes the signing check pass

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", help="Where to write them (default: %(default)s).",
                            default=str(settings.PACK_SIGNING_DIR))
        parser.add_argument("--name", default="", help="The franchise named in the certificate "
                                                       "(default: FRANCHISE_NAME, else 'Touchpoint Franchise').")

    def handle(self, *args, directory, name, **options):
        key, cert, made = ensure_certificate(directory, name or settings.FRANCHISE_NAME or "Touchpoint Franchise")
        if not made and options["verbosity"] < 2:
            return  # make run asks at every start: nothing to say when the pair is there
        verb = "Made" if made else "Kept"
        self.stdout.write(f"{verb} the signing key {key} and certificate {cert} (give the certificate to whoever "
                          "verifies packs: python -m reports.verify_pack PACK.pdf --cert CERT).")
