"""/app/audits/: the audits a person may read (a mystery shopper: their own, never anyone else's; an auditor: the
audits of their sites; head office: all), the latest first, and /app/audits/{id}/: one audit with its results
and photos. Read through the API's own selectors (customer.selectors.audits: one scope for both); a constant
number of queries however many there are."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import render

from backend.inputs import iso_day
from consistency.models import Evidence
from consistency.services import evidence_files
from customer.models import AuditKind
from customer.selectors import audits as audit_selectors
from reports.packs import outcome_text, value_text
from sites.models import Role

from ...format import whole_pct
from ...labels import label
from ..common import open_to_mystery_shoppers, page, require_role
from .form import AUDITORS

SHOWN = 100  # the latest this many; a period narrows the list


@page
@open_to_mystery_shoppers
def audit_list(request):
    role = require_role(request, *AUDITORS)
    kind = request.GET.get("kind") or ""
    kind = kind if kind in AuditKind.values else ""
    date_from, date_to = iso_day(request.GET.get("from") or ""), iso_day(request.GET.get("to") or "")
    audits = list(audit_selectors.audit_list(user=request.user, date_from=date_from, date_to=date_to,
                                             kind=kind or None)[:SHOWN + 1])
    for a in audits:  # written as every page writes them
        a.kind_label, a.score_text = label(AuditKind, a.kind), _score(a.score)
    return render(request, "pages/audit_list.html", {
        "audits": audits[:SHOWN], "more": len(audits) > SHOWN, "shown": SHOWN,
        # A shopper's list is their own: their name on every row would say nothing.
        "show_author": role != Role.MYSTERY_SHOPPER, "role": role,
        "kinds": [(k, label(AuditKind, k)) for k in AuditKind.values], "kind": kind, "date_from": date_from,
        "date_to": date_to,
    })


def _score(score: float | None) -> str:
    """An audit's score as a whole percentage: "83%" ("83 %" in French)."""
    return "" if score is None else whole_pct(score)


@dataclass
class Photo:
    evidence: Evidence
    thumbnail: str | None
    original: str | None


@page
@open_to_mystery_shoppers
def audit_detail(request, audit_id: int):
    role = require_role(request, *AUDITORS)
    audit = audit_selectors.audit_get(user=request.user, audit_id=audit_id)
    groups: list[dict] = []
    for r in audit.results.all():
        c = r.criterion
        if not groups or groups[-1]["touch_point"].pk != c.touch_point_id:
            groups.append({"touch_point": c.touch_point, "results": []})
        groups[-1]["results"].append({"c": c, "r": r, "value": value_text(c.kind, r.value, c.unit),
                                      "outcome": outcome_text(passed=r.passed, met=r.met)})
    photos: dict[int, list[Photo]] = {}
    for ev in audit.photos:
        photos.setdefault(ev.criterion_id, []).append(Photo(
            ev, evidence_files.photo_link(ev, "thumbnail", reader=request.user),
            evidence_files.photo_link(ev, "original", reader=request.user)))
    for group in groups:
        for row in group["results"]:
            row["photos"] = photos.get(row["c"].pk, [])
    failed = sum(1 for g in groups for row in g["results"] if not row["r"].passed)
    return render(request, "pages/audit_detail.html", {
        "audit": audit, "groups": groups, "failed": failed, "role": role, "score": _score(audit.score),
        "show_author": role != Role.MYSTERY_SHOPPER,
        "photo_count": sum(len(v) for v in photos.values()),
    })
