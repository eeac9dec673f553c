"""xlwings Lite installs the wheel with micropip, which follows every Requires-Dist whose PEP 508
marker holds in Pyodide (micropip's Transaction.add_requirement_inner evaluates the marker with
Pyodide's environment: sys_platform "emscripten", platform_system "Emscripten"). These tests read
the built wheel's metadata and prove that Pyodide gets only what the Excel functions import,
while pip on a desktop or server gets the whole command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # builds the wheel in a subprocess

# Pyodide's marker environment (values as `packaging.markers.default_environment()` reports them
# inside Pyodide 0.27: CPython 3.12 compiled to wasm32 by Emscripten).
PYODIDE = {
    "implementation_name": "cpython",
    "implementation_version": "3.12.7",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "platform_release": "3.1.58",
    "platform_system": "Emscripten",
    "platform_version": "#1",
    "python_full_version": "3.12.7",
    "platform_python_implementation": "CPython",
    "python_version": "3.12",
    "sys_platform": "emscripten",
    "extra": "",
}
DESKTOPS = {
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    "macos": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
}
# What the command line needs beyond the functions (the workbook layer, validation, batch).
CLI_ONLY = {"pandas", "openpyxl", "defusedxml", "pydantic", "tqdm", "formulas"}


@pytest.fixture(scope="module")
def requires(tmp_path_factory: pytest.TempPathFactory) -> list[Requirement]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True)
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        meta = Parser().parsestr(zf.read(name).decode("utf-8"))
    return [Requirement(r) for r in meta.get_all("Requires-Dist") or []]


def _installed(reqs: list[Requirement], env: dict[str, str]) -> set[str]:
    """The distributions micropip (or pip) follows in ``env``: a requirement without a marker,
    or whose marker holds there (no extras requested)."""
    return {canonicalize_name(r.name) for r in reqs
            if r.marker is None or r.marker.evaluate({**env, "extra": ""})}


def test_pyodide_installs_only_numpy_and_xlwings(requires):
    assert _installed(requires, PYODIDE) == {"numpy", "xlwings"}


@pytest.mark.parametrize("system", sorted(DESKTOPS))
def test_pip_on_a_desktop_installs_the_whole_command_line(requires, system):
    env = {**default_environment(), **DESKTOPS[system]}
    got = _installed(requires, env)
    assert got == {"numpy", "xlwings"} | CLI_ONLY


# Runs in a fresh interpreter that cannot import any installed distribution except numpy,
# xlwings and xl-corridor itself (and the standard library): importing corridor_udfs and
# calling every function must work, and pandas must not be loaded.
ONLY_LITE = r"""
import importlib.abc, importlib.metadata as md, json, sys
allowed_dists = {"numpy", "xlwings", "xl-corridor"}
blocked = {top for top, dists in md.packages_distributions().items()
           if not {d.lower().replace("_", "-") for d in dists} & allowed_dists}
blocked -= set(sys.stdlib_module_names)
blocked -= {m.partition(".")[0] for m in sys.modules}  # site's .pth hooks, loaded at start-up
tried = set()

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in blocked:
            tried.add(top)
            raise ModuleNotFoundError(f"blocked in this test: {name}", name=name)
        return None

sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[1])
import datetime as dt
import corridor_udfs as u
cf = [[-100.0, 30.0, 40.0, 50.0, 60.0]]
out = {
    "dual_npv": u.DUAL_NPV(cf, [[0.1]], [[0.12]], [[2.0]]),
    "dual_xnpv": u.DUAL_XNPV(cf, [[dt.date(2026, 1, 1), dt.date(2027, 1, 1), dt.date(2028, 1, 1),
                                   dt.date(2029, 1, 1), dt.date(2030, 1, 1)]],
                             [[0.1]], [[0.12]], [[2.0]]),
    "ke": u.CORRIDOR_KE([[0.04]], [[1.2]], [[0.05]], [[0.02]], [[0.01]]),
    "listing": u.LISTING_PATH([["JORC"]], [["Indicated"]], [[False]]),
    "version": u.CORRIDOR_VERSION(),
    "gap": u.DUAL_PARITY_GAP([[10.0]], [[1.2]], [[8.0]]),
}
out["loaded"] = sorted({m.partition(".")[0] for m in sys.modules} & blocked)
out["tried"] = sorted(tried)
print(json.dumps(out, default=str))
"""


def test_functions_import_and_run_with_only_the_pyodide_dependencies():
    proc = subprocess.run([sys.executable, "-c", ONLY_LITE, str(ROOT / "udfs")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["loaded"] == []
    # Delta NPV by the textbook sum over t of cf_t / (1 + k)^t, computed here independently.
    flows = [-100.0, 30.0, 40.0, 50.0, 60.0]
    want = sum(c / 1.1 ** t for t, c in enumerate(flows, 1)) - sum(
        c / 1.12 ** t for t, c in enumerate(flows, 1)) - 2.0
    assert out["dual_npv"] == pytest.approx(want, rel=1e-12)
    # CAPM plus country and liquidity premia: 0.04 + 1.2 * 0.05 + 0.02 + 0.01.
    assert out["ke"] == pytest.approx(0.13, rel=1e-12)
    assert out["version"].startswith("xl-corridor ")
    assert isinstance(out["dual_xnpv"], float) and isinstance(out["gap"], float)
    # The blocker really was in the way: xlwings probes pandas and carries on without it.
    assert "pandas" in out["tried"]
