"""Reference data shipped with the package: Damodaran's country risk table and its vintage."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from xl_corridor.errors import CorridorInputError, show

__all__ = ["DamodaranCountry", "DamodaranDataset", "damodaran", "damodaran_country", "data_text"]


@dataclass(frozen=True)
class DamodaranCountry:
    """One country row of Damodaran's table (decimals, not per cent)."""

    name: str
    rating: str
    default_spread: float
    crp: float
    total_erp: float


@dataclass(frozen=True)
class DamodaranDataset:
    """The dataset's scalars, its vintage and source."""

    vintage: str
    source: str
    mature_erp: float
    relative_volatility: float
    countries: dict[str, DamodaranCountry]
    rating_spreads: dict[str, float]


def data_text(name: str) -> str:
    """The text of a data file shipped in ``xl_corridor/data``."""
    return resources.files("xl_corridor").joinpath("data", name).read_text(encoding="utf-8")


def data_rows(name: str) -> list[dict[str, str]]:
    """Rows of a CSV data file, skipping its ``#`` header comments (which carry the source)."""
    lines = [ln for ln in data_text(name).splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines))


@cache
def damodaran() -> DamodaranDataset:
    """Damodaran's July 2024 country risk data.

    References
    ----------
    .. [1] A. Damodaran, "Country Default Spreads and Risk Premiums", dataset dated 2024-07-01,
       https://pages.stern.nyu.edu/~adamodar/New_Home_Page/datafile/ctryprem.html

    Examples
    --------
    >>> d = damodaran()
    >>> d.vintage, d.mature_erp, d.relative_volatility
    ('2024-07-01', 0.0412, 1.298047)
    """
    meta = tomllib.loads(data_text("damodaran_2024-07.toml"))
    countries: dict[str, DamodaranCountry] = {}
    spreads: dict[str, float] = {}
    for row in data_rows(meta["table"]):
        if row["kind"] == "rating":
            spreads[row["key"]] = float(row["default_spread"])
        else:
            countries[row["key"].lower()] = DamodaranCountry(
                name=row["key"],
                rating=row["moodys_rating"],
                default_spread=float(row["default_spread"]),
                crp=float(row["crp"]),
                total_erp=float(row["total_erp"]),
            )
    return DamodaranDataset(
        vintage=meta["vintage"],
        source=meta["source"],
        mature_erp=float(meta["mature_erp"]),
        relative_volatility=float(meta["relative_volatility"]),
        countries=countries,
        rating_spreads=spreads,
    )


def damodaran_country(name: str) -> DamodaranCountry:
    """One country's row of Damodaran's July 2024 table.

    Examples
    --------
    >>> damodaran_country("Kazakhstan").crp
    0.023254
    """
    data = damodaran()
    try:
        return data.countries[str(name).strip().lower()]
    except KeyError:
        known = ", ".join(sorted(c.name for c in data.countries.values()))
        raise CorridorInputError(
            "country", f"expected one of {known} (Damodaran {data.vintage}), got {show(name)}"
        ) from None
