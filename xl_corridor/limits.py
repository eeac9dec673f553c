"""Work limits, each named for what it bounds and defined once.

Every number here caps how much work one call or one file may ask for, so that hostile or
absurd input is refused with a message in bounded time and memory instead of stalling Excel or
the command line. Measured on the project's 2-core machine (2026-11). An xl-corridor report is
~25 KB zipped, ~300 KB unzipped, with ~2,000 cells, 541 rows, 119 defined names (the longest
25 characters), no merged cells and no hyperlinks; the limits leave room for ~100x that.
"""

from __future__ import annotations

# --- Excel functions (udfs/corridor_udfs.py) ---------------------------------------------------

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

# --- Excel's own grid (Excel specifications and limits, Microsoft Support, 2025) ---------------

#: Rows in a worksheet.
EXCEL_MAX_ROW = 1_048_576
#: Columns in a worksheet (XFD).
EXCEL_MAX_COL = 16_384
#: Characters in one formula, and so in one defined name's reference ("Length of formula
#: contents: 8,192 characters").
EXCEL_MAX_FORMULA_CHARS = 8_192

# --- workbooks read from outside (xl_corridor/validate/safety.py pre-flight) -------------------

#: The .xlsx file on disk: 20 MiB.
WORKBOOK_MAX_FILE_BYTES = 20 * 1024 * 1024
#: Zip entries (parts): Apache POI's default maximum zip entry count (ZipSecureFile).
WORKBOOK_MAX_PARTS = 1000
#: One part, uncompressed.
WORKBOOK_MAX_PART_BYTES = 32 * 1024 * 1024
#: All parts, uncompressed.
WORKBOOK_MAX_UNPACKED_BYTES = 64 * 1024 * 1024
#: Compression ratio of one part above :data:`WORKBOOK_RATIO_GRACE_BYTES`. Deflate reaches
#: ~1,000:1 on repeated bytes; real sheet XML compresses 5-30:1. Apache POI refuses ratios
#: above 100:1 (MIN_INFLATE_RATIO 0.01) once a part exceeds 100 KB; its users hit that on
#: genuine drawings, so 200:1 is allowed above the same 100 KB grace.
WORKBOOK_MAX_RATIO = 200
WORKBOOK_RATIO_GRACE_BYTES = 100 * 1024
#: Cells (``<c>`` elements) over all sheets: 200,000 load in openpyxl in 1.9 s / 112 MB
#: (500,000: 5 s / 220 MB).
WORKBOOK_MAX_CELLS = 200_000
#: Row elements (``<row>``) over all sheets, with or without cells. With the area bound below
#: a sheet of 700,000 empty rows is refused before openpyxl, ``formulas`` or LibreOffice walks
#: it (measured: a template with 50,000 empty rows validates in 3.8 s / 184 MB).
WORKBOOK_MAX_ROWS = 100_000
#: Cells one area may span: a sheet's used range (rows x columns), one defined name, the ranges
#: one formula refers to, and all merged (or all hyperlinked) ranges of one sheet together.
#: openpyxl creates a cell object for every position in a span (400,000 -> 1 s, 126 MB), so a
#: single cell at XFD1048576, a merge of the whole grid or ``SUM(A:A)`` is as costly as
#: billions of real cells.
WORKBOOK_MAX_AREA_CELLS = 500_000
#: Merged ranges (``<mergeCell>``) over all sheets.
WORKBOOK_MAX_MERGES = 10_000
#: Hyperlinks (``<hyperlink>``) over all sheets.
WORKBOOK_MAX_HYPERLINKS = 10_000
#: Conditional-format rules (``<cfRule>``) and data validations (``<dataValidation>``) over all
#: sheets. A report holds about 50 rules and one validation; LibreOffice evaluates every rule
#: over its whole range when it opens a file (50,000 whole-grid rules: no answer in 20 s).
WORKBOOK_MAX_RULES = 2_000
#: Defined names in the workbook.
WORKBOOK_MAX_NAMES = 1_000
#: Characters of all defined names' references together (each is also at most
#: :data:`EXCEL_MAX_FORMULA_CHARS`).
WORKBOOK_MAX_NAME_CHARS = 256 * 1024

# --- case files (xl_corridor/case) --------------------------------------------------------------

#: A TOML case file (or case text). The example case is 5 KB; 1,200 monthly cash flows and 500
#: line items stay under 100 KB; tomllib needs about 10x the text in memory.
CASE_MAX_FILE_BYTES = 2 * 1024 * 1024
#: Parts of one dotted key or table header (``a.b.c`` has 3). The schema nests 3 deep;
#: tomllib's work grows with the square of a key's parts (100,000 parts: minutes, gigabytes).
CASE_MAX_KEY_PARTS = 8
#: Cash flows in a case: 100 years of monthly flows. Report time and memory grow with them
#: (measured: 1,000 -> 0.9 s / 90 MB; 20,000 -> 10 s / 760 MB).
CASE_MAX_CASH_FLOWS = 1200
#: Compliance line items and FX rates in a case: far beyond any listing budget.
CASE_MAX_LINE_ITEMS = 500
CASE_MAX_FX_RATES = 200
#: Years of recurring compliance cost (also annuity years in the valuation functions).
COMPLIANCE_MAX_YEARS = 200
#: Characters in one text field of a case (a name, a label, a code). Excel shows 255
#: characters in a cell's default width and column headers; labels longer than that are not
#: labels.
CASE_MAX_TEXT_CHARS = 255
#: Characters in a unit or currency-code field (``units = "HKD m"``, FX-rate keys).
CASE_MAX_CODE_CHARS = 32
#: Characters in a source citation (``[sources]`` values, ``parity.source``).
CASE_MAX_SOURCE_CHARS = 1_000
#: Named scenarios in a case besides base ([scenarios]): each is one more evaluation of the
#: case at build time and one more column on the Scenarios sheet.
CASE_MAX_SCENARIOS = 8
#: A parity CSV file: 10,000 rows of ~80 bytes is under 1 MiB; 4 MiB leaves room for comments.
PARITY_CSV_MAX_BYTES = 4 * 1024 * 1024
#: Trading days in a parity sample: 40 years of ~250 trading days.
PARITY_MAX_DAYS = 10_000
