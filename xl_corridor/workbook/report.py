"""Report workbooks: each deterministic quantity a native Excel formula, engine values beside.

``build_report(case, path)`` writes a workbook that recalculates in any spreadsheet with no add-in.
Each formula cell also carries the engine's value as its cached result, so readers that do not
calculate (pandas, openpyxl ``data_only``) see numbers; the Checks sheet stores the engine's
values as plain numbers beside live formulas and an ``ABS(a-b)`` test. Sheets: Summary, Inputs,
Ke, CashFlows, Compliance, Capital, Listing, Sensitivity (Ke x cost and premia grids, break-evens),
Tornado, then, when the case has the section, MonteCarlo (simulation output stored as values,
stamped with seed and path count), Parity and Funding; Checks last.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.axis import DateAxis
from openpyxl.chart.marker import DataPoint
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.case import Case, load_case
from xl_corridor.case.evaluate import (
    TORNADO_INPUTS,
    Analytics,
    Evaluation,
    analyze,
    dated_flows,
    evaluate,
    sensitivity,
    tornado_base,
)
from xl_corridor.engine import discounting, parity
from xl_corridor.engine._checks import TIMING_SHIFTS
from xl_corridor.engine.discounting import DAYS_PER_YEAR
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook import rules
from xl_corridor.workbook import scenarios_sheet as scen_sheet
from xl_corridor.workbook import valuation_sheet as val_sheet
from xl_corridor.workbook.drivers_block import drivers_block
from xl_corridor.workbook.fingerprint import STALE, write_fingerprint
from xl_corridor.workbook.inputs import (
    CF_SPARE_ROWS,
    LIVE_DEFAULTS,
    PARITY_COLUMNS,
    named_cells,
    write_inputs,
)
from xl_corridor.workbook.marks import EXCEL_EPOCH, REPORT_KIND, TOLERANCE
from xl_corridor.workbook.save import save_workbook
from xl_corridor.workbook.styles import (
    BAD_FILL,
    BIG,
    BLACK,
    BLUE,
    BOLD,
    FMT,
    GOOD_FILL,
    GREEN,
    HEADER_FILL,
    INPUT_FILL,
    NOTE,
    SUBTITLE,
    TITLE,
    WAIT_FILL,
    box,
    define,
    font,
    gridlines_off,
    header,
    print_setup,
    properties,
    put_text,
    shade_negative,
    stacked_columns,
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
    analytics: Analytics


@dataclass
class Plan:
    """A report workbook in memory with the value every cell should hold.

    ``cached``: sheet -> cell -> the engine's value for each formula cell.
    ``stamped``: sheet -> cell -> engine values stored as plain values (snapshots of the build's
    inputs: Checks' engine column, the Monte Carlo, the inputs at build).
    ``snapshot``: sheet -> cells whose value depends on a snapshot (the stamped cells and the
    formulas comparing with them): once the inputs are edited they say STALE, by design.
    """

    wb: Workbook
    evaluation: Evaluation
    analytics: Analytics
    cached: dict[str, dict[str, Any]] = field(default_factory=dict)
    stamped: dict[str, dict[str, Any]] = field(default_factory=dict)
    snapshot: dict[str, set[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # where the builders put things
    premia_corners: tuple[float, float] = (0.0, 0.0)  # the premia grid's engine corners
    # with [scenarios]: the case as written (the Inputs sheet's base values, the scenarios),
    # the Scenarios sheet's fingerprint rows and in-use names; the sheets get the scenario in use
    base: Case | None = None
    scenario_marks: dict[str, Any] = field(default_factory=dict)

    def formula(self, ws: Worksheet, ref: str, formula: str, value: Any, fmt: str | None = None,
                font: Any = BLACK, *, snapshot: bool = False) -> None:
        cell = ws[ref]
        cell.value = formula
        cell.font = font
        if fmt:
            cell.number_format = FMT.get(fmt, fmt)
        self.cached.setdefault(ws.title, {})[ref] = _plain(value)
        if snapshot or "inputs_edited" in formula:
            self.snapshot.setdefault(ws.title, set()).add(ref)

    def stamp(self, ws: Worksheet, ref: str, value: Any, fmt: str | None = None) -> None:
        if isinstance(value, str):
            put_text(ws, ref, value)
        else:
            ws[ref] = value
        if fmt:
            ws[ref].number_format = FMT.get(fmt, fmt)
        self.stamped.setdefault(ws.title, {})[ref] = _plain(value)
        self.snapshot.setdefault(ws.title, set()).add(ref)


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
    vintage = ev.damodaran_vintage
    put_text(ws, "A12", f"Country risk premia: Damodaran country risk dataset dated {vintage}; "
             "see the Inputs sheet for each source.")
    if ev.damodaran_note:
        put_text(ws, "A13", f"WARNING: {ev.damodaran_note}")
    for col, width in zip("ABC", (40, 16, 16), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B4")


def _scaled(p: Plan, scale: str) -> str:
    """``*cash_flow_scale`` (or ``*compliance_scale``) when a scenario uses that scale."""
    return f"*{scale}" if scale in p.wb.defined_names else ""


def _cash_flow_sheet(p: Plan, case: Case, refs: Mapping[str, str]) -> tuple[int, int]:
    """The discounting table, one row per row of the Inputs cash-flow table (its spare rows
    included, so a year added there counts), and the break-even Ke dual solved natively."""
    ev, cf = p.evaluation, case.cash_flows
    ws = p.wb.create_sheet("CashFlows")
    put_text(ws, "A1", f"Cash flows and discounting ({case.deal.units})", TITLE)
    dated = cf.dates is not None
    if dated:
        put_text(ws, "A3", "Dated cash flows: discounted like Excel XNPV from the valuation date, "
                 "(1+k)^-((d - valuation date)/365)")
        shift = 0.0
    else:
        _label(ws, 3, "Timing")
        p.formula(ws, "B3", "=timing", cf.timing, "text", GREEN)
        _label(ws, 3, "Period shift", "C")
        shift = TIMING_SHIFTS[cf.timing]
        p.formula(ws, "D3", "=" + fx.TIMING_SHIFT, shift, "number")
        define(p.wb, "timing_shift", "CashFlows", "D3")
    header(ws, 5, ["Period", "Date", "Cash flow", "Exponent t", "DF single", "DF dual",
                   "PV single", "PV dual"])
    rows = int(refs["cash_flows_last"]) - int(refs["cash_flows_first"]) + 1
    values = np.zeros(rows)
    values[: len(cf.values)] = cf.values
    if dated:
        assert cf.dates is not None
        origin = case.deal.valuation_date
        serials = [float((d - EXCEL_EPOCH).days) for d in cf.dates] + [0.0] * (rows - len(cf.dates))
        t = np.array([(d - origin).days / DAYS_PER_YEAR for d in cf.dates]
                     + [0.0] * (rows - len(cf.dates)))
    else:
        t = np.arange(1, rows + 1, dtype=float) - shift
    first, src = 6, int(refs["cash_flows_first"])
    for i in range(rows):
        r = first + i
        ws[f"A{r}"] = i + 1
        if dated:
            date = f"Inputs!C{src + i}"
            p.formula(ws, f"B{r}", f'=IF({date}="","",{date})', serials[i] or "", "date", GREEN)
            p.formula(ws, f"D{r}", f'=IF(B{r}="",0,{fx.year_fraction(f"B{r}", "valuation_date")})',
                      t[i], "df")
        else:
            p.formula(ws, f"D{r}", f"=A{r}-timing_shift", t[i], "number")
        p.formula(ws, f"C{r}", f"=Inputs!B{src + i}" + _scaled(p, "cash_flow_scale"), values[i],
                  "amount", GREEN)
        dfs, dfd = (1 + ev.ke_single) ** -t[i], (1 + ev.ke_dual) ** -t[i]
        p.formula(ws, f"E{r}", "=" + fx.discount_factor("ke_single", f"D{r}"), dfs, "df")
        p.formula(ws, f"F{r}", "=" + fx.discount_factor("ke_dual", f"D{r}"), dfd, "df")
        p.formula(ws, f"G{r}", f"=C{r}*E{r}", values[i] * dfs, "amount")
        p.formula(ws, f"H{r}", f"=C{r}*F{r}", values[i] * dfd, "amount")
    last = first + rows - 1
    # Gordon terminal value after the last cash flow in the table (found live, so a year typed
    # into a spare row moves it), discounted like that flow; 0 when terminal_growth is blank
    n = len(cf.values)
    tv_row = last + 1
    _label(ws, tv_row, "Terminal value after the last period (Gordon growth; 0 without one)")
    p.formula(ws, f"B{tv_row}", "=SUMPRODUCT(MAX((cash_flows<>\"\")*(ROW(cash_flows)"
              "-MIN(ROW(cash_flows))+1)))", float(n), "0")
    p.formula(ws, f"C{tv_row}", f"=INDEX(C{first}:C{last},B{tv_row})", float(values[n - 1]),
              "amount")
    p.formula(ws, f"D{tv_row}", f"=INDEX(D{first}:D{last},B{tv_row})", float(t[n - 1]), "df")
    tg = cf.terminal_growth
    for col, k in (("G", ev.ke_single), ("H", ev.ke_dual)):
        kname = "ke_single" if col == "G" else "ke_dual"
        tv = 0.0 if tg is None else float(
            cf.values[-1] * (1 + tg) / (k - tg) * (1 + k) ** -t[n - 1])
        p.formula(ws, f"{col}{tv_row}", "=" + fx.gordon_pv(kname, f"C{tv_row}", f"D{tv_row}"),
                  tv, "amount")
    tot = last + 2
    define(p.wb, "tv_flow", "CashFlows", f"C{tv_row}")
    define(p.wb, "tv_t", "CashFlows", f"D{tv_row}")
    _label(ws, tot, "Present value")
    ws[f"A{tot}"].font = BOLD
    p.formula(ws, f"G{tot}", f"=SUM(G{first}:G{tv_row})", ev.pv_single, "amount")
    p.formula(ws, f"H{tot}", f"=SUM(H{first}:H{tv_row})", ev.pv_dual, "amount")
    define(p.wb, "pv_single", "CashFlows", f"G{tot}")
    define(p.wb, "pv_dual", "CashFlows", f"H{tot}")
    put_text(ws, f"A{tot + 1}", "Blank rows are the Inputs table's spare rows: a cash flow typed "
             "there counts in every sheet.")
    _breakeven_ke_block(p, ws, case, first, last, tot + 3)
    for col, width in zip("ABCDEFGHIJ", (14, 12, 14, 12, 12, 12, 14, 14, 14, 12), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B6", landscape=True)
    return first, last


def _newton_path(case: Case, values: np.ndarray, target: float, root: float | None,
                 ke_single: float) -> list[float | None]:
    """The values of the IRR start and of each Newton step, as the sheet computes them (their
    cached values). The IRR solves PV_end(k) = target: for end timing and for dated flows
    (XIRR from the valuation date) that is the engine's root itself; for mid and begin timing
    it is the end-timing root, found by the engine's search, and the steps move it to the root.
    With a terminal growth g the IRR series carries the terminal value at Ke single in its
    last flow, the start is clipped into [g + (Ke single - g)/4, Ke single] and the steps are
    :func:`~xl_corridor.workbook.formulas.newton_step_tv` (see :func:`_breakeven_ke_block`)."""
    if root is None:
        return [None] * (NEWTON_STEPS + 1)
    cf = case.cash_flows
    g = cf.terminal_growth
    if g is not None:
        return _newton_path_tv(case, values, target, ke_single, g)
    if cf.dates is not None or cf.timing == "end":
        return [root] * (NEWTON_STEPS + 1)
    t_end = np.arange(1, values.size + 1, dtype=float)
    ks = np.asarray(ke_single)
    extra = target - float(np.sum(values / (1 + ks) ** t_end))
    k = float(discounting._breakeven_rate(values, t_end, ks, np.asarray(extra)))
    t = t_end - TIMING_SHIFTS[cf.timing]
    path: list[float | None] = [k]
    for _ in range(NEWTON_STEPS):
        pv = float(np.sum(values / (1 + k) ** t))
        slope = float(np.sum(t * values / (1 + k) ** (t + 1)))
        k = k + (pv - target) / slope
        path.append(k)
    return path


def _newton_path_tv(case: Case, values: np.ndarray, target: float, ke_single: float,
                    g: float) -> list[float | None]:
    """:func:`_newton_path` with a terminal value (periodic cash flows only)."""
    cf = case.cash_flows
    n = len(cf.values)
    series = values.copy()
    series[n - 1] += discounting.terminal_value(cf.values[-1], ke_single, g)
    t_end = np.arange(1, values.size + 1, dtype=float)
    ks = np.asarray(ke_single)
    extra = target - float(np.sum(series / (1 + ks) ** t_end))
    irr = float(discounting._breakeven_rate(series, t_end, ks, np.asarray(extra)))
    low = g + (ke_single - g) / 4
    k = min(ke_single, max(irr if math.isfinite(irr) else low, low))
    t = t_end - TIMING_SHIFTS[cf.timing]
    t_n = float(t[n - 1])
    path: list[float | None] = [k]
    for _ in range(NEWTON_STEPS):
        tv = cf.values[-1] * (1 + g) / (k - g) / (1 + k) ** t_n
        pv = float(np.sum(values / (1 + k) ** t)) + tv
        slope = (float(np.sum(t * values / (1 + k) ** (t + 1)))
                 + tv * (1 / (k - g) + t_n / (1 + k)))
        k = min(ke_single, max((k + g) / 2, k + (pv - target) / slope))
        path.append(k)
    return path


#: Newton steps after the IRR start; each roughly squares the error (1e-3 -> 1e-12 in 3 steps).
#: A terminal value can need more from a poor start (up to 7 in the tests' cases): 10 rows.
NEWTON_STEPS = 10
NO_BREAKEVEN_KE = "none: no Ke dual between -99% and Ke single recovers the compliance cost"
NO_BREAKEVEN_KE_TV = ("none: no Ke dual between the terminal growth and Ke single recovers the "
                      "compliance cost")


def _no_breakeven(case: Case) -> str:
    """What a report shows when the engine gives no break-even Ke dual."""
    return NO_BREAKEVEN_KE_TV if case.cash_flows.terminal_growth is not None else NO_BREAKEVEN_KE


def _breakeven_ke_block(p: Plan, ws: Worksheet, case: Case, first: int, last: int,
                        top: int) -> None:
    """Break-even Ke dual as live formulas: the IRR (XIRR for dated flows) of
    [-(PV at Ke single + C), CF_1..CF_n] is the exact answer for end-of-period timing and the
    start for the others; Newton steps on PV(k) = PV single + C refine it.

    With a terminal growth g (periodic flows; looked up live, so typing one in works) the
    IRR series' last flow carries the terminal value at Ke single, CF_n (1+g)/(Ke single - g),
    the start is clipped into [g + (Ke single - g)/4, Ke single] (an IRR far below the root,
    or none, starts there), and the steps include the terminal value in PV(k) and its slope,
    each kept in [(k+g)/2, Ke single] (:func:`~xl_corridor.workbook.formulas.newton_step_tv`).
    """
    ev, dated = p.evaluation, case.cash_flows.dates is not None
    tg = case.cash_flows.terminal_growth
    tv_row = last + 1  # the CashFlows terminal-value row: B its live period, C its flow
    put_text(ws, f"A{top}", "Break-even Ke dual: the rate at which PV = PV at Ke single + "
             "compliance cost", BOLD)
    _label(ws, top + 1, "Target PV")
    target = ev.pv_single + ev.compliance_cost
    p.formula(ws, f"C{top + 1}", "=pv_single+compliance_cost", target, "amount")
    # Column I: the series whose IRR starts the search (J: its dates, for XIRR).
    put_text(ws, "I5", "IRR series", BOLD)
    p.formula(ws, f"I{first - 1}", f"=-C{top + 1}", -target, "amount")
    values = np.zeros(last - first + 1)
    values[: len(case.cash_flows.values)] = case.cash_flows.values
    n = len(case.cash_flows.values)
    for i in range(last - first + 1):
        r = first + i
        if dated:
            p.formula(ws, f"I{r}", f"=C{r}", float(values[i]), "amount")
            continue
        tv_at_ks = (0.0 if tg is None or i != n - 1 else
                    discounting.terminal_value(case.cash_flows.values[-1], ev.ke_single, tg))
        p.formula(ws, f"I{r}", f"=C{r}+IF(AND(ISNUMBER(terminal_growth),A{r}=B{tv_row}),"
                  f"C{tv_row}*(1+terminal_growth)/(ke_single-terminal_growth),0)",
                  float(values[i]) + tv_at_ks, "amount")
    if dated:
        put_text(ws, "J5", "IRR dates", BOLD)
        p.formula(ws, f"J{first - 1}", "=valuation_date",
                  float((case.deal.valuation_date - EXCEL_EPOCH).days), "date")
        for i in range(last - first + 1):
            r = first + i
            serial = p.cached["CashFlows"][f"B{r}"] or p.cached["CashFlows"][f"J{first - 1}"]
            p.formula(ws, f"J{r}", f'=IF(B{r}="",valuation_date,B{r})', serial, "date")
        start = f"=XIRR(I{first - 1}:I{last},J{first - 1}:J{last})"
    else:
        irr = f"IRR(I{first - 1}:I{last})"
        low = "terminal_growth+(ke_single-terminal_growth)/4"
        start = (f"=IF(ISNUMBER(terminal_growth),MIN(ke_single,MAX(IFERROR({irr},{low}),{low})),"
                 f"{irr})")
    k = ev.breakeven_ke
    path = _newton_path(case, values, target, k, ev.ke_single)
    steps = [start]
    for j in range(NEWTON_STEPS):
        args = (f"C{top + 2 + j}", f"C{first}:C{last}", f"D{first}:D{last}", f"C{top + 1}")
        plain = fx.newton_step(*args)
        if dated:
            steps.append("=" + plain)
        else:
            with_tv = fx.newton_step_tv(*args, "tv_flow", "tv_t", "terminal_growth",
                                        "ke_single")
            steps.append(f"=IF(ISNUMBER(terminal_growth),{with_tv},{plain})")
    for j, formula in enumerate(steps):
        r = top + 2 + j
        _label(ws, r, "Start: IRR of the series in column I" if j == 0 else f"Newton step {j}")
        p.formula(ws, f"C{r}", formula, path[j], "0.0000000000%")
    r = top + 3 + NEWTON_STEPS
    _label(ws, r, "Break-even Ke dual")
    ws[f"A{r}"].font = BOLD
    final = f"C{r - 1}"
    # A root counts if the steps have converged and it lies where the engine searches:
    # above -99% (and above the terminal growth) and not above Ke single (an IRR above it is
    # the wrong root). With a terminal value the steps are capped at Ke single, where they can
    # rest without a root: a root there needs a compliance cost of 0.
    above_g, none = "", f'"{NO_BREAKEVEN_KE}"'  # dated flows take no terminal value
    if not dated:
        above_g = (f",OR(NOT(ISNUMBER(terminal_growth)),AND({final}>terminal_growth,"
                   f"OR({final}<ke_single,compliance_cost<=0)))")
        none = f'IF(ISNUMBER(terminal_growth),"{NO_BREAKEVEN_KE_TV}",{none})'
    p.formula(ws, f"C{r}", f"=IFERROR(IF(AND(ABS({final}-C{r - 2})<1E-10,{final}>-0.99,"
              f"{final}<=ke_single+1E-12{above_g}),{final},1/0),{none})",
              k if k is not None else _no_breakeven(case), "rate", BOLD)
    define(p.wb, "breakeven_ke", "CashFlows", f"C{r}")


def _compliance_sheet(p: Plan, case: Case, refs: Mapping[str, str]) -> None:
    from xl_corridor.engine import compliance

    ev, c = p.evaluation, case.compliance
    fx_rates = case.fx
    ws = p.wb.create_sheet("Compliance")
    put_text(ws, "A1", f"Dual-listing compliance cost ({case.deal.units})", TITLE)
    header(ws, 3, ["Line item", "Currency", "Amount", "FX to model currency",
                   "Model-currency amount", "Incremental (1) / baseline (0)"])
    src = int(refs["items_first"])
    first = 4
    for i, item in enumerate(c.items):
        r, s = first + i, src + i
        rate = fx_rates[item.currency]
        p.formula(ws, f"A{r}", f"=Inputs!A{s}", item.label, None, GREEN)
        p.formula(ws, f"B{r}", f"=Inputs!C{s}", item.currency, None, GREEN)
        p.formula(ws, f"C{r}", f"=Inputs!B{s}" + _scaled(p, "compliance_scale"), item.amount,
                  "amount", GREEN)
        p.formula(ws, f"D{r}", f"=INDEX(fx_rate,MATCH(B{r},fx_ccy,0))", rate, "0.000000")
        p.formula(ws, f"E{r}", f"=C{r}*D{r}", item.amount * rate, "amount")
        p.formula(ws, f"F{r}", f'=IF(Inputs!D{s}="",1,IF(Inputs!D{s},1,0))',
                  1 if item.incremental else 0, "int")
    last = first + len(c.items) - 1
    row = last + 1
    _label(ws, row, "Annual incremental cost A (baseline items, paid under AIX-only too, "
           "are not in it)")
    p.formula(ws, f"E{row}", f"=SUMPRODUCT(E{first}:E{last},F{first}:F{last})", ev.annual_cost,
              "amount")
    define(p.wb, "annual_cost", "Compliance", f"E{row}")
    years, rate, tax, tg = ev.comp_years, ev.comp_rate, ev.comp_tax, ev.terminal_growth
    factor = compliance.growing_annuity_factor(years, rate, c.growth)
    basis = 1 + c.growth if c.cost_basis == "today" else 1.0
    tv = 0.0 if tg is None else float(compliance.terminal_factor(years, rate, c.growth, tg))
    listing = c.listing_expenses if c.include_listing_expenses else 0.0
    params = [
        ("Years (the listing's horizon)", "=comp_years", years, "int"),
        ("Discount rate", "=comp_rate", rate, "rate"),
        ("Growth", "=comp_growth", c.growth, "rate"),
        ("Growing-annuity factor: sum (1+g)^(t-1)/(1+r)^t (n/(1+r) when g = r)",
         "=" + fx.annuity_factor("comp_years", "comp_rate", "comp_growth"), factor, "df"),
        ("Terminal factor: (1+g)^(n-1)(1+gT)/(r-gT)/(1+r)^n (0 without a terminal value)",
         "=IF(ISNUMBER(terminal_growth),(1+comp_growth)^(comp_years-1)*(1+terminal_growth)"
         "/(comp_rate-terminal_growth)/(1+comp_rate)^comp_years,0)", tv, "df"),
        ("Cost basis: 1+g for today's money, 1 for first-year money",
         '=IF(comp_cost_basis="today",1+comp_growth,1)', basis, "df"),
        ("PV of recurring cost", "", ev.annual_cost * (factor + tv) * basis, "amount"),
        ("One-off cost", "=comp_one_off", c.one_off, "amount"),
        ("Listing expenses counted (0 unless switched on)",
         "=IF(comp_include_listing,comp_listing_expenses,0)", listing, "amount"),
        ("Tax relief rate", "=comp_tax", tax, "rate"),
        ("Capitalized compliance cost", "", ev.compliance_cost, "amount"),
    ]
    row += 2
    at: dict[str, int] = {}
    for label, formula, value, fmt in params:
        at[label.split(":")[0].split(" (")[0]] = row
        _label(ws, row, label)
        if label == "PV of recurring cost":
            formula = (f"=annual_cost*(E{at['Growing-annuity factor']}+E{at['Terminal factor']})"
                       f"*E{at['Cost basis']}")
        elif label == "Capitalized compliance cost":
            formula = (f"=E{at['One-off cost']}+E{at['Listing expenses counted']}"
                       f"+E{at['PV of recurring cost']}*(1-E{at['Tax relief rate']})")
            ws[f"A{row}"].font = BOLD
        p.formula(ws, f"E{row}", formula, value, fmt,
                  GREEN if formula.count("(") == 0 else BLACK)
        row += 1
    define(p.wb, "compliance_cost", "Compliance", f"E{row - 1}")
    for col, width in zip("ABCDEF", (60, 10, 12, 20, 22, 16), strict=True):
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
    lst = case.listing
    ws = p.wb.create_sheet("Listing")
    put_text(ws, "A1", "Reserve verification and listing path (HKEX Chapter 18)", TITLE)
    for i, (label, name, value) in enumerate((
            ("Reporting code", "reporting_code", lst.reporting_code),
            ("Highest resource category", "resource_category", lst.resource_category),
            ("DFS complete", "dfs_complete", lst.dfs_complete))):
        _label(ws, 3 + i, label)
        p.formula(ws, f"B{3 + i}", f"={name}", value, None, GREEN)
    cells, steps = rules.listing_block(ws, 7)
    values = rules.listing_values(lst.reporting_code, lst.resource_category, lst.dfs_complete)
    for key, ref, formula in steps:
        p.formula(ws, ref, formula, values[key], None, BOLD if key in ("code", "reason") else BLACK)
    define(p.wb, "listing_code", "Listing", cells.code)
    define(p.wb, "listing_path", "Listing", cells.reason)
    put_text(ws, "A18", "Each step is a lookup in the rule tables on the Rules sheet (HKEX Main "
             "Board Rules 18.01, 18.03(2), 18.29). The DFS deferral is the framework's advice: "
             "Chapter 18 itself has no DFS requirement.")
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 110
    print_setup(ws, None, landscape=True)


def _stamp_rows(p: Plan, ws: Worksheet, first: int, rows: list[tuple[str, Any, str]]) -> None:
    """Label in column A and engine value in column B, one (label, value, format) per row;
    the format "text" leaves the cell unformatted."""
    for i, (label, value, fmt) in enumerate(rows):
        _label(ws, first + i, label)
        p.stamp(ws, f"B{first + i}", value, None if fmt == "text" else fmt)


def _line_chart(ws: Worksheet, title: str, x_title: str, data_cols: tuple[int, int],
                header_row: int, first: int, last: int, at: str, x_fmt: str) -> None:
    """One line per grid column, x along the grid's rows (the row axis values in column B)."""
    chart = LineChart()
    chart.title = title
    chart.y_axis.title = "Delta NPV"
    chart.x_axis.title = x_title
    chart.x_axis.number_format = x_fmt
    chart.add_data(Reference(ws, min_col=data_cols[0], max_col=data_cols[1], min_row=header_row,
                             max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=2, min_row=first, max_row=last))
    chart.x_axis.tickLblPos = "low"  # category labels below the plot, not on the zero line
    chart.y_axis.number_format = "#,##0_);(#,##0)"
    for series in chart.series:
        series.smooth = False
    chart.height, chart.width = 8, 15
    ws.add_chart(chart, at)


#: Cash-flow scale axis of the premia grid (columns): 0.5x to 1.5x, the base 1.0x in the middle.
SCALE_AXIS = (0.5, 1.5)


def premia_scale_grid(case: Case, ev: Evaluation, lr: Any, scales: Any) -> np.ndarray:
    """The engine's premia grid of the report: Delta NPV with the liquidity-premium reduction
    ``lr`` (rows; the country-premium reduction held at the case's) and the cash flows scaled by
    ``scales`` (columns): scale x (PV at Ke dual - PV at Ke single) - compliance cost."""
    m, pr = case.market, case.premia
    kd = np.asarray(lr, dtype=float)[:, None] * -1 + (
        ev.ke_single - m.country_exposure * (ev.crp_single - pr.crp_dual))
    sc = np.asarray(scales, dtype=float)
    out = np.empty((kd.shape[0], sc.size))
    for j, k in enumerate(sc):
        if case.cash_flows.dates is None:
            col = discounting.dual_npv(np.asarray(case.cash_flows.values) * k, kd, ev.ke_single,
                                       ev.compliance_cost, timing=case.cash_flows.timing,
                                       terminal_growth=case.cash_flows.terminal_growth)
        else:
            values, dates = dated_flows(case)
            col = discounting.dual_xnpv(np.asarray(values) * k, dates, kd, ev.ke_single,
                                        ev.compliance_cost)
        out[:, j] = np.asarray(col, dtype=float).reshape(-1)
    return out


def _base_box(ws: Worksheet, ref: str, row_axis: str, row_base: str, row_half: str,
              col_axis: str, col_base: str, col_half: str) -> None:
    """Box the grid cell whose row and column axis values are the base case (live: the
    nearest point within half a step on each axis), and statically the middle cell (the base
    when the axes are the centred defaults: LibreOffice draws no conditional borders)."""
    first, end = ref.split(":")
    mid_col = get_column_letter((ws[first].column + ws[end].column) // 2)
    mid_row = (ws[first].row + ws[end].row) // 2
    box(ws, f"{mid_col}{mid_row}")
    ws[f"{mid_col}{mid_row}"].font = BOLD
    box(ws, ref, f"AND(ABS({row_axis}-({row_base}))<={row_half}*1.000001,"
                 f"ABS({col_axis}-({col_base}))<={col_half}*1.000001)")


def _sensitivity_sheet(p: Plan, case: Case, cf_first: int, cf_last: int) -> None:
    ev = p.evaluation
    sens = sensitivity(case)
    assert sens.liquidity_reduction is not None
    n = sens.steps
    units = case.deal.units
    ws = p.wb.create_sheet("Sensitivity")
    put_text(ws, "A1", f"Sensitivity of Delta NPV ({units})", TITLE)
    put_text(ws, "A2", "Rows Ke dual, columns capitalized compliance cost. The base case is "
             "boxed; negative Delta NPV shaded.", NOTE)
    cols = [chr(ord("C") + j) for j in range(n)]
    last = cols[-1]
    put_text(ws, "B4", "Ke dual \\ cost", BOLD)
    for j, col in enumerate(cols):
        p.formula(ws, f"{col}4", "=" + fx.grid_axis("sens_cost_lo", "sens_cost_hi", j, n),
                  ev.sens_cost[j], "amount", GREEN)
        ws[f"{col}4"].fill = HEADER_FILL
    t_rng = f"CashFlows!$D${cf_first}:$D${cf_last}"
    c_rng = f"CashFlows!$C${cf_first}:$C${cf_last}"
    for i in range(n):
        r = 5 + i
        p.formula(ws, f"B{r}", "=" + fx.grid_axis("sens_ke_lo", "sens_ke_hi", i, n),
                  ev.sens_ke[i], "rate", GREEN)
        ws[f"B{r}"].fill = HEADER_FILL
        for j, col in enumerate(cols):
            p.formula(ws, f"{col}{r}",
                      f"=SUMPRODUCT({c_rng}/(1+$B{r})^{t_rng})"
                      f"{_tv_formula(f'$B{r}')}-pv_single-{col}$4",
                      ev.sens_grid[i][j], "amount")
    grid = f"C5:{last}{4 + n}"
    define(p.wb, "sens_grid", "Sensitivity", grid)
    shade_negative(ws, grid)
    _base_box(ws, grid, "$B5", "ke_dual", f"ABS(sens_ke_hi-sens_ke_lo)/{2 * (n - 1)}",
              "C$4", "compliance_cost", f"ABS(sens_cost_hi-sens_cost_lo)/{2 * (n - 1)}")

    row = 4 + n + 2
    put_text(ws, f"A{row}", "Break-evens", BOLD)
    _label(ws, row + 1, "Break-even compliance cost")
    p.formula(ws, f"C{row + 1}", "=pv_dual-pv_single", ev.breakeven_cost, "amount")
    put_text(ws, f"D{row + 1}", f"{units}: PV at Ke dual - PV at Ke single", NOTE)
    _label(ws, row + 2, "Break-even Ke dual")
    be_ke = ev.breakeven_ke if ev.breakeven_ke is not None else _no_breakeven(case)
    p.formula(ws, f"C{row + 2}", "=breakeven_ke", be_ke, "rate", GREEN)
    put_text(ws, f"D{row + 2}", "Delta NPV = 0; IRR start and Newton steps on the CashFlows "
             "sheet", NOTE)

    top = row + 7  # premia grid: rows liquidity-premium reduction, columns cash-flow scale
    put_text(ws, f"A{top - 4}", f"Delta NPV ({units}): rows liquidity-premium reduction dLP, "
             "columns cash-flow scale", SUBTITLE)
    put_text(ws, f"A{top - 3}", "Ke dual = Ke single - dLP - lambda x (CRP single - CRP dual); "
             "Delta NPV = scale x (PV at Ke dual - PV at Ke single) - compliance cost.", NOTE)
    put_text(ws, f"A{top - 2}", "Two independent axes: a grid of dLP against the country "
             "reduction only moves Ke dual by their sum (lambda = 1 repeats its anti-diagonals).",
             NOTE)
    put_text(ws, f"B{top - 1}", "dLP \\ scale", BOLD)
    # the scale axis' ends (fixed), right of the grid
    scol_lo, scol_hi = get_column_letter(3 + n + 1), get_column_letter(3 + n + 2)
    put_text(ws, f"{scol_lo}{top - 2}", "Scale from", BOLD)
    put_text(ws, f"{scol_hi}{top - 2}", "Scale to", BOLD)
    for ref, value in ((f"{scol_lo}{top - 1}", SCALE_AXIS[0]), (f"{scol_hi}{top - 1}",
                                                               SCALE_AXIS[1])):
        # a fixed display axis, not an input: inputs live on the Inputs sheet (one place a
        # user edits, and the one the validator reads back)
        ws[ref] = value
        ws[ref].number_format = "0.00x"
    define(p.wb, "sens_scale_lo", "Sensitivity", f"{scol_lo}{top - 1}")
    define(p.wb, "sens_scale_hi", "Sensitivity", f"{scol_hi}{top - 1}")
    lr = np.linspace(*sens.liquidity_reduction, n)
    scales = np.linspace(*SCALE_AXIS, n)
    pgrid = premia_scale_grid(case, ev, lr, scales)
    for j, col in enumerate(cols):
        p.formula(ws, f"{col}{top - 1}",
                  "=" + fx.grid_axis("sens_scale_lo", "sens_scale_hi", j, n), float(scales[j]),
                  "0.00x", GREEN)
        ws[f"{col}{top - 1}"].fill = HEADER_FILL
    for i in range(n):
        r = top + i
        p.formula(ws, f"B{r}", "=" + fx.grid_axis("sens_lr_lo", "sens_lr_hi", i, n),
                  float(lr[i]), "rate", GREEN)
        ws[f"B{r}"].fill = HEADER_FILL
        for j, col in enumerate(cols):
            kd_cell = f"(ke_single-$B{r}-country_exposure*(crp_single-crp_dual))"
            p.formula(ws, f"{col}{r}",
                      f"={col}${top - 1}*(SUMPRODUCT({c_rng}/(1+{kd_cell})^{t_rng})"
                      f"{_tv_formula(kd_cell)}-pv_single)-compliance_cost",
                      float(pgrid[i, j]), "amount")
    pref = f"C{top}:{last}{top + n - 1}"
    define(p.wb, "premia_grid", "Sensitivity", pref)
    shade_negative(ws, pref)
    _base_box(ws, pref, "$B" + str(top), "lp_single-lp_dual",
              f"ABS(sens_lr_hi-sens_lr_lo)/{2 * (n - 1)}", f"C${top - 1}", "1",
              f"ABS(sens_scale_hi-sens_scale_lo)/{2 * (n - 1)}")
    note = top + n + 1
    put_text(ws, f"A{note}", "Every cell is a native formula: SUMPRODUCT of the cash flows "
             "with the discount factors at that cell's rate (CashFlows!D holds each exponent).",
             NOTE)
    put_text(ws, f"A{note + 1}", "The Checks sheet compares corner cells with the Python "
             "engine.", NOTE)

    last_col = 3 + n - 1  # the grids fill columns C .. C+n-1
    # charts below the tables, side by side, so they cover nothing
    at = note + 3
    _line_chart(ws, "Delta NPV by Ke dual (one line per compliance cost)", "Ke dual",
                (3, last_col), 4, 5, 4 + n, f"A{at}", "0.0%")
    _line_chart(ws, "Delta NPV by dLP (one line per cash-flow scale)",
                "Liquidity-premium reduction", (3, last_col), top - 1, top,
                top + n - 1, f"{get_column_letter(max(6, (last_col + 3) // 2 + 2))}{at}",
                "0.0%")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 14
    for col in [*cols, scol_lo, scol_hi]:
        ws.column_dimensions[col].width = 11
    print_setup(ws, "C5", landscape=True)
    ws.page_setup.fitToHeight = 1
    p.rows.update(premia_first=top, premia_last=top + n - 1)
    p.premia_corners = (float(pgrid[0, 0]), float(pgrid[-1, -1]))


#: Tornado inputs: defined name in the workbook (None: a constant 1) and label.
_TORNADO_NAMES: dict[str, tuple[str | None, str]] = {
    "rf": ("rf", "Risk-free rate"),
    "beta": ("beta", "Equity beta"),
    "mrp": ("mrp", "Mature-market ERP"),
    "crp_single": ("crp_single", "Country risk premium, single"),
    "crp_dual": ("crp_dual", "Country risk premium, dual"),
    "lp_single": ("lp_single", "Liquidity premium, single"),
    "lp_dual": ("lp_dual", "Liquidity premium, dual"),
    "country_exposure": ("country_exposure", "Country exposure (lambda)"),
    "cash_flow_scale": (None, "Cash flows (scale factor)"),
    "compliance_cost": ("compliance_cost", "Capitalized compliance cost"),
}


def _tv_formula(k: str) -> str:
    """Native PV of the Gordon terminal value at rate ``k`` (0 when terminal_growth is blank):
    the case's last cash flow ``tv_flow`` at its exponent ``tv_t`` (CashFlows sheet)."""
    return (f"+IF(ISNUMBER(terminal_growth),tv_flow*(1+terminal_growth)"
            f"/({k}-terminal_growth)/(1+{k})^tv_t,0)")


def _delta_formula(sub: Mapping[str, str], c_rng: str, t_rng: str) -> str:
    """Delta NPV in native Excel with some inputs replaced by cell references."""

    def g(key: str) -> str:
        name = _TORNADO_NAMES[key][0]
        return sub.get(key, name if name is not None else "1")

    def ke(venue: str) -> str:
        return (f"({g('rf')}+{g('beta')}*{g('mrp')}+{g('country_exposure')}*{g('crp_' + venue)}"
                f"+{g('lp_' + venue)})")

    return (f"={g('cash_flow_scale')}*(SUMPRODUCT({c_rng}/(1+{ke('dual')})^{t_rng})"
            f"{_tv_formula(ke('dual'))}"
            f"-SUMPRODUCT({c_rng}/(1+{ke('single')})^{t_rng})"
            f"-({_tv_formula(ke('single'))[1:]}))-{g('compliance_cost')}")


def _tornado_sheet(p: Plan, case: Case, cf_first: int, cf_last: int) -> None:
    an = p.analytics
    ws = p.wb.create_sheet("Tornado")
    put_text(ws, "A1", f"Tornado: Delta NPV ({case.deal.units}) with one input at a time moved "
             "down and up by the tornado shift", TITLE)
    _label(ws, 3, "Base Delta NPV")
    p.formula(ws, "B3", "=delta_npv", an.tornado_base, "amount", GREEN)
    _label(ws, 3, "Shift", "C")
    p.formula(ws, "D3", "=tornado_shift", sensitivity(case).tornado_shift, "rate", GREEN)
    header(ws, 5, ["Input", "Base", "Low", "High", "Delta NPV at low", "Delta NPV at high",
                   "Swing", "Low - base", "High - base"])
    t_rng = f"CashFlows!$D${cf_first}:$D${cf_last}"
    c_rng = f"CashFlows!$C${cf_first}:$C${cf_last}"
    base = tornado_base(case, p.evaluation)
    # Rows in the fixed order of the inputs, so an edit never moves a row; the sorted view
    # beside them (columns K to O) ranks them live for the chart.
    by_name = {row.name: row for row in an.tornado}
    ordered = [by_name[name] for name in TORNADO_INPUTS]
    first = 6
    for i, row in enumerate(ordered):
        r = first + i
        name, label = _TORNADO_NAMES[row.name]
        put_text(ws, f"A{r}", label)
        fmt = "rate" if row.name not in ("beta", "country_exposure", "cash_flow_scale",
                                         "compliance_cost") else (
            "amount" if row.name == "compliance_cost" else "number")
        if name is None:
            ws[f"B{r}"] = base["cash_flow_scale"]
            ws[f"B{r}"].number_format = FMT["number"]
        else:
            p.formula(ws, f"B{r}", f"={name}", base[row.name], fmt, GREEN)
        p.formula(ws, f"C{r}", f"=B{r}*(1-tornado_shift)", row.low, fmt)
        p.formula(ws, f"D{r}", f"=B{r}*(1+tornado_shift)", row.high, fmt)
        p.formula(ws, f"E{r}", _delta_formula({row.name: f"C{r}"}, c_rng, t_rng),
                  row.delta_low, "amount")
        p.formula(ws, f"F{r}", _delta_formula({row.name: f"D{r}"}, c_rng, t_rng),
                  row.delta_high, "amount")
        p.formula(ws, f"G{r}", f"=ABS(F{r}-E{r})", row.swing, "amount")
        p.formula(ws, f"H{r}", f"=E{r}-$B$3", row.delta_low - an.tornado_base, "amount")
        p.formula(ws, f"I{r}", f"=F{r}-$B$3", row.delta_high - an.tornado_base, "amount")
    last = first + len(ordered) - 1
    swings = f"$G${first}:$G${last}"
    # Rank by swing, swings equal within the tolerance broken by row, so each rank is unique
    rank = fx.rank_order([row.swing for row in ordered], TOLERANCE)
    rank_of = {i: k + 1 for k, i in enumerate(rank)}
    put_text(ws, "J5", "Rank", BOLD)
    for i in range(len(ordered)):
        r = first + i
        p.formula(ws, f"J{r}", "=" + fx.rank_desc(f"G{r}", swings), rank_of[i], "0")
    header(ws, 5, ["By swing", "Low - base", "High - base", "Swing"], col=12)
    for k, i in enumerate(rank):
        r = first + k
        at = f"MATCH({k + 1},$J${first}:$J${last},0)"
        row = ordered[i]
        p.formula(ws, f"L{r}", f"=INDEX($A${first}:$A${last},{at})",
                  _TORNADO_NAMES[row.name][1], None)
        p.formula(ws, f"M{r}", f"=INDEX($H${first}:$H${last},{at})",
                  row.delta_low - an.tornado_base, "amount")
        p.formula(ws, f"N{r}", f"=INDEX($I${first}:$I${last},{at})",
                  row.delta_high - an.tornado_base, "amount")
        p.formula(ws, f"O{r}", f"=INDEX($G${first}:$G${last},{at})", row.swing, "amount")
    define(p.wb, "tornado_swing", "Tornado", f"G{first}:G{last}")
    define(p.wb, "tornado_top_swing", "Tornado", f"O{first}")
    put_text(ws, f"A{last + 2}", "Native formulas: each row recomputes Delta NPV with one input "
             "replaced (Ke = Rf + beta x MRP + lambda x CRP + LP; SUMPRODUCT over CashFlows). "
             "Rows keep the inputs' order; columns L-O rank them by swing, live, for the chart.")
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.overlap = 100
    chart.title = "Tornado: change in Delta NPV"
    chart.x_axis.scaling.orientation = "maxMin"  # largest swing on top
    chart.x_axis.tickLblPos = "low"  # input names left of the plot, never over the bars
    chart.y_axis.number_format = "#,##0_);(#,##0)"
    chart.y_axis.title = f"Change in Delta NPV ({case.deal.units})"
    chart.add_data(Reference(ws, min_col=13, max_col=14, min_row=5, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=12, min_row=first, max_row=last))
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, f"A{last + 4}")
    for col, width in zip("ABCDEFGHIJKLMNO", (32, 12, 12, 12, 16, 16, 12, 12, 12, 6, 2, 32, 12,
                                              12, 12), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B6", landscape=True)


def _montecarlo_sheet(p: Plan, case: Case) -> None:
    mc, sim = p.analytics.simulation, case.simulation
    assert sim is not None
    ws = p.wb.create_sheet("MonteCarlo")
    put_text(ws, "A1", f"Monte Carlo of Delta NPV ({case.deal.units})", TITLE)
    if mc is None:
        put_text(ws, "A2", "Not run: the simulation models periodic cash flows, and this case's "
                 "cash flows are dated (cash_flows.dates).")
        ws.column_dimensions["A"].width = 46
        return
    put_text(ws, "A2", f"SIMULATION OUTPUT, stored as values (not formulas): seed {mc.seed}, "
             f"{mc.n_paths:,} paths, Python engine. Recalculating "
             "the workbook does not re-run it; `xl-corridor validate` re-runs it with the same "
             "seed and compares.")
    p.formula(ws, "A3", f'=IF(inputs_edited,"{STALE}","Current: simulated from the inputs '
              'now on the Inputs sheet (Checks sheet: inputs at build)")',
              "Current: simulated from the inputs now on the Inputs sheet (Checks sheet: "
              "inputs at build)", None, BOLD)
    header(ws, 4, ["Result", "Value"])
    results: list[tuple[str, Any, str]] = [
        ("P(Delta NPV > 0)", mc.probability_positive, "0.00%"),
        ("Mean", mc.mean, "amount"),
        ("Standard deviation (ddof 1)", mc.std, "amount"),
        ("Standard error of the mean", mc.std_error, "amount"),
        ("P5", mc.p5, "amount"),
        ("P50 (median)", mc.p50, "amount"),
        ("P95", mc.p95, "amount"),
        ("Paths", mc.n_paths, "#,##0"),
        ("Seed", mc.seed, "0"),
    ]
    _stamp_rows(p, ws, 5, results)
    define(p.wb, "p_delta_npv_positive", "MonteCarlo", "B5")
    define(p.wb, "mc_mean", "MonteCarlo", "B6")
    row = 5 + len(results) + 1
    header(ws, row, ["Setting", "Value"])
    settings: list[tuple[str, Any, str]] = [
        ("Price process", sim.price_model, "text"),
        ("Drift (gbm), decimal a year", sim.drift, "0.00%"),
        ("Volatility, decimal a year", sim.volatility, "0.00%"),
        ("Mean-reversion speed (ou), per year", sim.mean_reversion, "0.00"),
        ("Long-run median price / today (ou)", sim.long_run_median, "0.00"),
        ("Period length, years", sim.period_years, "0.00"),
        ("Liquidity-premium reduction: low, mode, high", ", ".join(
            f"{x:.4%}" for x in sim.liquidity_reduction), "text"),
        ("Country-premium reduction: low, mode, high", ", ".join(
            f"{x:.4%}" for x in sim.country_reduction), "text"),
        ("Compliance overrun log-volatility (median 1)", sim.overrun_sigma, "0.00"),
        ("Ke single (fixed)", p.evaluation.ke_single, "rate"),
        ("Budgeted compliance cost", p.evaluation.compliance_cost, "amount"),
        ("Cash-flow timing", case.cash_flows.timing, "text"),
        ("Price exposure", "inflows move with the price; outflows (capex) are fixed", "text"),
    ]
    _stamp_rows(p, ws, row + 1, settings)
    hist = row + len(settings) + 3
    put_text(ws, f"A{hist - 1}", "Histogram of Delta NPV (simulation output)", BOLD)
    header(ws, hist, ["Bin from", "Bin to", "Paths"])
    edges, counts = mc.histogram_edges, mc.histogram_counts
    for i, count in enumerate(counts):
        r = hist + 1 + i
        p.stamp(ws, f"A{r}", float(edges[i]), "amount")
        p.stamp(ws, f"B{r}", float(edges[i + 1]), "amount")
        p.stamp(ws, f"C{r}", int(count), "#,##0")
    last = hist + len(counts)
    chart = BarChart()
    chart.type = "col"
    chart.gapWidth = 10
    chart.title = f"Delta NPV, {mc.n_paths:,} paths (seed {mc.seed})"
    chart.x_axis.title = f"Delta NPV, bin from ({case.deal.units})"
    chart.x_axis.number_format = "#,##0"
    chart.y_axis.title = "Paths"
    chart.add_data(Reference(ws, min_col=3, min_row=hist, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=hist + 1, max_row=last))
    chart.legend = None
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, "E4")
    ws.column_dimensions["A"].width = 46
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 12
    print_setup(ws, None, landscape=True)


def _funding_sheet(p: Plan, case: Case) -> None:
    an, f = p.analytics, case.funding
    assert f is not None
    ws = p.wb.create_sheet("Funding")
    put_text(ws, "A1", "Dim Sum funding: a CNH bond swapped into USD (covered interest parity)",
             TITLE)
    header(ws, 3, ["Quantity", "Value", "Note"])
    same = f.usd_credit_spread is not None and f.cnh_credit_spread is not None
    cnh = ("CNH bond yield c at the issuer's credit", "=fund_cnh_rate+fund_cnh_spread",
           f.cnh_rate + (f.cnh_credit_spread or 0.0), BLACK,
           "r_CNH + the issuer's CNH credit spread") if same else (
        "CNH bond yield c", "=fund_cnh_yield", f.cnh_yield, GREEN, "")
    usd = ("USD bond yield at the same credit", "=fund_usd_rate+fund_usd_spread",
           f.usd_rate + (f.usd_credit_spread or 0.0), BLACK,
           "r_USD + the same issuer's USD credit spread") if same else (
        "USD bond yield (alternative)", "=fund_usd_bond_yield", f.usd_bond_yield, GREEN,
        "another issuer's yield measures the credit gap, not the market")
    rows = [
        cnh,
        ("USD rate r_USD", "=fund_usd_rate", f.usd_rate, GREEN, "tenor-matched"),
        ("CNH rate r_CNH", "=fund_cnh_rate", f.cnh_rate, GREEN, "tenor-matched"),
        ("Cross-currency basis x", "=fund_basis", f.basis, GREEN,
         "negative: synthetic USD costs more than cash USD"),
        usd,
        ("Hedged USD cost of the Dim Sum bond", "=" + fx.cip_hedged_cost("B4", "B5", "B6", "B7"),
         an.dimsum_cost,
         BOLD, "c_USD = (1+c)(1+r_USD)/(1+r_CNH+x) - 1 (CIP forward; the spot cancels)"),
        ("Saving against the USD bond", "=B8-B9", an.dimsum_saving, BOLD,
         "positive: the Dim Sum route is cheaper; at the same credit about "
         "(USD spread - CNH spread) + basis" if same else
         "positive: the Dim Sum route is cheaper (NOT at the same credit: see the note)"),
    ]
    for i, (label, formula, value, look, note) in enumerate(rows):
        r = 4 + i
        _label(ws, r, label)
        p.formula(ws, f"B{r}", formula, value, "0.000%", look)
        put_text(ws, f"C{r}", note)
    define(p.wb, "dimsum_cost", "Funding", "B9")
    define(p.wb, "dimsum_saving", "Funding", "B10")
    put_text(ws, "A12", "Source: W. Du, A. Tepper and A. Verdelhan, \"Deviations from covered "
             "interest rate parity\", Journal of Finance 73 (2018) 915-957 (Excel add-in function: "
             "DIMSUM_HEDGED_COST).")
    put_text(ws, "A13", "Exact per period for a zero-coupon bond hedged with a forward; per annum "
             "with tenor-matched rates, the standard approximation for a par bond swapped with a "
             "cross-currency swap.")
    for col, width in zip("ABC", (40, 14, 70), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B4", landscape=True)


def _parity_sheet(p: Plan, case: Case) -> None:
    an, par = p.analytics, case.parity
    assert par is not None
    ws = p.wb.create_sheet("Parity")
    put_text(ws, "A1", "Cross-venue parity HKEX vs AIX: no-arbitrage band and fragmentation",
             TITLE)
    put_text(ws, "A2", f"Sample: {par.source or 'none given'}")
    header(ws, 4, ["Quantity", "Value", "Note"])
    row = 5
    at: dict[str, str] = {}

    def line(key: str, label: str, formula: str | None, value: Any, fmt: str,
             note: str = "", font: Any = BLACK) -> None:
        nonlocal row
        _label(ws, row, label)
        at[key] = f"B{row}"
        if formula is None:
            put_text(ws, f"B{row}", value)
        else:
            p.formula(ws, f"B{row}", formula, value, fmt, font)
        put_text(ws, f"C{row}", note)
        row += 1

    for key, label, value, fmt in (
            ("c_hk", "HKEX cost per side", par.cost_hk, "0.0000%"),
            ("c_aix", "AIX cost per side", par.cost_aix, "0.0000%"),
            ("k", "Depository migration fee", par.conversion_fee, "0.0000%"),
            ("f", "FX conversion cost", par.fx_spread, "0.0000%"),
            ("r", "Financing rate", par.financing_rate, "0.00%"),
            ("ds", "Settlement days", par.settlement_days, "0"),
            ("dc", "Migration days", par.conversion_days, "0")):
        name = {"c_hk": "par_cost_hk", "c_aix": "par_cost_aix", "k": "par_conversion_fee",
                "f": "par_fx_spread", "r": "par_financing_rate", "ds": "par_settlement_days",
                "dc": "par_conversion_days"}[key]
        line(key, label, f"={name}", value, fmt, font=GREEN)
    carry = float(parity.carry_factor(par.financing_rate, par.settlement_days,
                                      par.conversion_days))
    line("m", "Carry factor m = 1 + r (ds + dc)/365",
         "=" + fx.carry_factor(at["r"], at["ds"], at["dc"]), carry, "0.000000")
    band = (at["c_aix"], at["f"], at["k"], at["m"], at["c_hk"])
    line("upper", "Upper bound (HKEX rich)", "=" + fx.band_upper(*band),
         an.band_upper, "0.0000%", "(1+c_AIX)(1+f)(1+k)m/(1-c_HK) - 1")
    line("lower", "Lower bound (AIX rich)", "=" + fx.band_lower(*band),
         an.band_lower, "0.0000%", "(1-c_AIX)(1-f)/((1+c_HK)(1+k)m) - 1")
    line("band", "No-arbitrage band half-width", f"=MIN({at['upper']},-{at['lower']})", an.band,
         "0.0000%", "min of the two bounds (add-in function: DUAL_ARB_BAND)", BOLD)
    define(p.wb, "arb_band", "Parity", at["band"])
    put_text(ws, f"A{row}", "Cost inputs: HKEX statutory costs are published; the AIX, migration "
             "and FX costs default to ASSUMPTIONS in xl_corridor/data/venue_costs.toml.")
    row += 2
    st = an.parity
    if st is None or par.days is None:
        put_text(ws, f"A{row}", "No daily sample given ([parity] csv or days): band only.")
        _parity_widths(ws)
        return
    n = len(par.days)
    top = row + 16  # daily table header
    first, last = top + 1, top + n
    rng = {c: f"${c}${first}:${c}${last}" for c in "ABCDEFG"}
    gaps = rng["G"]
    line("n", "Trading days", f"=COUNT({gaps})", n, "0")
    line("mean", "Mean gap", f"=AVERAGE({gaps})", st.mean_gap, "0.000%")
    line("std", "Standard deviation of the gap", f"=STDEV({gaps})", st.std_gap, "0.000%")
    line("outside", "Share of days outside the band",
         f"=SUMPRODUCT((ABS({gaps})>arb_band)*1)/COUNT({gaps})", st.share_outside_band, "0.0%",
         "|gap| > band")
    if np.isnan(st.phi):
        line("phi", "AR(1) coefficient phi", None, "n/a (constant gap)", "")
        line("half", "Half-life of a gap, trading days", None, "n/a", "")
    else:
        line("phi", "AR(1) coefficient phi", f"=SLOPE($G${first + 1}:$G${last},"
             f"$G${first}:$G${last - 1})", st.phi, "0.0000", "OLS of gap_t on gap_t-1")
        half: Any = "never (|phi| >= 1)" if np.isinf(st.half_life_days) else st.half_life_days
        line("half", "Half-life of a gap, trading days",
             f'=IF(ABS({at["phi"]})>=1,"never (|phi| >= 1)",IF({at["phi"]}=0,0,'
             f'LN(0.5)/LN(ABS({at["phi"]}))))', half, "0.00", "ln 0.5 / ln|phi|")
    line("v_hk", "Traded value on HKEX (HKD)", f"=SUMPRODUCT({rng['B']},{rng['E']})",
         st.value_hk, "#,##0")
    line("v_aix", "Traded value on AIX (HKD)",
         f"=SUMPRODUCT({rng['C']},{rng['D']},{rng['F']})", st.value_aix, "#,##0")
    if np.isnan(st.herfindahl):
        for key, label in (("s_hk", "HKEX share of traded value"),
                           ("s_aix", "AIX share of traded value"), ("hhi", "Herfindahl index")):
            line(key, label, None, "n/a (nothing traded)", "")
    else:
        tot = f"({at['v_hk']}+{at['v_aix']})"
        line("s_hk", "HKEX share of traded value", f"={at['v_hk']}/{tot}", st.value_share_hk,
             "0.00%")
        line("s_aix", "AIX share of traded value", f"={at['v_aix']}/{tot}", st.value_share_aix,
             "0.00%")
        line("hhi", "Herfindahl index (1: one venue, 0.5: even)",
             f"={at['s_hk']}^2+{at['s_aix']}^2", st.herfindahl, "0.0000")
        define(p.wb, "parity_hhi", "Parity", at["hhi"])
    define(p.wb, "parity_outside_band", "Parity", at["outside"])
    define(p.wb, "parity_phi", "Parity", at["phi"])
    put_text(ws, f"A{row}", "Every statistic above is "
             "a native formula over the daily table below.")

    put_text(ws, f"A{top - 1}", f"Daily sample (AIX prices in {par.aix_currency or 'AIX currency'}"
             "; FX in HKD per unit); blue cells are data", BOLD)
    header(ws, top, ["Date", "Price HKEX (HKD)", "Price AIX", "FX to HKD", "Volume HKEX",
                     "Volume AIX", "Gap", "Band +", "Band -"])
    for i, day in enumerate(par.days):
        r = first + i
        cols: tuple[tuple[str, Any, str], ...] = (
            ("A", day.date, "date"), ("B", day.price_hk, "0.00"), ("C", day.price_aix, "0.00"),
            ("D", day.fx_aix_to_hkd, "0.00000"), ("E", day.volume_hk, "#,##0"),
            ("F", day.volume_aix, "#,##0"))
        for col, value, fmt in cols:
            cell = ws[f"{col}{r}"]
            cell.value = value
            cell.font, cell.fill = BLUE, INPUT_FILL
            cell.number_format = FMT.get(fmt, fmt)
        p.formula(ws, f"G{r}", f"=B{r}/(C{r}*D{r}*par_ratio)-1", float(st.gap[i]), "0.000%")
        p.formula(ws, f"H{r}", "=arb_band", an.band, "0.000%")
        p.formula(ws, f"I{r}", "=-arb_band", -float(an.band or 0.0), "0.000%")
    for name, col in zip(PARITY_COLUMNS, "ABCDEF", strict=True):
        define(p.wb, name, "Parity", f"{col}{first}:{col}{last}")
    chart = LineChart()
    chart.title = "Daily parity gap and the no-arbitrage band"
    chart.y_axis.number_format = "0.0%"
    chart.add_data(Reference(ws, min_col=7, max_col=9, min_row=top, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.x_axis = DateAxis(crossAx=100)
    chart.x_axis.number_format = "d mmm yy"
    chart.x_axis.majorTimeUnit = "days"
    chart.x_axis.tickLblPos = "low"
    chart.x_axis.title = "Trading day"
    for series in chart.series:
        series.smooth = False  # straight segments between daily observations
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, "K4")
    _parity_widths(ws)


def _parity_widths(ws: Worksheet) -> None:
    for col, width in zip("ABCDEFGHI", (44, 16, 40, 12, 14, 12, 10, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, None, landscape=True)


CHECKS = [
    ("Ke single", "ke_single", "ke_single", "Python engine: cost of equity"),
    ("Ke dual", "ke_dual", "ke_dual", "Python engine: cost of equity"),
    ("PV at Ke single", "pv_single", "pv_single", "Python engine: NPV / XNPV"),
    ("PV at Ke dual", "pv_dual", "pv_dual", "Python engine: NPV / XNPV"),
    ("Capitalized compliance cost", "compliance_cost", "compliance_cost",
     "Python engine: compliance cost"),
    ("Delta NPV", "delta_npv", "delta_npv", "Python engine: dual-listing NPV"),
    ("Break-even compliance cost", "breakeven_cost", "breakeven_cost",
     "Python engine: break-even cost"),
    ("Pre-production capital", "capex", "capex", "Python engine: pre-production capital"),
]


def _engine_words(src: str) -> str:
    """The Checks sheet's source column in words: no module paths in a client's report."""
    if not src.startswith("xl_corridor."):
        return src
    name = src.split(" ")[0].rsplit(".", 1)[-1].replace("_", " ")
    return f"Python engine: {name}"


STALE_CHECKS = ("STALE: inputs edited since the build. The live formulas are current; the "
                "engine column is the build's. Re-run xl-corridor report to refresh it")


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
    an = p.analytics
    pf, pl = p.rows["premia_first"], p.rows["premia_last"]
    top = an.tornado[0]
    rows += [
        ("Sensitivity, first cell", "=Sensitivity!C5", ev.sens_grid[0][0],
         "Python engine: dual-listing NPV grid"),
        ("Sensitivity, last cell", f"=Sensitivity!{last_col}{4 + n}", ev.sens_grid[-1][-1],
         "Python engine: dual-listing NPV grid"),
        ("Premia grid, first cell", f"=Sensitivity!C{pf}", p.premia_corners[0],
         "Python engine: NPV at the cell's Ke and scale"),
        ("Premia grid, last cell", f"=Sensitivity!{last_col}{pl}", p.premia_corners[1],
         "Python engine: NPV at the cell's Ke and scale"),
        ("Tornado, largest swing", "=tornado_top_swing", top.swing,
         "Python engine: tornado"),
    ]
    if an.dimsum_cost is not None:
        rows += [("Dim Sum hedged USD cost", "=dimsum_cost", an.dimsum_cost,
                  "Python engine: hedged Dim Sum cost"),
                 ("Dim Sum saving vs USD bond", "=dimsum_saving", an.dimsum_saving,
                  "Python engine: Dim Sum saving")]
    if an.band is not None:
        rows.append(("No-arbitrage band", "=arb_band", an.band,
                     "Python engine: no-arbitrage band"))
    st = an.parity
    if st is not None:
        rows.append(("Parity: share of days outside the band", "=parity_outside_band",
                     st.share_outside_band, "Python engine: parity statistics"))
        if not np.isnan(st.phi):
            rows.append(("Parity: AR(1) phi", "=parity_phi", st.phi,
                         "Python engine: parity statistics"))
        if not np.isnan(st.herfindahl):
            rows.append(("Parity: Herfindahl index", "=parity_hhi", st.herfindahl,
                         "Python engine: parity statistics"))
    if ev.breakeven_ke is not None:
        rows.append(("Break-even Ke dual", "=breakeven_ke", ev.breakeven_ke,
                     "Python engine: break-even Ke"))
    rows += val_sheet.check_rows(p)
    first = row
    for label, formula, value, src in rows:
        _label(ws, row, label)
        p.formula(ws, f"B{row}", formula, value, "0.000000000000", GREEN)
        p.stamp(ws, f"C{row}", value, "0.000000000000")
        p.formula(ws, f"D{row}", f"=B{row}-C{row}", 0.0, "0.0E+00", snapshot=True)
        p.formula(ws, f"E{row}", f'=IF(inputs_edited,"stale",{fx.check(f"B{row}", f"C{row}")})',
                  True)
        put_text(ws, f"F{row}", _engine_words(src))
        row += 1
    for label, name, value, src in (
            ("Decision", "decision", ev.decision, "Python engine: decision rule"),
            ("Listing path", "listing_path", ev.listing_path, "Python engine: listing path"),
            *val_sheet.text_check_rows(p)):
        _label(ws, row, label)
        p.formula(ws, f"B{row}", f"={name}", value, None, GREEN)
        p.stamp(ws, f"C{row}", value)
        p.formula(ws, f"E{row}", f'=IF(inputs_edited,"stale",B{row}=C{row})', True)
        put_text(ws, f"F{row}", _engine_words(src))
        row += 1
    row += 1
    _label(ws, row, "All checks pass")
    ws[f"A{row}"].font = BOLD
    # Stale engine values are not failures: the live formulas are current, the engine column
    # is a snapshot of the build's inputs (the status line says which).
    p.formula(ws, f"E{row}", f"=IF(inputs_edited,TRUE,AND(E{first}:E{row - 2}))", True)
    define(p.wb, "checks_ok", "Checks", f"E{row}")
    _label(ws, row + 1, "Status")
    p.formula(ws, f"B{row + 1}", f'=IF(inputs_edited,"{STALE_CHECKS}",IF(AND(E{first}:'
              f'E{row - 2}),"All checks pass: live formulas equal the engine","CHECKS FAIL"))',
              "All checks pass: live formulas equal the engine", None, BOLD)
    define(p.wb, "checks_status", "Checks", f"B{row + 1}")
    ranges = {name: [c.value for c in named_cells(p.wb, name)]
              for name in ("cash_flows", "cf_dates", "comp_amounts", "fx_rate", "comp_ccy",
                           "fx_ccy", *PARITY_COLUMNS) if name in p.wb.defined_names}
    p.rows["fingerprint"] = row + 4  # inputs as they are: never the scenario's values in use
    write_fingerprint(p.wb, ws, row + 4, p.base or case, ranges, p.stamp, p.formula,
                      p.scenario_marks.get("extra", ()))
    # 26: an amount in currency units at 12 decimals fits (22 showed ### for 2,132,486,896)
    for col, width in zip("ABCDEF", (30, 26, 26, 12, 8, 46), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B6", landscape=True)


VALUE_CASE = ('IF(NOT(ISNUMBER(delta_npv)),"no answer",IF(delta_npv>0,'
              'IF(AND(pv_single<0,pv_dual<0),"Delta NPV > 0, but the project NPV is negative '
              'under both listings","Delta NPV > 0: the dual listing creates value"),'
              'IF(AND(pv_single<0,pv_dual<0),"Delta NPV <= 0, and the project NPV is negative '
              'under both listings","Delta NPV <= 0: the dual listing does not pay")))')


def value_case(ev: Evaluation) -> str:
    """What :data:`VALUE_CASE` says for these results."""
    both_negative = ev.pv_single < 0 and ev.pv_dual < 0
    if ev.delta_npv > 0:
        return ("Delta NPV > 0, but the project NPV is negative under both listings"
                if both_negative else "Delta NPV > 0: the dual listing creates value")
    return ("Delta NPV <= 0, and the project NPV is negative under both listings"
            if both_negative else "Delta NPV <= 0: the dual listing does not pay")


#: Outcome colours of the decision cell (conditional formats: the colour follows the live cell).
DECISION_LOOKS = (("PROCEED", GOOD_FILL, "006100"), ("WAIT", WAIT_FILL, "9C5700"),
                  ("DO NOT PROCEED", BAD_FILL, "9C0006"))


def _decision_colours(ws: Worksheet, ref: str) -> None:
    """Green PROCEED, amber WAIT, red DO NOT PROCEED: by the cell's live text."""
    for text, fill, colour in DECISION_LOOKS:
        ws.conditional_formatting.add(ref, FormulaRule(
            formula=[f'LEFT({ref},{len(text)})="{text}"'], stopIfTrue=True, fill=fill,
            font=font(bold=True, size=14, color=colour)))


def _summary_sheet(p: Plan, case: Case) -> None:
    ev, units = p.evaluation, case.deal.units
    ws = p.wb["Summary"]
    put_text(ws, "A1", "HKEX + AIX dual listing: decision", TITLE)
    put_text(ws, "A2", case.deal.name, SUBTITLE)
    put_text(ws, "A3", case.deal.issuer)
    put_text(ws, "A4", f"Valuation date {case.deal.valuation_date.isoformat()}. Amounts in "
             f"{units} (column C); rates as % a year. Negatives in parentheses.")
    if p.base is not None and p.base.scenarios is not None:
        sc = p.base.scenarios
        desc = sc.named[sc.active].description if sc.active in sc.named else None
        p.formula(ws, "A5", '="Scenario in use: "&scenario&IF(Scenarios!C4="","",": "&'
                  'Scenarios!C4)&" (switch and comparison on the Scenarios sheet)"',
                  f"Scenario in use: {sc.active}"
                  + (f": {desc}" if desc else (": The case as on the Inputs sheet"
                                               if sc.active == "base" else ""))
                  + " (switch and comparison on the Scenarios sheet)", None, BOLD)
    header(ws, 6, ["Item", "Value", "Units", "Note"])
    mc = p.analytics.simulation
    rows: list[tuple[str, str, Any, str, str, str]] = [
        ("Decision", "=" + fx.decision("delta_npv", "listing_code"), ev.decision, "text", "",
         "PROCEED only when Delta NPV > 0 and HKEX Chapter 18 allows the listing now"),
        ("Delta NPV", "=pv_dual-pv_single-compliance_cost", ev.delta_npv, "amount", units,
         "PV at Ke dual - PV at Ke single - compliance cost"),
        ("Value case alone", "=" + VALUE_CASE, value_case(ev), "text", "", ""),
        ("Ke, single listing (AIX only)", "=ke_single", ev.ke_single, "rate", "% a year", ""),
        ("Ke, dual listing (HKEX + AIX)", "=ke_dual", ev.ke_dual, "rate", "% a year", ""),
        ("Ke reduction", "=ke_single-ke_dual", ev.ke_single - ev.ke_dual, "rate", "% a year",
         "Lower country and liquidity premia"),
        ("PV of cash flows at Ke single", "=pv_single", ev.pv_single, "amount", units, ""),
        ("PV of cash flows at Ke dual", "=pv_dual", ev.pv_dual, "amount", units, ""),
        ("Value of the lower Ke (break-even compliance cost)", "=pv_dual-pv_single",
         ev.breakeven_cost, "amount", units, "The most the dual listing may cost"),
        ("Capitalized compliance cost", "=compliance_cost", ev.compliance_cost, "amount", units,
         ""),
        ("Break-even Ke dual", "=breakeven_ke",
         ev.breakeven_ke if ev.breakeven_ke is not None else _no_breakeven(case), "rate",
         "% a year", "Highest Ke dual at which Delta NPV = 0 (CashFlows sheet)"),
        ("Pre-production capital I_total", "=capex", ev.capex, "amount", units, ""),
        ("Recommended listing path", "=listing_path", ev.listing_path, "text", "", ""),
    ]
    # appended: the rows above never move; valuation rows carry their units in the label
    rows += val_sheet.summary_rows(p, case)
    for i, (label, formula, value, fmt, unit, note) in enumerate(rows):
        r = 7 + i
        _label(ws, r, label)
        p.formula(ws, f"B{r}", formula, value, fmt, BIG if i < 2 else GREEN)
        put_text(ws, f"C{r}", unit)
        put_text(ws, f"D{r}", note)
    define(p.wb, "decision", "Summary", "B7")
    define(p.wb, "delta_npv", "Summary", "B8")
    define(p.wb, "breakeven_cost", "Summary", "B15")
    _decision_colours(ws, "B7")
    for r in (7, 8):
        ws[f"A{r}"].font = BIG
        ws.row_dimensions[r].height = 22
    shade_negative(ws, "B8")
    # long texts (a text line without units or note): across Value, Units and Note, wrapped
    for i, (label, _, _, fmt, unit, note) in enumerate(rows):
        if i < 2 or fmt != "text" or unit or note:
            continue
        r = 7 + i
        ws.merge_cells(f"B{r}:D{r}")
        ws[f"B{r}"].alignment = Alignment(wrap_text=True, vertical="top")
        ws[f"A{r}"].alignment = Alignment(vertical="top", wrap_text=True)
        if label == "Recommended listing path":
            ws.row_dimensions[r].height = 54
    r = 7 + len(rows)
    # the horizon, live (a period typed into a spare row of the Inputs table counts)
    p.formula(ws, f"B{r}", "=COUNT(cash_flows)", len(case.cash_flows.values), "int", GREEN)
    _label(ws, r, "Horizon: cash-flow periods")
    put_text(ws, f"C{r}", "periods" if case.cash_flows.dates is None else "dated flows")
    put_text(ws, f"D{r}", "Cash flows on the Inputs sheet (blank rows not counted)")
    _label(ws, r + 1, "Horizon: compliance-cost years")
    p.formula(ws, f"B{r + 1}", "=comp_years", ev.comp_years, "int", GREEN)
    put_text(ws, f"C{r + 1}", "years")
    put_text(ws, f"D{r + 1}", "Years of recurring dual-listing cost capitalized")
    r += 2
    if mc is not None:
        _label(ws, r, "P(Delta NPV > 0), Monte Carlo")
        p.formula(ws, f"B{r}", "=p_delta_npv_positive", mc.probability_positive, "0.0%", GREEN,
                  snapshot=True)
        put_text(ws, f"C{r}", "probability")
        p.formula(ws, f"D{r}", f'=IF(inputs_edited,"{STALE}","SNAPSHOT: simulation output at '
                  f'build ({mc.n_paths:,} paths, seed {mc.seed}); MonteCarlo sheet")',
                  f"SNAPSHOT: simulation output at build ({mc.n_paths:,} paths, seed "
                  f"{mc.seed}); MonteCarlo sheet", None, NOTE)
        r += 1
    elif case.simulation is not None:
        _label(ws, r, "P(Delta NPV > 0), Monte Carlo")
        put_text(ws, f"B{r}", "not run")
        put_text(ws, f"D{r}", "the simulation models periodic cash flows; these are dated")
        r += 1
    r += 1
    put_text(ws, f"A{r}", "Cash flows, compliance line items and premia are the case's inputs "
             "(blue cells on the Inputs sheet); formulas black, links to other sheets green.",
             NOTE)
    put_text(ws, f"A{r + 1}", f"Country risk premia: Damodaran dataset dated "
             f"{p.evaluation.damodaran_vintage}. Checks sheet: live formulas vs the Python "
             "engine. Football field: Delta NPV range by method.", NOTE)

    ws.add_chart(stacked_columns(p.wb["Ke"], 4, 7, title="Cost of equity build-up", y_title="Ke",
                                 y_format="0%", size=(8, 16)), f"A{r + 3}")
    for col, width in zip("ABCD", (50, 24, 11, 62), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "A7", landscape=True)
    ws.page_setup.fitToHeight = 1  # the summary is one page


def _timeline_sheet(p: Plan, case: Case, first: int, last: int) -> None:
    """The cash flows as a banker reads them: periods across the columns, links to the
    CashFlows table (which stays one row per period for the formulas)."""
    ws = p.wb.create_sheet("Timeline")
    units = case.deal.units
    put_text(ws, "A1", f"Cash-flow timeline ({units})", TITLE)
    put_text(ws, "A2", "The periods across, the Inputs table's spare rows included; every cell "
             "links to the CashFlows sheet (green).",
             NOTE)
    dated = case.cash_flows.dates is not None
    lines: list[tuple[str, str, str]] = [("Period", "A", "0")]
    if dated:
        lines.append(("Date", "B", "date"))
    lines += [("Exponent t (years)" if dated else "Exponent t (periods)", "D", "number"),
              (f"Cash flow ({units})", "C", "amount"), ("Discount factor, Ke single", "E", "df"),
              ("Discount factor, Ke dual", "F", "df"), (f"PV at Ke single ({units})", "G",
                                                         "amount"),
              (f"PV at Ke dual ({units})", "H", "amount")]
    src = p.wb["CashFlows"]
    cached = p.cached["CashFlows"]
    n = last - first + 1  # the spare rows too: a year typed there shows here (the layout is
    # the table's, not the case's, so an edited report lays out like its rebuild)
    for k, (label, col, fmt) in enumerate(lines):
        r = 4 + k
        put_text(ws, f"A{r}", label, BOLD if k == 0 else None)
        for i in range(n):
            c = get_column_letter(2 + i)
            ref = f"{col}{first + i}"
            value = src[ref].value if col == "A" else cached.get(ref)
            p.formula(ws, f"{c}{r}", f"=CashFlows!{ref}", value, fmt, GREEN)
            if k == 0:
                ws[f"{c}{r}"].font = font(bold=True, color="008000")
                ws[f"{c}{r}"].fill = HEADER_FILL
        if k == 0:
            ws[f"A{r}"].fill = HEADER_FILL
    tot = get_column_letter(2 + n)
    put_text(ws, f"{tot}4", "Total", BOLD)
    ws[f"{tot}4"].fill = HEADER_FILL
    for k, (_label_text, col, fmt) in enumerate(lines):
        total = {"C": ("=SUM(cash_flows_model)", float(sum(case.cash_flows.values))),
                 "G": ("=pv_single", p.evaluation.pv_single),
                 "H": ("=pv_dual", p.evaluation.pv_dual)}.get(col)
        if total is not None:
            p.formula(ws, f"{tot}{4 + k}", total[0], total[1], fmt, BOLD)
    shade_negative(ws, f"B{4 + len(lines) - 4}:{tot}{3 + len(lines)}")
    ws.column_dimensions["A"].width = 30
    for i in range(n + 1):
        ws.column_dimensions[get_column_letter(2 + i)].width = 10 if not dated else 11.5
    print_setup(ws, "B5", landscape=True)
    ws.page_setup.fitToHeight = 1


def _football_field_sheet(p: Plan, case: Case) -> None:
    """Delta NPV range by method on one page: a floating bar chart beside its data table of
    live formulas (the Monte Carlo rows are the simulation's snapshot)."""
    ev, mc, units = p.evaluation, p.analytics.simulation, case.deal.units
    ws = p.wb.create_sheet("FootballField")
    put_text(ws, "A1", f"Football field: Delta NPV ({units}) by method", TITLE)
    put_text(ws, "A2", "Low and high of each method, live formulas over the sheets named; the "
             "bars float from low to high. The base case (amber) runs from zero to its Delta NPV.",
             NOTE)
    header(ws, 4, ["Method", "Low", "High", "Source"])
    sens, prem = p.wb["Sensitivity"], p.rows
    sgrid = [x for row in ev.sens_grid for x in row]
    pgrid = []
    for row in sens.iter_rows(min_row=prem["premia_first"], max_row=prem["premia_last"],
                              min_col=3, max_col=2 + len(ev.sens_cost)):
        pgrid += [p.cached["Sensitivity"][c.coordinate] for c in row]
    torn = [x for r in p.analytics.tornado for x in (r.delta_low, r.delta_high)]
    rows: list[tuple[str, str, Any, str, Any, str, bool]] = [
        ("Base case", "=delta_npv", ev.delta_npv, "=delta_npv", ev.delta_npv, "Summary", False),
        ("Ke dual x compliance cost grid", "=MIN(sens_grid)", min(sgrid), "=MAX(sens_grid)",
         max(sgrid), "Sensitivity, first grid", False),
        ("dLP x cash-flow scale grid", "=MIN(premia_grid)", min(pgrid), "=MAX(premia_grid)",
         max(pgrid), "Sensitivity, second grid", False),
        ("Tornado extremes (one input -/+ shift)", "=MIN(Tornado!$E$6:$F$15)", min(torn),
         "=MAX(Tornado!$E$6:$F$15)", max(torn), "Tornado", False),
    ]
    if mc is not None:
        rows.append(("Monte Carlo P5 - P95 (SNAPSHOT)", "=MonteCarlo!$B$9", mc.p5,
                     "=MonteCarlo!$B$11", mc.p95,
                     f"MonteCarlo: simulation output at build, seed {mc.seed}", True))
    header(ws, 4, ["Bar start", "Below 0", "Above 0"], col=6)
    for i, (label, flo, lo, fhi, hi, where, snap) in enumerate(rows):
        r = 5 + i
        put_text(ws, f"A{r}", label, BOLD if i == 0 else None)
        p.formula(ws, f"B{r}", flo, lo, "amount", GREEN, snapshot=snap)
        p.formula(ws, f"C{r}", fhi, hi, "amount", GREEN, snapshot=snap)
        put_text(ws, f"D{r}", where, NOTE)
        # chart helpers: an invisible start, then the part below and the part above zero
        # (stacked bars stack negatives and positives apart)
        if i == 0:  # the base case: a bar from zero to its value (drawn in its own colour)
            p.formula(ws, f"F{r}", "=0", 0.0, "amount")
            p.formula(ws, f"G{r}", f"=MIN(B{r},0)", min(lo, 0.0), "amount")
            p.formula(ws, f"H{r}", f"=MAX(B{r},0)", max(lo, 0.0), "amount")
            continue
        start = lo if lo >= 0 else (hi if hi <= 0 else 0.0)
        below = (lo - hi) if hi <= 0 else (lo if lo < 0 else 0.0)
        above = (hi - lo) if lo >= 0 else (hi if hi > 0 else 0.0)
        p.formula(ws, f"F{r}", f"=IF(B{r}>=0,B{r},IF(C{r}<=0,C{r},0))", start, "amount",
                  snapshot=snap)
        p.formula(ws, f"G{r}", f"=IF(C{r}<=0,B{r}-C{r},IF(B{r}<0,B{r},0))", below, "amount",
                  snapshot=snap)
        p.formula(ws, f"H{r}", f"=IF(B{r}>=0,C{r}-B{r},IF(C{r}>0,C{r},0))", above, "amount",
                  snapshot=snap)
    last = 4 + len(rows)
    shade_negative(ws, f"B5:C{last}")
    put_text(ws, f"A{last + 1}", "Columns F-H only draw the chart (an invisible start, the part "
             "of the bar below zero, the part above).", NOTE)
    if mc is not None:
        p.formula(ws, f"A{last + 2}", f'=IF(inputs_edited,"{STALE}","Monte Carlo: a snapshot of '
                  'the build (not recalculated); the other rows are live.")',
                  "Monte Carlo: a snapshot of the build (not recalculated); the other rows are "
                  "live.", None, NOTE)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 60
    chart.title = f"Delta NPV range by method ({units})"
    chart.add_data(Reference(ws, min_col=6, max_col=8, min_row=4, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=last))
    chart.x_axis.scaling.orientation = "maxMin"  # base case on top
    chart.x_axis.tickLblPos = "low"
    chart.y_axis.number_format = "#,##0_);(#,##0)"
    chart.y_axis.title = f"Delta NPV ({units})"
    chart.legend = None
    start, below, above = chart.series
    start.graphicalProperties.noFill = True
    start.graphicalProperties.line.noFill = True
    for ser in (below, above):
        ser.graphicalProperties.solidFill = "1F4E79"
        ser.graphicalProperties.line.solidFill = "1F4E79"
        base = DataPoint(idx=0)  # the base case's bar, from zero to Delta NPV, in amber
        base.graphicalProperties.solidFill = "C55A11"
        base.graphicalProperties.line.solidFill = "C55A11"
        ser.dPt.append(base)
    chart.height, chart.width = 9, 24
    ws.add_chart(chart, f"A{last + 4}")
    for col, width in zip("ABCDEFGH", (40, 12, 12, 44, 2, 10, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, None, landscape=True)
    ws.page_setup.fitToHeight = 1


def plan_report(case: Case, *, cf_rows: int | None = None) -> Plan:
    """Lay out a report in memory with the value each cell must hold (no file written).

    ``cf_rows``: rows of the Inputs cash-flow table (default: the case's periods plus
    :data:`CF_SPARE_ROWS`); the validator passes an existing report's, so that a year a banker
    typed into a spare row is laid out where it is.
    """
    wb = Workbook()
    wb.active.title = "Summary"
    base = case
    if case.scenarios is not None:
        # the sheets show the scenario in use; the grids' axes stay the base case's, as the
        # Inputs sheet holds them
        case = case.scenario()
        if base.scenarios is not None and base.scenarios.active != "base":
            case = case.model_copy(update={"sensitivity": sensitivity(base)})
    ev = evaluate(case)
    p = Plan(wb=wb, evaluation=ev, analytics=analyze(case, ev))
    cf = case.cash_flows
    if cf_rows is None:
        cf_rows = len(cf.values) + CF_SPARE_ROWS
    refs = write_inputs(wb, base, cf_rows=cf_rows,
                        item_rows=len(case.compliance.items), fx_rows=len(case.fx),
                        with_dates=cf.dates is not None, live_defaults=True)
    # a compliance rate the case leaves blank is the base case's Ke dual, live
    ref = refs["comp_rate"].split("!")[1].replace("$", "")
    if wb["Inputs"][ref].value == LIVE_DEFAULTS["comp_rate"]:
        p.cached.setdefault("Inputs", {})[ref] = evaluate(base).comp_rate
    if base.scenarios is not None:
        p.base = base
        p.scenario_marks = scen_sheet.scenarios_sheet(p, base, case, refs)
    _ke_sheet(p, case)
    first, last = _cash_flow_sheet(p, case, refs)
    define(wb, "cash_flows_model", "CashFlows", f"C{first}:C{last}")
    _compliance_sheet(p, case, refs)
    _capital_sheet(p, case)
    _listing_sheet(p, case)
    _sensitivity_sheet(p, case, first, last)
    _tornado_sheet(p, case, first, last)
    if case.simulation is not None:
        _montecarlo_sheet(p, case)
    if case.parity is not None:
        _parity_sheet(p, case)
    if case.funding is not None:
        _funding_sheet(p, case)
    if case.valuation is not None:
        val_sheet.valuation_sheet(p, case)
    _checks_sheet(p, case)
    rules.write_rules_sheet(wb)
    _summary_sheet(p, case)
    drivers_block(p, wb["Summary"], case, 6)
    # new sheets last: the existing sheets keep their positions (sheetN.xml) for tools
    # and tests that address them
    _football_field_sheet(p, case)
    _timeline_sheet(p, case, first, last)
    if p.base is not None:  # written early (its names feed every sheet), shown last
        wb.move_sheet(scen_sheet.SHEET, len(wb.sheetnames) - 1 - wb.sheetnames.index(
            scen_sheet.SHEET))
        # the model reads each overridden input's value in use
        top = p.rows["fingerprint"]
        scen_sheet.read_in_use(wb, p.scenario_marks["in_use"], lambda sheet, row: (
            sheet == scen_sheet.SHEET or (sheet == "Checks" and row >= top)))
    properties(wb, f"{case.deal.name}: HKEX + AIX dual-listing decision",
               f"{case.deal.issuer}; valuation date {case.deal.valuation_date.isoformat()}; "
               f"amounts in {case.deal.units}")
    gridlines_off(wb)
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
        case = load_case(case if isinstance(case, (Mapping, Path)) else str(case))
    plan = plan_report(case)
    out = save_workbook(plan.wb, path, kind=REPORT_KIND, cached=plan.cached)
    ev = plan.evaluation
    return ReportResult(path=out, decision=ev.decision, delta_npv=ev.delta_npv,
                        units=case.deal.units, evaluation=ev, analytics=plan.analytics)
