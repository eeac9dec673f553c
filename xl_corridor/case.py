"""Case files: one deal's inputs, read from TOML, a dict, or a filled-in workbook, and evaluated.

A case file is TOML (see ``workbooks/examples/jiaxin_boguty.toml``). It is validated with a
pydantic model in which every table forbids unknown fields, and then run through the engine once,
so that a bad value surfaces at load time as ``FILE: field.path: problem`` rather than later as a
traceback. Rates are decimals (4.5% is 0.045); amounts are in the deal's model currency and units
(e.g. "HKD m"); compliance line items may be in other currencies, converted with ``fx_rates``
(model-currency units per unit of the item's currency).

The same inputs appear on the Inputs sheet of the template and of every report, one defined name
per input (:data:`SCALARS`), so a filled-in template or a report reads back as a case.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from xl_corridor import capital, compliance, discounting, listing, rates, reference
from xl_corridor.errors import CorridorInputError

__all__ = [
    "Case",
    "CaseError",
    "Evaluation",
    "DECISION_PROCEED",
    "DECISION_REJECT",
    "SCALARS",
    "evaluate",
    "load_case",
]

DECISION_PROCEED = "PROCEED"
DECISION_REJECT = "DO NOT PROCEED"

# Numbers must be numbers: TOML's 0.045 or 1, never "0.045" or true.
Num = Annotated[float, Strict()]
Int = Annotated[int, Strict()]


class CaseError(CorridorInputError):
    """A case that cannot be used; ``str()`` is ``"FILE: field.path: problem"``."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        super().__init__(source, f"{field}: {problem}" if field else problem)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deal(_Model):
    name: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 model currency")
    units: str = Field(min_length=1, description='amount units, e.g. "HKD m"')
    valuation_date: dt.date


class Market(_Model):
    rf: Num
    beta: Num
    mrp: Num
    country_exposure: Num = 1.0
    damodaran_country: str | None = None


class Premia(_Model):
    crp_single: Num | None = None  # None: taken from Damodaran for market.damodaran_country
    crp_dual: Num
    lp_single: Num
    lp_dual: Num


class CashFlows(_Model):
    values: list[Num] = Field(min_length=1)
    dates: list[dt.date] | None = None
    timing: Literal["end", "mid", "begin"] = "end"

    @model_validator(mode="after")
    def _dates_match(self) -> CashFlows:
        if self.dates is not None and len(self.dates) != len(self.values):
            raise ValueError(
                f"dates: expected one date per cash flow ({len(self.values)}), "
                f"got {len(self.dates)}"
            )
        return self


class ComplianceItem(_Model):
    label: str = Field(min_length=1)
    amount: Num
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Compliance(_Model):
    items: list[ComplianceItem] = Field(min_length=1)
    fx_rates: dict[str, Num] = Field(default_factory=dict)
    years: Int
    discount_rate: Num
    growth: Num = 0.0
    one_off: Num = 0.0
    tax_rate: Num = 0.0


class Capital(_Model):
    exploration: Num
    feasibility: Num
    infrastructure: Num
    regulatory: Num
    contingency: Num = 0.0


class Listing(_Model):
    reporting_code: str
    resource_category: str
    dfs_complete: bool


class Sensitivity(_Model):
    ke_dual: tuple[Num, Num]
    compliance_cost: tuple[Num, Num]
    steps: Int = Field(default=7, ge=2, le=15)


class Case(_Model):
    """One deal's inputs, validated. Build with :func:`load_case`."""

    deal: Deal
    market: Market
    premia: Premia
    cash_flows: CashFlows
    compliance: Compliance
    capital: Capital
    listing: Listing
    sensitivity: Sensitivity | None = None
    sources: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _cross_checks(self) -> Case:
        unknown = sorted(set(self.sources) - {s.name for s in SCALARS})
        if unknown:
            raise ValueError(f"sources: unknown input name {unknown[0]!r}")
        return self

    @property
    def fx(self) -> dict[str, float]:
        """FX rates to the model currency, with the model currency itself at 1."""
        return {self.deal.currency: 1.0, **self.compliance.fx_rates}


@dataclass(frozen=True)
class Evaluation:
    """The engine's answers for a case (amounts in the case's units, rates decimal)."""

    crp_single: float
    ke_single: float
    ke_dual: float
    pv_single: float
    pv_dual: float
    annual_cost: float
    compliance_cost: float
    delta_npv: float
    breakeven_cost: float
    breakeven_ke: float | None  # None for dated cash flows (no engine function)
    capex: float
    listing_path: str
    listing_code: str
    decision: str
    sens_ke: tuple[float, ...]
    sens_cost: tuple[float, ...]
    sens_grid: tuple[tuple[float, ...], ...]


# --- the Inputs sheet layout, shared by the template and the reports ---------------------------


@dataclass(frozen=True)
class Scalar:
    """One input cell: its defined name, label, case field path, kind and unit."""

    name: str
    label: str
    path: str
    kind: Literal["text", "date", "rate", "number", "int", "amount", "bool", "timing"]
    unit: str = ""


SCALARS: tuple[Scalar, ...] = (
    Scalar("deal_name", "Deal", "deal.name", "text"),
    Scalar("issuer", "Issuer", "deal.issuer", "text"),
    Scalar("currency", "Model currency", "deal.currency", "text", "ISO 4217"),
    Scalar("units", "Amount units", "deal.units", "text"),
    Scalar("valuation_date", "Valuation date", "deal.valuation_date", "date"),
    Scalar("rf", "Risk-free rate", "market.rf", "rate", "decimal"),
    Scalar("beta", "Equity beta", "market.beta", "number", "x"),
    Scalar("mrp", "Mature-market equity risk premium", "market.mrp", "rate", "decimal"),
    Scalar("country_exposure", "Country exposure (lambda)", "market.country_exposure", "number",
           "x"),
    Scalar("damodaran_country", "Damodaran country", "market.damodaran_country", "text"),
    Scalar("crp_single", "Country risk premium, single listing", "premia.crp_single", "rate",
           "decimal"),
    Scalar("crp_dual", "Country risk premium, dual listing", "premia.crp_dual", "rate", "decimal"),
    Scalar("lp_single", "Liquidity premium, single listing", "premia.lp_single", "rate",
           "decimal"),
    Scalar("lp_dual", "Liquidity premium, dual listing", "premia.lp_dual", "rate", "decimal"),
    Scalar("timing", "Cash-flow timing (end, mid, begin)", "cash_flows.timing", "timing"),
    Scalar("comp_years", "Compliance horizon", "compliance.years", "int", "years"),
    Scalar("comp_rate", "Compliance discount rate", "compliance.discount_rate", "rate", "decimal"),
    Scalar("comp_growth", "Compliance cost growth", "compliance.growth", "rate", "decimal"),
    Scalar("comp_one_off", "One-off dual-listing cost", "compliance.one_off", "amount", "units"),
    Scalar("comp_tax", "Tax relief rate on compliance cost", "compliance.tax_rate", "rate",
           "decimal"),
    Scalar("capex_exploration", "Exploration", "capital.exploration", "amount", "units"),
    Scalar("capex_feasibility", "Feasibility", "capital.feasibility", "amount", "units"),
    Scalar("capex_infrastructure", "Infrastructure", "capital.infrastructure", "amount", "units"),
    Scalar("capex_regulatory", "Regulatory", "capital.regulatory", "amount", "units"),
    Scalar("capex_contingency", "Contingency", "capital.contingency", "rate", "decimal"),
    Scalar("reporting_code", "Reporting code", "listing.reporting_code", "text"),
    Scalar("resource_category", "Highest resource category", "listing.resource_category", "text"),
    Scalar("dfs_complete", "DFS complete", "listing.dfs_complete", "bool", "TRUE/FALSE"),
    Scalar("sens_ke_lo", "Sensitivity: Ke dual from", "sensitivity.ke_dual.0", "rate", "decimal"),
    Scalar("sens_ke_hi", "Sensitivity: Ke dual to", "sensitivity.ke_dual.1", "rate", "decimal"),
    Scalar("sens_cost_lo", "Sensitivity: compliance cost from", "sensitivity.compliance_cost.0",
           "amount", "units"),
    Scalar("sens_cost_hi", "Sensitivity: compliance cost to", "sensitivity.compliance_cost.1",
           "amount", "units"),
)


def case_value(case: Case, path: str) -> Any:
    """The value at a dotted field path of a case (``"market.rf"``, ``"sensitivity.ke_dual.0"``)."""
    obj: Any = case
    for part in path.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def sensitivity(case: Case, core: Mapping[str, Any] | None = None) -> Sensitivity:
    """The case's sensitivity ranges, or the default: Ke dual +/- 2 points, cost 0 to 2x."""
    if case.sensitivity is not None:
        return case.sensitivity
    ev = core if core is not None else _core(case, "case")
    return Sensitivity(
        ke_dual=(round(ev["ke_dual"] - 0.02, 6), round(ev["ke_dual"] + 0.02, 6)),
        compliance_cost=(0.0, round(2 * ev["compliance_cost"], 6)),
    )


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
    label, data = _read(source)
    case = _validate(label, data)
    _evaluate(case, label)  # surface engine-level problems now, with field paths
    return case


def _read(source: str | Path | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if isinstance(source, Mapping):
        return "<dict>", dict(source)
    path: Path | None = None
    if isinstance(source, Path):
        path = source
    elif isinstance(source, str) and "\n" not in source and (
        source.lower().endswith((".toml", ".xlsx", ".xlsm")) or Path(source).is_file()
    ):
        path = Path(source)
    if path is None:
        return "<text>", _parse_toml("<text>", str(source))
    label = str(path)
    if not path.is_file():
        raise CaseError(label, "", "no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return label, _read_workbook(label, path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(label, "", f"cannot read the file ({exc})") from None
    return label, _parse_toml(label, text)


def _parse_toml(label: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(label, "", f"not valid TOML ({exc})") from None


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


def _engine(label: str, fields: Mapping[str, str], fn: Callable[..., Any], *args: Any,
            **kwargs: Any) -> Any:
    """Call an engine function, renaming its argument in any error to the case field."""
    try:
        return fn(*args, **kwargs)
    except CorridorInputError as exc:
        field = fields.get(exc.argument, exc.argument)
        raise CaseError(label, field, exc.problem) from None


def _core(case: Case, label: str) -> dict[str, Any]:
    """The engine's headline numbers; errors name case fields."""
    m, p, cf, c = case.market, case.premia, case.cash_flows, case.compliance
    crp_single = p.crp_single
    if crp_single is None:
        if m.damodaran_country is None:
            raise CaseError(label, "premia.crp_single",
                            "required unless market.damodaran_country names a country")
        crp_single = _engine(label, {"country": "market.damodaran_country"},
                             reference.damodaran_country, m.damodaran_country).crp
    elif m.damodaran_country is not None:
        _engine(label, {"country": "market.damodaran_country"},
                reference.damodaran_country, m.damodaran_country)
    ke: dict[str, float] = {}
    for venue, crp, lp in (("single", crp_single, p.lp_single), ("dual", p.crp_dual, p.lp_dual)):
        names = {"rf": "market.rf", "beta": "market.beta", "mrp": "market.mrp",
                 "country_exposure": "market.country_exposure",
                 "country_premium": f"premia.crp_{venue}",
                 "liquidity_premium": f"premia.lp_{venue}"}
        ke[venue] = _engine(label, names, rates.cost_of_equity, m.rf, m.beta, m.mrp, crp, lp,
                            m.country_exposure)
    fx = case.fx
    for i, item in enumerate(c.items):
        if item.currency not in fx:
            raise CaseError(label, f"compliance.items.{i}.currency",
                            f"no FX rate for {item.currency} (line item {item.label!r}); add "
                            f"compliance.fx_rates.{item.currency}")
    if fx[case.deal.currency] != 1.0:
        raise CaseError(label, f"compliance.fx_rates.{case.deal.currency}",
                        f"the model currency's rate must be 1, got {fx[case.deal.currency]}")
    amounts = [it.amount for it in c.items]
    item_fx = [fx[it.currency] for it in c.items]
    cnames = {"annual_costs": "compliance.items", "years": "compliance.years",
              "discount_rate": "compliance.discount_rate", "growth": "compliance.growth",
              "one_off": "compliance.one_off", "fx_rates": "compliance.fx_rates",
              "tax_rate": "compliance.tax_rate"}
    cost = _engine(label, cnames, compliance.compliance_cost, amounts, c.years, c.discount_rate,
                   c.growth, c.one_off, item_fx, c.tax_rate)
    dnames = {"cash_flows": "cash_flows.values", "timing": "cash_flows.timing",
              "dates": "cash_flows.dates"}
    if cf.dates is None:
        pv = {v: _engine(label, dnames, discounting.npv, ke[v], cf.values, timing=cf.timing)
              for v in ke}
    else:
        pv = {v: _engine(label, dnames, discounting.xnpv, ke[v], cf.values, cf.dates)
              for v in ke}
    return {"crp_single": float(crp_single), "ke_single": ke["single"], "ke_dual": ke["dual"],
            "pv_single": pv["single"], "pv_dual": pv["dual"], "compliance_cost": cost,
            "annual_cost": float(sum(a * f for a, f in zip(amounts, item_fx, strict=True)))}


def evaluate(case: Case) -> Evaluation:
    """Run the engine on a case: Ke, PVs, compliance cost, Delta NPV, break-evens, capital,
    listing path and the sensitivity grid.

    Every number comes from an ``xl_corridor`` engine function; nothing is recomputed here.
    """
    return _evaluate(case, "case")


def _evaluate(case: Case, label: str) -> Evaluation:
    core = _core(case, label)
    cf = case.cash_flows
    ks, kd, cost = core["ke_single"], core["ke_dual"], core["compliance_cost"]
    if cf.dates is None:
        delta = discounting.dual_npv(cf.values, kd, ks, cost, timing=cf.timing)
        be_cost = discounting.breakeven_cost(cf.values, kd, ks, timing=cf.timing)
        try:
            be_ke: float | None = discounting.breakeven_ke(cf.values, ks, cost, timing=cf.timing)
        except CorridorInputError:  # no root below ke_single: reported as absent, not an error
            be_ke = None
    else:
        delta = discounting.dual_xnpv(cf.values, cf.dates, kd, ks, cost)
        be_cost = discounting.dual_xnpv(cf.values, cf.dates, kd, ks, 0.0)
        be_ke = None
    cap = case.capital
    capex = _engine(label, {k: f"capital.{k}" for k in Capital.model_fields},
                    capital.preproduction_capital, cap.exploration, cap.feasibility,
                    cap.infrastructure, cap.regulatory, cap.contingency)
    lst = case.listing
    path = _engine(label, {k: f"listing.{k}" for k in Listing.model_fields},
                   listing.listing_path, lst.reporting_code, lst.resource_category,
                   lst.dfs_complete)
    sens = sensitivity(case, core)
    ke_axis = np.linspace(*sens.ke_dual, sens.steps)
    cost_axis = np.linspace(*sens.compliance_cost, sens.steps)
    col, row = ke_axis.reshape(-1, 1), cost_axis.reshape(1, -1)
    if cf.dates is None:
        grid = discounting.dual_npv(cf.values, col, ks, row, timing=cf.timing)
    else:
        grid = discounting.dual_xnpv(cf.values, cf.dates, col, ks, row)
    return Evaluation(
        crp_single=core["crp_single"], ke_single=ks, ke_dual=kd,
        pv_single=core["pv_single"], pv_dual=core["pv_dual"], annual_cost=core["annual_cost"],
        compliance_cost=cost, delta_npv=float(delta), breakeven_cost=float(be_cost),
        breakeven_ke=None if be_ke is None else float(be_ke), capex=float(capex),
        listing_path=str(path), listing_code=path.code,
        decision=DECISION_PROCEED if delta > 0 else DECISION_REJECT,
        sens_ke=tuple(float(x) for x in ke_axis), sens_cost=tuple(float(x) for x in cost_axis),
        sens_grid=tuple(tuple(float(x) for x in r) for r in np.asarray(grid)),
    )


# --- reading a filled-in workbook ---------------------------------------------------------------


def _read_workbook(label: str, path: Path) -> dict[str, Any]:
    """The case dict from a workbook's Inputs sheet, located by its defined names."""
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True, read_only=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise CaseError(label, "", f"not a readable .xlsx workbook ({exc})") from None
    try:
        return workbook_case_dict(label, wb)
    finally:
        wb.close()


def _cells(wb: Any, name: str) -> list[Any]:
    dn = wb.defined_names.get(name)
    if dn is None:
        raise KeyError(name)
    out: list[Any] = []
    for sheet, ref in dn.destinations:
        rng = wb[sheet][ref.replace("$", "")]
        if not isinstance(rng, tuple):
            return [rng]
        for row in rng:
            out.extend(row if isinstance(row, tuple) else (row,))
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def workbook_case_dict(label: str, wb: Any) -> dict[str, Any]:
    """Rebuild the case-file dict from an openpyxl workbook's Inputs names (values, not formulas).

    Text cells that should hold numbers are passed through as they are, so the schema reports
    them with their field path.
    """
    data: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def put(path: str, value: Any) -> None:
        parts = path.split(".")
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    try:
        for s in SCALARS:
            cell = _cells(wb, s.name)[0]
            v = cell.value
            if s.kind == "date" and isinstance(v, dt.datetime):
                v = v.date()
            elif s.kind in ("rate", "number", "amount") and isinstance(v, int) and not isinstance(
                    v, bool):
                v = float(v)
            note = cell.offset(column=2).value
            if isinstance(note, str) and note.strip():
                sources[s.name] = note
            if _blank(v):
                if s.name in ("damodaran_country", "crp_single", "comp_growth", "comp_one_off",
                              "comp_tax", "capex_contingency"):
                    continue
            if s.path.startswith("sensitivity."):
                head, idx = s.path.rsplit(".", 1)
                parts = head.split(".")
                data.setdefault("sensitivity", {}).setdefault(parts[1], [None, None])[int(idx)] = v
                continue
            put(s.path, v)
        values = [c.value for c in _cells(wb, "cash_flows")]
        dates = ([c.value for c in _cells(wb, "cf_dates")]
                 if "cf_dates" in wb.defined_names else None)
        labels = [c.value for c in _cells(wb, "comp_labels")]
        amounts = [c.value for c in _cells(wb, "comp_amounts")]
        ccys = [c.value for c in _cells(wb, "comp_ccy")]
        fx_ccy = [c.value for c in _cells(wb, "fx_ccy")]
        fx_rate = [c.value for c in _cells(wb, "fx_rate")]
        grid_rows = len({c.row for c in _cells(wb, "sens_grid")}) if (
            "sens_grid" in wb.defined_names) else 7
    except KeyError as exc:
        raise CaseError(label, "", f"not an xl-corridor workbook (no defined name {exc})") from None
    while values and _blank(values[-1]) and (dates is None or _blank(dates[len(values) - 1])):
        values.pop()
    put("cash_flows.values", values)
    if dates is not None and any(not _blank(d) for d in dates):
        dates = dates[: len(values)]
        put("cash_flows.dates", [d.date() if isinstance(d, dt.datetime) else d for d in dates])
    items = []
    for lab, amt, ccy in zip(labels, amounts, ccys, strict=True):
        if _blank(lab) and _blank(amt):
            continue
        items.append({"label": lab, "amount": float(amt) if isinstance(amt, int) else amt,
                      "currency": ccy})
    put("compliance.items", items)
    model_ccy = data.get("deal", {}).get("currency")
    put("compliance.fx_rates", {  # the model currency's own row (rate 1) is implicit in a case
        c: (float(r) if isinstance(r, int) else r)
        for c, r in zip(fx_ccy, fx_rate, strict=True)
        if not _blank(c) and not (c == model_ccy and r == 1)
    })
    if "sensitivity" in data:
        data["sensitivity"]["steps"] = grid_rows
    data["sources"] = sources
    return data
