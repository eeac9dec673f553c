"""``xl-corridor``: build reports and the template, validate workbooks.

Exit codes: 0 success / valid; 1 checks failed (``validate``) or some cases failed (``batch``);
2 unusable input (bad case file, hostile or damaged workbook, not an xl-corridor workbook, an
output that xl-corridor did not write), and for ``batch`` when no report at all was written.
Errors go to stderr as one line, ``FILE: field: problem`` or ``FILE: problem``, never a
traceback (set ``XL_CORRIDOR_DEBUG=1`` to see one for an unexpected error).

Outside input is checked before any parser opens it (``xl_corridor.validate.safety``): size,
zip bombs, XML entity declarations, absurd sheets, encrypted files. Reports are written to a hidden
temporary file in the target folder and renamed into place, so a killed run leaves the previous
file intact; an existing file is only replaced if xl-corridor wrote it, unless ``--force``.
"""

from __future__ import annotations

import argparse
import os
import sys
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


def _report(args: argparse.Namespace) -> int:
    out = Path(args.out)
    case = _load(args.case)
    _target(out, force=args.force, case=args.case)
    result = _write_report(case, out)
    print(result.path)
    print(f"{result.decision}: Delta NPV {result.delta_npv:,.1f} {result.units}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from xl_corridor.case import load_case

    out = Path(args.out)
    text = resources.files("xl_corridor").joinpath("data", "example_case.toml").read_text("utf-8")
    _target(out, force=args.force)
    result = _write_report(load_case(text), out)
    print(result.path)
    print(f"{result.decision}: Delta NPV {result.delta_npv:,.1f} {result.units}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from xl_corridor.validate.validator import validate_workbook

    try:
        result = validate_workbook(args.file)
    except LibreOfficeError as exc:
        _err(f"{args.file}: {exc}")
        return 2
    if result.status == "unusable":
        _err(result.message)
    elif result.failures:
        for failure in result.failures:
            _err(f"{args.file}: {failure}")
        print(f"{args.file}: {len(result.failures)} check(s) failed")
    else:
        print(f"{args.file}: valid {result.kind} ({result.checked} cells checked)")
        if result.stale:
            print(f"{args.file}: inputs edited since the build; stale snapshots on "
                  f"{', '.join(result.stale)}: refresh with `xl-corridor report {args.file} "
                  f"--out FILE.xlsx`")
    return result.exit_code


def _template(args: argparse.Namespace) -> int:
    from xl_corridor.workbook.template import build_template

    out = Path(args.out)
    _target(out, force=args.force)
    try:
        print(build_template(out))
    except OSError as exc:
        raise _Refused(f"{out}: cannot write the template ({exc.strerror or exc})") from None
    return 0


def _batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise _Refused(f"{out_dir}: is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    claimed: dict[Path, str] = {}
    done = 0
    for case in tqdm(args.cases, desc="reports", unit="case", file=sys.stderr):
        target = out_dir / (Path(case).stem + ".xlsx")
        try:
            if target in claimed:  # two cases named alike would overwrite each other
                raise _Refused(f"{case}: its report {target} would overwrite the one for "
                               f"{claimed[target]}; rename one of the case files")
            loaded = _load(case)
            _target(target, force=args.force, case=case)
            claimed[target] = case
            _write_report(loaded, target)
            done += 1
        except _Refused as exc:
            failed.append(str(exc))
        except Exception as exc:  # one broken case must not stop the others
            if os.environ.get("XL_CORRIDOR_DEBUG"):
                raise
            failed.append(f"{case}: unexpected error ({type(exc).__name__}: {exc})")
    if failed:
        _err(f"{len(failed)} of {len(args.cases)} case(s) failed:")
        for message in failed:
            _err(f"  {message}")
    print(f"{done} report(s) written to {out_dir}; {len(failed)} failed")
    if not failed:
        return 0
    return 1 if done else 2


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
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="report for the built-in example deal")
    p.add_argument("--out", default="xl-corridor-demo.xlsx", help="output .xlsx")
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(func=_demo)
    p = sub.add_parser("report", help="report workbook from a case file or filled-in template")
    p.add_argument("case", help="TOML case file, or a filled-in template / report .xlsx")
    p.add_argument("--out", required=True, help="output .xlsx")
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(func=_report)
    p = sub.add_parser("validate", help="recalculate a workbook headlessly and check it",
                       description="Exit 0 valid, 1 checks failed, 2 unusable input (not an "
                                   "xl-corridor workbook, damaged, or refused as hostile).")
    p.add_argument("file")
    p.set_defaults(func=_validate)
    p = sub.add_parser("template", help="write the interactive template workbook")
    p.add_argument("--out", required=True)
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(func=_template)
    p = sub.add_parser(
        "batch", help="many reports, with a progress bar",
        description="One report per case, named after the case file, in --out-dir. A bad case "
                    "does not stop the others; every failure is listed on stderr at the end. "
                    "Exit 0 if all reports were written, 1 if some cases failed, 2 if none was "
                    "written.")
    p.add_argument("cases", nargs="+")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(func=_batch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except _Refused as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:
        _err("xl-corridor: interrupted; no partial output was left in place")
        return 130
    except Exception as exc:  # last resort: a one-line message, never a traceback
        if os.environ.get("XL_CORRIDOR_DEBUG"):
            raise
        _err(f"xl-corridor {args.command}: unexpected error ({type(exc).__name__}: {exc}); "
             "set XL_CORRIDOR_DEBUG=1 for the traceback")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
