"""Dim Sum funding: the USD cost of an offshore-RMB (CNH) bond hedged by covered interest parity.

A Central Asian issuer with USD-linked revenue (tungsten, copper, uranium are priced in USD) that
borrows in CNH and swaps the proceeds into USD pays the CNH coupon converted at forward rates.
Covered interest parity (CIP) fixes the forward from the two currencies' interest rates; the
cross-currency basis is the market's deviation from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.engine._checks import FloatArray
from xl_corridor.errors import CorridorInputError

__all__ = ["cip_forward", "dimsum_hedged_cost", "dimsum_saving", "dimsum_same_credit_saving"]


def _basis(basis: Any) -> FloatArray:
    return ck.bounded(
        "basis", basis, -0.2, 0.2, "a cross-currency basis as a decimal, such as -0.002,"
    )


def _denominator(rate: FloatArray, basis: FloatArray, name: str) -> FloatArray:
    den = 1.0 + rate + basis
    if np.any(den <= 0):
        raise CorridorInputError(name, "1 + rate + basis must be above 0")
    return den


def cip_forward(
    spot: Any, rate_domestic: Any, rate_foreign: Any, years: Any = 1.0, basis: Any = 0.0
) -> Any:
    """Outright forward exchange rate from covered interest parity, with an optional basis.

    Parameters
    ----------
    spot : float or array_like
        Spot rate, units of the domestic (quote) currency per unit of the foreign (base)
        currency, > 0: for USD/CNH, CNH per USD (about 7.1).
    rate_domestic : float or array_like
        Annual interest rate of the quote currency for the tenor, decimal, not per cent.
    rate_foreign : float or array_like
        Annual interest rate of the base currency (USD) for the tenor, decimal.
    years : float or array_like, optional
        Tenor in years, 0 to 50. Default 1.
    basis : float or array_like, optional
        Cross-currency basis, decimal, added to the quote-currency rate (Du, Tepper and
        Verdelhan's convention: negative when synthetic USD costs more than cash USD).
        Default 0 (CIP holds).

    Returns
    -------
    float or ndarray
        Forward rate, quote currency per unit of base currency. Broadcasts.

    Notes
    -----
    .. math:: F = S \\left(\\frac{1 + r_{dom} + x}{1 + r_{for}}\\right)^{T}

    With annual compounding; :math:`x = 0` is covered interest parity.

    References
    ----------
    .. [1] W. Du, A. Tepper and A. Verdelhan, "Deviations from covered interest rate parity",
       Journal of Finance 73 (2018) 915-957, eq. (1)-(2).
    .. [2] Bank for International Settlements, "Covered interest parity lost: understanding
       the cross-currency basis", BIS Quarterly Review (September 2016) 45-64.

    Examples
    --------
    >>> round(cip_forward(7.10, 0.025, 0.045), 6)
    6.964115
    >>> round(cip_forward(7.10, 0.025, 0.045, 2, -0.002), 4)
    6.8042
    """
    s = ck.positive("spot", spot, "an exchange rate (quote units per base unit)", 1e9)
    rd = ck.rate("rate_domestic", rate_domestic)
    rf = ck.rate("rate_foreign", rate_foreign)
    t = ck.bounded("years", years, 0.0, 50.0, "a tenor in years")
    x = _basis(basis)
    den = _denominator(rd, x, "rate_domestic")
    return ck.scalar_or_array(s * (den / (1.0 + rf)) ** t)


def dimsum_hedged_cost(cnh_yield: Any, usd_rate: Any, cnh_rate: Any, basis: Any = 0.0) -> Any:
    """USD cost of funds of a CNH (Dim Sum) bond swapped into USD (Excel: DIMSUM_HEDGED_COST).

    Parameters
    ----------
    cnh_yield : float or array_like
        Yield (coupon for a par bond) of the CNH bond, annual, decimal, not per cent.
    usd_rate : float or array_like
        USD interest rate for the bond's tenor (swap/SOFR-based), annual, decimal.
    cnh_rate : float or array_like
        CNH interest rate for the same tenor (CNH HIBOR-based swap), annual, decimal.
    basis : float or array_like, optional
        USD/CNH cross-currency basis, decimal, Du-Tepper-Verdelhan sign (negative: swapping
        into USD costs more). Default 0.

    Returns
    -------
    float or ndarray
        Hedged cost, annual, decimal. Broadcasts.

    Notes
    -----
    Raise 1 USD by selling :math:`S` CNH of bonds (S CNH per USD). The issuer owes
    :math:`S(1+c)` CNH a period later and buys them forward at
    :math:`F = S (1 + r_{CNH} + x)/(1 + r_{USD})` (:func:`cip_forward`), paying
    :math:`S(1+c)/F` USD. The spot rate cancels:

    .. math:: c_{USD} = \\frac{(1 + c)(1 + r_{USD})}{1 + r_{CNH} + x} - 1
              \\approx c + r_{USD} - r_{CNH} - x

    Exact per period for a zero-coupon bond hedged with a forward; per annum with
    tenor-matched rates it is the standard approximation for a par bond swapped with a
    cross-currency swap.

    References
    ----------
    .. [1] W. Du, A. Tepper and A. Verdelhan, "Deviations from covered interest rate parity",
       Journal of Finance 73 (2018) 915-957.
    .. [2] CCB (Astana) RMB 1bn 2-year 2.95% bond, listed on AIX and HKEX, March 2020.

    Examples
    --------
    CCB Astana's 2.95% 2-year CNH bond, with illustrative rates USD 1.2%, CNH 2.5%:

    >>> round(dimsum_hedged_cost(0.0295, 0.012, 0.025), 6)
    0.016443
    >>> round(dimsum_hedged_cost(0.0295, 0.012, 0.025, basis=-0.002), 6)
    0.01843
    """
    c = ck.rate("cnh_yield", cnh_yield)
    ru = ck.rate("usd_rate", usd_rate)
    rc = ck.rate("cnh_rate", cnh_rate)
    x = _basis(basis)
    den = _denominator(rc, x, "cnh_rate")
    return ck.scalar_or_array((1.0 + c) * (1.0 + ru) / den - 1.0)


def dimsum_saving(
    cnh_yield: Any, usd_rate: Any, cnh_rate: Any, usd_bond_yield: Any, basis: Any = 0.0
) -> Any:
    """Saving of swapped Dim Sum funding against a USD bond (Excel: DIMSUM_SAVING).

    Parameters
    ----------
    cnh_yield, usd_rate, cnh_rate, basis : float or array_like
        As in :func:`dimsum_hedged_cost` (decimals, not per cent).
    usd_bond_yield : float or array_like
        Yield at which the issuer could borrow in USD for the same tenor, decimal.

    Returns
    -------
    float or ndarray
        ``usd_bond_yield - dimsum_hedged_cost(...)``, decimal a year: positive when the Dim
        Sum route is cheaper.

    Notes
    -----
    .. math:: \\text{saving} = y_{USD} - \\left[\\frac{(1+c)(1+r_{USD})}{1+r_{CNH}+x} - 1\\right]

    References
    ----------
    .. [1] W. Du, A. Tepper and A. Verdelhan, "Deviations from covered interest rate parity",
       Journal of Finance 73 (2018) 915-957.

    Examples
    --------
    >>> round(dimsum_saving(0.0295, 0.012, 0.025, 0.035), 6)
    0.018557
    """
    hedged = np.asarray(dimsum_hedged_cost(cnh_yield, usd_rate, cnh_rate, basis))
    y = ck.rate("usd_bond_yield", usd_bond_yield)
    return ck.scalar_or_array(y - hedged)


def dimsum_same_credit_saving(
    usd_rate: Any, cnh_rate: Any, usd_credit_spread: Any, cnh_credit_spread: Any,
    basis: Any = 0.0,
) -> Any:
    """Saving of swapped Dim Sum funding against USD funding at the SAME issuer credit
    (Excel: DIMSUM_SAME_CREDIT_SAVING).

    Parameters
    ----------
    usd_rate, cnh_rate : float or array_like
        USD and CNH swap rates for the tenor, annual, decimals, not per cent.
    usd_credit_spread : float or array_like
        The issuer's credit spread over ``usd_rate`` on a USD bond, decimal.
    cnh_credit_spread : float or array_like
        The same issuer's credit spread over ``cnh_rate`` on a CNH bond, decimal.
    basis : float or array_like, optional
        USD/CNH cross-currency basis, decimal, Du-Tepper-Verdelhan sign. Default 0.

    Returns
    -------
    float or ndarray
        :func:`dimsum_saving` with ``cnh_yield = cnh_rate + cnh_credit_spread`` and
        ``usd_bond_yield = usd_rate + usd_credit_spread``, decimal a year; to first order
        :math:`(s_{USD} - s_{CNH}) + x`.

    Notes
    -----
    .. math:: \\text{saving} = (r_{USD} + s_{USD})
              - \\left[\\frac{(1 + r_{CNH} + s_{CNH})(1+r_{USD})}{1 + r_{CNH} + x} - 1\\right]
              \\approx (s_{USD} - s_{CNH}) + x

    Comparing one issuer's CNH coupon with another issuer's USD yield measures the credit gap
    between them, not the funding market: the spreads here belong to one issuer.

    References
    ----------
    .. [1] W. Du, A. Tepper and A. Verdelhan, "Deviations from covered interest rate parity",
       Journal of Finance 73 (2018) 915-957.

    Examples
    --------
    Same 3.5% spread in both currencies, basis -20 bp: the swap costs about the basis.

    >>> round(dimsum_same_credit_saving(0.04, 0.017, 0.035, 0.035, -0.002), 6)
    -0.002911
    """
    su = ck.premium("usd_credit_spread", usd_credit_spread)
    sc = ck.premium("cnh_credit_spread", cnh_credit_spread)
    ru = ck.rate("usd_rate", usd_rate)
    rc = ck.rate("cnh_rate", cnh_rate)
    return dimsum_saving(rc + sc, ru, rc, ru + su, basis)
