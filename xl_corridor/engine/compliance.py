"""The capitalized cost of keeping two listings."""

from __future__ import annotations

from typing import Any, overload

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.errors import CorridorInputError

__all__ = ["compliance_cost", "growing_annuity_factor"]

MAX_YEARS = 200


@overload
def growing_annuity_factor(years: float, discount_rate: float, growth: float = ...) -> float: ...  # type: ignore[overload-overlap]


@overload
def growing_annuity_factor(  # type: ignore[overload-overlap]
    years: float | ck.Frame,
    discount_rate: float | ck.Frame,
    growth: float | ck.Frame = ...,
) -> ck.Frame: ...


@overload
def growing_annuity_factor(
    years: ck.Vec,
    discount_rate: ck.Vec,
    growth: ck.Vec = ...,
) -> ck.FloatArray: ...


@ck.elementwise(series=())
def growing_annuity_factor(years: Any, discount_rate: Any, growth: Any = 0.0) -> Any:
    """Present value of 1 a year, growing at ``growth``, paid at each year end for ``years``.

    Parameters
    ----------
    years : int or array_like
        Number of annual payments, a whole number from 0 to 200.
    discount_rate : float or array_like
        Annual discount rate, decimal (0.12 for 12%), not per cent.
    growth : float or array_like, optional
        Annual growth of the payment, decimal. Default 0.

    Returns
    -------
    float or ndarray
        The factor :math:`\\sum_{t=1}^{n} (1+g)^{t-1} / (1+r)^t`.

    Notes
    -----
    Closed form with :math:`q = (1+g)/(1+r)`:
    :math:`\\frac{1}{1+r} \\cdot \\frac{1 - q^n}{1 - q}`, which tends to :math:`n/(1+r)` as
    :math:`g \\to r`. Computed as ``expm1(n log q) / expm1(log q)`` so that it stays exact when
    growth equals the rate and accurate when they are close.

    References
    ----------
    .. [1] R. A. Brealey, S. C. Myers and F. Allen, Principles of Corporate Finance, 13th ed.,
       McGraw-Hill (2020), ch. 2, "growing annuity".

    Examples
    --------
    >>> round(growing_annuity_factor(10, 0.08, 0.08), 10) == round(10 / 1.08, 10)
    True
    >>> round(growing_annuity_factor(3, 0.10), 6)  # 1/1.1 + 1/1.21 + 1/1.331
    2.486852
    """
    n = ck.whole("years", years, 0, MAX_YEARS, "a whole number of years")
    r = ck.rate("discount_rate", discount_rate)
    g = ck.rate("growth", growth)
    log_q = np.log1p(g) - np.log1p(r)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = np.where(log_q == 0.0, n, np.expm1(n * log_q) / np.expm1(log_q))
    return ck.scalar_or_array(ratio / (1.0 + r))


@overload
def compliance_cost(  # type: ignore[overload-overlap]
    annual_costs: ck.Flows,
    years: float,
    discount_rate: float,
    growth: float = ...,
    one_off: float = ...,
    fx_rates: ck.Flows = ...,
    tax_rate: float = ...,
) -> float: ...


@overload
def compliance_cost(  # type: ignore[overload-overlap]
    annual_costs: ck.Flows,
    years: float | ck.Frame,
    discount_rate: float | ck.Frame,
    growth: float | ck.Frame = ...,
    one_off: float | ck.Frame = ...,
    fx_rates: ck.Flows = ...,
    tax_rate: float | ck.Frame = ...,
) -> ck.Frame: ...


@overload
def compliance_cost(
    annual_costs: ck.Flows,
    years: ck.Vec,
    discount_rate: ck.Vec,
    growth: ck.Vec = ...,
    one_off: ck.Vec = ...,
    fx_rates: ck.Flows = ...,
    tax_rate: ck.Vec = ...,
) -> ck.FloatArray: ...


@ck.elementwise(series=('annual_costs', 'fx_rates'))
def compliance_cost(
    annual_costs: Any,
    years: Any,
    discount_rate: Any,
    growth: Any = 0.0,
    one_off: Any = 0.0,
    fx_rates: Any = 1.0,
    tax_rate: Any = 0.0,
) -> Any:
    """Capitalized cost of complying with two exchanges (Excel: COMPLIANCE_COST).

    Parameters
    ----------
    annual_costs : array_like
        Yearly cost line items (dual audit, Hong Kong and Astana legal retainers, investor
        relations, listing fees, ...), each in its own currency, amounts >= 0.
    years : int or array_like
        Years the dual listing is kept, a whole number from 0 to 200.
    discount_rate : float or array_like
        Annual discount rate (usually the dual-listing cost of equity), decimal, not per cent.
    growth : float or array_like, optional
        Annual growth of the costs, decimal. Default 0.
    one_off : float or array_like, optional
        One-off costs at the valuation date (listing expenses, the Chapter 18 Competent
        Person's Report), model currency, >= 0. Default 0.
    fx_rates : float or array_like, optional
        Model-currency units per unit of each line item's currency, one per item or one for
        all, > 0. Default 1.
    tax_rate : float or array_like, optional
        Tax rate at which the recurring costs are deductible, decimal in [0, 1]. Default 0.

    Returns
    -------
    float or ndarray
        Present value at the valuation date, model currency. The scalar arguments broadcast.

    Notes
    -----
    .. math:: A = \\sum_j c_j x_j,\\qquad
              C = C_0 + (1-\\tau) \\sum_{t=1}^{n} A (1+g)^{t-1} (1+r)^{-t}

    The sum is computed in closed form (:func:`growing_annuity_factor`), exact also when
    g = r.

    References
    ----------
    .. [1] Brealey, Myers and Allen, Principles of Corporate Finance, 13th ed., ch. 2.

    Examples
    --------
    HK$ 6m a year for 10 years at 12%, plus HK$ 111.4m of listing expenses:

    >>> round(compliance_cost([2.5, 1.5, 2.0], 10, 0.12, one_off=111.4), 4)
    145.3013
    """
    costs = ck.amount("annual_costs", annual_costs, nonnegative=True)
    fx = ck.positive("fx_rates", fx_rates, "an exchange rate (model currency per unit)", 1e9)
    if costs.ndim > 2 or fx.ndim > 2:
        raise CorridorInputError("annual_costs", "expected one row or one column of line items")
    if fx.size not in (1, costs.size):
        raise CorridorInputError(
            "fx_rates", f"expected 1 rate or {costs.size} rates, one per line item, got {fx.size}"
        )
    annual = float(np.sum(costs.reshape(-1) * fx.reshape(-1)))
    factor = np.asarray(growing_annuity_factor(years, discount_rate, growth))
    c0 = ck.amount("one_off", one_off, nonnegative=True)
    tax = ck.fraction("tax_rate", tax_rate, "a tax rate between 0 and 1, such as 0.2")
    with np.errstate(over="ignore", invalid="ignore"):
        result = c0 + annual * factor * (1.0 - tax)
    if not np.all(np.isfinite(result)):
        raise CorridorInputError("discount_rate", "expected a rate at which the capitalized "
                                 "cost is finite; growth, rate and horizon overflow a float "
                                 "(the cost would be infinite)")
    return ck.scalar_or_array(result)
