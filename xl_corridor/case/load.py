"""Loading a case: from TOML, a dict, TOML text, or a filled-in workbook, checked before parsing.

Outside input is bounded by :mod:`xl_corridor.validate.safety` before any parser sees it; the
schema (:mod:`xl_corridor.case.schema`) validates it; the engine is run on it once
(:mod:`xl_corridor.case.evaluate`) so that engine-level problems surface at load time with the
case field named.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xl_corridor.case.evaluate import _analyze, _evaluate
from xl_corridor.case.schema import Case, CaseError, ParityDay
from xl_corridor.engine import parity
from xl_corridor.errors import CorridorInputError
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
        The validated case. The engine has been run on it once, so :func:`evaluate` will not
        raise.

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
    _analyze(case, ev, label, check_only=True)
    return case


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
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(label, "", f"not valid TOML ({exc})") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise CaseError(label, "", "not valid TOML (arrays or tables nested too deeply)") from None


def _validate(label: str, data: dict[str, Any]) -> Case:
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"])
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see workbooks/examples/jiaxin_boguty.toml)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif "input" in err and err["type"] not in ("value_error",):
            msg = f"{msg}, got {err['input']!r}"
        msg = msg.removeprefix("Value error, ")
        if msg.startswith(("dates:", "sources:")) and ":" in msg:  # model validators name a field
            sub, msg = msg.split(": ", 1)
            loc = f"{loc}.{sub}" if loc else sub
        raise CaseError(label, loc, msg) from None


def _read_workbook(label: str, path: Path) -> dict[str, Any]:
    """The case dict from a workbook's Inputs sheet, located by its defined names."""
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True, read_only=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise CaseError(label, "", f"not a readable .xlsx workbook ({exc})") from None
    try:
        from xl_corridor.workbook.inputs import workbook_case_dict

        return workbook_case_dict(label, wb)
    finally:
        wb.close()


