"""Amihud illiquidity, Roll spread, turnover and the spread -> liquidity premium rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_corridor.engine.liquidity import (
    amihud_illiquidity,
    liquidity_premium_from_spread,
    liquidity_premium_reduction,
    roll_spread,
    turnover,
)
from xl_corridor.engine.parity import venue_costs
from xl_corridor.errors import CorridorInputError


def test_amihud_hand_computed():
    # Amihud (2002), JFM 5:31-56, eq. (1): mean over days of |r_d| / V_d, per million.
    r = [0.01, -0.02, 0.005]
    v = [2e6, 4e6, 1e6]
    expected = (0.01 / 2 + 0.02 / 4 + 0.005 / 1) / 3
    assert amihud_illiquidity(r, v) == pytest.approx(expected)
    assert amihud_illiquidity(r, v, scale=1.0) == pytest.approx(expected / 1e6)


def test_amihud_skips_zero_volume_days_and_matches_numpy():
    rng = np.random.default_rng(1)
    r = rng.normal(0, 0.02, 250)
    v = rng.lognormal(15, 1, 250)
    v[::10] = 0.0
    keep = v > 0
    expected = np.mean(np.abs(r[keep]) / v[keep]) * 1e6
    assert amihud_illiquidity(pd.Series(r), v) == pytest.approx(expected)


@pytest.mark.parametrize(
    "args, kwargs, name",
    [
        (([0.01, -1.0], [1e6, 1e6]), {}, "returns"),
        ((["a", 0.01], [1e6, 1e6]), {}, "returns"),
        (([0.01, 0.02], [1e6, -1.0]), {}, "traded_value"),
        (([0.01, 0.02], [1e6]), {}, "traded_value"),
        (([0.01, 0.02], [0.0, 0.0]), {}, "traded_value"),
        (([0.01], [1e6]), {"scale": 0.0}, "scale"),
    ],
)
def test_amihud_bad_input(args, kwargs, name):
    with pytest.raises(CorridorInputError) as err:
        amihud_illiquidity(*args, **kwargs)
    assert err.value.argument == name


def test_roll_matches_independent_covariance():
    # Roll (1984), J. Finance 39:1127-1139: s = 2 sqrt(-cov(dp_t, dp_t-1)).
    rng = np.random.default_rng(7)
    n, s = 5000, 0.2
    value = 10 + np.cumsum(rng.normal(0, 0.02, n))
    prices = value + rng.choice([-s / 2, s / 2], n)
    dp = np.diff(prices)
    cov = np.cov(dp[1:], dp[:-1])[0, 1]
    assert roll_spread(prices) == pytest.approx(2 * math.sqrt(-cov))
    # The estimator recovers the true spread in a long sample.
    assert roll_spread(prices) == pytest.approx(s, rel=0.1)
    rel = roll_spread(prices, relative=True)
    dl = np.diff(np.log(prices))
    assert rel == pytest.approx(2 * math.sqrt(-np.cov(dl[1:], dl[:-1])[0, 1]))


def test_roll_positive_covariance():
    trend = [1.0, 2.0, 3.5, 5.5, 8.0]
    assert math.isnan(roll_spread(trend))
    assert roll_spread(trend, positive_cov="zero") == 0.0


@pytest.mark.parametrize(
    "args, kwargs, name",
    [
        (([1.0, 2.0],), {}, "prices"),
        (([1.0, 0.0, 2.0],), {}, "prices"),
        (([1.0, 2.0, 3.0],), {"positive_cov": "neg"}, "positive_cov"),
    ],
)
def test_roll_bad_input(args, kwargs, name):
    with pytest.raises(CorridorInputError) as err:
        roll_spread(*args, **kwargs)
    assert err.value.argument == name


def test_turnover():
    # Jiaxin: 439,228,800 shares outstanding after the offer (docs/facts.md).
    assert turnover(4_392_288, 439_228_800) == pytest.approx(0.01)
    np.testing.assert_allclose(turnover([[1.0], [2.0]], [4.0, 8.0]), [[0.25, 0.125], [0.5, 0.25]])
    with pytest.raises(CorridorInputError) as err:
        turnover(-1, 100)
    assert err.value.argument == "volume"
    with pytest.raises(CorridorInputError) as err:
        turnover(1, 0)
    assert err.value.argument == "shares_outstanding"


def test_liquidity_premium_rule_uses_data_file():
    rule = venue_costs()["liquidity_premium"]
    assert rule["status"] == "placeholder" and "Amihud" in rule["source"]
    assert "not calibrated" in rule["source"]
    s = np.array([0.0, 0.0025, 0.01, 0.04])
    np.testing.assert_allclose(
        liquidity_premium_from_spread(s), rule["a"] * s ** rule["b"]
    )
    assert liquidity_premium_from_spread(0.01, a=0.5, b=1.0) == pytest.approx(0.005)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_liquidity_premium_is_increasing_and_concave(s1, s2):
    lo, hi = sorted((s1, s2))
    f = liquidity_premium_from_spread
    assert f(lo) <= f(hi)
    # Concavity (Amihud & Mendelson 1986): f(midpoint) >= mean of the ends.
    assert f((lo + hi) / 2) >= (f(lo) + f(hi)) / 2 - 1e-15


def test_liquidity_premium_reduction():
    assert liquidity_premium_reduction(0.01, 0.0025) == pytest.approx(0.005)
    assert liquidity_premium_reduction(0.0025, 0.01) == pytest.approx(-0.005)
    for bad, name in (((2.0, 0.01), "spread_single"), ((0.01, -0.1), "spread_dual")):
        with pytest.raises(CorridorInputError) as err:
            liquidity_premium_reduction(*bad)
        assert err.value.argument == name


@pytest.mark.parametrize(
    "args, kwargs, name",
    [((1.5,), {}, "relative_spread"), (("x",), {}, "relative_spread"),
     ((0.01,), {"a": -1.0}, "a"), ((0.01,), {"b": 2.0}, "b")],
)
def test_liquidity_premium_bad_input(args, kwargs, name):
    with pytest.raises(CorridorInputError) as err:
        liquidity_premium_from_spread(*args, **kwargs)
    assert err.value.argument == name
