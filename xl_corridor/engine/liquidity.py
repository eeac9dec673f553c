"""Liquidity measures from daily data, and the rule that turns a spread into a liquidity premium.

Amihud's illiquidity ratio, Roll's implied spread and turnover describe how easily a share trades
on each venue; :func:`liquidity_premium_from_spread` maps a relative bid-ask spread to the
lambda_liquidity input of the cost of equity (an explicit, replaceable assumption).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.engine._checks import FloatArray
from xl_corridor.engine.parity import venue_costs
from xl_corridor.errors import CorridorInputError, show

__all__ = [
    "amihud_illiquidity",
    "liquidity_premium_from_spread",
    "liquidity_premium_reduction",
    "roll_spread",
    "turnover",
]


def _returns(name: str, x: Any) -> FloatArray:
    r = ck.finite(name, ck.as_array(name, x)).reshape(-1)
    low = r <= -1.0
    if low.any():
        i = int(np.argmax(low))
        raise CorridorInputError(
            name, f"expected a return above -1 (-100%), as a decimal, at item {i + 1}, "
            f"got {r[i]:.10g}"
        )
    return r


def amihud_illiquidity(returns: Any, traded_value: Any, *, scale: float = 1e6) -> float:
    """Amihud's illiquidity ratio: average absolute return per unit of traded value.

    Parameters
    ----------
    returns : array_like
        Daily returns, decimals (0.012 for 1.2%), each above -1.
    traded_value : array_like
        Daily traded value (price x shares) in one currency, >= 0, same length.
    scale : float, keyword-only
        Units of traded value per unit of the result. Default 1e6: the result is the average
        absolute return per million of currency traded (Amihud reports per US$ million).

    Returns
    -------
    float
        Illiquidity, decimal return per ``scale`` units traded; higher is less liquid.

    Raises
    ------
    CorridorInputError
        For bad values, mismatched lengths, or when no day has positive traded value.

    Notes
    -----
    .. math:: ILLIQ = \\frac{1}{D} \\sum_{d:\\,V_d > 0} \\frac{|r_d|}{V_d} \\times scale

    Days with zero traded value are left out (the ratio is undefined on a day without trades;
    Amihud averages over the days with volume); :math:`D` counts the days kept.

    References
    ----------
    .. [1] Y. Amihud, "Illiquidity and stock returns: cross-section and time-series effects",
       Journal of Financial Markets 5 (2002) 31-56, eq. (1).

    Examples
    --------
    Returns of 1%, -2% and 0.5% on HK$ 2m, 4m and 1m traded:

    >>> round(amihud_illiquidity([0.01, -0.02, 0.005], [2e6, 4e6, 1e6]), 6)
    0.005
    >>> amihud_illiquidity([0.01, 0.03], [1e6, 0.0])
    0.01
    """
    r = _returns("returns", returns)
    v = ck.amount("traded_value", traded_value, nonnegative=True).reshape(-1)
    if v.size != r.size:
        raise CorridorInputError(
            "traded_value", f"expected {r.size} values, one per return, got {v.size}"
        )
    s = ck.positive("scale", scale, "a scale such as 1e6", 1e15)
    keep = v > 0
    if not keep.any():
        raise CorridorInputError("traded_value", "expected at least one day with trading, got 0")
    return float(np.mean(np.abs(r[keep]) / v[keep]) * s)


def roll_spread(prices: Any, *, relative: bool = False, positive_cov: str = "nan") -> float:
    """Roll's bid-ask spread implied by the serial covariance of price changes.

    Parameters
    ----------
    prices : array_like
        At least 3 consecutive trade (closing) prices, > 0.
    relative : bool, keyword-only
        If True, use log prices, so the spread is relative to price (a decimal, 0.01 = 1%).
        Default False: the spread is in price units.
    positive_cov : {'nan', 'zero'}, keyword-only
        What to return when the serial covariance is >= 0, where Roll's model does not apply
        (the square root would be of a non-negative number's negative). 'nan' (default) says
        "no estimate"; 'zero' follows the common practice of reading it as a zero spread.

    Returns
    -------
    float
        The implied spread (price units, or a decimal if ``relative``).

    Raises
    ------
    CorridorInputError
        For bad prices, fewer than 3 prices, or an unknown ``positive_cov``.

    Notes
    -----
    With :math:`\\Delta p_t = p_t - p_{t-1}` and the sample covariance (divisor n-1) of the
    pairs :math:`(\\Delta p_t, \\Delta p_{t-1})`:

    .. math:: s = 2 \\sqrt{-\\operatorname{cov}(\\Delta p_t, \\Delta p_{t-1})}

    References
    ----------
    .. [1] R. Roll, "A simple implicit measure of the effective bid-ask spread in an efficient
       market", Journal of Finance 39 (1984) 1127-1139.
    .. [2] R. Y. Goyenko, C. W. Holden and C. A. Trzcinka, "Do liquidity measures measure
       liquidity?", Journal of Financial Economics 92 (2009) 153-181 (zero when cov > 0).

    Examples
    --------
    Trades at a bid of 9.9 or an ask of 10.1 (spread 0.2), in random order:

    >>> round(roll_spread([10.1, 10.1, 9.9, 9.9, 9.9, 9.9, 10.1, 9.9, 9.9, 10.1, 9.9, 9.9]), 4)
    0.1932
    >>> roll_spread([1.0, 2.0, 3.0, 4.0])
    nan
    >>> roll_spread([1.0, 2.0, 3.0, 4.0], positive_cov="zero")
    0.0
    """
    if positive_cov not in ("nan", "zero"):
        raise CorridorInputError(
            "positive_cov", f"expected one of 'nan', 'zero', got {show(positive_cov)}"
        )
    p = ck.positive("prices", prices, "a price", 1e15).reshape(-1)
    if p.size < 3:
        raise CorridorInputError("prices", f"expected at least 3 prices, got {p.size}")
    x = np.log(p) if relative else p
    dp = np.diff(x)
    a, b = dp[1:], dp[:-1]
    if a.size < 2:
        cov = float(a[0] * b[0])  # one pair: the product about zero means (no demeaning)
    else:
        cov = float(np.sum((a - a.mean()) * (b - b.mean())) / (a.size - 1))
    if cov >= 0:
        return math.nan if positive_cov == "nan" else 0.0
    return 2.0 * math.sqrt(-cov)


def turnover(volume: Any, shares_outstanding: Any) -> Any:
    """Share turnover: shares traded as a fraction of shares outstanding.

    Parameters
    ----------
    volume : float or array_like
        Shares traded in the period (a day, or the period's total), >= 0.
    shares_outstanding : float or array_like
        Shares outstanding (or free float), > 0.

    Returns
    -------
    float or ndarray
        Turnover, decimal (0.002 = 0.2% of the shares traded). Broadcasts like numpy.

    Notes
    -----
    .. math:: TO = Q / N

    References
    ----------
    .. [1] V. T. Datar, N. Y. Naik and R. Radcliffe, "Liquidity and stock returns: an
       alternative test", Journal of Financial Markets 1 (1998) 203-219.

    Examples
    --------
    Jiaxin: 439,228,800 shares outstanding after the offer; 2.2m shares traded in a day:

    >>> round(turnover(2_196_144, 439_228_800), 6)
    0.005
    >>> turnover([0, 4.0], 8.0)
    array([0. , 0.5])
    """
    q = ck.amount("volume", volume, nonnegative=True)
    n = ck.positive("shares_outstanding", shares_outstanding, "a share count", 1e15)
    return ck.scalar_or_array(q / n)


def _lp_params(a: Any, b: Any) -> tuple[float, float]:
    rule = venue_costs()["liquidity_premium"]
    aa = float(rule["a"]) if a is None else float(ck.positive("a", a, "a scale", 10.0))
    bb = float(rule["b"]) if b is None else float(ck.positive("b", b, "an exponent", 1.0))
    return aa, bb


def liquidity_premium_from_spread(
    relative_spread: Any, *, a: float | None = None, b: float | None = None
) -> Any:
    """Liquidity premium implied by a relative bid-ask spread (an assumption, not an estimate).

    Parameters
    ----------
    relative_spread : float or array_like
        Relative quoted or effective spread (ask - bid)/mid, decimal in [0, 1] (0.01 = 1%),
        e.g. :func:`roll_spread` with ``relative=True``.
    a, b : float, keyword-only
        Level (> 0, at most 10) and exponent (in (0, 1]) of the rule. Default: the
        ``[liquidity_premium]`` entry of ``venue_costs.toml`` (a = 0.1, b = 0.5).

    Returns
    -------
    float or ndarray
        Liquidity premium lambda_liquidity, decimal. Broadcasts like numpy.

    Notes
    -----
    .. math:: \\lambda_{liq} = a \\, s^{b}

    Amihud and Mendelson find expected returns rising with the spread, concavely: ``b < 1``
    encodes the concavity (b = 1 would be linear). The default LEVEL is a PLACEHOLDER, not a
    calibration: ``a = 0.1`` is a round number that maps a 1% spread to a 1% premium; it is not
    fitted to Amihud and Mendelson's estimates, nor to Hail and Leuz's 70-120 bp cross-listing
    effect (which mixes liquidity and bonding). Calibrate ``a`` and ``b`` to the deal's peer
    group before relying on the rule (see ``venue_costs.toml``).

    References
    ----------
    .. [1] Y. Amihud and H. Mendelson, "Asset pricing and the bid-ask spread", Journal of
       Financial Economics 17 (1986) 223-249.
    .. [2] L. Hail and C. Leuz, "Cost of capital effects and changes in growth expectations
       around U.S. cross-listings", Journal of Financial Economics 93 (2009) 428-454.

    Examples
    --------
    >>> liquidity_premium_from_spread([0.0025, 0.01, 0.04])
    array([0.005, 0.01 , 0.02 ])
    >>> round(liquidity_premium_from_spread(0.01, a=0.5, b=1.0), 6)
    0.005
    """
    s = ck.fraction("relative_spread", relative_spread, "a relative spread as a decimal, "
                    "such as 0.01")
    aa, bb = _lp_params(a, b)
    return ck.scalar_or_array(aa * s**bb)


def liquidity_premium_reduction(
    spread_single: Any, spread_dual: Any, *, a: float | None = None, b: float | None = None
) -> Any:
    """Fall in the liquidity premium when the spread narrows from single to dual listing.

    Parameters
    ----------
    spread_single, spread_dual : float or array_like
        Relative spreads before and after the dual listing, decimals in [0, 1].
    a, b : float, keyword-only
        Parameters of :func:`liquidity_premium_from_spread`.

    Returns
    -------
    float or ndarray
        :math:`a s_{single}^b - a s_{dual}^b`, decimal (negative if the spread widens).

    Examples
    --------
    >>> round(liquidity_premium_reduction(0.01, 0.0025), 6)
    0.005
    """
    lps = []
    for name, spread in (("spread_single", spread_single), ("spread_dual", spread_dual)):
        try:
            lps.append(np.asarray(liquidity_premium_from_spread(spread, a=a, b=b)))
        except CorridorInputError as exc:
            if exc.argument != "relative_spread":
                raise
            raise CorridorInputError(name, exc.problem) from None
    return ck.scalar_or_array(lps[0] - lps[1])
