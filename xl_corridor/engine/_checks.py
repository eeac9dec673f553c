"""Input checks shared by the engine: every bad value raises CorridorInputError naming the argument.

The bounds here are the product's policy, stated once:

* rates (risk-free, discount, growth, cost of equity) are decimals in (-1, 1]; a value
  above 1 is almost always a percentage typed as a whole number (4.5 for 4.5%), so it is refused
  with a message that shows the decimal form;
* inflation is a decimal in (-1, 10000]: above 100% a year is legitimate in some economies
  (hyperinflation), so only -100% or below (where 1 + inflation is no longer positive) and
  absurd values (above 1,000,000% a year) are refused;
* premia and spreads are decimals in [0, 1];
* amounts are finite and at most 1e15 in absolute value (in model-currency units; larger values are
  typing errors and would overflow the discounting);
* positions in messages are 1-based, as a banker counts cells.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import numpy as np
import numpy.typing as npt

from xl_corridor.errors import CorridorInputError, show

FloatArray = npt.NDArray[np.float64]

if TYPE_CHECKING:  # types for callers, used in the public functions' overloads
    from typing import TypeAlias

    import pandas as pd

    #: an elementwise argument that is not pandas: a number, a (nested) list, an ndarray; plain
    #: numbers give a float, anything else an ndarray
    Vec: TypeAlias = float | npt.NDArray[Any] | Sequence[float] | Sequence[Sequence[float]]
    #: a series consumed along its length (cash flows, line items): pandas is read by position
    Flows: TypeAlias = (float | npt.NDArray[Any] | Sequence[float] | Sequence[Sequence[float]]
                        | pd.Series[float])
    #: pandas in, the same pandas type out (see :func:`elementwise`)
    Frame = TypeVar("Frame", pd.Series[float], pd.DataFrame)
    #: the timing convention of a periodic cash-flow series
    Timing: TypeAlias = Literal["end", "mid", "begin"]

_F = TypeVar("_F", bound=Callable[..., Any])

MAX_AMOUNT = 1e15
# Python ints beyond this do not round-trip through a float; they take the full path.
_MAX_EXACT_INT = 2**53


def where(index: tuple[int, ...]) -> str:
    """Describe an array position for a message, 1-based."""
    if len(index) == 0:
        return ""
    if len(index) == 1:
        return f" at item {index[0] + 1}"
    if len(index) == 2:
        return f" at row {index[0] + 1}, column {index[1] + 1}"
    return " at position " + ", ".join(str(i + 1) for i in index)


def _kind(value: Any) -> str:
    """The Python type name of a value (``str``, not numpy's ``str_``)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    return type(value).__name__


def _show(value: float) -> str:
    return f"{value:.10g}"


def _bool_at(x: list[Any] | tuple[Any, ...]) -> tuple[int, ...] | None:
    """The index of the first bool in a (nested) list or tuple of numbers, or None."""
    for i, item in enumerate(x):
        if type(item) is bool or isinstance(item, np.bool_):
            return (i,)
        if isinstance(item, (list, tuple)):
            inner = _bool_at(item)
            if inner is not None:
                return (i, *inner)
    return None


def _non_number_at(x: list[Any] | tuple[Any, ...]) -> tuple[tuple[int, ...], Any] | None:
    """The index and value of the first item of a (nested) list that is not a number."""
    for i, item in enumerate(x):
        if isinstance(item, (list, tuple)):
            inner = _non_number_at(item)
            if inner is not None:
                return (i, *inner[0]), inner[1]
        elif isinstance(item, (bool, np.bool_)) or not isinstance(
            item, (int, float, np.integer, np.floating)
        ):
            return (i,), item
    return None


def as_array(name: str, x: Any) -> FloatArray:
    """Convert ``x`` to a float array, refusing text, booleans, None and objects."""
    if isinstance(x, (str, bytes)):
        raise CorridorInputError(name, f"expected a number, got text {show(x)}")
    raw = np.asarray(x)
    if raw.dtype == np.bool_:
        raise CorridorInputError(name, "expected a number, got a boolean (TRUE/FALSE)")
    if raw.dtype.kind in "iuf" and isinstance(x, (list, tuple)) and raw.size:
        at = _bool_at(x)  # numpy made TRUE/FALSE among numbers 1.0/0.0
        if at is not None:
            pos = where(at) if raw.ndim else ""
            raise CorridorInputError(name, f"expected a number{pos}, got a boolean (TRUE/FALSE)")
    if raw.dtype.kind in "US" and isinstance(x, (list, tuple)):
        # numpy made every item text: find the first that is not a number in the list itself
        # (its position and its own type, not the text numpy made of item 1)
        found = _non_number_at(x)
        if found is not None:
            at, item = found
            shown = "a blank" if item is None else f"{_kind(item)} {show(item)}"
            raise CorridorInputError(name, f"expected a number{where(at)}, got {shown}")
    if raw.dtype.kind not in "iuf":
        flat = raw.reshape(-1)
        for i, item in enumerate(flat):
            if isinstance(item, (bool, np.bool_)) or not isinstance(
                item, (int, float, np.integer, np.floating)
            ):
                pos = (
                    where(tuple(int(j) for j in np.unravel_index(i, raw.shape))) if raw.ndim else ""
                )
                shown = "a blank" if item is None else f"{_kind(item)} {show(item)}"
                raise CorridorInputError(name, f"expected a number{pos}, got {shown}")
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:  # ragged nesting, huge ints
        raise CorridorInputError(
            name, f"expected a number or an array of numbers ({exc})"
        ) from None
    if arr.size == 0:
        raise CorridorInputError(name, "expected at least one number, got an empty input")
    return arr


def plain(x: Any) -> float | None:
    """``x`` as a float if it is a Python float or a modest int (never a bool), else None."""
    if type(x) is float:
        return x
    if type(x) is int and -_MAX_EXACT_INT < x < _MAX_EXACT_INT:
        return float(x)
    return None


def plain_rate(x: Any) -> float | None:
    """A plain Python number that :func:`rate` accepts, as a float; None for anything else,
    which the caller sends down the full path (that is where bad values get their message)."""
    if type(x) is float:  # what a cell sends: no further call
        return x if -1.0 < x <= 1.0 else None
    v = plain(x)
    return v if v is not None and -1.0 < v <= 1.0 else None


def plain_amount(x: Any, *, nonnegative: bool = False) -> float | None:
    """A plain Python number that :func:`amount` accepts, as a float; None otherwise."""
    low = 0.0 if nonnegative else -MAX_AMOUNT
    if type(x) is float:  # what a cell sends: no further call
        return x if low <= x <= MAX_AMOUNT else None
    v = plain(x)
    return v if v is not None and low <= v <= MAX_AMOUNT else None


def _fast(
    x: Any, low: float, high: float, *, low_open: bool = False, high_open: bool = False
) -> FloatArray | None:
    """The common case, a plain Python number inside its range, without numpy's 0-d overhead
    (a UDF recalculated cell by cell spends most of its time here). None sends everything else,
    including every bad value, down the full path that writes the message."""
    v = plain(x)
    if v is None:
        return None
    if not (low < v if low_open else low <= v) or not (v < high if high_open else v <= high):
        return None  # also NaN, whose comparisons are all False
    return np.asarray(v)


# Element types a plain list of amounts may hold for :func:`fast_series` (never bool or
# numpy.bool_, which numpy would silently turn into 1.0/0.0).
_SERIES_TYPES = frozenset({float, int, np.float64})
# A sum of squares at most this proves every item finite and within +-MAX_AMOUNT (below 1e30 by
# a margin far wider than the rounding of any sum of positive squares); a list it does not prove
# (an item near the bound, nan, inf) takes the full path, which checks item by item.
_MAX_SQUARES = 0.98 * MAX_AMOUNT * MAX_AMOUNT


def fast_series(x: Any) -> FloatArray | None:
    """A flat list or tuple of plain numbers, all within +-MAX_AMOUNT, as a 1-D float array in
    one numpy conversion and one reduction; None sends anything else down the full path."""
    if (type(x) is not list and type(x) is not tuple) or not x:
        return None
    # the element types, all at once (~0.6 us for 40 items): a bool, numpy.bool_, text, None or
    # a nested list goes to the full path, which refuses it with its position
    if not set(map(type, x)) <= _SERIES_TYPES:
        return None
    try:
        arr = np.fromiter(x, np.float64, len(x))
    except OverflowError:  # an int beyond float range
        return None
    # one dot product checks finiteness and the bound together (NaN fails the comparison);
    # np.vdot, not ndarray.dot: the same BLAS sum, and an overflow (an item beyond 1e154, sent
    # on to the full path) raises no RuntimeWarning, which warnings-as-errors would make fatal
    return arr if np.vdot(arr, arr) <= _MAX_SQUARES else None


def _first(mask: npt.NDArray[np.bool_]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0]) if mask.ndim else ()


def _refuse(
    name: str,
    arr: FloatArray,
    bad: npt.NDArray[np.bool_],
    expected: str,
    hint: Callable[[float], str] | None = None,
) -> None:
    """Raise ``NAME: expected EXPECTED{where}, got V{hint}`` for the first ``bad`` element."""
    if not bad.any():
        return
    idx = _first(bad)
    v = float(arr[idx])
    raise CorridorInputError(
        name, f"expected {expected}{where(idx)}, got {_show(v)}{hint(v) if hint else ''}"
    )


def _percent_hint(v: float) -> str:
    return f" (for {_show(v)}% enter {_show(v / 100)})"


def finite(name: str, arr: FloatArray) -> FloatArray:
    if arr.ndim == 0 and math.isfinite(arr):
        return arr
    _refuse(name, arr, ~np.isfinite(arr), "a finite number")
    return arr


def rate(name: str, x: Any) -> FloatArray:
    """A decimal rate in (-1, 1]."""
    fast = _fast(x, -1.0, 1.0, low_open=True)
    if fast is not None:
        return fast
    arr = finite(name, as_array(name, x))
    _refuse(name, arr, arr > 1.0, "a decimal rate such as 0.045", _percent_hint)
    _refuse(name, arr, arr <= -1.0, "a rate above -1 (-100%)")
    return arr


MAX_INFLATION = 1e4  # 1,000,000% a year: beyond any recorded annual hyperinflation rate's typing


def inflation(name: str, x: Any) -> FloatArray:
    """A decimal inflation rate in (-1, 10000] (above 1, i.e. 100%, is allowed)."""
    fast = _fast(x, -1.0, MAX_INFLATION, low_open=True)
    if fast is not None:
        return fast
    arr = finite(name, as_array(name, x))
    _refuse(name, arr, arr <= -1.0, "an inflation rate above -1 (-100%)")
    _refuse(name, arr, arr > MAX_INFLATION, "a decimal inflation rate such as 0.08 (at most 10000)")
    return arr


def premium(name: str, x: Any) -> FloatArray:
    """A decimal premium or spread in [0, 1]."""
    fast = _fast(x, 0.0, 1.0)
    if fast is not None:
        return fast
    arr = rate(name, x)
    _refuse(name, arr, arr < 0, "a premium of 0 or more, as a decimal such as 0.023")
    return arr


def fraction(name: str, x: Any, what: str = "a decimal between 0 and 1") -> FloatArray:
    """A decimal share in [0, 1] (tax rate, contingency, probability)."""
    fast = _fast(x, 0.0, 1.0)
    if fast is not None:
        return fast
    arr = finite(name, as_array(name, x))
    _refuse(
        name, arr, (arr < 0) | (arr > 1), what, lambda v: _percent_hint(v) if 1 < v <= 100 else ""
    )
    return arr


def amount(name: str, x: Any, *, nonnegative: bool = False) -> FloatArray:
    """A money amount in model-currency units, |x| <= 1e15."""
    fast = _fast(x, 0.0 if nonnegative else -MAX_AMOUNT, MAX_AMOUNT)
    if fast is not None:
        return fast
    arr = finite(name, as_array(name, x))
    _refuse(name, arr, np.abs(arr) > MAX_AMOUNT, "an amount of at most 1e15 in absolute value")
    if nonnegative:
        _refuse(name, arr, arr < 0, "an amount of 0 or more")
    return arr


def bounded(name: str, x: Any, low: float, high: float, what: str) -> FloatArray:
    """A finite number in [low, high]; ``what`` describes it ("an equity beta such as 1.2")."""
    fast = _fast(x, low, high)
    if fast is not None:
        return fast
    arr = finite(name, as_array(name, x))
    _refuse(name, arr, (arr < low) | (arr > high), f"{what} between {_show(low)} and {_show(high)}")
    return arr


def positive(name: str, x: Any, what: str, high: float = MAX_AMOUNT) -> FloatArray:
    """A finite number in (0, high]."""
    fast = _fast(x, 0.0, high, low_open=True)
    if fast is not None:
        return fast
    arr = finite(name, as_array(name, x))
    _refuse(name, arr, (arr <= 0) | (arr > high), f"{what} above 0 and at most {_show(high)}")
    return arr


def whole(name: str, x: Any, low: int, high: int, what: str = "a whole number") -> FloatArray:
    """A whole number in [low, high] (floats that are whole, as Excel sends them, are fine)."""
    arr = bounded(name, x, low, high, what)
    _refuse(name, arr, arr != np.round(arr), what)
    return arr


def series(name: str, x: Any) -> FloatArray:
    """A one-dimensional series of amounts: a list, a 1-D array, or one row/column of a 2-D one."""
    fast = fast_series(x)
    if fast is not None:
        return fast
    arr = amount(name, x)
    if arr.ndim == 0:
        return arr.reshape(1)
    if arr.ndim == 2 and 1 in arr.shape:
        return arr.reshape(-1)
    if arr.ndim != 1:
        raise CorridorInputError(
            name, f"expected one row or one column of numbers, got an array of shape {arr.shape}"
        )
    return arr


def scalar_or_array(x: FloatArray) -> Any:
    """Return a Python float for 0-d results (numpy-financial style), the array otherwise."""
    return float(x) if np.ndim(x) == 0 else x


def _is_pandas(x: Any) -> bool:
    """A pandas object, told without importing pandas ("pandas" from pandas 3, "pandas.core..."
    before)."""
    module = type(x).__module__
    return module == "pandas" or module.startswith("pandas.")


_PLAIN = frozenset({float, int, bool, str, list, tuple, np.ndarray, np.float64, type(None)})


def _has_pandas(values: Iterable[Any]) -> bool:
    """Any pandas object among ``values`` (the common types are told apart without a call)."""
    for v in values:
        if type(v) not in _PLAIN and _is_pandas(v):
            return True
    return False


def elementwise(*, series: tuple[str, ...] = ()) -> Callable[[_F], _F]:
    """Let an engine function take pandas and give back pandas, as empyrical does.

    Every argument not named in ``series`` is elementwise (it broadcasts like numpy). A pandas
    Series or DataFrame given to an elementwise argument is computed on its values, and the
    result, when it has that argument's shape, comes back as the same pandas type with its index
    (and columns); the first such argument lends its labels, pairing is by position as in numpy.
    ``series`` arguments (cash flows, line items, dates) are consumed along their length: pandas
    there is read by position and lends no labels. Without pandas the call goes straight through.
    """

    def decorate(fn: _F) -> _F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not _has_pandas(args) and not (kwargs and _has_pandas(kwargs.values())):
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            like = None
            for name, value in bound.arguments.items():
                if _is_pandas(value):
                    if like is None and name not in series:
                        like = value
                    bound.arguments[name] = value.to_numpy()
            result = fn(*bound.args, **bound.kwargs)
            if like is None or np.shape(result) != like.shape:
                return result
            if like.ndim == 1:
                return type(like)(result, index=like.index, name=like.name)
            return type(like)(result, index=like.index, columns=like.columns)

        return cast(_F, wrapper)

    return decorate


TIMINGS = ("end", "mid", "begin")


#: Exponent shift of a period's cash flow by timing word (workbook formulas spell the same).
TIMING_SHIFTS = {"end": 0.0, "mid": 0.5, "begin": 1.0}


def timing(name: str, value: Any) -> float:
    """The period shift for a timing word: 0 for end, 0.5 for mid, 1 for begin."""
    if type(value) is str and value == "end":  # the default, checked first
        return 0.0
    if not isinstance(value, str) or value.strip().lower() not in TIMINGS:
        raise CorridorInputError(name, f"expected one of 'end', 'mid', 'begin', got {show(value)}")
    return TIMING_SHIFTS[value.strip().lower()]


def timing_word(name: str, value: Any) -> Timing:
    """The timing word checked and in lower case ("END" -> "end"), as the overloads type it."""
    timing(name, value)
    return cast("Timing", value.strip().lower())
