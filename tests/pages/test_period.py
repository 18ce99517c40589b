"""The pages' period picker asks the API's period rule: the same completion of a period given by one end or
none, the same refusals with the same words."""

import datetime as dt

import pytest
from django.utils import timezone

from backend.inputs import EARLIEST_DAY
from consistency.services.period import DEFAULT_PERIOD_DAYS
from pages.period import DEFAULT_PRESET, PRESETS, PeriodForm
from tests.conftest import client_for

from .test_routing import signed_in

pytestmark = pytest.mark.django_db

D = dt.date


def test_the_default_preset_is_the_apis_default_period():
    assert DEFAULT_PRESET == str(DEFAULT_PERIOD_DAYS) and DEFAULT_PRESET in dict(PRESETS)


@pytest.mark.parametrize("query", [
    {}, {"to": "2026-03-10"}, {"from": "2026-03-01"}, {"from": "2026-03-01", "to": "2026-03-10"},
    {"to": (EARLIEST_DAY + dt.timedelta(days=4)).isoformat()},  # the default must not reach before the earliest day
    {"from": "2099-01-01"}, {"from": "2026-03-10", "to": "2026-03-01"}, {"from": "2026-01-01", "to": "2026-12-01"},
    {"to": "1990-01-01"},
])
def test_a_custom_period_is_the_apis_period(network, query):
    api = client_for(network.head_office).get("/api/v1/variance/", query)
    form = PeriodForm(query, today=timezone.localdate())
    if api.status_code == 200:
        assert form.is_valid(), form.errors
        assert (form.cleaned_data["date_from"].isoformat(), form.cleaned_data["date_to"].isoformat()) == (
            api.json()["date_from"], api.json()["date_to"])
    else:
        assert api.status_code == 400 and not form.is_valid()
        assert api.json()["message"] in [m for messages in form.errors.values() for m in messages]
    assert form.data["period"] == ("custom" if query else DEFAULT_PRESET)


def test_a_page_shows_what_it_refuses_naming_the_field(network):
    answer = signed_in(network.head_office).get("/app/", {"from": "2099-01-01"})
    assert answer.status_code == 400
    assert "from: 2099-01-01 is in the future" in answer.content.decode()
