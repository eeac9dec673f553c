"""Sensitivity grids, the flat-dict model and the tornado."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_corridor.engine.compliance import compliance_cost
from xl_corridor.engine.discounting import dual_npv
from xl_corridor.engine.sensitivity import (
    delta_npv_from_inputs,
    grid_ke_cost,
    grid_premia,
    tornado,
)
from xl_corridor.errors import CorridorInputError

CF = [-100.0, 30.0, 40.0, 50.0, 60.0]
BASE = {"rf": 0.04, "beta": 1.0, "mrp": 0.05, "crp_single": 0.03, "crp_dual": 0.02,
        "lp_single": 0.02, "lp_dual": 0.01, "cash_flows": CF, "compliance_cost": 2.0}


def _npv(rate, cf):
    # numpy-financial's npv discounts the first value at t=0; Excel's NPV starts at t=1.
    return npf.npv(rate, [0.0, *cf])


def test_grid_ke_cost_matches_independent_npv():
    kd = np.linspace(0.08, 0.12, 5)
    costs = np.array([0.0, 1.0, 2.5])
    g = grid_ke_cost(CF, kd, costs, 0.12)
    assert g.shape == (5, 3)
    for i, k in enumerate(kd):
        for j, c in enumerate(costs):
            assert g[i, j] == pytest.approx(_npv(k, CF) - _npv(0.12, CF) - c, abs=1e-10)


@pytest.mark.parametrize("timing", ["end", "mid", "begin"])
def test_grid_ke_cost_timing(timing):
    g = grid_ke_cost(CF, [0.1], [1.0], 0.12, timing=timing)
    assert g[0, 0] == pytest.approx(dual_npv(CF, 0.1, 0.12, 1.0, timing=timing))


def test_grid_ke_cost_bad_input():
    for args, name in (((CF, [0.1, 10.0], [0.0], 0.12), "ke_dual_values"),
                       ((CF, [0.1], [-1.0], 0.12), "compliance_costs"),
                       ((CF, [0.1], [0.0], [0.12, 0.13]), "ke_single"),
                       ((CF, [0.1], [0.0], "x"), "ke_single"),
                       (([1.0, None], [0.1], [0.0], 0.12), "cash_flows")):
        with pytest.raises(CorridorInputError) as err:
            grid_ke_cost(*args)
        assert err.value.argument == name
    with pytest.raises(CorridorInputError) as err:
        grid_ke_cost(CF, [0.1], [0.0], 0.12, timing="start")
    assert err.value.argument == "timing"


def test_grid_premia_matches_loop():
    lr = np.array([0.0, 0.005, 0.01])
    cr = np.array([0.0, 0.01])
    g = grid_premia(CF, 0.04, 1.2, 0.05, 0.02, 0.01, lr, cr, 1.5, 0.5)
    ke_s = 0.04 + 1.2 * 0.05 + 0.5 * 0.02 + 0.01
    assert g.shape == (3, 2)
    for i, a in enumerate(lr):
        for j, b in enumerate(cr):
            ke_d = ke_s - a - 0.5 * b
            assert g[i, j] == pytest.approx(_npv(ke_d, CF) - _npv(ke_s, CF) - 1.5, abs=1e-10)
    # No reduction: Delta NPV is minus the compliance cost.
    assert g[0, 0] == pytest.approx(-1.5)


def test_grid_premia_bad_input():
    args = [CF, 0.04, 1.0, 0.05, 0.02, 0.01, [0.0, 0.02], [0.0], 1.0]
    with pytest.raises(CorridorInputError) as err:
        grid_premia(*args)
    assert err.value.argument == "liquidity_reductions"
    args[6], args[7] = [0.0], [0.03]
    with pytest.raises(CorridorInputError) as err:
        grid_premia(*args)
    assert err.value.argument == "country_reductions"
    args[7], args[8] = [0.0], -1.0
    with pytest.raises(CorridorInputError) as err:
        grid_premia(*args)
    assert err.value.argument == "compliance_cost"
    args[8], args[1] = 1.0, 4.0
    with pytest.raises(CorridorInputError) as err:
        grid_premia(*args)
    assert err.value.argument == "rf"


def test_delta_npv_from_inputs_independent():
    ke_s = 0.04 + 0.05 + 0.03 + 0.02
    ke_d = 0.04 + 0.05 + 0.02 + 0.01
    assert delta_npv_from_inputs(BASE) == pytest.approx(_npv(ke_d, CF) - _npv(ke_s, CF) - 2.0)
    scaled = delta_npv_from_inputs({**BASE, "cash_flow_scale": 2.0})
    assert scaled == pytest.approx(2 * (_npv(ke_d, CF) - _npv(ke_s, CF)) - 2.0)
    items = {k: v for k, v in BASE.items() if k != "compliance_cost"}
    items.update(compliance_annual_audit=0.3, compliance_annual_legal=0.2, compliance_years=5,
                 compliance_one_off=1.0, compliance_tax_rate=0.2)
    cost = compliance_cost([0.3, 0.2], 5, ke_d, one_off=1.0, tax_rate=0.2)
    assert delta_npv_from_inputs(items) == pytest.approx(_npv(ke_d, CF) - _npv(ke_s, CF) - cost)
    rate = delta_npv_from_inputs({**items, "compliance_discount_rate": 0.08})
    cost8 = compliance_cost([0.3, 0.2], 5, 0.08, one_off=1.0, tax_rate=0.2)
    assert rate == pytest.approx(_npv(ke_d, CF) - _npv(ke_s, CF) - cost8)


@pytest.mark.parametrize(
    "change, name",
    [
        ({"rfr": 0.04}, "rfr"),
        ({"rf": None}, "rf"),
        ({"lp_dual": -0.01}, "liquidity_premium"),
        ({"compliance_cost": None}, "compliance_cost"),
        ({"compliance_annual_audit": 1.0}, "compliance_cost"),
        ({"cash_flow_scale": "x"}, "cash_flow_scale"),
        ({"timing": "late"}, "timing"),
        ({"cash_flows": [1.0, "x"]}, "cash_flows"),
    ],
)
def test_delta_npv_from_inputs_bad_input(change, name):
    with pytest.raises(CorridorInputError) as err:
        delta_npv_from_inputs({**BASE, **change})
    assert err.value.argument == name


def test_compliance_items_need_years():
    items = {k: v for k, v in BASE.items() if k != "compliance_cost"}
    with pytest.raises(CorridorInputError) as err:
        delta_npv_from_inputs({**items, "compliance_annual_audit": 1.0})
    assert err.value.argument == "compliance_years"
    with pytest.raises(CorridorInputError) as err:
        delta_npv_from_inputs({**items, "compliance_annual_audit": -1.0, "compliance_years": 5})
    assert err.value.argument == "compliance_annual_audit"


def test_tornado_sorted_and_values():
    ranges = {"rf": (0.03, 0.05), "beta": (0.8, 1.4), "mrp": (0.04, 0.06),
              "crp_single": (0.02, 0.04), "crp_dual": (0.01, 0.03), "lp_single": (0.01, 0.03),
              "lp_dual": (0.0, 0.02), "compliance_cost": (1.0, 5.0),
              "cash_flow_scale": (0.8, 1.2), "country_exposure": (0.5, 1.5)}
    rows = tornado(BASE, ranges)
    assert [r.swing for r in rows] == sorted((r.swing for r in rows), reverse=True)
    assert {r.name for r in rows} == set(ranges)
    by = {r.name: r for r in rows}
    # Delta NPV is linear in the compliance cost: the swing equals the range.
    assert by["compliance_cost"].swing == pytest.approx(4.0)
    assert by["compliance_cost"].delta_low == pytest.approx(delta_npv_from_inputs(BASE) + 1.0)
    r = by["lp_dual"]
    assert r.delta_low == pytest.approx(delta_npv_from_inputs({**BASE, "lp_dual": 0.0}))
    assert r.swing == pytest.approx(abs(r.delta_high - r.delta_low))


def test_tornado_over_compliance_items():
    items = {k: v for k, v in BASE.items() if k != "compliance_cost"}
    items.update(compliance_annual_audit=0.3, compliance_years=5)
    rows = tornado(items, {"compliance_annual_audit": (0.2, 0.4), "compliance_years": (3, 7)})
    ke_d = 0.12
    swings = {"compliance_annual_audit": 0.2 * compliance_cost([1.0], 5, ke_d),
              "compliance_years": 0.3 * (compliance_cost([1.0], 7, ke_d)
                                         - compliance_cost([1.0], 3, ke_d))}
    assert [r.name for r in rows] == sorted(swings, key=swings.get, reverse=True)
    for r in rows:
        assert r.swing == pytest.approx(swings[r.name])
    with pytest.raises(CorridorInputError) as err:
        tornado(items, {"compliance_cost": (1.0, 2.0)})
    assert err.value.argument == "compliance_cost"


@pytest.mark.parametrize(
    "ranges, name",
    [({"cash_flows": (1, 2)}, "cash_flows"), ({"beta": (1.0,)}, "beta"),
     ({"beta": (1.0, "x")}, "beta"), ({"lp_dual": (-0.01, 0.01)}, "liquidity_premium"),
     ({"nope": (1, 2)}, "nope")],
)
def test_tornado_bad_input(ranges, name):
    with pytest.raises(CorridorInputError) as err:
        tornado(BASE, ranges)
    assert err.value.argument == name


rate = st.floats(0.0, 0.3)
flows = st.lists(st.floats(0.0, 1e6), min_size=1, max_size=40)


@settings(max_examples=100, deadline=None)
@given(flows, rate, rate, st.lists(st.floats(0.0, 1e6), min_size=1, max_size=10))
def test_grid_invariants(cf, k1, k2, costs):
    g = grid_ke_cost(cf, [k1, k2], costs, k1)
    # Equal rates: Delta NPV is minus the cost; linear in the cost.
    np.testing.assert_allclose(g[0], -np.asarray(costs), atol=1e-6)
    np.testing.assert_allclose(g[1] - g[1][0], -(np.asarray(costs) - costs[0]), atol=1e-6)
    # Positive cash flows: a lower ke_dual never lowers Delta NPV.
    lo, hi = sorted((k1, k2))
    g2 = grid_ke_cost(cf, [lo, hi], [0.0], k1)
    assert g2[0, 0] >= g2[1, 0] - 1e-6
