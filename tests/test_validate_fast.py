"""The default validation path (no LibreOffice): cached values read from the sheet XML, the
decision to fall back to LibreOffice, and the workbook settings only a recalculation would
otherwise reveal."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLE, edit_sheet
from openpyxl import load_workbook

from xl_corridor.validate import structure
from xl_corridor.validate import validator as v
from xl_corridor.workbook.report import build_report


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(EXAMPLE, tmp_path_factory.mktemp("fast") / "r.xlsx").path


def _edit(src: Path, dst: Path, part: str, pattern: str, repl: str) -> Path:
    shutil.copyfile(src, dst)
    edit_sheet(dst, part, pattern, repl)
    return dst


def test_cached_values_from_xml_equal_openpyxl_data_only(report: Path) -> None:
    # the independent reader: openpyxl's own data_only load of the same file
    ours = structure.cached_values(report.read_bytes())
    formulas = load_workbook(report)
    values = load_workbook(report, data_only=True)
    compared = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if not (isinstance(c.value, str) and c.value.startswith("=")):
                    continue
                want = values[ws.title][c.coordinate].value
                if isinstance(want, dt.datetime):
                    from openpyxl.utils.datetime import to_excel
                    want = float(to_excel(want))
                got = ours[ws.title].get(c.coordinate)
                if want is None:
                    assert got in (None, ""), (ws.title, c.coordinate, got)
                    continue
                compared += 1
                assert got == want, (ws.title, c.coordinate, got, want)
    assert compared > 1000


def test_a_report_as_written_needs_no_libreoffice(report: Path) -> None:
    job = v._read(report)
    assert not job.problem and not job.failures and job.missing == 0
    assert not v._needs_recalc(job, recalc=False)
    assert v._needs_recalc(job, recalc=True)
    assert job.checked > 1000


def test_a_dated_report_as_written_needs_no_libreoffice(tmp_path: Path) -> None:
    # every engine-valued cell carries a cached value for dated flows too (the Summary's
    # compliance horizon was once cached as the case's blank field, forcing a recalculation)
    import tomllib

    from xl_corridor.case import load_case

    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    data.pop("simulation", None)
    origin = data["deal"]["valuation_date"]
    data["cash_flows"]["dates"] = [origin.replace(year=origin.year + i + 1)
                                   for i in range(len(data["cash_flows"]["values"]))]
    path = build_report(load_case(data), tmp_path / "dated.xlsx").path
    job = v._read(path)
    assert not job.problem and not job.failures and job.missing == 0


def test_a_report_saved_by_openpyxl_falls_back(report: Path, tmp_path: Path) -> None:
    wb = load_workbook(report)
    wb.save(tmp_path / "plain.xlsx")  # openpyxl drops every cached value
    job = v._read(tmp_path / "plain.xlsx")
    assert job.missing and job.missing > 1000 and job.checked == 0
    assert v._needs_recalc(job, recalc=False)


def test_one_missing_cached_value_falls_back(report: Path, tmp_path: Path) -> None:
    # Ke!B8 (Ke single) loses its cached value: its <v> emptied
    bad = _edit(report, tmp_path / "one.xlsx", "xl/worksheets/sheet3.xml",
                r'(<c r="B8"[^>]*><f>[^<]*</f><v>)[^<]*(</v>)', r"\g<1>\g<2>")
    job = v._read(bad)
    assert job.missing == 1 and not job.failures
    assert v._needs_recalc(job, recalc=False)


def test_forged_cached_value_is_caught_without_libreoffice(report: Path, tmp_path: Path) -> None:
    bad = _edit(report, tmp_path / "forged.xlsx", "xl/worksheets/sheet1.xml",
                r'(<c r="B8"[^>]*><f>[^<]*</f><v>)[^<]*(</v>)', r"\g<1>99\g<2>")
    job = v._read(bad)
    assert [(f.cell, f.got) for f in job.failures] == [("Summary!B8", 99.0)]


@pytest.mark.parametrize(("attr", "problem"), [
    ('<calcPr calcId="124519" fullCalcOnLoad="1" fullPrecision="0" />',
     "calculation setting changed"),
    ('<workbookPr date1904="1" />', "date system changed"),
])
def test_settings_only_a_recalculation_would_show_are_structural(report: Path, tmp_path: Path,
                                                                 attr: str, problem: str) -> None:
    # "precision as displayed" leaves formulas and cached values alone but makes Excel (and
    # LibreOffice) round every value to its format; the 1904 date system shifts every date
    pattern = r"<calcPr [^>]*/>" if "calcPr" in attr else r"<workbookPr />"
    bad = _edit(report, tmp_path / "setting.xlsx", "xl/workbook.xml", pattern, attr)
    job = v._read(bad)
    assert any(f.cell == "xl/workbook.xml" and f.problem.startswith(problem)
               for f in job.failures), [str(f) for f in job.failures[:3]]


def test_a_report_with_foreign_content_is_refused_without_libreoffice(report: Path,
                                                                      tmp_path: Path) -> None:
    # an external link to a FIFO (hostile corpus): failed by structure, and never handed to
    # LibreOffice (which would open the link's target), so it cannot stall validation
    from hostile_corpus import TEMPLATE_TAMPERS_EXIT1

    build, part = TEMPLATE_TAMPERS_EXIT1["external_ref_to_fifo"]
    bad = build(report, tmp_path / "fifo.xlsx")
    result = v.validate_workbook(bad)
    assert result.exit_code == 1 and result.method == "cached values"
    assert any(f.cell == part for f in result.failures)
    assert not v._needs_recalc(v._read(bad), recalc=False)


def test_booleans_as_libreoffice_saves_them_read_back(report: Path, tmp_path: Path) -> None:
    # LibreOffice 7.4 saves a TRUE/FALSE typed into a cell as the formula =TRUE() / =FALSE()
    # (seen in a report edited and saved there); the inputs were then "not a valid boolean"
    from xl_corridor.workbook.inputs import named_cells

    wb = load_workbook(report)
    named_cells(wb, "dfs_complete")[0].value = "=TRUE()"
    for cell in named_cells(wb, "comp_incremental"):
        if isinstance(cell.value, bool):
            cell.value = f"={str(cell.value).upper()}()"
    path = tmp_path / "lo_booleans.xlsx"
    wb.save(path)
    job = v._read(path)
    assert not job.problem
    assert not [f for f in job.failures if f.problem == "inputs rejected"], job.failures
    assert not [f for f in job.failures if f.cell.startswith("Inputs!")], job.failures


def test_a_garbled_inputs_hash_does_not_excuse_a_forged_snapshot(report: Path,
                                                                 tmp_path: Path) -> None:
    # Stale is the workbook's own test (its at-build stamps against the inputs now), not the
    # hash in docProps/custom.xml alone: with the hash garbled and the inputs untouched, the
    # Monte Carlo's stored P(Delta NPV > 0) is still compared, and a forged one is named.
    garbled = tmp_path / "garbled.xlsx"
    _edit(report, garbled, "docProps/custom.xml",
          r'(name="xl-corridor-inputs-sha256"[^>]*><vt:lpwstr>)[0-9a-f]{8}', r"\g<1>00000000")
    clean = v._read(garbled)
    assert not clean.failures and not clean.notes  # nothing was edited: not stale
    forged = _edit(garbled, tmp_path / "forged.xlsx", "xl/worksheets/sheet10.xml",
                   r'(<c r="B5"[^>]*><v>)[^<]+', r"\g<1>0.97")
    job = v._read(forged)
    assert "MonteCarlo!B5" in {f.cell for f in job.failures}, job.failures[:3]
    assert not job.notes


def test_a_formula_typed_into_a_number_input_is_named_by_its_cell(report: Path,
                                                                   tmp_path: Path) -> None:
    # The case reader rejects it by field (market.rf); the validator also says which cell holds
    # the formula, as it does for a formula in a text input. The live default formula of the
    # compliance rate (Inputs, "default: Ke dual") is not listed.
    from xl_corridor.workbook.inputs import named_cells

    wb = load_workbook(report)
    rf = named_cells(wb, "rf")[0]
    rf.value = "=0.04+0.0025"
    path = tmp_path / "rf_formula.xlsx"
    wb.save(path)
    result = v.validate_workbook(path)
    assert result.exit_code == 1
    named = {f.cell: f for f in result.failures if f.problem.startswith("formula in an input")}
    assert list(named) == [f"Inputs!{rf.coordinate}"], result.failures
    assert any("market.rf" in str(f.got) for f in result.failures)


def test_forged_stamps_cannot_show_stored_results_as_current(report: Path,
                                                             tmp_path: Path) -> None:
    # A forger who makes the report look edited (rf's at-build stamp and the inputs hash
    # changed) has its stored results skipped, but what a reader who does not recalculate is
    # shown must then say STALE: the labels kept at their "current" text are named.
    looks_edited = _edit(report, tmp_path / "h.xlsx", "docProps/custom.xml",
                         r'(name="xl-corridor-inputs-sha256"[^>]*><vt:lpwstr>)[0-9a-f]{8}',
                         r"\g<1>00000000")
    forged = _edit(looks_edited, tmp_path / "forged.xlsx", "xl/worksheets/sheet14.xml",
                   r'(<c r="C50"[^>]*><v>)0.0425<', r"\g<1>0.04<")  # Checks: rf at build
    job = v._read(forged)
    assert job.notes and job.notes[0].startswith("stale")
    named = {f.cell for f in job.failures if f.problem.startswith("shows the stored results")}
    assert {"Summary!D24", "MonteCarlo!A3"} <= named, job.failures[:5]
