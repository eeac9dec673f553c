"""Audit of issue 16: a report tampered in its XML by someone who read the validator.

Forged cached values hidden where a naive XML reader does not look (tests/hostile_corpus.py,
CACHE_FORGERIES) and what a reader is shown changed without touching a value or a formula
(PRESENTATION_TAMPERS: conditional formats, validations, charts, text boxes, headers, hidden
rows, invisible text, rich text, orphan parts, defined names) must be named by cell or part in
the DEFAULT mode (structure + cached values, no LibreOffice), and exit 1 from the command line
within 10 s. A report re-saved by LibreOffice shows none of these findings.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers import EXAMPLE
from hostile_corpus import CACHE_FORGERIES, PRESENTATION_TAMPERS, sheet_part
from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from openpyxl.styles.differential import DifferentialStyle

from xl_corridor.cli import main
from xl_corridor.validate import structure
from xl_corridor.validate import validator as v
from xl_corridor.workbook.report import build_report

MAX_SECONDS = 10.0


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_report(EXAMPLE, tmp_path_factory.mktemp("audit") / "r.xlsx").path
    # the corpus edits the parts by name: Summary is the first sheet, Inputs the second
    assert sheet_part(path, "Summary") == "xl/worksheets/sheet1.xml"
    assert sheet_part(path, "Inputs") == "xl/worksheets/sheet2.xml"
    return path


class _Jobs(dict):  # type: ignore[type-arg]
    """Each audit case built and read on first use, as ``validate`` reads it by default
    (pre-flight, rebuild, structure, cached values; no LibreOffice)."""

    def __init__(self, report: Path, folder: Path) -> None:
        super().__init__()
        self.report, self.folder = report, folder

    def __missing__(self, name: str) -> v._Job:
        if name == "pristine":
            path = self.report
        else:
            build = {**CACHE_FORGERIES, **PRESENTATION_TAMPERS}[name][0]
            path = build(self.report, self.folder / f"{name}.xlsx")
        job = self[name] = v._read(path)
        return job


@pytest.fixture(scope="module")
def jobs(report: Path, tmp_path_factory: pytest.TempPathFactory) -> _Jobs:
    return _Jobs(report, tmp_path_factory.mktemp("cases"))


# A case of each kind of finding runs in the default tier (a rebuild costs about 0.3 s);
# every case runs in the slow tier.
_FAST = {"cell_without_r", "decision_format_swapped", "text_box_over_decision",
         "input_text_is_a_webservice_formula", "chart_range_redirected"}


def _cases(table: dict[str, object]) -> list[object]:
    return [n if n in _FAST else pytest.param(n, marks=pytest.mark.slow) for n in sorted(table)]


# openpyxl (the reader pandas uses) shows these forged values; a cell written twice or holding
# two values shows the original there (the last cell, the first value), so another reader may
# show the forgery: no schema-valid file holds either (Excel repairs it)
_READERS_SEE_FORGERY = set(CACHE_FORGERIES) - {"cell_written_twice", "two_cached_values"}


@pytest.mark.parametrize("name", _cases(CACHE_FORGERIES))
def test_forged_cached_value_is_named_by_cell(jobs: _Jobs, name: str) -> None:
    cell = CACHE_FORGERIES[name][1]
    job = jobs[name]
    if name in _READERS_SEE_FORGERY:  # the forgery is what a reader sees
        sheet, ref = cell.split("!")
        shown = load_workbook(job.path, data_only=True, read_only=True)[sheet][ref].value
        assert shown != jobs["pristine"].cached[sheet][ref]
    assert not job.problem
    named = [f for f in job.failures if f.cell == cell]
    assert named, [str(f) for f in job.failures[:5]]
    assert named[0].problem.startswith(("cached value", "cell holds several",
                                        "cell appears twice")), named[0]


@pytest.mark.parametrize("name", _cases(PRESENTATION_TAMPERS))
def test_presentation_tamper_is_named(jobs: _Jobs, name: str) -> None:
    where = PRESENTATION_TAMPERS[name][1]
    job = jobs[name]
    assert not job.problem
    assert any(f.cell.startswith(where) for f in job.failures), [
        str(f) for f in job.failures[:5]]
    assert not any(" object at 0x" in str(f) for f in job.failures)  # said, not repr'd
    # content LibreOffice must not open is answered without it, even with --recalc
    foreign = any(f.problem.startswith(v._FOREIGN) for f in job.failures)
    assert v._needs_recalc(job, recalc=True) is not foreign


def test_pristine_report_has_no_finding(jobs: _Jobs) -> None:
    job = jobs["pristine"]
    assert not job.problem and not job.failures, job.failures[:5]


def test_foreign_content_is_answered_without_libreoffice(report: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # a text box over the decision, with --recalc: exit 1 from structure; LibreOffice is never
    # handed the file
    def never(*args: object) -> None:
        raise AssertionError("LibreOffice was asked to open a file with foreign content")

    monkeypatch.setattr(v._lo.Session, "start", lambda self: None)  # no warm-up either
    monkeypatch.setattr(v, "_recalculate_reports", never)
    bad = PRESENTATION_TAMPERS["text_box_over_decision"][0](report, tmp_path / "box.xlsx")
    result = v.validate_workbook(bad, recalc=True)
    assert result.exit_code == 1 and result.method == "cached values"


def test_a_differential_fill_is_its_colour_however_written() -> None:
    # ECMA-376 18.8.32: a conditional format's fill paints bgColor; openpyxl writes a solid
    # pattern with fgColor, LibreOffice a pattern with bgColor and no type: the same fill
    ours = DifferentialStyle(fill=PatternFill("solid", fgColor="00C6EFCE", bgColor="00C6EFCE"))
    libre = DifferentialStyle(fill=PatternFill(bgColor="FFC6EFCE"))
    other = DifferentialStyle(fill=PatternFill(bgColor="FFFFC7CE"))
    assert structure._dxf(ours) == structure._dxf(libre) != structure._dxf(other)


def test_rule_formulas_keep_their_text_literals() -> None:
    # spaces and $ outside quotes are layout; inside quotes they are the text compared
    assert structure._rule_formula('LEFT($B$7, 14)="DO NOT PROCEED"') == structure._rule_formula(
        'left(B7,14)="DO NOT PROCEED"')
    assert structure._rule_formula('LEFT(B7,14)="DO NOT PROCEED"') != structure._rule_formula(
        'LEFT(B7,14)="DONOTPROCEED"')


@pytest.mark.slow  # every case through the command line; some fall back to LibreOffice
def test_every_audit_case_exits_1_naming_the_cell(report: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for table in (CACHE_FORGERIES, PRESENTATION_TAMPERS):
        for name, (build, where) in table.items():
            bad = build(report, tmp_path / f"{name}.xlsx")
            start = time.monotonic()
            assert main(["validate", str(bad)]) == 1, name
            assert time.monotonic() - start < MAX_SECONDS, name
            err = capsys.readouterr().err
            assert "Traceback" not in err and "Warning" not in err, err[-500:]
            assert any(line.startswith(f"{bad}: {where}") for line in err.splitlines()), (
                name, err[:500])


@pytest.mark.slow
def test_forged_cached_values_are_named_with_recalc_too(report: Path, tmp_path: Path) -> None:
    files = [build(report, tmp_path / f"{name}.xlsx")
             for name, (build, _) in sorted(CACHE_FORGERIES.items())]
    results = v.validate_workbooks(files, recalc=True)
    for (name, (_, cell)), result in zip(sorted(CACHE_FORGERIES.items()), results,
                                         strict=True):
        assert result.exit_code == 1, name
        assert result.method == "recalculated in LibreOffice"
        assert any(f.cell == cell for f in result.failures), (name, result.failures[:3])


_NEW_FINDINGS = ("conditional formats", "data validations", "chart", "printed header",
                 "text made invisible", "rich text", "sheet hides zero", "hidden rows",
                 "hidden columns", "shape, picture", "worksheet part", "cell appears twice",
                 "cell holds several", "defined name for a sheet")


@pytest.mark.slow
def test_a_report_resaved_by_libreoffice_shows_none_of_these(report: Path, tmp_path: Path,
                                                             soffice: str) -> None:
    # the presentation checks must not mistake how LibreOffice writes the same workbook
    # (dxf fills with bgColor, no stopIfTrue, list validations with a formula2, chart caches)
    # for tampering
    import subprocess

    out = tmp_path / "lo"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
                    str(out), str(report)], check=True, capture_output=True, timeout=120)
    job = v._read(out / report.name)
    assert not job.problem
    assert not [f for f in job.failures if f.problem.startswith(_NEW_FINDINGS)], [
        str(f) for f in job.failures if f.problem.startswith(_NEW_FINDINGS)][:5]
