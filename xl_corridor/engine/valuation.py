"""The banker's valuation layer: per share, offer economics, critical mass, when to list.

Delta NPV (:func:`xl_corridor.engine.discounting.dual_npv`) says whether a dual listing creates
value. The functions here answer the questions an equity capital markets team asks next: how much
is that per share and against the market value; what does the offer cost the existing holders;
how large must a project be for the dual listing to pay; and is it better to list now or after
the definitive feasibility study (DFS). The model behind each is stated in its docstring and in
``docs/valuation.md``.

Every function broadcasts its numeric arguments like numpy and returns a float for scalar input.
Bad input raises :class:`~xl_corridor.errors.CorridorInputError` naming the argument.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.engine._checks import FloatArray
from xl_corridor.engine.compliance import growing_annuity_factor
from xl_corridor.engine.discounting import _periods, _present_value, _pv_tv
from xl_corridor.errors import CorridorInputError
from xl_corridor.limits import COMPLIANCE_MAX_YEARS

__all__ = [
    "TIMING_CODES",
    "ListingTiming",
    "OfferEconomics",
    "PhaseForecast",
    "critical_mass",
    "critical_mass_for_flows",
    "critical_mass_from_pv",
    "critical_mass_grid",
    "dual_npv_per_share",
    "dual_npv_to_market_cap",
    "dual_price_uplift",
    "first_day_return",
    "listing_timing",
    "offer_dilution",
    "offer_economics",
    "offer_money_left",
    "offer_proceeds",
    "phase_forecast",
    "wait_value",
]

# Largest share count accepted: ten trillion shares (a typing error beyond that).
MAX_SHARES = 1e13
# Largest price per share accepted, in model currency.
MAX_PRICE = 1e9
# Smallest share count and price accepted (shares may be counted in millions, prices in
# thousands, as long as the amounts use the same units): below it a ratio could overflow.
MIN_UNITS = 1e-6
# The real-option tree: time to the DFS, volatility and step bounds (beyond them the inputs are
# typing errors, and the tree's node values would leave float range).
MAX_YEARS_TO_DFS = 20.0
MAX_VOLATILITY = 2.0
MAX_STEPS = 2000
DEFAULT_STEPS = 100

#: The timing codes :func:`listing_timing` returns (stable, for IF() tests in a workbook).
TIMING_CODES = ("LIST_NOW", "WAIT_FOR_DFS", "DO_NOT_LIST")


# --------------------------------------------------------------------------- helpers


def _shares(name: str, x: Any) -> FloatArray:
    arr = ck.positive(name, x, "a number of shares", MAX_SHARES)
    _refuse_where(
        name, arr < MIN_UNITS, {name: arr}, f"a number of shares of at least {MIN_UNITS:g}"
    )
    return arr


def _price(name: str, x: Any) -> FloatArray:
    arr = ck.positive(name, x, "a price per share (model currency)", MAX_PRICE)
    _refuse_where(name, arr < MIN_UNITS, {name: arr}, f"a price of at least {MIN_UNITS:g}")
    return arr


def _refuse_where(name: str, bad: Any, arrays: dict[str, FloatArray], expected: str) -> None:
    """Raise for the first element where ``bad`` holds, showing the values that made it bad."""
    bad = np.asarray(bad)
    if not bad.any():
        return
    idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
    shown = ", ".join(
        f"{k} {float(np.broadcast_to(v, bad.shape)[idx]):.10g}" for k, v in arrays.items()
    )
    raise CorridorInputError(name, f"expected {expected}{ck.where(idx)}, got {shown}")


# --------------------------------------------------------------------------- per share


def dual_npv_per_share(delta_npv: Any, shares_outstanding: Any) -> Any:
    """Delta NPV per post-offer share (Excel: DUAL_NPV_PER_SHARE).

    Parameters
    ----------
    delta_npv : float or array_like
        Delta NPV of the dual listing (:func:`~xl_corridor.engine.discounting.dual_npv`),
        model currency.
    shares_outstanding : float or array_like
        Shares outstanding after the offer, > 0.

    Returns
    -------
    float or ndarray
        Model currency per share.

    Notes
    -----
    .. math:: \\Delta NPV_{share} = \\Delta NPV / N_{post}

    References
    ----------
    .. [1] R. A. Brealey, S. C. Myers and F. Allen, Principles of Corporate Finance, 13th ed.,
       McGraw-Hill (2020), ch. 4 (value per share = equity value / shares outstanding).

    Examples
    --------
    HK$ 120m of Delta NPV over Jiaxin's 439,228,800 post-offer shares (prospectus, Aug 2025):

    >>> round(dual_npv_per_share(120e6, 439_228_800), 4)
    0.2732
    """
    d = ck.amount("delta_npv", delta_npv)
    n = _shares("shares_outstanding", shares_outstanding)
    return ck.scalar_or_array(d / n)


def dual_npv_to_market_cap(delta_npv: Any, shares_outstanding: Any, share_price: Any) -> Any:
    """Delta NPV as a fraction of market capitalisation (Excel: DUAL_NPV_TO_MCAP).

    Parameters
    ----------
    delta_npv : float or array_like
        Delta NPV of the dual listing, model currency.
    shares_outstanding : float or array_like
        Shares outstanding after the offer, > 0.
    share_price : float or array_like
        Price per share (the offer price, or the market price), model currency, > 0.

    Returns
    -------
    float or ndarray
        Decimal (0.025 for 2.5% of the market value), not per cent.

    Notes
    -----
    .. math:: \\Delta NPV / (N_{post} \\times P)

    References
    ----------
    .. [1] Brealey, Myers and Allen, Principles of Corporate Finance, 13th ed., ch. 4.

    Examples
    --------
    Jiaxin at the offer price: 439,228,800 shares x HK$ 10.92 = HK$ 4,796.4m.

    >>> round(dual_npv_to_market_cap(120e6, 439_228_800, 10.92), 6)
    0.025019
    """
    d = ck.amount("delta_npv", delta_npv)
    n = _shares("shares_outstanding", shares_outstanding)
    p = _price("share_price", share_price)
    return ck.scalar_or_array(d / (n * p))


def dual_price_uplift(ke_dual: Any, ke_single: Any, growth: Any = 0.0) -> Any:
    """Share-price uplift implied by the lower cost of equity, Gordon shortcut (Excel:
    DUAL_PRICE_UPLIFT).

    A cross-check on Delta NPV: if the equity were a growing perpetuity, this is the fraction by
    which the dual listing raises its value before compliance costs.

    Parameters
    ----------
    ke_dual : float or array_like
        Cost of equity with the dual listing, decimal (0.10 for 10%), not per cent; > growth.
    ke_single : float or array_like
        Cost of equity with the single listing, decimal; > growth.
    growth : float or array_like, optional
        Perpetual growth of the dividends (or equity cash flows), decimal. Default 0.

    Returns
    -------
    float or ndarray
        Decimal uplift (0.2 for +20%).

    Raises
    ------
    CorridorInputError
        Naming ``ke_dual`` (or ``ke_single``) where it is not above ``growth``: the Gordon
        value D/(k - g) is then infinite or negative.

    Notes
    -----
    With :math:`P = D_1/(k - g)` (Gordon growth model),

    .. math:: \\frac{P_{dual}}{P_{single}} - 1 = \\frac{K_{e,single} - g}{K_{e,dual} - g} - 1

    References
    ----------
    .. [1] M. J. Gordon, "Dividends, earnings, and stock prices", Review of Economics and
       Statistics 41(2) (1959) 99-105.

    Examples
    --------
    >>> round(dual_price_uplift(0.10, 0.12), 10)
    0.2
    >>> round(dual_price_uplift(0.10, 0.12, 0.02), 10)
    0.25
    """
    kd = ck.rate("ke_dual", ke_dual)
    ks = ck.rate("ke_single", ke_single)
    g = ck.rate("growth", growth)
    shape = np.broadcast_shapes(kd.shape, ks.shape, g.shape)
    gordon = "a cost of equity above growth (Gordon's D/(k - g) needs k > g)"
    _refuse_where(
        "ke_single", np.broadcast_to(ks <= g, shape), {"ke_single": ks, "growth": g}, gordon
    )
    _refuse_where("ke_dual", np.broadcast_to(kd <= g, shape), {"ke_dual": kd, "growth": g}, gordon)
    return ck.scalar_or_array((ks - g) / (kd - g) - 1.0)


# --------------------------------------------------------------------------- offer economics


class OfferEconomics(NamedTuple):
    """The economics of a primary offer; amounts in model currency, shares in shares, ratios as
    decimals. Each field broadcasts like the inputs (a float for scalar input)."""

    shares_pre: Any
    new_shares: Any
    greenshoe: Any
    shares_post: Any
    #: (new_shares + greenshoe) / shares_post: the existing holders' loss of ownership.
    dilution: Any
    #: shares_pre / shares_post: the existing holders' share after the offer.
    retained: Any
    gross_proceeds: Any
    fees: Any
    net_proceeds: Any
    #: fees / gross_proceeds
    fee_ratio: Any
    #: shares_post x offer_price
    market_cap_at_offer: Any
    #: (new_shares + greenshoe) x (price_day1 - offer_price)  (Ritter & Welch 2002)
    money_left: Any
    #: price_day1 / offer_price - 1
    first_day_return: Any
    #: fees + money_left: what going public cost beyond the shares' value at the first close
    total_cost: Any
    #: total_cost / gross_proceeds
    total_cost_ratio: Any


def _offer_inputs(
    shares_pre: Any, new_shares: Any, greenshoe: Any
) -> tuple[FloatArray, FloatArray, FloatArray]:
    pre = _shares("shares_pre", shares_pre)
    new = _shares("new_shares", new_shares)
    shoe = ck.bounded("greenshoe", greenshoe, 0.0, MAX_SHARES, "a number of shares")
    return pre, new, shoe


def offer_dilution(shares_pre: Any, new_shares: Any, greenshoe: Any = 0.0) -> Any:
    """Dilution of the existing holders by a primary offer (Excel: OFFER_DILUTION).

    Parameters
    ----------
    shares_pre : float or array_like
        Shares outstanding before the offer, > 0.
    new_shares : float or array_like
        New shares offered (base offer), > 0.
    greenshoe : float or array_like, optional
        Over-allotment shares issued if the greenshoe is exercised, >= 0. Default 0.

    Returns
    -------
    float or ndarray
        Decimal share of the enlarged capital the existing holders give up. The share they
        keep is ``1 - dilution`` = N_pre / (N_pre + N_new + G).

    Notes
    -----
    .. math:: dilution = 1 - \\frac{N_{pre}}{N_{pre} + N_{new} + G}
              = \\frac{N_{new} + G}{N_{pre} + N_{new} + G}

    References
    ----------
    .. [1] Jiaxin International Resources, HKEX 3858, allotment results (Aug 2025): 109,808,800
       offer shares, 439,228,800 shares outstanding after the offer (docs/facts.md).

    Examples
    --------
    Jiaxin: 329,420,000 shares before the offer and 109,808,800 new ones:

    >>> round(offer_dilution(329_420_000, 109_808_800), 6)
    0.25
    """
    pre, new, shoe = _offer_inputs(shares_pre, new_shares, greenshoe)
    return ck.scalar_or_array((new + shoe) / (pre + new + shoe))


def offer_proceeds(new_shares: Any, offer_price: Any, greenshoe: Any = 0.0, fees: Any = 0.0) -> Any:
    """Net proceeds of a primary offer after fees (Excel: OFFER_PROCEEDS).

    Parameters
    ----------
    new_shares : float or array_like
        New shares offered, > 0.
    offer_price : float or array_like
        Offer price per share, model currency, > 0.
    greenshoe : float or array_like, optional
        Over-allotment shares issued, >= 0. Default 0.
    fees : float or array_like, optional
        Listing expenses (underwriting, sponsor, legal, Competent Person's Report), model
        currency, from 0 up to the gross proceeds. Default 0, which gives the gross proceeds.

    Returns
    -------
    float or ndarray
        Model currency.

    Notes
    -----
    .. math:: net = (N_{new} + G) \\times P_{offer} - fees

    References
    ----------
    .. [1] Jiaxin International Resources, HKEX 3858, allotment results (Aug 2025): gross
       proceeds HK$ 1,199.1m, listing expenses HK$ 111.4m, net HK$ 1,087.7m (docs/facts.md).

    Examples
    --------
    >>> round(offer_proceeds(109_808_800, 10.92) / 1e6, 1)
    1199.1
    >>> round(offer_proceeds(109_808_800, 10.92, fees=111.4e6) / 1e6, 1)
    1087.7
    """
    new = _shares("new_shares", new_shares)
    price = _price("offer_price", offer_price)
    shoe = ck.bounded("greenshoe", greenshoe, 0.0, MAX_SHARES, "a number of shares")
    fee = ck.amount("fees", fees, nonnegative=True)
    gross = (new + shoe) * price
    _refuse_where(
        "fees",
        np.asarray(fee > gross),
        {"fees": fee, "gross proceeds": gross},
        "listing expenses of at most the gross proceeds",
    )
    return ck.scalar_or_array(gross - fee)


def offer_money_left(
    new_shares: Any, offer_price: Any, price_day1: Any, greenshoe: Any = 0.0
) -> Any:
    """Money left on the table by the IPO discount (Excel: OFFER_MONEY_LEFT).

    Parameters
    ----------
    new_shares : float or array_like
        New shares offered, > 0.
    offer_price : float or array_like
        Offer price per share, model currency, > 0.
    price_day1 : float or array_like
        Closing price on the first day of dealings, model currency, > 0.
    greenshoe : float or array_like, optional
        Over-allotment shares issued, >= 0. Default 0.

    Returns
    -------
    float or ndarray
        Model currency; negative for an offer that closed below its price.

    Notes
    -----
    .. math:: money\\ left = (N_{new} + G) \\times (P_{day1} - P_{offer})

    References
    ----------
    .. [1] J. R. Ritter and I. Welch, "A review of IPO activity, pricing, and allocations",
       Journal of Finance 57(4) (2002) 1795-1828 ("money left on the table").

    Examples
    --------
    Jiaxin: 109,808,800 shares at HK$ 10.92, first close HK$ 30.34:

    >>> round(offer_money_left(109_808_800, 10.92, 30.34) / 1e6, 1)
    2132.5
    """
    new = _shares("new_shares", new_shares)
    p0 = _price("offer_price", offer_price)
    p1 = _price("price_day1", price_day1)
    shoe = ck.bounded("greenshoe", greenshoe, 0.0, MAX_SHARES, "a number of shares")
    return ck.scalar_or_array((new + shoe) * (p1 - p0))


def first_day_return(offer_price: Any, price_day1: Any) -> Any:
    """First-day return of an IPO (Excel: OFFER_FIRST_DAY_RETURN).

    Parameters
    ----------
    offer_price : float or array_like
        Offer price per share, > 0.
    price_day1 : float or array_like
        First-day closing price, same currency, > 0.

    Returns
    -------
    float or ndarray
        Decimal (1.0 for +100%), not per cent.

    Notes
    -----
    .. math:: P_{day1} / P_{offer} - 1

    References
    ----------
    .. [1] Ritter and Welch, Journal of Finance 57(4) (2002) 1795-1828.

    Examples
    --------
    >>> round(first_day_return(10.92, 30.34), 4)
    1.7784
    """
    p0 = _price("offer_price", offer_price)
    p1 = _price("price_day1", price_day1)
    return ck.scalar_or_array(p1 / p0 - 1.0)


def offer_economics(
    shares_pre: Any,
    new_shares: Any,
    offer_price: Any,
    price_day1: Any,
    *,
    greenshoe: Any = 0.0,
    fees: Any = 0.0,
) -> OfferEconomics:
    """The whole bundle of an offer's economics, for the report and the template.

    Parameters
    ----------
    shares_pre : float or array_like
        Shares outstanding before the offer, > 0.
    new_shares : float or array_like
        New shares offered (base offer), > 0.
    offer_price : float or array_like
        Offer price per share, model currency, > 0.
    price_day1 : float or array_like
        First-day closing price, model currency, > 0.
    greenshoe : float or array_like, keyword-only
        Over-allotment shares issued, >= 0. Default 0.
    fees : float or array_like, keyword-only
        Listing expenses, model currency, at most the gross proceeds. Default 0.

    Returns
    -------
    OfferEconomics
        See its fields; each one is computed by the scalar function of the same meaning
        (:func:`offer_dilution`, :func:`offer_proceeds`, :func:`offer_money_left`,
        :func:`first_day_return`).

    Notes
    -----
    .. math:: N_{post} = N_{pre} + N_{new} + G,\\quad gross = (N_{new} + G) P_{offer},\\quad
              total\\ cost = fees + (N_{new} + G)(P_{day1} - P_{offer})

    References
    ----------
    .. [1] Ritter and Welch, Journal of Finance 57(4) (2002) 1795-1828.
    .. [2] Jiaxin International Resources, HKEX 3858, allotment results (Aug 2025).

    Examples
    --------
    >>> e = offer_economics(329_420_000, 109_808_800, 10.92, 30.34, fees=111.4e6)
    >>> round(e.net_proceeds / 1e6, 1), round(e.market_cap_at_offer / 1e9, 2)
    (1087.7, 4.8)
    >>> round(e.total_cost / e.gross_proceeds, 3)
    1.871
    """
    pre, new, shoe = _offer_inputs(shares_pre, new_shares, greenshoe)
    p0 = _price("offer_price", offer_price)
    p1 = _price("price_day1", price_day1)
    net = np.asarray(offer_proceeds(new, p0, shoe, fees))
    fee = ck.amount("fees", fees, nonnegative=True)
    post = pre + new + shoe
    gross = (new + shoe) * p0
    left = (new + shoe) * (p1 - p0)
    s = ck.scalar_or_array
    return OfferEconomics(
        shares_pre=s(pre),
        new_shares=s(new),
        greenshoe=s(shoe),
        shares_post=s(post),
        dilution=s((new + shoe) / post),
        retained=s(pre / post),
        gross_proceeds=s(gross),
        fees=s(fee),
        net_proceeds=s(net),
        fee_ratio=s(fee / gross),
        market_cap_at_offer=s(post * p0),
        money_left=s(left),
        first_day_return=s(p1 / p0 - 1.0),
        total_cost=s(fee + left),
        total_cost_ratio=s((fee + left) / gross),
    )


# --------------------------------------------------------------------------- critical mass


def _dual_rate(premium_cut: Any, ke_single: Any) -> tuple[FloatArray, FloatArray, FloatArray]:
    cut = ck.premium("premium_cut", premium_cut)
    ks = ck.rate("ke_single", ke_single)
    kd = ks - cut
    _refuse_where(
        "premium_cut",
        np.asarray(kd <= -1.0),
        {"premium_cut": cut, "ke_single": ks},
        "a cut that leaves ke_single - premium_cut above -1",
    )
    return cut, ks, kd


def _value_ratio(kd: FloatArray, ks: FloatArray, annuity_years: Any, growth: Any) -> FloatArray:
    """PV at kd over PV at ks of a level (growing) annuity or perpetuity."""
    g = ck.rate("growth", growth)
    if annuity_years is None:
        shape = np.broadcast_shapes(kd.shape, ks.shape, g.shape)
        gordon = "a cost of equity above growth (a growing perpetuity needs k > g)"
        _refuse_where(
            "ke_single", np.broadcast_to(ks <= g, shape), {"ke_single": ks, "growth": g}, gordon
        )
        _refuse_where(
            "premium_cut",
            np.broadcast_to(kd <= g, shape),
            {"ke_single - premium_cut": kd, "growth": g},
            "a cut that leaves ke_single - premium_cut above growth (a growing perpetuity "
            "needs k > g)",
        )
        return np.asarray((ks - g) / (kd - g))
    n = ck.whole("annuity_years", annuity_years, 1, COMPLIANCE_MAX_YEARS,
                 "a whole number of years")
    return np.asarray(growing_annuity_factor(n, kd, g)) / np.asarray(
        growing_annuity_factor(n, ks, g)
    )


def _mass(cost: FloatArray, ratio: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ratio > 1.0, cost / (ratio - 1.0), np.nan)


def critical_mass(
    premium_cut: Any,
    compliance_cost: Any,
    ke_single: Any,
    annuity_years: Any = None,
    growth: Any = 0.0,
) -> Any:
    """The smallest project value for which a dual listing pays (Excel: DUAL_CRITICAL_MASS).

    The project's cash flows are a level (or growing) annuity of ``annuity_years`` years, or a
    perpetuity when ``annuity_years`` is None; the critical mass is their present value at the
    single-listing cost of equity at which Delta NPV is exactly zero.

    Parameters
    ----------
    premium_cut : float or array_like
        How much the dual listing lowers the cost of equity, decimal (0.02 for 2 points), not
        per cent, in [0, 1]: ke_dual = ke_single - premium_cut.
    compliance_cost : float or array_like
        Capitalized cost of the dual listing (COMPLIANCE_COST), model currency, >= 0.
    ke_single : float or array_like
        Cost of equity with the single listing, decimal.
    annuity_years : int or array_like, optional
        Life of the cash flows, a whole number of years from 1 to 200; None (default) for a
        perpetuity.
    growth : float or array_like, optional
        Annual growth of the cash flows, decimal. Default 0 (level). A perpetuity needs
        ke_single - premium_cut > growth.

    Returns
    -------
    float or ndarray
        PV of the project's cash flows at ke_single, model currency; the dual listing pays for
        any larger project. NaN where no size makes it pay (premium_cut = 0).

    Notes
    -----
    For any cash-flow profile, with :math:`PV_s` and :math:`PV_d` its values at
    :math:`K_{e,single}` and :math:`K_{e,dual}`:

    .. math:: \\Delta NPV = PV_d - PV_s - C = PV_s (R - 1) - C,\\quad R = PV_d / PV_s

    R does not depend on the project's size, so Delta NPV = 0 at
    :math:`PV^* = C / (R - 1)` (for R > 1). For a level annuity of n years,
    :math:`a(n, k) = (1 - (1+k)^{-n})/k` and :math:`R = a(n, K_{e,dual}) / a(n, K_{e,single})`;
    growing at g, a(n, k) is the growing annuity factor
    (:func:`~xl_corridor.engine.compliance.growing_annuity_factor`). For a perpetuity growing
    at g, :math:`R = (K_{e,single} - g)/(K_{e,dual} - g)`, so

    .. math:: PV^* = C \\frac{K_{e,dual} - g}{K_{e,single} - K_{e,dual}}

    which is C divided by the Gordon uplift (:func:`dual_price_uplift`).

    References
    ----------
    .. [1] Brealey, Myers and Allen, Principles of Corporate Finance, 13th ed., ch. 2
       (annuity and growing perpetuity factors).
    .. [2] L. Hail and C. Leuz, "Cost of capital effects and changes in growth expectations
       around U.S. cross-listings", Journal of Financial Economics 93 (2009) 428-454
       (the size of the cost-of-capital cut).

    Examples
    --------
    A 2-point cut from 12%, HK$ 150m of compliance costs, level perpetuity: 150 x 0.10/0.02.

    >>> round(critical_mass(0.02, 150.0, 0.12), 6)
    750.0
    >>> round(critical_mass(0.02, 150.0, 0.12, 20), 2)
    1073.07
    """
    _, ks, kd = _dual_rate(premium_cut, ke_single)
    cost = ck.amount("compliance_cost", compliance_cost, nonnegative=True)
    ratio = _value_ratio(kd, ks, annuity_years, growth)
    return ck.scalar_or_array(_mass(cost, ratio))


def critical_mass_for_flows(
    cash_flows: Any,
    premium_cut: Any,
    compliance_cost: Any,
    ke_single: Any,
    *,
    timing: str = "end",
    terminal_growth: Any = None,
) -> Any:
    """Critical mass for a given cash-flow profile (Excel: DUAL_CRITICAL_MASS_CF).

    The project is ``s x cash_flows`` for a scale s > 0; the result is the PV at ke_single of
    the smallest such project for which the dual listing pays.

    Parameters
    ----------
    cash_flows : array_like
        The profile of the project's equity cash flows by period (model currency), period 1
        first; its PV at ke_single must be above 0. Only its shape matters.
    premium_cut : float or array_like
        Cut in the cost of equity from the dual listing, decimal in [0, 1].
    compliance_cost : float or array_like
        Capitalized compliance cost, model currency, >= 0.
    ke_single : float or array_like
        Cost of equity with the single listing, decimal.
    timing : {'end', 'mid', 'begin'}, keyword-only
        Cash-flow timing within each period, as in
        :func:`~xl_corridor.engine.discounting.npv`.
    terminal_growth : float, optional, keyword-only
        Growth of the last flow after the horizon, decimal, not per cent: both present values
        then include its Gordon terminal value, as in
        :func:`~xl_corridor.engine.discounting.dual_npv`. None (default): no terminal value.

    Returns
    -------
    float or ndarray
        PV at ke_single of the critical project, model currency; NaN where the profile's value
        does not rise when the cost of equity falls (R <= 1), so no size makes it pay.

    Notes
    -----
    .. math:: R = \\frac{NPV(K_{e,single} - cut)}{NPV(K_{e,single})},\\quad PV^* = C/(R - 1)

    Scaling the flows by :math:`PV^*/NPV(K_{e,single})` gives a project with Delta NPV = 0.

    References
    ----------
    .. [1] Brealey, Myers and Allen, Principles of Corporate Finance, 13th ed., ch. 2.

    Examples
    --------
    >>> round(critical_mass_for_flows([10.0] * 20, 0.02, 150.0, 0.12), 2)
    1073.07
    """
    shift = ck.timing("timing", timing)
    cf = ck.series("cash_flows", cash_flows)
    cut, ks, kd = _dual_rate(premium_cut, ke_single)
    cost = ck.amount("compliance_cost", compliance_cost, nonnegative=True)
    t = _periods(cf.size, shift)
    pv_s = _present_value("ke_single", ks, cf, t) + _pv_tv("ke_single", ks, cf, t,
                                                          terminal_growth)
    _refuse_where(
        "cash_flows",
        np.asarray(pv_s <= 0),
        {"present value at ke_single": pv_s},
        "cash flows whose present value at ke_single is above 0",
    )
    pv_d = _present_value("premium_cut", kd, cf, t) + _pv_tv("premium_cut", kd, cf, t,
                                                             terminal_growth)
    return ck.scalar_or_array(_mass(cost, pv_d / pv_s))


def critical_mass_from_pv(pv_single: Any, pv_dual: Any, compliance_cost: Any) -> Any:
    """Critical mass from a project's two present values (a case already evaluated).

    Parameters
    ----------
    pv_single : float or array_like
        PV of the project's cash flows at ke_single, model currency, > 0.
    pv_dual : float or array_like
        PV of the same cash flows at ke_dual, model currency.
    compliance_cost : float or array_like
        Capitalized compliance cost, model currency, >= 0.

    Returns
    -------
    float or ndarray
        The PV at ke_single at which a project of the same profile breaks even, model
        currency; NaN where pv_dual <= pv_single (no size pays).

    Notes
    -----
    .. math:: R = PV_{dual}/PV_{single},\\quad PV^* = C/(R - 1)

    The same number :func:`critical_mass_for_flows` gives from the cash flows, without
    discounting them again (and for dated cash flows too).

    References
    ----------
    .. [1] Brealey, Myers and Allen, Principles of Corporate Finance, 13th ed., ch. 2.

    Examples
    --------
    >>> round(critical_mass_from_pv(500.0, 600.0, 30.0), 6)
    150.0
    """
    pv_s = ck.amount("pv_single", pv_single)
    pv_d = ck.amount("pv_dual", pv_dual)
    cost = ck.amount("compliance_cost", compliance_cost, nonnegative=True)
    _refuse_where(
        "pv_single", np.asarray(pv_s <= 0), {"pv_single": pv_s}, "a present value above 0"
    )
    return ck.scalar_or_array(_mass(cost, pv_d / pv_s))


def critical_mass_grid(
    compliance_costs: Any,
    premium_cuts: Any,
    ke_single: Any,
    *,
    annuity_years: Any = None,
    growth: Any = 0.0,
) -> FloatArray:
    """Critical mass over compliance costs (rows) and premium cuts (columns), for a chart.

    Parameters
    ----------
    compliance_costs : array_like
        Capitalized compliance costs, model currency, >= 0 (one per row).
    premium_cuts : array_like
        Cuts in the cost of equity, decimals in [0, 1] (one per column).
    ke_single : float
        Cost of equity with the single listing, decimal.
    annuity_years : int, keyword-only
        Life of the cash flows in years (1 to 200); None (default) for a perpetuity.
    growth : float, keyword-only
        Annual growth of the cash flows, decimal. Default 0.

    Returns
    -------
    ndarray
        Shape (len(compliance_costs), len(premium_cuts)), model currency; NaN in a column whose
        cut is 0.

    Notes
    -----
    One broadcast call of :func:`critical_mass` with the costs as a column and the cuts as a
    row: it is linear in the cost and falls as the cut rises.

    References
    ----------
    .. [1] Brealey, Myers and Allen, Principles of Corporate Finance, 13th ed., ch. 2.

    Examples
    --------
    >>> critical_mass_grid([100.0, 200.0], [0.01, 0.02], 0.12).round(1)
    array([[1100.,  500.],
           [2200., 1000.]])
    """
    costs = ck.amount("compliance_costs", compliance_costs, nonnegative=True).reshape(-1)
    cuts = ck.premium("premium_cuts", premium_cuts).reshape(-1)
    if np.ndim(ke_single) != 0:
        raise CorridorInputError("ke_single", "expected a single rate for the whole grid")
    try:
        out = critical_mass(cuts[None, :], costs[:, None], ke_single, annuity_years, growth)
    except CorridorInputError as exc:
        if exc.argument in ("premium_cut", "compliance_cost"):
            raise CorridorInputError(exc.argument + "s", exc.problem) from None
        raise
    return np.asarray(out)


class PhaseForecast(NamedTuple):
    """Which pipeline projects clear the critical-mass bar in each phase."""

    #: Critical mass at phase-1 costs, model currency (NaN: no project clears).
    bar_phase1: Any
    #: Critical mass at phase-2 costs.
    bar_phase2: Any
    #: One boolean per project: its PV is above the phase-1 bar.
    clears_phase1: np.ndarray
    #: One boolean per project: its PV is above the phase-2 bar.
    clears_phase2: np.ndarray
    count_phase1: int
    count_phase2: int
    #: Projects that clear in phase 2 but not in phase 1.
    newly_clear: int


def phase_forecast(
    project_pvs: Any,
    premium_cut: Any,
    cost_phase1: Any,
    cost_phase2: Any,
    ke_single: Any,
    *,
    annuity_years: Any = None,
    growth: Any = 0.0,
) -> PhaseForecast:
    """Count the pipeline projects that clear the critical mass in phase 1 and in phase 2.

    Phase 1 (12-24 months) has today's compliance costs; in phase 2 (24-60 months) the costs
    fall as the corridor matures, so the bar falls and more juniors clear it.

    Parameters
    ----------
    project_pvs : array_like
        PV of each project's cash flows at ke_single, model currency (one per project).
    premium_cut : float or array_like
        Cut in the cost of equity, decimal in [0, 1]; one for all or one per project.
    cost_phase1, cost_phase2 : float
        Capitalized compliance costs in each phase, model currency, >= 0.
    ke_single : float or array_like
        Cost of equity with the single listing, decimal; one for all or one per project.
    annuity_years : int, keyword-only
        Common life of the projects' cash flows (1 to 200 years); None (default) for
        perpetuities.
    growth : float, keyword-only
        Common growth of the cash flows, decimal. Default 0.

    Returns
    -------
    PhaseForecast
        The bars (arrays when premium_cut or ke_single is per project), which projects clear
        each (PV strictly above the bar: Delta NPV > 0), and the counts.

    Notes
    -----
    A project clears phase k when :math:`PV_i > C_k / (R - 1)` (:func:`critical_mass`);
    ``newly_clear`` counts :math:`PV^*_2 < PV_i \\le PV^*_1`.

    References
    ----------
    .. [1] Brealey, Myers and Allen, Principles of Corporate Finance, 13th ed., ch. 2.

    Examples
    --------
    >>> f = phase_forecast([300.0, 600.0, 900.0, 1500.0], 0.02, 150.0, 100.0, 0.12)
    >>> f.bar_phase1, f.bar_phase2
    (750.0, 500.0)
    >>> f.count_phase1, f.count_phase2, f.newly_clear
    (2, 3, 1)
    """
    pvs = ck.series("project_pvs", project_pvs)
    c1 = ck.amount("cost_phase1", cost_phase1, nonnegative=True)
    c2 = ck.amount("cost_phase2", cost_phase2, nonnegative=True)
    for name, c in (("cost_phase1", c1), ("cost_phase2", c2)):
        if c.ndim:
            raise CorridorInputError(name, "expected a single amount for the whole pipeline")
    cut, ks, kd = _dual_rate(premium_cut, ke_single)
    ratio = _value_ratio(kd, ks, annuity_years, growth)
    bar1 = _mass(c1, ratio)
    bar2 = _mass(c2, ratio)
    try:
        b1, b2 = np.broadcast_to(bar1, pvs.shape), np.broadcast_to(bar2, pvs.shape)
    except ValueError:
        raise CorridorInputError(
            "premium_cut", f"expected one value, or one per project ({pvs.size}), got {cut.size}"
        ) from None
    with np.errstate(invalid="ignore"):
        clears1 = pvs > b1  # NaN bar: False
        clears2 = pvs > b2
    return PhaseForecast(
        bar_phase1=ck.scalar_or_array(bar1),
        bar_phase2=ck.scalar_or_array(bar2),
        clears_phase1=clears1,
        clears_phase2=clears2,
        count_phase1=int(clears1.sum()),
        count_phase2=int(clears2.sum()),
        newly_clear=int((clears2 & ~clears1).sum()),
    )


# --------------------------------------------------------------------------- when to list


class ListingTiming(NamedTuple):
    """List now or after the DFS: both values today (model currency) and the better timing."""

    #: p x benefit - cost_now
    value_now: Any
    #: p x (1 + r)^-T x E_Q[max(S_T - cost_after_dfs, 0)] on the binomial tree
    value_wait: Any
    #: value_wait - value_now: what waiting is worth (negative: listing now is better)
    difference: Any
    #: LIST_NOW, WAIT_FOR_DFS or DO_NOT_LIST (a str, or an array of them)
    timing: Any


def _wait_inputs(
    benefit: Any, cost_now: Any, cost_after_dfs: Any, success_probability: Any,
    years_to_dfs: Any, volatility: Any, risk_free: Any, forgone_yield: Any, steps: Any,
) -> tuple[FloatArray, ...]:
    s0 = ck.amount("benefit", benefit)
    c0 = ck.amount("cost_now", cost_now, nonnegative=True)
    ct = ck.amount("cost_after_dfs", cost_after_dfs, nonnegative=True)
    p = ck.fraction("success_probability", success_probability, "a probability between 0 and 1")
    t = ck.positive("years_to_dfs", years_to_dfs, "a time in years", MAX_YEARS_TO_DFS)
    sigma = ck.positive(
        "volatility", volatility, "an annual volatility, decimal (0.4 for 40%),", MAX_VOLATILITY
    )
    r = ck.rate("risk_free", risk_free)
    delta = ck.premium("forgone_yield", forgone_yield)
    if np.ndim(steps) != 0:
        raise CorridorInputError("steps", "expected a single whole number of tree steps")
    n = ck.whole("steps", steps, 1, MAX_STEPS, "a whole number of tree steps")
    return s0, c0, ct, p, t, sigma, r, delta, n


def _tree_value(
    s0: FloatArray,
    strike: FloatArray,
    t: FloatArray,
    sigma: FloatArray,
    r: FloatArray,
    delta: FloatArray,
    n: int,
) -> FloatArray:
    """(1+r)^-T E_Q[max(S_T - K, 0)] on an n-step Cox-Ross-Rubinstein tree, summed over the
    terminal nodes in log space so that no node value overflows."""
    s0, strike, t, sigma, r, delta = np.broadcast_arrays(s0, strike, t, sigma, r, delta)
    dt = t / n
    step = sigma * np.sqrt(dt)  # log of the up factor u; d = 1/u
    up, down = np.exp(step), np.exp(-step)
    drift = np.exp(dt * (np.log1p(r) - np.log1p(delta)))  # ((1+r)/(1+delta))^dt
    q = (drift - down) / (up - down)
    _refuse_where(
        "volatility",
        (q <= 0) | (q >= 1),
        {"volatility": sigma, "risk_free": r, "forgone_yield": delta},
        f"a volatility large enough for a {n}-step tree, i.e. exp(-v sqrt(dt)) < "
        "((1 + risk_free)/(1 + forgone_yield))^dt < exp(v sqrt(dt)) with dt = years_to_dfs/steps",
    )
    j = np.arange(n + 1, dtype=np.float64)
    i = np.arange(1, n + 1, dtype=np.float64)
    log_binom = np.concatenate([[0.0], np.cumsum(np.log((n - i + 1) / i))])
    log_w = log_binom + j * np.log(q)[..., None] + (n - j) * np.log1p(-q)[..., None]
    x = step[..., None] * (2.0 * j - n)
    positive = s0 > 0
    log_s0 = np.log(np.where(positive, s0, 1.0))[..., None]
    node = np.exp(log_w + log_s0 + x) - np.exp(log_w) * strike[..., None]
    expected = np.where(positive, np.maximum(node, 0.0).sum(axis=-1), 0.0)
    return np.asarray(expected * np.exp(-t * np.log1p(r)))


def listing_timing(
    benefit: Any,
    cost_now: Any,
    cost_after_dfs: Any,
    success_probability: Any,
    years_to_dfs: Any,
    volatility: Any,
    risk_free: Any,
    forgone_yield: Any = 0.0,
    *,
    steps: Any = DEFAULT_STEPS,
) -> ListingTiming:
    """List now or after the DFS: the value of waiting as a real option (Excel:
    DUAL_LIST_TIMING).

    Parameters
    ----------
    benefit : float or array_like
        S0: the value the dual listing adds before its costs if the DFS succeeds, valued today
        (DUAL_BREAKEVEN_COST of the success-case cash flows), model currency.
    cost_now : float or array_like
        Capitalized compliance cost of listing now, model currency, >= 0.
    cost_after_dfs : float or array_like
        Capitalized compliance cost of listing when the DFS is out, in money of that date,
        model currency, >= 0 (lower than cost_now when corridor costs fall).
    success_probability : float or array_like
        Probability p that the DFS succeeds, decimal in [0, 1].
    years_to_dfs : float or array_like
        Time T to the DFS result, years, in (0, 20].
    volatility : float or array_like
        Annual volatility of the benefit, decimal (0.4 for 40%), in (0, 2]: how uncertain the
        value the DFS will reveal is.
    risk_free : float or array_like
        Annual risk-free rate, decimal, not per cent (annual compounding).
    forgone_yield : float or array_like, optional
        Share of the benefit given up each year while waiting (Dixit and Pindyck's delta: the
        lower cost of capital not enjoyed before listing), decimal in [0, 1]. Default 0.
    steps : int, keyword-only
        Steps of the binomial tree, 1 to 2000. Default 100.

    Returns
    -------
    ListingTiming
        ``value_now``, ``value_wait``, ``difference`` = value_wait - value_now (model currency,
        today) and ``timing``: WAIT_FOR_DFS when waiting is worth more than listing now and
        more than 0; otherwise LIST_NOW when listing now is worth more than 0; otherwise
        DO_NOT_LIST.

    Raises
    ------
    CorridorInputError
        Naming the argument for any bad input; naming ``volatility`` when it is too small for
        the tree (the risk-neutral probability would leave (0, 1)).

    Notes
    -----
    The model. S is the benefit conditional on DFS success; it follows a Cox-Ross-Rubinstein
    tree of n steps of :math:`\\Delta t = T/n` years: up by
    :math:`u = e^{\\sigma\\sqrt{\\Delta t}}`, down by :math:`d = 1/u`, with risk-neutral probability

    .. math:: q = \\frac{((1+r)/(1+\\delta))^{\\Delta t} - d}{u - d}

    so that :math:`E_Q[S_T] = S_0 ((1+r)/(1+\\delta))^T` and the benefit's holder, by
    waiting, forgoes the yield :math:`\\delta`. The DFS outcome is technical risk, independent
    of S and not priced: it succeeds with probability p, and on failure the listing adds
    nothing.

    * List now: pay :math:`C_0` now and get the benefit if the DFS succeeds:
      :math:`V_{now} = p S_0 - C_0`.
    * List after the DFS: at T, list only if the DFS succeeded and :math:`S_T > C_T`:

      .. math:: V_{wait} = p (1+r)^{-T} \\sum_{j=0}^{n} \\binom{n}{j} q^j (1-q)^{n-j}
                \\max(S_0 u^j d^{n-j} - C_T, 0)

    The value of waiting is :math:`V_{wait} - V_{now}`. Waiting is worth more when the
    volatility rises (the option's convexity), when p falls (the cost is paid only on
    success) and when C_T falls; it is worth less as :math:`\\delta` rises. Only these two
    dates are compared (a European option), because the HKEX listing waits for the DFS.

    References
    ----------
    .. [1] A. K. Dixit and R. S. Pindyck, Investment under Uncertainty, Princeton University
       Press (1994), ch. 2 (the value of waiting) and ch. 10 (technical uncertainty).
    .. [2] J. C. Cox, S. A. Ross and M. Rubinstein, "Option pricing: a simplified approach",
       Journal of Financial Economics 7(3) (1979) 229-263.

    Examples
    --------
    >>> lt = listing_timing(100.0, 40.0, 30.0, 0.7, 1.5, 0.35, 0.04, 0.05)
    >>> lt.timing, round(lt.value_now, 4), round(lt.value_wait, 4)
    ('WAIT_FOR_DFS', 30.0, 45.2712)
    """
    s0, c0, ct, p, t, sigma, r, delta, n = _wait_inputs(**locals())
    now = p * s0 - c0
    wait = p * _tree_value(s0, ct, t, sigma, r, delta, int(n))
    now, wait = np.broadcast_arrays(now, wait)
    code = np.where(
        (wait > now) & (wait > 0),
        TIMING_CODES[1],
        np.where(now > 0, TIMING_CODES[0], TIMING_CODES[2]),
    )
    return ListingTiming(
        value_now=ck.scalar_or_array(now),
        value_wait=ck.scalar_or_array(wait),
        difference=ck.scalar_or_array(wait - now),
        timing=str(code) if code.ndim == 0 else code,
    )


def wait_value(
    benefit: Any,
    cost_now: Any,
    cost_after_dfs: Any,
    success_probability: Any,
    years_to_dfs: Any,
    volatility: Any,
    risk_free: Any,
    forgone_yield: Any = 0.0,
    *,
    steps: Any = DEFAULT_STEPS,
) -> Any:
    """The value of waiting for the DFS: V_wait - V_now (Excel: DUAL_WAIT_VALUE).

    Parameters
    ----------
    benefit, cost_now, cost_after_dfs, success_probability, years_to_dfs, volatility, \
risk_free, forgone_yield, steps
        As in :func:`listing_timing` (rates and the yield are decimals, not per cent).

    Returns
    -------
    float or ndarray
        Model currency, today; above 0 means listing after the DFS is worth more than listing
        now (by that much).

    Notes
    -----
    .. math:: V_{wait} - V_{now} = p (1+r)^{-T} E_Q[\\max(S_T - C_T, 0)] - (p S_0 - C_0)

    on the Cox-Ross-Rubinstein tree defined in :func:`listing_timing`.

    References
    ----------
    .. [1] Dixit and Pindyck, Investment under Uncertainty (1994), ch. 2 and 10.
    .. [2] Cox, Ross and Rubinstein, Journal of Financial Economics 7(3) (1979) 229-263.

    Examples
    --------
    >>> round(wait_value(100.0, 40.0, 30.0, 0.7, 1.5, 0.35, 0.04, 0.05), 4)
    15.2712
    """
    return listing_timing(**locals()).difference
