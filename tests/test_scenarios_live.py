"""Named scenarios, live (issue 15): the switch set in a report recalculated by LibreOffice, and
in the template evaluated with the add-in's functions (the ``formulas`` library).

Expected values: the engine's evaluation of ``case.scenario(NAME)``, which
``tests/test_scenarios.py`` ties to a case file written by hand with the scenario's values.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import corridor_udfs
import numpy as np
import pytest
from helpers import EXAMPLE
from openpyxl import load_workbook

from xl_corridor.case import evaluate, load_case
from xl_corridor.validate.libreoffice import recalculate
from xl_corridor.validate.validator import validate_workbook
from xl_corridor.workbook.inputs import named_cells
from xl_corridor.workbook.report import build_report

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbooks" / "corridor_template.xlsx"


def _case_dict() -> dict:
    """The example with a fourth scenario that moves a Ke input (the compliance rate follows Ke
    dual; Ke single moves too) and scales the cash flows and the compliance line items."""
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    data["parity"]["csv"] = str(ROOT / "workbooks" / "examples" / "parity_sample.csv")
    # (not beta: the tornado moves beta and the MRP by the same share, so their swings tie to
    # the last bit and the rank of a tie may differ between LibreOffice and the engine)
    data["scenarios"]["stress"] = {"description": "Rf 4.75%, premium cut 90 bp, prices -10%, "
                                   "compliance +50%", "market": {"rf": 0.0475},
                                   "premia": {"lp_dual": 0.016}, "cash_flow_scale": 0.9,
                                   "compliance_scale": 1.5}
    return data


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict:
    """The report built in base, then: switched to low; switched to stress; an input edited."""
    d = tmp_path_factory.mktemp("scen_live")
    case = load_case(_case_dict())
    src = build_report(case, d / "report.xlsx").path
    edits = {"low": {"scenario": "low"}, "stress": {"scenario": "stress"},
             "edited": {"lp_single": 0.026}}
    paths = []
    for name, edit in edits.items():
        wb = load_workbook(src)
        for cell_name, value in edit.items():
            named_cells(wb, cell_name)[0].value = value
        path = d / f"{name}.xlsx"
        wb.save(path)
        paths.append(path)
    out = recalculate(paths, d / "out")
    return {"case": case, "src": src, "files": dict(zip(edits, paths, strict=True)),
            "recalculated": {n: load_workbook(p, data_only=True)
                             for n, p in zip(edits, out, strict=True)}}


@pytest.mark.parametrize("name", ["low", "stress"])
def test_the_switch_drives_every_live_number(live: dict, name: str) -> None:
    wb = live["recalculated"][name]
    ev = evaluate(live["case"].scenario(name))

    def shown(n: str) -> object:
        return named_cells(wb, n)[0].value

    for n in ("delta_npv", "breakeven_ke", "breakeven_cost", "ke_dual", "compliance_cost",
              "pv_single", "pv_dual"):
        assert shown(n) == pytest.approx(getattr(ev, n), rel=1e-9, abs=1e-9), n
    assert shown("decision") == ev.decision
    # the live row of the comparison equals that scenario's snapshot row
    ws = wb["Scenarios"]
    col_a = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    live_row = next(r for r, v in enumerate(col_a, 1) if str(v).startswith("In use (live)"))
    snap_row = col_a.index(name) + 1
    for c in range(2, 8):
        got, want = ws.cell(row=live_row, column=c).value, ws.cell(row=snap_row, column=c).value
        assert got == (pytest.approx(want, rel=1e-9) if isinstance(want, float) else want)
    assert ws.cell(row=live_row, column=3).value == pytest.approx(ev.delta_npv, rel=1e-9)
    assert ws.cell(row=live_row, column=8).value == "equals its snapshot row"
    # the snapshots of the build's scenario (base) say so; the comparison's stay current
    assert shown("inputs_edited") is True and shown("scenarios_edited") is False
    assert str(shown("checks_status")).startswith("STALE")
    assert str(wb["MonteCarlo"]["A3"].value).startswith("STALE")


def test_an_edited_input_makes_the_comparison_stale(live: dict) -> None:
    wb = live["recalculated"]["edited"]
    ws = wb["Scenarios"]
    assert named_cells(wb, "scenarios_edited")[0].value is True
    statuses = [ws.cell(row=r, column=8).value for r in range(1, ws.max_row + 1)]
    assert sum(str(s).startswith("STALE") for s in statuses) == 4  # base, low, high, stress
    assert "snapshot rows stale: not compared" in statuses
    # the live model follows the edit: the engine on the edited inputs, read back from the file
    ev = evaluate(load_case(live["files"]["edited"]))
    assert named_cells(wb, "delta_npv")[0].value == pytest.approx(ev.delta_npv, rel=1e-9)


def test_validate_a_switched_report_and_a_tampered_one(live: dict, tmp_path: Path) -> None:
    result = validate_workbook(live["files"]["stress"])
    assert result.exit_code == 0, [str(f) for f in result.failures][:5]
    assert any(n.startswith("stale:") for n in result.notes)
    tampered = tmp_path / "tampered.xlsx"
    shutil.copy(live["src"], tampered)
    wb = load_workbook(tampered)
    in_use = named_cells(wb, "lp_dual_in_use")[0]
    in_use.value = "=D8"  # the in-use cell pinned to the low column
    wb.save(tampered)
    bad = validate_workbook(tampered)
    assert bad.exit_code == 1
    assert any(f.cell == f"Scenarios!{in_use.coordinate}" for f in bad.failures), \
        [str(f) for f in bad.failures][:3]


@pytest.mark.slow
def test_the_template_switch_drives_the_add_in_functions(tmp_path: Path) -> None:
    import formulas

    from xl_corridor.validate.validator import _register_udfs, _solution_cells
    from xl_corridor.workbook.template import MODEL_ROWS

    wb = load_workbook(TEMPLATE)
    switch = named_cells(wb, "scenario")[0]
    assert (switch.parent.title, switch.coordinate) == ("Model", "H3")
    switch.value = "low"
    path = tmp_path / "low.xlsx"
    wb.save(path)
    _register_udfs(corridor_udfs, {})
    cells = _solution_cells(formulas.ExcelModel().loads(str(path)).finish().calculate())

    def v(ref: str) -> object:
        return np.asarray(cells[f"MODEL!{ref}"]).reshape(-1)[0]

    ev = evaluate(load_case(TEMPLATE).scenario("low"))
    r = MODEL_ROWS
    assert v(f"C{r['delta_npv']}") == pytest.approx(ev.delta_npv, rel=1e-9)
    assert v(f"D{r['delta_npv']}") == pytest.approx(ev.delta_npv, rel=1e-9)  # native
    assert v(f"C{r['breakeven_ke']}") == pytest.approx(ev.breakeven_ke, rel=1e-9)
    assert v(f"C{r['decision']}") == ev.decision == "DO NOT PROCEED"
    assert v("E19") is True or v("E19") == True  # noqa: E712  (numpy bool) every check
    ws = wb["Model"]
    col_a = [ws.cell(row=i, column=1).value for i in range(1, ws.max_row + 1)]
    dn = col_a.index("Delta NPV", r["delta_npv"]) + 1  # the comparison's row
    base = evaluate(load_case(TEMPLATE).scenario("base")).delta_npv
    high = evaluate(load_case(TEMPLATE).scenario("high")).delta_npv
    assert [v(f"{c}{dn}") for c in "CDE"] == pytest.approx([base, ev.delta_npv, high],
                                                           rel=1e-9)
    checks = [v(f"G{i}") for i in range(dn - 3, dn + 5)]
    assert all(c is True or c == True for c in checks), checks  # noqa: E712


@pytest.mark.slow
def test_a_template_with_scales_reads_scaled_inputs(tmp_path: Path) -> None:
    """Built in the stress scenario (cash flows x 0.9, line items x 1.5): the Model's functions
    read the scaled copies, each comparison column its own scenario."""
    import formulas

    from xl_corridor.validate.validator import _register_udfs, _solution_cells
    from xl_corridor.workbook.marks import TEMPLATE_KIND
    from xl_corridor.workbook.save import save_workbook
    from xl_corridor.workbook.template import MODEL_ROWS, template_workbook

    data = _case_dict()
    data["scenarios"]["active"] = "stress"
    case = load_case(data)
    path = save_workbook(template_workbook(case), tmp_path / "t.xlsx", kind=TEMPLATE_KIND)
    _register_udfs(corridor_udfs, {})
    cells = _solution_cells(formulas.ExcelModel().loads(str(path)).finish().calculate())

    def v(ref: str) -> object:
        return np.asarray(cells[f"MODEL!{ref}"]).reshape(-1)[0]

    ev = evaluate(case.scenario("stress"))
    r = MODEL_ROWS
    assert v(f"C{r['delta_npv']}") == pytest.approx(ev.delta_npv, rel=1e-9)
    assert v(f"C{r['compliance_cost']}") == pytest.approx(ev.compliance_cost, rel=1e-9)
    ws = load_workbook(path)["Model"]
    col_a = [ws.cell(row=i, column=1).value for i in range(1, ws.max_row + 1)]
    dn = col_a.index("Delta NPV", r["delta_npv"]) + 1
    expected = [evaluate(case.scenario(n)).delta_npv for n in case.scenarios.names]
    assert [v(f"{c}{dn}") for c in "CDEF"] == pytest.approx(expected, rel=1e-9)
