"""Dim Sum funding: covered interest parity, hedged USD cost, saving against a USD bond."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_corridor.engine.funding import cip_forward, dimsum_hedged_cost, dimsum_saving
from xl_corridor.errors import CorridorInputError


def test_cip_forward_formula():
    # docs/facts.md / Du, Tepper & Verdelhan (2018): F = S (1 + r_dom) / (1 + r_for).
    assert cip_forward(7.10, 0.025, 0.045) == pytest.approx(7.10 * 1.025 / 1.045)
    assert cip_forward(7.10, 0.025, 0.045, 2) == pytest.approx(7.10 * (1.025 / 1.045) ** 2)
    assert cip_forward(7.10, 0.025, 0.045, 1, -0.002) == pytest.approx(7.10 * 1.023 / 1.045)
    assert cip_forward(7.10, 0.03, 0.03) == pytest.approx(7.10)


def test_ccb_astana_known_value():
    # CCB Astana RMB 1bn 2-year bond at 2.95%, listed on AIX and HKEX, Mar 2020 (docs/facts.md).
    # Illustrative tenor rates (not market quotes): USD 1.2%, CNH 2.5%.
    hedged = dimsum_hedged_cost(0.0295, 0.012, 0.025)
    assert hedged == pytest.approx(1.0295 * 1.012 / 1.025 - 1, abs=1e-15)
    assert hedged == pytest.approx(0.016443, abs=5e-7)
    # Saving against a 3.5% USD bond: 1.8557% a year.
    assert dimsum_saving(0.0295, 0.012, 0.025, 0.035) == pytest.approx(0.035 - hedged)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.0, 0.15), st.floats(-0.01, 0.1), st.floats(-0.01, 0.1), st.floats(-0.01, 0.01),
    st.floats(1.0, 10.0),
)
def test_hedged_cost_replicates_forward_hedge(c, r_usd, r_cnh, basis, spot):
    # Raise 1 USD: sell S CNH of bonds, owe S(1+c) CNH, buy it forward at F (CNH per USD).
    f = cip_forward(spot, r_cnh, r_usd, 1.0, basis)
    usd_repaid = spot * (1 + c) / f
    assert dimsum_hedged_cost(c, r_usd, r_cnh, basis) == pytest.approx(usd_repaid - 1, abs=1e-12)
    # First order: c + r_usd - r_cnh - basis.
    approx = c + r_usd - r_cnh - basis
    assert dimsum_hedged_cost(c, r_usd, r_cnh, basis) == pytest.approx(approx, abs=0.02)


def test_basis_sign_and_broadcast():
    base = dimsum_hedged_cost(0.03, 0.04, 0.02)
    # A more negative basis makes synthetic USD dearer (Du, Tepper & Verdelhan 2018).
    assert dimsum_hedged_cost(0.03, 0.04, 0.02, -0.003) > base
    assert dimsum_hedged_cost(0.03, 0.03, 0.03) == pytest.approx(0.03)
    grid = dimsum_hedged_cost([[0.02], [0.03]], 0.04, [0.01, 0.02])
    assert np.shape(grid) == (2, 2)


@pytest.mark.parametrize(
    "args, name",
    [
        ((2.95, 0.012, 0.025), "cnh_yield"),
        ((0.0295, "x", 0.025), "usd_rate"),
        ((0.0295, 0.012, -1.0), "cnh_rate"),
        ((0.0295, 0.012, 0.025, 0.5), "basis"),
    ],
)
def test_hedged_cost_bad_input(args, name):
    with pytest.raises(CorridorInputError) as err:
        dimsum_hedged_cost(*args)
    assert err.value.argument == name


def test_saving_and_forward_bad_input():
    with pytest.raises(CorridorInputError) as err:
        dimsum_saving(0.0295, 0.012, 0.025, 3.5)
    assert err.value.argument == "usd_bond_yield"
    for args, name in (((0.0, 0.02, 0.03), "spot"), ((7.1, 0.02, 0.03, -1), "years"),
                       ((7.1, 2.0, 0.03), "rate_domestic"), ((7.1, 0.02, None), "rate_foreign")):
        with pytest.raises(CorridorInputError) as err:
            cip_forward(*args)
        assert err.value.argument == name
