"""The perception gap on a dataset small enough to compute by hand: every number below was worked out from
the formulas of docs/perception-gap.md before the engine was asked (the arithmetic is in the comments), and
is compared to 4 decimals.

z = 1.959964, z² = 3.841459. Wilson for k of n: p = k/n, centre = (p + z²/2n) / (1 + z²/n),
half = z/(1 + z²/n) * sqrt(p(1-p)/n + z²/4n²). Newcombe for p1 - p2:
low = d - sqrt((p1-l1)² + (u2-p2)²), high = d + sqrt((u1-p1)² + (p2-l2)²).
"""

import datetime as dt

import pytest

from customer.perception import perception_gap
from customer.perception.stats import MIN_CORRELATION_SITES, MIN_OBSERVATIONS
from sites.models import Site
from tests.consistency.variance_data import check

from .perception_data import assert_feedback_days_agree, audit, feedback, question

FROM, TO = dt.date(2026, 3, 1), dt.date(2026, 3, 10)
DAYS = [FROM + dt.timedelta(days=i) for i in range(10)]
PASS = {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 5, "delivery_on_time_pct": 99}
RINGS_FAIL = {**PASS, "phone_rings": 6}


def approx(x):
    return pytest.approx(x, abs=5e-5)  # 4 decimals


@pytest.fixture
def hand(network, standard):
    """Ten days, 2026-03-01..10, at each of A1, A2, B1:
    - self-checks every day: A1 and A2 pass all 4 criteria (40/40 each); B1 fails phone_rings daily (30/40).
    - one audit a day observing 3 criteria (30 results a site):
      A1: rings, greeting, restroom: greeting passes 10, restroom 5 (days 1-5), rings 0 -> 15/30
      A2: the same three: greeting 10, restroom 10, rings 7 (days 1-7) -> 27/30
      B1: greeting, restroom, delivery (not rings): greeting 10, restroom 10, delivery 0 -> 20/30
    - feedback: q_greet (criterion phone_greeting): A1 20 responses, 8 satisfied (score 9/10, else 5/10);
      A2 20 responses, 18 satisfied; B1: q_rest (touch point restroom) 10 responses on 1-5, 5 satisfied (5, else
      2), and q_overall (mapped to nothing) 10 responses, all 9/10.
    """
    greet = question("q_greet", touch_point="phone", criterion="phone_greeting")
    rest = question("q_rest", touch_point="restroom")
    overall = question("q_overall")
    for i, day in enumerate(DAYS):
        check(network.a1, day, PASS, user=network.manager_a)
        check(network.a2, day, PASS, user=network.manager_a)
        check(network.b1, day, RINGS_FAIL, user=network.manager_b)
        audit(network.a1, day, {"phone_rings": False, "phone_greeting": True, "restroom_clean": i < 5},
              user=network.auditor)
        audit(network.a2, day, {"phone_rings": i < 7, "phone_greeting": True, "restroom_clean": True},
              user=network.auditor, kind="mystery_shop")
        audit(network.b1, day, {"phone_greeting": True, "restroom_clean": True, "delivery_on_time_pct": False},
              user=network.auditor_b1)
    # Two days of feedback per site: the totals add up across days and questions.
    feedback(network.a1, DAYS[0], [9] * 4 + [5] * 6, question=greet)
    feedback(network.a1, DAYS[1], [9] * 4 + [5] * 6, question=greet)
    feedback(network.a2, DAYS[0], [9] * 9 + [5] * 1, question=greet)
    feedback(network.a2, DAYS[2], [9] * 9 + [5] * 1, question=greet)
    feedback(network.b1, DAYS[3], [5] * 5 + [2] * 5, scale="1-5", question=rest)
    feedback(network.b1, DAYS[3], [9] * 10, question=overall)
    # Outside the period: counted nowhere.
    feedback(network.a1, dt.date(2026, 3, 11), [0] * 10, question=greet)
    audit(network.a1, dt.date(2026, 2, 28), {"phone_greeting": False}, user=network.auditor)
    assert_feedback_days_agree()
    return network


def gap(**kw):
    return perception_gap(sites=Site.objects.all(), date_from=FROM, date_to=TO, **kw)


def test_the_sites_optimism_is_like_with_like_and_ranked_by_its_lower_bound(hand):
    answer = gap()
    a1, a2, b1 = answer.sites
    assert [s.code for s in answer.sites] == ["A1", "A2", "B1"]
    assert [s.audits for s in answer.sites] == [10, 10, 10]
    # A1: self-checks on the audited keys (rings, greeting, restroom) 30/30 = 1, Wilson low = 30/(30+z²) = 0.886487.
    # Audits 15/30 = 0.5: centre 0.5, half = 1.959964/1.128049 * sqrt(0.25/30 + z²/3600) = 0.168459 -> 0.331541..
    # 0.668459. Optimism 0.5, low = 0.5 - sqrt(0.113513² + 0.168459²) = 0.296865, high = 0.5 + 0.168459 = 0.668459.
    assert (a1.self_check_audited.successes, a1.self_check_audited.n) == (30, 30)
    assert (a1.audit.successes, a1.audit.n) == (15, 30)
    assert a1.audit.low == approx(0.331541) and a1.audit.high == approx(0.668459)
    assert (a1.optimism.value, a1.optimism.low, a1.optimism.high) == (approx(0.5), approx(0.296865), approx(0.668459))
    assert a1.optimism.supported and a1.rank == 1
    # A2: audits 27/30 = 0.9, Wilson 0.743789..0.965400. Optimism 0.1, low = 0.1 - sqrt(0.113513² + 0.065400²)
    # = -0.031006: the interval holds 0, not supported, not ranked.
    assert (a2.optimism.value, a2.optimism.low, a2.optimism.high) == (approx(0.1), approx(-0.031006), approx(0.256211))
    assert not a2.optimism.supported and a2.rank is None
    # B1: all its self-checks 30/40 = 0.75 (rings fail daily); but its audits never looked at rings: on the
    # audited keys (greeting, restroom, delivery) its self-checks are 30/30 = 1. Audits 20/30 = 0.666667, Wilson
    # 0.487801..0.807695. Optimism 0.333333 (not the naive 0.75 - 0.6667 = 0.0833), low = 0.333333 -
    # sqrt(0.113513² + 0.141028²) = 0.152297, high = 0.333333 + 0.178866 = 0.512199.
    assert (b1.self_check.successes, b1.self_check.n) == (30, 40)
    assert (b1.self_check_audited.successes, b1.self_check_audited.n) == (30, 30)
    assert (b1.optimism.value, b1.optimism.low, b1.optimism.high) == (approx(1 / 3), approx(0.152297), approx(0.512199))
    assert b1.optimism.supported and b1.rank == 2
    # Ranked: A1 (low 0.2969) before B1 (low 0.1523); A2 not at all.
    assert [(s.code, s.rank) for s in answer.optimistic] == [("A1", 1), ("B1", 2)]


def test_the_scope_touch_point_and_criterion_rows(hand):
    answer = gap()
    o = answer.overall
    assert (o.key, o.touch_point) == ("", "")
    # Self-checks: 40 + 40 + 30 = 110 of 120 = 0.916667 (Wilson 0.853378..0.954106).
    assert (o.self_check.successes, o.self_check.n) == (110, 120)
    assert (o.self_check.low, o.self_check.high) == (approx(0.853378), approx(0.954106))
    # Audits: 15 + 27 + 20 = 62 of 90 = 0.688889 (0.587172..0.775141); on the same pairs self-checks 90/90 (low
    # 90/(90+z²) = 0.959064). self - audit = 0.311111, low = 0.311111 - sqrt(0.040936² + 0.086252²) = 0.215637,
    # high = 0.311111 + sqrt(0 + 0.101717²) = 0.412828.
    assert (o.audit.successes, o.audit.n, o.self_check_audited.n) == (62, 90, 90)
    assert (o.self_vs_audit.value, o.self_vs_audit.low, o.self_vs_audit.high) == (
        approx(0.311111), approx(0.215637), approx(0.412828))
    assert o.self_vs_audit.supported
    # Customers: all 60 responses of the period (the unmapped question too), satisfied 8 + 18 + 5 + 10 = 41:
    # 0.683333 (0.557662..0.786941). self - customer = 0.233333, low = 0.233333 - sqrt(0.063289² + 0.103608²)
    # = 0.111924; audit - customer = 0.005556, low = 0.005556 - sqrt(0.101717² + 0.103608²) = -0.139637: not
    # supported.
    assert (o.customer.satisfied.successes, o.customer.satisfied.n) == (41, 60)
    assert (o.self_vs_customer.value, o.self_vs_customer.low, o.self_vs_customer.high) == (
        approx(0.233333), approx(0.111924), approx(0.364463))
    assert (o.audit_vs_customer.value, o.audit_vs_customer.low, o.audit_vs_customer.high) == (
        approx(0.005556), approx(-0.139637), approx(0.157978))
    assert o.self_vs_customer.supported and not o.audit_vs_customer.supported

    phone, restroom, delivery = answer.touch_points
    assert [t.key for t in answer.touch_points] == ["phone", "restroom", "delivery"]
    # phone: self A1 20/20 + A2 20/20 + B1 10/20 = 50/60; audits A1 10/20 + A2 17/20 + B1 10/10 = 37/50;
    # self on the audited pairs 20 + 20 + 10 = 50/50. Customers: the criterion question counts for its touch
    # point: 26 of 40.
    assert (phone.self_check.successes, phone.self_check.n) == (50, 60)
    assert (phone.audit.successes, phone.audit.n) == (37, 50)
    assert (phone.self_check_audited.successes, phone.self_check_audited.n) == (50, 50)
    assert (phone.customer.satisfied.successes, phone.customer.satisfied.n) == (26, 40)
    # restroom: the 1-5 question at B1, 5 of 10 satisfied; mean of 5 x 1.0 and 5 x 0.25 = 0.625, sample variance
    # (5.3125 - 6.25²/10) / 9 = 0.156250, half = 1.959964 * sqrt(0.15625/10) = 0.245000.
    assert (restroom.customer.satisfied.successes, restroom.customer.satisfied.n) == (5, 10)
    assert (restroom.customer.mean, restroom.customer.mean_low, restroom.customer.mean_high) == (
        approx(0.625), approx(0.38), approx(0.87))
    assert delivery.customer.satisfied.n == 0 and delivery.customer.mean is None
    assert delivery.self_vs_customer.value is None and not delivery.self_vs_customer.supported

    # Criteria where audits or customers said something: all four were audited.
    greeting = next(c for c in answer.criteria if c.key == "phone_greeting")
    assert (greeting.touch_point, greeting.name) == ("phone", "Brand greeting")
    # greeting: customers 26/40 = 0.65 (0.495059..0.778655); mean (26 x 0.9 + 14 x 0.5)/40 = 0.76, sample
    # variance (24.56 - 30.4²/40)/39 = 0.037333, half = 1.959964 * sqrt(0.037333/40) = 0.059879.
    assert greeting.customer.satisfied.rate == approx(0.65)
    assert (greeting.customer.satisfied.low, greeting.customer.satisfied.high) == (approx(0.495059), approx(0.778655))
    assert (greeting.customer.mean, greeting.customer.mean_low, greeting.customer.mean_high) == (
        approx(0.76), approx(0.700121), approx(0.819879))
    # Audits 30/30, self-checks 30/30: no gap.
    assert (greeting.audit.successes, greeting.self_check.successes) == (30, 30)
    assert greeting.self_vs_audit.value == 0 and not greeting.self_vs_audit.supported


def test_too_thin_a_correlation_on_three_sites(hand):
    for c in gap().correlations:
        assert c.verdict == "too_thin" and c.r is None
    self_check, audit_c = gap().correlations
    # Sites with >= 30 self-check results and >= 30 responses: none (A1 and A2 have 20 responses, B1 20).
    assert self_check.sites == 0
    assert self_check.message == (f"Too thin: 0 sites have at least {MIN_OBSERVATIONS} self-check results and "
                                  f"{MIN_OBSERVATIONS} feedback responses; {MIN_CORRELATION_SITES} are needed to say "
                                  "whether the self-check pass rate goes with customer satisfaction.")


def test_a_narrower_scope_is_only_its_sites(hand):
    answer = perception_gap(sites=Site.objects.filter(code="B1"), date_from=FROM, date_to=TO, site="B1")
    assert [s.code for s in answer.sites] == ["B1"] and answer.site == "B1"
    assert (answer.overall.self_check.successes, answer.overall.self_check.n) == (30, 40)
    assert (answer.overall.customer.satisfied.successes, answer.overall.customer.satisfied.n) == (15, 20)
    assert [(s.code, s.rank) for s in answer.optimistic] == [("B1", 1)]


def test_nothing_in_scope_and_no_data(network, standard):
    answer = perception_gap(sites=Site.objects.none(), date_from=FROM, date_to=TO)
    assert answer.sites == [] and answer.overall.self_check.n == 0 and answer.overall.self_check.rate is None
    answer = perception_gap(sites=Site.objects.all(), date_from=FROM, date_to=TO)
    assert [s.rank for s in answer.sites] == [None, None, None] and answer.criteria == []
    assert all(s.optimism.value is None for s in answer.sites)
    with pytest.raises(ValueError):
        perception_gap(sites=Site.objects.all(), date_from=TO, date_to=FROM)


def test_the_ranking_puts_the_surest_optimism_first_not_the_largest():
    """Two sites audited on one criterion: S1 says 30/30 and its audits find 15/30 (optimism 0.5, low 0.296865);
    S2 says 400/400 and its audits find 220/400 (optimism 0.45). S2's Wilson: self low = 400/(400 + z²) =
    0.990488; audits 0.55, centre (0.55 + z²/800)/1.009604 = 0.549524, half = 1.959964/1.009604 * sqrt(0.2475/400 +
    z²/640000) = 0.048523 -> 0.501001..0.598048. low = 0.45 - sqrt(0.009512² + 0.048048²) = 0.401020. By lower
    bound S2 comes first
    though its optimism is smaller: the surer case for a visit (docs/perception-gap.md)."""
    import numpy as np

    from customer.perception.engine import _Data, _site_gaps
    from customer.perception.reads import SiteRow

    data = _Data(self_n=np.array([[30.0], [400.0]]), self_passed=np.array([[30.0], [400.0]]),
                 audit_n=np.array([[30.0], [400.0]]), audit_passed=np.array([[15.0], [220.0]]),
                 audits=np.array([10, 100]), feedback_site=np.zeros((2, 4)), feedback_all=np.zeros(4), feedback_tp={},
                 feedback_criterion={})
    s1, s2 = _site_gaps(data, [SiteRow(1, "S1", "S1", "r"), SiteRow(2, "S2", "S2", "r")])
    assert (s1.optimism.value, s1.optimism.low) == (approx(0.5), approx(0.296865))
    assert (s2.optimism.value, s2.optimism.low) == (approx(0.45), approx(0.401020))
    assert (s2.rank, s1.rank) == (1, 2)


def test_departments_and_questions_mapped_to_keys_no_version_has(network):
    from consistency.models import TouchPoint
    from consistency.services import standard as services
    from consistency.services.standard_document import parse_document
    from tests.factories import small_standard_doc

    # A draft may still change (the standard document names departments on branch departments).
    draft = services.version_create_from_document(doc=parse_document(small_standard_doc()))
    TouchPoint.objects.filter(version=draft, key="delivery").update(department=network.accounting)
    services.version_publish(version=draft, effective_from=dt.date(2026, 1, 1))
    ghost = question("q_ghost", touch_point="valet", criterion="valet_speed")  # no version has these keys
    feedback(network.a1, DAYS[0], [10, 10, 0], question=ghost)
    feedback(network.a1, DAYS[0], [6])  # no question at all: an overall rating
    answer = gap()
    assert [(t.key, t.department) for t in answer.touch_points] == [("phone", ""), ("restroom", ""),
                                                                     ("delivery", "accounting")]
    # Both count for the scope and the site, nowhere else.
    assert (answer.overall.customer.satisfied.successes, answer.overall.customer.satisfied.n) == (2, 4)
    assert answer.sites[0].customer.satisfied.n == 4
    assert all(t.customer.satisfied.n == 0 for t in answer.touch_points) and answer.criteria == []
