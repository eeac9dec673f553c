"""The Excel adapters, called with what Excel really passes (2-D lists, None/"" blanks, floats
for integers, booleans, error strings, dates), and the engine over every input type."""

from __future__ import annotations

import copy
import datetime as dt

import corridor_udfs as udf
import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
import xlwings as xw

import xl_corridor as xc

CF = [-100.0, 30.0, 40.0, 50.0, 60.0]


def col(values):
    return [[v] for v in values]


def row(values):
    return [list(values)]


# --------------------------------------------------------------------------- Excel shapes


def test_scalars_arrive_as_one_by_one_ranges_and_return_a_float():
    ke = udf.CORRIDOR_KE([[0.042]], [[1.2]], [[0.0412]], [[0.023254]], [[0.02]], [[1.0]])
    assert isinstance(ke, float)
    assert ke == pytest.approx(0.042 + 1.2 * 0.0412 + 0.023254 + 0.02)


def test_omitted_optional_argument_and_blank_cell_use_the_default():
    base = udf.CORRIDOR_KE(0.04, 1.0, 0.05, 0.02, 0.01)
    assert udf.CORRIDOR_KE(0.04, 1.0, 0.05, 0.02, 0.01, [[None]]) == base
    assert udf.CORRIDOR_KE(0.04, 1.0, 0.05, 0.02, 0.01, "") == base
    assert udf.DUAL_NPV(row(CF), 0.1, 0.12, 2.0, [[None]]) == udf.DUAL_NPV(row(CF), 0.1, 0.12, 2.0)


def test_cash_flows_as_row_or_column_with_trailing_blanks_dropped():
    # numpy-financial's npv with a zero at t=0 is Excel's NPV convention.
    expected = npf.npv(0.1, [0, *CF]) - npf.npv(0.12, [0, *CF]) - 2.0
    assert udf.DUAL_NPV(row([*CF, None, "", None]), 0.1, 0.12, 2.0) == pytest.approx(expected)
    assert udf.DUAL_NPV(col([*CF, None]), [[0.1]], [[0.12]], [[2.0]]) == pytest.approx(expected)


def test_integers_arrive_as_floats_and_still_count_as_whole_years():
    assert udf.COMPLIANCE_COST(col([2.0, 3.0]), [[10.0]], 0.1) == pytest.approx(
        xc.compliance_cost([5.0], 10, 0.1)
    )


def test_column_of_ke_dual_against_row_of_costs_gives_the_grid():
    kd = col([0.09, 0.10, 0.11])
    costs = row([0.0, 2.0, 4.0, 6.0])
    grid = udf.DUAL_NPV(row(CF), kd, [[0.12]], costs)
    assert np.shape(grid) == (3, 4)
    for i, k in enumerate([0.09, 0.10, 0.11]):
        for j, c in enumerate([0.0, 2.0, 4.0, 6.0]):
            assert grid[i][j] == pytest.approx(xc.dual_npv(CF, k, 0.12, c), rel=1e-14)


def test_every_broadcasting_udf_spills_a_grid():
    assert np.shape(
        udf.CORRIDOR_KE(col([0.03, 0.04]), 1.0, row([0.04, 0.05, 0.06]), 0.02, 0.01)
    ) == (2, 3)
    assert np.shape(udf.COMPLIANCE_COST([[5.0]], col([5.0, 10.0]), row([0.08, 0.1]))) == (2, 2)
    assert np.shape(udf.CORRIDOR_CRP(col([0.01, 0.02]), [[1.3]])) == (2, 1)
    assert np.shape(udf.CORRIDOR_KE_FX(row([0.1, 0.12]), 0.08, 0.025)) == (1, 2)
    assert np.shape(udf.DUAL_BREAKEVEN_COST(row(CF), col([0.09, 0.1]), 0.12)) == (2, 1)
    assert np.shape(udf.DUAL_BREAKEVEN_KE(row(CF), 0.12, row([1.0, 2.0]))) == (1, 2)
    assert np.shape(udf.DUAL_PARITY_GAP(col([10.0, 11.0]), 9.93, 1 / 0.90964)) == (2, 1)


def test_compliance_cost_blank_line_items_count_as_zero_with_their_fx_blank():
    items = col([2.5, None, 1.5, ""])
    fx = col([1.0, None, 7.78, None])
    assert udf.COMPLIANCE_COST(items, 10.0, 0.12, 0.0, 5.0, fx, 0.0) == pytest.approx(
        xc.compliance_cost([2.5, 1.5], 10, 0.12, 0.0, 5.0, [1.0, 7.78])
    )


def test_capex_sums_ranges_with_blanks():
    assert udf.CORRIDOR_CAPEX(
        col([4.0, None, 6.0]), 12.0, [[150.0, 30.0]], 3.5, 0.1
    ) == pytest.approx((4 + 6 + 12 + 150 + 30 + 3.5) * 1.1)


def test_dual_xnpv_takes_datetimes_or_serials():
    dates = [dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1), dt.datetime(2028, 1, 1)]
    serials = [46023.0, 46388.0, 46753.0]  # the same days in Excel's 1900 system
    a = udf.DUAL_XNPV(row([-100.0, 60.0, 70.0]), col(dates), 0.10, 0.12, 1.0)
    b = udf.DUAL_XNPV(row([-100.0, 60.0, 70.0]), col(serials), 0.10, 0.12, 1.0)
    assert a == pytest.approx(b, rel=1e-15)
    assert a == pytest.approx(xc.dual_xnpv([-100, 60, 70], dates, 0.10, 0.12, 1.0))


def test_listing_path_and_version_are_text():
    assert udf.LISTING_PATH([["JORC"]], [["Indicated"]], [[True]]).startswith("DUAL_ELIGIBLE: ")
    assert udf.LISTING_PATH("GKZ", "C1", False).startswith("RECONCILE_CODE: ")
    version = udf.CORRIDOR_VERSION()
    assert xc.__version__ in version and "2024-07-01, 2025-01-01" in version


def test_breakeven_ke_udf_solves_dual_npv():
    k = udf.DUAL_BREAKEVEN_KE(row(CF), 0.12, 2.0)
    assert udf.DUAL_NPV(row(CF), k, 0.12, 2.0) == pytest.approx(0.0, abs=1e-9)


def test_terminal_growth_adds_the_gordon_value_to_both_present_values():
    # Textbook: PV(k) = sum CF_t/(1+k)^t + CF_n (1+g)/(k-g)/(1+k)^n (Gordon growth model on the
    # last flow, Brealey-Myers-Allen ch. 4), written out here; blank growth: no terminal value
    cf, g, kd, ks, cost = [-100.0, 30.0, 40.0, 50.0, 60.0], 0.02, 0.10, 0.12, 2.0

    def pv(k: float) -> float:
        n = len(cf)
        return (sum(c / (1 + k) ** t for t, c in enumerate(cf, 1))
                + cf[-1] * (1 + g) / (k - g) / (1 + k) ** n)

    assert udf.DUAL_NPV(row(cf), kd, ks, cost, "end", g) == pytest.approx(
        pv(kd) - pv(ks) - cost, rel=1e-12)
    assert udf.DUAL_BREAKEVEN_COST(row(cf), kd, ks, "end", g) == pytest.approx(
        pv(kd) - pv(ks), rel=1e-12)
    k = udf.DUAL_BREAKEVEN_KE(row(cf), ks, cost, "end", g)
    assert pv(k) - pv(ks) - cost == pytest.approx(0.0, abs=1e-9)
    r = pv(ks - 0.02) / pv(ks)  # critical mass PV* = C / (R - 1)
    assert udf.DUAL_CRITICAL_MASS_CF(row(cf), 0.02, cost, ks, "end", g) == pytest.approx(
        cost / (r - 1), rel=1e-12)
    for blank in (None, "", [[None]]):
        assert udf.DUAL_NPV(row(cf), kd, ks, cost, "end", blank) == udf.DUAL_NPV(
            row(cf), kd, ks, cost)
    with pytest.raises(xw.XlwingsError, match="ke_dual: expected a rate above the terminal "
                                              "growth 0.15"):
        udf.DUAL_NPV(row(cf), kd, ks, cost, "end", 0.15)


# --------------------------------------------------------------------------- input types


INPUT_TYPES = {
    "list": lambda v: list(v),
    "tuple": lambda v: tuple(v),
    "numpy": lambda v: np.array(v),
    "numpy-int": lambda v: np.array(v).round().astype(np.int64),
    "pandas": lambda v: pd.Series(v),
    "excel-row": lambda v: [list(v)],
    "excel-column": lambda v: [[x] for x in v],
}


@pytest.mark.parametrize("kind", INPUT_TYPES)
def test_engine_accepts_every_input_type_and_leaves_it_unmodified(kind):
    cf = INPUT_TYPES[kind](CF)
    before = copy.deepcopy(cf)
    expected = npf.npv(0.1, [0, *CF]) - npf.npv(0.12, [0, *CF]) - 2.0
    assert xc.dual_npv(cf, 0.1, 0.12, 2.0) == pytest.approx(expected, rel=1e-12)
    assert xc.npv(0.1, cf) == pytest.approx(npf.npv(0.1, [0, *CF]), rel=1e-12)
    if isinstance(cf, (np.ndarray, pd.Series)):
        np.testing.assert_array_equal(np.asarray(cf), np.asarray(before))
    else:
        assert cf == before


@pytest.mark.parametrize("kind", ["float", "numpy-0d", "numpy-1d", "pandas"])
def test_rates_broadcast_from_every_type(kind):
    rates = {
        "float": 0.1,
        "numpy-0d": np.float64(0.1),
        "numpy-1d": np.array([0.1, 0.11]),
        "pandas": pd.Series([0.1, 0.11]),
    }[kind]
    got = xc.dual_npv(CF, rates, 0.12, 0.0)
    if kind in ("float", "numpy-0d"):
        assert isinstance(got, float)
    else:
        assert np.shape(got) == (2,)


def test_udf_inputs_are_not_modified():
    cf, kd, costs = row([*CF, None]), col([0.1, 0.11]), row([0.0, 1.0])
    snapshot = copy.deepcopy((cf, kd, costs))
    udf.DUAL_NPV(cf, kd, 0.12, costs)
    assert (cf, kd, costs) == snapshot


# --------------------------------------------------------------------------- error surfacing


def test_server_and_lite_get_xlwings_error_with_the_message():
    with pytest.raises(
        xw.XlwingsError, match=r"^rf: expected a decimal rate such as 0\.045.*got 4\.5"
    ):
        udf.CORRIDOR_KE(4.5, 1.2, 0.04, 0.02, 0.01)


def test_classic_add_in_gets_a_short_message_not_a_traceback(monkeypatch):
    monkeypatch.setattr(udf, "_classic", lambda: True)
    out = udf.CORRIDOR_KE(4.5, 1.2, 0.04, 0.02, 0.01)
    assert out.startswith("#VALUE! rf: expected a decimal rate")
    assert "Traceback" not in out and "\n" not in out


def test_interior_blank_is_an_error_naming_its_position_not_skipped():
    # Excel's NPV skips the blank and shifts later flows a period; the contract refuses it.
    with pytest.raises(
        xw.XlwingsError, match=r"^cash_flows: expected a number at item 3, got a blank cell"
    ):
        udf.DUAL_NPV(row([-100.0, 30.0, None, 50.0]), 0.1, 0.12, 0.0)


def test_every_udf_has_a_description_and_help_for_every_argument():
    import inspect

    for name in udf.__all__:
        fn = getattr(udf, name)
        assert fn.__doc__ and len(fn.__doc__) > 20, name
        for param in inspect.signature(fn).parameters:
            assert param in udf.ARG_HELP[name], (name, param)


def test_analytics_udfs_against_hand_formulas():
    # Covered interest parity (docs/facts.md): hedged cost = (1+c)(1+r_usd)/(1+r_cnh) - 1.
    assert udf.DIMSUM_HEDGED_COST(0.0295, 0.012, 0.025) == pytest.approx(
        1.0295 * 1.012 / 1.025 - 1, rel=1e-14
    )
    assert udf.DIMSUM_SAVING(0.0295, 0.012, 0.025, 0.05) == pytest.approx(
        0.05 - (1.0295 * 1.012 / 1.025 - 1), rel=1e-12
    )
    # Jiaxin's offer: HK$10.92 against RMB 9.93 at RMB 0.90964 per HK$ (docs/facts.md).
    assert udf.DUAL_PARITY_GAP(10.92, 9.93, 1 / 0.90964) == pytest.approx(
        10.92 * 0.90964 / 9.93 - 1, rel=1e-12
    )
    band = udf.DUAL_ARB_BAND(col([0.0011, 0.0020]), 0.0005, 0.0005, 0.0005, 0.04)
    assert np.shape(band) == (2, 1) and band[0][0] < band[1][0]
    assert np.shape(udf.CORRIDOR_LP(row([0.005, 0.01, 0.02]))) == (1, 3)
