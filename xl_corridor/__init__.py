"""xl-corridor: does an HKEX + AIX dual listing create value for a Central Asian miner?

The engine is pure functions on numbers and numpy arrays (rates are decimals, never per cent;
amounts are in the model currency). Excel adapters live in ``udfs/corridor_udfs.py``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from xl_corridor.capital import preproduction_capital
from xl_corridor.compliance import compliance_cost, growing_annuity_factor
from xl_corridor.discounting import (
    breakeven_cost,
    breakeven_ke,
    dual_npv,
    dual_xnpv,
    npv,
    xnpv,
)
from xl_corridor.errors import CorridorInputError
from xl_corridor.listing import ListingPath, listing_path
from xl_corridor.rates import cost_of_equity, country_risk_premium, ke_in_currency
from xl_corridor.reference import damodaran, damodaran_country

try:
    __version__ = version("xl-corridor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = [
    "__version__",
    "CorridorInputError",
    "ListingPath",
    "breakeven_cost",
    "breakeven_ke",
    "compliance_cost",
    "cost_of_equity",
    "country_risk_premium",
    "damodaran",
    "damodaran_country",
    "dual_npv",
    "dual_xnpv",
    "growing_annuity_factor",
    "ke_in_currency",
    "listing_path",
    "npv",
    "preproduction_capital",
    "xnpv",
]
