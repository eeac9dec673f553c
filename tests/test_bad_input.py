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
from helpers import WAIT_ARGS

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
        cash_flows=CF_ROW, ke_dual=0.10, ke_single=0.12, compliance_cost=2.0, timing="end",
        terminal_growth=0.02,
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
    "DUAL_BREAKEVEN_COST": dict(cash_flows=CF_ROW, ke_dual=0.10, ke_single=0.12, timing="end",
                                terminal_growth=0.02),
    "DUAL_BREAKEVEN_KE": dict(cash_flows=CF_ROW, ke_single=0.12, compliance_cost=2.0, timing="end",
                              terminal_growth=0.02),
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
        cash_flows=CF_ROW, premium_cut=0.02, compliance_cost=2.0, ke_single=0.12, timing="end",
        terminal_growth=0.02,
    ),
    "DUAL_WAIT_VALUE": dict(WAIT_ARGS, steps=100.0),
}
VALID["DUAL_LIST_TIMING"] = dict(VALID["DUAL_WAIT_VALUE"])

# Every argument of every UDF, by the check it must pass through. A new argument that is not
# classified here fails test_every_udf_argument_is_classified.
KINDS: dict[str, set[str]] = {
    # decimal rates in (-1, 1]: a per-cent typo (4.5 for 4.5%) is refused
    "rate": {
        "rf", "ke_dual", "ke_single", "discount_rate", "growth", "ke", "cnh_yield", "usd_rate",
        "cnh_rate", "usd_bond_yield", "financing_rate", "rate", "usd_yield", "foreign_yield",
        "expected_fx_change", "base_rate", "ke_direct", "cost_of_equity", "carry_rate",
        "wacc_direct", "wacc_hk", "risk_free", "terminal_growth",
    },
    # premia, spreads and shares in [0, 1]: negative refused, per-cent typo refused
    "premium": {
        "mrp", "country_premium", "liquidity_premium", "default_spread", "cost_hk", "cost_aix",
        "conversion_fee", "fx_spread", "relative_spread", "p_enforce", "collateral",
        "enforcement_cost", "mainland_share", "p_local", "p_mainland", "pd", "rr_hk",
        "rr_direct", "spread_direct", "cover", "premium", "political_share", "cap",
        "usd_spread", "cnh_spread", "cnh_revenue_share", "hedge_cost", "spread", "greenium",
        "step_up", "step_up_probability", "margin", "fees", "escrow_share",
        "listing_premium_cut", "equity_weight", "p_exec", "premium_cut", "forgone_yield",
    },
    # fractions in [0, 1] whose typo is a whole per-cent (20 for 20%)
    "fraction": {"tax_rate", "contingency", "success_probability"},
    # inflation: above 100% is legitimate (hyperinflation); -100% is not
    "inflation": {"inflation_local", "inflation_base"},
    "basis": {"basis"},
    "beta": {"beta"},
    "exposure": {"country_exposure"},
    # whole numbers of years
    "count": {"years", "cost_years", "annuity_years"},
    # durations and multipliers of 0 or more, bounded above
    "duration": {
        "enforcement_years", "delay_years", "transit_days", "multiplier", "escrow_carry",
        "settlement_days", "conversion_days", "steps",
    },
    "amount": {"delta_npv", "delta_v", "gain", "benefit"},
    "nonnegative": {
        "compliance_cost", "one_off", "review_cost", "certification_cost", "hk_grant",
        "reporting_cost", "listing_annual_cost", "one_off_cost", "annual_cost", "freight",
        "rail", "border", "greenshoe", "cost_now", "cost_after_dfs", "listing_expenses",
    },
    "positive": {
        "price_hk", "price_aix", "fx_aix_to_hkd", "aix_shares_per_hk_share",
        "relative_volatility", "fx_rates", "issue_size", "equity_value", "price", "investment",
        "shares_outstanding", "share_price", "shares_pre", "new_shares", "offer_price",
        "price_day1", "years_to_dfs", "volatility",
    },
    "series": {"cash_flows", "fcf", "debt_weights", "debt_costs"},
    "line_items": {"annual_costs", "exploration", "feasibility", "infrastructure", "regulatory"},
    "dates": {"dates"},
    "text": {"timing", "reporting_code", "resource_category", "dfs_complete", "cost_basis"},
    # TRUE/FALSE cells
    "flag": {"incremental", "include_listing_expenses"},
}
# Arguments whose name is a rate elsewhere (the policy loan's fees) but money here: 4.5 is
# HK$4.5 of listing expenses, not a per-cent typo.
OVERRIDES = {("OFFER_PROCEEDS", "fees"): "nonnegative"}


def kind_of(fname: str, arg: str) -> str | None:
    if (fname, arg) in OVERRIDES:
        return OVERRIDES[(fname, arg)]
    kinds = [k for k, names in KINDS.items() if arg in names]
    assert len(kinds) <= 1, (arg, kinds)
    return kinds[0] if kinds else None


# The junk each kind's own check must refuse, fed to every argument of that kind.
KIND_JUNK: dict[str, object] = {
    "rate": 4.5,
    "premium": -0.01,
    "fraction": 20.0,
    "inflation": -1.0,
    "basis": 2.0,
    "beta": 45.0,
    "exposure": -0.5,
    "count": 2.5,
    "duration": 1e6,  # beyond any bound: 1,000,000 years, days or steps
    "amount": math.nan,
    "nonnegative": -5.0,
    "positive": 0.0,
    "series": [[-100.0, "n/a", 30.0]],
    "line_items": [[1.0], ["x"]],
    "dates": DATES[:3],
    "flag": 5.0,
}
TEXT_JUNK = {
    "timing": "later",
    "dfs_complete": "maybe",
    "reporting_code": "Made-up code",
    "resource_category": "Made-up category",
    "cost_basis": "tomorrow",
}


def _udf_arguments():
    for fname in udf.__all__:
        if fname == "CORRIDOR_VERSION":
            continue
        for arg in inspect.signature(getattr(udf, fname)).parameters:
            yield fname, arg


UDF_ARGUMENTS = list(_udf_arguments())


def _refused(fname: str, arg: str, value: object) -> str:
    """Call ``fname`` with ``arg`` replaced by ``value``; return the message it must raise."""
    kwargs = dict(VALID[fname])
    kwargs[arg] = value
    fn = getattr(udf, fname)
    with pytest.raises(xw.XlwingsError) as info:
        result = fn(**kwargs)
        pytest.fail(f"{fname}({arg}={value!r:.60}) returned {result!r:.80}")
    message = str(info.value)
    assert message.startswith(f"{arg}:"), (fname, arg, value, message)
    assert "Traceback" not in message
    assert "expected" in message or "no ke_dual" in message, message
    return message


def test_every_udf_argument_is_classified():
    for fname, arg in UDF_ARGUMENTS:
        assert kind_of(fname, arg) is not None, f"{fname}.{arg}: add it to KINDS"
    for fname in udf.__all__:
        if fname != "CORRIDOR_VERSION":
            params = list(inspect.signature(getattr(udf, fname)).parameters)
            assert list(VALID[fname]) == params, fname


@pytest.mark.parametrize(
    ("fname", "arg"), UDF_ARGUMENTS, ids=[f"{f}-{a}" for f, a in UDF_ARGUMENTS]
)
def test_every_udf_argument_passes_through_a_check(fname, arg):
    # One junk value any argument refuses, and one its own kind's check refuses.
    kind = kind_of(fname, arg)
    if kind == "text":
        _refused(fname, arg, "#N/A")
        _refused(fname, arg, TEXT_JUNK[arg])
        return
    _refused(fname, arg, "abc" if kind != "dates" else [["2026-01-01"]] * 5)
    message = _refused(fname, arg, KIND_JUNK[kind])
    if kind in ("rate", "fraction"):  # the per-cent typo is answered with the decimal
        typo = KIND_JUNK[kind]
        assert f"{typo / 100:g}" in message, message


JUNK = {
    "text": "abc",
    "percent-text": "4.5%",
    "error-NA": "#N/A",
    "error-DIV0": "#DIV/0!",
    "error-REF-in-range": [["#REF!"]],
    "com-error-NA": -2146826246,
    "true": True,
    "nan": math.nan,
    "inf": math.inf,
    "huge": 1e300,
    "date": dt.datetime(2026, 1, 1),
    "object": object(),
    "ragged": [[1.0, 2.0], [3.0]],
    "3-d": np.zeros((2, 2, 2)),
    "empty-range": [],
}
REQUIRED_BLANKS = {"blank": None, "empty-string": "", "blank-cell": [[None]]}
RATE_JUNK = {
    "percent-typed": 4.5,
    "minus-100%": -1.0,
    "text-in-range": [[0.1, "x"]],
    "bool-in-range": [[0.1], [True]],
    "nan-in-range": [[0.1, math.nan]],
}

# One representative argument per check kind, and the full list of what that kind refuses.
BY_KIND = {
    "rate": ("CORRIDOR_KE", "rf", {**JUNK, **REQUIRED_BLANKS, **RATE_JUNK}),
    "premium": (
        "CORRIDOR_KE", "mrp", {**JUNK, **REQUIRED_BLANKS, **RATE_JUNK, "negative": -0.01}
    ),
    "premium-optional": ("CORRIDOR_SENIOR_SPREAD", "cover", {**JUNK, **RATE_JUNK,
                                                              "negative": -0.01}),
    "fraction": (
        "COMPLIANCE_COST", "tax_rate", {**JUNK, "percent-typed": 20.0, "negative": -0.1}
    ),
    "inflation": (
        "CORRIDOR_KE_FX",
        "inflation_local",
        {**JUNK, **REQUIRED_BLANKS, "minus-100%": -1.0, "absurd": 1e5,
         "text-in-range": [[0.1, "x"]]},
    ),
    "beta": ("CORRIDOR_KE", "beta", {**JUNK, **REQUIRED_BLANKS, "absurd": 45.0}),
    "count": (
        "COMPLIANCE_COST",
        "years",
        {**JUNK, **REQUIRED_BLANKS, "negative": -1.0, "fraction": 2.5, "too-many": 1000.0},
    ),
    "duration": (
        "DUAL_ARB_BAND", "settlement_days", {**JUNK, "negative": -1.0, "too-many": 10000.0}
    ),
    "amount": ("CORRIDOR_CE", "delta_v", {**JUNK, **REQUIRED_BLANKS}),
    "nonnegative": ("DUAL_NPV", "compliance_cost", {**JUNK, **REQUIRED_BLANKS, "negative": -5.0}),
    "positive": (
        "DUAL_PARITY_GAP", "price_hk", {**JUNK, **REQUIRED_BLANKS, "zero": 0.0, "negative": -1.0}
    ),
    "series": (
        "DUAL_NPV",
        "cash_flows",
        {
            **{k: v for k, v in JUNK.items() if k not in ("nan", "inf", "huge")},
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
        },
    ),
    "line-items": (
        "COMPLIANCE_COST",
        "annual_costs",
        {**JUNK, "all-blank": [[None], [""]], "negative": -5.0},
    ),
    "line-items-text": ("CORRIDOR_CAPEX", "exploration", {"text-in-range": [[1.0], ["x"]]}),
    "dates": (
        "DUAL_XNPV",
        "dates",
        {
            "text": [["2026-01-01"]] * 5,
            "blank": None,
            "interior-blank": DATES[:2] + [[None]] + DATES[3:],
            "bool": [[True]] * 5,
            "before-first": DATES[::-1],
            "wrong-length": DATES[:3],
            "year-10000": [[3e6]] * 5,
            "error": [["#N/A"]] * 5,
        },
    ),
    "text-timing": (
        "DUAL_NPV", "timing",
        {"number": 5.0, "error": "#N/A", "range": [["end", "end"]], "unknown-word": "later",
         "bool": True},
    ),
    "text-flag": (
        "LISTING_PATH", "dfs_complete",
        {"number": 2.0, "error": "#N/A", "range": [["x", "x"]], "unknown-word": "maybe"},
    ),
    "flag": (
        "COMPLIANCE_COST", "incremental",
        {"number": 5.0, "text": "abc", "error": "#N/A", "nan": math.nan,
         "ragged": [[True, False], [True]], "3-d": np.zeros((2, 2, 2)), "empty-range": [],
         "wrong-count": [[True], [False], [True]]},
    ),
    "text-cost-basis": (
        "COMPLIANCE_COST", "cost_basis",
        {"number": 5.0, "error": "#N/A", "unknown-word": "tomorrow", "bool": True,
         "range": [["today", "today"]]},
    ),
    "text-code": (
        "LISTING_PATH", "reporting_code",
        {"number": 5.0, "error": "#N/A", "range": [["JORC", "JORC"]],
         "unknown-word": "Made-up code", "blank": None},
    ),
}
KIND_CASES = [
    pytest.param(fname, arg, value, id=f"{kind}-{label}",
                 marks=[pytest.mark.slow] if label == "million-cells" else [])  # 1.5 s
    for kind, (fname, arg, cases) in BY_KIND.items()
    for label, value in cases.items()
]


@pytest.mark.parametrize(("fname", "arg", "value"), KIND_CASES)
def test_each_check_kind_refuses_its_junk(fname, arg, value):
    _refused(fname, arg, value)


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


# [1.0, True]: numpy would read the TRUE among numbers as 1.0
ENGINE_JUNK = ["x", None, True, math.nan, math.inf, 1e300, [1.0, "x"], [1.0, True], (0.0, False)]


@pytest.mark.parametrize(("fn", "args", "names"), ENGINE, ids=[f.__name__ for f, _, _ in ENGINE])
def test_engine_rejects_junk_in_every_argument(fn, args, names):
    defaults = [p.default for p in inspect.signature(fn).parameters.values()]
    for junk in ENGINE_JUNK:
        for i, name in enumerate(names):
            call = [args[j] if j < len(args) else defaults[j] for j in range(len(names))]
            call[i] = junk
            with pytest.raises(CorridorInputError) as info:
                fn(*call)
            assert info.value.argument == name, (fn.__name__, name, junk, str(info.value))


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
