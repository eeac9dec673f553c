"""The corridor entry model: what routing a Central Asian project's financing through Hong Kong
(route H) is worth against the direct route (D). Defined in ``docs/corridor_model.md``.

``C_e`` is the net gain in project value from route H per unit invested; the WACC difference in
basis points is shown beside it. The building blocks (tranche costs) are in
:mod:`xl_corridor.engine.corridor_debt`; this module holds equity, WACC, value, the whole model
(:func:`corridor_entry`), its break-evens, the sensitivity of C_e to the three corridor variables
(I_m, S_hk, R_ca) and a seeded Monte Carlo.

Rates, spreads and shares are decimals, not per cent; amounts are money in the model currency.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.engine._checks import FloatArray
from xl_corridor.engine.compliance import growing_annuity_factor
from xl_corridor.engine.corridor_debt import corridor_default
from xl_corridor.engine.discounting import DAYS_PER_YEAR
from xl_corridor.engine.rates import BASIS_POINTS
from xl_corridor.errors import CorridorInputError

__all__ = [
    "hk_cost_of_equity",
    "route_wacc",
    "logistics_netback",
    "route_value",
    "corridor_delta_v",
    "corridor_ce",
    "CorridorResult",
    "INPUTS",
    "VARIABLES",
    "corridor_inputs",
    "corridor_entry",
    "corridor_sensitivity",
    "CorridorMonteCarlo",
    "corridor_montecarlo",
]

MAX_PERIODS = 200


def hk_cost_of_equity(
    ke_direct: Any, listing_premium_cut: Any, listing_annual_cost: Any, equity_value: Any
) -> Any:
    """Cost of equity on the Hong Kong route: the dual-listing cut, plus listing costs as a yield.

    Parameters
    ----------
    ke_direct : float or array_like
        Cost of equity on the direct route (:func:`xl_corridor.cost_of_equity`), decimal.
    listing_premium_cut : float or array_like
        Reduction of the cost of equity from the HKEX listing, decimal in [0, 1]. Sourced range
        0.007-0.012 (Hail and Leuz 2009, US cross-listings); default in the data file 0.007.
    listing_annual_cost : float or array_like
        Annual listing and compliance cost, money >= 0 (COMPLIANCE_COST gives it capitalised).
    equity_value : float or array_like
        Equity on which the cost falls, money > 0.

    Returns
    -------
    float or ndarray
        :math:`k_{E,H} = k_{E,D} - \\Delta_{list} + C_{list} / E`, decimal.

    References
    ----------
    .. [1] L. Hail and C. Leuz, "Cost of capital effects and changes in growth expectations
       around U.S. cross-listings", Journal of Financial Economics 93 (2009) 428-454.

    Examples
    --------
    >>> round(hk_cost_of_equity(0.1347, 0.007, 1.5, 300.0), 6)
    0.1327
    """
    k = ck.rate("ke_direct", ke_direct)
    cut = ck.premium("listing_premium_cut", listing_premium_cut)
    c = ck.amount("listing_annual_cost", listing_annual_cost, nonnegative=True)
    e = ck.positive("equity_value", equity_value, "an equity value in money")
    return ck.scalar_or_array(k - cut + c / e)


def _weights(name: str, weights: Any) -> FloatArray:
    w = ck.fraction(name, weights, "a weight between 0 and 1")
    return np.atleast_1d(w)


def route_wacc(
    equity_weight: Any, cost_of_equity: Any, debt_weights: Any, debt_costs: Any, tax_rate: Any
) -> Any:
    """Weighted average cost of capital of one route over its debt tranches.

    Parameters
    ----------
    equity_weight : float or array_like
        Equity share of the capital, decimal in [0, 1].
    cost_of_equity : float or array_like
        Route's cost of equity, decimal, not per cent.
    debt_weights : array_like
        Weight of each debt tranche (last axis = tranches), decimals; with ``equity_weight``
        they must sum to 1.
    debt_costs : array_like
        Pre-tax cost of each tranche, decimals, same tranches as ``debt_weights``.
    tax_rate : float or array_like
        Corporate tax rate at which interest is deductible, decimal in [0, 1].

    Returns
    -------
    float or ndarray
        :math:`WACC = w_E k_E + (1 - t) \\sum_j w_j k_j`, decimal.

    References
    ----------
    .. [1] R. A. Brealey, S. C. Myers and F. Allen, Principles of Corporate Finance, 13th ed.
       (2020), ch. 19 (after-tax WACC).

    Examples
    --------
    >>> round(route_wacc(0.4, 0.13, [0.4, 0.2], [0.07, 0.06], 0.2), 6)
    0.084
    """
    we = ck.fraction("equity_weight", equity_weight, "a weight between 0 and 1")
    ke = ck.rate("cost_of_equity", cost_of_equity)
    wd = _weights("debt_weights", debt_weights)
    kd = np.atleast_1d(ck.rate("debt_costs", debt_costs))
    t = ck.fraction("tax_rate", tax_rate)
    if wd.shape[-1] != kd.shape[-1]:
        raise CorridorInputError(
            "debt_costs", f"expected one cost per tranche ({wd.shape[-1]}), got {kd.shape[-1]}"
        )
    total = we + wd.sum(axis=-1)
    if np.any(np.abs(total - 1.0) > 1e-9):
        bad = float(np.asarray(total).reshape(-1)[np.argmax(np.abs(total - 1.0).reshape(-1))])
        raise CorridorInputError(
            "debt_weights", f"expected equity and debt weights summing to 1, got {bad:.10g}"
        )
    return ck.scalar_or_array(we * ke + (1.0 - t) * (wd * kd).sum(axis=-1))


def logistics_netback(
    price: Any,
    freight: Any,
    rail: Any,
    border: Any,
    transit_days: Any,
    carry_rate: Any,
) -> Any:
    """Netback per unit sold from a landlocked mine: price less the route to the buyer.

    Parameters
    ----------
    price : float or array_like
        Delivered price per unit (e.g. US$ per tonne of copper), money > 0.
    freight, rail, border : float or array_like
        Sea/road freight, rail tariff, and border and gauge-change charges per unit, money >= 0.
        No public default: the deal's logistics quotes.
    transit_days : float or array_like
        Days the cargo is in transit (inventory carried), 0 to 365.
    carry_rate : float or array_like
        Annual cost of carrying the cargo's value, decimal (the project's cost of capital).

    Returns
    -------
    float or ndarray
        :math:`P - f - r - b - P \\cdot c \\cdot d/365`, money per unit.

    References
    ----------
    .. [1] N. Limao and A. J. Venables, "Infrastructure, geographical disadvantage, transport
       costs, and trade", World Bank Economic Review 15(3) (2001) 451-479.
    .. [2] World Bank, "Middle Trade and Transport Corridor" (2023).

    Examples
    --------
    >>> round(logistics_netback(9000.0, 120.0, 180.0, 40.0, 25, 0.10), 4)
    8598.3562
    """
    p = ck.positive("price", price, "a price in money per unit")
    f = ck.amount("freight", freight, nonnegative=True)
    r = ck.amount("rail", rail, nonnegative=True)
    b = ck.amount("border", border, nonnegative=True)
    d = ck.bounded("transit_days", transit_days, 0.0, DAYS_PER_YEAR, "a number of days")
    c = ck.rate("carry_rate", carry_rate)
    return ck.scalar_or_array(p - f - r - b - p * c * d / DAYS_PER_YEAR)


def _pv(rate: FloatArray, cash_flows: FloatArray) -> FloatArray:
    """sum_t cf_t (1+rate)^-t, t = 1..n, broadcasting rate against the series' last axis."""
    t = np.arange(1, cash_flows.shape[-1] + 1, dtype=float)
    with np.errstate(over="ignore"):
        factors = (1.0 + np.asarray(rate)[..., None]) ** -t
    return np.asarray((cash_flows * factors).sum(axis=-1))


def _finite_value(name: str, value: FloatArray) -> FloatArray:
    """Refuse a discount rate so close to -100% that the present value overflows."""
    if not np.all(np.isfinite(value)):
        raise CorridorInputError(
            name, "expected a rate further above -1 (-100%): discounting overflows"
        )
    return value


def _fcf(name: str, x: Any) -> FloatArray:
    arr = ck.series(name, x)
    if arr.size > MAX_PERIODS:
        raise CorridorInputError(name, f"expected at most {MAX_PERIODS} periods, got {arr.size}")
    return arr


def route_value(fcf: Any, wacc: Any) -> Any:
    """Value of the project's free cash flows at one route's WACC (Excel's NPV convention).

    Parameters
    ----------
    fcf : array_like
        Free cash flow to the firm, one per year, year 1 first, money.
    wacc : float or array_like
        Route's WACC, decimal. Broadcasts.

    Returns
    -------
    float or ndarray
        :math:`V_r = \\sum_{t=1}^{n} FCF_t / (1 + WACC_r)^t`.

    Examples
    --------
    >>> round(route_value([100.0, 100.0], 0.1), 6)  # 100/1.1 + 100/1.21
    173.553719
    """
    cf = _fcf("fcf", fcf)
    w = ck.rate("wacc", wacc)
    return ck.scalar_or_array(_finite_value("wacc", _pv(w, cf)))


def corridor_delta_v(
    fcf: Any,
    wacc_direct: Any,
    wacc_hk: Any,
    p_exec: Any,
    delay_years: Any,
    one_off_cost: Any,
    annual_cost: Any,
    cost_years: Any,
) -> Any:
    """Delta V: value of the Hong Kong route less the direct route, net of HK frictions.

    Parameters
    ----------
    fcf : array_like
        Free cash flows after the logistics netback, one per year, money (same on both routes).
    wacc_direct, wacc_hk : float or array_like
        WACC of the two routes, decimals.
    p_exec : float or array_like
        Probability that the HK route is executed (listing, bond, arbitration clauses agreed),
        decimal in [0, 1].
    delay_years : float or array_like
        Years by which the HK route delays the gain, 0 to 50.
    one_off_cost : float or array_like
        HK set-up costs now (listing, legal opinions, bond programme), money >= 0.
    annual_cost : float or array_like
        HK running costs a year (beyond those already in the equity yield), money >= 0.
    cost_years : float or array_like
        Years the running costs are paid, whole number 0 to 200.

    Returns
    -------
    float or ndarray
        :math:`\\Delta V = p (V_H - V_D)/(1+WACC_D)^{\\delta} - [C_0 + C_a\\, a_{n,WACC_D}]`,
        money.

    Examples
    --------
    >>> round(corridor_delta_v([100.0, 100.0], 0.10, 0.09, 1.0, 0, 0.0, 0.0, 0), 6)
    2.3574
    """
    cf = _fcf("fcf", fcf)
    wd = ck.rate("wacc_direct", wacc_direct)
    wh = ck.rate("wacc_hk", wacc_hk)
    p = ck.fraction("p_exec", p_exec)
    dly = ck.bounded("delay_years", delay_years, 0.0, 50.0, "a delay in years")
    c0 = ck.amount("one_off_cost", one_off_cost, nonnegative=True)
    ca = ck.amount("annual_cost", annual_cost, nonnegative=True)
    n = ck.whole("cost_years", cost_years, 0, MAX_PERIODS, "a whole number of years")
    v_h = _finite_value("wacc_hk", _pv(wh, cf))
    v_d = _finite_value("wacc_direct", _pv(wd, cf))
    with np.errstate(over="ignore"):
        gross = _finite_value("delay_years", p * (v_h - v_d) / (1.0 + wd) ** dly)
    return ck.scalar_or_array(gross - c0 - ca * np.asarray(growing_annuity_factor(n, wd)))


def corridor_ce(delta_v: Any, investment: Any) -> Any:
    """Market-entry efficiency C_e: Delta V per unit invested.

    Parameters
    ----------
    delta_v : float or array_like
        Net gain of the HK route (:func:`corridor_delta_v`), money.
    investment : float or array_like
        Project investment, money > 0.

    Returns
    -------
    float or ndarray
        :math:`C_e = \\Delta V / I`, decimal (0.02 = 2% of the investment).

    Examples
    --------
    >>> corridor_ce(12.0, 600.0)
    0.02
    """
    dv = ck.amount("delta_v", delta_v)
    i = ck.positive("investment", investment, "an investment in money")
    return ck.scalar_or_array(dv / i)


# --------------------------------------------------------------------------- the whole model

_REQ = object()
_DEFAULT = object()  # a sourced default from corridor_defaults.toml


@dataclass(frozen=True)
class _Input:
    kind: str  # rate, premium, fraction, amount, positive, years, whole, basis, bounded
    default: Any
    variable: str  # I_m, S_hk, R_ca or "" (project / market)
    help: str
    source_key: str = ""


def _i(kind: str, default: Any, variable: str, text: str, key: str = "") -> _Input:
    return _Input(kind, default, variable, text, key)


# Every input of corridor_entry: what it is, its default (None = required, no public default),
# and which corridor variable it belongs to. The order is the Inputs sheet's order.
INPUTS: dict[str, _Input] = {
    # project
    "investment": _i("positive", _REQ, "", "Project investment, money"),
    "tax_rate": _i("fraction", _REQ, "", "Corporate tax rate, decimal"),
    "usd_base_rate": _i("rate", _REQ, "", "USD base rate (SOFR swap for the tenor), decimal"),
    "debt_years": _i("whole", _REQ, "", "Debt tenor, whole years"),
    # equity, direct route
    "rf": _i("rate", _REQ, "", "Risk-free rate, decimal"),
    "beta": _i("beta", _REQ, "", "Equity beta"),
    "mrp": _i("premium", _REQ, "", "Mature-market equity risk premium, decimal"),
    "crp": _i("premium", _REQ, "R_ca", "Country risk premium, decimal"),
    "country_exposure": _i("exposure", 1.0, "", "Exposure to country risk (lambda)"),
    "liquidity_premium": _i("premium", _REQ, "", "Liquidity premium, decimal"),
    # equity, HK route
    "listing_premium_cut": _i("premium", _DEFAULT, "S_hk", "Dual-listing cut in Ke, decimal",
                              "listing_premium_cut"),
    "listing_annual_cost": _i("amount", _REQ, "S_hk", "HK listing and compliance cost a year"),
    # capital structure
    "equity_weight_direct": _i("fraction", _REQ, "", "Equity weight, direct route"),
    "senior_weight_direct": _i("fraction", _REQ, "", "Senior debt weight, direct route"),
    "policy_weight_direct": _i("fraction", _REQ, "", "Policy-bank loan weight, direct route"),
    "equity_weight_hk": _i("fraction", _REQ, "", "Equity weight, HK route"),
    "senior_weight_hk": _i("fraction", _REQ, "", "Senior debt weight (HK law), HK route"),
    "dimsum_weight_hk": _i("fraction", _REQ, "", "Dim Sum tranche weight, HK route"),
    "green_weight_hk": _i("fraction", _REQ, "", "Green tranche weight, HK route"),
    # senior debt and enforcement
    "spread_direct": _i("premium", _REQ, "R_ca", "Senior spread, direct route, decimal"),
    "pd": _i("fraction", _REQ, "R_ca", "Annual probability of default"),
    "collateral": _i("fraction", _REQ, "", "Collateral recoverable per unit of claim"),
    "lender_rate": _i("rate", _REQ, "", "Lender's discount rate for recovery delay"),
    "p_local": _i("fraction", _REQ, "R_ca", "Local courts' enforcement rate of awards"),
    "local_cost": _i("fraction", _REQ, "R_ca", "Local enforcement cost, share of claim"),
    "local_years": _i("years", _REQ, "R_ca", "Local enforcement time, years"),
    "mainland_share": _i("fraction", _REQ, "I_m", "Mainland share of credit support"),
    "p_mainland": _i("fraction", _DEFAULT, "S_hk", "Enforcement of HK awards in the Mainland",
                     "mainland_enforcement_rate"),
    "hk_cost": _i("fraction", _REQ, "S_hk", "HKIAC route enforcement cost, share of claim"),
    "hk_years": _i("years", _DEFAULT, "S_hk", "HKIAC award time, years", "hkiac_award_years"),
    "spread_multiplier": _i("multiplier", 1.0, "", "Spread per unit of expected loss"),
    "gain_cap": _i("premium", _DEFAULT, "", "Cap on the enforcement gain (Bae-Goyal 67bp)",
                   "property_rights_spread_cap"),
    "cover": _i("fraction", 0.0, "", "Share of senior debt under political risk cover"),
    "premium": _i("premium", _DEFAULT, "", "Political risk cover premium a year (MIGA)",
                  "miga_premium"),
    "political_share": _i("fraction", 0.0, "R_ca", "Political share of the senior spread"),
    # policy-bank loan (direct route comparator)
    "policy_margin": _i("premium", _REQ, "", "Policy-bank margin over the base rate"),
    "policy_fees": _i("fraction", _REQ, "", "Policy-bank fees, share of the loan"),
    "escrow_share": _i("fraction", 0.0, "", "Share of the loan held in escrow"),
    "escrow_carry": _i("carry", 0.0, "", "Cost of funds minus escrow yield"),
    # Dim Sum
    "cnh_spread": _i("premium", _REQ, "S_hk", "Issuer's CNH credit spread"),
    "basis": _i("basis", _REQ, "S_hk", "USD/CNH cross-currency basis"),
    "cnh_revenue_share": _i("fraction", 0.0, "I_m", "Share of debt service paid from CNH revenue"),
    "hedge_cost": _i("premium", 0.0, "", "Cost of hedging USD debt against CNH revenue"),
    # green
    "review_cost": _i("amount", _REQ, "", "Second-party opinion cost, money"),
    "certification_cost": _i("amount", _REQ, "", "Green certification cost, money"),
    "hk_grant": _i("amount", 0.0, "S_hk", "HK green finance grant received, money"),
    "reporting_cost": _i("amount", 0.0, "", "Annual green reporting cost, money"),
    "greenium": _i("premium", _DEFAULT, "S_hk", "Green premium", "greenium"),
    "step_up": _i("premium", 0.0, "", "Sustainability-linked step-up"),
    "step_up_probability": _i("fraction", 0.0, "", "Probability the step-up is triggered"),
    # frictions
    "p_exec": _i("fraction", _REQ, "", "Probability the HK route is executed"),
    "delay_years": _i("years", 0.0, "", "Delay of the HK route, years"),
    "hk_one_off": _i("amount", _REQ, "", "HK one-off set-up costs, money"),
    "hk_annual": _i("amount", 0.0, "", "HK running costs a year, money"),
    "hk_cost_years": _i("whole", _REQ, "", "Years the HK running costs are paid"),
}

VARIABLES = {
    "I_m": "mainland industrial scale (sponsor credit support, CNH revenue)",
    "S_hk": "Hong Kong's financial and legal execution (enforcement, CNH depth, grants, listing)",
    "R_ca": "the Central Asian country's risk (CRP, PD, local enforcement)",
}


def _check(name: str, kind: str, x: Any) -> FloatArray:
    if kind == "rate":
        return ck.rate(name, x)
    if kind == "premium":
        return ck.premium(name, x)
    if kind == "fraction":
        return ck.fraction(name, x)
    if kind == "amount":
        return ck.amount(name, x, nonnegative=True)
    if kind == "positive":
        return ck.positive(name, x, "an amount in money")
    if kind == "years":
        return ck.bounded(name, x, 0.0, 50.0, "a time in years")
    if kind == "whole":
        return ck.whole(name, x, 0, MAX_PERIODS, "a whole number of years")
    if kind == "basis":
        return ck.bounded(name, x, -0.2, 0.2, "a cross-currency basis as a decimal,")
    if kind == "beta":
        return ck.bounded(name, x, -5.0, 10.0, "an equity beta such as 1.2")
    if kind == "exposure":
        return ck.bounded(name, x, 0.0, 10.0, "an exposure (lambda)")
    if kind == "multiplier":
        return ck.bounded(name, x, 0.0, 20.0, "a spread-to-expected-loss multiple")
    if kind == "carry":
        return ck.bounded(name, x, -1.0, 1.0, "a carry as a decimal, such as 0.03,")
    raise AssertionError(kind)  # pragma: no cover


def corridor_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``inputs`` and fill sourced defaults; every missing required input is named.

    Returns a dict with every key of :data:`INPUTS` as a float or array, plus ``fcf`` (1-D).

    Examples
    --------
    >>> corridor_inputs({"fcf": [1.0]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xl_corridor.errors.CorridorInputError: investment: required input with no public default ...
    """
    unknown = sorted(set(inputs) - set(INPUTS) - {"fcf"})
    if unknown:
        raise CorridorInputError(unknown[0], "unknown input (see corridor.INPUTS)")
    if "fcf" not in inputs:
        raise CorridorInputError("fcf", "required input with no public default is missing")
    out: dict[str, Any] = {"fcf": _fcf("fcf", inputs["fcf"])}
    for name, spec in INPUTS.items():
        if name in inputs and inputs[name] is not None:
            value = inputs[name]
        elif spec.default is _REQ:
            raise CorridorInputError(
                name, "required input with no public default is missing (" + spec.help + ")"
            )
        elif spec.default is _DEFAULT:
            value = corridor_default(spec.source_key)
        else:
            value = spec.default
        out[name] = _check(name, spec.kind, value)
    for route, keys in (
        ("direct", ("equity_weight_direct", "senior_weight_direct", "policy_weight_direct")),
        ("hk", ("equity_weight_hk", "senior_weight_hk", "dimsum_weight_hk", "green_weight_hk")),
    ):
        total = sum(np.asarray(out[k]) for k in keys)
        if np.any(np.abs(total - 1.0) > 1e-9):
            raise CorridorInputError(
                keys[-1],
                f"expected the {route} route's weights to sum to 1, got "
                f"{float(np.asarray(total).reshape(-1)[0]):.10g}",
            )
    if np.any((np.asarray(out["equity_weight_hk"]) == 0) & (np.asarray(
            out["listing_annual_cost"]) > 0)):
        raise CorridorInputError(
            "equity_weight_hk", "expected above 0 when there is a listing_annual_cost (the cost "
                                "is a yield on the HK route's equity)")
    return out


def _annuity(n: Any, r: Any) -> Any:
    """Unchecked level annuity factor sum_{t=1}^{n} (1+r)^-t (inputs already checked)."""
    r = np.asarray(r, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(np.abs(r) < 1e-12, n, -np.expm1(-n * np.log1p(r)) / r)


def _core(p: Mapping[str, Any], gain_used: Any = None) -> dict[str, Any]:
    """The model on checked inputs; every value broadcasts (arrays for the Monte Carlo).

    ``gain_used`` forces the enforcement gain that enters the HK spread (break-even search)."""
    base = p["usd_base_rate"]
    ke_d = p["rf"] + p["beta"] * p["mrp"] + p["country_exposure"] * p["crp"] + p[
        "liquidity_premium"]
    equity_hk = p["equity_weight_hk"] * p["investment"]
    ke_h = ke_d - p["listing_premium_cut"] + p["listing_annual_cost"] / np.where(
        equity_hk > 0, equity_hk, 1.0)

    # senior debt: recovery on each route, enforcement gain, insurance, capital relief
    p_hk = p["mainland_share"] * p["p_mainland"] + (1.0 - p["mainland_share"]) * p["p_local"]
    rr_d = p["p_local"] * p["collateral"] * (1.0 - p["local_cost"]) / (
        1.0 + p["lender_rate"]) ** p["local_years"]
    rr_h = p_hk * p["collateral"] * (1.0 - p["hk_cost"]) / (1.0 + p["lender_rate"]) ** p[
        "hk_years"]
    gain = p["spread_multiplier"] * p["pd"] * (rr_h - rr_d)
    if gain_used is None:
        gain_used = np.minimum(gain, p["gain_cap"])
    insurance = p["cover"] * p["premium"]
    relief = p["cover"] * p["political_share"] * p["spread_direct"]
    s_h = p["spread_direct"] - gain_used + insurance - relief

    # policy-bank loan
    pb_rate = base + p["policy_margin"]
    pb_annuity = _annuity(p["debt_years"], pb_rate)
    k_policy = pb_rate + p["policy_fees"] / pb_annuity + p["escrow_share"] * p["escrow_carry"]

    # Dim Sum: USD debt at the HK route's senior credit, less the swapped saving
    saving = p["spread_direct"] - p["cnh_spread"] + p["basis"] + p["cnh_revenue_share"] * p[
        "hedge_cost"]
    k_dimsum = base + p["spread_direct"] - saving

    # green tranche on the HK route's senior spread; one-off costs amortised at the issuer's
    # conventional USD yield (base + s_D), so the tranche's cost is linear in s_H. Its fixed
    # costs, per unit of investment a year, apply only when there is a green tranche.
    w_g = p["green_weight_hk"]
    one_off = p["review_cost"] + p["certification_cost"] - p["hk_grant"]
    green_fixed = np.where(
        w_g > 0,
        (one_off / _annuity(p["debt_years"], base + p["spread_direct"]) + p["reporting_cost"])
        / p["investment"],
        0.0,
    )
    green_s = (s_h - p["greenium"] + p["step_up_probability"] * p["step_up"]
               + green_fixed / np.where(w_g > 0, w_g, 1.0))
    k_green = base + green_s

    k_senior_d = base + p["spread_direct"]
    k_senior_h = base + s_h
    t1 = 1.0 - p["tax_rate"]
    contrib_d = {
        "equity": p["equity_weight_direct"] * ke_d,
        "senior": t1 * p["senior_weight_direct"] * k_senior_d,
        "policy": t1 * p["policy_weight_direct"] * k_policy,
        "dimsum": 0.0 * ke_d,
        "green": 0.0 * ke_d,
    }
    contrib_h = {
        "equity": p["equity_weight_hk"] * ke_h,
        "senior": t1 * p["senior_weight_hk"] * k_senior_h,
        "policy": 0.0 * ke_d,
        "dimsum": t1 * p["dimsum_weight_hk"] * k_dimsum,
        "green": t1 * (w_g * (base + s_h - p["greenium"] + p["step_up_probability"] * p[
            "step_up"]) + green_fixed),
    }
    wacc_d = sum(contrib_d.values())
    wacc_h = sum(contrib_h.values())
    v_d = _pv(wacc_d, p["fcf"])
    v_h = _pv(wacc_h, p["fcf"])
    gross = p["p_exec"] * (v_h - v_d) / (1.0 + wacc_d) ** p["delay_years"]
    running = p["hk_annual"] * _annuity(p["hk_cost_years"], wacc_d)
    delta_v = gross - p["hk_one_off"] - running
    return {
        "ke_direct": ke_d, "ke_hk": ke_h, "p_enforce_hk": p_hk, "rr_direct": rr_d, "rr_hk": rr_h,
        "enforcement_gain": gain, "enforcement_gain_used": gain_used, "insurance_cost": insurance,
        "capital_relief": relief, "spread_hk": s_h, "k_senior_direct": k_senior_d,
        "k_senior_hk": k_senior_h, "k_policy": k_policy, "dimsum_saving": saving,
        "k_dimsum": k_dimsum, "green_fixed": green_fixed, "green_spread": green_s,
        "k_green": k_green,
        "contrib_direct": contrib_d, "contrib_hk": contrib_h, "wacc_direct": wacc_d,
        "wacc_hk": wacc_h, "wacc_gap_bp": (wacc_d - wacc_h) * BASIS_POINTS, "value_direct": v_d,
        "value_hk": v_h, "gross_gain": gross, "pv_running": running, "delta_v": delta_v,
        "ce": delta_v / p["investment"],
    }


@dataclass(frozen=True)
class CorridorResult:
    """Every quantity of the corridor entry model for one deal (floats; money in model units).

    ``values`` holds the intermediate quantities by name (see :func:`corridor_entry`);
    ``waterfall`` the WACC contributions by tranche for each route (decimals).
    """

    values: dict[str, float]
    waterfall: dict[str, dict[str, float]]
    breakevens: dict[str, float]

    def __getitem__(self, key: str) -> float:
        return self.values[key]


def _bisect(f: Callable[[float], float], lo: float, hi: float, n: int = 200) -> float:
    """Root of an increasing or decreasing f on [lo, hi]; NaN when f has one sign there."""
    flo, fhi = f(lo), f(hi)
    if flo == 0.0:
        return lo
    if fhi == 0.0:
        return hi
    if not (math.isfinite(flo) and math.isfinite(fhi)) or (flo > 0) == (fhi > 0):
        return math.nan
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if fm == 0.0 or hi - lo < 1e-15 * max(1.0, abs(mid)):
            return mid
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _float(x: Any) -> float:
    return float(np.asarray(x).reshape(-1)[0])


def corridor_entry(inputs: Mapping[str, Any]) -> CorridorResult:
    """Run the corridor entry model for one deal: WACC by route and tranche, Delta V, C_e.

    Parameters
    ----------
    inputs : mapping
        ``fcf`` (free cash flows after the logistics netback, year 1 first, money) and the
        inputs named in :data:`INPUTS` (decimals, money, years). Required inputs with no public
        default must be present; sourced defaults come from ``corridor_defaults.toml``.

    Returns
    -------
    CorridorResult
        ``values``: ke_direct, ke_hk, p_enforce_hk, rr_direct, rr_hk, enforcement_gain (before
        the cap), enforcement_gain_used, insurance_cost, capital_relief, spread_hk,
        k_senior_direct, k_senior_hk, k_policy, dimsum_saving, k_dimsum, green_fixed (green
        tranche fixed costs per unit invested a year), green_spread, k_green,
        wacc_direct, wacc_hk, wacc_gap_bp, value_direct, value_hk, gross_gain, pv_running,
        delta_v, ce. ``breakevens``: max_setup_budget (largest HK one-off cost at which
        Delta V >= 0), critical_investment (deal size, FCF and investment scaled together,
        below which the route does not pay; NaN if it never pays, 0 if it always does),
        gain_needed (enforcement gain at which Delta V = 0, uncapped; NaN if none in [-1, 1]),
        insurance_breakeven_premium, dimsum_breakeven_basis.

    Notes
    -----
    See ``docs/corridor_model.md`` for every formula and its source.

    Examples
    --------
    See ``tests/test_corridor.py`` and ``workbooks/examples/corridor_kz_copper.toml``.
    """
    p = corridor_inputs(inputs)
    out = _core(p)
    values = {
        k: _float(v) for k, v in out.items() if k not in ("contrib_direct", "contrib_hk")
    }
    waterfall = {
        "direct": {k: _float(v) for k, v in out["contrib_direct"].items()},
        "hk": {k: _float(v) for k, v in out["contrib_hk"].items()},
    }

    def dv_scaled(scale: float) -> float:
        q = dict(p, fcf=p["fcf"] * scale, investment=p["investment"] * scale)
        return _float(_core(q)["delta_v"])

    # Delta V(scale) = scale * gain(scale) - fixed costs, and the gain per unit rises with size
    # (listing and green costs are fixed), so Delta V crosses zero at most once.
    if dv_scaled(1e-9) >= 0:
        critical = 0.0
    else:
        s = _bisect(lambda lg: dv_scaled(math.exp(lg)), math.log(1e-9), math.log(1e9))
        critical = math.exp(s) * _float(p["investment"]) if math.isfinite(s) else math.nan
    gain_needed = _bisect(lambda g: _float(_core(p, gain_used=g)["delta_v"]), -0.5, 0.5)
    breakevens = {
        "max_setup_budget": values["gross_gain"] - values["pv_running"],
        "critical_investment": critical,
        "gain_needed": gain_needed,
        "insurance_breakeven_premium": _float(p["political_share"] * p["spread_direct"]),
        "dimsum_breakeven_basis": _float(
            -(p["spread_direct"] - p["cnh_spread"]) - p["cnh_revenue_share"] * p["hedge_cost"]
        ),
    }
    return CorridorResult(values, waterfall, breakevens)


# Inputs moved by the sensitivity of C_e to each corridor variable: (input, shift down, up).
SENSITIVITY_SHIFTS: dict[str, tuple[tuple[str, float], ...]] = {
    "I_m": (("mainland_share", 0.2), ("cnh_revenue_share", 0.2)),
    "S_hk": (("p_mainland", 0.1), ("listing_premium_cut", 0.003), ("hk_cost", 0.05)),
    "R_ca": (("crp", 0.01), ("pd", 0.01), ("p_local", 0.2)),
}
# Direction in which each input makes the variable "stronger" (more mainland scale, better HK
# execution, more country risk): +1 when a larger input is stronger.
_DIRECTION = {"hk_cost": -1.0, "p_local": -1.0}


def _shift(p: Mapping[str, Any], name: str, delta: float) -> Any:
    spec = INPUTS[name]
    value = np.asarray(p[name], dtype=float) + delta
    if spec.kind in ("fraction", "premium"):
        value = np.clip(value, 0.0, 1.0)
    return value


def corridor_sensitivity(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Sensitivity of C_e to the three corridor variables I_m, S_hk and R_ca.

    Each variable is moved through its inputs (:data:`SENSITIVITY_SHIFTS`), one input at a time
    and then all of the variable's inputs together, down and up by the shift (shares clipped to
    [0, 1]). "Up" makes the variable stronger: more mainland scale, better Hong Kong execution
    (a lower HK enforcement cost), more Central Asian risk (a lower local enforcement rate).

    Returns
    -------
    list of dict
        One row per input and one per variable (``input`` = "all"): variable, input, shift,
        ce_down, ce_base, ce_up (decimals of the investment).

    Examples
    --------
    See ``tests/test_corridor.py``.
    """
    p = corridor_inputs(inputs)
    base = _float(_core(p)["ce"])
    rows: list[dict[str, Any]] = []
    for var, shifts in SENSITIVITY_SHIFTS.items():
        together = {"down": dict(p), "up": dict(p)}
        for name, size in shifts:
            sign = _DIRECTION.get(name, 1.0)
            ce = {}
            for side, k in (("down", -1.0), ("up", 1.0)):
                moved = _shift(p, name, k * sign * size)
                together[side][name] = moved
                ce[side] = _float(_core(dict(p, **{name: moved}))["ce"])
            rows.append(dict(variable=var, input=name, shift=sign * size, ce_down=ce["down"],
                             ce_base=base, ce_up=ce["up"]))
        rows.append(dict(variable=var, input="all", shift=math.nan,
                         ce_down=_float(_core(together["down"])["ce"]), ce_base=base,
                         ce_up=_float(_core(together["up"])["ce"])))
    return rows


@dataclass(frozen=True)
class CorridorMonteCarlo:
    """Monte Carlo of C_e and Delta V: summary statistics, the seed and the path count."""

    n_paths: int
    seed: int
    ce_mean: float
    ce_std: float
    ce_p5: float
    ce_p50: float
    ce_p95: float
    prob_positive: float
    delta_v_mean: float
    uncertain: dict[str, tuple[float, float, float]]


def corridor_montecarlo(
    inputs: Mapping[str, Any],
    uncertain: Mapping[str, Any],
    *,
    n_paths: int = 10_000,
    seed: int = 0,
) -> CorridorMonteCarlo:
    """Monte Carlo of C_e with triangular (low, mode, high) draws for the uncertain inputs.

    Parameters
    ----------
    inputs : mapping
        As for :func:`corridor_entry`.
    uncertain : mapping
        Input name -> (low, mode, high), each drawn independently from a triangular
        distribution (numpy ``Generator(PCG64(seed))``). Any input of :data:`INPUTS` except the
        whole-number ones.
    n_paths : int, keyword-only
        Number of paths, 1 to 1,000,000.
    seed : int, keyword-only
        Seed, a whole number >= 0; the same seed gives the same result.

    Returns
    -------
    CorridorMonteCarlo

    References
    ----------
    .. [1] NumPy, "Random Generator" (numpy.random.Generator.triangular).

    Examples
    --------
    See ``tests/test_corridor.py``.
    """
    p = corridor_inputs(inputs)
    if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or not (
        1 <= n_paths <= 1_000_000
    ):
        raise CorridorInputError("n_paths", f"expected a whole number from 1 to 1000000, got "
                                            f"{n_paths!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise CorridorInputError("seed", f"expected a whole number of 0 or more, got {seed!r}")
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    q = dict(p)
    triples: dict[str, tuple[float, float, float]] = {}
    for name in sorted(uncertain):
        if name not in INPUTS or INPUTS[name].kind == "whole":
            raise CorridorInputError(
                f"uncertain.{name}", "expected an input of the model that is not a whole number"
            )
        triple = uncertain[name]
        if not isinstance(triple, (list, tuple)) or len(triple) != 3:
            raise CorridorInputError(f"uncertain.{name}", "expected [low, mode, high]")
        lo, mode, hi = (float(_check(f"uncertain.{name}", INPUTS[name].kind, v)) for v in triple)
        if not lo <= mode <= hi or lo == hi:
            raise CorridorInputError(
                f"uncertain.{name}", f"expected low <= mode <= high and low < high, got "
                                     f"[{lo:.10g}, {mode:.10g}, {hi:.10g}]")
        triples[name] = (lo, mode, hi)
        q[name] = rng.triangular(lo, mode, hi, size=n_paths)
    for route, keys in (
        ("direct", ("equity_weight_direct", "senior_weight_direct", "policy_weight_direct")),
        ("hk", ("equity_weight_hk", "senior_weight_hk", "dimsum_weight_hk", "green_weight_hk")),
    ):
        if any(k in triples for k in keys):
            raise CorridorInputError(f"uncertain.{keys[0]}",
                                     f"the {route} route's weights must stay fixed (sum to 1)")
    out = _core(q)
    ce = np.broadcast_to(np.asarray(out["ce"], dtype=float), (n_paths,))
    dv = np.broadcast_to(np.asarray(out["delta_v"], dtype=float), (n_paths,))
    p5, p50, p95 = np.percentile(ce, [5, 50, 95])
    return CorridorMonteCarlo(
        n_paths=int(n_paths), seed=int(seed), ce_mean=float(ce.mean()), ce_std=float(ce.std()),
        ce_p5=float(p5), ce_p50=float(p50), ce_p95=float(p95),
        prob_positive=float((ce > 0).mean()), delta_v_mean=float(dv.mean()), uncertain=triples,
    )
