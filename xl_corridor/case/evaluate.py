"""Evaluating a case: the engine run once on a validated case, into the results every sheet reads.

Every number comes from an ``xl_corridor.engine`` function; nothing is recomputed here. Engine
errors are renamed to the case field that caused them (``market.rf``), so a bad value surfaces as
``FILE: field.path: problem``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from xl_corridor.case.plausibility import case_warnings
from xl_corridor.case.schema import (
    Capital,
    Case,
    CaseError,
    Funding,
    Listing,
    Parity,
    ParityDay,
    Sensitivity,
    Simulation,
    Valuation,
)
from xl_corridor.engine import _checks as ck
from xl_corridor.engine import (
    capital,
    compliance,
    discounting,
    funding,
    listing,
    montecarlo,
    parity,
    rates,
    reference,
    valuation,
)
from xl_corridor.engine import sensitivity as sens_engine
from xl_corridor.engine.discounting import DAYS_PER_YEAR
from xl_corridor.errors import CorridorInputError


@dataclass(frozen=True)
class Evaluation:
    """The engine's answers for a case (amounts in the case's units, rates decimal)."""

    crp_single: float
    ke_single: float
    ke_dual: float
    pv_single: float
    pv_dual: float
    annual_cost: float
    compliance_cost: float
    delta_npv: float
    breakeven_cost: float
    # None for dated cash flows (no engine function) and when no ke_dual below ke_single
    # brings Delta NPV to zero (the dual listing cannot recover its cost)
    breakeven_ke: float | None
    capex: float
    listing_path: str
    listing_code: str
    decision: str
    sens_ke: tuple[float, ...]
    sens_cost: tuple[float, ...]
    sens_grid: tuple[tuple[float, ...], ...]
    # the Damodaran vintage for the valuation date, and why it does not fit it ("" if it does)
    damodaran_vintage: str = ""
    damodaran_note: str = ""
    # compliance inputs as used (defaults resolved) and where each came from
    comp_years: int = 0
    comp_rate: float = 0.0
    comp_tax: float = 0.0
    comp_sources: tuple[tuple[str, str], ...] = ()
    baseline_cost: float = 0.0          # annual cost of the baseline (not incremental) items
    terminal_growth: float | None = None
    #: plausibility warnings (:func:`xl_corridor.case.case_warnings`): legal values that are
    #: almost surely per-cent typos, each ``"field: problem"``
    warnings: tuple[str, ...] = ()



def sensitivity(case: Case, core: Mapping[str, Any] | None = None) -> Sensitivity:
    """The case's sensitivity ranges with every default filled in, each default centred on the
    base case so that the middle point of a grid axis (of an odd number of steps) is the base:
    Ke dual +/- 0.02 (decimal), compliance cost 0 to 2x, liquidity-premium reduction 0 to 2x
    the case's (lp_single - lp_dual; +/- 0.01 when the case has none), country-premium
    reduction 0 to 2x (crp_single - crp_dual; +/- 0.01 when none)."""
    sens = case.sensitivity
    if (sens is not None and sens.ke_dual is not None and sens.compliance_cost is not None
            and sens.liquidity_reduction is not None and sens.country_reduction is not None):
        return sens
    if core is None:
        done = evaluate(case)  # kept with the case: no second run of the engine
        core = {"ke_dual": done.ke_dual, "compliance_cost": done.compliance_cost,
                "crp_single": done.crp_single}
    ev = core
    if sens is None:
        sens = Sensitivity()

    def around(base: float, half: float | None = None,
               within: tuple[float, float] = (-math.inf, math.inf)) -> tuple[float, float]:
        h = abs(base) if half is None else half
        h = h if h > 0 else 0.01
        # 12 decimals: the value a workbook's Inputs sheet reads back (so a report of a case
        # evaluates exactly like the case); clipped so that every premium on the grid stays a
        # premium (a reduction r of a premium P must keep P - r within [0, 1])
        lo, hi = max(base - h, within[0]), min(base + h, within[1])
        return (round(lo, 12), round(hi, 12))

    p = case.premia
    return sens.model_copy(update={
        "ke_dual": sens.ke_dual or around(ev["ke_dual"], 0.02),
        "compliance_cost": sens.compliance_cost or around(ev["compliance_cost"]),
        "liquidity_reduction": sens.liquidity_reduction or around(
            p.lp_single - p.lp_dual, within=(p.lp_single - 1, p.lp_single)),
        "country_reduction": sens.country_reduction or around(
            ev["crp_single"] - p.crp_dual, within=(ev["crp_single"] - 1, ev["crp_single"])),
    })


def _engine(label: str, fields: Mapping[str, str], fn: Callable[..., Any], *args: Any,
            **kwargs: Any) -> Any:
    """Call an engine function, renaming its argument in any error to the case field."""
    try:
        return fn(*args, **kwargs)
    except CorridorInputError as exc:
        field = fields.get(exc.argument, exc.argument)
        raise CaseError(label, field, exc.problem) from None


def _check_ke(label: str, venue: str, ke: float,
              terms: Mapping[str, tuple[float, float]]) -> None:
    """A cost of equity outside (-1, 1] cannot discount: name the field the user typed (the
    one whose term contributes most), not the engine's internal ``rate`` argument.
    ``terms``: field -> (its contribution to Ke, the value typed)."""
    if -1.0 < ke <= 1.0:
        return
    field = max(terms, key=lambda k: abs(terms[k][0]))
    value = terms[field][1]
    hint = f" (for {value:.10g}% enter {value / 100:.10g})" if 1.0 < value <= 100.0 else ""
    raise CaseError(label, field, f"expected a decimal rate such as 0.045, got {value:.10g}"
                    f"{hint}; with it the {venue}-listing cost of equity rf + beta x mrp + "
                    f"lambda x crp + lp comes to {ke:.6g}, outside (-1, 1] (-100% to 100%)")


def _core(case: Case, label: str) -> dict[str, Any]:
    """The engine's headline numbers; errors name case fields."""
    m, p, cf, c = case.market, case.premia, case.cash_flows, case.compliance
    crp_single = p.crp_single
    # the vintage for the valuation date; a user's own crp_single needs no row from the table
    vintage = reference.select_vintage(case.deal.valuation_date)
    note = reference.vintage_note(vintage, case.deal.valuation_date)
    if crp_single is None:
        if m.damodaran_country is None:
            raise CaseError(label, "premia.crp_single",
                            "required unless market.damodaran_country names a country")
        row = _engine(label, {"country": "market.damodaran_country"},
                      reference.damodaran_country, m.damodaran_country,
                      as_of=case.deal.valuation_date)
        crp_single, vintage, note = row.crp, row.vintage, row.note
    ke: dict[str, float] = {}
    for venue, crp, lp in (("single", crp_single, p.lp_single), ("dual", p.crp_dual, p.lp_dual)):
        names = {"rf": "market.rf", "beta": "market.beta", "mrp": "market.mrp",
                 "country_exposure": "market.country_exposure",
                 "country_premium": f"premia.crp_{venue}",
                 "liquidity_premium": f"premia.lp_{venue}"}
        ke[venue] = _engine(label, names, rates.cost_of_equity, m.rf, m.beta, m.mrp, crp, lp,
                            m.country_exposure)
        _check_ke(label, venue, ke[venue], {
            "market.rf": (m.rf, m.rf),
            "market.beta" if abs(m.beta) > 3 else "market.mrp": (m.beta * m.mrp, m.mrp),
            f"premia.crp_{venue}": (m.country_exposure * crp, crp), f"premia.lp_{venue}": (lp, lp)})
    fx = case.fx
    for i, item in enumerate(c.items):
        if item.currency not in fx:
            raise CaseError(label, f"compliance.items[{i + 1}].currency",
                            f"no FX rate for {item.currency} (line item {item.label!r}); add "
                            f"compliance.fx_rates.{item.currency}")
    if fx[case.deal.currency] != 1.0:
        raise CaseError(label, f"compliance.fx_rates.{case.deal.currency}",
                        f"the model currency's rate must be 1, got {fx[case.deal.currency]}")
    amounts = [it.amount for it in c.items]
    item_fx = [fx[it.currency] for it in c.items]
    incremental = [it.incremental for it in c.items]
    settings = compliance_settings(case, ke["dual"])
    if cf.terminal_growth is not None and cf.dates is not None:
        raise CaseError(label, "cash_flows.terminal_growth",
                        "not supported with dated cash flows (give periodic cash flows)")
    cnames = {"annual_costs": "compliance.items", "years": "compliance.years",
              "discount_rate": "compliance.discount_rate", "growth": "compliance.growth",
              "one_off": "compliance.one_off", "fx_rates": "compliance.fx_rates",
              "tax_rate": "compliance.tax_rate", "incremental": "compliance.items",
              "terminal_growth": "cash_flows.terminal_growth",
              "listing_expenses": "compliance.listing_expenses"}
    if c.tax_rate is None and c.tax_jurisdiction is not None:
        _engine(label, {"tax_jurisdiction": "compliance.tax_jurisdiction"}, reference.tax_rate,
                c.tax_jurisdiction)
    cost = _engine(label, cnames, compliance.compliance_cost, amounts, settings["years"],
                   settings["discount_rate"], c.growth, c.one_off, item_fx, settings["tax_rate"],
                   incremental=incremental, cost_basis=c.cost_basis,
                   terminal_growth=cf.terminal_growth, listing_expenses=c.listing_expenses,
                   include_listing_expenses=c.include_listing_expenses)
    if not abs(cost) <= ck.MAX_AMOUNT:  # e.g. a discount rate near -100% compounds past 1e15
        rate, years = settings["discount_rate"], settings["years"]
        raise CaseError(label, "compliance.discount_rate",
                        f"with discount_rate {rate:g}, growth {c.growth:g} and "
                        f"{years} years the capitalized compliance cost comes to {cost:.4g} "
                        f"{case.deal.units}, above 1e15; expected a discount rate such as 0.10")
    dnames = {"cash_flows": "cash_flows.values", "timing": "cash_flows.timing",
              "dates": "cash_flows.dates", "terminal_growth": "cash_flows.terminal_growth"}
    if cf.dates is None:
        pv = {v: _engine(label, {**dnames, "rate": f"premia (Ke {v})"}, discounting.npv, ke[v],
                         cf.values, timing=cf.timing, terminal_growth=cf.terminal_growth)
              for v in ke}
    else:
        pv = {v: _engine(label, dnames, discounting.xnpv, ke[v], *dated_flows(case, label))
              for v in ke}
    return {"crp_single": float(crp_single), "ke_single": ke["single"], "ke_dual": ke["dual"],
            "pv_single": pv["single"], "pv_dual": pv["dual"], "compliance_cost": cost,
            "annual_cost": float(sum(a * f for a, f, inc in zip(amounts, item_fx, incremental,
                                                                strict=True) if inc)),
            "baseline_cost": float(sum(a * f for a, f, inc in zip(amounts, item_fx, incremental,
                                                                  strict=True) if not inc)),
            "damodaran_vintage": vintage, "damodaran_note": note, **settings}


def horizon_years(case: Case) -> int:
    """Years the listing lasts: ``compliance.years``, or the cash-flow horizon when omitted
    (the number of periods; for dated cash flows the whole years from the first to the last
    date, rounded up)."""
    c, cf = case.compliance, case.cash_flows
    if c.years is not None:
        return c.years
    if cf.dates is None:
        return len(cf.values)
    return max(1, math.ceil((cf.dates[-1] - cf.dates[0]).days / DAYS_PER_YEAR))


def compliance_settings(case: Case, ke_dual: float) -> dict[str, Any]:
    """The compliance inputs with every default resolved: years (the cash-flow horizon),
    discount rate (Ke dual), tax rate (the jurisdiction's statutory rate, else 0) and where
    each came from (text for the report)."""
    c = case.compliance
    if c.tax_rate is not None:
        tax, tax_source = c.tax_rate, "case file (compliance.tax_rate)"
    elif c.tax_jurisdiction is not None:
        try:
            row = reference.tax_rate(c.tax_jurisdiction)
        except CorridorInputError:
            row = None
        tax = row.rate if row else 0.0
        tax_source = (f"{row.jurisdiction} {row.basis}: {row.source} (from {row.date})"
                      if row else "unknown jurisdiction")
    else:
        tax, tax_source = 0.0, "none given: no tax relief"
    return {"years": horizon_years(case),
            "years_source": ("case file (compliance.years)" if c.years is not None
                             else "the cash-flow horizon (the listing lasts as long as the "
                                  "cash flows)"),
            "discount_rate": c.discount_rate if c.discount_rate is not None else ke_dual,
            "discount_source": ("case file (compliance.discount_rate)"
                                if c.discount_rate is not None else "Ke dual"),
            "tax_rate": float(tax), "tax_source": tax_source}


def dated_flows(case: Case, label: str = "case") -> tuple[list[float], list[dt.date]]:
    """Dated cash flows discounted from the valuation date: a zero flow at
    ``deal.valuation_date`` first, so that XNPV's origin is the date the compliance cost is
    valued at (docs/design.md, amendments). A flow dated before the valuation date is refused."""
    cf, origin = case.cash_flows, case.deal.valuation_date
    assert cf.dates is not None
    for i, d in enumerate(cf.dates):
        if d < origin:
            raise CaseError(label, f"cash_flows.dates.{i}",
                            f"expected a date on or after the valuation date {origin}, got {d}")
    return [0.0, *cf.values], [origin, *cf.dates]


def evaluate(case: Case) -> Evaluation:
    """Run the engine on a case: Ke, PVs, compliance cost, Delta NPV, break-evens, capital,
    listing path and the sensitivity grid.

    Every number comes from an ``xl_corridor`` engine function; nothing is recomputed here.
    Computed once per case: :func:`~xl_corridor.case.load_case` has already run it, and the
    result is kept with the case.
    """
    if case._kept.evaluation is None:
        case._kept.evaluation = _evaluate(case, "case")
    result: Evaluation = case._kept.evaluation
    return result


def _evaluate(case: Case, label: str) -> Evaluation:
    core = _core(case, label)
    cf = case.cash_flows
    ks, kd, cost = core["ke_single"], core["ke_dual"], core["compliance_cost"]
    tg = cf.terminal_growth
    if cf.dates is None:
        delta = discounting.dual_npv(cf.values, kd, ks, cost, timing=cf.timing,
                                     terminal_growth=tg)
        be_cost = discounting.breakeven_cost(cf.values, kd, ks, timing=cf.timing,
                                             terminal_growth=tg)
        be_ke: float | None = discounting.breakeven_ke(cf.values, ks, cost, timing=cf.timing,
                                                       terminal_growth=tg)
    else:
        flows = dated_flows(case, label)
        delta = discounting.dual_xnpv(*flows, kd, ks, cost)
        be_cost = discounting.dual_xnpv(*flows, kd, ks, 0.0)
        be_ke = discounting.xbreakeven_ke(*flows, ks, cost)
    if be_ke is not None and math.isnan(be_ke):  # the engine's "no root below ke_single"
        be_ke = None
    cap = case.capital
    capex = _engine(label, {k: f"capital.{k}" for k in Capital.model_fields},
                    capital.preproduction_capital, cap.exploration, cap.feasibility,
                    cap.infrastructure, cap.regulatory, cap.contingency)
    lst = case.listing
    path = _engine(label, {k: f"listing.{k}" for k in Listing.model_fields},
                   listing.listing_path, lst.reporting_code, lst.resource_category,
                   lst.dfs_complete)
    sens = sensitivity(case, core)
    assert sens.ke_dual is not None and sens.compliance_cost is not None
    for i, k in enumerate(sens.ke_dual):
        _engine(label, {"ke_dual": f"sensitivity.ke_dual[{i + 1}]"}, ck.rate, "ke_dual", k)
    ke_axis = np.linspace(*sens.ke_dual, sens.steps)
    cost_axis = np.linspace(*sens.compliance_cost, sens.steps)
    col, row = ke_axis.reshape(-1, 1), cost_axis.reshape(1, -1)
    gnames = {"ke_dual": "sensitivity.ke_dual", "compliance_cost": "sensitivity.compliance_cost"}
    if cf.dates is None:
        grid = _engine(label, gnames, discounting.dual_npv, cf.values, col, ks, row,
                       timing=cf.timing, terminal_growth=tg)
    else:
        grid = _engine(label, gnames, discounting.dual_xnpv, *dated_flows(case, label), col, ks,
                       row)
    return Evaluation(
        crp_single=core["crp_single"], ke_single=ks, ke_dual=kd,
        pv_single=core["pv_single"], pv_dual=core["pv_dual"], annual_cost=core["annual_cost"],
        compliance_cost=cost, delta_npv=float(delta), breakeven_cost=float(be_cost),
        breakeven_ke=None if be_ke is None else float(be_ke), capex=float(capex),
        listing_path=str(path), listing_code=path.code,
        decision=listing.dual_listing_decision(float(delta), path.code),
        sens_ke=tuple(float(x) for x in ke_axis), sens_cost=tuple(float(x) for x in cost_axis),
        sens_grid=tuple(tuple(float(x) for x in r) for r in np.asarray(grid)),
        damodaran_vintage=core["damodaran_vintage"], damodaran_note=core["damodaran_note"],
        comp_years=int(core["years"]), comp_rate=float(core["discount_rate"]),
        comp_tax=float(core["tax_rate"]),
        comp_sources=(("years", core["years_source"]), ("discount_rate", core["discount_source"]),
                      ("tax_rate", core["tax_source"])),
        baseline_cost=core["baseline_cost"], terminal_growth=cf.terminal_growth,
        warnings=tuple(case_warnings(case)),
    )


# --- analytics: premia grid, tornado, Monte Carlo, parity, funding -----------------------------


@dataclass(frozen=True)
class Analytics:
    """The engine's answers for the sensitivity, simulation, parity and funding sheets."""

    lr_axis: tuple[float, ...]
    cr_axis: tuple[float, ...]
    premia_grid: tuple[tuple[float, ...], ...]
    tornado_base: float
    tornado: tuple[sens_engine.TornadoRow, ...]
    simulation: montecarlo.MonteCarloResult | None
    dimsum_cost: float | None
    dimsum_saving: float | None
    band_lower: float | None
    band_upper: float | None
    band: float | None
    parity: parity.ParityResult | None
    valuation: ValuationResult | None = None


#: The critical-mass grid of the Valuation sheet: rows are these multiples of the case's
#: compliance cost, columns these cuts in Ke (decimals). Display axes, not inputs.
GRID_COST_MULTIPLES = (0.5, 1.0, 1.5, 2.0)
GRID_CUTS = (0.005, 0.01, 0.015, 0.02, 0.03, 0.04)


@dataclass(frozen=True)
class ValuationResult:
    """The engine's answers for the Valuation sheet (:mod:`xl_corridor.engine.valuation`).

    ``offer``: amounts in currency (not the case's units), shares in shares. ``per_share``:
    currency per share. ``to_mcap``, ``uplift``: decimals. ``critical_mass``, ``benefit``,
    ``cost_after``, the ``timing`` values and ``grid``: the case's units; ``critical_mass`` is
    None when no size pays (pv_dual <= pv_single, or pv_single <= 0).
    """

    offer: valuation.OfferEconomics
    per_share: float
    to_mcap: float
    uplift: float
    critical_mass: float | None
    benefit: float
    cost_after: float
    timing: valuation.ListingTiming
    grid_costs: tuple[float, ...]
    grid: tuple[tuple[float, ...], ...]


def value(case: Case, ev: Evaluation, label: str = "case") -> ValuationResult | None:
    """Run the valuation engine for a case's ``[valuation]`` section (None without one):
    offer economics, Delta NPV per share and against market value, the Gordon uplift, the
    critical mass and its grid, and list now vs after the DFS (binomial tree)."""
    v: Valuation | None = case.valuation
    if v is None:
        return None
    names = {k: f"valuation.{k}" for k in Valuation.model_fields}
    names.update(shares_pre="valuation.shares_outstanding", fees="valuation.listing_expenses",
                 shares_outstanding="valuation.shares_outstanding",
                 share_price="valuation.share_price", ke_dual="valuation.growth",
                 ke_single="valuation.growth", success_probability=(
                     "valuation.dfs_success_probability"),
                 volatility="valuation.dfs_volatility", risk_free="market.rf",
                 steps="valuation.tree_steps")
    scale = v.currency_per_unit
    pre = v.shares_outstanding - v.new_shares - v.greenshoe
    offer = _engine(label, names, valuation.offer_economics, pre, v.new_shares, v.offer_price,
                    v.price_day1, greenshoe=v.greenshoe, fees=v.listing_expenses * scale)
    delta = ev.delta_npv * scale
    per_share = _engine(label, names, valuation.dual_npv_per_share, delta, v.shares_outstanding)
    to_mcap = _engine(label, names, valuation.dual_npv_to_market_cap, delta,
                      v.shares_outstanding, v.share_price)
    uplift = _engine(label, names, valuation.dual_price_uplift, ev.ke_dual, ev.ke_single,
                     v.growth)
    mass = (float(valuation.critical_mass_from_pv(ev.pv_single, ev.pv_dual, ev.compliance_cost))
            if ev.pv_single > 0 and ev.compliance_cost >= 0 else math.nan)
    cost_after = ev.compliance_cost if v.cost_after_dfs is None else v.cost_after_dfs
    benefit = ev.pv_dual - ev.pv_single
    timing = _engine(label, {**names, "cost_now": "compliance.items"},
                     valuation.listing_timing, benefit, ev.compliance_cost, cost_after,
                     v.dfs_success_probability, v.years_to_dfs, v.dfs_volatility,
                     case.market.rf, v.forgone_yield, steps=v.tree_steps)
    costs = tuple(m * ev.compliance_cost for m in GRID_COST_MULTIPLES)
    grid = _engine(label, {"compliance_costs": "compliance.items"}, valuation.critical_mass_grid,
                   list(costs), list(GRID_CUTS), ev.ke_single)
    return ValuationResult(
        offer=offer, per_share=float(per_share), to_mcap=float(to_mcap), uplift=float(uplift),
        critical_mass=None if math.isnan(mass) else mass, benefit=float(benefit),
        cost_after=float(cost_after),
        timing=valuation.ListingTiming(*(x if isinstance(x, str) else float(x)
                                         for x in timing)),
        grid_costs=costs, grid=tuple(tuple(float(x) for x in r) for r in np.asarray(grid)))


#: Tornado inputs, in the order of :func:`xl_corridor.engine.sensitivity.delta_npv_from_inputs`.
TORNADO_INPUTS = ("rf", "beta", "mrp", "crp_single", "crp_dual", "lp_single", "lp_dual",
                  "country_exposure", "cash_flow_scale", "compliance_cost")


def tornado_base(case: Case, ev: Evaluation) -> dict[str, Any]:
    """Base inputs of the tornado (the capitalized compliance cost as one total)."""
    m, p = case.market, case.premia
    return {"rf": m.rf, "beta": m.beta, "mrp": m.mrp, "crp_single": ev.crp_single,
            "crp_dual": p.crp_dual, "lp_single": p.lp_single, "lp_dual": p.lp_dual,
            "country_exposure": m.country_exposure, "cash_flows": list(case.cash_flows.values),
            "cash_flow_scale": 1.0, "timing": case.cash_flows.timing,
            "terminal_growth": case.cash_flows.terminal_growth,
            "compliance_cost": ev.compliance_cost}


def _dated_model(dates: list[dt.date]) -> Callable[[Mapping[str, Any]], float]:
    """The tornado model for dated cash flows (XNPV discounting from ``dates[0]``, the
    valuation date, at which a zero flow is put)."""

    def model(x: Mapping[str, Any]) -> float:
        lam = x["country_exposure"]
        ks = rates.cost_of_equity(x["rf"], x["beta"], x["mrp"], x["crp_single"],
                                  x["lp_single"], lam)
        kd = rates.cost_of_equity(x["rf"], x["beta"], x["mrp"], x["crp_dual"], x["lp_dual"], lam)
        cf = np.asarray(x["cash_flows"], dtype=float) * x["cash_flow_scale"]
        return float(discounting.dual_xnpv(np.concatenate(([0.0], cf)), dates, kd, ks,
                                           x["compliance_cost"]))

    return model


def analyze(case: Case, ev: Evaluation | None = None) -> Analytics:
    """Run the engine for the analytics sheets: the premia grid
    (:func:`xl_corridor.engine.sensitivity.grid_premia`), the tornado
    (:func:`xl_corridor.engine.sensitivity.tornado`), the Monte Carlo
    (:func:`xl_corridor.engine.montecarlo.simulate_delta_npv`), the parity statistics
    (:func:`xl_corridor.engine.parity.analyze_parity`) and Dim Sum funding
    (:func:`xl_corridor.engine.funding.dimsum_hedged_cost`).

    Computed once per case (kept with it) unless ``ev`` is another evaluation than the case's.
    """
    if ev is not None and ev is not evaluate(case):
        return _analyze(case, ev, "case")
    if case._kept.analytics is None:
        case._kept.analytics = _analyze(case, evaluate(case), "case")
    result: Analytics = case._kept.analytics
    return result


def _analyze(case: Case, ev: Evaluation, label: str) -> Analytics:
    cf = case.cash_flows
    sens = sensitivity(case, {"ke_dual": ev.ke_dual, "compliance_cost": ev.compliance_cost,
                              "crp_single": ev.crp_single})
    assert sens.liquidity_reduction is not None and sens.country_reduction is not None
    lr = np.linspace(*sens.liquidity_reduction, sens.steps)
    cr = np.linspace(*sens.country_reduction, sens.steps)
    m, p = case.market, case.premia
    # a Ke dual out of range on the grid comes from the reduction that raises it most
    raising = ("sensitivity.liquidity_reduction" if lr.min() <= m.country_exposure * cr.min()
               else "sensitivity.country_reduction")
    if cf.dates is None:
        grid = _engine(label, {"liquidity_reductions": "sensitivity.liquidity_reduction",
                               "country_reductions": "sensitivity.country_reduction",
                               "ke_dual": raising},
                       sens_engine.grid_premia, cf.values, m.rf, m.beta, m.mrp, ev.crp_single,
                       p.lp_single, lr, cr, ev.compliance_cost, m.country_exposure,
                       timing=cf.timing, terminal_growth=cf.terminal_growth)
    else:
        kd = ev.ke_single - lr[:, None] - m.country_exposure * cr[None, :]
        grid = _engine(label, {"ke_dual": raising},
                       discounting.dual_xnpv, *dated_flows(case, label), kd, ev.ke_single,
                       ev.compliance_cost)
    base = tornado_base(case, ev)
    shift = sens.tornado_shift
    ranges = {k: (base[k] * (1 - shift), base[k] * (1 + shift)) for k in TORNADO_INPUTS}
    model = (sens_engine.delta_npv_from_inputs if cf.dates is None
             else _dated_model(dated_flows(case, label)[1]))
    try:
        rows = sens_engine.tornado(base, ranges, model=model)
    except CorridorInputError as exc:  # an input moved by the shift leaves its valid range
        raise CaseError(label, "sensitivity.tornado_shift",
                        f"moving each input down and up by {shift:g} of its value takes "
                        f"{exc.argument} out of range ({exc.problem}); use a smaller shift"
                        ) from None

    mc = None
    if case.simulation is not None and cf.dates is None:  # dated cash flows: not simulated
        sim = case.simulation
        names = {k: f"simulation.{k}" for k in Simulation.model_fields}
        names.update(cash_flows="cash_flows.values", timing="cash_flows.timing")
        mc = _engine(label, names, montecarlo.simulate_delta_npv, cf.values, ev.ke_single,
                     ev.compliance_cost, liquidity_reduction=sim.liquidity_reduction,
                     country_reduction=sim.country_reduction,
                     country_exposure=m.country_exposure, price_model=sim.price_model,
                     drift=sim.drift, volatility=sim.volatility,
                     mean_reversion=sim.mean_reversion, long_run_median=sim.long_run_median,
                     cost_share=sim.cost_share,
                     premia_price_correlation=sim.premia_price_correlation,
                     period_years=sim.period_years, overrun_sigma=sim.overrun_sigma,
                     timing=cf.timing, n_paths=sim.n_paths, seed=sim.seed, bins=sim.bins)

    hedged = saving = None
    if case.funding is not None:
        f = case.funding
        names = {k: f"funding.{k}" for k in Funding.model_fields}
        if f.usd_credit_spread is not None and f.cnh_credit_spread is not None:
            # the same issuer's credit in both currencies: the market's saving, not a credit gap
            hedged = float(_engine(label, names, funding.dimsum_hedged_cost,
                                   f.cnh_rate + f.cnh_credit_spread, f.usd_rate, f.cnh_rate,
                                   f.basis))
            saving = float(_engine(label, names, funding.dimsum_same_credit_saving, f.usd_rate,
                                   f.cnh_rate, f.usd_credit_spread, f.cnh_credit_spread,
                                   f.basis))
            if f.cnh_yield is not None:  # checked, not used: another issuer's yield
                _engine(label, names, funding.dimsum_hedged_cost, f.cnh_yield, f.usd_rate,
                        f.cnh_rate, f.basis)
            if f.usd_bond_yield is not None:
                _engine(label, names, funding.dimsum_saving, f.usd_rate, f.usd_rate,
                        f.cnh_rate, f.usd_bond_yield, f.basis)
        else:
            hedged = float(_engine(label, names, funding.dimsum_hedged_cost, f.cnh_yield,
                                   f.usd_rate, f.cnh_rate, f.basis))
            saving = float(_engine(label, names, funding.dimsum_saving, f.cnh_yield,
                                   f.usd_rate, f.cnh_rate, f.usd_bond_yield, f.basis))

    lower = upper = band = None
    stats = None
    if case.parity is not None:
        par = case.parity
        names = {k: f"parity.{k}" for k in Parity.model_fields}
        lo, hi = _engine(label, names, parity.arbitrage_bounds, par.cost_hk, par.cost_aix,
                         par.conversion_fee, par.fx_spread, par.financing_rate,
                         par.settlement_days, par.conversion_days)
        lower, upper = float(lo), float(hi)
        band = float(_engine(label, names, parity.arbitrage_band, par.cost_hk, par.cost_aix,
                             par.conversion_fee, par.fx_spread, par.financing_rate,
                             par.settlement_days, par.conversion_days))
        if par.days is not None:
            cols = {c: [getattr(d, c) for d in par.days] for c in ParityDay.model_fields}
            cols["date"] = [d.isoformat() for d in cols["date"]]
            dnames = {c: f"parity.days.{c}" for c in ParityDay.model_fields}
            dnames.update(dates="parity.days.date",
                          aix_shares_per_hk_share="parity.aix_shares_per_hk_share")
            stats = _engine(label, dnames, parity.analyze_parity, cols, band,
                            aix_shares_per_hk_share=par.aix_shares_per_hk_share)
    return Analytics(
        lr_axis=tuple(float(x) for x in lr), cr_axis=tuple(float(x) for x in cr),
        premia_grid=tuple(tuple(float(x) for x in r) for r in np.asarray(grid)),
        tornado_base=float(model(base)), tornado=tuple(rows), simulation=mc,
        dimsum_cost=hedged, dimsum_saving=saving, band_lower=lower, band_upper=upper,
        band=band, parity=stats, valuation=value(case, ev, label),
    )
