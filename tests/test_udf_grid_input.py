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
