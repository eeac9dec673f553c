"""Properties that must hold for any input (Hypothesis), docs/style.md item 6."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import xl_corridor as xc

rates = st.floats(min_value=-0.5, max_value=0.6, allow_nan=False)
amounts = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
costs = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)
timings = st.sampled_from(["end", "mid", "begin"])
flows = st.lists(amounts, min_size=1, max_size=40)


def conventional_flows():
    """One outflow first, then inflows: an ordinary mining project."""
    return st.tuples(
        st.floats(min_value=1.0, max_value=1e6),
        st.lists(st.floats(0.0, 1e6), min_size=1, max_size=30),
    ).map(lambda t: [-t[0], *t[1]])


@given(flows, rates, timings)
def test_delta_is_zero_when_rates_equal_and_cost_zero(cf, k, timing):
    assert xc.dual_npv(cf, k, k, 0.0, timing=timing) == 0.0


@given(flows, rates, rates, costs, costs, timings)
def test_delta_is_linear_in_compliance_cost(cf, kd, ks, c1, c2, timing):
    d1 = xc.dual_npv(cf, kd, ks, c1, timing=timing)
    d2 = xc.dual_npv(cf, kd, ks, c2, timing=timing)
    assert d1 - d2 == pytest.approx(c2 - c1, rel=1e-9, abs=1e-6 * (1 + abs(d1) + abs(d2)))


@given(conventional_flows(), rates, rates, rates, costs)
def test_delta_falls_as_ke_dual_rises_for_conventional_flows(cf, k1, k2, ks, cost):
    # With the outflow at t=0 ("begin") and inflows after, every later term falls with the rate.
    lo, hi = sorted((k1, k2))
    # Strictly only where the difference is representable: a 1 bp step, inflows not denormal.
    assume(hi - lo > 1e-4 and max(cf[1:]) > 1e-6 * abs(cf[0]))
    assert xc.dual_npv(cf, lo, ks, cost, timing="begin") > xc.dual_npv(
        cf, hi, ks, cost, timing="begin"
    )


@given(flows, rates, rates, timings)
def test_breakeven_cost_zeroes_delta(cf, kd, ks, timing):
    c = xc.breakeven_cost(cf, kd, ks, timing=timing)
    assume(c >= 0)
    scale = 1 + sum(abs(x) for x in cf) * 1e3
    assert xc.dual_npv(cf, kd, ks, c, timing=timing) == pytest.approx(0.0, abs=1e-9 * scale)


@settings(max_examples=60, deadline=None)
@given(conventional_flows(), st.floats(0.02, 0.4), st.floats(0.0, 1.0), timings)
def test_breakeven_ke_solves_and_lies_below_ke_single(cf, ks, share, timing):
    # Pick a cost the dual listing can recover: a share of what a 1 pp lower Ke would create.
    room = xc.breakeven_cost(cf, ks - 0.01, ks, timing=timing)
    assume(room > 1e-6)
    cost = share * room
    k = xc.breakeven_ke(cf, ks, cost, timing=timing)
    assert ks - 0.01 - 1e-12 <= k <= ks
    assert xc.dual_npv(cf, k, ks, cost, timing=timing) == pytest.approx(
        0.0, abs=1e-7 * (1 + sum(abs(x) for x in cf))
    )


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=8), st.integers(0, 60), rates, rates)
def test_compliance_cost_scales_with_items_and_is_monotone_in_years(items, n, r, g):
    base = xc.compliance_cost(items, n, r, g)
    assert xc.compliance_cost([2 * x for x in items], n, r, g) == pytest.approx(2 * base, rel=1e-12)
    assert xc.compliance_cost(items, n + 1, r, g) >= base


def test_grid_is_the_outer_combination():
    cf = [-100.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    kd = np.linspace(0.08, 0.12, 5)[:, None]
    cost = np.linspace(0.0, 10.0, 4)[None, :]
    grid = xc.dual_npv(cf, kd, 0.13, cost)
    assert grid.shape == (5, 4)
    for i in range(5):
        for j in range(4):
            assert grid[i, j] == xc.dual_npv(cf, float(kd[i, 0]), 0.13, float(cost[0, j]))
