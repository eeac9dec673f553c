"""A range of plain floats is read in one numpy conversion; anything else in the range takes
the careful cell-by-cell reading, whose messages name the argument and the cell."""

from __future__ import annotations

import math

import corridor_udfs as u
import numpy as np
import pytest

from xl_corridor.errors import CorridorInputError


def _careful(name: str, value: list[list[object]]) -> np.ndarray:
    """The cell-by-cell reading, spelled out here: every cell through _number."""
    shape = (len(value), len(value[0]))
    out = np.empty(shape)
    for r, row in enumerate(value):
        for c, cell in enumerate(row):
            out[r, c] = u._number(name, cell, u._position(shape, r, c))
    return out


@pytest.mark.parametrize("shape", [(201, 1), (1, 201), (3, 4)])
def test_plain_floats_equal_the_careful_reading(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(0.1, 0.05, size=shape).tolist()
    fast = u._grid("ke_dual", values)
    assert isinstance(fast, np.ndarray) and fast.shape == shape
    np.testing.assert_array_equal(fast, _careful("ke_dual", values))
    np.testing.assert_array_equal(fast, np.array(values))  # the numbers Excel sent, unchanged


@pytest.mark.parametrize(("bad", "said"), [
    (True, "got TRUE"),                       # np.array would silently make it 1.0
    ("0.1", "got text '0.1'"),                # np.array(dtype=float) would parse it
    (None, "got a blank cell"),               # np.array(dtype=float) would make it nan
    (math.nan, "expected a finite number at row 2, column 1, got nan"),
    (math.inf, "expected a finite number at row 2, column 1, got inf"),
    (-2146826281.0, "the Excel error #DIV/0!"),  # a COM error code sent as a float
    ("#N/A", "the Excel error #N/A"),
])
def test_one_bad_cell_in_a_range_is_named(bad: object, said: str) -> None:
    values: list[list[object]] = [[0.1, 0.2], [bad, 0.3], [0.4, 0.5]]
    with pytest.raises(CorridorInputError, match="row 2, column 1") as caught:
        u._grid("ke_dual", values)
    assert str(caught.value).startswith("ke_dual: ")
    assert said in str(caught.value)


def test_ints_in_a_range_are_still_numbers() -> None:
    values: list[list[object]] = [[1, 0.2], [3, 0.4]]
    np.testing.assert_array_equal(u._grid("compliance_cost", values), [[1.0, 0.2], [3.0, 0.4]])


def test_ragged_or_oversized_ranges_keep_their_messages() -> None:
    with pytest.raises(CorridorInputError, match="rectangular range"):
        u._grid("ke_dual", [[0.1, 0.2], [0.3]])
    huge = [[0.1] * 1000] * (u.MAX_CELLS // 1000 + 1)
    with pytest.raises(CorridorInputError, match=f"at most {u.MAX_CELLS:,} cells"):
        u._grid("ke_dual", huge)


@pytest.mark.parametrize(("value", "plain"), [
    (-2146826288.0, False), (-2146826246.0, False),  # #NULL! and #N/A, the codes' ends
    (-2146826289.0, True), (-2146826245.0, True),    # one past them: ordinary numbers
    (1e308, True), (-1e308, True), (-math.inf, False),
])
def test_error_code_range_edges(value: float, plain: bool) -> None:
    # the COM error codes (docs: xlErrNull -2146826288 .. xlErrNA -2146826246) are refused,
    # their neighbours are numbers, in the one-conversion path as in the careful one
    assert (u._plain_floats([[0.1], [value]]) is not None) is plain


@pytest.mark.parametrize("orient", ["column", "row"])
@pytest.mark.parametrize(("bad", "said"), [
    (True, "got TRUE"),
    ("0.1", "got text '0.1'"),
    (None, "got a blank cell"),
    (math.nan, "got nan"),
    (-2146826281.0, "the Excel error #DIV/0!"),
    (-2146826246.0, "the Excel error #N/A"),
])
def test_one_bad_cell_in_a_long_column_or_row_is_named(orient: str, bad: object,
                                                       said: str) -> None:
    # a column and a row have their own one-conversion paths: the same refusals, each cell named
    cells: list[object] = [0.08 + i * 1e-4 for i in range(201)]
    cells[150] = bad
    values = [[c] for c in cells] if orient == "column" else [cells]
    with pytest.raises(CorridorInputError, match="item 151") as caught:
        u._grid("ke_dual", values)
    assert said in str(caught.value)
    # a cash-flow series (trailing cells after the bad one are not blank: it is interior)
    with pytest.raises(CorridorInputError, match="item 151") as caught:
        u._series("cash_flows", values)
    assert str(caught.value).startswith("cash_flows: ") and said in str(caught.value)


def test_column_rows_that_are_not_one_cell_lists_take_the_careful_path() -> None:
    with pytest.raises(CorridorInputError, match="rectangular range"):
        u._grid("ke_dual", [[0.1], [0.2, 0.3], [0.4]])
    with pytest.raises(CorridorInputError, match="rectangular range"):
        u._grid("ke_dual", [[0.1], [], [0.4]])
    # a one-item dict or set is no row of cells, whatever it holds: refused as before
    for odd in ({0.2: 1.0}, {0.2}):
        assert u._plain_floats([[0.1], odd, [0.3]]) is None
        with pytest.raises(CorridorInputError, match="ke_dual"):
            u._grid("ke_dual", [[0.1], odd, [0.3]])
    # tuples are rows to the careful reading: the same numbers
    np.testing.assert_array_equal(u._grid("ke_dual", [[0.1], (0.2,), [0.3]]),
                                  [[0.1], [0.2], [0.3]])


@pytest.mark.parametrize("big", [-3e9, 5e9, -2146826289.0, 1e200])
def test_large_numbers_in_a_range_are_numbers(big: float) -> None:
    # beyond the error codes' magnitude the one-dot-product proof does not hold: the exact
    # test decides, and these are ordinary numbers
    values = [[0.1], [big], [0.3]]
    got = u._plain_floats(values)
    assert got is not None
    np.testing.assert_array_equal(got, _careful("compliance_cost", values))


@pytest.mark.parametrize("orient", ["column", "row"])
def test_plain_series_equals_the_careful_reading(orient: str) -> None:
    cells = np.random.default_rng(11).normal(50.0, 300.0, size=40).tolist()
    values = [[c] for c in cells] if orient == "column" else [cells]
    fast = u._series("cash_flows", values)
    assert fast.shape == (40,)
    np.testing.assert_array_equal(fast, np.array(cells))
    # trailing blanks are dropped as before (the careful path)
    blanks: list[list[object]] = ([[c] for c in cells] + [[None], [""]] if orient == "column"
                                  else [[*cells, None, ""]])
    np.testing.assert_array_equal(u._series("cash_flows", blanks), np.array(cells))


def test_series_longer_than_the_period_limit_is_refused() -> None:
    with pytest.raises(CorridorInputError, match=f"at most {u.MAX_PERIODS:,} periods"):
        u._series("cash_flows", [[1.0] * (u.MAX_PERIODS + 1)])


@pytest.mark.parametrize(("shapes", "want"), [
    ([(201, 1), (1, 201)], (201, 201)), ([(3, 4), (1, 4), (3, 1)], (3, 4)),
    ([(1, 1), (5, 1)], (5, 1)), ([(2, 3)], (2, 3)),
])
def test_broadcast_shape_agrees_with_numpy(shapes: list[tuple[int, int]],
                                           want: tuple[int, int]) -> None:
    assert u._broadcast_shape(shapes) == np.broadcast_shapes(*shapes) == want


def test_ranges_that_do_not_pair_keep_their_message() -> None:
    with pytest.raises(CorridorInputError, match="cannot pair ke_dual 3x1, compliance_cost 2x1"):
        u._check_broadcast(ke_dual=np.zeros((3, 1)), compliance_cost=np.zeros((2, 1)))
