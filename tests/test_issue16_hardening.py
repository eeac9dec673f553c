"""Issue 16: no data loss on overwrite, and functions that return a finite number or a named
error (expected messages written from the brief, not copied from the code)."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import corridor_udfs as u
import openpyxl
import pytest
from helpers import udf_message

import xl_corridor as xc
from xl_corridor.cli import main
from xl_corridor.errors import CorridorInputError


def test_filled_in_template_is_not_overwritten_without_force(tmp_path: Path, capsys) -> None:
    out = tmp_path / "t.xlsx"
    assert main(["template", "--out", str(out)]) == 0
    assert main(["template", "--out", str(out)]) == 0  # unchanged: our own file, replaced
    wb = openpyxl.load_workbook(out)
    wb["Inputs"]["B9"] = 0.05  # the banker's work; author and category kept
    wb.save(out)
    before = out.read_bytes()
    assert main(["template", "--out", str(out)]) == 2
    assert "changed after xl-corridor wrote it" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["template", "--out", str(out), "--force"]) == 0


def test_report_and_batch_keep_an_edited_report(tmp_path: Path, capsys) -> None:
    case = Path(__file__).resolve().parents[1] / "workbooks" / "examples" / "jiaxin_boguty.toml"
    out = tmp_path / "jiaxin_boguty.xlsx"
    assert main(["report", str(case), "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    wb["Summary"]["C7"] = "my note"
    wb.save(out)
    before = out.read_bytes()
    assert main(["report", str(case), "--out", str(out)]) == 2
    assert main(["batch", str(case), "--out-dir", str(tmp_path)]) == 2
    assert out.read_bytes() == before


def test_fifo_target_is_refused_at_once_and_mode_is_kept(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "f.xlsx"
    os.mkfifo(fifo)
    start = time.monotonic()
    assert main(["template", "--out", str(fifo), "--force"]) == 2
    assert time.monotonic() - start < 5
    assert "not a regular file" in capsys.readouterr().err
    out = tmp_path / "private.xlsx"
    assert main(["template", "--out", str(out)]) == 0
    os.chmod(out, 0o600)
    assert main(["template", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_compliance_cost_overflow_is_a_named_error() -> None:
    # growth 0 at a rate of -99.5% for 200 years: (1/0.005)^200 overflows a float
    with pytest.raises(CorridorInputError, match="discount_rate"):
        xc.compliance_cost([1, 2], 200, -0.995)


def test_breakeven_ke_below_its_search_floor_is_a_named_error() -> None:
    with pytest.raises(CorridorInputError, match="ke_single"):
        xc.breakeven_ke([-100.0, 50.0, 60.0], -0.995, 1.0)



@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 10**400, -2146826281.0,
                                 -2146826281])
def test_udf_cells_that_are_not_numbers_are_named(bad) -> None:
    # nan/inf, an integer no float holds, and #DIV/0! as COM sends it (int and float)
    assert udf_message(u.CORRIDOR_KE, bad, 1.0, 0.05, 0.02, 0.01).startswith("rf: expected")
    assert udf_message(u.CORRIDOR_KE, [[0.04], [bad]], 1.0, 0.05, 0.02, 0.01).startswith(
        "rf: expected")


def test_udf_work_caps_refuse_fast() -> None:
    start = time.monotonic()
    grid = [[0.05 + 0.0001 * j for j in range(1024)] for _ in range(1024)]
    assert "at most 20,000,000" in udf_message(u.DUAL_BREAKEVEN_KE, [-100.0] + [10.0] * 20,
                                            grid, 5.0)
    rates = [[0.05]] * 100_000
    assert "at most 20,000,000" in udf_message(u.DUAL_NPV, [10.0] * 300, rates, 0.06, 1.0)
    assert time.monotonic() - start < 10
