"""``xl-corridor``: build reports and the template, validate workbooks.

Exit codes: 0 success / valid; 1 checks failed (``validate``) or some cases failed (``batch``);
2 unusable input (bad case file, hostile or damaged workbook, not an xl-corridor workbook, an
output that xl-corridor did not write), and for ``batch`` when no report at all was written.
Errors go to stderr as ``FILE: field: problem`` or ``FILE: problem``, one line per problem (a
case file's problems all at once, up to 20), never a traceback (set ``XL_CORRIDOR_DEBUG=1`` to
see one for an unexpected error). Plausibility warnings (legal values that look like per-cent
typos) go to stderr as ``FILE: warning: field: problem`` and do not change the exit code.

Outputs are ``.xlsx`` only. ``report`` without ``--out`` writes the case file's name with
``.xlsx`` in the working directory (``NAME-report.xlsx`` for a workbook case), as ``batch`` does
in ``--out-dir``. ``batch`` prints a table of case, decision, Delta NPV (with units) and output;
its progress is a bar on a terminal and one plain stderr line per case elsewhere (CI logs). It
also writes ``portfolio.xlsx`` in ``--out-dir``, the comparison of the cases
(``xl_corridor.workbook.portfolio``), and prints its table.

Outside input is checked before any parser opens it (``xl_corridor.validate.safety``): size,
zip bombs, XML entity declarations, absurd sheets, encrypted files. Reports are written to a hidden
temporary file in the target folder and renamed into place, so a killed run leaves the previous
file intact; an existing file is only replaced if xl-corridor wrote it, unless ``--force``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from xl_corridor.errors import CorridorInputError
from xl_corridor.validate import safety as _safety
from xl_corridor.validate.libreoffice import LibreOfficeError

__all__ = ["main"]


class _Refused(Exception):
    """One line for stderr, exit code 2."""


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _load(case: str) -> Any:
    """A case from the command line. Raises _Refused with the one-line message."""
    from xl_corridor.case import load_case

    try:
        loaded = load_case(Path(case))  # runs the pre-flight checks and the limits itself
    except CorridorInputError as exc:
        raise _Refused(str(exc)) from None
    return loaded


def _target(out: Path, *, force: bool, case: str | None = None) -> None:
    """Refuse an output that is the input itself or that xl-corridor did not write."""
    if case is not None and out.exists() and not force and (
            os.path.realpath(case) == os.path.realpath(out)):
        raise _Refused(f"{out}: is the case file itself; choose another --out (or pass "
                       "--force to replace it)")
    try:
        _safety.check_target(out, force=force)
    except CorridorInputError as exc:
        raise _Refused(str(exc)) from None
    if not out.parent.is_dir():
        raise _Refused(f"{out}: the folder {out.parent} does not exist")
    _safety.sweep_stale_temps(out.parent)


def _write_report(case: Any, out: Path) -> Any:
    from xl_corridor.case import CaseError
    from xl_corridor.workbook.report import build_report

    try:
        return build_report(case, out)
    except CaseError as exc:  # engine-level problems surfaced while planning
        raise _Refused(str(exc)) from None
    except OSError as exc:
        raise _Refused(f"{out}: cannot write the report ({exc.strerror or exc})") from None


def _corridor_kind(case: str) -> bool:
    """True for a TOML case file whose top-level ``kind`` is ``"corridor"`` (issue 14)."""
    import tomllib

    path = Path(case)
    if path.suffix.lower() != ".toml" or not path.is_file():
        return False
    try:
        _safety.check_case_file(path)
        return tomllib.loads(path.read_text(encoding="utf-8")).get("kind") == "corridor"
    except (CorridorInputError, OSError, ValueError, RecursionError):  # incl. TOMLDecodeError
        return False  # the ordinary loader reports the problem


def _corridor_report(args: argparse.Namespace) -> int:
    from xl_corridor.corridor_case import load_corridor_case, run_corridor_case
    from xl_corridor.workbook.corridor_report import build_corridor_report

    out = _xlsx(Path(args.out) if args.out else default_out(args.case))
    try:
        case = load_corridor_case(Path(args.case))
    except CorridorInputError as exc:
        raise _Refused(str(exc)) from None
    _target(out, force=args.force, case=args.case)
    try:
        path = build_corridor_report(case, out)
    except OSError as exc:
        raise _Refused(f"{out}: cannot write the report ({exc.strerror or exc})") from None
    v = run_corridor_case(case).result.values
    print(path)
    print(f"C_e {v['ce']:.2%}: Delta V {v['delta_v']:,.1f} {case.deal.units}, WACC gap "
          f"{v['wacc_gap_bp']:.1f} bp")
    return 0


    out = Path(args.out)


def default_out(case: str | Path, folder: str | Path = ".") -> Path:
    """The report a case gets when no ``--out`` is given: the case file's name with ``.xlsx``,
    in ``folder`` (the working directory for ``report``, ``--out-dir`` for ``batch``); a
    workbook case (a filled-in template) gets ``NAME-report.xlsx`` so it is never its own
    output."""
    p = Path(case)
    stem = p.stem + ("-report" if p.suffix.lower() in (".xlsx", ".xlsm") else "")
    return Path(folder) / f"{stem}.xlsx"


def _xlsx(out: Path) -> Path:
    """Refuse an output name that is not ``.xlsx`` (before anything is read or written)."""
    if out.is_dir():
        raise _Refused(f"{out}: is a directory; give a file name for the output")
    if out.suffix.lower() != ".xlsx":
        hint = out.with_suffix(".xlsx").name if out.suffix else f"{out.name}.xlsx"
        raise _Refused(f"{out}: the output must be an .xlsx workbook (xl-corridor writes Excel "
                       f".xlsx only); use --out {hint}")
    return out


def _delta(delta: float, units: str) -> str:
    return f"{delta:,.1f} {units}"


def _warn(label: str, case: Any) -> None:
    """Plausibility warnings (legal values that look like per-cent typos) on stderr."""
    from xl_corridor.case import case_warnings

    for warning in case_warnings(case):
        _err(f"{label}: warning: {warning}")


def _report(args: argparse.Namespace) -> int:
    if _corridor_kind(args.case):
        return _corridor_report(args)
    out = _xlsx(Path(args.out) if args.out else default_out(args.case))
    case = _load(args.case)
    if args.scenario is not None:
        case = _with_scenario(case, args.scenario)
    _target(out, force=args.force, case=args.case)
    _warn(args.case, case)
    result = _write_report(case, out)
    print(result.path)
    print(f"{result.decision}: Delta NPV {_delta(result.delta_npv, result.units)}")
    _scenario_lines(case)
    return 0


def _with_scenario(case: Any, name: str) -> Any:
    """The case with scenario ``name`` in use (``--scenario``)."""
    sc = case.scenarios
    if sc is None:
        if name == "base":  # the case itself always exists
            return case
        raise _Refused(f"--scenario: unknown scenario {name!r}; the case has no [scenarios] "
                       "table: expected base")
    if name not in sc.names:
        raise _Refused(f"--scenario: unknown scenario {name!r}; expected one of "
                       f"{', '.join(sc.names)}")
    return case.model_copy(update={"scenarios": sc.model_copy(update={"active": name})})


def _scenario_lines(case: Any) -> None:
    """One line per scenario after the decision line (the scenario in use is marked)."""
    from xl_corridor.case import evaluate

    sc = case.scenarios
    if sc is None:
        return
    for name in sc.names:
        ev = evaluate(case.scenario(name))
        mark = " (in use)" if name == sc.active else ""
        print(f"  scenario {name}{mark}: {ev.decision}: Delta NPV "
              f"{_delta(ev.delta_npv, case.deal.units)}")


def _demo(args: argparse.Namespace) -> int:
    from xl_corridor.case import load_case

    out = _xlsx(Path(args.out))
    _target(out, force=args.force)
    case = load_case(_example_text())
    result = _write_report(case, out)
    print(result.path)
    print(f"{result.decision}: Delta NPV {_delta(result.delta_npv, result.units)}")
    _scenario_lines(case)
    return 0


def _example_text() -> str:
    return resources.files("xl_corridor").joinpath("data", "example_case.toml").read_text("utf-8")


def _example(args: argparse.Namespace) -> int:
    text = _example_text()
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    if out.is_dir():
        raise _Refused(f"{out}: is a directory; give a file name for the case file")
    if out.exists() and not args.force:
        raise _Refused(f"{out}: exists; not overwritten. Pass --force to replace it")
    if not out.parent.is_dir():
        raise _Refused(f"{out}: the folder {out.parent} does not exist")
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Refused(f"{out}: cannot write the case file ({exc.strerror or exc})") from None
    print(out)
    print(f"edit it, then: xl-corridor report {out}")
    return 0


def _udfs() -> Any:
    import corridor_udfs  # the Excel functions templates call: imported here, at the edge

    return corridor_udfs


def _validate(args: argparse.Namespace) -> int:
    from xl_corridor.validate.validator import validate_workbooks

    try:  # one LibreOffice run for the reports that need one; the UDFs only for templates
        results = validate_workbooks(args.files, udfs=_udfs, recalc=args.recalc)
    except LibreOfficeError as exc:
        for file in args.files:
            _err(f"{file}: {exc}")
        return 2
    for file, result in zip(args.files, results, strict=True):
        if result.status == "unusable":
            _err(result.message)
        elif result.failures:
            for failure in result.failures:
                _err(f"{file}: {failure}")
            print(f"{file}: {len(result.failures)} check(s) failed")
        else:
            print(f"{file}: valid {result.kind} ({_how(result)})")
        for note in result.notes:
            print(f"{file}: {note}")
    if len(results) > 1:
        counts = {s: sum(r.status == s for r in results) for s in ("valid", "failed", "unusable")}
        print(f"{len(results)} workbooks: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return max(r.exit_code for r in results)


def _how(result: Any) -> str:
    """What a valid result was checked by, in words."""
    n = f"{result.checked:,}"
    if result.method == "cached values":
        return f"structure + {n} cached values against the engine"
    if result.method == "recalculated in LibreOffice":
        return f"structure + {n} values, cached and recalculated in LibreOffice"
    if result.method == "evaluated with formulas":
        return f"structure + {n} cells evaluated with the Excel functions"
    return f"structure + {n} engine values for its inputs; it stores no cached values"


def _template(args: argparse.Namespace) -> int:
    from xl_corridor.workbook.template import build_template

    out = _xlsx(Path(args.out))
    _target(out, force=args.force)
    try:
        print(build_template(out))
    except OSError as exc:
        raise _Refused(f"{out}: cannot write the template ({exc.strerror or exc})") from None
    return 0


def _progress(cases: Sequence[str]) -> Any:
    """A tqdm bar on a terminal; elsewhere (CI logs, pipes) the cases themselves, logged one
    plain line each by :func:`_batch`."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(cases, desc="reports", unit="case", file=sys.stderr)
    return cases


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Left-aligned text columns, the Delta NPV column (third) right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if i == 2 else c.ljust(w)
                      for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows]


def _batch(args: argparse.Namespace) -> int:
    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise _Refused(f"{out_dir}: is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    portfolio_path = out_dir / PORTFOLIO_NAME
    claimed: dict[Path, str] = {portfolio_path: "the batch comparison workbook"}
    results: list[dict[str, Any]] = []
    rows: list[tuple[str, ...]] = [("case", "decision", "Delta NPV", "output")]
    plain = not sys.stderr.isatty()
    total = len(args.cases)
    corridor_done = 0
    for n, case in enumerate(_progress(args.cases), start=1):
        target = default_out(case, out_dir)
        try:
            if target in claimed:  # two cases named alike would overwrite each other
                raise _Refused(f"{case}: its report {target} would overwrite the one for "
                               f"{claimed[target]}; rename one of the case files")
            if _corridor_kind(case):  # a corridor case: its own report, not in the comparison
                row = _batch_corridor(case, target, force=args.force)
                claimed[target] = case
                corridor_done += 1
                rows.append(row)
                if plain:
                    _err(f"[{n}/{total}] {case}: {row[1]}, {row[2]} -> {row[3]}")
                continue
            loaded = _load(case)
            _target(target, force=args.force, case=case)
            claimed[target] = case
            _warn(case, loaded)
            result = _write_report(loaded, target)
            row = (case, result.decision, _delta(result.delta_npv, result.units),
                   str(result.path))
            results.append(_portfolio_row(loaded, result))
        except _Refused as exc:
            failed.append(str(exc))
        except Exception as exc:  # one broken case must not stop the others
            if os.environ.get("XL_CORRIDOR_DEBUG"):
                raise
            failed.append(f"{case}: unexpected error ({type(exc).__name__}: {exc})")
        else:
            rows.append(row)
            if plain:
                _err(f"[{n}/{total}] {case}: {row[1]}, Delta NPV {row[2]} -> {row[3]}")
            continue
        rows.append((case, "FAILED", "", "(see the errors below)"))
        if plain:
            _err(f"[{n}/{total}] {case}: failed")
    for line in _table(rows):
        print(line)
    if results:
        try:
            _write_portfolio(results, portfolio_path, force=args.force)
        except _Refused as exc:
            failed.append(str(exc))
    if failed:
        _err(f"{len(failed)} of {total} case(s) failed:")
        for message in failed:
            for line in message.splitlines():
                _err(f"  {line}")
    done = len(results) + corridor_done
    print(f"{done} report(s) written to {out_dir}; {total - done} failed")
    if not failed:
        return 0
    return 1 if done else 2


def _batch_corridor(case: str, target: Path, *, force: bool) -> tuple[str, ...]:
    """Write a corridor case's report in a batch; the table row says C_e and Delta V."""
    from xl_corridor.corridor_case import load_corridor_case, run_corridor_case
    from xl_corridor.workbook.corridor_report import build_corridor_report

    try:
        loaded = load_corridor_case(Path(case))
    except CorridorInputError as exc:
        raise _Refused(str(exc)) from None
    _target(target, force=force, case=case)
    path = build_corridor_report(loaded, target)
    v = run_corridor_case(loaded).result.values
    return (case, f"C_e {v['ce']:.2%}", f"Delta V {v['delta_v']:,.1f} {loaded.deal.units}",
            str(path))


#: The comparison workbook ``batch`` writes in ``--out-dir`` beside the reports.
PORTFOLIO_NAME = "portfolio.xlsx"


def _portfolio_row(case: Any, result: Any) -> dict[str, Any]:
    """One row of the comparison workbook from a written report (shares and prices from the
    case's [valuation] section, P(Delta NPV > 0) from its Monte Carlo, when it has them)."""
    from xl_corridor.workbook.portfolio import result_from_evaluation

    # the report's numbers are the scenario in use: its shares and prices too
    active = case.scenarios.active if case.scenarios is not None else "base"
    v, mc = case.scenario().valuation, result.analytics.simulation
    name = case.deal.name + ("" if active == "base" else f" (scenario {active})")
    return result_from_evaluation(
        name, result.evaluation, units=case.deal.units,
        p_positive=None if mc is None else float(mc.probability_positive),
        shares_outstanding=None if v is None else v.shares_outstanding,
        share_price=None if v is None else v.share_price,
        currency_per_unit=None if v is None else v.currency_per_unit)


def _write_portfolio(results: list[dict[str, Any]], out: Path, *, force: bool) -> None:
    """Write the batch comparison workbook and print its table."""
    from xl_corridor.workbook.portfolio import build_portfolio, portfolio_table

    _target(out, force=force)
    try:
        print()
        print(portfolio_table(results))
        path = build_portfolio(results, out)
    except CorridorInputError as exc:
        raise _Refused(f"{out}: comparison workbook not written: {exc}") from None
    except OSError as exc:
        raise _Refused(f"{out}: cannot write the comparison workbook "
                       f"({exc.strerror or exc})") from None
    print(f"comparison workbook: {path}")


_FORCE_HELP = ("replace an existing output even if xl-corridor did not write it (without "
               "--force, only xl-corridor's own reports and templates are overwritten)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xl-corridor",
        description="Does an HKEX + AIX dual listing create value? Reports, template, validation.",
        epilog="Exit codes: 0 success; 1 validation checks failed, or some batch cases failed; "
               "2 unusable input (errors on stderr as 'FILE: field: problem'), or no batch "
               "report written. Outputs are written atomically; an existing file that "
               "xl-corridor did not write is never replaced without --force.")
    parser.add_argument("--version", action="version", version=f"xl-corridor {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="report for the built-in example deal")
    p.add_argument("--out", default="xl-corridor-demo.xlsx",
                   help="output .xlsx (default: xl-corridor-demo.xlsx)")
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(func=_demo)
    p = sub.add_parser(
        "example", help="write the documented example case file (TOML) to start from",
        description="Writes the built-in example case, every field documented and marked "
                    "required or optional. Edit it, then run `xl-corridor report FILE`.")
    p.add_argument("--out", default="xl-corridor-example.toml",
                   help="output case file (default: xl-corridor-example.toml; - for stdout)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=_example)
    p = sub.add_parser("report", help="report workbook from a case file or filled-in template")
    p.add_argument("case", help="TOML case file, or a filled-in template / report .xlsx")
    p.add_argument("--out", help="output .xlsx (default: the case file's name with .xlsx, in "
                                 "the working directory; NAME-report.xlsx for a workbook case)")
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.add_argument("--scenario", metavar="NAME",
                   help="build the report in this scenario of the case's [scenarios] table "
                        "(default: its scenarios.active, else base); the switch on the "
                        "Scenarios sheet starts there")
    p.set_defaults(func=_report)
    p = sub.add_parser("validate", help="check workbooks against the builder and the engine",
                       description="Each workbook is rebuilt from its own inputs and compared "
                                   "with the file (parts, names, formulas, labels, formats), "
                                   "and its cached values with the engine's; a report lacking "
                                   "cached values or failing a check is recalculated in "
                                   "LibreOffice. One line per workbook (details of failed "
                                   "checks on stderr). Exit code, the worst over all files: 0 "
                                   "valid, 1 checks failed, 2 unusable input (not an "
                                   "xl-corridor workbook, damaged, or refused as hostile).")
    p.add_argument("files", nargs="+", metavar="FILE", help="report or template .xlsx")
    p.add_argument("--recalc", action="store_true",
                   help="recalculate every report in LibreOffice (and evaluate every template "
                        "with its Excel functions), even when all cached values are present")
    p.set_defaults(func=_validate)
    p = sub.add_parser("template", help="write the interactive template workbook")
    p.add_argument("--out", required=True, help="output .xlsx")
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(func=_template)
    p = sub.add_parser(
        "batch", help="many reports, with a progress bar",
        description="One report per case, named after the case file, in --out-dir. A bad case "
                    "does not stop the others; every failure is listed on stderr at the end. "
                    "Prints a table (case, decision, Delta NPV with units, output), then writes "
                    "--out-dir/portfolio.xlsx, one row per case (decision, Delta NPV, per share, "
                    "break-evens, P(Delta NPV > 0), critical mass), and prints that table; "
                    "`xl-corridor validate` checks it like a report. Progress: a "
                    "bar on a terminal, one plain line per case on stderr otherwise (CI logs). "
                    "Exit 0 if all reports were written, 1 if some cases failed, 2 if none was "
                    "written.")
    p.add_argument("cases", nargs="+")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(func=_batch)
    return parser


def _version() -> str:
    from xl_corridor import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)  # --help, --version, usage errors: SystemExit
    # openpyxl cannot read some charts LibreOffice re-saves and says so on stderr; nothing here
    # reads charts through openpyxl (the parts are checked as parts), so the line is noise
    warnings.filterwarnings("ignore", "Unable to read chart", UserWarning,
                            "openpyxl.reader.drawings")
    try:
        return int(args.func(args))
    except _Refused as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:
        _err("xl-corridor: interrupted; no partial output was left in place")
        return 130
    except BrokenPipeError:
        # the reader of stdout went away (`xl-corridor report ... | head -1`): files are already
        # written whole; say nothing more, as Python's documentation advises (signal, "Note on
        # SIGPIPE"): point stdout at devnull so the interpreter's final flush cannot fail too
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:  # last resort: a one-line message, never a traceback
        if os.environ.get("XL_CORRIDOR_DEBUG"):
            raise
        _err(f"xl-corridor {args.command}: unexpected error ({type(exc).__name__}: {exc}); "
             "set XL_CORRIDOR_DEBUG=1 for the traceback")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
