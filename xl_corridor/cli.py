"""``xl-corridor``: build reports and the template, validate workbooks.

Exit codes: 0 success / valid; 1 checks failed (or, for ``batch``, any case failed);
2 unusable input (bad case file, not an xl-corridor workbook). Errors go to stderr as one line,
``FILE: field: problem``, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from xl_corridor._lo import LibreOfficeError
from xl_corridor.case import CaseError

__all__ = ["main"]


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _report(case: str | Path, out: Path, label: str | None = None) -> int:
    from xl_corridor.report import build_report

    try:
        result = build_report(case, out)
    except CaseError as exc:
        if label is not None:
            exc = CaseError(label, exc.field, exc.problem)
        _err(str(exc))
        return 2
    print(result.path)
    print(f"{result.decision}: Delta NPV {result.delta_npv:,.1f} {result.units}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    text = resources.files("xl_corridor").joinpath("data", "example_case.toml").read_text("utf-8")
    return _report(text, Path(args.out), label="example_case.toml")


def _validate(args: argparse.Namespace) -> int:
    from xl_corridor.validator import validate_workbook

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
    return result.exit_code


def _template(args: argparse.Namespace) -> int:
    from xl_corridor.template import build_template

    print(build_template(args.out))
    return 0


def _batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from xl_corridor.report import build_report

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    done = 0
    for case in tqdm(args.cases, desc="reports", unit="case", file=sys.stderr):
        target = out_dir / (Path(case).stem + ".xlsx")
        try:
            build_report(case, target)
            done += 1
        except CaseError as exc:
            failed.append(str(exc))
        except OSError as exc:
            failed.append(f"{case}: {exc}")
    for message in failed:
        _err(message)
    print(f"{done} report(s) written to {out_dir}; {len(failed)} failed")
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xl-corridor",
        description="Does an HKEX + AIX dual listing create value? Reports, template, validation.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="report for the built-in example deal")
    p.add_argument("--out", default="xl-corridor-demo.xlsx", help="output .xlsx")
    p.set_defaults(func=_demo)
    p = sub.add_parser("report", help="report workbook from a case file or filled-in template")
    p.add_argument("case", help="TOML case file, or a filled-in template / report .xlsx")
    p.add_argument("--out", required=True, help="output .xlsx")
    p.set_defaults(func=lambda a: _report(a.case, Path(a.out)))
    p = sub.add_parser("validate", help="recalculate a workbook headlessly and check it")
    p.add_argument("file")
    p.set_defaults(func=_validate)
    p = sub.add_parser("template", help="write the interactive template workbook")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_template)
    p = sub.add_parser("batch", help="many reports, with a progress bar")
    p.add_argument("cases", nargs="+")
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=_batch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
