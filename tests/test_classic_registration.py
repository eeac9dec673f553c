"""The classic add-in's registration code (xlwings/udfs.py: xlfunc, xlarg) run on our module.

xlwings.udfs imports pywin32 and cannot load on Linux, so its decorator functions (and the
helpers they call) are taken from its source with ``ast`` and executed against stubs: what they
record in ``__xlfunc__`` is what *Import Functions* turns into VBA wrappers on Windows.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import importlib.util
import inspect
import sys
import typing
from pathlib import Path

import pytest
import xlwings

NEEDED = {
    "xlfunc",
    "xlarg",
    "xlret",
    "get_category",
    "check_bool",
    "get_async_mode",
    "func_sig",
    "extract_type_and_annotations",
}


def _classic_decorators() -> dict:
    spec = importlib.util.find_spec("xlwings.udfs")
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in NEEDED]
    assert {n.name for n in body} == NEEDED, "xlwings.udfs changed shape"
    namespace = {
        "Any": typing.Any,
        "Callable": typing.Callable,
        "_F": typing.Any,
        "dt": dt,
        "get_type_hints": typing.get_type_hints,
        "inspect": inspect,
        "xlwings": xlwings,
        "get_origin": typing.get_origin,
        "get_args": typing.get_args,
        "Annotated": typing.Annotated,
    }
    exec(compile(ast.Module(body=body, type_ignores=[]), spec.origin, "exec"), namespace)
    return namespace


@pytest.fixture()
def classic_module(monkeypatch):
    deco = _classic_decorators()
    deco["xlfunc"].__module__ = "xlwings.udfs"
    monkeypatch.setattr(xlwings, "func", deco["xlfunc"])
    monkeypatch.setattr(xlwings, "arg", deco["xlarg"])
    monkeypatch.setattr(xlwings, "ret", deco["xlret"])
    saved = sys.modules.pop("corridor_udfs", None)
    try:
        yield importlib.import_module("corridor_udfs")
    finally:
        sys.modules.pop("corridor_udfs", None)
        if saved is not None:
            sys.modules["corridor_udfs"] = saved


def test_classic_metadata_has_every_argument_with_help_and_ndim2(classic_module):
    udf = classic_module
    for name in udf.__all__:
        fn = getattr(udf, name)
        info = fn.__xlfunc__
        assert info["name"] == name and info["category"] == "xl-corridor"
        params = list(inspect.signature(fn).parameters)
        assert [a["name"] for a in info["args"]] == params
        for a in info["args"]:
            assert a["doc"] == udf.ARG_HELP[name][a["name"]]
            assert a["options"] == {"ndim": 2}
        assert info["ret"]["doc"] == fn.__doc__


def test_classic_mode_returns_the_message_as_cell_text(classic_module):
    assert classic_module._classic()
    out = classic_module.CORRIDOR_KE([[4.5]], [[1.2]], [[0.04]], [[0.02]], [[0.01]], [[None]])
    assert out.startswith("#VALUE! rf: expected a decimal rate such as 0.045")
    assert classic_module.DUAL_NPV([[-100.0, 60.0, 70.0]], 0.1, 0.12, 0.0) == pytest.approx(
        classic_module.xc.dual_npv([-100.0, 60.0, 70.0], 0.1, 0.12, 0.0)
    )
