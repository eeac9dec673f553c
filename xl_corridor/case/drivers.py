"""What drives the answer: Delta NPV with and without each contested modelling choice.

Each figure is the engine run (:func:`xl_corridor.case.evaluate.evaluate`) on the case with one
choice changed; nothing is recomputed here. The choices are the ones an ECM banker challenges:
listing expenses in or out of the compliance cost, tax relief at 0 or at the jurisdiction's rate,
the horizon with or without a terminal value, and the premium cut at the low and high end of the
published cross-listing range (Hail & Leuz 2009, ``data/cross_listing_premia.toml``).
"""

from __future__ import annotations

from typing import Any

from xl_corridor.case.evaluate import evaluate
from xl_corridor.case.schema import Case
from xl_corridor.engine import reference
from xl_corridor.engine.rates import BASIS_POINTS

__all__ = ["premium_cut", "what_drives"]

#: Terminal growth used for the "with terminal value" line when the case has none: 0 (the
#: cash flows and the compliance costs continue flat for ever), the most conservative Gordon
#: growth; a case's own ``cash_flows.terminal_growth`` is used when it gives one.
DEFAULT_TERMINAL_GROWTH = 0.0


def _with(case: Case, section: str, **changes: Any) -> Case:
    part = getattr(case, section).model_copy(update=changes)
    return case.model_copy(update={section: part})


def premium_cut(case: Case) -> dict[str, Any]:
    """The case's total cut in the cost of equity against the published range.

    Returns ``cut`` = (lp_single - lp_dual) + lambda (crp_single - crp_dual), decimal, the
    liquidity and country parts, the range ``low``/``high`` with its ``source``, and
    ``within`` (True when low <= cut <= high).

    Examples
    --------
    >>> from xl_corridor.workbook.template import example_case
    >>> r = premium_cut(example_case())
    >>> round(r["cut"], 6), r["low"], r["high"], r["within"]
    (0.0095, 0.007, 0.012, True)
    """
    ev = evaluate(case)
    m, p = case.market, case.premia
    liquidity = p.lp_single - p.lp_dual
    country = m.country_exposure * (ev.crp_single - p.crp_dual)
    rng = reference.cross_listing_range()
    cut = ev.ke_single - ev.ke_dual
    return {"cut": cut, "liquidity": liquidity, "country": country, "low": rng["low"],
            "high": rng["high"], "source": rng["source"],
            "within": rng["low"] - 1e-12 <= cut <= rng["high"] + 1e-12}


def what_drives(case: Case) -> list[tuple[str, float]]:
    """Delta NPV (model currency) with and without each contested choice, the case first.

    Lines: the case as it stands; listing expenses switched the other way; tax relief at 0 and
    at the jurisdiction's statutory rate (when the case names a jurisdiction); the horizon with
    a terminal value on both sides (or without, when the case has one; periodic cash flows
    only); the total premium cut at the low and at the high end of the published range, the
    country part kept as in the case and the liquidity premium moved.

    References
    ----------
    .. [1] L. Hail and C. Leuz, "Cost of capital effects and changes in growth expectations
       around U.S. cross-listings", Journal of Financial Economics 93 (2009) 428-454.

    Examples
    --------
    >>> from xl_corridor.workbook.template import example_case
    >>> rows = what_drives(example_case())
    >>> rows[0][0]
    'As the case stands'
    """
    ev = evaluate(case)
    c, cf, units = case.compliance, case.cash_flows, case.deal.units
    rows: list[tuple[str, float]] = [("As the case stands", ev.delta_npv)]

    flip = not c.include_listing_expenses
    rows.append((f"Listing expenses ({c.listing_expenses:g} {units}) "
                 f"{'included in' if flip else 'left out of'} the compliance cost",
                 evaluate(_with(case, "compliance", include_listing_expenses=flip)).delta_npv))

    rows.append(("No tax relief on the compliance cost (tax 0)",
                 evaluate(_with(case, "compliance", tax_rate=0.0)).delta_npv))
    if c.tax_jurisdiction is not None:
        tax = reference.tax_rate(c.tax_jurisdiction)
        rows.append((f"Tax relief at {tax.jurisdiction}'s statutory rate ({tax.rate:.1%})",
                     evaluate(_with(case, "compliance", tax_rate=tax.rate)).delta_npv))

    if cf.dates is None:
        if cf.terminal_growth is None:
            g = DEFAULT_TERMINAL_GROWTH
            rows.append((f"Terminal value on both sides (Gordon growth {g:.1%}: cash flows and "
                         "compliance continue for good)",
                         evaluate(_with(case, "cash_flows", terminal_growth=g)).delta_npv))
        else:
            rows.append((f"No terminal value ({ev.comp_years}-year horizon on both sides)",
                         evaluate(_with(case, "cash_flows", terminal_growth=None)).delta_npv))

    cut = premium_cut(case)
    for end in ("low", "high"):
        total = cut[end]
        lp_dual = case.premia.lp_single - (total - cut["country"])
        if not 0 <= lp_dual <= 1:  # the country part alone overshoots: no liquidity premium does
            continue
        variant = _with(case, "premia", lp_dual=lp_dual)
        # a named scenario of the case may be this very variant: its evaluation is reused
        variant = next((s for s in case._kept.scenarios.values() if s == variant), variant)
        rows.append((f"Premium cut {total * BASIS_POINTS:.0f} bp ({end} end of Hail & Leuz 2009)",
                     evaluate(variant).delta_npv))
    return rows
