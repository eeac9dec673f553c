"""Hypothesis fuzzing: whatever Excel sends, a UDF returns a finite answer or an XlwingsError that
names an argument -- never another exception, never NaN or infinity, never a traceback."""

from __future__ import annotations

import datetime as dt
import inspect
import math

import corridor_udfs as udf
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlwings import XlwingsError

cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-0.5, max_value=0.5),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.none(),
    st.just(""),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(sorted(udf.EXCEL_ERRORS) + ["JORC", "Indicated", "end", "mid", "4.5%"]),
    st.sampled_from(list(udf.COM_ERRORS)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 1, 1)),
)
ranges = st.integers(1, 4).flatmap(
    lambda w: st.lists(st.lists(cells, min_size=w, max_size=w), min_size=1, max_size=5)
)
argument = st.one_of(cells, ranges, st.lists(cells, max_size=4))

FUNCTIONS = [getattr(udf, n) for n in udf.__all__ if n != "CORRIDOR_VERSION"]


def _finite(value):
    if isinstance(value, str):
        return True
    arr = np.asarray(value, dtype=float)
    return bool(np.isfinite(arr).all())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUNCTIONS), st.data())
def test_any_excel_input_gives_a_finite_answer_or_a_named_error(fn, data):
    params = list(inspect.signature(fn).parameters)
    n = data.draw(
        st.integers(
            len(
                [
                    p
                    for p in inspect.signature(fn).parameters.values()
                    if p.default is inspect.Parameter.empty
                ]
            ),
            len(params),
        )
    )
    args = [data.draw(argument, label=params[i]) for i in range(n)]
    try:
        result = fn(*args)
    except XlwingsError as exc:
        message = str(exc)
        head = message.split(":", 1)[0]
        assert head in params or head in ("ranges", "result"), message
        assert "Traceback" not in message
        return
    assert _finite(result), (fn.__name__, args, result)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-1e15, 1e15), min_size=1, max_size=60),
    st.floats(-0.99, 1.0),
    st.floats(-0.99, 1.0),
    st.floats(0, 1e15),
    st.sampled_from(["end", "mid", "begin"]),
)
def test_engine_dual_npv_is_finite_or_refuses_on_valid_ranges(cf, kd, ks, cost, timing):
    # Every input here is inside the contract's ranges, so the answer must be a number:
    # overflow near -99% with 60 periods still stays within float range (0.01^-60 = 1e120).
    out = udf.DUAL_NPV([cf], kd, ks, cost, timing)
    assert math.isfinite(out)
