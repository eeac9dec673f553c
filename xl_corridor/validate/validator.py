"""Headless validation of xl-corridor workbooks.

Reports: LibreOffice (headless, a fresh profile forcing a full recalculation on load)
recalculates every native formula; each formula cell is compared with the value the engine
gives for the inputs on the report's Inputs sheet, each formula's text with the one the builder
writes, and the engine values stamped in the Checks sheet with a fresh engine run (so a changed
input is caught as well as a tampered formula). Templates: the ``formulas`` library evaluates
every cell with the UDFs of ``udfs/corridor_udfs.py`` registered as custom functions; each UDF
cell must equal a direct engine call and every cross-check must hold.

Neither re-saved file is ever shipped: they live in a temporary folder that is deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib.util
import math
import re
import types
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from xl_corridor.case import CaseError, evaluate, load_case, workbook_case_dict
from xl_corridor.validate import libreoffice as _lo
from xl_corridor.validate import safety as _safety

__all__ = ["Failure", "ValidationResult", "validate_workbook", "validate_workbooks"]

REL_TOL = 1e-9
ABS_FLOOR = 1e-12

Status = Literal["valid", "failed", "unusable"]


@dataclass(frozen=True)
class Failure:
    """One failed check: the cell (``Sheet!A1``), what was expected and what was found."""

    cell: str
    expected: Any
    got: Any
    problem: str = "value differs"

    def __str__(self) -> str:
        return f"{self.cell}: {self.problem} (expected {self.expected!r}, got {self.got!r})"


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of validating one workbook. ``exit_code``: 0 valid, 1 failed, 2 unusable."""

    path: Path
    kind: str
    status: Status
    failures: tuple[Failure, ...] = ()
    message: str = ""
    checked: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "valid"

    @property
    def exit_code(self) -> int:
        return {"valid": 0, "failed": 1, "unusable": 2}[self.status]


@dataclass
class _Job:
    path: Path
    kind: str = ""
    failures: list[Failure] = field(default_factory=list)
    plan: Any = None
    formulas: dict[str, dict[str, str]] = field(default_factory=dict)
    checked: int = 0


def _close(a: Any, b: Any, loose: bool = False) -> bool:
    if isinstance(b, bool) or isinstance(a, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(b, (int, float)) and isinstance(a, (int, float)):
        if loose:
            return abs(a - b) <= 1e-6
        return math.isfinite(a) and abs(a - b) <= max(REL_TOL * abs(b), ABS_FLOOR)
    return a == b


def validate_workbook(path: str | Path) -> ValidationResult:
    """Validate one report or template workbook. See :func:`validate_workbooks`."""
    return validate_workbooks([path])[0]


def validate_workbooks(paths: Iterable[str | Path]) -> list[ValidationResult]:
    """Validate many workbooks; reports are recalculated by warm LibreOffice processes (one per
    core, started once, while the reports are read) that share the batch.

    Returns
    -------
    list of ValidationResult
        In input order. ``status`` is "valid", "failed" (``failures`` name ``Sheet!cell``,
        expected and got) or "unusable" (``message`` says why: not a zip, not an xlsx, not an
        xl-corridor workbook, or refused by the pre-flight checks of
        ``xl_corridor.validate.safety``: zip bombs, XML entity declarations, absurdly large
        sheets, encrypted files).

    Raises
    ------
    xl_corridor.validate.libreoffice.LibreOfficeError
        If reports are given and LibreOffice is missing or fails.
    """
    paths = list(paths)
    with _lo.Session(len(paths)) as lo:  # killed, with its temporary files, on every exit
        return _validate_all(paths, lo)


def _validate_all(paths: Sequence[str | Path], lo: _lo.Session) -> list[ValidationResult]:
    results: dict[int, ValidationResult] = {}
    reports: list[tuple[int, _Job]] = []
    for i, raw in enumerate(paths):
        job = _Job(Path(raw))
        problem = _preflight(job) or _classify(job)
        if not problem and job.kind == "template":
            results[i] = _validate_template(job)
            continue
        if not problem:
            lo.start()  # LibreOffice warms up while the report is read
            problem = _prepare_report(job)
        if problem:
            results[i] = ValidationResult(job.path, job.kind or "unknown", "unusable",
                                          message=problem)
        else:
            reports.append((i, job))
    if reports:
        _recalculate_reports([job for _, job in reports], lo)
        for i, job in reports:
            status: Status = "failed" if job.failures else "valid"
            results[i] = ValidationResult(job.path, "report", status, tuple(job.failures),
                                          checked=job.checked)
    return [results[i] for i in sorted(results)]


def _preflight(job: _Job) -> str:
    """Refuse hostile or absurd files before any parser (openpyxl, LibreOffice) opens them."""
    try:
        _safety.check_workbook(job.path)
    except _safety.UnsafeInputError as exc:
        return str(exc)
    return ""


def _classify(job: _Job) -> str:
    from xl_corridor.workbook.template import REPORT_KIND, TEMPLATE_KIND

    path = job.path
    if not path.is_file():
        return f"{path}: no such file"
    if not zipfile.is_zipfile(path):
        return f"{path}: not an .xlsx workbook (not a zip file)"
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names:
                return f"{path}: not an .xlsx workbook (no xl/workbook.xml)"
            core = zf.read("docProps/core.xml").decode("utf-8", "replace") if (
                "docProps/core.xml" in names) else ""
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        return f"{path}: not a readable .xlsx workbook ({exc})"
    if f"<cp:category>{REPORT_KIND}</cp:category>" in core:
        job.kind = "report"
    elif f"<cp:category>{TEMPLATE_KIND}</cp:category>" in core:
        job.kind = "template"
    else:
        return f"{path}: not an xl-corridor report or template (document category)"
    return ""


# --- reports ------------------------------------------------------------------------------------


def _prepare_report(job: _Job) -> str:
    """Read the original: its formulas, its stamped values; plan what every cell should hold.

    Returns a problem that makes the file unusable ("" if it could be read)."""
    from openpyxl import load_workbook

    from xl_corridor.workbook.report import plan_report

    try:
        wb = load_workbook(job.path)
    except Exception as exc:  # openpyxl raises many types for a damaged package
        return f"{job.path}: cannot be opened as a workbook ({type(exc).__name__}: {exc})"
    try:
        case = load_case(workbook_case_dict(str(job.path), wb))
    except CaseError as exc:
        job.failures.append(Failure("Inputs", "valid inputs", str(exc), "inputs rejected"))
        wb.close()
        return ""
    plan = job.plan = plan_report(case)
    for ws in plan.wb.worksheets:
        if ws.title not in wb.sheetnames:
            job.failures.append(Failure(ws.title, "sheet", None, "sheet missing"))
            continue
        have = wb[ws.title]
        want = {c.coordinate: c.value for row in ws.iter_rows() for c in row
                if c.data_type == "f"}
        got = {c.coordinate: c.value for row in have.iter_rows() for c in row
               if c.data_type == "f"}
        for ref in sorted(set(want) | set(got)):
            job.checked += 1
            if want.get(ref) != got.get(ref):
                job.failures.append(Failure(f"{ws.title}!{ref}", want.get(ref), got.get(ref),
                                            "formula differs from the one the builder writes"))
        for ref, value in plan.stamped.get(ws.title, {}).items():
            job.checked += 1
            if not _close(have[ref].value, value):
                job.failures.append(Failure(f"{ws.title}!{ref}", value, have[ref].value,
                                            "stamped engine value differs from the engine "
                                            "run on this workbook's inputs"))
    wb.close()
    return ""


def _recalculate_reports(jobs: Sequence[_Job], lo: _lo.Session) -> None:
    todo = [j for j in jobs if j.plan is not None]
    if not todo:
        return
    wanted = [{sheet: [ref for ref, v in cells.items() if v is not None]
               for sheet, cells in j.plan.cached.items()} for j in todo]
    recalculated = lo.values([j.path for j in todo], wanted)
    for job, values in zip(todo, recalculated, strict=True):
        for sheet, cells in job.plan.cached.items():
            for ref, expected in cells.items():
                if expected is None:
                    continue
                job.checked += 1
                got = values[sheet][ref]
                if isinstance(got, dt.datetime | dt.date):  # date-formatted: compare serials
                    from openpyxl.utils.datetime import to_excel

                    got = float(to_excel(got))
                loose = sheet == "Checks" and ref.startswith("D")
                if isinstance(got, str) and got.startswith("#") and got != expected:
                    job.failures.append(Failure(f"{sheet}!{ref}", expected, got,
                                                "formula evaluates to an error"))
                elif not _close(got, expected, loose):
                    job.failures.append(Failure(f"{sheet}!{ref}", expected, got,
                                                "recalculated value differs from the "
                                                "engine"))


# --- templates ----------------------------------------------------------------------------------


def _udf_module() -> ModuleType:
    """The Excel adapters, ``corridor_udfs``: installed with the wheel as a top-level module
    (``udfs/corridor_udfs.py`` in the source tree). Imported here, at the edge, so that the
    engine never depends on xlwings."""
    return importlib.import_module("corridor_udfs")


def _excel_value(v: Any) -> Any:
    """One cell as Excel hands it to xlwings: None for blank, error values as text."""
    import numpy as np
    import schedula as sh
    from formulas.tokens.operand import XlError

    if v is sh.EMPTY:
        return None
    if isinstance(v, XlError):
        return str(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer | np.floating):
        return float(v)
    return v


def _excel_arg(x: Any) -> Any:
    """A ``formulas`` argument (numpy array of a range, or a literal) as xlwings' ndim=2 value."""
    import numpy as np

    if isinstance(x, np.ndarray):
        arr = x.reshape(1, 1) if x.ndim == 0 else np.atleast_2d(x)
        return [[_excel_value(v) for v in row] for row in arr.tolist()]
    return _excel_value(x)


def _register_udfs(errors: dict[str, str]) -> None:
    """Put every UDF into ``formulas``' function table before any workbook is loaded."""
    import numpy as np
    from formulas.functions import get_functions, wrap_func

    module = _udf_module()
    table = get_functions()

    def adapt(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            try:
                out = fn(*(_excel_arg(a) for a in args))
            except Exception as exc:  # the UDF's own error (XlwingsError): record, show #VALUE!
                errors[name] = str(exc)
                raise
            if isinstance(out, str) and out.startswith("#VALUE!"):
                errors[name] = out
                raise ValueError(out)
            if isinstance(out, list):
                return np.asarray(out, dtype=object)
            return out

        call.__name__ = name
        return wrap_func(call)

    for name in module.__all__:
        table[name] = adapt(name, getattr(module, name))


_ADDRESS = re.compile(r"^\$?[A-Z]{1,3}\$?[0-9]+(:\$?[A-Z]{1,3}\$?[0-9]+)?$")


def _solution_cells(solution: Any) -> dict[str, Any]:
    """``formulas`` results keyed ``SHEET!A1`` (upper-case sheet), ranges expanded to cells."""
    from openpyxl.utils.cell import coordinate_from_string, get_column_letter

    cells: dict[str, Any] = {}
    for key, rng in solution.items():
        ref = str(key)
        if "!" not in ref:
            continue
        sheet = ref.split("]", 1)[-1].split("!")[0].strip("'").upper()
        addr = ref.split("!")[-1]
        if not _ADDRESS.match(addr):  # defined names appear in the solution too
            continue
        value = getattr(rng, "value", rng)
        first = addr.split(":")[0]
        col_letter, row0 = coordinate_from_string(first)
        from openpyxl.utils.cell import column_index_from_string

        col0 = column_index_from_string(col_letter)
        import numpy as np

        arr = np.asarray(value, dtype=object)
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        for i, row in enumerate(np.atleast_2d(arr)):
            for j, v in enumerate(row):
                cells[f"{sheet}!{get_column_letter(col0 + j)}{row0 + i}"] = v
    return cells


@contextlib.contextmanager
def _quiet_formulas() -> Iterator[None]:
    """`formulas` draws a tqdm progress bar on stderr while it builds a model, with no option to
    turn it off; the validator's output is one line per workbook, so lend it a silent tqdm."""
    import formulas.excel
    import tqdm

    original = formulas.excel.tqdm
    formulas.excel.tqdm = types.SimpleNamespace(tqdm=functools.partial(tqdm.tqdm, disable=True))
    try:
        yield
    finally:
        formulas.excel.tqdm = original


def _validate_template(job: _Job) -> ValidationResult:
    import formulas
    from formulas.tokens.operand import XlError

    from xl_corridor.case import analyze
    from xl_corridor.workbook.template import (
        CHECK_ROWS,
        EXTRA_ROWS,
        GRID_STEPS,
        GRID_TOP,
        MODEL_ROWS,
        NO_BREAKEVEN_KE,
        PREMIA_TOP,
    )

    try:
        case = load_case(job.path)
    except CaseError as exc:
        return ValidationResult(job.path, "template", "failed",
                                (Failure("Inputs", "valid inputs", str(exc), "inputs rejected"),))
    ev = evaluate(case)
    udf_errors: dict[str, str] = {}
    _register_udfs(udf_errors)
    try:
        with _quiet_formulas():
            model = formulas.ExcelModel().loads(str(job.path)).finish()
        cells = _solution_cells(model.calculate())
    except Exception as exc:  # `formulas` raises many types on a workbook it cannot model
        return ValidationResult(job.path, "template", "unusable",
                                message=f"{job.path}: cannot be evaluated as a template "
                                        f"({type(exc).__name__}: {exc})")
    failures: list[Failure] = []
    checked = 0
    r = MODEL_ROWS
    # With no break-even Ke (the engine finds no root), DUAL_BREAKEVEN_KE rightly shows its
    # message as an error, and its native cross-check (NPV at that rate) inherits it.
    no_root = ev.breakeven_ke is None  # templates hold periodic cash flows only
    expected_errors = (
        {f"MODEL!C{r['breakeven_ke']}", f"MODEL!D{r['breakeven_ke']}"} if no_root else set()
    )
    for ref, v in cells.items():
        checked += 1
        if isinstance(v, XlError) and ref.upper() not in expected_errors:
            failures.append(Failure(ref.title().replace("!", "!", 1), "a value", str(v),
                                    "cell evaluates to an error"
                                    + (f" ({'; '.join(udf_errors.values())})" if udf_errors
                                       else "")))
    expected = {
        f"C{r['ke_single']}": ev.ke_single, f"C{r['ke_dual']}": ev.ke_dual,
        f"C{r['compliance_cost']}": ev.compliance_cost, f"C{r['delta_npv']}": ev.delta_npv,
        f"C{r['breakeven_cost']}": ev.breakeven_cost,
        f"C{r['capex']}": ev.capex, f"C{r['listing_path']}": ev.listing_path,
        f"C{r['decision']}": ev.decision,
    }
    for i in range(GRID_STEPS):
        for j in range(GRID_STEPS):
            expected[f"{chr(ord('C') + j)}{GRID_TOP + i}"] = ev.sens_grid[i][j]
    an = analyze(case, ev)
    for key, value in (("arb_band", an.band), ("dimsum_cost", an.dimsum_cost),
                       ("dimsum_saving", an.dimsum_saving)):
        if value is not None:
            expected[f"C{EXTRA_ROWS[key]}"] = value
    for i, grid_row in enumerate(an.premia_grid):
        for j, value in enumerate(grid_row):
            expected[f"{chr(ord('C') + j)}{PREMIA_TOP + i}"] = value
    for row in CHECK_ROWS:
        expected[f"E{row}"] = True
    if no_root:
        expected[f"E{r['breakeven_ke']}"] = NO_BREAKEVEN_KE
        got = cells.get(f"MODEL!C{r['breakeven_ke']}")
        checked += 1
        if not isinstance(got, XlError):
            failures.append(Failure(f"Model!C{r['breakeven_ke']}", "the no-break-even message",
                                    _excel_value(got), "the engine finds no break-even Ke"))
    else:
        expected[f"C{r['breakeven_ke']}"] = ev.breakeven_ke
    for ref, want in expected.items():
        checked += 1
        got = _excel_value(cells.get(f"MODEL!{ref}"))
        if isinstance(got, XlError) or not _close(got, want):
            failures.append(Failure(f"Model!{ref}", want, got,
                                    "differs from a direct engine call" if not ref.startswith("E")
                                    else "cross-check does not hold"))
    return ValidationResult(job.path, "template", "failed" if failures else "valid",
                            tuple(failures), checked=checked)
