"""The interactive template workbook.

``build_template(path)`` writes ``workbooks/corridor_template.xlsx``: an Inputs sheet (blue input
cells, units, sources, one defined name per input; pre-filled with the built-in example deal) and
a Model sheet whose cells call the xl-corridor UDFs, each beside the same quantity in native
Excel formulas and a check cell. The sensitivity block calls DUAL_NPV once over a 7 x 7 grid as
a legacy array formula (openpyxl cannot write dynamic-array metadata).

The output is deterministic (fixed document times, fixed zip entry times), so the committed
template equals what the generator writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.case import Case, load_case
from xl_corridor.case.schema import Valuation
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook import rules
from xl_corridor.workbook.inputs import write_inputs
from xl_corridor.workbook.marks import TEMPLATE_KIND, TOLERANCE
from xl_corridor.workbook.save import save_workbook
from xl_corridor.workbook.styles import (
    BLACK,
    BLUE,
    BOLD,
    FMT,
    GREEN,
    INPUT_FILL,
    TITLE,
    define,
    gridlines_off,
    header,
    print_setup,
    properties,
    put_text,
)

__all__ = ["build_template", "example_case", "template_workbook"]

# Template capacity: rows the banker can fill; blanks at the end are ignored.
TEMPLATE_CF_ROWS = 30
TEMPLATE_ITEM_ROWS = 10
TEMPLATE_FX_ROWS = 6


def example_case() -> Case:
    """The built-in example deal (Jiaxin International Resources, illustrative cash flows)."""
    text = resources.files("xl_corridor").joinpath("data", "example_case.toml").read_text("utf-8")
    return load_case(text)


# --- the template -------------------------------------------------------------------------------

MODEL_ROWS = {
    "ke_single": 6, "ke_dual": 7, "annual_cost": 8, "compliance_cost": 9, "pv_single": 10,
    "pv_dual": 11, "delta_npv": 12, "breakeven_cost": 13, "breakeven_ke": 14, "capex": 15,
    "listing_path": 16, "decision": 17, "grid": 18,
}
NO_BREAKEVEN_KE = "no break-even Ke"  # check-cell text when DUAL_BREAKEVEN_KE finds no root
GRID_TOP = 23  # first row of the UDF grid; native grid 10 rows below
GRID_STEPS = 7
# Further analytics below the native grid: one UDF call each, beside its native cross-check.
EXTRA_ROWS = {"arb_band": 44, "dimsum_cost": 45, "dimsum_saving": 46, "premia_grid": 47}
PREMIA_TOP = 51  # first row of the UDF premia grid; native premia grid 10 rows below
# The valuation block (issue 15) below the premia grids, when the case has [valuation]: one
# UDF call each beside its native cross-check. Helper cells of the native tree in column I.
VALUATION_ROWS = {
    "npv_per_share": 72, "npv_to_mcap": 73, "price_uplift": 74, "dilution": 75,
    "money_left": 76, "critical_mass": 77, "wait_value": 78, "timing": 79,
}
#: Binomial tree steps of the template's DUAL_WAIT_VALUE and its native cross-check (the case
#: file's default, which a template's inputs read back to).
TEMPLATE_TREE_STEPS: int = Valuation.model_fields["tree_steps"].default
# Model rows holding a check cell in column E (MODEL_ROWS["grid"] + 1: all checks pass); the
# valuation rows check only in a template whose case has [valuation] (the example has).
CHECK_ROWS = tuple(
    row for key, row in MODEL_ROWS.items() if key not in ("annual_cost", "pv_single", "pv_dual")
) + (MODEL_ROWS["grid"] + 1,) + tuple(EXTRA_ROWS.values())


def _grid_axes(ws: Worksheet, block: str, first_row: int, udf_top: int, cols: list[str],
               corner: str, rows: tuple[str, str, str], columns: tuple[str, str, str]) -> None:
    """Axis labels of a sensitivity grid whose top-left result cell is ``C{first_row}``.

    The UDF block spreads each axis evenly between two defined names (``rows``/``columns``:
    low name, high name, number format); the native block below repeats the UDF block's axes.
    """
    n = len(cols)
    put_text(ws, f"B{first_row - 1}", corner, BOLD)
    lo, hi, fmt = columns
    for j, col in enumerate(cols):
        ref = f"{col}{first_row - 1}"
        ws[ref] = "=" + fx.grid_axis(lo, hi, j, n) if block == "udf" else f"={col}{udf_top - 1}"
        ws[ref].number_format, ws[ref].font = fmt, BOLD
    lo, hi, fmt = rows
    for i in range(n):
        ref = f"B{first_row + i}"
        ws[ref] = "=" + fx.grid_axis(lo, hi, i, n) if block == "udf" else f"=B{udf_top + i}"
        ws[ref].number_format, ws[ref].font = fmt, BOLD


def _udf_row(ws: Worksheet, row: int, label: str, udf: str | None, native: str | None, fmt: str,
             check: str | None = None, unit: str = "") -> None:
    """One line of the Model sheet: label, the add-in's formula (C), the same quantity in native
    formulas (D), their check (E: ``check``, by default :func:`fx.udf_check`; "" for none) and
    the unit (F; "units" links to the case's amount units)."""
    put_text(ws, f"A{row}", label)
    for col, formula in (("C", udf), ("D", native)):
        if formula is not None:
            ws[f"{col}{row}"] = formula
            ws[f"{col}{row}"].number_format = fmt
            ws[f"{col}{row}"].font = BLACK
    if check is None:
        check = "=" + fx.udf_check(f"C{row}", f"D{row}")
    if check:
        ws[f"E{row}"] = check
    if unit == "units":
        ws[f"F{row}"] = "=units"
    else:
        put_text(ws, f"F{row}", unit)


def _grid_pair(ws: Worksheet, top: int, heads: tuple[str, str], corner: str,
               rows: tuple[str, str, str], columns: tuple[str, str, str],
               native: Callable[[int, str, int], str], udf: Callable[[str, str], str]) -> str:
    """A sensitivity grid twice: one array call of the add-in from ``C{top}``, and below it the
    same cells in native formulas (``native(row, column, header_row)``: one cell's formula,
    without "="). ``udf(row_axis, column_axis)`` is the array formula. Returns its range."""
    n = GRID_STEPS
    cols = [chr(ord("C") + j) for j in range(n)]
    ntop = top + n + 3
    for block, head, first in (("udf", heads[0], top), ("native", heads[1], ntop)):
        put_text(ws, f"A{first - 2}", head, BOLD)
        _grid_axes(ws, block, first, top, cols, corner, rows, columns)
        for i in range(n):
            for col in cols:
                cell = ws[f"{col}{first + i}"]
                if block == "native":
                    cell.value = "=" + native(first + i, col, first - 1)
                cell.number_format = FMT["amount"]
    last = top + n - 1
    ref = f"C{top}:{cols[-1]}{last}"
    ws[f"C{top}"] = ArrayFormula(
        ref, "=" + udf(f"B{top}:B{last}", f"C{top - 1}:{cols[-1]}{top - 1}"))
    return ref


def _model_sheet(wb: Workbook, refs: Mapping[str, str]) -> None:
    ws = wb.create_sheet("Model")
    put_text(ws, "A1", "Dual-listing model (xl-corridor add-in)", TITLE)
    put_text(ws, "A2", "UDF: calls the xl-corridor add-in. Native: the same quantity in built-in "
             "Excel functions. Check: TRUE when they agree within the tolerance.")
    put_text(ws, "A3", "Tolerance (relative)")
    ws["B3"] = TOLERANCE
    ws["B3"].font, ws["B3"].fill, ws["B3"].number_format = BLUE, INPUT_FILL, "0.0E+00"
    define(wb, "tol", "Model", "B3")
    put_text(ws, "D3", "Timing shift")
    ws["E3"] = "=" + fx.TIMING_SHIFT
    define(wb, "timing_shift", "Model", "E3")
    # the terminal value's base: the last cash flow and its discount exponent (COUNT: the
    # functions read the flows up to the first blank)
    put_text(ws, "A4", "Last cash flow (base of a terminal value)")
    ws["B4"] = "=INDEX(cash_flows,COUNT(cash_flows))"
    ws["B4"].number_format = FMT["amount"]
    define(wb, "tv_flow", "Model", "B4")
    put_text(ws, "D4", "Its period - shift")
    ws["E4"] = "=COUNT(cash_flows)-timing_shift"
    define(wb, "tv_t", "Model", "E4")
    # Labels in A, UDF results in C, native formulas in D, checks in E, units in F.
    header(ws, 5, ["Quantity", "", "UDF (add-in)", "Native Excel", "Check", "Units"])
    r = MODEL_ROWS
    rows: list[tuple[str, str | None, str | None, str | None, str, str]] = [
        ("Ke, single listing", "=CORRIDOR_KE(rf,beta,mrp,crp_single,lp_single,country_exposure)",
         "=" + fx.cost_of_equity("rf", "beta", "mrp", "country_exposure", "crp_single",
                                 "lp_single"), None, "rate", "decimal"),
        ("Ke, dual listing", "=CORRIDOR_KE(rf,beta,mrp,crp_dual,lp_dual,country_exposure)",
         "=" + fx.cost_of_equity("rf", "beta", "mrp", "country_exposure", "crp_dual", "lp_dual"),
         None, "rate", "decimal"),
        ("Annual incremental compliance cost (model currency)", None,
         "=SUMPRODUCT(comp_amounts,comp_fx,comp_incr)", "", "amount", "units"),
        ("Capitalized compliance cost",
         "=COMPLIANCE_COST(comp_amounts,comp_years,comp_rate,comp_growth,comp_one_off,comp_fx,"
         "comp_tax,comp_incr,comp_cost_basis,comp_listing_expenses,comp_include_listing,"
         "terminal_growth)",
         "=comp_one_off+IF(comp_include_listing,comp_listing_expenses,0)"
         f"+(1-comp_tax)*D{r['annual_cost']}"
         '*IF(comp_cost_basis="today",1+comp_growth,1)*(IF(comp_growth=comp_rate,'
         "comp_years/(1+comp_rate),"
         "(1-((1+comp_growth)/(1+comp_rate))^comp_years)/(comp_rate-comp_growth))"
         "+IF(ISNUMBER(terminal_growth),(1+comp_growth)^(comp_years-1)*(1+terminal_growth)"
         "/(comp_rate-terminal_growth)/(1+comp_rate)^comp_years,0))",
         None, "amount", "units"),
        ("PV of cash flows at Ke single (with a terminal value if its growth is given)", None,
         "=" + fx.timed_npv(f"D{r['ke_single']}") + "+" + fx.gordon_pv(f"D{r['ke_single']}"),
         "", "amount", "units"),
        ("PV of cash flows at Ke dual (with a terminal value if its growth is given)", None,
         "=" + fx.timed_npv(f"D{r['ke_dual']}") + "+" + fx.gordon_pv(f"D{r['ke_dual']}"),
         "", "amount", "units"),
        ("Delta NPV",
         f"=DUAL_NPV(cash_flows,C{r['ke_dual']},C{r['ke_single']},C{r['compliance_cost']},timing,"
         "terminal_growth)",
         f"=D{r['pv_dual']}-D{r['pv_single']}-D{r['compliance_cost']}", None, "amount", "units"),
        ("Break-even compliance cost",
         f"=DUAL_BREAKEVEN_COST(cash_flows,C{r['ke_dual']},C{r['ke_single']},timing,"
         "terminal_growth)",
         f"=D{r['pv_dual']}-D{r['pv_single']}", None, "amount", "units"),
        ("Break-even Ke dual (native: Delta NPV there, 0)",
         f"=DUAL_BREAKEVEN_KE(cash_flows,C{r['ke_single']},C{r['compliance_cost']},timing,"
         "terminal_growth)",
         "=" + fx.timed_npv(f"C{r['breakeven_ke']}") + "+" + fx.gordon_pv(f"C{r['breakeven_ke']}")
         + f"-D{r['pv_single']}-D{r['compliance_cost']}",
         # No break-even exists when no lower Ke recovers the cost: DUAL_BREAKEVEN_KE then shows
         # its message as an error, and the check says so in words.
         "=" + fx.udf_check(f"C{r['breakeven_ke']}", f"D{r['breakeven_ke']}",
                            no_root=NO_BREAKEVEN_KE,
                            test=fx.within(f"ABS(D{r['breakeven_ke']})", f"D{r['pv_single']}")),
         "rate", "decimal"),
        ("Pre-production capital I_total",
         "=CORRIDOR_CAPEX(capex_exploration,capex_feasibility,capex_infrastructure,"
         "capex_regulatory,capex_contingency)",
         "=(capex_exploration+capex_feasibility+capex_infrastructure+capex_regulatory)"
         "*(1+capex_contingency)", None, "amount", "units"),
        ("Recommended listing path", "=LISTING_PATH(reporting_code,resource_category,dfs_complete)",
         "=listing_path_native",
         "=" + fx.text_check(f"C{r['listing_path']}", f"D{r['listing_path']}"), "text", ""),
        ("Decision (value and eligibility)",
         "=" + fx.decision(f"C{r['delta_npv']}", fx.path_code_of(f"C{r['listing_path']}")),
         "=" + fx.decision(f"D{r['delta_npv']}", "listing_code_native"),
         f"=EXACT(C{r['decision']},D{r['decision']})", "text", ""),
    ]
    for i, (label, udf, native, check, kind, unit) in enumerate(rows):
        _udf_row(ws, 6 + i, label, udf, native, FMT[kind], check, unit)

    top, n = GRID_TOP, GRID_STEPS
    last = top + n - 1
    ntop = top + n + 3
    nlast = ntop + n - 1
    cols = [chr(ord("C") + j) for j in range(n)]
    g = r["grid"]
    put_text(ws, f"A{g}", "Sensitivity grid: UDF vs native")
    ws[f"E{g}"] = "=" + fx.grid_check(f"C{top}:{cols[-1]}{last}", f"C{ntop}:{cols[-1]}{nlast}")
    ws[f"A{g + 1}"] = "All checks pass"
    extra = list(EXTRA_ROWS.values())
    # Every check TRUE (or the legitimate "no break-even Ke"); words such as "add-in not
    # loaded" or "refused" count as not passing, since AND() alone would skip text.
    main, more = f"E6:E{g}", f"E{min(extra)}:E{max(extra)}"
    vals = list(VALUATION_ROWS.values())
    valuation = f"E{min(vals)}:E{max(vals)}"
    ws[f"E{g + 1}"] = (f'=AND(COUNTIF({main},TRUE)+COUNTIF({main},"{NO_BREAKEVEN_KE}")'
                       f"=COUNTA({main}),COUNTIF({more},TRUE)=COUNTA({more})"
                       + (f",COUNTIF({valuation},TRUE)=COUNTA({valuation}))"
                          if "val_shares" in wb.defined_names else ")"))
    ws[f"A{g + 1}"].font = BOLD
    define(wb, "checks_ok", "Model", f"E{g + 1}")

    ref = _grid_pair(
        ws, top, ("Delta NPV sensitivity: one DUAL_NPV call over the grid (rows: Ke dual; "
                  "columns: compliance cost)", "Same grid in native Excel formulas"),
        "Ke dual \\ cost", ("sens_ke_lo", "sens_ke_hi", FMT["rate"]),
        ("sens_cost_lo", "sens_cost_hi", FMT["amount"]),
        lambda row, col, head: (fx.timed_npv(f"$B{row}") + "+" + fx.gordon_pv(f"$B{row}")
                                + f"-$D${r['pv_single']}-{col}${head}"),
        lambda ke, cost: (f"DUAL_NPV(cash_flows,{ke},$C${r['ke_single']},{cost},timing,"
                          "terminal_growth)"))
    define(wb, "sens_grid", "Model", ref)

    _analytics_block(ws, r)
    if "val_shares" in wb.defined_names:  # the case has [valuation]
        _valuation_block(ws, r)

    # per-item FX to the model currency, for COMPLIANCE_COST's fx_rates (1 for empty rows)
    item_first = int(refs["items_first"])
    put_text(ws, "H5", "FX per line item", BOLD)
    for i in range(TEMPLATE_ITEM_ROWS):
        row = 6 + i
        src = item_first + i
        ws[f"H{row}"] = (f'=IF(Inputs!$C${src}="",1,INDEX(fx_rate,MATCH(Inputs!$C${src},'
                         "fx_ccy,0)))")
        ws[f"H{row}"].font, ws[f"H{row}"].number_format = GREEN, "0.000000"
    define(wb, "comp_fx", "Model", f"H6:H{6 + TEMPLATE_ITEM_ROWS - 1}")
    # per-item 1 (incremental: only because of the dual listing) or 0 (baseline); blank: 1
    put_text(ws, "I5", "Incremental", BOLD)
    for i in range(TEMPLATE_ITEM_ROWS):
        row = 6 + i
        src = item_first + i
        ws[f"I{row}"] = f'=IF(Inputs!$D${src}="",1,IF(Inputs!$D${src},1,0))'
        ws[f"I{row}"].font, ws[f"I{row}"].number_format = GREEN, "0"
    define(wb, "comp_incr", "Model", f"I6:I{6 + TEMPLATE_ITEM_ROWS - 1}")

    for name, row in (("ke_single_udf", r["ke_single"]), ("ke_dual_udf", r["ke_dual"]),
                      ("compliance_cost_udf", r["compliance_cost"]),
                      ("delta_npv_udf", r["delta_npv"])):
        define(wb, name, "Model", f"C{row}")
    for col, width in zip("ABCDEFGHI", (46, 16, 16, 16, 14, 14, 14, 14, 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.column_dimensions["C"].width = 48
    for row in range(6, 6 + len(rows)):
        ws[f"C{row}"].alignment = Alignment(wrap_text=False)
    print_setup(ws, "B6", landscape=True)


def _premia_ke(row: int, col: str, head: int) -> str:
    """Ke dual of one premia-grid cell: Ke single less its two premium reductions."""
    return f"($D${MODEL_ROWS['ke_single']}-$B{row}-country_exposure*{col}${head})"


def _analytics_block(ws: Worksheet, r: Mapping[str, int]) -> None:
    """No-arbitrage band, Dim Sum cost and saving, and the premia grid: UDF vs native."""
    e = EXTRA_ROWS
    top = min(e.values()) - 2
    put_text(ws, f"A{top}", "Parity band, Dim Sum funding, premia sensitivity: UDF vs native",
             BOLD)
    header(ws, top + 1, ["Quantity", "", "UDF (add-in)", "Native Excel", "Check", "Units"])
    carry = "(" + fx.carry_factor("par_financing_rate", "par_settlement_days",
                                  "par_conversion_days") + ")"
    band = ("par_cost_aix", "par_fx_spread", "par_conversion_fee", carry, "par_cost_hk")
    # at the same issuer credit when both spreads are given (rate + spread), else the yields
    cnh = "IF(ISNUMBER(fund_cnh_spread),fund_cnh_rate+fund_cnh_spread,fund_cnh_yield)"
    usd = "IF(ISNUMBER(fund_usd_spread),fund_usd_rate+fund_usd_spread,fund_usd_bond_yield)"
    hedged = fx.cip_hedged_cost(cnh, "fund_usd_rate", "fund_cnh_rate", "fund_basis")
    rows = [
        ("arb_band", "No-arbitrage band half-width (HKEX vs AIX)",
         "=DUAL_ARB_BAND(par_cost_hk,par_cost_aix,par_conversion_fee,par_fx_spread,"
         "par_financing_rate,par_settlement_days,par_conversion_days)",
         f"=MIN({fx.band_upper(*band)},-({fx.band_lower(*band)}))", "0.0000%"),
        ("dimsum_cost", "Dim Sum bond: hedged USD cost (CIP)",
         f"=DIMSUM_HEDGED_COST({cnh},fund_usd_rate,fund_cnh_rate,fund_basis)",
         f"={hedged}", "0.000%"),
        ("dimsum_saving", "Dim Sum saving against a USD bond",
         f"=DIMSUM_SAVING({cnh},fund_usd_rate,fund_cnh_rate,{usd},fund_basis)",
         f"={usd}-({hedged})", "0.000%"),
    ]
    for key, label, udf, native, fmt in rows:
        _udf_row(ws, e[key], label, udf, native, fmt, unit="decimal")

    n, ptop = GRID_STEPS, PREMIA_TOP
    plast, ntop = ptop + n - 1, ptop + n + 3
    nlast = ntop + n - 1
    cols = [chr(ord("C") + j) for j in range(n)]
    put_text(ws, f"A{e['premia_grid']}", "Premia grid: UDF vs native")
    ws[f"E{e['premia_grid']}"] = "=" + fx.grid_check(f"C{ptop}:{cols[-1]}{plast}",
                                                      f"C{ntop}:{cols[-1]}{nlast}")
    ref = _grid_pair(
        ws, ptop, ("Delta NPV over premium reductions: one DUAL_NPV call over a CORRIDOR_KE grid "
                   "(rows: liquidity-premium reduction; columns: country-premium reduction)",
                   "Same grid in native Excel formulas"),
        "dLP \\ dCRP", ("sens_lr_lo", "sens_lr_hi", FMT["rate"]),
        ("sens_cr_lo", "sens_cr_hi", FMT["rate"]),
        lambda row, col, head: (
            fx.timed_npv(_premia_ke(row, col, head)) + "+"
            + fx.gordon_pv(_premia_ke(row, col, head))
            + f"-$D${r['pv_single']}-$D${r['compliance_cost']}"),
        lambda lr, cr: (f"DUAL_NPV(cash_flows,CORRIDOR_KE(rf,beta,mrp,crp_single-{cr},"
                        f"lp_single-{lr},country_exposure),$C${r['ke_single']},"
                        f"$C${r['compliance_cost']},timing,terminal_growth)"))
    define(ws.parent, "premia_grid", "Model", ref)


def _valuation_block(ws: Worksheet, r: Mapping[str, int]) -> None:
    """Per share, offer economics, critical mass and the value of waiting for the DFS: the
    valuation UDFs beside native formulas (the tree summed over an array of its nodes)."""
    v = VALUATION_ROWS
    top = min(v.values()) - 2
    put_text(ws, f"A{top}", "Valuation: per share, the offer, critical mass, when to list "
             "(inputs: the valuation block of the Inputs sheet)", BOLD)
    header(ws, top + 1, ["Quantity", "UDF (add-in)", "Native Excel", "Check", "Units"])
    n = TEMPLATE_TREE_STEPS
    k = "{" + ",".join(str(j) for j in range(n + 1)) + "}"
    benefit, cost = f"D{r['breakeven_cost']}", f"D{r['compliance_cost']}"
    after = "IF(ISNUMBER(dfs_cost_after_input),dfs_cost_after_input,{})"
    # helper cells of the native tree (column I, labels in H)
    helpers = [
        ("u", f"EXP(dfs_volatility*SQRT(dfs_years/{n}))", "0.000000"),
        ("q", f"(((1+rf)/(1+dfs_forgone_yield))^(dfs_years/{n})-1/I{top + 2})"
              f"/(I{top + 2}-1/I{top + 2})", "0.000000"),
        ("Cost after the DFS", after.format(cost), FMT["amount"]),
        ("Value now", f"dfs_p*{benefit}-{cost}", FMT["amount"]),
        ("Value after the DFS", f"dfs_p*(1+rf)^-dfs_years*SUMPRODUCT(BINOMDIST({k},{n},"
         f"I{top + 3},FALSE),(({benefit}*I{top + 2}^(2*{k}-{n})-I{top + 4})>0)"
         f"*({benefit}*I{top + 2}^(2*{k}-{n})-I{top + 4}))", FMT["amount"]),
    ]
    put_text(ws, f"H{top + 1}", f"Native tree, {n} steps", BOLD)
    for i, (label, formula, fmt) in enumerate(helpers):
        put_text(ws, f"H{top + 2 + i}", label)
        ws[f"I{top + 2 + i}"] = "=" + formula
        ws[f"I{top + 2 + i}"].number_format = fmt
        ws[f"I{top + 2 + i}"].font = GREEN
    now, wait = f"I{top + 5}", f"I{top + 6}"
    c = {key: f"C{row}" for key, row in r.items()}
    d = {key: f"D{row}" for key, row in r.items()}
    new = "(offer_new_shares+offer_greenshoe)"
    args = (f"{c['breakeven_cost']},{c['compliance_cost']},{after.format(c['compliance_cost'])},"
            f"dfs_p,dfs_years,dfs_volatility,rf,dfs_forgone_yield,{n}")
    rows = [
        ("npv_per_share", "Delta NPV per share",
         f"=DUAL_NPV_PER_SHARE({c['delta_npv']}*val_ccy_per_unit,val_shares)",
         "=" + fx.npv_per_share(d["delta_npv"], "val_ccy_per_unit", "val_shares"), "0.0000",
         "currency per share"),
        ("npv_to_mcap", "Delta NPV / market value",
         f"=DUAL_NPV_TO_MCAP({c['delta_npv']}*val_ccy_per_unit,val_shares,val_share_price)",
         f"={d['delta_npv']}*val_ccy_per_unit/(val_shares*val_share_price)", "0.00%",
         "decimal"),
        ("price_uplift", "Price uplift from the lower Ke (Gordon)",
         f"=DUAL_PRICE_UPLIFT({c['ke_dual']},{c['ke_single']},val_growth)",
         "=" + fx.price_uplift(d["ke_single"], d["ke_dual"], "val_growth"), "0.00%", "decimal"),
        ("dilution", "Offer dilution of existing holders",
         "=OFFER_DILUTION(val_shares-offer_new_shares-offer_greenshoe,offer_new_shares,"
         "offer_greenshoe)", f"={new}/val_shares", "0.00%", "decimal"),
        ("money_left", "Money left on the table (Ritter & Welch 2002)",
         "=OFFER_MONEY_LEFT(offer_new_shares,offer_price,offer_price_day1,offer_greenshoe)",
         "=" + fx.money_left(new, "offer_price_day1", "offer_price"), "#,##0", "currency"),
        ("critical_mass", "Critical mass (PV at Ke single that pays)",
         f"=DUAL_CRITICAL_MASS_CF(cash_flows,{c['ke_single']}-{c['ke_dual']},"
         f"{c['compliance_cost']},{c['ke_single']},timing,terminal_growth)",
         "=" + fx.critical_mass(d["pv_single"], d["pv_dual"], d["compliance_cost"],
                                "no size pays"), FMT["amount"], "units"),
        ("wait_value", "Value of waiting for the DFS (after - now)",
         f"=DUAL_WAIT_VALUE({args})", f"={wait}-{now}", FMT["amount"], "units"),
        ("timing", "Better timing", f"=DUAL_LIST_TIMING({args})",
         f'=IF(AND({wait}>{now},{wait}>0),"WAIT_FOR_DFS",IF({now}>0,"LIST_NOW","DO_NOT_LIST"))',
         "@", ""),
    ]
    for key, label, udf, native, fmt, unit in rows:
        row, check = v[key], None
        if key == "timing":  # the UDF's text starts with the code, then both values
            check = (f'=IF(ISERROR(C{row}),IF(ERROR.TYPE(C{row})=5,'
                     f'"{fx.ADDIN_NOT_LOADED}","UDF error: see the UDF cell"),'
                     f'EXACT(LEFT(C{row},LEN(D{row})+1),D{row}&":"))')
        elif key == "critical_mass":  # no size pays: the UDF names it, the native says it
            check = (f"=IF(ISNUMBER(D{row}),{fx.udf_check(f'C{row}', f'D{row}')},"
                     f"ISERROR(C{row}))")
        _udf_row(ws, row, label, udf, native, fmt, check, unit)


def template_workbook(case: Case | None = None) -> Workbook:
    """The template in memory, its Inputs sheet filled with ``case`` (default: the example).

    The validator builds it for a filled-in template's own inputs and compares.
    """
    wb = Workbook()
    wb.remove(wb.active)
    refs = write_inputs(wb, case if case is not None else example_case(),
                        cf_rows=TEMPLATE_CF_ROWS, item_rows=TEMPLATE_ITEM_ROWS,
                        fx_rows=TEMPLATE_FX_ROWS, with_dates=False, live_defaults=True)
    _model_sheet(wb, refs)
    case = case if case is not None else example_case()
    if case.scenarios is not None:  # the switch and the comparison on the Model sheet
        _scenario_block(wb, case, refs)
    _listing_sheet(wb)
    rules.write_rules_sheet(wb)
    from xl_corridor.workbook.corridor_report import add_corridor_sheet

    add_corridor_sheet(wb)  # issue 14: the corridor entry model with the CORRIDOR_ functions
    wb.active = 1
    properties(wb, "xl-corridor template: HKEX + AIX dual-listing model",
               "Inputs (blue) and add-in functions beside native formulas")
    gridlines_off(wb)
    return wb


#: First row of the scenario block on the Model sheet (below the valuation block's helpers).
SCENARIO_TOP = 84


def _scenario_block(wb: Workbook, case: Case, refs: Mapping[str, str]) -> None:
    """The scenario switch (Model!H3), the override table and the live comparison; with a
    cash-flow or compliance scale, the Model's functions read scaled copies of the inputs."""
    from xl_corridor.workbook import scenarios_sheet as scen

    ws, r = wb["Model"], MODEL_ROWS
    cells = {"ks": f"C{r['ke_single']}", "kd": f"C{r['ke_dual']}",
             "cc": f"C{r['compliance_cost']}", "dn": f"C{r['delta_npv']}",
             "bc": f"C{r['breakeven_cost']}", "bk": f"C{r['breakeven_ke']}",
             "lp": f"C{r['listing_path']}", "dc": f"C{r['decision']}",
             "kd_native": f"$D${r['ke_dual']}"}
    in_use = scen.template_block(wb, ws, case, dict(refs), top=SCENARIO_TOP, switch="H3",
                                 model_cells=cells)
    scaled = {"cash_flow_scale": ("cash_flows", "K", int(refs["cash_flows_first"]),
                                  TEMPLATE_CF_ROWS, "B"),
              "compliance_scale": ("comp_amounts", "L", int(refs["items_first"]),
                                   TEMPLATE_ITEM_ROWS, "B")}
    for scale, (name, col, src, rows, src_col) in scaled.items():
        if scale not in wb.defined_names:
            continue
        put_text(ws, f"{col}5", f"{name} in use", BOLD)
        for i in range(rows):
            ws[f"{col}{6 + i}"] = (f'=IF(Inputs!{src_col}{src + i}="","",'
                                   f"Inputs!{src_col}{src + i}*{scale})")
            ws[f"{col}{6 + i}"].font = GREEN
        define(wb, f"{name}{scen.IN_USE}", "Model", f"{col}6:{col}{5 + rows}")
        in_use[name] = f"{name}{scen.IN_USE}"
    # the model above the scenario block (and the Listing sheet) reads the values in use
    scen.read_in_use(wb, in_use, lambda sheet, row: sheet == "Model" and row >= SCENARIO_TOP)


def _listing_sheet(wb: Workbook) -> None:
    """The listing path in native lookups over the Rules sheet: LISTING_PATH's cross-check."""
    ws = wb.create_sheet("Listing")
    put_text(ws, "A1", "Listing path in native Excel (cross-check of LISTING_PATH)", TITLE)
    cells, steps = rules.listing_block(ws, 3)
    for _, ref, formula in steps:
        ws[ref] = formula
    define(wb, "listing_code_native", "Listing", cells.code)
    define(wb, "listing_path_native", "Listing", cells.reason)
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 110
    print_setup(ws, None, landscape=True)


def build_template(path: str | os.PathLike[str]) -> Path:
    """Write the interactive template workbook to ``path`` (deterministic bytes).

    Returns
    -------
    Path
        The written file.
    """
    return save_workbook(template_workbook(), path, kind=TEMPLATE_KIND)
