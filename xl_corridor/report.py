"""Report workbooks: each deterministic quantity a native Excel formula, engine values beside.

``build_report(case, path)`` writes a workbook that recalculates in any spreadsheet with no add-in.
Each formula cell also carries the engine's value as its cached result, so readers that do not
calculate (pandas, openpyxl ``data_only``) see numbers; the Checks sheet stores the engine's
values as plain numbers beside live formulas and an ``ABS(a-b)`` test. Sheets: Summary, Inputs,
Ke, CashFlows, Compliance, Capital, Listing, Sensitivity, Checks.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor import reference
from xl_corridor.case import Case, Evaluation, evaluate, load_case, sensitivity
from xl_corridor.template import (
    BLACK,
    BOLD,
    FMT,
    GREEN,
    REPORT_KIND,
    TITLE,
    TOLERANCE,
    define,
    header,
    print_setup,
    put_text,
    save_workbook,
    write_inputs,
)

__all__ = ["ReportResult", "build_report", "plan_report"]


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote and decided (amounts in ``units``)."""

    path: Path
    decision: str
    delta_npv: float
    units: str
    evaluation: Evaluation


@dataclass
class Plan:
    """A report workbook in memory with the value every cell should hold.

    ``cached``: sheet -> cell -> the engine's value for each formula cell.
    ``stamped``: sheet -> cell -> engine values stored as plain values (Checks, Listing path).
    """

    wb: Workbook
    evaluation: Evaluation
    cached: dict[str, dict[str, Any]] = field(default_factory=dict)
    stamped: dict[str, dict[str, Any]] = field(default_factory=dict)

    def formula(self, ws: Worksheet, ref: str, formula: str, value: Any, fmt: str | None = None,
                font: Any = BLACK) -> None:
        cell = ws[ref]
        cell.value = formula
        cell.font = font
        if fmt:
            cell.number_format = FMT.get(fmt, fmt)
        self.cached.setdefault(ws.title, {})[ref] = _plain(value)

    def stamp(self, ws: Worksheet, ref: str, value: Any, fmt: str | None = None) -> None:
        if isinstance(value, str):
            put_text(ws, ref, value)
        else:
            ws[ref] = value
        if fmt:
            ws[ref].number_format = FMT.get(fmt, fmt)
        self.stamped.setdefault(ws.title, {})[ref] = _plain(value)


def _plain(v: Any) -> Any:
    if isinstance(v, (np.floating, np.integer)):
        return float(v)
    return v


def _label(ws: Worksheet, row: int, text: str, col: str = "A") -> None:
    put_text(ws, f"{col}{row}", text)


def _ke_sheet(p: Plan, case: Case) -> None:
    ev, m, pr = p.evaluation, case.market, case.premia
    ws = p.wb.create_sheet("Ke")
    put_text(ws, "A1", "Cost of equity build-up: Ke = Rf + beta x MRP + lambda x CRP + LP", TITLE)
    header(ws, 3, ["Component", "Single listing", "Dual listing"])
    comps = [
        ("Risk-free rate", "=rf", "=rf", m.rf, m.rf),
        ("Beta x mature-market ERP", "=beta*mrp", "=beta*mrp", m.beta * m.mrp, m.beta * m.mrp),
        ("Lambda x country risk premium", "=country_exposure*crp_single",
         "=country_exposure*crp_dual", m.country_exposure * ev.crp_single,
         m.country_exposure * pr.crp_dual),
        ("Liquidity premium", "=lp_single", "=lp_dual", pr.lp_single, pr.lp_dual),
    ]
    for i, (label, fs, fd, vs, vd) in enumerate(comps):
        row = 4 + i
        _label(ws, row, label)
        p.formula(ws, f"B{row}", fs, vs, "rate", GREEN)
        p.formula(ws, f"C{row}", fd, vd, "rate", GREEN)
    _label(ws, 8, "Cost of equity Ke")
    ws["A8"].font = BOLD
    p.formula(ws, "B8", "=SUM(B4:B7)", ev.ke_single, "rate")
    p.formula(ws, "C8", "=SUM(C4:C7)", ev.ke_dual, "rate")
    define(p.wb, "ke_single", "Ke", "B8")
    define(p.wb, "ke_dual", "Ke", "C8")
    _label(ws, 10, "Change in Ke from the dual listing")
    p.formula(ws, "C10", "=C8-B8", ev.ke_dual - ev.ke_single, "rate")
    vintage = reference.damodaran().vintage
    put_text(ws, "A12", f"Country risk premia: Damodaran country risk dataset dated {vintage}; "
             "see the Inputs sheet for each source.")
    for col, width in zip("ABC", (40, 16, 16), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B4")


def _cash_flow_sheet(p: Plan, case: Case, refs: Mapping[str, str]) -> tuple[int, int]:
    ev, cf = p.evaluation, case.cash_flows
    ws = p.wb.create_sheet("CashFlows")
    put_text(ws, "A1", f"Cash flows and discounting ({case.deal.units})", TITLE)
    dated = cf.dates is not None
    if dated:
        put_text(ws, "A3", "Dated cash flows: discounted like Excel XNPV, (1+k)^-((d-d1)/365)")
        shift = 0.0
    else:
        _label(ws, 3, "Timing")
        p.formula(ws, "B3", "=timing", cf.timing, "text", GREEN)
        _label(ws, 3, "Period shift", "C")
        shift = {"end": 0.0, "mid": 0.5, "begin": 1.0}[cf.timing]
        p.formula(ws, "D3", '=IF(timing="mid",0.5,IF(timing="begin",1,0))', shift, "number")
        define(p.wb, "timing_shift", "CashFlows", "D3")
    header(ws, 5, ["Period", "Date", "Cash flow", "Exponent t", "DF single", "DF dual",
                   "PV single", "PV dual"])
    values = np.asarray(cf.values, dtype=float)
    n = len(values)
    periods = np.arange(1, n + 1, dtype=float)
    if dated:
        assert cf.dates is not None
        t = np.array([(d - cf.dates[0]).days / 365.0 for d in cf.dates])
    else:
        t = periods - shift
    first, src = 6, int(refs["cash_flows_first"])
    for i in range(n):
        r = first + i
        ws[f"A{r}"] = i + 1
        if dated:
            assert cf.dates is not None
            serial = (cf.dates[i] - dt.date(1899, 12, 30)).days  # Excel's 1900 date system
            p.formula(ws, f"B{r}", f"=Inputs!C{src + i}", float(serial), "date", GREEN)
            p.formula(ws, f"D{r}", f"=(B{r}-$B${first})/365", t[i], "df")
        else:
            p.formula(ws, f"D{r}", f"=A{r}-timing_shift", t[i], "number")
        p.formula(ws, f"C{r}", f"=Inputs!B{src + i}", values[i], "amount", GREEN)
        dfs, dfd = (1 + ev.ke_single) ** -t[i], (1 + ev.ke_dual) ** -t[i]
        p.formula(ws, f"E{r}", f"=1/(1+ke_single)^D{r}", dfs, "df")
        p.formula(ws, f"F{r}", f"=1/(1+ke_dual)^D{r}", dfd, "df")
        p.formula(ws, f"G{r}", f"=C{r}*E{r}", values[i] * dfs, "amount")
        p.formula(ws, f"H{r}", f"=C{r}*F{r}", values[i] * dfd, "amount")
    last = first + n - 1
    tot = last + 1
    _label(ws, tot, "Present value")
    ws[f"A{tot}"].font = BOLD
    p.formula(ws, f"G{tot}", f"=SUM(G{first}:G{last})", ev.pv_single, "amount")
    p.formula(ws, f"H{tot}", f"=SUM(H{first}:H{last})", ev.pv_dual, "amount")
    define(p.wb, "pv_single", "CashFlows", f"G{tot}")
    define(p.wb, "pv_dual", "CashFlows", f"H{tot}")
    put_text(ws, f"A{tot + 2}", "Cash flows are as given in the case file; the built-in example's "
             "are ILLUSTRATIVE, not a forecast.")
    for col, width in zip("ABCDEFGH", (10, 12, 14, 12, 12, 12, 14, 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.column_dimensions["A"].width = 14
    print_setup(ws, "B6", landscape=True)
    return first, last


def _compliance_sheet(p: Plan, case: Case, refs: Mapping[str, str]) -> None:
    from xl_corridor import compliance

    ev, c = p.evaluation, case.compliance
    fx = case.fx
    ws = p.wb.create_sheet("Compliance")
    put_text(ws, "A1", f"Dual-listing compliance cost ({case.deal.units})", TITLE)
    header(ws, 3, ["Line item", "Currency", "Amount", "FX to model currency",
                   "Model-currency amount"])
    src = int(refs["items_first"])
    first = 4
    for i, item in enumerate(c.items):
        r, s = first + i, src + i
        rate = fx[item.currency]
        p.formula(ws, f"A{r}", f"=Inputs!A{s}", item.label, None, GREEN)
        p.formula(ws, f"B{r}", f"=Inputs!C{s}", item.currency, None, GREEN)
        p.formula(ws, f"C{r}", f"=Inputs!B{s}", item.amount, "amount", GREEN)
        p.formula(ws, f"D{r}", f"=INDEX(fx_rate,MATCH(B{r},fx_ccy,0))", rate, "0.000000")
        p.formula(ws, f"E{r}", f"=C{r}*D{r}", item.amount * rate, "amount")
    last = first + len(c.items) - 1
    row = last + 1
    _label(ws, row, "Annual cost A")
    p.formula(ws, f"E{row}", f"=SUM(E{first}:E{last})", ev.annual_cost, "amount")
    define(p.wb, "annual_cost", "Compliance", f"E{row}")
    factor = compliance.growing_annuity_factor(c.years, c.discount_rate, c.growth)
    params = [
        ("Years", "=comp_years", c.years, "int"),
        ("Discount rate", "=comp_rate", c.discount_rate, "rate"),
        ("Growth", "=comp_growth", c.growth, "rate"),
        ("Growing-annuity factor: sum (1+g)^(t-1)/(1+r)^t (n/(1+r) when g = r)",
         "=IF(comp_growth=comp_rate,comp_years/(1+comp_rate),"
         "(1-((1+comp_growth)/(1+comp_rate))^comp_years)/(comp_rate-comp_growth))", factor, "df"),
        ("PV of recurring cost", "", ev.annual_cost * factor, "amount"),
        ("One-off cost", "=comp_one_off", c.one_off, "amount"),
        ("Tax relief rate", "=comp_tax", c.tax_rate, "rate"),
        ("Capitalized compliance cost", "", ev.compliance_cost, "amount"),
    ]
    row += 2
    at: dict[str, int] = {}
    for label, formula, value, fmt in params:
        at[label.split(":")[0]] = row
        _label(ws, row, label)
        if label == "PV of recurring cost":
            formula = f"=annual_cost*E{at['Growing-annuity factor']}"
        elif label == "Capitalized compliance cost":
            formula = (f"=E{at['One-off cost']}+E{at['PV of recurring cost']}"
                       f"*(1-E{at['Tax relief rate']})")
            ws[f"A{row}"].font = BOLD
        p.formula(ws, f"E{row}", formula, value, fmt,
                  GREEN if formula.count("(") == 0 else BLACK)
        row += 1
    define(p.wb, "compliance_cost", "Compliance", f"E{row - 1}")
    for col, width in zip("ABCDE", (60, 10, 12, 20, 22), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "A4", landscape=True)


def _capital_sheet(p: Plan, case: Case) -> None:
    cap, ev = case.capital, p.evaluation
    ws = p.wb.create_sheet("Capital")
    put_text(ws, "A1", f"Pre-production capital I_total ({case.deal.units})", TITLE)
    header(ws, 3, ["Component", "Amount"])
    parts = [("Exploration", "capex_exploration", cap.exploration),
             ("Feasibility", "capex_feasibility", cap.feasibility),
             ("Infrastructure", "capex_infrastructure", cap.infrastructure),
             ("Regulatory", "capex_regulatory", cap.regulatory)]
    for i, (label, name, value) in enumerate(parts):
        _label(ws, 4 + i, label)
        p.formula(ws, f"B{4 + i}", f"={name}", value, "amount", GREEN)
    subtotal = cap.exploration + cap.feasibility + cap.infrastructure + cap.regulatory
    _label(ws, 8, "Subtotal")
    p.formula(ws, "B8", "=SUM(B4:B7)", subtotal, "amount")
    _label(ws, 9, "Contingency")
    p.formula(ws, "B9", "=capex_contingency", cap.contingency, "rate", GREEN)
    _label(ws, 10, "I_total = subtotal x (1 + contingency)")
    ws["A10"].font = BOLD
    p.formula(ws, "B10", "=B8*(1+B9)", ev.capex, "amount")
    define(p.wb, "capex", "Capital", "B10")
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 16
    print_setup(ws, "B4")


def _listing_sheet(p: Plan, case: Case) -> None:
    lst, ev = case.listing, p.evaluation
    ws = p.wb.create_sheet("Listing")
    put_text(ws, "A1", "Reserve verification and listing path (HKEX Chapter 18)", TITLE)
    for i, (label, name, value) in enumerate((
            ("Reporting code", "reporting_code", lst.reporting_code),
            ("Highest resource category", "resource_category", lst.resource_category),
            ("DFS complete", "dfs_complete", lst.dfs_complete))):
        _label(ws, 3 + i, label)
        p.formula(ws, f"B{3 + i}", f"={name}", value, None, GREEN)
    _label(ws, 7, "Recommended path")
    ws["A7"].font = BOLD
    p.stamp(ws, "B7", ev.listing_path)
    define(p.wb, "listing_path", "Listing", "B7")
    put_text(ws, "A8", "Engine output (xl_corridor.listing.listing_path), stored as a value: the "
             "rule table lives in the engine's data files, not in Excel formulas.")
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 110
    print_setup(ws, None, landscape=True)


def _sensitivity_sheet(p: Plan, case: Case, cf_first: int, cf_last: int) -> None:
    ev = p.evaluation
    sens = sensitivity(case)
    n = sens.steps
    ws = p.wb.create_sheet("Sensitivity")
    put_text(ws, "A1", f"Delta NPV ({case.deal.units}): rows Ke dual, columns compliance cost",
             TITLE)
    cols = [chr(ord("C") + j) for j in range(n)]
    put_text(ws, "B4", "Ke dual \\ cost", BOLD)
    for j, col in enumerate(cols):
        p.formula(ws, f"{col}4", f"=sens_cost_lo+(sens_cost_hi-sens_cost_lo)*{j}/{n - 1}",
                  ev.sens_cost[j], "amount", GREEN)
    t_rng = f"CashFlows!$D${cf_first}:$D${cf_last}"
    c_rng = f"CashFlows!$C${cf_first}:$C${cf_last}"
    for i in range(n):
        r = 5 + i
        p.formula(ws, f"B{r}", f"=sens_ke_lo+(sens_ke_hi-sens_ke_lo)*{i}/{n - 1}",
                  ev.sens_ke[i], "rate", GREEN)
        for j, col in enumerate(cols):
            p.formula(ws, f"{col}{r}",
                      f"=SUMPRODUCT({c_rng}/(1+$B{r})^{t_rng})-pv_single-{col}$4",
                      ev.sens_grid[i][j], "amount")
    define(p.wb, "sens_grid", "Sensitivity", f"C5:{cols[-1]}{4 + n}")
    ws.column_dimensions["B"].width = 16
    print_setup(ws, "C5", landscape=True)


CHECKS = [
    ("Ke single", "ke_single", "ke_single", "xl_corridor.rates.cost_of_equity"),
    ("Ke dual", "ke_dual", "ke_dual", "xl_corridor.rates.cost_of_equity"),
    ("PV at Ke single", "pv_single", "pv_single", "xl_corridor.discounting.npv / xnpv"),
    ("PV at Ke dual", "pv_dual", "pv_dual", "xl_corridor.discounting.npv / xnpv"),
    ("Capitalized compliance cost", "compliance_cost", "compliance_cost",
     "xl_corridor.compliance.compliance_cost"),
    ("Delta NPV", "delta_npv", "delta_npv", "xl_corridor.discounting.dual_npv / dual_xnpv"),
    ("Break-even compliance cost", "breakeven_cost", "breakeven_cost",
     "xl_corridor.discounting.breakeven_cost"),
    ("Pre-production capital", "capex", "capex", "xl_corridor.capital.preproduction_capital"),
]


def _checks_sheet(p: Plan, case: Case) -> None:
    ev = p.evaluation
    ws = p.wb.create_sheet("Checks")
    put_text(ws, "A1", "Checks: live formulas against the Python engine's values", TITLE)
    _label(ws, 3, "Tolerance (relative)")
    ws["B3"] = TOLERANCE
    ws["B3"].number_format = "0.0E+00"
    define(p.wb, "tol", "Checks", "B3")
    header(ws, 5, ["Quantity", "Live formula", "Engine value", "Difference", "OK", "Engine"])
    row = 6
    sens = sensitivity(case)
    n = sens.steps
    last_col = chr(ord("C") + n - 1)
    rows: list[tuple[str, str, Any, str]] = [
        (label, f"={name}", getattr(ev, attr), src) for label, name, attr, src in CHECKS]
    rows += [
        ("Sensitivity, first cell", "=Sensitivity!C5", ev.sens_grid[0][0],
         "xl_corridor.discounting.dual_npv (broadcast)"),
        ("Sensitivity, last cell", f"=Sensitivity!{last_col}{4 + n}", ev.sens_grid[-1][-1],
         "xl_corridor.discounting.dual_npv (broadcast)"),
    ]
    for label, formula, value, src in rows:
        _label(ws, row, label)
        p.formula(ws, f"B{row}", formula, value, "0.000000000000", GREEN)
        p.stamp(ws, f"C{row}", value, "0.000000000000")
        p.formula(ws, f"D{row}", f"=B{row}-C{row}", 0.0, "0.0E+00")
        p.formula(ws, f"E{row}", f"=ABS(B{row}-C{row})<=tol*MAX(1,ABS(C{row}))", True)
        put_text(ws, f"F{row}", src)
        row += 1
    _label(ws, row, "Decision")
    p.formula(ws, f"B{row}", "=decision", ev.decision, None, GREEN)
    p.stamp(ws, f"C{row}", ev.decision)
    p.formula(ws, f"E{row}", f"=B{row}=C{row}", True)
    put_text(ws, f"F{row}", "Delta NPV > 0")
    row += 2
    _label(ws, row, "All checks pass")
    ws[f"A{row}"].font = BOLD
    p.formula(ws, f"E{row}", f"=AND(E6:E{row - 2})", True)
    define(p.wb, "checks_ok", "Checks", f"E{row}")
    for col, width in zip("ABCDEF", (30, 22, 22, 12, 8, 46), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B6", landscape=True)


def _summary_sheet(p: Plan, case: Case) -> None:
    ev = p.evaluation
    ws = p.wb["Summary"]
    put_text(ws, "A1", "HKEX + AIX dual listing: decision", TITLE)
    put_text(ws, "A2", case.deal.name, BOLD)
    put_text(ws, "A3", case.deal.issuer)
    put_text(ws, "A4", f"Amounts in {case.deal.units}; rates as %. Valuation date "
             f"{case.deal.valuation_date.isoformat()}.")
    header(ws, 6, ["Item", "Value", "Note"])
    rows: list[tuple[str, str | None, Any, str, str]] = [
        ("Decision", '=IF(delta_npv>0,"PROCEED","DO NOT PROCEED")', ev.decision, "text",
         "Proceed with the dual listing only if Delta NPV > 0"),
        ("Delta NPV", "=pv_dual-pv_single-compliance_cost", ev.delta_npv, "amount",
         "PV at Ke dual - PV at Ke single - compliance cost"),
        ("Ke, single listing (AIX only)", "=ke_single", ev.ke_single, "rate", ""),
        ("Ke, dual listing (HKEX + AIX)", "=ke_dual", ev.ke_dual, "rate", ""),
        ("Ke reduction", "=ke_single-ke_dual", ev.ke_single - ev.ke_dual, "rate",
         "Lower country and liquidity premia"),
        ("PV of cash flows at Ke single", "=pv_single", ev.pv_single, "amount", ""),
        ("PV of cash flows at Ke dual", "=pv_dual", ev.pv_dual, "amount", ""),
        ("Value of the lower Ke (break-even compliance cost)", "=pv_dual-pv_single",
         ev.breakeven_cost, "amount", "The most the dual listing may cost"),
        ("Capitalized compliance cost", "=compliance_cost", ev.compliance_cost, "amount", ""),
        ("Break-even Ke dual", None, ev.breakeven_ke, "rate",
         "Engine value (xl_corridor.discounting.breakeven_ke)"),
        ("Pre-production capital I_total", "=capex", ev.capex, "amount", ""),
        ("Recommended listing path", "=listing_path", ev.listing_path, "text", ""),
    ]
    for i, (label, formula, value, fmt, note) in enumerate(rows):
        r = 7 + i
        _label(ws, r, label)
        if formula is None:
            if value is None:
                put_text(ws, f"B{r}", "n/a")
            else:
                p.stamp(ws, f"B{r}", value, fmt)
        else:
            p.formula(ws, f"B{r}", formula, value, fmt, BOLD if i < 2 else GREEN)
        put_text(ws, f"C{r}", note)
    define(p.wb, "decision", "Summary", "B7")
    define(p.wb, "delta_npv", "Summary", "B8")
    define(p.wb, "breakeven_cost", "Summary", "B14")
    r = 7 + len(rows) + 1
    put_text(ws, f"A{r}", "Cash flows, compliance line items and premia are those of the case "
             "file; in the built-in example they are ILLUSTRATIVE assumptions, not forecasts.")
    put_text(ws, f"A{r + 1}", f"Country risk premia: Damodaran dataset dated "
             f"{reference.damodaran().vintage}. Checks sheet: live formulas vs the engine.")

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Cost of equity build-up"
    chart.y_axis.title = "Ke"
    chart.y_axis.numFmt = "0%"
    ke = p.wb["Ke"]
    chart.add_data(Reference(ke, min_col=1, max_col=3, min_row=4, max_row=7), from_rows=True,
                   titles_from_data=True)
    chart.set_categories(Reference(ke, min_col=2, max_col=3, min_row=3, max_row=3))
    chart.height, chart.width = 8, 14
    ws.add_chart(chart, f"A{r + 3}")
    for col, width in zip("ABC", (50, 22, 50), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "A7", landscape=True)


def plan_report(case: Case) -> Plan:
    """Lay out a report in memory with the value each cell must hold (no file written)."""
    wb = Workbook()
    wb.active.title = "Summary"
    p = Plan(wb=wb, evaluation=evaluate(case))
    cf = case.cash_flows
    refs = write_inputs(wb, case, cf_rows=len(cf.values), item_rows=len(case.compliance.items),
                        fx_rows=len(case.fx), with_dates=cf.dates is not None)
    _ke_sheet(p, case)
    first, last = _cash_flow_sheet(p, case, refs)
    define(wb, "cash_flows_model", "CashFlows", f"C{first}:C{last}")
    _compliance_sheet(p, case, refs)
    _capital_sheet(p, case)
    _listing_sheet(p, case)
    _sensitivity_sheet(p, case, first, last)
    _checks_sheet(p, case)
    _summary_sheet(p, case)
    return p


def build_report(case: Case | str | os.PathLike[str] | Mapping[str, Any],
                 path: str | os.PathLike[str]) -> ReportResult:
    """Write a report workbook for a case.

    Parameters
    ----------
    case : Case, path or mapping
        A loaded case, or anything :func:`xl_corridor.case.load_case` accepts.
    path : path
        Where to write the ``.xlsx`` (atomically: a temporary file in the same folder, then
        renamed).

    Returns
    -------
    ReportResult
        The decision, Delta NPV (in the case's units) and the written path.

    Raises
    ------
    CaseError
        If the case is invalid; nothing is written.
    """
    if not isinstance(case, Case):
        case = load_case(case if isinstance(case, Mapping) else str(case))
    plan = plan_report(case)
    out = save_workbook(plan.wb, path, kind=REPORT_KIND, cached=plan.cached)
    ev = plan.evaluation
    return ReportResult(path=out, decision=ev.decision, delta_npv=ev.delta_npv,
                        units=case.deal.units, evaluation=ev)
