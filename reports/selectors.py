"""Which report runs a user may see, and the sites a run covers.

A run is visible to head office always; to anyone else only when every site it covers is one they may
read (sites.access decides), so a manager never sees a run that includes a site next door.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from backend.errors import NotFound
from exports import runs as results_csv
from sites import access
from sites.models import Site

from .models import ReportKind, ReportRun


def run_list(*, user) -> QuerySet[ReportRun]:
    # ``superseded_by``: the newest issued re-issue of a pack (reports.services.packs_affected), in the same query.
    newer = (ReportRun.objects.filter(supersedes=OuterRef("pk"), status=ReportRun.Status.DONE)
             .order_by("-finished_at", "-id").values("public_id")[:1])
    qs = (ReportRun.objects.select_related("region", "requested_by", "supersedes").prefetch_related("sites")
          .annotate(superseded_by=Subquery(newer)))
    if access.is_head_office(user):
        return qs
    readable = access.readable_sites(user).values("id")
    through = ReportRun.sites.through
    has_sites = Exists(through.objects.filter(reportrun_id=OuterRef("pk")))
    foreign_site = Exists(through.objects.filter(reportrun_id=OuterRef("pk")).exclude(site_id__in=readable))
    # A region's run records the region's sites when it is ordered; whole-network runs (no region, no sites)
    # stay head office's.
    return qs.filter(has_sites & ~foreign_site)


def run_get(*, user, public_id) -> ReportRun:
    run = run_list(user=user).filter(public_id=public_id).first()
    if run is None:
        raise NotFound("No such report among those you can see.", field="id")
    return run


def run_sites(run: ReportRun) -> QuerySet[Site]:
    """The sites a run covers: those recorded when it was ordered (a region's as they were then), or the
    whole network."""
    if run.region_id or run.sites.exists():
        return Site.objects.filter(id__in=run.sites.values("id")).select_related("region").order_by("code")
    return Site.objects.select_related("region").order_by("code")


def run_scope_label(run: ReportRun) -> str:
    """What a run covers, in the active language (a PDF's: its run's)."""
    if run.region_id:
        return _("Region %(name)s") % {"name": run.region.name}
    codes = sorted(s.code for s in run.sites.all())
    if not codes:
        return _("Whole network")
    if len(codes) == 1:
        return _("Site %(code)s") % {"code": codes[0]}
    return ", ".join(codes) if len(codes) <= 5 else _("%(count)s sites") % {"count": len(codes)}


# A compliance pack's photo archive (reports/archive.py), stored next to its PDF.
ARCHIVE_EXTENSION, ARCHIVE_CONTENT_TYPE = "-photos.zip", "application/zip"


def stored_file_type(run: ReportRun) -> tuple[str, str]:
    """(extension, content type) of the run's stored file: a PDF, or a results export's gzip-compressed CSV."""
    if run.kind == ReportKind.RESULTS_CSV:
        return results_csv.EXTENSION, results_csv.CONTENT_TYPE
    return ".pdf", "application/pdf"


def download_filename(run: ReportRun) -> str:
    scope = run.region.code if run.region_id else "-".join(sorted(s.code for s in run.sites.all())[:3]) or "network"
    extension = stored_file_type(run)[0]
    return f"touchpoint-{run.kind.replace('_', '-')}-{scope}-{run.period_from}-{run.period_to}{extension}"
