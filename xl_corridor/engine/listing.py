"""Which listing path the reserves allow: HKEX Chapter 18 against AIX first."""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from xl_corridor.engine.reference import data_rows
from xl_corridor.errors import CorridorInputError, show

__all__ = ["ListingPath", "listing_path", "PATH_CODES"]

PATH_CODES = ("AIX_FIRST", "HKEX_AFTER_DFS", "DUAL_ELIGIBLE", "RECONCILE_CODE")


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
    3. threshold met, DFS not complete -> HKEX_AFTER_DFS;
    4. otherwise DUAL_ELIGIBLE.

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
    name, cat = code["code"], category["category"]
    threshold = "Contingent Resources" if kind == "petroleum" else "Indicated Resources"

    if code["status"] != "accepted":
        return ListingPath(
            "RECONCILE_CODE",
            f"{name} is not a reporting standard Chapter 18 names (JORC, NI 43-101, SAMREC; "
            f"PRMS for petroleum); the Competent Person's Report must reconcile it to one "
            f"(Rule 18.29). List on AIX first meanwhile",
            "18.29",
        )
    if category["meets_chapter18"] != "yes":
        return ListingPath(
            "AIX_FIRST",
            f"{cat} is below the {threshold} that HKEX Chapter 18 requires in a Competent "
            f"Person's Report (Rule 18.03(2)); list on AIX first",
            "18.03(2)",
        )
    if not dfs:
        return ListingPath(
            "HKEX_AFTER_DFS",
            f"{cat} under {name} meets Chapter 18's threshold (Rule 18.03(2)) but the definitive "
            f"feasibility study is not complete; list on AIX first, add HKEX after the DFS",
            "18.03(2)",
        )
    return ListingPath(
        "DUAL_ELIGIBLE",
        f"{cat} under {name} meets Chapter 18 (Rule 18.03(2)) and the DFS is complete: "
        f"eligible for the HKEX + AIX dual primary listing",
        "18.03(2)",
    )
