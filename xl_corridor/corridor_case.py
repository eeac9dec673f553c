"""Corridor case files (issue 14): a TOML with ``kind = "corridor"`` describing one project's
direct and Hong Kong routes, validated with pydantic (unknown fields refused), then run through
the engine (:mod:`xl_corridor.engine.corridor`). Errors read ``FILE: field.path: problem``.

Field names inside each section are the engine's input names (:data:`corridor.INPUTS`), so a
field path in a message points at both. Inputs with no public default are required; fields left
out that have a sourced default take it from ``xl_corridor/data/corridor_defaults.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from xl_corridor.case import CaseError
from xl_corridor.engine import corridor as co
from xl_corridor.errors import CorridorInputError
from xl_corridor.validate import safety as _safety

__all__ = ["CorridorCase", "CorridorRun", "SECTIONS", "load_corridor_case", "run_corridor_case",
           "is_corridor_case", "fcf_after_logistics"]

Num = Annotated[float, Strict()]
Int = Annotated[int, Strict()]
MAX_YEARS = 60
EXAMPLE = "workbooks/examples/corridor_kz_copper.toml"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deal(_M):
    name: str = Field(min_length=1, max_length=200)
    sponsor: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=1, max_length=100)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 model currency")
    units: str = Field(min_length=1, max_length=40, description='money units, e.g. "US$ m"')


class Project(_M):
    investment: Num
    tax_rate: Num
    usd_base_rate: Num
    debt_years: Int
    operating_cf: list[Num] = Field(min_length=1, max_length=MAX_YEARS)
    volume: list[Num] = Field(min_length=1, max_length=MAX_YEARS)

    @model_validator(mode="after")
    def _lengths(self) -> Project:
        if len(self.volume) not in (1, len(self.operating_cf)):
            raise ValueError(f"volume: expected 1 value or one per year of operating_cf "
                             f"({len(self.operating_cf)}), got {len(self.volume)}")
        return self


class Logistics(_M):
    price: Num
    freight: Num
    rail: Num
    border: Num
    transit_days: Num
    carry_rate: Num


class Equity(_M):
    rf: Num
    beta: Num
    mrp: Num
    crp: Num
    country_exposure: Num = 1.0
    liquidity_premium: Num
    listing_premium_cut: Num | None = None
    listing_annual_cost: Num


class Structure(_M):
    equity_weight_direct: Num
    senior_weight_direct: Num
    policy_weight_direct: Num
    equity_weight_hk: Num
    senior_weight_hk: Num
    dimsum_weight_hk: Num
    green_weight_hk: Num


class Senior(_M):
    spread_direct: Num
    pd: Num
    collateral: Num
    lender_rate: Num
    p_local: Num
    local_cost: Num
    local_years: Num
    mainland_share: Num
    p_mainland: Num | None = None
    hk_cost: Num
    hk_years: Num | None = None
    spread_multiplier: Num = 1.0
    gain_cap: Num | None = None
    cover: Num = 0.0
    premium: Num | None = None
    political_share: Num = 0.0


class PolicyBank(_M):
    policy_margin: Num
    policy_fees: Num
    escrow_share: Num = 0.0
    escrow_carry: Num = 0.0


class DimSum(_M):
    cnh_spread: Num
    basis: Num
    cnh_revenue_share: Num = 0.0
    hedge_cost: Num = 0.0


class Green(_M):
    review_cost: Num
    certification_cost: Num
    hk_grant: Num = 0.0
    reporting_cost: Num = 0.0
    greenium: Num | None = None
    step_up: Num = 0.0
    step_up_probability: Num = 0.0


class Frictions(_M):
    p_exec: Num
    delay_years: Num = 0.0
    hk_one_off: Num
    hk_annual: Num = 0.0
    hk_cost_years: Int


class Simulation(_M):
    n_paths: Int = Field(default=10_000, ge=1, le=1_000_000)
    seed: Int = Field(default=0, ge=0)
    uncertain: dict[str, list[Num]] = Field(default_factory=dict)


class CorridorCase(_M):
    kind: Literal["corridor"]
    deal: Deal
    project: Project
    logistics: Logistics
    equity: Equity
    structure: Structure
    senior: Senior
    policy_bank: PolicyBank
    dimsum: DimSum
    green: Green
    frictions: Frictions
    simulation: Simulation = Simulation()
    sources: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_sources(self) -> CorridorCase:
        known = {f for s in SECTIONS for f in type(getattr(self, s)).model_fields}
        for key in self.sources:
            if key not in known:
                raise ValueError(f"sources: {key!r} is not an input of the case")
        return self


# Sections whose fields are engine inputs, in the order the Inputs sheet shows them.
SECTIONS = ("project", "logistics", "equity", "structure", "senior", "policy_bank", "dimsum",
            "green", "frictions")
_NOT_ENGINE = {"operating_cf", "volume"} | set(Logistics.model_fields)


def field_path(name: str) -> str:
    """``section.field`` of an engine input or logistics field."""
    for section in SECTIONS:
        model = CorridorCase.model_fields[section].annotation
        if name in getattr(model, "model_fields", {}):
            return f"{section}.{name}"
    return name


def is_corridor_case(data: Mapping[str, Any]) -> bool:
    """True for a case file whose top-level ``kind`` is ``"corridor"``."""
    return data.get("kind") == "corridor"


def fcf_after_logistics(case: CorridorCase) -> np.ndarray:
    """Free cash flows after the logistics netback, one per year (model money units).

    FCF_t = operating_cf_t - (1 - tax_rate) x volume_t x (price - netback), where volume x price
    is in the model's money units (e.g. Mt x US$/t = US$ m) and the netback is
    :func:`corridor.logistics_netback`.
    """
    lg, pr = case.logistics, case.project
    netback = co.logistics_netback(lg.price, lg.freight, lg.rail, lg.border, lg.transit_days,
                                   lg.carry_rate)
    op = np.asarray(pr.operating_cf, dtype=float)
    vol = np.broadcast_to(np.asarray(pr.volume, dtype=float), op.shape)
    if np.any(vol < 0):
        raise CorridorInputError("volume", "expected volumes of 0 or more")
    return op - (1.0 - pr.tax_rate) * vol * (lg.price - netback)


def engine_inputs(case: CorridorCase) -> dict[str, Any]:
    """The case as the engine's flat input mapping (None = take the sourced default)."""
    out: dict[str, Any] = {}
    for section in SECTIONS:
        for name, value in getattr(case, section).model_dump().items():
            if name not in _NOT_ENGINE and value is not None:
                out[name] = value
    out["fcf"] = fcf_after_logistics(case)
    return out


@dataclass(frozen=True)
class CorridorRun:
    """A case's results: the model, its sensitivity and its Monte Carlo."""

    case: CorridorCase
    inputs: dict[str, Any]
    result: co.CorridorResult
    sensitivity: list[dict[str, Any]]
    montecarlo: co.CorridorMonteCarlo | None


def _engine_error(label: str, exc: CorridorInputError) -> CaseError:
    arg = exc.argument
    if arg.startswith("uncertain."):
        return CaseError(label, "simulation." + arg, exc.problem)
    if arg == "fcf":
        return CaseError(label, "project.operating_cf", exc.problem)
    return CaseError(label, field_path(arg), exc.problem)


def run_corridor_case(case: CorridorCase, label: str = "<case>") -> CorridorRun:
    """Run the engine on a validated case; engine errors name the case field."""
    try:
        inputs = engine_inputs(case)
        result = co.corridor_entry(inputs)
        sens = co.corridor_sensitivity(inputs)
        sim = case.simulation
        mc = None
        if sim.uncertain:
            mc = co.corridor_montecarlo(inputs, {k: tuple(v) for k, v in sim.uncertain.items()},
                                        n_paths=sim.n_paths, seed=sim.seed)
    except CorridorInputError as exc:
        raise _engine_error(label, exc) from None
    return CorridorRun(case, inputs, result, sens, mc)


def load_corridor_case(source: str | Path | Mapping[str, Any],
                       label: str | None = None) -> CorridorCase:
    """Load and validate a corridor case (a path, TOML text or a mapping) and run it once.

    ``label`` names the source in messages (default: the path, ``<text>`` or ``<dict>``).

    Raises
    ------
    CaseError
        ``FILE: field.path: problem`` for bad TOML, unknown or missing fields, wrong types, or
        values the engine refuses.

    Examples
    --------
    >>> try:
    ...     load_corridor_case({"kind": "corridor"})
    ... except CaseError as exc:
    ...     print(exc)
    <dict>: deal: required field is missing
    """
    if isinstance(source, Mapping):
        label_default, data = "<dict>", dict(source)
    else:
        path = Path(source) if isinstance(source, Path) or "\n" not in str(source) else None
        if path is None:
            label_default, text = "<text>", str(source)
        else:
            label_default = str(path)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CaseError(label or label_default, "", f"cannot read the file ({exc})") \
                    from None
        try:
            # bounded size and key depth, before tomllib
            _safety.check_case_text(label or label_default, text)
        except _safety.UnsafeInputError as exc:
            raise CaseError(label or label_default, "", exc.problem) from None
        try:
            data = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: a 4,300-digit int
            raise CaseError(label or label_default, "", f"not valid TOML ({exc})") from None
        except RecursionError:
            raise CaseError(label or label_default, "", "not valid TOML (nested too deeply)") \
                from None
    label = label or label_default
    try:
        case = CorridorCase.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown field (check the spelling; see {EXAMPLE})"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "literal_error" and loc == "kind":
            msg = f"expected \"corridor\", got {err.get('input')!r}"
        elif "input" in err and err["type"] != "value_error":
            msg = f"{msg}, got {err['input']!r}"
        if ": " in msg and msg.split(": ", 1)[0] in ("volume", "sources"):
            sub, msg = msg.split(": ", 1)
            loc = f"{loc}.{sub}" if loc else sub
        raise CaseError(label, loc, msg) from None
    try:  # text a workbook cell can hold, as for listing cases
        _safety.check_case_texts(label, case)
    except _safety.UnsafeInputError as exc:
        raise CaseError(label, "", exc.problem) from None
    run_corridor_case(case, label)
    return case
