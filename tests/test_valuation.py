"""The valuation layer (issue 15), each figure tied to an independent computation: Jiaxin's public
offer figures (docs/facts.md), textbook annuity and Gordon formulas computed here, numpy-financial,
Delta NPV recomputed at the critical mass, hand-built 1- and 2-step binomial trees and the
Black-Scholes limit; plus Hypothesis invariants."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from helpers import WAIT_ARGS
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import xl_corridor as xc
from xl_corridor.errors import CorridorInputError

# Jiaxin International Resources (HKEX 3858), allotment results, Aug 2025 (docs/facts.md).
JX_OFFER_SHARES = 109_808_800
JX_OFFER_PRICE = 10.92  # HK$
JX_SHARES_POST = 439_228_800
JX_SHARES_PRE = JX_SHARES_POST - JX_OFFER_SHARES
JX_GROSS_M = 1_199.1  # HK$ m, published
JX_EXPENSES_M = 111.4  # HK$ m, published
JX_NET_M = 1_087.7  # HK$ m, published
JX_DAY1_CLOSE = 30.34  # HK$
JX_AIX_SHARES = 1_317_600
JX_AIX_PRICE_RMB = 9.93
JX_RMB_PER_HKD = 0.90964


# --------------------------------------------------------------------------- offer economics


def test_jiaxin_dilution_is_offer_shares_over_post_offer_shares():
    # Published: 109,808,800 offer shares of 439,228,800 outstanding after the offer.
    assert xc.offer_dilution(JX_SHARES_PRE, JX_OFFER_SHARES) == pytest.approx(
        109_808_800 / 439_228_800, rel=1e-15
    )
    e = xc.offer_economics(JX_SHARES_PRE, JX_OFFER_SHARES, JX_OFFER_PRICE, JX_DAY1_CLOSE)
    assert e.shares_post == JX_SHARES_POST
    assert e.retained == pytest.approx(329_420_000 / 439_228_800, rel=1e-15)


def test_jiaxin_gross_and_net_proceeds_match_the_published_millions():
    gross = xc.offer_proceeds(JX_OFFER_SHARES, JX_OFFER_PRICE)
    assert gross == pytest.approx(109_808_800 * 10.92, rel=1e-15)
    assert round(gross / 1e6, 1) == JX_GROSS_M
    net = xc.offer_proceeds(JX_OFFER_SHARES, JX_OFFER_PRICE, fees=JX_EXPENSES_M * 1e6)
    assert round(net / 1e6, 1) == JX_NET_M
    e = xc.offer_economics(
        JX_SHARES_PRE, JX_OFFER_SHARES, JX_OFFER_PRICE, JX_DAY1_CLOSE, fees=JX_EXPENSES_M * 1e6
    )
    assert round(e.net_proceeds / 1e6, 1) == JX_NET_M
    # Published: expenses "about 9.3%" of gross; market value at the offer "about HK$4.80bn".
    assert round(e.fee_ratio, 3) == 0.093
    assert round(e.market_cap_at_offer / 1e9, 2) == 4.80


def test_jiaxin_money_left_on_the_table_and_first_day_return():
    expected = 109_808_800 * (30.34 - 10.92)  # Ritter & Welch (2002) definition, by hand
    assert xc.offer_money_left(JX_OFFER_SHARES, JX_OFFER_PRICE, JX_DAY1_CLOSE) == pytest.approx(
        expected, rel=1e-12
    )
    assert round(expected / 1e6, 1) == 2132.5
    assert xc.first_day_return(JX_OFFER_PRICE, JX_DAY1_CLOSE) == pytest.approx(30.34 / 10.92 - 1)
    e = xc.offer_economics(
        JX_SHARES_PRE, JX_OFFER_SHARES, JX_OFFER_PRICE, JX_DAY1_CLOSE, fees=JX_EXPENSES_M * 1e6
    )
    assert e.total_cost == pytest.approx(111.4e6 + expected, rel=1e-12)
    assert e.total_cost_ratio == pytest.approx((111.4e6 + expected) / (109_808_800 * 10.92))


def test_jiaxin_aix_tranche_proceeds_agree_in_both_currencies():
    # RMB 9.93 = HK$ 10.92 at RMB 0.90964 per HK$ (published); the RMB price is rounded to the
    # fen, so the two amounts agree to half a fen per share.
    rmb = xc.offer_proceeds(JX_AIX_SHARES, JX_AIX_PRICE_RMB)
    hkd = xc.offer_proceeds(JX_AIX_SHARES, JX_OFFER_PRICE)
    assert rmb == pytest.approx(1_317_600 * 9.93)
    assert abs(rmb / JX_RMB_PER_HKD - hkd) <= JX_AIX_SHARES * 0.005 / JX_RMB_PER_HKD


def test_greenshoe_enlarges_dilution_proceeds_and_money_left():
    shoe = 0.15 * JX_OFFER_SHARES  # a standard 15% over-allotment
    n = JX_OFFER_SHARES + shoe
    assert xc.offer_dilution(JX_SHARES_PRE, JX_OFFER_SHARES, shoe) == pytest.approx(
        n / (JX_SHARES_PRE + n)
    )
    assert xc.offer_proceeds(JX_OFFER_SHARES, 10.92, shoe, 1e6) == pytest.approx(n * 10.92 - 1e6)
    assert xc.offer_money_left(JX_OFFER_SHARES, 10.92, 30.34, shoe) == pytest.approx(
        n * (30.34 - 10.92)
    )


def test_offer_functions_broadcast_and_return_floats_for_scalars():
    assert isinstance(xc.offer_dilution(3.0, 1.0), float)
    out = xc.offer_money_left([[1e6], [2e6]], [10.0, 11.0], 12.0)
    np.testing.assert_allclose(out, [[2e6, 1e6], [4e6, 2e6]])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: xc.offer_proceeds(1e6, 10.0, fees=2e7), r"^fees: expected listing expenses of at"),
        (lambda: xc.offer_dilution(0.0, 1e6), r"^shares_pre: expected a number of shares above 0"),
        (lambda: xc.offer_dilution(1e6, -5.0), r"^new_shares: expected a number of shares"),
        (lambda: xc.offer_dilution(1e6, 1e5, -1.0), r"^greenshoe: expected a number of shares"),
        (lambda: xc.first_day_return(10.92, "30.34"), r"^price_day1: expected a number, got text"),
        (lambda: xc.offer_money_left(1e6, 0.0, 1.0), r"^offer_price: expected a price per share"),
        (lambda: xc.dual_npv_per_share(1e6, 0.0), r"^shares_outstanding: expected a number of"),
        (lambda: xc.dual_npv_to_market_cap(1e6, 1e6, None), r"^share_price: expected a number"),
    ],
)
def test_bad_offer_input_is_named(call, message):
    with pytest.raises(CorridorInputError, match=message):
        call()


# --------------------------------------------------------------------------- per share


def test_per_share_and_market_cap_fraction_of_a_jiaxin_sized_delta_npv():
    cf = [-300e6, 80e6, 120e6, 150e6, 180e6]
    d = xc.dual_npv(cf, 0.10, 0.12, 5e6)
    # numpy-financial's npv with a zero at t=0 is Excel's NPV convention.
    by_hand = npf.npv(0.10, [0, *cf]) - npf.npv(0.12, [0, *cf]) - 5e6
    assert xc.dual_npv_per_share(d, JX_SHARES_POST) == pytest.approx(by_hand / 439_228_800)
    assert xc.dual_npv_to_market_cap(d, JX_SHARES_POST, 10.92) == pytest.approx(
        by_hand / (439_228_800 * 10.92)
    )


def test_gordon_uplift_matches_delta_npv_of_a_growing_perpetuity():
    # A 2000-year growing series is a perpetuity to 1e-60: its Delta NPV before costs over its
    # single-listing value is the Gordon uplift (ks - g)/(kd - g) - 1.
    g, kd, ks = 0.01, 0.09, 0.11
    cf = 100.0 * (1 + g) ** np.arange(2000)
    pv_s = npf.npv(ks, np.concatenate([[0.0], cf]))
    gain = xc.breakeven_cost(cf, kd, ks)
    assert gain / pv_s == pytest.approx(xc.dual_price_uplift(kd, ks, g), rel=1e-10)
    assert xc.dual_price_uplift(kd, ks, g) == pytest.approx((0.11 - 0.01) / (0.09 - 0.01) - 1)


def test_gordon_refuses_a_cost_of_equity_not_above_growth():
    with pytest.raises(
        CorridorInputError, match=r"^ke_dual: expected a cost of equity above growth"
    ):
        xc.dual_price_uplift(0.03, 0.12, 0.03)
    with pytest.raises(CorridorInputError, match=r"^ke_single: expected a cost of equity above"):
        xc.dual_price_uplift(0.01, 0.02, 0.05)
    with pytest.raises(CorridorInputError, match=r"at item 2, got ke_dual 0.01, growth 0.02"):
        xc.dual_price_uplift([0.08, 0.01], 0.12, 0.02)


# --------------------------------------------------------------------------- critical mass


def _annuity(n, k):
    return (1 - (1 + k) ** -n) / k  # level annuity factor, Brealey-Myers-Allen ch. 2


def test_critical_mass_of_a_level_perpetuity_is_cost_times_ke_dual_over_cut():
    assert xc.critical_mass(0.02, 150.0, 0.12) == pytest.approx(150.0 * 0.10 / 0.02)
    # growing at g: C (kd - g) / cut
    assert xc.critical_mass(0.02, 150.0, 0.12, None, 0.03) == pytest.approx(150.0 * 0.07 / 0.02)


def test_critical_mass_of_an_annuity_uses_the_annuity_ratio():
    ratio = _annuity(15, 0.09) / _annuity(15, 0.115)
    assert xc.critical_mass(0.025, 80.0, 0.115, 15) == pytest.approx(80.0 / (ratio - 1))


def test_delta_npv_is_zero_at_the_critical_mass_and_positive_above():
    # Build the level annuity whose PV at ke_single is the critical mass, then recompute
    # Delta NPV with dual_npv (numpy-financial cross-checks the scale).
    ks, cut, cost, n = 0.13, 0.03, 60.0, 12
    pv_star = xc.critical_mass(cut, cost, ks, n)
    level = pv_star / _annuity(n, ks)
    flows = [level] * n
    assert npf.npv(ks, [0, *flows]) == pytest.approx(pv_star)
    assert xc.dual_npv(flows, ks - cut, ks, cost) == pytest.approx(0.0, abs=1e-9)
    assert xc.dual_npv([1.01 * level] * n, ks - cut, ks, cost) > 0
    assert xc.dual_npv([0.99 * level] * n, ks - cut, ks, cost) < 0


def test_critical_mass_for_a_given_profile_solves_delta_npv_zero():
    profile = [-50.0, -20.0, 10.0, 30.0, 45.0, 45.0, 40.0, 30.0]
    ks, cut, cost = 0.12, 0.02, 7.5
    pv_star = xc.critical_mass_for_flows(profile, cut, cost, ks)
    scale = pv_star / npf.npv(ks, [0, *profile])
    scaled = [scale * x for x in profile]
    assert xc.dual_npv(scaled, ks - cut, ks, cost) == pytest.approx(0.0, abs=1e-9)
    # A level profile gives the annuity answer.
    assert xc.critical_mass_for_flows([1.0] * 20, cut, cost, ks) == pytest.approx(
        xc.critical_mass(cut, cost, ks, 20)
    )


def test_critical_mass_for_mid_and_begin_timing_solves_delta_npv_zero():
    profile = [5.0, 10.0, 20.0]
    for timing in ("mid", "begin"):
        pv_star = xc.critical_mass_for_flows(profile, 0.02, 3.0, 0.1, timing=timing)
        scale = pv_star / xc.npv(0.1, profile, timing=timing)
        d = xc.dual_npv([scale * x for x in profile], 0.08, 0.1, 3.0, timing=timing)
        assert d == pytest.approx(0.0, abs=1e-9)


def test_no_cut_means_no_size_pays():
    assert math.isnan(xc.critical_mass(0.0, 10.0, 0.12))
    assert math.isnan(xc.critical_mass_for_flows([1.0, 2.0], 0.0, 10.0, 0.12))


def test_critical_mass_refuses_named():
    with pytest.raises(CorridorInputError, match=r"^cash_flows: expected cash flows whose present"):
        xc.critical_mass_for_flows([-10.0, 1.0], 0.02, 1.0, 0.1)
    with pytest.raises(CorridorInputError, match=r"^premium_cut: expected a cut that leaves"):
        xc.critical_mass(0.05, 1.0, 0.06, None, 0.03)
    with pytest.raises(CorridorInputError, match=r"^premium_cut: expected .*\(for 2% enter 0.02\)"):
        xc.critical_mass(2.0, 1.0, 0.12)
    with pytest.raises(CorridorInputError, match=r"^annuity_years: expected a whole number"):
        xc.critical_mass(0.02, 1.0, 0.12, 2.5)
    with pytest.raises(CorridorInputError, match=r"^compliance_cost: expected an amount of 0"):
        xc.critical_mass(0.02, -1.0, 0.12)


def test_grid_is_the_elementwise_critical_mass():
    costs, cuts = [50.0, 100.0, 200.0], [0.005, 0.01, 0.02, 0.03]
    grid = xc.critical_mass_grid(costs, cuts, 0.12, annuity_years=25)
    assert grid.shape == (3, 4)
    for i, c in enumerate(costs):
        for j, k in enumerate(cuts):
            ratio = _annuity(25, 0.12 - k) / _annuity(25, 0.12)
            assert grid[i, j] == pytest.approx(c / (ratio - 1))
    with pytest.raises(CorridorInputError, match=r"^premium_cuts: "):
        xc.critical_mass_grid(costs, [0.01, 5.0], 0.12)


def test_phase_forecast_counts_by_hand():
    pvs = [120.0, 450.0, 760.0, 900.0, 2500.0, -30.0]
    f = xc.phase_forecast(pvs, 0.02, 150.0, 90.0, 0.12)
    bar1, bar2 = 150.0 * 0.10 / 0.02, 90.0 * 0.10 / 0.02  # 750 and 450
    assert (f.bar_phase1, f.bar_phase2) == (pytest.approx(bar1), pytest.approx(bar2))
    assert f.count_phase1 == sum(pv > bar1 for pv in pvs) == 3
    # 450 equals the phase-2 bar: Delta NPV = 0 is not > 0, so it does not clear.
    assert f.count_phase2 == sum(pv > bar2 for pv in pvs) == 3
    f = xc.phase_forecast(pvs, 0.02, 150.0, 80.0, 0.12)
    assert (f.count_phase1, f.count_phase2, f.newly_clear) == (3, 4, 1)
    assert f.clears_phase2.tolist() == [False, True, True, True, True, False]


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.001, 0.2),
    st.floats(0.0, 1e9),
    st.floats(0.0, 1e9),
    st.floats(0.05, 0.3),
    st.one_of(st.none(), st.integers(1, 200)),
)
def test_critical_mass_rises_with_cost_and_is_linear_in_it(cut, c1, c2, ks, years):
    assume(years is not None or ks - cut > 1e-3)  # a perpetuity needs ke_dual > 0 = growth
    lo, hi = sorted((c1, c2))
    m_lo, m_hi = xc.critical_mass(cut, lo, ks, years), xc.critical_mass(cut, hi, ks, years)
    assert m_lo <= m_hi
    unit = xc.critical_mass(cut, 1.0, ks, years)
    assert m_hi == pytest.approx(hi * unit, rel=1e-9, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.001, 0.2),
    st.floats(0.001, 0.2),
    st.floats(1.0, 1e9),
    st.floats(0.05, 0.3),
    st.one_of(st.none(), st.integers(1, 200)),
)
def test_critical_mass_falls_as_the_premium_cut_rises(k1, k2, cost, ks, years):
    small, big = sorted((k1, k2))
    assume(big - small > 1e-6)
    assume(years is not None or ks - big > 1e-3)  # a perpetuity needs ke_dual > 0 = growth
    assert xc.critical_mass(big, cost, ks, years) < xc.critical_mass(small, cost, ks, years)


# --------------------------------------------------------------------------- when to list


def _crr(s0, strike, t, sigma, r, delta, n):
    """Backward induction through an n-step CRR tree, written out independently."""
    dt = t / n
    u = math.exp(sigma * math.sqrt(dt))
    d = 1 / u
    q = (((1 + r) / (1 + delta)) ** dt - d) / (u - d)
    values = [max(s0 * u**j * d ** (n - j) - strike, 0.0) for j in range(n + 1)]
    for _ in range(n):
        values = [
            (q * values[j + 1] + (1 - q) * values[j]) / (1 + r) ** dt
            for j in range(len(values) - 1)
        ]
    return values[0]


def test_one_step_tree_by_hand():
    # S0 = 100, T = 1, sigma = 0.4: u = e^0.4, d = e^-0.4; r = 5%, delta = 2%.
    u, d = math.exp(0.4), math.exp(-0.4)
    q = (1.05 / 1.02 - d) / (u - d)
    call = (q * max(100 * u - 90, 0) + (1 - q) * max(100 * d - 90, 0)) / 1.05
    lt = xc.listing_timing(100.0, 70.0, 90.0, 0.6, 1.0, 0.4, 0.05, 0.02, steps=1)
    assert lt.value_wait == pytest.approx(0.6 * call, rel=1e-12)
    assert lt.value_now == pytest.approx(0.6 * 100 - 70)
    assert lt.difference == pytest.approx(0.6 * call + 10)
    assert lt.timing == "WAIT_FOR_DFS"


def test_two_step_tree_by_hand():
    s0, k, t, sigma, r, delta = 80.0, 75.0, 2.0, 0.3, 0.04, 0.03
    u = math.exp(sigma)  # dt = 1
    d = 1 / u
    q = (1.04 / 1.03 - d) / (u - d)
    uu, ud, dd = max(s0 * u * u - k, 0), max(s0 - k, 0), max(s0 * d * d - k, 0)
    up = (q * uu + (1 - q) * ud) / 1.04
    down = (q * ud + (1 - q) * dd) / 1.04
    root = (q * up + (1 - q) * down) / 1.04
    got = xc.listing_timing(s0, 10.0, k, 0.8, t, sigma, r, delta, steps=2)
    assert got.value_wait == pytest.approx(0.8 * root, rel=1e-12)
    assert got.value_wait == pytest.approx(0.8 * _crr(s0, k, t, sigma, r, delta, 2), rel=1e-12)


@pytest.mark.parametrize("n", [3, 17, 100])
def test_closed_sum_equals_backward_induction(n):
    got = xc.listing_timing(120.0, 0.0, 95.0, 1.0, 2.5, 0.55, 0.03, 0.06, steps=n).value_wait
    assert got == pytest.approx(_crr(120.0, 95.0, 2.5, 0.55, 0.03, 0.06, n), rel=1e-10)


def _black_scholes(s, k, t, sigma, r_c, q_c):
    """Black-Scholes-Merton call with continuous yield (the tree's limit)."""
    d1 = (math.log(s / k) + (r_c - q_c + sigma**2 / 2) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    n = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    return s * math.exp(-q_c * t) * n(d1) - k * math.exp(-r_c * t) * n(d2)


def test_tree_converges_to_black_scholes():
    # Annual rates 4% and 5% are continuous rates log(1.04) and log(1.05).
    bs = _black_scholes(100.0, 90.0, 1.5, 0.35, math.log(1.04), math.log(1.05))
    tree = xc.listing_timing(100.0, 0.0, 90.0, 1.0, 1.5, 0.35, 0.04, 0.05, steps=2000)
    assert tree.value_wait == pytest.approx(bs, rel=2e-4)


def test_timing_codes():
    # A sure, big benefit, no uncertainty to wait for, a yield lost while waiting: list now.
    now = xc.listing_timing(100.0, 10.0, 10.0, 1.0, 2.0, 0.05, 0.03, 0.2)
    assert now.timing == "LIST_NOW" and now.difference < 0
    # Nothing to gain either way.
    never = xc.listing_timing(1.0, 10.0, 50.0, 0.5, 1.0, 0.2, 0.03, 0.0)
    assert never.timing == "DO_NOT_LIST" and never.value_now < 0
    assert never.value_wait == pytest.approx(0.0, abs=1e-9)
    arr = xc.listing_timing([100.0, 1.0], 10.0, [10.0, 50.0], 1.0, 2.0, 0.05, 0.03, 0.2)
    assert arr.timing.tolist() == ["LIST_NOW", "DO_NOT_LIST"]
    assert xc.wait_value(100.0, 40.0, 30.0, 0.7, 1.5, 0.35, 0.04, 0.05) == pytest.approx(
        xc.listing_timing(100.0, 40.0, 30.0, 0.7, 1.5, 0.35, 0.04, 0.05).difference
    )


def test_a_benefit_that_is_not_positive_has_no_option_value():
    lt = xc.listing_timing([-5.0, 0.0], 1.0, 0.0, 0.5, 1.0, 0.3, 0.03)
    np.testing.assert_array_equal(lt.value_wait, [0.0, 0.0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(volatility=0.001), r"^volatility: expected a volatility large enough for a 100-step"),
        (dict(volatility=40.0), r"^volatility: expected an annual volatility"),
        (dict(steps=[10, 20]), r"^steps: expected a single whole number"),
        (dict(steps=2.5), r"^steps: expected a whole number of tree steps"),
        (dict(success_probability=70.0), r"^success_probability: .*\(for 70% enter 0.7\)"),
        (dict(years_to_dfs=0.0), r"^years_to_dfs: expected a time in years above 0"),
        (dict(cost_after_dfs=-1.0), r"^cost_after_dfs: expected an amount of 0 or more"),
        (dict(risk_free=4.0), r"^risk_free: expected a decimal rate"),
        (dict(forgone_yield=-0.01), r"^forgone_yield: expected a premium of 0 or more"),
        (dict(benefit="lots"), r"^benefit: expected a number, got text"),
    ],
)
def test_bad_timing_input_is_named(kwargs, message):
    args = dict(WAIT_ARGS)
    steps = kwargs.pop("steps", 100)
    args.update(kwargs)
    with pytest.raises(CorridorInputError, match=message):
        xc.listing_timing(**args, steps=steps)


wait_args = st.tuples(
    st.floats(1.0, 1e6),  # benefit
    st.floats(0.0, 1e6),  # cost now
    st.floats(0.0, 1e6),  # cost after the DFS
    st.floats(0.0, 1.0),  # p
    st.floats(0.25, 5.0),  # years
    st.floats(-0.02, 0.1),  # risk-free
    st.floats(0.0, 0.1),  # forgone yield
    st.integers(1, 60),  # steps
)


def _tree_is_valid(t, vol, r, delta, n):
    """The CRR no-arbitrage condition d < ((1+r)/(1+delta))^dt < u (else the engine refuses)."""
    dt = t / n
    growth = ((1 + r) / (1 + delta)) ** dt
    return math.exp(-vol * math.sqrt(dt)) < growth < math.exp(vol * math.sqrt(dt))


@settings(max_examples=200, deadline=None)
@given(wait_args, st.floats(0.15, 1.5), st.floats(0.15, 1.5))
def test_waiting_is_worth_more_when_dfs_uncertainty_rises(args, v1, v2):
    s0, c0, ct, p, t, r, delta, n = args
    lo, hi = sorted((v1, v2))
    assume(_tree_is_valid(t, lo, r, delta, n))  # then the higher volatility is valid too
    w_lo = xc.wait_value(s0, c0, ct, p, t, lo, r, delta, steps=n)
    w_hi = xc.wait_value(s0, c0, ct, p, t, hi, r, delta, steps=n)
    assert w_hi >= w_lo - 1e-9 * max(1.0, s0)


@settings(max_examples=200, deadline=None)
@given(wait_args, st.floats(0.15, 1.5), st.floats(0.0, 1e6))
def test_waiting_is_worth_more_when_costs_fall_and_never_below_zero(args, vol, cut):
    s0, c0, ct, p, t, r, delta, n = args
    assume(_tree_is_valid(t, vol, r, delta, n))
    base = xc.listing_timing(s0, c0, ct, p, t, vol, r, delta, steps=n)
    cheaper = xc.listing_timing(s0, c0, max(ct - cut, 0.0), p, t, vol, r, delta, steps=n)
    assert cheaper.difference >= base.difference - 1e-9 * max(1.0, s0)
    assert base.value_wait >= 0.0


# --------------------------------------------------------------------------- input types


@pytest.mark.parametrize("kind", [list, np.array, pd.Series])
def test_every_input_type_and_inputs_are_not_modified(kind):
    pvs = kind([100.0, 800.0, 1200.0])
    costs = kind([10.0, 20.0])
    before = (list(pvs), list(costs))
    f = xc.phase_forecast(pvs, 0.02, 150.0, 100.0, 0.12)
    assert (f.count_phase1, f.count_phase2) == (2, 2)
    grid = xc.critical_mass_grid(costs, kind([0.01, 0.02]), 0.12)
    assert grid.shape == (2, 2)
    assert xc.offer_dilution(kind([3.0, 1.0]), 1.0).tolist() == [0.25, 0.5]
    assert (list(pvs), list(costs)) == before
