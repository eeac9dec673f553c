"""Monte Carlo of Delta NPV: commodity price paths, uncertain premium reductions, cost overruns.

Model (one path, periods t = 1..T of ``period_years`` each):

* commodity price relative to today, :math:`S_t/S_0 = e^{X_t}`, :math:`X_0 = 0`, with
  - ``"gbm"``: :math:`X_t = X_{t-1} + (\\mu - \\sigma^2/2)\\Delta + \\sigma\\sqrt{\\Delta}Z_t`,
    so :math:`E[S_t] = S_0 e^{\\mu t \\Delta}`;
  - ``"ou"``: exact Ornstein-Uhlenbeck on the log price,
    :math:`X_t = \\theta + (X_{t-1}-\\theta)e^{-\\kappa\\Delta}
    + \\sigma\\sqrt{(1-e^{-2\\kappa\\Delta})/(2\\kappa)}\\,Z_t`, :math:`\\theta` the log of the
    long-run price relative to today;
* cash flows :math:`CF_t = CF^{base}_t + R_t (S_t/S_0 - 1)`: the base case at today's price plus
  the price-exposed revenue :math:`R_t` (default :math:`R_t = \\max(CF^{base}_t, 0)/(1-\\theta_c)`
  with :math:`\\theta_c` the ``cost_share`` of revenue: revenue moves with the price, operating
  costs :math:`\\theta_c R_t` and outflows such as development capex do not: operating leverage);
* the premia reductions may correlate with the price through a Gaussian copula: the uniform
  of each triangular draw is :math:`\\Phi(\\rho Z_P + \\sqrt{1-\\rho^2} Z)`, with :math:`Z_P`
  the path's average price shock :math:`\\sum_t Z_t/\\sqrt{T}` (``premia_price_correlation``);
* :math:`K_{e,dual} = K_{e,single} - \\Delta LP - \\lambda\\,\\Delta CRP`, the reductions drawn
  from triangular distributions (low, mode, high) or fixed;
* compliance cost :math:`C \\cdot e^{\\sigma_o Z_o}` (lognormal overrun, median 1);
* :math:`\\Delta NPV = \\sum_t CF_t [(1+K_{e,dual})^{-(t-s)} - (1+K_{e,single})^{-(t-s)}]
  - C e^{\\sigma_o Z_o}`, :math:`s` the timing shift of :func:`xl_corridor.engine.discounting.npv`
  (0 end, 0.5 mid, 1 begin).

Reproducibility: paths are generated in fixed blocks of :data:`BLOCK_PATHS`; block ``j`` draws
from ``Generator(PCG64(SeedSequence(seed, spawn_key=(j,))))`` (the ``j``-th child that
``SeedSequence(seed).spawn`` would give). ``chunk_size`` only groups whole blocks for memory, so
the same seed gives bit-identical results for any chunk size.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.random import PCG64, Generator, SeedSequence

from xl_corridor.engine import _checks as ck
from xl_corridor.engine._checks import FloatArray
from xl_corridor.errors import CorridorInputError, show

__all__ = [
    "BLOCK_PATHS",
    "MonteCarloResult",
    "held_fixed",
    "simulate_delta_npv",
    "simulate_price_paths",
]

#: Paths per random-number block (fixed: results do not depend on the chunk size).
BLOCK_PATHS = 8192
_MAX_PATHS = 100_000_000
_MAX_PERIODS = 200


@dataclass(frozen=True)
class MonteCarloResult:
    """Summary of a Delta NPV simulation, stamped with its seed and path count."""

    n_paths: int
    seed: int
    probability_positive: float
    mean: float
    std: float
    std_error: float
    p5: float
    p50: float
    p95: float
    histogram_counts: np.ndarray
    histogram_edges: np.ndarray
    delta_npv: np.ndarray = field(repr=False)
    held_fixed: str = ""  # what the simulation does not vary (text for the report)


def _generator(seed: int, block: int) -> Generator:
    return Generator(PCG64(SeedSequence(seed, spawn_key=(block,))))


def _seed(seed: Any) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer, float)):
        raise CorridorInputError("seed", f"expected a whole number of 0 or more, got {show(seed)}")
    return int(ck.whole("seed", seed, 0, 2**63 - 1, "a whole number of 0 or more"))


def _count(name: str, x: Any, high: int) -> int:
    return int(ck.whole(name, x, 1, high, "a whole number of 1 or more"))


@dataclass(frozen=True)
class _Price:
    model: str
    drift: float
    volatility: float
    mean_reversion: float
    theta: float
    dt: float

    def step(self) -> tuple[float, float, float]:
        """(a, b, c) with X_t = a * X_{t-1} + b + c * Z_t."""
        if self.model == "gbm":
            return 1.0, (self.drift - 0.5 * self.volatility**2) * self.dt, (
                self.volatility * math.sqrt(self.dt)
            )
        decay = math.exp(-self.mean_reversion * self.dt)
        # (1 - e^{-2 k dt}) / (2k), written with expm1 so it stays exact for small k.
        var = -math.expm1(-2.0 * self.mean_reversion * self.dt) / (2.0 * self.mean_reversion)
        return decay, self.theta * (1.0 - decay), self.volatility * math.sqrt(var)

    def mean_path(self, periods: int) -> FloatArray:
        """Deterministic part m_t of X_t = m_t + Y_t, t = 1..periods."""
        a, b, _ = self.step()
        t = np.arange(1.0, periods + 1.0)
        if a == 1.0:
            return b * t
        return self.theta * -np.expm1(t * math.log(a))  # theta (1 - a^t)

    def noise(self, z: FloatArray) -> FloatArray:
        """Turn standard normals of shape (..., T, n) into Y_t = a Y_{t-1} + c Z_t, in place."""
        return self._recurse(z, exp=False)

    def exp_noise(self, z: FloatArray) -> FloatArray:
        """exp(Y_t) of :meth:`noise`, in place, in one sweep over the periods."""
        return self._recurse(z, exp=True)

    def _recurse(self, z: FloatArray, *, exp: bool) -> FloatArray:
        a, _, c = self.step()
        zt = np.moveaxis(z, -2, 0)  # time first (a view)
        tmp = None if a == 1.0 else np.empty_like(zt[0])
        # Row by row (faster than np.cumsum(axis=0) on C-ordered arrays), and each period is
        # scaled, accumulated and exponentiated while it is still in cache: one sweep over the
        # normals instead of three. Y_{t-1} is exponentiated only after Y_t has used it.
        for t in range(zt.shape[0]):
            row = zt[t]
            row *= c
            if t == 0:
                continue
            prev = zt[t - 1]
            if tmp is None:
                row += prev
            else:
                np.multiply(prev, a, out=tmp)
                row += tmp
            if exp:
                np.exp(prev, out=prev)
        if exp:
            np.exp(zt[-1], out=zt[-1])
        return z

    def relative_prices(self, z: FloatArray) -> FloatArray:
        """Turn standard normals of shape (T, n) into S_t/S_0 = exp(m_t + Y_t), in place."""
        y = self.noise(z)
        y += self.mean_path(z.shape[0])[:, None]
        return np.exp(y, out=y)


def _price_model(
    model: Any, drift: Any, volatility: Any, mean_reversion: Any, long_run_median: Any,
    period_years: Any,
) -> _Price:
    if not isinstance(model, str) or model.strip().lower() not in ("gbm", "ou"):
        raise CorridorInputError("price_model", f"expected one of 'gbm', 'ou', got {show(model)}")
    m = model.strip().lower()
    mu = float(ck.bounded("drift", drift, -1.0, 1.0, "an annual drift as a decimal"))
    sig = float(ck.bounded("volatility", volatility, 0.0, 5.0, "an annual volatility, decimal"))
    kappa = float(ck.bounded("mean_reversion", mean_reversion, 0.0, 100.0, "a speed per year"))
    lr = float(ck.positive("long_run_median", long_run_median, "a median price relative to "
                           "today", 1e6))
    dt = float(ck.positive("period_years", period_years, "a period length in years", 10.0))
    if m == "ou" and kappa <= 0:
        raise CorridorInputError(
            "mean_reversion", "expected a speed above 0 for the 'ou' model (0 is a random walk: "
            "use 'gbm')"
        )
    return _Price(m, mu, sig, kappa, math.log(lr), dt)


def _median_alias(long_run_median: Any, long_run_price: Any) -> Any:
    """``long_run_price`` is the deprecated name of ``long_run_median`` (it always was the
    median of the long-run price, not its mean)."""
    if long_run_price is None:
        return 1.0 if long_run_median is None else long_run_median
    warnings.warn("long_run_price is deprecated: it is the long-run MEDIAN price; pass "
                  "long_run_median", DeprecationWarning, stacklevel=3)
    if long_run_median is not None:
        raise CorridorInputError("long_run_price", "expected long_run_median only (long_run_price "
                                                   "is its deprecated name)")
    return long_run_price


def held_fixed(*, price_model: str = "gbm", overrun_sigma: float = 0.0,
               premia_price_correlation: float = 0.0, cost_share: float = 0.0) -> str:
    """What a :func:`simulate_delta_npv` run varies and what it holds fixed, for a report.

    Examples
    --------
    >>> held_fixed()[:28]
    'Varied: the commodity price '
    """
    varied = [f"the commodity price ({price_model.upper()}), moving revenue",
              "the liquidity- and country-premium reductions (triangular)"]
    if overrun_sigma > 0:
        varied.append("the compliance-cost overrun (lognormal)")
    fixed = ["the risk-free rate, beta and mature-market ERP (Ke single)",
             "the single-listing premia", "production volumes and timing",
             "FX rates", "capital spending (outflows)",
             f"operating costs at {cost_share:.0%} of base-case revenue" if cost_share > 0
             else "operating costs (the whole positive cash flow moves with the price)",
             "the horizon (no terminal value)"]
    if overrun_sigma <= 0:
        fixed.append("the compliance cost")
    corr = (f"premia reductions correlated with the price shock (Gaussian copula, rho = "
            f"{premia_price_correlation:g})" if premia_price_correlation
            else "premia reductions independent of the price")
    return f"Varied: {'; '.join(varied)}; {corr}. Held fixed: {'; '.join(fixed)}."


def _norm_cdf(x: FloatArray) -> FloatArray:
    return np.asarray(0.5 * np.asarray(_ERFC(-x / math.sqrt(2.0)), dtype=float))


_ERFC = np.frompyfunc(math.erfc, 1, 1)
_INV = np.frompyfunc(NormalDist().inv_cdf, 1, 1)


def _copula(u: FloatArray, zp: FloatArray, rho: float) -> None:
    """In place: u -> Phi(rho zp + sqrt(1 - rho^2) Phi^-1(u)) (Gaussian copula)."""
    z = np.asarray(_INV(np.clip(u, 1e-16, 1 - 1e-16)), dtype=float)
    u[...] = _norm_cdf(rho * zp + math.sqrt(1.0 - rho * rho) * z)


def _blocks(n_paths: int) -> Iterator[tuple[int, int, int]]:
    """(block index, first path, paths in block)."""
    for j, start in enumerate(range(0, n_paths, BLOCK_PATHS)):
        yield j, start, min(BLOCK_PATHS, n_paths - start)


def simulate_price_paths(
    n_paths: int,
    n_periods: int,
    *,
    price_model: str = "gbm",
    drift: float = 0.0,
    volatility: float = 0.0,
    mean_reversion: float = 0.0,
    long_run_median: float | None = None,
    period_years: float = 1.0,
    seed: int = 0,
    long_run_price: float | None = None,
) -> np.ndarray:
    """Commodity price paths relative to today, the ones :func:`simulate_delta_npv` uses.

    Parameters
    ----------
    n_paths, n_periods : int
        Number of paths and of periods (>= 1).
    price_model : {'gbm', 'ou'}, keyword-only
        Geometric Brownian motion, or Ornstein-Uhlenbeck on the log price.
    drift : float, keyword-only
        GBM drift :math:`\\mu`, annual decimal (E[S_t] = S_0 e^{mu t}). Default 0.
    volatility : float, keyword-only
        Annual volatility :math:`\\sigma` of the log price, decimal. Default 0.
    mean_reversion : float, keyword-only
        OU speed :math:`\\kappa` per year (> 0 for 'ou'); half-life ln 2 / kappa years.
    long_run_median : float, keyword-only
        OU long-run MEDIAN price relative to today, :math:`e^\\theta` (> 0). Default 1. The
        long-run mean is :math:`e^{\\theta + \\sigma^2/(4\\kappa)}`, above the median.
    long_run_price : float, keyword-only
        Deprecated name of ``long_run_median`` (DeprecationWarning).
    period_years : float, keyword-only
        Length of one period in years. Default 1.
    seed : int, keyword-only
        Seed; see the module notes on blocks.

    Returns
    -------
    ndarray, shape (n_periods, n_paths)
        :math:`S_t / S_0` for t = 1..n_periods.

    Notes
    -----
    GBM: :math:`E[S_t/S_0] = e^{\\mu t}`. OU with :math:`X_0 = 0`:
    :math:`E[X_t] = \\theta(1-e^{-\\kappa t})`,
    :math:`Var[X_t] = \\sigma^2 (1-e^{-2\\kappa t})/(2\\kappa)`.

    References
    ----------
    .. [1] P. Glasserman, Monte Carlo Methods in Financial Engineering, Springer (2003),
       sections 3.2 (GBM) and 3.3 (exact simulation of Ornstein-Uhlenbeck / Vasicek).
    .. [2] E. S. Schwartz, "The stochastic behavior of commodity prices", Journal of Finance
       52 (1997) 923-973 (mean reversion in log commodity prices).

    Examples
    --------
    >>> simulate_price_paths(2, 3, drift=0.05).round(4)
    array([[1.0513, 1.0513],
           [1.1052, 1.1052],
           [1.1618, 1.1618]])
    """
    n = _count("n_paths", n_paths, _MAX_PATHS)
    periods = _count("n_periods", n_periods, _MAX_PERIODS)
    price = _price_model(price_model, drift, volatility, mean_reversion,
                         _median_alias(long_run_median, long_run_price), period_years)
    s = _seed(seed)
    out = np.empty((periods, n))
    for j, start, size in _blocks(n):
        block = _generator(s, j).standard_normal((periods, size))
        out[:, start:start + size] = price.relative_prices(block)
    return out


def _reduction(name: str, x: Any) -> tuple[float, float, float]:
    arr = ck.finite(name, ck.as_array(name, x)).reshape(-1)
    if arr.size == 1:
        v = float(arr[0])
        arr = np.array([v, v, v])
    if arr.size != 3:
        raise CorridorInputError(
            name, f"expected one number or (low, mode, high), got {arr.size} numbers"
        )
    low, mode, high = (float(v) for v in arr)
    if not low <= mode <= high:
        raise CorridorInputError(
            name, f"expected low <= mode <= high, got ({low:.10g}, {mode:.10g}, {high:.10g})"
        )
    if low < -1 or high > 1:
        raise CorridorInputError(name, "expected decimals between -1 and 1, such as 0.005")
    return low, mode, high


def _triangular(u: FloatArray, low: float, mode: float, high: float) -> FloatArray:
    """Inverse-CDF triangular draws, in place over ``u``; exact also for degenerate (fixed)
    ranges."""
    width = high - low
    if width == 0:
        u.fill(low)
        return u
    fc = (mode - low) / width
    # The branch is picked arithmetically, left * 1 + right * 0 (exact: both are finite), because
    # a masked select (np.where, np.copyto) costs several times more on random masks.
    left = np.less(u, fc, out=np.empty_like(u))  # 1.0 on the left branch, else 0.0
    right = np.subtract(1.0, u)
    # left: low + sqrt(u * width * (mode - low)); right: high - sqrt((1-u) * width * (high-mode))
    u *= width
    u *= mode - low
    np.sqrt(u, out=u)
    u += low
    u *= left
    right *= width
    right *= high - mode
    np.sqrt(right, out=right)
    np.subtract(high, right, out=right)
    np.subtract(1.0, left, out=left)
    right *= left
    u += right
    return u


def _percentiles(ordered: FloatArray, qs: tuple[float, ...]) -> list[float]:
    """numpy's default ('linear') percentiles of an already sorted array."""
    out = []
    for q in qs:
        p = (ordered.size - 1) * q / 100.0
        lo, hi = int(math.floor(p)), int(math.ceil(p))
        out.append(float(ordered[lo] + (p - lo) * (ordered[hi] - ordered[lo])))
    return out


def _histogram(x: FloatArray, ordered: FloatArray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.histogram(x, bins)`` counted on the sorted copy: bin i holds edge_i <= x < edge_i+1
    (the last bin also its right edge), the rule np.histogram implements."""
    edges = np.histogram_bin_edges(x, bins=bins)
    idx = np.searchsorted(ordered, edges, side="left")
    idx[-1] = ordered.size
    return np.diff(idx), edges


def simulate_delta_npv(
    cash_flows: Any,
    ke_single: Any,
    compliance_cost: Any,
    *,
    liquidity_reduction: Any = 0.0,
    country_reduction: Any = 0.0,
    country_exposure: float = 1.0,
    revenues: Any = None,
    price_model: str = "gbm",
    drift: float = 0.0,
    volatility: float = 0.0,
    mean_reversion: float = 0.0,
    long_run_median: float | None = None,
    period_years: float = 1.0,
    overrun_sigma: float = 0.0,
    timing: str = "end",
    n_paths: int = 100_000,
    seed: int = 0,
    chunk_size: int = 32_768,
    bins: int = 50,
    cost_share: float = 0.0,
    premia_price_correlation: float = 0.0,
    long_run_price: float | None = None,
) -> MonteCarloResult:
    """Monte Carlo distribution of Delta NPV (see the module notes for the model).

    Parameters
    ----------
    cash_flows : array_like
        Base-case cash flows at today's commodity price, one per period (model currency).
    ke_single : float
        Cost of equity of the single listing, decimal, not per cent.
    compliance_cost : float
        Budgeted capitalized compliance cost, >= 0.
    liquidity_reduction, country_reduction : float or (low, mode, high), keyword-only
        Fall in the liquidity / country premium from the dual listing, decimals: fixed, or
        triangular with these parameters. Default 0.
    country_exposure : float, keyword-only
        Damodaran's lambda applied to the country reduction. Default 1.
    revenues : array_like, keyword-only
        Price-exposed revenue per period (same length as cash_flows). Default: the positive
        cash flows grossed up by ``cost_share`` (revenue proportional to the price; operating
        costs and outflows such as capex fixed).
    price_model, drift, volatility, mean_reversion, long_run_median, period_years
        Price process; see :func:`simulate_price_paths` (``long_run_price``: the deprecated
        name of ``long_run_median``).
    overrun_sigma : float, keyword-only
        Log-volatility of the compliance cost overrun multiplier (median 1). Default 0.
    timing : {'end', 'mid', 'begin'}, keyword-only
        Cash-flow timing, as in :func:`xl_corridor.engine.discounting.npv`.
    n_paths : int, keyword-only
        Number of paths, 1 to 1e8. Default 100,000.
    seed : int, keyword-only
        Seed (>= 0). Same seed and inputs give the same result for any ``chunk_size``.
    chunk_size : int, keyword-only
        Paths processed per vectorized pass (rounded up to whole blocks of 8192). Default
        32,768. Working memory is about ``chunk_size * (T + 5) * 8`` bytes, plus 16 bytes
        per path for the result and its percentiles (1e6 paths x 30 years: under 50 MB).
    bins : int, keyword-only
        Histogram bins between the smallest and largest Delta NPV. Default 50.
    cost_share : float, keyword-only
        Operating leverage: the share of base-case revenue that is operating cost, decimal in
        [0, 1). Revenue is then ``max(CF, 0) / (1 - cost_share)`` and moves with the price;
        the costs do not. Default 0 (the whole positive cash flow moves with the price).
    premia_price_correlation : float, keyword-only
        Gaussian-copula correlation in [-1, 1] between the path's average price shock and the
        premia reductions (positive: larger reductions when prices are high). Default 0
        (independent, and the draws are those of earlier versions for the same seed).

    Returns
    -------
    MonteCarloResult
        ``probability_positive`` (share of paths with Delta NPV > 0), ``mean``, ``std``
        (ddof=1), ``std_error`` of the mean, percentiles ``p5, p50, p95`` (numpy's linear
        interpolation), ``histogram_counts/edges``, the per-path ``delta_npv``, ``n_paths``
        ``seed`` and ``held_fixed`` (:func:`held_fixed`).

    Raises
    ------
    CorridorInputError
        Naming the argument, for any bad input; also when a drawn ke_dual would be <= -100%.

    Notes
    -----
    Per path, with :math:`q = 1/(1+K_{e,dual})`, the dual-listing present value
    :math:`\\sum_t CF_t q^{t-s}` is evaluated by Horner's rule over the periods, and the
    single-listing one as a matrix-vector product with fixed discount factors.

    References
    ----------
    .. [1] P. Glasserman, Monte Carlo Methods in Financial Engineering, Springer (2003).
    .. [2] NumPy, "Parallel random number generation" (SeedSequence spawning),
       https://numpy.org/doc/stable/reference/random/parallel.html

    Examples
    --------
    With no uncertainty every path equals the deterministic Delta NPV:

    >>> r = simulate_delta_npv([-100, 30, 40, 50, 60], 0.12, 2.0,
    ...                        liquidity_reduction=0.02, n_paths=1000, seed=7)
    >>> round(r.mean, 4), round(r.std, 9), r.probability_positive
    (4.42, 0.0, 1.0)
    >>> r = simulate_delta_npv([-100, 30, 40, 50, 60], 0.12, 2.0, volatility=0.3,
    ...                        liquidity_reduction=(0.0, 0.01, 0.03), n_paths=20000, seed=1)
    >>> 0.5 < r.probability_positive < 1.0, r.n_paths, r.seed
    (True, 20000, 1)
    """
    shift = ck.timing("timing", timing)
    cf = ck.series("cash_flows", cash_flows)
    periods = cf.size
    if periods > _MAX_PERIODS:
        raise CorridorInputError("cash_flows", f"expected at most {_MAX_PERIODS} periods")
    # By default only inflows move with the price: an outflow (development capex) is a cost in
    # the model currency, not a quantity of ore sold.
    theta = float(ck.bounded("cost_share", cost_share, 0.0, 0.99, "a share of revenue in "
                             "[0, 0.99]"))
    rho = float(ck.bounded("premia_price_correlation", premia_price_correlation, -1.0, 1.0,
                           "a correlation between -1 and 1"))
    rev = (np.maximum(cf, 0.0) / (1.0 - theta) if revenues is None
           else ck.series("revenues", revenues))
    if rev.size != periods:
        raise CorridorInputError(
            "revenues", f"expected {periods} values, one per cash flow, got {rev.size}"
        )
    ks = ck.rate("ke_single", ke_single)
    if ks.size != 1:
        raise CorridorInputError("ke_single", f"expected one rate, got {ks.size}")
    ks_f = float(ks.reshape(-1)[0])
    cost = ck.amount("compliance_cost", compliance_cost, nonnegative=True)
    if cost.size != 1:
        raise CorridorInputError("compliance_cost", f"expected one amount, got {cost.size}")
    cost_f = float(cost.reshape(-1)[0])
    lr = _reduction("liquidity_reduction", liquidity_reduction)
    cr = _reduction("country_reduction", country_reduction)
    lam = float(ck.bounded("country_exposure", country_exposure, 0.0, 10.0, "an exposure"))
    if ks_f - lr[2] - lam * cr[2] <= -1.0:
        raise CorridorInputError(
            "liquidity_reduction", "the largest reductions would put ke_dual at or below -100%"
        )
    price = _price_model(price_model, drift, volatility, mean_reversion,
                         _median_alias(long_run_median, long_run_price), period_years)
    o_sig = float(ck.bounded("overrun_sigma", overrun_sigma, 0.0, 3.0, "a log-volatility"))
    n = _count("n_paths", n_paths, _MAX_PATHS)
    s = _seed(seed)
    chunk = _count("chunk_size", chunk_size, _MAX_PATHS)
    n_bins = _count("bins", bins, 10_000)

    # Fixed (non-random) part of the cash flows: CF_t - R_t, and the single-listing factors.
    fixed = cf - rev
    exponents = np.arange(1.0, periods + 1.0) - shift
    v_single = np.exp(-math.log1p(ks_f) * exponents)
    pv_fixed_single = float(fixed @ v_single)
    has_fixed = bool(np.any(fixed != 0))
    weight = rev * np.exp(price.mean_path(periods))  # R_t exp(m_t)
    weight_single = weight * v_single
    blocks_per_chunk = max(1, -(-chunk // BLOCK_PATHS))

    deltas = np.empty(n)
    n_blocks = -(-n // BLOCK_PATHS)
    k_max = min(blocks_per_chunk, n_blocks)
    b = min(BLOCK_PATHS, n)
    # Block-major buffers, allocated once: each block's normals are one contiguous (T, b)
    # slab, drawn in place with out=; reusing them avoids page faults on fresh memory. Every
    # step below works in place on them: no temporaries of the chunk's size.
    z = np.zeros((k_max, periods, b))
    draws = np.zeros((3, k_max, b))
    tmp = np.empty((k_max, b))
    acc = np.empty((k_max, b))
    for j0 in range(0, n_blocks, k_max):
        k = min(k_max, n_blocks - j0)
        zc, dc, tk, ak = z[:k], draws[:, :k], tmp[:k], acc[:k]
        for i in range(k):
            g = _generator(s, j0 + i)
            size = min(b, n - (j0 + i) * BLOCK_PATHS)
            if size == b:
                g.standard_normal(out=zc[i])
            else:  # the last, partial block; the unused columns are zeros
                zc[i] = 0.0
                zc[i, :, :size] = g.standard_normal((periods, size))
                dc[:, i] = 0.0
            dc[0, i, :size] = g.random(size)
            dc[1, i, :size] = g.random(size)
            dc[2, i, :size] = g.standard_normal(size)
        if rho:  # Gaussian copula: premia uniforms tied to the average price shock
            zp = zc.sum(axis=1) / math.sqrt(periods)  # (k, b), standard normal
            _copula(dc[0], zp, rho)
            _copula(dc[1], zp, rho)
        # S_t/S_0 = exp(m_t) exp(Y_t): the deterministic factor goes into the weights.
        e = price.exp_noise(zc)  # (k, T, b), in place
        et = np.moveaxis(e, 1, 0)  # time first: et[t] is (k, b)
        # ke_dual = ks - liquidity - lam * country; q = 1 / (1 + ke_dual), all in place.
        q = _triangular(dc[0], *lr)
        np.subtract(ks_f, q, out=q)
        country = _triangular(dc[1], *cr)
        country *= lam
        q -= country
        np.log1p(q, out=q)
        np.negative(q, out=q)
        np.exp(q, out=q)
        # Horner's rule over periods: sum_t (w_t e_t + fixed_t) q^t, q per path.
        np.multiply(et[periods - 1], weight[periods - 1], out=ak)
        if has_fixed:
            ak += fixed[periods - 1]
        for t in range(periods - 2, -1, -1):
            ak *= q
            np.multiply(et[t], weight[t], out=tk)
            ak += tk
            if has_fixed:
                ak += fixed[t]
        ak *= q ** (1.0 - shift)  # pv_dual
        np.matmul(weight_single, e, out=tk)
        tk += pv_fixed_single  # pv_single
        ak -= tk
        if o_sig > 0:
            overrun = dc[2]
            overrun *= o_sig
            np.exp(overrun, out=overrun)
            overrun *= cost_f
            ak -= overrun
        else:
            ak -= cost_f
        c0 = j0 * BLOCK_PATHS
        m = min(k * b, n - c0)
        deltas[c0:c0 + m] = ak.reshape(-1)[:m]

    if not np.all(np.isfinite(deltas)):
        raise CorridorInputError(
            "volatility", "the simulation overflowed; lower the volatility or the drift"
        )
    # One sort gives the percentiles and the histogram; mean and std use the path order.
    ordered = np.sort(deltas)
    p5, p50, p95 = _percentiles(ordered, (5.0, 50.0, 95.0))
    std = float(deltas.std(ddof=1)) if n > 1 else 0.0
    counts, edges = _histogram(deltas, ordered, n_bins)
    positive = n - int(np.searchsorted(ordered, 0.0, side="right"))
    del ordered
    return MonteCarloResult(
        n_paths=n,
        seed=s,
        probability_positive=positive / n,
        mean=float(deltas.mean()),
        std=std,
        std_error=std / math.sqrt(n),
        p5=float(p5),
        p50=float(p50),
        p95=float(p95),
        histogram_counts=counts,
        histogram_edges=edges,
        delta_npv=deltas,
        held_fixed=held_fixed(price_model=str(price_model).strip().lower(),
                              overrun_sigma=o_sig, premia_price_correlation=rho,
                              cost_share=theta if revenues is None else 0.0),
    )
