"""The period picker of the pages: the last 7, 30 or 90 days up to today, or a custom from..to.

The period rule itself is the API's (consistency.services.period.period_check): a page refuses what the API
refuses, with the same message, shown beside the field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.errors import AppError
from consistency.services.period import DEFAULT_PERIOD_DAYS, period_check, period_complete

PRESETS = (("7", _("Last 7 days")), ("30", _("Last 30 days")), ("90", _("Last 90 days")), ("custom", _("Custom")))
DEFAULT_PRESET = str(DEFAULT_PERIOD_DAYS)  # the API's default period, offered as the preset it is


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PRESETS, required=False, label=_("Period"))
    date_from = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, today: dt.date | None = None, **kwargs):
        self.today = today or timezone.localdate()
        if data is not None and not data.get("period"):
            # No preset named: dates alone (the API's ?from=&to=, the site page's order form) are a custom
            # period, nothing at all the default one; shown back as such, not as the first choice of the list.
            data = data.copy()
            data["period"] = "custom" if (data.get("from") or data.get("to")) else DEFAULT_PRESET
        super().__init__(data, **kwargs)

    def add_prefix(self, field_name):
        # The names the API uses for the same question (?from=&to=), so a page's address and the API's agree.
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def clean(self):
        data = super().clean()
        preset = data.get("period") or DEFAULT_PRESET
        data["period"] = preset
        try:
            if preset != "custom":
                data["date_to"] = self.today
                data["date_from"] = self.today - dt.timedelta(days=int(preset) - 1)
                period_check(data["date_from"], data["date_to"])
            else:  # the API's completion of a period given by one end or none, and its refusals
                data["date_from"], data["date_to"] = period_complete(data.get("date_from"), data.get("date_to"),
                                                                     today=self.today)
        except AppError as exc:
            self.add_error({"from": "date_from", "to": "date_to"}.get(exc.field, None), exc.message)
        return data


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date
    preset: str

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def query(self) -> str:
        """The query string that asks the API (and the pages) for this period."""
        return f"from={self.date_from.isoformat()}&to={self.date_to.isoformat()}"


def page_period(request) -> tuple[Period | None, PeriodForm]:
    """The period a page was asked for (?period=7|30|90|custom&from=&to=), and the form to show. The period is
    None when the form refuses it (the form carries the message, naming the field). A period read is shown as
    it was read: its preset selected (bound to an address without one, the form would show its first choice,
    "Last 7 days", above the default 30) and the dates it stands for in From and To."""
    form = PeriodForm(request.GET)  # always bound: no parameters at all is the default period
    if not form.is_valid():
        return None, form
    data = form.cleaned_data
    period = Period(data["date_from"], data["date_to"], data["period"])
    return period, PeriodForm({"period": period.preset, "from": period.date_from, "to": period.date_to})
