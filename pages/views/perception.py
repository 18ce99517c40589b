"""/app/perception/: what sites report about themselves beside what audits and customers find, for the
person's scope and a period (head office the network, an auditor their sites, a manager or department staff
their sites; a mystery shopper reads no site's checks: 403).

Thin: the answer is customer.perception.perception_gap's over the same scope as the API's
(GET /api/v1/perception-gap/: customer.perception.scope.perception_sites), written out by pages/perception.py."""

from django.shortcuts import render

from backend.errors import AppError
from customer.perception import perception_gap
from customer.perception.scope import perception_sites
from sites.models import Role

from ..overview.filters import SitesFilterForm, named_errors
from ..overview.network import region_choices
from ..perception import perception_text
from ..period import page_period
from .common import page, require_role

READERS = (Role.HEAD_OFFICE, Role.AUDITOR, Role.MANAGER, Role.DEPARTMENT)


@page
def perception(request):
    require_role(request, *READERS)
    period, period_form = page_period(request)
    regions = region_choices(request.user)
    filters = SitesFilterForm(request.GET, regions=regions)
    context = {"period_form": period_form, "filters": filters, "period": period}
    if period is not None and filters.is_valid():
        region = filters.cleaned_data["region"] or None
        try:
            sites = perception_sites(user=request.user, region=region)
            gap = perception_gap(sites=sites, date_from=period.date_from, date_to=period.date_to, region=region)
        except AppError as exc:  # the API's refusal of a region: shown beside the field
            filters.add_error("region" if exc.field == "region" else None, exc.message)
        else:
            context.update(perception_text(gap), gap=gap, region_name=dict(regions).get(region, region),
                           period_query=period.query)
    context["fields"] = [(f, named_errors(f)) for f in (*period_form, filters["region"])]
    return render(request, "pages/perception.html", context, status=200 if "gap" in context else 400)
