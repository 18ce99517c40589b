"""The demo franchise's standard (and, later, its history)."""

from pathlib import Path

from django.db import transaction
from django.db.models import Min

from sites.demo import demo_opened_on
from sites.models import Site

from .models import StandardVersion, VersionStatus
from .services import standard as services
from .services.standard_document import load_text, parse_document

SAMPLE_STANDARD = Path(__file__).parent / "standards" / "touchpoint-brand.yaml"


@transaction.atomic
def seed_standard() -> StandardVersion:
    """Publish the sample standard unless a version is already published."""
    current = StandardVersion.objects.filter(status=VersionStatus.PUBLISHED).first()
    if current is not None:
        return current
    doc = parse_document(load_text(SAMPLE_STANDARD.read_text(encoding="utf-8"), filename=SAMPLE_STANDARD.name))
    version = services.version_create_from_document(doc=doc)
    # In force from the first day any demo site was open, so the whole demo history is judged by it.
    first_day = Site.objects.aggregate(first=Min("opened_on"))["first"] or demo_opened_on()
    return services.version_publish(version=version, effective_from=first_day)
