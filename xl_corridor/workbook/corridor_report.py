"""The corridor report (issue 14): the corridor entry model of one case as a live workbook.

Every deterministic quantity is a native Excel formula (no add-in): LibreOffice and Excel
recalculate it from the blue inputs on the Inputs sheet. The Checks sheet compares each line
with the engine's value within a tolerance. The Monte Carlo is a labelled value snapshot (seed,
path count) that says when the inputs have changed since it was run.

Sheets: Summary (C_e, Delta V, WACC by tranche and its bar chart), Inputs, CashFlows (logistics
netback and FCF), Model (the model in column B, and one column per sensitivity scenario),
Breakevens (closed forms, Excel's IRR, and a bisection table for the critical deal size),
Sensitivity, MonteCarlo, Checks. ``add_corridor_sheet(wb)`` writes the template's corridor
sheet, which calls the CORRIDOR_ Excel functions beside native cross-checks.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.corridor_case import (
    SECTIONS,
    CorridorCase,
    CorridorRun,
    load_corridor_case,
    run_corridor_case,
)
from xl_corridor.engine import corridor as co
from xl_corridor.engine.corridor_debt import _defaults
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook.corridor_inputs import (
    corridor_input_cells,
    input_format,
    input_name,
    unit_of,
    write_corridor_inputs,
)
from xl_corridor.workbook.marks import CORRIDOR_REPORT_KIND, TOLERANCE
from xl_corridor.workbook.save import save_workbook
from xl_corridor.workbook.styles import (
    BLUE,
    BOLD,
    FMT,
    INPUT_FILL,
    TITLE,
    define,
    header,
    print_setup,
    put_text,
    stacked_columns,
)

__all__ = ["build_corridor_report", "add_corridor_sheet", "CORRIDOR_REPORT_KIND", "TOLERANCE"]

BISECTION_STEPS = 70
#: Arguments of CORRIDOR_NETBACK / logistics_netback, in order (inputs of the logistics block).
NETBACK_ARGS = ("price", "freight", "rail", "border", "transit_days", "carry_rate")
NO_BREAKEVEN = "no break-even"
NEVER_PAYS = "never pays"

# Inputs the sensitivity scenarios move (corridor.SENSITIVITY_SHIFTS), each with a row of its
# own in every Model column.
SHIFTED = tuple(dict.fromkeys(n for shifts in co.SENSITIVITY_SHIFTS.values() for n, _ in shifts))


_name = input_name
_unit = unit_of


class _Book:
    """The workbook being built and the engine values cached into its formula cells."""

    def __init__(self) -> None:
        self.wb = Workbook()
        self.cached: dict[str, dict[str, Any]] = {}
        self.checks: list[tuple[str, str, float | str]] = []  # label, cell ref, engine value
        self.model_rows: dict[str, int] = {}
        self.scenarios: list[tuple[str, str, dict[str, tuple[str, float]]]] = []
        self.inputs: frozenset[str] = frozenset()
        self.snapshot: frozenset[str] = frozenset()

    def sheet(self, title: str) -> Worksheet:
        if self.wb.worksheets[0].title == "Sheet":
            ws = self.wb.worksheets[0]
            ws.title = title
        else:
            ws = self.wb.create_sheet(title)
        self.cached[title] = {}
        return ws

    def formula(self, ws: Worksheet, ref: str, text: str, value: Any = None,
                fmt: str | None = None) -> None:
        ws[ref] = text
        if fmt:
            ws[ref].number_format = FMT.get(fmt, fmt)
        if value is not None:
            self.cached[ws.title][ref] = value

    def check(self, label: str, ws: Worksheet, ref: str, engine_value: float | str) -> None:
        """Compare ``ref`` with the engine on the Checks sheet (a text result must match)."""
        value = engine_value if isinstance(engine_value, str) else float(engine_value)
        self.checks.append((label, f"'{ws.title}'!{ref}", value))


# --------------------------------------------------------------------------- Inputs


def _inputs_sheet(b: _Book, run: CorridorRun) -> None:
    """Blue inputs with units and sources (:mod:`xl_corridor.workbook.corridor_inputs`)."""
    ws = write_corridor_inputs(b.wb, run.case)
    b.cached[ws.title] = {}
    print_setup(ws, "B5")


# --------------------------------------------------------------------------- cash flows


def _cash_flow_sheet(b: _Book, run: CorridorRun) -> str:
    """Years, operating cash flow, volume, netback, FCF. Returns the FCF range (absolute)."""
    case = run.case
    ws = b.sheet("CashFlows")
    put_text(ws, "A1", "Free cash flow after the logistics netback", TITLE)
    put_text(ws, "A2", "FCF = operating_cf - (1 - tax_rate) x volume x (price - netback); "
                       "netback = price - freight - rail - border - price x carry_rate x "
                       "transit_days / 365 (volume x price in the model's money units).")
    nb = fx.netback("CORR_PRICE", "CORR_FREIGHT", "CORR_RAIL", "CORR_BORDER",
                    "CORR_TRANSIT_DAYS", "CORR_CARRY_RATE")
    put_text(ws, "A3", f"Netback, {case.deal.currency} per unit")
    netback = float(co.logistics_netback(**{k: getattr(case.logistics, k)
                                            for k in NETBACK_ARGS}))
    b.formula(ws, "B3", "=" + nb, netback, "#,##0.00")
    define(b.wb, "CORR_NETBACK", "CashFlows", "B3")
    b.check("Netback per unit", ws, "B3", netback)
    header(ws, 5, ["Year", f"Operating CF, {case.deal.units}", "Volume", f"FCF, {case.deal.units}"])
    op = case.project.operating_cf
    vol = case.project.volume
    fcf = run.inputs["fcf"]
    for i, value in enumerate(op):
        r = 6 + i
        ws[f"A{r}"] = i + 1
        ws[f"B{r}"] = value
        ws[f"C{r}"] = vol[i] if len(vol) > 1 else (vol[0] if i == 0 else None)
        for c in "BC":
            if ws[f"{c}{r}"].value is not None:
                ws[f"{c}{r}"].font, ws[f"{c}{r}"].fill = BLUE, INPUT_FILL
        if len(vol) == 1 and i > 0:
            b.formula(ws, f"C{r}", "=$C$6", vol[0], "0.0000")
        ws[f"B{r}"].number_format = FMT["amount"]
        ws[f"C{r}"].number_format = "0.0000"
        b.formula(ws, f"D{r}", f"=B{r}-(1-CORR_TAX_RATE)*C{r}*(CORR_PRICE-$B$3)",
                  float(fcf[i]), FMT["amount"])
        b.check(f"FCF year {i + 1}", ws, f"D{r}", float(fcf[i]))
    last = 5 + len(op)
    define(b.wb, "CORR_FCF", "CashFlows", f"D6:D{last}")
    define(b.wb, "CORR_OPERATING_CF", "CashFlows", f"B6:B{last}")
    define(b.wb, "CORR_VOLUME", "CashFlows", f"C6:C{last}" if len(vol) > 1 else "C6")
    for col, width in zip("ABCD", (24, 20, 12, 16), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "A6")
    return f"CashFlows!$D$6:$D${last}"


# --------------------------------------------------------------------------- model

# (key, label, format, formula template). Templates use {x} for an input or an earlier row of
# the same column: inputs resolve to a defined name (or the column's own row for shifted
# inputs), model keys to the column's cell.
MODEL_ROWS: list[tuple[str, str, str, str]] = [
    ("ke_direct", "Cost of equity, direct", "rate",
     "{rf}+{beta}*{mrp}+{country_exposure}*{crp}+{liquidity_premium}"),
    ("ke_hk", "Cost of equity, Hong Kong", "rate",
     "{ke_direct}-{listing_premium_cut}+IF({equity_weight_hk}>0,{listing_annual_cost}/"
     "({equity_weight_hk}*{investment}),0)"),
    ("p_enforce_hk", "Enforcement probability, HK award", "rate",
     "{mainland_share}*{p_mainland}+(1-{mainland_share})*{p_local}"),
    ("rr_direct", "Recovery rate, direct", "rate",
     "{p_local}*{collateral}*(1-{local_cost})/(1+{lender_rate})^{local_years}"),
    ("rr_hk", "Recovery rate, Hong Kong", "rate",
     "{p_enforce_hk}*{collateral}*(1-{hk_cost})/(1+{lender_rate})^{hk_years}"),
    ("enforcement_gain", "Enforcement gain (before the cap)", "0.0000%",
     "{spread_multiplier}*{pd}*({rr_hk}-{rr_direct})"),
    ("enforcement_gain_used", "Enforcement gain used (capped)", "0.0000%",
     "MIN({enforcement_gain},{gain_cap})"),
    ("insurance_cost", "Political risk cover cost", "0.0000%", "{cover}*{premium}"),
    ("capital_relief", "Capital relief (political share dropped)", "0.0000%",
     "{cover}*{political_share}*{spread_direct}"),
    ("spread_hk", "Senior spread, Hong Kong", "0.0000%",
     "{spread_direct}-{enforcement_gain_used}+{insurance_cost}-{capital_relief}"),
    ("k_senior_direct", "Senior debt cost, direct", "rate", "{usd_base_rate}+{spread_direct}"),
    ("k_senior_hk", "Senior debt cost, Hong Kong", "rate", "{usd_base_rate}+{spread_hk}"),
    ("k_policy", "Policy-bank loan all-in cost", "rate",
     "{usd_base_rate}+{policy_margin}+{policy_fees}/PV({usd_base_rate}+{policy_margin},"
     "{debt_years},-1)+{escrow_share}*{escrow_carry}"),
    ("dimsum_saving", "Dim Sum saving vs USD", "0.0000%",
     "{spread_direct}-{cnh_spread}+{basis}+{cnh_revenue_share}*{hedge_cost}"),
    ("k_dimsum", "Dim Sum tranche cost (USD terms)", "rate",
     "{usd_base_rate}+{spread_direct}-{dimsum_saving}"),
    ("green_fixed", "Green fixed costs per unit invested a year", "0.000000%",
     "IF({green_weight_hk}>0,(({review_cost}+{certification_cost}-{hk_grant})/"
     "PV({usd_base_rate}+{spread_direct},{debt_years},-1)+{reporting_cost})/{investment},0)"),
    ("green_spread", "Green tranche spread", "0.0000%",
     "{spread_hk}-{greenium}+{step_up_probability}*{step_up}+IF({green_weight_hk}>0,"
     "{green_fixed}/{green_weight_hk},0)"),
    ("k_green", "Green tranche cost", "rate", "{usd_base_rate}+{green_spread}"),
    ("d_equity", "WACC direct: equity", "0.0000%", "{equity_weight_direct}*{ke_direct}"),
    ("d_senior", "WACC direct: senior", "0.0000%",
     "(1-{tax_rate})*{senior_weight_direct}*{k_senior_direct}"),
    ("d_policy", "WACC direct: policy-bank loan", "0.0000%",
     "(1-{tax_rate})*{policy_weight_direct}*{k_policy}"),
    ("h_equity", "WACC Hong Kong: equity", "0.0000%",
     "{equity_weight_hk}*({ke_direct}-{listing_premium_cut})+{listing_annual_cost}/{investment}"),
    ("h_senior", "WACC Hong Kong: senior (HK law)", "0.0000%",
     "(1-{tax_rate})*{senior_weight_hk}*{k_senior_hk}"),
    ("h_dimsum", "WACC Hong Kong: Dim Sum", "0.0000%",
     "(1-{tax_rate})*{dimsum_weight_hk}*{k_dimsum}"),
    ("h_green", "WACC Hong Kong: green", "0.0000%",
     "(1-{tax_rate})*({green_weight_hk}*({usd_base_rate}+{spread_hk}-{greenium}+"
     "{step_up_probability}*{step_up})+{green_fixed})"),
    ("wacc_direct", "WACC, direct", "0.0000%", "{d_equity}+{d_senior}+{d_policy}"),
    ("wacc_hk", "WACC, Hong Kong", "0.0000%", "{h_equity}+{h_senior}+{h_dimsum}+{h_green}"),
    ("wacc_gap_bp", "WACC gap, bp (direct - HK)", "0.00", fx.in_bp("{wacc_direct}-{wacc_hk}")),
    ("value_direct", "Value, direct route", "amount", "NPV({wacc_direct},CORR_FCF)"),
    ("value_hk", "Value, Hong Kong route", "amount", "NPV({wacc_hk},CORR_FCF)"),
    ("gross_gain", "Gross gain (p_exec, delay)", "amount",
     "{p_exec}*({value_hk}-{value_direct})/(1+{wacc_direct})^{delay_years}"),
    ("pv_running", "PV of HK running costs", "amount",
     "{hk_annual}*PV({wacc_direct},{hk_cost_years},-1)"),
    ("delta_v", "Delta V", "amount", "{gross_gain}-{hk_one_off}-{pv_running}"),
    ("ce", "C_e (Delta V per unit invested)", "0.0000%", "{delta_v}/{investment}"),
]
WATERFALL = {"direct": {"equity": "d_equity", "senior": "d_senior", "policy": "d_policy"},
             "hk": {"equity": "h_equity", "senior": "h_senior", "dimsum": "h_dimsum",
                    "green": "h_green"}}
FIRST_SHIFT_ROW = 7


def _core_values(run: CorridorRun, overrides: Mapping[str, float]) -> dict[str, float]:
    p = co.corridor_inputs(dict(run.inputs, **overrides))
    out = co._core(p)
    flat = {k: float(v) for k, v in out.items() if not isinstance(v, dict)}
    for route, prefix in (("direct", "d_"), ("hk", "h_")):
        for k, v in out[f"contrib_{route}"].items():
            flat[prefix + k] = float(v)
    return flat


def _scenarios(run: CorridorRun) -> list[tuple[str, str, dict[str, tuple[str, float]]]]:
    """(variable, input label, {shifted input: (sign word, shift)}) per Model column after B."""
    cols: list[tuple[str, str, dict[str, tuple[str, float]]]] = []
    for var, shifts in co.SENSITIVITY_SHIFTS.items():
        for side, k in (("down", -1.0), ("up", 1.0)):
            for name, size in shifts:
                sign = co._DIRECTION.get(name, 1.0)
                cols.append((var, f"{name} {side}", {name: (side, k * sign * size)}))
            cols.append((var, f"all {side}",
                         {n: (side, k * co._DIRECTION.get(n, 1.0) * s) for n, s in shifts}))
    return cols


def _model_sheet(b: _Book, run: CorridorRun) -> dict[str, str]:
    """The model in column B and one column per sensitivity scenario. Returns key -> B cell."""
    ws = b.sheet("Model")
    put_text(ws, "A1", "Corridor entry model: direct route (D) vs Hong Kong route (H)", TITLE)
    put_text(ws, "A2", "Column B is the case; each further column moves the inputs in rows "
                       f"{FIRST_SHIFT_ROW}-{FIRST_SHIFT_ROW + len(SHIFTED) - 1} for the "
                       "sensitivity (shares clipped to [0, 1]). Formulas: docs/corridor_model.md. "
                       f"Money in {run.case.deal.units}.")
    put_text(ws, "A4", "Scenario", BOLD)
    put_text(ws, "A5", "Variable", BOLD)
    scen: list[tuple[str, str, dict[str, tuple[str, float]]]] = [("", "case", {})]
    scen += _scenarios(run)
    rows: dict[str, int] = {}
    for i, name in enumerate(SHIFTED):
        rows[name] = FIRST_SHIFT_ROW + i
        put_text(ws, f"A{rows[name]}", f"{name} (input)")
    first = FIRST_SHIFT_ROW + len(SHIFTED) + 1
    for i, (key, label, _, _) in enumerate(MODEL_ROWS):
        rows[key] = first + i
        put_text(ws, f"A{rows[key]}", label)
    base_p = co.corridor_inputs(run.inputs)
    for c, (var, label, moves) in enumerate(scen):
        col = get_column_letter(2 + c)
        put_text(ws, f"{col}4", label, BOLD)
        put_text(ws, f"{col}5", var)
        overrides: dict[str, float] = {}
        for name in SHIFTED:
            ref = f"{col}{rows[name]}"
            if name in moves:
                delta = moves[name][1]
                kind = co.INPUTS[name].kind
                raw = f"{_name(name)}+({delta!r})"
                text = f"=MAX(0,MIN(1,{raw}))" if kind in ("fraction", "premium") else "=" + raw
                value = float(co._shift(base_p, name, delta))
                overrides[name] = value
            else:
                text, value = f"={_name(name)}", float(base_p[name])
            b.formula(ws, ref, text, value, "0.0000")
        values = _core_values(run, overrides)

        def ref_of(token: str, col: str = col) -> str:
            if token in rows:
                return f"{col}{rows[token]}"
            return _name(token)

        for key, _label, fmt, template in MODEL_ROWS:
            text = "=" + _fill(template, ref_of)
            b.formula(ws, f"{col}{rows[key]}", text, values[key], FMT.get(fmt, fmt))
            if c == 0 and key in run.result.values:
                b.check(f"Model: {key}", ws, f"B{rows[key]}", run.result.values[key])
    ws.column_dimensions["A"].width = 44
    for c in range(len(scen)):
        ws.column_dimensions[get_column_letter(2 + c)].width = 17
    print_setup(ws, "B6", landscape=True)
    # three pages wide, one tall: readable, with the labels (column A) and the scenario header
    # (rows 4-5) repeated on every page
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 3, 1
    ws.print_title_cols, ws.print_title_rows = "A:A", "4:5"
    for c in range(len(scen)):
        ws[f"{get_column_letter(2 + c)}4"].alignment = Alignment(wrap_text=True)
    ws.row_dimensions[4].height = 30
    out = {key: f"Model!$B${r}" for key, r in rows.items()}
    for key in ("ce", "delta_v", "wacc_direct", "wacc_hk", "wacc_gap_bp"):
        define(b.wb, _name(key), "Model", f"B{rows[key]}")
    b.model_rows = rows
    b.scenarios = scen
    return out


def _fill(template: str, ref_of: Callable[[str], str]) -> str:
    out, i = [], 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            out.append(template[i:])
            break
        k = template.index("}", j)
        out.append(template[i:j])
        out.append(ref_of(template[j + 1:k]))
        i = k + 1
    return "".join(out)


# --------------------------------------------------------------------------- break-evens


def _breakeven_sheet(b: _Book, run: CorridorRun, m: Mapping[str, str]) -> dict[str, str]:
    ws = b.sheet("Breakevens")
    be = run.result.breakevens
    fcf = run.inputs["fcf"]
    put_text(ws, "A1", "Break-evens", TITLE)
    header(ws, 3, ["Break-even", "Value", "Meaning"])
    refs: dict[str, str] = {}

    def line(row: int, key: str, label: str, text: str, value: Any, fmt: str, meaning: str) -> None:
        put_text(ws, f"A{row}", label)
        b.formula(ws, f"B{row}", text, value, FMT.get(fmt, fmt))
        put_text(ws, f"C{row}", meaning)
        refs[key] = f"Breakevens!$B${row}"

    units = run.case.deal.units
    line(4, "max_setup_budget", f"Largest HK set-up budget, {units}",
         f"={m['gross_gain']}-{m['pv_running']}", be["max_setup_budget"], "amount",
         "HK one-off cost at which Delta V = 0 (negative: no budget makes the route pay)")
    line(5, "insurance_breakeven_premium", "Insurance break-even premium",
         "=CORR_POLITICAL_SHARE*CORR_SPREAD_DIRECT", be["insurance_breakeven_premium"],
         "0.0000%", "Cover pays for itself while the premium (MIGA ~1%) is below this")
    line(6, "dimsum_breakeven_basis", "Dim Sum break-even basis",
         "=-(CORR_SPREAD_DIRECT-CORR_CNH_SPREAD)-CORR_CNH_REVENUE_SHARE*CORR_HEDGE_COST",
         be["dimsum_breakeven_basis"], "0.0000%",
         "The Dim Sum tranche saves money while the basis is above this")
    # enforcement gain needed: V(w*) = V_D + (C_0 + PV running)(1+WACC_D)^delay / p_exec
    n = len(fcf)
    put_text(ws, "A10", "Rate at which the HK route breaks even (IRR of -V* then FCF, "
                        "column G)")
    target = (f"={m['value_direct']}+(CORR_HK_ONE_OFF+{m['pv_running']})*"
              f"(1+{m['wacc_direct']})^CORR_DELAY_YEARS/MAX(CORR_P_EXEC,1E-300)")
    put_text(ws, "A11", f"V* (value the HK route needs), {units}")
    b.formula(ws, "B11", target, None, FMT["amount"])
    header(ws, 21, [f"IRR flows, {run.case.deal.units}"], col=7)
    b.formula(ws, "G22", "=-B11", None, FMT["amount"])
    for i in range(n):
        b.formula(ws, f"G{23 + i}", f"=INDEX(CORR_FCF,{i + 1})", float(fcf[i]), FMT["amount"])
    put_text(ws, "A13", "w* (break-even WACC of the HK route)")
    b.formula(ws, "B13", f"=IRR(G22:G{22 + n},{m['wacc_hk']})", None, "0.000000%")
    slope = "((1-CORR_TAX_RATE)*(CORR_SENIOR_WEIGHT_HK+CORR_GREEN_WEIGHT_HK))"
    gain = f"({m['enforcement_gain_used']}+({m['wacc_hk']}-B13)/{slope})"
    gn = be["gain_needed"]
    line(7, "gain_needed", "Enforcement gain needed",
         f'=IFERROR(IF(OR(CORR_P_EXEC=0,{slope}=0),"{NO_BREAKEVEN}",IF(ABS({gain})>0.5,'
         f'"{NO_BREAKEVEN}",{gain})),"{NO_BREAKEVEN}")',
         gn if math.isfinite(gn) else NO_BREAKEVEN, "0.0000%",
         "Spread cut from HK law at which Delta V = 0 (Bae & Goyal's range is 0-67bp)")
    # critical deal size: bisection on log size, FCF and investment scaled together; the
    # listing and green costs are fixed, so WACC_H(size) = WACC_H - K + K / size.
    put_text(ws, "A16", "Critical deal size: bisection on x = ln(size multiple)", BOLD)
    put_text(ws, "A17", "K (fixed listing and green costs as WACC at size 1)")
    b.formula(ws, "B17", f"=CORR_LISTING_ANNUAL_COST/CORR_INVESTMENT+(1-CORR_TAX_RATE)*"
                         f"{m['green_fixed']}", None, "0.000000%")
    put_text(ws, "A18", f"F (HK one-off + PV running), {units}")
    b.formula(ws, "B18", f"=CORR_HK_ONE_OFF+{m['pv_running']}", None, FMT["amount"])

    def dv(x: str) -> str:
        return (f"EXP({x})*CORR_P_EXEC*(NPV({m['wacc_hk']}-$B$17+$B$17/EXP({x}),CORR_FCF)-"
                f"{m['value_direct']})/(1+{m['wacc_direct']})^CORR_DELAY_YEARS-$B$18")

    put_text(ws, "A19", f"Delta V at 1e-9 and 1e9 times the size, {units}")
    b.formula(ws, "B19", "=" + dv("LN(1E-9)"), None, "0.000E+00")
    b.formula(ws, "C19", "=" + dv("LN(1E9)"), None, "0.000E+00")
    header(ws, 21, ["Step", "lo = ln(size)", "hi = ln(size)", "mid",
                    f"Delta V(mid), {run.case.deal.units}"])
    top = 22
    for i in range(BISECTION_STEPS):
        r = top + i
        ws[f"A{r}"] = i + 1
        if i == 0:
            b.formula(ws, f"B{r}", "=LN(1E-9)", None, "0.000000")
            b.formula(ws, f"C{r}", "=LN(1E9)", None, "0.000000")
        else:
            same = f"((E{r - 1}>0)=($B$19>0))"
            b.formula(ws, f"B{r}", f"=IF({same},D{r - 1},B{r - 1})", None, "0.000000")
            b.formula(ws, f"C{r}", f"=IF({same},C{r - 1},D{r - 1})", None, "0.000000")
        b.formula(ws, f"D{r}", f"=(B{r}+C{r})/2", None, "0.000000")
        b.formula(ws, f"E{r}", "=" + dv(f"D{r}"), None, "#,##0.000")
    last = top + BISECTION_STEPS - 1
    ci = be["critical_investment"]
    line(8, "critical_investment", f"Critical deal size (investment), {units}",
         f'=IF(B19>=0,0,IF((B19>0)=(C19>0),"{NEVER_PAYS}",EXP(D{last})*CORR_INVESTMENT))',
         ci if math.isfinite(ci) else NEVER_PAYS, "amount",
         "Below this investment (FCF scaled alike) the HK route does not pay")
    words = {"gain_needed": NO_BREAKEVEN, "critical_investment": NEVER_PAYS}
    for key in ("max_setup_budget", "insurance_breakeven_premium", "dimsum_breakeven_basis",
                "gain_needed", "critical_investment"):
        row = int(refs[key].rsplit("$", 1)[1])
        b.check(f"Break-even: {key}", ws, f"B{row}",
                be[key] if math.isfinite(be[key]) else words.get(key, NO_BREAKEVEN))
    ws.column_dimensions["A"].width = 52
    ws.column_dimensions["B"].width = 16
    for col, width in zip("CDEFG", (16, 12, 20, 4, 18), strict=True):
        ws.column_dimensions[col].width = width
    for row in range(4, 9):  # the meaning runs over the empty cells to its right
        ws[f"C{row}"].alignment = Alignment(indent=1)
    print_setup(ws, "A4")
    return refs


# --------------------------------------------------------------------------- sensitivity, MC


def _sensitivity_sheet(b: _Book, run: CorridorRun) -> None:
    ws = b.sheet("Sensitivity")
    rows = b.model_rows
    scen = b.scenarios
    put_text(ws, "A1", "Sensitivity of C_e to the corridor variables", TITLE)
    put_text(ws, "A2", "I_m = " + co.VARIABLES["I_m"] + "; S_hk = " + co.VARIABLES["S_hk"]
             + "; R_ca = " + co.VARIABLES["R_ca"] + ". Up = the variable stronger.")
    header(ws, 4, ["Variable", "Input", "Shift", "C_e down", "C_e case", "C_e up"])
    col_of = {(s[0], s[1]): get_column_letter(2 + i) for i, s in enumerate(scen)}
    ce_row = rows["ce"]
    r = 5
    for row in run.sensitivity:
        var, name = row["variable"], row["input"]
        put_text(ws, f"A{r}", var)
        put_text(ws, f"B{r}", name)
        if math.isfinite(row["shift"]):
            ws[f"C{r}"] = row["shift"]
        for c, side in (("D", "down"), ("F", "up")):
            src = col_of[(var, f"{name} {side}")]
            b.formula(ws, f"{c}{r}", f"=Model!{src}{ce_row}", row[f"ce_{side}"], "0.0000%")
            b.check(f"Sensitivity {var} {name} {side}", ws, f"{c}{r}", row[f"ce_{side}"])
        b.formula(ws, f"E{r}", f"=Model!B{ce_row}", row["ce_base"], "0.0000%")
        r += 1
    for col, width in zip("ABCDEF", (10, 22, 10, 12, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "A5")


def _montecarlo_sheet(b: _Book, run: CorridorRun, m: Mapping[str, str]) -> None:
    """Simulation settings (blue inputs) and the engine's results as a labelled snapshot."""
    ws = b.sheet("MonteCarlo")
    mc = run.montecarlo
    put_text(ws, "A1", "Monte Carlo of C_e: value snapshot", TITLE)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 16
    for col in "CD":
        ws.column_dimensions[col].width = 12
    ws.column_dimensions["E"].width = 40
    print_setup(ws, None)
    if mc is None:
        put_text(ws, "A3", "No [simulation.uncertain] inputs in the case: no simulation run.")
        return
    put_text(ws, "A2", f"Engine snapshot (not formulas): {mc.n_paths:,} paths, seed {mc.seed}, "
                       "numpy Generator(PCG64), triangular draws. Rerun `xl-corridor report` "
                       "after changing inputs.")
    header(ws, 4, ["Setting", "Value"])
    for r, (label, setting, name) in enumerate((("Paths", mc.n_paths, "CORR_MC_PATHS"),
                                                ("Seed", mc.seed, "CORR_MC_SEED")), start=5):
        put_text(ws, f"A{r}", label)
        ws[f"B{r}"] = setting
        ws[f"B{r}"].font, ws[f"B{r}"].fill = BLUE, INPUT_FILL
        ws[f"B{r}"].number_format = "0"
        define(b.wb, name, "MonteCarlo", f"B{r}")
    header(ws, 8, ["Result (snapshot)", "Value"])
    rows = [("C_e mean", mc.ce_mean, "0.00%"), ("C_e standard deviation", mc.ce_std, "0.00%"),
            ("C_e 5th percentile", mc.ce_p5, "0.00%"), ("C_e median", mc.ce_p50, "0.00%"),
            ("C_e 95th percentile", mc.ce_p95, "0.00%"),
            ("P(C_e > 0)", mc.prob_positive, "0.0%"),
            (f"Delta V mean, {run.case.deal.units}", mc.delta_v_mean, "#,##0.0"),
            ("C_e of the case when simulated", run.result.values["ce"], "0.0000%")]
    for i, (label, value, fmt) in enumerate(rows):
        put_text(ws, f"A{9 + i}", label)
        ws[f"B{9 + i}"] = value
        ws[f"B{9 + i}"].number_format = fmt
    snap = 9 + len(rows) - 1
    put_text(ws, f"A{snap + 1}", "Status")
    b.formula(ws, f"B{snap + 1}",
              f'=IF(ABS({m["ce"]}-B{snap})>1E-12,"STALE: inputs changed since the simulation",'
              '"current")', "current")
    top = snap + 3
    header(ws, top, ["Uncertain input", "low", "mode", "high", "Unit"])
    for i, (name, (lo, mode, hi)) in enumerate(mc.uncertain.items()):
        r = top + 1 + i
        put_text(ws, f"A{r}", name)
        for c, v in zip("BCD", (lo, mode, hi), strict=True):
            ws[f"{c}{r}"] = v
            ws[f"{c}{r}"].font, ws[f"{c}{r}"].fill = BLUE, INPUT_FILL
            ws[f"{c}{r}"].number_format = "0.0000"
        put_text(ws, f"E{r}", unit_of(run.case, name))
    define(b.wb, "CORR_MC_UNCERTAIN", "MonteCarlo", f"A{top + 1}:D{top + len(mc.uncertain)}")


# --------------------------------------------------------------------------- summary, checks


def _summary_sheet(b: _Book, run: CorridorRun, m: Mapping[str, str],
                   be: Mapping[str, str]) -> None:
    ws = b.wb.create_sheet("Summary", 0)
    b.cached["Summary"] = {}
    v = run.result.values
    put_text(ws, "A1", f"Corridor entry: {run.case.deal.name}", TITLE)
    put_text(ws, "A2", f"{run.case.deal.sponsor}; {run.case.deal.country}; money in "
                       f"{run.case.deal.units}. C_e = Delta V / investment "
                       "(docs/corridor_model.md)")
    units = run.case.deal.units
    lines = [("C_e (Delta V per unit invested)", "ce", "0.00%"),
             (f"Delta V, {units}", "delta_v", FMT["amount"]),
             ("WACC direct", "wacc_direct", "0.000%"), ("WACC Hong Kong", "wacc_hk", "0.000%"),
             ("WACC gap, bp", "wacc_gap_bp", "0.00")]
    for i, (label, key, fmt) in enumerate(lines):
        put_text(ws, f"A{4 + i}", label)
        b.formula(ws, f"B{4 + i}", f"={m[key]}", v[key], fmt)
    put_text(ws, "A9", "Verdict")
    verdict = ("The Hong Kong route adds value" if v["ce"] > 0 else
               "The Hong Kong route does not pay at this size")
    b.formula(ws, "B9", f'=IF({m["ce"]}>0,"The Hong Kong route adds value",'
                        f'"The Hong Kong route does not pay at this size")', verdict)
    labels = [(f"Largest HK set-up budget, {units}", "max_setup_budget", FMT["amount"]),
              (f"Critical deal size (investment), {units}", "critical_investment",
               FMT["amount"]),
              ("Enforcement gain needed", "gain_needed", "0.000%"),
              ("Insurance break-even premium, a year", "insurance_breakeven_premium",
               "0.000%"),
              ("Dim Sum break-even basis", "dimsum_breakeven_basis", "0.000%")]
    for i, (label, key, fmt) in enumerate(labels):
        put_text(ws, f"A{11 + i}", label)
        value = run.result.breakevens[key]
        b.formula(ws, f"B{11 + i}", f"={be[key]}", value if math.isfinite(value) else None, fmt)
    # WACC by tranche, both routes: the waterfall's data and its chart
    header(ws, 18, ["Tranche (share of WACC)", "Direct", "Hong Kong"])
    for i, tranche in enumerate(("equity", "senior", "policy", "dimsum", "green")):
        r = 19 + i
        put_text(ws, f"A{r}", tranche)
        for c, route in (("B", "direct"), ("C", "hk")):
            tkey = WATERFALL[route].get(tranche)
            text = f"={m[tkey]}" if tkey else "=0"
            b.formula(ws, f"{c}{r}", text, run.result.waterfall[route][tranche], "0.000%")
            b.check(f"Waterfall {route} {tranche}", ws, f"{c}{r}",
                    run.result.waterfall[route][tranche])
    put_text(ws, "A24", "WACC", BOLD)
    b.formula(ws, "B24", "=SUM(B19:B23)", v["wacc_direct"], "0.000%")
    b.formula(ws, "C24", "=SUM(C19:C23)", v["wacc_hk"], "0.000%")
    ws.add_chart(stacked_columns(ws, 19, 23, title="WACC by tranche: direct vs Hong Kong",
                                 y_title="contribution to WACC", y_format="0.0%", size=(9, 14)),
                 "E3")
    _drivers_block(b, ws, run, 27)
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 16
    ws.column_dimensions["D"].width = 16
    print_setup(ws, None, landscape=True)


def _drivers_block(b: _Book, ws: Worksheet, run: CorridorRun, top: int) -> None:
    """What drives C_e: C_e with all the inputs of each corridor variable moved together
    (live links to the Model sheet's sensitivity columns)."""
    rows = b.model_rows
    col_of = {(s[0], s[1]): get_column_letter(2 + i) for i, s in enumerate(b.scenarios)}
    ce_row = rows["ce"]
    put_text(ws, f"A{top - 1}", "What drives C_e: each corridor variable moved (all its "
                                "inputs together; Sensitivity sheet for each input)")
    header(ws, top, ["Variable", "C_e, weaker", "C_e, case", "C_e, stronger",
                     "Inputs moved (toward stronger)"])
    names = {"I_m": "I_m: mainland scale", "S_hk": "S_hk: Hong Kong execution",
             "R_ca": "R_ca: country risk"}
    every = {r["variable"]: r for r in run.sensitivity if r["input"] == "all"}
    for i, (var, shifts) in enumerate(co.SENSITIVITY_SHIFTS.items()):
        r = top + 1 + i
        moved = ", ".join(f"{n} {size:+g}" if co._DIRECTION.get(n, 1.0) > 0 else
                          f"{n} {-size:+g}" for n, size in shifts)
        put_text(ws, f"A{r}", names.get(var, var))
        put_text(ws, f"E{r}", moved)
        ws[f"E{r}"].alignment = Alignment(indent=1)
        for c, side in (("B", "down"), ("D", "up")):
            b.formula(ws, f"{c}{r}", f"=Model!{col_of[(var, f'all {side}')]}{ce_row}",
                      every[var][f"ce_{side}"], "0.00%")
        b.formula(ws, f"C{r}", f"=Model!B{ce_row}", every[var]["ce_base"], "0.00%")
    put_text(ws, f"A{top + 4}", "Stronger: more mainland scale (I_m), better Hong Kong execution "
                                "(S_hk), more country risk (R_ca); shares kept in [0, 1].")


def _checks_sheet(b: _Book) -> None:
    ws = b.sheet("Checks")
    put_text(ws, "A1", "Checks: every line against the engine", TITLE)
    put_text(ws, "A2", f"OK when |workbook - engine| <= {TOLERANCE:g} x max(1, |engine|).")
    header(ws, 4, ["Quantity", "Workbook", "Engine", "Difference", "Status"])
    for i, (label, ref, value) in enumerate(b.checks):
        r = 5 + i
        put_text(ws, f"A{r}", label)
        b.formula(ws, f"B{r}", f"={ref}", value, "#,##0.000000000")
        ws[f"C{r}"] = value
        ws[f"C{r}"].number_format = "#,##0.000000000"
        b.formula(ws, f"D{r}", f"=IF(ISTEXT(C{r}),IF(B{r}=C{r},0,1E+300),"
                               f"IFERROR(ABS(B{r}-C{r}),1E+300))", 0.0, "0.0E+00")
        b.formula(ws, f"E{r}", f'=IF({fx.within(f"D{r}", f"C{r}", repr(TOLERANCE))},"OK","FAIL")',
                  "OK")
        ws[f"E{r}"].alignment = Alignment(horizontal="center")
    last = 4 + len(b.checks)
    put_text(ws, "G4", "All checks", BOLD)
    b.formula(ws, "G5", f'=IF(COUNTIF(E5:E{last},"OK")={len(b.checks)},"OK","FAIL")', "OK")
    define(b.wb, "CORR_CHECKS", "Checks", "G5")
    ws.column_dimensions["A"].width = 40
    for col in "BC":
        ws.column_dimensions[col].width = 20
    ws.column_dimensions["D"].width = 12
    print_setup(ws, "A5")


def plan_corridor_report(case: CorridorCase) -> _Book:
    """The corridor report in memory: ``.wb`` the workbook, ``.cached`` sheet -> cell -> the
    engine's value of each formula cell, ``.snapshot`` the cells holding stored engine output
    (the Checks sheet's engine column, the Monte Carlo results), ``.inputs`` the editable
    cells. The validator rebuilds a report this way from its own inputs and compares."""
    run = run_corridor_case(case)
    b = _Book()
    _inputs_sheet(b, run)
    _cash_flow_sheet(b, run)
    m = _model_sheet(b, run)
    be = _breakeven_sheet(b, run, m)
    _sensitivity_sheet(b, run)
    _montecarlo_sheet(b, run, m)
    _summary_sheet(b, run, m, be)
    _checks_sheet(b)
    b.inputs = corridor_input_cells(b.wb)
    snapshot = {f"Checks!C{5 + i}" for i in range(len(b.checks))}
    if run.montecarlo is not None:
        snapshot |= {f"MonteCarlo!{c.coordinate}" for row in b.wb["MonteCarlo"].iter_rows()
                     for c in row if c.value is not None} - b.inputs
    b.snapshot = frozenset(snapshot)
    return b


def build_corridor_report(case: CorridorCase | str | os.PathLike[str] | Mapping[str, Any],
                          path: str | os.PathLike[str]) -> Path:
    """Write the corridor report for ``case`` (a loaded case, a TOML path, or a mapping).

    Returns the path written. The workbook recalculates in Excel or LibreOffice with no add-in.
    """
    if not isinstance(case, CorridorCase):
        case = load_corridor_case(case if isinstance(case, Mapping) else Path(case))
    b = plan_corridor_report(case)
    return save_workbook(b.wb, path, kind=CORRIDOR_REPORT_KIND, cached=b.cached,
                         input_refs=b.inputs)


# --------------------------------------------------------------------------- template sheet

CORRIDOR_SHEET = "Corridor"
# Extra inputs of the template sheet: the unhedged KZT-vs-USD comparison (KASE figures).
FX_INPUTS = (
    ("usd_yield", 0.0556, "KASE: DBK USD Eurobond reopening, 26 Jun 2025, 5.56%"),
    ("foreign_yield", 0.17, "KASE: DBK KZT bond, May 2025, 1 year, 17.00%"),
    ("expected_fx_change", -0.08, "ILLUSTRATIVE expected tenge change against USD a year"),
)
# The Excel function behind each model line of the template sheet ({x}: an input's cell or the
# function column's cell of an earlier line).
UDF_ROWS: dict[str, str] = {
    "ke_direct": "CORRIDOR_KE({rf},{beta},{mrp},{crp},{liquidity_premium},{country_exposure})",
    "ke_hk": "CORRIDOR_KE_HK({ke_direct},{listing_premium_cut},{listing_annual_cost},"
             "{equity_weight_hk}*{investment})",
    "p_enforce_hk": "CORRIDOR_ENFORCE_HK({mainland_share},{p_local},{p_mainland})",
    "rr_direct": "CORRIDOR_RECOVERY({p_local},{collateral},{local_cost},{local_years},"
                 "{lender_rate})",
    "rr_hk": "CORRIDOR_RECOVERY({p_enforce_hk},{collateral},{hk_cost},{hk_years},{lender_rate})",
    "enforcement_gain": "CORRIDOR_ENFORCEMENT_GAIN({pd},{rr_hk},{rr_direct},"
                        "{spread_multiplier})",
    "spread_hk": "CORRIDOR_SENIOR_SPREAD({spread_direct},{enforcement_gain},{cover},{premium},"
                 "{political_share},{gain_cap})",
    "k_policy": "CORRIDOR_POLICY_LOAN({usd_base_rate},{policy_margin},{policy_fees},"
                "{debt_years},{escrow_share},{escrow_carry})",
    "dimsum_saving": "CORRIDOR_DIMSUM_SAVING({spread_direct},{cnh_spread},{basis},"
                     "{cnh_revenue_share},{hedge_cost})",
    "green_spread": "CORRIDOR_GREEN_SPREAD({spread_hk},{green_weight_hk}*{investment},"
                    "{debt_years},{usd_base_rate}+{spread_direct},{review_cost},"
                    "{certification_cost},{hk_grant},{reporting_cost},{greenium},{step_up},"
                    "{step_up_probability})",
    "wacc_direct": "CORRIDOR_WACC({equity_weight_direct},{ke_direct},{@d_weights},{@d_costs},"
                   "{tax_rate})",
    "wacc_hk": "CORRIDOR_WACC({equity_weight_hk},{ke_hk},{@h_weights},{@h_costs},{tax_rate})",
    "delta_v": "CORRIDOR_DELTA_V({@fcf},{wacc_direct},{wacc_hk},{p_exec},{delay_years},"
               "{hk_one_off},{hk_annual},{hk_cost_years})",
    "ce": "CORRIDOR_CE({delta_v},{investment})",
}
EXTRA_UDF_ROWS: list[tuple[str, str, str, str]] = [
    ("insurance_breakeven_premium", "Insurance break-even premium",
     "CORRIDOR_INSURANCE_BREAKEVEN({spread_direct},{political_share})",
     "{political_share}*{spread_direct}"),
    ("dimsum_breakeven_basis", "Dim Sum break-even basis",
     "CORRIDOR_DIMSUM_BREAKEVEN({spread_direct},{cnh_spread},{cnh_revenue_share},{hedge_cost})",
     "-({spread_direct}-{cnh_spread})-{cnh_revenue_share}*{hedge_cost}"),
    ("fx_debt_saving", "KZT debt saving vs USD, unhedged",
     "CORRIDOR_FX_DEBT_SAVING({usd_yield},{foreign_yield},{expected_fx_change})",
     "{usd_yield}-((1+{foreign_yield})*(1+{expected_fx_change})-1)"),
]


def _template_case() -> CorridorCase:
    from importlib import resources

    text = resources.files("xl_corridor").joinpath("data", "corridor_example.toml").read_text(
        "utf-8")
    return load_corridor_case(text)


def add_corridor_sheet(wb: Workbook, case: CorridorCase | None = None) -> Worksheet:
    """Write the template's corridor sheet into ``wb``: blue inputs (the example case unless
    ``case`` is given), every model line computed by a CORRIDOR_ Excel function (column C) beside
    the same line in native formulas (column D) and a check (column E).

    The function column needs the xl-corridor add-in; the native column recalculates anywhere.
    Returns the sheet. Cell positions are stable: ``corridor_sheet_layout()`` gives them.
    """
    case = case or _template_case()
    run = run_corridor_case(case)
    ws = wb.create_sheet(CORRIDOR_SHEET)
    put_text(ws, "A1", "Corridor entry: Hong Kong route vs direct route", TITLE)
    put_text(ws, "A2", f"{case.deal.name}. Blue cells are inputs (money in {case.deal.units}); "
                       "column C calls the CORRIDOR_ functions, column D computes the same in "
                       "native formulas, column E compares them. docs/corridor_model.md")
    layout = corridor_sheet_layout(case)
    inputs = layout["inputs"]
    defaults = _defaults()
    header(ws, 4, ["Input", "Value", "Unit", "Source"])
    values = dict(run.inputs)
    for section in SECTIONS:
        for field_name, v in getattr(case, section).model_dump().items():
            if field_name in ("operating_cf", "volume"):
                continue
            values[field_name] = v
    for field_name, row in inputs.items():
        put_text(ws, f"A{row}", field_name)
        if field_name in co.INPUTS and case_value_is_default(case, field_name):
            key = co.INPUTS[field_name].source_key
            value: Any = float(defaults[key]["value"])
            source = f"default: {defaults[key]['source']} ({defaults[key]['date']})"
        elif field_name in dict((n, v) for n, v, _ in FX_INPUTS):
            value = next(v for n, v, _ in FX_INPUTS if n == field_name)
            source = next(s for n, _, s in FX_INPUTS if n == field_name)
        else:
            value = values[field_name]
            source = case.sources.get(field_name, "")
        cell = ws[f"B{row}"]
        cell.value = value
        cell.font, cell.fill = BLUE, INPUT_FILL
        unit = (_unit(case, field_name) if field_name in co.INPUTS or field_name
                in ("price", "freight", "rail", "border", "transit_days", "carry_rate")
                else "decimal")
        cell.number_format = input_format(field_name, unit)
        put_text(ws, f"C{row}", unit)
        put_text(ws, f"D{row}", source)

    def inp(token: str) -> str:
        return f"$B${inputs[token]}"

    # cash flows
    top = layout["fcf_top"]
    n = len(case.project.operating_cf)
    header(ws, top - 1, ["Year", "Operating CF", "Volume", "FCF"])
    nb_row = layout["netback"]
    put_text(ws, f"A{nb_row}", "Netback per unit")
    nb_args = ",".join(inp(k) for k in NETBACK_ARGS)
    ws[f"C{nb_row}"] = f"=CORRIDOR_NETBACK({nb_args})"
    ws[f"D{nb_row}"] = "=" + fx.netback(*(inp(k) for k in NETBACK_ARGS))
    ws[f"E{nb_row}"] = _check_formula(f"C{nb_row}", f"D{nb_row}")
    ws[f"C{nb_row}"].number_format = ws[f"D{nb_row}"].number_format = "#,##0.00"
    for i, value in enumerate(case.project.operating_cf):
        r = top + i
        ws[f"A{r}"] = i + 1
        ws[f"B{r}"] = value
        vol = case.project.volume
        ws[f"C{r}"] = vol[i] if len(vol) > 1 else (vol[0] if i == 0 else f"=$C${top}")
        for c in ("B", "C") if (len(vol) > 1 or i == 0) else ("B",):
            ws[f"{c}{r}"].font, ws[f"{c}{r}"].fill = BLUE, INPUT_FILL
        ws[f"D{r}"] = f"=B{r}-(1-{inp('tax_rate')})*C{r}*({inp('price')}-$D${nb_row})"
        ws[f"B{r}"].number_format = ws[f"D{r}"].number_format = FMT["amount"]
        ws[f"C{r}"].number_format = "#,##0.000"
    fcf_range = f"$D${top}:$D${top + n - 1}"
    # helper ranges for CORRIDOR_WACC (tranche weights and costs in a row)
    model = layout["model"]
    hr = layout["helpers"]
    put_text(ws, f"F{hr}", "CORRIDOR_WACC tranches (weights, then costs)", BOLD)
    helpers = {
        "d_weights": ([inp("senior_weight_direct"), inp("policy_weight_direct")], hr + 1),
        "d_costs": ([f"D{model['k_senior_direct']}", f"C{model['k_policy']}"], hr + 2),
        "h_weights": ([inp("senior_weight_hk"), inp("dimsum_weight_hk"),
                       inp("green_weight_hk")], hr + 3),
        "h_costs": ([f"D{model['k_senior_hk']}", f"D{model['k_dimsum']}",
                     f"D{model['k_green']}"], hr + 4),
    }
    helper_range = {}
    for key, (refs, r) in helpers.items():
        put_text(ws, f"F{r}", key)
        for j, ref in enumerate(refs):
            ws[f"{get_column_letter(7 + j)}{r}"] = f"={ref}"
            ws[f"{get_column_letter(7 + j)}{r}"].number_format = FMT["rate"]
        helper_range[key] = f"$G${r}:${get_column_letter(6 + len(refs))}${r}"
    header(ws, layout["model_top"] - 1, ["Model line", "", "CORRIDOR_ function", "Native",
                                         "Check"])

    def udf_ref(token: str) -> str:
        if token.startswith("@"):
            return fcf_range if token == "@fcf" else helper_range[token[1:]]
        if token in inputs:
            return inp(token)
        return f"C{model[token]}" if token in UDF_ROWS else f"D{model[token]}"

    def native_ref(token: str) -> str:
        return inp(token) if token in inputs else f"D{model[token]}"

    for key, label, fmt, template in MODEL_ROWS:
        r = model[key]
        put_text(ws, f"A{r}", label)
        ws[f"D{r}"] = "=" + _fill(template, native_ref).replace("CORR_FCF", fcf_range)
        ws[f"D{r}"].number_format = FMT.get(fmt, fmt)
        if key in UDF_ROWS:
            ws[f"C{r}"] = "=" + _fill(UDF_ROWS[key], udf_ref)
            ws[f"C{r}"].number_format = FMT.get(fmt, fmt)
            ws[f"E{r}"] = _check_formula(f"C{r}", f"D{r}")
    for key, label, udf_text, native in EXTRA_UDF_ROWS:
        r = model[key]
        put_text(ws, f"A{r}", label)
        ws[f"C{r}"] = "=" + _fill(udf_text, udf_ref)
        ws[f"D{r}"] = "=" + _fill(native, native_ref)
        ws[f"E{r}"] = _check_formula(f"C{r}", f"D{r}")
        for c in "CD":
            ws[f"{c}{r}"].number_format = "0.0000%"
    ws.column_dimensions["A"].width = 40
    for c in "BCDE":
        ws.column_dimensions[c].width = 19  # "CORRIDOR_ function" fits its header
    print_setup(ws, "B5")
    return ws


def _check_formula(udf: str, native: str) -> str:
    return f'=IFERROR(IF({fx.check(udf, native, repr(TOLERANCE))},"OK","CHECK"),"CHECK")'


def case_value_is_default(case: CorridorCase, field_name: str) -> bool:
    """True when the case leaves ``field_name`` to its sourced default."""
    for section in SECTIONS:
        data = getattr(case, section).model_dump()
        if field_name in data:
            return data[field_name] is None
    return False


def corridor_sheet_layout(case: CorridorCase) -> dict[str, Any]:
    """Rows of the template's corridor sheet: inputs, cash flows, model lines, helpers."""
    names = [f for s in SECTIONS for f in type(getattr(case, s)).model_fields
             if f not in ("operating_cf", "volume")] + [n for n, _, _ in FX_INPUTS]
    inputs = {name: 5 + i for i, name in enumerate(names)}
    netback = 5 + len(names) + 1
    fcf_top = netback + 3
    n = len(case.project.operating_cf)
    model_top = fcf_top + n + 2
    model = {key: model_top + i for i, (key, _, _, _) in enumerate(MODEL_ROWS)}
    for j, (key, _, _, _) in enumerate(EXTRA_UDF_ROWS):
        model[key] = model_top + len(MODEL_ROWS) + j
    return {"inputs": inputs, "netback": netback, "fcf_top": fcf_top, "model_top": model_top,
            "model": model, "helpers": model_top}


def corridor_sheet_input_cells(wb: Workbook) -> frozenset[str]:
    """The template corridor sheet's editable cells (``Corridor!B7``...): each input's value and
    source, and the cash-flow inputs (operating CF; the volume in its first row, or every row
    when it is given per year). Empty when ``wb`` has no corridor sheet."""
    if CORRIDOR_SHEET not in wb.sheetnames:
        return frozenset()
    ws = wb[CORRIDOR_SHEET]
    layout = corridor_sheet_layout(_template_case())
    cells = {f"{CORRIDOR_SHEET}!{c}{r}" for r in layout["inputs"].values() for c in "BD"}
    top = layout["fcf_top"]
    n = len(_template_case().project.operating_cf)
    for r in range(top, top + n):
        cells.add(f"{CORRIDOR_SHEET}!B{r}")
        v = ws[f"C{r}"].value
        if not (isinstance(v, str) and v.startswith("=")):
            cells.add(f"{CORRIDOR_SHEET}!C{r}")
    return frozenset(cells)


def corridor_sheet_case(wb: Any) -> CorridorCase:
    """The corridor case the template's corridor sheet holds (its blue cells over the example
    case's deal and simulation). Raises ``CaseError`` for inputs the model refuses."""
    from xl_corridor.workbook.corridor_inputs import DEFAULT_MARK

    ws = wb[CORRIDOR_SHEET]
    base = _template_case()
    layout = corridor_sheet_layout(base)
    defaults = _defaults()
    data = base.model_dump()
    data["sources"] = {}
    for section in SECTIONS:
        for field_name in list(data[section]):
            row = layout["inputs"].get(field_name)
            if row is None:
                continue
            value = ws[f"B{row}"].value
            source = str(ws[f"D{row}"].value or "")
            if source.startswith(DEFAULT_MARK) and field_name in co.INPUTS and isinstance(
                    value, int | float) and math.isclose(
                    float(value), float(defaults[co.INPUTS[field_name].source_key]["value"]),
                    rel_tol=1e-14):
                data[section][field_name] = None
                continue
            if isinstance(value, float) and value.is_integer() and field_name in (
                    "debt_years", "hk_cost_years"):
                value = int(value)
            elif isinstance(value, int) and not isinstance(value, bool) and field_name not in (
                    "debt_years", "hk_cost_years"):
                value = float(value)
            data[section][field_name] = value
    top = layout["fcf_top"]
    n = len(base.project.operating_cf)

    def num(v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    data["project"]["operating_cf"] = [num(ws[f"B{top + i}"].value) for i in range(n)]
    vol = [ws[f"C{top + i}"].value for i in range(n)]
    single = n > 1 and isinstance(vol[1], str) and vol[1].startswith("=")
    data["project"]["volume"] = [num(vol[0])] if single else [num(v) for v in vol]
    return load_corridor_case(data, label=f"{CORRIDOR_SHEET} sheet")


def corridor_sheet_expected(wb: Any) -> dict[str, Any]:
    """What the template's corridor sheet must evaluate to (``Corridor!C12`` -> value): each
    CORRIDOR_ function cell the engine's value for the sheet's own inputs, each check "OK"."""
    case = corridor_sheet_case(wb)
    run = run_corridor_case(case)
    layout = corridor_sheet_layout(case)
    values = _core_values(run, {})
    out: dict[str, Any] = {}
    for key in UDF_ROWS:
        out[f"{CORRIDOR_SHEET}!C{layout['model'][key]}"] = values[key]
        out[f"{CORRIDOR_SHEET}!E{layout['model'][key]}"] = "OK"
    for key, _, _, _ in EXTRA_UDF_ROWS:
        if key in run.result.breakevens:
            out[f"{CORRIDOR_SHEET}!C{layout['model'][key]}"] = run.result.breakevens[key]
        out[f"{CORRIDOR_SHEET}!E{layout['model'][key]}"] = "OK"
    nb = layout["netback"]
    lg = case.logistics
    out[f"{CORRIDOR_SHEET}!C{nb}"] = float(co.logistics_netback(
        lg.price, lg.freight, lg.rail, lg.border, lg.transit_days, lg.carry_rate))
    out[f"{CORRIDOR_SHEET}!E{nb}"] = "OK"
    return out
