"""Break-even Ke dual with a Gordon terminal value: engine, case evaluation, CashFlows sheet.

Expected values come from scipy.optimize.brentq (Brent's method, an independent root finder)
on present-value functions written out in this file from the textbook definitions: Excel's NPV
convention (Microsoft, "NPV function") plus the Gordon terminal value CF_n (1+g)/(k-g)
discounted like the last flow (Gordon 1959; Damodaran, Investment Valuation, ch. 12).
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib

import numpy as np
import pytest
from helpers import EXAMPLE
from openpyxl import load_workbook
from scipy.optimize import brentq

from xl_corridor.case import evaluate, load_case
from xl_corridor.engine import discounting
from xl_corridor.errors import CorridorInputError
from xl_corridor.workbook import report
from xl_corridor.workbook.inputs import named_cells
from xl_corridor.workbook.report import NO_BREAKEVEN_KE_TV, build_report

# The example's cash flows (HK$ m), Ke single and a compliance cost, as plain numbers here.
CF = [-600.0, 120.0, 280.0, 350.0, 350.0, 350.0, 350.0, 350.0, 350.0, 350.0, 300.0, 250.0]
SHIFT = {"end": 0.0, "mid": 0.5, "begin": 1.0}


def _pv(cf: list[float], k: float, g: float, shift: float = 0.0) -> float:
    """sum CF_i (1+k)^-(i-s) + CF_n (1+g)/(k-g) (1+k)^-(n-s), i = 1..n, by a Python loop."""
    n = len(cf)
    body = sum(c / (1 + k) ** (i + 1 - shift) for i, c in enumerate(cf))
    return body + cf[-1] * (1 + g) / (k - g) / (1 + k) ** (n - shift)


def _brent(cf: list[float], ks: float, cost: float, g: float, shift: float = 0.0) -> float:
    target = _pv(cf, ks, g, shift) + cost
    return brentq(lambda k: _pv(cf, k, g, shift) - target, g + 1e-12, ks, xtol=1e-15,
                  rtol=1e-15, maxiter=500)


@pytest.mark.parametrize(("cf", "ks", "cost", "g", "timing"), [
    (CF, 0.141666, 55.27, 0.0, "end"),
    (CF, 0.141666, 55.27, 0.02, "end"),
    (CF, 0.141666, 55.27, 0.02, "mid"),
    (CF, 0.141666, 55.27, 0.10, "begin"),
    (CF, 0.141666, 5527.0, 0.02, "end"),        # root far below the IRR-free guess
    ([-100.0, 30.0, 40.0, 50.0, 60.0], 0.12, 2.0, -0.05, "end"),
    ([1.0, 1.0, 1.0], 0.10, 1e5, 0.02, "end"),  # root within 1e-5 of g: below the 5 bp grid
])
def test_breakeven_ke_with_terminal_value_matches_brent(cf, ks, cost, g, timing) -> None:
    got = discounting.breakeven_ke(cf, ks, cost, timing=timing, terminal_growth=g)
    want = _brent(cf, ks, cost, g, SHIFT[timing])
    assert got == pytest.approx(want, abs=1e-10)
    assert g < got < ks
    # round trip: Delta NPV at the root is zero, to the present values involved plus what a
    # 1e-13 error in k makes of the slope (1e10 per unit of k next to the pole of the last case)
    s, h = SHIFT[timing], 1e-3 * (got - g)
    slope = (_pv(cf, got + h, g, s) - _pv(cf, got - h, g, s)) / (2 * h)
    delta = discounting.dual_npv(cf, got, ks, cost, timing=timing, terminal_growth=g)
    assert abs(delta) <= 1e-9 * max(1.0, abs(_pv(cf, got, g, s))) + 1e-13 * abs(slope)
    # and it changes sign there, 1e-12 either side (the bisection stops at a 1e-13 bracket)
    for side, sign in ((-1, 1), (1, -1)):
        k = got + side * 1e-12
        assert sign * discounting.dual_npv(cf, k, ks, cost, timing=timing,
                                           terminal_growth=g) > 0


def test_no_root_above_the_terminal_growth_is_nan() -> None:
    # a negative last flow: its terminal value falls without bound as k falls to g; the hand
    # PV stays below the target on a fine grid over (g, ks), so there is no break-even
    cf, ks, cost, g = [-600.0, 400.0, 400.0, -50.0], 0.14, 20.0, 0.02
    target = _pv(cf, ks, g) + cost
    assert max(_pv(cf, k, g) - target for k in np.linspace(g + 1e-6, ks, 20001)) < 0
    assert math.isnan(discounting.breakeven_ke(cf, ks, cost, terminal_growth=g))
    # without a terminal value the same flows have a root
    assert 0.0 < discounting.breakeven_ke(cf, ks, cost) < ks


def test_zero_cost_gives_ke_single_and_bad_rates_are_named() -> None:
    assert discounting.breakeven_ke(CF, 0.12, 0.0, terminal_growth=0.02) == 0.12
    with pytest.raises(CorridorInputError, match="^ke_single"):
        discounting.breakeven_ke(CF, 0.02, 5.0, terminal_growth=0.03)
    with pytest.raises(CorridorInputError, match="^terminal_growth"):
        discounting.breakeven_ke(CF, 0.12, 5.0, terminal_growth=2.0)


def test_arrays_broadcast_like_scalar_calls() -> None:
    ks = np.array([[0.10], [0.14]])
    cost = np.array([1.0, 50.0, 500.0])
    g = np.array([0.0, 0.02, 0.05])
    grid = discounting.breakeven_ke(CF, ks, cost, terminal_growth=g)
    assert grid.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert grid[i, j] == pytest.approx(_brent(CF, ks[i, 0], cost[j], g[j]), abs=1e-10)


def test_without_terminal_growth_the_old_search_is_used() -> None:
    # None takes the terminal-value-free path: bit for bit the call without the keyword
    for cost in (0.0, 2.0, 55.27):
        assert (discounting.breakeven_ke(CF, 0.13, cost, terminal_growth=None)
                == discounting.breakeven_ke(CF, 0.13, cost))


def test_dated_breakeven_ke_with_terminal_value_matches_brent() -> None:
    dates = [dt.date(2026, 1, 1), dt.date(2027, 3, 1), dt.date(2028, 1, 1), dt.date(2029, 7, 1)]
    cf, ks, cost, g = [-100.0, 30.0, 40.0, 60.0], 0.12, 3.0, 0.01
    t = [(d - dates[0]).days / 365 for d in dates]  # Excel's XNPV exponents

    def pv(k: float) -> float:
        body = sum(c / (1 + k) ** e for c, e in zip(cf, t, strict=True))
        return body + cf[-1] * (1 + g) / (k - g) / (1 + k) ** t[-1]

    target = pv(ks) + cost
    want = brentq(lambda k: pv(k) - target, g + 1e-12, ks, xtol=1e-15, rtol=1e-15)
    got = discounting.xbreakeven_ke(cf, dates, ks, cost, terminal_growth=g)
    assert got == pytest.approx(want, abs=1e-10)


# --- case evaluation and the CashFlows sheet -----------------------------------------------


def _example(g: float | None, *, timing: str = "end", cost_scale: float = 1.0,
             last: float | None = None) -> dict:
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    if g is not None:
        data["cash_flows"]["terminal_growth"] = g
    data["cash_flows"]["timing"] = timing
    data["compliance"]["items"] = [dict(it, amount=it["amount"] * cost_scale)
                                   for it in data["compliance"]["items"]]
    if last is not None:
        data["cash_flows"]["values"][-1] = last
    return data


@pytest.mark.parametrize("g", [0.0, 0.02])
def test_a_case_with_terminal_growth_gets_a_breakeven_ke(g) -> None:
    case = load_case(_example(g))
    ev = evaluate(case)
    cf = list(case.cash_flows.values)
    # the compliance cost (an engine result with its own tests) is the input C here
    assert ev.breakeven_ke == pytest.approx(_brent(cf, ev.ke_single, ev.compliance_cost, g),
                                            abs=1e-10)


@pytest.mark.parametrize(("g", "timing", "cost_scale"), [
    (0.0, "end", 1.0), (0.02, "end", 1.0), (0.02, "mid", 1.0), (0.10, "begin", 1.0),
    (0.0, "end", 100.0),   # the clipped IRR start is on the far side of the root
    (0.02, "end", 100.0),
])
def test_the_sheets_newton_steps_converge_to_the_engine_root(g, timing, cost_scale) -> None:
    # the CashFlows block's steps as the sheet computes them (their cached values), from the
    # clipped IRR start: the last two agree to the sheet's 1e-10 test and sit on the root
    case = load_case(_example(g, timing=timing, cost_scale=cost_scale))
    ev = evaluate(case)
    values = np.array(list(case.cash_flows.values) + [0.0] * 3)
    path = report._newton_path(case, values, ev.pv_single + ev.compliance_cost,
                               ev.breakeven_ke, ev.ke_single)
    assert len(path) == report.NEWTON_STEPS + 1
    assert abs(path[-1] - path[-2]) < 1e-10
    assert path[-1] == pytest.approx(_brent(list(case.cash_flows.values), ev.ke_single,
                                            ev.compliance_cost, g, SHIFT[timing]), abs=1e-10)


def test_the_report_shows_the_breakeven_ke_with_a_terminal_value(tmp_path) -> None:
    out = build_report(_example(0.02), tmp_path / "tv.xlsx")
    assert out.evaluation.breakeven_ke is not None
    wb = load_workbook(out.path, data_only=True)
    assert named_cells(wb, "breakeven_ke")[0].value == out.evaluation.breakeven_ke
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert not any(t.startswith("n/a") or t == NO_BREAKEVEN_KE_TV for t in texts)


def test_no_breakeven_above_the_terminal_growth_says_so(tmp_path) -> None:
    out = build_report(_example(0.02, last=-200.0), tmp_path / "none.xlsx")
    assert out.evaluation.breakeven_ke is None
    wb = load_workbook(out.path, data_only=True)
    assert named_cells(wb, "breakeven_ke")[0].value == NO_BREAKEVEN_KE_TV


# --- LibreOffice: the live block recalculates to the engine ----------------------------------


def test_libreoffice_recalculates_the_tv_breakeven_to_the_engine(tmp_path, soffice) -> None:
    from xl_corridor.validate.validator import validate_workbooks

    cases = {"g0": _example(0.0), "g2": _example(0.02), "g2mid": _example(0.02, timing="mid"),
             "far": _example(0.0, cost_scale=100.0), "none": _example(0.02, last=-200.0)}
    paths = [build_report(data, tmp_path / f"{name}.xlsx").path for name, data in cases.items()]
    for result in validate_workbooks(paths, recalc=True):
        assert result.method == "recalculated in LibreOffice"
        assert result.ok, (result.path.name, [str(f) for f in result.failures][:5])


@pytest.mark.parametrize(("built", "typed"), [(0.02, 0.0), (None, 0.02), (0.0, None)])
def test_typing_a_terminal_growth_in_libreoffice_moves_the_breakeven(tmp_path, soffice, built,
                                                                     typed) -> None:
    from xl_corridor.validate.libreoffice import recalculate

    src = build_report(_example(built), tmp_path / "built.xlsx").path
    wb = load_workbook(src)
    named_cells(wb, "terminal_growth")[0].value = typed
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    out = load_workbook(recalculate([path], tmp_path / "out")[0], data_only=True)
    case = load_case(path)  # the engine on the edited inputs, read back from the file
    assert case.cash_flows.terminal_growth == typed
    ev = evaluate(case)
    assert ev.breakeven_ke is not None
    assert named_cells(out, "breakeven_ke")[0].value == pytest.approx(ev.breakeven_ke, abs=1e-9)
