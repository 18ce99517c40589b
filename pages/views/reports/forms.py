"""The forms of /app/reports/: ordering a report (the API's order, as a form) and a PDF to verify.

The forms read shape only. What may be ordered (the period rule, the person's scope, one site for a pack) is
reports.services.report_order's to decide, as it is for the API: a site outside one's scope is refused by the
service with the API's message, never filtered out of the choices here and so silently dropped.
"""

from __future__ import annotations

import uuid
from itertools import groupby

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.errors import AppError
from pages.period import DEFAULT_PRESET, PeriodForm
from reports.models import ReportKind
from sites import access

from ...labels import LABELS


class _Unjudged:
    """A choice field that shows its choices but lets any value through: the service judges it, with the
    API's answer (a site outside one's scope is a refusal naming the field, not "not one of the choices")."""

    def valid_value(self, value):
        return True


class SitesField(_Unjudged, forms.MultipleChoiceField):
    pass


class RegionField(_Unjudged, forms.ChoiceField):
    pass


class OrderForm(PeriodForm):
    """``kind``, the period (``period`` 7|30|90|custom, or ``from``/``to``), ``region`` or ``sites`` (one or
    several values), and the ``idempotency_key`` generated when the form was rendered. The site page posts the
    same names: kind=compliance_pack, sites=<code>, from, to, idempotency_key."""

    kind = forms.ChoiceField(choices=[(k, LABELS[ReportKind][k]) for k in ReportKind], initial=ReportKind.VARIANCE,
                             label=_("Report"),
                             widget=forms.RadioSelect)
    region = RegionField(required=False, label=_("Region"))
    sites = SitesField(required=False, label=_("Sites"),
                       help_text=_("One site for a compliance pack; one or several for a variance report."))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255,
                                      error_messages={"required": _("This form has no order key; it was renewed, "
                                                                    "order again.")})

    # Where the service's field names land on the form (the API's "sites[2]" is this form's "sites").
    FIELD_OF = {"from": "date_from", "to": "date_to", "kind": "kind", "region": "region", "sites": "sites"}

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, label_suffix="", **kwargs)
        self.fields["period"].label = gettext("Days")  # the fieldset's legend says "Period"
        self.fields["period"].initial = DEFAULT_PRESET  # the pages' default, shown as the choice it is
        if data is None:
            # A fresh key per rendered form: a double click or a resent form is the same order, a new form a new one.
            self.initial["idempotency_key"] = str(uuid.uuid4())
        sites = list(access.readable_sites(user).select_related("region").order_by("region__name", "code"))
        self.fields["sites"].choices = [
            (region, [(s.code, f"{s.code} · {s.name}") for s in group])
            for region, group in groupby(sites, key=lambda s: s.region.name if s.region_id else gettext("No region"))]
        regions = {s.region.code: s.region.name for s in sites if s.region_id}
        everything = gettext("Whole network") if access.is_head_office(user) else gettext("All the sites I can read")
        self.fields["region"].choices = [("", everything), *sorted(regions.items(), key=lambda r: r[1])]
        self.fields["region"].help_text = gettext("Or pick sites below; not both.")
        self.fields["sites"].widget.attrs["size"] = min(8, max(3, len(sites) + len(regions)))

    def order(self) -> dict:
        """The order, as ``report_order`` takes it."""
        data = self.cleaned_data
        return {"kind": data["kind"], "date_from": data["date_from"], "date_to": data["date_to"],
                "region": data.get("region") or None, "sites": list(data.get("sites") or []) or None}

    def add_refusal(self, refusal: AppError) -> None:
        """The service's refusal, each message beside the field it names."""
        for error in refusal.errors:
            name = (error.field or "").split("[", 1)[0]
            self.add_error(self.FIELD_OF.get(name), error.message)


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("PDF to verify"), widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
                           error_messages={
        "required": _("file: choose a PDF to verify."), "empty": _("file: the file is empty.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
