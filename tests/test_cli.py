"""Command line: exit codes 0/1/2, messages without tracebacks, no file on a bad case."""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from helpers import EXAMPLE
from pydantic import BaseModel

from xl_corridor.case import Case, case_warnings, load_case
from xl_corridor.case.load import _model_of, _problems
from xl_corridor.case.schema import MAX_PROBLEMS
from xl_corridor.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo.xlsx"
    assert main(["demo", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert str(out) in text and "Delta NPV" in text and "HKD m" in text
    assert out.is_file()


def test_bad_case_exit_2_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text("utf-8").replace("rf = 0.0425", "rf = 4.25"), "utf-8")
    out = tmp_path / "bad.xlsx"
    assert main(["report", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}: market.rf: expected a decimal rate")
    assert "Traceback" not in err
    assert not out.exists()


def test_report_from_filled_in_template(tmp_path: Path) -> None:
    t = tmp_path / "t.xlsx"
    assert main(["template", "--out", str(t)]) == 0
    assert main(["report", str(t), "--out", str(tmp_path / "r.xlsx")]) == 0


def test_validate_exit_codes(tmp_path: Path, soffice: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.xlsx"
    assert main(["report", str(EXAMPLE), "--out", str(good)]) == 0
    bad = tmp_path / "bad.xlsx"
    shutil.copy(good, bad)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet4.xml":  # CashFlows
                data = data.replace(b"<f>C6*E6</f>", b"<f>C6*F6</f>")
            dst.writestr(info, data)
    junk = tmp_path / "junk.xlsx"
    junk.write_text("hello")
    capsys.readouterr()
    # many files, one line each on stdout; the exit code is the worst of them
    assert main(["validate", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert out[0].startswith(f"{good}: valid report (")
    assert out[1].startswith(f"{bad}: ") and "check(s) failed" in out[1]
    assert out[2] == "2 workbooks: 1 valid, 1 failed, 0 unusable"
    assert "CashFlows!G6" in captured.err
    assert main(["validate", str(junk), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0].startswith(f"{junk}: ")
    assert captured.out.splitlines()[-1] == "2 workbooks: 0 valid, 1 failed, 1 unusable"
    assert main(["validate", str(junk)]) == 2


def test_batch_continues_past_a_bad_case(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[deal]\nname = 'x'\n", "utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(EXAMPLE), str(bad), "--out-dir", str(out)]) == 1
    assert (out / "jiaxin_boguty.xlsx").is_file()
    assert not (out / "bad.xlsx").exists()
    captured = capsys.readouterr()
    assert "1 report(s) written" in captured.out and "bad.toml: deal" in captured.err
    # the per-case table: case, decision, Delta NPV with units, output file
    table = captured.out.splitlines()
    assert table[0].split() == ["case", "decision", "Delta", "NPV", "output"]
    row = table[1]
    assert row.startswith(str(EXAMPLE)) and row.endswith(str(out / "jiaxin_boguty.xlsx"))
    assert "HKD m" in row and ("PROCEED" in row)
    assert table[2].startswith(str(bad)) and "FAILED" in table[2]
    # stderr is not a terminal here: one plain log line per case, no progress bar
    assert f"[1/2] {EXAMPLE}: " in captured.err and f"[2/2] {bad}: failed" in captured.err
    assert "\r" not in captured.err and "it/s" not in captured.err


def test_batch_draws_a_bar_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    missing = [str(tmp_path / f"missing{i}.toml") for i in range(2)]
    assert main(["batch", *missing, "--out-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "reports: 100%" in err and "[1/2]" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    # the installed distribution's metadata, not the module's own constant
    assert capsys.readouterr().out == f"xl-corridor {metadata.version('xl-corridor')}\n"


def test_report_defaults_out_to_the_case_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(EXAMPLE)]) == 0
    assert (tmp_path / "jiaxin_boguty.xlsx").is_file()
    assert capsys.readouterr().out.splitlines()[0] == "jiaxin_boguty.xlsx"
    # a workbook case never defaults to itself
    assert main(["template", "--out", "t.xlsx"]) == 0
    assert main(["report", "t.xlsx"]) == 0
    assert (tmp_path / "t-report.xlsx").is_file()


@pytest.mark.parametrize("name", ["x.xls", "x", "x.csv", "x.xlsm", "x.xlsx.bak"])
@pytest.mark.parametrize("command", ["report", "demo", "template"])
def test_output_must_be_xlsx(name: str, command: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    argv = [command, *([str(EXAMPLE)] if command == "report" else []), "--out",
            str(tmp_path / name)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{tmp_path / name}: the output must be")
    assert list(tmp_path.iterdir()) == []


def _edit(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text("utf-8")
    assert old in text
    path = tmp_path / "case.toml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("lp_single = ", "lp_sinlge = ", [
        "premia.lp_sinlge: unknown field; did you mean lp_single?",
        "premia.lp_single: required field is missing (is premia.lp_sinlge a misspelling of it?)",
    ]),
    ("[premia]", "[premai]", [
        "premai: unknown section; did you mean premia?",
        "premia: required section is missing (is premai a misspelling of it?)",
    ]),
], ids=["field", "section"])
def test_misspelt_name_named_with_the_closest_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str,
        expected: list[str]) -> None:
    case = _edit(tmp_path, old, new)
    assert main(["report", str(case)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"{case}: {line}" for line in expected]
    assert not (tmp_path / "case.xlsx").exists()


def test_all_errors_at_once_up_to_a_cap(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    extra = "".join(f"zz{i} = 1\n" for i in range(25))  # 25 unknown fields, no close name
    case = _edit(tmp_path, "beta = 1.20", "beta = 'high'\n" + extra)
    assert main(["report", str(case)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == MAX_PROBLEMS + 1 == 21
    assert lines[0] == f"{case}: market.beta: Input should be a valid number, got 'high'"
    assert lines[1].startswith(f"{case}: market.zz0: unknown field; expected one of rf, beta")
    assert lines[-1] == f"{case}: ... and 6 more problem(s)"  # 26 problems, 20 shown


def test_positions_count_from_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the second cash flow (values[2] counting from 1) is text
    case = _edit(tmp_path, "values = [-600.0, 120.0", "values = [-600.0, 'x'")
    assert main(["report", str(case)]) == 2
    assert capsys.readouterr().err.startswith(f"{case}: cash_flows.values[2]: ")


def test_rate_error_names_the_field_typed(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # rf = 1.0 is a legal rate alone; with beta x mrp + crp + lp the cost of equity exceeds 1
    case = _edit(tmp_path, "rf = 0.0425", "rf = 1.0")
    assert main(["report", str(case)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{case}: market.rf: expected a decimal rate such as 0.045, got 1;")
    assert "rate:" not in err


@pytest.mark.parametrize(("old", "new", "field"), [
    ("rf = 0.0425", "rf = 0.43", "market.rf"),
    ("crp_dual = 0.023646", "crp_dual = 0.73", "premia.crp_dual"),
    ("lp_single = 0.025", "lp_single = 0.5", "premia.lp_single"),
])
def test_plausibility_warnings_do_not_refuse(old: str, new: str, field: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    case = _edit(tmp_path, old, new)
    value = new.split(" = ")[1]
    assert main(["report", str(case)]) == 0
    assert (tmp_path / "case.xlsx").is_file()
    err = capsys.readouterr().err
    assert err.startswith(f"{case}: warning: {field}: {value} looks like a per-cent typo: "
                          f"for {value}% enter {float(value) / 100:g}")
    assert case_warnings(load_case(case)) == [err.splitlines()[0].split("warning: ", 1)[1]]


def test_example_writes_the_documented_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["example"]) == 0
    written = tmp_path / "xl-corridor-example.toml"
    assert written.read_text("utf-8") == EXAMPLE.read_text("utf-8")
    assert main(["example"]) == 2  # not overwritten without --force
    assert main(["example", "--out", "mine.toml"]) == 0
    capsys.readouterr()
    assert main(["example", "--out", "-"]) == 0
    assert capsys.readouterr().out == EXAMPLE.read_text("utf-8")
    # a pip-only user can run it as written (the parity sample resolves to the packaged one)
    assert main(["report", "mine.toml"]) == 0 and (tmp_path / "mine.xlsx").is_file()


def _leaves(model: type[BaseModel], prefix: str = "") -> list[tuple[str, bool, bool]]:
    """(dotted field, required, is a table) for every field of the schema."""
    out = []
    for name, info in model.model_fields.items():
        sub = _model_of(info.annotation)
        path = f"{prefix}{name}"
        out.append((path, info.is_required(), sub is not None))
        if sub is not None:
            out += _leaves(sub, path + ".")
    return out


def test_example_documents_every_field_and_marks_the_required() -> None:
    text = EXAMPLE.read_text("utf-8")
    for path, required, table in _leaves(Case):
        if path in ("scenarios.named", "scenarios.named.overrides"):
            continue  # the normal form's containers: the file spells [scenarios.NAME], a.b = x
        name = path.rsplit(".", 1)[-1]
        doc = rf"^#\s+{re.escape(name)}\s+(REQUIRED|optional)"  # the table's field list
        given = rf"^#?\s*({re.escape(name)}\s*=|\[\[?{re.escape(path)}\]\]?)"
        assert re.search(doc, text, re.M) or re.search(given, text, re.M), path
        # parity.financing_rate is filled in from market.rf by the schema: optional to a user
        if required and not table and path != "parity.financing_rate" and not path.startswith(
                "parity.days."):
            assert re.search(rf"^#\s+{re.escape(name)}\s+REQUIRED", text, re.M), path
    assert re.search(r"^#\s*dates\s*=", text, re.M)  # cash_flows.dates, commented out
    assert re.search(r"^#\s*cost_hk\s*=", text, re.M)  # a parity override, commented out
    # the hint in errors points to the command, which a pip-only user has
    assert "workbooks/examples" not in str(_problems(
        [{"type": "extra_forbidden", "loc": ("zz",), "msg": ""}]))


def test_batch_takes_a_corridor_case_beside_listing_cases(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A corridor case (kind = "corridor") gets its own report in a batch; the listing comparison
    # workbook holds the listing cases only.
    from openpyxl import load_workbook

    corridor = ROOT / "workbooks" / "examples" / "corridor_kz_copper.toml"
    assert main(["batch", str(corridor), str(EXAMPLE), "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "C_e " in out and "2 report(s) written" in out
    assert (tmp_path / "corridor_kz_copper.xlsx").is_file()
    rows = load_workbook(tmp_path / "portfolio.xlsx").worksheets[0].max_row
    assert rows >= 2
