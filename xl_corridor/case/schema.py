"""The case-file schema: one deal's inputs, validated by pydantic.

A case file is TOML (``xl-corridor example`` writes a documented one; in the repository it is
``workbooks/examples/jiaxin_boguty.toml``). Every table forbids unknown
fields. Rates are decimals (4.5% is 0.045); amounts are in the deal's model currency and units
(e.g. "HKD m"); compliance line items may be in other currencies, converted with ``fx_rates``
(model-currency units per unit of the item's currency).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    StrictBool,
    field_validator,
    model_validator,
)

from xl_corridor.engine import parity
from xl_corridor.engine.listing import (  # noqa: F401  (re-exported by xl_corridor.case)
    DECISION_PROCEED,
    DECISION_REJECT,
    DECISION_WAIT,
)
from xl_corridor.errors import CorridorInputError
from xl_corridor.limits import COMPLIANCE_MAX_YEARS

# Numbers must be numbers: TOML's 0.045 or 1, never "0.045" or true.
Num = Annotated[float, Strict()]
Int = Annotated[int, Strict()]


#: At most this many problems are listed for one file; the rest are counted ("... and N more").
MAX_PROBLEMS = 20


class CaseError(CorridorInputError):
    """A case that cannot be used; ``str()`` is ``"FILE: field.path: problem"``, one line per
    problem when the file has several (all of them, up to :data:`MAX_PROBLEMS`).

    ``field`` and ``problem``-derived attributes describe the first problem; ``problems`` holds
    every ``(field, problem)`` pair. Field paths count list positions from 1, in brackets:
    ``compliance.items[1].currency`` is the first line item's currency.
    """

    def __init__(self, source: str, field: str, problem: str,
                 more: Sequence[tuple[str, str]] = ()) -> None:
        self.source = source
        self.field = field
        self.problems: tuple[tuple[str, str], ...] = ((field, problem), *more)
        super().__init__(source, f"{field}: {problem}" if field else problem)

    def __str__(self) -> str:
        lines = [f"{self.source}: {f}: {p}" if f else f"{self.source}: {p}"
                 for f, p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"{self.source}: ... and {len(self.problems) - MAX_PROBLEMS} more "
                         "problem(s)")
        return "\n".join(lines)


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
    # Gordon growth after the last cash flow, applied to BOTH sides (the cash flows and the
    # compliance cost: the listing is then kept for good). None: no terminal value.
    terminal_growth: Num | None = None

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
    # True: exists only because of the second listing (enters C); False: baseline, paid under
    # the single listing too (shown, not in C)
    incremental: StrictBool = True


class Compliance(_Model):
    """The incremental cost of the second listing. Defaults: ``years`` = the cash-flow horizon
    (the listing lasts as long as the cash flows), ``discount_rate`` = Ke dual, ``tax_rate`` =
    the statutory rate of ``tax_jurisdiction`` (``tax_rates.toml``; 0 when neither is given)."""

    items: list[ComplianceItem] = Field(min_length=1)
    fx_rates: dict[str, Num] = Field(default_factory=dict)
    years: Int | None = None
    discount_rate: Num | None = None
    growth: Num = 0.0
    cost_basis: Literal["first_year", "today"] = "first_year"
    one_off: Num = 0.0
    # listing (IPO) expenses: their own line, in C only when switched on (default off: the cost
    # of raising the money, spent by the valuation date, not of holding a second listing)
    listing_expenses: Num = 0.0
    include_listing_expenses: StrictBool = False
    tax_rate: Num | None = None
    tax_jurisdiction: str | None = None

    @field_validator("years")
    @classmethod
    def _years_bounded(cls, years: int | None) -> int | None:
        # here, not only in the engine: a TOML integer such as 10**400 has no float value
        if years is not None and not 0 <= years <= COMPLIANCE_MAX_YEARS:
            shown = f"{years:.4g}" if abs(years) < 10**300 else "an integer beyond any float"
            raise ValueError(f"expected a whole number of years between 0 and "
                             f"{COMPLIANCE_MAX_YEARS}, got {shown}")
        return years


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
    # grid axes (None: centred on the base case, so the middle row and column are the base)
    ke_dual: tuple[Num, Num] | None = None
    compliance_cost: tuple[Num, Num] | None = None
    steps: Int = Field(default=7, ge=2, le=15)
    # premia grid rows (None: from 0 to twice the case's liquidity-premium reduction)
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
    # OU: the long-run MEDIAN price relative to today (the long-run mean is
    # median x exp(sigma^2 / (4 kappa))); the old name long_run_price is accepted as an alias
    long_run_median: Num = 1.0
    period_years: Num = 1.0
    liquidity_reduction: Annotated[tuple[Num, Num, Num], BeforeValidator(_triple)]
    country_reduction: Annotated[tuple[Num, Num, Num], BeforeValidator(_triple)]
    overrun_sigma: Num = 0.0
    bins: Int = Field(default=20, ge=2, le=200)
    # operating leverage: the share of each year's base-case revenue that is cost (does not
    # move with the price); 0 = the whole cash flow moves with the price
    cost_share: Num = 0.0
    # Gaussian-copula correlation between the price shock and the premia reductions
    premia_price_correlation: Num = 0.0

    @model_validator(mode="before")
    @classmethod
    def _old_name(cls, data: Any) -> Any:
        """``long_run_price`` (the old, misleading name) is read as ``long_run_median``."""
        if isinstance(data, Mapping) and "long_run_price" in data:
            if "long_run_median" in data:
                raise ValueError("long_run_price: give long_run_median only (long_run_price is "
                                 "its old name)")
            data = {("long_run_median" if k == "long_run_price" else k): v
                    for k, v in data.items()}
        return data


class Funding(_Model):
    """Dim Sum (offshore RMB) funding inputs, decimals. The saving is measured at the same
    issuer credit when ``usd_credit_spread`` and ``cnh_credit_spread`` are given (the issuer's
    spreads over each currency's swap rate); otherwise from ``cnh_yield`` and
    ``usd_bond_yield`` (which may be two different issuers' yields)."""

    cnh_yield: Num | None = None
    usd_rate: Num
    cnh_rate: Num
    usd_bond_yield: Num | None = None
    basis: Num = 0.0
    usd_credit_spread: Num | None = None
    cnh_credit_spread: Num | None = None

    @model_validator(mode="after")
    def _one_route(self) -> Funding:
        spreads = (self.usd_credit_spread, self.cnh_credit_spread)
        if None in spreads and spreads != (None, None):
            raise ValueError("usd_credit_spread: give both usd_credit_spread and "
                             "cnh_credit_spread (the same issuer's spreads), or neither")
        if spreads == (None, None) and (self.cnh_yield is None or self.usd_bond_yield is None):
            raise ValueError("cnh_yield: expected usd_credit_spread and cnh_credit_spread, or "
                             "cnh_yield and usd_bond_yield")
        return self


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


class Kept:
    """The engine's results kept with a case (:class:`~xl_corridor.case.evaluate.Evaluation`,
    :class:`~xl_corridor.case.evaluate.Analytics`); never part of the case's equality, since
    they follow from its inputs."""

    __slots__ = ("evaluation", "analytics", "scenarios")

    def __init__(self) -> None:
        self.evaluation: Any = None
        self.analytics: Any = None
        self.scenarios: dict[str, Any] = {}  # name -> the resolved case (Case.scenario)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Kept)

    __hash__ = None  # type: ignore[assignment]


class Valuation(_Model):
    """The banker's valuation layer (Valuation sheet): shares, the offer, the DFS timing.

    Shares in shares; prices in the deal currency per share; ``listing_expenses`` and
    ``cost_after_dfs`` in the deal's amount units; ``currency_per_unit``: currency units in one
    amount unit (1e6 when amounts are in HKD m); rates decimal.
    """

    shares_outstanding: Num = Field(gt=0, description="shares after the offer")
    share_price: Num = Field(gt=0, description="market price per share (market value)")
    currency_per_unit: Num = Field(gt=0, description="currency per amount unit, e.g. 1e6")
    new_shares: Num = Field(ge=0)
    greenshoe: Num = Field(default=0.0, ge=0)
    offer_price: Num = Field(gt=0)
    listing_expenses: Num = Field(ge=0)
    price_day1: Num = Field(gt=0)
    growth: Num = 0.0
    dfs_success_probability: Num = Field(ge=0, le=1)
    years_to_dfs: Num = Field(gt=0, le=20)
    dfs_volatility: Num = Field(gt=0, le=2)
    cost_after_dfs: Num | None = Field(default=None, ge=0,
                                       description="None: the case's compliance cost")
    forgone_yield: Num = Field(default=0.0, ge=0, le=1)
    tree_steps: Int = Field(default=50, ge=1, le=200)

    @model_validator(mode="after")
    def _shares_add_up(self) -> Valuation:
        if self.new_shares + self.greenshoe >= self.shares_outstanding:
            raise ValueError(
                f"new_shares: expected new_shares + greenshoe below shares_outstanding "
                f"({self.shares_outstanding:.10g}), got {self.new_shares + self.greenshoe:.10g}")
        return self


class Scenario(_Model):
    """One named scenario in normal form (:func:`xl_corridor.case.scenarios.parse_scenarios`):
    input overrides by case path, and multipliers of the cash flows and of the annual
    compliance line items (1.0 = unchanged)."""

    description: str | None = None
    cash_flow_scale: Num = 1.0
    compliance_scale: Num = 1.0
    overrides: dict[str, StrictBool | Int | Num] = Field(default_factory=dict)


class Scenarios(_Model):
    """The ``[scenarios]`` table: the scenario in use (``"base"``: the case itself) and the
    named scenarios in the file's order."""

    active: str = "base"
    named: dict[str, Scenario] = Field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """``base`` first, then the named scenarios."""
        return ["base", *self.named]


class Case(_Model):
    """One deal's inputs, validated. Build with :func:`load_case`.

    The engine's results for the case are kept with it once computed
    (:func:`xl_corridor.case.evaluate` and :func:`xl_corridor.case.analyze` read them back), so
    one report evaluates the case once; :meth:`model_copy` gives a copy without them.
    """

    _kept: Kept = PrivateAttr(default_factory=Kept)

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
    valuation: Valuation | None = None
    sources: dict[str, str] = Field(default_factory=dict)
    scenarios: Scenarios | None = None

    @model_validator(mode="before")
    @classmethod
    def _scenario_table(cls, data: Any) -> Any:
        """``[scenarios]`` in the case file's spelling -> normal form, every override checked
        against the case (the first problem raised here; load_case lists them all)."""
        from xl_corridor.case.scenarios import parse_scenarios

        if isinstance(data, Mapping) and data.get("scenarios") is not None:
            normal, problems = parse_scenarios(data["scenarios"], data)
            if problems:
                raise ValueError(f"{problems[0][0]}: {problems[0][1]}")
            data = {**data, "scenarios": normal}
        return data

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
        from xl_corridor.workbook.inputs import ALL_SCALARS  # the input names a source may cite

        unknown = sorted(set(self.sources) - {s.name for s in ALL_SCALARS})
        if unknown:
            raise ValueError(f"sources: unknown input name {unknown[0]!r}")
        return self

    @property
    def fx(self) -> dict[str, float]:
        """FX rates to the model currency, with the model currency itself at 1."""
        return {self.deal.currency: 1.0, **self.compliance.fx_rates}

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Case:
        """A copy; the engine's results are not carried over (an update may change them)."""
        copy = super().model_copy(update=update, deep=deep)
        copy._kept = Kept()
        return copy

    def scenario(self, name: str | None = None) -> Case:
        """The case as scenario ``name`` resolves it (default: the active one), without its
        ``[scenarios]`` table: an ordinary case, evaluated like any other.

        ``"base"`` is the case itself. Raises :class:`CaseError` naming ``scenarios.NAME`` for
        an unknown name or an override the schema refuses.

        Examples
        --------
        >>> from xl_corridor.case import load_case
        >>> from importlib import resources
        >>> case = load_case(resources.files("xl_corridor").joinpath("data", "example_case.toml")
        ...                  .read_text())
        >>> case.scenario("low").premia.lp_dual
        0.018
        """
        from pydantic import ValidationError

        from xl_corridor.case.scenarios import apply

        sc = self.scenarios
        names = sc.names if sc is not None else ["base"]
        name = (sc.active if sc is not None else "base") if name is None else name
        if name not in names:
            raise CaseError("case", "scenarios", f"unknown scenario {name!r}; expected one of "
                            f"{', '.join(names)}")
        if name in self._kept.scenarios:
            resolved: Case = self._kept.scenarios[name]
            return resolved
        if name == "base":
            resolved = self.model_copy(update={"scenarios": None})
            resolved._kept = self._kept  # the same inputs: the same results
            return resolved
        assert sc is not None
        data = self.model_dump(exclude={"scenarios"})
        chosen = sc.named[name]
        rate = self.compliance.discount_rate
        if rate is not None and "compliance.discount_rate" not in chosen.overrides:
            # a compliance rate equal to Ke dual is Ke dual (as a workbook reads it back): it
            # follows the scenario's Ke dual
            m, p = self.market, self.premia
            if abs(rate - (m.rf + m.beta * m.mrp + m.country_exposure * p.crp_dual
                           + p.lp_dual)) <= 1e-12:
                data["compliance"]["discount_rate"] = None
        data = apply(data, chosen.model_dump())
        try:
            resolved = Case.model_validate(data)
            self._kept.scenarios[name] = resolved  # evaluated once, however often asked for
            return resolved
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(x) for x in err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise CaseError("case", f"scenarios.{name}",
                            f"{where + ': ' if where else ''}{msg}") from None




def case_value(case: Case, path: str) -> Any:
    """The value at a dotted field path of a case (``"market.rf"``, ``"sensitivity.ke_dual.0"``)."""
    obj: Any = case
    for part in path.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj
