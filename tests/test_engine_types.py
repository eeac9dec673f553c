"""The engine for callers: pandas in gives pandas out with its index (as empyrical does), numbers
give floats, arrays give ndarrays; mypy accepts the overloads in tests/typing_check.py."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xl_corridor.engine import compliance, discounting, rates
from xl_corridor.errors import CorridorInputError

ROOT = Path(__file__).resolve().parents[1]
CF = [-100.0, 30.0, 40.0, 50.0, 60.0]


def test_a_series_of_rates_gives_a_series_with_the_same_index() -> None:
    ke = pd.Series([0.08, 0.10, 0.12], index=pd.Index(["low", "mid", "high"], name="case"),
                   name="ke_dual")
    got = discounting.dual_npv(CF, ke, 0.12, 2.0)
    assert isinstance(got, pd.Series)
    assert got.index.equals(ke.index) and got.name == "ke_dual"
    for label, k in ke.items():  # each element is the scalar call on that element
        assert got[label] == pytest.approx(discounting.dual_npv(CF, float(k), 0.12, 2.0),
                                           rel=1e-12, abs=1e-9)


def test_a_dataframe_gives_a_dataframe_with_index_and_columns() -> None:
    rf = pd.DataFrame({"2024": [0.040, 0.042], "2025": [0.038, 0.041]}, index=["USD", "HKD"])
    got = rates.cost_of_equity(rf, 1.2, 0.0412, 0.023, 0.02)
    assert isinstance(got, pd.DataFrame)
    assert got.index.equals(rf.index) and got.columns.equals(rf.columns)
    assert got.loc["HKD", "2025"] == rates.cost_of_equity(0.041, 1.2, 0.0412, 0.023, 0.02)


def test_pandas_in_a_later_argument_and_in_the_cash_flows() -> None:
    years = pd.Series([5.0, 10.0], index=["short", "long"])
    got = compliance.growing_annuity_factor(years, 0.12, 0.02)
    assert isinstance(got, pd.Series) and list(got.index) == ["short", "long"]
    # cash flows are consumed along their length: a dated Series of flows gives one number
    flows = pd.Series(CF, index=pd.date_range("2026-12-31", periods=5, freq="YE"))
    assert discounting.npv(0.1, flows) == discounting.npv(0.1, CF)
    assert type(discounting.npv(0.1, flows)) is float


def test_numbers_give_floats_and_arrays_give_ndarrays() -> None:
    assert type(discounting.npv(0.1, CF)) is float
    assert isinstance(discounting.npv([0.1, 0.2], CF), np.ndarray)


def test_bad_pandas_input_still_names_the_argument() -> None:
    with pytest.raises(CorridorInputError, match=r"^ke_dual: expected a finite number at item 2"):
        discounting.dual_npv(CF, pd.Series([0.1, np.nan]), 0.12, 2.0)


@pytest.mark.slow  # runs mypy (about 10 s)
def test_mypy_accepts_the_overloads_and_refuses_a_wrong_timing(tmp_path: Path) -> None:
    from mypy import api

    out, err, code = api.run([str(ROOT / "tests" / "typing_check.py"), "--no-incremental"])
    assert code == 0, out + err
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from xl_corridor.engine import discounting\n"
                     "discounting.npv(0.1, [1.0], timing='eop')\n", encoding="utf-8")
    out, _, code = api.run([str(wrong), "--no-incremental", "--python-executable", sys.executable])
    assert code == 1 and "timing" in out, out
