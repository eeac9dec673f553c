"""Inputs at build against inputs now: how a workbook knows its snapshots have gone stale.

Every number a report shows is a live formula, except what cannot be (the Monte Carlo, the
engine's own values in the Checks sheet). Those are snapshots of the inputs the report was built
from. This block lists each input as it was at build (a stamped value) beside its live value,
and ``inputs_edited`` is TRUE as soon as one differs, so every snapshot can say it is stale
instead of reading as a failed check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.case import Case
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook.inputs import OPTIONAL_SCALARS, PARITY_COLUMNS, SCALARS, input_value
from xl_corridor.workbook.marks import EXCEL_EPOCH
from xl_corridor.workbook.styles import BOLD, INPUT_FMT, define, header, put_text

__all__ = ["STALE", "write_fingerprint"]

#: What a stale snapshot says; FILE is the report's own name as Excel knows it.
STALE = "STALE: inputs edited since the build; re-run xl-corridor report FILE"

# Ranges of numbers: a position-weighted sum changes when any value moves or swaps places.
_NUMBER_RANGES = ("cash_flows", "cf_dates", "comp_amounts", "fx_rate")
_TEXT_RANGES = ("comp_ccy", "fx_ccy")


def _number(v: Any) -> float:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return float((v - EXCEL_EPOCH).days)
    return 0.0 if v is None else float(v)


def write_fingerprint(wb: Workbook, ws: Worksheet, top: int, case: Case,
                      ranges: dict[str, list[Any]], stamp: Any, formula: Any,
                      extra: Sequence[tuple[str, str, Any]] = ()) -> int:
    """Write the block from row ``top``; return the row of ``inputs_edited``.

    ``ranges``: the values at build of each range name present (None for blanks), in cell
    order. ``stamp(ws, ref, value)`` and ``formula(ws, ref, text, value)`` are the plan's
    writers, so each cell is recorded with its value. ``extra``: further input cells (label,
    Sheet!A1, value at build), the scenario switch last; with them, ``scenarios_edited`` is
    TRUE when an input other than the switch changed (the scenario comparison is stale).
    """
    put_text(ws, f"A{top}", "Inputs at build (snapshot) against inputs now", BOLD)
    header(ws, top + 1, ["Input", "Now", "At build", "", "Same"])
    row = top + 2
    first = row
    scalars = list(SCALARS) + [s for group, ss in OPTIONAL_SCALARS.items()
                               if group == "sensitivity" or getattr(case, group) is not None
                               for s in ss]
    for s in scalars:
        value = input_value(case, s)
        if s.name == "crp_single" and value is None:
            continue  # written from the Damodaran table: compared through ke_single
        put_text(ws, f"A{row}", s.name)
        ref = s.name
        if s.kind in ("text", "timing"):
            formula(ws, f"B{row}", f"={ref}", value)
            stamp(ws, f"C{row}", value)
            formula(ws, f"E{row}", f'=EXACT(B{row}&"",C{row}&"")', True, snapshot=True)
        elif s.kind == "bool":
            formula(ws, f"B{row}", f"={ref}", value)
            stamp(ws, f"C{row}", value)
            formula(ws, f"E{row}", f"=IFERROR(B{row}=C{row},FALSE)", True, snapshot=True)
        else:
            formula(ws, f"B{row}", f"={ref}", _number(value))
            stamp(ws, f"C{row}", _number(value))
            # Shown as on Inputs (LibreOffice would otherwise give "now" the input's format
            # on save, and the two columns would read differently).
            ws[f"B{row}"].number_format = ws[f"C{row}"].number_format = INPUT_FMT[s.kind]
            formula(ws, f"E{row}", f"=IFERROR({fx.check(f'B{row}', f'C{row}', '1E-12')},FALSE)",
                    True, snapshot=True)
        row += 1
    for name in (*_NUMBER_RANGES, *PARITY_COLUMNS):
        if name not in ranges:
            continue
        values = ranges[name]
        put_text(ws, f"A{row}", f"{name} (position-weighted sum)")
        weighted = sum((i + 1) * _number(v) for i, v in enumerate(values)
                       if not isinstance(v, str))
        formula(ws, f"B{row}", f"=SUMPRODUCT({name},ROW({name})-MIN(ROW({name}))+1)", weighted)
        stamp(ws, f"C{row}", weighted)
        formula(ws, f"E{row}", f"=IFERROR({fx.check(f'B{row}', f'C{row}')},FALSE)",
                True, snapshot=True)
        row += 1
    for name in _TEXT_RANGES:
        joined = "|".join("" if v is None else str(v) for v in ranges[name])
        put_text(ws, f"A{row}", f"{name} (joined)")
        formula(ws, f"B{row}", f'=_xlfn.TEXTJOIN("|",FALSE,{name})', joined)
        stamp(ws, f"C{row}", joined)
        formula(ws, f"E{row}", f"=EXACT(B{row},C{row})", True, snapshot=True)
        row += 1
    for label, cell, value in extra:
        put_text(ws, f"A{row}", label)
        if isinstance(value, str):
            formula(ws, f"B{row}", f'={cell}&""', value)
            stamp(ws, f"C{row}", value)
            formula(ws, f"E{row}", f"=EXACT(B{row},C{row})", True, snapshot=True)
        else:  # a blank cell ("as in base") differs from any number typed into it
            now = "blank" if value is None else _number(value)
            formula(ws, f"B{row}", f'=IF(ISBLANK({cell}),"blank",N({cell}))', now)
            stamp(ws, f"C{row}", now)
            formula(ws, f"E{row}", f"=IFERROR(ABS(B{row}-C{row})<=1E-12*MAX(1,ABS(C{row})),"
                    f"EXACT(B{row}&\"\",C{row}&\"\"))", True, snapshot=True)
        row += 1
    if extra:
        put_text(ws, f"A{row}", "Inputs other than the switch edited since the build", BOLD)
        formula(ws, f"B{row}", f"=NOT(AND(E{first}:E{row - 2}))", False, snapshot=True)
        define(wb, "scenarios_edited", ws.title, f"B{row}")
        row += 1
    put_text(ws, f"A{row}", "Inputs edited since the build", BOLD)
    last = row - 1 if not extra else row - 2
    formula(ws, f"B{row}", f"=NOT(AND(E{first}:E{last}))", False, snapshot=True)
    define(wb, "inputs_edited", ws.title, f"B{row}")
    return row
