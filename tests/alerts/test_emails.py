"""The alerts' e-mails (alerts/templates/notify/email/<event>.txt) render from the data the rules really publish,
in English and in French: a subject line, then a body that names the site, the day and the link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from alerts.digest import weekly_digest
from alerts.services import sweep
from notify.events import Event
from notify.models import Notice

from .conftest import at, store_check

pytestmark = pytest.mark.django_db
D = dt.date
OURS = [Event.CHECK_REMINDER, Event.CHECK_MISSED, Event.CRITICAL_FAILURE, Event.ACTION_DUE_SOON, Event.ACTION_OVERDUE,
        Event.ACTION_ESCALATED, Event.WEEKLY_DIGEST, Event.REPORT_WEEKLY_VARIANCE, Event.REPORT_MONTHLY_PACK]


def render(notice: Notice, language: str) -> tuple[str, str]:
    """As the contract says the sender renders: the event's template, the recipient's language, an absolute link;
    the first line is the subject."""
    with translation.override(language):
        text = render_to_string(f"notify/email/{notice.event}.txt", {
            "notice": notice, "data": notice.data, "link": f"https://touchpoint.example{notice.link}",
            "recipient": notice.recipient})
    subject, _, body = text.partition("\n")
    return subject, body


@pytest.fixture
def notices(zones):
    zones.manager_akl.first_name = "Aroha"
    zones.manager_akl.save()
    check = store_check(zones.akl, zones.manager_akl, D(2026, 3, 2), values={"restroom_clean": 2}).check
    for day in (4, 6, 8):
        sweep(now=at(zones.akl, D(2026, 3, day), 12))
    store_check(zones.akl, zones.manager_akl, D(2026, 3, 9))
    weekly_digest(now=dt.datetime(2026, 3, 16, 6, 30, tzinfo=dt.UTC))
    from reports.models import ReportRun
    for kind, event, sites in (("variance", Event.REPORT_WEEKLY_VARIANCE, []),
                               ("compliance_pack", Event.REPORT_MONTHLY_PACK, ["AKL"])):
        run = ReportRun.objects.create(kind=kind, period_from=D(2026, 3, 1), period_to=D(2026, 3, 31))
        Notice.objects.create(event=event, key=str(run.public_id), recipient=zones.head_office,
                              link=f"/app/reports/{run.public_id}/download/",
                              data={"run": str(run.public_id), "kind": kind, "from": "2026-03-01", "to": "2026-03-31",
                                    "sites": sites, "region": None, "size": 1234, "page": "/app/reports/"})
    assert check
    return {event: Notice.objects.filter(event=event).select_related("recipient").order_by("key", "recipient__username")
            .first() for event in OURS}


def test_every_alert_renders_in_english_and_french(notices):
    for event, notice in notices.items():
        assert notice is not None, event
        english, french = render(notice, "en"), render(notice, "fr")
        for subject, body in (english, french):
            assert subject.strip() and "\n" not in subject and "{" not in subject, (event, subject)
            assert f"https://touchpoint.example{notice.link}" in body, event
            assert "&amp;" not in body and "&quot;" not in body and "&#x27;" not in body, (event, body)
        assert english[0] != french[0], (event, english[0])  # the subject is translated
        if notice.data.get("site"):
            assert notice.data["site"] in english[0] + english[1]


def test_the_messages_say_what_happened(notices):
    subject, body = render(notices[Event.CHECK_REMINDER], "en")
    assert "AKL" in subject and "Hello Aroha," in body and "10:00" in body and "Pacific/Auckland" in body
    subject, body = render(notices[Event.CRITICAL_FAILURE], "fr")
    assert subject.startswith("Échec critique") and "Cleanliness" in subject and "2" in body
    subject, body = render(notices[Event.WEEKLY_DIGEST], "fr")
    assert "2026-W11" in subject and "Indice de cohérence" in body
    subject, body = render(notices[Event.ACTION_ESCALATED], "en")
    assert "3 days overdue" in subject and "head office" in body
