"""The variance report's perception-gap section: ordered and rendered by the runner, read back with pypdf, and
compared with GET /api/v1/perception-gap/ for the same scope and period (the numbers are the API's)."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
from django.core.files.storage import default_storage

from reports import runner
from reports.services import report_order
from tests.conftest import client_for
from tests.consistency.variance_data import check
from tests.customer.perception_data import audit, feedback, question

FROM, TO = dt.date(2026, 3, 1), dt.date(2026, 3, 10)
DAYS = [FROM + dt.timedelta(days=i) for i in range(10)]
PASS = {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 5, "delivery_on_time_pct": 99}


def _data(network):
    """A1 and A2 pass every self-check; A1's audits find rings failing and restroom half the time (optimistic,
    supported on 30 results a side); A2's audits agree with it. Feedback on greeting: A1 8 of 20 satisfied, A2 18
    of 20. B1 (another region) has data the region's report must not count."""
    greet = question("q_greet", touch_point="phone", criterion="phone_greeting")
    for i, day in enumerate(DAYS):
        check(network.a1, day, PASS, user=network.manager_a)
        check(network.a2, day, PASS, user=network.manager_a)
        check(network.b1, day, {**PASS, "phone_rings": 6}, user=network.manager_b)
        audit(network.a1, day, {"phone_rings": False, "phone_greeting": True, "restroom_clean": i < 5},
              user=network.auditor)
        audit(network.a2, day, {"phone_rings": True, "phone_greeting": True, "restroom_clean": True},
              user=network.auditor, kind="mystery_shop")
        audit(network.b1, day, {"phone_greeting": False}, user=network.auditor_b1)
    feedback(network.a1, DAYS[0], [9] * 8 + [5] * 12, question=greet)
    feedback(network.a2, DAYS[1], [9] * 18 + [5] * 2, question=greet)
    feedback(network.b1, DAYS[1], [0] * 20, question=greet)


def _pdf_text(user, **scope) -> str:
    run = report_order(user=user, kind="variance", date_from=FROM, date_to=TO, **scope)
    assert runner.run_report(run_id=run.id, worker="test") == "done", run.error
    run.refresh_from_db()
    with default_storage.open(run.pdf_key, "rb") as fh:
        reader = pypdf.PdfReader(io.BytesIO(fh.read()))
    pages = [page.extract_text() or "" for page in reader.pages]
    start = next(i for i, text in enumerate(pages) if "Perception gap: self-checks, audits and customers" in text)
    appendix = " ".join(" ".join(pages[-3:]).split())
    # The appendix explains the section with the engine's own thresholds.
    assert "Perception gap: gaps and optimism" in appendix and "each side has at least 30 observations" in appendix
    assert "Below 10 such sites the report says the data is too thin" in appendix
    return " ".join(" ".join(pages[start:start + 2]).split())


def _rate(r: dict) -> str:
    """A rate of the API's answer as the report writes it, from the JSON's own numbers."""
    return f"{r['rate'] * 100:.1f}% ({r['low'] * 100:.1f}-{r['high'] * 100:.1f}%, n {r['n']})" if r["n"] else "- (n 0)"


def _gap(g: dict) -> str:
    return "-" if g["value"] is None else \
        f"{g['value'] * 100:+.1f} pts ({g['low'] * 100:+.1f} to {g['high'] * 100:+.1f})"


def test_the_perception_section_reads_back_with_the_apis_numbers(network, standard):
    _data(network)
    text = _pdf_text(network.auditor, region="region-a")
    api = client_for(network.auditor).get("/api/v1/perception-gap/", {"from": FROM, "to": TO, "region": "region-a"})
    assert api.status_code == 200, api.content
    answer = api.json()

    # The scope's row and every touch point's: the three rates and the two gaps, the API's numbers.
    for row in [answer["overall"], *answer["touch_points"]]:
        name = row["name"] if row["key"] else "All touch points"
        cells = [_rate(row["self_check"]), _rate(row["audit"]), _rate(row["customer"]["satisfied"]),
                 _gap(row["self_vs_audit"]), _gap(row["self_vs_customer"])]
        at = text.index(f"{name} {cells[0].split(' (')[0]}")
        row_text = text[at:at + 400]
        position = 0
        for cell in cells:
            head, _, tail = cell.partition(" (")
            position = row_text.index(head, position)
            if tail:
                assert f"({tail}" in row_text, (name, cell, row_text)
    assert answer["overall"]["self_check"]["n"] == 80  # A1 and A2 only: 2 sites x 10 days x 4 criteria
    assert answer["overall"]["audit"]["n"] == 60

    # The ranking: A1 only (A2's audits agree with it), with its like-with-like rates and optimism.
    assert [s["code"] for s in answer["optimistic"]] == ["A1"]
    a1 = answer["optimistic"][0]
    assert a1["optimism"]["supported"]
    row = f"1 A1 {a1['name']} {_rate(a1['self_check_audited'])} {_rate(a1['audit'])} {_gap(a1['optimism'])} 10 40.0%"
    assert row in text, text[text.index("candidates for a visit"):][:900]
    assert "2 A2" not in text

    # The correlations, said as the API says them: two sites are too thin.
    for c in answer["correlations"]:
        assert c["verdict"] == "too_thin"
        assert " ".join(c["message"].split()) in text
    assert "Audits and customers: Too thin: 0 sites have" in text  # 20 responses a site: under 30


def test_a_report_without_audits_or_feedback_says_none_is_ranked(network, standard):
    for day in DAYS[:3]:
        check(network.a1, day, PASS, user=network.manager_a)
    text = _pdf_text(network.head_office, sites=["A1"])
    assert "All touch points 100.0% (" in text and "- (n 0)" in text
    assert "No site's optimism is supported by the data of this period: none is ranked." in text
    assert "Self-checks and customers: Too thin: 0 sites have" in text
