"""LibreOffice as the validator runs it: warm workers over UNO give the values a re-saved xlsx
gives, and no soffice outlives a run however it ends (normal, timeout, SIGTERM, SIGKILL).

Processes are recognised by their command line, which names the run's temporary folder: each
test points TMPDIR at its own folder, so LibreOffice started by other runs on the same machine
is never counted.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import EXAMPLE
from openpyxl.utils.datetime import to_excel

import xl_corridor as xc
from xl_corridor.validate import libreoffice as lo


def _running(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (LibreOffice and the UNO workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmd:
            found.append(int(entry.name))
    return found


def _gone(marker: str, within: float = 15.0) -> list[int]:
    deadline = time.monotonic() + within
    while (left := _running(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.xlsx"
    xc.build_report(xc.load_case(EXAMPLE), path)
    return path


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "lo-tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _uno_or_skip() -> None:
    python = lo.find_uno_python(lo.find_soffice())
    ok = python and subprocess.run([python, "-c", "import uno"],
                                   capture_output=True, check=False).returncode == 0
    if not ok:
        pytest.skip("no Python with UNO (Debian: apt-get install python3-uno)")


def _cells(path: Path) -> dict[str, list[str]]:
    """Every formula cell the validator compares, as its own checks list them."""
    from xl_corridor.validate import validator as v

    job = v._Job(path)
    assert not (v._preflight(job) or v._classify(job) or v._structure(job))
    return {s: [r for r, x in cells.items() if x is not None]
            for s, cells in job.cached.items()}


def test_uno_values_equal_those_of_the_resaved_xlsx(report, soffice, private_tmp, monkeypatch):
    """The independent reference is LibreOffice's own xlsx export read back by openpyxl (the
    validator's former path): same cells, same types (bool, str, number), same numbers."""
    _uno_or_skip()
    cells = _cells(report)
    with lo.Session(1) as session:
        (over_uno,) = session.values([report], [cells])
        assert session.uno
    monkeypatch.setenv("XL_CORRIDOR_UNO_PYTHON", "")  # no UNO: soffice --convert-to + openpyxl
    (resaved,) = lo.recalculated_values([report], [cells])
    assert sum(map(len, cells.values())) > 500
    for sheet, refs in cells.items():
        for ref in refs:
            a, b = over_uno[sheet][ref], resaved[sheet][ref]
            if isinstance(b, dt.datetime | dt.date):  # openpyxl: a date-formatted number
                b = float(to_excel(b))
            if isinstance(b, bool) or isinstance(a, bool) or isinstance(b, str):
                assert (type(a), a) == (type(b), b), f"{sheet}!{ref}"
            else:  # xlsx stores 15-17 significant digits
                assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), f"{sheet}!{ref}"
    assert _gone(str(private_tmp)) == []


def test_recalculate_accepts_a_relative_output_folder(report, soffice, tmp_path, monkeypatch):
    # LibreOffice stores to a URL: a relative output folder once failed with "impl_store
    # <out/wb00000.xlsx> failed" (found converting an edited report from a shell)
    monkeypatch.chdir(tmp_path)
    (out,) = lo.recalculate([report], Path("out"))
    assert out.is_absolute() and out.is_file() and out.parent == tmp_path / "out"


def test_timeout_scales_with_the_files():
    assert lo.timeout_for(1) < lo.timeout_for(50, 2) < lo.timeout_for(50, 1)
    assert lo.timeout_for(50, 2) == lo.START_SECONDS + 25 * lo.PER_FILE_SECONDS


@pytest.mark.parametrize("uno", [False, True], ids=["convert-to", "uno"])
def test_a_timeout_kills_libreoffice(report, soffice, private_tmp, monkeypatch, uno):
    if not uno:
        monkeypatch.setenv("XL_CORRIDOR_UNO_PYTHON", "")
    with pytest.raises(lo.LibreOfficeError, match="did not finish"):
        lo.recalculated_values([report], [{"Summary": ["B3"]}], timeout=0.05)
    assert _gone(str(private_tmp)) == []


CHILD = r"""
import shutil, sys
from pathlib import Path
import xl_corridor as xc
src = Path(sys.argv[1])
copies = []
for i in range(40):
    p = Path(sys.argv[2]) / f"r{i}.xlsx"
    shutil.copyfile(src, p)
    copies.append(p)
print("start", flush=True)
xc.validate_workbooks(copies, recalc=True)
"""


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_validate_leaves_no_soffice(report, soffice, tmp_path, how):
    marker = tmp_path / "lo-tmp"
    marker.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(report), str(tmp_path)],
                            env={**os.environ, "TMPDIR": str(marker)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
    deadline = time.monotonic() + 60
    while not any("soffice.bin" in _cmd(p) for p in _running(str(marker))):
        assert time.monotonic() < deadline and proc.poll() is None, "LibreOffice never started"
        time.sleep(0.05)
    proc.send_signal(how)
    code = proc.wait(timeout=30)
    assert code == (128 + signal.SIGTERM if how == signal.SIGTERM else -signal.SIGKILL)
    # SIGTERM: the handler unwinds and kills the groups; SIGKILL: the workers notice that their
    # parent died and kill their own group (within about half a second).
    left = _gone(str(marker))
    assert left == [], [(_cmd(p)[:120], Path(f"/proc/{p}/stat").read_text()[:80]) for p in left]
    if how == signal.SIGTERM:
        left_files = sorted(str(p.relative_to(marker)) for p in marker.rglob("*"))
        assert left_files == [], (left_files[:8], proc.stderr.read()[-3000:] if proc.stderr else "")


def _cmd(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_batch_leaves_nothing_behind(report, soffice, private_tmp, tmp_path):
    paths = []
    for i in range(3):
        p = tmp_path / f"r{i}.xlsx"
        p.write_bytes(report.read_bytes())
        paths.append(p)
    results = xc.validate_workbooks(paths, recalc=True)
    assert [r.status for r in results] == ["valid"] * 3, [r.failures[:2] for r in results]
    assert _gone(str(private_tmp), within=5) == []
    assert list(private_tmp.iterdir()) == []


FAST_CHILD = CHILD.replace("recalc=True", "recalc=False")  # the default: no LibreOffice


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_killing_a_batch_leaves_no_reader_process(report, tmp_path, how):
    # a batch's per-file work runs in forked readers (same command line as the parent): none
    # outlives the command, however it ends; they only read, so nothing is left half-written
    proc = subprocess.Popen([sys.executable, "-c", FAST_CHILD, str(report), str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
    deadline = time.monotonic() + 60
    while len([p for p in _running(str(tmp_path)) if p != proc.pid]) < 2:
        assert time.monotonic() < deadline and proc.poll() is None, "no reader processes"
        time.sleep(0.02)
    proc.send_signal(how)
    code = proc.wait(timeout=30)
    assert code != 0
    left = _gone(str(tmp_path))
    assert left == [], [_cmd(p)[:120] for p in left]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"r{i}.xlsx" for i in range(40))
