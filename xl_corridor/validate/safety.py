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
import functools
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
from xl_corridor.limits import (
    CASE_MAX_CASH_FLOWS,
    CASE_MAX_CODE_CHARS,
    CASE_MAX_FILE_BYTES,
    CASE_MAX_FX_RATES,
    CASE_MAX_KEY_PARTS,
    CASE_MAX_LINE_ITEMS,
    CASE_MAX_SOURCE_CHARS,
    CASE_MAX_TEXT_CHARS,
    EXCEL_MAX_COL,
    EXCEL_MAX_FORMULA_CHARS,
    EXCEL_MAX_ROW,
    WORKBOOK_MAX_AREA_CELLS,
    WORKBOOK_MAX_CELLS,
    WORKBOOK_MAX_FILE_BYTES,
    WORKBOOK_MAX_HYPERLINKS,
    WORKBOOK_MAX_MERGES,
    WORKBOOK_MAX_NAME_CHARS,
    WORKBOOK_MAX_NAMES,
    WORKBOOK_MAX_PART_BYTES,
    WORKBOOK_MAX_PARTS,
    WORKBOOK_MAX_RATIO,
    WORKBOOK_MAX_ROWS,
    WORKBOOK_MAX_RULES,
    WORKBOOK_MAX_UNPACKED_BYTES,
    WORKBOOK_RATIO_GRACE_BYTES,
)
from xl_corridor.workbook.marks import TEMP_GLOB

__all__ = [
    "UnsafeInputError",
    "check_case_file",
    "check_case_limits",
    "check_case_text",
    "check_text",
    "check_target",
    "check_workbook",
    "unchanged_since_written",
    "defusedxml_active",
    "is_xl_corridor_workbook",
    "sweep_stale_temps",
]

# Limits are defined once, in xl_corridor.limits (what each bounds, and why that value).

# Characters XML 1.0 (hence a workbook) cannot hold; openpyxl raises IllegalCharacterError.
_ILLEGAL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Unicode noncharacters (U+FDD0-U+FDEF and the last two code points of every plane, Unicode
# 15.0 section 23.7) and lone surrogates: XML 1.0 excludes U+FFFE, U+FFFF and surrogates
# (section 2.2), and the others are "not for open interchange".
_NONCHARACTER = re.compile("[\ufdd0-\ufdef\ud800-\udfff" + "".join(
    chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17)) + "]")

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
    if size > CASE_MAX_FILE_BYTES:
        raise UnsafeInputError(p, f"file is {_mib(size)}; a case file is at most "
                                  f"{_mib(CASE_MAX_FILE_BYTES)}")
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
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeInputError(p, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                                  f"{exc.start}); TOML case files must be UTF-8") from None
    check_case_text(str(p), text)


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
    """Every string in a loaded case (pydantic models, dicts, lists), with its field path
    (list positions counted from 1, in brackets; a dict key as ``path.key`` and its text as
    ``path.key (the name)``)."""
    from pydantic import BaseModel

    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _walk_text(getattr(obj, name), f"{path}.{name}" if path else name)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield f"{path}.{str(key)[:40]} (the name)", str(key)
            yield from _walk_text(value, f"{path}.{str(key)[:40]}")
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            yield from _walk_text(value, f"{path}[{i + 1}]")


def _text_limit(field: str) -> tuple[int, str]:
    """How many characters a case text field may hold, and what kind of text it is."""
    leaf = field.rsplit(".", 1)[-1]
    if leaf in ("units", "currency", "aix_currency") or field.startswith("compliance.fx_rates."):
        return CASE_MAX_CODE_CHARS, "a unit or currency code"
    if field.startswith("sources.") and not field.endswith("(the name)") or leaf == "source":
        return CASE_MAX_SOURCE_CHARS, "a source citation"
    return CASE_MAX_TEXT_CHARS, "a name or label"


def check_text(source: str, field: str, text: str, limit: int = CASE_MAX_TEXT_CHARS,
               what: str = "a name or label") -> None:
    """Refuse text a workbook cannot hold or a report should not show.

    Control characters other than tab, line feed and carriage return and Unicode
    noncharacters (U+FFFE, U+FFFF, U+FDD0-U+FDEF, ...) cannot be written to XML or are not
    for interchange; text longer than ``limit`` characters is not ``what`` it claims to be.
    """
    bad = _ILLEGAL_TEXT.search(text) or _NONCHARACTER.search(text)
    if bad:
        kind = "control character" if bad.re is _ILLEGAL_TEXT else "noncharacter"
        raise UnsafeInputError(source, f"{field}: contains the {kind} U+{ord(bad.group()):04X} "
                                       f"at position {bad.start() + 1}, which a workbook cannot "
                                       "hold")
    if len(text) > limit:
        raise UnsafeInputError(source, f"{field}: text of {len(text):,} characters; expected "
                                       f"{what} of at most {limit:,}")


def check_case_limits(source: str, case: Any) -> None:
    """Refuse a loaded case that a workbook cannot hold or that would take too long to write.

    Text (see :func:`check_text`): names, labels and other text at most 255 characters, units
    and currency codes at most 32, source citations at most 1,000; at most 1,200 cash flows,
    500 line items, 200 FX rates.
    """
    counts = (("cash_flows.values", len(case.cash_flows.values), CASE_MAX_CASH_FLOWS,
               "cash flows"),
              ("compliance.items", len(case.compliance.items), CASE_MAX_LINE_ITEMS,
               "line items"),
              ("compliance.fx_rates", len(case.compliance.fx_rates), CASE_MAX_FX_RATES,
               "FX rates"))
    for field, n, limit, what in counts:
        if n > limit:
            raise UnsafeInputError(source, f"{field}: expected at most {limit:,} {what}, "
                                           f"got {n:,}")
    check_case_texts(source, case)


def check_case_texts(source: str, case: Any) -> None:
    """Every text of a loaded case (listing or corridor) through :func:`check_text`, with the
    limit its field calls for: names and labels, unit and currency codes, source citations."""
    for field, text in _walk_text(case, ""):
        check_text(source, field, text, *_text_limit(field))


_KEY = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_DEEP_KEY = re.compile(rf"(?:^|[{{,])[ \t]*\[*[ \t]*{_KEY}(?:[ \t]*\.[ \t]*{_KEY})"
                       rf"{{{CASE_MAX_KEY_PARTS}}}", re.MULTILINE)


def check_case_text(source: str, text: str) -> None:
    """Refuse TOML text that is too long or nests keys too deeply, before tomllib parses it.

    At most 2 MiB, and no dotted key or table header of more than 8 parts (``a.b.c`` has 3;
    tomllib's work grows with the square of a key's parts).
    """
    if len(text) > CASE_MAX_FILE_BYTES:
        raise UnsafeInputError(source, f"case text of {len(text):,} characters; a case file is "
                                       f"at most {_mib(CASE_MAX_FILE_BYTES)}")
    deep = _DEEP_KEY.search(text)
    if deep:
        line = text.count("\n", 0, deep.start() + 1) + (text[deep.start()] != "\n")
        raise UnsafeInputError(source, f"line {line}: a dotted key or table name with more "
                                       f"than {CASE_MAX_KEY_PARTS} parts; case files nest at "
                                       "most 3 deep")


# --- workbooks ----------------------------------------------------------------------------------

_P = rb"<(?:[\w.-]+:)?"  # an element, with or without a namespace prefix
_CELL = re.compile(_P + rb"c[\s>/]")
_ROW = re.compile(_P + rb"row[\s>/]")
_CELL_REF = re.compile(_P + rb"c\s[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]{1,4})\$?([0-9]{1,8})")
_ROW_REF = re.compile(_P + rb"row\s[^>]*?\br\s*=\s*[\"']([0-9]{1,12})")
_DIMENSION = re.compile(_P + rb"dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)")
_MERGE = re.compile(_P + rb"mergeCell[\s>/]([^>]*)")
_HYPERLINK = re.compile(_P + rb"hyperlink[\s>/]([^>]*)")
_RULE = re.compile(_P + rb"(?:cfRule|dataValidation)[\s>/]")
_REF_ATTR = re.compile(rb"\bref\s*=\s*[\"']([^\"']*)")
_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
# Elements whose TEXT is a reference or formula: a cell formula (<f>, also in charts as
# <c:f>) and a defined name. The scan keeps each whole, across chunk boundaries.
_TEXT_OPEN = re.compile(_P + rb"(f|definedName)\b([^>]*)>")
_TEXT_ELEMENT = re.compile(  # groups: the element, its attributes, its text
    _P + rb"(f|definedName)\b([^>]*?)(?:/>|>([^<]*)</(?:[\w.-]+:)?\1>)")
_CELL_AT = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*[\"']([A-Za-z$]{1,5}[0-9$]{1,9})")
_AREA = re.compile(r"(\$?[A-Za-z]{1,3})?(\$?[0-9]{1,8})?:(\$?[A-Za-z]{1,3})?(\$?[0-9]{1,8})?")
_STRING_LITERAL = re.compile(r'"[^"]*"')
# Print titles (rows and columns repeated on every printed page) are whole rows and columns by
# Excel's definition; they drive no computation, so their extent is not bounded.
_TITLE_AREA = (r"(?:'[^'!]{1,31}'|[A-Za-z0-9_.]{1,31})!"
               r"(?:\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?[0-9]{1,7}:\$?[0-9]{1,7})")
_PRINT_TITLES = re.compile(f"{_TITLE_AREA}(?:,{_TITLE_AREA})?")
_XML_ESCAPE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")


@functools.lru_cache(maxsize=4096)
def _col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        if ch == "$":
            continue
        n = n * 26 + ord(ch) - 64
    return n


def _span(ref: str) -> int:
    """Cells spanned by an A1 reference or range (``A1:XFD1048576``, ``B:B``, ``3:3``), summed
    over every range in ``ref`` (text in double quotes, a string literal, is skipped)."""
    total = 0
    for m in _AREA.finditer(_STRING_LITERAL.sub('""', ref)):
        c1, r1, c2, r2 = m.groups()
        if not (c1 or r1) or not (c2 or r2):
            continue
        cols = (abs(_col_number(c2) - _col_number(c1)) + 1 if c1 and c2 else EXCEL_MAX_COL)
        rows = (abs(int(r2.lstrip("$")) - int(r1.lstrip("$"))) + 1 if r1 and r2
                else EXCEL_MAX_ROW)
        total += cols * rows
    return total


def _unescape(raw: bytes) -> str:
    """XML character data as text (the five entities and character references)."""
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code.startswith("#"):
            n = int(code[2:], 16) if code[1] in "xX" else int(code[1:])
            return chr(n) if n <= 0x10FFFF else "\ufffd"
        return {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}[code]
    return _XML_ESCAPE.sub(one, raw.decode("utf-8", "replace"))


class _Totals:
    """What the parts of one workbook add up to (each bounded in xl_corridor.limits)."""

    def __init__(self) -> None:
        self.cells = self.rows = self.merges = self.hyperlinks = self.rules = 0
        self.names = self.name_chars = 0


class _PartScan:
    """Streaming scan of one part: entity declarations, encodings, and every count and extent
    :mod:`xl_corridor.limits` bounds (cells, rows, merged ranges, hyperlinks, defined names,
    the ranges formulas refer to). Each chunk is scanned up to the last complete tag; a formula
    or defined name is kept whole across chunks (it is at most 8,192 characters)."""

    def __init__(self, label: str, name: str, totals: _Totals | None = None) -> None:
        self.label, self.name = label, name
        self.totals = totals if totals is not None else _Totals()
        self.cells = 0
        self.max_row = 0
        self.max_col = 0
        self.merge_area = 0
        self.link_area = 0
        self._last_cell = ""  # the last cell opened in the previous chunks
        self._carry = b""
        self._decoder: Any = None
        self._utf8: Any = None  # checks that a part without a UTF-16 mark is UTF-8
        self._read = 0
        self._started = False
        self._declared = False

    def _fail(self, problem: str) -> UnsafeInputError:
        return UnsafeInputError(self.label, f"{problem} (part {self.name})")

    def feed(self, raw: bytes) -> None:
        if not self._started:
            self._started = True
            head = raw[:4]
            if head.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
                raise self._fail("XML in UTF-32, which Open Packaging Conventions forbid "
                                 "(ECMA-376 Part 2, M1.17)")
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self._decoder = codecs.getincrementaldecoder("utf-16")("replace")
            elif head[:2] == b"<\x00":
                self._decoder = codecs.getincrementaldecoder("utf-16-le")("replace")
            elif head[:2] == b"\x00<":
                self._decoder = codecs.getincrementaldecoder("utf-16-be")("replace")
            elif self.name.lower().endswith((".xml", ".rels")):  # not images and the like
                self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        data = self._decoder.decode(raw).encode("utf-8") if self._decoder else raw
        if not self._declared:
            self._declared = True
            enc = _ENCODING.match(data.lstrip(codecs.BOM_UTF8))
            name = enc.group(1).lower().replace(b"_", b"-") if enc else b""
            if enc and name not in (
                    b"utf-8", b"utf8", b"utf-16", b"utf16", b"utf-16le", b"utf-16be"):
                raise self._fail(f"XML declares encoding {enc.group(1).decode()!r}; only UTF-8 "
                                 "or UTF-16 are allowed (ECMA-376 Part 2, M1.17)")
            if self._decoder is not None and name in (b"utf-8", b"utf8"):
                raise self._fail("XML declares UTF-8 but is UTF-16")
        if self._utf8 is not None:
            try:
                self._utf8.decode(raw)
            except UnicodeDecodeError as exc:
                raise self._fail(f"XML that is neither UTF-8 nor UTF-16 (byte "
                                 f"0x{raw[exc.start]:02x} at offset {self._read + exc.start:,}); "
                                 "only UTF-8 or UTF-16 are allowed (ECMA-376 Part 2, "
                                 "M1.17)") from None
        self._read += len(raw)
        buf = self._carry + data
        cut = buf.rfind(b"<")  # everything before the last tag's start is complete tags/text
        if cut < 0:
            cut = 0
        opened = None
        for opened in _TEXT_OPEN.finditer(buf):  # noqa: B007  (the last one)
            pass
        if opened is not None and not opened.group(0).endswith(b"/>") and not re.search(
                rb"</(?:[\w.-]+:)?" + opened.group(1) + rb">", buf[opened.end():max(cut, 0)]):
            # a formula or defined name not closed before the cut is kept whole, for the next
            # chunk (its text can be longer than the carry: then it is too long)
            cut = min(cut, opened.start())
        body, rest = buf[:cut], buf[cut:]
        if len(rest) > _CARRY:
            if opened is not None and cut == opened.start():
                what = "a formula" if opened.group(1) == b"f" else "a defined name"
                raise self._fail(f"{what} longer than {EXCEL_MAX_FORMULA_CHARS:,} characters "
                                 "(Excel's limit for a formula)")
            rest = rest[-_CARRY:]  # one giant tag: keep its end only (bounded memory)
        self._carry = rest
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
        t = self.totals
        n = len(_CELL.findall(body))
        self.cells += n
        t.cells += n
        if t.cells > WORKBOOK_MAX_CELLS:
            raise self._fail(f"more than {WORKBOOK_MAX_CELLS:,} cells; xl-corridor reads "
                             "workbooks of at most that size")
        t.rows += len(_ROW.findall(body))
        if t.rows > WORKBOOK_MAX_ROWS:
            raise self._fail(f"more than {WORKBOOK_MAX_ROWS:,} rows (<row> elements, empty or "
                             "not); xl-corridor reads workbooks of at most that size")
        for col, row in _CELL_REF.findall(body):
            self.max_col = max(self.max_col, _col_number(col))
            self.max_row = max(self.max_row, int(row))
        for row in _ROW_REF.findall(body):
            self.max_row = max(self.max_row, int(row))
        for ref in _DIMENSION.findall(body) if b"dimension" in body else ():
            area = _span(ref.decode("ascii", "replace"))
            if area > WORKBOOK_MAX_AREA_CELLS:
                raise self._fail(f"sheet declares a used range {ref.decode(errors='replace')} "
                                 f"of {area:,} cells; at most {WORKBOOK_MAX_AREA_CELLS:,} are "
                                 "supported")
        self._ranges(body)
        self._texts(body)
        if self.max_row > EXCEL_MAX_ROW or self.max_col > EXCEL_MAX_COL:
            raise self._fail(f"cell beyond Excel's grid (row {self.max_row:,}, column "
                             f"{self.max_col:,})")
        if self.max_row * max(self.max_col, 1) > WORKBOOK_MAX_AREA_CELLS:
            raise self._fail(f"sheet spans {self.max_row:,} rows x {max(self.max_col, 1):,} "
                             f"columns; at most {WORKBOOK_MAX_AREA_CELLS:,} cells are supported")

    def _ranges(self, body: bytes) -> None:
        """Merged and hyperlinked ranges: openpyxl makes a cell object for every cell in them."""
        t = self.totals
        if b"cfRule" in body or b"dataValidation" in body:
            t.rules += len(_RULE.findall(body))
            if t.rules > WORKBOOK_MAX_RULES:
                raise self._fail(f"more than {WORKBOOK_MAX_RULES:,} conditional-format rules "
                                 "and data validations; xl-corridor reads workbooks of at most "
                                 "that many")
        for what, pattern, limit in (("merged range", _MERGE, WORKBOOK_MAX_MERGES),
                                     ("hyperlink", _HYPERLINK, WORKBOOK_MAX_HYPERLINKS)):
            if (b"mergeCell" if what == "merged range" else b"hyperlink") not in body:
                continue  # most parts have neither: skip the regular expression
            for attrs in pattern.findall(body):
                ref = _REF_ATTR.search(attrs)
                area = _span(ref.group(1).decode("ascii", "replace")) if ref else 0
                if what == "hyperlink":
                    t.hyperlinks += 1
                    self.link_area += area
                    count, total = t.hyperlinks, self.link_area
                else:
                    t.merges += 1
                    self.merge_area += area
                    count, total = t.merges, self.merge_area
                if count > limit:
                    raise self._fail(f"more than {limit:,} {what}s; xl-corridor reads "
                                     "workbooks of at most that many")
                if total > WORKBOOK_MAX_AREA_CELLS:
                    shown = ref.group(1).decode("ascii", "replace")[:40] if ref else "?"
                    raise self._fail(f"{what}s cover {total:,} cells (the last: {shown}); at "
                                     f"most {WORKBOOK_MAX_AREA_CELLS:,} cells are supported")

    @staticmethod
    def _cell_before(body: bytes, end: int) -> str:
        """The reference of the last cell opened in ``body`` before ``end`` ("" if none)."""
        cell = _CELL_AT.match(body, max(body.rfind(b"<c ", 0, end), 0))
        return cell.group(1).decode("ascii").replace("$", "") if cell else ""

    def _texts(self, body: bytes) -> None:
        """Formulas and defined names: length, and the cells their references span."""
        self._texts_in(body)
        self._last_cell = self._cell_before(body, len(body)) or self._last_cell

    def _texts_in(self, body: bytes) -> None:
        t = self.totals
        for m in _TEXT_ELEMENT.finditer(body):
            kind, attrs, raw = m.group(1), m.group(2), m.group(3) or b""
            text = _unescape(raw) if b"&" in raw else raw.decode("utf-8", "replace")
            if kind == b"definedName":
                t.names += 1
                t.name_chars += len(text)
                label = re.search(rb"\bname\s*=\s*[\"']([^\"']{0,60})", attrs)
                where = f"defined name {label.group(1).decode(errors='replace')}" if label \
                    else "a defined name"
                if t.names > WORKBOOK_MAX_NAMES:
                    raise self._fail(f"more than {WORKBOOK_MAX_NAMES:,} defined names")
                if t.name_chars > WORKBOOK_MAX_NAME_CHARS:
                    raise self._fail(f"defined names of more than {WORKBOOK_MAX_NAME_CHARS:,} "
                                     "characters in all")
                if (label and label.group(1) == b"_xlnm.Print_Titles"
                        and _PRINT_TITLES.fullmatch(text.strip())):
                    continue  # whole rows and columns repeated on printed pages: no computation
            else:
                where = "a formula"  # named with its cell below, if it is refused
                ref = _REF_ATTR.search(attrs)  # a shared or array formula's range
                if ref:
                    text = f"{text},{ref.group(1).decode('ascii', 'replace')}"
            area = _span(text) if ":" in text else 0  # single cells: at most 8,192 characters
            if len(text) <= EXCEL_MAX_FORMULA_CHARS and area <= WORKBOOK_MAX_AREA_CELLS:
                continue
            if kind == b"f":
                cell = self._cell_before(body, m.start()) or self._last_cell
                if cell:
                    where = f"formula in cell {cell}"
            if len(text) > EXCEL_MAX_FORMULA_CHARS:
                raise self._fail(f"{where} has {len(text):,} characters; at most "
                                 f"{EXCEL_MAX_FORMULA_CHARS:,} (Excel's limit for a formula)")
            if area > WORKBOOK_MAX_AREA_CELLS:
                raise self._fail(f"{where} refers to {area:,} cells ({text.strip()[:60]}); at "
                                 f"most {WORKBOOK_MAX_AREA_CELLS:,} are supported")


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
    no DOCTYPE or ENTITY declaration, UTF-8 or UTF-16 only; in all at most 200,000 cells,
    100,000 rows, 10,000 merged ranges, 10,000 hyperlinks, 2,000 conditional-format rules and
    data validations, 1,000 defined names of 262,144 characters; no formula or defined name
    longer than 8,192 characters; no sheet's used range, defined name, formula's ranges, or a
    sheet's merged or hyperlinked ranges together spanning more than 500,000 cells
    (:mod:`xl_corridor.limits`); every part that xl/_rels/workbook.xml.rels names exists.
    Time and memory are bounded by the part sizes: the scan keeps at most one chunk and 64 KiB
    of carry.

    Raises
    ------
    UnsafeInputError
        ``"FILE: problem"`` naming the first problem found.
    """
    p = Path(path)
    label = str(p)
    size = _existing_file(p, "an .xlsx workbook")
    if size > WORKBOOK_MAX_FILE_BYTES:
        raise UnsafeInputError(label, f"file is {_mib(size)}; a workbook is at most "
                                      f"{_mib(WORKBOOK_MAX_FILE_BYTES)}")
    with p.open("rb") as fh:
        data = fh.read(min(size, WORKBOOK_MAX_FILE_BYTES))
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
    if len(infos) > WORKBOOK_MAX_PARTS:
        raise UnsafeInputError(label, f"{len(infos):,} parts in the zip; at most "
                                      f"{WORKBOOK_MAX_PARTS:,}")
    seen: set[str] = set()
    total = 0
    for info in infos:
        key = info.filename.lower()
        if key in seen:  # Open Packaging Conventions, M1.12
            raise UnsafeInputError(label, f"damaged .xlsx (part {info.filename} appears twice)")
        seen.add(key)
        if info.flag_bits & 0x1:
            raise UnsafeInputError(label, f"the zip is encrypted (part {info.filename})")
        if info.file_size > WORKBOOK_MAX_PART_BYTES:
            raise UnsafeInputError(label, f"part {info.filename} unpacks to "
                                          f"{_mib(info.file_size)}; at most "
                                          f"{_mib(WORKBOOK_MAX_PART_BYTES)} per part (zip bomb?)")
        total += info.file_size
        if total > WORKBOOK_MAX_UNPACKED_BYTES:
            raise UnsafeInputError(label, f"the parts unpack to more than "
                                          f"{_mib(WORKBOOK_MAX_UNPACKED_BYTES)} in all (zip bomb?)")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > WORKBOOK_RATIO_GRACE_BYTES and ratio > WORKBOOK_MAX_RATIO:
            raise UnsafeInputError(label, f"part {info.filename} has compression ratio "
                                          f"{ratio:,.0f}:1; at most {WORKBOOK_MAX_RATIO}:1 "
                                          "(zip bomb?)")
    for required in ("[content_types].xml", "_rels/.rels", "xl/workbook.xml"):
        if required not in seen:
            name = {"[content_types].xml": "[Content_Types].xml"}.get(required, required)
            raise UnsafeInputError(label, f"not a complete .xlsx workbook (no {name})")
    totals = _Totals()  # cells, rows, merges, hyperlinks, defined names: over all parts
    for info in infos:
        if info.is_dir():
            continue
        scan = _PartScan(label, info.filename, totals)
        read = 0
        with zf.open(info) as member:  # inflates at most file_size bytes; checks the CRC
            while chunk := member.read(_CHUNK):
                read += len(chunk)
                if read > WORKBOOK_MAX_PART_BYTES:  # never trust the header alone
                    raise UnsafeInputError(label, f"part {info.filename} unpacks beyond "
                                                  f"{_mib(WORKBOOK_MAX_PART_BYTES)} (zip bomb?)")
                scan.feed(chunk)
        scan.finish()
    _check_workbook_rels(label, zf, seen)


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
    Reads at most :data:`WORKBOOK_MAX_UNPACKED_BYTES`; anything unreadable counts as changed.
    """
    from xl_corridor.workbook.marks import CONTENT_HASH_PROPERTY
    from xl_corridor.workbook.save import CUSTOM_PART, content_fingerprint, stamped_fingerprints

    try:
        if Path(path).stat().st_size > WORKBOOK_MAX_FILE_BYTES:
            return False
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > WORKBOOK_MAX_PARTS or sum(
                    i.file_size for i in infos) > WORKBOOK_MAX_UNPACKED_BYTES:
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
