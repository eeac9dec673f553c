"""Bad input never yields a number (docs/design.md): every UDF, every argument, every kind of junk a
banker can put in a cell. Each case must raise XlwingsError whose message starts with the
argument's name (or "ranges:" when two ranges cannot be paired) -- never a number, never a
traceback. The engine functions get the same treatment with CorridorInputError."""

from __future__ import annotations

import datetime as dt
import inspect
import math

import corridor_udfs as udf
import numpy as np
import pytest
import xlwings as xw

import xl_corridor as xc
from xl_corridor.errors import CorridorInputError

CF_ROW = [[-100.0, 30.0, 40.0, 50.0, 60.0]]
DATES = [
    [dt.datetime(2026, 1, 1)],
    [dt.datetime(2027, 1, 1)],
    [dt.datetime(2028, 1, 1)],
    [dt.datetime(2029, 1, 1)],
    [dt.datetime(2030, 1, 1)],
]

# A valid call of every UDF: each case below replaces exactly one argument.
VALID = {
    "CORRIDOR_KE": dict(
        rf=0.042,
        beta=1.2,
        mrp=0.0412,
        country_premium=0.023,
        liquidity_premium=0.02,
        country_exposure=1.0,
    ),
    "DUAL_NPV": dict(
        cash_flows=CF_ROW, ke_dual=0.10, ke_single=0.12, compliance_cost=2.0, timing="end"
    ),
    "COMPLIANCE_COST": dict(
        annual_costs=[[2.5], [1.5]],
        years=10.0,
        discount_rate=0.12,
        growth=0.02,
        one_off=5.0,
        fx_rates=[[1.0], [7.78]],
        tax_rate=0.2,
        incremental=[[True], [False]],
        cost_basis="today",
        listing_expenses=10.0,
        include_listing_expenses=False,
        terminal_growth=0.02,
    ),
    "CORRIDOR_CRP": dict(default_spread=0.017915, relative_volatility=1.298047),
    "CORRIDOR_KE_FX": dict(ke=0.12, inflation_local=0.08, inflation_base=0.025),
    "CORRIDOR_CAPEX": dict(
        exploration=12.0, feasibility=5.0, infrastructure=240.0, regulatory=8.0, contingency=0.15
    ),
    "DUAL_XNPV": dict(
        cash_flows=CF_ROW, dates=DATES, ke_dual=0.10, ke_single=0.12, compliance_cost=2.0
    ),
    "DUAL_BREAKEVEN_COST": dict(cash_flows=CF_ROW, ke_dual=0.10, ke_single=0.12, timing="end"),
    "DUAL_BREAKEVEN_KE": dict(cash_flows=CF_ROW, ke_single=0.12, compliance_cost=2.0, timing="end"),
    "LISTING_PATH": dict(reporting_code="JORC", resource_category="Indicated", dfs_complete=True),
    "DUAL_PARITY_GAP": dict(
        price_hk=10.92, price_aix=9.93, fx_aix_to_hkd=1.0993, aix_shares_per_hk_share=1.0
    ),
    "DUAL_ARB_BAND": dict(
        cost_hk=0.0011,
        cost_aix=0.0005,
        conversion_fee=0.0005,
        fx_spread=0.0005,
        financing_rate=0.04,
        settlement_days=2.0,
        conversion_days=0.0,
    ),
    "DIMSUM_HEDGED_COST": dict(cnh_yield=0.0295, usd_rate=0.012, cnh_rate=0.025, basis=0.0),
    "DIMSUM_SAVING": dict(
        cnh_yield=0.0295, usd_rate=0.012, cnh_rate=0.025, usd_bond_yield=0.05, basis=0.0
    ),
    "CORRIDOR_LP": dict(relative_spread=0.01),
    # corridor entry model (issue 14)
    "CORRIDOR_RECOVERY": dict(
        p_enforce=0.5, collateral=0.6, enforcement_cost=0.22, enforcement_years=1.0137, rate=0.06
    ),
    "CORRIDOR_ENFORCE_HK": dict(mainland_share=0.4, p_local=0.5, p_mainland=0.91),
    "CORRIDOR_ENFORCEMENT_GAIN": dict(pd=0.03, rr_hk=0.34, rr_direct=0.22, multiplier=1.0),
    "CORRIDOR_SENIOR_SPREAD": dict(
        spread_direct=0.035, gain=0.003, cover=0.5, premium=0.01, political_share=0.25, cap=0.0067
    ),
    "CORRIDOR_INSURANCE_BREAKEVEN": dict(spread_direct=0.035, political_share=0.25),
    "CORRIDOR_DIMSUM_SAVING": dict(
        usd_spread=0.035, cnh_spread=0.0335, basis=-0.0005, cnh_revenue_share=0.3, hedge_cost=0.002
    ),
    "CORRIDOR_DIMSUM_BREAKEVEN": dict(
        usd_spread=0.035, cnh_spread=0.0335, cnh_revenue_share=0.3, hedge_cost=0.002
    ),
    "CORRIDOR_FX_DEBT_SAVING": dict(usd_yield=0.0556, foreign_yield=0.17, expected_fx_change=-0.08),
    "CORRIDOR_GREEN_SPREAD": dict(
        spread=0.032,
        issue_size=60.0,
        years=10.0,
        rate=0.072,
        review_cost=0.019,
        certification_cost=0.001,
        hk_grant=0.019,
        reporting_cost=0.03,
        greenium=0.0002,
        step_up=0.0025,
        step_up_probability=0.2,
    ),
    "CORRIDOR_POLICY_LOAN": dict(
        base_rate=0.04, margin=0.027, fees=0.006, years=10.0, escrow_share=0.1, escrow_carry=0.03
    ),
    "CORRIDOR_KE_HK": dict(
        ke_direct=0.1347, listing_premium_cut=0.007, listing_annual_cost=1.5, equity_value=240.0
    ),
    "CORRIDOR_WACC": dict(
        equity_weight=0.4,
        cost_of_equity=0.13,
        debt_weights=[[0.3, 0.3]],
        debt_costs=[[0.075, 0.07]],
        tax_rate=0.2,
    ),
    "CORRIDOR_NETBACK": dict(
        price=9000.0, freight=120.0, rail=180.0, border=40.0, transit_days=25.0, carry_rate=0.1
    ),
    "CORRIDOR_DELTA_V": dict(
        fcf=[[90.0, 90.0, 90.0]],
        wacc_direct=0.089,
        wacc_hk=0.088,
        p_exec=0.8,
        delay_years=1.0,
        one_off_cost=6.0,
        annual_cost=1.0,
        cost_years=3.0,
    ),
    "CORRIDOR_CE": dict(delta_v=-12.5, investment=600.0),
    # the valuation layer (issue 15)
    "DUAL_NPV_PER_SHARE": dict(delta_npv=120e6, shares_outstanding=439_228_800.0),
    "DUAL_NPV_TO_MCAP": dict(delta_npv=120e6, shares_outstanding=439_228_800.0, share_price=10.92),
    "DUAL_PRICE_UPLIFT": dict(ke_dual=0.10, ke_single=0.12, growth=0.02),
    "OFFER_DILUTION": dict(shares_pre=329_420_000.0, new_shares=109_808_800.0, greenshoe=0.0),
    "OFFER_PROCEEDS": dict(
        new_shares=109_808_800.0, offer_price=10.92, greenshoe=0.0, fees=111.4e6
    ),
    "OFFER_MONEY_LEFT": dict(
        new_shares=109_808_800.0, offer_price=10.92, price_day1=30.34, greenshoe=0.0
    ),
    "OFFER_FIRST_DAY_RETURN": dict(offer_price=10.92, price_day1=30.34),
    "DUAL_CRITICAL_MASS": dict(
        premium_cut=0.02, compliance_cost=150.0, ke_single=0.12, annuity_years=20.0, growth=0.0
    ),
    "DUAL_CRITICAL_MASS_CF": dict(
        cash_flows=CF_ROW, premium_cut=0.02, compliance_cost=2.0, ke_single=0.12, timing="end"
    ),
    "DUAL_WAIT_VALUE": dict(
        benefit=100.0,
        cost_now=40.0,
        cost_after_dfs=30.0,
        success_probability=0.7,
        years_to_dfs=1.5,
        volatility=0.35,
        risk_free=0.04,
        forgone_yield=0.05,
        steps=100.0,
    ),
}
VALID["DUAL_LIST_TIMING"] = dict(VALID["DUAL_WAIT_VALUE"])

OPTIONAL = {
    "listing_expenses",
    "terminal_growth",
    "country_exposure",
    "timing",
    "growth",
    "one_off",
    "fx_rates",
    "tax_rate",
    "contingency",
    "aix_shares_per_hk_share",
    "settlement_days",
    "conversion_days",
    "basis",
    "p_mainland",
    "multiplier",
    "cover",
    "premium",
    "political_share",
    "cap",
    "cnh_revenue_share",
    "hedge_cost",
    "hk_grant",
    "reporting_cost",
    "greenium",
    "step_up",
    "step_up_probability",
    "escrow_share",
    "escrow_carry",
    "annual_cost",
    "cost_years",
    "greenshoe",
    "fees",
    "annuity_years",
    "forgone_yield",
    "steps",
}
RATES = {
    "terminal_growth",
    "rf",
    "ke_dual",
    "ke_single",
    "discount_rate",
    "growth",
    "ke",
    "cnh_yield",
    "usd_rate",
    "cnh_rate",
    "usd_bond_yield",
    "financing_rate",
    "rate",
    "usd_yield",
    "foreign_yield",
    "expected_fx_change",
    "base_rate",
    "ke_direct",
    "cost_of_equity",
    "carry_rate",
    "wacc_direct",
    "wacc_hk",
    "risk_free",
}
PREMIA = {
    "mrp",
    "country_premium",
    "liquidity_premium",
    "default_spread",
    "cost_hk",
    "cost_aix",
    "conversion_fee",
    "fx_spread",
    "relative_spread",
    # corridor entry model: spreads and shares in [0, 1] refuse the same junk
    "p_enforce",
    "collateral",
    "enforcement_cost",
    "mainland_share",
    "p_local",
    "p_mainland",
    "pd",
    "rr_hk",
    "rr_direct",
    "spread_direct",
    "cover",
    "premium",
    "political_share",
    "cap",
    "usd_spread",
    "cnh_spread",
    "cnh_revenue_share",
    "hedge_cost",
    "spread",
    "greenium",
    "step_up",
    "step_up_probability",
    "margin",
    "fees",
    "escrow_share",
    "listing_premium_cut",
    "equity_weight",
    "p_exec",
    "premium_cut",
    "forgone_yield",
}
INFLATION = {"inflation_local", "inflation_base"}
SERIES = {"cash_flows", "fcf", "debt_weights", "debt_costs"}
FLAGS = {"incremental", "include_listing_expenses"}
LINE_ITEMS = {"annual_costs", "exploration", "feasibility", "infrastructure", "regulatory"}
TEXT = {"timing", "reporting_code", "resource_category", "dfs_complete"}
NONNEGATIVE = {
    "listing_expenses",
    "compliance_cost",
    "one_off",
    "annual_costs",
    "exploration",
    "feasibility",
    "infrastructure",
    "regulatory",
    "review_cost",
    "certification_cost",
    "hk_grant",
    "reporting_cost",
    "listing_annual_cost",
    "one_off_cost",
    "annual_cost",
    "freight",
    "rail",
    "border",
    "greenshoe",
    "fees",
    "cost_now",
    "cost_after_dfs",
}
POSITIVE = {
    "price_hk",
    "price_aix",
    "fx_aix_to_hkd",
    "aix_shares_per_hk_share",
    "relative_volatility",
    "fx_rates",
    "issue_size",
    "equity_value",
    "price",
    "investment",
    "shares_outstanding",
    "share_price",
    "shares_pre",
    "new_shares",
    "offer_price",
    "price_day1",
    "years_to_dfs",
    "volatility",
}

JUNK = {
    "text": "abc",
    "percent-text": "4.5%",
    "error-NA": "#N/A",
    "error-DIV0": "#DIV/0!",
    "error-VALUE": "#VALUE!",
    "error-REF-in-range": [["#REF!"]],
    "com-error-NA": -2146826246,
    "true": True,
    "false": False,
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "huge": 1e300,
    "date": dt.datetime(2026, 1, 1),
    "object": object(),
    "ragged": [[1.0, 2.0], [3.0]],
    "3-d": np.zeros((2, 2, 2)),
    "empty-range": [],
}


def numeric_cases(name):
    """Junk for a number-taking argument, plus its own range rules."""
    cases = dict(JUNK)
    if name not in OPTIONAL:
        cases.update({"blank": None, "empty-string": "", "blank-cell": [[None]]})
    if name in RATES | PREMIA:
        cases.update(
            {
                "percent-typed": 4.5,
                "minus-100%": -1.0,
                "text-in-range": [[0.1, "x"]],
                "bool-in-range": [[0.1], [True]],
                "nan-in-range": [[0.1, math.nan]],
            }
        )
    if name in INFLATION:  # above 100% is legitimate (hyperinflation); -100% and absurd are not
        cases.update({"minus-100%": -1.0, "absurd": 1e5, "text-in-range": [[0.1, "x"]]})
    if name in PREMIA:
        cases["negative"] = -0.01
    if name == "beta":
        cases["absurd"] = 45.0
    if name in ("years", "cost_years", "annuity_years"):
        cases.update({"negative": -1.0, "fraction": 2.5, "too-many": 1000.0})
    if name in ("enforcement_years", "delay_years", "transit_days"):
        cases.update({"negative": -1.0, "too-many": 1000.0})
    if name in ("multiplier", "escrow_carry"):
        cases.update({"negative": -1.5, "too-many": 1000.0})
    if name in ("settlement_days", "conversion_days", "steps"):
        cases.update({"negative": -1.0, "too-many": 10000.0})
    if name == "basis":
        cases.update({"percent-typed": 2.0})
    if name in ("tax_rate", "contingency", "success_probability"):
        cases.update({"percent-typed": 20.0, "negative": -0.1})
    if name in NONNEGATIVE:
        cases["negative"] = -5.0
    if name in POSITIVE:
        cases.update({"zero": 0.0, "negative": -1.0})
    if name == "country_exposure":
        cases["negative"] = -0.5
    return cases


def series_cases():
    return {
        **{k: v for k, v in JUNK.items() if k not in ("nan", "inf", "-inf", "huge")},
        "nan": [[-100.0, math.nan]],
        "inf": [[-100.0, math.inf]],
        "huge": [[-100.0, 1e300]],
        "blank": None,
        "all-blank": [[None, None, ""]],
        "interior-blank": [[-100.0, None, 30.0]],
        "interior-text": [[-100.0, "n/a", 30.0]],
        "interior-error": [[-100.0, "#N/A", 30.0]],
        "interior-bool": [[-100.0, True, 30.0]],
        "two-d": [[-100.0, 30.0], [40.0, 50.0]],
        "million-cells": [[1.0]] * 1_000_000,
    }


def text_cases(name):
    cases = {"number": 5.0, "error": "#N/A", "range": [["JORC", "JORC"]]}
    if name == "timing":
        cases.update({"unknown-word": "later", "bool": True})
    elif name == "dfs_complete":
        cases.update({"unknown-word": "maybe", "number": 2.0})
    else:
        cases.update({"unknown-word": "Made-up code", "blank": None})
    return cases


def all_cases():
    for fname, valid in VALID.items():
        for arg in valid:
            if arg in FLAGS:
                cases = {"number": 5.0, "text": "abc", "error": "#N/A", "nan": math.nan,
                         "ragged": [[True, False], [True]], "3-d": np.zeros((2, 2, 2)),
                         "empty-range": []}
                if arg == "incremental":
                    cases["wrong-count"] = [[True], [False], [True]]
            elif arg == "cost_basis":
                cases = {"number": 5.0, "error": "#N/A", "unknown-word": "tomorrow",
                         "bool": True, "range": [["today", "today"]]}
            elif arg in SERIES:
                cases = series_cases()
            elif arg in TEXT:
                cases = text_cases(arg)
            elif arg == "dates":
                cases = {
                    "text": [["2026-01-01"]] * 5,
                    "blank": None,
                    "interior-blank": DATES[:2] + [[None]] + DATES[3:],
                    "bool": [[True]] * 5,
                    "before-first": DATES[::-1],
                    "wrong-length": DATES[:3],
                    "year-10000": [[3e6]] * 5,
                    "error": [["#N/A"]] * 5,
                }
            elif arg in LINE_ITEMS:
                cases = {
                    k: v
                    for k, v in numeric_cases(arg).items()
                    if k not in ("blank", "empty-string", "blank-cell")
                }
                cases["all-blank" if arg == "annual_costs" else "text-in-range"] = (
                    [[None], [""]] if arg == "annual_costs" else [[1.0], ["x"]]
                )
            else:
                cases = numeric_cases(arg)
            if (fname, arg) in MONEY_NAMED_LIKE_RATES:
                cases.pop("percent-typed", None)
            for label, value in cases.items():
                yield pytest.param(fname, arg, value, id=f"{fname}-{arg}-{label}")


# Arguments whose name is a rate elsewhere (the policy loan's fees) but money here: 4.5 is
# HK$4.5 of listing expenses, not a per-cent typo.
MONEY_NAMED_LIKE_RATES = {("OFFER_PROCEEDS", "fees")}
CASES = list(all_cases())


@pytest.mark.parametrize(("fname", "arg", "value"), CASES)
def test_bad_input_names_the_argument_and_yields_no_number(fname, arg, value):
    kwargs = dict(VALID[fname])
    kwargs[arg] = value
    fn = getattr(udf, fname)
    with pytest.raises(xw.XlwingsError) as info:
        result = fn(**kwargs)
        pytest.fail(f"{fname}({arg}={value!r:.60}) returned {result!r:.80}")
    message = str(info.value)
    assert message.startswith(f"{arg}:") or (arg == "dates" and message.startswith("dates:")), (
        message
    )
    assert "Traceback" not in message
    assert "expected" in message or "no ke_dual" in message, message


def test_case_count_is_reported(capsys):
    # The issue asks that the table says how many cases it ran.
    with capsys.disabled():
        print(f"\nbad-input table: {len(CASES)} cases over {len(VALID)} functions")
    assert len(CASES) > 500


def test_every_argument_of_every_udf_is_in_the_table():
    for fname in udf.__all__:
        if fname == "CORRIDOR_VERSION":
            continue
        params = list(inspect.signature(getattr(udf, fname)).parameters)
        assert list(VALID[fname]) == params, fname


def test_ranges_that_cannot_pair_are_refused():
    with pytest.raises(
        xw.XlwingsError, match="^ranges: cannot pair ke_dual 2x1, compliance_cost 3x1"
    ):
        udf.DUAL_NPV(CF_ROW, [[0.1], [0.11]], 0.12, [[1.0], [2.0], [3.0]])


def test_grid_larger_than_a_column_is_refused():
    big_col = [[0.1]] * 2000
    big_row = [[1.0] * 2000]
    with pytest.raises(xw.XlwingsError, match="^ranges: the ranges broadcast to 4,000,000 cells"):
        udf.DUAL_NPV(CF_ROW, big_col, 0.12, big_row)


# --------------------------------------------------------------------------- engine


ENGINE = [
    (
        xc.cost_of_equity,
        (0.04, 1.0, 0.05, 0.02, 0.01),
        ["rf", "beta", "mrp", "country_premium", "liquidity_premium", "country_exposure"],
    ),
    (xc.country_risk_premium, (0.0179, 1.298), ["default_spread", "relative_volatility"]),
    (xc.ke_in_currency, (0.12, 0.08, 0.025), ["ke", "inflation_local", "inflation_base"]),
    (
        xc.compliance_cost,
        ([2.0, 3.0], 10, 0.1),
        ["annual_costs", "years", "discount_rate", "growth", "one_off", "fx_rates", "tax_rate"],
    ),
    (
        xc.preproduction_capital,
        (1.0, 2.0, 3.0, 4.0),
        ["exploration", "feasibility", "infrastructure", "regulatory", "contingency"],
    ),
    (xc.npv, (0.1, [1.0, 2.0]), ["rate", "cash_flows"]),
    (
        xc.dual_npv,
        ([-1.0, 2.0], 0.1, 0.12, 0.0),
        ["cash_flows", "ke_dual", "ke_single", "compliance_cost"],
    ),
    (xc.breakeven_cost, ([-1.0, 2.0], 0.1, 0.12), ["cash_flows", "ke_dual", "ke_single"]),
    (xc.breakeven_ke, ([-1.0, 2.0], 0.12, 0.01), ["cash_flows", "ke_single", "compliance_cost"]),
]


@pytest.mark.parametrize(("fn", "args", "names"), ENGINE, ids=[f.__name__ for f, _, _ in ENGINE])
@pytest.mark.parametrize(
    "junk",
    ["x", None, True, math.nan, math.inf, 1e300, [1.0, "x"]],
    ids=["text", "none", "bool", "nan", "inf", "huge", "text-in-list"],
)
def test_engine_rejects_junk_in_every_argument(fn, args, names, junk):
    defaults = [p.default for p in inspect.signature(fn).parameters.values()]
    for i, name in enumerate(names):
        call = [args[j] if j < len(args) else defaults[j] for j in range(len(names))]
        call[i] = junk
        with pytest.raises(CorridorInputError) as info:
            fn(*call)
        assert info.value.argument == name, (fn.__name__, name, str(info.value))


@pytest.mark.parametrize("timing", ["END", " end ", "Mid"])
def test_timing_words_are_case_insensitive(timing):
    assert xc.npv(0.1, [1.0], timing=timing) == xc.npv(0.1, [1.0], timing=timing.strip().lower())


def test_unknown_timing_word_lists_the_valid_ones():
    with pytest.raises(
        CorridorInputError, match="timing: expected one of 'end', 'mid', 'begin', got 'eop'"
    ):
        xc.dual_npv([1.0], 0.1, 0.1, 0.0, timing="eop")


def test_percent_typed_rate_message_shows_the_decimal():
    with pytest.raises(
        CorridorInputError,
        match=r"^rf: expected a decimal rate such as 0\.045, got 4\.5 "
        r"\(for 4\.5% enter 0\.045\)$",
    ):
        xc.cost_of_equity(4.5, 1.2, 0.04, 0.02, 0.01)


def test_inflation_above_100_percent_is_a_number():
    # (1 + 12%) x (1 + 250%) / (1 + 3%) - 1, the differential-inflation rule (docs/facts.md)
    assert xc.ke_in_currency(0.12, 2.5, 0.03) == pytest.approx(1.12 * 3.5 / 1.03 - 1, rel=1e-12)
    assert udf.CORRIDOR_KE_FX(0.12, 2.5, 0.03) == pytest.approx(1.12 * 3.5 / 1.03 - 1, rel=1e-12)
    with pytest.raises(CorridorInputError, match=r"^inflation_local: expected an inflation rate "
                                                 r"above -1 \(-100%\), got -1$"):
        xc.ke_in_currency(0.12, -1.0, 0.03)


def test_messages_carry_no_numpy_notation():
    with pytest.raises(CorridorInputError) as info:
        xc.listing_path(np.str_("XYZ"), "Indicated", True)
    assert "'XYZ'" in str(info.value) and "np." not in str(info.value)
    with pytest.raises(CorridorInputError) as info:
        xc.cost_of_equity(np.array([0.04, np.str_("x")], dtype=object), 1.0, 0.05, 0.02, 0.01)
    assert str(info.value) == "rf: expected a number at item 2, got str 'x'"
    with pytest.raises(xw.XlwingsError) as xinfo:
        udf.LISTING_PATH(np.str_("XYZ"), "Indicated", True)
    assert "np." not in str(xinfo.value)
