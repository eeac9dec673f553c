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

import html
import io
import math
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xl_corridor.validate.canonical import same_formula, same_number_format
from xl_corridor.workbook.marks import ABS_FLOOR, TOLERANCE

__all__ = ["Expected", "Finding", "WorkbookKind", "cached_values", "compare", "dependents", "kinds",
           "read_cached", "register"]

#: At most this many findings are listed per workbook (the rest are counted).
MAX_FINDINGS = 200
#: What a formula typed into an input cell is called.
INPUT_FORMULA = ("formula in an input cell (inputs are typed values; a formula can read hidden "
                 "cells or outside sources)")


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
_CHART_PART = re.compile(r"^xl/charts/chart\d+\.xml$", re.IGNORECASE)
_SHEET_PART = re.compile(r"^xl/worksheets/sheet\d+\.xml$", re.IGNORECASE)
_DRAWING = re.compile(r"^xl/drawings/drawing\d+\.xml$", re.IGNORECASE)
# a drawing's shapes, pictures, groups, connectors and ink; the builder's drawings hold charts
_SHAPE = re.compile(rb"<(?:[\w.-]+:)?(?:sp|pic|grpSp|cxnSp|contentPart)[\s>/]")


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
        sheets = {p.lower() for p in _sheet_parts(zf).values()}
        for info in zf.infolist():
            name = info.filename
            if _SHEET_PART.match(name) and name.lower() not in sheets:
                out.append(Finding(name, "no such part", "part present",
                                   "worksheet part that no sheet of the workbook uses"))
            if not _BENIGN_PART.match(name) and not builder_writes(name):
                out.append(Finding(name, "no such part", "part present",
                                   "part the builder does not write (external link, macro, "
                                   "connection, embedded object or other content)"))
            if _DRAWING.match(name) and _SHAPE.search(zf.read(info)):
                out.append(Finding(name, "charts only", "a shape, picture or text box",
                                   "shape, picture or text box the builder does not write "
                                   "(it can cover or relabel cells)"))
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
    if type(v).__name__ == "DataTableFormula":  # a what-if data table: no text of its own
        return f"{{TABLE {getattr(v, 'ref', '')} r1={getattr(v, 'r1', '')} " \
               f"r2={getattr(v, 'r2', '')}}}"
    return v


def _hidden_rows(ws: Any) -> set[int]:
    """Rows hidden, or made invisible by a height under 1 point."""
    return {r for r, d in ws.row_dimensions.items()
            if d.hidden or d.ht is not None and d.ht < 1}


def _hidden_cols(ws: Any) -> set[int]:
    from openpyxl.utils import column_index_from_string

    cols: set[int] = set()
    for key, d in ws.column_dimensions.items():
        if d.hidden or d.width is not None and d.width < 0.5:  # width 0: hidden too
            lo = d.min or column_index_from_string(key)
            hi = d.max or lo
            cols.update(range(lo, min(hi, lo + 16384) + 1))
    return cols


def _names(wb: Any) -> dict[str, tuple[str, bool]]:
    """Each defined name (sheet-scoped ones as ``Sheet!name``): its reference and hidden flag."""
    out = {f"{n}": (d.attr_text, bool(d.hidden)) for n, d in wb.defined_names.items()}
    for ws in wb.worksheets:
        for n, d in ws.defined_names.items():
            out[f"{ws.title}!{n}"] = (d.attr_text, bool(d.hidden))
    return out


def _same_name(want: tuple[str, bool] | None, got: tuple[str, bool] | None) -> bool:
    """Defined names alike, up to how an application spells the reference (sheet quotes)."""
    if want is None or got is None:
        return want is got
    return want[1] == got[1] and same_formula(want[0], got[0])


def _shown_name(name: tuple[str, bool] | None) -> str | None:
    return None if name is None else f"{name[0]}{' (hidden)' if name[1] else ''}"


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
                found.append(Finding(f"defined name {name}", _shown_name(want_names.get(name)),
                                     _shown_name(got_names.get(name)),
                                     "defined name added, removed, moved or redirected"))
        for title in exp.sheetnames:
            if title in got_wb.sheetnames:
                found.extend(_sheet(exp[title], got_wb[title], expected, stale, skip))
        found.extend(_charts(data, exp))
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
    if want.sheet_view.showZeros is not False and got.sheet_view.showZeros is False:
        yield Finding(title, "zeros shown", "zeros hidden", "sheet hides zero values")
    yield from _invisible(title, want, got, expected.editable)
    for what, hw, hg in (("rows", _hidden_rows(want), _hidden_rows(got)),
                       ("columns", _hidden_cols(want), _hidden_cols(got))):
        if hw != hg:
            yield Finding(title, sorted(hw)[:20], sorted(hg)[:20], f"hidden {what} changed")
    if {str(r) for r in want.merged_cells.ranges} != {str(r) for r in got.merged_cells.ranges}:
        yield Finding(title, sorted(map(str, want.merged_cells.ranges))[:10],
                      sorted(map(str, got.merged_cells.ranges))[:10], "merged cells changed")
    yield from _rules(title, want, got)
    yield from _page_texts(title, want, got)
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
        if editable and g is not None and g.data_type == "f" and (w is None or w.data_type != "f"):
            yield Finding(key, "a typed value", gv, INPUT_FORMULA)
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



# --- what colours, hides or draws over cells: conditional formats, validations, charts -------


def _colour(c: Any) -> str:
    """A colour as ``rgb:RRGGBB`` (alpha dropped), ``theme:N`` or ``indexed:N``."""
    if c is None:
        return ""
    kind = getattr(c, "type", "rgb")
    value = getattr(c, kind, None)
    if kind == "rgb" and isinstance(value, str):
        value = value.upper()[-6:]
    return f"{kind}:{value}"


def _dxf(d: Any) -> tuple[Any, ...]:
    """What a conditional format's style does to a cell: font colour and weight, fill, number
    format, border presence."""
    if d is None:
        return ()
    font, fill = getattr(d, "font", None), getattr(d, "fill", None)
    num = getattr(d, "numFmt", None)
    return (_colour(getattr(font, "color", None)) if font else "",
            bool(getattr(font, "b", False)) if font else False,
            bool(getattr(font, "i", False)) if font else False,
            getattr(font, "sz", None) if font else None,
            bool(getattr(font, "strike", False)) if font else False,
            _dxf_fill(fill),
            getattr(num, "formatCode", None) if num is not None else None,
            getattr(d, "border", None) is not None)


def _dxf_fill(fill: Any) -> str:
    """A conditional format's fill colour: a differential fill paints its bgColor (ECMA-376
    18.8.32), and a solid one written with fgColor alone paints that; Excel and LibreOffice
    omit patternType."""
    if fill is None or getattr(fill, "patternType", None) == "none":
        return ""
    for attr in ("bgColor", "fgColor"):
        c = getattr(fill, attr, None)
        if c is not None and _colour(c) not in ("rgb:000000", "indexed:64"):  # unset: default
            return _colour(c)
    return ""


def _rule_formula(text: Any) -> str:
    """A rule's formula without ``$`` and spaces outside its string literals, upper case
    outside them."""
    parts = str(text).split('"')
    return '"'.join(p if i % 2 else re.sub(r"[\s$]", "", p).upper() for i, p in enumerate(parts))


def _cf_rules(ws: Any) -> list[tuple[Any, ...]]:
    out = []
    for cf in ws.conditional_formatting:
        area = " ".join(sorted(str(cf.sqref).split()))
        for rule in cf.rules:
            out.append((rule.priority or 0, area, rule.type, rule.operator,
                        tuple(_rule_formula(f) for f in rule.formula or ()),
                        rule.text or "",  # stopIfTrue: LibreOffice drops it; the first
                        # rule's style wins a conflict anyway
                        _dxf(getattr(rule, "dxf", None)),
                        bool(rule.colorScale or rule.dataBar or rule.iconSet)))
    out.sort(key=lambda r: r[0])  # applied in priority order; the numbers may be renumbered
    return [r[1:] for r in out]


def _show_rule(rule: tuple[Any, ...]) -> str:
    area, kind, op, formulas, _, style = rule[:6]
    names = ("font", "bold", "italic", "size", "strike", "fill", "format", "border")
    shown = ", ".join(f"{n} {v}" for n, v in zip(names, style, strict=False) if v)
    return f"{area}: {kind}{' ' + op if op else ''} {' '.join(formulas)} -> {shown or 'no style'}"


def _validations(ws: Any) -> list[tuple[Any, ...]]:
    return sorted((" ".join(sorted(str(dv.sqref).split())), str(dv.type),
                   _rule_formula(dv.formula1 or ""),
                   _rule_formula(dv.formula2 or "") if dv.type not in ("list", "custom")
                   else "",  # LibreOffice writes a formula2 that a list does not use
                   dv.prompt or "", dv.promptTitle or "", dv.error or "", dv.errorTitle or "",
                   bool(dv.showInputMessage), bool(dv.showErrorMessage))
                  for dv in ws.data_validations.dataValidation)


def _rules(title: str, want: Any, got: Any) -> Iterable[Finding]:
    """Conditional formats (a changed rule, range or style can hide or recolour a value, such
    as the decision) and data validations (a prompt shows text over a cell)."""
    w, g = _cf_rules(want), _cf_rules(got)
    if w != g:
        diff = next((i for i, (a, b) in enumerate(zip(w, g, strict=False)) if a != b),
                    min(len(w), len(g)))
        area = (g[diff] if diff < len(g) else w[diff])[0]
        yield Finding(f"{title}!{area.split()[0].split(':')[0]}",
                      _show_rule(w[diff]) if diff < len(w) else None,
                      _show_rule(g[diff]) if diff < len(g) else None,
                      "conditional formats added, removed or changed (they can hide or "
                      "recolour values)")
    wv, gv = _validations(want), _validations(got)
    if wv != gv:
        odd = [x for x in gv if x not in wv] or [x for x in wv if x not in gv]
        yield Finding(f"{title}!{odd[0][0].split()[0].split(':')[0]}",
                      len(wv), len(gv), "data validations added, removed or changed")


_THEME_TEXT = {"theme:0": "rgb:FFFFFF", "theme:1": "rgb:000000"}  # lt1 and dk1 (Office theme)


def _ink(cell: Any) -> tuple[str, str]:
    """A cell's text colour and background, as :func:`_colour` strings."""
    font = _colour(cell.font.color) if cell.font is not None and cell.font.color else "rgb:000000"
    fill = cell.fill
    back = (_colour(fill.fgColor) if fill is not None and fill.patternType == "solid"
            else "rgb:FFFFFF")
    return _THEME_TEXT.get(font, font), _THEME_TEXT.get(back, back)


def _invisible(title: str, want: Any, got: Any, editable: frozenset[str]) -> Iterable[Finding]:
    """Text made invisible: its colour that of its background, or a font under 2 points."""
    seen: dict[tuple[int, int], bool] = {}  # (font, fill) -> legible: cells share styles
    for c in got._cells.values():
        style = getattr(c, "_style", None)
        if style is None or c.value is None or c.value == "":
            continue
        key = (style.fontId, style.fillId)
        legible = seen.get(key)
        if legible is None:
            ink, back = _ink(c)
            size = c.font.sz if c.font is not None and c.font.sz is not None else 11
            legible = seen[key] = ink != back and size >= 2
        if legible or f"{title}!{c.coordinate}" in editable:
            continue
        ink, back = _ink(c)
        size = c.font.sz if c.font is not None and c.font.sz is not None else 11
        w = want._cells.get((c.row, c.column))
        w_ink, w_back = _ink(w) if w is not None else ("rgb:000000", "rgb:FFFFFF")
        w_size = w.font.sz if w is not None and w.font is not None and w.font.sz else 11
        if (ink, back, size) != (w_ink, w_back, w_size):
            yield Finding(f"{title}!{c.coordinate}", f"text {w_ink} on {w_back}",
                          f"text {ink} on {back}, {size} pt",
                          "text made invisible (its colour is the background's, or its "
                          "font too small to read)")


def _page_texts(title: str, want: Any, got: Any) -> Iterable[Finding]:
    """Printed headers and footers (text a reader of a printout sees on every page)."""
    def texts(ws: Any) -> list[str]:
        out = []
        for which in ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader",
                      "firstFooter"):
            part = getattr(ws, which, None)
            for side in ("left", "center", "right"):
                text = getattr(getattr(part, side, None), "text", None) if part else None
                out.append(re.sub(r"\s+", " ", text or "").strip())
        return out

    w, g = texts(want), texts(got)
    if w != g:
        i = next(i for i, (a, b) in enumerate(zip(w, g, strict=True)) if a != b)
        yield Finding(f"{title} (page header/footer)", w[i], g[i],
                      "printed header or footer text changed")


_CHART_TEXT = re.compile(rb"<(?:[\w.-]+:)?(f|t)>([^<]*)</(?:[\w.-]+:)?(?:f|t)>")


def _chart_signature(xml: bytes) -> tuple[str, ...]:
    """What a chart shows: its texts (titles) and the ranges it plots (``$`` and quotes
    dropped), sorted; the same for the builder's chart and the file's, whoever saved it."""
    out = []
    for kind, text in _CHART_TEXT.findall(xml):
        value = html.unescape(text.decode("utf-8", "replace"))
        out.append(("plots " + re.sub(r"['$]", "", value)) if kind == b"f" else value)
    return tuple(sorted(out))


def _charts(data: bytes, want_wb: Any) -> list[Finding]:
    """Every chart the file holds must be one the builder draws: same titles, same ranges."""
    from xml.etree.ElementTree import tostring

    want = Counter(_chart_signature(tostring(chart._write())) for ws in want_wb.worksheets
                   for chart in getattr(ws, "_charts", ()))
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in sorted(zf.namelist()):
            if not _CHART_PART.match(name):
                continue
            sig = _chart_signature(zf.read(name))
            if want[sig] > 0:
                want[sig] -= 1
                continue
            out.append(Finding(name, "a chart the builder draws", "; ".join(sig)[:300],
                               "chart title or plotted ranges changed"))
    for sig, n in want.items():
        if n > 0:
            out.append(Finding("xl/charts", "; ".join(sig)[:300], None, "chart missing"))
    return out


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


def _shared_strings(zf: zipfile.ZipFile) -> tuple[list[str], set[int]]:
    """The shared strings, and the positions of those in rich text (runs)."""
    from defusedxml.ElementTree import fromstring

    if "xl/sharedStrings.xml" not in zf.namelist():
        return [], set()
    root = fromstring(zf.read("xl/sharedStrings.xml"))
    texts: list[str] = []
    rich: set[int] = set()
    for i, si in enumerate(root.iter(f"{_NS_MAIN}si")):
        texts.append("".join(t.text or "" for t in si.iter(f"{_NS_MAIN}t")))
        if si.find(f"{_NS_MAIN}r") is not None:
            rich.add(i)
    return texts, rich


def cached_values(data: bytes) -> dict[str, dict[str, Any]]:
    """The cached result of every formula cell that carries one, read from the sheet XML
    (sheet title -> ``A1`` -> value): numbers as floats, ``t="b"`` as bool, text and error
    values (``#VALUE!``) as str; an empty ``t="str"`` result is "". A formula cell without a
    stored value (openpyxl writes ``<v/>``, no type) is absent. See :func:`read_cached`."""
    return read_cached(data)[0]


_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def read_cached(data: bytes) -> tuple[dict[str, dict[str, Any]], list[Finding]]:
    """:func:`cached_values`, and the cells whose XML readers may show differently.

    Cells are placed as openpyxl places them: a cell without ``r`` follows the previous one in
    its row, a row without ``r`` follows the previous row, ``r`` is read without ``$`` and in
    any case. A formula's cached value stored as an inline string (``t="inlineStr"``) is that
    string. Findings (``Sheet!A1``): a cell written twice, a cell holding more than one
    cached value or formula (readers differ on which they show), and rich text (runs with
    their own fonts, which can hide or recolour part of a text; the builder writes none).
    Pre-flight (:mod:`xl_corridor.validate.safety`) has refused DTDs and entity declarations
    before this reads a part; defusedxml refuses them again."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils import column_index_from_string, get_column_letter

    out: dict[str, dict[str, Any]] = {}
    found: list[Finding] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = _sheet_parts(zf)
        shared: list[str] | None = None
        rich: set[int] = set()
        tags = {n: f"{_NS_MAIN}{n}" for n in ("c", "f", "v", "row", "is", "r", "t")}
        for title, part in parts.items():
            cells: dict[str, Any] = {}
            seen: set[str] = set()
            row_no = col_no = 0
            for event, el in iterparse(io.BytesIO(zf.read(part)), events=("start", "end")):
                if event == "start":
                    if el.tag == tags["row"]:
                        r = el.get("r", "")
                        row_no = int(r) if r.strip().isdigit() else row_no + 1
                        col_no = 0
                    continue
                if el.tag == tags["row"]:
                    el.clear()
                    continue
                if el.tag != tags["c"]:
                    continue
                m = _A1.fullmatch(el.get("r", "").strip())
                if m:
                    col_no = column_index_from_string(m.group(1).upper())
                    row_no = int(m.group(2))
                    ref = f"{m.group(1).upper()}{int(m.group(2))}"
                else:
                    col_no += 1
                    ref = f"{get_column_letter(min(col_no, 16384))}{row_no}"
                where = f"{title}!{ref}"
                if ref in seen:
                    found.append(Finding(where, "one cell", "the cell written twice",
                                         "cell appears twice in the sheet (readers differ on "
                                         "which one they show)"))
                seen.add(ref)
                fs, vs = el.findall(tags["f"]), el.findall(tags["v"])
                kind = el.get("t", "n")
                inline = el.find(tags["is"])
                if len(fs) > 1 or len(vs) > 1:
                    found.append(Finding(where, "one formula and one cached value",
                                         f"{len(fs)} formulas, {len(vs)} cached values",
                                         "cell holds several formulas or cached values "
                                         "(readers differ on which one they show)"))
                if inline is not None and inline.find(tags["r"]) is not None:
                    found.append(Finding(where, "plain text", "rich text",
                                         "rich text (runs with their own fonts can hide or "
                                         "recolour part of a text)"))
                if kind == "s" and vs and (vs[0].text or "").strip().isdigit():
                    if shared is None:
                        shared, rich = _shared_strings(zf)
                    if int(vs[0].text or 0) in rich:
                        found.append(Finding(where, "plain text", "rich text",
                                             "rich text (runs with their own fonts can hide "
                                             "or recolour part of a text)"))
                if not fs:
                    el.clear()
                    continue
                v = vs[-1] if vs else None
                text = v.text if v is not None else None
                if len(vs) > 1:  # never equal to an engine value: caught by the comparison
                    cells[ref] = "several cached values: " + ", ".join(
                        (x.text or "") for x in vs)[:200]
                elif kind == "inlineStr":
                    if inline is not None:
                        cells[ref] = "".join(t.text or "" for t in inline.iter(tags["t"]))
                elif kind == "str":
                    if v is not None:
                        cells[ref] = text or ""
                elif text:
                    if kind == "b":
                        cells[ref] = text.strip() in ("1", "true")
                    elif kind == "e":
                        cells[ref] = text
                    elif kind == "s":
                        if shared is None:
                            shared, rich = _shared_strings(zf)
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
    return out, found
