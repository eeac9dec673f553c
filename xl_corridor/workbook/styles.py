"""Workbook styles and cell helpers shared by every sheet writer (report, template).

Banker conventions (the Macabacus defaults): one font family and size on every style; inputs
(hard-coded numbers) blue on a pale fill, formulas black, links to other sheets green;
negatives in parentheses in every amount and rate format; gridlines off; a "Draft -
Confidential" header and a sheet/page footer on every printed page.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

#: The one font of every workbook: LibreOffice and Excel both carry Arial (or a metric twin).
FONT_NAME = "Arial"
FONT_SIZE = 10
BASE = Font(name=FONT_NAME, size=FONT_SIZE, color="000000")


def font(**kw: Any) -> Font:
    """The base font with some attributes changed (never a font without name and size)."""
    f = copy.copy(BASE)
    for key, value in kw.items():
        setattr(f, key, value)
    return f


BLUE = font(color="0000FF")
BLACK = font()
GREEN = font(color="008000")
BOLD = font(bold=True)
TITLE = font(bold=True, size=14)
SUBTITLE = font(bold=True, size=11)
NOTE = font(italic=True, color="808080")
BIG = font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")

# Conditional-format looks: outcome colours (decision), negative cells, the base-case box.
GOOD_FILL = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")
WAIT_FILL = PatternFill("solid", fgColor="FFEB9C", bgColor="FFEB9C")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
NEG_FILL = PatternFill("solid", fgColor="FCE4E4", bgColor="FCE4E4")
_EDGE = Side(style="medium", color="000000")
BOX = Border(left=_EDGE, right=_EDGE, top=_EDGE, bottom=_EDGE)

#: Output formats: negatives in parentheses, positives padded so the digits align.
FMT = {
    "rate": "0.00%_);(0.00%)",
    "amount": "#,##0.0_);(#,##0.0)",
    "number": "0.00_);(0.00)",
    "int": "0",
    "shares": "#,##0",
    "date": "yyyy-mm-dd",
    "df": "0.000000",
    "text": "@",
    "timing": "@",
    "bool": "General",
}
#: Input formats: enough decimals that a typed 0.35 shows as 0.35 (optional digits padded).
INPUT_FMT = {
    **FMT,
    "rate": "0.00??%_);(0.00??%)",
    "amount": "#,##0.0???_);(#,##0.0???)",
    "number": "0.00??_);(0.00??)",
}

DRAFT_HEADER = "Draft - Confidential"


def put_text(ws: Worksheet, ref: str, value: Any, font: Font | None = None) -> None:
    """Write text as text: a label starting with = + - @ never becomes a formula."""
    cell = ws[ref]
    cell.value = None if value is None else str(value)
    if value is not None:
        cell.data_type = "s"
    if font is not None:
        cell.font = font


def define(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    """A workbook-scoped defined name with an absolute reference."""
    cols_rows = ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))
    wb.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!{cols_rows}")


def header(ws: Worksheet, row: int, labels: list[str], col: int = 1) -> None:
    for i, lab in enumerate(labels):
        cell = ws.cell(row=row, column=col + i)
        put_text(ws, cell.coordinate, lab, BOLD)
        cell.fill = HEADER_FILL


def print_setup(ws: Worksheet, freeze: str | None, landscape: bool = False) -> None:
    if freeze:
        ws.freeze_panes = freeze
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.sheet_view.showGridLines = False
    ws.oddHeader.right.text = DRAFT_HEADER
    ws.oddHeader.right.size = 8
    ws.oddFooter.center.text = "&A - page &P of &N"
    ws.oddFooter.center.size = 8


def gridlines_off(wb: Workbook) -> None:
    """No gridlines on screen on any sheet, and the Draft header on sheets without one."""
    for ws in wb.worksheets:
        ws.sheet_view.showGridLines = False
        if not ws.oddHeader.right.text:
            ws.oddHeader.right.text = DRAFT_HEADER
            ws.oddHeader.right.size = 8


def properties(wb: Workbook, title: str, subject: str) -> None:
    """Document properties: title and subject (the save stamps author and a fixed date, so
    that the same inputs give the same bytes)."""
    wb.properties.title = title
    wb.properties.subject = subject
    wb.properties.keywords = DRAFT_HEADER


def shade_negative(ws: Worksheet, ref: str) -> None:
    """Negative numbers in ``ref`` on a pale red fill (conditional format, live)."""
    first = ref.split(":")[0]
    ws.conditional_formatting.add(ref, FormulaRule(
        formula=[f"AND(ISNUMBER({first}),{first}<0)"], fill=NEG_FILL))


def box(ws: Worksheet, ref: str, condition: str | None = None) -> None:
    """A medium border around the cells of ``ref`` (a static one, or a conditional one that
    appears where ``condition`` holds: a formula relative to the first cell)."""
    if condition is not None:
        ws.conditional_formatting.add(ref, FormulaRule(formula=[condition], border=BOX,
                                                       font=font(bold=True)))
        return
    if ":" not in ref:
        ws[ref].border = BOX
        return
    for row in ws[ref]:
        for cell in row:
            cell.border = BOX


def stacked_columns(data: Worksheet, first: int, last: int, *, title: str, y_title: str,
                    y_format: str, size: tuple[float, float]) -> BarChart:
    """A stacked column chart of rows ``first``..``last`` of ``data``: each row a series, its
    label in column A and its two values in B:C, the categories in B:C of the row above.
    ``size`` is (height, width) in centimetres."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = title
    chart.y_axis.title = y_title
    chart.y_axis.number_format = y_format
    for r in range(first, last + 1):
        chart.add_data(Reference(data, min_col=1, max_col=3, min_row=r, max_row=r),
                       from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(data, min_col=2, max_col=3, min_row=first - 1,
                                   max_row=first - 1))
    chart.height, chart.width = size
    return chart
