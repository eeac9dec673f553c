"""xl-corridor: does an HKEX + AIX dual listing create value for a Central Asian miner?

The engine is pure functions on numbers and numpy arrays (rates are decimals, never per cent;
amounts are in the model currency). Excel adapters live in ``udfs/corridor_udfs.py``.
"""

import importlib as _importlib
import typing as _typing

from xl_corridor.engine.capital import preproduction_capital
from xl_corridor.engine.compliance import compliance_cost, growing_annuity_factor
from xl_corridor.engine.corridor import (
    CorridorMonteCarlo,
    CorridorResult,
    corridor_ce,
    corridor_delta_v,
    corridor_entry,
    corridor_montecarlo,
    corridor_sensitivity,
    hk_cost_of_equity,
    logistics_netback,
    route_value,
    route_wacc,
)
from xl_corridor.engine.discounting import (
    breakeven_cost,
    breakeven_ke,
    dual_npv,
    dual_xnpv,
    npv,
    xnpv,
)
from xl_corridor.engine.funding import (
    cip_forward,
    dimsum_hedged_cost,
    dimsum_same_credit_saving,
    dimsum_saving,
)
from xl_corridor.engine.liquidity import (
    amihud_illiquidity,
    liquidity_premium_from_spread,
    liquidity_premium_reduction,
    roll_spread,
    turnover,
)
from xl_corridor.engine.listing import ListingPath, listing_path
from xl_corridor.engine.parity import (
    analyze_parity,
    arbitrage_band,
    arbitrage_bounds,
    load_parity_csv,
    parity_gap,
    parity_stats,
)
from xl_corridor.engine.rates import cost_of_equity, country_risk_premium, ke_in_currency
from xl_corridor.engine.reference import damodaran, damodaran_country
from xl_corridor.engine.valuation import (
    ListingTiming,
    OfferEconomics,
    PhaseForecast,
    critical_mass,
    critical_mass_for_flows,
    critical_mass_from_pv,
    critical_mass_grid,
    dual_npv_per_share,
    dual_npv_to_market_cap,
    dual_price_uplift,
    first_day_return,
    listing_timing,
    offer_dilution,
    offer_economics,
    offer_money_left,
    offer_proceeds,
    phase_forecast,
    wait_value,
)
from xl_corridor.errors import CorridorInputError

if _typing.TYPE_CHECKING:
    __version__: str
    from xl_corridor.engine.montecarlo import (
        MonteCarloResult,
        simulate_delta_npv,
        simulate_price_paths,
    )
    from xl_corridor.engine.sensitivity import (
        delta_npv_from_inputs,
        grid_ke_cost,
        grid_premia,
        tornado,
    )

# The workbook layer (case files, reports, template, validator) needs openpyxl and pydantic;
# it is imported on first use so that the Excel functions load with numpy alone. So are the
# simulation (numpy.random) and the sensitivity tables, which no Excel function calls, and the
# version (importlib.metadata): `import corridor_udfs` loads only what the functions use.
_LAZY = {
    "MonteCarloResult": "xl_corridor.engine.montecarlo",
    "simulate_delta_npv": "xl_corridor.engine.montecarlo",
    "simulate_price_paths": "xl_corridor.engine.montecarlo",
    "delta_npv_from_inputs": "xl_corridor.engine.sensitivity",
    "grid_ke_cost": "xl_corridor.engine.sensitivity",
    "grid_premia": "xl_corridor.engine.sensitivity",
    "tornado": "xl_corridor.engine.sensitivity",
    "Case": "xl_corridor.case",
    "CaseError": "xl_corridor.case",
    "Evaluation": "xl_corridor.case",
    "evaluate": "xl_corridor.case",
    "load_case": "xl_corridor.case",
    "ReportResult": "xl_corridor.workbook.report",
    "build_report": "xl_corridor.workbook.report",
    "build_template": "xl_corridor.workbook.template",
    "ValidationResult": "xl_corridor.validate.validator",
    "validate_workbook": "xl_corridor.validate.validator",
    "validate_workbooks": "xl_corridor.validate.validator",
    "CorridorCase": "xl_corridor.corridor_case",
    "CorridorRun": "xl_corridor.corridor_case",
    "load_corridor_case": "xl_corridor.corridor_case",
    "run_corridor_case": "xl_corridor.corridor_case",
    "build_corridor_report": "xl_corridor.workbook.corridor_report",
}


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name == "__version__":
        globals()["__version__"] = _version()
        return globals()["__version__"]
    raise AttributeError(f"module 'xl_corridor' has no attribute {name!r}")


def _version() -> str:
    import importlib.metadata as metadata  # on first use: it costs ~10 ms at import

    try:
        return metadata.version("xl-corridor")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"


def __dir__() -> list[str]:
    """The public API only (``__all__``): no helper imports, no subpackage names."""
    return sorted(__all__)


__all__ = [
    "__version__",
    "Case",
    "CaseError",
    "CorridorInputError",
    "Evaluation",
    "ReportResult",
    "ValidationResult",
    "build_report",
    "build_template",
    "evaluate",
    "load_case",
    "validate_workbook",
    "validate_workbooks",
    "ListingPath",
    "MonteCarloResult",
    "amihud_illiquidity",
    "analyze_parity",
    "arbitrage_band",
    "arbitrage_bounds",
    "breakeven_cost",
    "breakeven_ke",
    "cip_forward",
    "compliance_cost",
    "cost_of_equity",
    "country_risk_premium",
    "damodaran",
    "damodaran_country",
    "delta_npv_from_inputs",
    "dimsum_hedged_cost",
    "dimsum_saving",
    "dimsum_same_credit_saving",
    "dual_npv",
    "dual_xnpv",
    "grid_ke_cost",
    "grid_premia",
    "growing_annuity_factor",
    "ke_in_currency",
    "liquidity_premium_from_spread",
    "liquidity_premium_reduction",
    "listing_path",
    "load_parity_csv",
    "npv",
    "parity_gap",
    "parity_stats",
    "preproduction_capital",
    "roll_spread",
    "simulate_delta_npv",
    "simulate_price_paths",
    "tornado",
    "turnover",
    "xnpv",
    # the valuation layer (issue 15)
    "ListingTiming",
    "OfferEconomics",
    "PhaseForecast",
    "critical_mass",
    "critical_mass_for_flows",
    "critical_mass_from_pv",
    "critical_mass_grid",
    "dual_npv_per_share",
    "dual_npv_to_market_cap",
    "dual_price_uplift",
    "first_day_return",
    "listing_timing",
    "offer_dilution",
    "offer_economics",
    "offer_money_left",
    "offer_proceeds",
    "phase_forecast",
    "wait_value",
    # the corridor entry model (issue 14; docs/corridor_model.md)
    "CorridorCase",
    "CorridorMonteCarlo",
    "CorridorResult",
    "CorridorRun",
    "build_corridor_report",
    "corridor_ce",
    "corridor_delta_v",
    "corridor_entry",
    "corridor_montecarlo",
    "corridor_sensitivity",
    "hk_cost_of_equity",
    "load_corridor_case",
    "logistics_netback",
    "route_value",
    "route_wacc",
    "run_corridor_case",
]
