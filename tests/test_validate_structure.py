"""Structural validation against the hostile corpus (tests/hostile_corpus.py): a tampered
report is caught with exit 1 naming the part or cell; edited inputs stay valid."""

from __future__ import annotations

from pathlib import Path

import corridor_udfs
import pytest
from helpers import EXAMPLE
from hostile_corpus import REPORT_TAMPERS, rewrite_parts, sheet_part, sub, with_openpyxl

from xl_corridor.cli import main
from xl_corridor.validate.validator import validate_workbooks
from xl_corridor.workbook.report import build_report
from xl_corridor.workbook.template import build_template


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, soffice: str):
    d = tmp_path_factory.mktemp("corpus")
    pristine = build_report(EXAMPLE, d / "pristine.xlsx").path
    files = {name: how(pristine, d / f"{name}.xlsx")
             for name, (how, _) in REPORT_TAMPERS.items()}
    summary = sheet_part(pristine, "Summary")
    # forged cached value: readers that do not recalculate see Delta NPV 999 (no recalc flag
    # changed); and the same with fullCalcOnLoad removed
    files["forged_cache"] = rewrite_parts(pristine, d / "forged.xlsx", {
        summary: sub(r'(<c r="B8"[^>]*>(?:(?!</c>).)*?<v>)[^<]*', r"\g<1>999")})
    files["forged_cache_no_fullcalc"] = rewrite_parts(files["forged_cache"],
                                                       d / "forged2.xlsx", {
        "xl/workbook.xml": sub(r'\s*fullCalcOnLoad="1"', "")})
    files["pristine"] = pristine
    names = list(files)
    results = validate_workbooks([files[n] for n in names], udfs=corridor_udfs)
    return dict(zip(names, results, strict=True))


@pytest.mark.parametrize("name", sorted(REPORT_TAMPERS))
def test_tampered_report_is_caught_naming_the_cell_or_part(corpus, name: str) -> None:
    result = corpus[name]
    where = REPORT_TAMPERS[name][1]
    assert result.exit_code == 1, name
    assert any(f.cell.startswith(where) for f in result.failures), [
        str(f) for f in result.failures][:5]


@pytest.mark.parametrize("name", ["forged_cache", "forged_cache_no_fullcalc"])
def test_forged_cached_value_is_caught(corpus, name: str) -> None:
    result = corpus[name]
    assert result.exit_code == 1
    assert any(f.cell == "Summary!B8" and f.problem.startswith("cached value")
               and f.got == 999 for f in result.failures)


def test_pristine_report_is_valid(corpus) -> None:
    assert corpus["pristine"].exit_code == 0, corpus["pristine"].failures


@pytest.mark.slow  # evaluates the template with `formulas`
def test_template_tampering_and_editing(tmp_path: Path) -> None:
    pristine = build_template(tmp_path / "t.xlsx")
    edited = with_openpyxl(pristine, tmp_path / "edited.xlsx",
                           lambda wb: wb["Inputs"].__setitem__("B9", 0.05))  # rf
    hidden = with_openpyxl(pristine, tmp_path / "hidden.xlsx",
                           lambda wb: setattr(wb["Model"], "sheet_state", "hidden"))
    extra = with_openpyxl(pristine, tmp_path / "extra.xlsx", lambda wb: wb.create_sheet(
        "X").__setitem__("A1", '=WEBSERVICE("http://example.invalid")'))
    ok, hid, ext = validate_workbooks([edited, hidden, extra], udfs=corridor_udfs)
    assert ok.exit_code == 0, ok.failures
    assert hid.exit_code == 1 and any(f.cell == "Model" for f in hid.failures)
    assert ext.exit_code == 1 and any(f.cell == "X!A1" for f in ext.failures)


def test_cli_validate_prints_stale_and_tampered(tmp_path: Path, soffice: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    report = build_report(EXAMPLE, tmp_path / "r.xlsx").path
    edited = with_openpyxl(report, tmp_path / "edited.xlsx",
                           lambda wb: wb["Inputs"].__setitem__("B9", 0.05))
    assert main(["validate", str(edited)]) == 0
    out = capsys.readouterr().out
    assert "stale: " in out and f"re-run xl-corridor report {edited}" in out
    tampered = REPORT_TAMPERS["tol_huge"][0](report, tmp_path / "tol.xlsx")
    assert main(["validate", str(tampered)]) == 1
    err = capsys.readouterr().err
    assert f"{tampered}: Checks!B3: value or label differs" in err


def test_doctype_in_theme_and_external_link_case_are_refused(tmp_path: Path,
                                                             capsys) -> None:
    report = build_report(EXAMPLE, tmp_path / "r.xlsx").path
    doctype = rewrite_parts(report, tmp_path / "doctype.xlsx", {
        "xl/theme/theme1.xml": sub(r"^(<\?xml[^>]*\?>)?", r'\g<1><!DOCTYPE a [<!ENTITY e "x">]>')})
    assert main(["report", str(doctype), "--out", str(tmp_path / "o1.xlsx")]) == 2
    assert "document type" in capsys.readouterr().err
    link = REPORT_TAMPERS["external_link_part"][0](report, tmp_path / "link.xlsx")
    assert main(["report", str(link), "--out", str(tmp_path / "o2.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{link}: ") and "external" in err
    assert not (tmp_path / "o1.xlsx").exists() and not (tmp_path / "o2.xlsx").exists()
