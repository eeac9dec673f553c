"""The case: one deal's inputs, loaded from a file, validated, and evaluated once.

- :mod:`~xl_corridor.case.schema`: the pydantic schema of a case file (``Case``, ``CaseError``).
- :mod:`~xl_corridor.case.load`: ``load_case`` from TOML, a dict, TOML text or a filled-in
  workbook, with the pre-flight checks of :mod:`xl_corridor.validate.safety`.
- :mod:`~xl_corridor.case.evaluate`: the engine run on a case (``evaluate``, ``analyze``),
  engine errors renamed to case fields.
- :mod:`~xl_corridor.case.plausibility`: ``case_warnings``, legal values that are almost surely
  per-cent typos (warned about, not refused).
"""

from __future__ import annotations

from xl_corridor.case.evaluate import Analytics, Evaluation, analyze, evaluate, sensitivity
from xl_corridor.case.load import load_case
from xl_corridor.case.plausibility import case_warnings
from xl_corridor.case.schema import (
    DECISION_PROCEED,
    DECISION_REJECT,
    DECISION_WAIT,
    Case,
    CaseError,
    case_value,
)

__all__ = [
    "Analytics",
    "Case",
    "CaseError",
    "DECISION_PROCEED",
    "DECISION_REJECT",
    "DECISION_WAIT",
    "Evaluation",
    "analyze",
    "case_value",
    "case_warnings",
    "evaluate",
    "load_case",
    "sensitivity",
]
