"""Marks and tolerances every workbook shares: what kind of workbook it is, how checks compare.

The builders write these; the validator reads them. One definition each.
"""

from __future__ import annotations

import datetime as dt

from xl_corridor.engine.discounting import EXCEL_EPOCH as _EXCEL_EPOCH

#: ``docProps/core.xml`` category of each kind of workbook xl-corridor writes.
TEMPLATE_KIND = "xl-corridor template"
REPORT_KIND = "xl-corridor report"
CORRIDOR_REPORT_KIND = "xl-corridor corridor report"  # issue 14: workbook/corridor_report.py

#: Custom document properties (``docProps/custom.xml``) stamped at write time: a SHA-256 of
#: every other part (changed by any edit or re-save: such a file is not overwritten without
#: --force), and a SHA-256 of the Inputs sheet's editable cells (a report whose inputs no
#: longer give it holds a stale snapshot).
CONTENT_HASH_PROPERTY = "xl-corridor-content-sha256"
INPUTS_HASH_PROPERTY = "xl-corridor-inputs-sha256"

#: Creation and modification stamp of every written workbook, so that the same inputs give the
#: same bytes (the generated template is committed and compared byte for byte).
FIXED_TIME = dt.datetime(2025, 1, 1)

#: Relative tolerance of every check: a workbook's Checks sheet compares its formulas with the
#: engine at this tolerance, and the validator compares LibreOffice's recalculation with it.
TOLERANCE = 1e-9
#: Absolute floor under the relative tolerance, for values that are zero.
ABS_FLOOR = 1e-12

#: Hidden temporary files a write leaves behind only if it was killed (swept on the next write).
TEMP_PREFIX, TEMP_SUFFIX = ".xl-corridor-", ".tmp"
TEMP_GLOB = f"{TEMP_PREFIX}*{TEMP_SUFFIX}"

#: Day 0 of Excel's 1900 date system, as the engine converts dates (one definition, there).
EXCEL_EPOCH = _EXCEL_EPOCH
