"""The engine's discounting against a spreadsheet's own functions: LibreOffice Calc recalculates
NPV, XNPV, PV and SUMPRODUCT formulas written by openpyxl, and the engine must agree. This is the
independent check that our "end"/"mid"/"begin" and XNPV conventions are Excel's."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest
from helpers import XNPV_DATES, XNPV_VALUES

import xl_corridor as xc
from xl_corridor.validate.libreoffice import recalculate

RNG = np.random.default_rng(20261122)
CASES = [
    (0.10, [-10000.0, 3000.0, 4200.0, 6800.0]),  # Microsoft's NPV help example
    (0.08, [8000.0, 9200.0, 10000.0, 12000.0, 14500.0]),
    (0.135, list(np.round(RNG.normal(50, 80, 25), 4))),
    (-0.02, list(np.round(RNG.normal(0, 100, 12), 4))),
]
GROWING = [(6.0, 10, 0.12, 0.03), (6.0, 25, 0.09, 0.09), (4.5, 7, 0.11, 0.0)]


def _col(i: int) -> str:
    return openpyxl.utils.get_column_letter(i)


@pytest.fixture(scope="module")
def calc(tmp_path_factory, soffice):
    """Write the formulas, let LibreOffice recalculate them, return {label: value}."""
    folder = tmp_path_factory.mktemp("lo-semantics")
    wb = openpyxl.Workbook()
    ws = wb.active
    labels = {}
    row = 1
    for i, (rate, values) in enumerate(CASES):
        for j, v in enumerate(values):
            ws.cell(row=row, column=3 + j, value=v)
        span = f"C{row}:{_col(2 + len(values))}{row}"
        ws.cell(row=row, column=1, value=f"=NPV({rate},{span})")
        ws.cell(row=row + 1, column=1, value=f"=NPV({rate},{span})*(1+{rate})^0.5")
        ws.cell(row=row + 2, column=1, value=f"=NPV({rate},{span})*(1+{rate})")
        labels[f"npv-{i}"], labels[f"mid-{i}"], labels[f"begin-{i}"] = row, row + 1, row + 2
        row += 3
    for j, (d, v) in enumerate(zip(XNPV_DATES, XNPV_VALUES, strict=True)):
        ws.cell(row=row, column=3 + j, value=v)
        ws.cell(row=row + 1, column=3 + j, value=d)
    ws.cell(row=row, column=1, value=f"=XNPV(0.09,C{row}:G{row},C{row + 1}:G{row + 1})")
    labels["xnpv"] = row
    row += 2
    for i, (a, n, r, g) in enumerate(GROWING):
        # Explicit sum of the definition, term by term, in spreadsheet formulas.
        ws.cell(
            row=row,
            column=1,
            value=f"=SUMPRODUCT({a}*(1+{g})^(ROW($A$1:$A${n})-1)/(1+{r})^ROW($A$1:$A${n}))",
        )
        ws.cell(row=row + 1, column=1, value=f"=-PV({r},{n},{a})")
        labels[f"grow-{i}"], labels[f"pv-{i}"] = row, row + 1
        row += 2
    src = folder / "semantics.xlsx"
    wb.save(src)
    (out,) = recalculate([src], folder / "out")
    got = openpyxl.load_workbook(out, data_only=True).active
    return {label: got.cell(row=r, column=1).value for label, r in labels.items()}


@pytest.mark.parametrize("i", range(len(CASES)))
def test_npv_conventions_match_libreoffice(calc, i):
    rate, values = CASES[i]
    assert xc.npv(rate, values) == pytest.approx(calc[f"npv-{i}"], rel=1e-12, abs=1e-9)
    for timing in ("mid", "begin"):
        expected = calc[f"{timing}-{i}"]
        assert xc.npv(rate, values, timing=timing) == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_xnpv_matches_libreoffice(calc):
    assert calc["xnpv"] == pytest.approx(2086.65, abs=0.005)  # Microsoft's printed answer
    assert xc.xnpv(0.09, XNPV_VALUES, XNPV_DATES) == pytest.approx(calc["xnpv"], rel=1e-12)


@pytest.mark.parametrize("i", range(len(GROWING)))
def test_compliance_annuity_matches_spreadsheet_sum(calc, i):
    a, n, r, g = GROWING[i]
    assert xc.compliance_cost([a], n, r, g) == pytest.approx(calc[f"grow-{i}"], rel=1e-12)
    if g == 0:
        assert xc.compliance_cost([a], n, r) == pytest.approx(calc[f"pv-{i}"], rel=1e-12)
