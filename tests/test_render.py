"""The demo report as a managing director sees it: rendered to PDF by LibreOffice.

Slow (LibreOffice): run with ``python -m pytest -m slow tests/test_render.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xl_corridor.workbook.report import build_report
from xl_corridor.workbook.template import example_case

pytestmark = pytest.mark.slow

ERRORS = ("#VALUE!", "#NAME?", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")
#: One page per sheet, two to three for the long tables (Inputs, CashFlows, Checks): the demo
#: has 17 sheets; more than 26 pages means a sheet spilled over (a layout regression).
PAGES = range(17, 27)


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


def _convert(exe: str, src: Path, to: str, out: Path) -> Path:
    profile = out / "profile"
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", to, "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=300)
    return out / (src.stem + "." + to.split(":")[0])


def test_demo_renders_to_the_expected_pages_without_error_cells(tmp_path: Path) -> None:
    exe = _soffice()
    report = build_report(example_case(), tmp_path / "demo.xlsx").path
    pdf = _convert(exe, report, "pdf", tmp_path)
    # count pages from the PDF's page objects (no PDF library needed)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert pages in PAGES, pages
    # the LibreOffice-recalculated workbook: no error value in any cell of any sheet
    recalc_dir = tmp_path / "recalc"
    recalc_dir.mkdir()
    recalc = _convert(exe, report, "xlsx:Calc MS Excel 2007 XML", recalc_dir)
    wb = load_workbook(recalc, data_only=True)
    bad = [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb.worksheets
           for row in ws.iter_rows() for c in row
           if isinstance(c.value, str) and c.value.startswith(ERRORS)]
    assert not bad, bad[:10]
    # the rendered summary leads with the decision and names no engine function
    text = pdf.read_bytes()
    assert b"xl_corridor." not in text
