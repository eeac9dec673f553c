"""The one Excel formula vocabulary: every native formula the report and the template share.

Each builder returns formula text (without the leading ``=``) over the workbook's defined
names or cell references it is given, and mirrors one engine function; the test
``tests/test_formulas.py`` evaluates each builder's text and compares it with that function. A
sheet writer never spells one of these formulas itself: a change of convention happens here
once, for every workbook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from xl_corridor.engine import listing
from xl_corridor.engine._checks import TIMING_SHIFTS
from xl_corridor.engine.discounting import DAYS_PER_YEAR
from xl_corridor.engine.rates import BASIS_POINTS

__all__ = [
    "TIMING_SHIFT",
    "annuity_factor",
    "carry_factor",
    "netback",
    "in_bp",
    "year_fraction",
    "check",
    "grid_check",
    "cip_hedged_cost",
    "cost_of_equity",
    "decision",
    "discount_factor",
    "excel_text",
    "grid_axis",
    "category_key",
    "listing_reason",
    "normalised",
    "path_code",
    "threshold",
    "band_upper",
    "band_lower",
    "newton_step",
    "path_code_of",
    "text_check",
    "udf_check",
    "ADDIN_NOT_LOADED",
    "capitalized_cost",
    "timed_npv",
    "scenario_pick",
    "within",
    "critical_mass",
    "npv_per_share",
    "price_uplift",
    "money_left",
]

_DAYS = f"{DAYS_PER_YEAR:g}"  # 365, as formula text

#: Exponent shift of a period's cash flow: end 0, mid 0.5, begin 1 (:func:`engine.discounting.npv`).
TIMING_SHIFT = (f'IF(timing="mid",{TIMING_SHIFTS["mid"]:g},'
                f'IF(timing="begin",{TIMING_SHIFTS["begin"]:g},{TIMING_SHIFTS["end"]:g}))')


def excel_text(text: str) -> str:
    """A Python string as an Excel string literal."""
    return '"' + text.replace('"', '""') + '"'


def cost_of_equity(rf: str, beta: str, mrp: str, lam: str, crp: str, lp: str) -> str:
    """Ke = rf + beta x mrp + lambda x CRP + LP (:func:`engine.rates.cost_of_equity`)."""
    return f"{rf}+{beta}*{mrp}+{lam}*{crp}+{lp}"


def gordon_pv(rate: str, flow: str = "tv_flow", t: str = "tv_t",
              growth: str = "terminal_growth") -> str:
    """PV of a Gordon terminal value after the last flow ``flow`` (discounted like it, at
    exponent ``t``), 0 when ``growth`` is blank: flow (1+g)/(k-g)/(1+k)^t
    (:func:`engine.discounting.terminal_value`; the engine's ``terminal_growth=``)."""
    return (f"IF(ISNUMBER({growth}),{flow}*(1+{growth})/({rate}-{growth})"
            f"/(1+{rate})^{t},0)")


def timed_npv(rate: str, flows: str = "cash_flows") -> str:
    """PV of a periodic series under the workbook's timing (:func:`engine.discounting.npv`):
    Excel's NPV discounts to the end of period 1, ``(1+rate)^timing_shift`` moves it."""
    return f"NPV({rate},{flows})*(1+{rate})^timing_shift"


def scenario_pick(values: str, names: str, switch: str, base: str) -> str:
    """The value of the scenario named by ``switch`` in a row of scenario values whose header
    row is ``names``; a blank value means "as in base" (``base``, itself blank-safe: a blank
    base stays blank, so ISNUMBER tests keep their meaning). Mirrors
    :meth:`xl_corridor.case.Case.scenario`."""
    pick = f"INDEX({values},1,MATCH({switch},{names},0))"
    return f'IF({pick}="",IF({base}="","",{base}),{pick})'


def discount_factor(rate: str, exponent: str) -> str:
    """1 / (1 + k)^t."""
    return f"1/(1+{rate})^{exponent}"


def annuity_factor(years: str, rate: str, growth: str) -> str:
    """sum_{t=1..n} (1+g)^(t-1)/(1+r)^t, n/(1+r) when g = r
    (:func:`engine.compliance.growing_annuity_factor`)."""
    return (f"IF({growth}={rate},{years}/(1+{rate}),"
            f"(1-((1+{growth})/(1+{rate}))^{years})/({rate}-{growth}))")


def capitalized_cost(one_off: str, recurring_pv: str, tax: str) -> str:
    """one_off + PV(recurring) x (1 - tax) (:func:`engine.compliance.compliance_cost`)."""
    return f"{one_off}+{recurring_pv}*(1-{tax})"


def within(difference: str, expected: str, tol: str = "tol") -> str:
    """TRUE when an absolute ``difference`` is within the relative tolerance ``tol`` (a defined
    name, or :data:`~xl_corridor.workbook.marks.TOLERANCE` spelled out) of ``expected``, with a
    floor of 1 (:func:`xl_corridor.validate.validator` compares the same way)."""
    return f"{difference}<={tol}*MAX(1,ABS({expected}))"


def check(live: str, expected: str, tol: str = "tol") -> str:
    """TRUE when ``live`` equals ``expected`` within the workbook's relative tolerance ``tol``."""
    return within(f"ABS({live}-{expected})", expected, tol)


def grid_check(udf: str, native: str, tol: str = "tol") -> str:
    """TRUE when two grids agree: the summed absolute difference of ``udf`` and ``native``
    within the relative tolerance ``tol`` of the summed absolute ``native`` values."""
    return within(f"SUMPRODUCT(ABS({udf}-{native}))", f"SUMPRODUCT(ABS({native}))", tol)


def rank_desc(cell: str, values: str, tol: str = "tol") -> str:
    """Rank of ``cell`` in ``values`` (one column), largest first, each rank unique: values
    within ``tol`` x max(1, |value|) of each other tie and keep their row order.

    RANK alone compares to the last bit, so two swings equal in exact arithmetic (beta and MRP
    moved by the same share) could rank one way in Python and the other in a spreadsheet.
    :func:`rank_order` is the same rule in Python."""
    near = f"ABS({values}-{cell})<={tol}*MAX(1,ABS({cell}))"
    return (f"1+SUMPRODUCT(({values}-{cell}>{tol}*MAX(1,ABS({cell})))"
            f"+({near})*(ROW({values})<ROW({cell})))")


def rank_order(values: Sequence[float], tol: float) -> list[int]:
    """Indices of ``values`` in the order :func:`rank_desc` ranks them (rank 1 first)."""
    def rank(i: int) -> int:
        x, scale = values[i], tol * max(1.0, abs(values[i]))
        return 1 + sum(1 for j, y in enumerate(values)
                       if y - x > scale or (abs(y - x) <= scale and j < i))
    return sorted(range(len(values)), key=rank)


def grid_axis(lo: str, hi: str, index: int, steps: int) -> str:
    """The ``index``-th of ``steps`` evenly spaced points from ``lo`` to ``hi``."""
    return f"{lo}+({hi}-{lo})*{index}/{steps - 1}"


def cip_hedged_cost(cnh_yield: str, usd_rate: str, cnh_rate: str, basis: str) -> str:
    """(1+c)(1+r_USD)/(1+r_CNH+x) - 1 (:func:`engine.funding.dimsum_hedged_cost`)."""
    return f"(1+{cnh_yield})*(1+{usd_rate})/(1+{cnh_rate}+{basis})-1"


def carry_factor(rate: str, settlement_days: str, conversion_days: str) -> str:
    """m = 1 + r (d_s + d_c)/365 (:func:`engine.parity.arbitrage_bounds`)."""
    return f"1+{rate}*({settlement_days}+{conversion_days})/{_DAYS}"


def in_bp(rate: str) -> str:
    """A decimal rate in basis points (:data:`engine.rates.BASIS_POINTS` per unit)."""
    return f"({rate})*{BASIS_POINTS:g}"


def netback(price: str, freight: str, rail: str, border: str, transit_days: str,
            carry_rate: str) -> str:
    """P - f - r - b - P c d/365 (:func:`engine.corridor.logistics_netback`)."""
    return f"{price}-{freight}-{rail}-{border}-{price}*{carry_rate}*{transit_days}/{_DAYS}"


def year_fraction(date: str, origin: str) -> str:
    """(d - d_0)/365, XNPV's exponent (:func:`engine.discounting.xnpv`)."""
    return f"({date}-{origin})/{_DAYS}"


def band_upper(c_aix: str, fx: str, fee: str, carry: str, c_hk: str) -> str:
    """Upper no-arbitrage bound of the parity gap (:func:`engine.parity.arbitrage_bounds`)."""
    return f"(1+{c_aix})*(1+{fx})*(1+{fee})*{carry}/(1-{c_hk})-1"


def band_lower(c_aix: str, fx: str, fee: str, carry: str, c_hk: str) -> str:
    """Lower no-arbitrage bound of the parity gap (:func:`engine.parity.arbitrage_bounds`)."""
    return f"(1-{c_aix})*(1-{fx})/((1+{c_hk})*(1+{fee})*{carry})-1"


def udf_check(udf: str, native: str, *, no_root: str | None = None,
              test: str | None = None) -> str:
    """The check cell beside a UDF result: TRUE or FALSE when the UDF returned a number, and
    otherwise words, never an answer. An error #NAME? (ERROR.TYPE 5) means the add-in is not
    loaded; any other error (or, with ``no_root``, the UDF's own "no solution" error) is named;
    text in a number's place is the classic add-in's refusal message. The number is compared
    by ``test``, by default :func:`check` of ``udf`` against ``native``."""
    error = excel_text(no_root) if no_root is not None else '"UDF error: see the UDF cell"'
    test = check(udf, native) if test is None else test
    return (f'IF(ISERROR({udf}),IF(ERROR.TYPE({udf})=5,"{ADDIN_NOT_LOADED}",{error}),'
            f'IF(ISNUMBER({udf}),{test},"refused: see the UDF cell"))')


def text_check(udf: str, native: str) -> str:
    """The check beside a UDF returning text: equal to the native text, or words."""
    return (f'IF(ISERROR({udf}),IF(ERROR.TYPE({udf})=5,"{ADDIN_NOT_LOADED}",'
            f'"UDF error: see the UDF cell"),EXACT({udf},{native}))')


def path_code_of(reason: str) -> str:
    """The code of a ``CODE: reason`` text (LISTING_PATH's result); the text itself if it has
    no colon, which :func:`decision` then reports as not recognised."""
    return f'IFERROR(LEFT({reason},FIND(":",{reason})-1),{reason})'


#: What a check cell says when the xl-corridor add-in is not loaded (UDF cells show #NAME?).
ADDIN_NOT_LOADED = "add-in not loaded"


def newton_step(rate: str, flows: str, exponents: str, target: str) -> str:
    """One Newton step towards PV(k) = target, PV(k) = SUMPRODUCT(CF/(1+k)^t):
    k - (PV(k) - target) / PV'(k), PV'(k) = -SUMPRODUCT(t CF/(1+k)^(t+1))."""
    return (f"{rate}+(SUMPRODUCT({flows}/(1+{rate})^{exponents})-{target})"
            f"/SUMPRODUCT({exponents}*{flows}/(1+{rate})^({exponents}+1))")


def newton_step_tv(rate: str, flows: str, exponents: str, target: str, tv_flow: str,
                   tv_t: str, growth: str, cap: str) -> str:
    """One safeguarded Newton step towards PV(k) = target with a Gordon terminal value,
    PV(k) = SUMPRODUCT(CF/(1+k)^t) + TV(k), TV(k) = CF_n (1+g)/(k-g)/(1+k)^t_n, whose slope
    is -SUMPRODUCT(t CF/(1+k)^(t+1)) - TV(k) (1/(k-g) + t_n/(1+k)). The step is kept in
    [(k+g)/2, cap]: never at or below g, where TV(k) has its pole, and never above ``cap``."""
    tv = f"{tv_flow}*(1+{growth})/({rate}-{growth})/(1+{rate})^{tv_t}"
    step = (f"{rate}+(SUMPRODUCT({flows}/(1+{rate})^{exponents})+{tv}-{target})"
            f"/(SUMPRODUCT({exponents}*{flows}/(1+{rate})^({exponents}+1))"
            f"+{tv}*(1/({rate}-{growth})+{tv_t}/(1+{rate})))")
    return f"MIN({cap},MAX(({rate}+{growth})/2,{step}))"


def normalised(expr: str) -> str:
    """Excel's version of the engine's spelling normalisation: '_' and '-' as spaces, runs of
    spaces collapsed (TRIM); MATCH compares case-insensitively, like the engine's casefold."""
    return f'TRIM(SUBSTITUTE(SUBSTITUTE({expr},"_"," "),"-"," "))'


def category_key(canonical_code: str, kind: str, word: str, keys: str) -> str:
    """The ``kind|word`` key of a resource category; a GKZ code also looks among the GKZ
    classes, as :func:`engine.listing.listing_path` does."""
    return (f'IF(AND({canonical_code}="GKZ",ISNA(MATCH({kind}&"|"&{word},{keys},0))),'
            f'"gkz|"&{word},{kind}&"|"&{word})')


def path_code(status: str, meets: str, dfs: str) -> str:
    """The first rule that applies (:func:`engine.listing.listing_path`, Notes)."""
    return (f'IF({status}<>"accepted","RECONCILE_CODE",'
            f'IF({meets}<>"yes","AIX_FIRST",IF(NOT({dfs}),"HKEX_AFTER_DFS","DUAL_ELIGIBLE")))')


def threshold(kind: str) -> str:
    """The resource threshold of Rule 18.03(2) for a code's kind."""
    return f'IF({kind}="petroleum","Contingent Resources","Indicated Resources")'


def _template(text: str, words: Mapping[str, str]) -> str:
    """A ``{word}`` template as an Excel concatenation of literals and expressions."""
    parts: list[str] = []
    rest = text
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        if head:
            parts.append(excel_text(head))
        parts.append(words[name])
    if rest:
        parts.append(excel_text(rest))
    return "&".join(parts)


def listing_reason(path: str, words: Mapping[str, str]) -> str:
    """``CODE: reason``, as ``str(listing_path(...))``, for the path code in cell ``path``.
    ``words``: Excel expressions for the template words ``name``, ``cat``, ``threshold``."""
    rules = listing.path_rules()
    out = excel_text("")
    for code in reversed(listing.PATH_CODES):
        reason = excel_text(code + ": ") + "&" + _template(rules[code]["reason"], words)
        out = f'IF({path}="{code}",{reason},{out})'
    return out


def decision(delta: str, path: str) -> str:
    """The decision (:func:`engine.listing.dual_listing_decision`): PROCEED only when Delta NPV
    > 0 and the HKEX listing is possible now; WAIT with what to do when the value case is
    positive but HKEX must wait; DO NOT PROCEED otherwise. A Delta NPV that is not a number
    (an error, or the classic add-in's message text) never reads as an answer."""
    rules = listing.path_rules()
    wait = excel_text("NO ANSWER: the listing path is not recognised")
    for code in listing.PATH_CODES:
        if code != "DUAL_ELIGIBLE":
            text = listing.DECISION_WAIT + rules[code]["advice"]
            wait = f'IF({path}="{code}",{excel_text(text)},{wait})'
    return (f'IF(NOT(ISNUMBER({delta})),"NO ANSWER: Delta NPV is not a number",'
            f'IF({delta}<=0,"{listing.DECISION_REJECT}",'
            f'IF(ISERROR({path}),"NO ANSWER: the listing inputs are not recognised",'
            f'IF({path}="DUAL_ELIGIBLE","{listing.DECISION_PROCEED}",{wait}))))')


# --- the valuation layer (:mod:`xl_corridor.engine.valuation`)

def npv_per_share(delta_npv: str, currency_per_unit: str, shares: str) -> str:
    """Delta NPV (amount units) in currency per share
    (:func:`engine.valuation.dual_npv_per_share`)."""
    return f"{delta_npv}*{currency_per_unit}/{shares}"


def price_uplift(ke_single: str, ke_dual: str, growth: str) -> str:
    """(ks - g)/(kd - g) - 1, the Gordon price uplift
    (:func:`engine.valuation.dual_price_uplift`)."""
    return f"({ke_single}-{growth})/({ke_dual}-{growth})-1"


def money_left(new_shares: str, price_day1: str, offer_price: str) -> str:
    """N_new x (P_day1 - P_offer) (:func:`engine.valuation.offer_money_left`)."""
    return f"{new_shares}*({price_day1}-{offer_price})"


def critical_mass(pv_single: str, pv_dual: str, cost: str, no_size: str) -> str:
    """C / (PV_dual/PV_single - 1), or the text ``no_size`` when no size pays
    (:func:`engine.valuation.critical_mass_from_pv`)."""
    return (f"IF(AND({pv_single}>0,{pv_dual}>{pv_single}),{cost}/({pv_dual}/{pv_single}-1),"
            f"{excel_text(no_size)})")
