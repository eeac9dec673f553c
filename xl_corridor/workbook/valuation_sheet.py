"""DRAFT for the report: the Valuation sheet (issue 15), for the lead to wire into report.py.

``valuation_sheet(plan, case, inputs)`` adds a sheet "Valuation" to a report plan
(:func:`xl_corridor.workbook.report.plan_report`): offer economics, Delta NPV per share and
against market value, the Gordon cross-check, the critical mass of the case's own cash-flow
profile with a critical-mass grid and chart, and the value of waiting for the DFS on a binomial
tree written out in native formulas (BINOMDIST over the terminal nodes), so that every number is
a live formula. The engine's values (``xl_corridor.engine.valuation``) are cached in each
formula cell and listed beside the live formulas in a check block at the bottom of the sheet.

It reads the report's defined names ``rf``, ``ke_single``, ``ke_dual``, ``pv_single``,
``pv_dual``, ``compliance_cost`` and ``delta_npv``, and defines its own (``offer_*``,
``val_*``, ``dfs_*``). Its inputs are not in the case schema yet: they arrive as a
:class:`ValuationInputs` and are written as blue input cells on this sheet (to be moved to the
Inputs sheet and the case file when wired in).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.engine import valuation as val
from xl_corridor.errors import CorridorInputError
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook.styles import (
    BLACK,
    BLUE,
    BOLD,
    FMT,
    GREEN,
    INPUT_FILL,
    TITLE,
    define,
    header,
    print_setup,
    put_text,
)

__all__ = ["ValuationInputs", "valuation_sheet", "SHEET"]

SHEET = "Valuation"


class _Plan(Protocol):
    """What the sheet needs of :class:`xl_corridor.workbook.report.Plan`."""

    wb: Workbook
    evaluation: Any

    def formula(
        self,
        ws: Worksheet,
        ref: str,
        formula: str,
        value: Any,
        fmt: str | None = None,
        font: Any = BLACK,
    ) -> None: ...

    def stamp(self, ws: Worksheet, ref: str, value: Any, fmt: str | None = None) -> None: ...


@dataclass(frozen=True)
class ValuationInputs:
    """Inputs of the Valuation sheet. Shares in shares, prices in currency per share, amounts
    (``listing_fees``, ``cost_after_dfs``) in the case's units, rates decimal.

    The Jiaxin defaults are public (HKEX 3858 allotment results, Aug 2025, docs/facts.md); the
    DFS settings are ILLUSTRATIVE assumptions.
    """

    shares_pre: float = 329_420_000.0
    new_shares: float = 109_808_800.0
    offer_price: float = 10.92
    price_day1: float = 30.34
    greenshoe: float = 0.0
    listing_fees: float = 111.4
    #: case units per unit of currency: 1e-6 when amounts are in millions
    units_per_currency: float = 1e-6
    #: perpetual growth for the Gordon cross-check, decimal
    growth: float = 0.0
    dfs_success_probability: float = 0.7
    years_to_dfs: float = 1.5
    dfs_volatility: float = 0.35
    forgone_yield: float = 0.0
    #: capitalized compliance cost when listing after the DFS; None: the case's cost
    cost_after_dfs: float | None = None
    tree_steps: int = 50
    grid_cost_multiples: Sequence[float] = (0.5, 1.0, 1.5, 2.0)
    grid_cuts: Sequence[float] = (0.005, 0.01, 0.015, 0.02, 0.03, 0.04)


def _input(
    wb: Workbook, ws: Worksheet, row: int, label: str, name: str, value: Any, fmt: str, unit: str
) -> None:
    put_text(ws, f"A{row}", label)
    ws[f"B{row}"] = value
    ws[f"B{row}"].font = BLUE
    ws[f"B{row}"].fill = INPUT_FILL
    ws[f"B{row}"].number_format = FMT.get(fmt, fmt)
    put_text(ws, f"C{row}", unit)
    put_text(ws, f"D{row}", name)
    define(wb, name, SHEET, f"B{row}")


def valuation_sheet(p: _Plan, case: Any, v: ValuationInputs | None = None) -> None:
    """Add the Valuation sheet to a report plan (draft; see the module docstring).

    Parameters
    ----------
    p : Plan
        The report plan (``wb``, ``evaluation``, ``formula``, ``stamp``).
    case : Case
        The report's case (``deal.units``, ``market.rf``).
    v : ValuationInputs, optional
        The offer, Gordon and DFS inputs; Jiaxin's public offer figures by default.

    Raises
    ------
    CorridorInputError
        If an input is refused by the engine (naming it), before anything is written.
    """
    v = v or ValuationInputs()
    ev = p.evaluation
    units = case.deal.units
    rf = case.market.rf
    scale = v.units_per_currency
    if not (isinstance(scale, (int, float)) and 0 < scale <= 1):
        raise CorridorInputError(
            "units_per_currency", f"expected a number in (0, 1], got {scale!r}"
        )
    n = int(v.tree_steps)

    # Engine values first: bad input refuses the sheet before any cell is written.
    offer = val.offer_economics(
        v.shares_pre,
        v.new_shares,
        v.offer_price,
        v.price_day1,
        greenshoe=v.greenshoe,
        fees=v.listing_fees / scale,
    )
    per_share = val.dual_npv_per_share(ev.delta_npv / scale, offer.shares_post)
    to_mcap = val.dual_npv_to_market_cap(ev.delta_npv / scale, offer.shares_post, v.offer_price)
    uplift = val.dual_price_uplift(ev.ke_dual, ev.ke_single, v.growth)
    mass = val.critical_mass_from_pv(ev.pv_single, ev.pv_dual, ev.compliance_cost)
    cost_after = ev.compliance_cost if v.cost_after_dfs is None else v.cost_after_dfs
    benefit = ev.pv_dual - ev.pv_single
    timing = val.listing_timing(
        benefit,
        ev.compliance_cost,
        cost_after,
        v.dfs_success_probability,
        v.years_to_dfs,
        v.dfs_volatility,
        rf,
        v.forgone_yield,
        steps=n,
    )
    costs = [m * ev.compliance_cost for m in v.grid_cost_multiples]
    grid = val.critical_mass_grid(costs, list(v.grid_cuts), ev.ke_single)

    wb = p.wb
    ws = wb.create_sheet(SHEET)
    put_text(ws, "A1", "Valuation: per share, offer economics, critical mass, when to list", TITLE)
    put_text(
        ws,
        "A2",
        f"Amounts in {units} unless stated; shares in shares; prices in "
        f"{case.deal.currency} per share. Blue cells are inputs (offer: HKEX 3858 allotment "
        "results, Aug 2025; DFS settings: ILLUSTRATIVE assumptions).",
    )

    # --- inputs
    header(ws, 4, ["Input", "Value", "Unit", "Name"])
    inputs: list[tuple[str, str, Any, str, str]] = [
        ("Shares before the offer", "offer_shares_pre", v.shares_pre, "#,##0", "shares"),
        ("New shares offered", "offer_new_shares", v.new_shares, "#,##0", "shares"),
        ("Greenshoe shares issued", "offer_greenshoe", v.greenshoe, "#,##0", "shares"),
        ("Offer price", "offer_price", v.offer_price, "0.00", "per share"),
        ("First-day closing price", "offer_price_day1", v.price_day1, "0.00", "per share"),
        ("Listing expenses", "offer_fees", v.listing_fees, "amount", units),
        (f"{units} per {case.deal.currency} 1", "val_units_per_ccy", scale, "0.0E+00", ""),
        ("Gordon growth (cross-check)", "val_growth", v.growth, "rate", "decimal"),
        ("P(DFS succeeds)", "dfs_p", v.dfs_success_probability, "0.0%", "decimal"),
        ("Years to the DFS", "dfs_years", v.years_to_dfs, "0.00", "years"),
        ("Volatility of the benefit", "dfs_volatility", v.dfs_volatility, "rate", "decimal/yr"),
        (
            "Benefit given up while waiting",
            "dfs_forgone_yield",
            v.forgone_yield,
            "rate",
            "decimal/yr",
        ),
        ("Compliance cost if listing after the DFS", "dfs_cost_after", cost_after, "amount", units),
    ]
    for i, (label, name, value, fmt, unit) in enumerate(inputs):
        _input(wb, ws, 5 + i, label, name, value, fmt, unit)
    row = 5 + len(inputs) + 1

    # --- offer economics and per share
    header(ws, row, ["Offer economics and per share", "Value", "Formula"])
    row += 1
    new = "(offer_new_shares+offer_greenshoe)"
    outs: list[tuple[str, str, str, Any, str]] = [
        (
            "Shares after the offer",
            "offer_shares_post",
            "=offer_shares_pre+offer_new_shares+offer_greenshoe",
            offer.shares_post,
            "#,##0",
        ),
        (
            "Dilution of existing holders",
            "offer_dilution",
            f"={new}/offer_shares_post",
            offer.dilution,
            "0.00%",
        ),
        (
            "Gross proceeds",
            "offer_gross",
            f"={new}*offer_price*val_units_per_ccy",
            offer.gross_proceeds * scale,
            "amount",
        ),
        (
            "Net proceeds",
            "offer_net",
            "=offer_gross-offer_fees",
            offer.net_proceeds * scale,
            "amount",
        ),
        (
            "Listing expenses / gross",
            "offer_fee_ratio",
            "=offer_fees/offer_gross",
            offer.fee_ratio,
            "0.00%",
        ),
        (
            "Market value at the offer price",
            "offer_mcap",
            "=offer_shares_post*offer_price*val_units_per_ccy",
            offer.market_cap_at_offer * scale,
            "amount",
        ),
        (
            "First-day return",
            "offer_day1_return",
            "=offer_price_day1/offer_price-1",
            offer.first_day_return,
            "0.0%",
        ),
        (
            "Money left on the table (Ritter & Welch 2002)",
            "offer_money_left",
            f"={new}*(offer_price_day1-offer_price)*val_units_per_ccy",
            offer.money_left * scale,
            "amount",
        ),
        (
            "Cost of going public: expenses + money left",
            "offer_total_cost",
            "=offer_fees+offer_money_left",
            offer.total_cost * scale,
            "amount",
        ),
        (
            "Delta NPV per share after the offer",
            "val_npv_per_share",
            "=delta_npv/val_units_per_ccy/offer_shares_post",
            per_share,
            "0.0000",
        ),
        (
            "Delta NPV / market value at the offer",
            "val_npv_to_mcap",
            "=delta_npv/offer_mcap",
            to_mcap,
            "0.00%",
        ),
        (
            "Price uplift from the lower Ke (Gordon)",
            "val_uplift",
            "=(ke_single-val_growth)/(ke_dual-val_growth)-1",
            uplift,
            "0.00%",
        ),
        (
            "Value of the lower Ke / PV at Ke single",
            "val_gain_ratio",
            "=(pv_dual-pv_single)/pv_single",
            benefit / ev.pv_single,
            "0.00%",
        ),
    ]
    at: dict[str, str] = {}
    for label, name, formula, value, fmt in outs:
        put_text(ws, f"A{row}", label)
        p.formula(ws, f"B{row}", formula, value, fmt)
        put_text(ws, f"C{row}", formula[1:])
        define(wb, name, SHEET, f"B{row}")
        at[name] = f"B{row}"
        row += 1
    row += 1

    # --- critical mass
    header(ws, row, ["Critical mass", "Value", "Formula"])
    row += 1
    no_size = "no size pays"
    crit = (
        f'=IF(AND(pv_single>0,pv_dual>pv_single),compliance_cost/(pv_dual/pv_single-1),"{no_size}")'
    )
    crit_value = no_size if math.isnan(mass) else mass
    put_text(ws, f"A{row}", "Critical mass: smallest PV at Ke single that pays (this profile)")
    p.formula(ws, f"B{row}", crit, crit_value, "amount")
    put_text(ws, f"C{row}", "compliance_cost / (pv_dual/pv_single - 1)")
    define(wb, "val_critical_mass", SHEET, f"B{row}")
    at["val_critical_mass"] = f"B{row}"
    row += 1
    put_text(ws, f"A{row}", "PV at Ke single / critical mass")
    head = no_size if math.isnan(mass) else ("any size" if mass == 0 else ev.pv_single / mass)
    p.formula(
        ws,
        f"B{row}",
        "=IF(ISNUMBER(val_critical_mass),IF(val_critical_mass>0,"
        'pv_single/val_critical_mass,"any size"),val_critical_mass)',
        head,
        "0.00",
    )
    row += 2
    put_text(
        ws,
        f"A{row}",
        "Critical mass of a level perpetuity (PV at Ke single): "
        "cost x (ke_single - cut) / cut; rows: compliance cost, columns: Ke cut",
        BOLD,
    )
    row += 1
    grid_top = row
    put_text(ws, f"A{row}", "Compliance cost \\ Ke cut")
    cols = [chr(ord("B") + j) for j in range(len(v.grid_cuts))]
    for col, cut in zip(cols, v.grid_cuts, strict=True):
        ws[f"{col}{row}"] = cut
        ws[f"{col}{row}"].font = BLUE
        ws[f"{col}{row}"].fill = INPUT_FILL
        ws[f"{col}{row}"].number_format = FMT["rate"]
    for i, (m, cost) in enumerate(zip(v.grid_cost_multiples, costs, strict=True)):
        r = row + 1 + i
        p.formula(ws, f"A{r}", f"=compliance_cost*{m!r}", cost, "amount", GREEN)
        for j, col in enumerate(cols):
            p.formula(
                ws,
                f"{col}{r}",
                f"=$A{r}*(ke_single-{col}${row})/{col}${row}",
                float(grid[i, j]),
                "amount",
            )
    grid_last = row + len(costs)
    chart = LineChart()
    chart.title = "Critical mass against the Ke cut"
    chart.y_axis.title = f"PV at Ke single ({units})"
    chart.x_axis.title = "Ke cut"
    chart.add_data(
        Reference(ws, min_col=1, max_col=1 + len(cols), min_row=grid_top + 1, max_row=grid_last),
        from_rows=True,
        titles_from_data=True,
    )
    chart.set_categories(
        Reference(ws, min_col=2, max_col=1 + len(cols), min_row=grid_top, max_row=grid_top)
    )
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, f"{chr(ord('B') + len(cols) + 1)}{grid_top}")
    row = grid_last + 2

    # --- when to list
    header(ws, row, ["When to list: list now or after the DFS (binomial tree)", "Value", "Formula"])
    row += 1
    dt = v.years_to_dfs / n
    u = math.exp(v.dfs_volatility * math.sqrt(dt))
    d = 1 / u
    q = (((1 + rf) / (1 + v.forgone_yield)) ** dt - d) / (u - d)
    steps: list[tuple[str, str, str, Any, str]] = [
        (
            "Benefit if the DFS succeeds (S0 = pv_dual - pv_single)",
            "dfs_benefit",
            "=pv_dual-pv_single",
            benefit,
            "amount",
        ),
        ("Tree steps n (fixed when the report is built)", "dfs_steps", "", n, "0"),
        ("Step dt (years)", "dfs_dt", "=dfs_years/dfs_steps", dt, "0.0000"),
        ("Up factor u", "dfs_u", "=EXP(dfs_volatility*SQRT(dfs_dt))", u, "0.000000"),
        ("Down factor d = 1/u", "dfs_d", "=1/dfs_u", d, "0.000000"),
        (
            "Risk-neutral probability q",
            "dfs_q",
            "=(((1+rf)/(1+dfs_forgone_yield))^dfs_dt-dfs_d)/(dfs_u-dfs_d)",
            q,
            "0.000000",
        ),
    ]
    for label, name, formula, value, fmt in steps:
        put_text(ws, f"A{row}", label)
        if formula:
            p.formula(ws, f"B{row}", formula, value, fmt)
            put_text(ws, f"C{row}", formula[1:])
        else:
            p.stamp(ws, f"B{row}", value, fmt)
        define(wb, name, SHEET, f"B{row}")
        row += 1
    # the terminal nodes sit to the right (columns P:R), one row per node
    node_top = 5
    header(ws, node_top - 1, ["Node j", "Weight C(n,j) q^j (1-q)^(n-j)", "Payoff at T"], col=16)
    nodes = np.arange(n + 1)
    weights = [math.comb(n, k) * q**k * (1 - q) ** (n - k) for k in range(n + 1)]
    payoffs = np.maximum(benefit * u ** (2.0 * nodes - n) - cost_after, 0.0)
    for k in range(n + 1):
        r = node_top + k
        p.stamp(ws, f"P{r}", k, "0")
        p.formula(ws, f"Q{r}", f"=BINOMDIST(P{r},dfs_steps,dfs_q,FALSE)", weights[k], "0.000000")
        p.formula(
            ws,
            f"R{r}",
            f"=MAX(dfs_benefit*dfs_u^(2*P{r}-dfs_steps)-dfs_cost_after,0)",
            float(payoffs[k]),
            "amount",
        )
    node_last = node_top + n
    result: list[tuple[str, str, str, Any, str]] = [
        (
            "Value of listing after the DFS",
            "dfs_value_wait",
            f"=dfs_p*(1+rf)^-dfs_years*SUMPRODUCT(Q{node_top}:Q{node_last},R{node_top}:R{node_last})",
            timing.value_wait,
            "amount",
        ),
        (
            "Value of listing now (p x S0 - compliance cost)",
            "dfs_value_now",
            "=dfs_p*dfs_benefit-compliance_cost",
            timing.value_now,
            "amount",
        ),
        (
            "Value of waiting (after DFS - now)",
            "dfs_wait_value",
            "=dfs_value_wait-dfs_value_now",
            timing.difference,
            "amount",
        ),
        (
            "Better timing",
            "dfs_timing",
            '=IF(AND(dfs_value_wait>dfs_value_now,dfs_value_wait>0),"WAIT_FOR_DFS",'
            'IF(dfs_value_now>0,"LIST_NOW","DO_NOT_LIST"))',
            timing.timing,
            "text",
        ),
    ]
    for label, name, formula, value, fmt in result:
        put_text(ws, f"A{row}", label, BOLD)
        p.formula(ws, f"B{row}", formula, value, fmt, BOLD)
        put_text(ws, f"C{row}", formula[1:])
        define(wb, name, SHEET, f"B{row}")
        at[name] = f"B{row}"
        row += 1
    put_text(
        ws,
        f"A{row}",
        "Model: Dixit & Pindyck (1994) ch. 2 and 10; Cox, Ross & Rubinstein "
        "(1979). DFS outcome is technical risk (not priced); on failure the listing adds "
        "nothing. See docs/valuation.md.",
    )
    row += 2

    # --- check block: live formulas against the engine
    header(ws, row, ["Check", "Live formula", "Engine value", "OK", "Engine"])
    row += 1
    first_check = row
    checks: list[tuple[str, str, Any, str]] = [
        ("Dilution", "offer_dilution", offer.dilution, "offer_dilution"),
        ("Net proceeds", "offer_net", offer.net_proceeds * scale, "offer_proceeds"),
        (
            "Money left on the table",
            "offer_money_left",
            offer.money_left * scale,
            "offer_money_left",
        ),
        ("Delta NPV per share", "val_npv_per_share", per_share, "dual_npv_per_share"),
        ("Gordon uplift", "val_uplift", uplift, "dual_price_uplift"),
        ("Value of listing after the DFS", "dfs_value_wait", timing.value_wait, "listing_timing"),
        ("Value of waiting", "dfs_wait_value", timing.difference, "wait_value"),
    ]
    if not math.isnan(mass):
        checks.append(("Critical mass", "val_critical_mass", mass, "critical_mass_from_pv"))
    for label, name, value, fn in checks:
        put_text(ws, f"A{row}", label)
        p.formula(ws, f"B{row}", f"={name}", value, "0.000000000000", GREEN)
        p.stamp(ws, f"C{row}", value, "0.000000000000")
        p.formula(ws, f"D{row}", "=" + fx.check(f"B{row}", f"C{row}"), True)
        put_text(ws, f"E{row}", f"xl_corridor.engine.valuation.{fn}")
        row += 1
    put_text(ws, f"A{row}", "All valuation checks pass", BOLD)
    p.formula(ws, f"D{row}", f"=AND(D{first_check}:D{row - 1})", True)
    define(wb, "val_checks_ok", SHEET, f"D{row}")
    for col, width in zip("ABCDEPQR", (52, 16, 40, 18, 44, 8, 18, 14), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B5", landscape=True)
