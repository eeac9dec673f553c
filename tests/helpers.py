"""Helpers several test modules share (imported as ``helpers``: pytest puts tests/ on the path)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "workbooks" / "examples"
#: The worked example case (Jiaxin International Resources, HKEX 3858).
EXAMPLE = EXAMPLES / "jiaxin_boguty.toml"

#: Microsoft's help page for XNPV: 9%, five dated flows -> 2,086.65 (Excel's documented example).
XNPV_DATES = [
    dt.date(2008, 1, 1),
    dt.date(2008, 3, 1),
    dt.date(2008, 10, 30),
    dt.date(2009, 2, 15),
    dt.date(2009, 4, 1),
]
XNPV_VALUES = [-10000.0, 2750.0, 4250.0, 3250.0, 2750.0]


def edit_sheet(path: Path, sheet_xml: str, pattern: str, repl: str) -> None:
    """Rewrite one worksheet's XML inside the package (keeps the cached values as they were)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == sheet_xml:
                text, n = re.subn(pattern, repl, data.decode(), count=1)
                assert n == 1, pattern
                data = text.encode()
            dst.writestr(info, data)
    tmp.replace(path)


def udf_message(fn: Callable[..., Any], *args: Any) -> str:
    """The UDF's error text (XlwingsError outside the classic add-in, '#VALUE! ...' in it)."""
    try:
        out = fn(*args)
    except Exception as exc:  # xlwings.XlwingsError
        return str(exc)
    assert isinstance(out, str), out
    return out


#: Valid arguments of the DFS wait (wait_value, listing_timing and their UDFs) that bad-input
#: tests vary one at a time (illustrative values, no source needed: only the varied one matters).
WAIT_ARGS: dict[str, float] = dict(
    benefit=100.0,
    cost_now=40.0,
    cost_after_dfs=30.0,
    success_probability=0.7,
    years_to_dfs=1.5,
    volatility=0.35,
    risk_free=0.04,
    forgone_yield=0.05,
)
