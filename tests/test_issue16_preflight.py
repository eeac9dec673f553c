"""Issue 16, second part: every hostile case of tests/hostile_corpus.py is refused with exit 2
and ONE line ``FILE: problem`` (or caught with exit 1 naming the part or cell), in bounded time
and memory. Expected phrases are written from the brief and the limits' definitions, not copied
from the messages."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import corridor_udfs as u
import pytest
from helpers import EXAMPLE, udf_message
from hostile_corpus import (
    CASE_BOMBS,
    TEMPLATE_BOMBS,
    TEMPLATE_TAMPERS_EXIT1,
    WORST_BOMBS,
)

import xl_corridor as xc
from xl_corridor import limits
from xl_corridor.case import CaseError, load_case
from xl_corridor.cli import main
from xl_corridor.engine import discounting, parity
from xl_corridor.errors import CorridorInputError
from xl_corridor.validate import safety
from xl_corridor.workbook.report import build_report
from xl_corridor.workbook.template import build_template

ROOT = Path(__file__).resolve().parents[1]
MAX_SECONDS = 10.0
MAX_MB = 500


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("pristine") / "template.xlsx")


def _one_line(capsys: pytest.CaptureFixture[str], path: Path, phrase: str) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err[-2000:]
    assert lines[0].startswith(f"{path}: "), lines[0]
    assert re.search(phrase, lines[0]), (phrase, lines[0])
    assert "Traceback" not in err and "unexpected error" not in err
    return lines[0]


# --- workbooks: refused before any parser --------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TEMPLATE_BOMBS))
@pytest.mark.parametrize("command", ["validate", "report"])
def test_template_bomb_refused_in_one_line(pristine: Path, tmp_path: Path, name: str,
                                           command: str, capsys, monkeypatch) -> None:
    # soffice pointed nowhere: a file that got past the pre-flight would fail differently
    monkeypatch.setenv("XL_CORRIDOR_SOFFICE", "/nonexistent/soffice")
    build, phrase = TEMPLATE_BOMBS[name]
    bomb = build(pristine, tmp_path / f"{name}.xlsx")
    out = tmp_path / "out.xlsx"
    start = time.monotonic()
    args = ["validate", str(bomb)] if command == "validate" else [
        "report", str(bomb), "--out", str(out)]
    assert main(args) == 2
    assert time.monotonic() - start < MAX_SECONDS
    line = _one_line(capsys, bomb, phrase)
    assert "LibreOffice" not in line
    assert not out.exists()


def test_preflight_runs_before_openpyxl_for_every_bomb(pristine: Path, tmp_path: Path,
                                                       monkeypatch) -> None:
    import openpyxl

    def refuse(*a, **k):
        raise AssertionError("openpyxl opened a hostile file")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    for name, (build, _) in TEMPLATE_BOMBS.items():
        with pytest.raises(safety.UnsafeInputError):
            safety.check_workbook(build(pristine, tmp_path / f"{name}.xlsx"))


_SLOW_TAMPERS = {"utf16_part"}  # reaches the `formulas` evaluation (about 5 s)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n in _SLOW_TAMPERS else n
    for n in sorted(TEMPLATE_TAMPERS_EXIT1)])
def test_template_tamper_caught_naming_the_part(pristine: Path, tmp_path: Path, name: str,
                                                capsys) -> None:
    build, where = TEMPLATE_TAMPERS_EXIT1[name]
    bad = build(pristine, tmp_path / f"{name}.xlsx")
    start = time.monotonic()
    assert main(["validate", str(bad)]) == 1
    assert time.monotonic() - start < MAX_SECONDS
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}: ") and where in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["external_ref_to_fifo", "external_ref_to_device",
                                  "name_is_a_constant", "name_names_no_sheet"])
def test_tampered_template_read_as_a_case_is_refused(pristine: Path, tmp_path: Path, name: str,
                                                     capsys) -> None:
    build, where = TEMPLATE_TAMPERS_EXIT1[name]
    bad = build(pristine, tmp_path / f"{name}.xlsx")
    out = tmp_path / "out.xlsx"
    assert main(["report", str(bad), "--out", str(out)]) == 2
    _one_line(capsys, bad, re.escape(where.split()[-1]))
    assert not out.exists()


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_non_regular_inputs_are_refused_unopened(tmp_path: Path, kind: str, capsys) -> None:
    if kind == "fifo":
        path = tmp_path / "f.xlsx"
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    else:
        path = tmp_path / "d.xlsx"
        path.mkdir()
    start = time.monotonic()
    assert main(["validate", str(path)]) == 2
    _one_line(capsys, path, "not a regular file|is a directory")
    toml = tmp_path / "case.toml"
    if kind == "fifo":
        os.mkfifo(toml)
        assert main(["report", str(toml), "--out", str(tmp_path / "o.xlsx")]) == 2
        _one_line(capsys, toml, "not a regular file")
    assert time.monotonic() - start < MAX_SECONDS


def test_a_formula_split_across_chunks_is_still_seen() -> None:
    """The scan reads parts in 1 MiB chunks; a formula or a defined name cut anywhere by a
    chunk boundary is kept whole (a naive scan of each chunk would miss SUM(A:A))."""
    xml = (b'<worksheet><sheetData><row r="1"><c r="B1"><f>SUM(A1:A2)+SUM(A:A)</f><v>0</v>'
           b"</c></row></sheetData></worksheet>")
    for cut in range(1, len(xml)):
        scan = safety._PartScan("f.xlsx", "xl/worksheets/sheet1.xml")
        with pytest.raises(safety.UnsafeInputError, match=r"cell B1 refers to 1,048,57[0-9]"):
            scan.feed(xml[:cut])
            scan.feed(xml[cut:])
            scan.finish()


@pytest.mark.parametrize("piece", [1_000, 70_000, 100_000, 1 << 20])
def test_a_defined_name_longer_than_the_carry_is_refused(piece: int) -> None:
    """A defined name of 120,000 characters, fed in pieces: never lost with a dropped tag."""
    xml = (b'<workbook><definedNames><definedName name="x">' + b"A1," * 40_000
           + b"A1</definedName></definedNames></workbook>")
    scan = safety._PartScan("f.xlsx", "xl/workbook.xml")
    with pytest.raises(safety.UnsafeInputError, match="defined name"):
        for i in range(0, len(xml), piece):
            scan.feed(xml[i:i + piece])
        scan.finish()


@pytest.mark.parametrize(("name", "text", "refused"), [
    # Excel's print titles are whole rows and columns by definition (ECMA-376 18.2.6,
    # _xlnm.Print_Titles): accepted, they compute nothing
    ("_xlnm.Print_Titles", "'Model'!$4:$5,'Model'!$A:$A", False),
    # the same extent under any other name, or a formula dressed as print titles: bounded
    ("titles", "'Model'!$4:$5,'Model'!$A:$A", True),
    ("_xlnm.Print_Titles", "SUM('Model'!$A:$A)", True),
    ("_xlnm.Print_Titles", "'Model'!$A:$A,'Model'!$B:$B,'Model'!$C:$C", True),
])
def test_print_titles_are_the_only_whole_column_name(name: str, text: str, refused: bool) -> None:
    xml = (f'<workbook><definedNames><definedName name="{name}" localSheetId="0">{text}'
           f"</definedName></definedNames></workbook>").encode()
    scan = safety._PartScan("f.xlsx", "xl/workbook.xml")
    if refused:
        with pytest.raises(safety.UnsafeInputError, match=r"refers to [0-9,]+ cells"):
            scan.feed(xml)
            scan.finish()
    else:
        scan.feed(xml)
        scan.finish()


def test_a_text_range_in_a_formula_is_not_a_reference() -> None:
    # "1:1000000" inside a string literal is text, not the rows 1 to 1,000,000
    assert safety._span('IF(A1:A2>0,"1:1000000","")') == 2


# --- case files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASE_BOMBS))
def test_case_bomb_refused_in_one_line(tmp_path: Path, name: str, capsys) -> None:
    build, phrase = CASE_BOMBS[name]
    case = build(tmp_path)
    out = tmp_path / "out.xlsx"
    start = time.monotonic()
    assert main(["report", str(case), "--out", str(out)]) == 2
    assert time.monotonic() - start < MAX_SECONDS
    _one_line(capsys, case, phrase)
    assert not out.exists()


def test_case_text_and_dict_sources_are_bounded_too() -> None:
    deep = "x = 1\n[a]\n" + ".".join(f"k{i}" for i in range(100_000)) + " = 1\n"
    with pytest.raises(CaseError, match="more than 8 parts"):
        load_case(deep)
    import tomllib

    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    data["deal"]["name"] = "Deal\ufffe"
    with pytest.raises(CaseError, match=r"deal\.name: contains the noncharacter U\+FFFE"):
        load_case(data)
    data["deal"]["name"] = "Deal\ud800"  # a lone surrogate: only a dict can hold one
    with pytest.raises(CaseError, match=r"deal\.name: "):
        load_case(data)
    data["deal"]["name"] = "x" * 256  # one over the label limit
    with pytest.raises(CaseError, match="text of 256 characters"):
        load_case(data)
    data["deal"]["name"] = "x" * 255  # the limit itself is fine
    data["cash_flows"]["values"] = data["cash_flows"]["values"]  # unchanged
    data.pop("parity")
    assert load_case(data).deal.name == "x" * 255


# --- numbers: a named error, never inf or a wrong date ------------------------------------------



def test_parity_gap_underflow_is_a_named_error() -> None:
    # 1e-300 x 1e-300 = 1e-600 underflows to 0 in IEEE 754 double precision, so the gap
    # P_hk / (P_aix X n) - 1 has no finite value
    with pytest.raises(CorridorInputError, match="price_aix"):
        parity.parity_gap(10.0, 1e-300, 1e-300)
    with pytest.raises(CorridorInputError, match="price_aix"):
        parity.parity_gap([10.0, 10.0], [1.0, 1e-200], 1e-200)
    assert "price_aix" in udf_message(u.DUAL_PARITY_GAP, 10.0, 1e-300, 1e-300)
    # a tiny but representable denominator still gives the (huge, finite) gap:
    # 1 / (1e-150 x 1e-150) - 1 = 1e300 - 1, computed independently here
    assert parity.parity_gap(1.0, 1e-150, 1e-150) == pytest.approx(1e300)


def test_xnpv_refuses_a_date_before_1900() -> None:
    # Excel's first date is 1900-01-01 (serial 1); 1899-12-31 has no serial
    flows = [-100.0, 110.0]
    with pytest.raises(CorridorInputError, match="dates.*1900-01-01.*got 1899-12-31"):
        xc.dual_xnpv(flows, [dt.date(1899, 12, 31), dt.date(1900, 12, 31)], 0.1, 0.1, 0.0)
    assert "1899-12-31" in udf_message(u.DUAL_XNPV, flows, [dt.datetime(1899, 12, 31),
                                                         dt.datetime(1900, 12, 31)],
                                    0.1, 0.1, 0.0)
    with pytest.raises(CorridorInputError, match="dates"):
        discounting.excel_serial("dates", [0.0])
    # 1900-01-01 itself is accepted
    assert discounting.excel_serial("dates", [dt.date(1900, 1, 1)]).size == 1


def test_compliance_cost_overflow_stays_named_through_the_udf() -> None:
    # (1 / (1 - 0.995))^200 = 200^200 ~ 1.6e460 overflows a double
    assert "discount_rate" in udf_message(u.COMPLIANCE_COST, [[1.0], [2.0]], 200, -0.995)


# --- LibreOffice missing or broken ---------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(EXAMPLE, tmp_path_factory.mktemp("report") / "r.xlsx").path


def _script(folder: Path, body: str, mode: int = 0o755) -> Path:
    path = folder / "soffice"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(mode)
    return path


@pytest.mark.parametrize("how", ["not_on_path", "nonexistent", "not_executable", "exits_1",
                                 pytest.param("hangs", marks=pytest.mark.slow)])  # waits 2 s
def test_missing_or_broken_soffice_is_one_line_per_file(report: Path, tmp_path: Path, how: str,
                                                        capsys, monkeypatch) -> None:
    monkeypatch.delenv("XL_CORRIDOR_SOFFICE", raising=False)
    monkeypatch.setenv("XL_CORRIDOR_SOFFICE_TIMEOUT", "2")
    if how == "not_on_path":
        empty = tmp_path / "bin"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
        phrase = "not installed"
    elif how == "nonexistent":
        monkeypatch.setenv("XL_CORRIDOR_SOFFICE", str(tmp_path / "no" / "soffice"))
        phrase = "cannot run LibreOffice"
    elif how == "not_executable":
        monkeypatch.setenv("XL_CORRIDOR_SOFFICE", str(_script(tmp_path, "exit 0", 0o644)))
        phrase = "cannot run LibreOffice"
    elif how == "exits_1":
        monkeypatch.setenv("XL_CORRIDOR_SOFFICE", str(_script(tmp_path, "echo broken >&2; "
                                                                        "exit 1")))
        # names the binary and its exit status (not the worker's own SIGKILL)
        phrase = r"LibreOffice stopped: .*soffice exited with status 1 before accepting"
    else:
        monkeypatch.setenv("XL_CORRIDOR_SOFFICE", str(_script(tmp_path, "exec sleep 60")))
        phrase = "did not finish .*within 2 s"
    start = time.monotonic()
    assert main(["validate", "--recalc", str(report)]) == 2
    assert time.monotonic() - start < MAX_SECONDS
    _one_line(capsys, report, phrase)


# --- limits: one definition each -----------------------------------------------------------------


def test_each_limit_is_defined_once() -> None:
    """The values of xl_corridor.limits appear nowhere else in the package as literals."""
    distinctive = {limits.WORKBOOK_MAX_CELLS, limits.WORKBOOK_MAX_AREA_CELLS,
                   limits.CASE_MAX_CASH_FLOWS}  # values no other quantity shares
    spelled = {v: re.compile(rf"(?<![\w.]){v:_}(?![\w.])|(?<![\w.]){v}(?![\w.])")
               for v in distinctive}
    found = []
    for path in (ROOT / "xl_corridor").rglob("*.py"):
        if path.name == "limits.py":
            continue
        for line in path.read_text("utf-8").splitlines():
            code = line.split("#", 1)[0]
            found += [(path.name, line.strip()) for v, rx in spelled.items() if rx.search(code)]
    assert not found
    assert not hasattr(safety, "MAX_CELLS")


# --- the worst cases in a child process: time and memory measured --------------------------------

_CHILD = """
import contextlib, io, json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (AS_BYTES, AS_BYTES))
from xl_corridor.cli import main
out = []
for args in json.loads(sys.argv[1]):
    t0 = time.perf_counter()
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(args)
        except BaseException as exc:
            code, _ = -1, err.write(repr(exc))
    out.append([code, err.getvalue(), time.perf_counter() - t0])
# VmHWM: this process's own peak (ru_maxrss would include the parent's, inherited at fork)
hwm = next(int(ln.split()[1]) for ln in open("/proc/self/status") if ln.startswith("VmHWM"))
print(json.dumps({"runs": out, "rss_kib": hwm}))
"""


def _child(commands: list[list[str]]) -> tuple[list[tuple[int, str, float]], float]:
    env = {**os.environ, "XL_CORRIDOR_SOFFICE": "/nonexistent/soffice",
           "OPENBLAS_NUM_THREADS": "1"}
    code = _CHILD.replace("AS_BYTES", str(MAX_MB * 1024 * 1024))
    p = subprocess.run([sys.executable, "-c", code, json.dumps(commands)], capture_output=True,
                       text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    data = json.loads(p.stdout.splitlines()[-1])
    return [tuple(r) for r in data["runs"]], data["rss_kib"] / 1024


@pytest.mark.slow
def test_worst_cases_bounded_in_time_and_memory(pristine: Path, tmp_path: Path) -> None:
    """Each of the worst files through `validate` and `report` in a child limited to 500 MB of
    address space: exit 2, one line, under 10 s, peak RSS under 500 MB."""
    runs: dict[str, tuple[Path, str]] = {}
    for name, (build, phrase) in WORST_BOMBS.items():
        runs[name] = (build(pristine, tmp_path / f"{name}.xlsx"), phrase)
    for name in ("dotted_keys_100k", "parity_csv_sparse_1gb", "parity_csv_120k_rows"):
        folder = tmp_path / name
        folder.mkdir()
        build_case, phrase = CASE_BOMBS[name]
        runs[name] = (build_case(folder), phrase)
    fifo = TEMPLATE_TAMPERS_EXIT1["external_ref_to_fifo"][0](pristine, tmp_path / "fifo.xlsx")
    figures = []
    for name, (path, phrase) in runs.items():
        commands = [["report", str(path), "--out", str(tmp_path / "out.xlsx")]]
        if path.suffix == ".xlsx":
            commands.insert(0, ["validate", str(path)])
        results, rss = _child(commands)
        for code, err, seconds in results:
            lines = err.splitlines()
            assert code == 2 and len(lines) == 1 and lines[0].startswith(f"{path}: "), (name,
                                                                                       err)
            assert re.search(phrase, lines[0]), (name, lines[0])
            assert seconds < MAX_SECONDS and rss < MAX_MB, (name, seconds, rss)
            figures.append((name, seconds, rss, lines[0].split(": ", 1)[1][:90]))
    (code, err, seconds), = _child([["validate", str(fifo)]])[0]
    assert code == 1 and "externalLink1.xml" in err and seconds < MAX_SECONDS
    for name, seconds, rss, line in figures:
        print(f"{name}: {seconds:.2f} s, peak RSS {rss:.0f} MB: {line}")
    worst_time = max(f[1] for f in figures)
    worst_rss = max(f[2] for f in figures)
    print(f"\nworst hostile cases: {len(figures)} runs, slowest {worst_time:.2f} s, "
          f"peak RSS {worst_rss:.0f} MB")
    assert not (tmp_path / "out.xlsx").exists()


def test_longest_texts_allowed_make_a_valid_report(tmp_path: Path, soffice: str) -> None:
    """A report written from texts at their limits passes its own validation (a 40,000-character
    label used not to)."""
    import tomllib

    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    data["deal"]["name"] = "N" * limits.CASE_MAX_TEXT_CHARS
    data["deal"]["units"] = "HKD m " + "u" * (limits.CASE_MAX_CODE_CHARS - 6)
    data["compliance"]["items"][0]["label"] = "L" * limits.CASE_MAX_TEXT_CHARS
    data["parity"]["csv"] = str(ROOT / "workbooks" / "examples" / "parity_sample.csv")
    data["parity"]["source"] = "S" * limits.CASE_MAX_SOURCE_CHARS
    out = build_report(load_case(data), tmp_path / "long.xlsx").path
    from xl_corridor.validate.validator import validate_workbook

    result = validate_workbook(out)
    assert result.exit_code == 0, [str(f) for f in result.failures][:5]
