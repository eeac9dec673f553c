"""The scalar fast paths of dual_npv / dual_xnpv (a sheet's cell: plain lists at plain rates).

Expected values come from numpy-financial (``npf.npv``, an independent implementation: it
discounts values[0] at t=0, so a leading 0 puts our period 1 at t=1) and, for dated flows, from
the textbook XNPV sum written out here with ``math.pow`` (Microsoft's XNPV definition:
sum CF_i / (1+k)^((d_i - d_1)/365)). The fast path must also agree with the general path
(arrays, pandas) on the same numbers, and refuse every bad item the general path refuses.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import numpy_financial as npf
import pytest

import xl_corridor as xc
from xl_corridor.errors import CorridorInputError

RNG = np.random.default_rng(20240516)
SERIES = [
    RNG.normal(50.0, 400.0, size=n).round(2).tolist() for n in (1, 2, 7, 40, 129, 600)
]
RATES = [(0.10, 0.12), (0.031, 0.2875), (-0.05, 0.0), (0.9, 0.45)]


def _npf_pv(cf: list[float], k: float, timing: str) -> float:
    """Present value from numpy-financial: npf.npv(k, [0] + cf) puts flow i at t = i ("end");
    "begin" is npf.npv(k, cf) (t = i - 1); "mid" is "begin" / (1+k)^0.5."""
    if timing == "end":
        return float(npf.npv(k, [0.0, *cf]))
    begin = float(npf.npv(k, cf))
    return begin if timing == "begin" else begin / math.sqrt(1.0 + k)


def _npf_delta(cf: list[float], kd: float, ks: float, cost: float, timing: str) -> float:
    return _npf_pv(cf, kd, timing) - _npf_pv(cf, ks, timing) - cost


def _close(got: float, want: float) -> None:
    assert math.isfinite(got)
    assert abs(got - want) <= 1e-12 * max(1.0, abs(want))


def test_dual_npv_list_matches_numpy_financial() -> None:
    # every series length x rate pair x timing convention: one message shape, so one test
    for cf in SERIES:
        for kd, ks in RATES:
            for timing in ("end", "mid", "begin"):
                case = f"n={len(cf)}, kd={kd}, ks={ks}, {timing}"
                want = _npf_delta(cf, kd, ks, 3.5, timing)
                # 1e-12 of the size of the sums (sum |CF| v^t at both rates): a Delta near 0
                # is the difference of two large present values
                scale = sum(_npf_pv(np.abs(cf).tolist(), k, timing) for k in (kd, ks))
                for given in (cf, tuple(cf)):
                    got = xc.dual_npv(given, kd, ks, 3.5, timing=timing)
                    assert type(got) is float, case
                    assert abs(got - want) <= 1e-12 * scale, case
                # the general path (an ndarray, pandas) on the same numbers: the same sum
                general = xc.dual_npv(np.array(cf), kd, ks, 3.5, timing=timing)
                assert abs(general - want) <= 1e-12 * scale, case


def test_dual_npv_int_list_matches_numpy_financial() -> None:
    cf = [-100, 30, 40, 50, 60]  # Python ints, as the docstring's example passes them
    _close(xc.dual_npv(cf, 0.10, 0.12, 2), _npf_delta([float(c) for c in cf], 0.10, 0.12, 2.0,
                                                       "end"))


def _textbook_xnpv(k: float, cf: list[float], dates: list[dt.date]) -> float:
    return sum(c / math.pow(1.0 + k, (d - dates[0]).days / 365.0)
               for c, d in zip(cf, dates, strict=True))


def test_dual_xnpv_list_matches_textbook_sum() -> None:
    start = dt.date(2026, 3, 31)
    for cf in SERIES:
        steps = RNG.integers(0, 200, size=len(cf))
        steps[0] = 0
        dates = [start + dt.timedelta(days=int(s)) for s in np.cumsum(steps)]
        if len(dates) > 2:  # not in order after the first: valid (the first is the earliest)
            dates[1], dates[2] = dates[2], dates[1]
        for kd, ks in RATES:
            case = f"n={len(cf)}, kd={kd}, ks={ks}"
            want = _textbook_xnpv(kd, cf, dates) - _textbook_xnpv(ks, cf, dates) - 1.25
            scale = sum(_textbook_xnpv(k, np.abs(cf).tolist(), dates) for k in (kd, ks))
            got = xc.dual_xnpv(cf, dates, kd, ks, 1.25)
            assert type(got) is float, case
            assert abs(got - want) <= 1e-12 * scale, case
            general = xc.dual_xnpv(np.array(cf), np.array(dates, dtype="datetime64[D]"), kd, ks,
                                   1.25)
            assert abs(general - want) <= 1e-12 * scale, case


@pytest.mark.parametrize("bad", [True, False, np.True_, np.bool_(False)])
@pytest.mark.parametrize("at", [0, 17, 39])
def test_boolean_anywhere_in_a_list_is_refused_with_its_position(bad: object, at: int) -> None:
    cf = [95.0] * 40
    cf[at] = bad  # type: ignore[call-overload]
    dates = [dt.date(2026, 1, 1) + dt.timedelta(days=91 * i) for i in range(40)]
    message = f"cash_flows: expected a number at item {at + 1}, got a boolean (TRUE/FALSE)"
    with pytest.raises(CorridorInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        xc.dual_npv(cf, 0.10, 0.12, 2.0)
    with pytest.raises(CorridorInputError, match=r"cash_flows: .* boolean"):
        xc.dual_xnpv(cf, dates, 0.10, 0.12, 2.0)


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (math.nan, "a finite number"),
        (math.inf, "a finite number"),
        (-math.inf, "a finite number"),
        (1.0000001e15, "an amount of at most 1e15"),
        (-2e15, "an amount of at most 1e15"),
        (2**70, "an amount of at most 1e15"),
        ("95", "a number at item 24, got str '95'"),
        (None, "a number at item 24, got a blank"),
    ],
)
def test_bad_item_in_a_list_is_refused_with_its_position(item: object, problem: str) -> None:
    cf: list[object] = [95.0] * 40
    cf[23] = item
    with pytest.raises(CorridorInputError, match=f"cash_flows: expected {problem}"):
        xc.dual_npv(cf, 0.10, 0.12, 2.0)
    with pytest.raises(CorridorInputError, match="item 24"):
        xc.dual_npv(cf, 0.10, 0.12, 2.0)


def test_amounts_at_the_bound_are_accepted() -> None:
    # 1e15 is allowed (|x| <= 1e15); a list of them is beyond the fast path's one-reduction
    # proof and takes the full path, with the same result as an ndarray
    cf = [1e15, -1e15, 1e15]
    want = _npf_delta(cf, 0.10, 0.12, 0.0, "end")
    _close(xc.dual_npv(cf, 0.10, 0.12, 0.0) / 1e15, want / 1e15)


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda: xc.dual_npv([1e200, 1.0], 0.10, 0.12, 0.0), "cash_flows: expected an amount"),
        (lambda: xc.dual_npv([1.0] * 600, -0.99, 0.10, 0.0), "ke_dual: expected a rate at which"),
        (lambda: xc.dual_xnpv([1.0, 1.0], [dt.date(2000, 1, 1), dt.date(9000, 1, 1)], 0.10,
                              -0.99, 0.0), "ke_single: expected a rate at which"),
    ],
)
def test_overflow_is_a_message_not_a_warning(call: object, problem: str) -> None:
    # under warnings-as-errors a numpy RuntimeWarning (overflow in exp or in a sum) would
    # escape as an exception instead of the argument's message
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(CorridorInputError, match=problem):
            call()  # type: ignore[operator]


def test_large_finite_values_take_the_full_path_with_the_same_result() -> None:
    # a rate near -100% over many periods: a finite, huge present value that the fast path
    # leaves to the full path (exp(-log(1+k) t) beyond exp(600)); numpy-financial agrees
    cf = [1.0] * 400
    want = _npf_delta(cf, -0.8, 0.1, 0.0, "end")
    got = xc.dual_npv(cf, -0.8, 0.1, 0.0)
    assert abs(got - want) <= 1e-12 * abs(want)


def test_dates_mixed_with_datetimes_give_the_textbook_sum() -> None:
    # date and datetime do not compare in Python: the fast path orders them by day number
    dates: list[dt.date] = [dt.date(2026, 1, 1), dt.datetime(2026, 7, 1, 15, 30),
                            dt.date(2027, 1, 1), dt.datetime(2026, 3, 1)]
    days = [dt.date(d.year, d.month, d.day) for d in dates]
    cf = [-100.0, 40.0, 70.0, 5.0]
    want = _textbook_xnpv(0.10, cf, days) - _textbook_xnpv(0.12, cf, days) - 1.0
    got = xc.dual_xnpv(cf, dates, 0.10, 0.12, 1.0)
    assert abs(got - want) <= 1e-12 * sum(abs(c) for c in cf)
    with pytest.raises(CorridorInputError, match="dates: expected the first date to be the "
                                                 "earliest, but item 2 falls before it"):
        xc.dual_xnpv(cf, [dt.datetime(2026, 7, 1), dt.date(2026, 1, 1), *dates[2:]], 0.10,
                     0.12, 1.0)
