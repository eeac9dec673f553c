"""The report's Valuation sheet (issue 15): per share, offer economics, critical mass, when to list.

``valuation_sheet(plan, case)`` adds a sheet "Valuation" to a report plan
(:func:`xl_corridor.workbook.report.plan_report`) when the case has a ``[valuation]`` section:
offer economics, Delta NPV per share and against market value, the Gordon cross-check, the
critical mass of the case's own cash-flow profile with a critical-mass grid and chart, and the
value of waiting for the DFS on a binomial tree written out in native formulas (BINOMDIST over
the terminal nodes), so that every number is a live formula. The engine's values
(:class:`xl_corridor.case.evaluate.ValuationResult`, computed once by ``analyze``) are cached in
each formula cell; :func:`check_rows` and :func:`text_check_rows` give the Checks sheet's lines.

Its inputs live on the Inputs sheet (the valuation block of
:data:`xl_corridor.workbook.inputs.OPTIONAL_SCALARS`: ``val_*``, ``offer_*``, ``dfs_*``); it
reads the report's names ``rf``, ``ke_single``, ``ke_dual``, ``pv_single``, ``pv_dual``,
``compliance_cost`` and ``delta_npv`` and defines its own results (``offer_*``, ``val_*``,
``dfs_*``).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.case.evaluate import GRID_COST_MULTIPLES, GRID_CUTS, ValuationResult
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook.styles import (
    BLACK,
    BOLD,
    FMT,
    GREEN,
    TITLE,
    define,
    header,
    print_setup,
    put_text,
)

__all__ = ["SHEET", "TIMING_TEXT", "check_rows", "text_check_rows", "timing_text",
           "valuation_sheet"]

SHEET = "Valuation"
NO_SIZE = "no size pays"
#: The better timing in words, by the engine's code (the Summary's "Better timing" line).
TIMING_TEXT = {"WAIT_FOR_DFS": "Wait for the DFS", "LIST_NOW": "List now",
               "DO_NOT_LIST": "Do not list: neither timing pays"}


class _Plan(Protocol):
    """What the sheet needs of :class:`xl_corridor.workbook.report.Plan`."""

    wb: Workbook
    evaluation: Any
    analytics: Any

    def formula(self, ws: Worksheet, ref: str, formula: str, value: Any,
                fmt: str | None = None, font: Any = BLACK, *,
                snapshot: bool = False) -> None: ...


def _result(p: _Plan) -> ValuationResult:
    r = p.analytics.valuation
    assert r is not None, "valuation_sheet needs a case with a [valuation] section"
    return r


def _named_rows(p: _Plan, ws: Any, row: int, rows: list[tuple[str, str, str, Any, str]],
                bold: bool = False) -> int:
    """Write (label, defined name, formula, cached value, format) rows from ``row``: the label,
    the live formula (named), and its text beside it. Returns the next free row."""
    for label, name, formula, value, fmt in rows:
        put_text(ws, f"A{row}", label, BOLD if bold else None)
        p.formula(ws, f"B{row}", "=" + formula, value, fmt, BOLD if bold else BLACK)
        put_text(ws, f"C{row}", formula)
        define(p.wb, name, SHEET, f"B{row}")
        row += 1
    return row


def valuation_sheet(p: _Plan, case: Any) -> None:
    """Add the Valuation sheet to a report plan (see the module docstring).

    Parameters
    ----------
    p : Plan
        The report plan (``wb``, ``evaluation``, ``analytics``, ``formula``), whose Inputs
        sheet has the valuation block.
    case : Case
        The report's case, with a ``[valuation]`` section.
    """
    ev, r, v = p.evaluation, _result(p), case.valuation
    offer, timing = r.offer, r.timing
    units, ccy = case.deal.units, case.deal.currency
    scale = 1.0 / v.currency_per_unit
    rf = case.market.rf
    n = v.tree_steps

    wb = p.wb
    ws = wb.create_sheet(SHEET)
    put_text(ws, "A1", "Valuation: per share, offer economics, critical mass, when to list", TITLE)
    put_text(ws, "A2", f"Amounts in {units} unless stated; shares in shares; prices in {ccy} "
             "per share. Inputs: the valuation block of the Inputs sheet (val_*, offer_*, dfs_*).")

    row = 4
    header(ws, row, ["Offer economics and per share", "Value", "Formula"])
    row += 1
    new = "(offer_new_shares+offer_greenshoe)"
    outs: list[tuple[str, str, str, Any, str]] = [
        ("Shares before the offer", "offer_shares_pre",
         "val_shares-offer_new_shares-offer_greenshoe", offer.shares_pre, "#,##0"),
        ("Dilution of existing holders", "offer_dilution", f"{new}/val_shares",
         offer.dilution, "0.00%"),
        ("Gross proceeds", "offer_gross", f"{new}*offer_price/val_ccy_per_unit",
         offer.gross_proceeds * scale, "amount"),
        ("Net proceeds", "offer_net", "offer_gross-offer_fees", offer.net_proceeds * scale,
         "amount"),
        ("Listing expenses / gross", "offer_fee_ratio", "offer_fees/offer_gross",
         offer.fee_ratio, "0.00%"),
        ("Market value at the offer price", "offer_mcap",
         "val_shares*offer_price/val_ccy_per_unit", offer.market_cap_at_offer * scale, "amount"),
        ("First-day return", "offer_day1_return", "offer_price_day1/offer_price-1",
         offer.first_day_return, "0.0%"),
        ("Money left on the table (Ritter & Welch 2002)", "offer_money_left",
         fx.money_left(new, "offer_price_day1", "offer_price") + "/val_ccy_per_unit",
         offer.money_left * scale, "amount"),
        ("Cost of going public: expenses + money left", "offer_total_cost",
         "offer_fees+offer_money_left", offer.total_cost * scale, "amount"),
        ("Market value at the share price", "val_mcap",
         "val_shares*val_share_price/val_ccy_per_unit",
         v.shares_outstanding * v.share_price * scale, "amount"),
        (f"Delta NPV per share ({ccy})", "val_npv_per_share",
         fx.npv_per_share("delta_npv", "val_ccy_per_unit", "val_shares"), r.per_share, "0.0000"),
        ("Delta NPV / market value", "val_npv_to_mcap", "delta_npv/val_mcap", r.to_mcap,
         "0.00%"),
        ("Price uplift from the lower Ke (Gordon cross-check)", "val_uplift",
         fx.price_uplift("ke_single", "ke_dual", "val_growth"), r.uplift, "0.00%"),
    ]
    row = _named_rows(p, ws, row, outs)
    row += 1

    # --- critical mass
    header(ws, row, ["Critical mass", "Value", "Formula"])
    row += 1
    mass = r.critical_mass
    put_text(ws, f"A{row}", "Critical mass: smallest PV at Ke single that pays (this profile)")
    p.formula(ws, f"B{row}", "=" + fx.critical_mass("pv_single", "pv_dual", "compliance_cost",
                                                    NO_SIZE),
              NO_SIZE if mass is None else mass, "amount")
    put_text(ws, f"C{row}", "compliance_cost / (pv_dual/pv_single - 1)")
    define(wb, "val_critical_mass", SHEET, f"B{row}")
    row += 1
    put_text(ws, f"A{row}", "PV at Ke single / critical mass")
    head = NO_SIZE if mass is None else ("any size" if mass == 0 else ev.pv_single / mass)
    p.formula(ws, f"B{row}", "=IF(ISNUMBER(val_critical_mass),IF(val_critical_mass>0,"
              'pv_single/val_critical_mass,"any size"),val_critical_mass)', head, "0.00")
    row += 2
    put_text(ws, f"A{row}", "Critical mass of a level perpetuity (PV at Ke single): "
             "cost x (ke_single - cut) / cut; rows: compliance cost, columns: Ke cut", BOLD)
    row += 1
    grid_top = row
    put_text(ws, f"A{row}", "Compliance cost \\ Ke cut")
    cols = [chr(ord("B") + j) for j in range(len(GRID_CUTS))]
    for col, cut in zip(cols, GRID_CUTS, strict=True):
        ws[f"{col}{row}"] = cut
        ws[f"{col}{row}"].font = BOLD
        ws[f"{col}{row}"].number_format = FMT["rate"]
    for i, (m, cost) in enumerate(zip(GRID_COST_MULTIPLES, r.grid_costs, strict=True)):
        rr = row + 1 + i
        p.formula(ws, f"A{rr}", f"=compliance_cost*{m!r}", cost, "amount", GREEN)
        for j, col in enumerate(cols):
            p.formula(ws, f"{col}{rr}", f"=$A{rr}*(ke_single-{col}${row})/{col}${row}",
                      r.grid[i][j], "amount")
    grid_last = row + len(GRID_COST_MULTIPLES)
    chart = LineChart()
    chart.title = "Critical mass against the Ke cut"
    chart.y_axis.title = f"PV at Ke single ({units})"
    chart.x_axis.title = "Ke cut"
    chart.add_data(Reference(ws, min_col=1, max_col=1 + len(cols), min_row=grid_top + 1,
                             max_row=grid_last), from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=1 + len(cols), min_row=grid_top,
                                   max_row=grid_top))
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, f"{chr(ord('B') + len(cols) + 1)}{grid_top}")
    row = grid_last + 2

    # --- when to list: the terminal nodes sit to the right (columns P:R), one row per node
    node_top = 5
    node_last = node_top + n
    header(ws, node_top - 1, ["Node j", "Weight C(n,j) q^j (1-q)^(n-j)", "Payoff at T"], col=16)
    header(ws, row, ["When to list: list now or after the DFS (binomial tree)", "Value",
                     "Formula"])
    row += 1
    dt = v.years_to_dfs / n
    u = math.exp(v.dfs_volatility * math.sqrt(dt))
    d = 1 / u
    q = (((1 + rf) / (1 + v.forgone_yield)) ** dt - d) / (u - d)
    steps: list[tuple[str, str, str, Any, str]] = [
        ("Benefit if the DFS succeeds (S0 = pv_dual - pv_single)", "dfs_benefit",
         "pv_dual-pv_single", r.benefit, "amount"),
        ("Compliance cost if listing after the DFS", "dfs_cost_after",
         "IF(ISNUMBER(dfs_cost_after_input),dfs_cost_after_input,compliance_cost)",
         r.cost_after, "amount"),
        ("Tree steps n (the node rows, fixed when the report is built)", "dfs_steps",
         "ROWS(dfs_nodes)-1", n, "0"),
        ("Step dt (years)", "dfs_dt", "dfs_years/dfs_steps", dt, "0.0000"),
        ("Up factor u", "dfs_u", "EXP(dfs_volatility*SQRT(dfs_dt))", u, "0.000000"),
        ("Down factor d = 1/u", "dfs_d", "1/dfs_u", d, "0.000000"),
        ("Risk-neutral probability q", "dfs_q",
         "(((1+rf)/(1+dfs_forgone_yield))^dfs_dt-dfs_d)/(dfs_u-dfs_d)", q, "0.000000"),
    ]
    row = _named_rows(p, ws, row, steps)
    nodes = np.arange(n + 1)
    weights = [math.comb(n, k) * q**k * (1 - q) ** (n - k) for k in range(n + 1)]
    payoffs = np.maximum(r.benefit * u ** (2.0 * nodes - n) - r.cost_after, 0.0)
    for k in range(n + 1):
        rr = node_top + k
        ws[f"P{rr}"] = k
        p.formula(ws, f"Q{rr}", f"=BINOMDIST(P{rr},dfs_steps,dfs_q,FALSE)", weights[k],
                  "0.000000")
        p.formula(ws, f"R{rr}", f"=MAX(dfs_benefit*dfs_u^(2*P{rr}-dfs_steps)-dfs_cost_after,0)",
                  float(payoffs[k]), "amount")
    define(wb, "dfs_nodes", SHEET, f"P{node_top}:P{node_last}")
    result: list[tuple[str, str, str, Any, str]] = [
        ("Value of listing after the DFS", "dfs_value_wait",
         f"dfs_p*(1+rf)^-dfs_years*SUMPRODUCT(Q{node_top}:Q{node_last},R{node_top}:R{node_last})",
         timing.value_wait, "amount"),
        ("Value of listing now (p x S0 - compliance cost)", "dfs_value_now",
         "dfs_p*dfs_benefit-compliance_cost", timing.value_now, "amount"),
        ("Value of waiting (after DFS - now)", "dfs_wait_value", "dfs_value_wait-dfs_value_now",
         timing.difference, "amount"),
        ("Better timing", "dfs_timing",
         'IF(AND(dfs_value_wait>dfs_value_now,dfs_value_wait>0),"WAIT_FOR_DFS",'
         'IF(dfs_value_now>0,"LIST_NOW","DO_NOT_LIST"))', timing.timing, "text"),
    ]
    row = _named_rows(p, ws, row, result, bold=True)
    put_text(ws, f"A{row}", "Model: Dixit & Pindyck (1994) ch. 2 and 10; Cox, Ross & Rubinstein "
             "(1979). The DFS outcome is technical risk (not priced); on failure the listing "
             "adds nothing. See docs/valuation.md. Checks sheet: these against the engine.")
    for col, width in zip("ABCPQR", (56, 16, 60, 8, 18, 14), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B5", landscape=True)


#: What the Summary says first when the DFS is already complete: the timing layer is then
#: hypothetical (what waiting would have been worth), never advice to wait.
DFS_DONE = "DFS complete: nothing to wait for (the Valuation sheet's layer, as if it were not: "


def timing_text(r: ValuationResult, units: str, dfs_complete: bool = False) -> str:
    """What the Summary's :data:`TIMING_FORMULA` says for these results."""
    t = r.timing
    text = (TIMING_TEXT[t.timing] if t.timing == "DO_NOT_LIST"
            else f"{TIMING_TEXT[t.timing]}: worth {abs(t.difference):.1f} {units} more")
    return f"{DFS_DONE}{text})" if dfs_complete else text


_TIMING = (
    'IF(dfs_timing="DO_NOT_LIST","' + TIMING_TEXT["DO_NOT_LIST"] + '",'
    'IF(dfs_timing="WAIT_FOR_DFS","' + TIMING_TEXT["WAIT_FOR_DFS"] + '","'
    + TIMING_TEXT["LIST_NOW"] + '")&": worth "&FIXED(ABS(dfs_wait_value),1,TRUE)&" "&units&" more")'
)
#: The Summary's "Better timing" line: which timing and by how much (|after DFS - now|); with
#: the DFS complete, said as what waiting would have been worth (the decision lists now).
TIMING_FORMULA = f'IF(dfs_complete,"{DFS_DONE}"&{_TIMING}&")",{_TIMING})'


def summary_rows(p: _Plan, case: Any) -> list[tuple[str, str, Any, str, str, str]]:
    """The Summary's valuation lines (label, formula, value, format, units, note); none without
    a ``[valuation]`` section. A text line's note is empty: its text spans Value to Note."""
    r = p.analytics.valuation
    if r is None:
        return []
    ccy = case.deal.currency
    return [
        ("Better timing: list now or after the DFS",
         "=" + TIMING_FORMULA, timing_text(r, case.deal.units, case.listing.dfs_complete),
         "text", "", ""),
        ("Delta NPV per share", "=val_npv_per_share", r.per_share, "0.0000", f"{ccy} a share",
         "Delta NPV / shares outstanding after the offer (Valuation sheet)"),
    ]


def check_rows(p: _Plan) -> list[tuple[str, str, Any, str]]:
    """The Checks sheet's numeric lines (label, live formula, engine value, engine function)."""
    r = p.analytics.valuation
    if r is None:
        return []
    src = "xl_corridor.engine.valuation."
    rows: list[tuple[str, str, Any, str]] = [
        ("Offer dilution", "=offer_dilution", r.offer.dilution, src + "offer_economics"),
        ("Money left on the table (currency)", "=offer_money_left*val_ccy_per_unit",
         r.offer.money_left, src + "offer_economics"),
        ("Net proceeds (currency)", "=offer_net*val_ccy_per_unit", r.offer.net_proceeds,
         src + "offer_economics"),
        ("Delta NPV per share", "=val_npv_per_share", r.per_share, src + "dual_npv_per_share"),
        ("Delta NPV / market value", "=val_npv_to_mcap", r.to_mcap,
         src + "dual_npv_to_market_cap"),
        ("Gordon price uplift", "=val_uplift", r.uplift, src + "dual_price_uplift"),
    ]
    if r.critical_mass is not None:
        rows.append(("Critical mass", "=val_critical_mass", r.critical_mass,
                     src + "critical_mass_from_pv"))
    rows += [
        ("Value of listing after the DFS", "=dfs_value_wait", r.timing.value_wait,
         src + "listing_timing"),
        ("Value of listing now", "=dfs_value_now", r.timing.value_now, src + "listing_timing"),
    ]
    return rows


def text_check_rows(p: _Plan) -> list[tuple[str, str, Any, str]]:
    """The Checks sheet's text lines (label, defined name, engine value, engine function)."""
    r = p.analytics.valuation
    if r is None:
        return []
    return [("Better timing", "dfs_timing", r.timing.timing,
             "xl_corridor.engine.valuation.listing_timing")]
