"""Damodaran's country table, every shipped vintage: rows against the published tables.

Expected values are copied from the published rows in /work/shared/reference/damodaran/ (file
named beside each row), the independent source; the package ships copies of those files.
"""

import datetime as dt
import warnings

import pytest

import xl_corridor as xc
from xl_corridor.engine import reference
from xl_corridor.engine.reference import DamodaranVintageWarning
from xl_corridor.errors import CorridorInputError

# (country, as_of, vintage, rating, default spread, total ERP, CRP), each row verbatim from
# /work/shared/reference/damodaran/<file>
PUBLISHED = [
    # ctryprem_2024-07.csv line 96
    ("Kazakhstan", "2024-12-31", "2024-07-01", "Baa2", 0.017914613811058765,
     0.06445400456719644, 0.02325400456719643),
    # ctryprem_2025-01.csv line 182
    ("Uzbekistan", "2025-03-01", "2025-01-01", "Ba3", 0.035619699975204554,
     0.09129746938335138, 0.047997469383351386),
    # ctryprem_2025-01.csv line 168
    ("Tajikistan", "2025-06-30", "2025-01-01", "B3", 0.06437154930159515,
     0.13004052473527228, 0.08674052473527227),
    # ctryprem_2026-01.csv line 96
    ("Kazakhstan", "2026-02-15", "2026-01-01", "Baa1", 0.013583966609017133,
     0.06299351767277012, 0.020693517672770126),
    # ctryprem_2026-04.csv line 87
    ("Hong Kong", "2026-05-01", "2026-04-01", "Aa3", 0.005704067734326419,
     0.056452209790575886, 0.008752209790575883),
    # ctryprem_2026-07.csv line 181
    ("Uzbekistan", "2026-07-01", "2026-07-01", "Ba2", 0.023955593224632577,
     0.07923886249657033, 0.03723886249657034),
    # ctryprem_2026-07.csv line 167
    ("Tajikistan", "2026-12-31", "2026-07-01", "B2", 0.04379381886378142,
     0.11007729550154263, 0.06807729550154264),
]


@pytest.mark.parametrize(("country", "as_of", "vintage", "rating", "ds", "erp", "crp"), PUBLISHED)
def test_rows_match_the_published_tables(country, as_of, vintage, rating, ds, erp, crp):
    row = xc.damodaran_country(country, as_of=dt.date.fromisoformat(as_of))
    assert (row.vintage, row.rating, row.note) == (vintage, rating, "")
    assert (row.default_spread, row.total_erp, row.crp) == (ds, erp, crp)


def test_kazakhstan_at_the_example_valuation_date_is_july_2025():
    # ctryprem_2025-07.csv: Kazakhstan Baa1, DS 0.015716260536563685, CRP 0.023646124545927533;
    # header: mature ERP 0.0421, multiplier 1.504564300834484.
    row = xc.damodaran_country("Kazakhstan", as_of=dt.date(2025, 8, 28))
    assert row.crp == 0.023646124545927533
    data = xc.damodaran(as_of=dt.date(2025, 8, 28))
    assert (data.mature_erp, data.relative_volatility) == (0.0421, 1.504564300834484)
    # Damodaran's identity CRP = DS x multiplier (README: exact on these rows)
    assert row.default_spread * data.relative_volatility == pytest.approx(row.crp, rel=1e-15)


def test_frontier_block_is_loaded_where_published():
    # ctryprem_frontier_2026-01.csv: Guyana, PRS 75.5, ERP 0.06299351767277012,
    # CRP 0.02069351767277012, DS 0.01358396660901713
    row = xc.damodaran_country("Guyana", as_of="2026-02-01")
    assert (row.crp, row.total_erp, row.default_spread) == (
        0.02069351767277012, 0.06299351767277012, 0.01358396660901713)
    assert row.rating.startswith("NR")


def test_rating_spreads_table():
    # ratings_spreads_2025-07.csv: Baa1 157.16260536563684 bps -> 0.015716260536563685
    assert xc.damodaran("2025-07").rating_spreads["Baa1"] == 0.015716260536563685


def test_every_vintage_ships_with_its_header_scalars():
    # each CSV's '# Mature-market ERP ... multiplier ...' line against the index file
    for vintage in reference.damodaran_vintages():
        data = xc.damodaran(vintage)
        header = reference.data_text(f"damodaran/{data.files[0]}")
        line = next(ln for ln in header.splitlines() if ln.startswith("# Mature-market ERP"))
        assert f"Mature-market ERP: {data.mature_erp!r}" in line
        assert f"multiplier: {data.relative_volatility!r}" in line
        assert len(data.countries) >= 156


def test_vintage_selection_by_valuation_date():
    assert reference.damodaran_vintages() == (
        "2024-07-01", "2025-01-01", "2025-07-01", "2026-01-01", "2026-04-01", "2026-07-01")
    assert reference.select_vintage(dt.date(2025, 6, 30)) == "2025-01-01"
    assert reference.select_vintage(dt.date(2025, 7, 1)) == "2025-07-01"
    assert reference.select_vintage(None) == "2026-07-01"
    assert xc.damodaran().vintage == "2026-07-01"


def test_stale_vintage_warns_and_says_so_in_the_record():
    # 2026-07-01 vintage, valuation 2027-03-01: 8 months > 7 -> a newer vintage was due
    with pytest.warns(DamodaranVintageWarning, match="newer vintage was due"):
        row = xc.damodaran_country("Kazakhstan", as_of=dt.date(2027, 3, 1))
    assert row.stale and "2026-07-01" in row.note
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not xc.damodaran_country("Kazakhstan", as_of=dt.date(2027, 1, 31)).stale


def test_valuation_before_the_first_vintage_warns():
    with pytest.warns(DamodaranVintageWarning, match="postdates the valuation date"):
        row = xc.damodaran_country("Kazakhstan", as_of=dt.date(2020, 1, 1))
    assert row.vintage == "2024-07-01"


@pytest.mark.parametrize("vintage", ["2024-07", "2025-01", "2025-07", "2026-01", "2026-04",
                                     "2026-07"])
def test_central_asia_coverage_names_turkmenistan(vintage):
    # README: Turkmenistan has no Moody's rating and is not in the frontier list, every vintage
    cov = reference.central_asia_coverage(vintage)
    assert cov == {"Kazakhstan": True, "Uzbekistan": True, "Kyrgyzstan": True,
                   "Tajikistan": True, "Turkmenistan": False}


def test_missing_central_asian_country_is_refused_by_name():
    with pytest.raises(CorridorInputError, match="Turkmenistan is not in it") as info:
        xc.damodaran_country("Turkmenistan", as_of=dt.date(2025, 8, 28))
    assert info.value.argument == "country"


def test_unknown_vintage_is_refused():
    with pytest.raises(CorridorInputError, match="expected one of 2024-07-01"):
        xc.damodaran("2023-07")
