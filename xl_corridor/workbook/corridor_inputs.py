"""The corridor report's inputs contract (issue 14): where each input of a corridor case lives in
the workbook, how it is written and how it is read back. One owner of that layout, like
:mod:`xl_corridor.workbook.inputs` for the listing report.

Every input has a workbook-scoped defined name: ``CORR_<FIELD>`` for the scalar inputs on the
Inputs sheet (value in column B, unit in C, source in D), ``CORR_OPERATING_CF`` and
``CORR_VOLUME`` for the cash-flow inputs on the CashFlows sheet, and ``CORR_MC_PATHS``,
``CORR_MC_SEED`` and ``CORR_MC_UNCERTAIN`` (name, low, mode, high) for the simulation settings on
the MonteCarlo sheet. The deal (name, sponsor, country, currency, units) is written as labels
with names ``CORR_DEAL_<FIELD>``: it identifies the case and is not edited in the workbook.

:func:`corridor_case_dict` reads a workbook back into the mapping
:func:`xl_corridor.corridor_case.load_corridor_case` validates; :func:`corridor_input_cells`
lists the cells a user may edit (the validator ignores their values and fingerprints them to
tell a stale Monte Carlo).
"""

from __future__ import annotations

import math
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.corridor_case import SECTIONS, CorridorCase
from xl_corridor.engine import corridor as co
from xl_corridor.engine.corridor_debt import _defaults
from xl_corridor.workbook.styles import BLUE, BOLD, INPUT_FILL, TITLE, define, header, put_text

__all__ = ["DEAL_FIELDS", "DEFAULT_MARK", "corridor_case_dict", "corridor_input_cells",
           "input_name", "unit_of", "write_corridor_inputs"]

DEAL_FIELDS = ("name", "sponsor", "country", "currency", "units")
#: Start of the source text of an input left to its sourced default.
DEFAULT_MARK = "default: "
CASHFLOW_NAMES = ("CORR_OPERATING_CF", "CORR_VOLUME")
MC_NAMES = ("CORR_MC_PATHS", "CORR_MC_SEED", "CORR_MC_UNCERTAIN")
_SERIES = ("operating_cf", "volume")


def input_name(field: str) -> str:
    """The defined name of a scalar input: ``CORR_`` and the field in capitals."""
    return "CORR_" + field.upper()


def input_format(field: str, unit: str) -> str:
    """The number format of a corridor input: whole numbers plain, decimals to four places,
    amounts, prices and years to three."""
    kind = co.INPUTS[field].kind if field in co.INPUTS else "amount"
    return "0" if kind == "whole" else "0.0000" if unit == "decimal" else "#,##0.000"


def unit_of(case: CorridorCase, field: str) -> str:
    """The unit shown beside an input: decimal, the money units, years, days or per unit."""
    kind = co.INPUTS[field].kind if field in co.INPUTS else ""
    if kind in ("rate", "premium", "fraction", "basis", "carry"):
        return "decimal"
    if kind in ("amount", "positive"):
        return case.deal.units
    if kind in ("years", "whole"):
        return "years"
    return {"price": f"{case.deal.currency} per unit", "freight": f"{case.deal.currency} per unit",
            "rail": f"{case.deal.currency} per unit", "border": f"{case.deal.currency} per unit",
            "transit_days": "days", "carry_rate": "decimal"}.get(field, "")


def _scalar_fields(case: CorridorCase) -> list[tuple[str, str, Any]]:
    return [(section, field, value) for section in SECTIONS
            for field, value in getattr(case, section).model_dump().items()
            if field not in _SERIES]


def write_corridor_inputs(wb: Workbook, case: CorridorCase) -> Worksheet:
    """Write the Inputs sheet: the deal, then every scalar input by section (blue), with its
    unit and source; a sourced default shows its value and ``default: SOURCE (DATE)``."""
    ws = wb.worksheets[0] if wb.worksheets and wb.worksheets[0].title == "Sheet" else None
    if ws is None:
        ws = wb.create_sheet("Inputs")
    ws.title = "Inputs"
    put_text(ws, "A1", f"Inputs: {case.deal.name}", TITLE)
    put_text(ws, "A2", f"{case.deal.sponsor}; {case.deal.country}; money in {case.deal.units}. "
                       "Blue cells are inputs; ILLUSTRATIVE marks invented numbers.")
    header(ws, 4, ["Input", "Value", "Unit", "Source"])
    row = 5
    put_text(ws, f"A{row}", "Deal (edit the case file to change)", BOLD)
    row += 1
    for field in DEAL_FIELDS:
        put_text(ws, f"A{row}", f"deal.{field}")
        put_text(ws, f"B{row}", getattr(case.deal, field))
        define(wb, f"CORR_DEAL_{field.upper()}", "Inputs", f"B{row}")
        row += 1
    defaults = _defaults()
    section_now = ""
    for section, field, value in _scalar_fields(case):
        if section != section_now:
            put_text(ws, f"A{row}", section.replace("_", " ").title(), BOLD)
            row += 1
            section_now = section
        source = case.sources.get(field, "")
        if value is None:  # a sourced default
            key = co.INPUTS[field].source_key
            value = float(defaults[key]["value"])
            source = f"{DEFAULT_MARK}{defaults[key]['source']} ({defaults[key]['date']})"
        put_text(ws, f"A{row}", f"{section}.{field}")
        cell = ws[f"B{row}"]
        cell.value = value
        cell.font, cell.fill = BLUE, INPUT_FILL
        unit = unit_of(case, field)
        cell.number_format = input_format(field, unit)
        put_text(ws, f"C{row}", unit)
        put_text(ws, f"D{row}", source)
        define(wb, input_name(field), "Inputs", f"B{row}")
        row += 1
    for col, width in zip("ABCD", (34, 14, 12, 90), strict=True):
        ws.column_dimensions[col].width = width
    return ws


# --------------------------------------------------------------------------- reading back


def _cells(wb: Any, name: str) -> list[list[Any]]:
    """The cells of a defined name, row by row (empty if ``wb`` does not define it)."""
    dn = wb.defined_names.get(name)
    if dn is None:
        return []
    out: list[list[Any]] = []
    for sheet, ref in dn.destinations:
        if sheet not in wb.sheetnames:
            raise KeyError(f"defined name {name} points at a missing sheet {sheet!r}")
        c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
        ws = wb[sheet]
        out.extend([ws.cell(row=r, column=c) for c in range(c1, c2 + 1)]
                   for r in range(r1, r2 + 1))
    return out


def _value(wb: Any, name: str) -> Any:
    cells = _cells(wb, name)
    if not cells:
        raise KeyError(f"the workbook defines no {name}")
    return cells[0][0].value


def _number(v: Any) -> Any:
    """Whole floats back to int where the schema wants an int (Excel stores numbers as floats)."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def corridor_case_dict(label: str, wb: Any) -> dict[str, Any]:
    """The corridor case a report workbook holds, as the mapping ``load_corridor_case`` takes.

    ``label`` names the workbook in messages. An input whose source still reads ``default:``
    and whose value is the sourced default is left out (the default again); an edited one is
    read as given.
    """
    from xl_corridor.corridor_case import CorridorCase as _Case

    defaults = _defaults()
    data: dict[str, Any] = {"kind": "corridor"}
    data["deal"] = {f: _value(wb, f"CORR_DEAL_{f.upper()}") for f in DEAL_FIELDS}
    sources: dict[str, str] = {}
    ints = {"debt_years", "hk_cost_years"}
    for section in SECTIONS:
        model = _Case.model_fields[section].annotation
        part: dict[str, Any] = {}
        for field in getattr(model, "model_fields", {}):
            if field in _SERIES:
                continue
            cells = _cells(wb, input_name(field))
            if not cells:
                continue
            cell = cells[0][0]
            value = cell.value
            source_cell = cell.parent.cell(row=cell.row, column=cell.column + 2).value
            source = "" if source_cell is None else str(source_cell)
            if source.startswith(DEFAULT_MARK) and field in co.INPUTS:
                key = co.INPUTS[field].source_key
                if key and isinstance(value, int | float) and not isinstance(value, bool) and \
                        math.isclose(float(value), float(defaults[key]["value"]),
                                     rel_tol=1e-14, abs_tol=0.0):
                    continue
            elif source:
                sources[field] = source
            part[field] = _number(value) if field in ints else (
                float(value) if isinstance(value, int) and not isinstance(value, bool)
                else value)
        data[section] = part
    flows = [float(r[0].value) if isinstance(r[0].value, int) else r[0].value
             for r in _cells(wb, "CORR_OPERATING_CF")]
    volume = [float(r[0].value) if isinstance(r[0].value, int) else r[0].value
              for r in _cells(wb, "CORR_VOLUME")]
    data["project"]["operating_cf"] = flows
    data["project"]["volume"] = volume
    sim: dict[str, Any] = {}
    if _cells(wb, "CORR_MC_PATHS"):
        sim["n_paths"] = _number(_value(wb, "CORR_MC_PATHS"))
        sim["seed"] = _number(_value(wb, "CORR_MC_SEED"))
        sim["uncertain"] = {
            str(r[0].value): [float(c.value) if isinstance(c.value, int) else c.value
                              for c in r[1:4]]
            for r in _cells(wb, "CORR_MC_UNCERTAIN")}
    data["simulation"] = sim
    data["sources"] = sources
    return data


def corridor_input_cells(wb: Any) -> frozenset[str]:
    """Every cell a user may edit, as ``Sheet!A1``: each scalar input's value and source, the
    cash-flow inputs, and the simulation settings (not the uncertain inputs' names)."""
    cells: set[str] = set()
    names = [input_name(f) for _, f, _ in _fields_of_workbook(wb)]
    for name in (*names, *CASHFLOW_NAMES, *MC_NAMES):
        for row in _cells(wb, name):
            for c in row:
                if name == "CORR_MC_UNCERTAIN" and c.column == row[0].column:
                    continue  # the uncertain input's name is structure
                if name == "CORR_VOLUME" and isinstance(c.value, str) and c.value.startswith("="):
                    continue
                cells.add(f"{c.parent.title}!{get_column_letter(c.column)}{c.row}")
                if name in names:
                    cells.add(f"{c.parent.title}!{get_column_letter(c.column + 2)}{c.row}")
    return frozenset(cells)


def _fields_of_workbook(wb: Any) -> list[tuple[str, str, Any]]:
    from xl_corridor.corridor_case import CorridorCase as _Case

    out: list[tuple[str, str, Any]] = []
    for section in SECTIONS:
        model = _Case.model_fields[section].annotation
        for field in getattr(model, "model_fields", {}):
            if field not in _SERIES and input_name(field) in wb.defined_names:
                out.append((section, field, None))
    return out
