"""xlwings Lite entry point: paste this into the Lite editor's main.py.

Lite installs the packages named in requirements.txt (the xl-corridor wheel, which carries the
``corridor_udfs`` module) and registers every function decorated with ``@func`` that main.py
holds: importing them here is enough. The formulas then work as =DUAL_NPV(...), etc.
"""

from corridor_udfs import (  # noqa: F401  (re-exported for xlwings Lite to register)
    COMPLIANCE_COST,
    CORRIDOR_CAPEX,
    CORRIDOR_CE,
    CORRIDOR_CRP,
    CORRIDOR_DELTA_V,
    CORRIDOR_DIMSUM_BREAKEVEN,
    CORRIDOR_DIMSUM_SAVING,
    CORRIDOR_ENFORCE_HK,
    CORRIDOR_ENFORCEMENT_GAIN,
    CORRIDOR_FX_DEBT_SAVING,
    CORRIDOR_GREEN_SPREAD,
    CORRIDOR_INSURANCE_BREAKEVEN,
    CORRIDOR_KE,
    CORRIDOR_KE_FX,
    CORRIDOR_KE_HK,
    CORRIDOR_LP,
    CORRIDOR_NETBACK,
    CORRIDOR_POLICY_LOAN,
    CORRIDOR_RECOVERY,
    CORRIDOR_SENIOR_SPREAD,
    CORRIDOR_VERSION,
    CORRIDOR_WACC,
    DIMSUM_HEDGED_COST,
    DIMSUM_SAVING,
    DUAL_ARB_BAND,
    DUAL_BREAKEVEN_COST,
    DUAL_BREAKEVEN_KE,
    DUAL_NPV,
    DUAL_PARITY_GAP,
    DUAL_XNPV,
    LISTING_PATH,
)
