"""The heat map's colour steps: readable text on every step (WCAG AA), the stylesheet draws the steps the code
names, a cell's colour follows its number as written, and a cell opens the site on its touch point."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pages.overview.heatmap import STEPS, cell_href, step_of

CSS = Path(__file__).resolve().parents[2] / "pages" / "static" / "pages" / "overview.css"


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_step_has_text_with_enough_contrast_and_the_ramp_runs_dark_to_light():
    for _low, label, background, ink in STEPS:
        assert contrast(background, ink) >= 4.5, label
    lightness = [luminance(background) for _low, _label, background, _ink in STEPS]
    assert lightness == sorted(lightness)  # sequential: a better score is always a lighter cell


def test_the_stylesheet_draws_the_steps_the_code_names():
    css = CSS.read_text()
    for level, (_low, label, background, ink) in enumerate(STEPS):
        rule = re.search(rf"\.h{level} \{{ background: (#[0-9a-f]{{6}}); color: (#[0-9a-f]{{3,6}}); \}}", css)
        assert rule, label
        drawn_ink = rule.group(2) if len(rule.group(2)) == 7 else "#" + "".join(c * 2 for c in rule.group(2)[1:])
        assert (rule.group(1), drawn_ink) == (background, ink), label


@pytest.mark.parametrize(("text", "level"), [
    ("0.0", 0), ("49.9", 0), ("50.0", 1), ("69.9", 2), ("79.9", 3), ("80.0", 4), ("85.0", 5), ("94.9", 6),
    ("95.0", 7), ("100.0", 7),
])
def test_a_cells_step_is_read_off_its_number(text, level):
    assert step_of(text) == level


def test_a_cell_opens_the_site_on_its_touch_point_for_the_same_period():
    assert cell_href("AKL-01", "restroom", "from=2026-03-01&to=2026-03-04") == (
        "/app/sites/AKL-01/?touch_point=restroom&from=2026-03-01&to=2026-03-04#tp-restroom")
