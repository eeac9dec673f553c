"""Named scenarios of a case: ``[scenarios]`` in the case file, resolved to ordinary cases.

A scenario is the case with a few inputs overridden. In the case file::

    [scenarios]
    active = "low"                      # optional; default "base" (the case itself)

    [scenarios.low]
    description = "Premium cut 70 bp, the low end of Hail & Leuz (2009)"
    premia.lp_dual = 0.018              # an input, by its case path (a TOML dotted key)
    cash_flow_scale = 0.85              # every cash flow x 0.85 (a price proxy)
    compliance_scale = 1.2              # every annual compliance line item x 1.2

An override names any numeric or true/false input that has a cell on the Inputs sheet, by its
case path (``premia.lp_dual``, ``market.rf``, ``compliance.one_off``, ``listing.dfs_complete``,
``valuation.share_price``, ...); the quoted key ``"premia.lp_dual" = 0.018`` means the same.
Rates are decimals. ``base`` is the case itself and always exists; at most
:data:`~xl_corridor.limits.CASE_MAX_SCENARIOS` named scenarios besides it. A scenario resolves to
an ordinary case (:meth:`xl_corridor.case.Case.scenario`), so its results are one evaluation.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from xl_corridor.errors import show
from xl_corridor.limits import CASE_MAX_SCENARIOS, CASE_MAX_TEXT_CHARS

__all__ = ["BASE", "NAME_PATTERN", "SCALES", "overridable", "parse_scenarios"]

#: The case itself, as a scenario name.
BASE = "base"
#: A scenario name: a letter, then letters, digits or underscores, at most 16 characters.
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
#: Scenario fields that are not inputs: multipliers of every cash flow and of every annual
#: compliance line item (1.0 = unchanged).
SCALES = ("cash_flow_scale", "compliance_scale")
_FIELDS = ("description", *SCALES)
_OPTIONAL_TABLES = ("simulation", "funding", "parity", "valuation")
_NUMERIC = ("rate", "number", "int", "amount", "shares")


def overridable() -> dict[str, Any]:
    """Case path -> :class:`~xl_corridor.workbook.inputs.Scalar` of every input a scenario may
    override: the numeric and true/false scalars of the Inputs sheet, except the display axes
    of the sensitivity grids (centred on the base case) and list positions."""
    from xl_corridor.workbook.inputs import ALL_SCALARS

    return {s.path: s for s in ALL_SCALARS
            if (s.kind in _NUMERIC or s.kind == "bool") and not s.path.startswith("sensitivity.")
            and not any(part.isdigit() for part in s.path.split("."))}


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and path not in _FIELDS:
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def _check_override(where: str, path: str, value: Any, data: Mapping[str, Any],
                    inputs: Mapping[str, Any]) -> tuple[Any, str | None]:
    """(the value to use, a problem or None)."""
    s = inputs.get(path)
    if s is None:
        from xl_corridor.workbook.inputs import ALL_SCALARS

        by_name = {x.name: x.path for x in ALL_SCALARS}
        if path in by_name and by_name[path] in inputs:
            return value, f"unknown field; did you mean {by_name[path]} (inputs go by case path)?"
        if any(x.path == path for x in ALL_SCALARS):
            return value, ("a text, date or axis input cannot vary by scenario; expected a "
                           "numeric or true/false input such as premia.lp_dual")
        close = difflib.get_close_matches(path, [*inputs, *_FIELDS], n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else (
            "expected description, cash_flow_scale, compliance_scale or the case path of a "
            "numeric input (premia.lp_dual, market.rf, compliance.one_off, ...)")
        return value, f"unknown field; {hint}"
    section = path.split(".")[0]
    # an optional table the case leaves out (a missing required one is the schema's to report)
    if section in _OPTIONAL_TABLES and not isinstance(data.get(section), Mapping):
        return value, f"the case has no [{section}] table to override"
    if s.kind == "bool":
        if not isinstance(value, bool):
            return value, f"expected true or false, got {show(value)}"
        return value, None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value, f"expected a number, got {show(value)}"
    if s.kind == "int":
        if not isinstance(value, int):
            return value, f"expected a whole number, got {show(value)}"
        return value, None
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        return value, f"expected a finite number, got {show(value)}"
    if s.kind == "rate" and abs(value) > 1:
        return value, (f"expected a decimal rate ({value / 100:g} for {value:g}%), got "
                       f"{value:g}: rates are decimals, not per cent")
    return value, None


def parse_scenarios(raw: Any, data: Mapping[str, Any]) -> tuple[dict[str, Any] | None,
                                                                 list[tuple[str, str]]]:
    """The ``[scenarios]`` table in normal form, and every problem as (field path, problem).

    Normal form: ``{"active": name, "named": {name: {"description": str | None,
    "cash_flow_scale": float, "compliance_scale": float, "overrides": {path: value}}}}``,
    names in the file's order. ``data``: the whole case dict (an override must name a table the
    case has). A table already in normal form is returned as it is (after the same checks).
    """
    if raw is None:
        return None, []
    if not isinstance(raw, Mapping):
        return None, [("scenarios", f"expected a table of named scenarios, got {show(raw)}")]
    problems: list[tuple[str, str]] = []
    if "named" in raw and isinstance(raw.get("named"), Mapping):
        tables = {n: {**t.get("overrides", {}), **{k: v for k, v in t.items()
                                                    if k != "overrides" and v is not None}}
                  if isinstance(t, Mapping) else t for n, t in raw["named"].items()}
    else:
        tables = {k: v for k, v in raw.items() if k != "active"}
    active = raw.get("active", BASE)
    inputs = overridable()
    named: dict[str, Any] = {}
    for name, table in tables.items():
        where = f"scenarios.{name}"
        if name == BASE:
            problems.append((where, "base is the case itself: change its inputs in the case's "
                             "own tables, or give the scenario another name"))
            continue
        if not NAME_PATTERN.match(str(name)):
            problems.append((where, "expected a scenario name of a letter then letters, digits "
                             "or underscores, at most 16 characters"))
            continue
        if not isinstance(table, Mapping):
            problems.append((where, f"expected a table ([{where}]), got {show(table)}"))
            continue
        out: dict[str, Any] = {"description": None, "cash_flow_scale": 1.0,
                               "compliance_scale": 1.0, "overrides": {}}
        for path, value in _flatten(table).items():
            field = f"{where}.{path}"
            if path == "description":
                if not isinstance(value, str) or len(value) > CASE_MAX_TEXT_CHARS:
                    problems.append((field, f"expected text of at most {CASE_MAX_TEXT_CHARS} "
                                     f"characters, got {show(value)}"))
                else:
                    out["description"] = value
            elif path in SCALES:
                if isinstance(value, bool) or not isinstance(value, int | float) or not (
                        0 < value < float("inf")):
                    problems.append((field, f"expected a multiplier above 0 (1.0 = unchanged), "
                                     f"got {show(value)}"))
                else:
                    out[path] = float(value)
            else:
                value, problem = _check_override(where, path, value, data, inputs)
                if problem:
                    problems.append((field, problem))
                else:
                    out["overrides"][path] = value
        named[name] = out
    if len(tables) > CASE_MAX_SCENARIOS:
        problems.append(("scenarios", f"expected at most {CASE_MAX_SCENARIOS} named scenarios "
                         f"besides base, got {len(tables)}"))
    names = [BASE, *named]
    if not isinstance(active, str) or active not in names:
        problems.append(("scenarios.active", f"unknown scenario {show(active)}; expected one of "
                         f"{', '.join(names)}"))
    return {"active": active, "named": named}, problems


def apply(data: dict[str, Any], scenario: Mapping[str, Any]) -> dict[str, Any]:
    """The case dict (a model dump, scenarios removed) with a scenario's overrides applied."""
    for path, value in scenario["overrides"].items():
        node = data
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
    s = scenario["cash_flow_scale"]
    if s != 1.0:
        data["cash_flows"]["values"] = [v * s for v in data["cash_flows"]["values"]]
    s = scenario["compliance_scale"]
    if s != 1.0:
        data["compliance"]["items"] = [{**item, "amount": item["amount"] * s}
                                       for item in data["compliance"]["items"]]
    return data
