"""What a banker installs: the three xlwings modes, help inside Excel, the function reference."""

from __future__ import annotations

import ast
import json
import os
import re
import runpy
import subprocess
import sys
import zipfile
from pathlib import Path

import corridor_udfs as udf
import pytest

import xl_corridor as xc

ROOT = Path(__file__).resolve().parents[1]


def test_function_reference_is_current():
    render = runpy.run_path(str(ROOT / "docs" / "generate_reference.py"))["render"]
    committed = (ROOT / "docs" / "functions.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python docs/generate_reference.py"


def test_reference_documents_every_function_and_argument():
    text = (ROOT / "docs" / "functions.md").read_text(encoding="utf-8")
    for name in udf.__all__:
        assert f"## {name}\n" in text
        for arg in udf.ARG_HELP[name]:
            assert f"| {arg} | " in text


def test_lite_main_reexports_every_function():
    tree = ast.parse((ROOT / "udfs" / "lite" / "main.py").read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "corridor_udfs"
        for alias in node.names
    }
    assert imported == set(udf.__all__)


def test_lite_requirements_name_the_package():
    lines = (ROOT / "udfs" / "lite" / "requirements.txt").read_text().splitlines()
    assert [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")] == ["xl-corridor"]


def test_classic_config_points_at_the_udf_module():
    rows = {}
    for line in (ROOT / "workbooks" / "xlwings.conf").read_text().splitlines():
        key, value = (part.strip().strip('"') for part in line.split(",", 1))
        rows[key] = value
    # xlwings' config-file keys (docs/addin.rst, "User Config"): "UDF MODULES", "PYTHONPATH".
    assert rows["UDF MODULES"] == "corridor_udfs"
    assert rows["PYTHONPATH"].endswith(r"\udfs")


def test_version_names_package_and_data_vintages():
    text = udf.CORRIDOR_VERSION()
    assert text.startswith(f"xl-corridor {xc.__version__};")
    assert xc.damodaran().vintage in text


@pytest.mark.slow
def test_wheel_is_pure_python_and_carries_the_udf_module(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    assert wheel.name.endswith("-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "corridor_udfs.py" in names
    assert "xl_corridor/py.typed" in names
    assert any(n.startswith("xl_corridor/data/damodaran") for n in names)


OFFICEJS = r"""
import asyncio, json, os, sys
sys.path.insert(0, sys.argv[1])
import xlwings as xw
from xlwings.server import custom_functions_call, custom_functions_meta
import corridor_udfs

meta = custom_functions_meta(corridor_udfs)
out = {"functions": {f["id"]: [p["name"] for p in f["parameters"]] for f in meta["functions"]},
       "descriptions": {f["id"]: f["description"] for f in meta["functions"]}}

def call(name, *args):
    data = {"func_name": name, "args": list(args), "version": xw.__version__, "client": "Office.js",
            "runtime": "1.4", "culture_info_name": "en-US", "date_format": "m/d/yyyy"}
    return asyncio.run(custom_functions_call(data, corridor_udfs))

cf = [[-100.0, 30.0, 40.0, 50.0, 60.0]]
out["dual_npv"] = call("DUAL_NPV", cf, [[0.1]], [[0.12]], [[2.0]], [[None]])
try:
    call("CORRIDOR_KE", [[4.5]], [[1.2]], [[0.04]], [[0.02]], [[0.01]], [[None]])
    out["error"] = None
except Exception as exc:
    out["error"] = f"{type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


@pytest.mark.skipif(
    not os.environ.get("XLWINGS_LICENSE_KEY"),
    reason="xlwings.server is PolyForm Noncommercial: runs only with XLWINGS_LICENSE_KEY set",
)
def test_officejs_dispatch_through_xlwings_server(tmp_path):
    env = dict(os.environ, XLWINGS_ON_SERVER="true")
    proc = subprocess.run(
        [sys.executable, "-c", OFFICEJS, str(ROOT / "udfs")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    import inspect

    for name in udf.__all__:
        assert out["functions"][name] == list(inspect.signature(getattr(udf, name)).parameters)
        assert out["descriptions"][name] == getattr(udf, name).__doc__
    value = out["dual_npv"]
    while isinstance(value, list):
        value = value[0]
    assert value == pytest.approx(xc.dual_npv([-100, 30, 40, 50, 60], 0.1, 0.12, 2.0))
    assert re.search(r"rf: expected a decimal rate such as 0\.045", out["error"] or "")
