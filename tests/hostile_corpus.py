"""The project's own hostile corpus: GENERATORS that build tampered or absurd workbooks and case
files in a test's tmp_path (no binary files are committed).

Each generator takes a pristine report or template (bytes on disk) and writes one variant; its
name says what was done. Tests then assert how ``validate`` (or ``report``) answers.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def rewrite_parts(src: Path, dst: Path, edits: dict[str, Callable[[bytes], Any]],
                  extra: dict[str, bytes] | None = None) -> Path:
    """Copy the package ``src`` to ``dst`` applying ``edits`` (part -> function returning the
    new bytes, or an iterable of byte chunks written as a stream, for parts of hundreds of MB)
    and adding ``extra`` parts. The cached values and fingerprints are left as they were."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data)
            if isinstance(data, bytes):
                zout.writestr(info, data)
                continue
            with zout.open(info.filename, "w", force_zip64=True) as fh:
                for chunk in data:
                    fh.write(chunk)
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


# --- issue 16, pre-flight: bombs and absurd parts, built on a pristine template ---------------
# Each builder: (pristine template, destination) -> the hostile file. The expected answer is
# written from the brief: exit 2 and one line "FILE: problem" containing the phrase (a regular
# expression), or exit 1 naming the part or cell (then the phrase starts with "exit 1:").

_MODEL = "xl/worksheets/sheet2.xml"  # the template's Model sheet
_INPUTS = "xl/worksheets/sheet1.xml"


def _after_sheet_data(xml: str) -> Callable[[bytes], bytes]:
    """Insert ``xml`` right after ``</sheetData>`` (where mergeCells and hyperlinks live)."""
    def edit(data: bytes) -> bytes:
        assert b"</sheetData>" in data
        return data.replace(b"</sheetData>", b"</sheetData>" + xml.encode(), 1)
    return edit


def _rows_before_end(xml: str) -> Callable[[bytes], bytes]:
    """Append rows at the end of ``<sheetData>``."""
    def edit(data: bytes) -> bytes:
        return data.replace(b"</sheetData>", xml.encode() + b"</sheetData>", 1)
    return edit


def _formula_cell(formula: str, attrs: str = "") -> Callable[[bytes], bytes]:
    """A formula in Model!H100 (a row beyond the template's), as Excel would write it."""
    return _rows_before_end(f'<row r="100"><c r="H100"><f{attrs}>{formula}</f><v>0</v></c>'
                            "</row>")


def _streamed(data: bytes, anchor: bytes, chunks: Callable[[], Iterator[str]],
              after: bool = False) -> Iterator[bytes]:
    """``data`` with ``chunks`` inserted before (or after) ``anchor``, as a stream."""
    at = data.index(anchor) + (len(anchor) if after else 0)
    yield data[:at]
    buf: list[str] = []
    for piece in chunks():
        buf.append(piece)
        if len(buf) >= 10_000:
            yield "".join(buf).encode()
            buf.clear()
    yield "".join(buf).encode()
    yield data[at:]


def _names_streamed(count: int, refs_each: int) -> Callable[[bytes], Iterator[bytes]]:
    def pieces() -> Iterator[str]:
        for i in range(count):
            yield f'<definedName name="bomb{i}">'
            for r in range(refs_each):
                yield f"M!$A${r + 1}," if r + 1 < refs_each else f"M!$A${r + 1}"
            yield "</definedName>"
    return lambda data: _streamed(data, b"</definedNames>", pieces)


def _merges_streamed(n: int) -> Callable[[bytes], Iterator[bytes]]:
    def pieces() -> Iterator[str]:
        yield f'<mergeCells count="{n}">'
        for r in range(1, n + 1):
            yield f'<mergeCell ref="J{r % 1_000_000 + 1}:K{r % 1_000_000 + 1}"/>'
        yield "</mergeCells>"
    return lambda data: _streamed(data, b"</sheetData>", pieces, after=True)


def _rows_streamed(n: int) -> Callable[[bytes], Iterator[bytes]]:
    def pieces() -> Iterator[str]:
        for r in range(200, 200 + n):
            yield f'<row r="{r}"/>'
    return lambda data: _streamed(data, b"</sheetData>", pieces)


def _hyperlinks_streamed(n: int) -> Callable[[bytes], Iterator[bytes]]:
    def pieces() -> Iterator[str]:
        yield "<hyperlinks>"
        for r in range(1, n + 1):
            yield f'<hyperlink ref="J{r}" location="Inputs!A1"/>'
        yield "</hyperlinks>"
    return lambda data: _streamed(data, b"</sheetData>", pieces, after=True)


def _names(count: int, refs_each: int, sheet: str = "Model") -> Callable[[bytes], bytes]:
    """``count`` extra defined names, each a union of ``refs_each`` single-cell references."""
    def edit(data: bytes) -> bytes:
        refs = ",".join(f"{sheet}!$A${r + 1}" for r in range(refs_each))
        extra = "".join(f'<definedName name="bomb{i}">{refs}</definedName>' for i in range(count))
        return data.replace(b"</definedNames>", extra.encode() + b"</definedNames>", 1)
    return edit


def _redefine_raw(name: str, text: str) -> Callable[[bytes], bytes]:
    return sub(rf'(<definedName name="{name}"[^>]*>)[^<]*', rf"\g<1>{text}")


def _external_link(target: str) -> dict[str, bytes]:
    """An external-link part (and its relationship) pointing at ``target``: a file path."""
    return {
        "xl/externalLinks/externalLink1.xml": (
            b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<externalBook r:id="rId1"><sheetNames><sheetName val="S"/></sheetNames>'
            b'</externalBook></externalLink>'),
        "xl/externalLinks/_rels/externalLink1.xml.rels": (
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/externalLinkPath" Target="'
            + target.encode() + b'" TargetMode="External"/></Relationships>')}


def _with_external(target: str) -> Callable[[Path, Path], Path]:
    def build(src: Path, dst: Path) -> Path:
        rels = "xl/_rels/workbook.xml.rels"
        return rewrite_parts(src, dst, {
            _MODEL: _formula_cell("[1]S!A1"),
            rels: lambda d: d.replace(b"</Relationships>", b'<Relationship Id="rIdX" Type="'
                                      b'http://schemas.openxmlformats.org/officeDocument/2006/'
                                      b'relationships/externalLink" Target="externalLinks/'
                                      b'externalLink1.xml"/></Relationships>'),
            "xl/workbook.xml": lambda d: d.replace(
                b"<definedNames>", b'<externalReferences><externalReference r:id="rIdX"/>'
                b"</externalReferences><definedNames>", 1),
            "[Content_Types].xml": lambda d: d.replace(b"</Types>", (
                b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="'
                b'application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"'
                b"/></Types>"))}, _external_link(target))
    return build


def _fifo_target(src: Path, dst: Path) -> Path:
    import os

    fifo = dst.with_suffix(".fifo.xlsx")
    if not fifo.exists():
        os.mkfifo(fifo)
    return _with_external(str(fifo))(src, dst)


def _encoded(part: str, encoding: str, declared: str | None) -> Callable[[Path, Path], Path]:
    """``part`` re-encoded (a Latin-1 character added to a label), declaring ``declared``."""
    def edit(data: bytes) -> bytes:
        text = data.decode("utf-8")
        text = re.sub(r"^<\?xml[^>]*\?>", "", text)
        text = text.replace("<t>", "<t>Caf\u00e9 ", 1) if "<t>" in text else text
        head = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
        return (head + text).encode(encoding)
    return lambda s, d: rewrite_parts(s, d, {part: edit})


def _empty_rows(n: int) -> Callable[[bytes], bytes]:
    return _rows_before_end("".join(f'<row r="{r}"/>' for r in range(200, 200 + n)))


def _merges(n: int) -> str:
    return (f'<mergeCells count="{n}">'
            + "".join(f'<mergeCell ref="J{r}:K{r}"/>' for r in range(1, n + 1))
            + "</mergeCells>")


def _whole_grid_rules(n: int, kind: str) -> str:
    """``n`` conditional-format rules (``cf``) or data validations (``dv``) over the whole grid."""
    grid = "A1:XFD1048576"
    if kind == "cf":
        return "".join(f'<conditionalFormatting sqref="{grid}"><cfRule type="expression" '
                       f'priority="{i + 1}" dxfId="0"><formula>ROW()&gt;{i}</formula></cfRule>'
                       "</conditionalFormatting>" for i in range(n))
    return (f'<dataValidations count="{n}">' + "".join(
        f'<dataValidation type="whole" sqref="{grid}"><formula1>{i}</formula1>'
        "</dataValidation>" for i in range(n)) + "</dataValidations>")


def _hyperlinks(n: int) -> str:
    return ("<hyperlinks>" + "".join(f'<hyperlink ref="J{r}" location="Inputs!A1"/>'
                                     for r in range(1, n + 1)) + "</hyperlinks>")


#: name -> (builder(pristine template, destination), expected phrase). Fast enough for the
#: default run (each built and refused in well under a second).
TEMPLATE_BOMBS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "merge_whole_grid": (lambda s, d: rewrite_parts(s, d, {_MODEL: _after_sheet_data(
        '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')}),
        r"merged ranges cover 17,179,869,184 cells"),
    "merge_20k_ranges": (lambda s, d: rewrite_parts(s, d, {_MODEL: _after_sheet_data(
        _merges(20_000))}), r"more than 10,000 merged ranges"),
    "hyperlink_whole_grid": (lambda s, d: rewrite_parts(s, d, {_MODEL: _after_sheet_data(
        '<hyperlinks><hyperlink ref="A1:XFD1048576" location="Inputs!A1"/></hyperlinks>')}),
        r"hyperlinks cover 17,179,869,184 cells"),
    "hyperlink_20k": (lambda s, d: rewrite_parts(s, d, {_MODEL: _after_sheet_data(
        _hyperlinks(20_000))}), r"more than 10,000 hyperlinks"),
    "names_32x2000_refs": (lambda s, d: rewrite_parts(s, d, {"xl/workbook.xml": _names(
        32, 2_000)}), r"defined name bomb0 has [0-9,]+ characters; at most 8,192"),
    "names_1200": (lambda s, d: rewrite_parts(s, d, {"xl/workbook.xml": _names(1_200, 1)}),
                   r"more than 1,000 defined names"),
    "names_total_300k_chars": (lambda s, d: rewrite_parts(s, d, {"xl/workbook.xml": _names(
        800, 30)}), r"defined names of more than 262,144 characters"),
    "rows_150k_empty": (lambda s, d: rewrite_parts(s, d, {_INPUTS: _empty_rows(150_000)}),
                        r"more than 100,000 rows"),
    "formula_whole_column": (lambda s, d: rewrite_parts(s, d, {_MODEL: _formula_cell(
        "SUM(A:A)")}), r"formula in cell H100 refers to 1,048,576 cells \(SUM\(A:A\)\)"),
    "formula_huge_range": (lambda s, d: rewrite_parts(s, d, {_MODEL: _formula_cell(
        "SUM(Inputs!A1:Z100000)")}), r"formula in cell H100 refers to 2,600,000 cells"),
    "formula_shared_whole_column": (lambda s, d: rewrite_parts(s, d, {_MODEL: _formula_cell(
        "1", ' t="shared" ref="H1:H1048576" si="0"')}), r"formula in cell H100 refers to"),
    "formula_too_long": (lambda s, d: rewrite_parts(s, d, {_MODEL: _formula_cell(
        "+".join(["1"] * 5000))}), r"formula in cell H100 has 9,999 characters; at most 8,192"),
    "name_whole_grid": (lambda s, d: rewrite_parts(s, d, {"xl/workbook.xml": _redefine_raw(
        "rf", "Inputs!$A:$XFD")}), r"defined name rf refers to 17,179,869,184 cells"),
    "latin1_declared": (_encoded(_INPUTS, "latin-1", "ISO-8859-1"),
                        r"XML declares encoding 'ISO-8859-1'"),
    "utf32_part": (_encoded(_INPUTS, "utf-32", "UTF-32"), r"UTF-32"),
    "utf16_declared_utf8": (_encoded(_INPUTS, "utf-16", "UTF-8"),
                            r"XML declares UTF-8 but is UTF-16"),
    "latin1_undeclared": (_encoded(_INPUTS, "latin-1", None),
                          r"XML that is neither UTF-8 nor UTF-16 \(byte 0xe9"),
    # audit of issue 16: 50,000 whole-grid rules kept LibreOffice busy past 20 s
    "conditional_formats_2001": (lambda s, d: rewrite_parts(s, d, {_MODEL: _after_sheet_data(
        _whole_grid_rules(2_001, "cf"))}), r"more than 2,000 conditional-format rules"),
    "data_validations_2001": (lambda s, d: rewrite_parts(s, d, {_MODEL: _after_sheet_data(
        _whole_grid_rules(2_001, "dv"))}), r"more than 2,000 conditional-format rules and "
        r"data validations"),
}

#: Workbooks whose defects are caught by validation (exit 1) naming this part or cell.
TEMPLATE_TAMPERS_EXIT1: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "external_ref_to_fifo": (_fifo_target, "xl/externalLinks/externalLink1.xml"),
    "external_ref_to_device": (_with_external("/dev/zero"),
                               "xl/externalLinks/externalLink1.xml"),
    "name_is_a_constant": (lambda s, d: rewrite_parts(s, d, {"xl/workbook.xml": _redefine_raw(
        "rf", "0.05")}), "defined name rf"),
    "name_names_no_sheet": (lambda s, d: rewrite_parts(s, d, {"xl/workbook.xml": _redefine_raw(
        "rf", "Nosuch!$B$9")}), "defined name rf"),
    "utf16_part": (_encoded(_INPUTS, "utf-16", "UTF-16"), "Inputs!A1"),
}

#: The worst cases, run in a child process under RLIMIT_AS with a timeout (marked slow):
#: name -> (builder, phrase).
WORST_BOMBS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "merge_3m_ranges": (lambda s, d: rewrite_parts(s, d, {_MODEL: _merges_streamed(
        3_000_000)}), r"unpacks to|more than 10,000 merged ranges|compression ratio"),
    "merge_600k_ranges": (lambda s, d: rewrite_parts(s, d, {_MODEL: _merges_streamed(
        600_000)}), r"more than 10,000 merged ranges|compression ratio"),
    "names_8x480k_refs": (lambda s, d: rewrite_parts(s, d, {
        "xl/workbook.xml": _names_streamed(8, 480_000)}),
        r"unpacks to|at most 8,192|compression ratio"),
    "names_2x480k_refs": (lambda s, d: rewrite_parts(s, d, {
        "xl/workbook.xml": _names_streamed(2, 480_000)}), r"8,192"),
    "names_32x480k_refs": (lambda s, d: rewrite_parts(s, d, {
        "xl/workbook.xml": _names_streamed(32, 480_000)}),
        r"unpacks to|in all|at most 8,192|compression ratio|a workbook is at most"),
    "rows_700k_empty": (lambda s, d: rewrite_parts(s, d, {_INPUTS: _rows_streamed(700_000)}),
                        r"more than 100,000 rows|compression ratio"),
    "hyperlinks_500k": (lambda s, d: rewrite_parts(s, d, {_MODEL: _hyperlinks_streamed(
        500_000)}), r"more than 10,000 hyperlinks|compression ratio"),
}


# --- issue 16, case files: absurd TOML, text and parity CSVs -----------------------------------

_ROOT = Path(__file__).resolve().parents[1]
_EXAMPLE = _ROOT / "workbooks" / "examples" / "jiaxin_boguty.toml"
_SAMPLE_CSV = _ROOT / "workbooks" / "examples" / "parity_sample.csv"


def _case_text(pattern: str, repl: str) -> str:
    text, n = re.subn(pattern, lambda m: repl, _EXAMPLE.read_text("utf-8"), count=1,
                      flags=re.M)
    assert n == 1, pattern
    return text


def _toml(pattern: str, repl: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        out = folder / "case.toml"
        out.write_text(_case_text(pattern, repl), "utf-8")
        return out
    return build


def _dotted(n: int) -> Callable[[Path], Path]:
    key = ".".join(f"k{i}" for i in range(n))
    return lambda folder: _write(folder / "case.toml",
                                 _EXAMPLE.read_text("utf-8") + f"\n[extra]\n{key} = 1\n")


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path


def _csv_case(make_csv: Callable[[Path], None]) -> Callable[[Path], Path]:
    """The example case reading its parity sample from ``bad.csv``, made by ``make_csv``."""
    def build(folder: Path) -> Path:
        make_csv(folder / "bad.csv")
        return _write(folder / "case.toml",
                      _case_text(r'^csv = "parity_sample.csv"', 'csv = "bad.csv"'))
    return build


def _sample_lines() -> list[str]:
    return _SAMPLE_CSV.read_text("utf-8").splitlines()


def _currency(value: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        lines = _sample_lines()
        i = next(k for k, ln in enumerate(lines) if ln.startswith("20"))
        fields = lines[i].split(",")
        fields[3] = value
        lines[i] = ",".join(fields)
        path.write_text("\n".join(lines) + "\n", "utf-8")
    return make


def _latin1_csv(path: Path) -> None:
    path.write_bytes(("# Source: Bourse de Paris, donn\u00e9es\n" + "\n".join(
        ln for ln in _sample_lines() if not ln.startswith("#")) + "\n").encode("latin-1"))


def _sparse_csv(path: Path) -> None:
    path.write_text("\n".join(_sample_lines()) + "\n", "utf-8")
    with path.open("r+b") as fh:
        fh.truncate(1024 ** 3)  # 1 GiB, sparse: takes no disk space


def _long_csv(rows: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        import datetime as dt

        start = dt.date(1900, 1, 1)
        body = "".join(f"{start + dt.timedelta(days=i)},10.9,9.9,CNY,1.1,1000,10\n"
                       for i in range(rows))
        path.write_text("date,price_hk,price_aix,aix_currency,fx_aix_to_hkd,volume_hk,"
                        "volume_aix\n" + body, "utf-8")
    return make


_BIG = "1" + "0" * 400

#: name -> (builder(folder) -> the case file, expected phrase in the ONE line "FILE: ...").
CASE_BOMBS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "dotted_keys_2k": (_dotted(2_000), "a dotted key or table name with more than 8 parts"),
    "dotted_keys_100k": (_dotted(100_000), "a dotted key or table name with more than 8 parts"),
    "years_10_pow_400": (_toml(r"^\[compliance\].*$", f"[compliance]\nyears = {_BIG}"),
                         "compliance.years: expected a whole number of years between 0 and 200"),
    "years_5000_digits": (_toml(r"^\[compliance\].*$", "[compliance]\nyears = " + "9" * 5000),
                          "not valid TOML"),
    "label_40k_chars": (_toml(r"^label = .*$", 'label = "' + "x" * 40_000 + '"'),
                        "compliance.items[1].label: text of 40,000 characters"),
    "units_32767_chars": (_toml(r"^units = .*$", 'units = "' + "m" * 32_767 + '"'),
                          "deal.units: text of 32,767 characters; expected a unit or currency "
                          "code of at most 32"),
    "name_uffff": (_toml(r"^name = .*$", 'name = "Deal\\uFFFF"'),
                   "deal.name: contains the noncharacter U+FFFF"),
    "name_ufffe": (_toml(r"^name = .*$", 'name = "Deal\\uFFFE"'),
                   "deal.name: contains the noncharacter U+FFFE"),
    "label_ufdd0": (_toml(r"^label = .*$", 'label = "Audit\\uFDD0"'),
                    "compliance.items[1].label: contains the noncharacter U+FDD0"),
    "label_u10ffff": (_toml(r"^label = .*$", 'label = "Audit\\U0010FFFF"'),
                      "compliance.items[1].label: contains the noncharacter U+10FFFF"),
    "label_control": (_toml(r"^label = .*$", 'label = "Audit\\u0007"'),
                      "compliance.items[1].label: contains the control character U+0007"),
    "source_2000_chars": (_toml(r'^source = "SYNTHETIC.*$', 'source = "' + "s" * 2000 + '"'),
                          "parity.source: text of 2,000 characters; expected a source "
                          "citation of at most 1,000"),
    "parity_csv_latin1": (_csv_case(_latin1_csv), "not UTF-8 text (byte 0xe9"),
    "parity_csv_sparse_1gb": (_csv_case(_sparse_csv), "1,024.0 MiB; a parity CSV is at most "
                              "4 MiB"),
    "parity_csv_120k_rows": (_csv_case(_long_csv(120_000)), "at most 4 MiB|120,000 data rows"),
    "parity_csv_12k_rows": (_csv_case(_long_csv(12_000)), "12,000 data rows; at most 10,000"),
    "parity_currency_formula": (_csv_case(_currency("=cmd|' /c calc'!A0")),
                                "expected a three-letter ISO 4217 currency code"),
    "parity_currency_control": (_csv_case(_currency("C\x01Y")),
                                "expected a three-letter ISO 4217 currency code"),
    "parity_currency_300": (_csv_case(_currency("C" * 300)),
                            "expected a three-letter ISO 4217 currency code"),
}
# Phrases are regular expressions: a plain phrase above is meant literally.
CASE_BOMBS = {name: (build, phrase if "|" in phrase else re.escape(phrase))
              for name, (build, phrase) in CASE_BOMBS.items()}


# --- issue 16 audit: a report tampered in its XML, as an attacker who read the validator would --
# Each builder: (pristine report, destination) -> the tampered file; the validator must name the
# cell or part (exit 1) in its default mode, without LibreOffice.

_SUMMARY = "xl/worksheets/sheet1.xml"  # the report's Summary sheet (tests check the order)
_RINPUTS = "xl/worksheets/sheet2.xml"
_B8 = '<c r="B8" s="7"><f>pv_dual-pv_single-compliance_cost</f><v>'  # Delta NPV
_SST_TYPE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
             'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')


def _raw(edits: dict[str, Callable[[bytes], Any]],
         extra: dict[str, bytes] | None = None) -> Callable[[Path, Path], Path]:
    return lambda s, d: rewrite_parts(s, d, edits, extra)


def _b8(repl: str) -> Callable[[bytes], bytes]:
    """Summary!B8 (Delta NPV) and its cached value rewritten: ``repl`` gets the formula as
    ``\\g<1>``."""
    return sub(r'<c r="B8" s="7">(<f>pv_dual-pv_single-compliance_cost</f>)<v>[^<]*</v>', repl)


def _part_add(part: str, anchor: bytes, xml: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        assert anchor in data, anchor
        return data.replace(anchor, xml + anchor, 1)
    return edit


#: Forged cached values placed where a reader finds them but a naive XML reader does not:
#: name -> (builder, cell). Readers (openpyxl, pandas) see 999 or a text in Summary!B8.
CACHE_FORGERIES: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "cell_without_r": (_raw({_SUMMARY: _b8(r'<c s="7">\g<1><v>999</v>')}), "Summary!B8"),
    "lower_case_r": (_raw({_SUMMARY: _b8(r'<c r="b8" s="7">\g<1><v>999</v>')}), "Summary!B8"),
    "inline_string_result": (_raw({_SUMMARY: _b8(
        r'<c r="B8" s="7" t="inlineStr">\g<1><is><t>999</t></is>')}), "Summary!B8"),
    "two_cached_values": (_raw({_SUMMARY: _b8(
        r'<c r="B8" s="7">\g<1><v>14.70807484626824</v><v>999</v>')}), "Summary!B8"),
    "cell_written_twice": (_raw({_SUMMARY: sub(r'(<row r="8"[^>]*>)', r'\g<1><c r="B8" s="7">'
                                                '<f>pv_dual-pv_single-compliance_cost</f>'
                                                '<v>999</v></c>')}), "Summary!B8"),
    "number_1e309": (_raw({_SUMMARY: _b8(r'<c r="B8" s="7">\g<1><v>1e309</v>')}), "Summary!B8"),
    "number_as_text": (_raw({_SUMMARY: _b8(r'<c r="B8" s="7" t="str">\g<1><v>14.7</v>')}),
                       "Summary!B8"),
    "decision_text": (_raw({_SUMMARY: sub(r'(<c r="B7" s="5" t="str"><f>(?:(?!</f>).)*</f><v>)'
                                          r"PROCEED<", r"\g<1>DO NOT PROCEED<")}), "Summary!B7"),
}

#: What a reader is shown changed without touching a value or a formula: name -> (builder,
#: the cell or part named).
PRESENTATION_TAMPERS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "decision_format_swapped": (_raw({_SUMMARY: lambda d: d.replace(
        b'priority="1" dxfId="0"', b'priority="1" dxfId="2"', 1)}), "Summary!B7"),
    "decision_format_rule_changed": (_raw({_SUMMARY: sub(r'LEFT\(B7,7\)="PROCEED"',
                                                         'LEFT(B7,1)="P"')}), "Summary!B7"),
    "decision_colour_in_styles": (_raw({"xl/styles.xml": sub(
        r'(<dxfs count="\d+"><dxf><font><name val="Arial" /><b val="1" />)<color rgb="00006100" />',
        r'\g<1><color rgb="00C6EFCE" />')}), "Summary!B7"),
    "negative_format_moved": (_raw({_SUMMARY: sub(r'<conditionalFormatting sqref="B8">',
                                                  '<conditionalFormatting sqref="B9">')}),
                              "Summary!B9"),
    "validation_prompt_added": (_raw({_SUMMARY: _part_add(
        _SUMMARY, b"<printOptions", b'<dataValidations count="1"><dataValidation sqref="B7" '
        b'showInputMessage="1" promptTitle="Board" prompt="Approved"/></dataValidations>')}),
        "Summary!B7"),
    "text_box_over_decision": (_raw({"xl/drawings/drawing1.xml": _part_add(
        "", b"</wsDr>", b'<absoluteAnchor><pos x="0" y="0"/><ext cx="3000000" cy="600000"/>'
        b'<sp><nvSpPr><cNvPr id="9" name="T"/><cNvSpPr txBox="1"/></nvSpPr><spPr/><txBody>'
        b"<a:bodyPr/><a:p><a:r><a:t>DO NOT PROCEED</a:t></a:r></a:p></txBody></sp><clientData/>"
        b"</absoluteAnchor>")}), "xl/drawings/drawing1.xml"),
    "chart_title_changed": (_raw({"xl/charts/chart1.xml": sub(
        "Cost of equity build-up", "Cost of equity (audited)")}), "xl/charts/chart1.xml"),
    "chart_range_redirected": (_raw({"xl/charts/chart1.xml": sub(
        r"'Ke'!\$B\$4:\$C\$4", "'Ke'!$B$5:$C$5")}), "xl/charts/chart1.xml"),
    "header_text_changed": (_raw({_SUMMARY: sub(r"Draft - Confidential",
                                                "Approved by the board")}), "Summary"),
    "row_height_zero": (_raw({_SUMMARY: sub(r'<row r="8" ht="22" customHeight="1">',
                                            '<row r="8" ht="0" customHeight="1">')}), "Summary"),
    "column_width_zero": (_raw({_SUMMARY: sub(r'<col width="24" customWidth="1" min="2" max="2"',
                                              '<col width="0" customWidth="1" min="2" max="2"')}),
                          "Summary"),
    "zeros_hidden": (_raw({_SUMMARY: sub(r'<sheetView showGridLines="0"',
                                         '<sheetView showGridLines="0" showZeros="0"')}),
                     "Summary"),
    "white_default_font": (_raw({"xl/styles.xml": sub(
        r'(<fonts count="\d+"><font><name val="Calibri" /><family val="2" />)<color theme="1" />',
        r'\g<1><color rgb="FFFFFFFF" />')}), "Summary!A3"),
    "label_rich_text_white_run": (_raw({_SUMMARY: sub(
        r'<c r="A8" s="1" t="inlineStr"><is><t>Delta NPV</t></is></c>',
        '<c r="A8" s="1" t="inlineStr"><is><r><rPr><color rgb="FFFFFFFF"/></rPr><t>Delta </t>'
        '</r><r><t>NPV</t></r></is></c>')}), "Summary!A8"),
    "orphan_sheet_part": (_raw({}, {"xl/worksheets/sheet99.xml": (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData/></worksheet>")}), "xl/worksheets/sheet99.xml"),
    "name_for_no_sheet": (_raw({"xl/workbook.xml": sub(
        '(<definedName name="delta_npv">)',
        "<definedName name=\"zz\" localSheetId=\"99\">'Checks'!$C$9</definedName>\\g<1>")}),
        "xl/workbook.xml"),
    "what_if_data_table": (_raw({_SUMMARY: _b8(
        r'<c r="B8" s="7"><f t="dataTable" ref="B8" dt2D="0" dtr="0" r1="B9"/><v>14.7</v>')}),
        "Summary!B8"),
    "input_text_is_a_webservice_formula": (_raw({_RINPUTS: sub(
        r'<c r="B4" s="18" t="inlineStr"><is><t>[^<]*</t></is></c>',
        '<c r="B4" s="18" t="str"><f>WEBSERVICE("http://example.invalid/x")</f><v>Jiaxin</v>'
        "</c>")}), "Inputs!B4"),
    "name_shadowed_on_a_sheet": (_raw({"xl/workbook.xml": sub(
        '(<definedName name="delta_npv">)',
        "<definedName name=\"delta_npv\" localSheetId=\"0\">'Checks'!$C$9</definedName>"
        "\\g<1>")}), "defined name Summary!delta_npv"),
}
