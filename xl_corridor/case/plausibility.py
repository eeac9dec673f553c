"""Plausibility warnings: legal case values that are almost surely per-cent typos.

A risk-free rate of 0.43, a country risk premium of 0.73 or a liquidity premium of 0.5 pass every
check (they are decimals in range) but no deal has them: someone typed 0.43 for 0.43%. These are
warned about, never refused: the thresholds and the reason for each are in
``xl_corridor/data/plausibility.toml``; the country risk premium's threshold is the CRP of the
lowest rating in the shipped Damodaran dataset.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from xl_corridor.case.schema import Case, case_value
from xl_corridor.engine import reference

__all__ = ["Threshold", "case_warnings", "thresholds"]


@dataclass(frozen=True)
class Threshold:
    """Values of ``fields`` above ``above`` (decimals) get a warning that gives ``reason``."""

    fields: tuple[str, ...]
    above: float
    what: str
    reason: str


@cache
def thresholds() -> tuple[Threshold, ...]:
    """The thresholds of ``plausibility.toml``, plus the CRP's from the Damodaran dataset.

    Examples
    --------
    >>> crp = [t for t in thresholds() if "premia.crp_dual" in t.fields][0]
    >>> round(crp.above, 6)  # rating C: 0.175 x 1.554496 (Damodaran 2026-07-01, the latest)
    0.272037
    """
    raw = tomllib.loads(reference.data_text("plausibility.toml"))
    out = [Threshold(tuple(t["fields"]), float(t["above"]), t["what"], t["reason"])
           for t in raw.values()]
    d = reference.damodaran()
    worst = max(d.rating_spreads, key=lambda r: d.rating_spreads[r])
    crp = d.rating_spreads[worst] * d.relative_volatility
    out.append(Threshold(
        ("premia.crp_single", "premia.crp_dual"), crp, "country risk premium",
        f"the highest CRP in Damodaran's {d.vintage} dataset, for a {worst}-rated sovereign, is "
        f"{crp:.4f} (default spread {d.rating_spreads[worst]} x {d.relative_volatility})"))
    return tuple(out)


def case_warnings(case: Case) -> list[str]:
    """Warnings for values that are legal but implausible, each ``field: problem``.

    The case is still valid and is evaluated as given; the command line prints these on stderr
    and the report shows them in a Warnings block.

    Examples
    --------
    >>> from importlib import resources
    >>> from xl_corridor.case import load_case
    >>> text = resources.files("xl_corridor").joinpath("data", "example_case.toml").read_text()
    >>> case_warnings(load_case(text))
    []
    >>> case_warnings(load_case(text.replace("lp_single = 0.025", "lp_single = 0.5")))[0][:71]
    'premia.lp_single: 0.5 looks like a per-cent typo: for 0.5% enter 0.005 '
    """
    out: list[str] = []
    for t in thresholds():
        for field in t.fields:
            value = case_value(case, field)
            if value is None or value <= t.above:
                continue
            out.append(
                f"{field}: {value:g} looks like a per-cent typo: for {value:g}% enter "
                f"{value / 100:g} (evaluated as given). A {t.what} above {t.above:.4g} is "
                f"implausible: {t.reason}")
    return out
