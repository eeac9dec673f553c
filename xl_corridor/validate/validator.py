"""Headless validation of xl-corridor workbooks.

Every workbook is rebuilt from its own inputs and compared with the builder's, part by part and
cell by cell (:mod:`xl_corridor.validate.structure`), and every cached result it stores (what a
reader who does not recalculate sees) with the engine's value for those inputs. By default that
is all a report needs when every engine-valued cell carries a cached value and nothing differs:
its formulas are the builder's, and that the builder's formulas compute the engine's values is
proved by the project's tests in LibreOffice. Otherwise (a cached value missing, a check failed,
or ``recalc=True``) LibreOffice (headless, a fresh profile forcing a full recalculation on load)
recalculates the report and each formula cell is compared with the engine; a file holding
content the builder never writes is refused without LibreOffice opening it. Templates without
cached results are checked by structure and an engine run on their inputs; with cached results
(or ``recalc=True``) the ``formulas`` library evaluates every cell with the UDFs of
``udfs/corridor_udfs.py`` registered, and each UDF cell must equal a direct engine call and every
cross-check must hold.

Neither re-saved file is ever shipped: they live in a temporary folder that is deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import math
import os
import re
import types
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from xl_corridor.case import CaseError, evaluate, load_case
from xl_corridor.errors import CorridorInputError, show
from xl_corridor.validate import libreoffice as _lo
from xl_corridor.validate import safety as _safety
from xl_corridor.validate import structure as _structure_mod
from xl_corridor.workbook.inputs import named_cells, read_booleans, workbook_case_dict
from xl_corridor.workbook.marks import ABS_FLOOR, TOLERANCE

__all__ = ["Failure", "ValidationResult", "validate_workbook", "validate_workbooks"]


Status = Literal["valid", "failed", "unusable"]


@dataclass(frozen=True)
class Failure:
    """One failed check: the cell (``Sheet!A1``), what was expected and what was found."""

    cell: str
    expected: Any
    got: Any
    problem: str = "value differs"

    def __str__(self) -> str:
        return f"{self.cell}: {self.problem} (expected {show(self.expected)}, got {show(self.got)})"


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of validating one workbook. ``exit_code``: 0 valid, 1 failed, 2 unusable."""

    path: Path
    kind: str
    status: Status
    failures: tuple[Failure, ...] = ()
    message: str = ""
    checked: int = 0
    notes: tuple[str, ...] = ()
    #: how the values were checked: "cached values" (the file's cached results against the
    #: engine), "recalculated in LibreOffice", "evaluated with formulas" (templates) or
    #: "structure" (a template without cached values: its formulas are the builder's)
    method: str = ""

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
    category: str = ""
    failures: list[Failure] = field(default_factory=list)
    expected: Any = None  # the builder's Expected (dropped before a job leaves a worker)
    #: sheet -> cell -> the engine's value of each formula cell, and the sheets in workbook
    #: order: what LibreOffice's recalculation is compared with (empty: nothing to recalculate)
    cached: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    skip: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)
    checked: int = 0
    #: engine-valued cells whose cached value is missing from the file (None: not read)
    missing: int | None = None
    problem: str = ""
    case: Any = None  # the inputs read back (templates only; never sent between processes)


def _close(a: Any, b: Any, loose: bool = False) -> bool:
    if b == "" and a is None:  # an empty-text result: LibreOffice saves no value for it
        return True
    if isinstance(b, bool) or isinstance(a, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(b, (int, float)) and isinstance(a, (int, float)):
        if loose:
            return abs(a - b) <= 1e-6
        return math.isfinite(a) and abs(a - b) <= max(TOLERANCE * abs(b), ABS_FLOOR)
    return a == b


UdfSource = ModuleType | Callable[[], ModuleType] | None


def validate_workbook(path: str | Path, *, udfs: UdfSource = None,
                      recalc: bool = False) -> ValidationResult:
    """Validate one report or template workbook. See :func:`validate_workbooks`."""
    return validate_workbooks([path], udfs=udfs, recalc=recalc)[0]


def validate_workbooks(paths: Iterable[str | Path], *, udfs: UdfSource = None,
                       recalc: bool = False) -> list[ValidationResult]:
    """Validate many workbooks.

    Every workbook is rebuilt from its own inputs and compared with the builder's part by part
    (names, formulas, labels, number formats, visibility), and every cached result a reader
    who does not recalculate sees is compared with the engine's value for those inputs. A
    report whose every engine-valued cell carries a cached value and that shows no difference
    is then valid without LibreOffice (``method`` "cached values"): LibreOffice's
    recalculation would only prove again that the builder's formulas compute the engine's
    values, which the project's tests prove for the builder. A report lacking any cached
    value (saved by openpyxl), one that fails a check, and every report when ``recalc`` is
    true, is recalculated by warm LibreOffice processes (one per core, shared by the batch)
    and each formula's result compared with the engine (``method`` "recalculated in
    LibreOffice"). A batch's per-file work runs in up to one process per core.

    Parameters
    ----------
    paths : iterable of path
        The workbooks, reports and templates in any mix.
    udfs : module or callable returning one, optional
        The Excel functions a template calls (``corridor_udfs``, which the caller imports: the
        command line does, only when a template is given); needed only for templates that
        carry cached values or with ``recalc``, whose cells the ``formulas`` library evaluates
        with these functions registered. Reports need none.
    recalc : bool, default False
        Recalculate every report in LibreOffice and evaluate every template with ``formulas``,
        whatever cached values they carry.

    Returns
    -------
    list of ValidationResult
        In input order. ``status`` is "valid", "failed" (``failures`` name ``Sheet!cell``,
        expected and got) or "unusable" (``message`` says why: not a zip, not an xlsx, not an
        xl-corridor workbook, or refused by the pre-flight checks of
        ``xl_corridor.validate.safety``: zip bombs, XML entity declarations, absurdly large
        sheets, encrypted files). ``method`` says how the values were checked.

    Raises
    ------
    xl_corridor.validate.libreoffice.LibreOfficeError
        If a report must be recalculated and LibreOffice is missing or fails.
    ValueError
        If a template must be evaluated and no ``udfs`` were given.
    """
    paths = list(paths)
    with _lo.Session(len(paths)) as lo:  # killed, with its temporary files, on every exit
        return _validate_all(paths, lo, udfs, recalc)


def _validate_all(paths: Sequence[str | Path], lo: _lo.Session, udfs: UdfSource,
                  recalc: bool) -> list[ValidationResult]:
    results: dict[int, ValidationResult] = {}
    # with --recalc LibreOffice warms up while the files are read (started once the readers
    # exist, so that no forked reader holds a LibreOffice pipe)
    jobs = _read_all([Path(p) for p in paths], lo.start if recalc else lambda: None)
    reports: list[tuple[int, _Job]] = []
    for i, job in enumerate(jobs):
        if job.problem:
            results[i] = ValidationResult(job.path, job.kind or "unknown", "unusable",
                                          message=job.problem)
        elif job.kind == "template":
            results[i] = _validate_template(job, udfs, recalc)
        else:
            reports.append((i, job))
    todo = [job for _, job in reports if _needs_recalc(job, recalc)]
    for job in todo:
        if job.missing and not recalc:
            job.notes.append(f"{job.missing:,} engine-valued cell(s) carry no cached value, so "
                             "LibreOffice recalculated the report")
    if todo:
        _recalculate_reports(todo, lo)
    for i, job in reports:
        status: Status = "failed" if job.failures else "valid"
        method = (_RECALCULATED if job in todo else
                  _CACHED if job.cached else _STRUCTURE)
        results[i] = ValidationResult(job.path, job.kind, status, _capped(job.failures),
                                      checked=job.checked, notes=tuple(job.notes),
                                      method=method)
    return [results[i] for i in sorted(results)]


_CACHED = "cached values"
_RECALCULATED = "recalculated in LibreOffice"
_STRUCTURE = "structure"
_EVALUATED = "evaluated with formulas"


# Findings of content the builder never writes: such a file is refused without handing it to
# LibreOffice (which would open its external links, extra sheets and parts) unless asked.
_FOREIGN = ("part the builder does not write", "relationship to an outside file",
            "external workbook link", "sheet the builder does not write",
            "conditional format", "data validation", "shape, picture or text box",
            "defined name for a sheet that does not exist", "worksheet part that no sheet",
            "formula in an input cell")


def _needs_recalc(job: _Job, recalc: bool) -> bool:
    """LibreOffice recalculates a report when asked, when any engine-valued cell has no cached
    value to check (a file saved by openpyxl), and when a check failed (so the findings say
    what a reader who recalculates is shown, too), unless the file holds foreign content."""
    if not job.cached:
        return False
    if any(f.problem.startswith(_FOREIGN) for f in job.failures):
        return False  # already failed, with content LibreOffice should not open (even asked)
    return recalc or bool(job.missing) or bool(job.failures)


def _read_all(paths: Sequence[Path], started: Callable[[], None]) -> list[_Job]:
    """Read, rebuild and compare every file; over up to one process per core for a batch.
    ``started`` is called once the reading has begun."""
    workers = _lo._workers(len(paths))
    if workers < 2 or len(paths) < 2 * workers:
        started()
        return [_read(p) for p in paths]
    return _read_parallel(paths, workers, started)


def _read(path: Path) -> _Job:
    """One file's Python work: pre-flight, kind, rebuild, structure and cached values."""
    job = _Job(path)
    job.problem = _preflight(job) or _classify(job) or _structure(job, keep_case=(
        job.kind == "template"))
    return job


def _read_in_worker(path: Path) -> _Job:
    job = _read(path)
    if job.kind != "template":
        job.expected = None  # the builder's workbook stays in the worker: findings travel
    elif job.expected is not None:  # a template's case travels (it is checked there); its
        job.expected.workbook = None  # rebuilt workbook does not
    return job


def _worker_init() -> None:
    """A pool worker dies with the command: the kernel kills it when its parent dies (Linux),
    and it leaves SIGINT to the parent (which shuts the pool down)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def _read_parallel(paths: Sequence[Path], workers: int,
                   started: Callable[[], None]) -> list[_Job]:
    """The per-file work over ``workers`` forked processes. Workers only read: on any exit
    of the command (exception, SIGTERM or SIGINT raised in the main thread) they are killed and
    reaped before this returns, and nothing they did needs undoing."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init)
    try:
        futures = [pool.submit(_read_in_worker, p) for p in paths]
        started()  # the forked readers exist by now
        return [f.result() for f in futures]
    finally:
        procs = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            if proc.is_alive():
                proc.kill()
        for proc in procs:
            proc.join(5)


def _preflight(job: _Job) -> str:
    """Refuse hostile or absurd files before any parser (openpyxl, LibreOffice) opens them."""
    try:
        _safety.check_workbook(job.path)
    except _safety.UnsafeInputError as exc:
        return str(exc)
    return ""


def _classify(job: _Job) -> str:
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
    for category, kind in _structure_kinds().items():
        if f"<cp:category>{category}</cp:category>" in core:
            job.kind = kind.name
            job.category = category
            return ""
    return f"{path}: not an xl-corridor report or template (document category)"


# --- the kinds of workbook --------------------------------------------------------------------


def _report_expected(case: Any, wb: Any = None) -> _structure_mod.Expected:
    from xl_corridor.workbook.inputs import input_cells, named_cells
    from xl_corridor.workbook.report import plan_report

    cf_rows = None
    if wb is not None and "cash_flows" in wb.defined_names:
        # lay the rebuild out like the file: a year typed in a spare row stays where it is
        cf_rows = len(named_cells(wb, "cash_flows"))
    plan = plan_report(case, cf_rows=cf_rows)
    # The plan knows its snapshot cells (stamped values and the formulas comparing with
    # them); the Monte Carlo sheet's labels describe the simulation run at build time too.
    snapshot = {f"{sheet}!{ref}" for sheet, cells in plan.snapshot.items() for ref in cells}
    if "MonteCarlo" in plan.wb.sheetnames:
        snapshot |= {f"MonteCarlo!{c.coordinate}" for row in plan.wb["MonteCarlo"].iter_rows()
                     for c in row if c.value is not None}
    return _structure_mod.Expected(b"", plan.cached, input_cells(plan.wb),
                                   frozenset(snapshot), plan, workbook=plan.wb)


def _template_expected(case: Any, wb: Any = None) -> _structure_mod.Expected:
    from xl_corridor.workbook.corridor_report import corridor_sheet_input_cells
    from xl_corridor.workbook.inputs import input_cells
    from xl_corridor.workbook.template import template_workbook

    wb = template_workbook(case)
    editable = input_cells(wb) | corridor_sheet_input_cells(wb)
    return _structure_mod.Expected(b"", {}, editable, frozenset(), workbook=wb)


def _corridor_read(label: str, wb: Any) -> Any:
    from xl_corridor.corridor_case import load_corridor_case
    from xl_corridor.workbook.corridor_inputs import corridor_case_dict

    return load_corridor_case(corridor_case_dict(label, wb), label=label)


def _corridor_expected(case: Any, wb: Any = None) -> _structure_mod.Expected:
    from xl_corridor.workbook.corridor_report import plan_corridor_report

    book = plan_corridor_report(case)
    return _structure_mod.Expected(b"", book.cached, book.inputs, book.snapshot,
                                   book, workbook=book.wb)


@functools.cache
def _register_builtin() -> None:
    from xl_corridor.workbook.marks import CORRIDOR_REPORT_KIND, REPORT_KIND, TEMPLATE_KIND
    from xl_corridor.workbook.portfolio import (
        PORTFOLIO_KIND,
        portfolio_expected,
        portfolio_results,
    )

    _structure_mod.register(_structure_mod.WorkbookKind("corridor report", CORRIDOR_REPORT_KIND,
                                                        _corridor_expected, _corridor_read))

    _structure_mod.register(_structure_mod.WorkbookKind("report", REPORT_KIND,
                                                        _report_expected))
    _structure_mod.register(_structure_mod.WorkbookKind("template", TEMPLATE_KIND,
                                                        _template_expected))
    _structure_mod.register(_structure_mod.WorkbookKind(
        "portfolio", PORTFOLIO_KIND, portfolio_expected,
        read=lambda label, wb: portfolio_results(wb)))


def _structure_kinds() -> dict[str, _structure_mod.WorkbookKind]:
    _register_builtin()
    return dict(_structure_mod.kinds())


# --- reports ------------------------------------------------------------------------------------


def _capped(failures: Sequence[Failure]) -> tuple[Failure, ...]:
    if len(failures) <= _structure_mod.MAX_FINDINGS:
        return tuple(failures)
    rest = len(failures) - _structure_mod.MAX_FINDINGS
    return (*failures[:_structure_mod.MAX_FINDINGS],
            Failure("...", "", f"{rest:,} more", "further differences not listed"))


def _listing_read(label: str, wb: Any) -> Any:
    return load_case(workbook_case_dict(label, wb))


def _structure(job: _Job, *, keep_case: bool = False) -> str:
    """Rebuild the workbook from its own inputs and compare it part by part, cell by cell, and
    its cached values with the engine's (the file is read from disk once, parsed by openpyxl
    once).

    Returns a problem that makes the file unusable ("" if it could be read); differences go to
    ``job.failures``, a stale snapshot to ``job.notes``."""
    from openpyxl import load_workbook

    from xl_corridor.workbook.inputs import inputs_fingerprint
    from xl_corridor.workbook.marks import INPUTS_HASH_PROPERTY
    from xl_corridor.workbook.save import CUSTOM_PART, stamped_fingerprints

    kind = _structure_kinds()[job.category]
    try:
        data = job.path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            custom = zf.read(CUSTOM_PART) if CUSTOM_PART in zf.namelist() else b""
        with warnings.catch_warnings(record=True) as caught:  # never printed: see below
            warnings.simplefilter("always")
            wb = load_workbook(io.BytesIO(data))
    except Exception as exc:  # openpyxl raises many types for a damaged package
        return (f"{job.path}: cannot be opened as a workbook ({type(exc).__name__}: "
                f"{_one_line(exc)})")
    read_booleans(wb)  # TRUE/FALSE as LibreOffice saves them
    for w in caught:  # openpyxl drops what it cannot place, with a warning: a name for no sheet
        if "Defined names" in str(w.message):
            job.failures.append(Failure("xl/workbook.xml", "names of existing sheets",
                                        _one_line(w.message),
                                        "defined name for a sheet that does not exist"))
    try:
        try:
            case = (kind.read or _listing_read)(str(job.path), wb)
        except CorridorInputError as exc:
            job.failures.append(Failure("Inputs", "valid inputs", _problems(exc),
                                        "inputs rejected"))
            job.failures.extend(_input_formulas(wb))  # where a formula sits, by cell
            return ""
        except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
            return (f"{job.path}: the Inputs sheet cannot be read ({type(exc).__name__}: "
                    f"{_one_line(exc)})")
        if keep_case:
            job.case = case
        expected = job.expected = kind.build(case, wb)
        if expected.extra is not None:  # a kind with engine values LibreOffice can recompute
            job.cached = expected.cached
            book = getattr(expected.extra, "wb", None)
            job.order = list(book.sheetnames) if book is not None else list(expected.cached)
        stamp = stamped_fingerprints(custom).get(INPUTS_HASH_PROPERTY)
        stale = bool(expected.snapshot) and stamp is not None and stamp != inputs_fingerprint(
            wb, expected.editable)
        if stale:
            book = expected.workbook  # the builder's, in memory; else parsed from its package
            exp_wb = book if book is not None else load_workbook(
                io.BytesIO(_structure_mod.package(expected)))
            # the workbook's own test decides, as its sheets do: a hash that disagrees while
            # the at-build stamps equal the inputs now is not an edit (every stored result is
            # then compared, so one forged under a garbled hash is caught)
            stale = _inputs_moved(wb, exp_wb)
            if stale:
                job.skip = _structure_mod.dependents(exp_wb, expected.snapshot)
            if book is None:
                exp_wb.close()
        if stale:
            job.notes.append(f"stale: the inputs changed after the report was written, so its "
                             f"stored results ({len(expected.snapshot)} cells: Monte Carlo "
                             f"and engine values on Checks) are out of date; re-run "
                             f"xl-corridor report {job.path}")
        for f in _structure_mod.compare(data, wb, expected, stale=stale, skip=job.skip):
            job.failures.append(Failure(f.cell, f.expected, f.got, f.problem))
    finally:
        wb.close()
    _check_cached(job, data)
    return ""


def _one_line(exc: BaseException | Warning | str) -> str:
    """An exception's text on one line (openpyxl's messages span several), at most 300
    characters."""
    return " ".join(str(exc).split())[:300]


def _input_formulas(wb: Any) -> list[Failure]:
    """The input cells of a workbook whose inputs were rejected that hold a formula, by cell
    (found through the file's own names: it fails anyway, this only says where)."""
    from xl_corridor.workbook.inputs import LIVE_DEFAULTS, input_cells, matches_formula

    allowed = {named_cells(wb, name)[0].coordinate: formula
               for name, formula in LIVE_DEFAULTS.items() if name in wb.defined_names}
    out = []
    for key in sorted(input_cells(wb), key=lambda k: _structure_mod._order(k.split("!")[1])):
        sheet, ref = key.split("!")
        if sheet not in wb.sheetnames:
            continue
        v = wb[sheet][ref].value
        if isinstance(v, str) and v.startswith("=") and not (
                sheet == "Inputs" and ref in allowed and matches_formula(v, allowed[ref])):
            out.append(Failure(key, "a typed value", v[:200], _structure_mod.INPUT_FORMULA))
    return out


def _inputs_moved(got: Any, want: Any) -> bool:
    """The workbook's own staleness test: an input now differs from its stamp at build (the
    "At build" column of the inputs block, defined name ``inputs_edited``). ``want``, built for
    the inputs now, stamps them; a kind without the block counts as moved."""
    if "inputs_edited" not in want.defined_names:
        return True
    flag = named_cells(want, "inputs_edited")[0]
    if flag.parent.title not in got.sheetnames:
        return True
    ws_w, ws_g = flag.parent, got[flag.parent.title]

    def value(ws: Any, row: int, col: int) -> Any:  # read without creating the cell
        cell = ws._cells.get((row, col))
        return None if cell is None else cell.value

    row = flag.row - 1
    while row > 1 and value(ws_w, row, 1) != "Input":  # up to the block's header
        if not _structure_mod._same(value(ws_g, row, 3), value(ws_w, row, 3)):
            return True
        row -= 1
    return False


def _problems(exc: CorridorInputError) -> str:
    """A CaseError's problems without the file name (the line already starts with it)."""
    if not isinstance(exc, CaseError):
        return str(exc)
    return "; ".join(f"{f}: {p}" if f else p for f, p in exc.problems)


def _check_cached(job: _Job, data: bytes) -> None:
    """The values a reader that does not recalculate sees (the cached results, read straight
    from the sheet XML) must be the engine's. Counts in ``job.missing`` the engine-valued cells
    that carry no cached value (a file saved by openpyxl has none): LibreOffice recalculates
    such a file. Cells that readers may show differently (written twice, two cached values,
    rich text) are failures wherever they are, except in the cells a user may edit."""
    stored, odd = _structure_mod.read_cached(data)
    editable = job.expected.editable if job.expected is not None else frozenset()
    job.failures.extend(Failure(f.cell, f.expected, f.got, f.problem) for f in odd
                        if f.cell not in editable or "twice" in f.problem
                        or "several" in f.problem)
    if not job.cached:
        return
    missing = 0
    for sheet, cells in job.cached.items():
        got_cells = stored.get(sheet, {})
        for ref, want in cells.items():
            if want is None or f"{sheet}!{ref}" in job.skip:
                continue
            got = got_cells.get(ref)
            if got is None:
                missing += 1
                continue
            job.checked += 1
            loose = sheet == "Checks" and ref.startswith("D")
            if not _close(got, want, loose):
                job.failures.append(Failure(
                    f"{sheet}!{ref}", want, got, "cached value (what a reader that does "
                    "not recalculate is shown) differs from the engine's value"))
    job.missing = missing
    if job.skip:
        _check_stale_labels(job, stored)


# A cell that says whether the stored results are current: =IF(inputs_edited,<when edited>,...)
_STALE_BRANCH = re.compile(r'=IF\(inputs_edited,("(?:[^"]|"")*"|TRUE|FALSE),')


def _check_stale_labels(job: _Job, stored: Mapping[str, Mapping[str, Any]]) -> None:
    """With the inputs edited (the stored results not compared), what a reader who does not
    recalculate is shown must say so: ``inputs_edited`` cached TRUE, and each cell that labels a
    stored result (``=IF(inputs_edited,"STALE: ...",...)``) cached at its stale branch. A file
    whose stamps were forged to look edited cannot show forged results as current."""
    book = job.expected.workbook if job.expected is not None else None
    if book is None:
        return
    flag_key = None
    if "inputs_edited" in book.defined_names:
        flag = named_cells(book, "inputs_edited")[0]
        flag_key = f"{flag.parent.title}!{flag.coordinate}"
    for key in sorted(job.expected.snapshot):
        sheet, ref = key.split("!")
        if sheet not in book.sheetnames:
            continue
        text = book[sheet][ref].value
        m = _STALE_BRANCH.match(text) if isinstance(text, str) else None
        if m is None and key != flag_key:
            continue
        want: Any = True if m is None else (
            m.group(1)[1:-1].replace('""', '"') if m.group(1).startswith('"')
            else m.group(1) == "TRUE")
        got = stored.get(sheet, {}).get(ref)
        if got is not None and not _structure_mod._same(got, want):
            job.failures.append(Failure(key, want, got, "shows the stored results as current "
                                        "although the inputs were edited"))


def _recalculate_reports(jobs: Sequence[_Job], lo: _lo.Session) -> None:
    todo = [j for j in jobs if j.cached]
    if not todo:
        return
    wanted = [{sheet: [ref for ref, v in cells.items() if v is not None]
               for sheet, cells in j.cached.items()} for j in todo]
    recalculated = lo.values([j.path for j in todo], wanted)  # warm LibreOffice, in parallel
    for job, values in zip(todo, recalculated, strict=True):
        for sheet in job.order:  # workbook order: the Summary first
            cells = job.cached.get(sheet, {})
            for ref, expected in cells.items():
                if expected is None or f"{sheet}!{ref}" in job.skip:
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


def _register_udfs(module: ModuleType, errors: dict[str, str]) -> None:
    """Put every UDF of ``module`` (``corridor_udfs``) into ``formulas``' function table before
    any workbook is loaded."""
    import numpy as np
    from formulas.functions import get_functions, wrap_func

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


def _template_has_cached(job: _Job) -> bool:
    """Whether any formula of the template carries a cached result (Excel stores them; the
    builder and openpyxl do not)."""
    try:
        stored = _structure_mod.cached_values(job.path.read_bytes())
    except (OSError, zipfile.BadZipFile, KeyError, SyntaxError) as exc:
        raise ValueError(f"{job.path}: cached values cannot be read ({exc})") from exc
    return any(stored.values())


def _template_engine(job: _Job) -> tuple[int, list[Failure]]:
    """A template without cached results, whose every formula is the builder's: the engine is
    called for the values its function cells will show for its inputs (the listing model and
    the corridor sheet), and must accept them."""
    from openpyxl import load_workbook

    from xl_corridor.case import analyze
    from xl_corridor.workbook.corridor_report import CORRIDOR_SHEET, corridor_sheet_expected

    failures: list[Failure] = []
    checked = 0
    try:
        ev = evaluate(job.case)
        an = analyze(job.case, ev)
        checked += len(ev.sens_grid) * len(ev.sens_grid[0]) + len(an.premia_grid) * len(
            an.premia_grid[0]) + 8
    except CorridorInputError as exc:
        failures.append(Failure("Model", "valid inputs", _problems(exc), "inputs rejected"))
    wb = load_workbook(job.path)
    try:
        if CORRIDOR_SHEET in wb.sheetnames:
            try:
                checked += len(corridor_sheet_expected(wb))
            except CaseError as exc:
                failures.append(Failure(CORRIDOR_SHEET, "valid inputs", str(exc),
                                        "inputs rejected"))
    finally:
        wb.close()
    return checked, failures


def _validate_template(job: _Job, udfs: UdfSource, recalc: bool = False) -> ValidationResult:
    """A template without cached results is checked by its structure and the engine (no
    ``formulas``, no scipy); one carrying cached results, or any with ``recalc``, is evaluated
    by ``formulas`` with the UDFs registered and every cached result checked."""
    if job.expected is None:  # the inputs were rejected
        return ValidationResult(job.path, "template", "failed", _capped(job.failures),
                                method=_STRUCTURE)
    if not recalc and not job.failures and not _template_has_cached(job):
        checked, found = _template_engine(job)
        return ValidationResult(job.path, "template", "failed" if found else "valid",
                                _capped(found), checked=checked, method=_STRUCTURE)
    return _evaluate_template(job, udfs)


def _evaluate_template(job: _Job, udfs: UdfSource) -> ValidationResult:
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
        VALUATION_ROWS,
    )

    if callable(udfs) and not isinstance(udfs, ModuleType):
        udfs = udfs()
    if udfs is None:
        raise ValueError(f"{job.path} is a template: its Excel functions are evaluated too, so "
                         "pass udfs=corridor_udfs (import corridor_udfs)")
    try:
        case = load_case(job.path)
    except CaseError as exc:
        return ValidationResult(job.path, "template", "failed",
                                (Failure("Inputs", "valid inputs", _problems(exc),
                                         "inputs rejected"),), method=_EVALUATED)
    ev = evaluate(case)
    udf_errors: dict[str, str] = {}
    _register_udfs(udfs, udf_errors)
    try:
        with _quiet_formulas():
            model = formulas.ExcelModel().loads(str(job.path)).finish()
        cells = _solution_cells(model.calculate())
    except Exception as exc:  # `formulas` raises many types on a workbook it cannot model
        return ValidationResult(job.path, "template", "unusable",
                                message=f"{job.path}: cannot be evaluated as a template "
                                        f"({type(exc).__name__}: {exc})")
    failures: list[Failure] = list(job.failures)
    checked = 0
    failures.extend(_template_cached(job, cells))
    r = MODEL_ROWS
    # With no break-even Ke (the engine finds no root), DUAL_BREAKEVEN_KE rightly shows its
    # message as an error, and its native cross-check (NPV at that rate) inherits it.
    no_root = ev.breakeven_ke is None  # templates hold periodic cash flows only
    expected_errors = (
        {f"MODEL!C{r['breakeven_ke']}", f"MODEL!D{r['breakeven_ke']}"} if no_root else set()
    )
    an = analyze(case, ev)
    from xl_corridor.workbook.scenarios_sheet import template_error_cells
    from xl_corridor.workbook.template import SCENARIO_TOP

    expected_errors |= template_error_cells(case, SCENARIO_TOP)  # per-scenario break-even Ke
    if an.valuation is not None and an.valuation.critical_mass is None:
        # no project size pays: DUAL_CRITICAL_MASS_CF names the reason, the check says so
        expected_errors.add(f"MODEL!C{VALUATION_ROWS['critical_mass']}")
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
    for key, value in (("arb_band", an.band), ("dimsum_cost", an.dimsum_cost),
                       ("dimsum_saving", an.dimsum_saving)):
        if value is not None:
            expected[f"C{EXTRA_ROWS[key]}"] = value
    for i, grid_row in enumerate(an.premia_grid):
        for j, value in enumerate(grid_row):
            expected[f"{chr(ord('C') + j)}{PREMIA_TOP + i}"] = value
    for row in CHECK_ROWS:
        expected[f"E{row}"] = True
    val = an.valuation
    if val is not None and case.valuation is not None:  # the valuation block (issue 15)
        v = VALUATION_ROWS
        for key, value in (("npv_per_share", val.per_share), ("npv_to_mcap", val.to_mcap),
                           ("price_uplift", val.uplift), ("dilution", val.offer.dilution),
                           ("money_left", val.offer.money_left),
                           ("critical_mass", val.critical_mass),
                           ("wait_value", val.timing.difference)):
            if value is not None:
                expected[f"C{v[key]}"] = value
        expected[f"D{v['timing']}"] = val.timing.timing
        expected.update({f"E{row}": True for row in v.values()})
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
    c_checked, c_failures = _template_corridor(job, cells)
    checked += c_checked
    failures.extend(c_failures)
    return ValidationResult(job.path, "template", "failed" if failures else "valid",
                            _capped(failures), checked=checked, method=_EVALUATED)


def _template_corridor(job: _Job, cells: dict[str, Any]) -> tuple[int, list[Failure]]:
    """The corridor sheet (issue 14): each CORRIDOR_ function cell equals the engine for the
    sheet's own inputs, and each native cross-check holds."""
    from formulas.tokens.operand import XlError
    from openpyxl import load_workbook

    from xl_corridor.workbook.corridor_report import CORRIDOR_SHEET, corridor_sheet_expected

    wb = load_workbook(job.path)
    try:
        if CORRIDOR_SHEET not in wb.sheetnames:
            return 0, []
        try:
            expected = corridor_sheet_expected(wb)
        except CaseError as exc:
            return 1, [Failure(CORRIDOR_SHEET, "valid inputs", str(exc), "inputs rejected")]
    finally:
        wb.close()
    out: list[Failure] = []
    for ref, want in expected.items():
        got = _excel_value(cells.get(ref.upper()))
        if isinstance(got, XlError) or not _close(got, want):
            col = ref.split("!")[1][0]
            out.append(Failure(ref, want, got, "differs from a direct engine call"
                               if col != "E" else "cross-check does not hold"))
    return len(expected), out


def _template_cached(job: _Job, cells: dict[str, Any]) -> list[Failure]:
    """Cached results stored in a template (Excel with the add-in stores them; openpyxl and
    the builder do not) must equal the evaluated values."""
    from formulas.tokens.operand import XlError
    from openpyxl import load_workbook

    out: list[Failure] = []
    wb = load_workbook(job.path, data_only=True)
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None:
                        continue
                    key = f"{ws.title.upper()}!{c.coordinate}"
                    if key not in cells:
                        continue
                    want = _excel_value(cells[key])
                    if isinstance(want, XlError):
                        want = str(want)
                    got = c.value
                    if isinstance(got, dt.datetime | dt.date):
                        continue
                    if isinstance(want, int | float | bool) and _close(got, want):
                        continue
                    if got == want:
                        continue
                    out.append(Failure(f"{ws.title}!{c.coordinate}", want, got,
                                       "cached value (what a reader that does not recalculate "
                                       "is shown) differs from the recalculated value"))
    finally:
        wb.close()
    return out
