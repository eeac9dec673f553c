"""Cost of equity: CAPM with country and liquidity premia, Damodaran's CRP, currency conversion."""

from __future__ import annotations

from typing import Any, overload

from xl_corridor.engine import _checks as ck

__all__ = ["cost_of_equity", "country_risk_premium", "ke_in_currency"]

#: Basis points in one unit of a decimal rate (1 bp = 0.0001).
BASIS_POINTS = 1e4


@overload
def cost_of_equity(  # type: ignore[overload-overlap]
    rf: float,
    beta: float,
    mrp: float,
    country_premium: float,
    liquidity_premium: float,
    country_exposure: float = ...,
) -> float: ...


@overload
def cost_of_equity(  # type: ignore[overload-overlap]
    rf: float | ck.Frame,
    beta: float | ck.Frame,
    mrp: float | ck.Frame,
    country_premium: float | ck.Frame,
    liquidity_premium: float | ck.Frame,
    country_exposure: float | ck.Frame = ...,
) -> ck.Frame: ...


@overload
def cost_of_equity(
    rf: ck.Vec,
    beta: ck.Vec,
    mrp: ck.Vec,
    country_premium: ck.Vec,
    liquidity_premium: ck.Vec,
    country_exposure: ck.Vec = ...,
) -> ck.FloatArray: ...


@ck.elementwise(series=())
def cost_of_equity(
    rf: Any,
    beta: Any,
    mrp: Any,
    country_premium: Any,
    liquidity_premium: Any,
    country_exposure: Any = 1.0,
) -> Any:
    """Cost of equity with a country risk premium and a liquidity premium (Excel: CORRIDOR_KE).

    Parameters
    ----------
    rf : float or array_like
        Risk-free rate, decimal (0.045 for 4.5%), not per cent.
    beta : float or array_like
        Equity beta against the mature market, between -5 and 10.
    mrp : float or array_like
        Mature-market equity risk premium, decimal in [0, 1].
    country_premium : float or array_like
        Country risk premium (lambda_country), decimal in [0, 1].
    liquidity_premium : float or array_like
        Liquidity premium (lambda_liquidity), decimal in [0, 1].
    country_exposure : float or array_like, optional
        Damodaran's lambda: the company's exposure to country risk relative to the average
        company in the country, between 0 and 10. Default 1.

    Returns
    -------
    float or ndarray
        Cost of equity, decimal. Inputs broadcast like numpy; scalars give a float.

    Raises
    ------
    CorridorInputError
        For text, non-finite values, a rate typed as a percentage (4.5) or out-of-range values.

    Notes
    -----
    .. math:: K_e = R_f + \\beta (R_m - R_f) + \\lambda_{exp} \\lambda_{country} + \\lambda_{liq}

    References
    ----------
    .. [1] A. Damodaran, "Country Risk: Determinants, Measures and Implications - The 2024
       Edition", SSRN (July 2024), section on lambda (company exposure to country risk).
    .. [2] Y. Amihud and H. Mendelson, "Asset pricing and the bid-ask spread", Journal of
       Financial Economics 17 (1986) 223-249 (the liquidity premium).

    Examples
    --------
    Kazakhstan, Damodaran July 2024: mature ERP 4.12%, CRP 2.3254%.

    >>> round(cost_of_equity(0.042, 1.2, 0.0412, 0.023254, 0.02), 6)
    0.134694
    >>> cost_of_equity(0.04, 1.0, 0.05, 0.02, [0.03, 0.01])
    array([0.14, 0.12])
    """
    r = ck.rate("rf", rf)
    b = ck.bounded("beta", beta, -5.0, 10.0, "an equity beta such as 1.2")
    m = ck.premium("mrp", mrp)
    c = ck.premium("country_premium", country_premium)
    lq = ck.premium("liquidity_premium", liquidity_premium)
    lam = ck.bounded("country_exposure", country_exposure, 0.0, 10.0, "an exposure (lambda)")
    return ck.scalar_or_array(r + b * m + lam * c + lq)


@overload
def country_risk_premium(default_spread: float, relative_volatility: float) -> float: ...  # type: ignore[overload-overlap]


@overload
def country_risk_premium(  # type: ignore[overload-overlap]
    default_spread: float | ck.Frame,
    relative_volatility: float | ck.Frame,
) -> ck.Frame: ...


@overload
def country_risk_premium(default_spread: ck.Vec, relative_volatility: ck.Vec) -> ck.FloatArray: ...


@ck.elementwise(series=())
def country_risk_premium(default_spread: Any, relative_volatility: Any) -> Any:
    """Damodaran's country risk premium (Excel: CORRIDOR_CRP).

    Parameters
    ----------
    default_spread : float or array_like
        Sovereign default spread for the country's rating, decimal in [0, 1].
    relative_volatility : float or array_like
        Volatility of the equity market relative to the sovereign bond market, above 0 and at
        most 10 (Damodaran's July 2024 multiplier is 1.298047).

    Returns
    -------
    float or ndarray
        Country risk premium, decimal.

    Notes
    -----
    .. math:: CRP = \\text{default spread} \\times \\sigma_{equity} / \\sigma_{bond}

    References
    ----------
    .. [1] A. Damodaran, "Country Default Spreads and Risk Premiums" (ctryprem dataset),
       July 2024, https://pages.stern.nyu.edu/~adamodar/New_Home_Page/datafile/ctryprem.html

    Examples
    --------
    Kazakhstan, Baa2, July 2024: default spread 1.7915%, multiplier 1.298047; Damodaran
    publishes a CRP of 2.3254%.

    >>> round(country_risk_premium(0.017915, 1.298047), 5)
    0.02325
    """
    s = ck.premium("default_spread", default_spread)
    v = ck.positive("relative_volatility", relative_volatility, "a volatility ratio", 10.0)
    return ck.scalar_or_array(s * v)


@overload
def ke_in_currency(ke: float, inflation_local: float, inflation_base: float) -> float: ...  # type: ignore[overload-overlap]


@overload
def ke_in_currency(  # type: ignore[overload-overlap]
    ke: float | ck.Frame,
    inflation_local: float | ck.Frame,
    inflation_base: float | ck.Frame,
) -> ck.Frame: ...


@overload
def ke_in_currency(
    ke: ck.Vec,
    inflation_local: ck.Vec,
    inflation_base: ck.Vec,
) -> ck.FloatArray: ...


@ck.elementwise(series=())
def ke_in_currency(ke: Any, inflation_local: Any, inflation_base: Any) -> Any:
    """Convert a cost of equity between currencies by relative inflation (Excel: CORRIDOR_KE_FX).

    Parameters
    ----------
    ke : float or array_like
        Cost of equity in the base currency (e.g. USD), decimal.
    inflation_local : float or array_like
        Expected inflation in the target currency (e.g. KZT), decimal (0.08 for 8%), not per
        cent. Above 1 (100% a year) is accepted: some economies have it; only -1 or below is
        refused.
    inflation_base : float or array_like
        Expected inflation in the base currency, decimal, same range.

    Returns
    -------
    float or ndarray
        Cost of equity in the target currency, decimal.

    Notes
    -----
    .. math:: K_{e,local} = (1 + K_{e,base}) \\frac{1 + \\pi_{local}}{1 + \\pi_{base}} - 1

    References
    ----------
    .. [1] A. Damodaran, "Country Risk: Determinants, Measures and Implications - The 2024
       Edition", section "Currency choices" (the differential-inflation adjustment).

    Examples
    --------
    >>> round(ke_in_currency(0.12, 0.08, 0.025), 6)
    0.180098

    Hyperinflation is a number, not an error (1.12 x 3 / 1.025 - 1):

    >>> round(ke_in_currency(0.12, 2.0, 0.025), 6)
    2.278049
    """
    k = ck.rate("ke", ke)
    il = ck.inflation("inflation_local", inflation_local)
    ib = ck.inflation("inflation_base", inflation_base)
    return ck.scalar_or_array((1.0 + k) * (1.0 + il) / (1.0 + ib) - 1.0)
