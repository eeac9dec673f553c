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
import inspect
import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import xlwings as xw

import xl_corridor as xc
from xl_corridor.engine import corridor as _corr
from xl_corridor.engine import corridor_debt as _corr_debt
from xl_corridor.errors import CorridorInputError, show
from xl_corridor.limits import (
    BREAKEVEN_WORK_PER_PERIOD,
    UDF_MAX_PERIODS,
    UDF_MAX_RANGE_CELLS,
    UDF_MAX_WORK,
)

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
    # corridor entry model (issue 14)
    "CORRIDOR_RECOVERY",
    "CORRIDOR_ENFORCE_HK",
    "CORRIDOR_ENFORCEMENT_GAIN",
    "CORRIDOR_SENIOR_SPREAD",
    "CORRIDOR_INSURANCE_BREAKEVEN",
    "CORRIDOR_DIMSUM_SAVING",
    "CORRIDOR_DIMSUM_BREAKEVEN",
    "CORRIDOR_FX_DEBT_SAVING",
    "CORRIDOR_GREEN_SPREAD",
    "CORRIDOR_POLICY_LOAN",
    "CORRIDOR_KE_HK",
    "CORRIDOR_WACC",
    "CORRIDOR_NETBACK",
    "CORRIDOR_DELTA_V",
    "CORRIDOR_CE",
]

CATEGORY = "xl-corridor"
# Largest range accepted for any one argument, and largest result returned: one Excel column.
MAX_CELLS = UDF_MAX_RANGE_CELLS
# Longest cash-flow series: 10,000 periods (monthly for over 800 years).
MAX_PERIODS = UDF_MAX_PERIODS

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
_COM_LOW, _COM_HIGH = float(min(COM_ERRORS)), float(max(COM_ERRORS))
_COM_MID, _COM_HALF = (_COM_LOW + _COM_HIGH) / 2, (_COM_HIGH - _COM_LOW) / 2  # exact: integers
# |x| < |_COM_HIGH| for every x when the sum of squares is below this (a 2% margin, far wider
# than the rounding of any sum of positive squares): no cell is an error code
_COM_CLEAR = 0.98 * _COM_HIGH * _COM_HIGH

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


def _grids(defaults: dict[str, float], **raw: Any) -> dict[str, Any]:
    """Each argument read as a number or a range (:func:`_grid`); a blank takes ``defaults``."""
    return {name: _grid(name, value, defaults[name]) if name in defaults else _grid(name, value)
            for name, value in raw.items()}


def _terminal(terminal_growth: Any) -> dict[str, Any]:
    """The optional terminal growth as keyword arguments: none when blank (no terminal value),
    else a number or a range (:func:`_grid`)."""
    if _blank_argument(terminal_growth):
        return {}
    return {"terminal_growth": _grid("terminal_growth", terminal_growth)}


_TERMINAL = ("Optional. Growth of the last cash flow after the horizon (Gordon terminal value, "
             "discounted like that flow), decimal below both rates; blank: no terminal value")


def _broadcasting(
    description: str,
    engine: Callable[..., Any],
    blank: dict[str, Any] | None = None,
    **arg_docs: str,
) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., Any]]:
    """Register a UDF whose every argument is a number or a range (:func:`_udf`).

    The decorated function gives Excel its signature: the argument names and the values of
    omitted arguments. Its body is ``return locals()``: the arguments as Python bound them,
    which this reads with :func:`_broadcast_call` (a blank cell takes the argument's default
    in the signature, or its entry in ``blank``), pairs and passes to ``engine``.
    """

    def decorate(stub: Callable[..., dict[str, Any]]) -> Callable[..., Any]:
        params = inspect.signature(stub).parameters.items()
        defaults = {n: p.default for n, p in params if p.default not in (p.empty, None)}
        defaults.update(blank or {})

        @functools.wraps(stub)
        def call(*args: Any, **kwargs: Any) -> Any:
            return _broadcast_call(engine, defaults, **stub(*args, **kwargs))

        return _udf(description, engine, **arg_docs)(call)

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
                return f"text {show(value)} (enter {float(text[:-1]) / 100:g} as a number)"
            except ValueError:
                pass
        return f"text {show(value)}"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, int) and value in COM_ERRORS:
        return f"the Excel error {COM_ERRORS[value]}"
    plain = value.item() if isinstance(value, np.generic) else value
    return f"{type(plain).__name__} {show(plain)}"


def _plain_float(value: float) -> bool:
    """A float that is neither an Excel error code as COM sends it nor nan/inf."""
    return math.isfinite(value) and not _COM_LOW <= value <= _COM_HIGH


def _number(name: str, value: Any, where: str = "") -> float:
    """One cell as a float, or CorridorInputError naming the argument and position."""
    if type(value) is float and _plain_float(value):  # the common case, from either runtime
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    ):
        if isinstance(value, (int, np.integer)) and abs(int(value)) > 1e300:
            raise CorridorInputError(name, f"expected a number{where} Excel can hold, got an "
                                           f"integer of {len(str(abs(int(value))))} digits")
        if not math.isfinite(float(value)):
            raise CorridorInputError(name, f"expected a finite number{where}, got {float(value)}")
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


def _plain_floats(value: Any) -> np.ndarray | None:
    """A range Excel sends as a rectangular list of lists of plain floats, as a 2-D array in
    one conversion; None for anything else (the careful cell-by-cell reading then accepts it or
    names the bad cell, with the same messages as always)."""
    if type(value) is not list or not value or type(value[0]) is not list:
        return None
    rows, width = len(value), len(value[0])
    if not width or rows * width > MAX_CELLS:
        return None
    if rows == 1:  # a row: the list itself
        flat = value[0]
    elif set(map(type, value)) != {list}:
        return None
    elif width == 1:  # a column: unpacking refuses a row that is not exactly one cell
        try:
            flat = [cell for [cell] in value]
        except ValueError:
            return None
    elif set(map(len, value)) != {width}:
        return None
    else:
        flat = list(itertools.chain.from_iterable(value))
    if set(map(type, flat)) != {float}:
        return None  # bools, ints, text, blanks, dates: each needs its own reading or message
    arr = np.fromiter(flat, float, rows * width)
    # An Excel error code as COM sends it lies in [_COM_LOW, _COM_HIGH], below -2.1e9, far
    # from any rate or cost a sheet holds: a sum of squares below _COM_CLEAR proves every cell
    # finite and above the codes in one dot product (nan fails the comparison); a range that
    # holds a value that large is tested exactly (|x - mid| <= half: an error code)
    if not np.vdot(arr, arr) < _COM_CLEAR:  # vdot: no warning when the sum overflows
        distance = np.abs(arr - _COM_MID)
        if not (distance.min() > _COM_HALF and distance.max() < math.inf):
            return None  # nan/inf or an Excel error code: the careful path names the cell
    return arr.reshape(rows, width)


def _grid(name: str, value: Any, default: Any = _REQUIRED) -> Any:
    """A scalar argument that may also be given as a range: a float, or a 2-D float array."""
    # Fast path for what a single cell sends: a float, or [[float]] with ndim=2.
    if type(value) is float and _plain_float(value):
        return value
    if type(value) is list and len(value) == 1:
        row = value[0]
        if type(row) is list and len(row) == 1 and type(row[0]) is float and _plain_float(
                row[0]):
            return row[0]
    arr = _plain_floats(value)  # a range of plain floats (what Excel sends): one conversion
    if arr is not None:
        return arr
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
    arr = _plain_floats(value)  # a row or a column of plain floats: one conversion
    if arr is not None and 1 in arr.shape and arr.size <= MAX_PERIODS:
        return arr.reshape(-1)
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


def _broadcast_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    """np.broadcast_shapes, with the common case (ranges, each 2-D) in plain Python."""
    if any(len(s) != 2 for s in shapes):
        return np.broadcast_shapes(*shapes)
    out = []
    for axis in (0, 1):
        sizes = {s[axis] for s in shapes}
        if len(sizes) > 1:
            sizes.discard(1)
            if len(sizes) > 1:
                raise ValueError("shapes do not broadcast")
        out.append(sizes.pop())
    return tuple(out)


def _check_broadcast(work_per_cell: int = 1, **grids: Any) -> None:
    """Ranges must pair, and result cells x ``work_per_cell`` stay within UDF_MAX_WORK."""
    shapes = {k: v.shape if type(v) is np.ndarray else np.shape(v)
              for k, v in grids.items()
              if type(v) is not float and (v.ndim if type(v) is np.ndarray else np.ndim(v))}
    if not shapes:  # single cells only: nothing to pair
        if work_per_cell > UDF_MAX_WORK:
            raise CorridorInputError("ranges", f"this call asks for {work_per_cell:,} steps of "
                                               f"work; at most {UDF_MAX_WORK:,}")
        return
    try:
        shape = _broadcast_shape(list(shapes.values()))
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
    if math.prod(shape) * work_per_cell > UDF_MAX_WORK:
        raise CorridorInputError(
            "ranges",
            f"{math.prod(shape):,} result cells x {work_per_cell:,} steps each is more work "
            f"than one call may ask for (at most {UDF_MAX_WORK:,}); use smaller ranges",
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


@_broadcasting(
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
    return locals()


@_udf(
    "Delta NPV of the dual listing: NPV at ke_dual - NPV at ke_single - compliance_cost.",
    engine=xc.dual_npv,
    cash_flows="One row or column of cash flows, period 1 first (trailing blanks ignored)",
    ke_dual="Cost of equity with the dual listing, " + _RATE,
    ke_single="Cost of equity with a single listing, " + _RATE,
    compliance_cost="Capitalized cost of two listings, model currency (COMPLIANCE_COST)",
    timing='Optional. "end" (default, like NPV), "mid" or "begin"',
    terminal_growth=_TERMINAL,
)
def DUAL_NPV(cash_flows, ke_dual, ke_single, compliance_cost, timing="end",  # noqa: N802
             terminal_growth=None):
    cf = _series("cash_flows", cash_flows)
    grids = _grids({}, ke_dual=ke_dual, ke_single=ke_single, compliance_cost=compliance_cost)
    when = _text("timing", timing, "end")
    tv = _terminal(terminal_growth)
    _check_broadcast(cf.size, **grids, **tv)
    return _result(xc.dual_npv(cf, **grids, timing=when, **tv))


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
    incremental="Optional. TRUE/FALSE (or 1/0) per item: TRUE only because of the dual listing "
    "(enters the cost), FALSE baseline (left out); blank: TRUE",
    cost_basis="Optional. \"today\" (today's money: year 1 pays A(1+g)) or \"first_year\" "
    "(year 1 pays A); default first_year",
    listing_expenses="Optional. One-off listing (IPO) expenses, model currency; default 0",
    include_listing_expenses="Optional. TRUE to add listing_expenses to the cost; default FALSE",
    terminal_growth="Optional. Growth after the horizon (the listing kept for good, Gordon "
    "growth), decimal below discount_rate; blank: costs stop after years",
)
def COMPLIANCE_COST(  # noqa: N802
    annual_costs, years, discount_rate, growth=0.0, one_off=0.0, fx_rates=1.0, tax_rate=0.0,
    incremental=None, cost_basis="first_year", listing_expenses=0.0,
    include_listing_expenses=False, terminal_growth=None,
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
    grids = _grids(
        {"growth": 0.0, "one_off": 0.0, "tax_rate": 0.0},
        years=years,
        discount_rate=discount_rate,
        growth=growth,
        one_off=one_off,
        tax_rate=tax_rate,
    )
    _check_broadcast(items.size, **grids)
    flags = None
    if not _blank_argument(incremental):
        cells = [c for row in _rows("incremental", incremental) for c in row]
        flags = []
        for i, cell in enumerate(cells):
            if _is_blank(cell):
                flags.append(True)  # blank: incremental (the default)
            elif isinstance(cell, (bool, np.bool_)):
                flags.append(bool(cell))
            elif isinstance(cell, (int, float)) and cell in (0, 1):
                flags.append(bool(cell))  # 1/0 as a worksheet's IF(...,1,0) gives them
            else:
                raise CorridorInputError(
                    "incremental", f"expected TRUE or FALSE (or 1/0) at item {i + 1}, got "
                                   f"{_describe(cell)}")
        if len(flags) == items.size:
            flags = [True if b else f for f, b in zip(flags, blank_items.reshape(-1), strict=True)]
    basis = cost_basis
    while isinstance(basis, (list, tuple)) and len(basis) == 1:
        basis = basis[0]
    if _is_blank(basis):
        basis = "first_year"
    elif not isinstance(basis, str) or basis.strip().lower() not in ("today", "first_year"):
        raise CorridorInputError("cost_basis", f"expected \"today\" or \"first_year\", got "
                                               f"{_describe(basis)}")
    else:
        basis = basis.strip().lower()
    include = include_listing_expenses
    while isinstance(include, (list, tuple)) and len(include) == 1:
        include = include[0]
    if _is_blank(include):
        include = False
    elif not isinstance(include, (bool, np.bool_)):
        raise CorridorInputError("include_listing_expenses",
                                 f"expected TRUE or FALSE, got {_describe(include)}")
    tg = None if _blank_argument(terminal_growth) else _grid("terminal_growth", terminal_growth)
    return _result(xc.compliance_cost(
        items, fx_rates=fx, **grids, incremental=flags, cost_basis=basis,
        listing_expenses=_grid("listing_expenses", listing_expenses, 0.0),
        include_listing_expenses=include, terminal_growth=tg))


@_broadcasting(
    "Country risk premium (Damodaran): default_spread * relative_volatility.",
    engine=xc.country_risk_premium,
    default_spread="Sovereign default spread for the rating, decimal, e.g. 0.0179",
    relative_volatility="Equity vs bond market volatility, e.g. 1.298 (Damodaran July 2024)",
)
def CORRIDOR_CRP(default_spread, relative_volatility):  # noqa: N802
    return locals()


@_broadcasting(
    "Cost of equity in another currency: (1+ke)(1+inflation_local)/(1+inflation_base) - 1.",
    engine=xc.ke_in_currency,
    ke="Cost of equity in the base currency, " + _RATE,
    inflation_local="Expected inflation of the target currency, decimal",
    inflation_base="Expected inflation of the base currency, decimal",
)
def CORRIDOR_KE_FX(ke, inflation_local, inflation_base):  # noqa: N802
    return locals()


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
    grids = _grids({}, ke_dual=ke_dual, ke_single=ke_single, compliance_cost=compliance_cost)
    _check_broadcast(**grids)
    return _result(xc.dual_xnpv(cf, days, **grids))


@_udf(
    "The largest compliance cost at which the dual listing still pays (Delta NPV >= 0).",
    engine=xc.breakeven_cost,
    cash_flows="One row or column of cash flows, period 1 first",
    ke_dual="Cost of equity with the dual listing, " + _RATE,
    ke_single="Cost of equity with a single listing, " + _RATE,
    timing='Optional. "end" (default), "mid" or "begin"',
    terminal_growth=_TERMINAL,
)
def DUAL_BREAKEVEN_COST(cash_flows, ke_dual, ke_single, timing="end",  # noqa: N802
                        terminal_growth=None):
    cf = _series("cash_flows", cash_flows)
    grids = _grids({}, ke_dual=ke_dual, ke_single=ke_single)
    when = _text("timing", timing, "end")
    tv = _terminal(terminal_growth)
    _check_broadcast(**grids, **tv)
    return _result(xc.breakeven_cost(cf, **grids, timing=when, **tv))


@_udf(
    "The highest dual-listing cost of equity below ke_single at which Delta NPV = 0.",
    engine=xc.breakeven_ke,
    cash_flows="One row or column of cash flows, period 1 first",
    ke_single="Cost of equity with a single listing, " + _RATE,
    compliance_cost="Capitalized compliance cost, model currency",
    timing='Optional. "end" (default), "mid" or "begin"',
    terminal_growth=_TERMINAL,
)
def DUAL_BREAKEVEN_KE(cash_flows, ke_single, compliance_cost, timing="end",  # noqa: N802
                      terminal_growth=None):
    cf = _series("cash_flows", cash_flows)
    grids = _grids({}, ke_single=ke_single, compliance_cost=compliance_cost)
    when = _text("timing", timing, "end")
    tv = _terminal(terminal_growth)
    _check_broadcast(BREAKEVEN_WORK_PER_PERIOD * cf.size, **grids, **tv)
    result = np.asarray(xc.breakeven_ke(cf, **grids, timing=when, **tv))
    if np.isnan(result).any():
        low = "terminal_growth" if tv else "-99%"
        raise CorridorInputError(
            "compliance_cost",
            f"no ke_dual between {low} and ke_single brings Delta NPV to zero: a lower cost of "
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


@_broadcasting(
    "Cross-venue parity gap: price_hk / (price_aix * fx_aix_to_hkd * aix_shares_per_hk_share) - 1.",
    engine=xc.parity_gap,
    price_hk="HKEX price, HKD per share",
    price_aix="AIX price, in the AIX trading currency per share",
    fx_aix_to_hkd="HKD per unit of the AIX currency",
    aix_shares_per_hk_share="Optional. AIX shares per HKEX share; default 1",
)
def DUAL_PARITY_GAP(price_hk, price_aix, fx_aix_to_hkd, aix_shares_per_hk_share=1.0):  # noqa: N802
    return locals()


@_broadcasting(
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
    return locals()


@_broadcasting(
    "USD cost of an offshore-RMB (Dim Sum) bond hedged through covered interest parity: "
    "(1+cnh_yield)(1+usd_rate)/(1+cnh_rate+basis) - 1.",
    engine=xc.dimsum_hedged_cost,
    cnh_yield="Yield of the CNH bond, decimal, e.g. 0.0295",
    usd_rate="USD money-market rate for the tenor, decimal",
    cnh_rate="CNH money-market rate for the tenor, decimal",
    basis="Optional. Cross-currency basis, decimal; default 0",
)
def DIMSUM_HEDGED_COST(cnh_yield, usd_rate, cnh_rate, basis=0.0):  # noqa: N802
    return locals()


@_broadcasting(
    "Saving of hedged Dim Sum funding against a USD bond: usd_bond_yield - hedged CNH cost.",
    engine=xc.dimsum_saving,
    cnh_yield="Yield of the CNH bond, decimal",
    usd_rate="USD money-market rate for the tenor, decimal",
    cnh_rate="CNH money-market rate for the tenor, decimal",
    usd_bond_yield="Yield the issuer would pay on a USD bond, decimal",
    basis="Optional. Cross-currency basis, decimal; default 0",
)
def DIMSUM_SAVING(cnh_yield, usd_rate, cnh_rate, usd_bond_yield, basis=0.0):  # noqa: N802
    return locals()


@_broadcasting(
    "Liquidity premium implied by a relative bid-ask spread: PLACEHOLDER rule 0.1 * spread^0.5 "
    "(concave shape as in Amihud & Mendelson 1986; level not calibrated to any study).",
    engine=xc.liquidity_premium_from_spread,
    relative_spread="Relative bid-ask spread (ask-bid)/mid, decimal, e.g. 0.01",
)
def CORRIDOR_LP(relative_spread):  # noqa: N802
    return locals()


@_udf("The xl-corridor version and the vintages of its reference data.")
def CORRIDOR_VERSION():  # noqa: N802
    from xl_corridor.engine.reference import data_dates

    return "; ".join([f"xl-corridor {xc.__version__}",
                      *(f"{k} {v}" for k, v in data_dates().items())])


# --- corridor entry model (issue 14)
# What routing a Central Asian project's financing through Hong Kong is worth against the direct
# route (docs/corridor_model.md). One prefix, CORRIDOR_; same reading and error rules as above.

_FRACTION = "decimal between 0 and 1"
_MONEY = "money, model currency"


def _single(name: str, value: Any) -> float:
    """One cell only (arguments that do not broadcast)."""
    got = _grid(name, value)
    if np.ndim(got) != 0:
        raise CorridorInputError(name, f"expected a single cell, got {np.shape(got)[0]} rows by "
                                       f"{np.shape(got)[1]} columns")
    return float(got)


@_broadcasting(
    "Recovery on default per unit of claim: p_enforce * collateral * (1 - enforcement_cost) / "
    "(1 + rate)^enforcement_years.",
    engine=_corr_debt.recovery_rate,
    p_enforce="Probability the award or judgment is enforced, " + _FRACTION,
    collateral="Collateral recoverable per unit of claim, " + _FRACTION,
    enforcement_cost="Enforcement cost as a share of the claim, decimal (Kazakhstan 0.22)",
    enforcement_years="Time to enforce, years (Kazakhstan 370 days = 1.0137)",
    rate="Lender's discount rate for the delay, " + _RATE,
)
def CORRIDOR_RECOVERY(p_enforce, collateral, enforcement_cost, enforcement_years, rate):  # noqa: N802
    return locals()


_P_MAINLAND = _corr_debt.corridor_default("mainland_enforcement_rate")


@_broadcasting(
    "Enforcement probability of a Hong Kong award: mainland_share * p_mainland + "
    "(1 - mainland_share) * p_local.",
    engine=_corr_debt.hk_enforcement_probability,
    blank={"p_mainland": _P_MAINLAND},
    mainland_share="Mainland China share of the credit support, " + _FRACTION,
    p_local="Local courts' enforcement rate of foreign awards, " + _FRACTION,
    p_mainland=f"Optional. Enforcement of HK awards in the Mainland; default {_P_MAINLAND:g} "
    "(GRATA)",
)
def CORRIDOR_ENFORCE_HK(mainland_share, p_local, p_mainland=None):  # noqa: N802
    return locals()


@_broadcasting(
    "Enforcement gain in the spread: multiplier * pd * (rr_hk - rr_direct).",
    engine=_corr_debt.enforcement_gain,
    pd="Annual probability of default, " + _FRACTION,
    rr_hk="Recovery rate on the Hong Kong route (CORRIDOR_RECOVERY), decimal",
    rr_direct="Recovery rate on the direct route, decimal",
    multiplier="Optional. Spread per unit of expected loss; default 1",
)
def CORRIDOR_ENFORCEMENT_GAIN(pd, rr_hk, rr_direct, multiplier=1.0):  # noqa: N802
    return locals()


@_udf(
    "Senior spread under HK law: spread_direct - MIN(gain, cap) + cover * premium - cover * "
    "political_share * spread_direct.",
    engine=_corr_debt.hk_senior_spread,
    spread_direct="Senior spread on the direct route, decimal, e.g. 0.035",
    gain="Enforcement gain (CORRIDOR_ENFORCEMENT_GAIN), decimal",
    cover="Optional. Share of the debt under political risk cover; default 0",
    premium="Optional. Cover premium a year, decimal; default 0.01 (MIGA)",
    political_share="Optional. Share of the spread that prices political risk; default 0",
    cap="Optional. Largest gain allowed; default 0.0067 (Bae and Goyal 2009: 0-67bp)",
)
def CORRIDOR_SENIOR_SPREAD(  # noqa: N802
    spread_direct, gain, cover=0.0, premium=None, political_share=0.0, cap=None
):
    defaults = {
        "cover": 0.0,
        "premium": _corr_debt.corridor_default("miga_premium"),
        "political_share": 0.0,
        "cap": _corr_debt.corridor_default("property_rights_spread_cap"),
    }
    args = {k: _grid(k, v, defaults[k]) for k, v in
            (("cover", cover), ("premium", premium), ("political_share", political_share),
             ("cap", cap))}
    s = _grid("spread_direct", spread_direct)
    g = _grid("gain", gain)
    _check_broadcast(spread_direct=s, gain=g, **args)
    return _result(_corr_debt.hk_senior_spread(s, g, **args))


@_broadcasting(
    "Premium at which political risk cover pays for itself: political_share * spread_direct.",
    engine=_corr_debt.insurance_breakeven_premium,
    spread_direct="Senior spread on the direct route, decimal",
    political_share="Share of the spread that prices political risk, " + _FRACTION,
)
def CORRIDOR_INSURANCE_BREAKEVEN(spread_direct, political_share):  # noqa: N802
    return locals()


@_broadcasting(
    "Saving of a swapped Dim Sum tranche against USD debt at the same credit: (usd_spread - "
    "cnh_spread) + basis + cnh_revenue_share * hedge_cost (never the raw coupon gap).",
    engine=_corr_debt.dimsum_tranche_saving,
    usd_spread="Issuer's spread over the USD curve, decimal",
    cnh_spread="Issuer's spread over the CNH curve, decimal",
    basis="USD/CNH cross-currency basis, decimal (negative: swapping into USD costs more)",
    cnh_revenue_share="Optional. Share of debt service paid from CNH revenue; default 0",
    hedge_cost="Optional. Hedging cost avoided on that share, decimal; default 0",
)
def CORRIDOR_DIMSUM_SAVING(usd_spread, cnh_spread, basis, cnh_revenue_share=0.0, hedge_cost=0.0):  # noqa: N802
    return locals()


@_broadcasting(
    "Cross-currency basis at which the Dim Sum tranche saves nothing.",
    engine=_corr_debt.dimsum_breakeven_basis,
    usd_spread="Issuer's spread over the USD curve, decimal",
    cnh_spread="Issuer's spread over the CNH curve, decimal",
    cnh_revenue_share="Optional. Share of debt service paid from CNH revenue; default 0",
    hedge_cost="Optional. Hedging cost avoided on that share, decimal; default 0",
)
def CORRIDOR_DIMSUM_BREAKEVEN(usd_spread, cnh_spread, cnh_revenue_share=0.0, hedge_cost=0.0):  # noqa: N802
    return locals()


@_broadcasting(
    "Unhedged saving of CNH, KZT or UZS debt against USD debt: usd_yield - ((1 + "
    "foreign_yield)(1 + expected_fx_change) - 1).",
    engine=_corr_debt.fx_debt_saving,
    usd_yield="Yield of the USD alternative, " + _RATE,
    foreign_yield="Yield of the debt in the other currency, decimal",
    expected_fx_change="Expected change of that currency against USD a year, decimal "
    "(negative: it falls)",
)
def CORRIDOR_FX_DEBT_SAVING(usd_yield, foreign_yield, expected_fx_change):  # noqa: N802
    return locals()


_GREENIUM = _corr_debt.corridor_default("greenium")


@_broadcasting(
    "All-in spread of a green tranche: spread - greenium + (review_cost + certification_cost - "
    "hk_grant) amortised + reporting_cost / issue_size + step_up_probability * step_up.",
    engine=_corr_debt.green_tranche_spread,
    blank={"greenium": _GREENIUM},
    spread="Spread of the issuer's conventional bond, decimal",
    issue_size="Size of the tranche, " + _MONEY,
    years="Tenor, whole years",
    rate="Yield of the tranche (amortises one-off costs), " + _RATE,
    review_cost="Second-party opinion cost, " + _MONEY,
    certification_cost="Certification cost, " + _MONEY,
    hk_grant="Optional. HK green finance grant received, money; default 0",
    reporting_cost="Optional. Annual reporting cost, money; default 0",
    greenium=f"Optional. Green premium, decimal; default {_GREENIUM:g} (Zerbib 2019)",
    step_up="Optional. Sustainability-linked step-up, decimal; default 0",
    step_up_probability="Optional. Probability the step-up is triggered; default 0",
)
def CORRIDOR_GREEN_SPREAD(  # noqa: N802
    spread,
    issue_size,
    years,
    rate,
    review_cost,
    certification_cost,
    hk_grant=0.0,
    reporting_cost=0.0,
    greenium=None,
    step_up=0.0,
    step_up_probability=0.0,
):
    return locals()


@_broadcasting(
    "All-in cost of a policy-bank loan: base_rate + margin + fees amortised over the tenor + "
    "escrow_share * escrow_carry.",
    engine=_corr_debt.policy_bank_cost,
    base_rate="Floating base rate (SOFR), " + _RATE,
    margin="Lending margin, decimal (AidData: CDB to DBK 2017, 0.027)",
    fees="Upfront and management fees, share of the loan, decimal",
    years="Tenor, whole years",
    escrow_share="Optional. Share of the loan held in escrow; default 0",
    escrow_carry="Optional. Cost of funds minus the escrow yield, decimal; default 0",
)
def CORRIDOR_POLICY_LOAN(base_rate, margin, fees, years, escrow_share=0.0, escrow_carry=0.0):  # noqa: N802
    return locals()


@_broadcasting(
    "Cost of equity on the Hong Kong route: ke_direct - listing_premium_cut + "
    "listing_annual_cost / equity_value.",
    engine=_corr.hk_cost_of_equity,
    ke_direct="Cost of equity on the direct route (CORRIDOR_KE), " + _RATE,
    listing_premium_cut="Cut from the dual listing, decimal (Hail and Leuz 2009: 0.007-0.012)",
    listing_annual_cost="Annual listing and compliance cost, " + _MONEY,
    equity_value="Equity on which it falls, " + _MONEY,
)
def CORRIDOR_KE_HK(ke_direct, listing_premium_cut, listing_annual_cost, equity_value):  # noqa: N802
    return locals()


@_udf(
    "WACC of one route: equity_weight * cost_of_equity + (1 - tax_rate) * "
    "SUMPRODUCT(debt_weights, debt_costs); the weights must sum to 1.",
    engine=_corr.route_wacc,
    equity_weight="Equity weight, " + _FRACTION,
    cost_of_equity="Route's cost of equity, " + _RATE,
    debt_weights="Weight of each debt tranche, one row or column",
    debt_costs="Pre-tax cost of each tranche, same order, decimals",
    tax_rate="Tax rate at which interest is deductible, " + _FRACTION,
)
def CORRIDOR_WACC(equity_weight, cost_of_equity, debt_weights, debt_costs, tax_rate):  # noqa: N802
    we = _single("equity_weight", equity_weight)
    ke = _single("cost_of_equity", cost_of_equity)
    wd = _series("debt_weights", debt_weights)
    kd = _series("debt_costs", debt_costs)
    t = _single("tax_rate", tax_rate)
    return _result(_corr.route_wacc(we, ke, wd, kd, t))


@_broadcasting(
    "Netback per unit from a landlocked mine: price - freight - rail - border - price * "
    "carry_rate * transit_days / 365.",
    engine=_corr.logistics_netback,
    price="Delivered price per unit, money",
    freight="Freight per unit, money",
    rail="Rail tariff per unit, money",
    border="Border and gauge-change charges per unit, money",
    transit_days="Days in transit",
    carry_rate="Annual cost of carrying the cargo, " + _RATE,
)
def CORRIDOR_NETBACK(price, freight, rail, border, transit_days, carry_rate):  # noqa: N802
    return locals()


@_udf(
    "Delta V of the Hong Kong route: p_exec * (NPV at wacc_hk - NPV at wacc_direct) / (1 + "
    "wacc_direct)^delay_years - one_off_cost - PV of annual_cost.",
    engine=_corr.corridor_delta_v,
    fcf="Free cash flows after logistics, one row or column, year 1 first",
    wacc_direct="WACC of the direct route, " + _RATE,
    wacc_hk="WACC of the Hong Kong route, " + _RATE,
    p_exec="Probability the Hong Kong route is executed, " + _FRACTION,
    delay_years="Delay of the Hong Kong route, years",
    one_off_cost="Hong Kong set-up costs now, " + _MONEY,
    annual_cost="Optional. Hong Kong running costs a year, money; default 0",
    cost_years="Optional. Years the running costs are paid; default 0",
)
def CORRIDOR_DELTA_V(  # noqa: N802
    fcf, wacc_direct, wacc_hk, p_exec, delay_years, one_off_cost, annual_cost=0.0, cost_years=0.0
):
    rest = dict(locals())
    cf = _series("fcf", rest.pop("fcf"))
    grids = _grids({"annual_cost": 0.0, "cost_years": 0.0}, **rest)
    _check_broadcast(**grids)
    return _result(_corr.corridor_delta_v(cf, **grids))


@_broadcasting(
    "Market-entry efficiency C_e: delta_v / investment.",
    engine=_corr.corridor_ce,
    delta_v="Net gain of the Hong Kong route (CORRIDOR_DELTA_V), " + _MONEY,
    investment="Project investment, " + _MONEY,
)
def CORRIDOR_CE(delta_v, investment):  # noqa: N802
    return locals()


# --- valuation layer (issue 15)
# Per share, offer economics, critical mass and the value of waiting for the DFS
# (xl_corridor/engine/valuation.py; the models are in docs/valuation.md).

__all__ += [
    "DUAL_NPV_PER_SHARE",
    "DUAL_NPV_TO_MCAP",
    "DUAL_PRICE_UPLIFT",
    "OFFER_DILUTION",
    "OFFER_PROCEEDS",
    "OFFER_MONEY_LEFT",
    "OFFER_FIRST_DAY_RETURN",
    "DUAL_CRITICAL_MASS",
    "DUAL_CRITICAL_MASS_CF",
    "DUAL_WAIT_VALUE",
    "DUAL_LIST_TIMING",
]

_SHARES = "number of shares (a range gives a table)"


@_broadcasting(
    "Delta NPV per post-offer share: delta_npv / shares_outstanding.",
    engine=xc.dual_npv_per_share,
    delta_npv="Delta NPV of the dual listing, model currency (DUAL_NPV)",
    shares_outstanding="Shares outstanding after the offer, " + _SHARES,
)
def DUAL_NPV_PER_SHARE(delta_npv, shares_outstanding):  # noqa: N802
    return locals()


@_broadcasting(
    "Delta NPV as a fraction of market capitalisation: delta_npv / (shares_outstanding * "
    "share_price).",
    engine=xc.dual_npv_to_market_cap,
    delta_npv="Delta NPV of the dual listing, model currency (DUAL_NPV)",
    shares_outstanding="Shares outstanding after the offer, " + _SHARES,
    share_price="Price per share (offer or market), model currency",
)
def DUAL_NPV_TO_MCAP(delta_npv, shares_outstanding, share_price):  # noqa: N802
    return locals()


@_broadcasting(
    "Share-price uplift implied by the lower cost of equity (Gordon): "
    "(ke_single - growth)/(ke_dual - growth) - 1.",
    engine=xc.dual_price_uplift,
    ke_dual="Cost of equity with the dual listing, " + _RATE + "; above growth",
    ke_single="Cost of equity with a single listing, " + _RATE + "; above growth",
    growth="Optional. Perpetual growth of dividends, decimal; default 0",
)
def DUAL_PRICE_UPLIFT(ke_dual, ke_single, growth=0.0):  # noqa: N802
    return locals()


@_broadcasting(
    "Dilution of the existing holders: (new_shares + greenshoe) / (shares_pre + new_shares + "
    "greenshoe).",
    engine=xc.offer_dilution,
    shares_pre="Shares outstanding before the offer, " + _SHARES,
    new_shares="New shares offered (base offer), number of shares",
    greenshoe="Optional. Over-allotment shares issued; default 0",
)
def OFFER_DILUTION(shares_pre, new_shares, greenshoe=0.0):  # noqa: N802
    return locals()


@_broadcasting(
    "Net proceeds of the offer: (new_shares + greenshoe) * offer_price - fees (gross when "
    "fees is omitted).",
    engine=xc.offer_proceeds,
    new_shares="New shares offered, " + _SHARES,
    offer_price="Offer price per share, model currency",
    greenshoe="Optional. Over-allotment shares issued; default 0",
    fees="Optional. Listing expenses, model currency, at most the gross proceeds; default 0",
)
def OFFER_PROCEEDS(new_shares, offer_price, greenshoe=0.0, fees=0.0):  # noqa: N802
    return locals()


@_broadcasting(
    "Money left on the table by the IPO discount (Ritter & Welch 2002): (new_shares + "
    "greenshoe) * (price_day1 - offer_price).",
    engine=xc.offer_money_left,
    new_shares="New shares offered, " + _SHARES,
    offer_price="Offer price per share, model currency",
    price_day1="Closing price on the first day of dealings, model currency",
    greenshoe="Optional. Over-allotment shares issued; default 0",
)
def OFFER_MONEY_LEFT(new_shares, offer_price, price_day1, greenshoe=0.0):  # noqa: N802
    return locals()


@_broadcasting(
    "First-day return of the offer: price_day1 / offer_price - 1.",
    engine=xc.first_day_return,
    offer_price="Offer price per share",
    price_day1="Closing price on the first day of dealings, same currency",
)
def OFFER_FIRST_DAY_RETURN(offer_price, price_day1):  # noqa: N802
    return locals()


def _no_size_pays(result: Any) -> Any:
    if np.isnan(np.asarray(result, dtype=float)).any():
        raise CorridorInputError(
            "premium_cut",
            "expected a cut above 0: with no cut in the cost of equity no project size makes "
            "the dual listing pay",
        )
    return _result(result)


@_udf(
    "Critical mass: the smallest PV of the project's cash flows (at ke_single) for which the "
    "dual listing pays, compliance_cost / (R - 1), for a level annuity or a perpetuity.",
    engine=xc.critical_mass,
    premium_cut="Cut in the cost of equity from the dual listing, decimal, e.g. 0.02 "
    "(a row of cuts against a column of costs gives the chart's grid)",
    compliance_cost="Capitalized compliance cost, model currency (COMPLIANCE_COST)",
    ke_single="Cost of equity with a single listing, " + _RATE,
    annuity_years="Optional. Life of the cash flows in whole years (1-200); blank for a "
    "perpetuity",
    growth="Optional. Annual growth of the cash flows, decimal; default 0",
)
def DUAL_CRITICAL_MASS(  # noqa: N802
    premium_cut, compliance_cost, ke_single, annuity_years=None, growth=0.0
):
    grids = _grids(
        {"growth": 0.0},
        premium_cut=premium_cut,
        compliance_cost=compliance_cost,
        ke_single=ke_single,
        growth=growth,
    )
    years = None if _blank_argument(annuity_years) else _grid("annuity_years", annuity_years)
    _check_broadcast(**grids, **({} if years is None else {"annuity_years": years}))
    return _no_size_pays(xc.critical_mass(**grids, annuity_years=years))


@_udf(
    "Critical mass for a given cash-flow profile: the PV at ke_single of the smallest multiple "
    "of cash_flows for which the dual listing pays.",
    engine=xc.critical_mass_for_flows,
    cash_flows="The profile of the project's cash flows, period 1 first (only its shape "
    "matters; its PV at ke_single must be above 0)",
    premium_cut="Cut in the cost of equity from the dual listing, decimal, e.g. 0.02",
    compliance_cost="Capitalized compliance cost, model currency (COMPLIANCE_COST)",
    ke_single="Cost of equity with a single listing, " + _RATE,
    timing='Optional. "end" (default), "mid" or "begin"',
    terminal_growth=_TERMINAL,
)
def DUAL_CRITICAL_MASS_CF(  # noqa: N802
    cash_flows, premium_cut, compliance_cost, ke_single, timing="end", terminal_growth=None
):
    cf = _series("cash_flows", cash_flows)
    grids = _grids(
        {},
        premium_cut=premium_cut,
        compliance_cost=compliance_cost,
        ke_single=ke_single,
    )
    when = _text("timing", timing, "end")
    tv = _terminal(terminal_growth)
    _check_broadcast(**grids, **tv)
    return _no_size_pays(xc.critical_mass_for_flows(cf, **grids, timing=when, **tv))


_WAIT_HELP = dict(
    benefit="Value the dual listing adds before costs if the DFS succeeds, today, model "
    "currency (DUAL_BREAKEVEN_COST)",
    cost_now="Capitalized compliance cost of listing now, model currency",
    cost_after_dfs="Capitalized compliance cost of listing after the DFS, in money of that "
    "date, model currency",
    success_probability="Probability that the DFS succeeds, decimal, e.g. 0.7",
    years_to_dfs="Years until the DFS result, e.g. 1.5",
    volatility="Annual volatility of the benefit, decimal, e.g. 0.35: how uncertain the value "
    "the DFS will reveal is",
    risk_free="Annual risk-free rate, " + _RATE,
    forgone_yield="Optional. Share of the benefit given up each year while waiting, decimal; "
    "default 0",
    steps="Optional. Steps of the binomial tree (1-2000); default 100",
)


def _timing_args(steps: Any, **raw: Any) -> tuple[dict[str, Any], Any]:
    """The DFS-wait arguments read as numbers or ranges and paired; and the tree's steps."""
    grids = _grids({"forgone_yield": 0.0}, **raw)
    _check_broadcast(**grids)
    return grids, _grid("steps", steps, 100.0)


@_udf(
    "Value of waiting for the DFS (real option, binomial tree): value of listing after the "
    "DFS - value of listing now; above 0 means wait.",
    engine=xc.wait_value,
    **_WAIT_HELP,
)
def DUAL_WAIT_VALUE(  # noqa: N802
    benefit, cost_now, cost_after_dfs, success_probability, years_to_dfs, volatility, risk_free,
    forgone_yield=0.0, steps=100.0,
):
    grids, n = _timing_args(**locals())
    return _result(xc.wait_value(**grids, steps=n))


@_udf(
    "When to list: LIST_NOW, WAIT_FOR_DFS or DO_NOT_LIST, with both values (a range gives the "
    "codes alone).",
    engine=xc.listing_timing,
    **_WAIT_HELP,
)
def DUAL_LIST_TIMING(  # noqa: N802
    benefit, cost_now, cost_after_dfs, success_probability, years_to_dfs, volatility, risk_free,
    forgone_yield=0.0, steps=100.0,
):
    grids, n = _timing_args(**locals())
    out = xc.listing_timing(**grids, steps=n)
    if isinstance(out.timing, str):
        return (
            f"{out.timing}: after the DFS {out.value_wait:,.2f}, now {out.value_now:,.2f}, "
            f"waiting worth {out.difference:,.2f}"
        )
    codes = np.atleast_2d(out.timing)
    if codes.size > MAX_CELLS:
        raise CorridorInputError(
            "result", f"the ranges broadcast to {codes.size:,} cells; at most {MAX_CELLS:,} fit"
        )
    return codes.tolist()
