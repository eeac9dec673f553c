"""What a type checker sees when calling the engine: checked by mypy (pyproject: [tool.mypy]
files), never run by pytest (not named test_*). Scalars give float, arrays give ndarray, pandas
gives the same pandas type; the timing convention is a Literal."""

from __future__ import annotations

import datetime as dt
from typing import assert_type

import numpy as np
import numpy.typing as npt
import pandas as pd

import xl_corridor as xc
from xl_corridor.engine import compliance, discounting, rates

FloatArray = npt.NDArray[np.float64]
CF = [-100.0, 30.0, 40.0, 50.0]
series = pd.Series([0.08, 0.10], index=["low", "high"], dtype=float)
frame = pd.DataFrame({"a": [0.08, 0.10], "b": [0.09, 0.11]})

# rates
assert_type(rates.cost_of_equity(0.042, 1.2, 0.0412, 0.023, 0.02), float)
assert_type(rates.cost_of_equity([0.04, 0.05], 1.2, 0.0412, 0.023, 0.02), FloatArray)
assert_type(rates.cost_of_equity(series, 1.2, 0.0412, 0.023, 0.02), "pd.Series[float]")
assert_type(rates.country_risk_premium(0.0179, 1.298), float)
assert_type(rates.ke_in_currency(np.array([0.12, 0.13]), 0.08, 0.025), FloatArray)
assert_type(xc.cost_of_equity(0.042, 1.2, 0.0412, 0.023, 0.02), float)

# discounting
assert_type(discounting.npv(0.1, CF), float)
assert_type(discounting.npv(0.1, CF, timing="mid"), float)
assert_type(discounting.npv([0.1, 0.2], CF), FloatArray)
assert_type(discounting.npv(series, CF), "pd.Series[float]")
assert_type(discounting.npv(frame, CF), pd.DataFrame)
assert_type(discounting.dual_npv(CF, 0.10, 0.12, 2.0), float)
assert_type(discounting.dual_npv(CF, series, 0.12, 2.0, timing="begin"), "pd.Series[float]")
assert_type(discounting.dual_npv(CF, [[0.1], [0.11]], 0.12, [[1.0, 2.0]]), FloatArray)
assert_type(discounting.breakeven_cost(CF, 0.10, 0.12), float)
assert_type(discounting.breakeven_ke(CF, 0.12, 2.0, timing="end"), float)
DATES = [dt.date(2026 + i, 1, 1) for i in range(len(CF))]
assert_type(discounting.xnpv(0.1, CF, DATES), float)

# compliance
assert_type(compliance.growing_annuity_factor(10, 0.12, 0.02), float)
assert_type(compliance.growing_annuity_factor(10, series), "pd.Series[float]")
assert_type(compliance.compliance_cost([2.5, 1.5], 10, 0.12), float)
assert_type(compliance.compliance_cost([2.5, 1.5], [5, 10], 0.12), FloatArray)
