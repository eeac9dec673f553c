"""No lost work: a killed `report` never leaves a partial file at the target, and a workbook
xl-corridor did not write is never overwritten without --force."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import EXAMPLE

from xl_corridor.cli import main
from xl_corridor.validate import safety as _safety

TEXT = EXAMPLE.read_text("utf-8")

# Runs the CLI with zipfile.ZipFile.writestr and os.replace instrumented: at the chosen write
# (HOOK_AT = n-th writestr, "replace" = just before the rename, "replaced" = just after it) the
# child touches HOOK_MARKER and sleeps, so the parent can SIGKILL it at exactly that point.
# HOOK_AT=count prints the number of writestr calls instead.
_HOOKED = """
import os, sys, time, zipfile
at, marker = os.environ["HOOK_AT"], os.environ.get("HOOK_MARKER", "")
calls = [0]
real_writestr, real_replace = zipfile.ZipFile.writestr, os.replace

def stop():
    open(marker, "w").close()
    time.sleep(60)

def writestr(self, *args, **kwargs):
    calls[0] += 1
    if at == str(calls[0]):
        stop()
    return real_writestr(self, *args, **kwargs)

def replace(src, dst):
    if at == "replace":
        stop()
    real_replace(src, dst)
    if at == "replaced":
        stop()

zipfile.ZipFile.writestr, os.replace = writestr, replace
from xl_corridor.cli import main
code = main(sys.argv[1:])
if at == "count":
    print("WRITES", calls[0])
sys.exit(code)
"""


def _large_case(folder: Path) -> Path:
    """The example with 200 cash flows and 60 line items: a report of a few hundred KB."""
    values = "values = [" + ", ".join(["-600.0"] + [f"{100 + i % 7}.0" for i in range(199)]) + "]"
    text = re.sub(r"^values = \[.*\]$", values, TEXT, count=1, flags=re.M)
    text = re.sub(r"^ke_dual = .*$", "ke_dual = [0.13, 0.17]", text, count=1, flags=re.M)
    items = "".join(f'\n[[compliance.items]]\nlabel = "Retainer {i}"\namount = 0.05\n'
                    f'currency = "HKD"\n' for i in range(60))
    case = folder / "large.toml"
    case.write_text(text + items, "utf-8")
    return case


def _cmd(case: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", _HOOKED, "report", str(case), "--out", str(out)]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("kill")
    case = _large_case(d)
    previous = d / "previous.xlsx"
    assert main(["report", str(EXAMPLE), "--out", str(previous)]) == 0
    complete = d / "complete.xlsx"  # deterministic output: a finished run writes exactly this
    t0 = time.perf_counter()
    p = subprocess.run(_cmd(case, complete), capture_output=True, text=True, timeout=60,
                       env={**os.environ, "HOOK_AT": "count"})
    seconds = time.perf_counter() - t0
    assert p.returncode == 0, p.stderr
    writes = int(p.stdout.split("WRITES")[1])
    return d, case, previous.read_bytes(), complete.read_bytes(), writes, seconds


def _attempt(args: tuple[Path, Path, bytes, str, float]) -> tuple[str, list[str], float]:
    """One killed run in its own folder; returns what the target holds and the leftovers."""
    folder, case, previous, hook, delay = args
    folder.mkdir()
    target = folder / "report.xlsx"
    target.write_bytes(previous)
    marker = folder.parent / f"{folder.name}.marker"
    env = {**os.environ, "HOOK_AT": hook, "HOOK_MARKER": str(marker)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(_cmd(case, target), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = t0 + 30
    if hook == "never":
        while proc.poll() is None and time.perf_counter() - t0 < delay:
            time.sleep(0.005)
    else:
        while not marker.exists() and proc.poll() is None and time.perf_counter() < deadline:
            time.sleep(0.005)
    killed_at = time.perf_counter() - t0
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    leftovers = sorted(p.name for p in folder.iterdir() if p.name != "report.xlsx")
    return _state(target, previous), leftovers, killed_at


def _state(target: Path, previous: bytes) -> str:
    data = target.read_bytes()
    if data == previous:
        return "previous"
    return "new:" + str(len(data))


@pytest.mark.slow
def test_sigkill_never_leaves_a_partial_report(setup, tmp_path: Path) -> None:
    d, case, previous, complete, writes, seconds = setup
    hooks = [str(n) for n in sorted({1, 2, writes // 4, writes // 2, writes - 5, writes - 1,
                                     writes})] + ["replace", "replaced"]
    attempts = [(tmp_path / f"hook{i}", case, previous, h, 0.0) for i, h in enumerate(hooks)]
    n = 20 - len(attempts)  # increasing delays from 50% to 130% of an undisturbed run
    delays = [seconds * (0.5 + 0.8 * i / (n - 1)) for i in range(n)]
    attempts += [(tmp_path / f"delay{i}", case, previous, "never", t)
                 for i, t in enumerate(delays)]
    assert len(attempts) == 20
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(_attempt, attempts))
    states = {}
    stray = 0
    for (folder, _, _, hook, delay), (state, leftovers, _) in zip(attempts, results, strict=True):
        data = (folder / "report.xlsx").read_bytes()
        assert data in (previous, complete), (hook, delay, state)  # never partial
        with zipfile.ZipFile(folder / "report.xlsx") as zf:
            assert zf.testzip() is None
        assert all(re.fullmatch(r"\.xl-corridor-.*\.tmp", n) for n in leftovers), leftovers
        stray += len(leftovers)
        states[f"{hook}@{delay:.2f}"] = "previous" if data == previous else "new"
    # the instrumented kill points: before the rename the old file stays, after it the new one
    assert states["replace@0.00"] == "previous" and states["replaced@0.00"] == "new"
    assert states["1@0.00"] == "previous"
    kept = list(states.values()).count("previous")
    print(f"\nSIGKILL attempts: {len(attempts)}; previous kept {kept}, complete new "
          f"{len(attempts) - kept}, stray hidden temp files {stray}")


def test_stale_temp_files_are_swept(tmp_path: Path) -> None:
    """A SIGKILLed run leaves its hidden temp file; the next write into the folder removes it
    once it is over an hour old, and never touches a fresh one (a concurrent write's)."""
    old = tmp_path / ".xl-corridor-dead.tmp"
    old.write_bytes(b"partial")
    os.utime(old, (time.time() - 2 * _safety.STALE_TEMP_SECONDS,) * 2)
    fresh = tmp_path / ".xl-corridor-busy.tmp"
    fresh.write_bytes(b"in progress")
    assert main(["report", str(EXAMPLE), "--out", str(tmp_path / "r.xlsx")]) == 0
    assert not old.exists() and fresh.exists()


def _foreign_workbook(path: Path) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "a banker's own model"
    wb.properties.creator = "Jane Banker"
    wb.save(path)
    return path.read_bytes()


@pytest.mark.parametrize("command", ["report", "template",  # demo and batch: slow tier
                                     *(pytest.param(c, marks=pytest.mark.slow)
                                       for c in ("demo", "batch"))])
def test_foreign_workbook_is_not_overwritten_without_force(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / ("jiaxin_boguty.xlsx" if command == "batch" else "model.xlsx")
    original = _foreign_workbook(target)
    argv = {"report": ["report", str(EXAMPLE), "--out", str(target)],
            "demo": ["demo", "--out", str(target)],
            "template": ["template", "--out", str(target)],
            "batch": ["batch", str(EXAMPLE), "--out-dir", str(tmp_path)]}[command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{target}: exists and was not written by xl-corridor" in err and "--force" in err
    assert target.read_bytes() == original
    assert main([*argv, "--force"]) == 0
    assert _safety.is_xl_corridor_workbook(target)
    assert main(argv) == 0  # our own output may be overwritten


def test_other_files_and_folders_are_not_overwritten(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("do not lose me")
    assert main(["report", str(EXAMPLE), "--out", str(notes)]) == 2
    assert notes.read_text() == "do not lose me"
    assert main(["report", str(EXAMPLE), "--out", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    template = tmp_path / "filled.xlsx"
    assert main(["template", "--out", str(template)]) == 0
    before = template.read_bytes()
    assert main(["report", str(template), "--out", str(template)]) == 2
    assert "is the case file itself" in capsys.readouterr().err
    assert template.read_bytes() == before


def test_force_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("report", "demo", "template", "batch"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--force" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    assert "2 if none was" in capsys.readouterr().out.replace("\n", " ").replace("  ", " ")


def test_reports_get_ordinary_file_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert main(["report", str(EXAMPLE), "--out", str(tmp_path / "r.xlsx")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "r.xlsx").stat().st_mode & 0o777 == 0o644
