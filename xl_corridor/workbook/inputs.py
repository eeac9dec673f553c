"""The Inputs sheet: one owner of the contract between a case and a workbook.

Every input has a cell on the Inputs sheet of the template and of every report, with a defined
name (:data:`SCALARS`, :data:`OPTIONAL_SCALARS`, the cash-flow, line-item, FX and parity
ranges). :func:`write_inputs` writes that layout; :func:`workbook_case_dict` reads it back, so a
filled-in template or an edited report loads as a case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.case.evaluate import sensitivity
from xl_corridor.case.schema import Case, CaseError, case_value
from xl_corridor.errors import CorridorInputError
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook.styles import (
    BLUE,
    BOLD,
    FMT,
    INPUT_FILL,
    INPUT_FMT,
    NOTE,
    TITLE,
    define,
    header,
    print_setup,
    put_text,
)


@dataclass(frozen=True)
class Scalar:
    """One input cell: its defined name, label, case field path, kind and unit."""

    name: str
    label: str
    path: str
    kind: Literal["text", "date", "rate", "number", "int", "amount", "bool", "timing", "shares"]
    unit: str = ""


SCALARS: tuple[Scalar, ...] = (
    Scalar("deal_name", "Deal", "deal.name", "text"),
    Scalar("issuer", "Issuer", "deal.issuer", "text"),
    Scalar("currency", "Model currency", "deal.currency", "text", "ISO 4217"),
    Scalar("units", "Amount units", "deal.units", "text"),
    Scalar("valuation_date", "Valuation date", "deal.valuation_date", "date"),
    Scalar("rf", "Risk-free rate", "market.rf", "rate", "decimal"),
    Scalar("beta", "Equity beta", "market.beta", "number", "x"),
    Scalar("mrp", "Mature-market equity risk premium", "market.mrp", "rate", "decimal"),
    Scalar("country_exposure", "Country exposure (lambda)", "market.country_exposure", "number",
           "x"),
    Scalar("damodaran_country", "Damodaran country", "market.damodaran_country", "text"),
    Scalar("crp_single", "Country risk premium, single listing", "premia.crp_single", "rate",
           "decimal"),
    Scalar("crp_dual", "Country risk premium, dual listing", "premia.crp_dual", "rate", "decimal"),
    Scalar("lp_single", "Liquidity premium, single listing", "premia.lp_single", "rate",
           "decimal"),
    Scalar("lp_dual", "Liquidity premium, dual listing", "premia.lp_dual", "rate", "decimal"),
    Scalar("timing", "Cash-flow timing (end, mid, begin)", "cash_flows.timing", "timing"),
    Scalar("comp_years", "Compliance horizon", "compliance.years", "int", "years"),
    Scalar("comp_rate", "Compliance discount rate", "compliance.discount_rate", "rate", "decimal"),
    Scalar("comp_growth", "Compliance cost growth", "compliance.growth", "rate", "decimal"),
    Scalar("comp_one_off", "One-off dual-listing cost", "compliance.one_off", "amount", "units"),
    Scalar("comp_tax", "Tax relief rate on compliance cost", "compliance.tax_rate", "rate",
           "decimal"),
    Scalar("capex_exploration", "Exploration", "capital.exploration", "amount", "units"),
    Scalar("capex_feasibility", "Feasibility", "capital.feasibility", "amount", "units"),
    Scalar("capex_infrastructure", "Infrastructure", "capital.infrastructure", "amount", "units"),
    Scalar("capex_regulatory", "Regulatory", "capital.regulatory", "amount", "units"),
    Scalar("capex_contingency", "Contingency", "capital.contingency", "rate", "decimal"),
    Scalar("reporting_code", "Reporting code", "listing.reporting_code", "text"),
    Scalar("resource_category", "Highest resource category", "listing.resource_category", "text"),
    Scalar("dfs_complete", "DFS complete", "listing.dfs_complete", "bool", "TRUE/FALSE"),
    Scalar("sens_ke_lo", "Sensitivity: Ke dual from", "sensitivity.ke_dual.0", "rate", "decimal"),
    Scalar("sens_ke_hi", "Sensitivity: Ke dual to", "sensitivity.ke_dual.1", "rate", "decimal"),
    Scalar("sens_cost_lo", "Sensitivity: compliance cost from", "sensitivity.compliance_cost.0",
           "amount", "units"),
    Scalar("sens_cost_hi", "Sensitivity: compliance cost to", "sensitivity.compliance_cost.1",
           "amount", "units"),
)


# Inputs of the optional analytics, written after the FX table (group -> rows). The sensitivity
# group is always written (with defaults); the others only when the case has the section.
OPTIONAL_SCALARS: dict[str, tuple[Scalar, ...]] = {
    "sensitivity": (
        Scalar("sens_lr_lo", "Premia grid: liquidity-premium reduction from",
               "sensitivity.liquidity_reduction.0", "rate", "decimal"),
        Scalar("sens_lr_hi", "Premia grid: liquidity-premium reduction to",
               "sensitivity.liquidity_reduction.1", "rate", "decimal"),
        Scalar("sens_cr_lo", "Premia grid: country-premium reduction from",
               "sensitivity.country_reduction.0", "rate", "decimal"),
        Scalar("sens_cr_hi", "Premia grid: country-premium reduction to",
               "sensitivity.country_reduction.1", "rate", "decimal"),
        Scalar("tornado_shift", "Tornado: each input moved by -/+", "sensitivity.tornado_shift",
               "rate", "share of its value"),
    ),
    "simulation": (
        Scalar("sim_n_paths", "Monte Carlo: paths", "simulation.n_paths", "int"),
        Scalar("sim_seed", "Monte Carlo: seed", "simulation.seed", "int"),
        Scalar("sim_price_model", "Price process (gbm, ou)", "simulation.price_model", "text"),
        Scalar("sim_drift", "Price drift (gbm)", "simulation.drift", "rate", "decimal a year"),
        Scalar("sim_volatility", "Price volatility", "simulation.volatility", "rate",
               "decimal a year"),
        Scalar("sim_mean_reversion", "Mean-reversion speed (ou)", "simulation.mean_reversion",
               "number", "per year"),
        Scalar("sim_long_run_median", "Long-run MEDIAN price / today (ou)",
               "simulation.long_run_median", "number", "x"),
        Scalar("sim_period_years", "Period length", "simulation.period_years", "number",
               "years"),
        Scalar("sim_lr_low", "Liquidity-premium reduction: low", "simulation.liquidity_reduction.0",
               "rate", "decimal"),
        Scalar("sim_lr_mode", "Liquidity-premium reduction: mode",
               "simulation.liquidity_reduction.1", "rate", "decimal"),
        Scalar("sim_lr_high", "Liquidity-premium reduction: high",
               "simulation.liquidity_reduction.2", "rate", "decimal"),
        Scalar("sim_cr_low", "Country-premium reduction: low", "simulation.country_reduction.0",
               "rate", "decimal"),
        Scalar("sim_cr_mode", "Country-premium reduction: mode", "simulation.country_reduction.1",
               "rate", "decimal"),
        Scalar("sim_cr_high", "Country-premium reduction: high", "simulation.country_reduction.2",
               "rate", "decimal"),
        Scalar("sim_overrun_sigma", "Compliance overrun log-volatility",
               "simulation.overrun_sigma", "number", "x"),
        Scalar("sim_bins", "Histogram bins", "simulation.bins", "int"),
        Scalar("sim_cost_share", "Operating costs as a share of revenue (fixed in the price)",
               "simulation.cost_share", "rate", "decimal"),
        Scalar("sim_premia_price_corr", "Correlation of premia reductions with the price",
               "simulation.premia_price_correlation", "number", "x"),
    ),
    "compliance": (
        Scalar("comp_cost_basis", "Annual costs quoted in (today, first_year)",
               "compliance.cost_basis", "text"),
        Scalar("comp_listing_expenses", "Listing (IPO) expenses", "compliance.listing_expenses",
               "amount", "units"),
        Scalar("comp_include_listing", "Listing expenses in the compliance cost",
               "compliance.include_listing_expenses", "bool", "TRUE/FALSE"),
        Scalar("comp_tax_jurisdiction", "Tax jurisdiction of the relief",
               "compliance.tax_jurisdiction", "text"),
        Scalar("terminal_growth", "Terminal growth after the horizon (blank: none)",
               "cash_flows.terminal_growth", "rate", "decimal"),
    ),
    "funding": (
        Scalar("fund_cnh_yield", "Dim Sum bond yield (CNH)", "funding.cnh_yield", "rate",
               "decimal"),
        Scalar("fund_usd_rate", "USD rate for the tenor", "funding.usd_rate", "rate", "decimal"),
        Scalar("fund_cnh_rate", "CNH rate for the tenor", "funding.cnh_rate", "rate", "decimal"),
        Scalar("fund_usd_bond_yield", "USD bond yield (alternative)", "funding.usd_bond_yield",
               "rate", "decimal"),
        Scalar("fund_basis", "USD/CNH cross-currency basis", "funding.basis", "rate", "decimal"),
        Scalar("fund_usd_spread", "Issuer's USD credit spread over the USD rate",
               "funding.usd_credit_spread", "rate", "decimal"),
        Scalar("fund_cnh_spread", "Same issuer's CNH credit spread over the CNH rate",
               "funding.cnh_credit_spread", "rate", "decimal"),
    ),
    "parity": (
        Scalar("par_source", "Parity sample source", "parity.source", "text"),
        Scalar("par_aix_currency", "AIX trading currency", "parity.aix_currency", "text",
               "ISO 4217"),
        Scalar("par_ratio", "AIX shares per HKEX share", "parity.aix_shares_per_hk_share",
               "number", "x"),
        Scalar("par_cost_hk", "HKEX cost per side", "parity.cost_hk", "rate", "decimal"),
        Scalar("par_cost_aix", "AIX cost per side", "parity.cost_aix", "rate", "decimal"),
        Scalar("par_conversion_fee", "Depository migration fee", "parity.conversion_fee", "rate",
               "decimal"),
        Scalar("par_fx_spread", "FX conversion cost", "parity.fx_spread", "rate", "decimal"),
        Scalar("par_financing_rate", "Arbitrageur's financing rate", "parity.financing_rate",
               "rate", "decimal"),
        Scalar("par_settlement_days", "Settlement days", "parity.settlement_days", "number",
               "days"),
        Scalar("par_conversion_days", "Migration days", "parity.conversion_days", "number",
               "days"),
    ),
    "valuation": (
        Scalar("val_shares", "Shares outstanding after the offer", "valuation.shares_outstanding",
               "shares", "shares"),
        Scalar("val_share_price", "Share price (market value)", "valuation.share_price",
               "number", "currency per share"),
        Scalar("val_ccy_per_unit", "Currency per amount unit (1e6 for millions)",
               "valuation.currency_per_unit", "shares", "currency"),
        Scalar("offer_new_shares", "Offer: new shares", "valuation.new_shares", "shares",
               "shares"),
        Scalar("offer_greenshoe", "Offer: greenshoe shares issued", "valuation.greenshoe",
               "shares", "shares"),
        Scalar("offer_price", "Offer price", "valuation.offer_price", "number",
               "currency per share"),
        Scalar("offer_fees", "Listing expenses", "valuation.listing_expenses", "amount",
               "units"),
        Scalar("offer_price_day1", "First-day closing price", "valuation.price_day1", "number",
               "currency per share"),
        Scalar("val_growth", "Gordon growth (price-uplift cross-check)", "valuation.growth",
               "rate", "decimal"),
        Scalar("dfs_p", "P(DFS succeeds)", "valuation.dfs_success_probability", "rate",
               "decimal"),
        Scalar("dfs_years", "Years to the DFS", "valuation.years_to_dfs", "number", "years"),
        Scalar("dfs_volatility", "Volatility of the benefit", "valuation.dfs_volatility", "rate",
               "decimal a year"),
        Scalar("dfs_cost_after_input", "Compliance cost if listing after the DFS (blank: now's)",
               "valuation.cost_after_dfs", "amount", "units"),
        Scalar("dfs_forgone_yield", "Benefit given up while waiting",
               "valuation.forgone_yield", "rate", "decimal a year"),
    ),
}
# may be left blank in a workbook (the case default applies)
OPTIONAL_BLANK = ("par_source", "par_aix_currency", "comp_years", "comp_rate",
                  "comp_tax_jurisdiction", "terminal_growth", "fund_cnh_yield",
                  "fund_usd_bond_yield", "fund_usd_spread", "fund_cnh_spread",
                  "dfs_cost_after_input")
# note written beside an input filled from its case default (see _drop_defaults)
DEFAULT_NOTE = "default: "
#: Inputs a case may leave blank whose default is a formula of other inputs: written as that
#: formula, so the default follows what it comes from (a premium edited in the workbook moves
#: the compliance discount rate with Ke dual), and read back as blank. The compliance rate is
#: the base case's Ke dual (a scenario that leaves it blank uses its own Ke dual: Scenarios).
LIVE_DEFAULTS = {"comp_rate": "=" + fx.cost_of_equity("rf", "beta", "mrp", "country_exposure",
                                                      "crp_dual", "lp_dual")}
# new defined name -> its name in workbooks written before it was renamed
RENAMED = {"sim_long_run_median": "sim_long_run_price"}
# inputs that older workbooks do not have (the case default applies)
ADDED_LATER = ("sim_cost_share", "sim_premia_price_corr", "fund_usd_spread", "fund_cnh_spread")
ALL_SCALARS: tuple[Scalar, ...] = SCALARS + tuple(
    s for group in OPTIONAL_SCALARS.values() for s in group)
# Daily parity sample columns: defined name -> ParityDay field
PARITY_COLUMNS = {"par_dates": "date", "par_price_hk": "price_hk", "par_price_aix": "price_aix",
                  "par_fx": "fx_aix_to_hkd", "par_volume_hk": "volume_hk",
                  "par_volume_aix": "volume_aix"}



# --- reading a filled-in workbook

class DefinedNameError(ValueError):
    """A defined name the Inputs contract needs refers to no cells (a constant, a formula, a
    sheet the workbook does not have)."""


#: How LibreOffice saves a TRUE or FALSE typed into a cell: a formula of the constant (with
#: its value cached), where Excel and openpyxl store a boolean.
_BOOLEAN_FORMULAS = {"=TRUE()": True, "=FALSE()": False, "=TRUE": True, "=FALSE": False}


def read_booleans(wb: Any) -> None:
    """Turn every cell holding a boolean constant as LibreOffice saves it (``=TRUE()``) back
    into the boolean, in a workbook loaded with its formulas, so that a report or template
    opened and saved in LibreOffice reads back as the case it holds. The builder writes no
    such formula, so no formula of the model is touched."""
    for ws in wb.worksheets:
        for cell in ws._cells.values():
            v = cell.value
            if type(v) is str and v[:2] in ("=T", "=F", "=t", "=f"):
                flag = _BOOLEAN_FORMULAS.get(v.upper())
                if flag is not None:
                    cell.value = flag


def named_cells(wb: Any, name: str) -> list[Any]:
    """The cells a defined name refers to (KeyError if the workbook has no such name;
    :class:`DefinedNameError` if it refers to no cells of this workbook)."""
    dn = wb.defined_names.get(name)
    if dn is None:
        raise KeyError(name)
    text = str(dn.attr_text or "")[:60]
    out: list[Any] = []
    try:
        destinations = list(dn.destinations)
    except Exception:  # openpyxl's tokenizer on a malformed reference
        destinations = []
    for sheet, ref in destinations:
        if sheet not in wb.sheetnames:
            raise DefinedNameError(f"defined name {name} refers to {text}, on a sheet "
                                   f"{sheet!r} this workbook does not have")
        try:
            rng = wb[sheet][ref.replace("$", "")]
        except (ValueError, KeyError, IndexError, TypeError):
            rng = ()
        if not isinstance(rng, tuple):
            return [rng]
        for row in rng:
            out.extend(row if isinstance(row, tuple) else (row,))
    if not out:
        raise DefinedNameError(f"defined name {name} refers to {text}, not to cells (expected "
                               "a reference to the Inputs sheet, as xl-corridor wrote it)")
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def matches_formula(text: str, formula: str) -> bool:
    """``text`` is ``formula`` however an application re-spelled it."""
    from xl_corridor.validate.canonical import same_formula

    return text.startswith("=") and same_formula(text, formula)


def workbook_case_dict(label: str, wb: Any) -> dict[str, Any]:
    """Rebuild the case-file dict from an openpyxl workbook's Inputs names (values, not formulas).

    Text cells that should hold numbers are passed through as they are, so the schema reports
    them with their field path. A defined name that refers to no cells is a CaseError.
    """
    try:
        return _case_dict(label, wb)
    except DefinedNameError as exc:
        raise CaseError(label, "", str(exc)) from None


def _case_dict(label: str, wb: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    sources: dict[str, str] = {}
    defaulted: dict[str, Any] = {}

    def put(path: str, value: Any) -> None:
        parts = path.split(".")
        node: Any = data
        for part, nxt in zip(parts[:-1], parts[1:], strict=True):
            if nxt.isdigit():  # (lo, hi) ranges; (low, mode, high) triangles
                node = node.setdefault(part, [None] * (3 if path.startswith("simulation.")
                                                       else 2))
            else:
                node = node.setdefault(part, {})
        last = parts[-1]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    def read(s: Scalar) -> None:
        name = s.name
        if name not in wb.defined_names and name in RENAMED:
            name = RENAMED[name]  # a workbook written before the rename
        if name not in wb.defined_names and name in ADDED_LATER:
            return  # an older workbook: the field keeps its default
        cell = named_cells(wb, name)[0]
        v = cell.value
        if isinstance(v, str) and s.name in LIVE_DEFAULTS and matches_formula(
                v, LIVE_DEFAULTS[s.name]):
            return  # the live default: the case leaves the field blank
        if s.kind == "date" and isinstance(v, dt.datetime):
            v = v.date()
        elif s.kind in ("rate", "number", "amount", "shares") and isinstance(
                v, int) and not isinstance(v, bool):
            v = float(v)
        note = cell.offset(column=2).value
        if isinstance(note, str) and note.startswith(DEFAULT_NOTE):
            defaulted[s.name] = v  # written from the case default: omitted if still equal
        elif isinstance(note, str) and note.strip():
            sources[s.name] = note
        if _blank(v) and s.name in ("damodaran_country", "crp_single", "comp_growth",
                                    "comp_one_off", "comp_tax", "capex_contingency",
                                    *OPTIONAL_BLANK):
            return
        put(s.path, v)

    try:
        for s in SCALARS:
            read(s)
        for scalars in OPTIONAL_SCALARS.values():
            if scalars[0].name not in wb.defined_names:
                continue  # an older workbook, or a case without this section
            for s in scalars:
                read(s)
        if "par_dates" in wb.defined_names:
            cols = {field: [c.value for c in named_cells(wb, name)]
                    for name, field in PARITY_COLUMNS.items()}
            days = []
            for row in zip(*cols.values(), strict=True):
                if all(_blank(v) for v in row):
                    continue
                day = dict(zip(cols, row, strict=True))
                if isinstance(day["date"], dt.datetime):
                    day["date"] = day["date"].date()
                for k, v in day.items():
                    if k != "date" and isinstance(v, int) and not isinstance(v, bool):
                        day[k] = float(v)
                days.append(day)
            data.setdefault("parity", {})["days"] = days
        values = [c.value for c in named_cells(wb, "cash_flows")]
        dates = ([c.value for c in named_cells(wb, "cf_dates")]
                 if "cf_dates" in wb.defined_names else None)
        labels = [c.value for c in named_cells(wb, "comp_labels")]
        amounts = [c.value for c in named_cells(wb, "comp_amounts")]
        ccys = [c.value for c in named_cells(wb, "comp_ccy")]
        flags = ([c.value for c in named_cells(wb, "comp_incremental")]
                 if "comp_incremental" in wb.defined_names else [None] * len(ccys))
        fx_ccy = [c.value for c in named_cells(wb, "fx_ccy")]
        fx_rate = [c.value for c in named_cells(wb, "fx_rate")]
        grid_rows = len({c.row for c in named_cells(wb, "sens_grid")}) if (
            "sens_grid" in wb.defined_names) else 7
    except KeyError as exc:
        raise CaseError(label, "", f"not an xl-corridor workbook (no defined name {exc})") from None
    below = named_cells(wb, "cash_flows")[-1].offset(row=1)
    for cell in (below, below.offset(column=1)):
        if not _blank(cell.value):
            raise CaseError(label, "cash_flows",
                            f"a value below the cash-flow table (Inputs!{cell.coordinate}) would "
                            f"be ignored; the table holds {len(values)} periods: enter it in the "
                            "table's blank rows, or add periods to the case file and rebuild")
    while values and _blank(values[-1]) and (dates is None or _blank(dates[len(values) - 1])):
        values.pop()
    put("cash_flows.values", values)
    if dates is not None and any(not _blank(d) for d in dates):
        dates = dates[: len(values)]
        put("cash_flows.dates", [d.date() if isinstance(d, dt.datetime) else d for d in dates])
    items = []
    for lab, amt, ccy, inc in zip(labels, amounts, ccys, flags, strict=True):
        if _blank(lab) and _blank(amt):
            continue
        item = {"label": lab, "amount": float(amt) if isinstance(amt, int) else amt,
                "currency": ccy}
        if not _blank(inc):
            item["incremental"] = inc
        items.append(item)
    put("compliance.items", items)
    model_ccy = data.get("deal", {}).get("currency")
    put("compliance.fx_rates", {  # the model currency's own row (rate 1) is implicit in a case
        c: (float(r) if isinstance(r, int) else r)
        for c, r in zip(fx_ccy, fx_rate, strict=True)
        if not _blank(c) and not (c == model_ccy and r == 1)
    })
    if "scenario" in wb.defined_names:
        data["scenarios"] = _scenarios_dict(wb)
    if "sensitivity" in data:
        data["sensitivity"]["steps"] = grid_rows
    if "valuation" in data and "dfs_nodes" in wb.defined_names:  # the tree's laid-out size
        data["valuation"]["tree_steps"] = len(named_cells(wb, "dfs_nodes")) - 1
    _drop_defaults(data, defaulted)
    data["sources"] = sources
    return data


def _scenarios_dict(wb: Any) -> dict[str, Any]:
    """The ``[scenarios]`` table from the Scenarios sheet: the switch, each scenario's
    description and its non-blank cells (a blank cell is "as in base")."""
    names = [c.value for c in named_cells(wb, "scen_names")][1:]
    descriptions = [c.value for c in named_cells(wb, "scen_desc")]
    paths = [c.value for c in named_cells(wb, "scen_paths")]
    cells = named_cells(wb, "scen_values")
    out: dict[str, Any] = {"active": named_cells(wb, "scenario")[0].value}
    for j, name in enumerate(names):
        table: dict[str, Any] = {}
        if not _blank(descriptions[j]):
            table["description"] = descriptions[j]
        for i, path in enumerate(paths):
            v = cells[i * len(names) + j].value
            if not _blank(v):
                table[str(path)] = v
        out[str(name)] = table
    return out


def _drop_defaults(data: dict[str, Any], defaulted: dict[str, Any]) -> None:
    """Omit compliance inputs that were written from their defaults and still equal them, so a
    report reads back as the case it came from (and a changed premium still moves Ke dual)."""
    from xl_corridor.engine import reference

    comp, cf = data.get("compliance", {}), data.get("cash_flows", {})
    if "comp_years" in defaulted and cf.get("dates") is None and comp.get("years") == len(
            cf.get("values", [])):
        comp.pop("years", None)
    if "comp_rate" in defaulted:
        m, p = data.get("market", {}), data.get("premia", {})
        try:
            kd = (m["rf"] + m["beta"] * m["mrp"] + m.get("country_exposure", 1.0) * p["crp_dual"]
                  + p["lp_dual"])
            if abs(comp.get("discount_rate") - kd) <= 1e-12:
                comp.pop("discount_rate", None)
        except (KeyError, TypeError):
            pass  # the schema reports the bad input
    if "comp_tax" in defaulted:
        jur = comp.get("tax_jurisdiction")
        try:
            default = reference.tax_rate(jur).rate if jur is not None else 0.0
        except CorridorInputError:
            default = None
        if default is not None and comp.get("tax_rate") == default:
            comp.pop("tax_rate", None)


# --- writing the Inputs sheet

#: Blank rows a report's cash-flow table keeps below the case's last period, so a banker can add
#: years in the workbook itself; every sheet's formulas span them.
CF_SPARE_ROWS = 10
#: The row under the cash-flow table: nothing below it is read, and a value typed there is refused.
CF_END_MARK = "End of the cash-flow table: add periods in the blank rows above this line"

#: inputs written with their resolved default when the case omits them
RESOLVED = {"comp_years": "comp_years", "comp_rate": "comp_rate", "comp_tax": "comp_tax"}


def input_value(case: Case, s: Any) -> Any:
    if s.path.startswith("sensitivity."):
        return case_value(case.model_copy(update={"sensitivity": sensitivity(case)}), s.path)
    value = case_value(case, s.path)
    if value is None and s.name in RESOLVED:  # the default as used: horizon, Ke dual, tax
        from xl_corridor.case.evaluate import evaluate

        value = getattr(evaluate(case), RESOLVED[s.name])
    return value


def _scalar_row(wb: Workbook, ws: Worksheet, case: Case, s: Scalar, row: int,
                value: Any, note: str | None = None) -> None:
    put_text(ws, f"A{row}", s.label)
    cell = ws[f"B{row}"]
    if s.kind in ("text", "timing"):
        put_text(ws, cell.coordinate, value)
    else:
        cell.value = value
    cell.font = BLUE
    cell.fill = INPUT_FILL
    cell.number_format = INPUT_FMT[s.kind]
    put_text(ws, f"C{row}", case.deal.units if s.unit == "units" else s.unit)
    put_text(ws, f"D{row}", case.sources.get(s.name) or note)
    put_text(ws, f"E{row}", s.name)
    define(wb, s.name, "Inputs", f"B{row}")


OPTIONAL_TITLES = {
    "sensitivity": "Sensitivity: premia grid and tornado",
    "simulation": "Monte Carlo settings (xl_corridor.montecarlo.simulate_delta_npv)",
    "compliance": "Compliance: cost basis, listing expenses, tax jurisdiction, terminal value",
    "funding": "Dim Sum funding (decimals a year)",
    "parity": "Cross-venue parity: no-arbitrage band costs (decimals of value, per side)",
    "valuation": "Valuation: shares, the offer, and when to list (the DFS timing)",
}


def write_inputs(
    wb: Workbook,
    case: Case,
    *,
    cf_rows: int,
    item_rows: int,
    fx_rows: int,
    with_dates: bool,
    live_defaults: bool = False,
) -> dict[str, str]:
    """Write the Inputs sheet and its defined names; return name -> 'Inputs'!$B$n references.

    The layout is the contract that :func:`xl_corridor.case.load_case` reads back.
    ``live_defaults``: write the inputs of :data:`LIVE_DEFAULTS` the case leaves blank as their
    formula (a report, which defines the cells they read) instead of the value at build.
    """
    ws = wb.create_sheet("Inputs")
    put_text(ws, "A1", "Inputs", TITLE)
    put_text(ws, "A2", "Blue cells are inputs. Rates are decimals shown as %; amounts in "
             f"{case.deal.units}.")
    header(ws, 3, ["Input", "Value", "Unit", "Source / note", "Name"])
    refs: dict[str, str] = {}
    row = 4
    for s in SCALARS:
        value = input_value(case, s)
        note = None
        if s.name in RESOLVED and case_value(case, s.path) is None:
            from xl_corridor.case.evaluate import evaluate

            note = DEFAULT_NOTE + dict(evaluate(case).comp_sources)[
                {"comp_years": "years", "comp_rate": "discount_rate",
                 "comp_tax": "tax_rate"}[s.name]]
        if live_defaults and s.name in LIVE_DEFAULTS and case_value(case, s.path) is None:
            value = LIVE_DEFAULTS[s.name]
        if s.name == "crp_single" and value is None:
            from xl_corridor.case.evaluate import evaluate

            value = evaluate(case).crp_single
        _scalar_row(wb, ws, case, s, row, value, note)
        refs[s.name] = f"Inputs!$B${row}"
        row += 1

    cf = case.cash_flows
    row += 1
    put_text(ws, f"A{row}", f"Cash flows ({case.deal.units})", BOLD)
    row += 1
    header(ws, row, ["Period", "Cash flow", "Date" if with_dates else ""])
    first = row + 1
    for i in range(cf_rows):
        r = first + i
        ws[f"A{r}"] = i + 1
        cell = ws[f"B{r}"]
        cell.value = cf.values[i] if i < len(cf.values) else None
        cell.font, cell.fill, cell.number_format = BLUE, INPUT_FILL, INPUT_FMT["amount"]
        if with_dates:
            dcell = ws[f"C{r}"]
            dcell.value = cf.dates[i] if cf.dates is not None and i < len(cf.dates) else None
            dcell.font, dcell.fill, dcell.number_format = BLUE, INPUT_FILL, FMT["date"]
    last = first + cf_rows - 1
    put_text(ws, f"A{last + 1}", CF_END_MARK, NOTE)
    define(wb, "cash_flows", "Inputs", f"B{first}:B{last}")
    if with_dates:
        define(wb, "cf_dates", "Inputs", f"C{first}:C{last}")
    refs["cash_flows_first"], refs["cash_flows_last"] = str(first), str(last)

    comp = case.compliance
    row = last + 2
    put_text(ws, f"A{row}", "Compliance line items (annual, in each item's currency)", BOLD)
    row += 1
    header(ws, row, ["Line item", "Amount", "Currency", "Incremental (TRUE: only because of "
                     "the dual listing; FALSE: baseline, not in C)"])
    first = row + 1
    for i in range(item_rows):
        r = first + i
        item = comp.items[i] if i < len(comp.items) else None
        for col, value, fmt in (("A", item and item.label, "text"),
                                ("B", item and item.amount, "amount"),
                                ("C", item and item.currency, "text"),
                                ("D", None if item is None else item.incremental, "bool")):
            cell = ws[f"{col}{r}"]
            if fmt == "text":
                put_text(ws, cell.coordinate, value)
            else:
                cell.value = value
            cell.font, cell.fill, cell.number_format = BLUE, INPUT_FILL, INPUT_FMT[fmt]
    last = first + item_rows - 1
    define(wb, "comp_labels", "Inputs", f"A{first}:A{last}")
    define(wb, "comp_amounts", "Inputs", f"B{first}:B{last}")
    define(wb, "comp_ccy", "Inputs", f"C{first}:C{last}")
    define(wb, "comp_incremental", "Inputs", f"D{first}:D{last}")
    refs["items_first"], refs["items_last"] = str(first), str(last)

    row = last + 2
    put_text(ws, f"A{row}", f"FX rates ({case.deal.currency} per unit of currency)", BOLD)
    row += 1
    header(ws, row, ["Currency", "Rate"])
    first = row + 1
    fx = list(case.fx.items())
    for i in range(fx_rows):
        r = first + i
        ccy, rate = fx[i] if i < len(fx) else (None, None)
        put_text(ws, f"A{r}", ccy)
        ws[f"B{r}"] = rate
        for col in "AB":
            ws[f"{col}{r}"].font, ws[f"{col}{r}"].fill = BLUE, INPUT_FILL
        ws[f"B{r}"].number_format = "0.000000"
    last = first + fx_rows - 1
    define(wb, "fx_ccy", "Inputs", f"A{first}:A{last}")
    define(wb, "fx_rate", "Inputs", f"B{first}:B{last}")

    # Optional analytics inputs, after every fixed block so that those never move.
    row = last + 2
    for group, scalars in OPTIONAL_SCALARS.items():
        if group != "sensitivity" and getattr(case, group) is None:
            continue
        put_text(ws, f"A{row}", OPTIONAL_TITLES[group], BOLD)
        row += 1
        for s in scalars:
            _scalar_row(wb, ws, case, s, row, input_value(case, s))
            refs[s.name] = f"Inputs!$B${row}"
            row += 1
        row += 1

    for col, width in zip("ABCDE", (44, 16, 12, 70, 20), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B4")
    return refs




# --- the cells a user may edit

#: Defined names of the input ranges (besides the scalars): cash flows, their dates, the
#: compliance line items, the FX table and the daily parity sample.
INPUT_RANGES: tuple[str, ...] = ("cash_flows", "cf_dates", "comp_labels", "comp_amounts",
                                 "comp_ccy", "fx_ccy", "fx_rate", *PARITY_COLUMNS,
                                 "scenario", "scen_desc", "scen_values")


def input_cells(wb: Any) -> frozenset[str]:
    """Every cell a user may edit, as ``Sheet!A1``: the one place that defines that set.

    The value cell of each scalar input (its defined name) and its "Source / note" cell two
    columns to the right (read back as ``sources``), and every cell of the input ranges
    (:data:`INPUT_RANGES`). Only names that ``wb`` defines count, so call it on the workbook
    the builder wrote, not on a file from outside (whose names could have been redirected).
    """
    from openpyxl.utils.cell import range_boundaries

    cells: set[str] = set()
    scalar_names = {s.name for s in ALL_SCALARS}
    for name in (*scalar_names, *INPUT_RANGES):
        dn = wb.defined_names.get(name)
        if dn is None:
            continue
        for sheet, ref in dn.destinations:
            c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
            assert c1 is not None and r1 is not None and c2 is not None and r2 is not None
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    cells.add(f"{sheet}!{get_column_letter(c)}{r}")
                    if name in scalar_names:
                        cells.add(f"{sheet}!{get_column_letter(c + 2)}{r}")
    return frozenset(cells)


def _normal(v: Any) -> str:
    if isinstance(v, bool):
        return repr(v)
    if isinstance(v, int | float):  # 15 digits: openpyxl writes floats with fewer than repr
        return repr(float(f"{float(v):.15g}"))
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str) and not v.strip():
        return "None"
    return repr(v)


def inputs_fingerprint(wb: Any, cells: frozenset[str] | None = None) -> str:
    """SHA-256 of the values of the input cells (:func:`input_cells` of ``wb`` unless given).

    Numbers compare as floats, midnight datetimes as dates and blank text as empty, so a
    workbook re-saved by Excel or openpyxl keeps its fingerprint while its inputs are unchanged.
    """
    import hashlib

    digest = hashlib.sha256()
    for ref in sorted(cells if cells is not None else input_cells(wb)):
        sheet, coord = ref.split("!")
        value = wb[sheet][coord].value if sheet in wb.sheetnames else None
        digest.update(f"{ref}={_normal(value)}\n".encode())
    return digest.hexdigest()
