"""Loading a case: from TOML, a dict, TOML text, or a filled-in workbook, checked before parsing.

Outside input is bounded by :mod:`xl_corridor.validate.safety` before any parser sees it; the
schema (:mod:`xl_corridor.case.schema`) validates it; the engine is run on it once
(:mod:`xl_corridor.case.evaluate`) so that engine-level problems surface at load time with the
case field named.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from xl_corridor.case.evaluate import _analyze, _evaluate
from xl_corridor.case.schema import Case, CaseError, ParityDay
from xl_corridor.engine import parity
from xl_corridor.errors import CorridorInputError, show
from xl_corridor.validate import safety as _safety

# --- loading ------------------------------------------------------------------------------------


def load_case(source: str | Path | Mapping[str, Any]) -> Case:
    """Load and validate a case.

    Parameters
    ----------
    source : str, path or mapping
        A path to a ``.toml`` case file or to a filled-in ``.xlsx`` (template or report), a
        mapping with the case-file structure, or TOML text.

    Returns
    -------
    Case
        The validated case. The engine has been run on it once and its results are kept with
        it, so :func:`evaluate` and :func:`analyze` return them without running it again.

    Raises
    ------
    CaseError
        With message ``"FILE: field.path: problem"`` (``<dict>`` / ``<text>`` for in-memory
        sources). Never another exception for bad content.

    Examples
    --------
    >>> from importlib import resources
    >>> text = resources.files("xl_corridor").joinpath("data", "example_case.toml").read_text()
    >>> case = load_case(text)
    >>> case.deal.units
    'HKD m'
    """
    label, data, base = _read(source)
    case = _validate(label, data)
    _preflight(_safety.check_case_limits, label, case)  # text a cell can hold, bounded sizes
    ev = _evaluate(case, label)  # surface engine-level problems now, with field paths
    case = _load_parity_sample(case, label, base)
    _evaluate_scenarios(case, label)  # after the sample: the resolved cases are kept with it
    # kept with the case: a report reads them instead of running the engine again
    case._kept.evaluation, case._kept.analytics = ev, _analyze(case, ev, label)
    return case


def _evaluate_scenarios(case: Case, label: str) -> None:
    """Each named scenario resolved and run once, so that an override the engine refuses is
    reported at load time as ``scenarios.NAME: field: problem``."""
    if case.scenarios is None:
        return
    for name in case.scenarios.named:
        try:
            resolved = case.scenario(name)
            resolved._kept.evaluation = _evaluate(resolved, label)
        except CaseError as exc:
            field, problem = exc.problems[0]
            if field.startswith("scenarios."):
                raise CaseError(label, field, problem) from None
            raise CaseError(label, f"scenarios.{name}",
                            f"as resolved, {field}: {problem}" if field else problem) from None


def _read(source: str | Path | Mapping[str, Any]) -> tuple[str, dict[str, Any], Path | None]:
    """(label, data, folder against which relative paths resolve: None for in-memory)."""
    if isinstance(source, Mapping):
        return "<dict>", dict(source), None
    path: Path | None = None
    if isinstance(source, Path):
        path = source
    elif isinstance(source, str) and "\n" not in source:
        path = Path(source)  # TOML text spans lines; a one-line string is a path
    if path is None:
        return "<text>", _parse_toml("<text>", str(source)), None
    label = str(path)
    # Before any parser sees it: exists, is a file, bounded size, UTF-8 text or a sound .xlsx.
    _preflight(_safety.check_case_file, path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return label, _read_workbook(label, path), path.parent
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(label, "", f"cannot read the file ({exc})") from None
    return label, _parse_toml(label, text), path.parent


def _data_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("xl_corridor").joinpath("data")))


_SAMPLE = "parity_sample.csv"


def _load_parity_sample(case: Case, label: str, base: Path | None) -> Case:
    """Replace ``parity.csv`` by the sample's rows (``parity.days``), so that a case carries its
    data. A relative path resolves against the case file's folder (for in-memory cases: text, a
    dict, against the working directory). The name ``parity_sample.csv`` alone, when no such
    file is there, means the SYNTHETIC sample shipped in ``xl_corridor/data`` (the built-in
    example's, which must also work from a copied case file)."""
    par = case.parity
    if par is None or par.csv is None:
        return case
    raw = Path(par.csv).expanduser()
    if raw.is_absolute():
        candidates = [raw]
    else:
        candidates = [(base if base is not None else Path.cwd()) / raw]
        if par.csv == _SAMPLE:
            candidates.append(_data_dir() / _SAMPLE)
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise CaseError(label, "parity.csv", f"no such file: {candidates[0]}")
    try:
        sample = parity.load_parity_csv(found)
    except CorridorInputError as exc:
        raise CaseError(label, "parity.csv", f"{exc.argument}: {exc.problem}") from None
    days = [
        ParityDay(date=dt.date.fromisoformat(str(d)), price_hk=float(a), price_aix=float(b),
                  fx_aix_to_hkd=float(x), volume_hk=float(u), volume_aix=float(v))
        for d, a, b, x, u, v in zip(sample.date, sample.price_hk, sample.price_aix,
                                    sample.fx_aix_to_hkd, sample.volume_hk, sample.volume_aix,
                                    strict=True)
    ]
    if len(days) < 3:
        raise CaseError(label, "parity.csv", f"expected at least 3 days, got {len(days)}")
    return case.model_copy(update={"parity": par.model_copy(update={
        "csv": None, "days": days, "source": par.source or par.csv,
        "aix_currency": par.aix_currency or sample.aix_currency})})


def _preflight(check: Callable[..., None], *args: Any) -> None:
    """Run one of ``_safety``'s checks, reporting a refusal as the CaseError load_case promises."""
    try:
        check(*args)
    except _safety.UnsafeInputError as exc:
        raise CaseError(exc.argument, "", exc.problem) from None


def _parse_toml(label: str, text: str) -> dict[str, Any]:
    _preflight(_safety.check_case_text, label, text)  # bounded size and key depth first
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(label, "", f"not valid TOML ({exc})") from None
    except ValueError as exc:  # an integer of more than 4,300 digits (int max_str_digits)
        raise CaseError(label, "", f"not valid TOML ({exc})") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise CaseError(label, "", "not valid TOML (arrays or tables nested too deeply)") from None


def _validate(label: str, data: dict[str, Any]) -> Case:
    from xl_corridor.case.scenarios import parse_scenarios

    # every problem of the [scenarios] table (the schema's validator raises only the first,
    # before the other tables are read: they are validated without it, to list theirs too)
    scenario_problems = parse_scenarios(data.get("scenarios"), data)[1]
    if scenario_problems:
        data = {k: v for k, v in data.items() if k != "scenarios"}
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        par = data.get("parity")
        if isinstance(par, Mapping) and "financing_rate" not in par:
            # parity.financing_rate defaults to market.rf: a bad rf is reported once, as rf
            errors = [e for e in errors if tuple(e["loc"]) != ("parity", "financing_rate")]
        problems = _problems(errors) + scenario_problems
        raise CaseError(label, *problems[0], more=problems[1:]) from None
    if scenario_problems:
        raise CaseError(label, *scenario_problems[0], more=scenario_problems[1:])
    return case


def field_path(loc: Sequence[int | str]) -> str:
    """A field path as messages show it: list positions counted from 1, in brackets.

    >>> field_path(("compliance", "items", 0, "currency"))
    'compliance.items[1].currency'
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``Premia | None``, ``list[ComplianceItem]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _fields_at(loc: Sequence[int | str]) -> dict[str, Any]:
    """The fields of the table at ``loc`` (list positions skipped): name -> annotation."""
    model: type[BaseModel] | None = Case
    for part in loc:
        if model is None:
            return {}
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        model = None if info is None else _model_of(info.annotation)
    return {} if model is None else {k: v.annotation for k, v in model.model_fields.items()}


_EXAMPLE_HINT = "run `xl-corridor example` for a documented case file"


def _problems(errors: Sequence[Any]) -> list[tuple[str, str]]:
    """(field path, problem) for every pydantic error, a misspelling named with its likely
    intended name (difflib), a missing field linked to the misspelling that probably meant it."""
    unknown: dict[tuple[Any, ...], list[str]] = {}  # parent loc -> unknown names in it
    for err in errors:
        if err["type"] == "extra_forbidden":
            unknown.setdefault(tuple(err["loc"][:-1]), []).append(str(err["loc"][-1]))
    def section(err: Any) -> Any:  # a misspelt section sorts with the one it probably meant
        loc = err["loc"]
        if not loc:
            return ""
        if len(loc) == 1 and err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[0]), list(Case.model_fields), 1, 0.6)
            return close[0] if close else loc[0]
        return loc[0]

    first: dict[Any, int] = {}
    for err in errors:
        first.setdefault(section(err), len(first))
    # within a section: wrong values, then unknown names, then the missing ones they may mean
    rank = {"extra_forbidden": 1, "missing": 2}
    errors = sorted(errors, key=lambda e: (first[section(e)], rank.get(e["type"], 0)))
    out: list[tuple[str, str]] = []
    for err in errors:
        loc, kind = tuple(err["loc"]), err["type"]
        msg = str(err["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            parent, name = loc[:-1], str(loc[-1])
            fields = _fields_at(parent)
            what = "section" if not parent else "field"
            close = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.6)
            if close:
                msg = f"unknown {what}; did you mean {close[0]}?"
            else:
                msg = (f"unknown {what}; expected one of {', '.join(fields)} ({_EXAMPLE_HINT})"
                       if fields else f"unknown {what} ({_EXAMPLE_HINT})")
        elif kind == "missing":
            parent, name = loc[:-1], str(loc[-1])
            is_table = _model_of(_fields_at(parent).get(name)) is not None
            msg = f"required {'section' if is_table else 'field'} is missing"
            typo = [u for u in unknown.get(parent, [])
                    if difflib.get_close_matches(u, [name], n=1, cutoff=0.6)]
            if typo:
                msg += f" (is {field_path((*parent, typo[0]))} a misspelling of it?)"
        elif "input" in err and kind != "value_error":
            msg = f"{msg}, got {show(err['input'])}"
        path = field_path(loc)
        if msg.startswith(("dates:", "sources:", "csv:", "new_shares:")):  # validators name a field
            sub, msg = msg.split(": ", 1)
            path = f"{path}.{sub}" if path else sub
        out.append((path, msg))
    return out


def _read_workbook(label: str, path: Path) -> dict[str, Any]:
    """The case dict from a workbook's Inputs sheet, located by its defined names."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many types (ParseError, ...) on a damaged file
        raise CaseError(label, "", f"not a readable .xlsx workbook ({type(exc).__name__}: "
                                   f"{exc})") from None
    try:
        from xl_corridor.workbook.inputs import workbook_case_dict

        return workbook_case_dict(label, wb)
    finally:
        wb.close()


