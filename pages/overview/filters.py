"""The overview's own questions besides the period: which region (the API's ``region``: it narrows the scope,
so the network's numbers are the region's) and which sites to list (``q``: a search on code and name that
narrows the table and the heat map only; the network's numbers stay those of the scope)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consistency.variance import SiteVariance


class SitesFilterForm(forms.Form):
    region = forms.ChoiceField(required=False, label=_("Region"))
    q = forms.CharField(required=False, max_length=100, label=_("Search a site"), strip=True,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code or name"),
                                                      "autocomplete": "off"}))

    def __init__(self, data=None, *, regions: list[tuple[str, str]], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [("", gettext("All regions")), *((code, f"{name} ({code})") for code, name in regions)]


def search(rows: list[SiteVariance], q: str) -> list[SiteVariance]:
    """The sites whose code or name contains ``q`` (any case); all of them for an empty search."""
    if not q:
        return rows
    needle = q.casefold()
    return [s for s in rows if needle in s.code.casefold() or needle in s.name.casefold()]


def named_errors(field) -> list[str]:
    """A bound field's errors, each naming the field as the API's messages do ("from: ..."), so the message
    reads the same beside the field, in a screen reader's list of errors and in the API's answer."""
    name = field.html_name
    return [e if e.startswith(f"{name}:") else f"{name}: {e}" for e in field.errors]
