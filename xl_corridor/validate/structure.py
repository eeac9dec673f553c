"""Structural validation: a workbook must equal what its builder writes for its own inputs.

Each kind of workbook xl-corridor writes registers a :class:`WorkbookKind`: its document
category, a builder that lays the workbook out in memory for a case, and from that the cells a
user may edit (:func:`xl_corridor.workbook.inputs.input_cells`, the one definition) and the
"snapshot" cells (stored engine output, such as a Monte Carlo run, that goes stale when inputs
change). :func:`compare` then checks the file against the builder's workbook part by part:
zip parts and external relationships, sheets (names, order, visibility), defined names,
external links, and in every sheet each cell's value or formula text, number format, merged
ranges, hyperlinks, conditional formats, data validations and hidden rows and columns. Only the
values of the editable cells (and, when the inputs changed, of the snapshot cells and of the
formulas that read them) may differ.

Other modules register their kinds with :func:`register`; reports and templates are
registered in :mod:`xl_corridor.validate.validator`.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xl_corridor.validate.canonical import same_formula, same_number_format
from xl_corridor.workbook.marks import ABS_FLOOR, TOLERANCE

__all__ = ["Expected", "Finding", "WorkbookKind", "compare", "dependents", "kinds", "register"]

#: At most this many findings are listed per workbook (the rest are counted).
MAX_FINDINGS = 200


@dataclass(frozen=True)
class Finding:
    """One difference: where (``Sheet!A1`` or a part name), expected, got and the problem."""

    cell: str
    expected: Any
    got: Any
    problem: str


@dataclass
class Expected:
    """What the builder writes for a case.

    ``package``: the .xlsx bytes (no cached values; b"" with ``workbook`` given: saved from it
    only if needed, see :func:`package`); ``cached``: sheet -> cell -> the engine's
    value of each formula cell (empty if the kind has no engine values to cache);
    ``editable``: ``Sheet!A1`` cells a user may edit; ``snapshot``: ``Sheet!A1`` cells holding
    stored output that goes stale when inputs change.
    """

    package: bytes
    cached: dict[str, dict[str, Any]] = field(default_factory=dict)
    editable: frozenset[str] = frozenset()
    snapshot: frozenset[str] = frozenset()
    extra: Any = None  # whatever the kind's numeric check needs (e.g. the report Plan)
    #: the builder's openpyxl workbook that ``package`` was saved from, if the kind keeps it:
    #: compared in memory instead of parsing ``package`` again (an empty-text cell counts as
    #: blank, as it does once saved)
    workbook: Any = None


@dataclass(frozen=True)
class WorkbookKind:
    """A kind of workbook: its name, its ``docProps/core.xml`` category and its builder.

    ``read`` reads the case back from the workbook being validated (label, workbook) and
    raises :class:`xl_corridor.case.CaseError` for rejected inputs; None: the listing Inputs
    sheet (:func:`xl_corridor.workbook.inputs.workbook_case_dict`).
    """

    name: str
    category: str
    build: Callable[[Any, Any], Expected]  # (case, the workbook being validated)
    #: reads the builder's inputs from the workbook: (label, openpyxl workbook) -> inputs,
    #: raising CorridorInputError; None: the listing case on its Inputs sheet
    read: Callable[[str, Any], Any] | None = None


_KINDS: dict[str, WorkbookKind] = {}


def package(expected: Expected) -> bytes:
    """The builder's .xlsx bytes, saved from ``expected.workbook`` on first use if the kind
    left ``package`` empty (a report's every part is one openpyxl always writes: the saving is
    needed only when the file holds a part outside that set)."""
    if not expected.package and expected.workbook is not None:
        raw = io.BytesIO()
        expected.workbook.save(raw)
        expected.package = raw.getvalue()
    return expected.package


def register(kind: WorkbookKind) -> None:
    """Register (or replace) a kind of workbook, keyed by its document category."""
    _KINDS[kind.category] = kind


def kinds() -> Mapping[str, WorkbookKind]:
    """The registered kinds, by document category."""
    return dict(_KINDS)


# --- parts --------------------------------------------------------------------------------------

# Parts Excel or LibreOffice add or renumber when they re-save a workbook, and that carry no
# content of their own: calculation chain, shared strings, styles, theme, printer settings,
# document properties, drawings and charts of existing sheets.
_BENIGN_PART = re.compile(
    r"^(\[Content_Types\]\.xml|_rels/\.rels|xl/workbook\.xml|xl/_rels/workbook\.xml\.rels"
    r"|xl/calcChain\.xml|xl/sharedStrings\.xml|xl/styles\.xml|xl/metadata\.xml"
    r"|xl/theme/theme\d+\.xml|xl/printerSettings/printerSettings\d+\.bin"
    r"|docProps/(app|core|custom)\.xml|docProps/thumbnail\.(jpeg|png|wmf)"
    r"|xl/worksheets/sheet\d+\.xml|xl/worksheets/_rels/sheet\d+\.xml\.rels"
    r"|xl/drawings/drawing\d+\.xml|xl/drawings/_rels/drawing\d+\.xml\.rels"
    r"|xl/charts/(chart|style|colors)\d+\.xml|xl/charts/_rels/chart\d+\.xml\.rels)$",
    re.IGNORECASE)
_EXTERNAL_REL = re.compile(rb"<(?:[\w.-]+:)?Relationship\b[^>]*TargetMode\s*=\s*[\"']External",
                           re.IGNORECASE)
_TARGET = re.compile(rb"\bTarget\s*=\s*[\"']([^\"']*)")


def _parts(label: str, data: bytes, expected: Expected) -> list[Finding]:
    out: list[Finding] = []
    ours: set[str] | None = None  # the builder's part names, once a part is not benign

    def builder_writes(name: str) -> bool:
        nonlocal ours
        if ours is None:
            with zipfile.ZipFile(io.BytesIO(package(expected))) as zf:
                ours = {n.lower() for n in zf.namelist()}
        return name.lower() in ours

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            name = info.filename
            if not _BENIGN_PART.match(name) and not builder_writes(name):
                out.append(Finding(name, "no such part", "part present",
                                   "part the builder does not write (external link, macro, "
                                   "connection, embedded object or other content)"))
            if name.lower().endswith(".rels"):
                for m in _EXTERNAL_REL.finditer(zf.read(info)):
                    target = _TARGET.search(m.group(0))
                    out.append(Finding(name, "no external relationship",
                                       target.group(1).decode("utf-8", "replace")[:200]
                                       if target else "external target",
                                       "relationship to an outside file or address"))
    return out


# --- cells --------------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Cell values equal: numbers at the checks' tolerance, everything else exactly."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if hasattr(a, "isoformat") != hasattr(b, "isoformat") and isinstance(
            b if hasattr(a, "isoformat") else a, int | float):
        # a number stored under a date format reads back as a date: compare serials
        from openpyxl.utils.datetime import to_excel

        a, b = (to_excel(v) if hasattr(v, "isoformat") else v for v in (a, b))
    if isinstance(a, int | float) and isinstance(b, int | float):
        if not (math.isfinite(a) and math.isfinite(b)):
            return False
        return abs(a - b) <= max(TOLERANCE * abs(b), ABS_FLOOR)
    if hasattr(a, "isoformat") and hasattr(b, "isoformat"):
        return str(a)[:10] == str(b)[:10] and getattr(a, "time", lambda: None)() == getattr(
            b, "time", lambda: None)()
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if a is None or b is None:
        return a is None and b is None
    return str(getattr(a, "text", a)) == str(getattr(b, "text", b)) and type(a) is type(b)


def _text(v: Any) -> Any:
    """ArrayFormula and DataTableFormula objects as their formula text."""
    if v is not None and not isinstance(v, str | int | float | bool) and hasattr(v, "text"):
        return f"{{{getattr(v, 'ref', '')}}}{v.text}"
    return v


def _hidden_rows(ws: Any) -> set[int]:
    return {r for r, d in ws.row_dimensions.items() if d.hidden}


def _hidden_cols(ws: Any) -> set[int]:
    from openpyxl.utils import column_index_from_string

    cols: set[int] = set()
    for key, d in ws.column_dimensions.items():
        if d.hidden:
            lo = d.min or column_index_from_string(key)
            hi = d.max or lo
            cols.update(range(lo, min(hi, lo + 16384) + 1))
    return cols


def _names(wb: Any) -> dict[str, str]:
    out = {f"{n}": f"{d.attr_text}{' (hidden)' if d.hidden else ''}"
           for n, d in wb.defined_names.items()}
    for ws in wb.worksheets:
        for n, d in ws.defined_names.items():
            out[f"{ws.title}!{n}"] = f"{d.attr_text}{' (hidden)' if d.hidden else ''}"
    return out


def _same_name(want: str | None, got: str | None) -> bool:
    """Defined names alike, up to how an application spells the reference (sheet quotes)."""
    if want is None or got is None:
        return want is got
    hidden = " (hidden)"
    return want.endswith(hidden) == got.endswith(hidden) and same_formula(
        want.removesuffix(hidden), got.removesuffix(hidden))


def _same_cell(got: Any, want: Any) -> bool:
    """Cell contents alike: formulas up to spelling (:mod:`~xl_corridor.validate.canonical`),
    values by :func:`_same`."""
    if isinstance(got, str) and isinstance(want, str):
        if got.startswith("=") and want.startswith("="):
            return same_formula(got, want)
        if got.startswith("{") and want.startswith("{"):  # array formulas, see _text
            (ref_g, _, text_g), (ref_w, _, text_w) = got.partition("}"), want.partition("}")
            return ref_g == ref_w and same_formula(text_g, text_w)
    return _same(got, want)


def _array_members(cells: Iterable[Any]) -> set[str]:
    """The cells the array formulas among ``cells`` fill besides their first: an application
    saves their results there (Excel the numbers, LibreOffice without the add-in #NAME?)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries

    out: set[str] = set()
    for c in cells:
        ref = getattr(c.value, "ref", None)
        if ref is None or not hasattr(c.value, "text"):
            continue
        lo_col, lo_row, hi_col, hi_row = range_boundaries(str(ref))
        out.update(f"{get_column_letter(col)}{r}" for r in range(lo_row, hi_row + 1)
                   for col in range(lo_col, hi_col + 1))
        out.discard(c.coordinate)
    return out


def compare(data: bytes, got_wb: Any, expected: Expected, *, stale: bool,
            skip: frozenset[str] = frozenset()) -> list[Finding]:
    """Everything in which the workbook (``data``, loaded as ``got_wb``) differs from the one
    the builder writes (``expected``), except the values of editable cells (and, when
    ``stale``, of ``skip``: snapshot cells and the formulas that read them)."""
    from openpyxl import load_workbook

    found: list[Finding] = _parts("", data, expected)
    in_memory = expected.workbook is not None
    exp = expected.workbook if in_memory else load_workbook(io.BytesIO(package(expected)))
    try:
        if got_wb.sheetnames != exp.sheetnames:
            for title in got_wb.sheetnames:
                if title not in exp.sheetnames:
                    ws = got_wb[title]
                    first = next((c.coordinate for row in ws.iter_rows() for c in row
                                  if c.value is not None), "A1")
                    found.append(Finding(f"{title}!{first}", "no such sheet", "sheet present",
                                         "sheet the builder does not write"))
            for title in exp.sheetnames:
                if title not in got_wb.sheetnames:
                    found.append(Finding(title, "sheet", None, "sheet missing"))
            if not found:
                found.append(Finding("xl/workbook.xml", exp.sheetnames, got_wb.sheetnames,
                                     "sheets reordered"))
        found.extend(_calculation(exp, got_wb))
        if getattr(got_wb, "_external_links", None):
            found.append(Finding("xl/externalLinks", "no external links",
                                 f"{len(got_wb._external_links)} link(s)",
                                 "external workbook link"))
        want_names, got_names = _names(exp), _names(got_wb)
        for name in sorted(set(want_names) | set(got_names)):
            if not _same_name(want_names.get(name), got_names.get(name)):
                found.append(Finding(f"defined name {name}", want_names.get(name),
                                     got_names.get(name),
                                     "defined name added, removed, moved or redirected"))
        for title in exp.sheetnames:
            if title in got_wb.sheetnames:
                found.extend(_sheet(exp[title], got_wb[title], expected, stale, skip))
    finally:
        if not in_memory:
            exp.close()
    return found


def _calculation(want: Any, got: Any) -> list[Finding]:
    """Workbook settings that change what a recalculating reader is shown for the same
    formulas: "precision as displayed" (``fullPrecision="0"``: Excel rounds every value to its
    number format) and the 1904 date system (every date serial shifts by 1,462 days)."""
    out = []

    def precision(wb: Any) -> bool:
        calc = getattr(wb, "calculation", None)
        return getattr(calc, "fullPrecision", None) is not False

    if precision(want) != precision(got):
        out.append(Finding("xl/workbook.xml", "full precision", "precision as displayed",
                           "calculation setting changed (values rounded to their format)"))
    if getattr(want, "epoch", None) != getattr(got, "epoch", None):
        out.append(Finding("xl/workbook.xml", "1900 date system", "1904 date system",
                           "date system changed (every date shifts by 1,462 days)"))
    return out


def _sheet(want: Any, got: Any, expected: Expected, stale: bool,
           skip: frozenset[str]) -> Iterable[Finding]:
    title = want.title
    if want.sheet_state != got.sheet_state:
        yield Finding(title, want.sheet_state, got.sheet_state, "sheet visibility changed")
    for what, hw, hg in (("rows", _hidden_rows(want), _hidden_rows(got)),
                       ("columns", _hidden_cols(want), _hidden_cols(got))):
        if hw != hg:
            yield Finding(title, sorted(hw)[:20], sorted(hg)[:20], f"hidden {what} changed")
    if {str(r) for r in want.merged_cells.ranges} != {str(r) for r in got.merged_cells.ranges}:
        yield Finding(title, sorted(map(str, want.merged_cells.ranges))[:10],
                      sorted(map(str, got.merged_cells.ranges))[:10], "merged cells changed")
    if len(got.conditional_formatting) != len(want.conditional_formatting):
        yield Finding(title, len(want.conditional_formatting), len(got.conditional_formatting),
                      "conditional formats added or removed (they can hide or recolour values)")
    if len(got.data_validations.dataValidation) > len(want.data_validations.dataValidation):
        yield Finding(title, len(want.data_validations.dataValidation),
                      len(got.data_validations.dataValidation), "data validations added")
    for link in got._hyperlinks:
        yield Finding(f"{title}!{link.ref}", None, link.target or link.location,
                      "hyperlink the builder does not write")
    cells_w = {c.coordinate: c for row in want.iter_rows() for c in row
               if c.value is not None and c.value != ""}  # "" is not saved: blank
    cells_g = {c.coordinate: c for row in got.iter_rows() for c in row if c.value is not None}
    members = _array_members(cells_w.values())
    for ref in sorted(set(cells_w) | set(cells_g), key=_order):
        key = f"{title}!{ref}"
        w, g = cells_w.get(ref), cells_g.get(ref)
        wv, gv = _text(w.value) if w is not None else None, _text(g.value) if g else None
        editable = key in expected.editable or (
            w is None and ref in members and not (isinstance(gv, str) and gv[:1] in "={"))
        if stale and key in skip:
            continue
        if not editable and not _same_cell(gv, wv):
            is_formula = isinstance(wv, str) and wv.startswith("=") or (
                isinstance(gv, str) and gv.startswith("="))
            yield Finding(key, wv, gv, "formula differs from the one the builder writes"
                          if is_formula else "value or label differs from the one the builder "
                          "writes")
        if g is not None:
            # a cell the builder formats but leaves empty (an array formula's other cells)
            # keeps its format: peek without creating the cell in the builder's sheet
            fw = w if w is not None else want._cells.get((g.row, g.column))
            want_fmt = fw.number_format if fw is not None else "General"
            if not same_number_format(want_fmt, g.number_format):
                yield Finding(key, want_fmt, g.number_format, "number format changed")


def _order(ref: str) -> tuple[int, str]:
    m = re.match(r"([A-Z]+)(\d+)", ref)
    return (int(m.group(2)), m.group(1).rjust(3)) if m else (0, ref)


# --- what reads the snapshot --------------------------------------------------------------------

_REF = re.compile(r"(?:'?([^'!=(),*+/^&<>-]+)'?!)?\$?([A-Z]{1,3})\$?([0-9]+)"
                  r"(?::\$?([A-Z]{1,3})\$?([0-9]+))?|\b([A-Za-z_][A-Za-z0-9_.]*)\b")


def dependents(wb: Any, cells: frozenset[str], *, max_cells: int = 100_000) -> frozenset[str]:
    """``cells`` and every formula cell of ``wb`` that reads them, directly or through other
    formulas or defined names (ranges expanded, at most ``max_cells`` cells per range)."""
    names: dict[str, set[str]] = {}
    for n, d in wb.defined_names.items():
        refs: set[str] = set()
        try:
            for sheet, ref in d.destinations:
                refs.update(_expand(sheet, ref.replace("$", ""), max_cells))
        except (ValueError, TypeError, AttributeError):
            continue
        names[n.lower()] = refs
    reads: dict[str, set[str]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = _text(c.value)
                if not (isinstance(v, str) and v.startswith(("=", "{"))):
                    continue
                deps: set[str] = set()
                for m in _REF.finditer(v.split("}", 1)[-1]):
                    sheet, c1, r1, c2, r2, name = m.groups()
                    if name:
                        deps |= names.get(name.lower(), set())
                        continue
                    area = f"{c1}{r1}" + (f":{c2}{r2}" if c2 else "")
                    deps.update(_expand(sheet or ws.title, area, max_cells))
                reads[f"{ws.title}!{c.coordinate}"] = deps
    out = set(cells)
    changed = True
    while changed:
        changed = False
        for cell, deps in reads.items():
            if cell not in out and deps & out:
                out.add(cell)
                changed = True
    return frozenset(out)


def _expand(sheet: str, area: str, max_cells: int) -> set[str]:
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries

    c1, r1, c2, r2 = range_boundaries(area)
    if None in (c1, r1, c2, r2):
        return set()
    assert c1 is not None and r1 is not None and c2 is not None and r2 is not None
    if (c2 - c1 + 1) * (r2 - r1 + 1) > max_cells:
        return set()
    return {f"{sheet}!{get_column_letter(c)}{r}" for r in range(r1, r2 + 1)
            for c in range(c1, c2 + 1)}


# --- cached values, straight from the sheet XML -------------------------------------------------

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> its part name, from ``xl/workbook.xml`` and its relationships."""
    from defusedxml.ElementTree import fromstring

    names = set(zf.namelist())
    book = fromstring(zf.read("xl/workbook.xml"))
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = fromstring(zf.read(rels_name)) if rels_name in names else None
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels.iter(f"{_NS_PKG}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[rel.get("Id", "")] = target
    out: dict[str, str] = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        part = targets.get(sheet.get(f"{_NS_REL}id", ""), "")
        if part in names:
            out[sheet.get("name", "")] = part
    return out


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    from defusedxml.ElementTree import fromstring

    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    root = fromstring(zf.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(f"{_NS_MAIN}t"))
            for si in root.iter(f"{_NS_MAIN}si")]


def cached_values(data: bytes) -> dict[str, dict[str, Any]]:
    """The cached result of every formula cell that carries one, read from the sheet XML
    (sheet title -> ``A1`` -> value): numbers as floats, ``t="b"`` as bool, text and error
    values (``#VALUE!``) as str; an empty ``t="str"`` result is "". A formula cell without a
    stored value (openpyxl writes ``<v/>``, no type) is absent. Pre-flight
    (:mod:`xl_corridor.validate.safety`) has refused DTDs and entity declarations before this
    reads a part; defusedxml refuses them again."""
    from defusedxml.ElementTree import iterparse

    out: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = _sheet_parts(zf)
        shared: list[str] | None = None
        c_tag, f_tag, v_tag = f"{_NS_MAIN}c", f"{_NS_MAIN}f", f"{_NS_MAIN}v"
        for title, part in parts.items():
            cells: dict[str, Any] = {}
            for _, el in iterparse(io.BytesIO(zf.read(part)), events=("end",)):
                if el.tag != c_tag:
                    continue
                f = el.find(f_tag)
                if f is None:
                    el.clear()
                    continue
                v = el.find(v_tag)
                kind = el.get("t", "n")
                text = v.text if v is not None else None
                ref = el.get("r", "")
                if kind == "str":
                    if v is not None:
                        cells[ref] = text or ""
                elif text:
                    if kind == "b":
                        cells[ref] = text.strip() in ("1", "true")
                    elif kind == "e":
                        cells[ref] = text
                    elif kind == "s":
                        if shared is None:
                            shared = _shared_strings(zf)
                        try:
                            cells[ref] = shared[int(text)]
                        except (ValueError, IndexError):
                            cells[ref] = text
                    elif kind == "d":
                        from openpyxl.utils.datetime import from_ISO8601, to_excel

                        try:
                            cells[ref] = float(to_excel(from_ISO8601(text)))
                        except ValueError:
                            cells[ref] = text
                    else:
                        try:
                            cells[ref] = float(text)
                        except ValueError:
                            cells[ref] = text
                el.clear()
            out[title] = cells
    return out
