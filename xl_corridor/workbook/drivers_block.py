"""What drives the answer: a block on the Summary beside the headline figures.

The premium cut is live (Ke single - Ke dual, against the published cross-listing range, from
``data/cross_listing_premia.toml``). Delta NPV under each contested choice comes from the
engine run on the case with that one choice changed (:func:`xl_corridor.case.drivers.what_drives`):
those are values, labelled as a snapshot of the build's inputs, and the block says STALE as
soon as an input is edited (``inputs_edited``).
"""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.case import Case
from xl_corridor.case.drivers import premium_cut, what_drives
from xl_corridor.workbook.fingerprint import STALE
from xl_corridor.workbook.styles import BOLD, header, put_text

__all__ = ["drivers_block"]

SNAPSHOT_NOTE = "Engine values for the build's inputs (snapshot)"


def drivers_block(p: Any, ws: Worksheet, case: Case, top: int, col: int = 5) -> int:
    """Write the block from row ``top`` at column ``col`` (E); return the last row used.
    ``p`` is the report plan: every cell is written through it, with its value."""
    from openpyxl.utils.cell import get_column_letter

    a, b, c = (get_column_letter(col + i) for i in range(3))
    units = case.deal.units
    put_text(ws, f"{a}{top}", "What drives the answer", BOLD)
    cut = premium_cut(case)
    rows = top + 1
    put_text(ws, f"{a}{rows}", "Premium cut: Ke single - Ke dual")
    p.formula(ws, f"{b}{rows}", "=ke_single-ke_dual", cut["cut"], "rate")
    put_text(ws, f"{a}{rows + 1}", "Published range (cross-listing, total effect)")
    p.stamp(ws, f"{b}{rows + 1}", f"{cut['low']:.2%} to {cut['high']:.2%}")
    put_text(ws, f"{c}{rows + 1}", str(cut["source"]))
    put_text(ws, f"{a}{rows + 2}", "Cut within the published range")
    p.formula(ws, f"{b}{rows + 2}",
              f'=IF(AND(ke_single-ke_dual>={cut["low"]}-1E-12,ke_single-ke_dual<='
              f'{cut["high"]}+1E-12),"within","OUTSIDE")',
              "within" if cut["within"] else "OUTSIDE", None)
    first = rows + 4
    header(ws, first, [f"Delta NPV ({units}) if ...", "Value", ""], col=col)
    lines = what_drives(case)
    for i, (label, value) in enumerate(lines):
        r = first + 1 + i
        p.stamp(ws, f"{a}{r}", label)  # labels quote inputs (amounts, rates): snapshot too
        p.stamp(ws, f"{b}{r}", float(value), "amount")
    last = first + len(lines)
    p.formula(ws, f"{a}{last + 1}", f'=IF(inputs_edited,"{STALE}","{SNAPSHOT_NOTE}")',
              SNAPSHOT_NOTE, None)
    ws.column_dimensions[a].width = 46
    ws.column_dimensions[b].width = 16
    return last + 1
