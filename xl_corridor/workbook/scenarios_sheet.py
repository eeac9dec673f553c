"""The report's Scenarios sheet: the scenario switch, the inputs each scenario changes, and the
scenario comparison.

Written when the case has a ``[scenarios]`` table (:mod:`xl_corridor.case.scenarios`). The
switch (defined name ``scenario``, a list of the names) picks a column of the override table;
each row's "In use" cell is an INDEX/MATCH on the switch (:func:`formulas.scenario_pick`), named
``<input>_in_use`` (``lp_dual_in_use``), and every model formula of the workbook that read the
input's name reads that name instead (:func:`read_in_use`). The input's own name stays on its
Inputs cell: the contract of the Inputs sheet (what a script sets, what
:func:`xl_corridor.workbook.inputs.workbook_case_dict` reads back) does not change.
``cash_flow_scale`` and ``compliance_scale`` multiply the CashFlows and Compliance sheets' links
to the Inputs sheet.

The comparison table holds the engine's evaluation of every scenario at build (a SNAPSHOT: it
says STALE once an input or a scenario cell is edited, through ``scenarios_edited`` of the
fingerprint block) and one live row reading the model's own cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from xl_corridor.case import Case, evaluate
from xl_corridor.case.scenarios import BASE, SCALES, overridable
from xl_corridor.case.schema import case_value
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook.fingerprint import STALE
from xl_corridor.workbook.styles import (
    BLACK,
    BLUE,
    BOLD,
    FMT,
    GREEN,
    HEADER_FILL,
    INPUT_FILL,
    INPUT_FMT,
    NOTE,
    TITLE,
    define,
    font,
    header,
    print_setup,
    put_text,
)

__all__ = ["IN_USE", "SHEET", "ScenarioRow", "read_in_use", "scenario_rows", "scenarios_sheet"]

#: Suffix of the defined name of an overridden input's value in use (``lp_dual_in_use``).
IN_USE = "_in_use"

SHEET = "Scenarios"
SWITCH = "B4"
HEAD, DESC, FIRST = 6, 7, 8
#: Inputs of Ke dual: when a scenario moves one and the compliance discount rate is the
#: default (Ke dual), the rate in use follows the scenario's Ke dual.
KE_DUAL_PATHS = ("market.rf", "market.beta", "market.mrp", "market.country_exposure",
                 "premia.crp_dual", "premia.lp_dual")
SCALE_LABELS = {"cash_flow_scale": "Cash-flow scale (x every cash flow)",
                "compliance_scale": "Compliance scale (x every annual line item)"}


@dataclass(frozen=True)
class ScenarioRow:
    """One row of the override table: a case path, its defined name, kind and unit."""

    path: str
    name: str
    label: str
    kind: str
    unit: str
    auto_rate: bool = False  # the compliance rate defaulting to Ke dual


def scenario_rows(case: Case) -> list[ScenarioRow]:
    """The override table's rows: every input some scenario overrides (Inputs-sheet order),
    the compliance discount rate when a scenario moves Ke dual (it follows Ke dual when its
    base value is the base Ke dual),
    then the scales some scenario uses."""
    sc = case.scenarios
    assert sc is not None
    used = {p for s in sc.named.values() for p in s.overrides}
    # the compliance rate follows Ke dual when its base value is Ke dual (the case's default)
    auto = bool(used & {*KE_DUAL_PATHS, "compliance.discount_rate"})
    rows = []
    for path, s in overridable().items():
        if path in used or (auto and path == "compliance.discount_rate"):
            rows.append(ScenarioRow(path, s.name, s.label, s.kind,
                                    case.deal.units if s.unit == "units" else s.unit,
                                    auto and path == "compliance.discount_rate"))
    for scale in SCALES:
        if any(getattr(s, scale) != 1.0 for s in sc.named.values()):
            rows.append(ScenarioRow(scale, scale, SCALE_LABELS[scale], "number", "x"))
    return rows


def _scenario_value(case: Case, name: str, row: ScenarioRow) -> Any:
    """The value a scenario's cell holds (None: blank, "as in base")."""
    s = case.scenarios.named[name] if case.scenarios is not None else None
    assert s is not None
    if row.path in SCALES:
        v = getattr(s, row.path)
        return None if v == 1.0 else v
    return s.overrides.get(row.path)


def switch_cell(wb: Any, ws: Any, ref: str, active: str, names_range: str) -> None:
    """The switch: an input cell named ``scenario`` with a list of the scenario names."""
    put_text(ws, ref, active, font(bold=True, color="0000FF"))
    ws[ref].fill = INPUT_FILL
    define(wb, "scenario", ws.title, ref)
    dv = DataValidation(type="list", formula1=names_range, allow_blank=False,
                        showErrorMessage=True, errorTitle="Scenario",
                        error="Pick one of the scenario names of the scenario table.")
    ws.add_data_validation(dv)
    dv.add(ref)


def override_table(wb: Any, ws: Any, case: Case, model: Case | None, refs: dict[str, str],
                   write: Any, *, top: int, ke_dual: str) -> dict[str, Any]:
    """The override table from row ``top`` (header), its description row and one row per
    :func:`scenario_rows`; names each In use cell ``<input>_in_use``.

    ``write(ws, ref, formula, value, fmt, font)`` writes a formula (with its value, when the
    workbook caches values; ``model``: the scenario in use, None when it does not). ``ke_dual``:
    the cell or name holding the Ke dual in use (the default compliance discount rate).
    Returns the layout: rows, first row, last row, the last scenario column, the In use
    column, the names range, the in-use names (input name -> its in-use name) and the
    descriptions.
    """
    sc = case.scenarios
    assert sc is not None
    sheet = ws.title
    names = sc.names
    n = len(names)
    head_row, desc, first = top, top + 1, top + 2
    last = get_column_letter(2 + n)  # C = base, then one column per named scenario
    use = get_column_letter(3 + n)
    unit_col = get_column_letter(4 + n)
    head = f"${'C'}${head_row}:${last}${head_row}"
    active = sc.active
    descriptions = ["The case as on the Inputs sheet",
                    *[sc.named[m].description for m in names[1:]]]
    active_desc = descriptions[names.index(active)] or ""
    header(ws, head_row, ["Input", "Case field", *names, "In use", "Unit"])
    put_text(ws, f"A{desc}", "Description")
    ws.row_dimensions[desc].height = 40
    put_text(ws, f"C{desc}", descriptions[0], NOTE)
    for j, text in enumerate(descriptions[1:]):
        ref = f"{get_column_letter(4 + j)}{desc}"
        put_text(ws, ref, text)
        ws[ref].font, ws[ref].fill = BLUE, INPUT_FILL
    write(ws, f"{use}{desc}", f"=INDEX(C{desc}:{last}{desc},1,MATCH(scenario,{head},0))&\"\"",
          active_desc, None, BOLD)
    for k in range(n + 1):  # the descriptions wrap in their columns
        ws.cell(row=desc, column=3 + k).alignment = Alignment(wrap_text=True, vertical="top")
    ws[f"A{desc}"].alignment = Alignment(vertical="top")
    define(wb, "scen_names", sheet, f"C{head_row}:{last}{head_row}")
    define(wb, "scen_desc", sheet, f"D{desc}:{last}{desc}")

    rows = scenario_rows(case)
    in_use = {r.name: r.name + IN_USE for r in rows if r.path not in SCALES}
    mev = evaluate(model) if model is not None else None
    for i, row in enumerate(rows):
        r = first + i
        put_text(ws, f"A{r}", row.label)
        put_text(ws, f"B{r}", row.path, NOTE)
        fmt = INPUT_FMT.get(row.kind, "General")
        if row.path in SCALES:
            write(ws, f"C{r}", "=1", 1.0, "0.00", BLACK)
        else:
            base_value = case_value(case, row.path)
            if row.auto_rate or (row.name == "comp_rate" and base_value is None):
                base_value = evaluate(case).comp_rate
            bname = row.name  # the Inputs cell
            write(ws, f"C{r}", f'=IF({bname}="","",{bname})',
                  "" if base_value is None else base_value, fmt, GREEN)
        for j, m in enumerate(names[1:]):
            ref = f"{get_column_letter(4 + j)}{r}"
            ws[ref] = _scenario_value(case, m, row)
            ws[ref].font, ws[ref].fill, ws[ref].number_format = BLUE, INPUT_FILL, fmt
        pick = fx.scenario_pick(f"C{r}:{last}{r}", head, "scenario", f"C{r}")
        value: Any = None
        if row.path in SCALES:
            value = 1.0 if active == BASE else getattr(sc.named[active], row.path)
        elif row.auto_rate:
            base_kd = fx.cost_of_equity(*[q.split(".")[1] for q in KE_DUAL_PATHS])
            chosen = f"INDEX(C{r}:{last}{r},1,MATCH(scenario,{head},0))"
            pick = (f'IF({chosen}="",IF(ABS(C{r}-({base_kd}))<=1E-12,{ke_dual},C{r}),'
                    f"{chosen})")
            value = mev.comp_rate if mev is not None else None
        elif model is not None:
            value = case_value(model, row.path)
            value = "" if value is None else value
        write(ws, f"{use}{r}", "=" + pick, value, FMT.get(row.kind, fmt), BOLD)
        put_text(ws, f"{unit_col}{r}", row.unit)
        define(wb, in_use.get(row.name, row.name), sheet, f"{use}{r}")
        if row.auto_rate:
            put_text(ws, f"{get_column_letter(5 + n)}{r}", "blank: the scenario's Ke dual "
                     "(the default)", NOTE)
    last_row = first + len(rows) - 1
    define(wb, "scen_paths", sheet, f"B{first}:B{last_row}")
    define(wb, "scen_values", sheet, f"D{first}:{last}{last_row}")
    for rr in range(desc, last_row + 1):
        ws[f"{use}{rr}"].fill = HEADER_FILL
    return {"rows": rows, "first": first, "last_row": last_row, "last": last, "use": use,
            "head": head, "desc": desc, "in_use": in_use, "descriptions": descriptions,
            "active_desc": active_desc}


def scenarios_sheet(p: Any, case: Case, model: Case, refs: dict[str, str]) -> dict[str, Any]:
    """Write the sheet (``case``: with its scenarios; ``model``: the scenario in use, resolved)
    and re-point the overridden inputs' names; return the fingerprint's extra rows
    (label, cell, value at build), the switch last, and the in-use names."""
    sc = case.scenarios
    assert sc is not None
    wb = p.wb
    ws = wb.create_sheet(SHEET)
    names = sc.names
    n = len(names)
    put_text(ws, "A1", "Scenarios: the switch, the inputs each scenario changes, the comparison",
             TITLE)
    put_text(ws, "A2", "Pick the scenario in B4 (a list): every live formula in the workbook "
             "reads the In use column.", NOTE)
    put_text(ws, "C2", "Blue cells are inputs; a blank scenario cell means \"as in base\".", NOTE)
    put_text(ws, "A4", "Scenario in use", BOLD)

    def write(ws: Any, ref: str, formula: str, value: Any, fmt: Any, fnt: Any) -> None:
        p.formula(ws, ref, formula, value, fmt, fnt)

    t = override_table(wb, ws, case, model, refs, write, top=HEAD, ke_dual="ke_dual")
    switch_cell(wb, ws, SWITCH, sc.active, t["head"])
    p.formula(ws, "C4", f"=INDEX(C{DESC}:{t['last']}{DESC},1,MATCH(scenario,{t['head']},0))"
              "&\"\"", t["active_desc"], None, BLACK)
    rows, descriptions = t["rows"], t["descriptions"]
    _comparison(p, ws, case, model, t["last_row"] + 3)
    for col, width in (("A", 44), ("B", 24)):
        ws.column_dimensions[col].width = width
    for k in range(n + 2):
        ws.column_dimensions[get_column_letter(3 + k)].width = 16
    ws.column_dimensions[get_column_letter(5 + n)].width = 12
    print_setup(ws, f"A{HEAD + 1}", landscape=True)
    ws.page_setup.fitToHeight = 1

    extra: list[tuple[str, str, Any]] = []
    for j, m in enumerate(names[1:]):
        col = get_column_letter(4 + j)
        extra.append((f"{m}: description", f"{SHEET}!{col}{DESC}", descriptions[1 + j] or ""))
        for i, row in enumerate(rows):
            extra.append((f"{m}: {row.path}", f"{SHEET}!{col}{FIRST + i}",
                          _scenario_value(case, m, row)))
    extra.append(("scenario (the switch)", f"{SHEET}!{SWITCH}", sc.active))
    return {"extra": extra, "in_use": t["in_use"]}


def read_in_use(wb: Any, names: dict[str, str],
                skip: Any = lambda sheet, row: False) -> None:
    """Every formula of ``wb`` outside the Inputs sheet (and the cells ``skip(sheet, row)``
    keeps) reads ``names[x]`` where it read the defined name ``x``: the model follows the
    scenario in use. Text in quotes is left alone."""
    from openpyxl.worksheet.formula import ArrayFormula

    if not names:
        return
    for ws in wb.worksheets:
        if ws.title == "Inputs":
            continue
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if cell.data_type != "f" or skip(ws.title, cell.row):
                    continue  # text that starts with "=" stays text
                if isinstance(v, ArrayFormula):
                    v.text = _substitute(str(v.text), names)
                elif isinstance(v, str) and v.startswith("="):
                    cell.value = _substitute(v, names)


def _comparison(p: Any, ws: Any, case: Case, model: Case, top: int) -> int:
    """The comparison: one snapshot row per scenario, then the live row; returns its row."""
    from xl_corridor.workbook.report import DECISION_LOOKS, _no_breakeven

    sc = case.scenarios
    assert sc is not None
    units = case.deal.units
    put_text(ws, f"A{top}", "Scenario comparison: engine values at build (SNAPSHOT), then the "
             "scenario in use, live", BOLD)
    cols = ["Scenario", "Decision", f"Delta NPV ({units})", "Ke single", "Ke dual",
            f"Break-even cost ({units})", "Break-even Ke dual", "Status"]
    header(ws, top + 1, cols)
    for k in range(1, len(cols) + 1):
        ws.cell(row=top + 1, column=k).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[top + 1].height = 27
    first = top + 2
    fmts = [None, None, "amount", "rate", "rate", "amount", "rate", None]
    for i, name in enumerate(sc.names):
        r = first + i
        ev = evaluate(case.scenario(name))
        be = ev.breakeven_ke if ev.breakeven_ke is not None else _no_breakeven(case)
        put_text(ws, f"A{r}", name)
        for col, v, f in zip("BCDEFG", (ev.decision, ev.delta_npv, ev.ke_single, ev.ke_dual,
                                        ev.breakeven_cost, be), fmts[1:7], strict=True):
            p.stamp(ws, f"{col}{r}", v, f)
        p.formula(ws, f"H{r}", f'=IF(scenarios_edited,"{STALE}","snapshot at build")',
                  "snapshot at build", None, NOTE, snapshot=True)
    lastsnap = first + len(sc.names) - 1
    live = lastsnap + 1
    mev = evaluate(model)
    p.formula(ws, f"A{live}", '="In use (live): "&scenario', f"In use (live): {sc.active}",
              None, BOLD)
    be_live = mev.breakeven_ke if mev.breakeven_ke is not None else _no_breakeven(model)
    for col, name, v, f in zip("BCDEFG", ("decision", "delta_npv", "ke_single", "ke_dual",
                                          "breakeven_cost", "breakeven_ke"),
                               (mev.decision, mev.delta_npv, mev.ke_single, mev.ke_dual,
                                mev.breakeven_cost, be_live), fmts[1:7], strict=True):
        p.formula(ws, f"{col}{live}", f"={name}", v, f, GREEN)
    m = f"MATCH(scenario,$A${first}:$A${lastsnap},0)"

    def snap(col: str) -> str:
        return f"INDEX(${col}${first}:${col}${lastsnap},{m})"

    same = ",".join(
        [f"EXACT(B{live},{snap('B')})"]
        + [fx.check(f"{c}{live}", snap(c)) for c in "CDEF"]
        + [f"IFERROR({fx.check(f'G{live}', snap('G'))},EXACT(G{live}&\"\",{snap('G')}&\"\"))"])
    p.formula(ws, f"H{live}", f'=IF(scenarios_edited,"snapshot rows stale: not compared",'
              f'IF(AND({same}),"equals its snapshot row","DIFFERS from its snapshot row"))',
              "equals its snapshot row", None, BOLD, snapshot=True)
    for r in range(first, live + 1):
        for text, fill, colour in DECISION_LOOKS:
            ws.conditional_formatting.add(f"B{r}", FormulaRule(
                formula=[f'LEFT(B{r},{len(text)})="{text}"'], stopIfTrue=True, fill=fill,
                font=font(bold=True, color=colour)))
    ws.conditional_formatting.add(f"A{first}:A{lastsnap}", FormulaRule(
        formula=[f"$A{first}=scenario"], fill=HEADER_FILL, font=font(bold=True)))
    for c in "ABCDEFGH":
        ws[f"{c}{live}"].fill = HEADER_FILL
    for i, text in enumerate((
            "Snapshot rows: the Python engine's evaluation of each scenario at build. Switching "
            "does not make them stale;",
            "editing an input or a scenario cell does (the fingerprint on the Checks sheet).",
            "The Monte Carlo, the drivers block and the Checks engine column are computed for the "
            "scenario in use at build",
            "(Summary, line 5): a switch makes them STALE. P(Delta NPV > 0) is not compared by "
            "scenario: the simulation",
            "draws the premium cut from the [simulation] table, not from the scenario.")):
        put_text(ws, f"A{live + 2 + i}", text, NOTE)
    return live


# --- the template -------------------------------------------------------------------------------

#: The template's comparison: (key, label, UDF formula over the inputs' names, format). ``{ks}``,
#: ``{kd}``, ``{cc}``, ``{dn}``, ``{lp}``: the column's own Ke single, Ke dual, compliance cost,
#: Delta NPV and listing path cells.
TEMPLATE_COMPARISON = (
    ("ks", "Ke, single listing", "=CORRIDOR_KE(rf,beta,mrp,crp_single,lp_single,"
     "country_exposure)", "rate"),
    ("kd", "Ke, dual listing", "=CORRIDOR_KE(rf,beta,mrp,crp_dual,lp_dual,country_exposure)",
     "rate"),
    ("cc", "Capitalized compliance cost", "=COMPLIANCE_COST(comp_amounts,comp_years,comp_rate,"
     "comp_growth,comp_one_off,comp_fx,comp_tax,comp_incr,comp_cost_basis,"
     "comp_listing_expenses,comp_include_listing,terminal_growth)", "amount"),
    ("dn", "Delta NPV", "=DUAL_NPV(cash_flows,{kd},{ks},{cc},timing,terminal_growth)", "amount"),
    ("bc", "Break-even compliance cost", "=DUAL_BREAKEVEN_COST(cash_flows,{kd},{ks},timing,"
     "terminal_growth)",
     "amount"),
    ("bk", "Break-even Ke dual", "=DUAL_BREAKEVEN_KE(cash_flows,{ks},{cc},timing,"
     "terminal_growth)", "rate"),
    ("lp", "Listing path", "=LISTING_PATH(reporting_code,resource_category,dfs_complete)",
     "text"),
    ("dc", "Decision", "", "text"),
)


def _substitute(formula: str, names: dict[str, str]) -> str:
    """Each whole-word defined name in ``names`` replaced by its expression (outside text in
    quotes)."""
    import re

    if not names:
        return formula
    pattern = re.compile(r"(?<![A-Za-z0-9_.$!])(" + "|".join(map(re.escape, names))
                         + r")(?![A-Za-z0-9_(])")
    parts = formula.split('"')
    return '"'.join(pattern.sub(lambda m: names[m.group(1)], part) if i % 2 == 0 else part
                    for i, part in enumerate(parts))


def _comparison_top(case: Case, top: int) -> int:
    """The template comparison's title row, for a scenario block from row ``top``."""
    return top + 3 + len(scenario_rows(case)) - 1 + 3


def template_error_cells(case: Case, top: int) -> set[str]:
    """``MODEL!C98``-style cells of the template comparison that rightly show an error: the
    break-even Ke dual of a scenario for which the engine finds none, and the link to the
    Model's own when the scenario in use has none (the validator's expected errors)."""
    sc = case.scenarios
    if sc is None:
        return set()
    row = _comparison_top(case, top) + 2 + [k for k, *_ in TEMPLATE_COMPARISON].index("bk")
    cells = {f"MODEL!{get_column_letter(3 + j)}{row}" for j, name in enumerate(sc.names)
             if evaluate(case.scenario(name)).breakeven_ke is None}
    if evaluate(case.scenario()).breakeven_ke is None:  # the Model's own, in use
        cells.add(f"MODEL!{get_column_letter(3 + len(sc.names))}{row}")
    return cells


def template_block(wb: Any, ws: Any, case: Case, refs: dict[str, str], *, top: int,
                   switch: str, model_cells: dict[str, str]) -> dict[str, str]:
    """The template's scenario block on the Model sheet: the switch at ``switch``, the
    override table from row ``top`` (the Model's UDFs read the In use column through the
    re-pointed names), and a live comparison: the UDFs once per scenario column, with a
    check that the column in use equals the Model's own cells (``model_cells``: key -> cell,
    keys of :data:`TEMPLATE_COMPARISON`). Returns the in-use names (input -> its name in use),
    for :func:`read_in_use`."""
    from xl_corridor.workbook.template import NO_BREAKEVEN_KE

    sc = case.scenarios
    assert sc is not None

    def write(ws: Any, ref: str, formula: str, value: Any, fmt: Any, fnt: Any) -> None:
        ws[ref] = formula
        ws[ref].font = fnt
        if fmt:
            ws[ref].number_format = FMT.get(fmt, fmt)

    put_text(ws, f"A{top}", "Scenarios: the switch (H3) picks the In use column; every UDF "
             "above reads it", BOLD)
    t = override_table(wb, ws, case, None, refs, write, top=top + 1,
                       ke_dual=model_cells["kd_native"])
    put_text(ws, switch.replace("H", "G"), "Scenario in use", BOLD)
    switch_cell(wb, ws, switch, sc.active, t["head"])
    rows, first, head = t["rows"], t["first"], t["head"]
    names = sc.names
    ctop = t["last_row"] + 3
    assert ctop == _comparison_top(case, top)
    put_text(ws, f"A{ctop}", "Scenario comparison, live: the add-in's functions once per "
             "scenario column", BOLD)
    use = get_column_letter(3 + len(names))
    chk = get_column_letter(4 + len(names))
    header(ws, ctop + 1, ["Quantity", "", *names, "Model (in use)", "Same as the column in use"])
    at = {key: ctop + 2 + i for i, (key, *_rest) in enumerate(TEMPLATE_COMPARISON)}
    for j, _name in enumerate(names):
        col = get_column_letter(3 + j)
        subs: dict[str, str] = {}
        for i, row in enumerate(rows):
            r = first + i
            own = f"${col}${r}" if j else f"$C${r}"
            value = f"IF({own}=\"\",$C${r},{own})" if j else f"$C${r}"
            if row.auto_rate:
                base_kd = fx.cost_of_equity(*[q.split(".")[1] for q in KE_DUAL_PATHS])
                inner = f"IF(ABS($C${r}-({base_kd}))<=1E-12,{col}{at['kd']},$C${r})"
                value = f"IF({own}=\"\",{inner},{own})" if j else inner
            if row.path == "cash_flow_scale":
                subs["cash_flows"] = f"cash_flows*{value}"
            elif row.path == "compliance_scale":
                subs["comp_amounts"] = f"comp_amounts*{value}"
            else:
                subs[row.name] = value
        cells = {key: f"{col}{r}" for key, r in at.items()}
        for key, _label, formula, fmt in TEMPLATE_COMPARISON:
            if key == "dc":
                text = "=" + fx.decision(cells["dn"], fx.path_code_of(cells["lp"]))
            else:
                text = _substitute(formula.format(**cells), subs)
            ws[cells[key]] = text
            ws[cells[key]].number_format = FMT[fmt]
            ws[cells[key]].font = BLACK
    m = f"MATCH(scenario,{head},0)"
    for key, label, _f, fmt in TEMPLATE_COMPARISON:
        r = at[key]
        put_text(ws, f"A{r}", label)
        ws[f"{use}{r}"] = f"={model_cells[key]}"
        ws[f"{use}{r}"].font, ws[f"{use}{r}"].number_format = GREEN, FMT[fmt]
        picked = f"INDEX($C{r}:{get_column_letter(2 + len(names))}{r},1,{m})"
        if fmt == "text":
            ws[f"{chk}{r}"] = "=" + fx.text_check(f"{use}{r}", picked)
        elif key == "bk":
            ws[f"{chk}{r}"] = (f'=IF(AND(ISERROR({use}{r}),ISERROR({picked})),'
                               f'"{NO_BREAKEVEN_KE} or add-in not loaded",'
                               f"{fx.udf_check(f'{use}{r}', picked)})")
        else:
            ws[f"{chk}{r}"] = "=" + fx.udf_check(f"{use}{r}", picked)
    last = ctop + 1 + len(TEMPLATE_COMPARISON)
    put_text(ws, f"A{last + 1}", "A blank scenario cell is the base value; the In use column "
             "feeds the model above, each scenario column feeds its own functions here.", NOTE)
    return dict(t["in_use"])
