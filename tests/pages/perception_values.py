"""Perception answers built by hand (customer/perception/types.py) for the pages' pure template tests: the
numbers are chosen, not computed, so a test reads exactly what the page must write. The pages' end-to-end
tests (test_perception.py, test_perception_site.py) run the real engine on real rows."""

from __future__ import annotations

import datetime as dt

from customer.perception import Correlation, CustomerScore, Gap, GapRow, PerceptionGap, Rate, SiteGap

NONE_RATE = Rate(0, 0, None, None, None)
NONE_GAP = Gap(None, None, None, False)
NONE_CUSTOMER = CustomerScore(NONE_RATE, None, None, None)


def rate(successes: int, n: int, low: float, high: float) -> Rate:
    return Rate(successes, n, successes / n, low, high)


def customer(successes: int, n: int, low: float, high: float, mean: float) -> CustomerScore:
    return CustomerScore(rate(successes, n, low, high), mean, mean - 0.05, mean + 0.05)


def row(key: str, name: str, touch_point: str, **parts) -> GapRow:
    return GapRow(key=key, name=name, touch_point=touch_point, department=parts.pop("department", ""),
                  self_check=parts.get("self_check", NONE_RATE), audit=parts.get("audit", NONE_RATE),
                  customer=parts.get("customer", NONE_CUSTOMER), self_vs_audit=parts.get("self_vs_audit", NONE_GAP),
                  self_vs_customer=parts.get("self_vs_customer", NONE_GAP),
                  audit_vs_customer=parts.get("audit_vs_customer", NONE_GAP))


def site(code: str, region: str, *, optimism: Gap, audits: int, rank: int | None) -> SiteGap:
    return SiteGap(code=code, name=f"Site {code}", region=region, self_check=rate(90, 100, 0.825, 0.945),
                   audit=rate(12, 20, 0.387, 0.781) if audits else NONE_RATE, customer=NONE_CUSTOMER,
                   optimism=optimism, audits=audits, rank=rank)


def answer(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 30), region=None, site_code=None) -> PerceptionGap:
    overall = row("", "All", "", self_check=rate(900, 1000, 0.880, 0.917), audit=rate(60, 100, 0.502, 0.691),
                  customer=customer(300, 500, 0.557, 0.641, 0.71),
                  self_vs_audit=Gap(0.3, 0.207, 0.392, True), self_vs_customer=Gap(0.3, 0.255, 0.346, True),
                  audit_vs_customer=Gap(0.0, -0.103, 0.098, False))
    phone = row("phone", "Phone", "phone", self_check=rate(450, 500, 0.871, 0.923), audit=rate(25, 50, 0.366, 0.634),
                self_vs_audit=Gap(0.4, 0.262, 0.526, True))
    rings = row("phone_rings", "Answered by the 3rd ring", "phone", self_check=rate(225, 250, 0.857, 0.931),
                audit=rate(10, 25, 0.234, 0.593), self_vs_audit=Gap(0.5, 0.312, 0.666, True))
    restroom = row("restroom", "Restroom", "restroom", self_check=rate(450, 500, 0.871, 0.923),
                   customer=customer(300, 500, 0.557, 0.641, 0.71), self_vs_customer=Gap(0.3, 0.255, 0.346, True))
    sites = [site("A1", "region-a", optimism=Gap(0.3, 0.11, 0.49, True), audits=2, rank=1),
             site("A2", "region-a", optimism=Gap(0.05, -0.1, 0.2, False), audits=1, rank=None),
             site("B1", "region-b", optimism=NONE_GAP, audits=0, rank=None)]
    return PerceptionGap(
        date_from=date_from, date_to=date_to, region=region, site=site_code, overall=overall,
        touch_points=[phone, restroom], criteria=[rings], sites=sites, optimistic=[sites[0]],
        correlations=[
            Correlation("self_check", 3, None, None, None, "too_thin",
                        "Too thin: 3 sites have enough self-checks and feedback; 10 are needed."),
            Correlation("audit", 12, -0.4213, -0.79, 0.21, "no_clear_link",
                        "No clear link: the interval includes 0."),
        ])
