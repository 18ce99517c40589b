"""The CSV import (service and ``manage.py import_feedback``): a file with each kind of bad row imports the good
rows and reports every bad one by line; a file without a required column is refused; a dry run stores nothing;
duplicates found within a batch, across batches and against what was stored before."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from backend.errors import AppError, Forbidden
from consistency.services.check_rules import local_today
from consistency.services.period import latest_day
from customer.models import FeedbackDay, FeedbackQuestion, FeedbackResponse
from customer.services.feedback import feedback_import, feedback_submit

from .feedback_support import DAY, csv_bytes, days_agree_with_responses

pytestmark = pytest.mark.django_db

D = DAY.isoformat()
FUTURE = (latest_day() + dt.timedelta(days=1)).isoformat()


@pytest.fixture
def greeted(network):
    return FeedbackQuestion.objects.create(key="greeted", text="Were you greeted promptly?", touch_point_key="phone")


def test_each_kind_of_bad_row_is_reported_by_line_and_the_good_rows_are_imported(network, greeted):
    feedback_submit(user=network.head_office, data={"site": "A1", "date": D, "channel": "web", "score": 9,
                                                    "scale": "0-10", "response_id": "stored-1"})
    lines = [
        f"A1,{D},9,0-10,sms,,Great,r-1",            # 2 good
        f"A2,{D},4,1-5,,greeted,,r-2",              # 3 good (channel defaults to survey)
        f"ZZ9,{D},9,0-10,,,,",                      # 4 unknown site
        f"A1,{D},11,0-10,,,,",                      # 5 score out of its scale
        f"A1,{D},0,1-5,,,,",                        # 6 score out of its scale (1-5)
        f"A1,{D},nine,0-10,,,,",                    # 7 not a number
        "A1,2026-13-01,9,0-10,,,,",                 # 8 bad date
        f"A1,{FUTURE},9,0-10,,,,",                  # 9 a date in the site's future
        f"A1,{D},9,0-10,,,,r-1",                    # 10 duplicate response id in the file
        f"A1,{D},9,0-10,,,,stored-1",               # 11 duplicate of one stored before
        f"A1,{D},,0-10,,,,",                        # 12 missing value
        f"A1,{D},9",                                # 13 missing columns
        f"A1,{D},3,1-5,,asked,,",                   # 14 unknown question
        f"B1,{D},3,0-100,,,,",                      # 15 unknown scale
        "",                                         # 16 a blank line: not a row
        f'B1,{D},10,0-10,phone,,"Two',              # 17 good, a comment over two lines
        'lines",r-3',
        f"A1,{D},2,0-10,,,,",                       # 19 good, no response id
    ]
    report = feedback_import(csv_bytes(*lines), user=network.head_office)
    assert (report.rows, report.imported, report.bad) == (16, 4, 12)
    a1_today = local_today(network.a1)
    assert [str(p) for p in report.problems] == [
        "line 4: site: no site 'ZZ9'.",
        "line 5: score: 11 is outside the scale 0-10 (0 to 10).",
        "line 6: score: 0 is outside the scale 1-5 (1 to 5).",
        "line 7: score: 'nine' is not a number.",
        "line 8: date: '2026-13-01' is not a date written YYYY-MM-DD.",
        f"line 9: date: {FUTURE} is in the future for site A1 (its local date is {a1_today}).",
        "line 10: duplicate response_id 'r-1': it is on line 2 of this file too.",
        "line 11: duplicate response_id 'stored-1': stored before.",
        "line 12: score: missing value: the customer's score on its scale.",
        "line 13: 3 fields where the header has 8: missing scale, channel, question, comment, response_id.",
        "line 14: question: no question 'asked' (GET /api/v1/feedback/questions/ lists them).",
        "line 15: scale: '0-100' is not a scale; use 0-10 or 1-5.",
    ]
    stored = {(r.site.code, r.response_id): r for r in FeedbackResponse.objects.select_related("site")}
    assert set(stored) == {("A1", "stored-1"), ("A1", "r-1"), ("A2", "r-2"), ("B1", "r-3"), ("A1", "")}
    assert stored[("A2", "r-2")].channel == "survey" and stored[("A2", "r-2")].question == greeted
    assert stored[("B1", "r-3")].comment == "Two\nlines"
    assert stored[("A1", "r-1")].batch == report.batch
    days_agree_with_responses()


def test_a_row_with_several_problems_names_them_all(network):
    report = feedback_import(csv_bytes("ZZ9,someday,x,0-100,,,,"), user=network.head_office)
    assert [str(p) for p in report.problems] == [
        "line 2: site: no site 'ZZ9'; date: 'someday' is not a date written YYYY-MM-DD; scale: '0-100' is not a "
        "scale; use 0-10 or 1-5; score: 'x' is not a number."]


@pytest.mark.parametrize(("header", "missing"), [
    ("site,date,score", "scale"),
    ("date,score,scale,comment", "site"),
    ("site,when,score,rating", "date, scale"),
])
def test_a_header_without_a_required_column_refuses_the_file(network, header, missing):
    with pytest.raises(AppError) as refused:
        feedback_import(csv_bytes(f"A1,{D},9,0-10", header=header), user=network.head_office)
    assert refused.value.field == "file" and refused.value.code == "missing_column"
    assert f"the header has no {missing} column" in refused.value.message
    assert not FeedbackResponse.objects.exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"site,date,site,score,scale\n", "the header names site more than once"),
])
def test_a_file_without_a_usable_header_is_refused(network, content, message):
    with pytest.raises(AppError, match=message):
        feedback_import(io.BytesIO(content), user=network.head_office)


def test_columns_are_found_by_name_in_any_order_and_others_are_ignored(network):
    report = feedback_import(csv_bytes(f"x,3,1-5,{D},A2,n", header=" Respondent ,Score,SCALE,date,site,NPS_band"),
                             user=network.head_office)
    assert (report.imported, report.bad, report.ignored_columns) == (1, 0, ["respondent", "nps_band"])
    assert FeedbackResponse.objects.get().normalized == 0.5


def test_a_byte_order_mark_and_windows_line_ends_are_read(network):
    data = ("\ufeffsite,date,score,scale\r\n" + f"A1,{D},8,0-10\r\n").encode()
    assert feedback_import(io.BytesIO(data), user=network.head_office).imported == 1


def test_text_that_is_not_utf8_is_a_bad_row_not_a_refused_file(network):
    data = f"site,date,score,scale,comment\nA1,{D},8,0-10,caf\xe9\nA1,{D},8,0-10,fine\n".encode("latin-1")
    report = feedback_import(io.BytesIO(data), user=network.head_office)
    assert (report.imported, report.bad) == (1, 1)
    assert str(report.problems[0]) == "line 2: comment: not UTF-8 text; save the export as UTF-8."


def test_a_nul_in_a_value_is_a_bad_row(network):
    report = feedback_import(csv_bytes(f"A1,{D},8,0-10,,,bad\x00comment,"), user=network.head_office)
    assert report.bad == 1 and "comment:" in report.problems[0].reason


def test_duplicates_across_batches_are_found_by_the_database(network):
    """Batches of 2 rows: the second r-1 is in another batch, so the database finds it (earlier in this file);
    stored-1 was stored by an earlier import (stored before)."""
    feedback_import(csv_bytes(f"A1,{D},8,0-10,,,,stored-1"), user=network.head_office)
    lines = [f"A1,{D},8,0-10,,,,r-1", f"A1,{D},8,0-10,,,,r-2", f"A1,{D},8,0-10,,,,r-3",
             f"A1,{D},8,0-10,,,,r-1", f"A1,{D},8,0-10,,,,stored-1"]
    report = feedback_import(csv_bytes(*lines), user=network.head_office, batch_rows=2)
    assert [str(p) for p in report.problems] == [
        "line 5: duplicate response_id 'r-1': earlier in this file.",
        "line 6: duplicate response_id 'stored-1': stored before."]
    assert report.imported == 3 and FeedbackResponse.objects.count() == 4
    days_agree_with_responses()


def test_a_dry_run_reports_what_an_import_would_and_stores_nothing(network):
    lines = [f"A1,{D},8,0-10,,,,r-1", f"A1,{D},8,0-10,,,,r-2", f"A1,{D},8,0-10,,,,r-1", f"ZZ9,{D},8,0-10,,,,"]
    dry = feedback_import(csv_bytes(*lines), user=network.head_office, dry_run=True, batch_rows=2)
    assert not FeedbackResponse.objects.exists() and not FeedbackDay.objects.exists()
    real = feedback_import(csv_bytes(*lines), user=network.head_office, batch_rows=2)
    assert (dry.imported, dry.bad) == (real.imported, real.bad) == (2, 2)
    assert [p.reason for p in dry.problems] == [p.reason for p in real.problems]


def test_only_the_first_problems_are_kept_and_the_rest_counted(network):
    seen = []
    report = feedback_import(csv_bytes(*[f"ZZ{i},{D},8,0-10,,,," for i in range(30)], f"A1,{D},8,0-10,,,,"),
                             user=network.head_office, keep=5, on_problem=seen.append)
    assert (report.bad, len(report.problems), report.more_problems, report.imported) == (30, 5, 25, 1)
    assert [p.line for p in seen] == list(range(2, 32))


def test_bad_rows_are_reported_a_batch_at_a_time(network, monkeypatch):
    """A file of bad rows holds no more than a batch of them at once, and still reports them in line order."""
    from customer.services.feedback import importing

    held, flush = [], importing._Run._flush

    def counted(run):
        held.append(len(run.pending) + len(run.pending_problems))
        flush(run)

    monkeypatch.setattr(importing._Run, "_flush", counted)
    seen = []
    lines = [f"ZZ{i},{D},8,0-10,,,," if i % 3 else f"A1,{D},8,0-10,,,,r-{i % 6}" for i in range(20)]
    report = feedback_import(csv_bytes(*lines), user=network.head_office, batch_rows=4,
                             on_problem=lambda p: seen.append(p.line))
    assert seen == [n + 2 for n in range(20) if n % 3 or n >= 6]  # r-0 and r-3 again from line 8 on
    assert report.imported == 2 and len(held) > 3 and max(held) < 2 * 4


def test_re_importing_a_file_with_response_ids_stores_nothing_twice(network):
    lines = [f"A1,{D},{s},0-10,,,,r-{s}" for s in range(11)]
    assert feedback_import(csv_bytes(*lines), user=network.head_office).imported == 11
    again = feedback_import(csv_bytes(*lines), user=network.head_office)
    assert (again.imported, again.bad) == (0, 11)
    assert FeedbackDay.objects.get().responses == 11
    days_agree_with_responses()


def test_under_debug_the_query_log_does_not_keep_every_batch(network, settings):
    """make run's settings (DEBUG) log every statement with its parameters: a batch's is its rows as JSON."""
    from django.db import connection

    settings.DEBUG = True
    connection.queries_log.clear()
    lines = [f"A1,{D},8,0-10,,,,r-{i}" for i in range(50)]
    assert feedback_import(csv_bytes(*lines), user=network.head_office, batch_rows=5).imported == 50
    assert len(connection.queries_log) < 5


def test_only_head_office_imports(network):
    with pytest.raises(Forbidden):
        feedback_import(csv_bytes(f"A1,{D},8,0-10,,,,"), user=network.manager_a)


# --- the command ---------------------------------------------------------------------------------

def test_the_command_imports_and_prints_every_bad_row(network, tmp_path):
    network.head_office.is_superuser = False
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(f"A1,{D},8,0-10,,,,", f"ZZ9,{D},8,0-10,,,,", f"A1,{D},99,0-10,,,,").getvalue())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_feedback", str(path), "--user", "head.office", stdout=out, stderr=err)
    assert f"{path}: 3 rows read, imported 1, 2 refused." in out.getvalue()
    assert err.getvalue().splitlines() == [f"{path}: line 3: site: no site 'ZZ9'.",
                                           f"{path}: line 4: score: 99 is outside the scale 0-10 (0 to 10)."]
    assert FeedbackResponse.objects.count() == 1


def test_the_command_dry_run_stores_nothing(network, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(f"A1,{D},8,0-10,,,,").getvalue())
    out = io.StringIO()
    call_command("import_feedback", str(path), "--dry-run", "--user", "head.office", stdout=out, stderr=io.StringIO())
    assert "would import 1" in out.getvalue()
    assert not FeedbackResponse.objects.exists()


def test_the_command_refuses_a_file_without_a_required_column(network, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("site,date,score\nA1,2026-12-01,8\n")
    with pytest.raises(CommandError, match="the header has no scale column"):
        call_command("import_feedback", str(path), "--user", "head.office")


def test_the_command_is_run_as_head_office(network, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("site,date,score,scale\n")
    with pytest.raises(CommandError, match="not head office"):
        call_command("import_feedback", str(path), "--user", "manager.a1")
    with pytest.raises(CommandError, match="No superuser"):
        call_command("import_feedback", str(path))
