"""/app/reports/: order a report, watch it render, download it, the runs one may see, verify a PDF.

Every step is the API's own service: ``report_order`` (through the same Idempotency-Key service as
``POST /api/v1/reports/``), ``run_list``/``run_get`` (the API's scoping), ``report_download`` (the same signed
link) and ``report_verify``. The page adds forms and HTML, nothing that decides.
"""

from __future__ import annotations

import uuid
from time import monotonic, sleep

import orjson
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event
from django_tables2 import RequestConfig

from backend.body_limits import body_limit
from backend.errors import AppError, Conflict, NotFound, Unprocessable
from consistency.services import idempotency
from reports import selectors, services
from reports.models import RunStatus

from ...tables import paginate
from ..common import page
from .forms import OrderForm, VerifyForm
from .tables import RunTable, duration

PER_PAGE = 20
# A double click sends the second request while the first still holds the key (409 in the API). A page has no
# retry button for that: it waits this long for the first to finish, then shows the run the first ordered.
IN_PROGRESS_WAIT_SECONDS = 5.0


@page
@require_http_methods(["GET", "POST"])
def reports(request):
    if request.method == "POST":
        return _order(request)
    return _page(request, OrderForm(user=request.user))


def _page(request, form: OrderForm, *, status: int = 200, verify: dict | None = None):
    highlight = _highlighted(request)
    table = RunTable(selectors.run_list(user=request.user), highlight=highlight.public_id if highlight else None)
    RequestConfig(request, paginate=False).configure(table)  # sorting from the address; paging as every page pages
    paginate(table, request, per_page=PER_PAGE)
    return render(request, "pages/reports.html", {
        "form": form, "table": table, "run": highlight, **(_run_context(highlight) if highlight else {}),
        "verify_form": VerifyForm(), **(verify or {}),
    }, status=status)


def _highlighted(request):
    """The run named by ?run= (the one just ordered, or picked from the table) if this person may see it."""
    raw = request.GET.get("run")
    if not raw:
        return None
    try:
        return selectors.run_get(user=request.user, public_id=uuid.UUID(raw))
    except (ValueError, NotFound):
        messages.error(request, gettext("run: no such report among those you can see."))
        return None


# --- ordering ---------------------------------------------------------------------------------------

def _order(request):
    form = OrderForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    order = form.order()
    # What makes a resent form "the same order": the order itself, not the bytes of the form (whose CSRF
    # token and "last 30 days" vs dates may differ while the order does not).
    body = orjson.dumps({**order, "date_from": order["date_from"].isoformat(),
                         "date_to": order["date_to"].isoformat()}, option=orjson.OPT_SORT_KEYS)
    fingerprint = idempotency.fingerprint(method="POST", path=reverse("pages:reports"), body=body)

    def place() -> tuple[int, bytes]:
        run = services.report_order(user=request.user, **order)
        return 303, orjson.dumps({"run": str(run.public_id)})

    try:
        stored = _idempotent(request, form.cleaned_data["idempotency_key"], fingerprint, place)
    except Unprocessable as exc:
        # This form already ordered something else (Back, then changed and sent again): a new key, a new order.
        data = request.POST.copy()
        data["idempotency_key"] = str(uuid.uuid4())
        form = OrderForm(data, user=request.user)
        form.is_valid()
        form.add_error(None, gettext("This form was already used for another order; check it and order again.")
                       + f" ({exc.message})")
        return _page(request, form, status=exc.status_code)
    except AppError as exc:
        form.add_refusal(exc)
        return _page(request, form, status=exc.status_code)
    public_id = orjson.loads(stored.content)["run"]
    if stored.replayed:
        messages.info(request, gettext("This order was already placed; here is its report (nothing was ordered "
                                       "twice)."))
    else:
        messages.success(request, gettext("Report ordered. It renders in the background; this page shows its "
                                          "progress."))
    response = HttpResponseRedirect(f"{reverse('pages:reports')}?run={public_id}#run")
    response.status_code = 303  # See Other: the browser GETs the run's page; Reload does not post again
    return response


def _idempotent(request, key: str, fingerprint: str, place):
    deadline = monotonic() + IN_PROGRESS_WAIT_SECONDS
    while True:
        try:
            return idempotency.idempotent(user=request.user, key=key, request_fingerprint=fingerprint, run=place)
        except Conflict as exc:
            if exc.code != "idempotency_in_progress" or monotonic() > deadline:
                raise
            sleep(0.1)


# --- one run: its status (polled), its PDF ----------------------------------------------------------

def _run_context(run) -> dict:
    return {"run": run, "scope": selectors.run_scope_label(run), "took": duration(run),
            "in_progress": run.status in (RunStatus.QUEUED, RunStatus.RUNNING)}


@page
@require_GET
def report_status(request, public_id):
    """The run's status card, polled by htmx every second while it is queued or running. The final card
    carries no trigger, so polling stops when the run is done or failed."""
    run = selectors.run_get(user=request.user, public_id=public_id)
    if not request.htmx:
        return redirect(f"{reverse('pages:reports')}?run={run.public_id}#run")
    context = _run_context(run)
    response = render(request, "pages/reports_status.html", context)
    if not context["in_progress"]:
        # Only a card that was polling asks again, so this is the run finishing: the runs table reads itself anew.
        trigger_client_event(response, "report-finished")
    return response


@page
@require_GET
def report_download(request, public_id):
    """The PDF, through the API's signed short-lived link (reports.services.report_download). The page links
    here rather than to the signed link itself, which would have expired on a page left open."""
    run = selectors.run_get(user=request.user, public_id=public_id)
    try:
        link = services.report_download(run=run, user=request.user, request=request)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('pages:reports')}?run={run.public_id}#run")
    return HttpResponseRedirect(link["url"])


# --- verifying a PDF ----------------------------------------------------------------------------------

@body_limit(lambda: settings.REPORT_MAX_VERIFY_BYTES, what="a PDF to verify")  # backend.body_limits
@page
@require_http_methods(["GET", "POST"])
def report_verify(request):
    """A dropped or chosen PDF, checked by reports.services.report_verify (the API's verify). Answers the
    result fragment to the page's script, the whole page to a plain form post."""
    if request.method == "GET":
        return redirect(f"{reverse('pages:reports')}#verify")
    form = VerifyForm(request.POST, request.FILES)
    status, context = 200, {"verify_form": form}
    if form.is_valid():
        try:
            context["verified"] = services.report_verify(fileobj=form.cleaned_data["file"])
            context["verified_name"] = form.cleaned_data["file"].name
        except AppError as exc:
            form.add_error("file", exc.message)
            status = exc.status_code
    else:
        status = 400
    if request.htmx:
        return render(request, "pages/reports_verify_result.html", context, status=status)
    return _page(request, OrderForm(user=request.user), status=status, verify=context)
