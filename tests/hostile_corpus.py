"""The project's own hostile corpus: GENERATORS that build tampered or absurd workbooks and case
files in a test's tmp_path (no binary files are committed).

Each generator takes a pristine report or template (bytes on disk) and writes one variant; its
name says what was done. Tests then assert how ``validate`` (or ``report``) answers.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path


def rewrite_parts(src: Path, dst: Path, edits: dict[str, Callable[[bytes], bytes]],
                  extra: dict[str, bytes] | None = None) -> Path:
    """Copy the package ``src`` to ``dst`` applying ``edits`` (part -> bytes function) and
    adding ``extra`` parts. The cached values and fingerprints are left as they were."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data)
            zout.writestr(info, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def sub(pattern: str, repl: str) -> Callable[[bytes], bytes]:
    """An edit replacing the first match of ``pattern`` (must match)."""

    def edit(data: bytes) -> bytes:
        text, n = re.subn(pattern, repl, data.decode("utf-8"), count=1)
        assert n == 1, pattern
        return text.encode("utf-8")

    return edit


def with_openpyxl(src: Path, dst: Path, change: Callable[[object], None]) -> Path:
    """Copy ``src`` and change it through openpyxl (as a scripted user would)."""
    import openpyxl

    shutil.copy(src, dst)
    wb = openpyxl.load_workbook(dst)
    change(wb)
    wb.save(dst)
    return dst


def sheet_part(path: Path, title: str) -> str:
    """The part name of the worksheet called ``title``."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"
    finally:
        wb.close()


def _add_sheet(formula: str) -> Callable[[object], None]:
    def change(wb: object) -> None:
        ws = wb.create_sheet("Notes")  # type: ignore[attr-defined]
        ws["A1"] = formula

    return change


def _redefine(name: str, value: str) -> Callable[[object], None]:
    def change(wb: object) -> None:
        from openpyxl.workbook.defined_name import DefinedName

        names = wb.defined_names  # type: ignore[attr-defined]
        del names[name]
        names[name] = DefinedName(name, attr_text=value)

    return change


def _set(sheet: str, ref: str, **attrs: object) -> Callable[[object], None]:
    def change(wb: object) -> None:
        cell = wb[sheet][ref]  # type: ignore[index]
        for k, v in attrs.items():
            setattr(cell, k, v)

    return change


def _hide_row(sheet: str, row: int) -> Callable[[object], None]:
    def change(wb: object) -> None:
        wb[sheet].row_dimensions[row].hidden = True  # type: ignore[index]

    return change


def _swap_labels(sheet: str, a: str, b: str) -> Callable[[object], None]:
    def change(wb: object) -> None:
        ws = wb[sheet]  # type: ignore[index]
        ws[a].value, ws[b].value = ws[b].value, ws[a].value

    return change


#: Tampered reports: name -> (how, the cell or part the validator must name).
REPORT_TAMPERS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "webservice_sheet": (lambda s, d: with_openpyxl(
        s, d, _add_sheet('=WEBSERVICE("http://example.invalid/x")')), "Notes!A1"),
    "dde_sheet": (lambda s, d: with_openpyxl(s, d, _add_sheet("=cmd|' /c calc'!A0")),
                  "Notes!A1"),
    "hyperlink_sheet": (lambda s, d: with_openpyxl(
        s, d, _add_sheet('=HYPERLINK("http://example.invalid","ok")')), "Notes!A1"),
    "indirect_sheet": (lambda s, d: with_openpyxl(s, d, _add_sheet('=INDIRECT("Ke!B8")')),
                       "Notes!A1"),
    "mc_name_moved": (lambda s, d: with_openpyxl(
        s, d, _redefine("p_delta_npv_positive", "MonteCarlo!$B$6")),
        "defined name p_delta_npv_positive"),
    "tol_huge": (lambda s, d: with_openpyxl(s, d, _set("Checks", "B3", value=1e9)),
                 "Checks!B3"),
    "checks_ok_constant": (lambda s, d: with_openpyxl(
        s, d, _redefine("checks_ok", "TRUE")), "defined name checks_ok"),
    "sign_hiding_format": (lambda s, d: with_openpyxl(
        s, d, _set("Summary", "B8", number_format="#,##0.0;#,##0.0")), "Summary!B8"),
    "swapped_label": (lambda s, d: with_openpyxl(s, d, _swap_labels("Summary", "A9", "A10")),
                      "Summary!A9"),
    "hidden_summary_row": (lambda s, d: with_openpyxl(s, d, _hide_row("Summary", 8)),
                           "Summary"),
    "changed_source_text": (lambda s, d: with_openpyxl(
        s, d, _set("Summary", "A21", value="Country risk premia: made up.")), "Summary!A21"),
    "external_link_part": (lambda s, d: rewrite_parts(s, d, {}, {
        "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"/>',
        "xl/externalLinks/_rels/externalLink1.xml.rels": (
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/externalLinkPath" '
            b'Target="http://example.invalid/book.xlsx" TargetMode="External"/>'
            b"</Relationships>")}), "xl/externalLinks/externalLink1.xml"),
}
