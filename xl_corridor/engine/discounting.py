"""Discounting and the dual-listing decision: NPV, XNPV, Delta NPV and its break-evens."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any, overload

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.engine._checks import FloatArray
from xl_corridor.errors import CorridorInputError, show

__all__ = [
    "npv",
    "xnpv",
    "dual_npv",
    "dual_xnpv",
    "breakeven_cost",
    "breakeven_ke",
    "xbreakeven_ke",
    "excel_serial",
    "terminal_value",
]

# Rates at which many unique values make np.unique cheaper than discounting every cell.
_UNIQUE_THRESHOLD = 64
# Excel's serial date range: 1 = 1900-01-01, 2958465 = 9999-12-31.
#: Day 0 of Excel's 1900 date system (serial 1 is 1900-01-01, after Excel's 1900 leap-year bug).
EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH = np.datetime64(EXCEL_EPOCH, "D")
_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()  # the same epoch as a proleptic ordinal
#: Days in a year of the ACT/365 day count: Excel's XNPV exponent (d_i - d_1)/365, and the
#: HKD money-market carry of :mod:`~xl_corridor.engine.parity` and the cargo carry of
#: :func:`~xl_corridor.engine.corridor.logistics_netback`.
DAYS_PER_YEAR = 365.0
# The epoch makes serials right from 1900-03-01 (Excel counts a 1900-02-29 that never was); a
# date before 1900-01-01 would get serial 1 or less, which Excel has no date for, so a date is
# at least 1900-01-01 (serial 2 here) and a number at least 1.
_FIRST_DATE_SERIAL = 2.0
_MAX_SERIAL = 2958465.0
# breakeven_ke searches ke_dual down to this rate (-99%) on a grid of this step, then bisects.
_KE_FLOOR = -0.99
_KE_GRID_STEP = 5e-4


def _present_value(
    name: str,
    rate: FloatArray,
    cash_flows: FloatArray,
    exponents: FloatArray,
    shift: float | None = None,
) -> FloatArray:
    """sum_i cash_flows[i] * (1 + rate)^-exponents[i] for every element of ``rate``; a rate so
    close to -100% that the sum overflows is refused, naming the rate's argument. ``shift`` says
    the exponents are the periods 1..n minus ``shift`` (periodic NPV: Horner's rule applies)."""
    with np.errstate(over="ignore", invalid="ignore"):
        pv = _unique_present_value(rate, cash_flows, exponents, shift)
    if pv.ndim == 0 and np.isfinite(pv):
        return pv
    bad = ~np.isfinite(pv)
    if bad.any():
        k = float(np.broadcast_to(rate, pv.shape)[bad].reshape(-1)[0])
        raise CorridorInputError(
            name,
            f"expected a rate at which {cash_flows.size} cash flows discount to a finite value, "
            f"got {k:.10g} (the present value overflows)",
        )
    return pv


def _unique_present_value(
    rate: FloatArray, cash_flows: FloatArray, exponents: FloatArray, shift: float | None = None
) -> FloatArray:
    if rate.size > _UNIQUE_THRESHOLD and rate.size != max(rate.shape):
        # A sensitivity grid may repeat each rate along one axis: discount each rate once. A
        # sample decides first, so a grid of distinct rates (one per cell) skips the sort. A
        # row or column of rates (one axis) is the grid's axis itself: discounted as it is.
        head = rate.reshape(-1)[: 4 * _UNIQUE_THRESHOLD]
        if np.unique(head).size <= head.size // 2:
            unique, inverse = np.unique(rate, return_inverse=True)
            if unique.size <= rate.size // 2:
                pv = _discount(unique, cash_flows, exponents, shift)
                return pv[inverse].reshape(rate.shape)
    return _discount(rate, cash_flows, exponents, shift)


# Elements of the (rates x periods) block that one exp call fills: bounds the memory of a grid
# with a rate per cell (8 MiB), whatever its size.
_BLOCK = 1 << 20


def _discount(
    rate: FloatArray, cash_flows: FloatArray, exponents: FloatArray, shift: float | None = None
) -> FloatArray:
    if shift is not None and cash_flows.size <= _HORNER_MAX and rate.size >= _HORNER_MIN_RATES:
        return _horner(rate, cash_flows, shift)
    if rate.size * exponents.size <= _BLOCK:
        return np.exp(-np.multiply.outer(np.log1p(rate), exponents)) @ cash_flows
    flat = rate.reshape(-1)
    out = np.empty(flat.size)
    step = max(1, _BLOCK // exponents.size)
    for start in range(0, flat.size, step):
        block = flat[start : start + step]
        out[start : start + step] = np.exp(-np.multiply.outer(np.log1p(block), exponents)) @ (
            cash_flows
        )
    return out.reshape(rate.shape)


def _shift_factor(one_plus_k: float, shift: float) -> float:
    """(1+k)^shift for the timing shifts 0, 0.5, 1, by exact operations (sqrt is correctly
    rounded in Python and numpy alike, so scalar and array results agree to the last bit)."""
    if shift == 1.0:
        return one_plus_k
    return math.sqrt(one_plus_k) if shift else 1.0


def _horner(rate: FloatArray, cash_flows: FloatArray, shift: float) -> FloatArray:
    """sum_i CF_i (1+k)^-(i-shift), i = 1..n, by Horner's rule in v = 1/(1+k): n additions and
    n multiplications per rate, no exp, and memory for one value per rate. Plain rates take
    Python floats; arrays take the same operations elementwise (identical results)."""
    flows = cash_flows[::-1].tolist()
    if rate.ndim == 0:
        one_plus_k = 1.0 + float(rate)
        v = 1.0 / one_plus_k
        total = 0.0
        for c in flows:
            total = (total + c) * v
        return np.asarray(total * _shift_factor(one_plus_k, shift))
    one_plus = 1.0 + rate
    v_all = 1.0 / one_plus
    pv = np.zeros(rate.shape)
    for c in flows:
        pv += c
        pv *= v_all
    if shift == 1.0:
        pv *= one_plus
    elif shift:
        pv *= np.sqrt(one_plus)
    return pv


@lru_cache(maxsize=32)
def _periods(n: int, shift: float) -> FloatArray:
    t = np.arange(1.0, n + 1.0) - shift
    t.flags.writeable = False  # shared between calls
    return t


# The scalar fast paths leave to the full path (which computes under np.errstate) any call
# whose largest exponent -log(1+k) * t exceeds this: exp(600) ~ 3.8e260, times amounts of at
# most 1e15, summed over any list that fits in memory, stays finite: neither exp nor the sum can
# overflow and warn (a warning is an exception under warnings-as-errors).
_SAFE_EXPONENT = 600.0
# Up to this many periods, Horner's rule (n multiply-adds per rate) beats exp for large grids,
# and Python builtins check a list of dates faster than numpy reductions.
_HORNER_MAX = 128
# Horner's rule serves grids with this many distinct rates or more (a rate per cell): there it
# is O(cells) in memory and 10-20x faster than exp. Fewer rates, and every scalar call, keep the
# exp-log sum, whose last bits the report's LibreOffice cross-checks were built against (the
# tornado's ranking of two equal swings follows them).
_HORNER_MIN_RATES = 4096


def _plain_xdelta(
    cash_flows: Any, dates: Any, ke_dual: Any, ke_single: Any, compliance_cost: Any
) -> float | None:
    """dual_xnpv for plain lists (numbers, and dates as datetime.date/datetime) at plain rates:
    dates become day numbers without numpy's per-item conversion, one reduction per check, and
    one exp and one dot for both rates; the same sum as :func:`_discount`. None sends everything
    else down the full path, where bad values get their message."""
    if (type(cash_flows) is not list and type(cash_flows) is not tuple) or (
        type(dates) is not list and type(dates) is not tuple
    ):
        return None
    if not cash_flows or len(dates) != len(cash_flows):
        return None
    kd = ck.plain_rate(ke_dual)
    ks = ck.plain_rate(ke_single)
    cost = ck.plain_amount(compliance_cost, nonnegative=True)
    if kd is None or ks is None or cost is None:
        return None
    cf = ck.fast_series(cash_flows)
    if cf is None:
        return None
    try:  # day numbers straight into the array; datetimes too: their date part
        days = np.fromiter(map(dt.date.toordinal, dates), np.float64, len(dates))
    except (TypeError, ValueError):  # serials, text, blanks, NaT
        return None
    first = dates[0].toordinal()
    early = late = None
    if len(dates) <= _HORNER_MAX:  # a short list: sorted (one pass when in order) gives both
        try:
            ordered = sorted(dates)
        except TypeError:  # dates mixed with datetimes do not compare: the reductions below
            pass
        else:
            early, late = ordered[0].toordinal(), ordered[-1].toordinal()
    if early is None or late is None:
        early, late = days.min(), days.max()
    serial_first, serial_late = first - _EPOCH_ORDINAL, late - _EPOCH_ORDINAL
    if not (early >= first and serial_first >= _FIRST_DATE_SERIAL
            and serial_late <= _MAX_SERIAL):
        return None
    t = np.divide(np.subtract(days, first, out=days), DAYS_PER_YEAR, out=days)  # (d_i - d_1)/365
    # both rates in one exp: a column of the two -log(1+k) times the row of exponents (the same
    # products as np.multiply.outer), and one matrix-vector product
    log_d, log_s = -math.log1p(kd), -math.log1p(ks)
    if max(log_d, log_s) * (late - first) / DAYS_PER_YEAR > _SAFE_EXPONENT:
        return None  # exp or the sum could overflow (and warn): the full path decides
    logs = np.array([[log_d], [log_s]])
    pv_d, pv_s = np.exp(logs * t).dot(cf).tolist()
    delta = pv_d - pv_s - cost
    return delta if math.isfinite(delta) else None


def _plain_delta(
    cf: FloatArray,
    t: FloatArray,
    ke_dual: Any,
    ke_single: Any,
    compliance_cost: Any,
    t_max: float,
) -> float | None:
    """Delta NPV when every rate and the cost are plain, valid Python numbers, else None;
    ``t_max`` is the largest of the exponents ``t``."""
    kd = ck.plain_rate(ke_dual)
    ks = ck.plain_rate(ke_single)
    cost = ck.plain_amount(compliance_cost, nonnegative=True)
    if kd is None or ks is None or cost is None:
        return None
    return _pv_delta(cf, t, kd, ks, cost, t_max)


def _pv_delta(
    cf: FloatArray, t: FloatArray, kd: float, ks: float, cost: float, t_max: float
) -> float | None:
    """PV at ``kd`` - PV at ``ks`` - ``cost`` for checked plain rates and cost, or None.

    The present values are the same sums as :func:`_discount` (exp of -log(1+k) times the
    exponents, then one dot product per rate), without numpy's broadcasting and error-state
    machinery: one cell of a sheet calls this thousands of times. A non-finite result goes back
    to the caller as None, which then takes the full path for the message."""
    log_d, log_s = -math.log1p(kd), -math.log1p(ks)
    if (log_d if log_d > log_s else log_s) * t_max > _SAFE_EXPONENT:
        return None  # exp or the sum could overflow (and warn): the full path decides
    # ndarray.dot: the same BLAS sum as ``@`` for two vectors, without matmul's dispatch
    delta = float(np.exp(t * log_d).dot(cf)) - float(np.exp(t * log_s).dot(cf)) - cost
    return delta if math.isfinite(delta) else None


def terminal_value(last_cash_flow: Any, rate: Any, terminal_growth: Any) -> Any:
    """Gordon-growth value, at the last period, of the cash flows after it.

    Parameters
    ----------
    last_cash_flow : float or array_like
        The last explicit cash flow :math:`CF_n`, model currency.
    rate : float or array_like
        Discount rate per period, decimal, not per cent; above ``terminal_growth``.
    terminal_growth : float or array_like
        Growth per period of the cash flows after the last one, decimal, not per cent.

    Returns
    -------
    float or ndarray
        :math:`TV_n = CF_n (1+g) / (k - g)`, model currency, valued at period n.

    References
    ----------
    .. [1] M. J. Gordon, "Dividends, earnings, and stock prices", Review of Economics and
       Statistics 41 (1959) 99-105.
    .. [2] A. Damodaran, Investment Valuation, 3rd ed., Wiley (2012), ch. 12 ("terminal value").

    Examples
    --------
    >>> round(terminal_value(100.0, 0.10, 0.02), 4)   # 102 / 0.08
    1275.0
    """
    cf = ck.amount("last_cash_flow", last_cash_flow)
    k = ck.rate("rate", rate)
    g = ck.rate("terminal_growth", terminal_growth)
    return ck.scalar_or_array(_tv(cf, k, g, "rate"))


def _tv(cf_last: Any, k: FloatArray, g: FloatArray, name: str) -> FloatArray:
    if np.any(k <= g):
        bad = float(np.min(np.broadcast_to(k, np.broadcast(k, g).shape)))
        raise CorridorInputError(
            name, f"expected a rate above the terminal growth {float(np.max(g)):.10g} (Gordon "
                  f"growth needs k > g), got {bad:.10g}")
    return np.asarray(cf_last * (1.0 + g) / (k - g), dtype=float)


def _pv_tv(name: str, k: FloatArray, cf: FloatArray, t: FloatArray,
           terminal_growth: Any) -> FloatArray:
    """PV of the terminal value (0 without a terminal growth), discounted like the last flow."""
    if terminal_growth is None:
        return np.zeros(np.shape(k))
    g = ck.rate("terminal_growth", terminal_growth)
    return _tv(cf[-1], k, g, name) * np.exp(-np.log1p(k) * t[-1])


@overload
def npv(  # type: ignore[overload-overlap]
    rate: float,
    cash_flows: ck.Flows,
    *,
    timing: ck.Timing = ...,
    terminal_growth: float | None = ...,
) -> float: ...


@overload
def npv(  # type: ignore[overload-overlap]
    rate: float | ck.Frame,
    cash_flows: ck.Flows,
    *,
    timing: ck.Timing = ...,
    terminal_growth: float | None = ...,
) -> ck.Frame: ...


@overload
def npv(
    rate: ck.Vec,
    cash_flows: ck.Flows,
    *,
    timing: ck.Timing = ...,
    terminal_growth: ck.Vec | None = ...,
) -> ck.FloatArray: ...


@ck.elementwise(series=('cash_flows',))
def npv(rate: Any, cash_flows: Any, *, timing: str = "end",
        terminal_growth: Any = None) -> Any:
    """Net present value of periodic cash flows, Excel's NPV convention by default.

    Parameters
    ----------
    rate : float or array_like
        Discount rate per period, decimal (0.10 for 10%), not per cent. Broadcasts.
    cash_flows : array_like
        One series of amounts (model currency), period 1 first.
    timing : {'end', 'mid', 'begin'}, keyword-only
        Where in each period the cash flow falls. 'end' discounts period i (1-based) by
        (1+k)^-i like Excel's NPV; 'mid' by (1+k)^-(i-0.5); 'begin' by (1+k)^-(i-1).
    terminal_growth : float, optional, keyword-only
        None (default): no value after the last cash flow. A decimal below the rate: the
        Gordon-growth terminal value :func:`terminal_value` of the last cash flow is added,
        discounted like the last cash flow.

    Returns
    -------
    float or ndarray
        Present value, same shape as ``rate`` (a float for a scalar rate).

    Notes
    -----
    .. math:: NPV(k) = \\sum_{i=1}^{n} CF_i (1 + k)^{-(i - s)},\\quad s \\in \\{0, 0.5, 1\\}

    References
    ----------
    .. [1] Microsoft, "NPV function", Excel help: "NPV assumes the investment begins one
       period before the date of the value1 cash flow and ends with the last cash flow".

    Examples
    --------
    Microsoft's help example: NPV(10%, -10000, 3000, 4200, 6800) = 1,188.44.

    >>> round(npv(0.10, [-10000, 3000, 4200, 6800]), 2)
    1188.44
    >>> round(npv(0.10, [-10000, 3000, 4200, 6800], timing="begin"), 2)
    1307.29
    """
    shift = ck.timing("timing", timing)
    k = ck.rate("rate", rate)
    cf = ck.series("cash_flows", cash_flows)
    t = _periods(cf.size, shift)
    return ck.scalar_or_array(_present_value("rate", k, cf, t, shift)
                              + _pv_tv("rate", k, cf, t, terminal_growth))


def excel_serial(name: str, dates: Any) -> FloatArray:
    """Dates as Excel serial day numbers (1900 date system), truncated to whole days.

    Accepts Excel serials, ``datetime.date``/``datetime.datetime``, ``numpy.datetime64`` and
    pandas Timestamps. Raises CorridorInputError naming ``name`` for anything else.
    """
    if (type(dates) is list or type(dates) is tuple) and dates:
        try:  # the common case, a flat list of dates: whole days since the epoch, no numpy
            ordinals = list(map(dt.date.toordinal, dates))  # datetimes too: the date part
        except (TypeError, ValueError):  # serials, text, blanks, NaT: the full path below
            pass
        else:
            return _check_serials(name, np.array(ordinals, dtype=np.float64) - _EPOCH_ORDINAL,
                                  _FIRST_DATE_SERIAL)
    if isinstance(dates, (str, bytes)):
        raise CorridorInputError(
            name, f"expected dates or Excel date serials, got text {show(dates)}"
        )
    raw = np.asarray(dates)
    if raw.ndim == 0:
        raw = raw.reshape(1)
    if raw.ndim == 2 and 1 in raw.shape:
        raw = raw.reshape(-1)
    if raw.ndim != 1 or raw.size == 0:
        raise CorridorInputError(name, "expected one row or one column of dates")
    first: Any = 1.0  # the lowest serial allowed: per item once dates and numbers mix
    if raw.dtype.kind == "M":
        serial = (raw.astype("datetime64[D]") - _EXCEL_EPOCH).astype(np.float64)
        first = _FIRST_DATE_SERIAL
    else:
        out = np.empty(raw.size)
        for i, item in enumerate(raw.tolist()):
            if isinstance(item, dt.datetime):
                item = item.date()
            if isinstance(item, dt.date):
                out[i] = (np.datetime64(item, "D") - _EXCEL_EPOCH).astype(np.float64)
                if not isinstance(first, np.ndarray):
                    first = np.ones(raw.size)
                first[i] = _FIRST_DATE_SERIAL
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                out[i] = float(item)
            else:
                shown = "a blank" if item is None else repr(item)
                raise CorridorInputError(
                    name, f"expected a date or an Excel date serial at item {i + 1}, got {shown}"
                )
        serial = out
    return np.floor(_check_serials(name, serial, first))


def _check_serials(name: str, serial: FloatArray, first: Any = 1.0) -> FloatArray:
    """``serial`` if every item is in [first, 9999-12-31]; ``first`` is 1 for a number and
    2 for a date (1900-01-01 from the 1899-12-30 epoch), per item or for all."""
    if serial.min() >= _FIRST_DATE_SERIAL and serial.max() <= _MAX_SERIAL:  # NaN fails too
        return serial
    firsts = np.broadcast_to(np.asarray(first, dtype=np.float64), serial.shape)
    bad = ~np.isfinite(serial) | (serial < firsts) | (serial > _MAX_SERIAL)
    if not bad.any():
        return serial
    i = int(np.argmax(bad))
    got = (str(_EXCEL_EPOCH + int(serial[i])) if firsts[i] == _FIRST_DATE_SERIAL
           and np.isfinite(serial[i]) else f"{serial[i]:.10g}")
    raise CorridorInputError(
        name,
        f"expected a date between 1900-01-01 and 9999-12-31 at item {i + 1}, got {got}",
    )


def _xnpv_exponents(name: str, serials: FloatArray) -> FloatArray:
    if serials.min() < serials[0]:
        early = serials < serials[0]
        i = int(np.argmax(early))
        raise CorridorInputError(
            name, f"expected the first date to be the earliest, but item {i + 1} falls before it"
        )
    return (serials - serials[0]) / DAYS_PER_YEAR


def _same_length(cf: FloatArray, serials: FloatArray) -> None:
    if cf.size != serials.size:
        raise CorridorInputError(
            "dates", f"expected {cf.size} dates, one per cash flow, got {serials.size}"
        )


@overload
def xnpv(rate: float, cash_flows: ck.Flows, dates: Any) -> float: ...


@overload
def xnpv(rate: float | ck.Frame, cash_flows: ck.Flows, dates: Any) -> ck.Frame: ...


@overload
def xnpv(rate: ck.Vec, cash_flows: ck.Flows, dates: Any) -> ck.FloatArray: ...


@ck.elementwise(series=('cash_flows', 'dates'))
def xnpv(rate: Any, cash_flows: Any, dates: Any) -> Any:
    """Net present value of dated cash flows, as Excel's XNPV.

    Parameters
    ----------
    rate : float or array_like
        Annual discount rate, decimal, not per cent. Broadcasts.
    cash_flows : array_like
        Amounts (model currency), one per date.
    dates : array_like
        Payment dates (dates or Excel serials); none may precede the first.

    Returns
    -------
    float or ndarray
        Present value at the first date.

    Notes
    -----
    .. math:: XNPV = \\sum_i CF_i (1 + k)^{-(d_i - d_1)/365}

    References
    ----------
    .. [1] Microsoft, "XNPV function", Excel help.

    Examples
    --------
    Microsoft's help example: XNPV(9%, ...) = 2,086.65.

    >>> import datetime as dt
    >>> d = [dt.date(2008, 1, 1), dt.date(2008, 3, 1), dt.date(2008, 10, 30),
    ...      dt.date(2009, 2, 15), dt.date(2009, 4, 1)]
    >>> round(xnpv(0.09, [-10000, 2750, 4250, 3250, 2750], d), 2)
    2086.65
    """
    k = ck.rate("rate", rate)
    cf = ck.series("cash_flows", cash_flows)
    serials = excel_serial("dates", dates)
    _same_length(cf, serials)
    return ck.scalar_or_array(_present_value("rate", k, cf, _xnpv_exponents("dates", serials)))


@overload
def dual_npv(  # type: ignore[overload-overlap]
    cash_flows: ck.Flows,
    ke_dual: float,
    ke_single: float,
    compliance_cost: float,
    *,
    timing: ck.Timing = ...,
    terminal_growth: float | None = ...,
) -> float: ...


@overload
def dual_npv(  # type: ignore[overload-overlap]
    cash_flows: ck.Flows,
    ke_dual: float | ck.Frame,
    ke_single: float | ck.Frame,
    compliance_cost: float | ck.Frame,
    *,
    timing: ck.Timing = ...,
    terminal_growth: float | None = ...,
) -> ck.Frame: ...


@overload
def dual_npv(
    cash_flows: ck.Flows,
    ke_dual: ck.Vec,
    ke_single: ck.Vec,
    compliance_cost: ck.Vec,
    *,
    timing: ck.Timing = ...,
    terminal_growth: ck.Vec | None = ...,
) -> ck.FloatArray: ...


def dual_npv(
    cash_flows: Any, ke_dual: Any, ke_single: Any, compliance_cost: Any, *, timing: str = "end",
    terminal_growth: Any = None,
) -> Any:
    """Delta NPV of a dual listing (Excel: DUAL_NPV).

    Parameters
    ----------
    cash_flows : array_like
        The project's equity cash flows by period (model currency), period 1 first.
    ke_dual : float or array_like
        Cost of equity with the dual listing, decimal, not per cent.
    ke_single : float or array_like
        Cost of equity with the single listing, decimal.
    compliance_cost : float or array_like
        Capitalized cost of complying with two exchanges (model currency, >= 0), as a
        present value at the valuation date.
    timing : {'end', 'mid', 'begin'}, keyword-only
        Cash-flow timing within each period; see :func:`npv`.
    terminal_growth : float, optional, keyword-only
        None (default): no value after the last cash flow. A decimal below both rates: the
        Gordon-growth terminal value :func:`terminal_value` of the last cash flow is added,
        discounted like the last cash flow.

    Returns
    -------
    float or ndarray
        Delta NPV, model currency. ``ke_dual``, ``ke_single`` and ``compliance_cost``
        broadcast: a column of rates against a row of costs gives a grid.

    Notes
    -----
    .. math:: \\Delta NPV = NPV(K_{e,dual}) - NPV(K_{e,single}) - C_{compliance}

    Proceed with the dual listing only if Delta NPV > 0.

    References
    ----------
    .. [1] L. Hail and C. Leuz, "Cost of capital effects and changes in growth expectations
       around U.S. cross-listings", Journal of Financial Economics 93 (2009) 428-454.

    Examples
    --------
    >>> round(dual_npv([-100, 30, 40, 50, 60], 0.10, 0.12, 2.0), 4)
    4.42
    >>> dual_npv([-100, 30, 40, 50, 60], [[0.10], [0.11]], 0.12, [0.0, 5.0]).round(2)
    array([[ 6.42,  1.42],
           [ 3.13, -1.87]])
    """
    if terminal_growth is None:  # the fast path knows no terminal value
        # one cell of a sheet: a list of plain numbers at plain rates, before the pandas wrapper
        # (fast_series and _plain_delta take no pandas object; the same checks, in the same
        # order, as the general path below, which gets everything they send back)
        shift = ck.timing("timing", timing)
        kd = ck.plain_rate(ke_dual)
        ks = ck.plain_rate(ke_single)
        cost = ck.plain_amount(compliance_cost, nonnegative=True)
        cf = (ck.fast_series(cash_flows) if kd is not None and ks is not None
              and cost is not None else None)
        if cf is not None:
            plain = _pv_delta(cf, _periods(cf.size, shift), kd, ks, cost,  # type: ignore[arg-type]
                              cf.size - shift)
            if plain is not None:
                return plain
    return _dual_npv(cash_flows, ke_dual, ke_single, compliance_cost, timing=timing,
                     terminal_growth=terminal_growth)


@ck.elementwise(series=('cash_flows',))
def _dual_npv(
    cash_flows: Any, ke_dual: Any, ke_single: Any, compliance_cost: Any, *, timing: str = "end",
    terminal_growth: Any = None,
) -> Any:
    """:func:`dual_npv` for any input: arrays, pandas, a terminal value, and every message."""
    shift = ck.timing("timing", timing)
    cf = ck.series("cash_flows", cash_flows)
    t = _periods(cf.size, shift)
    plain = (_plain_delta(cf, t, ke_dual, ke_single, compliance_cost, cf.size - shift)
             if terminal_growth is None else None)  # the fast path knows no terminal value
    if plain is not None:
        return plain
    kd = ck.rate("ke_dual", ke_dual)
    ks = ck.rate("ke_single", ke_single)
    cost = ck.amount("compliance_cost", compliance_cost, nonnegative=True)
    if terminal_growth is None:  # no terminal value: nothing to add (the same sums as below)
        return ck.scalar_or_array(_present_value("ke_dual", kd, cf, t, shift)
                                  - _present_value("ke_single", ks, cf, t, shift) - cost)
    return ck.scalar_or_array(
        _present_value("ke_dual", kd, cf, t, shift) + _pv_tv("ke_dual", kd, cf, t, terminal_growth)
        - _present_value("ke_single", ks, cf, t, shift)
        - _pv_tv("ke_single", ks, cf, t, terminal_growth)
        - cost
    )


@overload
def dual_xnpv(
    cash_flows: ck.Flows,
    dates: Any,
    ke_dual: float,
    ke_single: float,
    compliance_cost: float,
) -> float: ...


@overload
def dual_xnpv(
    cash_flows: ck.Flows,
    dates: Any,
    ke_dual: float | ck.Frame,
    ke_single: float | ck.Frame,
    compliance_cost: float | ck.Frame,
) -> ck.Frame: ...


@overload
def dual_xnpv(
    cash_flows: ck.Flows,
    dates: Any,
    ke_dual: ck.Vec,
    ke_single: ck.Vec,
    compliance_cost: ck.Vec,
) -> ck.FloatArray: ...


@ck.elementwise(series=('cash_flows', 'dates'))
def dual_xnpv(
    cash_flows: Any, dates: Any, ke_dual: Any, ke_single: Any, compliance_cost: Any
) -> Any:
    """Delta NPV of a dual listing with dated cash flows (Excel: DUAL_XNPV).

    Parameters
    ----------
    cash_flows : array_like
        Amounts (model currency), one per date.
    dates : array_like
        Dates or Excel serials; none may precede the first, which is the valuation date.
    ke_dual, ke_single : float or array_like
        Annual costs of equity with and without the dual listing, decimals.
    compliance_cost : float or array_like
        Capitalized compliance cost as a value at the first date (model currency, >= 0).

    Returns
    -------
    float or ndarray
        Delta NPV at the first date, model currency.

    Notes
    -----
    .. math:: \\Delta = XNPV(K_{e,dual}) - XNPV(K_{e,single}) - C,\\quad
              XNPV(k) = \\sum_i CF_i (1+k)^{-(d_i - d_1)/365}

    References
    ----------
    .. [1] Microsoft, "XNPV function", Excel help.

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2026, 1, 1), dt.date(2027, 1, 1), dt.date(2028, 1, 1)]
    >>> round(dual_xnpv([-100, 60, 70], d, 0.10, 0.12, 1.0), 4)
    2.0217
    """
    plain = _plain_xdelta(cash_flows, dates, ke_dual, ke_single, compliance_cost)
    if plain is not None:
        return plain
    cf = ck.series("cash_flows", cash_flows)
    serials = excel_serial("dates", dates)
    _same_length(cf, serials)
    t = _xnpv_exponents("dates", serials)
    plain = _plain_delta(cf, t, ke_dual, ke_single, compliance_cost, float(t.max()))
    if plain is not None:
        return plain
    kd = ck.rate("ke_dual", ke_dual)
    ks = ck.rate("ke_single", ke_single)
    cost = ck.amount("compliance_cost", compliance_cost, nonnegative=True)
    return ck.scalar_or_array(
        _present_value("ke_dual", kd, cf, t) - _present_value("ke_single", ks, cf, t) - cost
    )


@overload
def breakeven_cost(  # type: ignore[overload-overlap]
    cash_flows: ck.Flows,
    ke_dual: float,
    ke_single: float,
    *,
    timing: ck.Timing = ...,
    terminal_growth: float | None = ...,
) -> float: ...


@overload
def breakeven_cost(  # type: ignore[overload-overlap]
    cash_flows: ck.Flows,
    ke_dual: float | ck.Frame,
    ke_single: float | ck.Frame,
    *,
    timing: ck.Timing = ...,
    terminal_growth: float | None = ...,
) -> ck.Frame: ...


@overload
def breakeven_cost(
    cash_flows: ck.Flows,
    ke_dual: ck.Vec,
    ke_single: ck.Vec,
    *,
    timing: ck.Timing = ...,
    terminal_growth: ck.Vec | None = ...,
) -> ck.FloatArray: ...


@ck.elementwise(series=('cash_flows',))
def breakeven_cost(cash_flows: Any, ke_dual: Any, ke_single: Any, *, timing: str = "end",
                   terminal_growth: Any = None) -> Any:
    """The largest compliance cost at which Delta NPV >= 0 (Excel: DUAL_BREAKEVEN_COST).

    Parameters
    ----------
    cash_flows : array_like
        Equity cash flows by period (model currency).
    ke_dual, ke_single : float or array_like
        Costs of equity with and without the dual listing, decimals.
    timing : {'end', 'mid', 'begin'}, keyword-only
        See :func:`npv`.
    terminal_growth : float, optional, keyword-only
        None (default): no value after the last cash flow. A decimal below both rates: the
        Gordon-growth terminal value :func:`terminal_value` of the last cash flow is added,
        discounted like the last cash flow.

    Returns
    -------
    float or ndarray
        NPV(ke_dual) - NPV(ke_single), model currency: the present value the dual listing
        creates before its costs. A negative result means no compliance cost, however small,
        makes the dual listing pay.

    Notes
    -----
    .. math:: C^* = NPV(K_{e,dual}) - NPV(K_{e,single})

    References
    ----------
    .. [1] Microsoft, "NPV function", Excel help (the discounting convention).

    Examples
    --------
    >>> round(breakeven_cost([-100, 30, 40, 50, 60], 0.10, 0.12), 4)
    6.42
    """
    shift = ck.timing("timing", timing)
    cf = ck.series("cash_flows", cash_flows)
    kd = ck.rate("ke_dual", ke_dual)
    ks = ck.rate("ke_single", ke_single)
    t = _periods(cf.size, shift)
    return ck.scalar_or_array(
        _present_value("ke_dual", kd, cf, t, shift) + _pv_tv("ke_dual", kd, cf, t, terminal_growth)
        - _present_value("ke_single", ks, cf, t, shift)
        - _pv_tv("ke_single", ks, cf, t, terminal_growth)
    )


@overload
def breakeven_ke(  # type: ignore[overload-overlap]
    cash_flows: ck.Flows,
    ke_single: float,
    compliance_cost: float,
    *,
    timing: ck.Timing = ...,
    terminal_growth: float | None = ...,
) -> float: ...


@overload
def breakeven_ke(  # type: ignore[overload-overlap]
    cash_flows: ck.Flows,
    ke_single: float | ck.Frame,
    compliance_cost: float | ck.Frame,
    *,
    timing: ck.Timing = ...,
    terminal_growth: float | None = ...,
) -> ck.Frame: ...


@overload
def breakeven_ke(
    cash_flows: ck.Flows,
    ke_single: ck.Vec,
    compliance_cost: ck.Vec,
    *,
    timing: ck.Timing = ...,
    terminal_growth: ck.Vec | None = ...,
) -> ck.FloatArray: ...


@ck.elementwise(series=('cash_flows',))
def breakeven_ke(
    cash_flows: Any, ke_single: Any, compliance_cost: Any, *, timing: str = "end",
    terminal_growth: Any = None,
) -> Any:
    """The largest ke_dual below ke_single at which Delta NPV = 0 (Excel: DUAL_BREAKEVEN_KE).

    The dual listing pays only if it brings the cost of equity below this rate.

    Parameters
    ----------
    cash_flows : array_like
        Equity cash flows by period (model currency).
    ke_single : float or array_like
        Cost of equity with the single listing, decimal.
    compliance_cost : float or array_like
        Capitalized compliance cost (model currency, >= 0).
    timing : {'end', 'mid', 'begin'}, keyword-only
        See :func:`npv`.
    terminal_growth : float or array_like, optional, keyword-only
        None (default): no value after the last cash flow. A decimal (not per cent) below
        ``ke_single``: the Gordon-growth terminal value :func:`terminal_value` of the last
        cash flow is added on both sides, discounted like the last cash flow, as in
        :func:`dual_npv`; the root is then searched above the terminal growth only.

    Returns
    -------
    float or ndarray
        The break-even ke_dual, decimal; ``ke_single`` itself when the cost is 0; NaN where no
        rate between -99% (or the terminal growth, if higher) and ke_single makes Delta NPV
        zero (the dual listing cannot pay for itself, e.g. when the cash flows' NPV does not
        fall as the rate falls).

    Notes
    -----
    Solves :math:`NPV(k) = NPV(K_{e,single}) + C` for the largest :math:`k < K_{e,single}`:
    NPV is tabulated on a 5 bp grid from -99% up to ke_single, the sign change nearest
    ke_single brackets the root, and bisection refines it to 1e-12. A root in a dip narrower
    than the grid step can be missed.

    With a terminal growth :math:`g` (the keyword ``terminal_growth`` of the Python function;
    the Excel function has none, like DUAL_NPV) the present value is

    .. math:: PV(k) = \\sum_{i=1}^{n} CF_i (1+k)^{-t_i}
              + \\frac{CF_n (1+g)}{k-g} (1+k)^{-t_n},

    and the grid runs over :math:`(\\max(g, -0.99), K_{e,single}]`. Near :math:`g` the terminal
    value grows without bound with the sign of :math:`CF_n`: for :math:`CF_n > 0` and
    :math:`C > 0` a root always exists, and when no grid point reaches the target the
    bisection brackets it between :math:`g` (never evaluated) and the first grid point.

    References
    ----------
    .. [1] Microsoft, "NPV function", Excel help (the discounting convention).
    .. [2] M. J. Gordon, "Dividends, earnings, and stock prices", Review of Economics and
       Statistics 41 (1959) 99-105 (the terminal value).

    Examples
    --------
    >>> k = breakeven_ke([-100, 30, 40, 50, 60], 0.12, 2.0)
    >>> 0.11 < k < 0.12
    True
    >>> round(dual_npv([-100, 30, 40, 50, 60], k, 0.12, 2.0), 9)
    0.0

    With a terminal value growing 2% a period after period 5:

    >>> k = breakeven_ke([-100, 30, 40, 50, 60], 0.12, 2.0, terminal_growth=0.02)
    >>> 0.11 < k < 0.12
    True
    >>> round(dual_npv([-100, 30, 40, 50, 60], k, 0.12, 2.0, terminal_growth=0.02), 9)
    0.0
    """
    shift = ck.timing("timing", timing)
    cf = ck.series("cash_flows", cash_flows)
    ks = ck.rate("ke_single", ke_single)
    cost = ck.amount("compliance_cost", compliance_cost, nonnegative=True)
    t = _periods(cf.size, shift)
    return _breakeven_rate(cf, t, ks, cost, shift, growth=_growth(terminal_growth))


def _check_ke_floor(flat_ks: FloatArray) -> None:
    if flat_ks.size and float(flat_ks.min()) <= _KE_FLOOR:
        raise CorridorInputError("ke_single", f"expected a rate above {_KE_FLOOR:g} (the "
                                 "lowest ke_dual searched), got "
                                 f"{float(flat_ks.min()):g}")


def _bracket(hit: Any, grid: FloatArray, ks: FloatArray, lower: FloatArray,
             upper: FloatArray) -> Any:
    """Per row of ``hit`` (the grid rates whose PV reaches the target), the bracket from the
    last such rate to the next grid rate (at most ke_single ``ks``), written into the views
    ``lower`` and ``upper``; returns which rows have one."""
    any_hit = hit.any(axis=1)
    last = grid.size - 1 - np.argmax(hit[:, ::-1], axis=1)
    idx = np.flatnonzero(any_hit)
    lower[idx] = grid[last[idx]]
    nxt = last[idx] + 1
    cap = np.minimum(grid[np.minimum(nxt, grid.size - 1)], ks[idx])
    upper[idx] = np.where(nxt < grid.size, cap, ks[idx])
    return any_hit


def _bisect(lo: FloatArray, hi: FloatArray, target: FloatArray, iterations: int,
            pv: Callable[[FloatArray], FloatArray]) -> FloatArray:
    """The rate in each bracket [lo, hi] where ``pv`` (falling in the rate) crosses
    ``target``, halved at most ``iterations`` times or until every bracket is under 1e-13."""
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        positive = pv(mid) >= target
        lo = np.where(positive, mid, lo)
        hi = np.where(positive, hi, mid)
        if np.all(hi - lo < 1e-13):
            break
    return np.asarray(0.5 * (lo + hi))


def _breakeven_rate(
    cf: FloatArray, t: FloatArray, ks: FloatArray, cost: FloatArray, shift: float | None = None,
    growth: FloatArray | None = None,
) -> Any:
    """The largest rate below ke_single at which PV(rate) = PV(ke_single) + cost, for
    cash flows ``cf`` discounted at exponents ``t`` (periods or year fractions; ``shift`` says
    they are the periods 1..n minus shift, see :func:`_present_value`); ``growth``, a checked
    terminal growth, adds the Gordon terminal value (:func:`_breakeven_rate_tv`)."""
    if growth is not None:
        return _breakeven_rate_tv(cf, t, ks, cost, shift, growth)
    ks_b, cost_b = np.broadcast_arrays(ks, cost)
    flat_ks = ks_b.reshape(-1)
    target = _present_value("ke_single", flat_ks, cf, t, shift) + cost_b.reshape(-1)

    _check_ke_floor(flat_ks)
    top = max(float(flat_ks.max()), _KE_FLOOR)
    grid = np.arange(_KE_FLOOR, top, _KE_GRID_STEP)
    with np.errstate(over="ignore", invalid="ignore"):
        grid_pv = _unique_present_value(grid, cf, t, shift)

    lower = np.full(flat_ks.shape, np.nan)
    upper = flat_ks.copy()
    # Chunk the (element x grid) comparison so memory stays bounded on large grids.
    chunk = max(1, 4_000_000 // max(grid.size, 1))
    for start in range(0, flat_ks.size, chunk):
        sl = slice(start, start + chunk)
        below = grid[None, :] < flat_ks[sl, None]
        hit = below & (grid_pv[None, :] >= target[sl, None])
        _bracket(hit, grid, flat_ks[sl], lower[sl], upper[sl])

    found = np.isfinite(lower)
    result = np.full(flat_ks.shape, np.nan)
    result[found] = _bisect(lower[found], upper[found], target[found], 80,
                            lambda k: _unique_present_value(k, cf, t, shift))
    zero_cost = cost_b.reshape(-1) == 0
    result[zero_cost] = flat_ks[zero_cost]
    return ck.scalar_or_array(result.reshape(ks_b.shape))


def _growth(terminal_growth: Any) -> FloatArray | None:
    """A checked terminal growth, or None for none."""
    return None if terminal_growth is None else ck.rate("terminal_growth", terminal_growth)


def _tv_term(cf_last: float, t_last: float, k: FloatArray, g: FloatArray) -> FloatArray:
    """PV of the Gordon terminal value at rates ``k`` above ``g`` (no checks: the caller
    keeps k > g), discounted like the last flow: CF_n (1+g)/(k-g) (1+k)^-t_n."""
    return np.asarray(cf_last * (1.0 + g) / (k - g) * np.exp(-np.log1p(k) * t_last))


def _breakeven_rate_tv(
    cf: FloatArray, t: FloatArray, ks: FloatArray, cost: FloatArray, shift: float | None,
    growth: FloatArray,
) -> Any:
    """:func:`_breakeven_rate` with a Gordon terminal value: PV(k) = sum CF_i (1+k)^-t_i +
    CF_n (1+g)/(k-g) (1+k)^-t_n, searched on (max(g, -0.99), ke_single] per element."""
    ks_b, cost_b, g_b = np.broadcast_arrays(ks, cost, growth)
    flat_ks, flat_g, flat_cost = ks_b.reshape(-1), g_b.reshape(-1), cost_b.reshape(-1)
    _check_ke_floor(flat_ks)
    # PV at ke_single with its terminal value: refuses ke_single <= g, naming ke_single
    target = (_present_value("ke_single", flat_ks, cf, t, shift)
              + _pv_tv("ke_single", flat_ks, cf, t, flat_g) + flat_cost)
    result = np.full(flat_ks.shape, np.nan)
    if flat_ks.size == 0:
        return ck.scalar_or_array(result.reshape(ks_b.shape))
    cf_last, t_last = float(cf[-1]), float(t[-1])
    floor = np.maximum(flat_g, _KE_FLOOR)  # searched above it (open at the terminal growth)
    grid = np.arange(_KE_FLOOR, float(flat_ks.max()), _KE_GRID_STEP)  # the grid without a TV
    grid = grid[grid > float(flat_g.min())]
    with np.errstate(over="ignore", invalid="ignore"):
        grid_pv = _unique_present_value(grid, cf, t, shift)

    lower = np.full(flat_ks.shape, np.nan)
    upper = flat_ks.copy()
    chunk = max(1, 4_000_000 // max(grid.size, 1))
    for start in range(0, flat_ks.size, chunk):
        sl = slice(start, start + chunk)
        g_col = flat_g[sl, None]
        inside = ((grid[None, :] < flat_ks[sl, None]) & (grid[None, :] > g_col)
                  & (grid[None, :] >= floor[sl, None]))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            pv = grid_pv[None, :] + np.where(
                inside, _tv_term(cf_last, t_last, grid[None, :], g_col), 0.0)
        hit = inside & (pv >= target[sl, None])
        any_hit = _bracket(hit, grid, flat_ks[sl], lower[sl], upper[sl])
        # No grid point reaches the target, but the terminal value of a positive last flow
        # grows without bound as k falls to g: the root lies between g and the first point
        # searched above it (or ke_single, if none).
        near = np.flatnonzero(~any_hit & (cf_last > 0) & (flat_g[sl] >= _KE_FLOOR))
        if near.size:
            first_in = np.argmax(inside[near], axis=1)
            has = inside[near].any(axis=1)
            lower[sl][near] = flat_g[sl][near]
            upper[sl][near] = np.where(has, grid[first_in], flat_ks[sl][near])

    found = np.isfinite(lower)
    gg = flat_g[found]

    def pv_tv(k: FloatArray) -> FloatArray:  # k above g: lo >= g and hi > lo
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(_unique_present_value(k, cf, t, shift)
                              + _tv_term(cf_last, t_last, k, gg))

    result[found] = _bisect(lower[found], upper[found], target[found], 200, pv_tv)
    zero_cost = flat_cost == 0
    result[zero_cost] = flat_ks[zero_cost]
    return ck.scalar_or_array(result.reshape(ks_b.shape))


@overload
def xbreakeven_ke(
    cash_flows: ck.Flows,
    dates: Any,
    ke_single: float,
    compliance_cost: float,
    *,
    terminal_growth: float | None = ...,
) -> float: ...


@overload
def xbreakeven_ke(
    cash_flows: ck.Flows,
    dates: Any,
    ke_single: float | ck.Frame,
    compliance_cost: float | ck.Frame,
    *,
    terminal_growth: float | None = ...,
) -> ck.Frame: ...


@overload
def xbreakeven_ke(
    cash_flows: ck.Flows,
    dates: Any,
    ke_single: ck.Vec,
    compliance_cost: ck.Vec,
    *,
    terminal_growth: ck.Vec | None = ...,
) -> ck.FloatArray: ...


@ck.elementwise(series=('cash_flows', 'dates'))
def xbreakeven_ke(cash_flows: Any, dates: Any, ke_single: Any, compliance_cost: Any, *,
                  terminal_growth: Any = None) -> Any:
    """The largest Ke dual below ke_single at which the dated Delta NPV is zero.

    The dated counterpart of :func:`breakeven_ke`: cash flows are discounted like Excel's XNPV
    from the first date, ``(1 + k)^-((d_i - d_1)/365)``; to discount from a valuation date, put
    that date first with a cash flow of 0.

    Parameters
    ----------
    cash_flows : array_like
        Project cash flows, one per date, in the model currency.
    dates : array_like
        One date per cash flow (dates or Excel serials), none before the first.
    ke_single : float or array_like
        Cost of equity with a single listing, decimal (not per cent).
    compliance_cost : float or array_like
        Capitalized compliance cost at the first date, in the model currency, >= 0.
    terminal_growth : float or array_like, optional, keyword-only
        None (default): no value after the last cash flow. An annual growth, decimal (not per
        cent), below ``ke_single``: the Gordon terminal value :math:`CF_n (1+g)/(k-g)` of the
        last cash flow is added at the last date, discounted like that flow.

    Returns
    -------
    float or ndarray
        The break-even Ke dual, decimal; NaN where no rate between -99% (or the terminal
        growth, if higher) and ke_single recovers the cost.

    Notes
    -----
    Solves ``XNPV(k, CF) = XNPV(ke_single, CF) + C`` by the search of :func:`breakeven_ke`
    (with its terminal value, when ``terminal_growth`` is given).

    References
    ----------
    .. [1] Microsoft, "XNPV function", Excel help (the discounting convention).

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2025, 1, 1), dt.date(2026, 1, 1), dt.date(2027, 1, 1)]
    >>> k = xbreakeven_ke([-100.0, 60.0, 70.0], d, 0.12, 2.0)
    >>> round(dual_xnpv([-100.0, 60.0, 70.0], d, k, 0.12, 2.0), 9)
    0.0
    """
    cf = ck.series("cash_flows", cash_flows)
    serials = excel_serial("dates", dates)
    _same_length(cf, serials)
    t = _xnpv_exponents("dates", serials)
    ks = ck.rate("ke_single", ke_single)
    cost = ck.amount("compliance_cost", compliance_cost, nonnegative=True)
    return _breakeven_rate(cf, t, ks, cost, growth=_growth(terminal_growth))
