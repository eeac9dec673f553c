"""Cross-venue price parity between HKEX and AIX: the gap, the no-arbitrage band, its statistics.

The same share trades in Hong Kong (HKD) and in Astana (on AIX, for Jiaxin in RMB). Shares move
between the two depositories (CCASS and AIX CSD), so a market maker who sees the HKEX price far
from the AIX price converted into HKD can buy on the cheap venue, migrate the shares and sell on
the rich one. Round-trip costs define a band inside which that trade loses money.
"""

from __future__ import annotations

import csv
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.engine._checks import FloatArray
from xl_corridor.engine.discounting import DAYS_PER_YEAR
from xl_corridor.engine.reference import data_text
from xl_corridor.errors import CorridorInputError, show
from xl_corridor.limits import PARITY_CSV_MAX_BYTES, PARITY_MAX_DAYS

__all__ = [
    "ParityResult",
    "ParitySeries",
    "analyze_parity",
    "arbitrage_band",
    "arbitrage_bounds",
    "ar1_half_life",
    "hkex_cost_per_side",
    "load_parity_csv",
    "parity_gap",
    "parity_stats",
    "venue_costs",
]

_MAX_PRICE = 1e9
_MAX_FX = 1e6
_CURRENCY = re.compile("[A-Z]{3}")
_TINY = float(np.finfo(np.float64).tiny)  # smallest normal float: below it, underflow
_MAX_DAYS = DAYS_PER_YEAR  # a settlement or migration lag of at most a year
CSV_COLUMNS = (
    "date",
    "price_hk",
    "price_aix",
    "aix_currency",
    "fx_aix_to_hkd",
    "volume_hk",
    "volume_aix",
)


@cache
def venue_costs() -> dict[str, Any]:
    """Reference trading costs shipped in ``xl_corridor/data/venue_costs.toml``.

    Returns
    -------
    dict
        Nested tables, e.g. ``venue_costs()["hkex"]["stamp_duty"]["value"]``; each entry has
        ``value``, ``status`` ("published" or "assumption"), ``source`` and ``date``.

    Examples
    --------
    >>> venue_costs()["hkex"]["stamp_duty"]["value"]
    0.001
    >>> venue_costs()["corridor"]["conversion_fee"]["status"]
    'assumption'
    """
    return tomllib.loads(data_text("venue_costs.toml"))


def hkex_cost_per_side() -> float:
    """Published statutory and exchange costs of one HKEX trade, per side, as a decimal.

    Stamp duty + SFC levy + AFRC levy + HKEX trading fee + CCASS settlement fee, read from
    ``venue_costs.toml`` (brokerage is negotiable and excluded).

    Returns
    -------
    float
        Cost as a decimal of the consideration.

    References
    ----------
    .. [1] HKEX, "Fees: Securities (Hong Kong) - Trading - Transaction" (SFC levy 0.0027%,
       AFRC levy 0.00015%, trading fee 0.00565%); Stamp Duty (Amendment) (Stock Transfers)
       Ordinance 2023 (0.1% per side from 17 Nov 2023).

    Examples
    --------
    >>> round(hkex_cost_per_side(), 8)
    0.001105
    """
    hk = venue_costs()["hkex"]
    keys = ("stamp_duty", "sfc_levy", "afrc_levy", "trading_fee", "settlement_fee")
    return float(sum(hk[k]["value"] for k in keys))


def parity_gap(
    price_hk: Any, price_aix: Any, fx_aix_to_hkd: Any, aix_shares_per_hk_share: Any = 1.0
) -> Any:
    """Premium of the HKEX price over the AIX price converted to HKD (Excel: DUAL_PARITY_GAP).

    Parameters
    ----------
    price_hk : float or array_like
        HKEX price per share, HKD, > 0.
    price_aix : float or array_like
        AIX price per share in the AIX trading currency (RMB for Jiaxin), > 0.
    fx_aix_to_hkd : float or array_like
        HKD per one unit of the AIX currency, > 0 (for RMB 0.90964 per HK$1 enter 1/0.90964).
    aix_shares_per_hk_share : float or array_like, optional
        AIX shares equivalent to one HKEX share, > 0. Default 1 (the same share on both venues).

    Returns
    -------
    float or ndarray
        Gap as a decimal: positive when Hong Kong is rich. Inputs broadcast.

    Raises
    ------
    CorridorInputError
        For text, non-finite, zero or negative prices, rates or ratios.

    Notes
    -----
    .. math:: g = \\frac{P_{HK}}{P_{AIX} \\, X \\, n} - 1

    with :math:`X` in HKD per AIX-currency unit and :math:`n` AIX shares per HKEX share.

    References
    ----------
    .. [1] Jiaxin International Resources, allotment results and prospectus (Aug 2025): offer
       price HK$10.92; AIX offer price RMB 9.93, "equivalent to HK$10.92" at RMB 0.90964 per
       HK$1.00.

    Examples
    --------
    Jiaxin's offer prices (RMB 9.93 on AIX, HK$10.92 on HKEX) are at parity to rounding:

    >>> round(parity_gap(10.92, 9.93, 1 / 0.90964), 5)
    0.00033
    >>> parity_gap([11.0, 10.0], 10.0, 1.0)
    array([0.1, 0. ])
    """
    p_hk = ck.positive("price_hk", price_hk, "a price in HKD", _MAX_PRICE)
    p_aix = ck.positive("price_aix", price_aix, "a price in the AIX currency", _MAX_PRICE)
    fx = ck.positive("fx_aix_to_hkd", fx_aix_to_hkd, "an exchange rate (HKD per unit)", _MAX_FX)
    n = ck.positive("aix_shares_per_hk_share", aix_shares_per_hk_share, "a share ratio", 1e6)
    aix_in_hkd = p_aix * fx * n
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        gap = p_hk / aix_in_hkd - 1.0
    bad = (aix_in_hkd < _TINY) | ~np.isfinite(gap)
    if np.any(bad):  # the product underflows (to zero or below the normal floats): no gap
        raise CorridorInputError(
            "price_aix", "expected the AIX price in HKD (price_aix x fx_aix_to_hkd x "
            "aix_shares_per_hk_share) to be a representable positive amount; the product "
            f"underflows ({show(np.broadcast_to(aix_in_hkd, np.shape(bad))[bad].flat[0])} HKD), "
            "so the gap would be infinite")
    return ck.scalar_or_array(gap)


def _cost(name: str, x: Any) -> FloatArray:
    return ck.fraction(name, x, "a cost as a decimal of value between 0 and 1, such as 0.0011")


def _band_inputs(
    cost_hk: Any,
    cost_aix: Any,
    conversion_fee: Any,
    fx_spread: Any,
    financing_rate: Any,
    settlement_days: Any,
    conversion_days: Any,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    c_hk = _cost("cost_hk", cost_hk)
    c_aix = _cost("cost_aix", cost_aix)
    k = _cost("conversion_fee", conversion_fee)
    f = _cost("fx_spread", fx_spread)
    r = ck.rate("financing_rate", financing_rate)
    d_s = ck.bounded("settlement_days", settlement_days, 0.0, _MAX_DAYS, "a number of days")
    d_c = ck.bounded("conversion_days", conversion_days, 0.0, _MAX_DAYS, "a number of days")
    carry = 1.0 + r * (d_s + d_c) / DAYS_PER_YEAR
    if np.any(carry <= 0):
        raise CorridorInputError("financing_rate", "gives a carry factor of 0 or less")
    # Cost factors common to both directions: migration, one currency conversion, carry.
    common = (1.0 + k) * carry
    return c_hk, c_aix, f, common, carry


def arbitrage_bounds(
    cost_hk: Any,
    cost_aix: Any,
    conversion_fee: Any,
    fx_spread: Any,
    financing_rate: Any,
    settlement_days: Any = 2,
    conversion_days: Any = 0,
) -> tuple[Any, Any]:
    """Lower and upper parity gaps beyond which cross-venue arbitrage is profitable.

    Parameters are those of :func:`arbitrage_band`.

    Returns
    -------
    (lower, upper) : tuple of float or ndarray
        A gap :math:`g` (see :func:`parity_gap`) with ``lower <= g <= upper`` cannot be
        arbitraged at a profit; ``lower < 0 < upper``.

    Notes
    -----
    Per HKEX share, with costs as decimals of value, :math:`f` the FX cost, :math:`k` the
    conversion fee and carry :math:`m = 1 + r (d_s + d_c)/365`:

    * Hong Kong rich (sell on HKEX, buy on AIX, migrate AIX -> CCASS) pays when
      :math:`P_{HK}(1-c_{HK}) > P_{AIX} X n (1+c_{AIX})(1+f)(1+k) m`, i.e.
      :math:`g > \\frac{(1+c_{AIX})(1+f)(1+k)m}{1-c_{HK}} - 1`;
    * Astana rich (sell on AIX, buy on HKEX, migrate CCASS -> AIX CSD) pays when
      :math:`P_{AIX} X n (1-c_{AIX})(1-f) > P_{HK}(1+c_{HK})(1+k) m`, i.e.
      :math:`g < \\frac{(1-c_{AIX})(1-f)}{(1+c_{HK})(1+k)m} - 1`.

    Examples
    --------
    >>> lo, hi = arbitrage_bounds(0.0011, 0.0005, 0.0005, 0.0005, 0.04, 2, 2)
    >>> round(lo, 6), round(hi, 6)
    (-0.003033, 0.003043)
    """
    c_hk, c_aix, f, common, _ = _band_inputs(
        cost_hk, cost_aix, conversion_fee, fx_spread, financing_rate, settlement_days,
        conversion_days,
    )
    if np.any(c_hk >= 1):
        raise CorridorInputError("cost_hk", "expected a cost below 1 (100% of value)")
    upper = (1.0 + c_aix) * (1.0 + f) * common / (1.0 - c_hk) - 1.0
    lower = (1.0 - c_aix) * (1.0 - f) / ((1.0 + c_hk) * common) - 1.0
    return ck.scalar_or_array(lower), ck.scalar_or_array(upper)


def arbitrage_band(
    cost_hk: Any,
    cost_aix: Any,
    conversion_fee: Any,
    fx_spread: Any,
    financing_rate: Any,
    settlement_days: Any = 2,
    conversion_days: Any = 0,
) -> Any:
    """Half-width of the no-arbitrage band around parity (Excel: DUAL_ARB_BAND).

    Parameters
    ----------
    cost_hk : float or array_like
        All-in cost of one HKEX trade per side, decimal of value (stamp duty 0.1%, SFC and
        AFRC levies, trading and settlement fees, brokerage); :func:`hkex_cost_per_side`
        gives the statutory part, 0.0011.
    cost_aix : float or array_like
        All-in cost of one AIX trade per side, decimal of value.
    conversion_fee : float or array_like
        Fee to migrate shares between CCASS and AIX CSD, decimal of value, per migration.
    fx_spread : float or array_like
        Cost of one conversion between HKD and the AIX currency, decimal (half the quoted
        bid-ask spread).
    financing_rate : float or array_like
        Annual rate at which the arbitrageur funds the purchase leg, decimal, not per cent
        (simple interest, ACT/365, the HKD money-market convention).
    settlement_days : float or array_like, optional
        Calendar days from trade to settlement; both venues settle T+2. Default 2.
    conversion_days : float or array_like, optional
        Further calendar days for the depository migration. Default 0 (an arbitrageur who
        holds inventory on both venues and rebalances later).

    Returns
    -------
    float or ndarray
        The largest :math:`h` such that no gap with :math:`|g| \\le h` can be arbitraged at a
        profit in either direction: ``min(upper, -lower)`` of :func:`arbitrage_bounds`.

    Raises
    ------
    CorridorInputError
        For costs outside [0, 1), a rate typed as a per cent, or negative or over-365 days.

    Notes
    -----
    The band is the round trip: buy on the cheap venue, migrate, sell on the rich one. With
    the bounds of :func:`arbitrage_bounds`, :math:`h = \\min(u, -l)`, and to first order

    .. math:: h \\approx c_{HK} + c_{AIX} + k + f + r \\frac{d_s + d_c}{365}

    Gaps inside the band persist without anyone being able to profit from closing them; only
    gaps outside it are pulled back by arbitrage.

    References
    ----------
    .. [1] HKEX, "Fees: Securities (Hong Kong) - Trading - Transaction", and the Stamp Duty
       (Amendment) (Stock Transfers) Ordinance 2023 (0.1% per side).
    .. [2] K. A. Froot and E. M. Dabora, "How are stock prices affected by the location of
       trade?", Journal of Financial Economics 53 (1999) 189-216 (price gaps between twin
       shares and the limits to arbitrage).

    Examples
    --------
    HKEX statutory costs 0.11%, AIX 0.05%, migration 0.05%, FX 0.05%, 4% funding over T+2
    plus 2 days' migration:

    >>> round(arbitrage_band(0.0011, 0.0005, 0.0005, 0.0005, 0.04, 2, 2), 6)
    0.003033
    >>> arbitrage_band(0.0, 0.0, 0.0, 0.0, 0.0)
    0.0
    """
    lower, upper = arbitrage_bounds(**locals())
    return ck.scalar_or_array(np.minimum(np.asarray(upper), -np.asarray(lower)))


def ar1_half_life(series: Any) -> tuple[float, float]:
    """AR(1) coefficient of a series by OLS, and the half-life of a deviation, in periods.

    Parameters
    ----------
    series : array_like
        At least 3 finite observations, e.g. a daily parity gap.

    Returns
    -------
    (phi, half_life) : tuple of float
        ``phi`` from :math:`x_t = c + \\phi x_{t-1} + e_t`. ``half_life`` is
        :math:`\\ln 0.5 / \\ln|\\phi|` for :math:`0 < |\\phi| < 1`; 0 when
        :math:`\\phi = 0` (a deviation is gone the next period); ``inf`` when
        :math:`|\\phi| \\ge 1` (a unit root or explosive gap: deviations never halve, the
        venues are not held together by arbitrage in this sample). Both are NaN when the lagged
        series is constant (phi is not identified).

    Notes
    -----
    .. math:: \\hat\\phi = \\frac{\\sum (x_{t-1}-\\bar x_-)(x_t-\\bar x_+)}
              {\\sum (x_{t-1}-\\bar x_-)^2}

    A negative :math:`\\phi` means the gap overshoots and alternates in sign; its magnitude
    still decays as :math:`|\\phi|^k`, hence the absolute value.

    Examples
    --------
    >>> phi, hl = ar1_half_life([8.0, 4.0, 2.0, 1.0, 0.5])
    >>> round(phi, 6), round(hl, 6)
    (0.5, 1.0)
    """
    x = ck.series("series", series)
    if x.size < 3:
        raise CorridorInputError("series", f"expected at least 3 observations, got {x.size}")
    lag, cur = x[:-1], x[1:]
    dl = lag - lag.mean()
    sxx = float(dl @ dl)
    if sxx <= 1e-300:
        return math.nan, math.nan
    phi = float(dl @ (cur - cur.mean())) / sxx
    a = abs(phi)
    if a >= 1.0:
        return phi, math.inf
    if a == 0.0:
        return phi, 0.0
    return phi, math.log(0.5) / math.log(a)


@dataclass(frozen=True)
class ParitySeries:
    """A daily two-venue sample, as read by :func:`load_parity_csv` (arrays of equal length)."""

    date: np.ndarray
    price_hk: FloatArray
    price_aix: FloatArray
    aix_currency: str
    fx_aix_to_hkd: FloatArray
    volume_hk: FloatArray
    volume_aix: FloatArray


@dataclass(frozen=True)
class ParityResult:
    """Parity and fragmentation statistics over a sample (see :func:`parity_stats`)."""

    date: np.ndarray
    gap: FloatArray
    band: float
    n_days: int
    mean_gap: float
    std_gap: float
    share_outside_band: float
    phi: float
    half_life_days: float
    value_hk: float
    value_aix: float
    value_share_hk: float
    value_share_aix: float
    herfindahl: float


def _dates(name: str, dates: Any, n: int) -> np.ndarray:
    try:
        d = np.asarray(dates, dtype="datetime64[D]").reshape(-1)
    except (TypeError, ValueError) as exc:
        raise CorridorInputError(name, f"expected ISO dates such as 2025-08-28 ({exc})") from None
    if d.size != n:
        raise CorridorInputError(name, f"expected {n} dates, one per price, got {d.size}")
    if np.isnat(d).any():
        i = int(np.argmax(np.isnat(d)))
        raise CorridorInputError(name, f"expected a date at item {i + 1}, got a blank")
    back = np.diff(d) <= np.timedelta64(0, "D")
    if back.any():
        i = int(np.argmax(back)) + 2
        raise CorridorInputError(
            name, f"expected strictly increasing dates, item {i} ({d[i - 1]}) is not after "
            f"the one before it"
        )
    return d


def _same(name: str, arr: FloatArray, n: int) -> FloatArray:
    if arr.size != n:
        raise CorridorInputError(name, f"expected {n} values, one per day, got {arr.size}")
    return arr


def parity_stats(
    dates: Any,
    price_hk: Any,
    price_aix: Any,
    fx_aix_to_hkd: Any,
    volume_hk: Any,
    volume_aix: Any,
    band: Any,
    *,
    aix_shares_per_hk_share: float = 1.0,
) -> ParityResult:
    """Daily parity gap, time outside the band, gap half-life and venue fragmentation.

    Parameters
    ----------
    dates : array_like
        Trading days, strictly increasing (ISO strings, ``datetime64`` or dates).
    price_hk, price_aix : array_like
        Daily closing prices: HKEX in HKD, AIX in its own currency; > 0.
    fx_aix_to_hkd : array_like or float
        HKD per unit of the AIX currency, per day or one for all; > 0.
    volume_hk, volume_aix : array_like
        Shares traded each day on each venue, >= 0.
    band : float
        No-arbitrage half-width, decimal (e.g. from :func:`arbitrage_band`).
    aix_shares_per_hk_share : float, keyword-only
        AIX shares per HKEX share. Default 1.

    Returns
    -------
    ParityResult
        ``gap`` per day; ``share_outside_band``: fraction of days with :math:`|g| > band`;
        ``phi`` and ``half_life_days`` of the gap (:func:`ar1_half_life`, trading days);
        traded value per venue in HKD and each venue's share of the total; ``herfindahl``
        :math:`= s_{HK}^2 + s_{AIX}^2` (1: all trading on one venue, 0.5: evenly split).
        Value shares and the index are NaN when nothing traded.

    Raises
    ------
    CorridorInputError
        Naming the argument, for bad values, mismatched lengths, fewer than 3 days or dates
        out of order.

    Notes
    -----
    Traded value: :math:`V_{HK} = \\sum_t P_{HK,t} Q_{HK,t}`,
    :math:`V_{AIX} = \\sum_t P_{AIX,t} X_t Q_{AIX,t}` (HKD);
    :math:`s_v = V_v / (V_{HK}+V_{AIX})`, :math:`HHI = \\sum_v s_v^2`.

    References
    ----------
    .. [1] U.S. Department of Justice, "Herfindahl-Hirschman Index" (sum of squared shares).
    .. [2] M. Pagano, "Trading volume and asset liquidity", Quarterly Journal of Economics 104
       (1989) 255-274 (fragmentation of trading across venues).

    Examples
    --------
    >>> r = parity_stats(["2025-09-01", "2025-09-02", "2025-09-03", "2025-09-04"],
    ...                  [11.0, 10.5, 10.2, 10.1], [10.0, 10.0, 10.0, 10.0], 1.0,
    ...                  [900, 900, 900, 900], [100, 100, 100, 100], 0.03)
    >>> r.gap.round(3)
    array([0.1 , 0.05, 0.02, 0.01])
    >>> r.share_outside_band, round(r.value_share_aix, 4), round(r.herfindahl, 4)
    (0.5, 0.0961, 0.8263)
    """
    p_hk = ck.positive("price_hk", price_hk, "a price in HKD", _MAX_PRICE).reshape(-1)
    n = p_hk.size
    if n < 3:
        raise CorridorInputError("price_hk", f"expected at least 3 days, got {n}")
    p_aix = _same(
        "price_aix",
        ck.positive("price_aix", price_aix, "a price in the AIX currency", _MAX_PRICE).reshape(-1),
        n,
    )
    fx = ck.positive("fx_aix_to_hkd", fx_aix_to_hkd, "an exchange rate (HKD per unit)", _MAX_FX)
    fx = np.broadcast_to(fx, (n,)) if fx.size == 1 else _same("fx_aix_to_hkd", fx.reshape(-1), n)
    q_hk = _same("volume_hk", ck.amount("volume_hk", volume_hk, nonnegative=True).reshape(-1), n)
    q_aix = _same(
        "volume_aix", ck.amount("volume_aix", volume_aix, nonnegative=True).reshape(-1), n
    )
    h = ck.fraction("band", band, "a band half-width as a decimal, such as 0.003")
    if h.ndim != 0 and h.size != 1:
        raise CorridorInputError("band", "expected one number")
    d = _dates("dates", dates, n)
    gap = np.asarray(parity_gap(p_hk, p_aix, fx, aix_shares_per_hk_share))
    phi, half_life = ar1_half_life(gap)
    v_hk = float(p_hk @ q_hk)
    v_aix = float((p_aix * fx) @ q_aix)
    total = v_hk + v_aix
    s_hk = v_hk / total if total > 0 else math.nan
    s_aix = v_aix / total if total > 0 else math.nan
    return ParityResult(
        date=d,
        gap=gap,
        band=float(h),
        n_days=n,
        mean_gap=float(gap.mean()),
        std_gap=float(gap.std(ddof=1)),
        share_outside_band=float(np.mean(np.abs(gap) > float(h))),
        phi=phi,
        half_life_days=half_life,
        value_hk=v_hk,
        value_aix=v_aix,
        value_share_hk=s_hk,
        value_share_aix=s_aix,
        herfindahl=s_hk**2 + s_aix**2,
    )


def analyze_parity(
    data: ParitySeries | Mapping[str, Any] | Any,
    band: Any,
    *,
    aix_shares_per_hk_share: float = 1.0,
) -> ParityResult:
    """:func:`parity_stats` over a loaded sample, a pandas DataFrame or a mapping of columns.

    Parameters
    ----------
    data : ParitySeries, pandas.DataFrame or mapping
        Columns ``date, price_hk, price_aix, fx_aix_to_hkd, volume_hk, volume_aix`` (as in
        :func:`load_parity_csv`).
    band : float
        No-arbitrage half-width, decimal.
    aix_shares_per_hk_share : float, keyword-only
        AIX shares per HKEX share. Default 1.

    Returns
    -------
    ParityResult

    Examples
    --------
    >>> cols = {"date": ["2025-09-01", "2025-09-02", "2025-09-03"],
    ...         "price_hk": [10.0, 10.2, 10.05], "price_aix": [10.0, 10.0, 10.0],
    ...         "fx_aix_to_hkd": 1.0, "volume_hk": [1, 1, 1], "volume_aix": [1, 1, 1]}
    >>> analyze_parity(cols, 0.01).share_outside_band
    0.3333333333333333
    """
    if isinstance(data, ParitySeries):
        get = data.__getattribute__
    else:
        try:
            keys = set(data.keys())
        except AttributeError:
            raise CorridorInputError(
                "data", "expected a ParitySeries, a DataFrame or a mapping of columns"
            ) from None
        missing = [c for c in CSV_COLUMNS if c != "aix_currency" and c not in keys]
        if missing:
            raise CorridorInputError("data", f"missing column(s) {', '.join(missing)}")

        def get(c: str) -> Any:
            col = data[c]
            return col.to_numpy() if hasattr(col, "to_numpy") else col

    return parity_stats(
        get("date"),
        get("price_hk"),
        get("price_aix"),
        get("fx_aix_to_hkd"),
        get("volume_hk"),
        get("volume_aix"),
        band,
        aix_shares_per_hk_share=aix_shares_per_hk_share,
    )


def _cell(path: str, row: int, column: str, text: str, *, positive: bool) -> float:
    where = f"{path}, row {row}, column {column}"
    try:
        v = float(text)
    except ValueError:
        shown = "a blank" if text.strip() == "" else f"text {show(text)}"
        raise CorridorInputError(column, f"expected a number at {where}, got {shown}") from None
    if not math.isfinite(v) or (v <= 0 if positive else v < 0):
        need = "above 0" if positive else "of 0 or more"
        raise CorridorInputError(column, f"expected a finite number {need} at {where}, got {v}")
    return v


def load_parity_csv(path: str | Path) -> ParitySeries:
    """Read a daily two-venue sample from CSV.

    Parameters
    ----------
    path : str or Path
        A CSV file with a header row naming the columns ``date`` (ISO), ``price_hk`` (HKD),
        ``price_aix`` (AIX currency), ``aix_currency`` (one code for the whole file, e.g. CNY),
        ``fx_aix_to_hkd`` (HKD per unit), ``volume_hk``, ``volume_aix`` (shares). Lines
        starting with ``#`` are comments (source, "synthetic" labels). Column order is free.

    Returns
    -------
    ParitySeries

    Raises
    ------
    CorridorInputError
        Naming the column, and the file row (1-based, counting every line) of the first bad
        value: a missing column, a blank, text, a non-positive price or rate, a negative
        volume, a bad or out-of-order date, a currency that is not three letters, or a second
        currency; or naming ``path`` for a file that is not a regular file, is larger than
        4 MiB, holds more than 10,000 data rows or is not UTF-8
        (:data:`xl_corridor.limits.PARITY_CSV_MAX_BYTES`, ``PARITY_MAX_DAYS``).

    Examples
    --------
    >>> from importlib import resources
    >>> import tempfile, os
    >>> text = ("# synthetic\\ndate,price_hk,price_aix,aix_currency,fx_aix_to_hkd,volume_hk,"
    ...         "volume_aix\\n2025-09-01,10.9,9.9,CNY,1.1,1000,10\\n")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = os.path.join(tmp, "s.csv")
    ...     _ = open(p, "w").write(text)
    ...     s = load_parity_csv(p)
    >>> s.aix_currency, s.price_hk
    ('CNY', array([10.9]))
    """
    p = Path(path)
    try:
        if not p.is_file():  # a FIFO or a device would block or never end
            raise CorridorInputError("path", f"{p} is not a regular file")
        size = p.stat().st_size
        if size > PARITY_CSV_MAX_BYTES:
            raise CorridorInputError("path", f"{p} is {size / 2**20:,.1f} MiB; a parity CSV is "
                                             f"at most {PARITY_CSV_MAX_BYTES / 2**20:,.0f} MiB "
                                             f"({PARITY_MAX_DAYS:,} days)")
        with p.open("rb") as fh:
            data = fh.read(PARITY_CSV_MAX_BYTES + 1)[:PARITY_CSV_MAX_BYTES]
    except OSError as exc:
        raise CorridorInputError("path", f"cannot read {p}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorridorInputError("path", f"{p} is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                                         f"at offset {exc.start}); save the CSV as UTF-8") from None
    lines = text.splitlines()
    numbered = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")]
    if not numbered:
        raise CorridorInputError("path", f"{p} has no header row")
    if len(numbered) - 1 > PARITY_MAX_DAYS:
        raise CorridorInputError("path", f"{p} has {len(numbered) - 1:,} data rows; at most "
                                         f"{PARITY_MAX_DAYS:,} trading days")
    reader = csv.reader([ln for _, ln in numbered])
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise CorridorInputError(
            missing[0],
            f"column missing from the header of {p} (expected {', '.join(CSV_COLUMNS)})",
        )
    idx = {c: header.index(c) for c in CSV_COLUMNS}
    cols: dict[str, list[float]] = {c: [] for c in CSV_COLUMNS if c not in ("date",
                                                                              "aix_currency")}
    dates: list[np.datetime64] = []
    currency: str | None = None
    for (row, _), fields in zip(numbered[1:], reader, strict=True):
        if len(fields) < len(header):
            raise CorridorInputError(
                "path", f"{p}, row {row}: expected {len(header)} fields, got {len(fields)}"
            )
        d_text = fields[idx["date"]].strip()
        try:
            d = np.datetime64(d_text, "D")
        except ValueError:
            raise CorridorInputError(
                "date", f"expected an ISO date such as 2025-08-28 at {p}, row {row}, "
                f"got {show(d_text)}"
            ) from None
        if dates and d <= dates[-1]:
            raise CorridorInputError(
                "date", f"expected dates in increasing order at {p}, row {row}: {d} is not "
                f"after {dates[-1]}"
            )
        dates.append(d)
        cur = fields[idx["aix_currency"]].strip().upper()
        if not _CURRENCY.fullmatch(cur):
            raise CorridorInputError(
                "aix_currency", f"expected a three-letter ISO 4217 currency code such as CNY "
                f"at {p}, row {row}, got {show(fields[idx['aix_currency']])}")
        if currency is None:
            currency = cur
        elif cur != currency:
            raise CorridorInputError(
                "aix_currency", f"expected {currency} throughout, got {cur} at {p}, row {row}"
            )
        for c in cols:
            cols[c].append(
                _cell(str(p), row, c, fields[idx[c]], positive=not c.startswith("volume"))
            )
    if not dates:
        raise CorridorInputError("path", f"{p} has a header but no data rows")
    return ParitySeries(
        date=np.array(dates, dtype="datetime64[D]"),
        price_hk=np.array(cols["price_hk"]),
        price_aix=np.array(cols["price_aix"]),
        aix_currency=currency or "",
        fx_aix_to_hkd=np.array(cols["fx_aix_to_hkd"]),
        volume_hk=np.array(cols["volume_hk"]),
        volume_aix=np.array(cols["volume_aix"]),
    )
