"""One report, one evaluation: build_report from a case file runs the engine's core once for the
case and the Monte Carlo once (load_case runs them to surface errors; the report reads the kept
results). The Summary's 'what drives the answer' block evaluates variants of the case (another
tax rate, no terminal value...): each variant once, never the case itself again."""

from __future__ import annotations

import collections
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import xl_corridor.case.evaluate  # noqa: F401  (the module, not the function of that name)
from xl_corridor.case import load_case
from xl_corridor.engine import montecarlo
from xl_corridor.workbook.report import build_report

EVALUATE = sys.modules["xl_corridor.case.evaluate"]
LOAD = sys.modules["xl_corridor.case.load"]
EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "examples" / "jiaxin_boguty.toml"


EVALUATED: list[Any] = []  # the case of each _evaluate call


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    counter: collections.Counter[str] = collections.Counter()
    EVALUATED.clear()

    def counted(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counter[name] += 1
            if name == "_evaluate":
                EVALUATED.append(args[0])
            return fn(*args, **kwargs)
        return wrapper

    for name in ("_core", "_evaluate", "_analyze"):
        wrapped = counted(name, getattr(EVALUATE, name))
        monkeypatch.setattr(EVALUATE, name, wrapped)
        if hasattr(LOAD, name):  # load.py imported it by name
            monkeypatch.setattr(LOAD, name, wrapped)
    monkeypatch.setattr(montecarlo, "simulate_delta_npv",
                        counted("montecarlo", montecarlo.simulate_delta_npv))
    return counter


def _same(a: Any, b: Any) -> bool:
    """Equal inputs; load_case evaluates before it reads the parity sample (no engine input)."""
    return bool(a.model_copy(update={"parity": None}) == b.model_copy(update={"parity": None}))


def test_one_report_from_a_case_file_evaluates_once(calls, tmp_path: Path) -> None:
    build_report(EXAMPLE, tmp_path / "r.xlsx")
    evaluated, counts = list(EVALUATED), dict(calls)
    base = load_case(EXAMPLE)
    assert sum(_same(c, base) for c in evaluated) == 1  # the case itself: once
    for i, a in enumerate(evaluated):  # and each variant once
        assert not any(_same(a, b) for b in evaluated[i + 1:]), "a case was evaluated twice"
    assert counts["_core"] == counts["_evaluate"] == len(evaluated)
    assert counts["_analyze"] == 1 and counts["montecarlo"] == 1


def test_default_sensitivity_ranges_reuse_the_evaluation(calls, tmp_path: Path) -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.pop("sensitivity", None)  # the ranges default from Ke dual and the compliance cost
    data.pop("parity", None)  # its CSV path is relative to the example's folder
    build_report(data, tmp_path / "r.xlsx")
    evaluated, counts = list(EVALUATED), dict(calls)
    assert sum(_same(c, load_case(data)) for c in evaluated) == 1
    assert counts["_core"] == counts["_evaluate"] and counts["montecarlo"] == 1


def test_a_copy_does_not_carry_the_results(calls) -> None:
    case = load_case(EXAMPLE)
    loaded = calls["_evaluate"]  # the case, and each of its named scenarios once
    assert case.scenarios is not None and loaded == 1 + len(case.scenarios.named)
    changed = case.model_copy(update={"market": case.market.model_copy(update={"rf": 0.03})})
    assert EVALUATE.evaluate(changed).ke_single != EVALUATE.evaluate(case).ke_single
    assert calls["_evaluate"] == loaded + 1  # and the changed copy
