"""The batch comparison workbook: one row per case, live formulas where they are deterministic.

``build_portfolio(results, path)`` writes a workbook with a Portfolio sheet (one row per case:
decision, Delta NPV, per share and against market value, break-evens, P(Delta NPV > 0), critical
mass) and a Checks sheet (the live formulas against the engine's values). Each case's present
values, compliance cost and costs of equity are stored as values (they come from the case's own
report); Delta NPV, the break-even cost, per-share figures, the Ke cut and the critical mass are
native formulas on those values, so the sheet recalculates in any spreadsheet. The break-even Ke
(a root search) and P(Delta NPV > 0) (a simulation) are values, labelled as such.

``portfolio_table(results)`` gives the same table as text for the command line.

A result is a mapping (see :data:`RESULT_FIELDS`); :func:`result_from_evaluation` makes one from
an :class:`xl_corridor.case.Evaluation`.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.engine import valuation
from xl_corridor.errors import CorridorInputError
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook.marks import TOLERANCE
from xl_corridor.workbook.save import save_workbook
from xl_corridor.workbook.styles import (
    BLACK,
    BLUE,
    BOLD,
    FMT,
    GREEN,
    TITLE,
    define,
    header,
    print_setup,
    put_text,
)

__all__ = [
    "PORTFOLIO_KIND",
    "RESULT_FIELDS",
    "PortfolioPlan",
    "build_portfolio",
    "portfolio_expected",
    "portfolio_results",
    "plan_portfolio",
    "portfolio_table",
    "result_from_evaluation",
]

PORTFOLIO_KIND = "xl-corridor portfolio"

#: The fields of one result: name -> (required, what it is). Amounts in the case's units.
RESULT_FIELDS: dict[str, tuple[bool, str]] = {
    "name": (True, "the case's name (text)"),
    "decision": (True, "the report's decision text (PROCEED, WAIT: ..., DO NOT PROCEED)"),
    "pv_single": (True, "PV of the cash flows at Ke single, > 0"),
    "pv_dual": (True, "PV of the cash flows at Ke dual"),
    "compliance_cost": (True, "capitalized compliance cost, >= 0"),
    "ke_single": (True, "cost of equity, single listing, decimal"),
    "ke_dual": (True, "cost of equity, dual listing, decimal"),
    "units": (False, "the amounts' units (text), e.g. HKD m"),
    "delta_npv": (False, "the engine's Delta NPV; checked against pv_dual - pv_single - cost"),
    "breakeven_ke": (False, "break-even Ke dual, decimal (None: no root)"),
    "p_positive": (False, "P(Delta NPV > 0) from the simulation, decimal (None: not run)"),
    "shares_outstanding": (False, "shares after the offer, > 0"),
    "share_price": (False, "price per share, > 0, in the amounts' currency per share"),
    "currency_per_unit": (False, "currency in one amount unit, > 0 (1e6 for HKD m; default 1)"),
}

# Columns of the Portfolio sheet: (letter, heading, width, number format).
COLUMNS = [
    ("A", "Case", 28, None),
    ("B", "Decision", 24, None),
    ("C", "Units", 10, None),
    ("D", "PV at Ke single", 14, "amount"),
    ("E", "PV at Ke dual", 14, "amount"),
    ("F", "Compliance cost", 14, "amount"),
    ("G", "Ke single", 10, "rate"),
    ("H", "Ke dual", 10, "rate"),
    ("I", "Delta NPV", 14, "amount"),
    ("J", "Break-even cost", 14, "amount"),
    ("K", "Break-even Ke dual (value)", 14, "rate"),
    ("L", "P(Delta NPV > 0) (simulation)", 14, "0.0%"),
    ("M", "Shares after the offer", 16, "#,##0"),
    ("N", "Delta NPV per share", 12, "0.0000"),
    ("O", "Share price", 10, "0.00"),
    ("P", "Delta NPV / market value", 12, "0.00%"),
    ("Q", "Ke cut", 10, "rate"),
    ("R", "Critical mass (PV at Ke single)", 16, "amount"),
    ("S", "PV / critical mass", 12, "0.00"),
    ("T", "Currency per amount unit", 12, "#,##0"),
]
FIRST_ROW = 5
NO_SIZE = "no size pays"


@dataclass(frozen=True)
class _Case:
    name: str
    decision: str
    units: str
    pv_single: float
    pv_dual: float
    compliance_cost: float
    ke_single: float
    ke_dual: float
    delta_npv: float
    breakeven_cost: float
    breakeven_ke: float | None
    p_positive: float | None
    shares: float | None
    price: float | None
    per_unit: float
    per_share: float | None
    to_mcap: float | None
    critical_mass: float | None  # None: no size pays


@dataclass
class PortfolioPlan:
    """The workbook in memory and the value each formula cell must hold (sheet -> cell)."""

    wb: Workbook
    cases: list[_Case]
    cached: dict[str, dict[str, Any]]


def _number(i: int, r: Mapping[str, Any], key: str, *, optional: bool = False) -> float | None:
    v = r.get(key)
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise CorridorInputError(f"results[{i + 1}].{key}", f"expected a number, got {v!r}")
    return float(v)


def _text(i: int, r: Mapping[str, Any], key: str, default: str | None = None) -> str:
    v = r.get(key, default)
    if not isinstance(v, str) or not v.strip():
        raise CorridorInputError(f"results[{i + 1}].{key}", f"expected text, got {v!r}")
    return v


def _case(i: int, r: Mapping[str, Any]) -> _Case:
    if not isinstance(r, Mapping):
        raise CorridorInputError(f"results[{i + 1}]", f"expected a mapping, got {r!r:.60}")
    unknown = sorted(set(r) - set(RESULT_FIELDS))
    if unknown:
        raise CorridorInputError(
            f"results[{i + 1}]",
            f"unknown field {unknown[0]!r}; expected some of {', '.join(RESULT_FIELDS)}",
        )
    pv_s, pv_d, cost, ks, kd = (
        _number(i, r, k)
        for k in ("pv_single", "pv_dual", "compliance_cost", "ke_single", "ke_dual")
    )
    assert pv_s is not None and pv_d is not None and cost is not None
    assert ks is not None and kd is not None
    where = f"results[{i + 1}]"
    try:
        mass = valuation.critical_mass_from_pv(pv_s, pv_d, cost)
    except CorridorInputError as exc:
        raise CorridorInputError(f"{where}.{exc.argument}", exc.problem) from None
    delta = pv_d - pv_s - cost
    given = _number(i, r, "delta_npv", optional=True)
    if given is not None and abs(given - delta) > 1e-9 * max(1.0, abs(delta)):
        raise CorridorInputError(
            f"{where}.delta_npv",
            f"expected pv_dual - pv_single - compliance_cost = {delta:.10g}, got {given:.10g}",
        )
    shares = _number(i, r, "shares_outstanding", optional=True)
    price = _number(i, r, "share_price", optional=True)
    per_unit = _number(i, r, "currency_per_unit", optional=True)
    if per_unit is None:
        per_unit = 1.0
    elif not per_unit > 0:
        raise CorridorInputError(f"{where}.currency_per_unit",
                                 f"expected a number above 0 (1e6 for millions), got {per_unit}")
    per_share = to_mcap = None
    try:
        if shares is not None:
            per_share = valuation.dual_npv_per_share(delta * per_unit, shares)
            if price is not None:
                to_mcap = valuation.dual_npv_to_market_cap(delta * per_unit, shares, price)
    except CorridorInputError as exc:
        raise CorridorInputError(f"{where}.{exc.argument}", exc.problem) from None
    p_pos = _number(i, r, "p_positive", optional=True)
    if p_pos is not None and not 0.0 <= p_pos <= 1.0:
        raise CorridorInputError(f"{where}.p_positive", f"expected a probability, got {p_pos}")
    return _Case(
        name=_text(i, r, "name"),
        decision=_text(i, r, "decision"),
        units=_text(i, r, "units", "-"),
        pv_single=pv_s,
        pv_dual=pv_d,
        compliance_cost=cost,
        ke_single=ks,
        ke_dual=kd,
        delta_npv=delta,
        breakeven_cost=pv_d - pv_s,
        breakeven_ke=_number(i, r, "breakeven_ke", optional=True),
        p_positive=p_pos,
        shares=shares,
        price=price,
        per_unit=per_unit,
        per_share=per_share,
        to_mcap=to_mcap,
        critical_mass=None if math.isnan(mass) else float(mass),
    )


def result_from_evaluation(
    name: str,
    evaluation: Any,
    *,
    units: str | None = None,
    p_positive: float | None = None,
    shares_outstanding: float | None = None,
    share_price: float | None = None,
    currency_per_unit: float | None = None,
) -> dict[str, Any]:
    """One portfolio row from an :class:`xl_corridor.case.Evaluation` (read by attribute).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> ev = NS(decision="PROCEED", pv_single=500.0, pv_dual=600.0, compliance_cost=30.0,
    ...         ke_single=0.12, ke_dual=0.10, delta_npv=70.0, breakeven_ke=0.113)
    >>> result_from_evaluation("Boguty", ev)["delta_npv"]
    70.0
    """
    out: dict[str, Any] = {"name": name}
    for key in (
        "decision",
        "pv_single",
        "pv_dual",
        "compliance_cost",
        "ke_single",
        "ke_dual",
        "delta_npv",
        "breakeven_ke",
    ):
        out[key] = getattr(evaluation, key)
    extra = {
        "units": units,
        "p_positive": p_positive,
        "shares_outstanding": shares_outstanding,
        "share_price": share_price,
        "currency_per_unit": currency_per_unit,
    }
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def _put(ws: Worksheet, ref: str, value: Any, fmt: str | None, font: Any = BLUE) -> None:
    if isinstance(value, str):
        put_text(ws, ref, value, font)
    else:
        ws[ref] = value
        ws[ref].font = font
    if fmt:
        ws[ref].number_format = FMT.get(fmt, fmt)


def plan_portfolio(results: Sequence[Mapping[str, Any]]) -> PortfolioPlan:
    """Lay out the comparison workbook in memory with the engine's value for each formula."""
    if isinstance(results, Mapping) or not isinstance(results, Sequence) or not results:
        raise CorridorInputError("results", "expected a non-empty list of result mappings")
    cases = [_case(i, r) for i, r in enumerate(results)]
    wb = Workbook()
    ws = wb.active
    ws.title = "Portfolio"
    cached: dict[str, dict[str, Any]] = {"Portfolio": {}, "Checks": {}}

    def formula(sheet: Worksheet, ref: str, text: str, value: Any, fmt: str | None) -> None:
        sheet[ref] = text
        sheet[ref].font = BLACK
        if fmt:
            sheet[ref].number_format = FMT.get(fmt, fmt)
        cached[sheet.title][ref] = value

    put_text(ws, "A1", "Portfolio of dual-listing cases: one row per case", TITLE)
    put_text(
        ws,
        "A2",
        "Blue: values from each case's report. Black: live formulas on them. Break-even Ke "
        "(a root search) and P(Delta NPV > 0) (SIMULATION OUTPUT, seed and paths in each "
        "report) are values.",
    )
    put_text(
        ws,
        "A3",
        "Critical mass = compliance cost / (PV dual / PV single - 1): the smallest project of "
        "the same cash-flow profile for which the dual listing pays.",
    )
    header(ws, FIRST_ROW - 1, [c[1] for c in COLUMNS])
    for k, c in enumerate(cases):
        r = FIRST_ROW + k
        _put(ws, f"A{r}", c.name, None, BOLD)
        _put(ws, f"B{r}", c.decision, None)
        _put(ws, f"C{r}", c.units, None)
        for col, v, fmt in (
            ("D", c.pv_single, "amount"),
            ("E", c.pv_dual, "amount"),
            ("F", c.compliance_cost, "amount"),
            ("G", c.ke_single, "rate"),
            ("H", c.ke_dual, "rate"),
        ):
            _put(ws, f"{col}{r}", v, fmt)
        formula(ws, f"I{r}", f"=E{r}-D{r}-F{r}", c.delta_npv, "amount")
        formula(ws, f"J{r}", f"=E{r}-D{r}", c.breakeven_cost, "amount")
        _put(ws, f"K{r}", "no root" if c.breakeven_ke is None else c.breakeven_ke, "rate")
        _put(ws, f"L{r}", "not run" if c.p_positive is None else c.p_positive, "0.0%")
        _put(ws, f"T{r}", c.per_unit, "#,##0")
        if c.shares is not None:
            _put(ws, f"M{r}", c.shares, "#,##0")
            formula(ws, f"N{r}", f"=I{r}*T{r}/M{r}", c.per_share, "0.0000")
        if c.price is not None:
            _put(ws, f"O{r}", c.price, "0.00")
            if c.shares is not None:
                formula(ws, f"P{r}", f"=I{r}*T{r}/(M{r}*O{r})", c.to_mcap, "0.00%")
        formula(ws, f"Q{r}", f"=G{r}-H{r}", c.ke_single - c.ke_dual, "rate")
        formula(
            ws,
            f"R{r}",
            f'=IF(E{r}>D{r},F{r}/(E{r}/D{r}-1),"{NO_SIZE}")',
            NO_SIZE if c.critical_mass is None else c.critical_mass,
            "amount",
        )
        headroom = (
            None
            if c.critical_mass is None or c.critical_mass == 0
            else c.pv_single / c.critical_mass
        )
        formula(
            ws,
            f"S{r}",
            f'=IF(ISNUMBER(R{r}),IF(R{r}>0,D{r}/R{r},"any size"),"-")',
            "-" if c.critical_mass is None else ("any size" if headroom is None else headroom),
            "0.00",
        )
    last = FIRST_ROW + len(cases) - 1
    t = last + 2
    put_text(ws, f"A{t}", "Cases", BOLD)
    formula(ws, f"B{t}", f"=COUNTA(A{FIRST_ROW}:A{last})", len(cases), "0")
    put_text(ws, f"A{t + 1}", "Decision PROCEED", BOLD)
    formula(
        ws,
        f"B{t + 1}",
        f'=COUNTIF(B{FIRST_ROW}:B{last},"PROCEED")',
        sum(c.decision == "PROCEED" for c in cases),
        "0",
    )
    put_text(ws, f"A{t + 2}", "Delta NPV > 0", BOLD)
    formula(
        ws,
        f"B{t + 2}",
        f'=COUNTIF(I{FIRST_ROW}:I{last},">0")',
        sum(c.delta_npv > 0 for c in cases),
        "0",
    )
    if len({c.units for c in cases}) == 1:
        put_text(ws, f"A{t + 3}", f"Total Delta NPV ({cases[0].units})", BOLD)
        formula(
            ws,
            f"B{t + 3}",
            f"=SUM(I{FIRST_ROW}:I{last})",
            sum(c.delta_npv for c in cases),
            "amount",
        )
    define(wb, "portfolio_delta_npv", "Portfolio", f"I{FIRST_ROW}:I{last}")
    define(wb, "portfolio_critical_mass", "Portfolio", f"R{FIRST_ROW}:R{last}")
    for col, _, width, _ in COLUMNS:
        ws.column_dimensions[col].width = width
    print_setup(ws, f"B{FIRST_ROW}", landscape=True)

    chart = BarChart()
    chart.type = "bar"
    chart.title = "Delta NPV by case"
    chart.add_data(
        Reference(ws, min_col=9, min_row=FIRST_ROW - 1, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=FIRST_ROW, max_row=last))
    chart.height, chart.width = 3 + 0.6 * len(cases), 16
    ws.add_chart(chart, f"A{t + 6}")

    _checks(wb, cases, formula)
    return PortfolioPlan(wb=wb, cases=cases, cached=cached)


def _checks(wb: Workbook, cases: list[_Case], formula: Any) -> None:
    ws = wb.create_sheet("Checks")
    put_text(ws, "A1", "Checks: the Portfolio's live formulas against the Python engine", TITLE)
    put_text(ws, "A3", "Tolerance (relative)")
    ws["B3"] = TOLERANCE
    ws["B3"].number_format = "0.0E+00"
    define(wb, "tol", "Checks", "B3")
    header(ws, 5, ["Quantity", "Live formula", "Engine value", "OK", "Engine"])
    row = 6
    for k, c in enumerate(cases):
        r = FIRST_ROW + k
        rows: list[tuple[str, str, float, str]] = [
            (f"{c.name}: Delta NPV", f"I{r}", c.delta_npv, "pv_dual - pv_single - cost"),
        ]
        if c.critical_mass is not None:
            rows.append(
                (
                    f"{c.name}: critical mass",
                    f"R{r}",
                    c.critical_mass,
                    "xl_corridor.engine.valuation.critical_mass_from_pv",
                )
            )
        if c.per_share is not None:
            rows.append(
                (
                    f"{c.name}: Delta NPV per share",
                    f"N{r}",
                    c.per_share,
                    "xl_corridor.engine.valuation.dual_npv_per_share",
                )
            )
        for label, ref, value, src in rows:
            put_text(ws, f"A{row}", label)
            formula(ws, f"B{row}", f"=Portfolio!{ref}", value, "0.000000000000")
            ws[f"B{row}"].font = GREEN
            ws[f"C{row}"] = value
            ws[f"C{row}"].number_format = "0.000000000000"
            formula(ws, f"D{row}", "=" + fx.check(f"B{row}", f"C{row}"), True, None)
            put_text(ws, f"E{row}", src)
            row += 1
    put_text(ws, f"A{row + 1}", "All checks pass", BOLD)
    formula(ws, f"D{row + 1}", f"=AND(D6:D{row - 1})", True, None)
    define(wb, "checks_ok", "Checks", f"D{row + 1}")
    for col, width in zip("ABCDE", (40, 22, 22, 8, 50), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "B6", landscape=True)


def build_portfolio(results: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write the batch comparison workbook.

    Parameters
    ----------
    results : sequence of mappings
        One per case, with the fields of :data:`RESULT_FIELDS` (amounts in each case's units,
        rates decimal).
    path : path
        Where to write the ``.xlsx`` (atomically).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    CorridorInputError
        Naming ``results[i].field`` for a missing or bad field; nothing is written.
    """
    plan = plan_portfolio(results)
    return save_workbook(plan.wb, path, kind=PORTFOLIO_KIND, cached=plan.cached)


#: Where each result field sits on the Portfolio sheet (the blue cells it is rebuilt from), and
#: the text shown for a field left out.
_SOURCE = {"name": "A", "decision": "B", "units": "C", "pv_single": "D", "pv_dual": "E",
           "compliance_cost": "F", "ke_single": "G", "ke_dual": "H", "breakeven_ke": "K",
           "p_positive": "L", "shares_outstanding": "M", "share_price": "O",
           "currency_per_unit": "T"}
_LEFT_OUT = {"breakeven_ke": "no root", "p_positive": "not run"}


def portfolio_results(wb: Any) -> list[dict[str, Any]]:
    """The results a comparison workbook was built from, read back from its Portfolio sheet's
    value cells (one row per case from row :data:`FIRST_ROW` to the first blank case name).

    Raises
    ------
    CorridorInputError
        Naming ``Portfolio`` when the workbook has no Portfolio sheet or no case row.
    """
    if "Portfolio" not in wb.sheetnames:
        raise CorridorInputError("Portfolio", "expected a Portfolio sheet")
    ws = wb["Portfolio"]
    out: list[dict[str, Any]] = []
    for r in range(FIRST_ROW, ws.max_row + 1):
        if ws[f"A{r}"].value in (None, ""):
            break
        row: dict[str, Any] = {}
        for key, col in _SOURCE.items():
            v = ws[f"{col}{r}"].value
            if v is None or (key in _LEFT_OUT and v == _LEFT_OUT[key]):
                continue
            row[key] = float(v) if isinstance(v, int) and not isinstance(v, bool) else v
        out.append(row)
    if not out:
        raise CorridorInputError("Portfolio", f"expected a case in row {FIRST_ROW}, found none")
    return out


def portfolio_expected(results: Sequence[Mapping[str, Any]], wb: Any = None) -> Any:
    """What the builder writes for ``results``, for the validator
    (:class:`xl_corridor.validate.structure.Expected`): no cell is editable; a changed value
    shows as Checks' engine column disagreeing with the rebuild."""
    from xl_corridor.validate.structure import Expected

    plan = plan_portfolio(results)
    raw = io.BytesIO()
    plan.wb.save(raw)
    return Expected(raw.getvalue(), plan.cached, frozenset(), frozenset(), plan)


def _fmt(v: float | None, kind: str) -> str:
    if v is None:
        return "-"
    if kind == "rate":
        return f"{v:.2%}"
    if kind == "ps":
        return f"{v:,.4f}"
    return f"{v:,.1f}"


def portfolio_table(results: Sequence[Mapping[str, Any]]) -> str:
    """The comparison as a fixed-width text table (what ``xl-corridor batch`` prints).

    Examples
    --------
    >>> print(portfolio_table([dict(name="A", decision="PROCEED", pv_single=500.0,
    ...     pv_dual=600.0, compliance_cost=30.0, ke_single=0.12, ke_dual=0.10)]))
    ... # doctest: +NORMALIZE_WHITESPACE
    case  decision  delta_npv  per_share  breakeven_cost  breakeven_ke  p_positive  critical_mass
    A     PROCEED   70.0       -          100.0           -             -           150.0
    """
    if isinstance(results, Mapping) or not isinstance(results, Sequence) or not results:
        raise CorridorInputError("results", "expected a non-empty list of result mappings")
    cases = [_case(i, r) for i, r in enumerate(results)]
    head = [
        "case",
        "decision",
        "delta_npv",
        "per_share",
        "breakeven_cost",
        "breakeven_ke",
        "p_positive",
        "critical_mass",
    ]
    rows = [
        [
            c.name,
            c.decision,
            _fmt(c.delta_npv, "amount"),
            _fmt(c.per_share, "ps"),
            _fmt(c.breakeven_cost, "amount"),
            _fmt(c.breakeven_ke, "rate"),
            _fmt(c.p_positive, "rate"),
            NO_SIZE if c.critical_mass is None else _fmt(c.critical_mass, "amount"),
        ]
        for c in cases
    ]
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in [head, *rows]
    )
