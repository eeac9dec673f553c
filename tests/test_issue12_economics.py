"""Issue 12: incremental compliance cost, terminal value, same-credit Dim Sum saving, Monte Carlo
naming / operating leverage / copula, and what drives the answer.

Expected values are computed independently in each test by the textbook formula (sums written
out term by term), never copied from the code under test.
"""

import math
import warnings

import numpy as np
import pytest

import xl_corridor as xc
from xl_corridor.case import CaseError, evaluate, load_case
from xl_corridor.case.drivers import premium_cut, what_drives
from xl_corridor.engine import compliance, discounting, funding, montecarlo, reference
from xl_corridor.errors import CorridorInputError
from xl_corridor.workbook.template import example_case

CF = [-100.0, 30.0, 40.0, 50.0, 60.0]


def _sum_costs(a1, g, r, n):
    # year t pays a1 (1+g)^(t-1), discounted (1+r)^-t: written out, not the closed form
    return sum(a1 * (1 + g) ** (t - 1) / (1 + r) ** t for t in range(1, n + 1))


# ----------------------------------------------------------------------- compliance engine

def test_only_incremental_items_enter_the_cost():
    got = compliance.compliance_cost([4.0, 9.0, 2.0], 8, 0.11, 0.02,
                                     incremental=[True, False, True])
    assert got == pytest.approx(_sum_costs(6.0, 0.02, 0.11, 8), rel=1e-13)


def test_cost_basis_today_pays_a_times_1_plus_g_in_year_one():
    got = compliance.compliance_cost([5.0], 6, 0.10, 0.03, cost_basis="today")
    assert got == pytest.approx(_sum_costs(5.0 * 1.03, 0.03, 0.10, 6), rel=1e-13)
    first = compliance.compliance_cost([5.0], 6, 0.10, 0.03)
    assert first == pytest.approx(_sum_costs(5.0, 0.03, 0.10, 6), rel=1e-13)


def test_listing_expenses_only_when_switched_on():
    off = compliance.compliance_cost([5.0], 6, 0.10, listing_expenses=111.4)
    on = compliance.compliance_cost([5.0], 6, 0.10, listing_expenses=111.4,
                                    include_listing_expenses=True)
    assert on - off == pytest.approx(111.4, rel=1e-14)
    with pytest.raises(CorridorInputError, match="include_listing_expenses"):
        compliance.compliance_cost([5.0], 6, 0.10, include_listing_expenses="yes")


def test_compliance_terminal_value_is_a_growing_perpetuity_after_the_horizon():
    # explicit 10 years at g = 3%, then for ever at gT = 1%: truncate the perpetuity at 3000
    # years (its tail is below 1e-100 of the sum)
    r, g, gt, n, a = 0.12, 0.03, 0.01, 10, 4.0
    explicit = _sum_costs(a, g, r, n)
    last = a * (1 + g) ** (n - 1)
    tail = sum(last * (1 + gt) ** (t - n) / (1 + r) ** t for t in range(n + 1, 3000))
    got = compliance.compliance_cost([a], n, r, g, terminal_growth=gt, tax_rate=0.25)
    assert got == pytest.approx(0.75 * (explicit + tail), rel=1e-12)


def test_terminal_growth_at_or_above_the_rate_is_refused():
    with pytest.raises(CorridorInputError, match="terminal_growth"):
        compliance.compliance_cost([1.0], 5, 0.05, terminal_growth=0.05)
    with pytest.raises(CorridorInputError, match="^rate"):
        discounting.npv(0.02, CF, terminal_growth=0.03)


def test_bad_incremental_flags_are_refused():
    with pytest.raises(CorridorInputError, match="incremental"):
        compliance.compliance_cost([1.0, 2.0], 5, 0.1, incremental=[True, False, True])
    with pytest.raises(CorridorInputError, match="incremental"):
        compliance.compliance_cost([1.0, 2.0], 5, 0.1, incremental=["yes", True])
    with pytest.raises(CorridorInputError, match="cost_basis"):
        compliance.compliance_cost([1.0], 5, 0.1, cost_basis="tomorrow")


# ----------------------------------------------------------------------- discounting + TV

def test_npv_terminal_value_gordon():
    # TV at year 5 = 60 x 1.02 / (0.10 - 0.02), discounted like the last cash flow
    k, g = 0.10, 0.02
    base = sum(c / (1 + k) ** (i + 1) for i, c in enumerate(CF))
    tv = 60.0 * (1 + g) / (k - g) / (1 + k) ** 5
    assert discounting.npv(k, CF, terminal_growth=g) == pytest.approx(base + tv, rel=1e-13)
    assert discounting.terminal_value(60.0, k, g) == pytest.approx(765.0, rel=1e-14)
    # mid-year timing: the TV is discounted at 4.5 years like the last flow
    mid = sum(c / (1 + k) ** (i + 0.5) for i, c in enumerate(CF)) + 60 * 1.02 / 0.08 / 1.1**4.5
    assert discounting.npv(k, CF, timing="mid", terminal_growth=g) == pytest.approx(mid)


def test_dual_npv_and_breakeven_cost_with_terminal_value():
    kd, ks, g = 0.10, 0.12, 0.02

    def pv(k):
        return (sum(c / (1 + k) ** (i + 1) for i, c in enumerate(CF))
                + 60 * (1 + g) / (k - g) / (1 + k) ** 5)

    assert discounting.dual_npv(CF, kd, ks, 3.0, terminal_growth=g) == pytest.approx(
        pv(kd) - pv(ks) - 3.0, rel=1e-12)
    assert discounting.breakeven_cost(CF, kd, ks, terminal_growth=g) == pytest.approx(
        pv(kd) - pv(ks), rel=1e-12)
    # without the keyword: the old result, bit for bit
    assert discounting.dual_npv(CF, kd, ks, 2.0) == discounting.dual_npv(
        CF, kd, ks, 2.0, terminal_growth=None)


# ----------------------------------------------------------------------- funding

def test_same_credit_saving_is_spread_gap_plus_basis_to_first_order():
    # exact: USD bond at r_USD + s_USD against the CNH bond at r_CNH + s_CNH swapped by CIP
    ru, rc, su, sc, x = 0.04, 0.017, 0.035, 0.030, -0.002
    hedged = (1 + rc + sc) * (1 + ru) / (1 + rc + x) - 1
    got = funding.dimsum_same_credit_saving(ru, rc, su, sc, x)
    assert got == pytest.approx((ru + su) - hedged, rel=1e-13)
    # first order: (s_USD - s_CNH) + x = 0.003, up to the cross terms (under 10 bp here)
    assert abs(got - (su - sc + x)) < 1e-3
    with pytest.raises(CorridorInputError, match="usd_credit_spread"):
        funding.dimsum_same_credit_saving(ru, rc, -0.01, sc)
    assert xc.dimsum_same_credit_saving is funding.dimsum_same_credit_saving


# ----------------------------------------------------------------------- Monte Carlo

UNC = dict(liquidity_reduction=(0.0, 0.01, 0.03), volatility=0.3, n_paths=5000, seed=5)


def test_long_run_price_is_a_deprecated_alias_with_identical_results():
    new = montecarlo.simulate_delta_npv(CF, 0.12, 2.0, price_model="ou", mean_reversion=0.5,
                                        long_run_median=1.2, **UNC)
    with pytest.warns(DeprecationWarning, match="long_run_median"):
        old = montecarlo.simulate_delta_npv(CF, 0.12, 2.0, price_model="ou", mean_reversion=0.5,
                                            long_run_price=1.2, **UNC)
    assert np.array_equal(new.delta_npv, old.delta_npv)


def test_long_run_median_is_the_median_and_the_mean_is_higher():
    # stationary OU log price ~ N(theta, s^2/(2k)): median e^theta, mean e^(theta + s^2/(4k))
    k, s, lr = 2.0, 0.6, 1.5
    paths = montecarlo.simulate_price_paths(200_000, 40, price_model="ou", mean_reversion=k,
                                            volatility=s, long_run_median=lr, seed=9)
    last = paths[-1]
    assert np.median(last) == pytest.approx(lr, rel=0.01)
    assert last.mean() == pytest.approx(lr * math.exp(s * s / (4 * k)), rel=0.01)


def test_cost_share_adds_operating_leverage():
    # zero volatility, drift 5%: S_t = e^(0.05 t); revenue R_t = max(CF,0)/(1-theta) moves with
    # it, costs theta R_t do not: CF_t = CF_base + R_t (e^(0.05t) - 1). By hand:
    theta, mu, kd, ks, cost = 0.4, 0.05, 0.10, 0.12, 2.0
    cf = [c + max(c, 0) / (1 - theta) * (math.exp(mu * (i + 1)) - 1) for i, c in enumerate(CF)]
    want = (sum(c / (1 + kd) ** (i + 1) for i, c in enumerate(cf))
            - sum(c / (1 + ks) ** (i + 1) for i, c in enumerate(cf)) - cost)
    r = montecarlo.simulate_delta_npv(CF, ks, cost, liquidity_reduction=0.02, drift=mu,
                                      cost_share=theta, n_paths=10, seed=1)
    assert r.mean == pytest.approx(want, rel=1e-12)
    assert "40% of base-case revenue" in r.held_fixed


def test_zero_correlation_keeps_old_draws_and_correlation_moves_the_spread():
    base = montecarlo.simulate_delta_npv(CF, 0.12, 2.0, **UNC)
    zero = montecarlo.simulate_delta_npv(CF, 0.12, 2.0, premia_price_correlation=0.0, **UNC)
    assert np.array_equal(base.delta_npv, zero.delta_npv)
    up = montecarlo.simulate_delta_npv(CF, 0.12, 2.0, premia_price_correlation=0.9, **UNC)
    down = montecarlo.simulate_delta_npv(CF, 0.12, 2.0, premia_price_correlation=-0.9, **UNC)
    # larger cuts when prices (and inflows) are high widen the distribution; the opposite narrows
    assert up.std > base.std > down.std
    assert "Gaussian copula, rho = 0.9" in up.held_fixed
    with pytest.raises(CorridorInputError, match="premia_price_correlation"):
        montecarlo.simulate_delta_npv(CF, 0.12, 2.0, premia_price_correlation=1.5, **UNC)


def test_case_accepts_long_run_price_as_an_alias():
    data = example_case().model_dump(mode="json")
    data["simulation"].update(price_model="ou", mean_reversion=0.5)
    data["simulation"]["long_run_price"] = 1.3
    data["simulation"].pop("long_run_median")
    assert load_case(data).simulation.long_run_median == 1.3
    data["simulation"]["long_run_median"] = 1.3
    with pytest.raises(CaseError, match="long_run_price"):
        load_case(data)


# ----------------------------------------------------------------------- the case

def _example():
    return example_case().model_dump(mode="json")


def test_example_defaults_resolve_to_horizon_ke_dual_and_kazakh_tax():
    ev = evaluate(example_case())
    # ctryprem_2025-07.csv is the vintage on or before 2025-08-28; not stale
    assert (ev.damodaran_vintage, ev.damodaran_note) == ("2025-07-01", "")
    assert ev.comp_years == 12 and ev.comp_rate == ev.ke_dual and ev.comp_tax == 0.2
    # baseline items (KZT 60m audit, USD 0.25m counsel, AIX fee HK$0.1m) are shown, not in C
    assert ev.baseline_cost == pytest.approx(60.0 * 0.01454 + 0.25 * 7.80 + 0.1, rel=1e-12)


def test_tax_rate_overrides_the_jurisdiction_and_unknown_jurisdiction_is_named():
    data = _example()
    data["compliance"]["tax_rate"] = 0.165
    assert evaluate(load_case(data)).comp_tax == 0.165
    data["compliance"].pop("tax_rate")
    data["compliance"]["tax_jurisdiction"] = "Atlantis"
    with pytest.raises(CaseError, match="compliance.tax_jurisdiction: expected one of"):
        load_case(data)
    assert reference.tax_rate("Hong Kong").rate == 0.165


def test_terminal_value_refused_with_dated_cash_flows():
    data = _example()
    data["cash_flows"]["terminal_growth"] = 0.01
    data["cash_flows"]["dates"] = [f"{2026 + i}-08-28" for i in range(12)]
    with pytest.raises(CaseError, match="cash_flows.terminal_growth"):
        load_case(data)


def test_what_drives_lines_against_hand_computation():
    case = example_case()
    rows = dict(what_drives(case))
    ev = evaluate(case)
    base = rows["As the case stands"]
    assert base == ev.delta_npv
    # listing expenses switched on: C rises by exactly HK$111.4m
    inc = next(v for k, v in rows.items() if k.startswith("Listing expenses"))
    assert inc == pytest.approx(base - 111.4, rel=1e-12)
    # tax 0: the after-tax recurring cost C/(1-0.2) replaces C
    no_tax = rows["No tax relief on the compliance cost (tax 0)"]
    assert no_tax == pytest.approx(base - (ev.compliance_cost / 0.8 - ev.compliance_cost),
                                   rel=1e-12)

    # premium cut 70 / 120 bp: Ke dual = Ke single - cut, compliance at the new Ke dual, by hand
    cf = case.cash_flows.values
    annual = 4.5 + 2.5 + 1.5 + 0.5 + 1.0993

    def delta(cut):
        kd, ks = ev.ke_single - cut, ev.ke_single
        pv = lambda k: sum(c / (1 + k) ** (i + 1) for i, c in enumerate(cf))  # noqa: E731
        c = 0.8 * sum(annual * 1.03**t / (1 + kd) ** t for t in range(1, 13))
        return pv(kd) - pv(ks) - c

    assert rows["Premium cut 70 bp (low end of Hail & Leuz 2009)"] == pytest.approx(
        delta(0.007), rel=1e-9)
    assert rows["Premium cut 120 bp (high end of Hail & Leuz 2009)"] == pytest.approx(
        delta(0.012), rel=1e-9)
    tv = next(v for k, v in rows.items() if k.startswith("Terminal value"))
    assert tv > base  # the positive cash flows outweigh the costs after year 12


def test_premium_cut_within_the_published_range():
    r = premium_cut(example_case())
    # lp 2.5% -> 1.55%, crp unchanged (Damodaran: follows operations)
    assert r["cut"] == pytest.approx(0.0095, abs=1e-15) and r["country"] == 0.0
    assert (r["low"], r["high"], r["within"]) == (0.007, 0.012, True)
    assert "Journal of Financial Economics 93" in r["source"]


def test_stale_vintage_reaches_the_evaluation():
    data = _example()
    data["deal"]["valuation_date"] = "2027-06-30"
    data["premia"].pop("crp_single")
    data["sensitivity"]["country_reduction"] = [0.0, 0.01]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", reference.DamodaranVintageWarning)
        ev = evaluate(load_case(data))
    assert ev.damodaran_vintage == "2026-07-01" and "newer vintage was due" in ev.damodaran_note
