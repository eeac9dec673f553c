"""Pre-flight checks on files that come from outside, before any parser touches them.

A workbook is a zip of XML parts; both layers can be made hostile. :func:`check_workbook` reads
only the zip's central directory and then streams every part through a bounded decompressor, so
a zip bomb, an XML entity bomb, an external-entity reference or a sheet claiming a billion cells
is refused with one line, ``FILE: problem``, in bounded time and memory, before openpyxl,
``formulas`` or LibreOffice sees it. openpyxl itself parses through defusedxml (a dependency),
which is the second line of defence for entity tricks (:func:`defusedxml_active`).

:func:`check_case_file` does the same for TOML case files (size, binary content, encoding),
:func:`check_case_limits` bounds what a loaded case asks the report builder to write, and
:func:`check_target` keeps ``report``/``demo``/``template``/``batch`` from overwriting a
workbook that xl-corridor did not write.

Every refusal raises :class:`UnsafeInputError`, a :class:`~xl_corridor.errors.CorridorInputError`
whose ``str()`` is ``"FILE: problem"`` (or ``"FILE: field: problem"``).
"""

from __future__ import annotations

import codecs
import os
import posixpath
import re
import stat
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xl_corridor.errors import CorridorInputError
from xl_corridor.workbook.marks import TEMP_GLOB

__all__ = [
    "UnsafeInputError",
    "check_case_file",
    "check_case_limits",
    "check_target",
    "check_workbook",
    "unchanged_since_written",
    "defusedxml_active",
    "is_xl_corridor_workbook",
    "sweep_stale_temps",
]

# --- limits, and why these values ---------------------------------------------------------------

# Case files. The example case is 5 KB; a case with 1,200 monthly cash flows and 500 line items
# is under 100 KB. 2 MiB leaves 20x headroom while keeping tomllib's memory (about 10x the
# text) trivial.
MAX_CASE_FILE_BYTES = 2 * 1024 * 1024
# What a case may ask the report builder to write. Report time and memory grow with the number
# of cash flows (measured: 1,000 -> 0.9 s / 90 MB; 20,000 -> 10 s / 760 MB). 1,200 is 100 years
# of monthly flows; 500 line items and 200 currencies are far beyond any listing budget.
MAX_CASH_FLOWS = 1200
MAX_LINE_ITEMS = 500
MAX_FX_RATES = 200
# Excel's own limit on the characters in one cell; longer text makes Excel "repair" the file.
MAX_TEXT_CHARS = 32767
# Characters XML 1.0 (hence a workbook) cannot hold; openpyxl raises IllegalCharacterError.
_ILLEGAL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# Workbooks. An xl-corridor report is ~25 KB zipped and ~300 KB unzipped with ~2,000 cells; a
# filled-in template is smaller. The limits are ~1,000x that and keep openpyxl under ~150 MB
# and ~3 s (measured: 200,000 cells load in 1.9 s / 112 MB; 500,000 in 5 s / 220 MB).
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024  # the .xlsx on disk
MAX_PARTS = 1000  # Apache POI's default maximum zip entry count (ZipSecureFile)
MAX_PART_BYTES = 32 * 1024 * 1024  # one part, uncompressed
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # all parts, uncompressed
# Deflate reaches ~1,000:1 on repeated bytes; real sheet XML compresses 5-30:1. Apache POI
# refuses ratios above 100:1 (MIN_INFLATE_RATIO 0.01) once a part exceeds 100 KB; its users hit
# that on genuine drawings, so we allow 200:1 above the same 100 KB grace.
MAX_RATIO = 200
RATIO_GRACE_BYTES = 100 * 1024
MAX_CELLS = 200_000  # <c> elements over all parts
# Rows x columns spanned by one sheet (or one defined name): openpyxl's iter_rows and range
# lookups create a cell object for every position in the span (measured: 400,000 -> 1 s,
# 126 MB), so a single cell at XFD1048576 is as costly as 17 billion real ones.
MAX_SHEET_AREA = 500_000
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COL = 16_384
_CHUNK = 1024 * 1024
_CARRY = 64 * 1024  # longest tag fragment kept across chunk boundaries

# A SIGKILLed write leaves its hidden temporary file; one older than this cannot be in use.
STALE_TEMP_SECONDS = 3600

# The marks save_workbook stamps into docProps/core.xml.
OUR_CREATOR = "xl-corridor"
OUR_CATEGORIES = ("xl-corridor report", "xl-corridor template")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class UnsafeInputError(CorridorInputError):
    """A file refused before parsing; ``str()`` is ``"FILE: problem"``."""

    def __init__(self, source: str | os.PathLike[str], problem: str) -> None:
        self.source = str(source)
        super().__init__(self.source, problem)


def _mib(n: float) -> str:
    return f"{n / 1024 / 1024:,.1f} MiB"


def defusedxml_active() -> bool:
    """True if openpyxl parses XML through defusedxml (entity declarations refused)."""
    from openpyxl.xml import DEFUSEDXML

    return bool(DEFUSEDXML)


# --- case files ---------------------------------------------------------------------------------


def _existing_file(path: Path, what: str) -> int:
    """Size of ``path``; refuses missing paths, directories and special files."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise UnsafeInputError(path, "no such file") from None
    except OSError as exc:
        raise UnsafeInputError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if path.is_dir():
        raise UnsafeInputError(path, f"is a directory, not {what}")
    if not path.is_file():
        raise UnsafeInputError(path, f"is not a regular file, not {what}")
    return st.st_size


def check_case_file(path: str | os.PathLike[str]) -> None:
    """Refuse a TOML case file that is missing, a directory, too large, binary or not UTF-8.

    Workbooks (``.xlsx``/``.xlsm``) are passed to :func:`check_workbook` instead.
    """
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        check_workbook(p)
        _refuse_external(p)
        return
    size = _existing_file(p, "a case file")
    if size > MAX_CASE_FILE_BYTES:
        raise UnsafeInputError(p, f"file is {_mib(size)}; a case file is at most "
                                  f"{_mib(MAX_CASE_FILE_BYTES)}")
    with p.open("rb") as fh:
        head = fh.read(8)
        fh.seek(0)
        data = fh.read()
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (
            b"\x00[", b"[\x00", b"\x00#", b"#\x00"):
        raise UnsafeInputError(p, "is UTF-16 text; TOML case files must be UTF-8 (save it as "
                                  "UTF-8)")
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        raise UnsafeInputError(p, "is a workbook or archive, not a TOML case file (a filled-in "
                                  "template must be named .xlsx)")
    if b"\x00" in data:
        raise UnsafeInputError(p, "is a binary file, not a TOML case file")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeInputError(p, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                                  f"{exc.start}); TOML case files must be UTF-8") from None


_EXTERNAL_TARGET = re.compile(rb"<(?:[\w.-]+:)?Relationship\b[^>]*TargetMode\s*=\s*[\"']External"
                              rb"[^>]*>", re.IGNORECASE)


def _refuse_external(p: Path) -> None:
    """A workbook read as a case must not link to outside files or addresses (an external
    workbook link, a DDE or OLE link, a connection, a macro project)."""
    with zipfile.ZipFile(p) as zf:  # check_workbook bounded every part already
        for info in zf.infolist():
            name = info.filename
            low = name.lower()
            if low.startswith(("xl/externallinks/", "xl/connections", "xl/vbaproject",
                               "xl/querytables/", "xl/embeddings/", "xl/activex/")):
                raise UnsafeInputError(p, f"holds {name}: external links, connections, macros "
                                          "and embedded objects are not accepted in a case "
                                          "workbook")
            if low.endswith(".rels"):
                m = _EXTERNAL_TARGET.search(zf.read(info))
                if m and b"hyperlink" not in m.group(0).lower():
                    raise UnsafeInputError(p, f"{name} links to an external target; external "
                                              "links are not accepted in a case workbook")


def _walk_text(obj: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a loaded case (pydantic models, dicts, lists), with its field path."""
    from pydantic import BaseModel

    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _walk_text(getattr(obj, name), f"{path}.{name}" if path else name)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield path, str(key)
            yield from _walk_text(value, f"{path}.{key}")
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            yield from _walk_text(value, f"{path}.{i}")


def check_case_limits(source: str, case: Any) -> None:
    """Refuse a loaded case that a workbook cannot hold or that would take too long to write.

    Text must fit in a cell (at most 32,767 characters, no control characters other than tab,
    line feed and carriage return); at most 1,200 cash flows, 500 line items, 200 FX rates.
    """
    counts = (("cash_flows.values", len(case.cash_flows.values), MAX_CASH_FLOWS, "cash flows"),
              ("compliance.items", len(case.compliance.items), MAX_LINE_ITEMS, "line items"),
              ("compliance.fx_rates", len(case.compliance.fx_rates), MAX_FX_RATES, "FX rates"))
    for field, n, limit, what in counts:
        if n > limit:
            raise UnsafeInputError(source, f"{field}: expected at most {limit:,} {what}, "
                                           f"got {n:,}")
    for field, text in _walk_text(case, ""):
        bad = _ILLEGAL_TEXT.search(text)
        if bad:
            raise UnsafeInputError(source, f"{field}: contains the control character "
                                           f"U+{ord(bad.group()):04X}, which a workbook cannot "
                                           "hold")
        if len(text) > MAX_TEXT_CHARS:
            raise UnsafeInputError(source, f"{field}: text of {len(text):,} characters; an "
                                           f"Excel cell holds at most {MAX_TEXT_CHARS:,}")


# --- workbooks ----------------------------------------------------------------------------------

_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s>/]")
_CELL_REF = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]{1,4})\$?([0-9]{1,8})")
_ROW_REF = re.compile(rb"<(?:[\w.-]+:)?row\s[^>]*?\br\s*=\s*[\"']([0-9]{1,12})")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)")
_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_DEFINED_NAME = re.compile(rb"<(?:[\w.-]+:)?definedName\b[^>]*>([^<]*)<")
_AREA = re.compile(r"(\$?[A-Za-z]{1,3})?(\$?[0-9]{1,8})?:(\$?[A-Za-z]{1,3})?(\$?[0-9]{1,8})?")


def _col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        if ch == "$":
            continue
        n = n * 26 + ord(ch) - 64
    return n


def _span(ref: str) -> int:
    """Cells spanned by an A1 reference or range (``A1:XFD1048576``, ``B:B``, ``3:3``)."""
    total = 0
    for m in _AREA.finditer(ref):
        c1, r1, c2, r2 = m.groups()
        if not (c1 or r1) or not (c2 or r2):
            continue
        cols = (abs(_col_number(c2) - _col_number(c1)) + 1 if c1 and c2 else EXCEL_MAX_COL)
        rows = (abs(int(r2.lstrip("$")) - int(r1.lstrip("$"))) + 1 if r1 and r2
                else EXCEL_MAX_ROW)
        total += cols * rows
    return total


class _PartScan:
    """Streaming scan of one part: entity declarations, encodings, cell counts and extent."""

    def __init__(self, label: str, name: str) -> None:
        self.label, self.name = label, name
        self.cells = 0
        self.max_row = 0
        self.max_col = 0
        self.names: list[bytes] = []
        self._carry = b""
        self._decoder: Any = None
        self._started = False
        self._declared = False

    def _fail(self, problem: str) -> UnsafeInputError:
        return UnsafeInputError(self.label, f"{problem} (part {self.name})")

    def feed(self, raw: bytes) -> None:
        if not self._started:
            self._started = True
            head = raw[:4]
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self._decoder = codecs.getincrementaldecoder("utf-16")("replace")
            elif head[:2] == b"<\x00":
                self._decoder = codecs.getincrementaldecoder("utf-16-le")("replace")
            elif head[:2] == b"\x00<":
                self._decoder = codecs.getincrementaldecoder("utf-16-be")("replace")
            elif head.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
                raise self._fail("XML in UTF-32, which Open Packaging Conventions forbid "
                                 "(ECMA-376 Part 2, M1.17)")
        data = self._decoder.decode(raw).encode("utf-8") if self._decoder else raw
        if not self._declared:
            self._declared = True
            enc = _ENCODING.match(data.lstrip(codecs.BOM_UTF8))
            if enc and enc.group(1).lower().replace(b"_", b"-") not in (
                    b"utf-8", b"utf8", b"utf-16", b"utf16", b"utf-16le", b"utf-16be"):
                raise self._fail(f"XML declares encoding {enc.group(1).decode()!r}; only UTF-8 "
                                 "or UTF-16 are allowed (ECMA-376 Part 2, M1.17)")
        buf = self._carry + data
        cut = buf.rfind(b">") + 1
        body, rest = buf[:cut], buf[cut:]
        self._carry = rest[-_CARRY:]
        self._scan(body)

    def finish(self) -> None:
        if self._decoder is not None:
            self._carry += self._decoder.decode(b"", final=True).encode("utf-8")
        self._scan(self._carry)
        self._carry = b""

    def _scan(self, body: bytes) -> None:
        if _DOCTYPE.search(body) or _ENTITY.search(body):
            raise self._fail("XML document type / entity declarations are not allowed in a "
                             "workbook (XML entity bomb or external entity; ECMA-376 Part 2, "
                             "M1.18)")
        self.cells += len(_CELL.findall(body))
        for col, row in _CELL_REF.findall(body):
            self.max_col = max(self.max_col, _col_number(col))
            self.max_row = max(self.max_row, int(row))
        for row in _ROW_REF.findall(body):
            self.max_row = max(self.max_row, int(row))
        for ref in _DIMENSION.findall(body):
            area = _span(ref.decode("ascii", "replace"))
            if area > MAX_SHEET_AREA:
                raise self._fail(f"sheet declares a used range {ref.decode(errors='replace')} "
                                 f"of {area:,} cells; at most {MAX_SHEET_AREA:,} are supported")
        self.names.extend(_DEFINED_NAME.findall(body))
        if self.max_row > EXCEL_MAX_ROW or self.max_col > EXCEL_MAX_COL:
            raise self._fail(f"cell beyond Excel's grid (row {self.max_row:,}, column "
                             f"{self.max_col:,})")
        if self.max_row * self.max_col > MAX_SHEET_AREA:
            raise self._fail(f"sheet spans {self.max_row:,} rows x {self.max_col:,} columns; "
                             f"at most {MAX_SHEET_AREA:,} cells are supported")


def _sniff_not_zip(data: bytes) -> str:
    if data.startswith(_OLE_MAGIC):
        # An encrypted .xlsx is an OLE2 container holding the streams EncryptionInfo and
        # EncryptedPackage (MS-OFFCRYPTO 2.3.4); anything else in OLE2 is a legacy .xls.
        if "EncryptedPackage".encode("utf-16-le") in data:
            return ("is password-protected (encrypted); remove the password in Excel "
                    "(File > Info > Protect Workbook) and save again")
        return "is a legacy .xls (OLE2) workbook, not .xlsx; save it as .xlsx in Excel"
    head = data[:4096]
    if not head:
        return "is empty, not an .xlsx workbook"
    text = "" if b"\x00" in head else head.decode("utf-8", "replace")[:-2]
    if text and "\ufffd" not in text and all(ch.isprintable() or ch in "\r\n\t" for ch in text):
        kind = "CSV" if "," in text or ";" in text or "\t" in text else "text"
        return f"is {kind}, not an .xlsx workbook (not a zip file)"
    return "not an .xlsx workbook (not a zip file)"


def check_workbook(path: str | os.PathLike[str]) -> None:
    """Refuse a workbook that is not a sound, reasonably sized .xlsx, before parsing it.

    Checks, in order: the file exists and is at most 20 MiB; it is a zip (an OLE2 container
    is reported as encrypted or as legacy .xls, text as CSV/text); the central directory
    declares at most 1,000 parts, 32 MiB per part, 64 MiB in all and a compression ratio of at
    most 200:1 for parts over 100 KB; the zip is not itself encrypted; [Content_Types].xml,
    _rels/.rels and xl/workbook.xml exist. Then every part is decompressed in 1 MiB chunks
    (the declared sizes bound what is inflated; the CRC is verified), and its XML is scanned:
    no DOCTYPE or ENTITY declaration, UTF-8 or UTF-16 only, at most 200,000 cells in all, no
    sheet or defined name spanning more than 500,000 cells; every part that
    xl/_rels/workbook.xml.rels names exists.

    Raises
    ------
    UnsafeInputError
        ``"FILE: problem"`` naming the first problem found.
    """
    p = Path(path)
    label = str(p)
    size = _existing_file(p, "an .xlsx workbook")
    if size > MAX_WORKBOOK_BYTES:
        raise UnsafeInputError(label, f"file is {_mib(size)}; a workbook is at most "
                                      f"{_mib(MAX_WORKBOOK_BYTES)}")
    with p.open("rb") as fh:
        data = fh.read(min(size, MAX_WORKBOOK_BYTES))
    if not data.startswith(_ZIP_MAGIC) or not zipfile.is_zipfile(p):
        if data.startswith(_ZIP_MAGIC):
            raise UnsafeInputError(label, "damaged or truncated .xlsx (the zip directory is "
                                          "missing)")
        raise UnsafeInputError(label, _sniff_not_zip(data))
    try:
        with zipfile.ZipFile(p) as zf:
            _check_zip(label, zf)
    except UnsafeInputError:
        raise  # a ValueError itself: it must not be re-wrapped as "damaged" below
    except zipfile.BadZipFile as exc:
        raise UnsafeInputError(label, f"damaged or truncated .xlsx ({exc})") from None
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
            zlib.error) as exc:  # a corrupt deflate stream, an unsupported compression method
        raise UnsafeInputError(label, f"damaged .xlsx ({type(exc).__name__}: {exc})") from None


def _check_zip(label: str, zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        raise UnsafeInputError(label, f"{len(infos):,} parts in the zip; at most {MAX_PARTS:,}")
    seen: set[str] = set()
    total = 0
    for info in infos:
        key = info.filename.lower()
        if key in seen:  # Open Packaging Conventions, M1.12
            raise UnsafeInputError(label, f"damaged .xlsx (part {info.filename} appears twice)")
        seen.add(key)
        if info.flag_bits & 0x1:
            raise UnsafeInputError(label, f"the zip is encrypted (part {info.filename})")
        if info.file_size > MAX_PART_BYTES:
            raise UnsafeInputError(label, f"part {info.filename} unpacks to "
                                          f"{_mib(info.file_size)}; at most "
                                          f"{_mib(MAX_PART_BYTES)} per part (zip bomb?)")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeInputError(label, f"the parts unpack to more than "
                                          f"{_mib(MAX_TOTAL_BYTES)} in all (zip bomb?)")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_GRACE_BYTES and ratio > MAX_RATIO:
            raise UnsafeInputError(label, f"part {info.filename} has compression ratio "
                                          f"{ratio:,.0f}:1; at most {MAX_RATIO}:1 (zip bomb?)")
    for required in ("[content_types].xml", "_rels/.rels", "xl/workbook.xml"):
        if required not in seen:
            name = {"[content_types].xml": "[Content_Types].xml"}.get(required, required)
            raise UnsafeInputError(label, f"not a complete .xlsx workbook (no {name})")
    cells = 0
    names: list[bytes] = []
    for info in infos:
        if info.is_dir():
            continue
        scan = _PartScan(label, info.filename)
        read = 0
        with zf.open(info) as member:  # inflates at most file_size bytes; checks the CRC
            while chunk := member.read(_CHUNK):
                read += len(chunk)
                if read > MAX_PART_BYTES:  # belt and braces: never trust the header alone
                    raise UnsafeInputError(label, f"part {info.filename} unpacks beyond "
                                                  f"{_mib(MAX_PART_BYTES)} (zip bomb?)")
                scan.feed(chunk)
        scan.finish()
        cells += scan.cells
        if cells > MAX_CELLS:
            raise UnsafeInputError(label, f"more than {MAX_CELLS:,} cells; xl-corridor reads "
                                          "workbooks of at most that size")
        names.extend(scan.names)
    _check_workbook_rels(label, zf, seen)
    for text in names:
        ref = text.decode("utf-8", "replace")
        if _span(ref) > MAX_SHEET_AREA:
            raise UnsafeInputError(label, f"a defined name refers to {_span(ref):,} cells "
                                          f"({ref.strip()[:60]}); at most {MAX_SHEET_AREA:,}")


_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)>")
_TARGET = re.compile(rb"\bTarget\s*=\s*[\"']([^\"']*)")


def _check_workbook_rels(label: str, zf: zipfile.ZipFile, parts: set[str]) -> None:
    """Every internal part the workbook refers to (sheets, styles, strings) must exist."""
    rels = "xl/_rels/workbook.xml.rels"
    if rels not in parts:
        raise UnsafeInputError(label, f"not a complete .xlsx workbook (no {rels})")
    for attrs in _RELATIONSHIP.findall(zf.read(rels)):
        target = _TARGET.search(attrs)
        if target is None or b"External" in attrs:
            continue
        ref = target.group(1).decode("utf-8", "replace").split("#")[0]
        part = ref.lstrip("/") if ref.startswith("/") else posixpath.normpath("xl/" + ref)
        if part.lower() not in parts:
            raise UnsafeInputError(label, f"not a complete .xlsx workbook (no {part}, which "
                                          "xl/workbook.xml refers to)")


# --- output targets -----------------------------------------------------------------------------


def is_xl_corridor_workbook(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a workbook xl-corridor wrote (its core properties carry our marks)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > 1024 * 1024:
                return False
            raw = zf.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, EOFError, RuntimeError):
        return False
    if _DOCTYPE.search(raw) or _ENTITY.search(raw):
        return False
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(raw)
    except Exception:  # defusedxml and ElementTree raise several types on junk
        return False
    marks = {el.tag.rsplit("}", 1)[-1]: (el.text or "").strip() for el in root}
    return marks.get("creator") == OUR_CREATOR or marks.get("category") in OUR_CATEGORIES


def unchanged_since_written(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` still holds exactly the parts xl-corridor wrote.

    The writer stamps a SHA-256 of every part into ``docProps/custom.xml``
    (:func:`xl_corridor.workbook.save.content_fingerprint`); a file filled in, or re-saved by
    Excel or LibreOffice (which keep the author and category), no longer gives that digest.
    Reads at most :data:`MAX_TOTAL_BYTES`; anything unreadable counts as changed.
    """
    from xl_corridor.workbook.marks import CONTENT_HASH_PROPERTY
    from xl_corridor.workbook.save import CUSTOM_PART, content_fingerprint, stamped_fingerprints

    try:
        if Path(path).stat().st_size > MAX_WORKBOOK_BYTES:
            return False
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
                return False
            parts = {i.filename: zf.read(i) for i in infos}
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, EOFError, RuntimeError,
            NotImplementedError, zlib.error):
        return False
    stamped = stamped_fingerprints(parts.get(CUSTOM_PART, b""))
    return stamped.get(CONTENT_HASH_PROPERTY) == content_fingerprint(parts)


def check_target(path: str | os.PathLike[str], *, force: bool = False) -> None:
    """Refuse to write over anything but an unchanged workbook of our own, unless ``force``.

    A missing target is fine; so is a report or template exactly as xl-corridor wrote it (its
    content fingerprint still matches). A directory, a FIFO, a device or any other non-regular
    file is never a target, even with ``force`` (opening a FIFO would block forever). Any other
    existing file (a workbook the banker filled in or re-saved, another workbook, a text file)
    needs ``force``.
    """
    p = Path(path)
    if p.is_dir():
        raise UnsafeInputError(p, "is a directory; give a file name for the output")
    try:
        st = p.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UnsafeInputError(p, f"cannot inspect the output ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeInputError(p, "is not a regular file (a FIFO, device or socket); give the "
                                  "name of an ordinary file for the output")
    if force:
        return
    if not is_xl_corridor_workbook(p):
        raise UnsafeInputError(p, "exists and was not written by xl-corridor (no xl-corridor "
                                  "mark in its document properties); not overwritten. Pass "
                                  "--force to replace it")
    if not unchanged_since_written(p):
        raise UnsafeInputError(p, "exists and was changed after xl-corridor wrote it (filled "
                                  "in, or re-saved by Excel or LibreOffice); not overwritten. "
                                  "Pass --force to replace it")


def sweep_stale_temps(folder: str | os.PathLike[str], *,
                      older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete hidden ``.xl-corridor-*.tmp`` files left in ``folder`` by a killed write.

    Only files older than ``older_than`` seconds are removed, so a concurrent write's temporary
    file is never touched. Returns what was removed.
    """
    removed: list[Path] = []
    now = time.time()
    try:
        candidates = list(Path(folder).glob(TEMP_GLOB))
    except OSError:
        return removed
    for tmp in candidates:
        try:
            if tmp.is_file() and now - tmp.stat().st_mtime > older_than:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed
