"""The committed template equals what the generator writes; banker formatting; UDF layout."""

from __future__ import annotations

from pathlib import Path

import corridor_udfs
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from xl_corridor.workbook.template import build_template

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbooks" / "corridor_template.xlsx"


def _cells(path: Path) -> dict:
    wb = load_workbook(path)
    out = {}
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                value = c.value.text if isinstance(c.value, ArrayFormula) else c.value
                out[(ws.title, c.coordinate)] = (value, c.number_format, c.font.color and
                                                  c.font.color.rgb, c.font.b)
    names = {n: dn.attr_text for n, dn in wb.defined_names.items()}
    return {"cells": out, "names": names, "sheets": wb.sheetnames,
            "freeze": [ws.freeze_panes for ws in wb]}


def test_committed_template_equals_generator(tmp_path: Path) -> None:
    fresh = build_template(tmp_path / "t.xlsx")
    assert _cells(fresh) == _cells(COMMITTED)
    assert fresh.read_bytes() == COMMITTED.read_bytes()  # deterministic, byte for byte


def test_udf_cells_and_native_cross_checks() -> None:
    wb = load_workbook(COMMITTED)
    ws = wb["Model"]
    assert ws["C6"].value.startswith("=CORRIDOR_KE(")
    assert ws["D6"].value == "=rf+beta*mrp+country_exposure*crp_single+lp_single"
    # the check compares only a number: an error or the classic add-in's text says so in words
    assert ws["E6"].value.startswith("=IF(ISERROR(C6),")
    assert "ABS(C6-D6)<=tol" in ws["E6"].value
    assert ws["C9"].value.startswith("=COMPLIANCE_COST(")
    assert ws["C12"].value.startswith("=DUAL_NPV(")
    assert ws["C13"].value.startswith("=DUAL_BREAKEVEN_COST(")
    assert ws["C14"].value.startswith("=DUAL_BREAKEVEN_KE(")
    assert ws["C16"].value.startswith("=LISTING_PATH(")
    grid = ws["C23"].value
    assert isinstance(grid, ArrayFormula) and grid.ref == "C23:I29"
    assert grid.text.startswith("=DUAL_NPV(")


def test_banker_formatting() -> None:
    wb = load_workbook(COMMITTED)
    inputs = wb["Inputs"]
    (sheet, ref), = wb.defined_names["rf"].destinations
    assert sheet == "Inputs"
    cell = inputs[ref.replace("$", "")]
    assert cell.font.color.rgb.endswith("0000FF") and cell.number_format == "0.00??%_);(0.00??%)"
    assert wb["Model"]["D6"].font.color.rgb.endswith("000000")
    assert wb["Model"]["H6"].font.color.rgb.endswith("008000")  # cross-sheet link
    assert wb["Model"].freeze_panes == "B6"
    assert wb.properties.category == "xl-corridor template"


def test_premia_grid_band_and_dimsum_udf_calls() -> None:
    from xl_corridor.workbook.template import EXTRA_ROWS, PREMIA_TOP

    ws = load_workbook(COMMITTED)["Model"]
    grid = ws[f"C{PREMIA_TOP}"].value
    assert isinstance(grid, ArrayFormula) and grid.ref == f"C{PREMIA_TOP}:I{PREMIA_TOP + 6}"
    # one call: DUAL_NPV over a CORRIDOR_KE grid (a row of country reductions against a
    # column of liquidity reductions)
    assert grid.text.startswith("=DUAL_NPV(cash_flows,CORRIDOR_KE(rf,beta,mrp,crp_single-")
    assert ws[f"C{EXTRA_ROWS['arb_band']}"].value.startswith("=DUAL_ARB_BAND(")
    assert ws[f"D{EXTRA_ROWS['arb_band']}"].value.startswith("=MIN(")
    assert ws[f"C{EXTRA_ROWS['dimsum_cost']}"].value.startswith("=DIMSUM_HEDGED_COST(")
    for row in EXTRA_ROWS.values():
        assert ws[f"E{row}"].value.startswith(("=IF(ISERROR(C", "=SUMPRODUCT(ABS("))
    # every check must be TRUE: words ("add-in not loaded") count as not passing
    assert ws["E19"].value.startswith("=AND(COUNTIF(E6:E18,TRUE)")
    # ... and the valuation block's (issue 15)
    assert ws["E19"].value.endswith(",COUNTIF(E72:E79,TRUE)=COUNTA(E72:E79))")


@pytest.mark.slow
def test_template_validates_with_udfs_registered() -> None:
    from xl_corridor.validate.validator import validate_workbook

    result = validate_workbook(COMMITTED, udfs=corridor_udfs)
    assert result.ok, [str(f) for f in result.failures][:5]


@pytest.mark.slow
def test_a_terminal_growth_typed_into_the_template_moves_every_line_with_the_engine(
        tmp_path: Path) -> None:
    # The Model's UDFs and native lines take the terminal value as the report and the engine
    # do; without it the template said DO NOT PROCEED where the engine says PROCEED.
    from openpyxl import load_workbook

    from xl_corridor.case import evaluate, load_case
    from xl_corridor.validate.validator import validate_workbook
    from xl_corridor.workbook.inputs import named_cells

    wb = load_workbook(COMMITTED)
    named_cells(wb, "terminal_growth")[0].value = 0.02
    path = tmp_path / "tv.xlsx"
    wb.save(path)
    result = validate_workbook(path, udfs=corridor_udfs, recalc=True)
    assert result.ok, [str(f) for f in result.failures][:5]
    ev = evaluate(load_case(path))
    plain = evaluate(load_case(COMMITTED))
    assert ev.delta_npv > plain.delta_npv + 50  # the terminal value counts (HKD m)


@pytest.mark.slow
def test_premia_udf_grid_equals_engine() -> None:
    """The formulas library's evaluation of the nested UDF array equals grid_premia."""
    import formulas
    import numpy as np

    from xl_corridor.case import analyze, load_case
    from xl_corridor.validate.validator import _register_udfs, _solution_cells
    from xl_corridor.workbook.template import PREMIA_TOP

    _register_udfs(corridor_udfs, {})
    cells = _solution_cells(formulas.ExcelModel().loads(str(COMMITTED)).finish().calculate())
    got = np.array([[float(np.asarray(cells[f"MODEL!{c}{PREMIA_TOP + i}"]).reshape(-1)[0])
                     for c in "CDEFGHI"] for i in range(7)])
    expected = np.array(analyze(load_case(COMMITTED)).premia_grid)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
