"""Parity gap, no-arbitrage band, AR(1) half-life, fragmentation and the CSV loader."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_corridor.engine.parity import (
    analyze_parity,
    ar1_half_life,
    arbitrage_band,
    arbitrage_bounds,
    hkex_cost_per_side,
    load_parity_csv,
    parity_gap,
    parity_stats,
    venue_costs,
)
from xl_corridor.errors import CorridorInputError

SAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "examples" / "parity_sample.csv"


# --- parity_gap -------------------------------------------------------------------------------

def test_jiaxin_offer_prices_are_at_parity():
    # docs/facts.md / Jiaxin allotment announcement (Aug 2025): HK$10.92 on HKEX; RMB 9.93 on AIX,
    # "equivalent to HK$10.92" at RMB 0.90964 per HK$1. The printed prices are rounded to the
    # cent, so the gap is 10.92 * 0.90964 / 9.93 - 1 = 0.000329..., zero to the rounding.
    gap = parity_gap(10.92, 9.93, 1 / 0.90964)
    assert isinstance(gap, float)
    assert gap == pytest.approx(10.92 * 0.90964 / 9.93 - 1, abs=1e-15)
    assert gap == pytest.approx(0.000329, abs=5e-7)
    assert abs(gap) < 0.005 / 9.93  # within half a fen of RMB 9.93


@pytest.mark.parametrize(
    "args, expected",
    [
        ((11.0, 10.0, 1.0), 0.1),
        ((10.0, 10.0, 1.0), 0.0),
        ((9.0, 10.0, 1.0), -0.1),
        ((22.0, 10.0, 1.1, 2.0), 0.0),  # two AIX shares per HKEX share
        ((30.34, 9.93, 1 / 0.90964), 30.34 * 0.90964 / 9.93 - 1),  # first-day close vs offer
    ],
)
def test_parity_gap_table(args, expected):
    assert parity_gap(*args) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "prices",
    [[11.0, 9.0], np.array([11.0, 9.0]), pd.Series([11.0, 9.0]), [[11.0, 9.0]], (11.0, 9.0)],
)
def test_parity_gap_input_types_and_no_mutation(prices):
    before = np.array(prices, dtype=float).copy()
    out = np.asarray(parity_gap(prices, 10.0, 1.0)).reshape(-1)
    np.testing.assert_allclose(out, [0.1, -0.1])
    np.testing.assert_array_equal(np.array(prices, dtype=float), before)


@pytest.mark.parametrize(
    "args, name",
    [
        ((0.0, 10.0, 1.0), "price_hk"),
        (("10", 10.0, 1.0), "price_hk"),
        ((10.0, -1.0, 1.0), "price_aix"),
        ((10.0, None, 1.0), "price_aix"),
        ((10.0, 10.0, 0.0), "fx_aix_to_hkd"),
        ((10.0, 10.0, float("nan")), "fx_aix_to_hkd"),
        ((10.0, 10.0, 1.0, 0.0), "aix_shares_per_hk_share"),
        ((10.0, 10.0, 1.0, True), "aix_shares_per_hk_share"),
    ],
)
def test_parity_gap_bad_input(args, name):
    with pytest.raises(CorridorInputError) as err:
        parity_gap(*args)
    assert err.value.argument == name


# --- costs and the band ----------------------------------------------------------------------

def test_hkex_cost_per_side_is_sum_of_published_fees():
    # HKEX fee page: SFC levy 0.0027%, AFRC levy 0.00015%, trading fee 0.00565%; CCASS 0.002%;
    # stamp duty 0.1% per side from 17 Nov 2023 (Stamp Duty (Amendment) Ordinance 2023).
    assert hkex_cost_per_side() == pytest.approx(0.001 + 0.000027 + 0.0000015 + 0.0000565
                                                 + 0.00002, abs=1e-15)
    costs = venue_costs()
    for table in costs.values():
        for entry in table.values() if isinstance(table, dict) else []:
            if isinstance(entry, dict) and "value" in entry:
                assert entry["source"] and entry["date"] and entry["status"]


def _profit_hk_rich(g, c_hk, c_aix, k, f, r, days):
    """Sell 1 HKEX share at 1+g (HKD), buy it on AIX at 1 (HKD equivalent), migrate."""
    proceeds = (1 + g) * (1 - c_hk)
    outlay = 1.0 * (1 + c_aix) * (1 + f) * (1 + k) * (1 + r * days / 365)
    return proceeds - outlay


def _profit_aix_rich(g, c_hk, c_aix, k, f, r, days):
    """Sell on AIX (worth 1 HKD), buy on HKEX at 1+g, migrate to AIX CSD."""
    proceeds = 1.0 * (1 - c_aix) * (1 - f)
    outlay = (1 + g) * (1 + c_hk) * (1 + k) * (1 + r * days / 365)
    return proceeds - outlay


cost = st.floats(0.0, 0.01)


@settings(max_examples=200, deadline=None)
@given(cost, cost, cost, cost, st.floats(0.0, 0.2), st.integers(0, 5), st.integers(0, 5))
def test_bounds_are_break_even_points(c_hk, c_aix, k, f, r, ds, dc):
    lo, hi = arbitrage_bounds(c_hk, c_aix, k, f, r, ds, dc)
    args = (c_hk, c_aix, k, f, r, ds + dc)
    assert _profit_hk_rich(hi, *args) == pytest.approx(0.0, abs=1e-12)
    assert _profit_aix_rich(lo, *args) == pytest.approx(0.0, abs=1e-12)
    assert _profit_hk_rich(hi + 1e-6, *args) > 0 > _profit_hk_rich(hi - 1e-6, *args)
    assert _profit_aix_rich(lo - 1e-6, *args) > 0 > _profit_aix_rich(lo + 1e-6, *args)
    h = arbitrage_band(c_hk, c_aix, k, f, r, ds, dc)
    assert h == pytest.approx(min(hi, -lo))
    # Inside the band neither direction pays.
    for g in (-h, 0.0, h * 0.999):
        assert _profit_hk_rich(g, *args) <= 1e-12 and _profit_aix_rich(g, *args) <= 1e-12
    # First-order approximation: the sum of the round-trip costs.
    approx = c_hk + c_aix + k + f + r * (ds + dc) / 365
    assert h == pytest.approx(approx, abs=3 * approx**2 + 1e-12)


def test_band_known_value_and_defaults():
    # 0.1105% HKEX, 0.05% AIX, 0.05% migration, 0.05% FX, 4% over 2 + 2 days.
    lo = 0.9995 * 0.9995 / (1.0011 * 1.0005 * (1 + 0.04 * 4 / 365)) - 1
    assert arbitrage_band(0.0011, 0.0005, 0.0005, 0.0005, 0.04, 2, 2) == pytest.approx(-lo)
    # Defaults: T+2 settlement, no migration delay.
    assert arbitrage_band(0.001, 0.0, 0.0, 0.0, 0.05) == pytest.approx(
        arbitrage_band(0.001, 0.0, 0.0, 0.0, 0.05, 2, 0)
    )
    assert arbitrage_band(0, 0, 0, 0, 0) == 0.0
    grid = arbitrage_band([[0.001], [0.002]], 0.0, 0.0, 0.0, [0.0, 0.05])
    assert np.shape(grid) == (2, 2)


@pytest.mark.parametrize(
    "pos, name",
    [(0, "cost_hk"), (1, "cost_aix"), (2, "conversion_fee"), (3, "fx_spread"),
     (4, "financing_rate"), (5, "settlement_days"), (6, "conversion_days")],
)
@pytest.mark.parametrize("bad", [-1.5, "x", 4.5e3])
def test_band_bad_input(pos, name, bad):
    args = [0.001, 0.0005, 0.0005, 0.0005, 0.04, 2, 0]
    args[pos] = bad
    with pytest.raises(CorridorInputError) as err:
        arbitrage_band(*args)
    assert err.value.argument == name


def test_band_rejects_percent_typed_rate():
    with pytest.raises(CorridorInputError, match="financing_rate: .*0.04"):
        arbitrage_band(0.001, 0.0005, 0.0005, 0.0005, 4.0)


# --- AR(1) half-life -----------------------------------------------------------------------------

def test_half_life_known_values():
    phi, hl = ar1_half_life([8.0, 4.0, 2.0, 1.0, 0.5])
    assert phi == pytest.approx(0.5) and hl == pytest.approx(1.0)
    phi, hl = ar1_half_life([1.0, 2.0, 4.0, 8.0, 16.0])
    assert phi == pytest.approx(2.0) and hl == math.inf
    phi, hl = ar1_half_life([1.0, -0.5, 0.25, -0.125])
    assert phi == pytest.approx(-0.5) and hl == pytest.approx(1.0)
    assert all(math.isnan(v) for v in ar1_half_life([0.01, 0.01, 0.01, 0.02]))


def test_half_life_recovers_simulated_phi():
    rng = np.random.default_rng(5)
    x = np.zeros(20000)
    for t in range(1, x.size):
        x[t] = 0.8 * x[t - 1] + rng.normal(0, 0.01)
    phi, hl = ar1_half_life(x)
    # OLS standard error sqrt((1 - phi^2)/n) = 0.0042.
    assert phi == pytest.approx(0.8, abs=0.02)
    assert hl == pytest.approx(math.log(0.5) / math.log(phi))
    # Independent OLS via lstsq with an intercept.
    a = np.column_stack([np.ones(x.size - 1), x[:-1]])
    coef = np.linalg.lstsq(a, x[1:], rcond=None)[0]
    assert phi == pytest.approx(coef[1], rel=1e-10)


def test_half_life_bad_input():
    with pytest.raises(CorridorInputError, match="series: expected at least 3"):
        ar1_half_life([1.0, 2.0])
    with pytest.raises(CorridorInputError) as err:
        ar1_half_life([1.0, None, 2.0])
    assert err.value.argument == "series"


# --- parity_stats / analyze_parity -----------------------------------------------------------

DATES = ["2025-09-01", "2025-09-02", "2025-09-03", "2025-09-04"]


def test_parity_stats_hand_computed():
    r = parity_stats(DATES, [11.0, 10.5, 10.2, 10.1], [10.0] * 4, 1.0, [900] * 4, [100] * 4, 0.03)
    np.testing.assert_allclose(r.gap, [0.1, 0.05, 0.02, 0.01])
    assert r.n_days == 4 and r.share_outside_band == 0.5
    v_hk, v_aix = 900 * 41.8, 100 * 40.0
    assert r.value_hk == pytest.approx(v_hk) and r.value_aix == pytest.approx(v_aix)
    s = v_aix / (v_hk + v_aix)
    assert r.value_share_aix == pytest.approx(s)
    assert r.herfindahl == pytest.approx(s**2 + (1 - s) ** 2)
    assert r.mean_gap == pytest.approx(0.045)
    assert r.date[0] == np.datetime64("2025-09-01")


def test_parity_stats_no_trading_gives_nan_shares():
    r = parity_stats(DATES, [10.0] * 4, [10.0] * 4, [1.0] * 4, [0] * 4, [0] * 4, 0.01)
    assert math.isnan(r.value_share_hk) and math.isnan(r.herfindahl)


@pytest.mark.parametrize(
    "change, name",
    [
        ({"price_aix": [10.0] * 3}, "price_aix"),
        ({"fx": [1.0] * 3}, "fx_aix_to_hkd"),
        ({"volume_hk": [1, 1, 1, -1]}, "volume_hk"),
        ({"volume_aix": [1, 1, 1]}, "volume_aix"),
        ({"band": 2.0}, "band"),
        ({"dates": DATES[:3]}, "dates"),
        ({"dates": ["2025-09-01", "2025-09-03", "2025-09-02", "2025-09-04"]}, "dates"),
        ({"dates": ["2025-09-01", "x", "2025-09-02", "2025-09-04"]}, "dates"),
        ({"price_hk": [10.0, 10.0]}, "price_hk"),
    ],
)
def test_parity_stats_bad_input(change, name):
    args = {"dates": DATES, "price_hk": [10.0] * 4, "price_aix": [10.0] * 4, "fx": 1.0,
            "volume_hk": [1] * 4, "volume_aix": [1] * 4, "band": 0.01}
    args.update(change)
    if "price_hk" in change:
        args["dates"] = DATES[:2]
    with pytest.raises(CorridorInputError) as err:
        parity_stats(args["dates"], args["price_hk"], args["price_aix"], args["fx"],
                     args["volume_hk"], args["volume_aix"], args["band"])
    assert err.value.argument == name


def test_sample_csv_round_trip_and_frame():
    s = load_parity_csv(SAMPLE)
    assert "SYNTHETIC" in SAMPLE.read_text().splitlines()[0]
    assert s.aix_currency == "CNY" and s.price_hk.size == 40
    r = analyze_parity(s, arbitrage_band(hkex_cost_per_side(), 0.0005, 0.0005, 0.0005, 0.04))
    frame = pd.read_csv(SAMPLE, comment="#")
    r2 = analyze_parity(frame, r.band)
    np.testing.assert_allclose(r.gap, r2.gap)
    assert r.share_outside_band == r2.share_outside_band
    # The sample's gap was generated as AR(1) with phi 0.6 (40 days: a loose check).
    assert 0.3 < r.phi < 0.9
    assert r.half_life_days == pytest.approx(math.log(0.5) / math.log(r.phi))
    assert 0.5 <= r.herfindahl <= 1.0


def test_analyze_parity_missing_column():
    with pytest.raises(CorridorInputError, match="data: missing column"):
        analyze_parity({"date": DATES}, 0.01)
    with pytest.raises(CorridorInputError) as err:
        analyze_parity(42, 0.01)
    assert err.value.argument == "data"


HEADER = "date,price_hk,price_aix,aix_currency,fx_aix_to_hkd,volume_hk,volume_aix"


@pytest.mark.parametrize(
    "rows, name, where",
    [
        (["2025-09-01,10,9,CNY,1.1,1,1", "2025-09-02,,9,CNY,1.1,1,1"], "price_hk", "row 4"),
        (["2025-09-01,10,abc,CNY,1.1,1,1"], "price_aix", "row 3"),
        (["2025-09-01,10,9,CNY,-1.1,1,1"], "fx_aix_to_hkd", "row 3"),
        (["2025-09-01,10,9,CNY,1.1,-5,1"], "volume_hk", "row 3"),
        (["2025-09-01,10,9,CNY,1.1,1,1", "2025-09-02,10,9,USD,1.1,1,1"], "aix_currency",
         "row 4"),
        (["2025-09-02,10,9,CNY,1.1,1,1", "2025-09-01,10,9,CNY,1.1,1,1"], "date", "row 4"),
        (["2025/09/01,10,9,CNY,1.1,1,1"], "date", "row 3"),
    ],
)
def test_csv_errors_name_column_and_row(tmp_path, rows, name, where):
    p = tmp_path / "bad.csv"
    p.write_text("# synthetic\n" + HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(CorridorInputError) as err:
        load_parity_csv(p)
    assert err.value.argument == name
    assert where in str(err.value)


def test_csv_missing_column_and_file(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("date,price_hk,price_aix\n2025-09-01,1,1\n")
    with pytest.raises(CorridorInputError) as err:
        load_parity_csv(p)
    assert err.value.argument == "aix_currency"
    with pytest.raises(CorridorInputError) as err:
        load_parity_csv(tmp_path / "nope.csv")
    assert err.value.argument == "path"
