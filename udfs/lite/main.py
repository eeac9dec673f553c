"""xlwings Lite entry point: paste this into the Lite editor's main.py.

Lite installs the packages named in requirements.txt (the xl-corridor wheel, which carries the
``corridor_udfs`` module) and registers every function decorated with ``@func`` that main.py
holds: importing them here is enough. The formulas then work as =DUAL_NPV(...), etc.
"""

from corridor_udfs import (  # noqa: F401  (re-exported for xlwings Lite to register)
    COMPLIANCE_COST,
    CORRIDOR_CAPEX,
    CORRIDOR_CRP,
    CORRIDOR_KE,
    CORRIDOR_KE_FX,
    CORRIDOR_LP,
    CORRIDOR_VERSION,
    DIMSUM_HEDGED_COST,
    DIMSUM_SAVING,
    DUAL_ARB_BAND,
    DUAL_BREAKEVEN_COST,
    DUAL_BREAKEVEN_KE,
    DUAL_CRITICAL_MASS,
    DUAL_CRITICAL_MASS_CF,
    DUAL_LIST_TIMING,
    DUAL_NPV,
    DUAL_NPV_PER_SHARE,
    DUAL_NPV_TO_MCAP,
    DUAL_PARITY_GAP,
    DUAL_PRICE_UPLIFT,
    DUAL_WAIT_VALUE,
    DUAL_XNPV,
    LISTING_PATH,
    OFFER_DILUTION,
    OFFER_FIRST_DAY_RETURN,
    OFFER_MONEY_LEFT,
    OFFER_PROCEEDS,
)
