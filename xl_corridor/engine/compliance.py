"""The capitalized cost of keeping two listings."""

from __future__ import annotations

from typing import Any, overload

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.errors import CorridorInputError
from xl_corridor.limits import COMPLIANCE_MAX_YEARS

__all__ = ["COST_BASES", "compliance_cost", "growing_annuity_factor", "terminal_factor"]

#: How annual cost amounts are quoted: "first_year" (the year-1 payment is A) or "today"
#: (today's money: the year-1 payment is A(1+g)).
COST_BASES = ("first_year", "today")


def _flags(name: str, x: Any, size: int) -> Any:
    """One TRUE/FALSE per line item (None: all TRUE); 1/0 accepted, text and blanks refused."""
    if x is None:
        return np.ones(size, dtype=bool)
    raw = np.asarray(x, dtype=object).reshape(-1)
    if raw.size == 1 and size != 1:
        raw = np.repeat(raw, size)
    if raw.size != size:
        raise CorridorInputError(name, f"expected {size} TRUE/FALSE flags, one per line item, "
                                       f"got {raw.size}")
    out = np.empty(size, dtype=bool)
    for i, v in enumerate(raw.tolist()):
        if isinstance(v, (bool, np.bool_)) or v in (0, 1):
            out[i] = bool(v)
        else:
            raise CorridorInputError(name, f"expected TRUE or FALSE at item {i + 1}, got {v!r}")
    return out


def terminal_factor(years: Any, discount_rate: Any, growth: Any, terminal_growth: Any) -> Any:
    """Present value of what a growing annuity pays after ``years`` if it never stops.

    Payments grow at ``growth`` to year ``years`` and at ``terminal_growth`` after it (Gordon
    growth); the value is per unit of the first payment, like :func:`growing_annuity_factor`.

    Parameters
    ----------
    years : int or array_like
        Last year of the explicit horizon, a whole number from 0 to 200.
    discount_rate : float or array_like
        Annual discount rate, decimal, not per cent; above ``terminal_growth``.
    growth : float or array_like
        Annual growth of the payment up to the horizon, decimal.
    terminal_growth : float or array_like
        Annual growth after the horizon, decimal, below ``discount_rate``.

    Returns
    -------
    float or ndarray
        :math:`(1+g)^{n-1}(1+g_T) / (r-g_T) / (1+r)^n`.

    Notes
    -----
    The payment in year :math:`n+1` is :math:`(1+g)^{n-1}(1+g_T)`; a perpetuity growing at
    :math:`g_T` is worth :math:`P_{n+1}/(r-g_T)` at year :math:`n` (Gordon growth).

    References
    ----------
    .. [1] M. J. Gordon, "Dividends, earnings, and stock prices", Review of Economics and
       Statistics 41 (1959) 99-105.
    .. [2] Brealey, Myers and Allen, Principles of Corporate Finance, 13th ed., ch. 4.

    Examples
    --------
    >>> round(terminal_factor(1, 0.10, 0.0, 0.0), 10)   # 1/0.1 at year 1, discounted 1/1.1
    9.0909090909
    """
    n = ck.whole("years", years, 0, COMPLIANCE_MAX_YEARS, "a whole number of years")
    r = ck.rate("discount_rate", discount_rate)
    g = ck.rate("growth", growth)
    gt = ck.rate("terminal_growth", terminal_growth)
    if np.any(gt >= r):
        raise CorridorInputError("terminal_growth",
                                 "expected a terminal growth below the discount rate (Gordon "
                                 "growth needs r > g)")
    return ck.scalar_or_array((1.0 + g) ** (n - 1.0) * (1.0 + gt) / (r - gt) / (1.0 + r) ** n)


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
    n = ck.whole("years", years, 0, COMPLIANCE_MAX_YEARS, "a whole number of years")
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
    *,
    incremental: Any = ...,
    cost_basis: str = ...,
    listing_expenses: float = ...,
    include_listing_expenses: bool = ...,
    terminal_growth: float | None = ...,
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
    *,
    incremental: Any = ...,
    cost_basis: str = ...,
    listing_expenses: float | ck.Frame = ...,
    include_listing_expenses: bool = ...,
    terminal_growth: float | ck.Frame | None = ...,
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
    *,
    incremental: Any = ...,
    cost_basis: str = ...,
    listing_expenses: ck.Vec = ...,
    include_listing_expenses: bool = ...,
    terminal_growth: ck.Vec | None = ...,
) -> ck.FloatArray: ...


@ck.elementwise(series=('annual_costs', 'fx_rates', 'incremental'))
def compliance_cost(
    annual_costs: Any,
    years: Any,
    discount_rate: Any,
    growth: Any = 0.0,
    one_off: Any = 0.0,
    fx_rates: Any = 1.0,
    tax_rate: Any = 0.0,
    *,
    incremental: Any = None,
    cost_basis: str = "first_year",
    listing_expenses: Any = 0.0,
    include_listing_expenses: bool = False,
    terminal_growth: Any = None,
) -> Any:
    """Capitalized incremental cost of keeping a second listing (Excel: COMPLIANCE_COST).

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
    incremental : array_like of bool, optional, keyword-only
        One flag per line item: TRUE when the cost exists only because of the second listing
        (incremental), FALSE when it exists under the single listing too (baseline: the
        Kazakh/AIFC audit, AIFC counsel, AIX fees). Only incremental items enter the cost.
        Default None: every item is incremental.
    cost_basis : {'first_year', 'today'}, keyword-only
        'first_year': the annual amounts are the year-1 payments; 'today': they are in today's
        money, so the year-1 payment is A(1+g). Default 'first_year'.
    listing_expenses : float, optional, keyword-only
        One-off listing (IPO) expenses, model currency, >= 0. Default 0.
    include_listing_expenses : bool, optional, keyword-only
        Whether ``listing_expenses`` enter the cost. Default False: they are the cost of
        raising the money (already spent at the valuation date, and paid for by the offer
        proceeds), not of holding a second listing.
    terminal_growth : float, optional, keyword-only
        None (default): the costs stop after ``years``. A decimal below ``discount_rate``: the
        listing is kept for good and the costs continue after ``years`` growing at this rate
        (Gordon growth), as the equity cash flows' terminal value assumes.

    Returns
    -------
    float or ndarray
        Present value at the valuation date, model currency. The scalar arguments broadcast.

    Notes
    -----
    .. math:: A = \\sum_j c_j x_j \\, \\mathbb{1}[j\\ \\text{incremental}],\\qquad
              C = C_0 + L + (1-\\tau) A_1 \\left[\\sum_{t=1}^{n} (1+g)^{t-1} (1+r)^{-t}
              + T\\right]

    with :math:`A_1 = A` ('first_year') or :math:`A(1+g)` ('today'), :math:`L` the listing
    expenses when included, and :math:`T` = :func:`terminal_factor` when a terminal growth is
    given (0 otherwise).

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

    Only the incremental items, in today's money growing 3%, listing expenses left out:

    >>> round(compliance_cost([2.5, 1.5, 2.0], 10, 0.12, 0.03, incremental=[True, False, True],
    ...                       cost_basis="today", listing_expenses=111.4), 4)
    29.2157
    """
    costs = ck.amount("annual_costs", annual_costs, nonnegative=True)
    fx = ck.positive("fx_rates", fx_rates, "an exchange rate (model currency per unit)", 1e9)
    if costs.ndim > 2 or fx.ndim > 2:
        raise CorridorInputError("annual_costs", "expected one row or one column of line items")
    if fx.size not in (1, costs.size):
        raise CorridorInputError(
            "fx_rates", f"expected 1 rate or {costs.size} rates, one per line item, got {fx.size}"
        )
    flags = _flags("incremental", incremental, costs.size)
    annual = float(np.sum(costs.reshape(-1) * fx.reshape(-1) * flags))
    if cost_basis not in COST_BASES:
        raise CorridorInputError("cost_basis", f"expected 'first_year' or 'today', got "
                                               f"{cost_basis!r}")
    factor = np.asarray(growing_annuity_factor(years, discount_rate, growth))
    if terminal_growth is not None:
        factor = factor + np.asarray(terminal_factor(years, discount_rate, growth,
                                                     terminal_growth))
    if cost_basis == "today":
        factor = factor * (1.0 + ck.rate("growth", growth))
    c0 = ck.amount("one_off", one_off, nonnegative=True)
    if not isinstance(include_listing_expenses, (bool, np.bool_)):
        raise CorridorInputError("include_listing_expenses",
                                 f"expected TRUE or FALSE, got {include_listing_expenses!r}")
    listing = ck.amount("listing_expenses", listing_expenses, nonnegative=True)
    c0 = c0 + (listing if include_listing_expenses else 0.0)
    tax = ck.fraction("tax_rate", tax_rate, "a tax rate between 0 and 1, such as 0.2")
    with np.errstate(over="ignore", invalid="ignore"):
        result = c0 + annual * factor * (1.0 - tax)
    if not np.all(np.isfinite(result)):
        raise CorridorInputError("discount_rate", "expected a rate at which the capitalized "
                                 "cost is finite; growth, rate and horizon overflow a float "
                                 "(the cost would be infinite)")
    return ck.scalar_or_array(result)
