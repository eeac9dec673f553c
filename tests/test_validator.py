"""Headless validation: LibreOffice recalculates reports (one process for the batch);
`formulas` evaluates the template with the UDFs registered. Tampering must be caught."""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from pathlib import Path

import corridor_udfs
import pytest
from helpers import EXAMPLE, edit_sheet

from xl_corridor.validate.validator import validate_workbook, validate_workbooks
from xl_corridor.workbook.report import build_report
from xl_corridor.workbook.template import build_template


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, soffice: str):
    d = tmp_path_factory.mktemp("v")
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    files = {"example": build_report(EXAMPLE, d / "example.xlsx").path}
    mid = dict(data, cash_flows=dict(data["cash_flows"], timing="mid"),
               compliance=dict(data["compliance"], growth=0.1, discount_rate=0.1))
    files["mid_g_eq_r"] = build_report(mid, d / "mid.xlsx").path
    dated = dict(data, cash_flows=dict(
        data["cash_flows"], dates=[dt.date(2025, 12, 31) + dt.timedelta(days=365 * i + i % 3)
                                   for i in range(12)]))
    files["dated"] = build_report(dated, d / "dated.xlsx").path
    # issue 12: terminal value on both sides, listing expenses switched on, first-year money,
    # an explicit tax rate and a baseline-only change: every new native formula recalculated
    terminal = dict(data, cash_flows=dict(data["cash_flows"], terminal_growth=0.01),
                    compliance=dict(data["compliance"], include_listing_expenses=True,
                                    cost_basis="first_year", tax_rate=0.165))
    files["terminal"] = build_report(terminal, d / "terminal.xlsx").path
    # changed input: rf 0.0425 -> 0.05 on the Inputs sheet (sheet2)
    files["input"] = shutil.copy(files["example"], d / "input.xlsx")
    edit_sheet(Path(files["input"]), "xl/worksheets/sheet2.xml",
                r'(<c r="B9"[^>]*><v>)0\.0425(</v>)', r"\g<1>0.05\g<2>")
    # tampered formula: Ke single drops the liquidity premium (Ke sheet is sheet3)
    files["formula"] = shutil.copy(files["example"], d / "formula.xlsx")
    edit_sheet(Path(files["formula"]), "xl/worksheets/sheet3.xml",
                r"<f>SUM\(B4:B7\)</f>", "<f>SUM(B4:B6)</f>")
    files["edited"] = shutil.copy(files["example"], d / "edited.xlsx")
    import openpyxl
    wb = openpyxl.load_workbook(files["edited"])
    wb["Inputs"]["B9"] = 0.05
    wb.save(files["edited"])
    names = list(files)
    results = validate_workbooks([files[n] for n in names], udfs=corridor_udfs)
    out = dict(zip(names, results, strict=True))
    built = ["example", "mid_g_eq_r", "dated", "terminal"]
    forced = validate_workbooks([files[n] for n in built], udfs=corridor_udfs, recalc=True)
    out.update({f"{n}/recalc": r for n, r in zip(built, forced, strict=True)})
    return out


@pytest.mark.parametrize("name", ["example", "mid_g_eq_r", "dated", "terminal"])
def test_libreoffice_recalculation_matches_engine(batch, name) -> None:
    # the builder's property the fast path relies on: LibreOffice computes the engine's values
    result = batch[f"{name}/recalc"]
    assert result.status == "valid", [str(f) for f in result.failures]
    assert result.method == "recalculated in LibreOffice"
    assert result.checked > 600  # every formula cell compared, cached and recalculated


@pytest.mark.parametrize("name", ["example", "mid_g_eq_r", "dated", "terminal"])
def test_cached_values_match_engine_without_libreoffice(batch, name) -> None:
    result = batch[name]
    assert result.status == "valid", [str(f) for f in result.failures]
    # dated included: the Summary caches the resolved compliance horizon (it once cached the
    # case's blank field, and every dated report went to LibreOffice)
    assert result.method == "cached values" and not result.notes
    assert result.checked > 300  # every engine-valued cell's cached value (1e-9 relative)
    assert batch[f"{name}/recalc"].checked == 2 * result.checked


def test_changed_input_with_stale_cached_values_is_caught(batch) -> None:
    # rf edited in the XML: the cached results a reader sees are those of the old rf
    result = batch["input"]
    assert result.exit_code == 1
    problems = {(f.cell, f.problem.split(" (")[0]) for f in result.failures}
    assert ("Ke!B8", "cached value") in problems  # Ke single, shown with the old rf
    assert any(n.startswith("stale:") for n in result.notes)


def test_input_edited_like_a_banker_is_valid_but_stale(batch) -> None:
    # openpyxl drops the cached values (as a banker's spreadsheet would recalculate them):
    # the edited report is what the builder writes for its inputs; its snapshot is stale
    result = batch["edited"]
    assert result.exit_code == 0, [str(f) for f in result.failures]
    assert result.method == "recalculated in LibreOffice"  # no cached values: LibreOffice
    assert any("re-run xl-corridor report" in n for n in result.notes)


def test_tampered_formula_is_caught_after_recalculation(batch) -> None:
    result = batch["formula"]
    assert result.exit_code == 1
    problems = {(f.cell, f.problem) for f in result.failures}
    assert ("Ke!B8", "formula differs from the one the builder writes") in problems
    # LibreOffice really recalculated (the stale cached value would have matched)
    assert ("Ke!B8", "recalculated value differs from the engine") in problems
    assert any(c.startswith("Summary!B8") for c, _ in problems)


def test_validator_receives_the_udf_module_and_never_imports_it(tmp_path: Path) -> None:
    # corridor_udfs imports the package; the validator importing it back would be a hidden loop.
    import ast

    import xl_corridor.validate as package

    for source in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        names = {a.name for n in imports for a in n.names}
        names |= {n.module for n in imports if isinstance(n, ast.ImportFrom) and n.module}
        assert "corridor_udfs" not in names, source.name
        assert "import_module" not in source.read_text(encoding="utf-8"), source.name
    from xl_corridor.workbook.template import build_template

    path = build_template(tmp_path / "t.xlsx")
    with pytest.raises(ValueError, match="pass udfs=corridor_udfs"):
        validate_workbook(path, recalc=True)  # evaluated: the functions are needed
    # no cached values and nothing forced: structure and the engine, no functions needed
    assert validate_workbook(path).method == "structure"


def test_unusable_inputs(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    assert validate_workbook(junk).exit_code == 2
    other = tmp_path / "other.xlsx"
    from openpyxl import Workbook
    Workbook().save(other)
    result = validate_workbook(other)
    assert result.exit_code == 2 and "not an xl-corridor" in result.message
    assert validate_workbook(tmp_path / "missing.xlsx").exit_code == 2


@pytest.mark.slow
def test_template_evaluates_with_registered_udfs(tmp_path: Path) -> None:
    path = build_template(tmp_path / "t.xlsx")
    result = validate_workbook(path, udfs=corridor_udfs)
    assert result.status == "valid", [str(f) for f in result.failures]
    assert result.kind == "template"


@pytest.mark.slow
def test_tampered_template_is_caught(tmp_path: Path) -> None:
    path = build_template(tmp_path / "t.xlsx")
    # Model is sheet2: the native Ke single forgets the liquidity premium
    edit_sheet(path, "xl/worksheets/sheet2.xml",
                r"<f>rf\+beta\*mrp\+country_exposure\*crp_single\+lp_single</f>",
                "<f>rf+beta*mrp+country_exposure*crp_single</f>")
    result = validate_workbook(path, udfs=corridor_udfs)
    assert result.exit_code == 1
    assert "Model!E6" in {f.cell for f in result.failures}


@pytest.mark.slow  # evaluates the template with `formulas`
def test_template_with_no_break_even_ke_is_valid_and_says_so(tmp_path: Path) -> None:
    # Cash flows that are all outflows: no lower Ke recovers the compliance cost, so
    # DUAL_BREAKEVEN_KE shows its message (#VALUE!) and the check cell says so in words.
    import openpyxl

    from xl_corridor.workbook.template import MODEL_ROWS, NO_BREAKEVEN_KE

    path = build_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    for row in wb["Inputs"]["B39:B68"]:
        for cell in row:
            if isinstance(cell.value, (int, float)):
                cell.value = -abs(cell.value)
    wb.save(path)
    result = validate_workbook(path, udfs=corridor_udfs)
    assert result.ok, result.failures
    check = f"=IF(ISERROR(C{MODEL_ROWS['breakeven_ke']})"
    assert str(wb["Model"][f"E{MODEL_ROWS['breakeven_ke']}"].value).startswith(check)
    assert NO_BREAKEVEN_KE in str(wb["Model"][f"E{MODEL_ROWS['breakeven_ke']}"].value)
