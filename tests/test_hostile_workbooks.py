"""Workbooks from outside: hostile or broken .xlsx files given to `validate` and to `report`.

Each file is refused with exit 2 and one line naming the file and the problem, before openpyxl,
`formulas` or LibreOffice parses it, in bounded time (< 10 s) and memory (peak RSS < 500 MB,
measured in the subprocess). defusedxml is checked separately as the second line of defence.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import EXAMPLE

from xl_corridor.case import CaseError, load_case
from xl_corridor.limits import WORKBOOK_MAX_PARTS
from xl_corridor.validate import safety as _safety
from xl_corridor.workbook.report import build_report
from xl_corridor.workbook.template import build_template

MAX_SECONDS = 10.0
MAX_RSS_MB = 500.0

# One child per file runs `validate` and `report` through the CLI's main(), times each and
# prints its own peak RSS (KiB). Any exception escaping main() is recorded as a crash.
_MEASURE = """
import contextlib, io, json, sys, time, traceback
t0 = time.perf_counter()
from xl_corridor.cli import main
runs = []
for args in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(args)
        except BaseException:
            code = -1
            err.write(traceback.format_exc())
    runs.append([code, err.getvalue(), time.perf_counter() - t0])
    t0 = time.perf_counter()
def peak_kib():
    # VmHWM: this process's own peak. ru_maxrss keeps the high-water mark of the process it was
    # forked from across exec on Linux, so a large test runner would be counted here.
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"runs": runs, "rss_kib": peak_kib()}))
"""

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
              for i in range(1, 10))
    + "]>\n")
XXE = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _rezip(src: Path, dst: Path, edit: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a package part by part; ``edit`` may change a part's bytes or drop it (None)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def _with_doctype(prefix: str, target: str, entity: str) -> Callable[[str, bytes], bytes | None]:
    def edit(name: str, data: bytes) -> bytes:
        if name != target:
            return data
        body = re.sub(rb"^<\?xml[^>]*>\s*", b"", data)
        body = re.sub(rb"(<t[^>]*>)[^<]*", rb"\g<1>&" + entity.encode() + b";", body, count=1)
        return prefix.encode() + body
    return edit


def _patch_central_sizes(path: Path, member: str, *, file_size: int) -> None:
    """Rewrite the uncompressed size a zip's central directory declares for one member."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        assert at >= 0, member
        n = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + n] == name:
            struct.pack_into("<I", data, at + 24, file_size)
            break
        at += 4
    path.write_bytes(bytes(data))


def _zip_of(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _deflated_zeros_member(path: Path, name: str, size: int, base: Path) -> None:
    """``base`` plus a part of ``size`` zero bytes, compressed in a stream (little memory)."""
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        with zout.open(name, "w", force_zip64=True) as fh:
            block = bytes(1024 * 1024)
            for _ in range(size // len(block)):
                fh.write(block)


_SST = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        'uniqueCount="1"><si><t>{text}</t></si></sst>')


def _with_shared_strings(src: Path, dst: Path, sst: str) -> Path:
    """A sharedStrings part that openpyxl really reads: content type, relationship, a cell."""
    def edit(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                b'ContentType="application/vnd.openxmlformats-officedocument.'
                                b'spreadsheetml.sharedStrings+xml"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://'
                                b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(rb'<c r="A1"([^>]*?) t="inlineStr"><is><t>[^<]*</t></is></c>',
                          rb'<c r="A1"\g<1> t="s"><v>0</v></c>', data, count=1)
        return data
    _rezip(src, dst, edit)
    with zipfile.ZipFile(dst, "a") as zf:
        zf.writestr("xl/sharedStrings.xml", sst)
    return dst


def _sheet_xml(cells: str, dimension: str = "A1") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlfor'
            f'mats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{cells}'
            "</sheetData></worksheet>").encode()


def _replace_part(name: str, data: bytes) -> Callable[[str, bytes], bytes | None]:
    return lambda n, d: data if n == name else d


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """name -> (file, a phrase the one-line message must contain)."""
    d = tmp_path_factory.mktemp("hostile")
    report = build_report(EXAMPLE, d / "good_report.xlsx").path
    template = build_template(d / "good_template.xlsx")
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "hello"
    plain = d / "plain.xlsx"
    wb.save(plain)
    cases: dict[str, tuple[Path, str]] = {}

    def add(name: str, content: bytes | Path, phrase: str) -> None:
        path = d / f"{name}.xlsx"
        if isinstance(content, bytes):
            path.write_bytes(content)
        cases[name] = (path, phrase)

    add("empty", b"", "is empty")
    add("text", b"This is a note, not a workbook.\n", "not an .xlsx workbook")
    add("csv", b"year,cash_flow\n1,-600\n2,120\n", "is CSV")
    add("binary_junk", bytes(range(256)) * 40, "not a zip file")
    add("truncated_zip", report.read_bytes()[: report.stat().st_size // 2], "truncated")
    ole = bytearray(4096)
    ole[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    add("legacy_xls", bytes(ole), "legacy .xls")
    enc = bytearray(ole)
    enc[1024:1024 + 32] = "EncryptedPackage".encode("utf-16-le")
    enc[1200:1200 + 28] = "EncryptionInfo".encode("utf-16-le")
    add("encrypted", bytes(enc), "password-protected")
    # zip bombs
    _deflated_zeros_member(d / "bomb_actual.xlsx", "xl/media/blob.bin", 40 * 1024 * 1024, report)
    cases["bomb_actual"] = (d / "bomb_actual.xlsx", "zip bomb")
    _deflated_zeros_member(d / "bomb_ratio.xlsx", "xl/media/blob.bin", 8 * 1024 * 1024, report)
    cases["bomb_ratio"] = (d / "bomb_ratio.xlsx", "compression ratio")
    lying = _rezip(report, d / "bomb_declared.xlsx", lambda n, b: b)
    _patch_central_sizes(lying, "xl/worksheets/sheet1.xml", file_size=3 * 1024 ** 3)
    cases["bomb_declared"] = (lying, "zip bomb")
    liar = _rezip(report, d / "size_lie.xlsx", lambda n, b: b)  # declares less than it holds
    _patch_central_sizes(liar, "xl/worksheets/sheet1.xml", file_size=100)
    cases["size_lie"] = (liar, "damaged")
    many = {f"xl/media/p{i}.bin": b"x" for i in range(WORKBOOK_MAX_PARTS + 1)}
    add("too_many_parts", _zip_of(many), "parts in the zip")
    # XML entity tricks
    add("entity_bomb_sheet", _rezip(report, d / "entity_bomb_sheet.xlsx", _with_doctype(
        BILLION_LAUGHS, "xl/worksheets/sheet1.xml", "lol9")), "entity")
    add("entity_bomb_shared_strings", _with_shared_strings(
        report, d / "entity_bomb_shared_strings.xlsx",
        BILLION_LAUGHS + _SST.format(text="&lol9;")), "entity")
    add("xxe", _rezip(report, d / "xxe.xlsx", _with_doctype(
        XXE, "xl/worksheets/sheet2.xml", "xxe")), "entity")
    utf16 = (BILLION_LAUGHS.replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
             + "<worksheet/>").encode("utf-16")
    add("entity_bomb_utf16", _rezip(report, d / "entity_bomb_utf16.xlsx", _replace_part(
        "xl/worksheets/sheet1.xml", utf16)), "entity")
    latin = b'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet/>'
    add("foreign_encoding", _rezip(report, d / "foreign_encoding.xlsx", _replace_part(
        "xl/worksheets/sheet1.xml", latin)), "encoding")
    # absurd sheets
    add("dimension_whole_grid", _rezip(report, d / "dimension_whole_grid.xlsx", _replace_part(
        "xl/worksheets/sheet1.xml", _sheet_xml("", "A1:XFD1048576"))), "used range")
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    add("one_far_cell", _rezip(report, d / "one_far_cell.xlsx", _replace_part(
        "xl/worksheets/sheet1.xml", _sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>' + far))),
        "spans")
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "ABCDEFGHIJ")
                   + "</row>" for r in range(1, 25_001))
    add("too_many_cells", _rezip(report, d / "too_many_cells.xlsx", _replace_part(
        "xl/worksheets/sheet1.xml", _sheet_xml(rows, "A1:J25000"))), "cells")
    row = "".join(f'<c r="{c}{{r}}"><v>1</v></c>' for c in "ABCDEFGHIJ")
    million = "".join(f'<row r="{r}">' + row.format(r=r) + "</row>" for r in range(1, 100_001))
    add("million_cells", _rezip(report, d / "million_cells.xlsx", _replace_part(
        "xl/worksheets/sheet1.xml", _sheet_xml(million, "A1:J100000"))), "used range")

    def whole_column_name(name: str, data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return data
        return re.sub(rb"(<definedName name=\"cash_flows\"[^>]*>)[^<]*",
                      rb"\g<1>'Inputs'!$B:$B", data)
    add("defined_name_whole_column", _rezip(template, d / "defined_name_whole_column.xlsx",
                                            whole_column_name), "defined name")
    # broken packages
    add("no_workbook_part", _rezip(report, d / "no_workbook_part.xlsx",
                                   lambda n, b: None if n == "xl/workbook.xml" else b),
        "no xl/workbook.xml")
    add("no_content_types", _rezip(report, d / "no_content_types.xlsx",
                                   lambda n, b: None if n == "[Content_Types].xml" else b),
        "no [Content_Types].xml")
    add("missing_sheet_part", _rezip(report, d / "missing_sheet_part.xlsx",
                                     lambda n, b: None if n == "xl/worksheets/sheet2.xml" else b),
        "")
    raw = bytearray(report.read_bytes())
    with zipfile.ZipFile(report) as zf:
        info = zf.getinfo("xl/styles.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 8, start + min(info.compress_size, 200)):
        raw[i] ^= 0x5A
    add("corrupt_deflate", bytes(raw), "damaged")
    return cases


def _run(commands: list[list[str]]) -> list[tuple[int, str, float, float]]:
    p = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(commands)],
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "XL_CORRIDOR_SOFFICE": "/nonexistent/soffice"})
    assert p.returncode == 0, p.stderr[-2000:]
    data = json.loads(p.stdout.splitlines()[-1])
    return [(code, err.strip(), seconds, data["rss_kib"] / 1024)
            for code, err, seconds in data["runs"]]


@pytest.fixture(scope="module")
def outcomes(hostile, tmp_path_factory: pytest.TempPathFactory):
    """Every hostile file through `validate` and `report` (in parallel subprocesses).

    LibreOffice is pointed at a nonexistent binary: a file that got as far as LibreOffice
    would fail with a different message, so the pre-flight must have refused it first."""
    out = tmp_path_factory.mktemp("out")
    jobs = {name: [["validate", str(path)],
                   ["report", str(path), "--out", str(out / f"{name}.xlsx")]]
            for name, (path, _) in hostile.items()}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        runs = dict(zip(jobs, pool.map(_run, jobs.values()), strict=True))
    results = {}
    for name, (validate, report) in runs.items():
        results[(name, "validate")] = validate
        results[(name, "report")] = report
    return results, out


@pytest.mark.slow
def test_hostile_workbook_count(hostile) -> None:
    assert len(hostile) == 26


def test_preflight_refuses_every_hostile_workbook(hostile) -> None:
    """The fast tier: each file refused in-process by the pre-flight, its message naming the
    file and the problem (the subprocess runs below, marked slow, check the CLI's exit code,
    time and memory)."""
    for name, (path, phrase) in hostile.items():
        with pytest.raises(_safety.UnsafeInputError) as info:
            _safety.check_workbook(path)
        message = str(info.value)
        assert message.startswith(f"{path}: ") and phrase in message, (name, message)


@pytest.mark.slow  # one CLI subprocess per hostile file
@pytest.mark.parametrize("command", ["validate", "report"])
def test_hostile_workbooks_refused(hostile, outcomes, command: str) -> None:
    results, out = outcomes
    problems = []
    for name, (path, phrase) in hostile.items():
        code, err, seconds, rss = results[(name, command)]
        lines = err.splitlines()
        ok = (code == 2 and len(lines) == 1 and "Traceback" not in err
              and lines[0].startswith(f"{path}: ") and phrase in lines[0]
              and "unexpected error" not in err and "LibreOffice" not in err
              and seconds < MAX_SECONDS and rss < MAX_RSS_MB)
        if not ok:
            problems.append((name, code, err[-400:], round(seconds, 1), round(rss)))
    assert not problems
    assert not list(out.iterdir())  # nothing written, no temporary files


@pytest.mark.slow  # reads the subprocess runs above
def test_bounds_measured(outcomes) -> None:
    results, _ = outcomes
    worst_time = max(r[2] for r in results.values())
    worst_rss = max(r[3] for r in results.values())
    assert worst_time < MAX_SECONDS and worst_rss < MAX_RSS_MB
    print(f"\nhostile workbooks: {len(results)} runs, slowest {worst_time:.2f} s, "
          f"peak RSS {worst_rss:.0f} MB")


def test_defusedxml_is_the_second_line_of_defence(hostile, monkeypatch) -> None:
    """Without the pre-flight, openpyxl (through defusedxml) still refuses the entity tricks,
    and case loading reports it as a CaseError rather than expanding it."""
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook

    monkeypatch.setattr(_safety, "check_case_file", lambda path: None)  # switch off line one

    assert _safety.defusedxml_active()
    for name in ("entity_bomb_sheet", "entity_bomb_shared_strings", "xxe"):
        path = hostile[name][0]
        t0 = time.perf_counter()
        with pytest.raises(ValueError) as info:  # openpyxl re-raises some as ValueError
            load_workbook(path)
        chain: BaseException | None = info.value
        while chain is not None and not isinstance(chain, DefusedXmlException):
            chain = chain.__cause__ or chain.__context__
        assert isinstance(chain, DefusedXmlException), name
        with pytest.raises(CaseError, match="not a readable .xlsx"):
            load_case(path)
        assert time.perf_counter() - t0 < 2


def test_preflight_runs_before_openpyxl(hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    from xl_corridor.validate.validator import validate_workbook

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("openpyxl was reached")

    monkeypatch.setattr(openpyxl, "load_workbook", boom)
    monkeypatch.setattr("openpyxl.reader.excel.load_workbook", boom)
    for name in ("bomb_actual", "entity_bomb_sheet", "one_far_cell", "too_many_cells"):
        result = validate_workbook(hostile[name][0])
        assert result.exit_code == 2 and hostile[name][1] in result.message


def test_span() -> None:
    assert _safety._span("A1:XFD1048576") == 16384 * 1048576
    assert _safety._span("'Inputs'!$B:$B") == 1048576
    assert _safety._span("Inputs!$3:$4") == 2 * 16384
    assert _safety._span("'Inputs'!$B$5:$B$34") == 30
    assert _safety._span("A1") == 0
