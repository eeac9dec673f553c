"""A workbook re-saved by LibreOffice spells the same formulas, number formats and defined names
differently; ``validate`` judges what they mean, not how they are spelled.

The spellings below are what LibreOffice 7.4.7 wrote when it re-saved the example report
(observed, 2026-11-23): sheet quotes dropped from defined names, literal characters of number
formats escaped with a backslash, ``1E-12`` written out, ``FALSE`` as ``FALSE()``, ``1.0`` as
``1``. Which format characters are literal comes from Microsoft's "Number format codes" page.
The slow tests at the end let LibreOffice itself do the re-saving.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLE
from hostile_corpus import rewrite_parts
from openpyxl import load_workbook

from xl_corridor.validate import canonical, structure
from xl_corridor.validate import validator as v
from xl_corridor.workbook.inputs import named_cells
from xl_corridor.workbook.report import build_report

ROOT = Path(__file__).resolve().parents[1]
CORRIDOR = ROOT / "workbooks" / "examples" / "corridor_kz_copper.toml"


@pytest.mark.parametrize(("ours", "resaved"), [
    ("0.00%_);(0.00%)", r"0.00%_);\(0.00%\)"),
    ("#,##0.0???_);(#,##0.0???)", r"#,##0.0???_);\(#,##0.0???\)"),
    ("yyyy-mm-dd", r"yyyy\-mm\-dd"),
    ("0.00x", r"0.00\x"),
    ('"HKD "0.0', r"\H\K\D\ 0.0"),
])
def test_number_formats_as_an_application_rewrites_them_are_alike(ours: str,
                                                                  resaved: str) -> None:
    assert canonical.same_number_format(ours, resaved)


@pytest.mark.parametrize(("ours", "changed"), [
    ("yyyy-mm-dd", r"\y\y\y\y-mm-dd"),              # the year shown as the letters "yyyy"
    ("0.00%", '0.00"%"'),                          # a literal % does not multiply by 100
    ("0.00E+00", r"0.00E\+00"),                    # scientific notation lost
    ("#,##0.0_);(#,##0.0)", "#,##0.0_);#,##0.0"),  # the sign of a loss hidden
    ("# ?/?", r"# ?\/?"),                          # a fraction shown as text
    ("0.00%", "[Red]0.00%"),                       # recoloured
])
def test_number_formats_that_show_a_value_differently_differ(ours: str, changed: str) -> None:
    assert not canonical.same_number_format(ours, changed)


@pytest.mark.parametrize(("ours", "resaved"), [
    ("=A1>=0.007-1E-12", "=A1>=0.007-0.000000000001"),
    ("=BINOMDIST(P5,dfs_steps,dfs_q,FALSE)", "=BINOMDIST(P5,dfs_steps,dfs_q,FALSE())"),
    ("=compliance_cost*1.0", "=compliance_cost*1"),
    ("'Inputs'!$B$9", "Inputs!$B$9"),
    ("='Summary'!B8*2", "=Summary!B8*2"),
    ("=sum(cash_flows)", "=SUM(cash_flows)"),
])
def test_formulas_as_an_application_rewrites_them_are_alike(ours: str, resaved: str) -> None:
    assert canonical.same_formula(ours, resaved)


@pytest.mark.parametrize(("ours", "changed"), [
    ("=A1>=0.007-1E-12", "=A1>=0.007-1E-6"),
    ("'Inputs'!$B$9", "Inputs!$B$10"),
    ("'Inputs'!$B$9", "'Checks'!$B$9"),
    ("=IF(A1,TRUE,FALSE)", "=IF(A1,FALSE(),FALSE)"),
    ('=IF(A1,TRUE,FALSE)', '=IF(A1,"TRUE",FALSE)'),
    ("=A1-B1", "=A1+B1"),
])
def test_formulas_that_compute_something_else_differ(ours: str, changed: str) -> None:
    assert not canonical.same_formula(ours, changed)


# --- a default that follows its inputs ----------------------------------------------------------


def test_the_compliance_rate_left_blank_is_live_ke_dual(tmp_path: Path) -> None:
    # A case without compliance.discount_rate discounts compliance at Ke dual. The report shows
    # that as a formula of the inputs, so a premium edited in the workbook moves it too, and it
    # reads back as blank; a rate typed over it is the user's.
    from xl_corridor.case import load_case
    from xl_corridor.workbook.inputs import workbook_case_dict

    case = load_case(EXAMPLE)
    assert case.compliance.discount_rate is None
    path = build_report(case, tmp_path / "r.xlsx").path
    wb = load_workbook(path)
    cell = named_cells(wb, "comp_rate")[0]
    assert isinstance(cell.value, str) and cell.value.startswith("=")
    m, p = case.market, case.premia  # Ke = rf + beta x MRP + lambda x CRP + LP (Damodaran)
    ke_dual = m.rf + m.beta * m.mrp + m.country_exposure * p.crp_dual + p.lp_dual
    cached = load_workbook(path, data_only=True)
    assert named_cells(cached, "comp_rate")[0].value == pytest.approx(ke_dual, abs=1e-15)
    assert "discount_rate" not in workbook_case_dict("r.xlsx", wb)["compliance"]
    cell.value = 0.15
    assert workbook_case_dict("r.xlsx", wb)["compliance"]["discount_rate"] == 0.15


# --- a whole report, re-spelled part by part as LibreOffice does (no LibreOffice needed) --------

def _escape_format(m: re.Match[str]) -> str:
    code = re.sub(r"(?<!_)([()\-])", r"\\\1", m.group(2))
    return f'{m.group(1)}{code}"'


LIBREOFFICE_SPELLING = {
    "xl/workbook.xml": lambda b: re.sub(rb"'(\w+)'!", rb"\1!", b),
    "xl/styles.xml": lambda b: re.sub(r'(formatCode=")([^"]*)"', _escape_format,
                                      b.decode()).encode(),
}


def _respell(src: Path, dst: Path, **extra: object) -> Path:
    import zipfile

    with zipfile.ZipFile(src) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]

    def sheet(b: bytes) -> bytes:
        b = b.replace(b"1E-12", b"0.000000000001")
        return re.sub(rb"(<f>[^<]*),FALSE\)", rb"\1,FALSE())", b)

    return rewrite_parts(src, dst, {**LIBREOFFICE_SPELLING, **dict.fromkeys(sheets, sheet),
                                    **extra})  # type: ignore[dict-item]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(EXAMPLE, tmp_path_factory.mktemp("resaved") / "r.xlsx").path


def test_a_report_spelled_as_libreoffice_saves_it_is_valid(report: Path, tmp_path: Path) -> None:
    path = _respell(report, tmp_path / "respelled.xlsx")
    assert b"\\(" in _part(path, "xl/styles.xml")  # the re-spelling happened
    result = v.validate_workbook(path)
    assert result.exit_code == 0, result.failures[:5]
    assert result.method == "cached values"  # judged without LibreOffice


def test_a_sign_hidden_under_the_new_spelling_is_still_caught(report: Path,
                                                              tmp_path: Path) -> None:
    def hide_sign(b: bytes) -> bytes:
        respelled = LIBREOFFICE_SPELLING["xl/styles.xml"](b)
        out = respelled.replace(rb'formatCode="#,##0.0_);\(#,##0.0\)"',
                                rb'formatCode="#,##0.0_);#,##0.0"')
        assert out != respelled
        return out

    path = _respell(report, tmp_path / "hidden.xlsx", **{"xl/styles.xml": hide_sign})
    job = v._read(path)  # the structural comparison (validate then adds LibreOffice's view)
    assert "Summary!B8" in {f.cell for f in job.failures
                            if f.problem == "number format changed"}  # Delta NPV


def _part(path: Path, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


# --- LibreOffice itself ------------------------------------------------------------------------


def test_workbooks_edited_and_saved_in_libreoffice_validate(
        tmp_path: Path, soffice: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A banker's round trip: open the report, change an input or the scenario switch, let
    # LibreOffice recalculate and save. validate (default mode) must pass the saved file and say
    # whether the snapshots went stale; and a tamper on top of that file is still caught.
    from xl_corridor.validate.libreoffice import recalculate
    from xl_corridor.workbook.corridor_report import build_corridor_report
    from xl_corridor.workbook.template import build_template

    src = tmp_path / "src"
    src.mkdir()
    pristine = build_report(EXAMPLE, src / "report.xlsx").path
    edits = {"lp_dual": ("input.xlsx", 0.013), "scenario": ("switch.xlsx", "low")}
    for name, (file, value) in edits.items():
        wb = load_workbook(pristine)
        named_cells(wb, name)[0].value = value
        wb.save(src / file)
    build_corridor_report(CORRIDOR, src / "corridor.xlsx")
    build_template(src / "template.xlsx")
    files = [src / n for n in ("input.xlsx", "switch.xlsx", "corridor.xlsx", "template.xlsx")]
    out = tmp_path / "lo"
    saved = dict(zip((f.stem for f in files), recalculate(files, out), strict=True))

    monkeypatch.setattr(structure, "MAX_FINDINGS", 100_000)  # every finding listed
    results = {k: v.validate_workbook(p, udfs=_udfs()) for k, p in saved.items()}
    for key in ("input", "switch", "corridor"):
        assert results[key].exit_code == 0, (key, results[key].failures[:5])
        assert results[key].method == "cached values", key
    # both edits leave the Monte Carlo (drawn for the base case's inputs) stale, as the sheet
    # itself says
    for key in ("input", "switch"):
        assert any(n.startswith("stale") for n in results[key].notes), key
    assert not any(n.startswith("stale") for n in results["corridor"].notes)
    # LibreOffice's answer to the edit is the engine's (checked cell by cell above): the
    # Delta NPV moved from the pristine report's
    edited = load_workbook(saved["input"], data_only=True)
    delta = edited["Summary"]["B8"].value
    assert abs(delta - load_workbook(pristine, data_only=True)["Summary"]["B8"].value) > 1
    # the compliance rate left to its default followed Ke dual (Ke = rf + beta x MRP +
    # lambda x CRP + LP, from the file's own inputs)
    rf, beta, mrp, lam, crp = (named_cells(edited, n)[0].value
                               for n in ("rf", "beta", "mrp", "country_exposure", "crp_dual"))
    assert named_cells(edited, "comp_rate")[0].value == pytest.approx(
        rf + beta * mrp + lam * crp + 0.013, abs=1e-12)

    # The template saved where the add-in is not loaded: nothing structural differs, but a
    # reader would be shown #NAME? and "add-in not loaded", and validate says so by cell.
    problems = {f.problem for f in results["template"].failures}
    assert results["template"].exit_code == 1
    assert problems and all(p.startswith("cached value") for p in problems), problems

    tampered = tmp_path / "tampered.xlsx"
    shutil.copy(saved["input"], tampered)
    rewrite_parts(saved["input"], tampered, {
        "xl/styles.xml": lambda b: b.replace(rb'formatCode="#,##0.0_);\(#,##0.0\)"',
                                             rb'formatCode="#,##0.0_);#,##0.0"')})
    caught = v.validate_workbook(tampered)
    assert caught.exit_code == 1
    assert "Summary!B8" in {f.cell for f in caught.failures}


def _udfs() -> object:
    import sys

    sys.path.insert(0, str(ROOT / "udfs"))
    import corridor_udfs

    return corridor_udfs
