"""The valuation layer's Excel functions (issue 15) called with what Excel passes: 1x1 ranges,
rows and columns that broadcast, blanks for optional arguments, error strings. Expected values
are the public Jiaxin figures (docs/facts.md) or textbook formulas computed here."""

from __future__ import annotations

import math

import corridor_udfs as udf
import numpy as np
import pytest
import xlwings as xw

import xl_corridor as xc
from xl_corridor.engine.valuation import TIMING_CODES


def col(values):
    return [[v] for v in values]


def row(values):
    return [list(values)]


def test_jiaxin_offer_through_excel_shaped_cells():
    # Published (Aug 2025): 109,808,800 offer shares at HK$10.92 of 439,228,800 after the offer;
    # gross HK$1,199.1m, expenses HK$111.4m, net HK$1,087.7m, first close HK$30.34.
    assert udf.OFFER_DILUTION([[329_420_000.0]], [[109_808_800.0]]) == pytest.approx(
        109_808_800 / 439_228_800
    )
    assert round(udf.OFFER_PROCEEDS([[109_808_800.0]], [[10.92]]) / 1e6, 1) == 1199.1
    net = udf.OFFER_PROCEEDS([[109_808_800.0]], [[10.92]], [[None]], [[111.4e6]])
    assert round(net / 1e6, 1) == 1087.7
    assert udf.OFFER_MONEY_LEFT(109_808_800.0, 10.92, 30.34) == pytest.approx(
        109_808_800 * (30.34 - 10.92)
    )
    assert udf.OFFER_FIRST_DAY_RETURN([[10.92]], [[30.34]]) == pytest.approx(30.34 / 10.92 - 1)


def test_per_share_and_market_cap_from_a_dual_npv_cell():
    cf = row([-300e6, 80e6, 120e6, 150e6, 180e6])
    d = udf.DUAL_NPV(cf, 0.10, 0.12, 5e6)
    assert udf.DUAL_NPV_PER_SHARE([[d]], [[439_228_800.0]]) == pytest.approx(d / 439_228_800)
    assert udf.DUAL_NPV_TO_MCAP(d, 439_228_800.0, 10.92) == pytest.approx(d / (439_228_800 * 10.92))
    # a column of share counts spills a column
    out = udf.DUAL_NPV_PER_SHARE(d, col([1e8, 2e8]))
    assert np.shape(out) == (2, 1)


def test_price_uplift_grid_and_growth_default():
    assert udf.DUAL_PRICE_UPLIFT(0.10, 0.12, [[None]]) == pytest.approx(0.12 / 0.10 - 1)
    grid = udf.DUAL_PRICE_UPLIFT(col([0.09, 0.10]), row([0.11, 0.12, 0.13]), 0.02)
    for i, kd in enumerate([0.09, 0.10]):
        for j, ks in enumerate([0.11, 0.12, 0.13]):
            assert grid[i][j] == pytest.approx((ks - 0.02) / (kd - 0.02) - 1)
    with pytest.raises(xw.XlwingsError, match=r"^ke_dual: expected a cost of equity above growth"):
        udf.DUAL_PRICE_UPLIFT(0.02, 0.12, 0.02)


def test_critical_mass_chart_grid_is_one_call():
    costs, cuts = [50.0, 100.0, 150.0], [0.01, 0.02, 0.03, 0.04]
    grid = udf.DUAL_CRITICAL_MASS(row(cuts), col(costs), 0.12)
    assert np.shape(grid) == (3, 4)
    for i, c in enumerate(costs):
        for j, k in enumerate(cuts):
            assert grid[i][j] == pytest.approx(c * (0.12 - k) / k)  # perpetuity: C kd / cut
    np.testing.assert_allclose(grid, xc.critical_mass_grid(costs, cuts, 0.12), rtol=1e-15)


def test_critical_mass_annuity_blank_means_perpetuity():
    assert udf.DUAL_CRITICAL_MASS(0.02, 150.0, 0.12, "") == pytest.approx(750.0)
    assert udf.DUAL_CRITICAL_MASS(0.02, 150.0, 0.12, [[None]]) == pytest.approx(750.0)

    def a(n, k):
        return (1 - (1 + k) ** -n) / k

    assert udf.DUAL_CRITICAL_MASS(0.02, 150.0, 0.12, [[20.0]]) == pytest.approx(
        150.0 / (a(20, 0.10) / a(20, 0.12) - 1)
    )


def test_critical_mass_of_a_profile_gives_zero_delta_npv():
    cf = [-50.0, -20.0, 10.0, 30.0, 45.0, 45.0, 40.0, 30.0]
    pv_star = udf.DUAL_CRITICAL_MASS_CF(row([*cf, None, ""]), 0.02, 7.5, 0.12)
    scale = pv_star / xc.npv(0.12, cf)
    assert udf.DUAL_NPV(row([scale * x for x in cf]), 0.10, 0.12, 7.5) == pytest.approx(
        0.0, abs=1e-9
    )


@pytest.mark.parametrize(
    "fn", [udf.DUAL_CRITICAL_MASS, lambda c, k, s: udf.DUAL_CRITICAL_MASS_CF([[1.0, 2.0]], c, k, s)]
)
def test_no_cut_is_a_named_error_not_a_number(fn):
    with pytest.raises(xw.XlwingsError, match=r"^premium_cut: expected a cut above 0"):
        fn(row([0.0, 0.02]), 10.0, 0.12)


def test_percent_text_in_premium_cut_says_what_to_enter():
    with pytest.raises(xw.XlwingsError, match=r"^premium_cut: .*enter 0.02 as a number"):
        udf.DUAL_CRITICAL_MASS("2%", 10.0, 0.12)


def test_wait_value_on_a_one_step_tree_by_hand():
    u, d = math.exp(0.4), math.exp(-0.4)
    q = (1.05 / 1.02 - d) / (u - d)
    call = (q * max(100 * u - 90, 0) + (1 - q) * max(100 * d - 90, 0)) / 1.05
    got = udf.DUAL_WAIT_VALUE(
        [[100.0]], [[70.0]], [[90.0]], [[0.6]], [[1.0]], [[0.4]], [[0.05]], [[0.02]], [[1.0]]
    )
    assert got == pytest.approx(0.6 * call - (0.6 * 100 - 70))


def test_wait_value_takes_the_breakeven_cost_cell_and_spills_a_grid():
    benefit = udf.DUAL_BREAKEVEN_COST(row([10.0] * 20), 0.10, 0.12)
    grid = udf.DUAL_WAIT_VALUE(benefit, 5.0, 4.0, 0.7, 1.5, col([0.2, 0.4, 0.6]), 0.04)
    assert np.shape(grid) == (3, 1)
    values = [r[0] for r in grid]
    assert values == sorted(values)  # more uncertainty, more value in waiting
    assert values[1] == pytest.approx(xc.wait_value(benefit, 5.0, 4.0, 0.7, 1.5, 0.4, 0.04))


def test_list_timing_text_and_codes():
    one = udf.DUAL_LIST_TIMING(100.0, 40.0, 30.0, 0.7, 1.5, 0.35, 0.04, 0.05)
    lt = xc.listing_timing(100.0, 40.0, 30.0, 0.7, 1.5, 0.35, 0.04, 0.05)
    assert one.startswith("WAIT_FOR_DFS: ")
    assert f"waiting worth {lt.difference:,.2f}" in one
    codes = udf.DUAL_LIST_TIMING(col([100.0, 1.0]), 10.0, row([10.0, 50.0]), 1.0, 2.0, 0.05, 0.03)
    assert np.shape(codes) == (2, 2)
    assert set(np.ravel(codes)) <= set(TIMING_CODES)
    assert codes[1][1] == "DO_NOT_LIST"


def test_steps_must_be_one_cell():
    with pytest.raises(xw.XlwingsError, match=r"^steps: expected a single whole number"):
        udf.DUAL_WAIT_VALUE(100.0, 40.0, 30.0, 0.7, 1.5, 0.35, 0.04, 0.0, row([10.0, 20.0]))


def test_error_value_in_a_cell_is_named():
    with pytest.raises(xw.XlwingsError, match=r"^volatility: expected a number, got the Excel"):
        udf.DUAL_WAIT_VALUE(100.0, 40.0, 30.0, 0.7, 1.5, "#N/A", 0.04)
    with pytest.raises(xw.XlwingsError, match=r"^fees: expected listing expenses of at most"):
        udf.OFFER_PROCEEDS(1e6, 10.0, 0.0, 2e7)
