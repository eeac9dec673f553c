"""The Python API surface: the namespace exports only the API, argument order follows Excel,
and the generated function reference is Markdown (no raw reST)."""

from __future__ import annotations

import inspect
import re
import types
from pathlib import Path

import corridor_udfs as udf

import xl_corridor as xc

ROOT = Path(__file__).resolve().parents[1]


def test_namespace_exports_only_the_api() -> None:
    assert dir(xc) == sorted(xc.__all__)
    leaked = [name for name, value in vars(xc).items()
              if not name.startswith("_") and name not in xc.__all__
              and not isinstance(value, types.ModuleType)]  # subpackages: set by the import
    assert leaked == []
    for name in ("Any", "annotations", "import_module", "version", "PackageNotFoundError"):
        assert not hasattr(xc, name), name
    for name in xc.__all__:  # everything listed resolves (the lazy names too)
        assert getattr(xc, name) is not None, name


def test_python_argument_order_is_the_excel_order() -> None:
    """docs/python_api.md: a Python function takes the arguments of the Excel function it backs
    in that function's order; npv/xnpv follow Excel's built-in NPV(rate, values) and
    XNPV(rate, values, dates)."""
    for name, engine in udf.ENGINE.items():
        excel = list(inspect.signature(getattr(udf, name)).parameters)
        python = list(inspect.signature(engine).parameters)
        shared = [p for p in excel if p in python]
        assert shared == [p for p in python if p in excel], name
        assert python[: len(shared)] == shared, name  # Python-only options come last
    assert list(inspect.signature(xc.npv).parameters)[:2] == ["rate", "cash_flows"]
    assert list(inspect.signature(xc.xnpv).parameters)[:3] == ["rate", "cash_flows", "dates"]
    for fn in (xc.grid_ke_cost, xc.grid_premia, xc.simulate_delta_npv):
        assert next(iter(inspect.signature(fn).parameters)) == "cash_flows", fn.__name__


def test_function_reference_is_markdown_not_rest() -> None:
    text = (ROOT / "docs" / "functions.md").read_text(encoding="utf-8")
    text = re.sub(r"```python\n.*?\n```", "", text, flags=re.S)  # doctests are verbatim
    for rest in (".. math::", ".. [", ":math:`", ":func:`", "``"):
        assert rest not in text, rest
    assert "$$\nK_e = R_f" in text  # CORRIDOR_KE's formula as display math
    assert "\n1. A. Damodaran" in text  # references as a numbered list
