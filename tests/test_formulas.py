"""Each builder of the formula vocabulary (xl_corridor/workbook/formulas.py), evaluated by the
`formulas` library (an Excel reimplementation) on numbers, equals its engine function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import formulas
import pytest

import xl_corridor as xc
from xl_corridor.engine import corridor, parity
from xl_corridor.engine.compliance import growing_annuity_factor
from xl_corridor.engine.discounting import EXCEL_EPOCH, terminal_value
from xl_corridor.workbook import formulas as fx


def _excel(formula: str) -> float:
    value = formulas.Parser().ast("=" + formula)[1].compile()()
    return float(value.item() if hasattr(value, "item") else value)


def _n(*xs: float) -> list[str]:
    return [repr(float(x)) for x in xs]


D0, D1 = dt.date(2025, 8, 28), dt.date(2027, 3, 1)
SERIAL = {d: str((d - EXCEL_EPOCH).days) for d in (D0, D1)}
BAND = (0.0011, 0.0005, 0.0005, 0.0007, 0.045, 2.0, 3.0)  # cost_hk, cost_aix, fee, fx, r, ds, dc


def _band(upper: bool) -> str:
    c_hk, c_aix, fee, fxs, r, ds, dc = _n(*BAND)
    carry = "(" + fx.carry_factor(r, ds, dc) + ")"
    return (fx.band_upper if upper else fx.band_lower)(c_aix, fxs, fee, carry, c_hk)


CASES: dict[str, tuple[Callable[[], str], Callable[[], float]]] = {
    "cost_of_equity": (lambda: fx.cost_of_equity(*_n(0.0425, 1.2, 0.0433, 0.9, 0.0236, 0.0155)),
                       lambda: xc.cost_of_equity(0.0425, 1.2, 0.0433, 0.0236, 0.0155, 0.9)),
    "annuity_factor": (lambda: fx.annuity_factor(*_n(10, 0.12, 0.03)),
                       lambda: growing_annuity_factor(10, 0.12, 0.03)),
    "annuity_factor g = r": (lambda: fx.annuity_factor(*_n(10, 0.12, 0.12)),
                             lambda: growing_annuity_factor(10, 0.12, 0.12)),
    "cip_hedged_cost": (lambda: fx.cip_hedged_cost(*_n(0.0295, 0.043, 0.018, -0.002)),
                        lambda: xc.dimsum_hedged_cost(0.0295, 0.043, 0.018, -0.002)),
    "band_upper": (lambda: _band(True), lambda: parity.arbitrage_bounds(*BAND)[1]),
    "band_lower": (lambda: _band(False), lambda: parity.arbitrage_bounds(*BAND)[0]),
    "netback": (lambda: fx.netback(*_n(9000, 120, 85, 40, 21, 0.08)),
                lambda: corridor.logistics_netback(9000, 120, 85, 40, 21, 0.08)),
    "price_uplift": (lambda: fx.price_uplift(*_n(0.14, 0.12, 0.02)),
                     lambda: xc.dual_price_uplift(0.12, 0.14, 0.02)),
    # the Gordon value of the last flow (60 at t = 5) discounted like it; blank growth: none
    "gordon_pv": (lambda: fx.gordon_pv(*_n(0.11, 60.0, 5.0, 0.02)),
                  lambda: terminal_value(60.0, 0.11, 0.02) / 1.11 ** 5),
    "gordon_pv blank growth": (lambda: fx.gordon_pv("0.11", "60", "5", '""'), lambda: 0.0),
    # XNPV of a unit flow at D1 from D0 is the discount factor at XNPV's year fraction
    "year_fraction": (lambda: fx.discount_factor(
        "0.11", "(" + fx.year_fraction(SERIAL[D1], SERIAL[D0]) + ")"),
                      lambda: xc.xnpv(0.11, [0.0, 1.0], [D0, D1])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_builder_evaluates_to_its_engine_function(name: str) -> None:
    text, engine = CASES[name]
    assert _excel(text()) == pytest.approx(float(engine()), rel=1e-12)


def test_in_bp_is_ten_thousand_per_unit() -> None:
    assert _excel(fx.in_bp("0.0123-0.0023")) == pytest.approx(100.0)  # 1 bp = 0.0001


def test_rank_order_ties_within_the_tolerance_keep_their_row_order() -> None:
    # by hand: 5 and 5 + 1e-13 are one value to a spreadsheet's last bit (the tornado's beta
    # and MRP swings), so the earlier row ranks first; 3 and 1 follow
    assert fx.rank_order([3.0, 5.0 + 1e-13, 5.0, 1.0], 1e-9) == [1, 2, 0, 3]
    assert fx.rank_order([1.0, 2.0, 3.0], 1e-9) == [2, 1, 0]
