"""Command line: exit codes 0/1/2, messages without tracebacks, no file on a bad case."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from xl_corridor.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "examples" / "jiaxin_boguty.toml"


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
    assert main(["validate", str(good)]) == 0
    bad = tmp_path / "bad.xlsx"
    shutil.copy(good, bad)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet4.xml":  # CashFlows
                data = data.replace(b"<f>C6*E6</f>", b"<f>C6*F6</f>")
            dst.writestr(info, data)
    capsys.readouterr()
    assert main(["validate", str(bad)]) == 1
    assert "CashFlows!G6" in capsys.readouterr().err
    junk = tmp_path / "junk.xlsx"
    junk.write_text("hello")
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
