"""The corridor entry model (issue 14, docs/corridor_model.md): known values against independent
computations or cited figures, Hypothesis invariants, named errors, and the Excel adapters with
Excel-shaped input."""

from __future__ import annotations

import math
from pathlib import Path

import corridor_udfs as udf
import numpy as np
import numpy_financial as npf
import pytest
import xlwings as xw
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_corridor.engine import corridor as co
from xl_corridor.engine import corridor_debt as cd
from xl_corridor.engine.funding import dimsum_saving
from xl_corridor.errors import CorridorInputError

# An illustrative Kazakh copper project (US$ m); the same numbers as
# workbooks/examples/corridor_kz_copper.toml, where each is sourced or marked ILLUSTRATIVE.
EX = dict(
    fcf=[90.0] * 15, investment=600.0, tax_rate=0.2, usd_base_rate=0.04, debt_years=10,
    rf=0.042, beta=1.2, mrp=0.0412, crp=0.023254, liquidity_premium=0.02,
    listing_annual_cost=1.5,
    equity_weight_direct=0.4, senior_weight_direct=0.3, policy_weight_direct=0.3,
    equity_weight_hk=0.4, senior_weight_hk=0.35, dimsum_weight_hk=0.15, green_weight_hk=0.1,
    spread_direct=0.035, pd=0.03, collateral=0.6, lender_rate=0.06, p_local=0.5,
    local_cost=0.22, local_years=1.0137, mainland_share=0.4, hk_cost=0.10, cover=0.5,
    political_share=0.25, policy_margin=0.027, policy_fees=0.006, escrow_share=0.1,
    escrow_carry=0.03, cnh_spread=0.0335, basis=-0.0005, cnh_revenue_share=0.3,
    hedge_cost=0.002, review_cost=0.019, certification_cost=0.001, hk_grant=0.019,
    reporting_cost=0.03, p_exec=0.8, delay_years=1.0, hk_one_off=6.0, hk_annual=1.0,
    hk_cost_years=15,
)


# --------------------------------------------------------------------------- sourced defaults


def test_defaults_carry_the_cited_figures():
    # docs/corridor_facts.md: MIGA ~1%/yr; Bae & Goyal 67bp; Zerbib -2bp; Hail & Leuz 70bp;
    # Doing Business 2020 Kazakhstan 22.0% and 370 days; HKIAC median 13 months.
    assert cd.corridor_default("miga_premium") == 0.01
    assert cd.corridor_default("property_rights_spread_cap") == 0.0067
    assert cd.corridor_default("greenium") == 0.0002
    assert cd.corridor_default("listing_premium_cut") == 0.007
    assert cd.corridor_default("kz_enforcement_cost") == 0.22
    assert cd.corridor_default("kz_enforcement_years") == pytest.approx(370 / 365, abs=1e-4)
    assert cd.corridor_default("hkiac_award_years") == pytest.approx(13 / 12, abs=1e-4)


def test_every_default_has_a_source_and_a_date():
    for key, entry in cd._defaults().items():
        assert entry.get("source") and entry.get("date"), key


# --------------------------------------------------------------------------- tranche known values


def test_recovery_with_doing_business_kazakhstan():
    # Hand formula, Doing Business 2020 Kazakhstan (22.0%, 370 days), GRATA's 12 of 24.
    expected = (12 / 24) * 0.6 * (1 - 0.22) / 1.06 ** (370 / 365)
    assert cd.recovery_rate(0.5, 0.6, 0.22, 370 / 365, 0.06) == pytest.approx(expected, rel=1e-14)


def test_hk_enforcement_blends_mainland_and_local():
    # 40% of support in the Mainland at GRATA's 91%, the rest at Kazakhstan's 50%.
    assert cd.hk_enforcement_probability(0.4, 0.5) == pytest.approx(0.4 * 0.91 + 0.6 * 0.5)
    assert cd.hk_enforcement_probability(0.0, 0.5, 0.91) == 0.5


def test_enforcement_gain_is_expected_loss_saved():
    # spread ~ PD x LGD (Hull ch. 24): 3% PD, recovery 22% -> 34%: 36bp.
    assert cd.enforcement_gain(0.03, 0.34, 0.22) == pytest.approx(0.03 * 0.12, rel=1e-12)


def test_senior_spread_gain_is_capped_at_bae_goyal_67bp():
    # Bae & Goyal (2009): weakest -> strongest property rights = 67bp. A 150bp gain counts 67bp.
    assert cd.hk_senior_spread(0.035, 0.015) == pytest.approx(0.035 - 0.0067, rel=1e-12)
    assert cd.hk_senior_spread(0.035, 0.015, cap=1.0) == pytest.approx(0.02, rel=1e-12)
    # cover 50% at MIGA's 1%: +50bp; relief 50% x 25% x 350bp = 43.75bp.
    assert cd.hk_senior_spread(0.035, 0.0, cover=0.5, political_share=0.25) == pytest.approx(
        0.035 + 0.005 - 0.004375, rel=1e-12
    )


def test_insurance_breakeven_makes_cover_neutral():
    be = cd.insurance_breakeven_premium(0.035, 0.25)
    assert cd.hk_senior_spread(0.035, 0.0, cover=0.9, premium=be, political_share=0.25) == (
        pytest.approx(0.035, rel=1e-12)
    )


def test_dimsum_saving_is_the_cip_hedged_saving_in_continuous_compounding():
    # engine.funding's covered-interest-parity hedged cost (Du-Tepper-Verdelhan) is exact per
    # period; with continuously compounded rates it is additive, and the saving against a USD
    # bond is (s_USD - s_CNH) + basis exactly: the rate differential r_USD - r_CNH cancels.
    r_usd, r_cnh, s_usd, s_cnh, x = 0.043, 0.018, 0.035, 0.0335, -0.0005
    a = math.expm1
    hedged = dimsum_saving(a(r_cnh + s_cnh), a(r_usd), a(r_cnh + x), a(r_usd + s_usd), 0.0)
    # back to continuous compounding: log(1 + y_usd) - log(1 + hedged cost)
    exact = (r_usd + s_usd) - math.log1p(a(r_usd + s_usd) - hedged)
    assert cd.dimsum_tranche_saving(s_usd, s_cnh, x) == pytest.approx(exact, rel=1e-9)
    # never the raw coupon gap (7.8% - 5.15% = 265bp)
    assert cd.dimsum_tranche_saving(s_usd, s_cnh, x) < 0.002


def test_dimsum_breakeven_basis_zeroes_the_saving():
    x = cd.dimsum_breakeven_basis(0.035, 0.0335, 0.3, 0.002)
    assert cd.dimsum_tranche_saving(0.035, 0.0335, x, 0.3, 0.002) == pytest.approx(0, abs=1e-15)


def test_kzt_debt_breakeven_depreciation_from_kase_yields():
    # KASE: DBK USD Eurobond 5.56% (Jun 2025), DBK KZT bond 17.00% (May 2025): the KZT bond is
    # cheaper only if the tenge falls less than 1.0556/1.17 - 1 = -9.78% a year.
    e_star = 1.0556 / 1.17 - 1
    assert e_star == pytest.approx(-0.0978, abs=1e-4)
    assert cd.fx_debt_saving(0.0556, 0.17, e_star) == pytest.approx(0, abs=1e-15)
    assert cd.fx_debt_saving(0.0556, 0.17, -0.05) < 0 < cd.fx_debt_saving(0.0556, 0.17, -0.12)


def test_green_spread_against_numpy_financial_annuity():
    # Amortised one-off = npf.pmt on the net cost; SPO EUR 17.5k ~ US$19k, CBI minimum US$1,000,
    # HK grant covering the review, reporting US$30k a year; US$ m.
    one_off = 0.019 + 0.001 - 0.010
    amort = -npf.pmt(0.072, 10, one_off) / 60.0
    expected = 0.032 - 0.0002 + amort + 0.03 / 60.0 + 0.2 * 0.0025
    got = cd.green_tranche_spread(0.032, 60.0, 10, 0.072, review_cost=0.019,
                                  certification_cost=0.001, hk_grant=0.010, reporting_cost=0.03,
                                  step_up=0.0025, step_up_probability=0.2)
    assert got == pytest.approx(expected, rel=1e-12)


def test_policy_loan_aiddata_examples():
    # AidData 59132: CDB -> DBK 2017, LIBOR + 2.7% "about 4.13% all-in" -> LIBOR about 1.43%.
    assert cd.policy_bank_cost(0.0143, 0.027, 0.0, 10) == pytest.approx(0.0413, abs=1e-12)
    # AidData 96410: Asaka Bank, LIBOR + 4%, 8 years, fees 0.3% + 0.3%, fee as an annuity
    # (numpy-financial pmt), plus 10% escrow carried at 3%.
    r = 0.017 + 0.04
    expected = r - npf.pmt(r, 8, 0.006) + 0.1 * 0.03
    assert cd.policy_bank_cost(0.017, 0.04, 0.006, 8, 0.1, 0.03) == pytest.approx(expected)


def test_netback_by_hand():
    # 25 days of a US$9,000 cargo carried at 10%: 9000 * 0.1 * 25 / 365 = 61.64.
    assert co.logistics_netback(9000.0, 120.0, 180.0, 40.0, 25, 0.1) == pytest.approx(
        9000 - 340 - 9000 * 0.1 * 25 / 365
    )


# --------------------------------------------------------------------------- equity, WACC, value


def test_hk_cost_of_equity_and_wacc_by_hand():
    assert co.hk_cost_of_equity(0.134694, 0.007, 1.5, 240.0) == pytest.approx(
        0.134694 - 0.007 + 1.5 / 240.0
    )
    assert co.route_wacc(0.4, 0.13, [0.3, 0.3], [0.075, 0.07], 0.2) == pytest.approx(
        0.4 * 0.13 + 0.8 * (0.3 * 0.075 + 0.3 * 0.07)
    )


def test_value_and_delta_v_against_numpy_financial():
    fcf = [90.0] * 15
    v = lambda w: npf.npv(w, [0.0, *fcf])  # noqa: E731  (Excel's NPV: first flow at t = 1)
    assert co.route_value(fcf, 0.089) == pytest.approx(v(0.089), rel=1e-12)
    running = -npf.pv(0.089, 15, 1.0)
    expected = 0.8 * (v(0.088) - v(0.089)) / 1.089 - 6.0 - running
    assert co.corridor_delta_v(fcf, 0.089, 0.088, 0.8, 1.0, 6.0, 1.0, 15) == pytest.approx(
        expected, rel=1e-10
    )
    assert co.corridor_ce(-12.0, 600.0) == -0.02


# --------------------------------------------------------------------------- the whole model


def _independent(ex):
    """The model recomputed from docs/corridor_model.md with plain Python and numpy-financial."""
    ke_d = ex["rf"] + ex["beta"] * ex["mrp"] + ex["crp"] + ex["liquidity_premium"]
    ke_h = ke_d - 0.007 + ex["listing_annual_cost"] / (ex["equity_weight_hk"] * ex["investment"])
    p_h = ex["mainland_share"] * 0.91 + (1 - ex["mainland_share"]) * ex["p_local"]
    rr_d = ex["p_local"] * ex["collateral"] * (1 - ex["local_cost"]) / 1.06 ** ex["local_years"]
    rr_h = p_h * ex["collateral"] * (1 - ex["hk_cost"]) / 1.06 ** (13 / 12)
    gain = min(ex["pd"] * (rr_h - rr_d), 0.0067)
    s_d = ex["spread_direct"]
    s_h = s_d - gain + ex["cover"] * 0.01 - ex["cover"] * ex["political_share"] * s_d
    b = ex["usd_base_rate"]
    rp = b + ex["policy_margin"]
    k_pol = rp - npf.pmt(rp, 10, ex["policy_fees"]) + ex["escrow_share"] * ex["escrow_carry"]
    k_dim = b + s_d - (s_d - ex["cnh_spread"] + ex["basis"] + 0.3 * 0.002)
    n = ex["green_weight_hk"] * ex["investment"]
    net = ex["review_cost"] + ex["certification_cost"] - ex["hk_grant"]
    # green one-offs amortised at the conventional USD yield b + s_D
    k_gr = b + s_h - 0.0002 - npf.pmt(b + s_d, 10, net) / n + ex["reporting_cost"] / n
    w_d = 0.4 * ke_d + 0.8 * (0.3 * (b + s_d) + 0.3 * k_pol)
    w_h = 0.4 * ke_h + 0.8 * (0.35 * (b + s_h) + 0.15 * k_dim + 0.1 * k_gr)
    v = lambda w: npf.npv(w, [0.0, *ex["fcf"]])  # noqa: E731
    dv = 0.8 * (v(w_h) - v(w_d)) / (1 + w_d) - 6.0 + npf.pv(w_d, 15, 1.0)
    return w_d, w_h, dv


def test_whole_model_against_an_independent_recomputation():
    w_d, w_h, dv = _independent(EX)
    r = co.corridor_entry(EX)
    assert r["wacc_direct"] == pytest.approx(w_d, rel=1e-12)
    assert r["wacc_hk"] == pytest.approx(w_h, rel=1e-12)
    assert r["delta_v"] == pytest.approx(dv, rel=1e-9)
    assert r["ce"] == pytest.approx(dv / 600.0, rel=1e-9)
    assert r["wacc_gap_bp"] == pytest.approx((w_d - w_h) * 1e4, rel=1e-9)


def test_waterfall_sums_to_the_wacc():
    r = co.corridor_entry(EX)
    for route in ("direct", "hk"):
        assert sum(r.waterfall[route].values()) == pytest.approx(r[f"wacc_{route}"], rel=1e-14)
    # and equals route_wacc on the same tranches
    assert r["wacc_hk"] == pytest.approx(co.route_wacc(
        0.4, r["ke_hk"], [0.35, 0.15, 0.1], [r["k_senior_hk"], r["k_dimsum"], r["k_green"]], 0.2))


def test_breakevens_bring_delta_v_to_zero():
    r = co.corridor_entry(EX)
    be = r.breakevens
    # largest set-up budget: Delta V = 0 at that one-off cost
    at_budget = co.corridor_entry(dict(EX, hk_one_off=max(be["max_setup_budget"], 0.0)))
    if be["max_setup_budget"] >= 0:
        assert at_budget["delta_v"] == pytest.approx(0, abs=1e-9)
    # critical size: scale FCF and investment, Delta V = 0
    k = be["critical_investment"] / EX["investment"]
    scaled = co.corridor_entry(dict(EX, fcf=[f * k for f in EX["fcf"]],
                                    investment=be["critical_investment"]))
    assert scaled["delta_v"] == pytest.approx(0, abs=1e-6)
    # enforcement gain needed: reach it through the PD with the cap lifted
    pd = be["gain_needed"] / (r["rr_hk"] - r["rr_direct"])
    assert 0 < pd < 1
    needed = co.corridor_entry(dict(EX, pd=pd, gain_cap=1.0))
    assert needed["delta_v"] == pytest.approx(0, abs=1e-6)
    assert be["insurance_breakeven_premium"] == pytest.approx(0.25 * 0.035)
    assert be["dimsum_breakeven_basis"] == pytest.approx(-(0.035 - 0.0335) - 0.3 * 0.002)


def test_a_route_that_always_pays_has_critical_size_zero_and_one_that_never_pays_nan():
    free = dict(EX, hk_one_off=0.0, hk_annual=0.0, listing_annual_cost=0.0, review_cost=0.0,
                certification_cost=0.0, hk_grant=0.0, reporting_cost=0.0)
    assert co.corridor_entry(free).breakevens["critical_investment"] == 0.0
    never = dict(EX, listing_premium_cut=0.0, mainland_share=0.0, hk_cost=0.5)
    assert math.isnan(co.corridor_entry(never).breakevens["critical_investment"])


def _equal_routes(**over):
    """Routes with the same tranches, no HK effect and no HK cost: C_e must be 0."""
    return dict(
        EX, listing_premium_cut=0.0, listing_annual_cost=0.0, policy_weight_direct=0.0,
        senior_weight_direct=0.6, senior_weight_hk=0.6, dimsum_weight_hk=0.0,
        green_weight_hk=0.0, mainland_share=0.0, hk_cost=EX["local_cost"],
        hk_years=EX["local_years"], cover=0.0, hk_one_off=0.0, hk_annual=0.0, **over,
    )


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 0.2), st.floats(0.0, 1.0), st.floats(0.0, 3.0))
def test_equal_routes_give_zero(p_exec, pd, p_local, delay):
    r = co.corridor_entry(_equal_routes(p_exec=p_exec, pd=pd, p_local=p_local,
                                        delay_years=delay))
    assert r["ce"] == pytest.approx(0.0, abs=1e-12)
    assert r["wacc_gap_bp"] == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 0.1))
def test_ce_rises_with_enforcement_gain(share_a, share_b, pd):
    # More mainland credit support -> higher HK enforcement -> larger gain -> C_e no lower.
    lo, hi = sorted((share_a, share_b))
    a = co.corridor_entry(dict(EX, mainland_share=lo, pd=pd))
    b = co.corridor_entry(dict(EX, mainland_share=hi, pd=pd))
    assert b["enforcement_gain"] >= a["enforcement_gain"] - 1e-15
    assert b["ce"] >= a["ce"] - 1e-12


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 50.0), st.floats(0.0, 50.0), st.floats(0.0, 5.0), st.floats(0.0, 0.3))
def test_ce_falls_with_hk_costs(one_off, extra, annual, hk_cost):
    a = co.corridor_entry(dict(EX, hk_one_off=one_off, hk_annual=annual, hk_cost=hk_cost))
    b = co.corridor_entry(dict(EX, hk_one_off=one_off + extra, hk_annual=annual * 1.5,
                               hk_cost=min(hk_cost + 0.1, 1.0)))
    assert b["ce"] <= a["ce"] + 1e-12


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 0.4), st.floats(0.0, 0.05))
def test_wacc_identity(we, wd1, s):
    wd2 = 1.0 - we - wd1
    if wd2 < 0:
        return
    got = co.route_wacc(we, 0.13, [wd1, wd2], [0.05 + s, 0.07], 0.2)
    assert got == pytest.approx(we * 0.13 + 0.8 * (wd1 * (0.05 + s) + wd2 * 0.07), abs=1e-15)


# --------------------------------------------------------------------------- sensitivity, MC


def test_sensitivity_rows_and_directions():
    rows = co.corridor_sensitivity(EX)
    assert {r["variable"] for r in rows} == {"I_m", "S_hk", "R_ca"}
    by = {(r["variable"], r["input"]): r for r in rows}
    # stronger mainland support and stronger HK execution raise C_e
    assert by[("I_m", "all")]["ce_up"] > by[("I_m", "all")]["ce_base"] > by[("I_m", "all")][
        "ce_down"]
    assert by[("S_hk", "all")]["ce_up"] > by[("S_hk", "all")]["ce_down"]
    # one-input rows reproduce the model at the shifted input
    r = by[("R_ca", "pd")]
    assert r["ce_up"] == pytest.approx(co.corridor_entry(dict(EX, pd=0.04))["ce"])


UNCERTAIN = {"pd": (0.01, 0.03, 0.06), "basis": (-0.003, -0.0005, 0.001),
             "greenium": (0.0, 0.0002, 0.0005), "listing_premium_cut": (0.0, 0.007, 0.012)}


def test_montecarlo_is_seeded_and_centred():
    a = co.corridor_montecarlo(EX, UNCERTAIN, n_paths=4000, seed=7)
    b = co.corridor_montecarlo(EX, UNCERTAIN, n_paths=4000, seed=7)
    c = co.corridor_montecarlo(EX, UNCERTAIN, n_paths=4000, seed=8)
    assert a == b and a.ce_mean != c.ce_mean
    assert a.ce_p5 <= a.ce_p50 <= a.ce_p95
    # near-degenerate triangles: the mean is the deterministic C_e
    tight = {"pd": (0.03 - 1e-12, 0.03, 0.03 + 1e-12)}
    d = co.corridor_montecarlo(EX, tight, n_paths=100, seed=1)
    assert d.ce_mean == pytest.approx(co.corridor_entry(EX)["ce"], abs=1e-9)


def test_montecarlo_bad_settings_are_named():
    with pytest.raises(CorridorInputError, match="^n_paths: "):
        co.corridor_montecarlo(EX, UNCERTAIN, n_paths=0)
    with pytest.raises(CorridorInputError, match="^seed: "):
        co.corridor_montecarlo(EX, UNCERTAIN, seed=-1)
    with pytest.raises(CorridorInputError, match=r"^uncertain\.pd: expected low <= mode"):
        co.corridor_montecarlo(EX, {"pd": (0.05, 0.01, 0.06)})
    with pytest.raises(CorridorInputError, match=r"^uncertain\.debt_years: "):
        co.corridor_montecarlo(EX, {"debt_years": (5, 10, 15)})


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("missing", ["pd", "collateral", "p_local", "basis", "mainland_share",
                                     "hk_one_off", "fcf"])
def test_inputs_with_no_public_default_are_required(missing):
    ex = {k: v for k, v in EX.items() if k != missing}
    with pytest.raises(CorridorInputError, match=f"^{missing}: required input"):
        co.corridor_entry(ex)


def test_bad_model_inputs_get_named_messages():
    with pytest.raises(CorridorInputError, match="^green_weight_hk: expected the hk route's weig"):
        co.corridor_entry(dict(EX, green_weight_hk=0.2))
    with pytest.raises(CorridorInputError, match=r"^pd: .*\(for 3% enter 0\.03\)"):
        co.corridor_entry(dict(EX, pd=3.0))
    with pytest.raises(CorridorInputError, match="^pdd: unknown input"):
        co.corridor_entry(dict(EX, pdd=0.03))
    with pytest.raises(CorridorInputError, match="^debt_weights: expected equity and debt"):
        co.route_wacc(0.4, 0.13, [0.3, 0.2], [0.07, 0.06], 0.2)
    with pytest.raises(CorridorInputError, match="^wacc_hk: .*discounting overflows"):
        co.corridor_delta_v([1.0] * 200, 0.1, -0.999999, 1.0, 0, 0.0, 0.0, 0)


@pytest.mark.parametrize(
    ("fn", "args", "names"),
    [
        (cd.recovery_rate, (0.5, 0.6, 0.22, 1.0, 0.06),
         ["p_enforce", "collateral", "enforcement_cost", "enforcement_years", "rate"]),
        (cd.dimsum_tranche_saving, (0.035, 0.0335, -0.0005),
         ["usd_spread", "cnh_spread", "basis", "cnh_revenue_share", "hedge_cost"]),
        (cd.policy_bank_cost, (0.04, 0.027, 0.006, 10),
         ["base_rate", "margin", "fees", "years", "escrow_share", "escrow_carry"]),
        (co.hk_cost_of_equity, (0.13, 0.007, 1.5, 240.0),
         ["ke_direct", "listing_premium_cut", "listing_annual_cost", "equity_value"]),
    ],
)
@pytest.mark.parametrize("junk", ["x", None, True, math.nan, 1e300, [1.0, "x"]])
def test_engine_names_the_argument(fn, args, names, junk):
    import inspect

    defaults = [p.default for p in inspect.signature(fn).parameters.values()]
    for i, name in enumerate(names):
        call = [args[j] if j < len(args) else defaults[j] for j in range(len(names))]
        call[i] = junk
        with pytest.raises(CorridorInputError) as info:
            fn(*call)
        assert info.value.argument == name


# --------------------------------------------------------------------------- Excel adapters


def test_udfs_with_excel_shapes_match_the_engine():
    assert udf.CORRIDOR_RECOVERY([[0.5]], [[0.6]], [[0.22]], [[1.0137]], [[0.06]]) == (
        pytest.approx(cd.recovery_rate(0.5, 0.6, 0.22, 1.0137, 0.06)))
    # a column of local enforcement rates gives a column
    got = udf.CORRIDOR_ENFORCE_HK(0.4, [[0.3], [0.5], [0.7]])
    assert np.shape(got) == (3, 1) and got[1][0] == pytest.approx(0.664)
    # blank optional -> sourced default (MIGA 1%, Bae-Goyal cap)
    assert udf.CORRIDOR_SENIOR_SPREAD(0.035, 0.01, 0.5, [[None]], 0.25, "") == pytest.approx(
        cd.hk_senior_spread(0.035, 0.01, cover=0.5, political_share=0.25))
    assert udf.CORRIDOR_WACC(0.4, 0.13, [[0.3, 0.3, None]], [[0.075], [0.07]], 0.2) == (
        pytest.approx(co.route_wacc(0.4, 0.13, [0.3, 0.3], [0.075, 0.07], 0.2)))
    dv = udf.CORRIDOR_DELTA_V([[90.0] * 15 + [None]], 0.089, 0.088, 0.8, 1.0, 6.0, 1.0, 15.0)
    assert dv == pytest.approx(co.corridor_delta_v([90.0] * 15, 0.089, 0.088, 0.8, 1.0, 6.0,
                                                   1.0, 15))
    assert udf.CORRIDOR_CE(dv, 600.0) == pytest.approx(dv / 600.0)
    assert udf.CORRIDOR_GREEN_SPREAD(0.032, 60.0, 10.0, 0.072, 0.019, 0.001) == pytest.approx(
        cd.green_tranche_spread(0.032, 60.0, 10, 0.072, review_cost=0.019,
                                certification_cost=0.001))


@pytest.mark.parametrize(
    ("call", "arg"),
    [
        (lambda: udf.CORRIDOR_RECOVERY("#N/A", 0.6, 0.22, 1.0, 0.06), "p_enforce"),
        (lambda: udf.CORRIDOR_DIMSUM_SAVING(0.035, [[None]], -0.0005), "cnh_spread"),
        (lambda: udf.CORRIDOR_WACC(0.4, 0.13, [[0.3, 0.2]], [[0.07, 0.06]], 0.2), "debt_weights"),
        (lambda: udf.CORRIDOR_WACC([[0.4, 0.3]], 0.13, [[0.3]], [[0.07]], 0.2), "equity_weight"),
        (lambda: udf.CORRIDOR_WACC(0.4, 0.13, [[0.3, 0.3]], [[0.07]], 0.2), "debt_costs"),
        (lambda: udf.CORRIDOR_DELTA_V([[90.0, "#N/A"]], 0.09, 0.08, 1.0, 0.0, 0.0), "fcf"),
        (lambda: udf.CORRIDOR_POLICY_LOAN(0.04, 2.7, 0.006, 10.0), "margin"),
    ],
)
def test_udf_bad_input_names_the_argument(call, arg):
    with pytest.raises(xw.XlwingsError, match=f"^{arg}: expected"):
        call()


# --------------------------------------------------------------------------- case file, report

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "examples" / "corridor_kz_copper.toml"


def test_example_case_runs_and_matches_the_test_inputs():
    from xl_corridor.corridor_case import engine_inputs, load_corridor_case

    case = load_corridor_case(EXAMPLE)
    inputs = engine_inputs(case)
    # logistics netback by hand: 9000 - 120 - 180 - 40 - 9000 x 0.10 x 25/365 per t, 0.05 Mt
    per_t = 120 + 180 + 40 + 9000 * 0.10 * 25 / 365
    assert inputs["fcf"][0] == pytest.approx(120.0 - 0.8 * 0.05 * per_t, rel=1e-12)
    for key in ("pd", "collateral", "basis", "mainland_share", "hk_one_off"):
        assert inputs[key] == EX[key]


def test_example_marks_every_invented_input():
    import tomllib

    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    fields = {f for s in data.values() if isinstance(s, dict) for f in s} - {"uncertain"}
    documented = set(data["sources"])
    missing = {f for f in fields if f in co.INPUTS or f in ("operating_cf", "volume", "price")}
    assert missing - documented - {"name", "sponsor", "country", "currency", "units"} == set()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["senior"].pop("pd"), r"senior\.pd: required field is missing"),
        (lambda d: d["senior"].update(pdd=0.1), r"senior\.pdd: unknown field"),
        (lambda d: d["senior"].update(pd="0.03"), r"senior\.pd: Input should be a valid number"),
        (lambda d: d["senior"].update(pd=3.0), r"senior\.pd: expected a decimal between 0 and 1"),
        (lambda d: d["structure"].update(green_weight_hk=0.3),
         r"structure\.green_weight_hk: expected the hk route's weights to sum to 1"),
        (lambda d: d["project"].update(volume=[0.05, 0.05]), r"project\.volume: expected 1 value"),
        (lambda d: d.update(kind="listing"), r"kind: expected \"corridor\""),
        (lambda d: d["simulation"]["uncertain"].update(pd=[0.05, 0.01, 0.06]),
         r"simulation\.uncertain\.pd: expected low <= mode"),
        (lambda d: d["logistics"].update(price=-1.0), r"logistics\.price: expected a price"),
        (lambda d: d["sources"].update(pdd="x"), r"sources: 'pdd' is not an input"),
    ],
)
def test_bad_case_files_get_file_field_problem(edit, message):
    import tomllib

    from xl_corridor.case import CaseError
    from xl_corridor.corridor_case import load_corridor_case

    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    edit(data)
    with pytest.raises(CaseError, match="^<dict>: " + message):
        load_corridor_case(data)


def test_report_recalculated_by_libreoffice_equals_the_engine(tmp_path, soffice):
    # One LibreOffice run over two workbooks: the report as built, and a copy with its cached
    # values stripped (openpyxl drops them on save) and one input changed, so that only a real
    # recalculation can give the engine's numbers.
    from openpyxl import load_workbook

    from xl_corridor.corridor_case import engine_inputs, load_corridor_case
    from xl_corridor.validate.libreoffice import recalculate
    from xl_corridor.workbook.corridor_report import build_corridor_report

    built = build_corridor_report(EXAMPLE, tmp_path / "corridor.xlsx")
    wb = load_workbook(built)
    dest = wb.defined_names["CORR_PD"].attr_text.split("!")[1].replace("$", "")
    wb["Inputs"][dest] = 0.045
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    out = recalculate([built, edited], tmp_path / "lo")

    inputs = engine_inputs(load_corridor_case(EXAMPLE))
    engine = co.corridor_entry(inputs)
    first = load_workbook(out[0], data_only=True)
    assert first["Checks"]["G5"].value == "OK"
    statuses = [r[0] for r in first["Checks"].iter_rows(min_row=5, min_col=5, max_col=5,
                                                         values_only=True) if r[0] is not None]
    assert len(statuses) > 60 and set(statuses) == {"OK"}
    summary = first["Summary"]
    assert summary["B4"].value == pytest.approx(engine["ce"], rel=1e-9)
    assert summary["B12"].value == pytest.approx(engine.breakevens["critical_investment"],
                                                 rel=1e-9)
    assert summary["B13"].value == pytest.approx(engine.breakevens["gain_needed"], rel=1e-9)
    assert first["MonteCarlo"]["B17"].value == "current"

    second = load_workbook(out[1], data_only=True)
    moved = co.corridor_entry(inputs | {"pd": 0.045})
    assert second["Summary"]["B4"].value == pytest.approx(moved["ce"], rel=1e-9)
    assert second["Summary"]["B12"].value == pytest.approx(
        moved.breakevens["critical_investment"], rel=1e-9)
    assert second["MonteCarlo"]["B17"].value.startswith("STALE")


def test_packaged_example_is_the_worked_example():
    packaged = EXAMPLE.parents[2] / "xl_corridor" / "data" / "corridor_example.toml"
    assert packaged.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")


@pytest.mark.slow
def test_template_corridor_sheet_functions_equal_native_formulas_and_engine(tmp_path):
    # The `formulas` library evaluates the sheet with every CORRIDOR_ function registered (as
    # `xl-corridor validate` does for the template): each function cell must equal its native
    # cross-check, and the native C_e the engine's.
    import formulas
    from openpyxl import Workbook

    from xl_corridor.corridor_case import engine_inputs, load_corridor_case
    from xl_corridor.validate import validator as v
    from xl_corridor.workbook.corridor_report import (
        UDF_ROWS,
        add_corridor_sheet,
        corridor_sheet_layout,
    )

    wb = Workbook()
    wb.remove(wb.active)
    add_corridor_sheet(wb)
    path = tmp_path / "template.xlsx"
    wb.save(path)
    errors: dict[str, str] = {}
    v._register_udfs(udf, errors)
    with v._quiet_formulas():
        cells = v._solution_cells(formulas.ExcelModel().loads(str(path)).finish().calculate())
    assert errors == {}
    case = load_corridor_case(EXAMPLE)
    layout = corridor_sheet_layout(case)
    rows = list(layout["model"].values()) + [layout["netback"]]
    checks = [cells.get(f"CORRIDOR!E{r}") for r in rows]
    assert checks.count("OK") == len(UDF_ROWS) + 4  # 3 extra lines and the netback
    assert set(checks) <= {"OK", None}
    formulas_text = " ".join(str(c.value) for row in wb["Corridor"].iter_rows() for c in row)
    for name in udf.__all__:
        if name.startswith("CORRIDOR_") and name not in ("CORRIDOR_CRP", "CORRIDOR_KE_FX",
                                                         "CORRIDOR_CAPEX", "CORRIDOR_LP",
                                                         "CORRIDOR_VERSION"):
            assert f"{name}(" in formulas_text, name
    engine = co.corridor_entry(engine_inputs(case))
    assert cells[f"CORRIDOR!D{layout['model']['ce']}"] == pytest.approx(engine["ce"], rel=1e-12)


def test_cli_report_dispatches_on_kind_corridor(tmp_path, capsys):
    from xl_corridor.cli import main

    out = tmp_path / "corridor.xlsx"
    assert main(["report", str(EXAMPLE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "C_e -2.05%" in printed
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("pd = 0.03 ", "pdd = 0.03 "),
                   encoding="utf-8")
    assert main(["report", str(bad), "--out", str(tmp_path / "b.xlsx")]) == 2
    assert capsys.readouterr().err.startswith(f"{bad}: senior.pd: required field is missing")
