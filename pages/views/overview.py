"""/app/: the network at a glance. Head office sees the whole network, an auditor their sites (sites/access.py),
a manager goes to their site. The numbers are the variance API's for the same period and scope
(pages/overview/network.py); this view wires the request to it and picks the template.

htmx: sorting, paging and searching the league table swap only the sites' part of the page
(#network-sites, pages/overview_sites.html); the period and the region change the whole page's numbers."""

from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers

from backend.errors import AppError
from sites.models import Role

from ..names import standard_names_on
from ..overview.figures import below_rows, network_figures, spread_rows
from ..overview.filters import SitesFilterForm, named_errors, search
from ..overview.heatmap import heat_map
from ..overview.network import network_overview, region_choices
from ..period import page_period
from ..tables import LeagueTable, paginate
from .common import own_site_code, page, require_role

PER_PAGE = 30
SITES_PART = "network-sites"  # the id of the part htmx swaps


@page
def overview(request):
    role = require_role(request, Role.HEAD_OFFICE, Role.AUDITOR, Role.MANAGER)
    if role == Role.MANAGER:
        code = own_site_code(request.user)
        return redirect("pages:site", code=code) if code else redirect("home")

    period, period_form = page_period(request)
    regions = region_choices(request.user)
    filters = SitesFilterForm(request.GET, regions=regions)
    context = {"period_form": period_form, "filters": filters, "period": period, "sites_part": SITES_PART}
    if period is not None and filters.is_valid():
        region = filters.cleaned_data["region"] or None
        try:
            overview_ = network_overview(user=request.user, period=period, region=region,
                                         region_names=dict(regions))
        except AppError as exc:  # the API's refusal of a region: shown beside the field
            filters.add_error("region" if exc.field == "region" else None, exc.message)
        else:
            names = standard_names_on(period.date_to)  # the standard's words in the page's language
            context.update(_sites_view(request, overview_, period, filters.cleaned_data["q"], names))
            context.update(figures=network_figures(overview_), spread_rows=spread_rows(overview_, names),
                           below=below_rows(overview_), region_name=dict(regions).get(region, region))
    context["fields"] = [(f, named_errors(f)) for f in (*period_form, filters["region"])]
    partial = (request.htmx and request.htmx.target == SITES_PART and not request.htmx.history_restore_request
               and "overview" in context)
    status = 200 if "overview" in context else 400  # a refused period or region names its field, as the API does
    response = render(request, "pages/overview_sites.html" if partial else "pages/overview.html", context,
                      status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _sites_view(request, overview_, period, q: str, names) -> dict:
    """The league table (sorted, searched, paged) and the heat map of the same page of sites."""
    rows = search(overview_.report.sites, q)
    table = LeagueTable(rows, period_query=period.query, region_names=overview_.region_names, gaps=overview_.gaps)
    table.order_by = request.GET.getlist(table.prefixed_order_by_field) or table.Meta.order_by
    table.request = request
    paginate(table, request, per_page=PER_PAGE)
    shown = [row.record for row in table.page.object_list]
    return {
        "overview": overview_, "table": table, "q": q, "matches": len(rows),
        # What the search form carries over (a new search starts on page 1).
        "keep": [(name, value) for name in ("period", "from", "to", "region", "sort")
                 for value in request.GET.getlist(name)],
        "heat_map": heat_map(rows=shown, touch_points=overview_.report.touch_point_spread,
                             region_names=overview_.region_names, period_query=period.query, names=names),
    }
