"""Which listing path the reserves allow: HKEX Chapter 18 against AIX first."""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from xl_corridor.engine.reference import data_rows
from xl_corridor.errors import CorridorInputError, show

__all__ = [
    "DECISION_PROCEED",
    "DECISION_REJECT",
    "DECISION_WAIT",
    "ListingPath",
    "PATH_CODES",
    "dual_listing_decision",
    "listing_path",
]

PATH_CODES = ("AIX_FIRST", "HKEX_AFTER_DFS", "DUAL_ELIGIBLE", "RECONCILE_CODE")
DECISION_PROCEED = "PROCEED"
DECISION_REJECT = "DO NOT PROCEED"
DECISION_WAIT = "WAIT: "  # followed by what to do meanwhile


class ListingPath(NamedTuple):
    """A recommended path: a stable code, the reason, and the HKEX rule behind it."""

    code: str
    reason: str
    rule: str

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


def _norm(word: str) -> str:
    return " ".join(word.replace("_", " ").replace("-", " ").split()).casefold()


@cache
def _codes() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for row in data_rows("reporting_codes.csv"):
        for word in [row["code"], *row["aliases"].split("|")]:
            table[_norm(word)] = row
    return table


@cache
def _categories() -> dict[tuple[str, str], dict[str, str]]:
    table: dict[tuple[str, str], dict[str, str]] = {}
    for row in data_rows("resource_categories.csv"):
        for word in [row["category"], *row["aliases"].split("|")]:
            table[(row["kind"], _norm(word))] = row
    return table


def _dfs(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().casefold() in ("true", "yes", "y", "1"):
        return True
    if isinstance(value, str) and value.strip().casefold() in ("false", "no", "n", "0"):
        return False
    raise CorridorInputError("dfs_complete", f"expected TRUE or FALSE, got {show(value)}")


def listing_path(reporting_code: str, resource_category: str, dfs_complete: Any) -> ListingPath:
    """Recommend a listing path from the reserves' status (Excel: LISTING_PATH).

    Parameters
    ----------
    reporting_code : str
        The standard the resources are reported under: JORC, NI 43-101, SAMREC, PRMS
        (petroleum), or GKZ, KAZRC, PERC (usable only with a reconciliation).
    resource_category : str
        The highest category in the Competent Person's Report: Exploration Results, Inferred,
        Indicated, Measured, Probable, Proved; for PRMS Prospective, Contingent, Reserves; for
        GKZ P1, C2, C1, B, A.
    dfs_complete : bool
        Whether the definitive feasibility study is complete.

    Returns
    -------
    ListingPath
        ``code`` is one of ``AIX_FIRST``, ``HKEX_AFTER_DFS``, ``DUAL_ELIGIBLE``,
        ``RECONCILE_CODE`` (stable, for IF() tests); ``str()`` gives "CODE: reason (rule)".

    Raises
    ------
    CorridorInputError
        For an unknown code or category, naming the argument and the accepted words.

    Notes
    -----
    The first rule that applies wins:

    1. the code is not one Chapter 18 names -> RECONCILE_CODE (Rule 18.29);
    2. below Indicated (Contingent for petroleum) -> AIX_FIRST (Rule 18.03(2));
    3. threshold met, DFS not complete -> HKEX_AFTER_DFS. Chapter 18 has no DFS requirement:
       this is the framework's advice, and the reason says so;
    4. otherwise DUAL_ELIGIBLE: the resource threshold is met. The reason names what is not
       checked here (mining rights 18.03(1), working capital 18.03(4), management 18.03(5),
       Chapter 8's basic conditions).

    Reasons and advice are templates in ``data/listing_paths.csv``; the report writes the same
    templates as native Excel formulas.

    References
    ----------
    .. [1] HKEX Main Board Listing Rules, Chapter 18 "Equity Securities - Mineral Companies":
       Rules 18.01, 18.03(2) and 18.29.

    Examples
    --------
    >>> listing_path("JORC", "Indicated", True).code
    'DUAL_ELIGIBLE'
    >>> listing_path("JORC", "Inferred", False).code
    'AIX_FIRST'
    >>> listing_path("GKZ", "C1", True).code
    'RECONCILE_CODE'
    """
    if not isinstance(reporting_code, str):
        raise CorridorInputError(
            "reporting_code", f"expected text such as 'JORC', got {show(reporting_code)}"
        )
    if not isinstance(resource_category, str):
        raise CorridorInputError(
            "resource_category", f"expected text such as 'Indicated', got {show(resource_category)}"
        )
    code = _codes().get(_norm(reporting_code))
    if code is None:
        known = ", ".join(dict.fromkeys(r["code"] for r in _codes().values()))
        raise CorridorInputError(
            "reporting_code", f"expected one of {known}, got {show(reporting_code)}"
        )
    kind = code["kind"]
    category = _categories().get((kind, _norm(resource_category)))
    if category is None and code["code"] == "GKZ":
        category = _categories().get(("gkz", _norm(resource_category)))
    if category is None:
        kinds = (kind, "gkz") if code["code"] == "GKZ" else (kind,)
        known = ", ".join(
            dict.fromkeys(r["category"] for (k, _), r in _categories().items() if k in kinds)
        )
        raise CorridorInputError(
            "resource_category",
            f"expected one of {known} for {code['code']}, got {show(resource_category)}",
        )
    dfs = _dfs(dfs_complete)
    if code["status"] != "accepted":
        path = "RECONCILE_CODE"
    elif category["meets_chapter18"] != "yes":
        path = "AIX_FIRST"
    elif not dfs:
        path = "HKEX_AFTER_DFS"
    else:
        path = "DUAL_ELIGIBLE"
    row = path_rules()[path]
    words = template_words(code["code"], category["category"], kind)
    return ListingPath(path, row["reason"].format(**words), row["rule"] or "framework advice")


def template_words(code: str, category: str, kind: str) -> dict[str, str]:
    """The words a path's reason and advice templates are filled with."""
    threshold = "Contingent Resources" if kind == "petroleum" else "Indicated Resources"
    return {"name": code, "cat": category, "threshold": threshold}


@cache
def path_rules() -> dict[str, dict[str, str]]:
    """The four paths' reason and advice templates and their basis (``listing_paths.csv``)."""
    return {row["code"]: row for row in data_rows("listing_paths.csv")}


@cache
def code_table() -> tuple[dict[str, str], ...]:
    """Every accepted spelling of every reporting code (normalised), with its canonical row."""
    return tuple({"word": w, **row} for w, row in _codes().items())


@cache
def category_table() -> tuple[dict[str, str], ...]:
    """Every accepted spelling of every category (normalised), by kind, with its row."""
    return tuple({"word": w, **row} for (_, w), row in _categories().items())


def dual_listing_decision(delta_npv: float, path_code: str) -> str:
    """Combine value and eligibility into the decision a report shows.

    Parameters
    ----------
    delta_npv : float
        Delta NPV of the dual listing, in the model currency.
    path_code : str
        The listing path's code (:func:`listing_path`).

    Returns
    -------
    str
        ``"PROCEED"`` only when Delta NPV > 0 and the HKEX listing is possible now
        (``DUAL_ELIGIBLE``); ``"DO NOT PROCEED"`` when Delta NPV <= 0; otherwise
        ``"WAIT: <what to do meanwhile>"`` (the value case is positive but HKEX must wait).

    Examples
    --------
    >>> dual_listing_decision(12.5, "DUAL_ELIGIBLE")
    'PROCEED'
    >>> dual_listing_decision(12.5, "HKEX_AFTER_DFS")
    'WAIT: list on AIX first; revisit HKEX after the DFS'
    >>> dual_listing_decision(-3.0, "DUAL_ELIGIBLE")
    'DO NOT PROCEED'
    """
    if path_code not in PATH_CODES:
        raise CorridorInputError("path_code", f"expected one of {', '.join(PATH_CODES)}, "
                                 f"got {path_code!r}")
    if not delta_npv > 0:
        return DECISION_REJECT
    if path_code == "DUAL_ELIGIBLE":
        return DECISION_PROCEED
    return DECISION_WAIT + path_rules()[path_code]["advice"]
