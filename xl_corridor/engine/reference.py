"""Reference data shipped with the package: Damodaran's country risk tables, every vintage.

The tables live in ``xl_corridor/data/damodaran/`` (one ``ctryprem_<vintage>.csv`` per vintage,
its rating -> default-spread table and, where the source shows it, the unrated frontier block),
indexed by ``vintages.toml``; ``README.md`` there gives the sources and the checks. A case picks
the latest vintage published on or before its valuation date and is warned when that vintage is
older than a newer one was due (:data:`STALE_AFTER_MONTHS`).
"""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
import warnings
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from xl_corridor.errors import CorridorInputError, show

__all__ = [
    "DamodaranCountry",
    "DamodaranDataset",
    "DamodaranVintageWarning",
    "central_asia_coverage",
    "damodaran",
    "damodaran_country",
    "damodaran_vintages",
    "TaxRate",
    "cross_listing_range",
    "data_dates",
    "tax_rate",
    "data_text",
    "select_vintage",
    "vintage_note",
]

_DIR = "damodaran"


class DamodaranVintageWarning(UserWarning):
    """The Damodaran vintage chosen for a valuation date is stale, or postdates it."""


@dataclass(frozen=True)
class DamodaranCountry:
    """One country row of Damodaran's table (decimals, not per cent).

    ``vintage`` is the vintage's date (``"2025-07-01"``); ``note`` is empty when the vintage is
    current for the valuation date asked about, otherwise the warning text (also raised as a
    :class:`DamodaranVintageWarning`), which a report can show.
    """

    name: str
    rating: str
    default_spread: float
    crp: float
    total_erp: float
    region: str = ""
    vintage: str = ""
    note: str = ""

    @property
    def stale(self) -> bool:
        """True when the vintage was not current for the valuation date asked about."""
        return bool(self.note)


@dataclass(frozen=True)
class DamodaranDataset:
    """One vintage: its scalars, date, source, country rows and rating spreads."""

    vintage: str
    source: str
    mature_erp: float
    relative_volatility: float
    countries: dict[str, DamodaranCountry]
    rating_spreads: dict[str, float]
    key: str = ""
    label: str = ""
    us_erp: float | None = None
    files: tuple[str, ...] = field(default_factory=tuple)


def data_text(name: str) -> str:
    """The text of a data file shipped in ``xl_corridor/data`` (``name`` may hold a sub-folder)."""
    node = resources.files("xl_corridor").joinpath("data")
    for part in name.split("/"):
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def data_rows(name: str) -> list[dict[str, str]]:
    """Rows of a CSV data file, skipping its ``#`` header comments (which carry the source)."""
    lines = [ln for ln in data_text(name).splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines))


@cache
def _index() -> dict[str, Any]:
    return tomllib.loads(data_text(f"{_DIR}/vintages.toml"))


#: Months after a vintage's date beyond which a newer one was due (Damodaran updates every
#: January and July; one month of publication lag is allowed).
STALE_AFTER_MONTHS: int = int(_index()["stale_after_months"])


def damodaran_vintages() -> tuple[str, ...]:
    """The dates of every shipped vintage, oldest first.

    Examples
    --------
    >>> damodaran_vintages()[0]
    '2024-07-01'
    """
    return tuple(sorted(v["date"] for v in _index()["vintage"]))


def _key(vintage: str) -> dict[str, Any]:
    text = str(vintage).strip()
    for v in _index()["vintage"]:
        if text in (v["key"], v["date"]):
            return dict(v)
    raise CorridorInputError(
        "vintage", f"expected one of {', '.join(damodaran_vintages())}, got {vintage!r}")


@cache
def _load(key: str) -> DamodaranDataset:
    meta, idx = _key(key), _index()
    countries: dict[str, DamodaranCountry] = {}
    files = [f"ctryprem_{meta['key']}.csv", f"ratings_spreads_{meta['key']}.csv"]
    for row in data_rows(f"{_DIR}/{files[0]}"):
        countries[row["country"].lower()] = DamodaranCountry(
            name=row["country"], rating=row["moodys_rating"],
            default_spread=float(row["default_spread"]), crp=float(row["country_risk_premium"]),
            total_erp=float(row["equity_risk_premium"]), region=row["region"],
            vintage=meta["date"])
    if meta.get("frontier"):
        files.append(f"ctryprem_frontier_{meta['key']}.csv")
        for row in data_rows(f"{_DIR}/{files[-1]}"):
            countries.setdefault(row["country"].lower(), DamodaranCountry(
                name=row["country"], rating=f"NR (PRS {row['prs_composite_score']})",
                default_spread=float(row["default_spread"]),
                crp=float(row["country_risk_premium"]),
                total_erp=float(row["equity_risk_premium"]), region="Frontier (unrated)",
                vintage=meta["date"]))
    spreads = {r["moodys_rating"]: float(r["default_spread"])
               for r in data_rows(f"{_DIR}/{files[1]}") if r["default_spread"].strip()}
    return DamodaranDataset(
        vintage=meta["date"], source=idx["source"], mature_erp=float(meta["mature_erp"]),
        relative_volatility=float(meta["relative_volatility"]), countries=countries,
        rating_spreads=spreads, key=meta["key"], label=meta["label"],
        us_erp=float(meta["us_erp"]) if "us_erp" in meta else None, files=tuple(files))


def _as_date(as_of: Any) -> dt.date:
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    if isinstance(as_of, str):
        try:
            return dt.date.fromisoformat(as_of.strip())
        except ValueError:
            pass
    raise CorridorInputError("as_of", f"expected a valuation date (YYYY-MM-DD), got {as_of!r}")


def _months_between(start: dt.date, end: dt.date) -> float:
    return (end.year - start.year) * 12 + (end.month - start.month) + (end.day - start.day) / 31


def select_vintage(as_of: Any = None) -> str:
    """The vintage for a valuation date: the latest dated on or before it (None: the latest).

    A valuation date before the earliest vintage gets the earliest (see :func:`vintage_note`).

    Examples
    --------
    >>> select_vintage("2025-08-28"), select_vintage("2026-03-31"), select_vintage(None)
    ('2025-07-01', '2026-01-01', '2026-07-01')
    """
    dates = damodaran_vintages()
    if as_of is None:
        return dates[-1]
    day = _as_date(as_of).isoformat()
    eligible = [d for d in dates if d <= day]
    return eligible[-1] if eligible else dates[0]


def vintage_note(vintage: str, as_of: Any) -> str:
    """Why the vintage does not fit the valuation date, or ``""`` when it does.

    The rule: a vintage dated more than :data:`STALE_AFTER_MONTHS` (7) months before the
    valuation date is stale (Damodaran publishes every January and July, so a newer one was
    due); a vintage dated after the valuation date uses data the valuer could not have had.

    Examples
    --------
    >>> vintage_note("2025-07-01", "2025-08-28")
    ''
    >>> vintage_note("2026-07-01", "2027-06-30")[:40]
    'Damodaran vintage 2026-07-01 is 12.0 mon'
    """
    if as_of is None:
        return ""
    day, vdate = _as_date(as_of), dt.date.fromisoformat(vintage)
    if vdate > day:
        return (f"Damodaran vintage {vintage} postdates the valuation date {day.isoformat()}: "
                f"no vintage on or before it is shipped (earliest {damodaran_vintages()[0]})")
    age = _months_between(vdate, day)
    if age > STALE_AFTER_MONTHS:
        return (f"Damodaran vintage {vintage} is {age:.1f} months older than the valuation date "
                f"{day.isoformat()} (rule: stale after {STALE_AFTER_MONTHS} months; Damodaran "
                "updates every January and July): a newer vintage was due, update the data")
    return ""


def damodaran(vintage: str | None = None, *, as_of: Any = None) -> DamodaranDataset:
    """One vintage of Damodaran's country risk data (default: the latest shipped).

    Parameters
    ----------
    vintage : str, optional
        ``"2025-07"`` or ``"2025-07-01"``; None picks by ``as_of``.
    as_of : datetime.date or str, optional, keyword-only
        Valuation date: the latest vintage dated on or before it (see :func:`select_vintage`).

    References
    ----------
    .. [1] A. Damodaran, "Country Default Spreads and Risk Premiums" (ctryprem), vintages July
       2024 to July 2026, https://pages.stern.nyu.edu/~adamodar/New_Home_Page/datafile/ctryprem.html
       (copies and checks: ``xl_corridor/data/damodaran/README.md``).

    Examples
    --------
    >>> d = damodaran("2024-07")
    >>> d.vintage, d.mature_erp, round(d.relative_volatility, 6)
    ('2024-07-01', 0.0412, 1.298047)
    >>> damodaran(as_of="2025-08-28").mature_erp
    0.0421
    """
    return _load(select_vintage(as_of) if vintage is None else _key(vintage)["key"])


def central_asia_coverage(vintage: str | None = None) -> dict[str, bool]:
    """Which Central Asian countries a vintage covers (name -> present).

    Examples
    --------
    >>> cov = central_asia_coverage("2026-07")
    >>> [name for name, present in cov.items() if not present]
    ['Turkmenistan']
    """
    data = damodaran(vintage)
    return {name: name.lower() in data.countries for name in _index()["central_asia"]}


def damodaran_country(name: str, *, as_of: Any = None) -> DamodaranCountry:
    """One country's row of Damodaran's table, from the vintage for the valuation date.

    Parameters
    ----------
    name : str
        Country as Damodaran spells it (case-insensitive), e.g. ``"Kazakhstan"``.
    as_of : datetime.date or str, optional, keyword-only
        Valuation date: the latest vintage dated on or before it is used, and a
        :class:`DamodaranVintageWarning` is issued (and ``note`` filled) when that vintage is
        stale or postdates it (:func:`vintage_note`). None: the latest vintage, no check.

    Returns
    -------
    DamodaranCountry
        Rating, default spread, CRP and total ERP (decimals, not per cent), the vintage date and
        the note.

    References
    ----------
    .. [1] A. Damodaran, "Country Default Spreads and Risk Premiums" (ctryprem).

    Examples
    --------
    >>> damodaran_country("Kazakhstan", as_of="2024-08-01").crp
    0.02325400456719643
    >>> round(damodaran_country("Kazakhstan", as_of="2025-08-28").crp, 6)
    0.023646
    """
    data = damodaran(as_of=as_of)
    key = str(name).strip().lower()
    row = data.countries.get(key)
    if row is None:
        central = {c.lower(): c for c in _index()["central_asia"]}
        if key in central:
            raise CorridorInputError(
                "country",
                f"expected a country in Damodaran's {data.vintage} table: {central[key]} is not in "
                "it (no Moody's rating and not in the PRS frontier list); supply "
                "premia.crp_single yourself")
        known = ", ".join(sorted(c.name for c in data.countries.values()))
        raise CorridorInputError(
            "country", f"expected one of {known} (Damodaran {data.vintage}), got {show(name)}"
        ) from None
    note = vintage_note(data.vintage, as_of)
    if note:
        warnings.warn(note, DamodaranVintageWarning, stacklevel=2)
        row = DamodaranCountry(**{**row.__dict__, "note": note})
    return row


def data_dates() -> dict[str, str]:
    """The date of every shipped reference data set, read from the data files themselves.

    Damodaran: every vintage in ``damodaran/vintages.toml``; HKEX Chapter 18 tables: the
    "consulted YYYY-MM-DD" line of each CSV header; venue costs: the latest ``date`` entry.

    Examples
    --------
    >>> data_dates()["Damodaran ctryprem"].split(", ")[0]
    '2024-07-01'
    """
    import re

    out = {"Damodaran ctryprem": ", ".join(damodaran_vintages())}
    for name, label in (("reporting_codes.csv", "HKEX Chapter 18 reporting codes"),
                        ("resource_categories.csv", "HKEX Chapter 18 resource categories")):
        found = re.search(r"consulted (\d{4}-\d{2}-\d{2})", data_text(name), re.IGNORECASE)
        if found:
            out[label] = f"consulted {found.group(1)}"
    costs = tomllib.loads(data_text("venue_costs.toml"))
    dates = [str(v["date"]) for table in costs.values() if isinstance(table, dict)
             for v in table.values() if isinstance(v, dict) and "date" in v]
    if dates:
        out["Venue costs"] = f"latest entry {max(dates)}"
    return out


@dataclass(frozen=True)
class TaxRate:
    """A jurisdiction's statutory tax rate (decimal), what it applies to, source and date."""

    jurisdiction: str
    rate: float
    basis: str
    source: str
    date: str


def tax_rate(jurisdiction: str) -> TaxRate:
    """The statutory corporate tax rate of a jurisdiction, from ``tax_rates.toml``.

    References
    ----------
    .. [1] Tax Code of the Republic of Kazakhstan No. 120-VI (2017), Art. 313; Hong Kong Inland
       Revenue Ordinance (Cap. 112), Sch. 8 (sources and dates in the data file).

    Examples
    --------
    >>> tax_rate("Kazakhstan").rate, tax_rate("hong kong").rate
    (0.2, 0.165)
    """
    table = tomllib.loads(data_text("tax_rates.toml"))
    by_key = {k.lower(): k for k in table}
    key = by_key.get(str(jurisdiction).strip().lower())
    if key is None:
        raise CorridorInputError(
            "tax_jurisdiction", f"expected one of {', '.join(sorted(table))}, or give the "
                                f"tax rate itself, got {jurisdiction!r}")
    row = table[key]
    return TaxRate(key, float(row["rate"]), row["basis"], row["source"], str(row["date"]))


def cross_listing_range() -> dict[str, Any]:
    """The published cost-of-capital reduction of a cross-listing (Hail & Leuz 2009).

    Returns ``low`` and ``high`` (decimals), ``effect``, ``source`` and ``date``.

    References
    ----------
    .. [1] L. Hail and C. Leuz, "Cost of capital effects and changes in growth expectations
       around U.S. cross-listings", Journal of Financial Economics 93 (2009) 428-454.

    Examples
    --------
    >>> r = cross_listing_range()
    >>> r["low"], r["high"]
    (0.007, 0.012)
    """
    return dict(tomllib.loads(data_text("cross_listing_premia.toml"))["hail_leuz_2009"])
