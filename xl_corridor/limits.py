"""Work limits, each named for what it bounds and defined once.

Every number here caps how much work one call or one file may ask for, so that hostile or
absurd input is refused with a message in bounded time and memory instead of stalling Excel or
the command line. Measured on the project's 2-core machine (2026-11).
"""

from __future__ import annotations

#: Cells one UDF argument range (or one broadcast result) may hold: Excel's own column height,
#: 1,048,576 rows (Excel specifications and limits).
UDF_MAX_RANGE_CELLS = 1_048_576
#: Periods one UDF cash-flow series may hold: 10,000 (833 years of monthly flows).
UDF_MAX_PERIODS = 10_000
#: Element operations one UDF call may ask for: result cells x periods (x grid nodes for
#: DUAL_BREAKEVEN_KE). 20 million is ~0.2 s of numpy work here; a 1M-cell x 300-period range
#: (300 million) and a 1024 x 1024 break-even grid are refused at once.
UDF_MAX_WORK = 20_000_000
#: Rate nodes DUAL_BREAKEVEN_KE tabulates per cell before bisecting (a 5 bp grid from -99% up
#: to ke_single, ~2,000 for ordinary rates) plus the 80 bisection steps.
BREAKEVEN_WORK_PER_PERIOD = 2_080
#: Cells (``<c>`` elements) in a workbook read from outside, over all sheets: 200,000 load in
#: openpyxl in 1.9 s / 112 MB.
WORKBOOK_MAX_CELLS = 200_000
