"""Monte Carlo of Delta NPV: reproducibility, chunk invariance, deterministic limits, moments."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest

from xl_corridor.engine.discounting import dual_npv
from xl_corridor.engine.montecarlo import BLOCK_PATHS, simulate_delta_npv, simulate_price_paths
from xl_corridor.errors import CorridorInputError

CF = [-100.0, 30.0, 40.0, 50.0, 60.0]
UNCERTAIN = dict(volatility=0.25, liquidity_reduction=(0.0, 0.01, 0.02),
                 country_reduction=(0.0, 0.005, 0.01), overrun_sigma=0.3)


def test_same_seed_same_result_and_seeds_differ():
    a = simulate_delta_npv(CF, 0.12, 2.0, n_paths=5000, seed=11, **UNCERTAIN)
    b = simulate_delta_npv(CF, 0.12, 2.0, n_paths=5000, seed=11, **UNCERTAIN)
    c = simulate_delta_npv(CF, 0.12, 2.0, n_paths=5000, seed=12, **UNCERTAIN)
    np.testing.assert_array_equal(a.delta_npv, b.delta_npv)
    assert a.mean == b.mean and a.p5 == b.p5
    assert not np.array_equal(a.delta_npv, c.delta_npv)
    assert a.seed == 11 and a.n_paths == 5000


@pytest.mark.parametrize("model", [{}, {"price_model": "ou", "mean_reversion": 0.7,
                                        "long_run_median": 1.3}])
def test_chunk_size_invariance(model):
    n = 2 * BLOCK_PATHS + 1234  # not a multiple of the block
    kw = {**UNCERTAIN, **model}
    ref = simulate_delta_npv(CF, 0.12, 2.0, n_paths=n, seed=3, chunk_size=1, **kw)
    for chunk in (BLOCK_PATHS, 10_000, 3 * BLOCK_PATHS, 10**6):
        r = simulate_delta_npv(CF, 0.12, 2.0, n_paths=n, seed=3, chunk_size=chunk, **kw)
        np.testing.assert_array_equal(r.delta_npv, ref.delta_npv)


def test_prefix_paths_shared_across_path_counts():
    # Whole blocks are the same whatever the total: the first block of a bigger run matches.
    small = simulate_delta_npv(CF, 0.12, 2.0, n_paths=BLOCK_PATHS, seed=5, **UNCERTAIN)
    big = simulate_delta_npv(CF, 0.12, 2.0, n_paths=3 * BLOCK_PATHS, seed=5, **UNCERTAIN)
    np.testing.assert_array_equal(big.delta_npv[:BLOCK_PATHS], small.delta_npv)


@pytest.mark.parametrize("timing", ["end", "mid", "begin"])
def test_zero_volatility_equals_deterministic_dual_npv(timing):
    r = simulate_delta_npv(CF, 0.12, 2.0, liquidity_reduction=0.015, country_reduction=0.005,
                           country_exposure=0.8, n_paths=300, seed=1, timing=timing)
    expected = dual_npv(CF, 0.12 - 0.015 - 0.8 * 0.005, 0.12, 2.0, timing=timing)
    np.testing.assert_allclose(r.delta_npv, expected, rtol=1e-12, atol=1e-10)
    assert r.std == pytest.approx(0.0, abs=1e-9)
    assert r.probability_positive == float(expected > 0)


def test_deterministic_drift_with_revenues_matches_numpy_financial():
    # Zero volatility, 3% drift: S_t/S_0 = e^{0.03 t}; CF_t = CF_t + R_t (e^{0.03 t} - 1).
    cf = np.array([-100.0, 20.0, 40.0, 60.0])
    rev = np.array([0.0, 50.0, 80.0, 100.0])
    t = np.arange(1, 5)
    flows = cf + rev * (np.exp(0.03 * t) - 1)
    expected = (npf.npv(0.10, [0.0, *flows]) - npf.npv(0.12, [0.0, *flows]) - 3.0)
    r = simulate_delta_npv(cf, 0.12, 3.0, revenues=rev, drift=0.03, liquidity_reduction=0.02,
                           n_paths=10, seed=0)
    np.testing.assert_allclose(r.delta_npv, expected, rtol=1e-12)


def test_gbm_moment():
    # E[S_T] = S_0 exp(mu T) for GBM (Glasserman 2003, 3.2).
    n, mu, sigma, periods = 200_000, 0.05, 0.3, 5
    s = simulate_price_paths(n, periods, drift=mu, volatility=sigma, seed=9)
    assert s.shape == (periods, n)
    t = np.arange(1, periods + 1)
    for k in (0, periods - 1):
        se = s[k].std(ddof=1) / math.sqrt(n)
        assert abs(s[k].mean() - math.exp(mu * t[k])) < 4 * se
    # log S_T ~ N((mu - sigma^2/2) T, sigma^2 T)
    x = np.log(s[-1])
    assert x.mean() == pytest.approx((mu - sigma**2 / 2) * periods, abs=4 * sigma * 
                                     math.sqrt(periods / n))
    assert x.var() == pytest.approx(sigma**2 * periods, rel=0.02)


def test_ou_moments_and_stationary_mean():
    n, kappa, sigma, lr = 100_000, 0.8, 0.3, 1.5
    theta = math.log(lr)
    s = simulate_price_paths(n, 20, price_model="ou", mean_reversion=kappa, volatility=sigma,
                             long_run_median=lr, seed=4)
    x = np.log(s)
    for t in (1, 5, 20):
        m = theta * (1 - math.exp(-kappa * t))
        v = sigma**2 * (1 - math.exp(-2 * kappa * t)) / (2 * kappa)
        assert x[t - 1].mean() == pytest.approx(m, abs=4 * math.sqrt(v / n))
        assert x[t - 1].var() == pytest.approx(v, rel=0.03)
    # After 20 years (16 half-lives of ln2/0.8 years) the mean is the stationary theta.
    assert x[-1].mean() == pytest.approx(theta, abs=0.01)


def test_overrun_median_and_summary_consistency():
    base = dual_npv(CF, 0.11, 0.12, 0.0)
    r = simulate_delta_npv(CF, 0.12, 2.0, liquidity_reduction=0.01, overrun_sigma=0.5,
                           n_paths=50_000, seed=2, bins=40)
    # Lognormal multiplier with median 1: the median Delta NPV is base - cost.
    assert r.p50 == pytest.approx(base - 2.0, abs=0.03)
    d = r.delta_npv
    assert r.probability_positive == np.mean(d > 0)
    np.testing.assert_allclose([r.p5, r.p50, r.p95], np.percentile(d, [5, 50, 95]), rtol=1e-12)
    assert r.mean == pytest.approx(d.mean()) and r.std == pytest.approx(d.std(ddof=1))
    assert r.std_error == pytest.approx(r.std / math.sqrt(r.n_paths))
    assert r.histogram_counts.sum() == r.n_paths and r.histogram_edges.size == 41
    # Mean cost multiplier is exp(sigma^2/2).
    assert r.mean == pytest.approx(base - 2.0 * math.exp(0.125), abs=4 * r.std_error)


def test_triangular_reductions_mean():
    # With only the liquidity reduction uncertain and a flat cash flow, E[ke_dual] shifts by the
    # triangular mean (low + mode + high)/3; check the drawn Delta NPVs span the two extremes.
    r = simulate_delta_npv(CF, 0.12, 0.0, liquidity_reduction=(0.0, 0.01, 0.03),
                           n_paths=20_000, seed=8)
    lo, hi = dual_npv(CF, 0.12, 0.12, 0.0), dual_npv(CF, 0.09, 0.12, 0.0)
    assert lo - 1e-9 <= r.delta_npv.min() and r.delta_npv.max() <= hi + 1e-9
    mode = dual_npv(CF, 0.11, 0.12, 0.0)
    assert r.delta_npv.min() < mode < r.delta_npv.max()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"price_model": "jump"}, "price_model"),
        ({"price_model": "ou"}, "mean_reversion"),
        ({"volatility": -0.1}, "volatility"),
        ({"drift": 5.0}, "drift"),
        ({"long_run_median": 0.0}, "long_run_median"),
        ({"n_paths": 0}, "n_paths"),
        ({"n_paths": 10.5}, "n_paths"),
        ({"seed": -1}, "seed"),
        ({"seed": "abc"}, "seed"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"bins": 0}, "bins"),
        ({"liquidity_reduction": (0.02, 0.01, 0.03)}, "liquidity_reduction"),
        ({"country_reduction": (0.0, 0.01)}, "country_reduction"),
        ({"country_exposure": -1.0}, "country_exposure"),
        ({"revenues": [1.0, 2.0]}, "revenues"),
        ({"overrun_sigma": -0.1}, "overrun_sigma"),
        ({"timing": "later"}, "timing"),
        ({"period_years": 0.0}, "period_years"),
    ],
)
def test_bad_input(kwargs, name):
    with pytest.raises(CorridorInputError) as err:
        simulate_delta_npv(CF, 0.12, 2.0, **kwargs)
    assert err.value.argument == name


def test_bad_positional_input():
    for args, name in (((CF, 12.0, 2.0), "ke_single"), ((CF, 0.12, -2.0), "compliance_cost"),
                       (([1.0, "x"], 0.12, 2.0), "cash_flows")):
        with pytest.raises(CorridorInputError) as err:
            simulate_delta_npv(*args)
        assert err.value.argument == name
    with pytest.raises(CorridorInputError) as err:
        simulate_price_paths(10, 0)
    assert err.value.argument == "n_periods"


def test_default_exposure_moves_inflows_only_not_the_capex_outflow():
    # Zero volatility, 3% drift: inflows scale by e^{0.03 t}; the year-1 outflow stays -100
    # (development capex is a cost, not ore sold). Expected value from numpy-financial.
    cf = np.array([-100.0, 20.0, 40.0, 60.0])
    t = np.arange(1, 5)
    flows = np.where(cf > 0, cf * np.exp(0.03 * t), cf)
    expected = npf.npv(0.10, [0.0, *flows]) - npf.npv(0.12, [0.0, *flows]) - 3.0
    r = simulate_delta_npv(cf, 0.12, 3.0, drift=0.03, liquidity_reduction=0.02, n_paths=10, seed=0)
    np.testing.assert_allclose(r.delta_npv, expected, rtol=1e-12)
