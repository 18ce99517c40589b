"""The variance report PDF, rendered from hand-made engine answers and read back with pdfplumber."""

from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from consistency.variance import grid as engine_grid
from consistency.variance import stats
from reports.rendering import render_variance
from reports.rendering.common import DocumentMeta
from reports.rendering.grid import wrap_text

from .samples import BRAND_TOUCH_POINTS, variance_sample


@pytest.fixture(scope="module")
def rendered():
    report = variance_sample(70)
    meta = DocumentMeta("variance report", "Whole network", report.date_from, report.date_to, run_id="run-123",
                        generated_at=dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.UTC), versions=["v1 (from 2026-01-01)"])
    progress: list[int] = []
    pdf = render_variance(report, meta=meta, progress=progress.append)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = [page.extract_text() or "" for page in doc.pages]
    return report, pdf, pages, progress


def _page(pages, marker):
    return next(i for i, text in enumerate(pages) if marker in text)


def test_cover_and_summary_carry_the_scope_period_version_and_headline_numbers(rendered):
    report, _, pages, _ = rendered
    cover = pages[0]
    assert "Variance report" in cover and "Whole network" in cover
    assert "2026-10-01 to 2026-10-30" in cover and "v1 (from 2026-01-01)" in cover and "70" in cover
    summary = pages[_page(pages, "Summary")]
    assert f"{report.network_score * 100:.1f}%" in summary
    assert "81.2 / 100" in summary  # consistency index 81.25
    best = max(report.sites, key=lambda s: (s.score, s.code))
    worst = min(report.sites, key=lambda s: (s.score, s.code))
    assert best.code in summary and worst.code in summary
    widest = max(report.touch_point_spread, key=lambda s: s.stddev)
    assert f"{widest.name} {widest.network_rate * 100:.1f}% {widest.stddev * 100:.1f}%" in summary


@pytest.mark.parametrize("sites, best, worst", [(1, 1, 0), (3, 2, 1), (7, 4, 3), (12, 5, 5)])
def test_the_best_and_worst_lists_never_name_one_site_twice(sites, best, worst):
    report = variance_sample(sites)
    meta = DocumentMeta("variance report", "Whole network", report.date_from, report.date_to, run_id="run-1",
                        generated_at=dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.UTC), versions=["v1"])
    with pdfplumber.open(io.BytesIO(render_variance(report, meta=meta))) as doc:
        summary = next(text for page in doc.pages if "Summary" in (text := page.extract_text() or ""))
    best_part, worst_part = summary.split("Best sites")[1].split("Worst sites")
    worst_part = worst_part.split("Touch points with the most spread")[0]
    named_best, named_worst = re.findall(r"S\d{4}", best_part), re.findall(r"S\d{4}", worst_part)
    ranked = [s.code for s in sorted(report.sites, key=lambda s: (-s.score, s.code))]
    assert named_best == ranked[:best]
    assert named_worst == list(reversed(ranked))[:worst]
    assert not set(named_best) & set(named_worst)
    if not worst:
        assert "No other site is scored." in worst_part


def test_heat_map_and_league_table_list_every_site_with_repeated_headers(rendered):
    report, _, pages, _ = rendered
    heat = [p for p in pages if "Site Score Phone Greeting" in p]
    assert len(heat) >= 2  # broke across pages, header on each
    league_pages = [p for p in pages if "# Site Name Region Score 95% interval" in p]
    assert len(league_pages) >= 2
    rows = [line for p in league_pages for line in p.splitlines() if re.match(r"^\d+ S\d{4} ", line)]
    assert len(rows) == len(report.sites)
    ranked = sorted(report.sites, key=lambda s: (-s.score, s.code))
    assert rows[0].startswith(f"1 {ranked[0].code} ") and f"{ranked[0].score * 100:.1f}%" in rows[0]
    assert rows[-1].startswith(f"{len(ranked)} {ranked[-1].code} ")
    # A heat-map cell reads back as the touch point's rate.
    site = report.sites[0]
    phone = next(t for t in site.touch_points if t.key == "phone")
    line = next(line for p in heat for line in p.splitlines() if line.startswith(f"{site.code} "))
    assert line.split()[2] == f"{phone.pass_rate.rate * 100:.0f}%"


def test_flags_say_which_way_and_the_summary_counts_the_sites_below_the_network(rendered):
    # "Flagged" had no direction: the best sites were flagged alongside the worst.
    report, _, pages, _ = rendered
    below = [s for s in report.sites if s.flag == "below"]
    above = [s for s in report.sites if s.flag == "above"]
    assert below and above and all(s.flagged for s in below) and not any(s.flagged for s in above)
    summary = pages[_page(pages, "Summary")]
    assert "Sites Flagged (below network) Above network" in summary
    assert f"{len(report.sites)} {len(below)} {len(above)}\n" in summary
    league = [line for p in pages if "# Site Name Region Score" in p for line in p.splitlines()]
    for site in report.sites:
        row = next(line for line in league if re.match(rf"^\d+ {site.code} ", line))
        assert row.endswith(f" {site.flag}") if site.flag else not row.endswith(("above", "below")), row
    best, worst = max(above, key=lambda s: s.score), min(below, key=lambda s: s.score)
    assert "Late checks vs network" in pages[_page(pages, f"{best.code} · {best.name}")]
    best_page, worst_page = pages[_page(pages, f"{best.code} · {best.name}")], pages[_page(pages, f"{worst.code} · ")]
    def figures(page):  # the line under the site's figures' header
        lines = page.splitlines()
        return lines[lines.index("Score 95% interval Previous period Trend Checked days Missed days Late checks "
                                 "vs network") + 1]

    assert figures(best_page).endswith(" above") and "flagged" not in best_page
    assert figures(worst_page).endswith(" below (flagged)")
    # A touch point and a criterion say which way they differ too.
    tp = next(t for t in worst.touch_points if t.flag)
    assert re.search(rf"^{tp.name} {tp.pass_rate.rate * 100:.1f}% .* {tp.flag}$", worst_page, re.M)
    crit = next(c for c in sorted(worst.criteria, key=lambda c: (c.pass_rate.rate, c.key))[:15] if c.flag)
    tp_name = next(t.name for t in worst.touch_points if t.key == crit.touch_point)
    assert re.search(rf"^{crit.prompt} {tp_name} .* {crit.flag}$", worst_page, re.M)


def test_sites_whose_photos_carry_trust_flags_are_listed_for_a_second_look(rendered):
    # A site sending the same restroom photo every morning scored like its peers, and nothing in the report
    # said its evidence was a copy.
    report, _, pages, _ = rendered
    suspect = sorted((s for s in report.sites if s.photos.suspect),
                     key=lambda s: (-s.photos.suspect / s.photos.verified, -s.photos.suspect, s.code))
    assert len(suspect) >= 8 and any(s.photos.reused for s in suspect) and any(not s.photos.reused for s in suspect)
    summary = " ".join(pages[_page(pages, "Summary")].split())
    verified = sum(s.photos.verified for s in report.sites)
    reused, stale = sum(s.photos.reused for s in report.sites), sum(s.photos.stale for s in report.sites)
    assert (f"Photo evidence: {verified} verified photo(s) in the period; {reused} reused and {stale} captured far "
            f"from their day, at {len(suspect)} site(s): {', '.join(s.code for s in suspect[:5])}, ...") in summary
    section = [p for p in pages if "Site Name Score vs network Verified photos Reused Stale capture" in p]
    assert section and "Photo evidence to look at" in section[0]
    text = " ".join(section[0].split())
    assert "within 3 of 64 bits" in text and "more than 36 hours from noon" in text
    rows = [line for p in section for line in p.splitlines() if re.match(r"^S\d{4} ", line)]
    assert [row.split()[0] for row in rows] == [s.code for s in suspect]  # every one, the largest share first
    worst = suspect[0]
    p = worst.photos
    assert rows[0].endswith(f"{p.verified} {p.reused} {p.stale} {p.suspect} {p.suspect / p.verified * 100:.1f}%")
    page = pages[_page(pages, f"{worst.code} · {worst.name}")]
    assert (f"Photos: {p.verified} verified · {p.reused} reused · {p.stale} captured far from their day "
            f"({p.suspect} with a flag, {p.suspect / p.verified * 100:.0f}%: check them before relying on this "
            "score)") in page
    clean = next(s for s in report.sites if not s.photos.suspect)
    assert (f"Photos: {clean.photos.verified} verified, none reused or captured far from its day"
            in pages[_page(pages, f"{clean.code} · {clean.name}")])
    appendix = _appendix(pages)
    assert "Photo reused the same bytes, or a picture within 3 of 64 bits" in appendix
    assert "Photo captured far from its day more than 36 hours from noon of the day it stands for" in appendix
    assert "The scores count these photos as verified" in appendix


def test_without_flagged_photos_the_summary_says_so_and_there_is_no_list():
    report = variance_sample(4)
    assert not any(s.photos.suspect for s in report.sites)
    meta = DocumentMeta("variance report", "Region A", report.date_from, report.date_to)
    with pdfplumber.open(io.BytesIO(render_variance(report, meta=meta))) as doc:
        text = "\n".join(page.extract_text() or "" for page in doc.pages)
    verified = sum(s.photos.verified for s in report.sites)
    assert f"Photo evidence: {verified} verified photo(s) in the period; none reused or captured far" in text
    assert "Photo evidence to look at" not in text


def _header_cells(page) -> list[tuple[float, float, str]]:
    """The first table header on the page read back as its reader sees it: the words on the header's dark
    band, cut into one phrase per cell on each line (words of one cell are a space apart, cells further), then
    the phrases sharing a cell's centre joined from top to bottom. [(x0, x1, text), ...] left to right."""
    band = min((r for r in page.rects if r["non_stroking_color"] and len(r["non_stroking_color"]) == 3
                and abs(r["non_stroking_color"][0] - 0x1F / 255) < 0.01), key=lambda r: r["top"])
    words = [w for w in page.extract_words() if band["top"] <= (w["top"] + w["bottom"]) / 2 <= band["bottom"]]
    phrases: list[dict] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        last = phrases[-1] if phrases else None
        if last and round(last["top"]) == round(w["top"]) and w["x0"] - last["x1"] < 3.5:
            last["text"] += " " + w["text"]
            last["x1"] = w["x1"]
        else:
            phrases.append({"top": w["top"], "x0": w["x0"], "x1": w["x1"], "text": w["text"]})
    cells: list[dict] = []
    for p in phrases:
        centre = (p["x0"] + p["x1"]) / 2
        cell = next((c for c in cells if abs(c["centre"] - centre) < 1.5 or abs(c["x0"] - p["x0"]) < 0.5), None)
        if cell is None:
            cells.append({"centre": centre, "x0": p["x0"], "x1": p["x1"], "text": p["text"]})
        else:
            cell["text"] += " " + p["text"]
            cell["x0"], cell["x1"] = min(cell["x0"], p["x0"]), max(cell["x1"], p["x1"])
    return [(c["x0"], c["x1"], c["text"]) for c in sorted(cells, key=lambda c: c["x0"])]


def test_heat_map_headers_show_the_touch_points_full_names():
    # They were cut off: "Uniform and.", "Restroom cl.".
    report = variance_sample(12, touch_points=BRAND_TOUCH_POINTS)
    meta = DocumentMeta("variance report", "Whole network", report.date_from, report.date_to)
    with pdfplumber.open(io.BytesIO(render_variance(report, meta=meta))) as doc:
        page = next(p for p in doc.pages if "Heat map: sites x touch points" in (p.extract_text() or ""))
        cells = _header_cells(page)
        text = page.extract_text()
    assert [c[2] for c in cells] == ["Site", "Score", *[name for _, name in BRAND_TOUCH_POINTS]]
    assert "." not in "".join(c[2] for c in cells)
    # Each name stays inside its column: the next header starts after it ends.
    assert all(left[1] < right[0] for left, right in zip(cells, cells[1:], strict=False))
    # The cells under them still read as the site's rates, in the same order.
    site = report.sites[0]
    line = next(line for line in text.splitlines() if line.startswith(f"{site.code} "))
    assert line.split()[2:] == [f"{t.pass_rate.rate * 100:.0f}%" for t in site.touch_points]


def test_many_touch_points_make_several_heat_maps_with_readable_headers():
    many = [(f"tp{i}", f"Touch point number {i} with a long name") for i in range(13)]
    report = variance_sample(3, touch_points=many)
    meta = DocumentMeta("variance report", "Whole network", report.date_from, report.date_to)
    with pdfplumber.open(io.BytesIO(render_variance(report, meta=meta))) as doc:
        maps = [next(p for p in doc.pages if marker in (p.extract_text() or ""))
                for marker in ("Heat map, touch points 1-10 of 13", "Heat map, touch points 11-13 of 13")]
        headers = [[c[2] for c in _header_cells(p)] for p in maps]
    assert headers == [["Site", "Score", *[name for _, name in many[:10]]],
                       ["Site", "Score", *[name for _, name in many[10:]]]]


def test_a_header_word_wider_than_its_column_is_hyphenated_not_cut():
    assert wrap_text("Restroom cleanliness", 50, "Helvetica-Bold", 7.5) == ["Restroom", "cleanliness"]
    lines = wrap_text("Restroom cleanliness", 16, "Helvetica-Bold", 7.5)
    assert all(stringWidth(line, "Helvetica-Bold", 7.5) <= 16 for line in lines)
    assert "".join(line.removesuffix("-") for line in lines) == "Restroomcleanliness"


def test_a_page_per_site_with_shortfalls_trend_and_missed_days(rendered):
    report, _, pages, _ = rendered
    for site in (report.sites[0], report.sites[-1]):
        page = pages[_page(pages, f"{site.code} · {site.name}")]
        assert f"{site.missed_days} missed day(s) of {site.expected_days} expected" in page
        assert f"trend {site.trend * 100:+.1f} pts" in page
        worst = min((c for c in site.criteria if c.pass_rate.rate < 1), key=lambda c: (c.pass_rate.rate, c.key))
        tp_name = next(t.name for t in site.touch_points if t.key == worst.touch_point)
        # What a person reads: the prompt and the touch point's name, not their keys.
        assert f"{worst.prompt} {tp_name} {worst.pass_rate.rate * 100:.1f}%" in page
        assert worst.key not in page
    assert sum(1 for p in pages if "Shortfalls (criteria below 100%" in p) == len(report.sites)


def _appendix(pages) -> str:
    """The appendix as one line of words, without the page footers."""
    text = "\n".join(pages[_page(pages, "Appendix: how every number is computed"):])
    text = "\n".join(line for line in text.splitlines() if not line.startswith("Touchpoint variance report ·"))
    return " ".join(text.split())


def test_charts_and_appendix(rendered):
    _, _, pages, _ = rendered
    assert "Number of sites per pass-rate band (70 sites)" in "\n".join(pages)
    appendix = _appendix(pages)
    for term in ("Wilson", "Deviation = (target", "tolerance", "Consistency index", "missed"):
        assert term.lower() in appendix.lower()


def test_the_appendix_is_written_for_its_reader_with_the_numbers_the_code_uses(rendered):
    # It printed the engine's docstrings: code files (timeline.py, grid.py), "change them together", and the
    # flag rule as "MIN_FLAG_OBSERVATIONS observations" (an auditor could not check it against the tables).
    report, _, pages, _ = rendered
    appendix = _appendix(pages)
    assert not re.findall(r"\b\w+\.py\b", appendix)
    assert not re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", appendix)  # no constant names
    assert "change them together" not in appendix and "``" not in appendix and "opened_on" not in appendix
    assert f"at least {stats.MIN_FLAG_OBSERVATIONS} observations were expected" in appendix
    assert f"Fewest observations for a flag {stats.MIN_FLAG_OBSERVATIONS} expected" in appendix
    assert "Confidence of every interval 95% (Wilson score interval, z = 1.96)" in appendix
    assert "Previous period (for trends) 2026-09-01 to 2026-09-30" in appendix
    assert f"up to {engine_grid.REPORT_DRIVERS} with the largest shares" in appendix
    assert "100 × (1 - the mean spread over the criteria / 50 points)" in appendix
    assert f"In this report the index is {report.consistency_index:.1f}" in appendix
    assert "up to 7 days after their day" in appendix
    # The standard fonts have no >= or <= sign: they printed as other characters ("value ‡ target").
    assert "Met when the score is at least the target" in appendix and not set(appendix) & set("‡£≥≤")


def test_the_appendix_states_the_values_the_code_has_at_the_time(monkeypatch, settings):
    monkeypatch.setattr(stats, "MIN_FLAG_OBSERVATIONS", 45)
    monkeypatch.setattr(engine_grid, "SPREAD_DRIVERS", 4)
    settings.LATE_CHECK_WINDOW_DAYS = 3
    report = variance_sample(3)
    meta = DocumentMeta("variance report", "Region A", report.date_from, report.date_to)
    with pdfplumber.open(io.BytesIO(render_variance(report, meta=meta))) as doc:
        appendix = _appendix([page.extract_text() or "" for page in doc.pages])
    assert "at least 45 observations were expected" in appendix
    assert "the up to 4 sites with the largest shares" in appendix
    assert "up to 3 days after their day" in appendix


def test_progress_rises_to_the_end_and_footer_names_the_run(rendered):
    _, pdf, pages, progress = rendered
    assert progress == sorted(progress) and progress[-1] >= 95
    assert all("run run-123" in p for p in pages)
    assert b"ASCII85Decode" not in pdf


def test_a_small_network_gets_a_bar_per_site():
    report = variance_sample(6)
    meta = DocumentMeta("variance report", "Region A", report.date_from, report.date_to)
    with pdfplumber.open(io.BytesIO(render_variance(report, meta=meta))) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    assert "Pass rate per site (%)" in text
