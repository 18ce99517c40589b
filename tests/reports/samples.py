"""Hand-made inputs for the renderers: a VarianceReport of any size and a compliance pack with photos.

Used by the rendering tests and by bench/reports. Numbers are deterministic (seeded) so tests can read
specific ones back out of the PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import random

from consistency.variance.types import (
    CriterionVariance,
    PhotoCounts,
    Rate,
    SiteVariance,
    Spread,
    TouchPointVariance,
    VarianceReport,
)
from reports.packs import (
    CompliancePack,
    PackAction,
    PackCheck,
    PackCriterion,
    PackEvidence,
    PackFailure,
    PackResult,
    PackTouchPoint,
    PackVersion,
)

TOUCH_POINTS = [("phone", "Phone"), ("greeting", "Greeting"), ("restroom", "Restroom"), ("delivery", "Delivery"),
                ("uniform", "Uniform"), ("invoice", "Invoicing"), ("windows", "Windows"), ("feedback", "Feedback")]
CRITERIA_PER_TP = 5


def wilson(passed: float, n: float) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 0.0
    z = 1.96
    p = passed / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(passed: float, expected: float) -> Rate:
    lo, hi = wilson(passed, expected)
    return Rate(passed, expected, passed / expected if expected else 0.0, lo, hi)


def _photos(i: int, checked_days: int) -> PhotoCounts:
    """Five photos a checked day; every 9th site (from the 5th) sends the same photo again and again, every
    13th (from the 8th) has two taken long before their day."""
    verified = 5 * checked_days
    reused = stale = 0
    if i % 9 == 4:
        reused = stale = checked_days - 1
    if i % 13 == 7:
        stale += 2
    return PhotoCounts(verified, reused, stale, max(reused, stale))


# The brand standard's touch points (consistency/standards/touchpoint-brand.yaml): longer names.
BRAND_TOUCH_POINTS = [("phone", "Phone"), ("uniform", "Uniform and name tag"), ("reception", "Reception"),
                      ("restroom", "Restroom cleanliness"), ("windows", "Window cleanliness"),
                      ("delivery", "Delivery on time"), ("invoice", "Invoice accuracy"),
                      ("feedback", "Feedback after the job")]


def variance_sample(sites: int, *, days: int = 30, seed: int = 7,
                    touch_points: list[tuple[str, str]] = TOUCH_POINTS) -> VarianceReport:
    rng = random.Random(seed)
    # One string per criterion, shared by every site's row, as the engine's answer shares them.
    prompts = {(key, j): f"{name} criterion {j}" for key, name in touch_points for j in range(CRITERIA_PER_TP)}
    out: list[SiteVariance] = []
    for i in range(sites):
        quality = 0.55 + 0.44 * rng.random()
        missed = rng.randint(0, 3)
        tps, crits = [], []
        for key, name in touch_points:
            tp_passed = 0
            for j in range(CRITERIA_PER_TP):
                p = min(days, max(0, round((days - missed) * min(1.0, quality + rng.uniform(-0.2, 0.2)))))
                tp_passed += p
                crits.append(CriterionVariance(f"{key}_c{j}", prompts[key, j], key,
                                               rate(p, days),
                                               None if p == days else rng.random() / 2, days - missed,
                                               quality, p / days - quality))
            tps.append(TouchPointVariance(key, name, rate(tp_passed, days * CRITERIA_PER_TP), rng.random() / 3,
                                          (days - missed) * CRITERIA_PER_TP, quality, tp_passed / (days * CRITERIA_PER_TP) - quality))
        score = sum(t.pass_rate.passed for t in tps) / sum(t.pass_rate.expected for t in tps)
        out.append(SiteVariance(
            code=f"S{i:04d}", name=f"Site number {i}", region=f"region-{i % 7}", score=score,
            score_interval=wilson(score * days * 40, days * 40), previous_score=quality,
            trend=score - quality, expected_days=days, checked_days=days - missed, missed_days=missed,
            late_checks=rng.randint(0, 2), flagged=False, touch_points=tps, criteria=crits,
            photos=_photos(i, days - missed)))
    spread = []
    for key, name in touch_points:
        rates = [t.pass_rate.rate for s in out for t in s.touch_points if t.key == key]
        mean = sum(rates) / len(rates)
        sd = math.sqrt(sum((r - mean) ** 2 for r in rates) / len(rates))
        worst = sorted(out, key=lambda s, k=key: next(t.pass_rate.rate for t in s.touch_points if t.key == k))
        spread.append(Spread(key, name, mean, sd, min(rates), max(rates), [s.code for s in worst[:3]]))
    network = sum(s.score for s in out) / len(out)
    _flag_sites(out, network)
    return VarianceReport(
        date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, days), versions=[1, 2], network_score=network,
        network_score_interval=wilson(network * len(out) * days * 40, len(out) * days * 40),
        consistency_index=81.25, sites=out, touch_point_spread=spread, criterion_spread=[],
        drivers=[s.code for s in sorted(out, key=lambda s: s.score)[:5]])


def _direction(low: float, high: float, network: float, n: float) -> str | None:
    if n < 30:
        return None
    return "below" if network > high else "above" if network < low else None


def _flag_sites(sites: list[SiteVariance], network: float) -> None:
    """Flags as the engine sets them: which way the network's rate lies outside each interval."""
    for items in (lambda s: s.criteria, lambda s: s.touch_points):
        rates: dict[str, list[float]] = {}
        for site in sites:
            for item in items(site):
                rates.setdefault(item.key, []).append(item.pass_rate.rate)
        for site in sites:
            for item in items(site):
                r = item.pass_rate
                item.flag = _direction(r.low, r.high, sum(rates[item.key]) / len(rates[item.key]), r.expected)
                item.flagged = item.flag == "below"
    for site in sites:
        site.flag = _direction(*site.score_interval, network, site.expected_days * 40)
        site.flagged = site.flag == "below"


def jpeg(width: int = 320, height: int = 240, *, seed: int = 0, photo_like: bool = False) -> bytes:
    """A JPEG; ``photo_like`` adds noise so it compresses like a real photo (the 800 px report copies
    made at confirmation are ~100-200 KB)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), ((seed * 37) % 255, (seed * 91) % 255, (seed * 13) % 255))
    ImageDraw.Draw(img).rectangle([10, 10, width - 10, height // 2], outline=(255, 255, 255), width=3)
    if photo_like:
        noise = Image.effect_noise((width, height), 40 + seed % 20).convert("RGB")
        img = Image.blend(img, noise, 0.5)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=82)
    return buf.getvalue()


def pack_sample(*, photos: int = 200, days: int = 30, with_thumbnails: bool = True,
                thumbnail_size: tuple[int, int] = (320, 240), photo_like: bool = False) -> CompliancePack:
    start = dt.date(2026, 10, 1)
    tz = dt.UTC
    criteria = [PackCriterion(f"crit_{i}", f"Prompt for criterion {i}", "Score 1-5", "score at least 4 of 5",
                              1, i % 5 == 0, 1 if i % 3 == 0 else 0) for i in range(10)]
    version = PackVersion(1, "published", dt.date(2026, 1, 1), [PackTouchPoint("tp", "Touch point", "Why", criteria)])
    checks, failures = [], []
    for d in range(days):
        day = start + dt.timedelta(days=d)
        if d % 10 == 9:
            continue  # a missed day
        results = [PackResult(c.key, c.prompt, "3 / 5" if (d + i) % 7 == 0 else "5 / 5", (d + i) % 7 != 0, (d + i) % 7 != 0,
                              0.333 if (d + i) % 7 == 0 else 0.0, "note" if i == 0 else "")
                   for i, c in enumerate(criteria)]
        at = dt.datetime.combine(day, dt.time(9, 0), tz)
        checks.append(PackCheck(1000 + d, day, 1, "manager", at, at, False, True, 0.9, None, None, None, "", results))
        for r, c in zip(results, criteria, strict=True):
            if not r.passed:
                failures.append(PackFailure(day, 1000 + d, c.key, c.prompt, r.value, r.deviation, c.critical, "",
                                            PackAction("open", at, day + dt.timedelta(days=3), None, "", "")
                                            if c.critical else None))
    missed = [start + dt.timedelta(days=d) for d in range(days) if d % 10 == 9]
    evidence = []
    for i in range(photos):
        body = jpeg(*thumbnail_size, seed=i, photo_like=photo_like) if with_thumbnails else None
        at = dt.datetime.combine(start + dt.timedelta(days=i % days), dt.time(9, 5), tz)
        evidence.append(PackEvidence(f"{i:08d}-0000-0000-0000-000000000000", at.date(), criteria[i % 10].key,
                                     criteria[i % 10].prompt, "verified", at, at,
                                     hashlib.sha256(f"photo{i}".encode()).hexdigest(),
                                     3_000_000, 4032, 3024, "B1 2026-09-01" if i == 3 else None, i == 5, False,
                                     f"thumbs/{i}.jpg", body, hashed=True))
    return CompliancePack("A1", "Site A1", "Region A", "Pacific/Auckland", start, start + dt.timedelta(days=days - 1),
                          [version], checks, days, missed, failures, evidence)


def tiny_pdf(text: str = "test") -> bytes:
    """A real one-page PDF (reportlab): what a render stands for where a test replaces it. The worker signs every
    PDF it issues, and a signature needs a PDF, not the bytes "%PDF" alone."""
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return out.getvalue()
