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
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    ValidationError,
    model_validator,
)

from xl_corridor.engine import (
    capital,
    compliance,
    discounting,
    funding,
    listing,
    montecarlo,
    parity,
    rates,
    reference,
)
from xl_corridor.engine import sensitivity as sens_engine
from xl_corridor.errors import CorridorInputError
from xl_corridor.validate import safety as _safety

__all__ = [
    "Analytics",
    "Case",
    "CaseError",
    "Evaluation",
    "DECISION_PROCEED",
    "DECISION_REJECT",
    "OPTIONAL_SCALARS",
    "SCALARS",
    "analyze",
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
    dfs_complete: StrictBool  # TOML true/false only: "yes" or 1 is a typing error


class Sensitivity(_Model):
    ke_dual: tuple[Num, Num]
    compliance_cost: tuple[Num, Num]
    steps: Int = Field(default=7, ge=2, le=15)
    # premia grid axes (None: from 0 to the single-listing premium)
    liquidity_reduction: tuple[Num, Num] | None = None
    country_reduction: tuple[Num, Num] | None = None
    tornado_shift: Num = Field(default=0.2, gt=0, le=1,
                               description="each input moved by -/+ this share of its value")


def _triple(v: Any) -> Any:
    """A fixed reduction is the degenerate triangle (v, v, v)."""
    if isinstance(v, float) or (isinstance(v, int) and not isinstance(v, bool)):
        return (v, v, v)
    return v


class Simulation(_Model):
    """Monte Carlo settings for :func:`xl_corridor.engine.montecarlo.simulate_delta_npv`."""

    n_paths: Int = Field(default=20_000, ge=1, le=10_000_000)
    seed: Int = Field(default=0, ge=0, le=2**63 - 1)
    price_model: Literal["gbm", "ou"] = "gbm"
    drift: Num = 0.0
    volatility: Num = 0.0
    mean_reversion: Num = 0.0
    long_run_price: Num = 1.0
    period_years: Num = 1.0
    liquidity_reduction: Annotated[tuple[Num, Num, Num], BeforeValidator(_triple)]
    country_reduction: Annotated[tuple[Num, Num, Num], BeforeValidator(_triple)]
    overrun_sigma: Num = 0.0
    bins: Int = Field(default=20, ge=2, le=200)


class Funding(_Model):
    """Dim Sum (offshore RMB) funding inputs, decimals."""

    cnh_yield: Num
    usd_rate: Num
    cnh_rate: Num
    usd_bond_yield: Num
    basis: Num = 0.0


def _venue(table: str, key: str) -> float:
    return float(parity.venue_costs()[table][key]["value"])


class ParityDay(_Model):
    date: dt.date
    price_hk: Num
    price_aix: Num
    fx_aix_to_hkd: Num
    volume_hk: Num
    volume_aix: Num


class Parity(_Model):
    """Cross-venue parity: band cost inputs (defaults: ``venue_costs.toml``) and, optionally,
    a daily sample, from ``csv`` (resolved against the case file's folder) or inline ``days``."""

    csv: str | None = None
    days: list[ParityDay] | None = Field(default=None, min_length=3)
    source: str | None = None
    aix_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    aix_shares_per_hk_share: Num = 1.0
    # rounded: the sum of the fee table is 0.0011049999999999999, and a workbook keeps 0.001105
    cost_hk: Num = Field(default_factory=lambda: round(parity.hkex_cost_per_side(), 12))
    cost_aix: Num = Field(default_factory=lambda: _venue("aix", "trading_fee"))
    conversion_fee: Num = Field(default_factory=lambda: _venue("corridor", "conversion_fee"))
    fx_spread: Num = Field(default_factory=lambda: _venue("corridor", "fx_spread"))
    financing_rate: Num  # default: market.rf (filled in by Case)
    settlement_days: Num = Field(default_factory=lambda: _venue("settlement", "hkex_days"))
    conversion_days: Num = Field(default_factory=lambda: _venue("corridor", "conversion_days"))

    @model_validator(mode="after")
    def _one_sample(self) -> Parity:
        if self.csv is not None and self.days is not None:
            raise ValueError("csv: give either csv or days, not both")
        return self


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
    simulation: Simulation | None = None
    funding: Funding | None = None
    parity: Parity | None = None
    sources: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _financing_default(cls, data: Any) -> Any:
        """parity.financing_rate defaults to market.rf (HKD is pegged to USD)."""
        if isinstance(data, Mapping):
            par, mkt = data.get("parity"), data.get("market")
            if isinstance(par, Mapping) and "financing_rate" not in par and isinstance(
                    mkt, Mapping) and "rf" in mkt:
                data = {**data, "parity": {**par, "financing_rate": mkt["rf"]}}
        return data

    @model_validator(mode="after")
    def _cross_checks(self) -> Case:
        unknown = sorted(set(self.sources) - {s.name for s in ALL_SCALARS})
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
    # None for dated cash flows (no engine function) and when no ke_dual below ke_single
    # brings Delta NPV to zero (the dual listing cannot recover its cost)
    breakeven_ke: float | None
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


# Inputs of the optional analytics, written after the FX table (group -> rows). The sensitivity
# group is always written (with defaults); the others only when the case has the section.
OPTIONAL_SCALARS: dict[str, tuple[Scalar, ...]] = {
    "sensitivity": (
        Scalar("sens_lr_lo", "Premia grid: liquidity-premium reduction from",
               "sensitivity.liquidity_reduction.0", "rate", "decimal"),
        Scalar("sens_lr_hi", "Premia grid: liquidity-premium reduction to",
               "sensitivity.liquidity_reduction.1", "rate", "decimal"),
        Scalar("sens_cr_lo", "Premia grid: country-premium reduction from",
               "sensitivity.country_reduction.0", "rate", "decimal"),
        Scalar("sens_cr_hi", "Premia grid: country-premium reduction to",
               "sensitivity.country_reduction.1", "rate", "decimal"),
        Scalar("tornado_shift", "Tornado: each input moved by -/+", "sensitivity.tornado_shift",
               "rate", "share of its value"),
    ),
    "simulation": (
        Scalar("sim_n_paths", "Monte Carlo: paths", "simulation.n_paths", "int"),
        Scalar("sim_seed", "Monte Carlo: seed", "simulation.seed", "int"),
        Scalar("sim_price_model", "Price process (gbm, ou)", "simulation.price_model", "text"),
        Scalar("sim_drift", "Price drift (gbm)", "simulation.drift", "rate", "decimal a year"),
        Scalar("sim_volatility", "Price volatility", "simulation.volatility", "rate",
               "decimal a year"),
        Scalar("sim_mean_reversion", "Mean-reversion speed (ou)", "simulation.mean_reversion",
               "number", "per year"),
        Scalar("sim_long_run_price", "Long-run price / today (ou)", "simulation.long_run_price",
               "number", "x"),
        Scalar("sim_period_years", "Period length", "simulation.period_years", "number",
               "years"),
        Scalar("sim_lr_low", "Liquidity-premium reduction: low", "simulation.liquidity_reduction.0",
               "rate", "decimal"),
        Scalar("sim_lr_mode", "Liquidity-premium reduction: mode",
               "simulation.liquidity_reduction.1", "rate", "decimal"),
        Scalar("sim_lr_high", "Liquidity-premium reduction: high",
               "simulation.liquidity_reduction.2", "rate", "decimal"),
        Scalar("sim_cr_low", "Country-premium reduction: low", "simulation.country_reduction.0",
               "rate", "decimal"),
        Scalar("sim_cr_mode", "Country-premium reduction: mode", "simulation.country_reduction.1",
               "rate", "decimal"),
        Scalar("sim_cr_high", "Country-premium reduction: high", "simulation.country_reduction.2",
               "rate", "decimal"),
        Scalar("sim_overrun_sigma", "Compliance overrun log-volatility",
               "simulation.overrun_sigma", "number", "x"),
        Scalar("sim_bins", "Histogram bins", "simulation.bins", "int"),
    ),
    "funding": (
        Scalar("fund_cnh_yield", "Dim Sum bond yield (CNH)", "funding.cnh_yield", "rate",
               "decimal"),
        Scalar("fund_usd_rate", "USD rate for the tenor", "funding.usd_rate", "rate", "decimal"),
        Scalar("fund_cnh_rate", "CNH rate for the tenor", "funding.cnh_rate", "rate", "decimal"),
        Scalar("fund_usd_bond_yield", "USD bond yield (alternative)", "funding.usd_bond_yield",
               "rate", "decimal"),
        Scalar("fund_basis", "USD/CNH cross-currency basis", "funding.basis", "rate", "decimal"),
    ),
    "parity": (
        Scalar("par_source", "Parity sample source", "parity.source", "text"),
        Scalar("par_aix_currency", "AIX trading currency", "parity.aix_currency", "text",
               "ISO 4217"),
        Scalar("par_ratio", "AIX shares per HKEX share", "parity.aix_shares_per_hk_share",
               "number", "x"),
        Scalar("par_cost_hk", "HKEX cost per side", "parity.cost_hk", "rate", "decimal"),
        Scalar("par_cost_aix", "AIX cost per side", "parity.cost_aix", "rate", "decimal"),
        Scalar("par_conversion_fee", "Depository migration fee", "parity.conversion_fee", "rate",
               "decimal"),
        Scalar("par_fx_spread", "FX conversion cost", "parity.fx_spread", "rate", "decimal"),
        Scalar("par_financing_rate", "Arbitrageur's financing rate", "parity.financing_rate",
               "rate", "decimal"),
        Scalar("par_settlement_days", "Settlement days", "parity.settlement_days", "number",
               "days"),
        Scalar("par_conversion_days", "Migration days", "parity.conversion_days", "number",
               "days"),
    ),
}
OPTIONAL_BLANK = ("par_source", "par_aix_currency")  # may be left blank in a workbook
ALL_SCALARS: tuple[Scalar, ...] = SCALARS + tuple(
    s for group in OPTIONAL_SCALARS.values() for s in group)
# Daily parity sample columns: defined name -> ParityDay field
PARITY_COLUMNS = {"par_dates": "date", "par_price_hk": "price_hk", "par_price_aix": "price_aix",
                  "par_fx": "fx_aix_to_hkd", "par_volume_hk": "volume_hk",
                  "par_volume_aix": "volume_aix"}


def case_value(case: Case, path: str) -> Any:
    """The value at a dotted field path of a case (``"market.rf"``, ``"sensitivity.ke_dual.0"``)."""
    obj: Any = case
    for part in path.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def sensitivity(case: Case, core: Mapping[str, Any] | None = None) -> Sensitivity:
    """The case's sensitivity ranges with every default filled in: Ke dual +/- 2 points, cost
    0 to 2x; premia-grid reductions from 0 to the single-listing premium."""
    sens = case.sensitivity
    if (sens is not None and sens.liquidity_reduction is not None
            and sens.country_reduction is not None):
        return sens
    ev = core if core is not None else _core(case, "case")
    if sens is None:
        sens = Sensitivity(
            ke_dual=(round(ev["ke_dual"] - 0.02, 6), round(ev["ke_dual"] + 0.02, 6)),
            compliance_cost=(0.0, round(2 * ev["compliance_cost"], 6)),
        )
    return sens.model_copy(update={
        "liquidity_reduction": sens.liquidity_reduction or (0.0, case.premia.lp_single),
        "country_reduction": sens.country_reduction or (0.0, ev["crp_single"]),
    })


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
        be_ke: float | None = discounting.breakeven_ke(cf.values, ks, cost, timing=cf.timing)
        if be_ke is not None and math.isnan(be_ke):  # the engine's "no root below ke_single"
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


# --- analytics: premia grid, tornado, Monte Carlo, parity, funding -----------------------------


@dataclass(frozen=True)
class Analytics:
    """The engine's answers for the sensitivity, simulation, parity and funding sheets."""

    lr_axis: tuple[float, ...]
    cr_axis: tuple[float, ...]
    premia_grid: tuple[tuple[float, ...], ...]
    tornado_base: float
    tornado: tuple[sens_engine.TornadoRow, ...]
    simulation: montecarlo.MonteCarloResult | None
    dimsum_cost: float | None
    dimsum_saving: float | None
    band_lower: float | None
    band_upper: float | None
    band: float | None
    parity: parity.ParityResult | None


#: Tornado inputs, in the order of :func:`xl_corridor.engine.sensitivity.delta_npv_from_inputs`.
TORNADO_INPUTS = ("rf", "beta", "mrp", "crp_single", "crp_dual", "lp_single", "lp_dual",
                  "country_exposure", "cash_flow_scale", "compliance_cost")


def tornado_base(case: Case, ev: Evaluation) -> dict[str, Any]:
    """Base inputs of the tornado (the capitalized compliance cost as one total)."""
    m, p = case.market, case.premia
    return {"rf": m.rf, "beta": m.beta, "mrp": m.mrp, "crp_single": ev.crp_single,
            "crp_dual": p.crp_dual, "lp_single": p.lp_single, "lp_dual": p.lp_dual,
            "country_exposure": m.country_exposure, "cash_flows": list(case.cash_flows.values),
            "cash_flow_scale": 1.0, "timing": case.cash_flows.timing,
            "compliance_cost": ev.compliance_cost}


def _dated_model(dates: list[dt.date]) -> Callable[[Mapping[str, Any]], float]:
    """The tornado model for dated cash flows (XNPV discounting)."""

    def model(x: Mapping[str, Any]) -> float:
        lam = x["country_exposure"]
        ks = rates.cost_of_equity(x["rf"], x["beta"], x["mrp"], x["crp_single"],
                                  x["lp_single"], lam)
        kd = rates.cost_of_equity(x["rf"], x["beta"], x["mrp"], x["crp_dual"], x["lp_dual"], lam)
        cf = np.asarray(x["cash_flows"], dtype=float) * x["cash_flow_scale"]
        return float(discounting.dual_xnpv(cf, dates, kd, ks, x["compliance_cost"]))

    return model


def analyze(case: Case, ev: Evaluation | None = None) -> Analytics:
    """Run the engine for the analytics sheets: the premia grid
    (:func:`xl_corridor.engine.sensitivity.grid_premia`), the tornado
    (:func:`xl_corridor.engine.sensitivity.tornado`), the Monte Carlo
    (:func:`xl_corridor.engine.montecarlo.simulate_delta_npv`), the parity statistics
    (:func:`xl_corridor.engine.parity.analyze_parity`) and Dim Sum funding
    (:func:`xl_corridor.engine.funding.dimsum_hedged_cost`)."""
    return _analyze(case, ev if ev is not None else evaluate(case), "case")


def _analyze(case: Case, ev: Evaluation, label: str, *, check_only: bool = False) -> Analytics:
    cf = case.cash_flows
    sens = sensitivity(case, {"ke_dual": ev.ke_dual, "compliance_cost": ev.compliance_cost,
                              "crp_single": ev.crp_single})
    assert sens.liquidity_reduction is not None and sens.country_reduction is not None
    lr = np.linspace(*sens.liquidity_reduction, sens.steps)
    cr = np.linspace(*sens.country_reduction, sens.steps)
    m, p = case.market, case.premia
    if cf.dates is None:
        grid = _engine(label, {"liquidity_reductions": "sensitivity.liquidity_reduction",
                               "country_reductions": "sensitivity.country_reduction"},
                       sens_engine.grid_premia, cf.values, m.rf, m.beta, m.mrp, ev.crp_single,
                       p.lp_single, lr, cr, ev.compliance_cost, m.country_exposure,
                       timing=cf.timing)
    else:
        kd = ev.ke_single - lr[:, None] - m.country_exposure * cr[None, :]
        grid = _engine(label, {"ke_dual": "sensitivity.liquidity_reduction"},
                       discounting.dual_xnpv, cf.values, cf.dates, kd, ev.ke_single,
                       ev.compliance_cost)
    base = tornado_base(case, ev)
    shift = sens.tornado_shift
    ranges = {k: (base[k] * (1 - shift), base[k] * (1 + shift)) for k in TORNADO_INPUTS}
    model = sens_engine.delta_npv_from_inputs if cf.dates is None else _dated_model(cf.dates)
    rows = _engine(label, dict.fromkeys(TORNADO_INPUTS, "sensitivity.tornado_shift"),
                   sens_engine.tornado, base, ranges, model=model)

    mc = None
    if case.simulation is not None and cf.dates is None:  # dated cash flows: not simulated
        sim = case.simulation
        names = {k: f"simulation.{k}" for k in Simulation.model_fields}
        names.update(cash_flows="cash_flows.values", timing="cash_flows.timing")
        mc = _engine(label, names, montecarlo.simulate_delta_npv, cf.values, ev.ke_single,
                     ev.compliance_cost, liquidity_reduction=sim.liquidity_reduction,
                     country_reduction=sim.country_reduction,
                     country_exposure=m.country_exposure, price_model=sim.price_model,
                     drift=sim.drift, volatility=sim.volatility,
                     mean_reversion=sim.mean_reversion, long_run_price=sim.long_run_price,
                     period_years=sim.period_years, overrun_sigma=sim.overrun_sigma,
                     timing=cf.timing, n_paths=min(sim.n_paths, 16) if check_only
                     else sim.n_paths, seed=sim.seed, bins=sim.bins)

    hedged = saving = None
    if case.funding is not None:
        f = case.funding
        names = {k: f"funding.{k}" for k in Funding.model_fields}
        hedged = float(_engine(label, names, funding.dimsum_hedged_cost, f.cnh_yield,
                               f.usd_rate, f.cnh_rate, f.basis))
        saving = float(_engine(label, names, funding.dimsum_saving, f.cnh_yield, f.usd_rate,
                               f.cnh_rate, f.usd_bond_yield, f.basis))

    lower = upper = band = None
    stats = None
    if case.parity is not None:
        par = case.parity
        names = {k: f"parity.{k}" for k in Parity.model_fields}
        lo, hi = _engine(label, names, parity.arbitrage_bounds, par.cost_hk, par.cost_aix,
                         par.conversion_fee, par.fx_spread, par.financing_rate,
                         par.settlement_days, par.conversion_days)
        lower, upper = float(lo), float(hi)
        band = float(_engine(label, names, parity.arbitrage_band, par.cost_hk, par.cost_aix,
                             par.conversion_fee, par.fx_spread, par.financing_rate,
                             par.settlement_days, par.conversion_days))
        if par.days is not None:
            cols = {c: [getattr(d, c) for d in par.days] for c in ParityDay.model_fields}
            cols["date"] = [d.isoformat() for d in cols["date"]]
            dnames = {c: f"parity.days.{c}" for c in ParityDay.model_fields}
            dnames.update(dates="parity.days.date",
                          aix_shares_per_hk_share="parity.aix_shares_per_hk_share")
            stats = _engine(label, dnames, parity.analyze_parity, cols, band,
                            aix_shares_per_hk_share=par.aix_shares_per_hk_share)
    return Analytics(
        lr_axis=tuple(float(x) for x in lr), cr_axis=tuple(float(x) for x in cr),
        premia_grid=tuple(tuple(float(x) for x in r) for r in np.asarray(grid)),
        tornado_base=float(model(base)), tornado=tuple(rows), simulation=mc,
        dimsum_cost=hedged, dimsum_saving=saving, band_lower=lower, band_upper=upper,
        band=band, parity=stats,
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
        node: Any = data
        for part, nxt in zip(parts[:-1], parts[1:], strict=True):
            if nxt.isdigit():  # (lo, hi) ranges; (low, mode, high) triangles
                node = node.setdefault(part, [None] * (3 if path.startswith("simulation.")
                                                       else 2))
            else:
                node = node.setdefault(part, {})
        last = parts[-1]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    def read(s: Scalar) -> None:
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
        if _blank(v) and s.name in ("damodaran_country", "crp_single", "comp_growth",
                                    "comp_one_off", "comp_tax", "capex_contingency",
                                    *OPTIONAL_BLANK):
            return
        put(s.path, v)

    try:
        for s in SCALARS:
            read(s)
        for scalars in OPTIONAL_SCALARS.values():
            if scalars[0].name not in wb.defined_names:
                continue  # an older workbook, or a case without this section
            for s in scalars:
                read(s)
        if "par_dates" in wb.defined_names:
            cols = {field: [c.value for c in _cells(wb, name)]
                    for name, field in PARITY_COLUMNS.items()}
            days = []
            for row in zip(*cols.values(), strict=True):
                if all(_blank(v) for v in row):
                    continue
                day = dict(zip(cols, row, strict=True))
                if isinstance(day["date"], dt.datetime):
                    day["date"] = day["date"].date()
                for k, v in day.items():
                    if k != "date" and isinstance(v, int) and not isinstance(v, bool):
                        day[k] = float(v)
                days.append(day)
            data.setdefault("parity", {})["days"] = days
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
