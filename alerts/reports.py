"""Scheduled reports delivered: when the beat's weekly variance report or a monthly compliance pack is done,
its subscribers are told, in the transaction that marks the run done (reports/runner.py calls ``run_done``).

Subscribers: people whose preference for ``report.weekly_variance`` / ``report.monthly_pack`` is immediate or
digest (off unless asked for: ``notify.events.DEFAULT_MODES``) AND who may read the run (CONTRACT18): head
office, and for a pack the auditors who may read every site it covers (assigned sites or regions:
``sites.access.readable_sites``' auditor scope, as ``reports.selectors.run_list`` applies it; tests/alerts/
test_reports.py proves the two agree for every persona). A whole-network run is head office's alone.

The message links to ``/app/reports/<run>/download/``: a link that works from an e-mail whenever it is opened
(sign in if asked; access is checked again and a fresh short-lived signed link to the PDF is made then). The
PDF itself is not attached: the signed links expire in AWS_QUERYSTRING_EXPIRE (300 s) on purpose, a pack can
run to megabytes, and a forwarded e-mail must not hand a site's photos to whoever reads it.
Runs someone ordered by hand (``requested_by`` set) are theirs to fetch: nothing is published for them.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection

from notify.events import Event, Mode
from notify.models import Preference
from notify.services.publish import Occurrence, publish
from reports.models import ReportKind, ReportRun
from sites.models import Profile, Region, Role, Site

EVENTS = {ReportKind.VARIANCE: Event.REPORT_WEEKLY_VARIANCE, ReportKind.COMPLIANCE_PACK: Event.REPORT_MONTHLY_PACK}


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _sql() -> str:
    run_sites = _t(ReportRun.sites.through)
    profile_sites, profile_regions = _t(Profile.sites.through), _t(Profile.regions.through)
    # The sites an auditor (profile p) may read: assigned ones and those of assigned regions.
    auditor_reads = (f"SELECT ps.site_id FROM {profile_sites} ps WHERE ps.profile_id = p.id UNION ALL "
                     f"SELECT s.id FROM {_t(Site)} s JOIN {profile_regions} pr ON pr.region_id = s.region_id "
                     "WHERE pr.profile_id = p.id")
    covered = f"SELECT rs.site_id FROM {run_sites} rs WHERE rs.reportrun_id = %(run)s"
    return (
        f"SELECT ARRAY(SELECT u.id FROM {_t(get_user_model())} u "
        f"JOIN {_t(Preference)} n ON n.user_id = u.id AND n.event = %(event)s AND n.mode = ANY(%(modes)s) "
        f"LEFT JOIN {_t(Profile)} p ON p.user_id = u.id "
        f"WHERE u.is_active AND (u.is_superuser OR p.role = '{Role.HEAD_OFFICE.value}' "
        f"OR (%(pack)s AND p.role = '{Role.AUDITOR.value}' AND EXISTS ({covered}) "
        f"AND NOT EXISTS ({covered} AND rs.site_id NOT IN ({auditor_reads})))) ORDER BY u.id), "
        f"ARRAY(SELECT s.code FROM {_t(Site)} s WHERE s.id IN ({covered}) ORDER BY s.code), "
        f"(SELECT g.name FROM {_t(Region)} g WHERE g.id = run.region_id), run.pdf_size "
        f"FROM {_t(ReportRun)} run WHERE run.id = %(run)s"
    )


def subscribers(run: ReportRun) -> list[int]:
    return _read(run)[0]


def _read(run: ReportRun):
    with connection.cursor() as cursor:
        cursor.execute(_sql(), {"run": run.pk, "event": EVENTS[run.kind], "pack": run.kind == ReportKind.COMPLIANCE_PACK,
                                "modes": [Mode.IMMEDIATE.value, Mode.DIGEST.value]})
        return cursor.fetchone()


def run_done(run: ReportRun) -> None:
    """Tell the subscribers of a scheduled run that it is done (call in the transaction that marks it done).
    Key: the run's public id. Nothing for a run ordered by a person, nor for kinds that are not delivered."""
    if run.requested_by_id is not None or run.kind not in EVENTS:
        return
    recipients, codes, region, size = _read(run)
    public_id = str(run.public_id)
    publish([Occurrence(
        event=EVENTS[run.kind], key=public_id, recipients=recipients, site_id=None,
        link=f"/app/reports/{public_id}/download/",
        data={"run": public_id, "kind": run.kind, "from": run.period_from.isoformat(),
              "to": run.period_to.isoformat(), "sites": codes, "region": region, "size": size,
              "page": f"/app/reports/?run={public_id}#run"})])
