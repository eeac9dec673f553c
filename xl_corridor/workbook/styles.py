"""Workbook styles and cell helpers shared by every sheet writer (report, template).

Banker conventions: inputs blue on a pale fill, formulas black, links to other sheets green.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

BLUE = Font(color="0000FF")
BLACK = Font(color="000000")
GREEN = Font(color="008000")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
NOTE = Font(italic=True, color="808080")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")

FMT = {
    "rate": "0.00%",
    "amount": "#,##0.0",
    "number": "0.00",
    "int": "0",
    "date": "yyyy-mm-dd",
    "df": "0.000000",
    "text": "@",
    "timing": "@",
    "bool": "General",
}

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
    ws.oddFooter.center.text = "&A - page &P of &N"


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
