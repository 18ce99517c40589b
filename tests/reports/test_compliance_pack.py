"""The compliance pack, rendered from a real site history and read back with pdfplumber/pypdf."""

from __future__ import annotations

import io

import pdfplumber
import pypdf
from django.core.files.storage import default_storage

from reports import runner
from reports.services import report_order


def _render(history, user):
    run = report_order(user=user, kind="compliance_pack", date_from=history["from"], date_to=history["to"],
                       sites=[history["site"].code])
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh:
        return run, fh.read()


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_pack_contains_the_standard_checks_amendment_missed_days_failures_and_photos(history, network):
    run, pdf = _render(history, network.auditor)
    text = _text(pdf)
    # The standard in full.
    for key in ("phone_rings", "phone_greeting", "restroom_clean", "delivery_on_time_pct"):
        assert key in text
    assert "at most 3 rings" in text and "at least 4 of 5" in text and "(tolerance 2%)" in text
    # Every check, with results: 6 current days + the superseded original of 03-02.
    assert text.count("· current ·") == 6
    assert text.count("· superseded ·") == 1
    assert f"amends check #{history['checks'][2].id}: cleaner finished late" in text
    assert "Cleanliness 3 / 5 -> 5 / 5" in text
    assert "busy lunch" in text
    assert "late: arrived after the site's day had ended" in text
    # Missed days: 03-04 only.
    assert "1 of 7 expected days have no check" in text
    assert "2026-03-04" in text
    # The failure on 03-05 and its corrective action (critical: greeting); rings failed too, no action.
    assert "2026-03-05 Brand greeting no fail yes" in text
    flat = text.replace("\n", " ")
    assert "open; opened 2026-03-05 09:02:00 +1300;" in flat and "due 2026-03-08" in flat
    assert "2026-03-05 Rings to answer 6 rings fail none opened" in text
    # Photos: SHA-256 of each, the reuse and stale flags, a listed-only photo.
    from consistency.models import Evidence

    for e in Evidence.objects.all():
        assert e.sha256[:32] in text.replace("\n", "")
    assert "REUSED (same as 2026-03-01 at this site)" in flat
    assert "STALE capture" in flat
    assert "no thumbnail: listed only" in text
    # The manifest counts.
    assert "Manifest" in text
    assert "Thumbnails embedded 2" in text
    assert "Photo evidence 3" in text
    # Every page names the pack, the site, the period and the run.
    first_page_footer = f"run {run.public_id}"
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert all(first_page_footer in (p.extract_text() or "") for p in doc.pages)


def test_pack_embeds_the_stored_thumbnails_without_ascii85(history, network):
    run, pdf = _render(history, network.head_office)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    images = [img for page in reader.pages for img in page.images]
    assert len(images) == 2  # two photos with thumbnails; the third is listed only
    assert b"ASCII85Decode" not in pdf  # rl_config.useA85 is off
    assert run.pdf_size == len(pdf)
    import hashlib

    assert run.pdf_sha256 == hashlib.sha256(pdf).hexdigest()


def _pack_text(user, code: str, date_from, date_to) -> str:
    run = report_order(user=user, kind="compliance_pack", date_from=date_from, date_to=date_to, sites=[code])
    assert runner.run_report(run_id=run.id, worker="test") == "done"
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh:
        return _text(fh.read())


def test_a_pack_does_not_name_another_site(network, standard):
    # A1's photo repeats one sent from B1: a pack of A1 is for whoever reads A1, who may not read B1.
    import datetime as dt

    from .conftest import make_check, make_photo

    b1_photo = make_photo(check=make_check(site=network.b1, version=standard, user=network.manager_b,
                                           day=dt.date(2026, 3, 1)), seed=1, thumbnail=False)
    a1_check = make_check(site=network.a1, version=standard, user=network.manager_a, day=dt.date(2026, 3, 2))
    make_photo(check=a1_check, seed=2, thumbnail=False, reused_from=b1_photo)
    text = _pack_text(network.manager_a, "A1", dt.date(2026, 3, 1), dt.date(2026, 3, 7)).replace("\n", " ")
    assert "REUSED (same as a photo of another site)" in text
    assert "B1" not in text


def test_a_met_result_awaiting_its_photo_is_not_shown_as_a_failure_missing_its_action(network, standard):
    import datetime as dt

    from consistency.models import CheckResult

    from .conftest import make_check

    check = make_check(site=network.a1, version=standard, user=network.manager_a, day=dt.date(2026, 3, 2))
    CheckResult.objects.filter(daily_check=check, criterion__key="restroom_clean").update(passed=False)  # photo owed
    text = _pack_text(network.head_office, "A1", dt.date(2026, 3, 1), dt.date(2026, 3, 3))
    start = text.index("Failures and corrective actions")
    failures = text[start:text.index("Photo evidence", start)]
    row = next(line for line in failures.splitlines() if line.startswith("2026-03-02 Cleanliness"))
    assert row.endswith("met; photo not verified yes none: the target was met"), row
    assert "none recorded" not in failures
    # The same result reads the same in the check's own table: one wording, from one function.
    checks = text[text.index("2026-03-02 · check #"):start]
    assert "Cleanliness 5 / 5 met; photo not verified 0.000" in checks
    assert "photo missing" not in text and "not yet verified" not in text


def test_a_closed_sites_pack_counts_missed_days_as_the_variance_report_does(network, standard):
    import datetime as dt

    from sites.models import Site

    Site.objects.filter(pk=network.a2.pk).update(active=False)
    text = _pack_text(network.head_office, "A2", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert "0 of 0 expected days have no check" in text


def test_long_names_do_not_cut_the_run_id_or_a_criterion_key(network, standard):
    # A long region name pushed the run id off the 160-character footer, and the manifest cut criterion
    # keys at 26 characters: the two things an auditor checks a pack by.
    import datetime as dt

    from reports.rendering.common import DocumentMeta

    meta = DocumentMeta("compliance pack", "Site A1 · " + "Very Long Region Name " * 10, dt.date(2026, 3, 1),
                        dt.date(2026, 3, 7), run_id="6d43adb6-9f23-40c6-8d67-81df8eede75f")
    footer = meta.footer
    assert len(footer) <= 160 and footer.endswith("run 6d43adb6-9f23-40c6-8d67-81df8eede75f")
    assert "2026-03-01" in footer and "…" in footer


def test_a_pack_reaching_today_counts_it_once_its_check_is_in(network, standard):
    import datetime as dt

    from sites.models import Site
    from tests.conftest import client_for
    from tests.consistency.checks_support import check_body, local_today, submit

    today = local_today(network.a1)
    Site.objects.filter(pk=network.a1.pk).update(opened_on=today - dt.timedelta(days=1))
    text = _pack_text(network.head_office, "A1", today - dt.timedelta(days=1), today)
    assert "1 of 1 expected days have no check" in text  # yesterday; today is not over
    assert submit(client_for(network.manager_a), "A1", check_body(network.a1)).status_code == 201
    text = _pack_text(network.head_office, "A1", today - dt.timedelta(days=1), today)
    assert "1 of 2 expected days have no check" in text


def test_a_day_with_only_a_departments_check_is_a_missed_day_in_the_pack(network):
    # As the variance report and the missed days count it: accounting's check of its own touch points does not
    # make the day checked; the site's own check does.
    import datetime as dt

    from sites.models import Site
    from tests.conftest import client_for
    from tests.consistency.checks_support import local_today, submit
    from tests.consistency.departments_support import department_standard
    from tests.consistency.test_departments_checks import accounting_body, site_body

    department_standard()
    today = local_today(network.a1)
    Site.objects.filter(pk=network.a1.pk).update(opened_on=today - dt.timedelta(days=1))
    yesterday = today - dt.timedelta(days=1)
    assert submit(client_for(network.accountant), "A1",
                  accounting_body(network.a1, day=yesterday)).status_code == 201
    text = _pack_text(network.head_office, "A1", yesterday, yesterday)
    assert "1 of 1 expected days have no check" in text
    assert submit(client_for(network.manager_a), "A1", site_body(network.a1, day=yesterday)).status_code == 201
    text = _pack_text(network.head_office, "A1", yesterday, yesterday)
    assert "0 of 1 expected days have no check" in text
