"""Debt tranches of the corridor entry model: what Hong Kong law, HKIAC arbitration, political risk
cover, Dim Sum and green issuance do to a Central Asian project's cost of debt, and the direct
comparator (a Chinese policy-bank loan). The model is defined in ``docs/corridor_model.md``.

Every function broadcasts like numpy and returns a float for scalar input. Rates, spreads and
shares are decimals, not per cent. Bad input raises :class:`CorridorInputError` naming the
argument.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from xl_corridor.engine import _checks as ck
from xl_corridor.engine._checks import FloatArray
from xl_corridor.engine.compliance import growing_annuity_factor
from xl_corridor.engine.reference import data_text
from xl_corridor.errors import CorridorInputError

__all__ = [
    "corridor_default",
    "recovery_rate",
    "hk_enforcement_probability",
    "enforcement_gain",
    "hk_senior_spread",
    "insurance_breakeven_premium",
    "dimsum_tranche_saving",
    "dimsum_breakeven_basis",
    "fx_debt_saving",
    "green_tranche_spread",
    "policy_bank_cost",
]


@cache
def _defaults() -> dict[str, dict[str, Any]]:
    import tomllib

    return tomllib.loads(data_text("corridor_defaults.toml"))


def corridor_default(key: str) -> float:
    """A sourced default of the corridor model (``xl_corridor/data/corridor_defaults.toml``).

    Examples
    --------
    >>> corridor_default("miga_premium")
    0.01
    >>> corridor_default("property_rights_spread_cap")
    0.0067
    """
    table = _defaults()
    if key not in table:
        raise CorridorInputError("key", f"expected one of {', '.join(sorted(table))}, got {key!r}")
    return float(table[key]["value"])


def _spread(name: str, x: Any) -> FloatArray:
    return ck.premium(name, x)


def _years(name: str, x: Any) -> FloatArray:
    return ck.bounded(name, x, 0.0, 50.0, "a time in years")


def recovery_rate(
    p_enforce: Any, collateral: Any, enforcement_cost: Any, enforcement_years: Any, rate: Any
) -> Any:
    """Present value of what a lender recovers on default, per unit of claim.

    Parameters
    ----------
    p_enforce : float or array_like
        Probability that an award or judgment is enforced, decimal in [0, 1].
    collateral : float or array_like
        Collateral value recoverable per unit of claim, decimal in [0, 1] (cover above the claim
        recovers nothing more).
    enforcement_cost : float or array_like
        Cost of enforcement as a share of the claim, decimal in [0, 1] (Doing Business 2020:
        Kazakhstan 0.22, Uzbekistan 0.205; see ``corridor_default``).
    enforcement_years : float or array_like
        Time to enforce, years, 0 to 50 (Kazakhstan 370 days = 1.0137 years).
    rate : float or array_like
        Lender's discount rate for the delay (its cost of funds), decimal, not per cent.

    Returns
    -------
    float or ndarray
        Recovery rate RR, decimal.

    Notes
    -----
    .. math:: RR = p_{enforce} \\cdot c \\cdot (1 - k) / (1 + y)^{T}

    References
    ----------
    .. [1] World Bank, Doing Business 2020, "Enforcing contracts" (time and cost of claim).
    .. [2] Basel Committee, "International convergence of capital measurement" (2006),
       para. 468: LGD includes discounting and workout costs.

    Examples
    --------
    Kazakh courts (GRATA: 12 of 24 awards enforced), 60% collateral, Doing Business cost and time:

    >>> round(recovery_rate(0.5, 0.6, 0.22, 370 / 365, 0.06), 6)
    0.220579
    """
    p = ck.fraction("p_enforce", p_enforce)
    c = ck.fraction("collateral", collateral)
    k = ck.fraction("enforcement_cost", enforcement_cost)
    t = _years("enforcement_years", enforcement_years)
    y = ck.rate("rate", rate)
    return ck.scalar_or_array(p * c * (1.0 - k) / (1.0 + y) ** t)


def hk_enforcement_probability(
    mainland_share: Any, p_local: Any, p_mainland: Any = None
) -> Any:
    """Probability that a Hong Kong-seated award is enforced, blending where the assets are.

    Parameters
    ----------
    mainland_share : float or array_like
        Share of the credit support (sponsor guarantees, offtake receivables, assets) located in
        Mainland China, decimal in [0, 1]: the I_m variable. No public default.
    p_local : float or array_like
        Enforcement rate of foreign awards by the project country's courts, decimal in [0, 1].
        No public default (GRATA's 12 of 24 for Kazakhstan is a small sample).
    p_mainland : float or array_like, optional
        Enforcement rate of Hong Kong awards against Mainland assets, decimal. Default: the
        sourced 0.91 (``corridor_default("mainland_enforcement_rate")``).

    Returns
    -------
    float or ndarray
        :math:`p_H = s_m p_{mainland} + (1 - s_m) p_{local}`.

    References
    ----------
    .. [1] Arrangement Concerning Mutual Enforcement of Arbitral Awards between the Mainland
       and the HKSAR (1999, supplemented 2020); GRATA, enforcement statistics (2025).

    Examples
    --------
    >>> round(hk_enforcement_probability(0.4, 0.5), 6)
    0.664
    """
    s = ck.fraction("mainland_share", mainland_share)
    pl = ck.fraction("p_local", p_local)
    pm = ck.fraction(
        "p_mainland",
        corridor_default("mainland_enforcement_rate") if p_mainland is None else p_mainland,
    )
    return ck.scalar_or_array(s * pm + (1.0 - s) * pl)


def enforcement_gain(pd: Any, rr_hk: Any, rr_direct: Any, multiplier: Any = 1.0) -> Any:
    """Spread reduction from better recovery under HK law and HKIAC arbitration.

    Parameters
    ----------
    pd : float or array_like
        Annual probability of default, decimal in [0, 1]. No public default: the lender's or
        the rating's PD.
    rr_hk, rr_direct : float or array_like
        Recovery rates on the Hong Kong and direct routes (:func:`recovery_rate`), decimals.
    multiplier : float or array_like, optional
        Ratio of the credit spread to expected loss, 0 to 20. Default 1 (prices expected loss
        only, the conservative reading).

    Returns
    -------
    float or ndarray
        :math:`m \\cdot PD \\cdot (RR_H - RR_D)`, decimal a year (negative when the HK route
        recovers less).

    References
    ----------
    .. [1] J. Hull, Options, Futures and Other Derivatives, 10th ed., ch. 24: spread
       :math:`\\approx PD (1 - RR)`.

    Examples
    --------
    >>> round(enforcement_gain(0.03, 0.45, 0.22), 6)
    0.0069
    """
    p = ck.fraction("pd", pd)
    rh = ck.fraction("rr_hk", rr_hk)
    rd = ck.fraction("rr_direct", rr_direct)
    m = ck.bounded("multiplier", multiplier, 0.0, 20.0, "a spread-to-expected-loss multiple")
    return ck.scalar_or_array(m * p * (rh - rd))


def hk_senior_spread(
    spread_direct: Any,
    gain: Any,
    *,
    cover: Any = 0.0,
    premium: Any = None,
    political_share: Any = 0.0,
    cap: Any = None,
) -> Any:
    """Senior debt spread under HK law / HKIAC with optional political risk cover.

    Parameters
    ----------
    spread_direct : float or array_like
        Spread of the senior debt on the direct route, decimal in [0, 1].
    gain : float or array_like
        Enforcement gain (:func:`enforcement_gain`), decimal; capped at ``cap``.
    cover : float or array_like, keyword-only
        Share of the debt under political risk cover, decimal in [0, 1] (MIGA: up to 0.95).
    premium : float or array_like, keyword-only
        Annual insurance premium per unit insured, decimal. Default the sourced MIGA 0.01.
    political_share : float or array_like, keyword-only
        Share of ``spread_direct`` that prices political risk (transfer, expropriation, war),
        decimal in [0, 1]; lenders drop it on the covered part (the capital relief). No public
        figure: :func:`insurance_breakeven_premium` tells what it must be.
    cap : float or array_like, keyword-only
        Largest enforcement gain allowed, decimal. Default 0.0067, the published range of Bae
        and Goyal (2009): 0 to 67bp. Pass 1 to lift the cap.

    Returns
    -------
    float or ndarray
        :math:`s_H = s_D - \\min(g, cap) + \\kappa \\pi - \\kappa \\phi s_D`, decimal.

    References
    ----------
    .. [1] K.-H. Bae and V. K. Goyal, "Creditor rights, enforcement, and bank loans", Journal
       of Finance 64(2) (2009) 823-860.
    .. [2] MIGA, Terms and conditions (premium about 1% a year).

    Examples
    --------
    >>> round(hk_senior_spread(0.035, 0.0069), 6)  # gain capped at 67bp
    0.0283
    >>> round(hk_senior_spread(0.035, 0.004, cover=0.9, political_share=0.3), 6)
    0.03055
    """
    s = _spread("spread_direct", spread_direct)
    g = ck.bounded("gain", gain, -1.0, 1.0, "a spread change as a decimal, such as 0.004,")
    kappa = ck.fraction("cover", cover)
    pi = _spread("premium", corridor_default("miga_premium") if premium is None else premium)
    phi = ck.fraction("political_share", political_share)
    c = _spread("cap", corridor_default("property_rights_spread_cap") if cap is None else cap)
    return ck.scalar_or_array(s - np.minimum(g, c) + kappa * pi - kappa * phi * s)


def insurance_breakeven_premium(spread_direct: Any, political_share: Any) -> Any:
    """The premium at which political risk cover pays for itself: :math:`\\phi s_D`.

    Parameters
    ----------
    spread_direct : float or array_like
        Senior spread on the direct route, decimal.
    political_share : float or array_like
        Share of the spread that prices political risk, decimal in [0, 1].

    Returns
    -------
    float or ndarray
        Break-even premium, decimal a year; cover pays when MIGA's premium is below it.

    References
    ----------
    .. [1] MIGA, Terms and conditions: premium about 1% of the insured amount a year.

    Examples
    --------
    >>> round(insurance_breakeven_premium(0.035, 0.3), 6)
    0.0105
    """
    s = _spread("spread_direct", spread_direct)
    phi = ck.fraction("political_share", political_share)
    return ck.scalar_or_array(phi * s)


def _basis(x: Any) -> FloatArray:
    return ck.bounded("basis", x, -0.2, 0.2, "a cross-currency basis as a decimal, such as -0.002,")


def dimsum_tranche_saving(
    usd_spread: Any,
    cnh_spread: Any,
    basis: Any,
    cnh_revenue_share: Any = 0.0,
    hedge_cost: Any = 0.0,
) -> Any:
    """Saving of a swapped Dim Sum (CNH) tranche against USD debt at the same credit.

    Parameters
    ----------
    usd_spread : float or array_like
        Issuer's credit spread over the USD curve, decimal.
    cnh_spread : float or array_like
        Issuer's credit spread over the CNH curve, decimal.
    basis : float or array_like
        USD/CNH cross-currency basis, decimal, Du-Tepper-Verdelhan sign (negative: swapping
        CNH into USD costs more). No public default.
    cnh_revenue_share : float or array_like, optional
        Share of the debt service the project pays from CNH/CNY revenue, decimal in [0, 1]
        (the I_m offtake share). Default 0.
    hedge_cost : float or array_like, optional
        Annual cost of hedging a USD liability against CNH revenue (swap bid-offer and basis),
        decimal; avoided on the naturally hedged share. Default 0.

    Returns
    -------
    float or ndarray
        :math:`(s_{USD} - s_{CNH}) + x + h \\cdot c_{hedge}`, decimal a year (positive: the
        Dim Sum tranche is cheaper). Never the raw coupon gap: the interest-rate differential
        :math:`r_{USD} - r_{CNH}` is paid away in the swap (covered interest parity).

    References
    ----------
    .. [1] W. Du, A. Tepper and A. Verdelhan, "Deviations from covered interest rate parity",
       Journal of Finance 73 (2018) 915-957.
    .. [2] SCMP (2021): Dim Sum swapped to USD saved 10-15bp against a USD issue (bankers'
       estimate).

    Examples
    --------
    >>> round(dimsum_tranche_saving(0.028, 0.0265, -0.001), 6)
    0.0005
    """
    su = _spread("usd_spread", usd_spread)
    sc = _spread("cnh_spread", cnh_spread)
    x = _basis(basis)
    h = ck.fraction("cnh_revenue_share", cnh_revenue_share)
    c = _spread("hedge_cost", hedge_cost)
    return ck.scalar_or_array(su - sc + x + h * c)


def dimsum_breakeven_basis(
    usd_spread: Any, cnh_spread: Any, cnh_revenue_share: Any = 0.0, hedge_cost: Any = 0.0
) -> Any:
    """The cross-currency basis at which the Dim Sum tranche saves nothing.

    Parameters
    ----------
    usd_spread, cnh_spread, cnh_revenue_share, hedge_cost : float or array_like
        As in :func:`dimsum_tranche_saving`.

    Returns
    -------
    float or ndarray
        :math:`x^* = -(s_{USD} - s_{CNH}) - h c_{hedge}`: the Dim Sum tranche pays while the
        basis is above it.

    Examples
    --------
    >>> round(dimsum_breakeven_basis(0.028, 0.0265), 6)
    -0.0015
    """
    su = _spread("usd_spread", usd_spread)
    sc = _spread("cnh_spread", cnh_spread)
    h = ck.fraction("cnh_revenue_share", cnh_revenue_share)
    c = _spread("hedge_cost", hedge_cost)
    return ck.scalar_or_array(-(su - sc) - h * c)


def fx_debt_saving(usd_yield: Any, foreign_yield: Any, expected_fx_change: Any) -> Any:
    """Unhedged saving of foreign-currency debt (CNH, KZT, UZS) against USD debt.

    Parameters
    ----------
    usd_yield : float or array_like
        Yield of the USD alternative, decimal (DBK Eurobond June 2025: 0.0556).
    foreign_yield : float or array_like
        Yield of the debt in the other currency, decimal (DBK KZT bond May 2025: 0.17).
    expected_fx_change : float or array_like
        Expected annual change of that currency against USD, decimal, positive when it
        appreciates (the unhedged view; no public default).

    Returns
    -------
    float or ndarray
        :math:`y_{USD} - [(1 + y_f)(1 + e) - 1]`, decimal a year.

    Notes
    -----
    With :math:`e` equal to the forward premium (covered interest parity) the saving is the
    hedged one; the break-even :math:`e^* = (1+y_{USD})/(1+y_f) - 1`.

    References
    ----------
    .. [1] KASE: Development Bank of Kazakhstan USD Eurobond 5.56% (26 Jun 2025) and KZT bond
       17.00% (May 2025).

    Examples
    --------
    The KZT bond pays only if the tenge falls less than 9.8% a year:

    >>> round(fx_debt_saving(0.0556, 0.17, 1.0556 / 1.17 - 1), 12)
    0.0
    >>> round(fx_debt_saving(0.0556, 0.17, -0.05), 4)
    -0.0559
    """
    yu = ck.rate("usd_yield", usd_yield)
    yf = ck.rate("foreign_yield", foreign_yield)
    e = ck.rate("expected_fx_change", expected_fx_change)
    return ck.scalar_or_array(yu - ((1.0 + yf) * (1.0 + e) - 1.0))


def green_tranche_spread(
    spread: Any,
    issue_size: Any,
    years: Any,
    rate: Any,
    *,
    review_cost: Any,
    certification_cost: Any,
    hk_grant: Any = 0.0,
    reporting_cost: Any = 0.0,
    greenium: Any = None,
    step_up: Any = 0.0,
    step_up_probability: Any = 0.0,
) -> Any:
    """All-in spread of a green (or sustainability-linked) tranche issued through Hong Kong.

    Parameters
    ----------
    spread : float or array_like
        Spread of the same issuer's conventional bond, decimal.
    issue_size : float or array_like
        Size of the tranche, money (US$), above 0.
    years : float or array_like
        Tenor, a whole number of years from 1 to 50.
    rate : float or array_like
        Yield of the tranche, used to amortise one-off costs, decimal.
    review_cost, certification_cost : float or array_like, keyword-only
        One-off second-party opinion and certification fees, money (US$) >= 0 (SPO EUR 15-20k;
        Climate Bonds 0.1bp of issue size, minimum US$1,000).
    hk_grant : float or array_like, keyword-only
        HK Green and Sustainable Finance Grant received, money (US$) >= 0. Default 0.
    reporting_cost : float or array_like, keyword-only
        Annual impact-reporting and verification cost, money (US$) >= 0. Default 0.
    greenium : float or array_like, keyword-only
        Green premium (spread reduction), decimal in [0, 1]. Default 0.0002 (Zerbib 2019: -2bp;
        Larcker-Watts 2020: about 0).
    step_up, step_up_probability : float or array_like, keyword-only
        Sustainability-linked coupon step-up (decimal; market practice 0.0025) and the
        probability it is triggered. Default 0, 0 (a plain green bond).

    Returns
    -------
    float or ndarray
        :math:`s - g + (R + C - G)/(N \\cdot a_{n,y}) + A/N + p \\cdot u`, decimal a year,
        where :math:`a_{n,y}` is the annuity factor.

    References
    ----------
    .. [1] O. D. Zerbib, "The effect of pro-environmental preferences on bond prices", J.
       Banking & Finance 98 (2019) 39-60.
    .. [2] D. F. Larcker and E. M. Watts, "Where's the greenium?", J. Accounting & Economics
       69 (2020) 101312.
    .. [3] HKMA / HKPC, Green and Sustainable Finance Grant Scheme (extended to 2027).

    Examples
    --------
    >>> round(green_tranche_spread(0.03, 100e6, 5, 0.05, review_cost=20000.0,
    ...       certification_cost=1000.0, hk_grant=20000.0, reporting_cost=10000.0), 8)
    0.02990231
    """
    s = _spread("spread", spread)
    n = ck.positive("issue_size", issue_size, "an issue size in money")
    t = ck.whole("years", years, 1, 50, "a whole number of years")
    y = ck.rate("rate", rate)
    r = ck.amount("review_cost", review_cost, nonnegative=True)
    c = ck.amount("certification_cost", certification_cost, nonnegative=True)
    g = ck.amount("hk_grant", hk_grant, nonnegative=True)
    a = ck.amount("reporting_cost", reporting_cost, nonnegative=True)
    gr = _spread("greenium", corridor_default("greenium") if greenium is None else greenium)
    u = _spread("step_up", step_up)
    p = ck.fraction("step_up_probability", step_up_probability)
    annuity = np.asarray(growing_annuity_factor(t, y))
    return ck.scalar_or_array(s - gr + (r + c - g) / (n * annuity) + a / n + p * u)


def policy_bank_cost(
    base_rate: Any,
    margin: Any,
    fees: Any,
    years: Any,
    escrow_share: Any = 0.0,
    escrow_carry: Any = 0.0,
) -> Any:
    """All-in annual cost of a Chinese policy-bank loan, the direct route's comparator.

    Parameters
    ----------
    base_rate : float or array_like
        Floating base (SOFR; LIBOR before 2022), decimal.
    margin : float or array_like
        Lending margin, decimal (AidData: CDB to DBK 2017 +2.7%; to Asaka Bank 2017 +4%).
    fees : float or array_like
        Upfront and management fees as a share of the loan, decimal (Asaka Bank: 0.006).
    years : float or array_like
        Tenor, a whole number of years from 1 to 50.
    escrow_share : float or array_like, optional
        Share of the loan held as cash collateral in a lender-controlled account, decimal in
        [0, 1] (Gelpern et al. 2025: about 80% of collateralised loans use such accounts).
    escrow_carry : float or array_like, optional
        Project's cost of funds minus the yield earned on the escrow account, decimal.

    Returns
    -------
    float or ndarray
        :math:`r + m + f / a_{n, r+m} + e \\cdot c`, decimal a year: fees amortised as an
        annuity at the loan's rate.

    References
    ----------
    .. [1] AidData, "Banking on the Belt and Road" (2021), projects 59132, 96410, 95376.
    .. [2] A. Gelpern et al., "How China Lends" (2021); "How China Collateralizes" (2025).

    Examples
    --------
    CDB to Asaka Bank 2017: LIBOR + 4%, 8 years, fees 0.6%, with 12-month LIBOR at 1.7%:

    >>> round(policy_bank_cost(0.017, 0.04, 0.006, 8), 6)
    0.058
    """
    b = ck.rate("base_rate", base_rate)
    m = _spread("margin", margin)
    f = ck.fraction("fees", fees)
    t = ck.whole("years", years, 1, 50, "a whole number of years")
    e = ck.fraction("escrow_share", escrow_share)
    c = ck.bounded("escrow_carry", escrow_carry, -1.0, 1.0, "a carry as a decimal, such as 0.03,")
    annuity = np.asarray(growing_annuity_factor(t, b + m))
    return ck.scalar_or_array(b + m + f / annuity + e * c)
