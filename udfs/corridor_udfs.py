"""xl-corridor's Excel functions: thin adapters from what Excel passes to the engine.

One module serves the three ways bankers run Python in Excel:

* xlwings classic add-in (Windows desktop Excel): ``UDF_MODULES = corridor_udfs`` with
  ``PYTHONPATH`` pointing at this folder, then *Import Functions*;
* xlwings Server (Office.js: Excel on Windows, Mac and the web): drop this file into the
  server's custom functions; names appear under the server's namespace (``XLWINGS.DUAL_NPV``);
* xlwings Lite: ``udfs/lite/main.py`` re-exports everything here.

Each function takes exactly what Excel sends: a scalar or a 2-D list for every argument
(``ndim=2``), ``None`` or ``""`` for blanks, floats for integers, booleans, error values as
strings (``"#N/A"``) or, from COM, as integer error codes, dates as ``datetime`` or serials.
Bad input never yields a number: on xlwings Server and Lite it raises ``XlwingsError`` (the cell
shows #VALUE! with the message); in the classic add-in the cell shows the short message text,
because the classic add-in would otherwise pop up a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import xlwings as xw

import xl_corridor as xc
from xl_corridor.errors import CorridorInputError

__all__ = [
    "CORRIDOR_KE",
    "DUAL_NPV",
    "COMPLIANCE_COST",
    "CORRIDOR_CRP",
    "CORRIDOR_KE_FX",
    "CORRIDOR_CAPEX",
    "DUAL_XNPV",
    "DUAL_BREAKEVEN_COST",
    "DUAL_BREAKEVEN_KE",
    "LISTING_PATH",
    "DUAL_PARITY_GAP",
    "DUAL_ARB_BAND",
    "DIMSUM_HEDGED_COST",
    "DIMSUM_SAVING",
    "CORRIDOR_LP",
    "CORRIDOR_VERSION",
]

CATEGORY = "xl-corridor"
# Largest range accepted for any one argument, and largest result returned: one Excel column.
MAX_CELLS = 1_048_576
# Longest cash-flow series: 10,000 periods (monthly for over 800 years).
MAX_PERIODS = 10_000

EXCEL_ERRORS = frozenset(
    "#NULL! #DIV/0! #VALUE! #REF! #NAME? #NUM! #N/A #GETTING_DATA #SPILL! #CALC! #FIELD! "
    "#BLOCKED! #CONNECT! #BUSY! #UNKNOWN! #PYTHON!".split()
)
# Error values as the classic add-in receives them over COM (CVErr codes, xlErrNA etc.).
COM_ERRORS = {
    -2146826288: "#NULL!",
    -2146826281: "#DIV/0!",
    -2146826273: "#VALUE!",
    -2146826265: "#REF!",
    -2146826259: "#NAME?",
    -2146826252: "#NUM!",
    -2146826246: "#N/A",
}

_REQUIRED = object()
# Help text of every argument, by function: what the Function Wizard and Office.js show.
ARG_HELP: dict[str, dict[str, str]] = {}
# The engine function behind each Excel function (for the generated function reference).
ENGINE: dict[str, Callable[..., Any]] = {}


# --------------------------------------------------------------------------- error surfacing


def _classic() -> bool:
    """True inside the classic COM add-in, where xw.func is xlwings.udfs.xlfunc."""
    return getattr(xw.func, "__module__", "") == "xlwings.udfs"


def _fail(message: str) -> str:
    if _classic():
        return f"#VALUE! {message}"
    raise xw.XlwingsError(message)


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad input into the mode's error; never let a traceback reach the cell."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CorridorInputError as exc:
            return _fail(str(exc))
        except xw.XlwingsError:
            raise
        except (MemoryError, ValueError, TypeError, ArithmeticError) as exc:
            import logging  # only on this path: the functions load without it

            logging.getLogger(__name__).exception("%s failed", fn.__name__)
            return _fail(f"{fn.__name__}: could not compute ({type(exc).__name__}: {exc})")

    return wrapper


def _udf(
    description: str, engine: Callable[..., Any] | None = None, **arg_docs: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` with xlwings: a description, and a help text and ndim=2 per argument."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        ARG_HELP[fn.__name__] = dict(arg_docs)
        if engine is not None:
            ENGINE[fn.__name__] = engine
        wrapped = _guard(fn)
        wrapped.__doc__ = description
        for name, doc in arg_docs.items():
            wrapped = xw.arg(name, ndim=2, doc=doc)(wrapped)
        return xw.func(category=CATEGORY)(wrapped)

    return decorate


# --------------------------------------------------------------------------- reading cells


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _describe(value: Any) -> str:
    if _is_blank(value):
        return "a blank cell"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        if value.strip().upper() in EXCEL_ERRORS:
            return f"the Excel error {value.strip().upper()}"
        text = value.strip()
        if text.endswith("%"):
            try:
                return f"text {value!r} (enter {float(text[:-1]) / 100:g} as a number)"
            except ValueError:
                pass
        return f"text {value!r}"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, int) and value in COM_ERRORS:
        return f"the Excel error {COM_ERRORS[value]}"
    return f"{type(value).__name__} {value!r}"


def _number(name: str, value: Any, where: str = "") -> float:
    """One cell as a float, or CorridorInputError naming the argument and position."""
    if type(value) is float:  # the common case, from either runtime
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    ):
        if int(value) in COM_ERRORS and float(value) == int(value):
            raise CorridorInputError(name, f"expected a number{where}, got {_describe(int(value))}")
        return float(value)
    raise CorridorInputError(name, f"expected a number{where}, got {_describe(value)}")


def _position(shape: tuple[int, int], r: int, c: int) -> str:
    if shape[0] == 1 and shape[1] == 1:
        return ""
    if shape[0] == 1 or shape[1] == 1:
        return f" at item {max(r, c) + 1}"
    return f" at row {r + 1}, column {c + 1}"


def _rows(name: str, value: Any) -> list[list[Any]]:
    """Any range-like input as a rectangular list of rows (a 1-D input is one row)."""
    if hasattr(value, "to_numpy"):  # pandas Series / DataFrame
        value = value.to_numpy()
    if isinstance(value, np.ndarray):
        if value.ndim > 2:
            raise CorridorInputError(
                name, f"expected a range of cells, got {value.ndim} dimensions"
            )
        value = np.atleast_2d(value).tolist()
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if len(value) == 0:
        raise CorridorInputError(name, "expected at least one cell, got an empty range")
    if all(isinstance(row, (list, tuple)) for row in value):
        rows = [list(row) for row in value]
    elif not any(isinstance(row, (list, tuple)) for row in value):
        rows = [list(value)]
    else:
        raise CorridorInputError(name, "expected a range of cells, got a mix of cells and lists")
    width = len(rows[0])
    if width == 0 or any(len(row) != width for row in rows):
        raise CorridorInputError(name, "expected a rectangular range with rows of equal length")
    if len(rows) * width > MAX_CELLS:
        raise CorridorInputError(
            name, f"expected at most {MAX_CELLS:,} cells, got {len(rows) * width:,}"
        )
    return rows


def _blank_argument(value: Any) -> bool:
    """An omitted or blank argument: None, "", or a single blank cell as [[None]]."""
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return _is_blank(value)


def _grid(name: str, value: Any, default: Any = _REQUIRED) -> Any:
    """A scalar argument that may also be given as a range: a float, or a 2-D float array."""
    # Fast path for what a single cell sends: a float, or [[float]] with ndim=2.
    if type(value) is float:
        return value
    if type(value) is list and len(value) == 1:
        row = value[0]
        if type(row) is list and len(row) == 1 and type(row[0]) is float:
            return row[0]
    if _blank_argument(value):
        if default is _REQUIRED:
            raise CorridorInputError(name, "expected a number, got a blank cell")
        return float(default)
    rows = _rows(name, value)
    shape = (len(rows), len(rows[0]))
    if shape == (1, 1):
        return _number(name, rows[0][0])
    out = np.empty(shape)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            out[r, c] = _number(name, cell, _position(shape, r, c))
    return out


def _cells_1d(name: str, value: Any) -> list[Any]:
    """One row or one column of cells, with trailing blanks dropped (users select whole rows)."""
    rows = _rows(name, value)
    if len(rows) > 1 and len(rows[0]) > 1:
        raise CorridorInputError(
            name, f"expected one row or one column, got {len(rows)} rows by {len(rows[0])} columns"
        )
    cells = [cell for row in rows for cell in row]
    while cells and _is_blank(cells[-1]):
        cells.pop()
    if not cells:
        raise CorridorInputError(name, "expected at least one number, got only blank cells")
    return cells


def _series(name: str, value: Any) -> np.ndarray:
    """A cash-flow series. Interior blanks and text are errors naming the item (Excel's NPV
    skips them silently, which shifts every later cash flow by a period)."""
    cells = _cells_1d(name, value)
    if len(cells) > MAX_PERIODS:
        raise CorridorInputError(
            name, f"expected at most {MAX_PERIODS:,} periods, got {len(cells):,}"
        )
    return np.array([_number(name, cell, f" at item {i + 1}") for i, cell in enumerate(cells)])


def _line_items(name: str, value: Any) -> tuple[np.ndarray, np.ndarray]:
    """Line items in any range shape, and which cells were blank (blank items count as 0)."""
    rows = _rows(name, value)
    flat = [cell for row in rows for cell in row]
    blank = np.array([_is_blank(cell) for cell in flat])
    values = np.array(
        [
            0.0 if b else _number(name, cell, f" at item {i + 1}")
            for i, (cell, b) in enumerate(zip(flat, blank, strict=True))
        ]
    )
    return values, blank


def _text(name: str, value: Any, default: Any = _REQUIRED) -> Any:
    rows = _rows(name, value)
    if len(rows) != 1 or len(rows[0]) != 1:
        raise CorridorInputError(name, "expected a single cell")
    cell = rows[0][0]
    if _is_blank(cell):
        if default is _REQUIRED:
            raise CorridorInputError(name, "expected text, got a blank cell")
        return default
    if isinstance(cell, str) and cell.strip().upper() in EXCEL_ERRORS:
        raise CorridorInputError(name, f"expected text, got {_describe(cell)}")
    return cell


def _result(value: Any) -> Any:
    if type(value) is float:  # the engine's scalar result
        return value
    arr = np.asarray(value, dtype=float)
    if arr.size > MAX_CELLS:
        raise CorridorInputError(
            "result", f"the ranges broadcast to {arr.size:,} cells; at most {MAX_CELLS:,} fit"
        )
    if arr.size == 1:
        return float(arr.reshape(-1)[0])
    return np.atleast_2d(arr).tolist()


def _check_broadcast(**grids: Any) -> None:
    shapes = {k: np.shape(v) for k, v in grids.items() if type(v) is not float and np.ndim(v)}
    if not shapes:  # single cells only: nothing to pair
        return
    try:
        shape = np.broadcast_shapes(*shapes.values())
    except ValueError:
        described = ", ".join(f"{k} {s[0]}x{s[1]}" for k, s in shapes.items())
        raise CorridorInputError(
            "ranges",
            f"cannot pair {described}: give single cells, or ranges of the same size, or a "
            "column against a row",
        ) from None
    if math.prod(shape) > MAX_CELLS:
        raise CorridorInputError(
            "ranges",
            f"the ranges broadcast to {math.prod(shape):,} cells; at most {MAX_CELLS:,} fit",
        )


def _broadcast_call(engine: Callable[..., Any], defaults: dict[str, float], **raw: Any) -> Any:
    """Read every argument as a number or a range, pair the ranges, call the engine."""
    args = {
        name: _grid(name, value, defaults[name]) if name in defaults else _grid(name, value)
        for name, value in raw.items()
    }
    _check_broadcast(**args)
    return _result(engine(**args))


# --------------------------------------------------------------------------- the functions

_RATE = "decimal, e.g. 0.045 for 4.5% (a range gives a table)"


@_udf(
    "Cost of equity: rf + beta*mrp + country_exposure*country_premium + liquidity_premium.",
    engine=xc.cost_of_equity,
    rf="Risk-free rate, " + _RATE,
    beta="Equity beta against the mature market, e.g. 1.2",
    mrp="Mature-market equity risk premium, " + _RATE,
    country_premium="Country risk premium, decimal, e.g. 0.023 (CORRIDOR_CRP)",
    liquidity_premium="Liquidity premium, decimal, e.g. 0.02",
    country_exposure="Optional. Company's exposure to country risk (Damodaran lambda); default 1",
)
def CORRIDOR_KE(rf, beta, mrp, country_premium, liquidity_premium, country_exposure=1.0):  # noqa: N802
    return _broadcast_call(
        xc.cost_of_equity,
        {"country_exposure": 1.0},
        rf=rf,
        beta=beta,
        mrp=mrp,
        country_premium=country_premium,
        liquidity_premium=liquidity_premium,
        country_exposure=country_exposure,
    )


@_udf(
    "Delta NPV of the dual listing: NPV at ke_dual - NPV at ke_single - compliance_cost.",
    engine=xc.dual_npv,
    cash_flows="One row or column of cash flows, period 1 first (trailing blanks ignored)",
    ke_dual="Cost of equity with the dual listing, " + _RATE,
    ke_single="Cost of equity with a single listing, " + _RATE,
    compliance_cost="Capitalized cost of two listings, model currency (COMPLIANCE_COST)",
    timing='Optional. "end" (default, like NPV), "mid" or "begin"',
)
def DUAL_NPV(cash_flows, ke_dual, ke_single, compliance_cost, timing="end"):  # noqa: N802
    cf = _series("cash_flows", cash_flows)
    grids = dict(
        ke_dual=_grid("ke_dual", ke_dual),
        ke_single=_grid("ke_single", ke_single),
        compliance_cost=_grid("compliance_cost", compliance_cost),
    )
    when = _text("timing", timing, "end")
    _check_broadcast(**grids)
    return _result(xc.dual_npv(cf, **grids, timing=when))


@_udf(
    "Capitalized cost of complying with two exchanges: one_off + PV of growing annual costs "
    "after tax.",
    engine=xc.compliance_cost,
    annual_costs="Yearly cost line items, each in its own currency (blanks count as 0)",
    years="Number of years the dual listing is kept, e.g. 10",
    discount_rate="Discount rate, " + _RATE,
    growth="Optional. Annual growth of the costs, decimal; default 0",
    one_off="Optional. One-off costs now (listing fees, CPR), model currency; default 0",
    fx_rates="Optional. Model currency per unit of each item's currency, one per item; default 1",
    tax_rate="Optional. Tax rate at which the costs are deductible, decimal; default 0",
)
def COMPLIANCE_COST(  # noqa: N802
    annual_costs, years, discount_rate, growth=0.0, one_off=0.0, fx_rates=1.0, tax_rate=0.0
):
    items, blank_items = _line_items("annual_costs", annual_costs)
    if blank_items.all():
        raise CorridorInputError(
            "annual_costs", "expected at least one amount, got only blank cells"
        )
    fx: Any = 1.0
    if not _blank_argument(fx_rates):
        fx, blank_fx = _line_items("fx_rates", fx_rates)
        if fx.size == items.size:
            missing = blank_fx & ~blank_items
            if missing.any():
                i = int(np.argmax(missing))
                raise CorridorInputError(
                    "fx_rates", f"expected a rate at item {i + 1}, where annual_costs has an amount"
                )
            fx = np.where(blank_items, 1.0, fx)
        elif blank_fx.any():
            raise CorridorInputError("fx_rates", "expected a number, got a blank cell")
    grids = dict(
        years=_grid("years", years),
        discount_rate=_grid("discount_rate", discount_rate),
        growth=_grid("growth", growth, 0.0),
        one_off=_grid("one_off", one_off, 0.0),
        tax_rate=_grid("tax_rate", tax_rate, 0.0),
    )
    _check_broadcast(**grids)
    return _result(xc.compliance_cost(items, fx_rates=fx, **grids))


@_udf(
    "Country risk premium (Damodaran): default_spread * relative_volatility.",
    engine=xc.country_risk_premium,
    default_spread="Sovereign default spread for the rating, decimal, e.g. 0.0179",
    relative_volatility="Equity vs bond market volatility, e.g. 1.298 (Damodaran July 2024)",
)
def CORRIDOR_CRP(default_spread, relative_volatility):  # noqa: N802
    return _broadcast_call(
        xc.country_risk_premium,
        {},
        default_spread=default_spread,
        relative_volatility=relative_volatility,
    )


@_udf(
    "Cost of equity in another currency: (1+ke)(1+inflation_local)/(1+inflation_base) - 1.",
    engine=xc.ke_in_currency,
    ke="Cost of equity in the base currency, " + _RATE,
    inflation_local="Expected inflation of the target currency, decimal",
    inflation_base="Expected inflation of the base currency, decimal",
)
def CORRIDOR_KE_FX(ke, inflation_local, inflation_base):  # noqa: N802
    return _broadcast_call(
        xc.ke_in_currency,
        {},
        ke=ke,
        inflation_local=inflation_local,
        inflation_base=inflation_base,
    )


@_udf(
    "Pre-production capital: (exploration + feasibility + infrastructure + regulatory) * "
    "(1 + contingency); ranges are summed.",
    engine=xc.preproduction_capital,
    exploration="Exploration capital, model currency (a range is summed; blanks count as 0)",
    feasibility="Feasibility study capital, model currency",
    infrastructure="Infrastructure and construction capital, model currency",
    regulatory="Regulatory and permitting capital, model currency",
    contingency="Optional. Contingency, decimal, e.g. 0.15; default 0",
)
def CORRIDOR_CAPEX(exploration, feasibility, infrastructure, regulatory, contingency=0.0):  # noqa: N802
    parts = {}
    for name, value in (
        ("exploration", exploration),
        ("feasibility", feasibility),
        ("infrastructure", infrastructure),
        ("regulatory", regulatory),
    ):
        parts[name], _ = _line_items(name, value)
    cont = _grid("contingency", contingency, 0.0)
    return _result(xc.preproduction_capital(**parts, contingency=cont))


@_udf(
    "Delta NPV of the dual listing with dated cash flows, discounted like XNPV.",
    engine=xc.dual_xnpv,
    cash_flows="Cash flows, one per date, model currency",
    dates="Dates of the cash flows; the first is the valuation date and the earliest",
    ke_dual="Cost of equity with the dual listing, " + _RATE,
    ke_single="Cost of equity with a single listing, " + _RATE,
    compliance_cost="Capitalized compliance cost at the first date, model currency",
)
def DUAL_XNPV(cash_flows, dates, ke_dual, ke_single, compliance_cost):  # noqa: N802
    cf = _series("cash_flows", cash_flows)
    days = _cells_1d("dates", dates)
    for i, cell in enumerate(days):
        if not isinstance(cell, (dt.date, dt.datetime)):
            _number("dates", cell, f" at item {i + 1}")
    grids = dict(
        ke_dual=_grid("ke_dual", ke_dual),
        ke_single=_grid("ke_single", ke_single),
        compliance_cost=_grid("compliance_cost", compliance_cost),
    )
    _check_broadcast(**grids)
    return _result(xc.dual_xnpv(cf, days, **grids))


@_udf(
    "The largest compliance cost at which the dual listing still pays (Delta NPV >= 0).",
    engine=xc.breakeven_cost,
    cash_flows="One row or column of cash flows, period 1 first",
    ke_dual="Cost of equity with the dual listing, " + _RATE,
    ke_single="Cost of equity with a single listing, " + _RATE,
    timing='Optional. "end" (default), "mid" or "begin"',
)
def DUAL_BREAKEVEN_COST(cash_flows, ke_dual, ke_single, timing="end"):  # noqa: N802
    cf = _series("cash_flows", cash_flows)
    grids = dict(ke_dual=_grid("ke_dual", ke_dual), ke_single=_grid("ke_single", ke_single))
    when = _text("timing", timing, "end")
    _check_broadcast(**grids)
    return _result(xc.breakeven_cost(cf, **grids, timing=when))


@_udf(
    "The highest dual-listing cost of equity below ke_single at which Delta NPV = 0.",
    engine=xc.breakeven_ke,
    cash_flows="One row or column of cash flows, period 1 first",
    ke_single="Cost of equity with a single listing, " + _RATE,
    compliance_cost="Capitalized compliance cost, model currency",
    timing='Optional. "end" (default), "mid" or "begin"',
)
def DUAL_BREAKEVEN_KE(cash_flows, ke_single, compliance_cost, timing="end"):  # noqa: N802
    cf = _series("cash_flows", cash_flows)
    grids = dict(
        ke_single=_grid("ke_single", ke_single),
        compliance_cost=_grid("compliance_cost", compliance_cost),
    )
    when = _text("timing", timing, "end")
    _check_broadcast(**grids)
    result = np.asarray(xc.breakeven_ke(cf, **grids, timing=when))
    if np.isnan(result).any():
        raise CorridorInputError(
            "compliance_cost",
            "no ke_dual between -99% and ke_single brings Delta NPV to zero: a lower cost of "
            "equity cannot recover this cost with these cash flows",
        )
    return _result(result)


@_udf(
    "Recommended listing path: AIX_FIRST, HKEX_AFTER_DFS, DUAL_ELIGIBLE or RECONCILE_CODE, "
    "with the HKEX Chapter 18 rule behind it.",
    engine=xc.listing_path,
    reporting_code="Reporting standard: JORC, NI 43-101, SAMREC, PRMS, GKZ, KAZRC or PERC",
    resource_category="Highest category: Inferred, Indicated, Measured, Probable, Proved, ...",
    dfs_complete="TRUE if the definitive feasibility study is complete",
)
def LISTING_PATH(reporting_code, resource_category, dfs_complete):  # noqa: N802
    code = _text("reporting_code", reporting_code)
    category = _text("resource_category", resource_category)
    dfs = _text("dfs_complete", dfs_complete)
    return str(xc.listing_path(code, category, dfs))


@_udf(
    "Cross-venue parity gap: price_hk / (price_aix * fx_aix_to_hkd * aix_shares_per_hk_share) - 1.",
    engine=xc.parity_gap,
    price_hk="HKEX price, HKD per share",
    price_aix="AIX price, in the AIX trading currency per share",
    fx_aix_to_hkd="HKD per unit of the AIX currency",
    aix_shares_per_hk_share="Optional. AIX shares per HKEX share; default 1",
)
def DUAL_PARITY_GAP(price_hk, price_aix, fx_aix_to_hkd, aix_shares_per_hk_share=1.0):  # noqa: N802
    return _broadcast_call(
        xc.parity_gap,
        {"aix_shares_per_hk_share": 1.0},
        price_hk=price_hk,
        price_aix=price_aix,
        fx_aix_to_hkd=fx_aix_to_hkd,
        aix_shares_per_hk_share=aix_shares_per_hk_share,
    )


@_udf(
    "No-arbitrage band half-width around parity: the largest gap between the HKEX and AIX "
    "prices that round-trip costs make unprofitable to trade.",
    engine=xc.arbitrage_band,
    cost_hk="HKEX cost per side (fees, levies, stamp duty), decimal, e.g. 0.0011",
    cost_aix="AIX cost per side, decimal",
    conversion_fee="Depository migration (conversion) fee as a share of value, decimal",
    fx_spread="FX bid-ask spread paid to convert the proceeds, decimal",
    financing_rate="Annual financing rate while the position settles, decimal",
    settlement_days="Optional. Settlement lag in days; default 2 (T+2 on both venues)",
    conversion_days="Optional. Extra days the depository migration adds; default 0",
)
def DUAL_ARB_BAND(  # noqa: N802
    cost_hk,
    cost_aix,
    conversion_fee,
    fx_spread,
    financing_rate,
    settlement_days=2.0,
    conversion_days=0.0,
):
    return _broadcast_call(
        xc.arbitrage_band,
        {"settlement_days": 2.0, "conversion_days": 0.0},
        cost_hk=cost_hk,
        cost_aix=cost_aix,
        conversion_fee=conversion_fee,
        fx_spread=fx_spread,
        financing_rate=financing_rate,
        settlement_days=settlement_days,
        conversion_days=conversion_days,
    )


@_udf(
    "USD cost of an offshore-RMB (Dim Sum) bond hedged through covered interest parity: "
    "(1+cnh_yield)(1+usd_rate)/(1+cnh_rate+basis) - 1.",
    engine=xc.dimsum_hedged_cost,
    cnh_yield="Yield of the CNH bond, decimal, e.g. 0.0295",
    usd_rate="USD money-market rate for the tenor, decimal",
    cnh_rate="CNH money-market rate for the tenor, decimal",
    basis="Optional. Cross-currency basis, decimal; default 0",
)
def DIMSUM_HEDGED_COST(cnh_yield, usd_rate, cnh_rate, basis=0.0):  # noqa: N802
    return _broadcast_call(
        xc.dimsum_hedged_cost,
        {"basis": 0.0},
        cnh_yield=cnh_yield,
        usd_rate=usd_rate,
        cnh_rate=cnh_rate,
        basis=basis,
    )


@_udf(
    "Saving of hedged Dim Sum funding against a USD bond: usd_bond_yield - hedged CNH cost.",
    engine=xc.dimsum_saving,
    cnh_yield="Yield of the CNH bond, decimal",
    usd_rate="USD money-market rate for the tenor, decimal",
    cnh_rate="CNH money-market rate for the tenor, decimal",
    usd_bond_yield="Yield the issuer would pay on a USD bond, decimal",
    basis="Optional. Cross-currency basis, decimal; default 0",
)
def DIMSUM_SAVING(cnh_yield, usd_rate, cnh_rate, usd_bond_yield, basis=0.0):  # noqa: N802
    return _broadcast_call(
        xc.dimsum_saving,
        {"basis": 0.0},
        cnh_yield=cnh_yield,
        usd_rate=usd_rate,
        cnh_rate=cnh_rate,
        usd_bond_yield=usd_bond_yield,
        basis=basis,
    )


@_udf(
    "Liquidity premium implied by a relative bid-ask spread (documented assumption: "
    "a * spread^b, concave as in Amihud & Mendelson 1986).",
    engine=xc.liquidity_premium_from_spread,
    relative_spread="Relative bid-ask spread (ask-bid)/mid, decimal, e.g. 0.01",
)
def CORRIDOR_LP(relative_spread):  # noqa: N802
    return _broadcast_call(xc.liquidity_premium_from_spread, {}, relative_spread=relative_spread)


@_udf("The xl-corridor version and the vintages of its reference data.")
def CORRIDOR_VERSION():  # noqa: N802
    data = xc.damodaran()
    return (
        f"xl-corridor {xc.__version__}; Damodaran ctryprem {data.vintage}; "
        "HKEX Main Board Chapter 18 rules as consulted 2026-11-22"
    )
