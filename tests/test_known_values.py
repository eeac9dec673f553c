"""Known-value tables for the engine. Every expected number names its independent source."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy_financial as npf
import pytest
from helpers import XNPV_DATES, XNPV_VALUES

import xl_corridor as xc

# --------------------------------------------------------------------------- Excel NPV / XNPV

# Microsoft's help page for NPV, examples 1 and 2; the printed results have 2 decimals, so the
# tolerance is half a cent.
NPV_EXAMPLES = [
    pytest.param(0.10, [-10000, 3000, 4200, 6800], 0.0, 1188.44, id="excel-help-npv-1"),
    # =NPV(8%, 8000, 9200, 10000, 12000, 14500) + (-40000)
    pytest.param(0.08, [8000, 9200, 10000, 12000, 14500], -40000, 1922.06, id="excel-help-npv-2"),
    # =NPV(8%, 8000, 9200, 10000, 12000, 14500, -9000) + (-40000)
    pytest.param(
        0.08, [8000, 9200, 10000, 12000, 14500, -9000], -40000, -3749.47, id="excel-help-npv-3"
    ),
]


@pytest.mark.parametrize(("rate", "values", "initial", "expected"), NPV_EXAMPLES)
def test_npv_matches_excel_help(rate, values, initial, expected):
    assert xc.npv(rate, values) + initial == pytest.approx(expected, abs=0.005)


def test_xnpv_matches_excel_help():
    # Microsoft's help page for XNPV: 9%, five dated flows -> 2,086.65.
    dates, values = XNPV_DATES, XNPV_VALUES
    assert xc.xnpv(0.09, values, dates) == pytest.approx(2086.65, abs=0.005)
    # The same dates as Excel serials (39448 = 2008-01-01 in the 1900 date system).
    serials = [39448, 39508, 39751, 39859, 39904]
    assert xc.xnpv(0.09, values, serials) == pytest.approx(2086.65, abs=0.005)
    assert xc.xnpv(0.09, values, np.array(dates, dtype="datetime64[D]")) == pytest.approx(
        2086.65, abs=0.005
    )


@pytest.mark.parametrize("rate", [-0.5, -0.05, 0.0, 0.03, 0.1, 0.35, 1.0])
@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_npv_end_equals_numpy_financial(rate, n):
    # numpy-financial's npv puts the first value at t=0; Excel's NPV (ours, timing="end") puts
    # it at t=1, so prepending a zero makes the two the same quantity.
    rng = np.random.default_rng(n)
    cf = rng.normal(0, 100, n)
    assert xc.npv(rate, cf) == pytest.approx(npf.npv(rate, np.r_[0.0, cf]), rel=1e-12, abs=1e-9)
    assert xc.npv(rate, cf, timing="begin") == pytest.approx(npf.npv(rate, cf), rel=1e-12, abs=1e-9)
    # mid-period: half a period earlier than "end".
    assert xc.npv(rate, cf, timing="mid") == pytest.approx(
        npf.npv(rate, np.r_[0.0, cf]) * (1 + rate) ** 0.5, rel=1e-12, abs=1e-9
    )


def test_xnpv_on_365_day_steps_equals_npv_begin():
    # XNPV's exponent is days/365; dates exactly 365 days apart are whole periods from the first.
    start = dt.date(2027, 1, 1)
    dates = [start + dt.timedelta(days=365 * i) for i in range(6)]
    cf = [-120.0, 20.0, 35.0, 40.0, 45.0, 50.0]
    assert xc.xnpv(0.11, cf, dates) == pytest.approx(npf.npv(0.11, cf), rel=1e-13)


def test_dual_npv_equals_difference_of_numpy_financial_npvs():
    cf = [-500.0, 80.0, 120.0, 150.0, 160.0, 170.0, 175.0]
    expected = npf.npv(0.115, [0.0, *cf]) - npf.npv(0.135, [0.0, *cf]) - 12.5
    assert xc.dual_npv(cf, 0.115, 0.135, 12.5) == pytest.approx(expected, rel=1e-12)


def test_dual_xnpv_against_direct_sum():
    # Hand formula from Excel's XNPV help: sum P_i / (1+rate)^((d_i - d_1)/365).
    dates = [dt.date(2026, 6, 30), dt.date(2027, 3, 31), dt.date(2028, 6, 30), dt.date(2029, 1, 15)]
    cf = [-300.0, 90.0, 150.0, 160.0]
    days = [(d - dates[0]).days / 365 for d in dates]

    def pv(k):
        return sum(c / (1 + k) ** t for c, t in zip(cf, days, strict=True))

    assert xc.dual_xnpv(cf, dates, 0.10, 0.125, 4.0) == pytest.approx(pv(0.10) - pv(0.125) - 4.0)


# --------------------------------------------------------------------------- Damodaran


# Published rows, ctryprem_2024-07.csv (/work/shared/reference/damodaran, July 2024 vintage):
# (default spread, CRP, total ERP); mature ERP 0.0412, multiplier 1.2980466569054163.
_JULY_2024 = {
    "Kazakhstan": (0.017914613811058765, 0.02325400456719643, 0.06445400456719644),
    "Hong Kong": (0.005639785829407389, 0.007320705141524802, 0.0485207051415248),
    "China": (0.006635042152243987, 0.008612594284146825, 0.049812594284146826),
}


@pytest.mark.parametrize("country", ["Kazakhstan", "Hong Kong", "China"])
def test_crp_reproduces_damodaran_july_2024(country):
    # Damodaran's ctryprem July 2024: CRP = default spread x 1.2980466569054163 (exact in the
    # source workbook's doubles).
    ds, crp, _ = _JULY_2024[country]
    assert xc.country_risk_premium(ds, 1.2980466569054163) == pytest.approx(crp, rel=1e-14)


def test_kazakhstan_crp_is_2_3254_percent():
    # Issue 2 / Damodaran July 2024: 1.7915% x 1.298047 = 2.3254%.
    assert xc.country_risk_premium(0.017915, 1.298047) == pytest.approx(0.023254, abs=1e-6)


@pytest.mark.parametrize("country", ["Kazakhstan", "Hong Kong", "China"])
def test_ke_with_zero_rf_and_unit_beta_is_damodaran_total_erp(country):
    # Damodaran's total ERP = mature ERP (4.12%) + CRP; with rf = 0 and beta = 1 the cost of
    # equity is exactly that published column.
    _, crp, erp = _JULY_2024[country]
    ke = xc.cost_of_equity(0.0, 1.0, 0.0412, crp, 0.0)
    assert ke == pytest.approx(erp, abs=1e-15)


def test_country_exposure_half_from_damodaran_lambda_example():
    # docs/facts.md / Damodaran: lambda = company's share of revenue in the country over the average
    # local company's; 35% / 70% gives 0.5, so half the CRP enters Ke.
    full = xc.cost_of_equity(0.04, 1.1, 0.0412, 0.023254, 0.01)
    half = xc.cost_of_equity(0.04, 1.1, 0.0412, 0.023254, 0.01, 0.35 / 0.70)
    assert full - half == pytest.approx(0.5 * 0.023254, abs=1e-15)


def test_ke_in_currency_by_hand():
    # (1 + 12%) x (1 + 8.5%) / (1 + 2.5%) - 1, the differential-inflation rule (docs/facts.md).
    assert xc.ke_in_currency(0.12, 0.085, 0.025) == pytest.approx(
        1.12 * 1.085 / 1.025 - 1, rel=1e-15
    )
    assert xc.ke_in_currency(0.12, 0.025, 0.025) == pytest.approx(0.12, rel=1e-15)


# --------------------------------------------------------------------------- compliance cost


def _annuity_by_loop(a, n, r, g):
    return sum(a * (1 + g) ** (t - 1) / (1 + r) ** t for t in range(1, n + 1))


@pytest.mark.parametrize(
    ("n", "r", "g"),
    [
        (10, 0.12, 0.0),
        (10, 0.12, 0.03),
        (25, 0.09, 0.09),
        (7, 0.05, 0.05 + 1e-13),
        (30, 0.1, 0.15),
        (0, 0.1, 0.02),
        (1, 0.2, 0.2),
        (200, 0.08, 0.08),
    ],
)
def test_growing_annuity_against_explicit_sum(n, r, g):
    # The definition summed term by term; g == r is the case the closed form would divide by 0.
    assert xc.compliance_cost([1.0], n, r, g) == pytest.approx(
        _annuity_by_loop(1.0, n, r, g), rel=1e-12
    )


def test_growing_annuity_with_growth_equal_to_rate_is_n_over_one_plus_r():
    # Brealey, Myers & Allen, growing annuity: with g = r each term is 1/(1+r), so PV = n/(1+r).
    assert xc.growing_annuity_factor(12, 0.1, 0.1) == pytest.approx(12 / 1.1, rel=1e-15)


def test_compliance_cost_multi_currency_tax_and_one_off():
    # Line items in HKD, KZT and USD converted to HKD m; after-tax recurring plus one-off.
    items = [3.2, 250.0, 0.4]  # HKD m, KZT m, USD m
    fx = [1.0, 0.0152, 7.78]  # HKD per unit of each currency
    annual = 3.2 + 250.0 * 0.0152 + 0.4 * 7.78
    expected = 111.4 + (1 - 0.2) * _annuity_by_loop(annual, 10, 0.11, 0.04)
    got = xc.compliance_cost(items, 10, 0.11, 0.04, 111.4, fx, 0.2)
    assert got == pytest.approx(expected, rel=1e-12)


def test_compliance_cost_broadcasts_over_years_and_rates():
    got = xc.compliance_cost([5.0], np.array([[5], [10]]), np.array([0.08, 0.12]))
    expected = [[_annuity_by_loop(5.0, n, r, 0) for r in (0.08, 0.12)] for n in (5, 10)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# --------------------------------------------------------------------------- capital, listing


def test_preproduction_capital_sums_components_and_contingency():
    assert xc.preproduction_capital([4.0, 6.5], 12.0, [150.0, 30.0], 3.5, 0.1) == pytest.approx(
        (4.0 + 6.5 + 12.0 + 150.0 + 30.0 + 3.5) * 1.1
    )


@pytest.mark.parametrize(
    ("code", "category", "dfs", "expected"),
    [
        # HKEX Main Board Rule 18.03(2): at least Indicated Resources.
        ("JORC", "Inferred", True, "AIX_FIRST"),
        ("JORC", "Exploration Results", False, "AIX_FIRST"),
        ("JORC", "Indicated", False, "HKEX_AFTER_DFS"),
        ("NI 43-101", "Measured", False, "HKEX_AFTER_DFS"),
        ("SAMREC", "Probable Reserves", True, "DUAL_ELIGIBLE"),
        ("jorc", "indicated resources", True, "DUAL_ELIGIBLE"),
        # PRMS: Contingent Resources are the petroleum threshold (Rule 18.03(2)).
        ("PRMS", "Prospective", True, "AIX_FIRST"),
        ("PRMS", "Contingent", True, "DUAL_ELIGIBLE"),
        # Rule 18.29: other codes only with a reconciliation.
        ("GKZ", "C1", True, "RECONCILE_CODE"),
        ("KAZRC", "Indicated", True, "RECONCILE_CODE"),
        ("PERC", "Inferred", False, "RECONCILE_CODE"),
        # Jiaxin's Boguty: JORC, Indicated 97.6 Mt, in production (docs/facts.md).
        ("JORC", "Indicated", True, "DUAL_ELIGIBLE"),
    ],
)
def test_listing_path_table(code, category, dfs, expected):
    path = xc.listing_path(code, category, dfs)
    assert path.code == expected
    assert str(path).startswith(expected + ": ")
    assert "Rule 18." in path.reason
