"""The corridor report validates like the listing report (issue 14): it reads its own inputs
back, is rebuilt and compared cell by cell, and LibreOffice's recalculation must equal the
engine. Tampering is caught; an edited input is valid with a stale Monte Carlo."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import corridor_udfs
import pytest
from helpers import edit_sheet

from xl_corridor.corridor_case import load_corridor_case
from xl_corridor.workbook.corridor_inputs import corridor_case_dict, corridor_input_cells
from xl_corridor.workbook.corridor_report import build_corridor_report, plan_corridor_report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "examples" / "corridor_kz_copper.toml"



def test_inputs_read_back_give_the_case_file() -> None:
    # The independent source is the TOML file itself: the workbook's inputs read back must
    # validate to the same case (defaults stay defaults, sources and simulation survive).
    case = load_corridor_case(EXAMPLE)
    book = plan_corridor_report(case)
    back = load_corridor_case(corridor_case_dict("book", book.wb), label="book")
    assert back.model_dump(exclude={"sources"}) == case.model_dump(exclude={"sources"})
    assert dict(back.sources) == {
        k: v for k, v in case.sources.items() if k not in ("operating_cf", "volume")}
    cells = corridor_input_cells(book.wb)
    assert "Inputs!B" + book.wb.defined_names["CORR_PD"].attr_text.split("$")[-1] in cells
    assert "MonteCarlo!B5" in cells and "MonteCarlo!A21" not in cells  # names are structure
    assert not cells & book.snapshot


def test_workbook_label_in_rejected_inputs() -> None:
    from xl_corridor.case import CaseError

    wb = plan_corridor_report(load_corridor_case(EXAMPLE)).wb
    dest = wb.defined_names["CORR_PD"].attr_text.split("!")[1].replace("$", "")
    wb["Inputs"][dest] = "high"
    with pytest.raises(CaseError, match=r"^r\.xlsx: senior\.pd: "):
        load_corridor_case(corridor_case_dict("r.xlsx", wb), label="r.xlsx")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, soffice: str):
    from openpyxl import load_workbook

    from xl_corridor.validate.validator import validate_workbooks

    d = tmp_path_factory.mktemp("cv")
    example = build_corridor_report(EXAMPLE, d / "example.xlsx")
    book = plan_corridor_report(load_corridor_case(EXAMPLE))
    ce_row = book.model_rows["ce"]
    files = {"example": example}
    # tampered formula: C_e no longer divides by the investment (Model is sheet4)
    files["formula"] = Path(shutil.copy(example, d / "formula.xlsx"))
    edit_sheet(files["formula"], "xl/worksheets/sheet4.xml",
                rf'(<c r="B{ce_row}"[^>]*><f>)B(\d+)/CORR_INVESTMENT(</f>)',
                r"\g<1>B\g<2>/CORR_INVESTMENT*2\g<3>")
    # an input edited like a banker does (openpyxl drops the cached values on save)
    files["edited"] = Path(shutil.copy(example, d / "edited.xlsx"))
    wb = load_workbook(files["edited"])
    dest = wb.defined_names["CORR_PD"].attr_text.split("!")[1].replace("$", "")
    wb["Inputs"][dest] = 0.045
    wb.save(files["edited"])
    names = list(files)
    results = validate_workbooks([files[n] for n in names], udfs=corridor_udfs)
    out = dict(zip(names, results, strict=True))
    out["ce_row"] = ce_row  # type: ignore[assignment]
    out["files"] = files  # type: ignore[assignment]
    return out


def test_example_report_validates(results) -> None:
    r = results["example"]
    assert r.status == "valid" and r.exit_code == 0, [str(f) for f in r.failures]
    assert r.kind == "corridor report"
    # every engine-valued cell's cached value compared with the engine; no LibreOffice needed
    assert r.checked > 1000 and r.method == "cached values"
    assert not r.notes  # inputs unchanged: the Monte Carlo is current


def test_tampered_formula_fails_naming_the_cell(results) -> None:
    r = results["formula"]
    assert r.exit_code == 1
    cell = f"Model!B{results['ce_row']}"
    problems = {(f.cell, f.problem) for f in r.failures}
    assert (cell, "formula differs from the one the builder writes") in problems
    # LibreOffice really recalculated: the doubled C_e differs from the engine's
    assert (cell, "recalculated value differs from the engine") in problems


def test_edited_input_is_valid_and_stale(results) -> None:
    r = results["edited"]
    assert r.exit_code == 0, [str(f) for f in r.failures]
    assert any(n.startswith("stale:") for n in r.notes)


def test_cli_validate_exit_codes(results, capsys) -> None:
    from xl_corridor.cli import main

    assert main(["validate", str(results["files"]["example"])]) == 0
    assert "valid corridor report" in capsys.readouterr().out
    assert main(["validate", str(results["files"]["formula"])]) == 1
    assert f"Model!B{results['ce_row']}" in capsys.readouterr().err


@pytest.mark.slow
def test_template_corridor_sheet_evaluated_by_the_validator(tmp_path, monkeypatch) -> None:
    # The template's corridor sheet, an input edited (pd 0.03 -> 0.045): every CORRIDOR_
    # function cell must equal a direct engine call for the edited inputs (the engine is run
    # here on the case read back, independently of the `formulas` evaluation).
    import corridor_udfs
    from openpyxl import load_workbook

    from xl_corridor.validate.validator import validate_workbook
    from xl_corridor.workbook.corridor_report import (
        CORRIDOR_SHEET,
        corridor_sheet_case,
        corridor_sheet_layout,
    )
    from xl_corridor.workbook.template import build_template

    path = build_template(tmp_path / "t.xlsx")
    wb = load_workbook(path)
    case = corridor_sheet_case(wb)
    layout = corridor_sheet_layout(case)
    wb[CORRIDOR_SHEET][f"B{layout['inputs']['pd']}"] = 0.045
    wb.save(path)
    assert corridor_sheet_case(load_workbook(path)).senior.pd == 0.045
    result = validate_workbook(path, udfs=corridor_udfs, recalc=True)
    assert result.status == "valid", [str(f) for f in result.failures]
    assert result.method == "evaluated with formulas"
    # without --recalc a template with no cached values is checked by structure and engine
    fast = validate_workbook(path, udfs=corridor_udfs)
    assert fast.status == "valid" and fast.method == "structure"

    # a CORRIDOR_CE that is off by 1bp is caught in its cell and by the native cross-check
    # (a property of the function's code, not of the file: only the evaluation sees it)
    real = corridor_udfs.CORRIDOR_CE
    monkeypatch.setattr(corridor_udfs, "CORRIDOR_CE", lambda *a: real(*a) + 1e-4)
    bad = validate_workbook(path, udfs=corridor_udfs, recalc=True)
    row = layout["model"]["ce"]
    cells = {(f.cell, f.problem) for f in bad.failures}
    assert bad.exit_code == 1
    assert (f"Corridor!C{row}", "differs from a direct engine call") in cells
    assert (f"Corridor!E{row}", "cross-check does not hold") in cells


# Pages of the example report printed by LibreOffice (A4, looked at page by page): Summary 1,
# Inputs 1, CashFlows 1, Model 3 (landscape, three pages wide),
# Breakevens 1, Sensitivity 1, MonteCarlo 1, Checks 1.
EXAMPLE_PAGES = 10


def test_report_renders_to_pdf_with_no_error_cells(tmp_path, soffice) -> None:
    import subprocess

    from openpyxl import load_workbook

    from xl_corridor.validate.libreoffice import recalculate

    built = build_corridor_report(EXAMPLE, tmp_path / "corridor.xlsx")
    out = tmp_path / "pdf"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(out), str(built)], check=True,
                   capture_output=True, timeout=300)
    pdf = (out / "corridor.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == EXAMPLE_PAGES
    recalculated = recalculate([built], tmp_path / "lo")[0]
    wb = load_workbook(recalculated, data_only=True)
    errors = [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb for row in ws.iter_rows()
              for c in row if isinstance(c.value, str) and c.value.startswith("#")]
    assert errors == []
    assert wb["Checks"]["G5"].value == "OK"
