"""Sensitivity of the dual-listing decision: Delta NPV grids and a tornado over every input.

The grids are single broadcast calls of :func:`xl_corridor.engine.discounting.dual_npv` (a
column of one
input against a row of another), so a 201 x 201 table costs one discounting pass. The tornado
varies one input at a time through :func:`delta_npv_from_inputs`, the whole model as one pure
function of a flat dict, which the report and template code reuse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.engine.compliance import compliance_cost as _compliance_cost
from xl_corridor.engine.discounting import dual_npv
from xl_corridor.engine.rates import cost_of_equity
from xl_corridor.errors import CorridorInputError, show

__all__ = [
    "MODEL_INPUTS",
    "TornadoRow",
    "delta_npv_from_inputs",
    "grid_ke_cost",
    "grid_premia",
    "tornado",
]

#: Inputs of :func:`delta_npv_from_inputs` other than the ``compliance_annual_*`` line items,
#: with their defaults (``None``: required, or required in some combination; see the docstring).
MODEL_INPUTS: dict[str, Any] = {
    "rf": None,
    "beta": None,
    "mrp": None,
    "crp_single": None,
    "crp_dual": None,
    "lp_single": None,
    "lp_dual": None,
    "country_exposure": 1.0,
    "cash_flows": None,
    "cash_flow_scale": 1.0,
    "timing": "end",
    "terminal_growth": None,
    "compliance_cost": None,
    "compliance_years": None,
    "compliance_discount_rate": None,
    "compliance_growth": 0.0,
    "compliance_one_off": 0.0,
    "compliance_tax_rate": 0.0,
}
_ITEM_PREFIX = "compliance_annual_"
_NOT_NUMERIC = ("cash_flows", "timing", "terminal_growth")


def grid_ke_cost(
    cash_flows: Any,
    ke_dual_values: Any,
    compliance_costs: Any,
    ke_single: Any,
    *,
    timing: str = "end",
) -> Any:
    """Delta NPV over every pair of a dual-listing cost of equity and a compliance cost.

    Parameters
    ----------
    cash_flows : array_like
        Periodic cash flows of the issuer, one per period (model currency).
    ke_dual_values : array_like
        Costs of equity with the dual listing, decimals, not per cent: the grid's rows.
    compliance_costs : array_like
        Capitalized compliance costs, >= 0, model currency: the grid's columns.
    ke_single : float
        Cost of equity of the single (AIX-only) listing, decimal.
    timing : {'end', 'mid', 'begin'}, keyword-only
        Cash-flow timing; see :func:`xl_corridor.engine.discounting.npv`.

    Returns
    -------
    ndarray, shape (len(ke_dual_values), len(compliance_costs))
        Delta NPV; entry ``[i, j]`` is ``dual_npv(cash_flows, ke_dual_values[i], ke_single,
        compliance_costs[j])``, computed in one broadcast call.

    Raises
    ------
    CorridorInputError
        Naming the argument, for bad rates, negative costs or bad cash flows.

    Notes
    -----
    .. math:: G_{ij} = NPV(k_i) - NPV(k_{single}) - C_j

    References
    ----------
    .. [1] Microsoft, "Data tables: what-if analysis" (a two-variable data table is the Excel
       equivalent of this grid).

    Examples
    --------
    >>> grid_ke_cost([-100, 30, 40, 50, 60], [0.10, 0.11], [0.0, 5.0], 0.12).round(2)
    array([[ 6.42,  1.42],
           [ 3.13, -1.87]])
    """
    kd = ck.rate("ke_dual_values", ke_dual_values).reshape(-1)
    costs = ck.amount("compliance_costs", compliance_costs, nonnegative=True).reshape(-1)
    ks = ck.rate("ke_single", ke_single)
    if ks.size != 1:
        raise CorridorInputError("ke_single", f"expected one rate, got {ks.size}")
    return np.asarray(
        dual_npv(cash_flows, kd[:, None], float(ks), costs[None, :],
                 timing=ck.timing_word("timing", timing))
    )


def _scalar(name: str, x: Any) -> float:
    arr = ck.finite(name, ck.as_array(name, x))
    if arr.size != 1:
        raise CorridorInputError(name, f"expected one number, got {arr.size}")
    return float(arr.reshape(-1)[0])


def grid_premia(
    cash_flows: Any,
    rf: Any,
    beta: Any,
    mrp: Any,
    crp_single: Any,
    lp_single: Any,
    liquidity_reductions: Any,
    country_reductions: Any,
    compliance_cost: Any,
    country_exposure: Any = 1.0,
    *,
    timing: str = "end",
    terminal_growth: Any = None,
) -> Any:
    """Delta NPV over reductions of the liquidity premium (rows) and country premium (columns).

    Parameters
    ----------
    cash_flows : array_like
        Periodic cash flows, model currency.
    rf, beta, mrp : float
        Risk-free rate, beta and mature-market premium (decimals), as in
        :func:`xl_corridor.engine.rates.cost_of_equity`.
    crp_single, lp_single : float
        Country and liquidity premia of the single (AIX-only) listing, decimals.
    liquidity_reductions : array_like
        Falls in the liquidity premium from listing in Hong Kong, decimals at most
        ``lp_single`` (a negative value is a rise): the grid's rows.
    country_reductions : array_like
        Falls in the country premium (AIFC / Hong Kong governance), decimals at most
        ``crp_single``: the grid's columns.
    compliance_cost : float
        Capitalized dual compliance cost, >= 0, model currency.
    country_exposure : float, optional
        Damodaran's lambda. Default 1.
    timing : {'end', 'mid', 'begin'}, keyword-only
        Cash-flow timing.
    terminal_growth : float, optional, keyword-only
        Gordon growth after the last cash flow (None: no terminal value), decimal.

    Returns
    -------
    ndarray, shape (len(liquidity_reductions), len(country_reductions))
        Delta NPV, one broadcast :func:`~xl_corridor.engine.discounting.dual_npv` call.

    Raises
    ------
    CorridorInputError
        Naming the argument; a reduction larger than its premium is refused.

    Notes
    -----
    .. math:: K_{e,s} = R_f + \\beta\\,MRP + \\lambda\\,CRP_s + LP_s, \\qquad
              K_{e,d}(i,j) = K_{e,s} - \\Delta LP_i - \\lambda\\,\\Delta CRP_j

    References
    ----------
    .. [1] L. Hail and C. Leuz, "Cost of capital effects and changes in growth expectations
       around U.S. cross-listings", Journal of Financial Economics 93 (2009) 428-454
       (a 70-120 bp fall in the cost of capital).

    Examples
    --------
    >>> g = grid_premia([-100, 30, 40, 50, 60], 0.04, 1.0, 0.05, 0.02, 0.01,
    ...                 [0.0, 0.01], [0.0, 0.01], 1.0)
    >>> g.round(3)
    array([[-1.   ,  2.127],
           [ 2.127,  5.42 ]])
    """
    lp_s = _scalar("lp_single", lp_single)
    crp_s = _scalar("crp_single", crp_single)
    exposure = _scalar("country_exposure", country_exposure)
    ke_single = cost_of_equity(rf, beta, mrp, crp_s, lp_s, exposure)
    if np.ndim(ke_single) != 0:
        raise CorridorInputError("rf", "expected one number for rf, beta and mrp")
    lr = ck.bounded(
        "liquidity_reductions", liquidity_reductions, -1.0, lp_s,
        "a reduction of the liquidity premium (at most lp_single)",
    ).reshape(-1)
    cr = ck.bounded(
        "country_reductions", country_reductions, -1.0, crp_s,
        "a reduction of the country premium (at most crp_single)",
    ).reshape(-1)
    cost = ck.amount("compliance_cost", compliance_cost, nonnegative=True)
    if cost.size != 1:
        raise CorridorInputError("compliance_cost", f"expected one amount, got {cost.size}")
    ke_dual = ke_single - lr[:, None] - exposure * cr[None, :]
    return np.asarray(dual_npv(cash_flows, ke_dual, ke_single, float(cost),
                               timing=ck.timing_word("timing", timing),
                               terminal_growth=terminal_growth))


def _input(inputs: Mapping[str, Any], key: str) -> Any:
    value = inputs.get(key, MODEL_INPUTS.get(key))
    if value is None:
        raise CorridorInputError(key, "required input is missing")
    return value


def delta_npv_from_inputs(inputs: Mapping[str, Any]) -> float:
    """The whole decision model as one pure function of a flat dict of inputs.

    Parameters
    ----------
    inputs : mapping
        Required: ``rf, beta, mrp, crp_single, crp_dual, lp_single, lp_dual`` (decimals, not
        per cent) and ``cash_flows`` (a series). Optional: ``country_exposure`` (1),
        ``cash_flow_scale`` (1: multiplies every cash flow), ``timing`` ('end'),
        ``terminal_growth`` (None: no terminal value; see
        :func:`xl_corridor.engine.discounting.dual_npv`).
        The compliance cost is either ``compliance_cost`` (a capitalized total) or line items
        ``compliance_annual_<name>`` (yearly amounts) with ``compliance_years`` and optionally
        ``compliance_discount_rate`` (default: ke_dual), ``compliance_growth``,
        ``compliance_one_off`` and ``compliance_tax_rate`` (0), capitalized with
        :func:`xl_corridor.engine.compliance.compliance_cost`. Keys outside these are refused.

    Returns
    -------
    float
        Delta NPV, model currency.

    Raises
    ------
    CorridorInputError
        Naming the key: unknown, missing, both a total and line items, or a bad value.

    Notes
    -----
    .. math:: K_{e,v} = R_f + \\beta\\,MRP + \\lambda\\,CRP_v + LP_v \\quad (v = single, dual)

    .. math:: \\Delta NPV = \\sum_t \\frac{s\\,CF_t}{(1+K_{e,d})^{t}}
              - \\sum_t \\frac{s\\,CF_t}{(1+K_{e,s})^{t}} - C_{compliance}

    References
    ----------
    .. [1] A. Damodaran, "Country Risk: Determinants, Measures and Implications - The 2024
       Edition", SSRN (July 2024).

    Examples
    --------
    >>> base = {"rf": 0.04, "beta": 1.0, "mrp": 0.05, "crp_single": 0.03, "crp_dual": 0.02,
    ...         "lp_single": 0.02, "lp_dual": 0.01, "cash_flows": [-100, 30, 40, 50, 60],
    ...         "compliance_cost": 2.0}
    >>> round(delta_npv_from_inputs(base), 4)
    3.7931
    >>> items = dict(base, compliance_cost=None, compliance_annual_audit=0.3,
    ...              compliance_annual_legal=0.2, compliance_years=5)
    >>> round(delta_npv_from_inputs(items), 4)
    3.9907
    """
    if not isinstance(inputs, Mapping):
        raise CorridorInputError("inputs", "expected a mapping of input names to values")
    for key in inputs:
        if not isinstance(key, str) or (key not in MODEL_INPUTS and not (
            key.startswith(_ITEM_PREFIX) and len(key) > len(_ITEM_PREFIX)
        )):
            raise CorridorInputError(
                str(key), f"unknown input; expected one of {', '.join(MODEL_INPUTS)} "
                f"or {_ITEM_PREFIX}<item>"
            )
    timing = inputs.get("timing") or "end"
    exposure = _input(inputs, "country_exposure")
    rf, beta, mrp = (_input(inputs, k) for k in ("rf", "beta", "mrp"))
    ke_single = cost_of_equity(
        rf, beta, mrp, _input(inputs, "crp_single"), _input(inputs, "lp_single"), exposure
    )
    ke_dual = cost_of_equity(
        rf, beta, mrp, _input(inputs, "crp_dual"), _input(inputs, "lp_dual"), exposure
    )
    scale = ck.bounded(
        "cash_flow_scale", _input(inputs, "cash_flow_scale"), -1e6, 1e6, "a scale factor"
    )
    cf = ck.series("cash_flows", _input(inputs, "cash_flows")) * scale
    items = {k: v for k, v in inputs.items() if k.startswith(_ITEM_PREFIX) and v is not None}
    total = inputs.get("compliance_cost")
    if items and total is not None:
        raise CorridorInputError(
            "compliance_cost", "give either a capitalized total or compliance_annual_* line "
            "items, not both"
        )
    if items:
        for k, v in items.items():
            ck.amount(k, v, nonnegative=True)
        rate = inputs.get("compliance_discount_rate")
        cost = _compliance_cost(
            [float(ck.amount(k, v)) for k, v in items.items()],
            _input(inputs, "compliance_years"),
            ke_dual if rate is None else rate,
            _input(inputs, "compliance_growth"),
            _input(inputs, "compliance_one_off"),
            1.0,
            _input(inputs, "compliance_tax_rate"),
        )
    elif total is not None:
        cost = total
    else:
        raise CorridorInputError(
            "compliance_cost", "required input is missing (or give compliance_annual_* items)"
        )
    return float(dual_npv(cf, ke_dual, ke_single, cost, timing=ck.timing_word("timing", timing),
                          terminal_growth=inputs.get("terminal_growth")))


class TornadoRow(NamedTuple):
    """One bar of a tornado chart."""

    name: str
    low: float
    high: float
    delta_low: float
    delta_high: float
    swing: float


def tornado(
    base_inputs: Mapping[str, Any],
    ranges: Mapping[str, tuple[float, float]],
    *,
    model: Callable[[Mapping[str, Any]], float] = delta_npv_from_inputs,
) -> list[TornadoRow]:
    """One-at-a-time sensitivity of Delta NPV, sorted by swing (a tornado chart's bars).

    Parameters
    ----------
    base_inputs : mapping
        Base case, as for :func:`delta_npv_from_inputs`.
    ranges : mapping of str to (low, high)
        For each input to vary, its low and high value (e.g. ``{"beta": (1.0, 1.4)}``); any
        numeric input of the model: ``rf, beta, mrp, crp_single, crp_dual, lp_single,
        lp_dual, country_exposure, cash_flow_scale, compliance_cost`` or a compliance line
        item or parameter.
    model : callable, keyword-only
        The model, a pure function of a flat dict. Default :func:`delta_npv_from_inputs`.

    Returns
    -------
    list of TornadoRow
        ``(name, low, high, delta_low, delta_high, swing)`` with
        ``swing = |delta_high - delta_low|``, largest swing first (ties by name). The base
        Delta NPV is ``model(base_inputs)``.

    Raises
    ------
    CorridorInputError
        Naming the input: a range that is not two numbers, a non-numeric input (cash_flows,
        timing), or a value the model refuses.

    Notes
    -----
    Each bar changes one input with every other at its base value:
    :math:`swing_x = |\\Delta NPV(x_{high}) - \\Delta NPV(x_{low})|`.

    References
    ----------
    .. [1] R. A. Howard, "Decision analysis: practice and promise", Management Science 34
       (1988) 679-695 (tornado diagrams).

    Examples
    --------
    >>> base = {"rf": 0.04, "beta": 1.0, "mrp": 0.05, "crp_single": 0.03, "crp_dual": 0.02,
    ...         "lp_single": 0.02, "lp_dual": 0.01, "cash_flows": [-100, 30, 40, 50, 60],
    ...         "compliance_cost": 2.0}
    >>> rows = tornado(base, {"compliance_cost": (1.0, 3.0), "lp_dual": (0.0, 0.02)})
    >>> [(r.name, round(r.swing, 3)) for r in rows]
    [('lp_dual', 6.098), ('compliance_cost', 2.0)]
    """
    if not isinstance(ranges, Mapping):
        raise CorridorInputError("ranges", "expected a mapping of input name to (low, high)")
    base = dict(base_inputs)
    rows = []
    for name, pair in ranges.items():
        if name in _NOT_NUMERIC:
            raise CorridorInputError(
                name, "is not a number; vary cash flows through cash_flow_scale"
            )
        try:
            low, high = pair
        except (TypeError, ValueError):
            raise CorridorInputError(
                name, f"expected a (low, high) pair, got {show(pair)}"
            ) from None
        lo, hi = _scalar(name, low), _scalar(name, high)
        if name == "compliance_cost" and any(k.startswith(_ITEM_PREFIX) for k in base):
            raise CorridorInputError(
                name, "the base case uses compliance_annual_* items; vary those instead"
            )
        d_lo = model({**base, name: lo})
        d_hi = model({**base, name: hi})
        rows.append(TornadoRow(name, lo, hi, d_lo, d_hi, abs(d_hi - d_lo)))
    rows.sort(key=lambda r: (-r.swing, r.name))
    return rows
